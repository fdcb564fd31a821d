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

/// One lease, as `team status` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct LeaseRow {
    /// The certificate type, or `members`.
    lease: String,
    /// `held`, `expired` (held, but not written for longer than its time-to-live) or `released`.
    state: &'static str,
    holder: String,
    /// Seconds since the store last saw it written.
    age_seconds: u64,
    ttl_seconds: u64,
    etag: String,
}

/// One pending key, as `team status` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PendingRow {
    certificate_type: String,
    key_id: String,
    /// What its record says of who wrote it (anyone who can write to the bucket can write that).
    written_by: Option<String>,
    #[serde(serialize_with = "crate::output::date::serialize")]
    written_at: OffsetDateTime,
    /// `this-machine` when this machine wrote it (its trust folder says so, and its keystore holds
    /// the key: the only origin ascert can confirm), else `elsewhere`.
    origin: &'static str,
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
            lease: lease.certificate_type.to_string(),
            state: match (lease.held, lease.age > lease.ttl) {
                (false, _) => "released",
                (true, true) => "expired",
                (true, false) => "held",
            },
            holder: lease.holder.to_string(),
            age_seconds: lease.age.as_secs(),
            ttl_seconds: lease.ttl.as_secs(),
            etag: lease.e_tag,
        })
        .collect();
    let pending: Vec<PendingRow> = team
        .all_pending()
        .await?
        .into_iter()
        .map(|p| PendingRow {
            origin: if team.made_here(&p).unwrap_or(false) && keystore.contains(&p.key_id) {
                "this-machine"
            } else {
                "elsewhere"
            },
            certificate_type: p.certificate_type.to_string(),
            key_id: p.key_id.to_string(),
            written_by: p.written_by.map(|w| printable(&w).into_owned()),
            written_at: p.written_at,
        })
        .collect();
    let trust = team.trust();
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "store": team.url().to_string(),
            "revision": trust.revision,
            "membersSha256": trust.members_sha256.to_string(),
            "leases": leases,
            "pendingKeys": pending,
        }));
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
                lease.state.to_owned(),
                lease.holder.clone(),
                format!("{} s of {} s", lease.age_seconds, lease.ttl_seconds),
                printable(&lease.etag).into_owned(),
            ])
            .tone(if lease.state == "expired" {
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
            p.origin.to_owned(),
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
        return ctx.out.json(&serde_json::json!({
            "lease": name.to_string(),
            "released": true,
            "holder": holder.to_string(),
        }));
    }
    ctx.out
        .note(format!("Released the lease for {name} that {holder} held."));
    Ok(())
}
