//! The store header (`ascert-team.json`) as data: the member list, the team key's chain, the sealed
//! team key and the signature. What the fields mean and how they are checked is in `trust.rs`; how
//! they are written in each format is in `wire/`.

use time::OffsetDateTime;

use crate::crypto::Recipient;
use crate::records::Member;

/// One link of the team key's chain: a public key, the revision from which it signs, and (for every
/// key but the first) the previous key's signature over it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct KeyLink {
    /// The Ed25519 public key, base64.
    pub(crate) public_key: String,
    /// The revision of the header that introduced it.
    pub(crate) revision: u64,
    /// The previous key's signature over the endorsement message (`trust.rs`), base64.
    pub(crate) endorsement: Option<String>,
}

/// The header object: the member list, the team key's chain, the team key sealed to the members,
/// and the signature over everything else.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct HeaderObject {
    /// The format version it was read from or is written in.
    pub(crate) format: u32,
    pub(crate) store_id: String,
    pub(crate) created: OffsetDateTime,
    pub(crate) created_by: String,
    pub(crate) revision: u64,
    pub(crate) changed: OffsetDateTime,
    pub(crate) changed_by: String,
    pub(crate) members: Vec<Member>,
    pub(crate) passphrase_recipient: Option<Recipient>,
    pub(crate) team_keys: Vec<KeyLink>,
    /// The current team key's private half (PKCS#8), age-encrypted to every recipient, base64.
    pub(crate) sealed_team_key: String,
    /// Ed25519 by the last key of `team_keys` over the signed bytes (`trust.rs`), base64.
    pub(crate) signature: String,
}
