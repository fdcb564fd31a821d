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
    /// The key is an individual key (no issuer id), as `--individual-key` says.
    #[serde(default)]
    pub(crate) individual_key: bool,
}

/// Where the config file is: `ASCERT_CONFIG`, else the platform's config folder.
pub(crate) fn path() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ASCERT_CONFIG") {
        return Some(PathBuf::from(path));
    }
    directories::ProjectDirs::from("", "", "ascert").map(|dirs| dirs.config_dir().join("config.toml"))
}

/// Reads the config file; a missing file at the default place is an empty config, a missing file
/// that `ASCERT_CONFIG` names is an error (a typo there would otherwise drop every profile silently).
pub(crate) fn load() -> Result<(Option<PathBuf>, Config)> {
    let Some(path) = path() else {
        return Ok((None, Config::default()));
    };
    let text = match input::read_text(&path, Input::Config) {
        Ok(text) => text,
        Err(err) if err.is_not_found() && std::env::var_os("ASCERT_CONFIG").is_some() => {
            return Err(crate::failure::UserError::usage(format!(
                "ASCERT_CONFIG names the config file {}, which does not exist",
                path.display()
            ))
            .hint(
                "check the path, or unset ASCERT_CONFIG to use the default config file; `ascert auth login` \
                 creates the file",
            )
            .into());
        }
        Err(err) if err.is_not_found() => return Ok((Some(path), Config::default())),
        Err(err) => return Err(err.explained(&format!("the config file {}", path.display()))),
    };
    let config =
        toml::from_str(&text).with_context(|| format!("the config file {} is not valid", path.display()))?;
    Ok((Some(path), config))
}

/// Saves `base_url` as the `base_url` of `profile` in the config file (for `auth login`), keeping
/// the rest of the file as it was: comments, order and other profiles. Returns the file's path.
///
/// # Errors
/// When the config file cannot be read, parsed or written.
pub(crate) fn save_base_url(profile: &str, base_url: &str) -> Result<PathBuf> {
    edit(|path, profiles| {
        let table = profiles
            .entry(profile)
            .or_insert_with(toml_edit::table)
            .as_table_mut()
            .with_context(|| format!("profile {profile:?} of {} is not a table", path.display()))?;
        table.insert("base_url", toml_edit::value(base_url));
        Ok(true)
    })
}

/// Removes `profile` from the config file when it holds nothing but a `base_url`, as `auth login`
/// writes it (for `auth logout`); a profile with a key file of its own stays. Returns the file's
/// path when it changed.
///
/// # Errors
/// When the config file cannot be read, parsed or written.
pub(crate) fn forget_login_profile(profile: &str) -> Result<Option<PathBuf>> {
    let mut changed = false;
    let path = edit(|_, profiles| {
        let only_base_url = profiles
            .get(profile)
            .and_then(toml_edit::Item::as_table)
            .is_some_and(|t| t.len() == 1 && t.contains_key("base_url"));
        if only_base_url {
            profiles.remove(profile);
            changed = true;
        }
        Ok(changed)
    })?;
    Ok(changed.then_some(path))
}

/// Reads the config file (none is an empty one), lets `change` edit its `profiles` table, and
/// writes it back atomically when `change` says it changed something.
fn edit(change: impl FnOnce(&Path, &mut toml_edit::Table) -> Result<bool>) -> Result<PathBuf> {
    let path = path().context("there is no config folder on this machine (set ASCERT_CONFIG)")?;
    let text = match input::read_text(&path, Input::Config) {
        Ok(text) => text,
        Err(err) if err.is_not_found() => String::new(),
        Err(err) => return Err(err.explained(&format!("the config file {}", path.display()))),
    };
    let mut doc: toml_edit::DocumentMut = text
        .parse()
        .with_context(|| format!("the config file {} is not valid", path.display()))?;
    let profiles = doc
        .entry("profiles")
        .or_insert_with(|| {
            let mut table = toml_edit::Table::new();
            table.set_implicit(true);
            toml_edit::Item::Table(table)
        })
        .as_table_mut()
        .with_context(|| format!("`profiles` of {} is not a table", path.display()))?;
    if !change(&path, profiles)? {
        return Ok(path);
    }
    if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
        std::fs::create_dir_all(folder).with_context(|| format!("cannot create {}", folder.display()))?;
    }
    ascert_keystore::write_atomic(
        &path,
        doc.to_string().as_bytes(),
        ascert_keystore::FileMode::Secret,
    )
    .with_context(|| format!("cannot write the config file {}", path.display()))?;
    Ok(path)
}

/// Expands a leading `~/` to the home folder.
pub(crate) fn expand_home(path: &Path) -> PathBuf {
    match (path.strip_prefix("~"), directories::BaseDirs::new()) {
        (Ok(rest), Some(base)) => base.home_dir().join(rest),
        _ => path.to_path_buf(),
    }
}
