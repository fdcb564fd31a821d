//! Format 2, the format this version writes: one serde struct per stored object kind, exactly the
//! bytes written since format 2 (field names and order, which optional fields are left out), and
//! the conversions to and from the crate's types. Format 1's identity records, pending-key records
//! and leases read through these structs too (see `v1.rs`).
//!
//! The structs keep the names the stored objects had when they were the public types, because
//! serde puts a struct's name in some of its messages ("expected struct Member"), which a
//! [`TeamError::Corrupt`](crate::TeamError::Corrupt) shows.

use ascert_keystore::KeyId;
use ascert_models::CertificateType;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::crypto::Recipient;
use crate::header;
use crate::holder::{self, LeaseState};
use crate::records;

/// One member in the header.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Member {
    name: String,
    recipient: Recipient,
    #[serde(with = "time::serde::rfc3339")]
    added: OffsetDateTime,
    added_by: String,
}

impl From<&records::Member> for Member {
    fn from(member: &records::Member) -> Self {
        Self {
            name: member.name.clone(),
            recipient: member.recipient.clone(),
            added: member.added,
            added_by: member.added_by.clone(),
        }
    }
}

impl From<Member> for records::Member {
    fn from(member: Member) -> Self {
        Self {
            name: member.name,
            recipient: member.recipient,
            added: member.added,
            added_by: member.added_by,
        }
    }
}

/// One link of the team key's chain.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct KeyLink {
    public_key: String,
    revision: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    endorsement: Option<String>,
}

impl From<&header::KeyLink> for KeyLink {
    fn from(link: &header::KeyLink) -> Self {
        Self {
            public_key: link.public_key.clone(),
            revision: link.revision,
            endorsement: link.endorsement.clone(),
        }
    }
}

impl From<KeyLink> for header::KeyLink {
    fn from(link: KeyLink) -> Self {
        Self {
            public_key: link.public_key,
            revision: link.revision,
            endorsement: link.endorsement,
        }
    }
}

/// The store header, `ascert-team.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct HeaderObject {
    format: u32,
    store_id: String,
    #[serde(with = "time::serde::rfc3339")]
    created: OffsetDateTime,
    created_by: String,
    revision: u64,
    #[serde(with = "time::serde::rfc3339")]
    changed: OffsetDateTime,
    changed_by: String,
    members: Vec<Member>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    passphrase_recipient: Option<Recipient>,
    team_keys: Vec<KeyLink>,
    sealed_team_key: String,
    signature: String,
}

impl From<&header::HeaderObject> for HeaderObject {
    fn from(object: &header::HeaderObject) -> Self {
        Self {
            format: object.format,
            store_id: object.store_id.clone(),
            created: object.created,
            created_by: object.created_by.clone(),
            revision: object.revision,
            changed: object.changed,
            changed_by: object.changed_by.clone(),
            members: object.members.iter().map(Member::from).collect(),
            passphrase_recipient: object.passphrase_recipient.clone(),
            team_keys: object.team_keys.iter().map(KeyLink::from).collect(),
            sealed_team_key: object.sealed_team_key.clone(),
            signature: object.signature.clone(),
        }
    }
}

impl From<HeaderObject> for header::HeaderObject {
    fn from(object: HeaderObject) -> Self {
        Self {
            format: object.format,
            store_id: object.store_id,
            created: object.created,
            created_by: object.created_by,
            revision: object.revision,
            changed: object.changed,
            changed_by: object.changed_by,
            members: object.members.into_iter().map(Into::into).collect(),
            passphrase_recipient: object.passphrase_recipient,
            team_keys: object.team_keys.into_iter().map(Into::into).collect(),
            sealed_team_key: object.sealed_team_key,
            signature: object.signature,
        }
    }
}

/// What the header's signature covers: every field but the signature, in this order, as compact
/// JSON (an absent passphrase recipient is `null` here, where the object leaves it out).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct SignedBody<'a> {
    format: u32,
    store_id: &'a str,
    #[serde(with = "time::serde::rfc3339")]
    created: OffsetDateTime,
    created_by: &'a str,
    revision: u64,
    #[serde(with = "time::serde::rfc3339")]
    changed: OffsetDateTime,
    changed_by: &'a str,
    members: &'a [Member],
    passphrase_recipient: Option<&'a Recipient>,
    team_keys: &'a [KeyLink],
    sealed_team_key: &'a str,
}

/// The bytes of `object` that its signature covers (after the signing context).
pub(super) fn signed_body(object: &header::HeaderObject) -> Vec<u8> {
    let wire = HeaderObject::from(object);
    let body = SignedBody {
        format: wire.format,
        store_id: &wire.store_id,
        created: wire.created,
        created_by: &wire.created_by,
        revision: wire.revision,
        changed: wire.changed,
        changed_by: &wire.changed_by,
        members: &wire.members,
        passphrase_recipient: wire.passphrase_recipient.as_ref(),
        team_keys: &wire.team_keys,
        sealed_team_key: &wire.sealed_team_key,
    };
    serde_json::to_vec(&body).expect("the header serializes")
}

/// A team key's signature in an identity record.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct RecordSignature {
    public_key: String,
    signature: String,
}

/// An identity record, `identities/<id>/record.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct IdentityRecord {
    format: u32,
    certificate_id: String,
    certificate_type: CertificateType,
    serial_number: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    common_name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    expires: OffsetDateTime,
    public_key_sha256: KeyId,
    pushed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pushed_at: OffsetDateTime,
    members_revision: u64,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    certificate_sha256: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    signatures: Vec<RecordSignature>,
}

impl From<&records::IdentityRecord> for IdentityRecord {
    fn from(record: &records::IdentityRecord) -> Self {
        Self {
            format: record.format,
            certificate_id: record.certificate_id.clone(),
            certificate_type: record.certificate_type.clone(),
            serial_number: record.serial_number.clone(),
            common_name: record.common_name.clone(),
            expires: record.expires,
            public_key_sha256: record.public_key_sha256,
            pushed_by: record.pushed_by.clone(),
            pushed_at: record.pushed_at,
            members_revision: record.members_revision,
            certificate_sha256: record.certificate_sha256.clone(),
            signatures: record
                .signatures
                .iter()
                .map(|s| RecordSignature {
                    public_key: s.public_key.clone(),
                    signature: s.signature.clone(),
                })
                .collect(),
        }
    }
}

impl From<IdentityRecord> for records::IdentityRecord {
    fn from(record: IdentityRecord) -> Self {
        Self {
            format: record.format,
            certificate_id: record.certificate_id,
            certificate_type: record.certificate_type,
            serial_number: record.serial_number,
            common_name: record.common_name,
            expires: record.expires,
            public_key_sha256: record.public_key_sha256,
            pushed_by: record.pushed_by,
            pushed_at: record.pushed_at,
            members_revision: record.members_revision,
            certificate_sha256: record.certificate_sha256,
            signatures: record
                .signatures
                .into_iter()
                .map(|s| records::RecordSignature {
                    public_key: s.public_key,
                    signature: s.signature,
                })
                .collect(),
        }
    }
}

/// A pending-key record, `pending/<TYPE>/<key id>.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct PendingKey {
    format: u32,
    certificate_type: CertificateType,
    key_id: KeyId,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    written_by: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    written_at: OffsetDateTime,
    members_revision: u64,
}

impl From<&records::PendingKey> for PendingKey {
    fn from(pending: &records::PendingKey) -> Self {
        Self {
            format: pending.format,
            certificate_type: pending.certificate_type.clone(),
            key_id: pending.key_id,
            written_by: pending.written_by.clone(),
            written_at: pending.written_at,
            members_revision: pending.members_revision,
        }
    }
}

impl From<PendingKey> for records::PendingKey {
    fn from(pending: PendingKey) -> Self {
        Self {
            format: pending.format,
            certificate_type: pending.certificate_type,
            key_id: pending.key_id,
            written_by: pending.written_by,
            written_at: pending.written_at,
            members_revision: pending.members_revision,
        }
    }
}

/// Whether a lease is held or released.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
enum State {
    Held,
    Released,
}

/// Who holds a lease, in a lease object.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct LeaseHolder {
    actor: String,
    host: String,
    pid: u32,
    id: String,
}

/// A lease, `leases/<TYPE>.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct LeaseObject {
    format: u32,
    certificate_type: CertificateType,
    state: State,
    holder: LeaseHolder,
    #[serde(with = "time::serde::rfc3339")]
    acquired: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    written: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    expires: OffsetDateTime,
    ttl_ms: u64,
    write: String,
}

impl From<&holder::LeaseObject> for LeaseObject {
    fn from(object: &holder::LeaseObject) -> Self {
        Self {
            format: object.format,
            certificate_type: object.certificate_type.clone(),
            state: match object.state {
                LeaseState::Held => State::Held,
                LeaseState::Released => State::Released,
            },
            holder: LeaseHolder {
                actor: object.holder.actor.clone(),
                host: object.holder.host.clone(),
                pid: object.holder.pid,
                id: object.holder.id.clone(),
            },
            acquired: object.acquired,
            written: object.written,
            expires: object.expires,
            ttl_ms: object.ttl_ms,
            write: object.write.clone(),
        }
    }
}

impl From<LeaseObject> for holder::LeaseObject {
    fn from(object: LeaseObject) -> Self {
        Self {
            format: object.format,
            certificate_type: object.certificate_type,
            state: match object.state {
                State::Held => LeaseState::Held,
                State::Released => LeaseState::Released,
            },
            holder: holder::LeaseHolder {
                actor: object.holder.actor,
                host: object.holder.host,
                pid: object.holder.pid,
                id: object.holder.id,
            },
            acquired: object.acquired,
            written: object.written,
            expires: object.expires,
            ttl_ms: object.ttl_ms,
            write: object.write,
        }
    }
}

/// A shared profile's record, `profiles/<PROFILE_TYPE>/<bundle id>/record.json`.
#[derive(Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct ProfileRecord {
    format: u32,
    profile_type: String,
    bundle_identifier: String,
    uuid: String,
    certificate_id: String,
    profile_sha256: String,
    shared_by: String,
    #[serde(with = "time::serde::rfc3339")]
    shared_at: OffsetDateTime,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    signatures: Vec<RecordSignature>,
}

impl From<&records::ProfileRecord> for ProfileRecord {
    fn from(record: &records::ProfileRecord) -> Self {
        Self {
            format: record.format,
            profile_type: record.profile_type.clone(),
            bundle_identifier: record.bundle_identifier.clone(),
            uuid: record.uuid.clone(),
            certificate_id: record.certificate_id.clone(),
            profile_sha256: record.profile_sha256.clone(),
            shared_by: record.shared_by.clone(),
            shared_at: record.shared_at,
            signatures: record
                .signatures
                .iter()
                .map(|s| RecordSignature {
                    public_key: s.public_key.clone(),
                    signature: s.signature.clone(),
                })
                .collect(),
        }
    }
}

impl From<ProfileRecord> for records::ProfileRecord {
    fn from(record: ProfileRecord) -> Self {
        Self {
            format: record.format,
            profile_type: record.profile_type,
            bundle_identifier: record.bundle_identifier,
            uuid: record.uuid,
            certificate_id: record.certificate_id,
            profile_sha256: record.profile_sha256,
            shared_by: record.shared_by,
            shared_at: record.shared_at,
            signatures: record
                .signatures
                .into_iter()
                .map(|s| records::RecordSignature {
                    public_key: s.public_key,
                    signature: s.signature,
                })
                .collect(),
        }
    }
}
