//! `ascert team push | pull | list | prune`: the identities a team store holds, compared with what
//! App Store Connect lists (one list call per certificate type).

use std::collections::{BTreeMap, BTreeSet};

use anyhow::Result;
use ascert_certificates::CertificatesApi;
use ascert_keystore::{CertificateInfo, Pairing, pair};
use ascert_models::{Certificate, CertificateType};
use ascert_team::IdentityRecord;
use serde::Serialize;
use time::OffsetDateTime;

use super::{keep_locally, member_key, open};
use crate::cli::StoreArgs;
use crate::commands::Context;
use crate::failure::{Exit, UserError};
use crate::output::{self, Column, Table, Tone};

/// Days before expiry from which a stored identity shows as expiring.
const EXPIRING_DAYS: i64 = 30;

/// Apple's certificates of each of `types`, by id: one list call per type.
pub(crate) async fn listed_at_apple(
    api: &CertificatesApi,
    types: impl IntoIterator<Item = CertificateType>,
) -> Result<BTreeMap<String, Certificate>> {
    let mut listed = BTreeMap::new();
    for certificate_type in types.into_iter().collect::<BTreeSet<_>>() {
        for certificate in api
            .list()
            .certificate_type(certificate_type)
            .limit(200)?
            .all()
            .await?
        {
            listed.insert(certificate.id.clone(), certificate);
        }
    }
    Ok(listed)
}

/// A stored identity and its state at App Store Connect.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    certificate_id: String,
    certificate_type: String,
    name: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    expires: OffsetDateTime,
    days_left: i64,
    /// `valid`, `expiring`, `expired`, `inactive` or `missing` (revoked, or not this team's).
    state: &'static str,
    pushed_by: String,
    #[serde(with = "time::serde::rfc3339")]
    pushed_at: OffsetDateTime,
}

fn state(record: &IdentityRecord, apple: Option<&Certificate>, now: OffsetDateTime) -> &'static str {
    let days_left = (record.expires - now).whole_days();
    match apple {
        None => "missing",
        Some(_) if record.expires <= now => "expired",
        Some(c) if c.attributes.activated == Some(false) => "inactive",
        Some(_) if days_left < EXPIRING_DAYS => "expiring",
        Some(_) => "valid",
    }
}

/// The store's identities, each with its state at Apple.
async fn rows(ctx: &Context, args: &StoreArgs) -> Result<(ascert_team::TeamStore, Vec<Row>)> {
    let team = open(args).await?;
    let records = team.identities().await?;
    let api = ctx.api()?;
    let spinner = ctx
        .out
        .spinner("Asking App Store Connect about the stored certificates…");
    let listed = listed_at_apple(&api, records.iter().map(|r| r.certificate_type.clone())).await?;
    spinner.finish_and_clear();
    let now = OffsetDateTime::now_utc();
    let rows = records
        .into_iter()
        .map(|r| Row {
            state: state(&r, listed.get(&r.certificate_id), now),
            days_left: (r.expires - now).whole_days(),
            certificate_id: r.certificate_id,
            certificate_type: r.certificate_type.to_string(),
            name: r.common_name,
            expires: r.expires,
            pushed_by: r.pushed_by,
            pushed_at: r.pushed_at,
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
            other => (other.to_owned(), Tone::Normal),
        };
        table.push(
            output::Row::new(vec![
                r.certificate_id,
                r.certificate_type,
                r.expires.date().to_string(),
                state,
                r.pushed_by,
            ])
            .tone(tone),
        );
    }
    ctx.out.table(&table)
}

/// `team prune`: identities Apple no longer lists, or that expired, are removed from the store.
pub(super) async fn prune(ctx: &Context, args: &StoreArgs, yes: bool) -> Result<()> {
    let (team, rows) = rows(ctx, args).await?;
    let gone: Vec<&Row> = rows
        .iter()
        .filter(|r| matches!(r.state, "missing" | "expired"))
        .collect();
    if gone.is_empty() {
        if ctx.out.json {
            return ctx.out.json(&Vec::<String>::new());
        }
        ctx.out.note(
            "Nothing to prune: App Store Connect lists every stored certificate, and none has expired.",
        );
        return Ok(());
    }
    let items: Vec<(String, String)> = gone
        .iter()
        .map(|r| {
            let why = if r.state == "expired" {
                "expired"
            } else {
                "no longer listed by App Store Connect"
            };
            (
                r.certificate_id.clone(),
                format!("{} ({}, {why})", r.certificate_id, r.certificate_type),
            )
        })
        .collect();
    ctx.confirm(
        yes,
        "Remove these identities (their keys too) from the team store?",
        &items,
    )?;
    let ids: Vec<&str> = gone.iter().map(|r| r.certificate_id.as_str()).collect();
    let removed = team.prune(&ids).await?;
    let removed: Vec<String> = removed.into_iter().map(|r| r.certificate_id).collect();
    if ctx.out.json {
        return ctx.out.json(&removed);
    }
    ctx.out.note(format!(
        "Removed {} identit{} from {}.",
        removed.len(),
        if removed.len() == 1 { "y" } else { "ies" },
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
    #[serde(with = "time::serde::rfc3339")]
    expires: OffsetDateTime,
    key_id: String,
}

/// `team push`: local identities (paired, and listed as active by Apple) into the store.
pub(super) async fn push(ctx: &Context, args: &StoreArgs, cert_ids: &[String]) -> Result<()> {
    let keystore = ctx.keystore()?;
    let api = ctx.api()?;
    let team = open(args).await?;
    let certificates: Vec<Certificate> = if cert_ids.is_empty() {
        api.list()
            .limit(200)?
            .all()
            .await?
            .into_iter()
            .filter(|c| c.attributes.activated != Some(false))
            .collect()
    } else {
        let mut named = Vec::new();
        for id in cert_ids {
            named.push(api.get(id).send().await?);
        }
        named
    };
    let by_id: BTreeMap<&str, &Certificate> = certificates.iter().map(|c| (c.id.as_str(), c)).collect();
    let infos: Vec<CertificateInfo> = certificates
        .iter()
        .filter_map(|c| CertificateInfo::from_model(c).ok())
        .collect();
    let mut paired = BTreeMap::new();
    for pairing in pair(&keystore, &infos)? {
        if let Pairing::Paired { key, certificate } = pairing
            && let Some(id) = certificate.api_id().map(str::to_owned)
        {
            paired.insert(id, (certificate, key));
        }
    }
    if let Some(missing) = cert_ids.iter().find(|id| !paired.contains_key(id.as_str())) {
        return Err(UserError::new(
            Exit::NotFound,
            format!("the private key of certificate {missing} is not on this machine"),
        )
        .hint("only identities whose key is in the local keystore can be shared (`ascert identities list`)")
        .into());
    }
    let now = OffsetDateTime::now_utc();
    let mut pushed = Vec::new();
    for (id, (certificate, record)) in paired {
        let certificate_type = by_id
            .get(id.as_str())
            .and_then(|c| c.attributes.certificate_type.clone());
        let Some(certificate_type) = certificate_type else {
            continue;
        };
        if certificate.not_after() <= now && cert_ids.is_empty() {
            continue;
        }
        let key = keystore.load_key(&record.key_id)?;
        let stored = team.push(&id, &certificate_type, &certificate, &key).await?;
        pushed.push(Moved {
            certificate_id: stored.certificate_id,
            certificate_type: stored.certificate_type.to_string(),
            expires: stored.expires,
            key_id: stored.public_key_sha256.to_string(),
        });
    }
    report(ctx, &pushed, "Shared", "to", &team.url().to_string())
}

/// `team pull`: the store's identities (of the types asked for) into the local keystore, those
/// that App Store Connect lists only: an identity it does not list is not the team's to use.
pub(super) async fn pull(ctx: &Context, args: &StoreArgs, types: &[CertificateType]) -> Result<()> {
    let team = open(args).await?;
    let me = member_key(ctx, &team, args).await?;
    let keystore = ctx.keystore()?;
    let api = ctx.api()?;
    let records: Vec<IdentityRecord> = team
        .identities()
        .await?
        .into_iter()
        .filter(|r| types.is_empty() || types.contains(&r.certificate_type))
        .collect();
    let listed = listed_at_apple(&api, records.iter().map(|r| r.certificate_type.clone())).await?;
    let mut pulled = Vec::new();
    for record in records {
        let Some(apple) = listed.get(&record.certificate_id) else {
            ctx.out.note(format!(
                "Skipped {} ({}): App Store Connect does not list it (revoked, or not this team's).",
                record.certificate_id, record.certificate_type
            ));
            continue;
        };
        let shared = team.fetch(&record.certificate_id, &me).await?;
        // Apple's copy, with its id, is what the local keystore records.
        let leaf = CertificateInfo::from_model(apple).unwrap_or(shared.certificate);
        keep_locally(
            &keystore,
            &shared.key,
            &leaf,
            &format!("team {}", record.certificate_id),
        )?;
        pulled.push(Moved {
            certificate_id: record.certificate_id,
            certificate_type: record.certificate_type.to_string(),
            expires: record.expires,
            key_id: shared.key.id().to_string(),
        });
    }
    report(ctx, &pulled, "Fetched", "from", &team.url().to_string())
}

fn report(ctx: &Context, moved: &[Moved], verb: &str, preposition: &str, store: &str) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(moved);
    }
    for m in moved {
        ctx.out.note(format!(
            "{verb} {} ({}, expires {}).",
            m.certificate_id,
            m.certificate_type,
            m.expires.date()
        ));
    }
    ctx.out.note(format!(
        "{verb} {} identit{} {preposition} {store}.",
        moved.len(),
        if moved.len() == 1 { "y" } else { "ies" }
    ));
    Ok(())
}
