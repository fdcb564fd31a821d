//! The plain JSON objects of a store: the header ([`StoreInfo`], [`Member`]), identity records
//! ([`IdentityRecord`]) and pending-key records ([`PendingKey`]); each carries the format version.

use ascert_keystore::KeyId;
use ascert_models::CertificateType;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::crypto::Recipient;
use crate::error::{Result, TeamError};

/// The newest format version this crate reads and the one it writes.
pub const FORMAT_VERSION: u32 = 1;

/// One member of a team: a name for people and the public key everything is encrypted to.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Member {
    /// A name for people, such as "jane" or "ci-fleet"; unique in the store.
    pub name: String,
    /// The member's public key.
    pub recipient: Recipient,
    /// When the member was added.
    #[serde(with = "time::serde::rfc3339")]
    pub added: OffsetDateTime,
    /// Who added the member (the actor name of [`StoreOptions`](crate::StoreOptions)).
    pub added_by: String,
}

impl Member {
    /// A member to add: its name and public key (the time and actor are filled in when it is added).
    pub fn new(name: impl Into<String>, recipient: Recipient) -> Self {
        Self {
            name: name.into(),
            recipient,
            added: OffsetDateTime::UNIX_EPOCH,
            added_by: String::new(),
        }
    }
}

/// The store header (`ascert-team.json`): format, members, and the passphrase member's recipient.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct StoreInfo {
    /// The format version the store was written with.
    pub format: u32,
    /// When the store was created.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// Who created it.
    pub created_by: String,
    /// Counts membership changes; every key object records the revision it was encrypted for.
    pub revision: u64,
    /// The members, each a recipient of every key object.
    pub members: Vec<Member>,
    /// The recipient of the team passphrase's identity, when the store has a passphrase member.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub passphrase_recipient: Option<Recipient>,
}

impl StoreInfo {
    /// Every recipient a key object is encrypted to: the members, then the passphrase member.
    pub fn recipients(&self) -> Vec<Recipient> {
        self.members
            .iter()
            .map(|m| m.recipient.clone())
            .chain(self.passphrase_recipient.clone())
            .collect()
    }
}

/// What the store says about one shared signing identity, readable without decrypting anything.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct IdentityRecord {
    /// The format version of the record.
    pub format: u32,
    /// The App Store Connect id of the certificate; names the identity in the store.
    pub certificate_id: String,
    /// The certificate type, such as `DISTRIBUTION`.
    pub certificate_type: CertificateType,
    /// The serial number (upper-case hex, as Apple shows it).
    pub serial_number: String,
    /// The certificate subject's common name, such as `Apple Distribution: Example Ltd (TEAMID)`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub common_name: Option<String>,
    /// When the certificate expires.
    #[serde(with = "time::serde::rfc3339")]
    pub expires: OffsetDateTime,
    /// SHA-256 of the public key (`SubjectPublicKeyInfo`): the keystore's key id.
    pub public_key_sha256: KeyId,
    /// Who pushed the identity.
    pub pushed_by: String,
    /// When.
    #[serde(with = "time::serde::rfc3339")]
    pub pushed_at: OffsetDateTime,
    /// The membership revision the key object is encrypted for.
    pub members_revision: u64,
}

/// A pending key: the key of a certificate being created, stored (encrypted) before the request
/// goes to Apple, so that a runner that dies after Apple answered loses nothing.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PendingKey {
    /// The format version.
    pub format: u32,
    /// The certificate type being created.
    pub certificate_type: CertificateType,
    /// SHA-256 of the key's public key: a certificate with the same key id is the one it was for.
    pub key_id: KeyId,
    /// Who wrote it (actor, host and process of the lease holder), when the record was written.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub written_by: Option<String>,
    /// When it was written (the store's time when the record is missing).
    #[serde(with = "time::serde::rfc3339")]
    pub written_at: OffsetDateTime,
    /// The membership revision the key object is encrypted for.
    pub members_revision: u64,
}

/// Reads a JSON object of the store, refusing one from a newer format.
pub(crate) fn from_json<T: DeserializeOwned>(bytes: &[u8], object: &str, kind: &'static str) -> Result<T> {
    #[derive(Deserialize)]
    struct Version {
        format: Option<u32>,
    }
    let corrupt = |reason: String| TeamError::Corrupt {
        object: object.to_owned(),
        kind,
        reason,
    };
    let version: Version = serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string()))?;
    match version.format {
        None => Err(corrupt("it has no format version".to_owned())),
        Some(found) if found > FORMAT_VERSION => Err(TeamError::NewerFormat {
            object: object.to_owned(),
            found,
            supported: FORMAT_VERSION,
        }),
        Some(_) => serde_json::from_slice(bytes).map_err(|e| corrupt(e.to_string())),
    }
}

/// Writes a JSON object of the store.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("records serialize");
    bytes.push(b'\n');
    bytes
}

/// A time as `2026-12-01 10:00:00 UTC`, for messages.
pub(crate) fn display_time(time: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| time.to_string())
}

/// Now, in UTC, to the second (what records store).
pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_newer_format_is_refused_and_a_missing_one_is_corrupt() {
        let newer = br#"{"format": 2, "members": "anything a future version writes"}"#;
        let error = from_json::<StoreInfo>(newer, "ascert-team.json", "store header").unwrap_err();
        assert!(
            matches!(
                error,
                TeamError::NewerFormat {
                    found: 2,
                    supported: 1,
                    ..
                }
            ),
            "{error:?}"
        );
        assert!(error.to_string().contains("upgrade ascert"), "{error}");
        let error = from_json::<StoreInfo>(b"{}", "ascert-team.json", "store header").unwrap_err();
        assert!(error.to_string().contains("has no format version"), "{error}");
        let error = from_json::<StoreInfo>(b"<html>", "ascert-team.json", "store header").unwrap_err();
        assert!(
            matches!(
                error,
                TeamError::Corrupt {
                    kind: "store header",
                    ..
                }
            ),
            "{error:?}"
        );
    }

    #[test]
    fn records_are_camel_case_json_that_round_trips() {
        let record = IdentityRecord {
            format: FORMAT_VERSION,
            certificate_id: "ABC123".into(),
            certificate_type: CertificateType::Distribution,
            serial_number: "7A".into(),
            common_name: Some("Apple Distribution: Example".into()),
            expires: time::macros::datetime!(2027-01-01 00:00 UTC),
            public_key_sha256: KeyId::of_spki(b"spki"),
            pushed_by: "jane@laptop".into(),
            pushed_at: time::macros::datetime!(2026-01-01 00:00 UTC),
            members_revision: 3,
        };
        let json: serde_json::Value = serde_json::from_slice(&to_json(&record)).unwrap();
        assert_eq!(json["certificateType"], "DISTRIBUTION");
        assert_eq!(json["publicKeySha256"].as_str().unwrap().len(), 64);
        assert_eq!(json["expires"], "2027-01-01T00:00:00Z");
        let back: IdentityRecord = from_json(&to_json(&record), "r", "identity record").unwrap();
        assert_eq!(back, record);
        assert_eq!(display_time(record.expires), "2027-01-01 00:00:00 UTC");
    }
}
