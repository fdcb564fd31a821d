//! [`MembersDigest`], the SHA-256 of a member list: the value itself (its text form, its JSON
//! form), a leaf that the errors can carry. How it is computed from members and how its text is
//! read are with the member list's trust (`trust.rs`).

use std::fmt;

use serde::{Deserialize, Serialize};

/// The SHA-256 of a member list, which CI pins (`ASCERT_TEAM_MEMBERS_SHA256`) so that no other list
/// is ever encrypted to.
///
/// It is computed over lines of text, so anyone can recompute it from `ascert team members list
/// --json`: one line `member<TAB>NAME<TAB>RECIPIENT<LF>` per member, in the order of the recipients'
/// text, then `passphrase<TAB>RECIPIENT<LF>` if the store has a passphrase member; the digest is the
/// SHA-256 of those bytes in lower-case hex.
///
/// ```
/// use ascert_team::MembersDigest;
/// let pin: MembersDigest = "sha256:9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08".parse()?;
/// assert_eq!(pin.to_string(), "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08");
/// # Ok::<(), ascert_team::TeamError>(())
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct MembersDigest(pub(crate) [u8; 32]);

impl fmt::Display for MembersDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for MembersDigest {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "MembersDigest({self})")
    }
}

impl Serialize for MembersDigest {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for MembersDigest {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        String::deserialize(deserializer)?
            .parse()
            .map_err(serde::de::Error::custom)
    }
}
