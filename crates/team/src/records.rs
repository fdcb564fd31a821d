//! The plain JSON objects of a store: the members ([`Member`]) and the public view of the header
//! ([`StoreInfo`]; the signed object itself is in `trust.rs`), identity records ([`IdentityRecord`])
//! and pending-key records ([`PendingKey`]); each carries the format version.

use ascert_keystore::KeyId;
use ascert_models::CertificateType;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::crypto::Recipient;
use crate::error::{Result, TeamError};

/// The format version this crate writes, and the newest it reads. Format 2 signs the member list
/// (docs/team.md); a store of format 1 (development versions) is refused, records of format 1 read
/// as before.
pub const FORMAT_VERSION: u32 = 2;

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

/// The store header (`ascert-team.json`) as verified: format, members, and the passphrase member's
/// recipient. A `TeamStore` hands one out only after the header's signature and this machine's pins
/// were checked.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreInfo {
    /// The format version the store was written with.
    pub format: u32,
    /// A random id given when the store was created: a store made again at the same URL has another.
    pub store_id: String,
    /// When the store was created.
    pub created: OffsetDateTime,
    /// Who created it.
    pub created_by: String,
    /// Counts membership changes; every key object records the revision it was encrypted for.
    pub revision: u64,
    /// When the member list last changed.
    pub changed: OffsetDateTime,
    /// Who changed it last.
    pub changed_by: String,
    /// The members, each a recipient of every key object.
    pub members: Vec<Member>,
    /// The recipient of the team passphrase's identity, when the store has a passphrase member.
    pub passphrase_recipient: Option<Recipient>,
}

impl StoreInfo {
    /// The digest of the member list, which CI pins (`ASCERT_TEAM_MEMBERS_SHA256`).
    pub fn members_sha256(&self) -> crate::MembersDigest {
        crate::MembersDigest::of(&self.members, self.passphrase_recipient.as_ref())
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
    /// SHA-256 of the certificate's DER, in lower-case hex: what the signatures cover.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_sha256: Option<String>,
    /// Signatures by the team key over the store id, the certificate id and type, the certificate's
    /// SHA-256 and the key id: only a member can make one, so only a member's push is used. A member
    /// change that replaces the team key adds the new key's signature.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub signatures: Vec<RecordSignature>,
}

/// A team key's signature over an identity record ([`IdentityRecord::signatures`]).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RecordSignature {
    /// The team key's public half (Ed25519, base64).
    pub public_key: String,
    /// The signature (base64).
    pub signature: String,
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

/// The certificate type a record names, read on its own: for a record that cannot be read whole
/// (a newer format, a damaged field elsewhere), so that it can still be told apart by type.
pub(crate) fn peek_type(bytes: &[u8]) -> Option<CertificateType> {
    #[derive(Deserialize)]
    #[serde(rename_all = "camelCase")]
    struct Type {
        certificate_type: Option<CertificateType>,
    }
    serde_json::from_slice::<Type>(bytes).ok()?.certificate_type
}

/// Writes a JSON object of the store.
pub(crate) fn to_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("records serialize");
    bytes.push(b'\n');
    bytes
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
        let newer = br#"{"format": 3, "members": "anything a future version writes"}"#;
        let error =
            from_json::<IdentityRecord>(newer, "identities/A/record.json", "identity record").unwrap_err();
        assert!(
            matches!(
                error,
                TeamError::NewerFormat {
                    found: 3,
                    supported: 2,
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(error.kind(), crate::ErrorKind::Format);
        assert!(
            error.to_string().contains("newer than the 2 this version"),
            "{error}"
        );
        let error = from_json::<IdentityRecord>(b"{}", "r", "identity record").unwrap_err();
        assert!(error.to_string().contains("has no format version"), "{error}");
        let error = from_json::<IdentityRecord>(b"<html>", "r", "identity record").unwrap_err();
        assert!(
            matches!(
                error,
                TeamError::Corrupt {
                    kind: "identity record",
                    ..
                }
            ),
            "{error:?}"
        );
        assert_eq!(
            peek_type(br#"{"format": 3, "certificateType": "DEVELOPMENT", "new": []}"#),
            Some(CertificateType::Development)
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
            certificate_sha256: Some("ab".repeat(32)),
            signatures: vec![RecordSignature {
                public_key: "pk".into(),
                signature: "sig".into(),
            }],
        };
        let json: serde_json::Value = serde_json::from_slice(&to_json(&record)).unwrap();
        assert_eq!(json["certificateType"], "DISTRIBUTION");
        assert_eq!(json["publicKeySha256"].as_str().unwrap().len(), 64);
        assert_eq!(json["expires"], "2027-01-01T00:00:00Z");
        let back: IdentityRecord = from_json(&to_json(&record), "r", "identity record").unwrap();
        assert_eq!(back, record);
        assert_eq!(
            crate::text::display_time(record.expires),
            "2027-01-01 00:00:00 UTC"
        );
    }
}
