//! Where trust in a store's member list is decided, in one place: the header is signed by the team
//! key, verified against what this machine pins, and only a verified member list yields the
//! [`Recipients`] that keys may be encrypted to.
//!
//! - The **team key** is an Ed25519 key pair. Its private half is in the header, age-encrypted to
//!   every member, so only a member can sign a new member list. Removing a member replaces the team
//!   key; the new public key is endorsed by the old one, so the header carries a chain of keys from
//!   the store's first to its current one.
//! - **Verification** ([`verify`]) checks the chain and the header's signature, then the pins: the
//!   member list this machine expects ([`MembersDigest`], `ASCERT_TEAM_MEMBERS_SHA256` in the CLI),
//!   and the header it saw last ([`SeenHeader`], kept in a trust folder): same store, a revision that
//!   never goes back, and a team key that descends from the one it saw.
//! - **What a signature cannot stop:** a bucket writer can replace the whole header with one of their
//!   own making (their own team key, signed by it). A machine with nothing pinned cannot tell it from
//!   the real one; a machine that saw the store before refuses it (another store id, or a key chain
//!   that does not descend from the key it saw), and a pinned member list refuses any other list.
//!   docs/team.md has the whole threat model.

use std::path::{Path, PathBuf};
use std::str::FromStr;

use aws_lc_rs::signature::{ED25519, Ed25519KeyPair, KeyPair as _, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::crypto::{self, MemberKey, Recipient};
use crate::digest::MembersDigest;
use crate::error::{Result, TeamError};
use crate::header::{HeaderObject, KeyLink};
use crate::records::{self, Member, StoreInfo};
use crate::wire::{self, FORMAT_VERSION};

/// Domain separation for what the team key signs.
const HEADER_CONTEXT: &[u8] = b"ascert-team header v2\n";
const ENDORSEMENT_CONTEXT: &[u8] = b"ascert-team key endorsement v2\n";
const IDENTITY_CONTEXT: &[u8] = b"ascert-team identity v2\n";
const PROFILE_CONTEXT: &[u8] = b"ascert-team profile v2\n";
/// The format of a trust-folder file.
const SEEN_FORMAT: u32 = 1;

impl MembersDigest {
    /// The digest of these members and passphrase recipient.
    pub fn of(members: &[Member], passphrase: Option<&Recipient>) -> Self {
        let mut lines: Vec<String> = members
            .iter()
            .map(|m| format!("member\t{}\t{}\n", m.name, m.recipient))
            .collect();
        lines.sort_by(|a, b| {
            let recipient = |line: &str| line.rsplit('\t').next().unwrap_or_default().to_owned();
            recipient(a).cmp(&recipient(b)).then_with(|| a.cmp(b))
        });
        if let Some(passphrase) = passphrase {
            lines.push(format!("passphrase\t{passphrase}\n"));
        }
        let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, lines.concat().as_bytes());
        let mut bytes = [0u8; 32];
        bytes.copy_from_slice(digest.as_ref());
        Self(bytes)
    }
}

impl FromStr for MembersDigest {
    type Err = TeamError;

    /// 64 hex digits, optionally after `sha256:`.
    fn from_str(text: &str) -> Result<Self> {
        let trimmed = text.trim();
        let hex = trimmed.strip_prefix("sha256:").unwrap_or(trimmed);
        let invalid = || TeamError::InvalidInput {
            what: "member list digest",
            reason: format!(
                "{:?} is not a SHA-256 in hex (64 digits)",
                crate::text::shorten(trimmed)
            ),
        };
        if hex.len() != 64 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(invalid());
        }
        let mut bytes = [0u8; 32];
        for (i, byte) in bytes.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&hex[2 * i..2 * i + 2], 16).map_err(|_| invalid())?;
        }
        Ok(Self(bytes))
    }
}

/// The recipients of a verified member list: the only thing key objects are encrypted to.
///
/// Made in this module only, from a header that passed [`verify`] or from the members of a store
/// being created, so that no code path can encrypt to a list read from storage unchecked.
pub(crate) struct Recipients(Vec<Recipient>);

impl Recipients {
    pub(crate) fn as_slice(&self) -> &[Recipient] {
        &self.0
    }

    /// Any list, for the crate's unit tests of encryption itself.
    #[cfg(test)]
    pub(crate) fn for_tests(recipients: &[Recipient]) -> Self {
        Self(recipients.to_vec())
    }

    fn of(members: &[Member], passphrase: Option<&Recipient>) -> Self {
        Self(
            members
                .iter()
                .map(|m| m.recipient.clone())
                .chain(passphrase.cloned())
                .collect(),
        )
    }
}

impl HeaderObject {
    /// What the signature covers: the signing context, then every field but the signature.
    fn signed_bytes(&self) -> Vec<u8> {
        let mut bytes = HEADER_CONTEXT.to_vec();
        bytes.extend(wire::signed_header_body(self));
        bytes
    }

    /// The public view.
    fn info(&self) -> StoreInfo {
        StoreInfo {
            format: self.format,
            store_id: self.store_id.clone(),
            created: self.created,
            created_by: self.created_by.clone(),
            revision: self.revision,
            changed: self.changed,
            changed_by: self.changed_by.clone(),
            members: self.members.clone(),
            passphrase_recipient: self.passphrase_recipient.clone(),
        }
    }

    fn digest(&self) -> MembersDigest {
        MembersDigest::of(&self.members, self.passphrase_recipient.as_ref())
    }

    fn current_key(&self) -> Option<&KeyLink> {
        self.team_keys.last()
    }

    fn to_json(&self) -> Vec<u8> {
        wire::write(self)
    }
}

/// What the team key signs of an identity record: `None` for a record without its certificate's digest.
fn identity_message(store_id: &str, record: &crate::IdentityRecord) -> Option<Vec<u8>> {
    let digest = record.certificate_sha256.as_deref()?;
    let mut bytes = IDENTITY_CONTEXT.to_vec();
    for part in [
        store_id,
        &record.certificate_id,
        record.certificate_type.as_str(),
        digest,
        &record.public_key_sha256.to_string(),
    ] {
        bytes.extend_from_slice(part.as_bytes());
        bytes.push(b'\n');
    }
    Some(bytes)
}

/// What the team key signs of a profile record: the store id and every field but the signatures,
/// each after its length (so no field can run into the next).
fn profile_message(store_id: &str, record: &crate::ProfileRecord) -> Vec<u8> {
    let shared_at = record
        .shared_at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    let format = record.format.to_string();
    let mut bytes = PROFILE_CONTEXT.to_vec();
    for part in [
        store_id,
        &format,
        &record.profile_type,
        &record.bundle_identifier,
        &record.uuid,
        &record.certificate_id,
        &record.profile_sha256,
        &record.shared_by,
        &shared_at,
    ] {
        let length = u32::try_from(part.len()).unwrap_or(u32::MAX);
        bytes.extend_from_slice(&length.to_be_bytes());
        bytes.extend_from_slice(part.as_bytes());
    }
    bytes
}

/// Whether a profile record carries a valid signature by `public_key` for this store.
pub(crate) fn profile_signed_by(public_key: &str, store_id: &str, record: &crate::ProfileRecord) -> bool {
    let message = profile_message(store_id, record);
    record
        .signatures
        .iter()
        .any(|s| s.public_key == public_key && check_signature(public_key, &message, &s.signature))
}

/// Whether `record` names `certificate_der` and carries a valid signature by `public_key`.
pub(crate) fn signed_by(
    public_key: &str,
    store_id: &str,
    record: &crate::IdentityRecord,
    certificate_der: &[u8],
) -> bool {
    let Some(message) = identity_message(store_id, record) else {
        return false;
    };
    record.certificate_sha256.as_deref() == Some(certificate_digest(certificate_der).as_str())
        && record
            .signatures
            .iter()
            .any(|s| s.public_key == public_key && check_signature(public_key, &message, &s.signature))
}

/// The lower-case hex SHA-256 of a certificate's DER, as identity records name it.
pub(crate) fn certificate_digest(der: &[u8]) -> String {
    use std::fmt::Write as _;
    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, der)
        .as_ref()
        .iter()
        .fold(String::new(), |mut hex, b| {
            let _ = write!(hex, "{b:02x}");
            hex
        })
}

fn endorsement_message(store_id: &str, revision: u64, public_key: &str) -> Vec<u8> {
    let mut bytes = ENDORSEMENT_CONTEXT.to_vec();
    bytes.extend_from_slice(store_id.as_bytes());
    bytes.push(b'\n');
    bytes.extend_from_slice(&revision.to_be_bytes());
    bytes.extend_from_slice(public_key.as_bytes());
    bytes
}

/// The team key's private half, decrypted by a member to sign a new header.
pub(crate) struct TeamKey {
    pair: Ed25519KeyPair,
    pkcs8: Zeroizing<Vec<u8>>,
}

impl Clone for TeamKey {
    fn clone(&self) -> Self {
        Self {
            pair: Ed25519KeyPair::from_pkcs8(&self.pkcs8).expect("a team key reads back"),
            pkcs8: self.pkcs8.clone(),
        }
    }
}

impl TeamKey {
    fn generate() -> Result<Self> {
        let document =
            Ed25519KeyPair::generate_pkcs8(&aws_lc_rs::rand::SystemRandom::new()).map_err(|_| {
                TeamError::Crypto {
                    what: "team key generation",
                    reason: "the system random generator failed".to_owned(),
                }
            })?;
        Self::from_pkcs8(Zeroizing::new(document.as_ref().to_vec()), "a new team key")
    }

    fn from_pkcs8(pkcs8: Zeroizing<Vec<u8>>, object: &str) -> Result<Self> {
        let pair = Ed25519KeyPair::from_pkcs8(&pkcs8).map_err(|_| TeamError::Tampered {
            object: object.to_owned(),
            reason: "it does not hold an Ed25519 team key".to_owned(),
        })?;
        Ok(Self { pair, pkcs8 })
    }

    pub(crate) fn public_key(&self) -> String {
        BASE64.encode(self.pair.public_key().as_ref())
    }

    /// The private half, for the crate's secrecy scan.
    #[cfg(test)]
    pub(crate) fn pkcs8(&self) -> &[u8] {
        &self.pkcs8
    }

    fn sign(&self, message: &[u8]) -> String {
        BASE64.encode(self.pair.sign(message).as_ref())
    }

    /// Signs an identity record (as a member does when it shares the identity), keeping the
    /// signatures already there: a member change adds the new team key's.
    pub(crate) fn sign_identity(&self, store_id: &str, record: &mut crate::IdentityRecord) {
        let public_key = self.public_key();
        let Some(message) = identity_message(store_id, record) else {
            return;
        };
        record.signatures.retain(|s| s.public_key != public_key);
        record.signatures.push(crate::records::RecordSignature {
            signature: self.sign(&message),
            public_key,
        });
    }

    /// Signs a profile record, keeping the signatures of other team keys already there.
    pub(crate) fn sign_profile(&self, store_id: &str, record: &mut crate::ProfileRecord) {
        let public_key = self.public_key();
        let message = profile_message(store_id, record);
        record.signatures.retain(|s| s.public_key != public_key);
        record.signatures.push(crate::records::RecordSignature {
            signature: self.sign(&message),
            public_key,
        });
    }

    fn seal(&self, recipients: &Recipients) -> Result<String> {
        Ok(BASE64.encode(crypto::encrypt(&self.pkcs8, recipients)?))
    }
}

/// What a machine pins about a store: the member list it expects, and where it keeps the header it
/// saw last.
#[derive(Debug, Clone, Default)]
pub(crate) struct Pins {
    pub(crate) members: Option<MembersDigest>,
    pub(crate) trust_folder: Option<PathBuf>,
}

/// The last verified header a machine saw of a store, as kept in its trust folder.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SeenHeader {
    /// The format of this record.
    pub format: u32,
    /// The store's URL (without credentials), for people.
    pub store: String,
    /// The store's random id: a store made again at the same URL has another.
    pub store_id: String,
    /// The header's revision.
    pub revision: u64,
    /// The member list's digest.
    pub members_sha256: MembersDigest,
    /// The team key that signed it (Ed25519, base64).
    pub team_key: String,
    /// The members then, to tell people what changed.
    pub members: Vec<SeenMember>,
    /// When this machine saw it.
    #[serde(with = "time::serde::rfc3339")]
    pub seen: OffsetDateTime,
}

/// A member as a [`SeenHeader`] remembers it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct SeenMember {
    /// The member's name.
    pub name: String,
    /// The member's public key.
    pub recipient: String,
}

/// How a verified header is anchored, for what the caller tells people.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Anchor {
    /// The member list is the one pinned (`ASCERT_TEAM_MEMBERS_SHA256`).
    Pinned,
    /// This machine saw the store before, and the header descends from what it saw.
    Seen {
        /// What it saw last, if the member list has changed since (else `None`).
        changed_from: Option<SeenHeader>,
    },
    /// Nothing pinned and never seen: the header is self-consistent, but a store replaced as a whole
    /// by someone with write access would look the same.
    FirstUse,
}

/// A header that passed [`verify`]: its public view, digest and recipients.
pub(crate) struct Verified {
    pub(crate) object: HeaderObject,
    pub(crate) info: StoreInfo,
    pub(crate) digest: MembersDigest,
    pub(crate) anchor: Anchor,
    pub(crate) version: object_store::UpdateVersion,
}

impl Verified {
    /// The recipients every key object is encrypted to.
    pub(crate) fn recipients(&self) -> Recipients {
        Recipients::of(&self.info.members, self.info.passphrase_recipient.as_ref())
    }

    /// Whether `key` is one of the recipients.
    pub(crate) fn is_recipient(&self, key: &MemberKey) -> bool {
        let recipients = self.recipients();
        key.recipients().iter().any(|r| recipients.0.contains(r))
    }

    /// Whether an identity record was signed by the current team key and names `certificate_der`:
    /// so a member shared it, for this store, with this certificate.
    pub(crate) fn check_identity(&self, record: &crate::IdentityRecord, certificate_der: &[u8]) -> bool {
        self.object.current_key().is_some_and(|current| {
            signed_by(
                &current.public_key,
                &self.object.store_id,
                record,
                certificate_der,
            )
        })
    }

    /// Whether a profile record was signed by the current team key for this store: so a member
    /// shared it.
    pub(crate) fn check_profile(&self, record: &crate::ProfileRecord) -> bool {
        self.object
            .current_key()
            .is_some_and(|current| profile_signed_by(&current.public_key, &self.object.store_id, record))
    }

    /// The current team key's public half (base64), for tests that play a writer.
    #[cfg(test)]
    pub(crate) fn object_key(&self) -> String {
        self.object
            .current_key()
            .map(|k| k.public_key.clone())
            .unwrap_or_default()
    }

    /// Decrypts the team key with a member's key, to sign a new header.
    pub(crate) fn team_key(&self, by: &MemberKey, object: &str) -> Result<TeamKey> {
        let sealed = BASE64
            .decode(&self.object.sealed_team_key)
            .map_err(|_| tampered(object, "its sealed team key is not base64"))?;
        let pkcs8 = crypto::decrypt(&sealed, by, object)?;
        let key = TeamKey::from_pkcs8(Zeroizing::new(pkcs8.to_vec()), object)?;
        if Some(key.public_key().as_str()) != self.object.current_key().map(|k| k.public_key.as_str()) {
            return Err(tampered(
                object,
                "its sealed team key is not the key that signed it",
            ));
        }
        Ok(key)
    }
}

fn tampered(object: &str, reason: &str) -> TeamError {
    TeamError::Tampered {
        object: object.to_owned(),
        reason: reason.to_owned(),
    }
}

/// A header this process made and signed ([`genesis`], [`next_header`]): trusted by construction,
/// so it may give recipients before it is written.
pub(crate) struct SignedHeader(HeaderObject, TeamKey);

impl SignedHeader {
    /// The recipients of its member list.
    pub(crate) fn recipients(&self) -> Recipients {
        Recipients::of(&self.0.members, self.0.passphrase_recipient.as_ref())
    }

    pub(crate) fn to_json(&self) -> Vec<u8> {
        self.0.to_json()
    }

    /// The team key that signed it (a new one after a removal).
    pub(crate) fn signer(&self) -> &TeamKey {
        &self.1
    }

    /// The store id it names.
    pub(crate) fn store_id(&self) -> &str {
        &self.0.store_id
    }
}

/// A new store's first header, signed by a new team key.
pub(crate) fn genesis(
    store_id: String,
    actor: &str,
    now: OffsetDateTime,
    members: Vec<Member>,
    passphrase_recipient: Option<Recipient>,
) -> Result<SignedHeader> {
    let key = TeamKey::generate()?;
    let recipients = Recipients::of(&members, passphrase_recipient.as_ref());
    let mut object = HeaderObject {
        format: FORMAT_VERSION,
        store_id,
        created: now,
        created_by: actor.to_owned(),
        revision: 1,
        changed: now,
        changed_by: actor.to_owned(),
        members,
        passphrase_recipient,
        team_keys: vec![KeyLink {
            public_key: key.public_key(),
            revision: 1,
            endorsement: None,
        }],
        sealed_team_key: key.seal(&recipients)?,
        signature: String::new(),
    };
    object.signature = key.sign(&object.signed_bytes());
    Ok(SignedHeader(object, key))
}

/// The header after a member change, signed with `key` (the current team key, decrypted by the
/// acting member). A change that removes anyone replaces the team key: the removed member knew the
/// old one.
pub(crate) fn next_header(
    current: &HeaderObject,
    key: &TeamKey,
    members: Vec<Member>,
    actor: &str,
    now: OffsetDateTime,
) -> Result<SignedHeader> {
    let removed = current
        .members
        .iter()
        .any(|old| !members.iter().any(|m| m.recipient == old.recipient));
    let revision = current.revision + 1;
    let mut team_keys = current.team_keys.clone();
    let signer = if removed {
        let replacement = TeamKey::generate()?;
        let public_key = replacement.public_key();
        let endorsement = key.sign(&endorsement_message(&current.store_id, revision, &public_key));
        team_keys.push(KeyLink {
            public_key,
            revision,
            endorsement: Some(endorsement),
        });
        replacement
    } else {
        key.clone()
    };
    let recipients = Recipients::of(&members, current.passphrase_recipient.as_ref());
    let mut object = HeaderObject {
        format: FORMAT_VERSION,
        store_id: current.store_id.clone(),
        created: current.created,
        created_by: current.created_by.clone(),
        revision,
        changed: now,
        changed_by: actor.to_owned(),
        members,
        passphrase_recipient: current.passphrase_recipient.clone(),
        team_keys,
        sealed_team_key: signer.seal(&recipients)?,
        signature: String::new(),
    };
    object.signature = signer.sign(&object.signed_bytes());
    Ok(SignedHeader(object, signer))
}

/// Where a store's [`SeenHeader`] is kept in a trust folder: one file per store URL.
pub(crate) fn seen_path(folder: &Path, store: &str) -> PathBuf {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, store.as_bytes());
    let name = digest.as_ref()[..16].iter().fold(String::new(), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    });
    folder.join(format!("{name}.json"))
}

/// Reads a file of the trust folder, at most 64 KiB (a trust record is under a kilobyte per member).
fn read_trust_file(path: &Path, store: &str) -> Result<Option<Vec<u8>>> {
    const MAX: u64 = 64 * 1024;
    let read = || -> std::io::Result<Vec<u8>> {
        use std::io::Read as _;
        let mut bytes = Vec::new();
        std::fs::File::open(path)?.take(MAX + 1).read_to_end(&mut bytes)?;
        Ok(bytes)
    };
    match read() {
        Ok(bytes) if bytes.len() as u64 > MAX => Err(TeamError::Corrupt {
            object: path.display().to_string(),
            kind: "trust record",
            reason: format!("it is larger than {MAX} bytes"),
        }),
        Ok(bytes) => Ok(Some(bytes)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
        Err(e) => Err(TeamError::Config {
            store: store.to_owned(),
            reason: format!(
                "cannot read what this machine knew of it ({}): {e}",
                path.display()
            ),
        }),
    }
}

/// The bytes of a trust-folder file: pretty JSON with a final newline, like the store's objects.
fn trust_file_json<T: Serialize>(value: &T) -> Vec<u8> {
    let mut bytes = serde_json::to_vec_pretty(value).expect("trust records serialize");
    bytes.push(b'\n');
    bytes
}

/// Reads the [`SeenHeader`] of a store, if this machine kept one.
pub(crate) fn read_seen(folder: &Path, store: &str) -> Result<Option<SeenHeader>> {
    let path = seen_path(folder, store);
    let Some(bytes) = read_trust_file(&path, store)? else {
        return Ok(None);
    };
    let seen: SeenHeader = serde_json::from_slice(&bytes).map_err(|e| TeamError::Corrupt {
        object: path.display().to_string(),
        kind: "trust record",
        reason: e.to_string(),
    })?;
    if seen.format > SEEN_FORMAT {
        return Err(TeamError::NewerFormat {
            object: path.display().to_string(),
            found: seen.format,
            supported: SEEN_FORMAT,
        });
    }
    Ok(Some(seen))
}

/// The pending keys this machine wrote to a store (what `write_pending` recorded in the trust
/// folder): the only pending keys it may resume and send to Apple.
#[derive(Debug, Default, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnPending {
    format: u32,
    store: String,
    keys: Vec<OwnKey>,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
struct OwnKey {
    key_id: ascert_keystore::KeyId,
    certificate_type: ascert_models::CertificateType,
}

fn own_path(folder: &Path, store: &str) -> PathBuf {
    seen_path(folder, store).with_extension("own.json")
}

fn read_own(folder: &Path, store: &str) -> Result<OwnPending> {
    let path = own_path(folder, store);
    let Some(bytes) = read_trust_file(&path, store)? else {
        return Ok(OwnPending {
            format: SEEN_FORMAT,
            store: store.to_owned(),
            keys: Vec::new(),
        });
    };
    serde_json::from_slice(&bytes).map_err(|e| TeamError::Corrupt {
        object: path.display().to_string(),
        kind: "trust record",
        reason: e.to_string(),
    })
}

/// Records (`made` true) or forgets a pending key this machine wrote to `store`.
pub(crate) fn note_own_pending(
    folder: &Path,
    store: &str,
    key_id: ascert_keystore::KeyId,
    certificate_type: &ascert_models::CertificateType,
    made: bool,
) -> Result<()> {
    let mut own = read_own(folder, store)?;
    let key = OwnKey {
        key_id,
        certificate_type: certificate_type.clone(),
    };
    let had = own.keys.contains(&key);
    if made == had {
        return Ok(());
    }
    if made {
        own.keys.push(key);
    } else {
        own.keys.retain(|k| *k != key);
    }
    ascert_keystore::ensure_private_folder(folder).map_err(|e| TeamError::Config {
        store: store.to_owned(),
        reason: format!(
            "cannot keep what this machine knows of it in {}: {e}",
            folder.display()
        ),
    })?;
    let path = own_path(folder, store);
    ascert_keystore::write_atomic(&path, &trust_file_json(&own), ascert_keystore::FileMode::Secret).map_err(
        |e| TeamError::Config {
            store: store.to_owned(),
            reason: format!("cannot write {}: {e}", path.display()),
        },
    )
}

/// The pending keys this machine recorded writing to any team store, from the trust folder `folder`:
/// the store (as shown, without credentials), the key's id and its certificate type. An
/// `identities ensure --store` run resumes such a key from the local keystore, so a local prune
/// keeps it. A folder that does not exist holds none; a record that cannot be read is skipped.
///
/// # Errors
///
/// Errors reading the folder other than its absence.
pub fn own_pending_keys(
    folder: &Path,
) -> Result<Vec<(String, ascert_keystore::KeyId, ascert_models::CertificateType)>> {
    let entries = match std::fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => {
            return Err(TeamError::Config {
                store: folder.display().to_string(),
                reason: format!("cannot read the trust folder: {e}"),
            });
        }
    };
    let mut keys = Vec::new();
    for entry in entries.flatten() {
        let path = entry.path();
        if !path.to_string_lossy().ends_with(".own.json") {
            continue;
        }
        let Ok(Some(bytes)) = read_trust_file(&path, &path.display().to_string()) else {
            continue;
        };
        if let Ok(own) = serde_json::from_slice::<OwnPending>(&bytes) {
            keys.extend(
                own.keys
                    .into_iter()
                    .map(|k| (own.store.clone(), k.key_id, k.certificate_type)),
            );
        }
    }
    Ok(keys)
}

/// Whether this machine recorded writing the pending key `key_id` of `certificate_type` to `store`.
pub(crate) fn is_own_pending(
    folder: &Path,
    store: &str,
    key_id: ascert_keystore::KeyId,
    certificate_type: &ascert_models::CertificateType,
) -> Result<bool> {
    Ok(read_own(folder, store)?.keys.contains(&OwnKey {
        key_id,
        certificate_type: certificate_type.clone(),
    }))
}

/// Keeps what this machine saw of a store (0600, written atomically).
pub(crate) fn write_seen(folder: &Path, seen: &SeenHeader) -> Result<()> {
    ascert_keystore::ensure_private_folder(folder).map_err(|e| TeamError::Config {
        store: seen.store.clone(),
        reason: format!(
            "cannot keep what this machine knows of it in {}: {e}",
            folder.display()
        ),
    })?;
    let path = seen_path(folder, &seen.store);
    ascert_keystore::write_atomic(&path, &trust_file_json(seen), ascert_keystore::FileMode::Secret).map_err(
        |e| TeamError::Config {
            store: seen.store.clone(),
            reason: format!("cannot write {}: {e}", path.display()),
        },
    )
}

impl SeenHeader {
    fn of(object: &HeaderObject, store: &str) -> Self {
        Self {
            format: SEEN_FORMAT,
            store: store.to_owned(),
            store_id: object.store_id.clone(),
            revision: object.revision,
            members_sha256: object.digest(),
            team_key: object
                .current_key()
                .map(|k| k.public_key.clone())
                .unwrap_or_default(),
            members: object
                .members
                .iter()
                .map(|m| SeenMember {
                    name: m.name.clone(),
                    recipient: m.recipient.to_string(),
                })
                .collect(),
            seen: records::now(),
        }
    }
}

/// Parses and verifies a header: its key chain and signature, then the pins. `seen` is what this
/// machine (or this process) saw last; `store` is the URL shown in messages.
pub(crate) fn verify(
    bytes: &[u8],
    object_name: &str,
    version: object_store::UpdateVersion,
    store: &str,
    pins: &Pins,
    seen: Option<&SeenHeader>,
) -> Result<Verified> {
    let object = parse(bytes, object_name)?;
    check_signatures(&object, object_name)?;
    // The digest's lines are only unambiguous for names without control characters, each once
    // (which is what `init` and member changes allow): a signed header is still checked.
    crate::records::check_members(&object.members, object.passphrase_recipient.is_some())
        .map_err(|e| tampered(object_name, &format!("its member list cannot be a team's: {e}")))?;
    let digest = object.digest();
    let anchor = check_pins(&object, digest, store, pins, seen)?;
    Ok(Verified {
        info: object.info(),
        object,
        digest,
        anchor,
        version,
    })
}

/// Reads a header (a format-1 one is refused: its member list was not signed).
fn parse(bytes: &[u8], object_name: &str) -> Result<HeaderObject> {
    wire::read(bytes, object_name)
}

fn check_signatures(object: &HeaderObject, name: &str) -> Result<()> {
    let Some(first) = object.team_keys.first() else {
        return Err(tampered(name, "it names no team key"));
    };
    if first.endorsement.is_some() || first.revision == 0 || object.store_id.is_empty() {
        return Err(tampered(name, "its first team key is malformed"));
    }
    for pair in object.team_keys.windows(2) {
        let (previous, next) = (&pair[0], &pair[1]);
        let endorsed = next.revision > previous.revision
            && next.revision <= object.revision
            && next.endorsement.as_deref().is_some_and(|endorsement| {
                check_signature(
                    &previous.public_key,
                    &endorsement_message(&object.store_id, next.revision, &next.public_key),
                    endorsement,
                )
            });
        if !endorsed {
            return Err(tampered(
                name,
                "its team key was replaced without an endorsement by the previous key",
            ));
        }
    }
    let current = object.current_key().unwrap_or(first);
    if current.revision > object.revision
        || !check_signature(&current.public_key, &object.signed_bytes(), &object.signature)
    {
        return Err(tampered(
            name,
            "its signature does not verify: the member list was changed by someone who does not hold the \
             team key, that is, not by a member",
        ));
    }
    Ok(())
}

fn check_signature(public_key: &str, message: &[u8], signature: &str) -> bool {
    let (Ok(public_key), Ok(signature)) = (BASE64.decode(public_key), BASE64.decode(signature)) else {
        return false;
    };
    UnparsedPublicKey::new(&ED25519, public_key)
        .verify(message, &signature)
        .is_ok()
}

fn check_pins(
    object: &HeaderObject,
    digest: MembersDigest,
    store: &str,
    pins: &Pins,
    seen: Option<&SeenHeader>,
) -> Result<Anchor> {
    let untrusted = |reason: String| TeamError::UntrustedMembers {
        store: store.to_owned(),
        reason,
        members: object
            .members
            .iter()
            .map(|m| format!("{} ({})", crate::text::printable(&m.name), m.recipient.kind()))
            .collect(),
        found: digest,
    };
    if let Some(seen) = seen {
        if seen.store_id != object.store_id {
            return Err(untrusted(format!(
                "it is not the store this machine knew at that URL (its id was {}, now {}): it was replaced as \
                 a whole. If your team made it again on purpose, remove {} and run again",
                seen.store_id,
                object.store_id,
                pins.trust_folder.as_deref().map_or_else(
                    || "this machine's trust record".to_owned(),
                    |f| { seen_path(f, store).display().to_string() }
                ),
            )));
        }
        if object.revision < seen.revision {
            return Err(untrusted(format!(
                "its member list is revision {}, older than revision {} this machine saw on {}: an old version \
                 was put back",
                object.revision,
                seen.revision,
                crate::text::display_time(seen.seen)
            )));
        }
        if object.revision == seen.revision && digest != seen.members_sha256 {
            return Err(untrusted(format!(
                "its member list changed without a new revision (revision {})",
                object.revision
            )));
        }
        if !object.team_keys.iter().any(|k| k.public_key == seen.team_key) {
            return Err(untrusted(
                "it is signed by a team key that does not descend from the one this machine saw: the member \
                 list was replaced by someone who does not hold the team key"
                    .to_owned(),
            ));
        }
    }
    if let Some(expected) = pins.members {
        if expected != digest {
            return Err(untrusted(format!(
                "its member list has the digest {digest}, not the {expected} this run pins"
            )));
        }
        return Ok(Anchor::Pinned);
    }
    Ok(match seen {
        Some(seen) if seen.members_sha256 != digest => Anchor::Seen {
            changed_from: Some(seen.clone()),
        },
        Some(_) => Anchor::Seen { changed_from: None },
        None => Anchor::FirstUse,
    })
}

/// What to remember of a verified header (for the trust folder and for this process).
pub(crate) fn seen_of(verified: &Verified, store: &str) -> SeenHeader {
    SeenHeader::of(&verified.object, store)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn members() -> (MemberKey, Vec<Member>) {
        let alice = MemberKey::generate();
        let bob = MemberKey::generate();
        let members = vec![
            Member::new("alice", alice.recipients()[0].clone()),
            Member::new("bob", bob.recipients()[0].clone()),
        ];
        (alice, members)
    }

    fn version() -> object_store::UpdateVersion {
        object_store::UpdateVersion {
            e_tag: Some("\"1\"".to_owned()),
            version: None,
        }
    }

    fn check(object: &HeaderObject, pins: &Pins, seen: Option<&SeenHeader>) -> Result<Verified> {
        verify(
            &object.to_json(),
            "ascert-team.json",
            version(),
            "memory://t",
            pins,
            seen,
        )
    }

    #[test]
    fn the_digest_is_the_documented_lines_and_ignores_order() {
        let (_, members) = members();
        let digest = MembersDigest::of(&members, None);
        let mut reversed = members.clone();
        reversed.reverse();
        assert_eq!(MembersDigest::of(&reversed, None), digest);
        let mut lines: Vec<String> = members
            .iter()
            .map(|m| format!("member\t{}\t{}\n", m.name, m.recipient))
            .collect();
        lines.sort_by_key(|l| l.rsplit('\t').next().unwrap().to_owned());
        let by_hand = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, lines.concat().as_bytes());
        let hex = by_hand.as_ref().iter().fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        });
        assert_eq!(digest.to_string(), hex);
        assert_eq!(hex.parse::<MembersDigest>().unwrap(), digest);
        assert_eq!(format!("sha256:{hex}").parse::<MembersDigest>().unwrap(), digest);
        assert!("abc".parse::<MembersDigest>().is_err());
        let renamed = vec![
            Member::new("mallory", members[0].recipient.clone()),
            members[1].clone(),
        ];
        assert_ne!(MembersDigest::of(&renamed, None), digest, "names count");
    }

    #[test]
    fn a_genesis_header_verifies_and_every_edit_by_a_non_member_is_refused() {
        let (_, members) = members();
        let object = genesis("store-1".into(), "alice", records::now(), members, None)
            .unwrap()
            .0;
        let verified = check(&object, &Pins::default(), None).unwrap();
        assert_eq!(verified.anchor, Anchor::FirstUse);
        assert_eq!(verified.info.revision, 1);

        let mallory = MemberKey::generate();
        let mut added = object.clone();
        added
            .members
            .push(Member::new("mallory", mallory.recipients()[0].clone()));
        let mut renamed = object.clone();
        renamed.members[0].name = "eve".into();
        let mut bumped = object.clone();
        bumped.revision = 7;
        let mut swapped = object.clone();
        swapped.passphrase_recipient = Some(mallory.recipients()[0].clone());
        for edited in [added, renamed, bumped, swapped] {
            let error = check(&edited, &Pins::default(), None).err().unwrap();
            assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
            assert!(error.to_string().contains("not by a member"), "{error}");
        }
    }

    #[test]
    fn a_removal_replaces_the_team_key_and_an_addition_keeps_it() {
        let (alice, members) = members();
        let object = genesis("s".into(), "alice", records::now(), members.clone(), None)
            .unwrap()
            .0;
        let verified = check(&object, &Pins::default(), None).unwrap();
        let key = verified.team_key(&alice, "h").unwrap();
        let carol = MemberKey::generate();
        let mut more = members.clone();
        more.push(Member::new("carol", carol.recipients()[0].clone()));
        let added = next_header(&object, &key, more, "alice", records::now())
            .unwrap()
            .0;
        assert_eq!(added.team_keys.len(), 1);
        let verified = check(&added, &Pins::default(), None).unwrap();
        assert!(
            verified.team_key(&carol, "h").is_ok(),
            "a new member can sign next time"
        );
        let removed = next_header(&added, &key, members[..1].to_vec(), "alice", records::now())
            .unwrap()
            .0;
        assert_eq!(removed.team_keys.len(), 2);
        let verified = check(&removed, &Pins::default(), None).unwrap();
        assert_eq!(verified.info.revision, 3);
        let error = verified.team_key(&carol, "h").err().unwrap();
        assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    }

    #[test]
    fn a_forged_store_passes_alone_but_not_against_what_was_seen_or_pinned() {
        let (alice, members) = members();
        let real = genesis("real".into(), "alice", records::now(), members.clone(), None)
            .unwrap()
            .0;
        let seen = SeenHeader::of(&real, "memory://t");
        let pin = Pins {
            members: Some(real.digest()),
            trust_folder: None,
        };
        assert_eq!(check(&real, &pin, Some(&seen)).unwrap().anchor, Anchor::Pinned);

        // A bucket writer's own header: their key, the same store id, one more member.
        let mallory = MemberKey::generate();
        let mut theirs = members.clone();
        theirs.push(Member::new("mallory", mallory.recipients()[0].clone()));
        let forged = genesis("real".into(), "alice", records::now(), theirs.clone(), None)
            .unwrap()
            .0;
        assert!(
            check(&forged, &Pins::default(), None).is_ok(),
            "no anchor, no way to tell"
        );
        let error = check(&forged, &Pins::default(), Some(&seen)).err().unwrap();
        assert!(
            error.to_string().contains("changed without a new revision"),
            "{error}"
        );
        // The same at a later revision, signed by their own key (they can make one: age only needs
        // the members' public keys).
        let their_key = check(&forged, &Pins::default(), None)
            .unwrap()
            .team_key(&mallory, "h")
            .unwrap();
        let later = next_header(&forged, &their_key, theirs, "alice", records::now())
            .unwrap()
            .0;
        let error = check(&later, &Pins::default(), Some(&seen)).err().unwrap();
        assert!(error.to_string().contains("does not descend"), "{error}");
        let error = check(&forged, &pin, None).err().unwrap();
        assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
        // An old revision put back, and a change without a new revision.
        let key = check(&real, &Pins::default(), None)
            .unwrap()
            .team_key(&alice, "h")
            .unwrap();
        let next = next_header(&real, &key, members[..1].to_vec(), "alice", records::now())
            .unwrap()
            .0;
        let newer = SeenHeader::of(&next, "memory://t");
        let error = check(&real, &Pins::default(), Some(&newer)).err().unwrap();
        assert!(
            error.to_string().contains("an old version was put back"),
            "{error}"
        );
        let elsewhere = genesis("other".into(), "alice", records::now(), members.clone(), None)
            .unwrap()
            .0;
        let error = check(&elsewhere, &Pins::default(), Some(&seen)).err().unwrap();
        assert!(error.to_string().contains("replaced as a whole"), "{error}");
        // What changed is reported for people.
        let verified = check(&next, &Pins::default(), Some(&seen)).unwrap();
        assert!(matches!(
            verified.anchor,
            Anchor::Seen {
                changed_from: Some(_)
            }
        ));
    }

    #[test]
    fn a_store_of_the_unsigned_development_format_is_refused_with_what_to_do() {
        let error = parse(br#"{"format": 1, "members": []}"#, "ascert-team.json").unwrap_err();
        assert_eq!(error.kind(), crate::ErrorKind::Format);
        assert!(error.to_string().contains("must be made again"), "{error}");
    }
}
