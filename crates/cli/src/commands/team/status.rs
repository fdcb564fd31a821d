//! `ascert team status` (the leases and pending keys of a store: what is under way, and what a
//! runner that was killed left behind) and `ascert team lease release` (releasing such a lease, on
//! the version shown, so that a holder that is alive after all is not disturbed).

use anyhow::Result;
use ascert_models::CertificateType;
use ascert_team::printable;
use serde::Serialize;
use time::OffsetDateTime;

use super::open;
use crate::cli::StoreArgs;
use crate::commands::Context;
use crate::failure::{Exit, UserError};
use crate::output::{Column, Row, Table, Tone};

/// One lease, as `team status` shows it. The fields of this and the other reports here are in
/// the alphabetical order of their keys, the order `--json` has always printed them in.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LeaseRow {
    /// Seconds since the store last saw it written.
    age_seconds: u64,
    /// The lease's version (`team lease release --etag`).
    etag: String,
    /// Who holds or last held it.
    holder: String,
    /// The certificate type, or `members`.
    lease: String,
    /// Whether it is held, and for how long it has not been written.
    state: LeaseState,
    /// How long a holder may go without writing it.
    ttl_seconds: u64,
}

/// The state of a lease, as `team status` shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum LeaseState {
    /// Held, and written within its time-to-live.
    Held,
    /// Held, but not written for longer than its time-to-live.
    Expired,
    /// Released.
    Released,
}

impl LeaseState {
    /// The word `--json` and the table use.
    fn as_str(self) -> &'static str {
        match self {
            Self::Held => "held",
            Self::Expired => "expired",
            Self::Released => "released",
        }
    }
}

/// One pending key, as `team status` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PendingRow {
    /// The certificate type it was made for.
    certificate_type: String,
    /// The key's id.
    key_id: String,
    /// Whether this machine wrote it.
    origin: Origin,
    /// When its record was written.
    #[serde(serialize_with = "crate::output::date::serialize")]
    written_at: OffsetDateTime,
    /// What its record says of who wrote it (anyone who can write to the bucket can write that).
    written_by: Option<String>,
}

/// Where a pending key was made, as far as this machine can confirm.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
enum Origin {
    /// This machine wrote it: its trust folder says so, and its keystore holds the key (the only
    /// origin ascert can confirm).
    ThisMachine,
    /// Anywhere else, or not confirmed.
    Elsewhere,
}

impl Origin {
    /// The word `--json` and the table use.
    fn as_str(self) -> &'static str {
        match self {
            Self::ThisMachine => "this-machine",
            Self::Elsewhere => "elsewhere",
        }
    }
}

/// What `team status --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct StatusReport<'a> {
    /// Every lease of the store.
    leases: &'a [LeaseRow],
    /// The digest of the member list.
    members_sha256: String,
    /// Every pending key of the store.
    pending_keys: &'a [PendingRow],
    /// The member list's revision.
    revision: u64,
    /// The store's URL.
    store: String,
}

/// What `team lease release --json` reports.
#[derive(Debug, Serialize)]
struct ReleaseReport {
    /// Who held the lease released.
    holder: String,
    /// The lease: a certificate type, or `members`.
    lease: String,
    /// Always `true`: a lease that was released already is reported only in words.
    released: bool,
}

/// `team status`.
pub(super) async fn status(ctx: &Context, args: &StoreArgs) -> Result<()> {
    let team = open(ctx, args).await?;
    let keystore = ctx.keystore()?;
    let leases: Vec<LeaseRow> = team
        .leases()
        .await?
        .into_iter()
        .map(|lease| LeaseRow {
            age_seconds: lease.age.as_secs(),
            etag: lease.e_tag,
            holder: lease.holder.to_string(),
            lease: lease.certificate_type.to_string(),
            state: match (lease.held, lease.age > lease.ttl) {
                (false, _) => LeaseState::Released,
                (true, true) => LeaseState::Expired,
                (true, false) => LeaseState::Held,
            },
            ttl_seconds: lease.ttl.as_secs(),
        })
        .collect();
    let pending: Vec<PendingRow> = team
        .all_pending()
        .await?
        .into_iter()
        .map(|p| PendingRow {
            certificate_type: p.certificate_type.to_string(),
            key_id: p.key_id.to_string(),
            origin: if team.made_here(&p).unwrap_or(false) && keystore.contains(&p.key_id) {
                Origin::ThisMachine
            } else {
                Origin::Elsewhere
            },
            written_at: p.written_at,
            written_by: p.written_by.map(|w| printable(&w).into_owned()),
        })
        .collect();
    let trust = team.trust();
    if ctx.out.json {
        return ctx.out.json(&StatusReport {
            leases: &leases,
            members_sha256: trust.members_sha256.to_string(),
            pending_keys: &pending,
            revision: trust.revision,
            store: team.url().to_string(),
        });
    }
    ctx.out.text(&format!(
        "{}: member list revision {}, sha256 {}\n",
        team.url(),
        trust.revision,
        trust.members_sha256
    ))?;
    show_leases(ctx, &leases)?;
    show_pending(ctx, &pending)
}

fn show_leases(ctx: &Context, leases: &[LeaseRow]) -> Result<()> {
    if leases.is_empty() {
        return ctx.out.text("No leases.\n");
    }
    let mut table = Table::new(&[
        Column::keep("LEASE"),
        Column::keep("STATE"),
        Column::shorten("HOLDER"),
        Column::keep("AGE"),
        Column::drop("ETAG", 0),
    ]);
    for lease in leases {
        table.push(
            Row::new(vec![
                printable(&lease.lease).into_owned(),
                lease.state.as_str().to_owned(),
                lease.holder.clone(),
                format!("{} s of {} s", lease.age_seconds, lease.ttl_seconds),
                printable(&lease.etag).into_owned(),
            ])
            .tone(if lease.state == LeaseState::Expired {
                Tone::Warning
            } else {
                Tone::Normal
            }),
        );
    }
    ctx.out.table(&table)
}

fn show_pending(ctx: &Context, pending: &[PendingRow]) -> Result<()> {
    if pending.is_empty() {
        return ctx.out.text("No pending keys.\n");
    }
    let mut table = Table::new(&[
        Column::keep("PENDING TYPE"),
        Column::keep("KEY"),
        Column::keep("ORIGIN"),
        Column::drop("WRITTEN", 0),
        Column::shorten("WRITTEN BY"),
    ]);
    for p in pending {
        table.push(Row::new(vec![
            p.certificate_type.clone(),
            p.key_id.clone(),
            p.origin.as_str().to_owned(),
            p.written_at.date().to_string(),
            p.written_by.clone().unwrap_or_default(),
        ]));
    }
    ctx.out.table(&table)?;
    ctx.out.note(
        "A pending key is used only to adopt a certificate App Store Connect issued for it, or by the \
         machine that made it; `ascert team prune` removes stale ones.",
    );
    Ok(())
}

/// `team lease release TYPE`.
pub(super) async fn release(
    ctx: &Context,
    args: &StoreArgs,
    lease: &str,
    etag: Option<&str>,
    yes: bool,
) -> Result<()> {
    let team = open(ctx, args).await?;
    let name = if lease == "members" {
        CertificateType::from("members")
    } else {
        CertificateType::from(lease.trim().to_ascii_uppercase().as_str())
    };
    let Some(current) = team
        .leases()
        .await?
        .into_iter()
        .find(|l| l.certificate_type == name)
    else {
        return Err(UserError::new(
            Exit::NotFound,
            format!("{} has no lease for {}", team.url(), printable(lease)),
        )
        .hint("`ascert team status` shows the leases")
        .into());
    };
    if !current.held {
        ctx.out.note(format!(
            "The lease for {name} is released already; nothing to do."
        ));
        return Ok(());
    }
    if let Some(etag) = etag
        && etag != current.e_tag
    {
        return Err(UserError::new(
            Exit::Conflict,
            format!(
                "the lease for {name} is at version {}, not {}: its holder renewed or released it since",
                printable(&current.e_tag),
                printable(etag)
            ),
        )
        .hint("run `ascert team status` again and look at how long ago it was written")
        .into());
    }
    let item = format!(
        "{name}: held by {}, written {} s ago (time-to-live {} s)",
        current.holder,
        current.age.as_secs(),
        current.ttl.as_secs()
    );
    if current.age < current.ttl {
        ctx.out.warn(format!(
            "the lease for {name} was written {} s ago, within its time-to-live: its holder may be alive \
             and creating a certificate; releasing it lets another runner create one too",
            current.age.as_secs()
        ));
    }
    ctx.confirm(yes, "Release this lease?", &[(name.to_string(), item)])?;
    let holder = team.force_release(&name, &current.e_tag).await?;
    if ctx.out.json {
        return ctx.out.json(&ReleaseReport {
            holder: holder.to_string(),
            lease: name.to_string(),
            released: true,
        });
    }
    ctx.out
        .note(format!("Released the lease for {name} that {holder} held."));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_report_rows_keep_their_keys_in_order() {
        let leases = [LeaseRow {
            age_seconds: 700,
            etag: "\"3\"".to_owned(),
            holder: "runner-1 (pid 42)".to_owned(),
            lease: "DISTRIBUTION".to_owned(),
            state: LeaseState::Expired,
            ttl_seconds: 600,
        }];
        let pending = [PendingRow {
            certificate_type: "DISTRIBUTION".to_owned(),
            key_id: "5f2a".to_owned(),
            origin: Origin::ThisMachine,
            written_at: time::macros::datetime!(2026-01-02 03:04:05 UTC),
            written_by: None,
        }];
        let report = StatusReport {
            leases: &leases,
            members_sha256: "ab12".to_owned(),
            pending_keys: &pending,
            revision: 2,
            store: "s3://bucket/team".to_owned(),
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "leases": [
    {
      "ageSeconds": 700,
      "etag": "\"3\"",
      "holder": "runner-1 (pid 42)",
      "lease": "DISTRIBUTION",
      "state": "expired",
      "ttlSeconds": 600
    }
  ],
  "membersSha256": "ab12",
  "pendingKeys": [
    {
      "certificateType": "DISTRIBUTION",
      "keyId": "5f2a",
      "origin": "this-machine",
      "writtenAt": "2026-01-02T03:04:05Z",
      "writtenBy": null
    }
  ],
  "revision": 2,
  "store": "s3://bucket/team"
}"#
        );
        for (state, word) in [
            (LeaseState::Held, "held"),
            (LeaseState::Expired, "expired"),
            (LeaseState::Released, "released"),
        ] {
            assert_eq!(serde_json::to_value(state).unwrap(), word);
            assert_eq!(state.as_str(), word);
        }
        for origin in [Origin::ThisMachine, Origin::Elsewhere] {
            assert_eq!(serde_json::to_value(origin).unwrap(), origin.as_str());
        }
    }

    #[test]
    fn the_release_report_keeps_its_keys_in_order() {
        let report = ReleaseReport {
            holder: "runner-1 (pid 42)".to_owned(),
            lease: "DISTRIBUTION".to_owned(),
            released: true,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "holder": "runner-1 (pid 42)",
  "lease": "DISTRIBUTION",
  "released": true
}"#
        );
    }
}
