//! Loading a key from the environment variables of the tools and CI services users already have.
//!
//! The families, in the order they are tried (the first family with any variable set wins, and a
//! half-set family is an error rather than a reason to fall through to the next one):
//!
//! 1. ascert's own `ASC_KEY_ID`, `ASC_ISSUER_ID` (or `ASC_INDIVIDUAL_KEY=1` for an individual key)
//!    and one of `ASC_PRIVATE_KEY_PATH`, `ASC_PRIVATE_KEY` (PEM) or `ASC_PRIVATE_KEY_B64`;
//! 2. fastlane's `APP_STORE_CONNECT_API_KEY_KEY_ID`, `..._ISSUER_ID`, `..._KEY_FILEPATH` or `..._KEY`
//!    (base64 when `..._IS_KEY_CONTENT_BASE64` is true), `..._IN_HOUSE` and `..._DURATION`;
//! 3. fastlane's `APP_STORE_CONNECT_API_KEY_PATH`, a fastlane JSON key file;
//! 4. codemagic's `APP_STORE_CONNECT_KEY_IDENTIFIER`, `APP_STORE_CONNECT_ISSUER_ID` and
//!    `APP_STORE_CONNECT_PRIVATE_KEY` (PEM, base64 of it, `@file:PATH` or `@env:VAR`).
//!
//! Within a family the key file path comes before inline key text. A family that names a key id
//! but no key at all falls back to `AuthKey_<KEYID>.p8` in the [`KeyFolders`]. Empty variables count
//! as unset, as CI services often define them empty.

use std::path::Path;
use std::time::Duration;

use zeroize::Zeroizing;

use super::files::KeyFolders;
use super::{check_ids, material};
use crate::ApiKey;
use crate::error::AuthError;

/// Looks up an environment variable by name; `None` when unset.
pub type EnvLookup<'a> = &'a dyn Fn(&str) -> Option<String>;

/// ascert's own variables.
pub(crate) const ASC_KEY_ID: &str = "ASC_KEY_ID";
/// ascert's issuer id variable (unset for an individual key).
pub(crate) const ASC_ISSUER_ID: &str = "ASC_ISSUER_ID";
/// Set to true to say that the `ASC_*` key is an individual key, which has no issuer id.
pub const ASC_INDIVIDUAL_KEY: &str = "ASC_INDIVIDUAL_KEY";
/// Path of the .p8 file.
pub(crate) const ASC_PRIVATE_KEY_PATH: &str = "ASC_PRIVATE_KEY_PATH";
/// The PEM text of the .p8 file.
pub(crate) const ASC_PRIVATE_KEY: &str = "ASC_PRIVATE_KEY";
/// The base64 of the .p8 file.
pub(crate) const ASC_PRIVATE_KEY_B64: &str = "ASC_PRIVATE_KEY_B64";

const FL_KEY_ID: &str = "APP_STORE_CONNECT_API_KEY_KEY_ID";
const FL_ISSUER_ID: &str = "APP_STORE_CONNECT_API_KEY_ISSUER_ID";
const FL_KEY_FILEPATH: &str = "APP_STORE_CONNECT_API_KEY_KEY_FILEPATH";
const FL_KEY: &str = "APP_STORE_CONNECT_API_KEY_KEY";
const FL_IS_BASE64: &str = "APP_STORE_CONNECT_API_KEY_IS_KEY_CONTENT_BASE64";
const FL_IN_HOUSE: &str = "APP_STORE_CONNECT_API_KEY_IN_HOUSE";
const FL_DURATION: &str = "APP_STORE_CONNECT_API_KEY_DURATION";
const FL_JSON_PATH: &str = "APP_STORE_CONNECT_API_KEY_PATH";

const CM_KEY_ID: &str = "APP_STORE_CONNECT_KEY_IDENTIFIER";
const CM_ISSUER_ID: &str = "APP_STORE_CONNECT_ISSUER_ID";
const CM_PRIVATE_KEY: &str = "APP_STORE_CONNECT_PRIVATE_KEY";

impl ApiKey {
    /// Loads a key from the process environment, looking up `AuthKey_<KEYID>.p8` in
    /// [`KeyFolders::system`] when a key id is set without a key. `Ok(None)` when no variable of any
    /// family is set. The precedence is documented in the [crate docs](crate#where-keys-come-from).
    ///
    /// # Errors
    /// [`AuthError::MissingEnv`] for a half-set family, [`AuthError::InvalidEnv`] for a flag that is
    /// not a boolean or number, and any error of the loader the variables lead to.
    pub fn from_env() -> Result<Option<ApiKey>, AuthError> {
        Self::from_env_with(&|name| std::env::var(name).ok(), &KeyFolders::system())
    }

    /// Loads a key from the variables `lookup` returns, with `folders` for the `AuthKey_<KEYID>.p8`
    /// fallback; see [`ApiKey::from_env`].
    ///
    /// ```
    /// use ascert_auth::{ApiKey, KeyFolders};
    ///
    /// let nothing_set = |_: &str| None;
    /// assert!(ApiKey::from_env_with(&nothing_set, &KeyFolders::new(".", None))?.is_none());
    /// # Ok::<(), ascert_auth::AuthError>(())
    /// ```
    ///
    /// # Errors
    /// As [`ApiKey::from_env`].
    pub fn from_env_with(lookup: EnvLookup<'_>, folders: &KeyFolders) -> Result<Option<ApiKey>, AuthError> {
        let get = |name: &str| lookup(name).filter(|v| !v.trim().is_empty());
        if let Some(key) = asc_family(&get, folders)? {
            return Ok(Some(key));
        }
        if let Some(key) = fastlane_family(&get, folders)? {
            return Ok(Some(key));
        }
        if let Some(path) = get(FL_JSON_PATH) {
            return ApiKey::from_fastlane_json_file(Path::new(&path)).map(Some);
        }
        codemagic_family(&get, folders)
    }
}

/// The first variable of `names` that is set, for naming it in an error.
fn first_set(get: &dyn Fn(&str) -> Option<String>, names: &[&'static str]) -> Option<&'static str> {
    names.iter().copied().find(|n| get(n).is_some())
}

fn require(
    get: &dyn Fn(&str) -> Option<String>,
    family: &'static str,
    present: &'static str,
    missing: &'static str,
) -> Result<String, AuthError> {
    get(missing).ok_or(AuthError::MissingEnv {
        family,
        present,
        missing,
    })
}

fn asc_family(
    get: &dyn Fn(&str) -> Option<String>,
    folders: &KeyFolders,
) -> Result<Option<ApiKey>, AuthError> {
    let names = [
        ASC_KEY_ID,
        ASC_ISSUER_ID,
        ASC_PRIVATE_KEY_PATH,
        ASC_PRIVATE_KEY,
        ASC_PRIVATE_KEY_B64,
    ];
    let Some(present) = first_set(get, &names) else {
        return Ok(None);
    };
    let key_id = require(get, "ASC_*", present, ASC_KEY_ID)?;
    let issuer = get(ASC_ISSUER_ID);
    let issuer = issuer.as_deref();
    // Only a key said to be an individual key goes without an issuer id: a team key whose
    // ASC_ISSUER_ID was forgotten is an error here, not a 401 at the first request.
    if issuer.is_none() && !flag(get, ASC_INDIVIDUAL_KEY)? {
        return Err(AuthError::IssuerIdOrIndividual {
            origin: format!("the key of {ASC_KEY_ID} ({ASC_ISSUER_ID} is not set)"),
            declare: "set ASC_INDIVIDUAL_KEY=1",
        });
    }
    let key = if let Some(path) = get(ASC_PRIVATE_KEY_PATH) {
        ApiKey::from_p8_file(&key_id, issuer, Path::new(&path))?
    } else if let Some(pem) = get(ASC_PRIVATE_KEY).map(Zeroizing::new) {
        with_text(&key_id, issuer, &pem, ASC_PRIVATE_KEY, material::parse_key_text)?
    } else if let Some(b64) = get(ASC_PRIVATE_KEY_B64).map(Zeroizing::new) {
        with_text(
            &key_id,
            issuer,
            &b64,
            ASC_PRIVATE_KEY_B64,
            material::parse_base64_key,
        )?
    } else {
        ApiKey::from_key_folders(&key_id, issuer, folders)?
    };
    Ok(Some(key))
}

fn fastlane_family(
    get: &dyn Fn(&str) -> Option<String>,
    folders: &KeyFolders,
) -> Result<Option<ApiKey>, AuthError> {
    let names = [FL_KEY_ID, FL_ISSUER_ID, FL_KEY_FILEPATH, FL_KEY];
    let Some(present) = first_set(get, &names) else {
        return Ok(None);
    };
    let key_id = require(get, "APP_STORE_CONNECT_API_KEY_*", present, FL_KEY_ID)?;
    let issuer = get(FL_ISSUER_ID);
    let issuer = issuer.as_deref();
    let in_house = flag(get, FL_IN_HOUSE)?;
    if in_house && issuer.is_none() {
        return Err(AuthError::MissingIssuerId {
            origin: format!("the in-house key in {FL_KEY_ID}"),
        });
    }
    let lifetime = match get(FL_DURATION) {
        None => None,
        Some(text) => {
            let secs: u64 = text.trim().parse().map_err(|_| AuthError::InvalidEnv {
                var: FL_DURATION.to_owned(),
                problem: "is not a whole number of seconds",
            })?;
            Some(crate::lifetime::check_lifetime(Duration::from_secs(secs))?)
        }
    };
    let mut key = if let Some(path) = get(FL_KEY_FILEPATH) {
        ApiKey::from_p8_file(&key_id, issuer, Path::new(&path))?
    } else if let Some(text) = get(FL_KEY).map(Zeroizing::new) {
        if flag(get, FL_IS_BASE64)? {
            with_text(&key_id, issuer, &text, FL_KEY, material::parse_base64_key)?
        } else {
            with_text(&key_id, issuer, &text, FL_KEY, material::parse_key_text)?
        }
    } else {
        ApiKey::from_key_folders(&key_id, issuer, folders)?
    };
    key.set_enterprise_unchecked(in_house);
    key.set_lifetime_unchecked(lifetime);
    Ok(Some(key))
}

fn codemagic_family(
    get: &dyn Fn(&str) -> Option<String>,
    folders: &KeyFolders,
) -> Result<Option<ApiKey>, AuthError> {
    let names = [CM_KEY_ID, CM_ISSUER_ID, CM_PRIVATE_KEY];
    let Some(present) = first_set(get, &names) else {
        return Ok(None);
    };
    let family = "APP_STORE_CONNECT_* (codemagic)";
    let key_id = require(get, family, present, CM_KEY_ID)?;
    let issuer = require(get, family, present, CM_ISSUER_ID)?;
    let key = match get(CM_PRIVATE_KEY).map(Zeroizing::new) {
        None => ApiKey::from_key_folders(&key_id, Some(&issuer), folders)?,
        Some(value) => {
            // codemagic's tools accept `@file:PATH` and `@env:VAR` references besides the key itself.
            if let Some(path) = value.strip_prefix("@file:") {
                ApiKey::from_p8_file(&key_id, Some(&issuer), Path::new(path))?
            } else if let Some(var) = value.strip_prefix("@env:") {
                let text = get(var)
                    .map(Zeroizing::new)
                    .ok_or_else(|| AuthError::InvalidEnv {
                        var: CM_PRIVATE_KEY.to_owned(),
                        problem: "refers with @env: to a variable that is not set",
                    })?;
                with_text(
                    &key_id,
                    Some(&issuer),
                    &text,
                    CM_PRIVATE_KEY,
                    material::parse_key_text,
                )?
            } else {
                with_text(
                    &key_id,
                    Some(&issuer),
                    &value,
                    CM_PRIVATE_KEY,
                    material::parse_key_text,
                )?
            }
        }
    };
    Ok(Some(key))
}

fn with_text(
    key_id: &str,
    issuer: Option<&str>,
    text: &str,
    var: &str,
    parse: fn(&str, &str) -> Result<material::P256Key, AuthError>,
) -> Result<ApiKey, AuthError> {
    let (key_id, issuer) = check_ids(key_id, issuer)?;
    let parsed = parse(text, &format!("environment variable {var}"))?;
    Ok(ApiKey::assemble(key_id, issuer, parsed))
}

fn flag(get: &dyn Fn(&str) -> Option<String>, var: &'static str) -> Result<bool, AuthError> {
    match get(var).map(|v| v.trim().to_ascii_lowercase()).as_deref() {
        None | Some("false" | "0" | "no") => Ok(false),
        Some("true" | "1" | "yes") => Ok(true),
        Some(_) => Err(AuthError::InvalidEnv {
            var: var.to_owned(),
            problem: "is not true or false",
        }),
    }
}

#[cfg(test)]
mod tests;
