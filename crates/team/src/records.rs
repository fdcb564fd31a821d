//! The public types of a store's objects: the members ([`Member`]) and the public view of the
//! header ([`StoreInfo`]; the signed object itself is in `trust.rs`), identity records
//! ([`IdentityRecord`]) and pending-key records ([`PendingKey`]); each carries the format version it
//! was read from. These are not the bytes in the bucket: each format's wire types are in `wire/`,
//! which converts to and from these, so a field added here changes no stored byte.

use ascert_keystore::KeyId;
use ascert_models::CertificateType;
use time::OffsetDateTime;

use crate::crypto::Recipient;
use crate::error::{Result, TeamError};

/// One member of a team: a name for people and the public key everything is encrypted to.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Member {
    /// A name for people, such as "jane" or "ci-fleet"; unique in the store.
    pub name: String,
    /// The member's public key.
    pub recipient: Recipient,
    /// When the member was added.
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
#[derive(Debug, Clone, PartialEq, Eq)]
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
    pub common_name: Option<String>,
    /// When the certificate expires.
    pub expires: OffsetDateTime,
    /// SHA-256 of the public key (`SubjectPublicKeyInfo`): the keystore's key id.
    pub public_key_sha256: KeyId,
    /// Who pushed the identity.
    pub pushed_by: String,
    /// When.
    pub pushed_at: OffsetDateTime,
    /// The membership revision the key object is encrypted for.
    pub members_revision: u64,
    /// SHA-256 of the certificate's DER, in lower-case hex: what the signatures cover.
    pub certificate_sha256: Option<String>,
    /// Signatures by the team key over the store id, the certificate id and type, the certificate's
    /// SHA-256 and the key id: only a member can make one, so only a member's push is used. A member
    /// change that replaces the team key adds the new key's signature.
    pub signatures: Vec<RecordSignature>,
}

/// A team key's signature over an identity record ([`IdentityRecord::signatures`]).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RecordSignature {
    /// The team key's public half (Ed25519, base64).
    pub public_key: String,
    /// The signature (base64).
    pub signature: String,
}

/// A pending key: the key of a certificate being created, stored (encrypted) before the request
/// goes to Apple, so that a runner that dies after Apple answered loses nothing.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct PendingKey {
    /// The format version.
    pub format: u32,
    /// The certificate type being created.
    pub certificate_type: CertificateType,
    /// SHA-256 of the key's public key: a certificate with the same key id is the one it was for.
    pub key_id: KeyId,
    /// Who wrote it (actor, host and process of the lease holder), when the record was written.
    pub written_by: Option<String>,
    /// When it was written (the store's time when the record is missing).
    pub written_at: OffsetDateTime,
    /// The membership revision the key object is encrypted for.
    pub members_revision: u64,
}

/// A member list must decrypt something and name each member and key once.
pub(crate) fn check_members(members: &[Member], has_passphrase: bool) -> Result<()> {
    if members.is_empty() && !has_passphrase {
        return Err(TeamError::InvalidInput {
            what: "members",
            reason: "a store needs at least one member or a passphrase".to_owned(),
        });
    }
    for (i, member) in members.iter().enumerate() {
        let name = member.name.trim();
        if name.is_empty() || name.len() > 100 || name.chars().any(char::is_control) {
            return Err(TeamError::InvalidInput {
                what: "member name",
                reason: format!(
                    "{:?} must be 1 to 100 printable characters",
                    crate::text::shorten(name)
                ),
            });
        }
        for other in &members[..i] {
            if other.name == member.name {
                return Err(TeamError::InvalidInput {
                    what: "members",
                    reason: format!("the name {:?} is given twice", member.name),
                });
            }
            if other.recipient == member.recipient {
                return Err(TeamError::InvalidInput {
                    what: "members",
                    reason: format!("{} and {} have the same key", other.name, member.name),
                });
            }
        }
    }
    Ok(())
}

/// Now, in UTC, to the second (what records store).
pub(crate) fn now() -> OffsetDateTime {
    let now = OffsetDateTime::now_utc();
    now.replace_nanosecond(0).unwrap_or(now)
}

/// What the store says about one shared provisioning profile
/// (`profiles/<PROFILE_TYPE>/<bundle id>/record.json`), signed by the team key.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileRecord {
    /// The format version of the record.
    pub format: u32,
    /// The profile type, such as `IOS_APP_STORE`.
    pub profile_type: String,
    /// The bundle identifier the profile is for, such as `com.example.app`.
    pub bundle_identifier: String,
    /// The profile's UUID.
    pub uuid: String,
    /// The App Store Connect id of the certificate the profile names (the identity's).
    pub certificate_id: String,
    /// SHA-256 of the profile file, in lower-case hex.
    pub profile_sha256: String,
    /// Who shared it.
    pub shared_by: String,
    /// When.
    pub shared_at: OffsetDateTime,
    /// Signatures by the team key over the store id and every field above: only a member can make
    /// one. A member change that replaces the team key adds the new key's.
    pub signatures: Vec<RecordSignature>,
}
