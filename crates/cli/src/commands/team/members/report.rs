//! What `team init | keygen | members list/add/remove --json` report. Each report's fields are in
//! the alphabetical order of their keys, the order the reports have always had.

use std::path::Path;

use ascert_team::{Anchor, Member, printable};
use serde::Serialize;

/// One member, as the reports show it.
#[derive(Debug, Serialize)]
pub(super) struct MemberRow {
    /// The kind of key: `X25519` (an age recipient), `ssh-ed25519` or `ssh-rsa`.
    pub(super) kind: &'static str,
    /// The member's name, its control characters shown escaped.
    pub(super) name: String,
    /// The member's public key.
    pub(super) recipient: String,
}

/// The rows of `members`, in their order.
pub(super) fn rows(members: &[Member]) -> Vec<MemberRow> {
    members
        .iter()
        .map(|m| MemberRow {
            kind: m.recipient.kind(),
            name: printable(&m.name).into_owned(),
            recipient: m.recipient.to_string(),
        })
        .collect()
}

/// What `team init --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Initialized {
    /// The store's members.
    pub(super) members: Vec<MemberRow>,
    /// The digest of the member list, to pin in CI (`ASCERT_TEAM_MEMBERS_SHA256`).
    pub(super) members_sha256: String,
    /// Whether the team passphrase opens the store too.
    pub(super) passphrase: bool,
    /// The store's URL.
    pub(super) store: String,
}

/// What `team keygen --json` reports (never the identity's secret key).
#[derive(Debug, Serialize)]
pub(super) struct KeyMade<'a> {
    /// The identity file written.
    pub(super) identity: &'a Path,
    /// Its public key, for `team members add NAME=RECIPIENT`.
    pub(super) recipient: String,
}

/// What `team members list --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct MemberList {
    /// What this machine's trust in the member list rests on.
    pub(super) anchor: AnchorName,
    /// The store's members.
    pub(super) members: Vec<MemberRow>,
    /// The digest of the member list, to pin in CI.
    pub(super) members_sha256: String,
    /// Whether the team passphrase opens the store too.
    pub(super) passphrase: bool,
    /// The member list's revision.
    pub(super) revision: u64,
}

/// What the member list's verified header is anchored on, in `--json`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub(super) enum AnchorName {
    /// The digest given (`--members-sha256`, `ASCERT_TEAM_MEMBERS_SHA256`) matched.
    Pinned,
    /// This machine has seen this store before and recorded its member list.
    Seen,
    /// Nothing pins it: this machine has not seen the store before.
    FirstUse,
}

impl From<&Anchor> for AnchorName {
    fn from(anchor: &Anchor) -> Self {
        match anchor {
            Anchor::Pinned => Self::Pinned,
            Anchor::Seen { .. } => Self::Seen,
            _ => Self::FirstUse,
        }
    }
}

/// What `team members add | remove --json` report.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Changed {
    /// The members after the change.
    pub(super) members: Vec<MemberRow>,
    /// The digest of the new member list, to pin in CI.
    pub(super) members_sha256: String,
    /// How many keys were re-encrypted.
    pub(super) reencrypted: usize,
    /// The new member list's revision.
    pub(super) revision: u64,
    /// The objects not re-encrypted, and why.
    pub(super) skipped: Vec<Skipped>,
}

/// An object of the store a membership change did not re-encrypt.
#[derive(Debug, Serialize)]
pub(super) struct Skipped {
    /// The object's name, its control characters shown escaped.
    pub(super) object: String,
    /// Why it was skipped.
    pub(super) reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ci() -> MemberRow {
        MemberRow {
            kind: "X25519",
            name: "ci".to_owned(),
            recipient: "age1ci".to_owned(),
        }
    }

    #[test]
    fn init_and_keygen_reports_keep_their_keys_in_order() {
        let report = Initialized {
            members: vec![ci()],
            members_sha256: "ab12".to_owned(),
            passphrase: false,
            store: "s3://bucket/team".to_owned(),
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "members": [
    {
      "kind": "X25519",
      "name": "ci",
      "recipient": "age1ci"
    }
  ],
  "membersSha256": "ab12",
  "passphrase": false,
  "store": "s3://bucket/team"
}"#
        );
        let report = KeyMade {
            identity: Path::new("ci.agekey"),
            recipient: "age1ci".to_owned(),
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            "{\n  \"identity\": \"ci.agekey\",\n  \"recipient\": \"age1ci\"\n}"
        );
    }

    #[test]
    fn the_member_list_names_its_anchor() {
        let report = MemberList {
            anchor: AnchorName::from(&Anchor::FirstUse),
            members: vec![],
            members_sha256: "ab12".to_owned(),
            passphrase: true,
            revision: 3,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "anchor": "first-use",
  "members": [],
  "membersSha256": "ab12",
  "passphrase": true,
  "revision": 3
}"#
        );
        assert_eq!(serde_json::to_string(&AnchorName::Pinned).unwrap(), r#""pinned""#);
        assert_eq!(serde_json::to_string(&AnchorName::Seen).unwrap(), r#""seen""#);
    }

    #[test]
    fn the_change_report_lists_what_it_skipped() {
        let report = Changed {
            members: vec![ci()],
            members_sha256: "ab12".to_owned(),
            reencrypted: 2,
            revision: 4,
            skipped: vec![Skipped {
                object: "keys/x.age".to_owned(),
                reason: "no member can read it".to_owned(),
            }],
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "members": [
    {
      "kind": "X25519",
      "name": "ci",
      "recipient": "age1ci"
    }
  ],
  "membersSha256": "ab12",
  "reencrypted": 2,
  "revision": 4,
  "skipped": [
    {
      "object": "keys/x.age",
      "reason": "no member can read it"
    }
  ]
}"#
        );
    }
}
