//! The config file: named profiles that say which API key and base URL to use.
//!
//! ```toml
//! # ~/.config/ascert/config.toml (or the platform's equivalent; ASCERT_CONFIG names another file)
//! [profiles.default]
//! key_id = "2X9R4HXF34"
//! issuer_id = "57246542-96fe-1a63-e053-0824d011072a"
//! private_key = "~/keys/AuthKey_2X9R4HXF34.p8"   # or: api_key = "~/keys/api-key.json"
//! base_url = "https://api.appstoreconnect.apple.com"
//! ```

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use serde::Deserialize;

use crate::input::{self, Input};

/// The whole config file.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Config {
    #[serde(default)]
    pub(crate) profiles: BTreeMap<String, Profile>,
}

/// One profile.
#[derive(Debug, Default, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct Profile {
    pub(crate) key_id: Option<String>,
    pub(crate) issuer_id: Option<String>,
    pub(crate) private_key: Option<PathBuf>,
    pub(crate) api_key: Option<PathBuf>,
    pub(crate) base_url: Option<String>,
}

/// Where the config file is: `ASCERT_CONFIG`, else the platform's config folder.
pub(crate) fn path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ASCERT_CONFIG") {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "ascert").map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Reads the config file; a missing file is an empty config.
pub(crate) fn load() -> Result<(Option<PathBuf>, Config)> {
    let Some(path) = path() else {
        return Ok((None, Config::default()));
    };
    let text = match input::read_text(&path, Input::Config) {
        Ok(text) => text,
        Err(err) if err.is_not_found() => return Ok((Some(path), Config::default())),
        Err(err) => return Err(err.explained(&format!("the config file {}", path.display()))),
    };
    let config =
        toml::from_str(&text).with_context(|| format!("the config file {} is not valid", path.display()))?;
    Ok((Some(path), config))
}

/// Expands a leading `~/` to the home folder.
pub(crate) fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(base)) => base.home_dir().join(rest),
        _ => path.to_path_buf(),
    }
}
