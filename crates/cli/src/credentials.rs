//! Which API key a command uses. One documented order: the flags, then the environment, then the
//! profile in the config file, then the OS credential store, then `AuthKey_<KEY_ID>.p8` lookup.

use std::path::Path;

use crate::config::{self, Profile};
use crate::failure::{Exit, UserError};
use crate::input::{self, Input, ReadError};
use crate::redact::shown_path;
use anyhow::{Context as _, Result};
use ascert_auth::{ApiKey, CredentialStore, KeyFolders};

/// The default profile name.
pub(crate) const DEFAULT_PROFILE: &str = "default";

/// An API key and where it came from.
#[derive(Debug)]
pub(crate) struct Credentials {
    pub(crate) key: ApiKey,
    /// Where the key was found, for `ascert auth status` and logs.
    pub(crate) source: String,
    /// A base URL the profile names, if any.
    pub(crate) base_url: Option<String>,
}

/// The global options that name an API key (`--profile`, `--api-key`, `--key-id`, `--issuer-id`,
/// `--private-key`, `--individual-key`), as the grammar parsed them.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct KeyFlags<'a> {
    pub(crate) profile: Option<&'a str>,
    pub(crate) api_key: Option<&'a Path>,
    pub(crate) key_id: Option<&'a str>,
    pub(crate) issuer_id: Option<&'a str>,
    pub(crate) private_key: Option<&'a Path>,
    pub(crate) individual_key: bool,
}

impl Credentials {
    /// Whether the key has no issuer id (an individual key, or a team key given without its
    /// issuer id), for the hint of a 401.
    pub(crate) fn is_individual(&self) -> bool {
        self.key.issuer_id().is_none()
    }
}

/// The message of the error that says no API key was found anywhere.
pub(crate) const NO_KEY: &str = "no App Store Connect API key found";

/// Whether `err` says that no API key was found anywhere (not that one was found and is unusable).
pub(crate) fn is_missing_key(err: &anyhow::Error) -> bool {
    err.downcast_ref::<UserError>()
        .is_some_and(|e| e.message == NO_KEY)
}

/// Resolves the API key in the documented order.
pub(crate) fn resolve(global: &KeyFlags<'_>) -> Result<Credentials> {
    resolve_in_order(global, false)
}

/// The key `auth login` saves under its profile: resolved in the same order, except that the
/// environment's key counts even when a profile is named — that profile is the one being made,
/// so it cannot already be the source.
pub(crate) fn resolve_to_save(global: &KeyFlags<'_>) -> Result<Credentials> {
    resolve_in_order(global, true)
}

/// Whether `err` says that a profile asked for by name exists nowhere.
pub(crate) fn is_missing_profile(err: &anyhow::Error) -> bool {
    err.downcast_ref::<UserError>()
        .is_some_and(|e| e.message.starts_with("no profile "))
}

fn resolve_in_order(global: &KeyFlags<'_>, saving: bool) -> Result<Credentials> {
    let profile_name = global.profile.unwrap_or(DEFAULT_PROFILE);
    if let Some(key) = from_flags(global)? {
        return Ok(Credentials {
            key,
            source: "command-line flags".into(),
            base_url: None,
        });
    }
    // A profile asked for by name (--profile, ASCERT_PROFILE) is what the user chose: the
    // environment's key variables do not replace it.
    if (global.profile.is_none() || saving)
        && let Some(key) = from_env(global)?
    {
        return Ok(Credentials {
            key,
            source: "environment variables".into(),
            base_url: None,
        });
    }
    let (config_path, config) = config::load()?;
    let profile = config.profiles.get(profile_name).cloned().unwrap_or_default();
    if let Some(key) = from_profile(&profile, global)? {
        let path = config_path.map(|p| p.display().to_string()).unwrap_or_default();
        return Ok(Credentials {
            key,
            source: format!("profile {profile_name:?} of {path}"),
            base_url: profile.base_url,
        });
    }
    match CredentialStore::platform().and_then(|store| store.load(profile_name)) {
        Ok(key) => {
            return Ok(Credentials {
                key,
                source: format!("the OS credential store (profile {profile_name:?})"),
                base_url: profile.base_url,
            });
        }
        Err(err) => tracing::debug!(error = %err, "no API key in the OS credential store"),
    }
    let key_id = global.key_id.or(profile.key_id.as_deref());
    if let Some(key_id) = key_id {
        let issuer = global.issuer_id.or(profile.issuer_id.as_deref());
        if let Some(path) = KeyFolders::system().find(key_id) {
            let issuer = issuer_or_individual(
                issuer,
                global.individual_key || profile.individual_key,
                &format!("the key {}", path.display()),
            )?;
            let key = ApiKey::from_p8_file(key_id, issuer, &path)?;
            return Ok(Credentials {
                key,
                source: path.display().to_string(),
                base_url: profile.base_url,
            });
        }
    }
    if let Some(named) = global.profile
        && !config.profiles.contains_key(named)
    {
        // A profile asked for by name and found nowhere is most often a typo: say so, not "no key".
        let path = config_path.map(|p| p.display().to_string()).unwrap_or_default();
        let known: Vec<&str> = config.profiles.keys().map(String::as_str).collect();
        return Err(UserError::new(
            Exit::Auth,
            format!("no profile {named:?}: not in the config file {path} nor in the OS credential store"),
        )
        .hint(if known.is_empty() {
            format!("save one with `ascert --profile {named} auth login` (and the key's options)")
        } else {
            format!(
                "the config file has {}; `ascert --profile {named} auth login` saves a new one",
                known
                    .iter()
                    .map(|k| format!("{k:?}"))
                    .collect::<Vec<_>>()
                    .join(", ")
            )
        })
        .into());
    }
    Err(UserError::new(Exit::Auth, NO_KEY)
        .hint(
            "pass --api-key FILE (a .p8, fastlane or rcodesign JSON), set ASC_KEY_ID, ASC_ISSUER_ID and \
             ASC_PRIVATE_KEY_PATH, or save one with `ascert auth login`; `ascert demo` needs none",
        )
        .into())
}

/// The key of the environment's variables; `--individual-key` says an `ASC_*` key without
/// `ASC_ISSUER_ID` is an individual key, as `ASC_INDIVIDUAL_KEY=1` does.
fn from_env(global: &KeyFlags<'_>) -> Result<Option<ApiKey>> {
    let lookup = |name: &str| {
        if name == ascert_auth::ASC_INDIVIDUAL_KEY && global.individual_key {
            return Some("1".to_owned());
        }
        std::env::var(name).ok()
    };
    ApiKey::from_env_with(&lookup, &KeyFolders::system())
        .context("the API key in the environment cannot be used")
}

/// The issuer id of a key whose source does not say whether it is a team key: a team key needs
/// one, and only a key said to be an individual key (`individual`) goes without. Checked before
/// any request, so that a forgotten issuer id is not a 401 from Apple.
fn issuer_or_individual<'a>(
    issuer: Option<&'a str>,
    individual: bool,
    origin: &str,
) -> Result<Option<&'a str>> {
    if issuer.is_none() && !individual {
        return Err(ascert_auth::AuthError::IssuerIdOrIndividual {
            origin: origin.to_owned(),
            declare: "pass --individual-key (or set individual_key = true in the profile)",
        }
        .into());
    }
    Ok(issuer)
}

/// `--api-key FILE` or `--private-key FILE` (with `--key-id`, `--issuer-id`).
fn from_flags(global: &KeyFlags<'_>) -> Result<Option<ApiKey>> {
    if let Some(path) = global.api_key {
        return load_key_file(path, global.key_id, global.issuer_id, global.individual_key).map(Some);
    }
    if let Some(path) = global.private_key {
        let key_id = global
            .key_id
            .map(str::to_owned)
            .or_else(|| key_id_from_file_name(path))
            .ok_or_else(|| {
                UserError::usage("--private-key needs --key-id (or a file named AuthKey_<KEY_ID>.p8)")
            })?;
        let issuer = issuer_or_individual(
            global.issuer_id,
            global.individual_key,
            &format!("the key of --private-key {}", shown_path(path)),
        )?;
        return Ok(Some(ApiKey::from_p8_file(&key_id, issuer, path)?));
    }
    Ok(None)
}

/// The profile's key: its `api_key` file, or its `private_key` with `key_id`.
fn from_profile(profile: &Profile, global: &KeyFlags<'_>) -> Result<Option<ApiKey>> {
    let issuer = global.issuer_id.or(profile.issuer_id.as_deref());
    let individual = global.individual_key || profile.individual_key;
    if let Some(path) = &profile.api_key {
        return load_key_file(
            &config::expand_home(path),
            profile.key_id.as_deref(),
            issuer,
            individual,
        )
        .map(Some);
    }
    if let Some(path) = &profile.private_key {
        let path = config::expand_home(path);
        let key_id = profile
            .key_id
            .clone()
            .or_else(|| key_id_from_file_name(&path))
            .ok_or_else(|| {
                UserError::usage(
                    "the profile's private_key needs a key_id (or a file named AuthKey_<KEY_ID>.p8)",
                )
            })?;
        let issuer = issuer_or_individual(
            issuer,
            individual,
            &format!("the profile's private_key {}", shown_path(&path)),
        )?;
        return Ok(Some(ApiKey::from_p8_file(&key_id, issuer, &path)?));
    }
    Ok(None)
}

/// A key file of any format: fastlane JSON, rcodesign JSON, or a `.p8` (which takes `issuer_id`,
/// or `individual` to say it is an individual key).
pub(crate) fn load_key_file(
    path: &Path,
    key_id: Option<&str>,
    issuer_id: Option<&str>,
    individual: bool,
) -> Result<ApiKey> {
    // The file holds the private key: keep it in a buffer that is wiped when dropped. An unreadable,
    // oversized or malformed key file is a bad API key (exit 3), as a bad .p8 is.
    let text = input::read_secret_text(path, Input::ApiKey).map_err(|err| match err {
        ReadError::TooLarge(kind) => {
            input::too_large(kind, &format!("the API key file {}", shown_path(path)))
        }
        ReadError::Io(err) => {
            let hint = if err.kind() == std::io::ErrorKind::NotFound {
                "check the path; the file is the API key's AuthKey_<KEY_ID>.p8 as App Store Connect hands it \
                 out (Users and Access → Integrations), or fastlane's or rcodesign's JSON holding it"
            } else if err.kind() == std::io::ErrorKind::InvalidData || is_pkcs12_name(path) {
                // Binary content (a .p12, a .cer): no permission would make it an API key.
                "an API key file is text: Apple's AuthKey_<KEY_ID>.p8 (a PEM), or fastlane's or rcodesign's \
                 JSON holding it; a .p12 or .cer is a signing identity or certificate, which `ascert keys import` \
                 and `ascert identities import` take"
            } else {
                "the file must be readable by this user; it holds a private key, so mode 0600 is right"
            };
            UserError::new(
                Exit::Auth,
                format!("cannot read the API key file {}: {err}", shown_path(path)),
            )
            .hint(hint)
        }
    })?;
    if text.trim_start().starts_with('{') {
        // Check the syntax without copying the key into a JSON value that would not be wiped.
        serde_json::from_str::<serde::de::IgnoredAny>(&text).map_err(|err| {
            UserError::new(
                Exit::Auth,
                format!("{} is not valid JSON: {err}", shown_path(path)),
            )
        })?;
        // rcodesign's format names the key `private_key`; fastlane's names it `key`.
        let key = if text.contains("\"private_key\"") {
            ApiKey::from_rcodesign_json(&text)
        } else {
            ApiKey::from_fastlane_json(&text)
        };
        return key.with_context(|| format!("cannot use the API key in {}", path.display()));
    }
    let key_id = key_id
        .map(str::to_owned)
        .or_else(|| key_id_from_file_name(path))
        .ok_or_else(|| {
            UserError::usage(format!(
                "{} needs --key-id (or the name AuthKey_<KEY_ID>.p8)",
                shown_path(path)
            ))
        })?;
    let issuer_id = issuer_or_individual(issuer_id, individual, &format!("the key {}", shown_path(path)))?;
    Ok(ApiKey::from_pem(&key_id, issuer_id, &text)?)
}

/// Whether `path` is named as a PKCS#12 file (`.p12`, `.pfx`).
fn is_pkcs12_name(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("p12") || e.eq_ignore_ascii_case("pfx"))
}

/// `ABC123DEFG` from `…/AuthKey_ABC123DEFG.p8`.
fn key_id_from_file_name(path: &Path) -> Option<String> {
    let name = path.file_name()?.to_str()?;
    let id = name.strip_prefix("AuthKey_")?.strip_suffix(".p8")?;
    Some(id.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_ids_come_from_apples_file_names() {
        assert_eq!(
            key_id_from_file_name(Path::new("/x/AuthKey_2X9R4HXF34.p8")).as_deref(),
            Some("2X9R4HXF34")
        );
        assert_eq!(key_id_from_file_name(Path::new("key.p8")), None);
    }
}
