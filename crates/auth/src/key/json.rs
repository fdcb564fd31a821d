//! The JSON key files other tools write: fastlane's API key JSON and rcodesign's.

use std::path::Path;
use std::time::Duration;

use serde::{Deserialize, Deserializer};
use zeroize::Zeroizing;

use super::{check_ids, files, material};
use crate::ApiKey;
use crate::error::AuthError;

/// A JSON string holding secret text, zeroed on drop.
pub(crate) struct SecretText(pub(crate) Zeroizing<String>);

impl<'de> Deserialize<'de> for SecretText {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        String::deserialize(deserializer).map(|s| SecretText(Zeroizing::new(s)))
    }
}

/// fastlane's `api_key_path` JSON, as its `app_store_connect_api_key` action documents it.
#[derive(Deserialize)]
struct FastlaneJson {
    key_id: Option<String>,
    issuer_id: Option<String>,
    key: Option<SecretText>,
    #[serde(default)]
    is_key_content_base64: bool,
    #[serde(default)]
    in_house: bool,
    duration: Option<u64>,
}

/// rcodesign's `encode-app-store-connect-api-key` JSON.
#[derive(Deserialize)]
struct RcodesignJson {
    issuer_id: Option<String>,
    key_id: Option<String>,
    private_key: Option<SecretText>,
}

impl ApiKey {
    /// Loads fastlane's API key JSON: `key_id`, `issuer_id` (absent for an individual key), `key` (the
    /// PEM, or its base64 when `is_key_content_base64` is true), `in_house` and `duration` (seconds).
    ///
    /// `in_house: true` marks the key as an enterprise key and `duration` becomes its
    /// [`ApiKey::token_lifetime`].
    ///
    /// # Errors
    /// [`AuthError::InvalidJson`], [`AuthError::MissingField`], [`AuthError::MissingIssuerId`] for an
    /// in-house key without issuer, [`AuthError::LifetimeTooLong`] or [`AuthError::LifetimeTooShort`] for a
    /// `duration` outside 180 to 1200 seconds, and any
    /// id or key error of [`ApiKey::from_pem`].
    pub fn from_fastlane_json(json: &str) -> Result<ApiKey, AuthError> {
        parse_fastlane(json.as_bytes(), "fastlane JSON")
    }

    /// Loads fastlane's API key JSON from a file; see [`ApiKey::from_fastlane_json`].
    ///
    /// # Errors
    /// [`AuthError::KeyFileMissing`], [`AuthError::KeyFileUnreadable`] or [`AuthError::KeyFileTooLarge`]
    /// (past [`crate::MAX_KEY_FILE`]), then as
    /// [`ApiKey::from_fastlane_json`].
    pub fn from_fastlane_json_file(path: &Path) -> Result<ApiKey, AuthError> {
        let bytes = files::read_secret_file(path)?;
        parse_fastlane(&bytes, &format!("fastlane JSON file {}", path.display()))
    }

    /// Loads rcodesign's API key JSON: `issuer_id`, `key_id` and `private_key` (base64 of the DER).
    ///
    /// # Errors
    /// [`AuthError::InvalidJson`], [`AuthError::MissingField`], [`AuthError::MissingIssuerId`] (this
    /// format holds team keys only), [`AuthError::InvalidBase64`], and any id or key error of
    /// [`ApiKey::from_pem`].
    pub fn from_rcodesign_json(json: &str) -> Result<ApiKey, AuthError> {
        parse_rcodesign(json.as_bytes(), "rcodesign JSON")
    }

    /// Loads rcodesign's API key JSON from a file; see [`ApiKey::from_rcodesign_json`].
    ///
    /// # Errors
    /// [`AuthError::KeyFileMissing`], [`AuthError::KeyFileUnreadable`] or [`AuthError::KeyFileTooLarge`]
    /// (past [`crate::MAX_KEY_FILE`]), then as
    /// [`ApiKey::from_rcodesign_json`].
    pub fn from_rcodesign_json_file(path: &Path) -> Result<ApiKey, AuthError> {
        let bytes = files::read_secret_file(path)?;
        parse_rcodesign(&bytes, &format!("rcodesign JSON file {}", path.display()))
    }
}

fn parse_fastlane(bytes: &[u8], origin: &str) -> Result<ApiKey, AuthError> {
    const FORMAT: &str = "fastlane";
    let doc: FastlaneJson = from_json(bytes, origin, FORMAT)?;
    let key_id = required(doc.key_id.as_deref(), origin, FORMAT, "key_id")?;
    let key_text = doc.key.ok_or_else(|| missing(origin, FORMAT, "key"))?;
    if doc.in_house && doc.issuer_id.is_none() {
        return Err(AuthError::MissingIssuerId {
            origin: origin.to_owned(),
        });
    }
    let (key_id, issuer_id) = check_ids(key_id, doc.issuer_id.as_deref())?;
    let lifetime = doc
        .duration
        .map(|secs| crate::lifetime::check_lifetime(Duration::from_secs(secs)))
        .transpose()?;
    let key_origin = format!("the \"key\" of {origin}");
    let parsed = if doc.is_key_content_base64 {
        material::parse_base64_key(&key_text.0, &key_origin)?
    } else {
        material::parse_key(key_text.0.as_bytes(), &key_origin)?
    };
    let mut key = ApiKey::assemble(key_id, issuer_id, parsed);
    key.set_enterprise_unchecked(doc.in_house);
    key.set_lifetime_unchecked(lifetime);
    Ok(key)
}

fn parse_rcodesign(bytes: &[u8], origin: &str) -> Result<ApiKey, AuthError> {
    const FORMAT: &str = "rcodesign";
    let doc: RcodesignJson = from_json(bytes, origin, FORMAT)?;
    let key_id = required(doc.key_id.as_deref(), origin, FORMAT, "key_id")?;
    let Some(issuer_id) = doc.issuer_id.as_deref().filter(|s| !s.trim().is_empty()) else {
        return Err(AuthError::MissingIssuerId {
            origin: origin.to_owned(),
        });
    };
    let key_text = doc
        .private_key
        .ok_or_else(|| missing(origin, FORMAT, "private_key"))?;
    let (key_id, issuer_id) = check_ids(key_id, Some(issuer_id))?;
    let parsed = material::parse_base64_key(&key_text.0, &format!("the \"private_key\" of {origin}"))?;
    Ok(ApiKey::assemble(key_id, issuer_id, parsed))
}

/// Parses JSON, reducing a failure to its position and kind: serde's own message can quote values.
pub(crate) fn from_json<T: for<'de> Deserialize<'de>>(
    bytes: &[u8],
    origin: &str,
    format: &'static str,
) -> Result<T, AuthError> {
    serde_json::from_slice(bytes).map_err(|e| AuthError::InvalidJson {
        origin: origin.to_owned(),
        format,
        problem: match e.classify() {
            serde_json::error::Category::Io => "it cannot be read",
            serde_json::error::Category::Syntax => "it is not valid JSON",
            serde_json::error::Category::Data => "a field has the wrong type",
            serde_json::error::Category::Eof => "it ends too early",
        },
        line: e.line(),
        column: e.column(),
    })
}

fn required<'a>(
    value: Option<&'a str>,
    origin: &str,
    format: &'static str,
    field: &'static str,
) -> Result<&'a str, AuthError> {
    value
        .filter(|v| !v.trim().is_empty())
        .ok_or_else(|| missing(origin, format, field))
}

fn missing(origin: &str, format: &'static str, field: &'static str) -> AuthError {
    AuthError::MissingField {
        origin: origin.to_owned(),
        format,
        field,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{self, ISSUER, KEY_ID};

    fn fastlane(key: &test_keys::TestKey) -> String {
        serde_json::json!({
            "key_id": KEY_ID, "issuer_id": ISSUER, "key": key.pem,
            "duration": 1200, "in_house": false
        })
        .to_string()
    }

    #[test]
    fn loads_fastlane_json_with_pem_key() {
        let key = test_keys::p256();
        let loaded = ApiKey::from_fastlane_json(&fastlane(&key)).unwrap();
        assert_eq!((loaded.key_id(), loaded.issuer_id()), (KEY_ID, Some(ISSUER)));
        assert_eq!(loaded.public_key(), key.public.as_slice());
        assert_eq!(loaded.token_lifetime(), Some(Duration::from_secs(1200)));
        assert!(!loaded.is_enterprise());
    }

    #[test]
    fn loads_fastlane_json_file_with_base64_key_and_in_house() {
        let key = test_keys::p256();
        let json = serde_json::json!({
            "key_id": KEY_ID, "issuer_id": ISSUER, "key": test_keys::b64(key.pem.as_bytes()),
            "is_key_content_base64": true, "in_house": true
        });
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("api_key.json");
        std::fs::write(&path, json.to_string()).unwrap();
        let loaded = ApiKey::from_fastlane_json_file(&path).unwrap();
        assert_eq!(loaded.public_key(), key.public.as_slice());
        assert!(loaded.is_enterprise());
        assert_eq!(loaded.token_lifetime(), None);
    }

    #[test]
    fn fastlane_individual_key_has_no_issuer() {
        let key = test_keys::p256();
        let json = serde_json::json!({"key_id": KEY_ID, "key": key.pem}).to_string();
        assert_eq!(ApiKey::from_fastlane_json(&json).unwrap().issuer_id(), None);
    }

    #[test]
    fn fastlane_in_house_key_needs_an_issuer() {
        let json = serde_json::json!({"key_id": KEY_ID, "key": test_keys::p256().pem, "in_house": true});
        let err = ApiKey::from_fastlane_json(&json.to_string()).unwrap_err();
        assert!(matches!(err, AuthError::MissingIssuerId { .. }), "{err:?}");
    }

    #[test]
    fn fastlane_duration_over_twenty_minutes_is_refused() {
        let json = serde_json::json!({"key_id": KEY_ID, "issuer_id": ISSUER, "key": test_keys::p256().pem, "duration": 3600});
        let err = ApiKey::from_fastlane_json(&json.to_string()).unwrap_err();
        assert!(matches!(err, AuthError::LifetimeTooLong { .. }), "{err:?}");
    }

    #[test]
    fn fastlane_without_key_names_the_field() {
        let err = ApiKey::from_fastlane_json(&serde_json::json!({"key_id": KEY_ID}).to_string()).unwrap_err();
        assert_eq!(
            err.to_string(),
            "fastlane JSON has no \"key\": the fastlane JSON key format requires it"
        );
    }

    #[test]
    fn loads_rcodesign_json_and_its_file() {
        let key = test_keys::p256();
        let json = serde_json::json!({"issuer_id": ISSUER, "key_id": KEY_ID, "private_key": test_keys::b64(&key.der)})
            .to_string();
        let loaded = ApiKey::from_rcodesign_json(&json).unwrap();
        assert_eq!(loaded.public_key(), key.public.as_slice());
        assert_eq!(loaded.issuer_id(), Some(ISSUER));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("key.json");
        std::fs::write(&path, json).unwrap();
        assert_eq!(
            ApiKey::from_rcodesign_json_file(&path).unwrap().public_key(),
            key.public.as_slice()
        );
    }

    #[test]
    fn rcodesign_team_key_without_issuer_is_refused() {
        let json =
            serde_json::json!({"key_id": KEY_ID, "private_key": test_keys::b64(&test_keys::p256().der)});
        let err = ApiKey::from_rcodesign_json(&json.to_string()).unwrap_err();
        assert!(matches!(err, AuthError::MissingIssuerId { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            "rcodesign JSON is a team key but has no issuer id: add the issuer id shown above the team keys in \
             App Store Connect > Users and Access > Integrations"
        );
    }

    #[test]
    fn rcodesign_private_key_that_is_not_base64_says_so() {
        let json = serde_json::json!({"issuer_id": ISSUER, "key_id": KEY_ID, "private_key": "not base64!"});
        let err = ApiKey::from_rcodesign_json(&json.to_string()).unwrap_err();
        assert!(matches!(err, AuthError::InvalidBase64 { .. }), "{err:?}");
    }

    #[test]
    fn broken_json_gives_position_but_no_value() {
        let secret = "MIGTAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBHkwdwIBAQQg";
        let err = ApiKey::from_fastlane_json(&format!(
            "{{\"key_id\": \"{KEY_ID}\", \"key\": 5, \"x\": \"{secret}"
        ))
        .unwrap_err();
        assert!(matches!(err, AuthError::InvalidJson { line: 1, .. }), "{err:?}");
        assert!(!format!("{err} {err:?}").contains(secret));
        let err = ApiKey::from_fastlane_json(r#"{"key_id": "2X9R4HXF34", "key": {"secret": "MIGTAgEA"}}"#)
            .unwrap_err();
        assert!(err.to_string().contains("a field has the wrong type"), "{err}");
        assert!(!format!("{err} {err:?}").contains("MIGTAgEA"));
    }
}
