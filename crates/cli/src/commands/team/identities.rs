//! `ascert team push | pull | list | prune`: the identities a team store holds, compared with what
//! App Store Connect lists (one list call per certificate type). `pull` and `list` also work from the
//! member key alone, without an API key: then Apple is not asked, and they say so.

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use ascert_certificates::CertificatesApi;
use ascert_models::{Certificate, CertificateType};
use ascert_team::{
    AppleFacts, IdentityListing, IdentityRecord, PruneReason, PushOutcome, TeamStore, UnreadableRecord,
    printable,
};
use serde::Serialize;
use time::OffsetDateTime;

use super::{member_key, open};
use crate::cli::StoreArgs;
use crate::commands::Context;
use crate::commands::flows::{self, Progress};
use crate::failure::{Exit, UserError};
use crate::output::{self, Column, Table, Tone};

/// Days before expiry from which a stored identity shows as expiring.
const EXPIRING_DAYS: i64 = 30;

/// What is said when Apple is not asked.
const NO_APPLE: &str = "no App Store Connect API key was given, so App Store Connect was not asked: a \
                        revoked certificate is not noticed";

/// Every certificate App Store Connect lists for the API key, by id: one list (every page),
/// without a type filter, so that a record relabelled in the store is still seen with Apple's type.
pub(crate) async fn listed_at_apple(api: &CertificatesApi) -> Result<BTreeMap<String, Certificate>> {
    Ok(api
        .list()
        .limit(200)?
        .all()
        .await?
        .into_iter()
        .map(|c| (c.id.clone(), c))
        .collect())
}

/// Says on stderr which stored records could not be read; they are skipped, never fatal here.
pub(crate) fn warn_unreadable(ctx: &Context, listing: &IdentityListing) {
    for unreadable in &listing.unreadable {
        ctx.out.warn(unreadable_warning(unreadable));
    }
}

/// The warning for a stored record that could not be read.
pub(crate) fn unreadable_warning(unreadable: &UnreadableRecord) -> String {
    format!(
        "skipped the stored identity {}{}: {}",
        printable(&unreadable.certificate_id),
        unreadable
            .certificate_type
            .as_ref()
            .map(|t| format!(" ({})", printable(t.as_str())))
            .unwrap_or_default(),
        unreadable.error
    )
}

/// A stored identity and its state at App Store Connect.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    certificate_id: String,
    certificate_type: String,
    name: Option<String>,
    #[serde(serialize_with = "crate::output::date::serialize")]
    expires: OffsetDateTime,
    days_left: i64,
    /// `valid`, `expiring`, `expired`, `inactive`, `missing` (revoked, or not this team's) or
    /// `unchecked` (no API key: Apple was not asked).
    state: &'static str,
    pushed_by: String,
    #[serde(serialize_with = "crate::output::date::serialize")]
    pushed_at: OffsetDateTime,
}

fn state(
    record: &IdentityRecord,
    apple: Option<&Certificate>,
    checked: bool,
    now: OffsetDateTime,
) -> &'static str {
    let expires = apple
        .and_then(|c| c.attributes.expiration_date)
        .unwrap_or(record.expires);
    let days_left = (expires - now).whole_days();
    match apple {
        None if !checked && expires <= now => "expired",
        None if !checked => "unchecked",
        None => "missing",
        Some(_) if expires <= now => "expired",
        Some(c) if c.attributes.activated == Some(false) => "inactive",
        Some(_) if days_left < EXPIRING_DAYS => "expiring",
        Some(_) => "valid",
    }
}

/// The store's identities, each with its state at Apple (when an API key is given).
async fn rows(ctx: &Context, args: &StoreArgs) -> Result<(TeamStore, Vec<Row>)> {
    let team = open(ctx, args).await?;
    let listing = team.identities().await?;
    warn_unreadable(ctx, &listing);
    let api = ctx.api_if_configured()?;
    let listed = if let Some(api) = &api {
        let spinner = ctx
            .out
            .spinner("Asking App Store Connect about the stored certificates…");
        let listed = listed_at_apple(api).await?;
        spinner.finish_and_clear();
        listed
    } else {
        ctx.out.warn(NO_APPLE);
        BTreeMap::new()
    };
    let now = OffsetDateTime::now_utc();
    let rows = listing
        .records
        .into_iter()
        .map(|r| {
            let apple = listed.get(&r.certificate_id);
            // Apple's date and type decide; the record's are what a member wrote.
            let expires = apple
                .and_then(|c| c.attributes.expiration_date)
                .unwrap_or(r.expires);
            let certificate_type = apple
                .and_then(|c| c.attributes.certificate_type.clone())
                .unwrap_or_else(|| r.certificate_type.clone());
            Row {
                state: state(&r, apple, api.is_some(), now),
                days_left: (expires - now).whole_days(),
                certificate_id: r.certificate_id,
                certificate_type: certificate_type.to_string(),
                name: r.common_name,
                expires,
                pushed_by: r.pushed_by,
                pushed_at: r.pushed_at,
            }
        })
        .collect();
    Ok((team, rows))
}

/// `team list`.
pub(super) async fn list(ctx: &Context, args: &StoreArgs) -> Result<()> {
    let (team, rows) = rows(ctx, args).await?;
    if ctx.out.json {
        return ctx.out.json(&rows);
    }
    if rows.is_empty() {
        ctx.out.note(format!("{} holds no identities yet.", team.url()));
        return Ok(());
    }
    let mut table = Table::new(&[
        Column::keep("CERTIFICATE"),
        Column::keep("TYPE"),
        Column::drop("EXPIRES", 0),
        Column::keep("STATE"),
        Column::shorten("PUSHED BY"),
    ]);
    for r in rows {
        let (state, tone) = match r.state {
            "expiring" => (format!("expiring in {} days", r.days_left), Tone::Warning),
            "missing" => ("revoked or missing".to_owned(), Tone::Bad),
            "expired" => (r.state.to_owned(), Tone::Bad),
            "unchecked" => ("not checked".to_owned(), Tone::Normal),
            other => (other.to_owned(), Tone::Normal),
        };
        table.push(
            output::Row::new(vec![
                printable(&r.certificate_id).into_owned(),
                printable(&r.certificate_type).into_owned(),
                r.expires.date().to_string(),
                state,
                printable(&r.pushed_by).into_owned(),
            ])
            .tone(tone),
        );
    }
    ctx.out.table(&table)
}

/// One identity a prune removes or keeps, for `--json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PrunedRow {
    certificate_id: String,
    certificate_type: String,
    /// `expired` or `missing` (App Store Connect answers 404 for it).
    reason: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    kept_because: Option<String>,
}

/// What `team prune` did, for `--json`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct PruneReport {
    removed: Vec<PrunedRow>,
    kept: Vec<PrunedRow>,
    pending_keys: usize,
    trash: Option<String>,
}

fn reason(reason: PruneReason) -> &'static str {
    match reason {
        PruneReason::Missing => "missing",
        _ => "expired",
    }
}

/// `team prune`: identities whose certificate expired, or that Apple answers 404 for (each asked by
/// its own GET), go to the store's trash, decided by ascert-team from Apple's answers.
pub(super) async fn prune(ctx: &Context, args: &StoreArgs, yes: bool, force: bool) -> Result<()> {
    let team = open(ctx, args).await?;
    let api = ctx.api()?;
    let facts = apple_facts(ctx, &team, &api).await?;
    let plan = team.plan_prune(&facts, OffsetDateTime::now_utc(), force).await?;
    let rows = |items: &[ascert_team::PruneItem]| -> Vec<PrunedRow> {
        items
            .iter()
            .map(|item| PrunedRow {
                certificate_id: item.record.certificate_id.clone(),
                certificate_type: item.record.certificate_type.to_string(),
                reason: reason(item.reason),
                kept_because: item.kept_because.clone(),
            })
            .collect()
    };
    for kept in &plan.kept {
        ctx.out.warn(format!(
            "kept {} ({}): {}",
            printable(&kept.record.certificate_id),
            kept.record.certificate_type,
            kept.kept_because.as_deref().unwrap_or("")
        ));
    }
    if let Some(refused) = &plan.refused {
        return Err(UserError::new(Exit::Conflict, format!("refusing to prune: {refused}"))
            .hint("check that the API key is this team's (`ascert auth status`), then run again with --force")
            .into());
    }
    if plan.remove.is_empty() && plan.pending.is_empty() {
        if ctx.out.json {
            return ctx.out.json(&PruneReport {
                removed: Vec::new(),
                kept: rows(&plan.kept),
                pending_keys: 0,
                trash: None,
            });
        }
        ctx.out
            .note("Nothing to prune: no stored certificate has expired or is gone at App Store Connect.");
        return Ok(());
    }
    let mut items: Vec<(String, String)> = plan
        .remove
        .iter()
        .map(|item| {
            let why = match item.reason {
                PruneReason::Missing => "App Store Connect answers 404 for it",
                _ => "expired",
            };
            (
                item.record.certificate_id.clone(),
                format!(
                    "{} ({}, {why}, expires {})",
                    printable(&item.record.certificate_id),
                    item.record.certificate_type,
                    item.expires.date()
                ),
            )
        })
        .collect();
    for pending in &plan.pending {
        items.push((
            pending.key_id.to_string(),
            format!(
                "pending {} key {} written by {} on {}",
                pending.certificate_type,
                pending.key_id,
                printable(pending.written_by.as_deref().unwrap_or("an unknown runner")),
                pending.written_at.date()
            ),
        ));
    }
    ctx.confirm(
        yes,
        "Move these identities (their keys too) and pending keys to the store's trash?",
        &items,
    )?;
    let pruned = team.prune(&plan).await?;
    if ctx.out.json {
        return ctx.out.json(&PruneReport {
            removed: rows(&plan.remove),
            kept: rows(&plan.kept),
            pending_keys: pruned.pending,
            trash: Some(format!("trash/{}", pruned.batch)),
        });
    }
    ctx.out.note(format!(
        "Moved {} identit{} and {} pending key{} of {} to trash/{}; `ascert team prune --purge` deletes them.",
        pruned.identities.len(),
        if pruned.identities.len() == 1 { "y" } else { "ies" },
        pruned.pending,
        if pruned.pending == 1 { "" } else { "s" },
        team.url(),
        pruned.batch
    ));
    Ok(())
}

/// What App Store Connect says of the stored identities: each type listed once, and each identity it
/// does not list asked for by its own GET ("not listed" is not "gone": only a 404 counts).
async fn apple_facts(ctx: &Context, team: &TeamStore, api: &CertificatesApi) -> Result<AppleFacts> {
    let listing = team.identities().await?;
    warn_unreadable(ctx, &listing);
    let spinner = ctx
        .out
        .spinner("Asking App Store Connect about the stored certificates…");
    let listed = listed_at_apple(api).await?;
    let mut missing = BTreeSet::new();
    for record in &listing.records {
        if listed.contains_key(&record.certificate_id) {
            continue;
        }
        match api.get(&record.certificate_id).send().await {
            Err(err) if err.status() == Some(404) => {
                missing.insert(record.certificate_id.clone());
            }
            Ok(_) => {}
            Err(err) => return Err(err.into()),
        }
    }
    spinner.finish_and_clear();
    Ok(AppleFacts::new(listed, missing))
}

/// What `team prune --purge` did, for `--json`.
#[derive(Debug, Serialize)]
struct Purged {
    /// How many objects were deleted from the trash.
    deleted: usize,
}

/// `team prune --purge`: deletes what earlier prunes moved to the trash.
pub(super) async fn purge(ctx: &Context, args: &StoreArgs, yes: bool) -> Result<()> {
    let team = open(ctx, args).await?;
    ctx.confirm(
        yes,
        "Delete everything earlier prunes moved to the store's trash (keys included)?",
        &[],
    )?;
    let deleted = team.purge_trash().await?;
    if ctx.out.json {
        return ctx.out.json(&Purged { deleted });
    }
    ctx.out.note(format!(
        "Deleted {deleted} object{} from the trash of {}.",
        if deleted == 1 { "" } else { "s" },
        team.url()
    ));
    Ok(())
}

/// What `push` and `pull` did with one identity.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Moved {
    certificate_id: String,
    certificate_type: String,
    #[serde(serialize_with = "crate::output::date::serialize")]
    expires: OffsetDateTime,
    key_id: String,
    /// For `push`: `shared`, `already-shared` or `repaired`.
    #[serde(skip_serializing_if = "Option::is_none")]
    outcome: Option<&'static str>,
}

/// `team push`: local identities (paired, and listed as active by Apple) into the store, through
/// ascert-workflows' `push`.
pub(super) async fn push(ctx: &Context, args: &StoreArgs, cert_ids: &[String]) -> Result<()> {
    let keystore = ctx.keystore()?;
    let api = ctx.api()?;
    let team = open(ctx, args).await?;
    let me = member_key(ctx, &team, args).await?;
    let shared = ascert_workflows::push(&api, &keystore, &team, &me, cert_ids, &Progress::new(ctx))
        .await
        .map_err(flows::explain)?;
    let pushed: Vec<Moved> = shared
        .into_iter()
        .map(|stored| Moved {
            certificate_id: stored.certificate_id,
            certificate_type: stored.certificate_type.to_string(),
            expires: stored.expires,
            key_id: stored.key.to_string(),
            outcome: Some(match stored.outcome {
                PushOutcome::AlreadyShared => "already-shared",
                PushOutcome::Repaired => "repaired",
                _ => "shared",
            }),
        })
        .collect();
    if ctx.out.json {
        return ctx.out.json(&pushed);
    }
    for m in &pushed {
        let verb = match m.outcome {
            Some("already-shared") => "Already shared, and whole in the store:",
            Some("repaired") => {
                "Repaired (its stored key or certificate was damaged or replaced, and is written again):"
            }
            _ => "Shared",
        };
        ctx.out.note(format!(
            "{verb} {} ({}, expires {}).",
            m.certificate_id,
            m.certificate_type,
            m.expires.date()
        ));
    }
    ctx.out.note(format!(
        "{} identit{} in {}.",
        pushed.len(),
        if pushed.len() == 1 { "y" } else { "ies" },
        team.url()
    ));
    Ok(())
}

/// `team pull`: the store's identities (of the types asked for) into the local keystore, through
/// ascert-workflows' `pull`. With an API key, only those App Store Connect lists, each checked
/// against Apple's copy of its certificate before anything is written here; without one, from the
/// member key alone, checked against themselves.
pub(super) async fn pull(ctx: &Context, args: &StoreArgs, types: &[CertificateType]) -> Result<()> {
    let team = open(ctx, args).await?;
    let me = member_key(ctx, &team, args).await?;
    let keystore = ctx.keystore()?;
    let api = ctx.api_if_configured()?;
    let progress = Progress::new(ctx).not_checked_said_as(NO_APPLE);
    let fetched = ascert_workflows::pull(api.as_ref(), &keystore, &team, &me, types, &progress)
        .await
        .map_err(flows::explain)?;
    let pulled: Vec<Moved> = fetched
        .into_iter()
        .map(|p| Moved {
            certificate_id: p.certificate_id,
            certificate_type: p.certificate_type.to_string(),
            expires: p.expires,
            key_id: p.key.to_string(),
            outcome: None,
        })
        .collect();
    if ctx.out.json {
        return ctx.out.json(&pulled);
    }
    for m in &pulled {
        ctx.out.note(format!(
            "Fetched {} ({}, expires {}).",
            m.certificate_id,
            m.certificate_type,
            m.expires.date()
        ));
    }
    ctx.out.note(format!(
        "Fetched {} identit{} from {}.",
        pulled.len(),
        if pulled.len() == 1 { "y" } else { "ies" },
        team.url()
    ));
    Ok(())
}

#[cfg(test)]
mod purge_report_tests {
    #[test]
    fn the_purge_report_is_one_count() {
        assert_eq!(
            serde_json::to_string(&super::Purged { deleted: 3 }).unwrap(),
            r#"{"deleted":3}"#
        );
    }
}
