//! The bytes of a store's objects, kept apart from the crate's types: each format version has its
//! own crate-private serde structs (`v2.rs`, the format written; `v1.rs`, what of format 1 is still
//! read), and this module is the only way in or out.
//!
//! - **Reading** ([`read()`]) looks at the `format` field once: missing is
//!   [`TeamError::Corrupt`], newer than [`FORMAT_VERSION`] is [`TeamError::NewerFormat`] ("upgrade
//!   ascert"), never half-read; otherwise the kind's table ([`Stored::decode`]) picks the struct of
//!   that format and converts it into the crate's type.
//! - **Writing** ([`write()`]) converts the crate's type into the struct of the current format,
//!   pretty-printed with a final newline. The value's own `format` is written as it is: a record
//!   read from format 1 and written back stays format 1, as before the wire types existed.
//! - The bytes a header's signature covers ([`signed_header_body`]) are a wire format too.
//!
//! **Adding format 3:** add `v3.rs` with the structs of the kinds that change (copy `v2.rs`'s,
//! then change them) and their conversions; raise [`FORMAT_VERSION`] to 3; in each kind's
//! [`Stored`] impl, read 3 with the new struct and keep reading 2 (and 1) with the old ones, and
//! write with the new one. A kind that did not change keeps its v2 struct for both. Add golden files
//! of the new format beside the old ones (`tests/fixtures/wire/`), which must keep passing.

mod v1;
mod v2;

use ascert_models::CertificateType;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::error::{Result, TeamError};
use crate::header::HeaderObject;
use crate::holder::LeaseObject;
use crate::records::{IdentityRecord, PendingKey, ProfileRecord};

/// The format version this crate writes, and the newest it reads. Format 2 signs the member list
/// (docs/team.md); a store of format 1 (development versions) is refused, records of format 1 read
/// as before.
pub const FORMAT_VERSION: u32 = 2;

/// A kind of object stored in the bucket: how each format of it reads, and how it is written.
pub(crate) trait Stored: Sized {
    /// What the object is called in errors, such as "identity record".
    const KIND: &'static str;

    /// Reads `bytes`, whose `format` field says `format` (at most [`FORMAT_VERSION`]).
    fn decode(format: u32, bytes: &[u8], object: &str) -> Result<Self>;

    /// The object's bytes in the current format.
    fn encode(&self) -> Vec<u8>;
}

/// Reads an object of the store named `object` (for messages), refusing one of a newer format.
///
/// # Errors
///
/// [`TeamError::Corrupt`] for bytes that are not such an object (or have no format version),
/// [`TeamError::NewerFormat`], and what the kind's format table refuses
/// ([`TeamError::UnsupportedFormat`]).
pub(crate) fn read<T: Stored>(bytes: &[u8], object: &str) -> Result<T> {
    #[derive(Deserialize)]
    struct Version {
        format: Option<u32>,
    }
    let version: Version = serde_json::from_slice(bytes).map_err(|e| corrupt(object, T::KIND, &e))?;
    match version.format {
        None => Err(TeamError::Corrupt {
            object: object.to_owned(),
            kind: T::KIND,
            reason: "it has no format version".to_owned(),
        }),
        Some(found) if found > FORMAT_VERSION => Err(TeamError::NewerFormat {
            object: object.to_owned(),
            found,
            supported: FORMAT_VERSION,
        }),
        Some(format) => T::decode(format, bytes, object),
    }
}

/// Writes an object of the store.
pub(crate) fn write<T: Stored>(value: &T) -> Vec<u8> {
    value.encode()
}

/// The bytes of a header that its signature covers (after the signing context).
pub(crate) fn signed_header_body(object: &HeaderObject) -> Vec<u8> {
    v2::signed_body(object)
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

/// Decodes `bytes` as the wire struct `W` and converts it.
fn decode<W: DeserializeOwned, T: From<W>>(bytes: &[u8], object: &str, kind: &'static str) -> Result<T> {
    serde_json::from_slice::<W>(bytes)
        .map(T::from)
        .map_err(|e| corrupt(object, kind, &e))
}

/// Pretty JSON with a final newline, as every object of the store is written.
fn encode<W: Serialize>(wire: &W) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(wire).expect("records serialize");
    bytes.push(b'\n');
    bytes
}

fn corrupt(object: &str, kind: &'static str, error: &serde_json::Error) -> TeamError {
    TeamError::Corrupt {
        object: object.to_owned(),
        kind,
        reason: error.to_string(),
    }
}

impl Stored for HeaderObject {
    const KIND: &'static str = "store header";

    fn decode(format: u32, bytes: &[u8], object: &str) -> Result<Self> {
        match format {
            1 => Err(v1::header_refused(object)),
            _ => decode::<v2::HeaderObject, _>(bytes, object, Self::KIND),
        }
    }

    fn encode(&self) -> Vec<u8> {
        encode(&v2::HeaderObject::from(self))
    }
}

impl Stored for IdentityRecord {
    const KIND: &'static str = "identity record";

    fn decode(_format: u32, bytes: &[u8], object: &str) -> Result<Self> {
        // Formats 1 and 2: format 2 only added optional fields (v1.rs).
        decode::<v2::IdentityRecord, _>(bytes, object, Self::KIND)
    }

    fn encode(&self) -> Vec<u8> {
        encode(&v2::IdentityRecord::from(self))
    }
}

impl Stored for ProfileRecord {
    const KIND: &'static str = "profile record";

    fn decode(_format: u32, bytes: &[u8], object: &str) -> Result<Self> {
        // Profiles were first shared in format 2; a record saying 1 reads the same.
        decode::<v2::ProfileRecord, _>(bytes, object, Self::KIND)
    }

    fn encode(&self) -> Vec<u8> {
        encode(&v2::ProfileRecord::from(self))
    }
}

impl Stored for PendingKey {
    const KIND: &'static str = "pending-key record";

    fn decode(_format: u32, bytes: &[u8], object: &str) -> Result<Self> {
        // Formats 1 and 2 are the same (v1.rs).
        decode::<v2::PendingKey, _>(bytes, object, Self::KIND)
    }

    fn encode(&self) -> Vec<u8> {
        encode(&v2::PendingKey::from(self))
    }
}

impl Stored for LeaseObject {
    const KIND: &'static str = "lease";

    fn decode(_format: u32, bytes: &[u8], object: &str) -> Result<Self> {
        // Formats 1 and 2 are the same (v1.rs).
        decode::<v2::LeaseObject, _>(bytes, object, Self::KIND)
    }

    fn encode(&self) -> Vec<u8> {
        encode(&v2::LeaseObject::from(self))
    }
}

#[cfg(test)]
mod tests {
    use ascert_keystore::KeyId;

    use super::*;
    use crate::records::RecordSignature;

    #[test]
    fn a_newer_format_is_refused_and_a_missing_one_is_corrupt() {
        let newer = br#"{"format": 3, "members": "anything a future version writes"}"#;
        let error = read::<IdentityRecord>(newer, "identities/A/record.json").unwrap_err();
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
        let error = read::<IdentityRecord>(b"{}", "r").unwrap_err();
        assert!(error.to_string().contains("has no format version"), "{error}");
        let error = read::<IdentityRecord>(b"<html>", "r").unwrap_err();
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
        let json: serde_json::Value = serde_json::from_slice(&write(&record)).unwrap();
        assert_eq!(json["certificateType"], "DISTRIBUTION");
        assert_eq!(json["publicKeySha256"].as_str().unwrap().len(), 64);
        assert_eq!(json["expires"], "2027-01-01T00:00:00Z");
        let back: IdentityRecord = read(&write(&record), "r").unwrap();
        assert_eq!(back, record);
        assert_eq!(
            crate::text::display_time(record.expires),
            "2027-01-01 00:00:00 UTC"
        );
    }
}
