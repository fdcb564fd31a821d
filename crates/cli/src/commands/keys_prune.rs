//! `ascert keys prune`: removes the keys that can no longer sign anything and that no run can still
//! use, each with the evidence it rests on; every other key-only key is kept, with the reason.
//!
//! What counts as evidence (docs/cli.md, "Keys", says the same to users):
//! - a key whose certificate expired (by App Store Connect's list, or by the certificate kept beside
//!   the key) can sign nothing again;
//! - a key whose certificate App Store Connect answers 404 for (asked by its id, not merely missing
//!   from the list) lost it to a revocation; only when the certificate is of the API key's team, so
//!   that another team's keys are never taken for revoked ones;
//! - a pending key (made by `certificates create` or `identities ensure` for a request that did not
//!   finish) is needed while a run holds it, and by a rerun, which resumes the newest pending key of
//!   the same request (type and subject) and adopts a certificate Apple issued for it. So the newest
//!   is kept; an older one goes only when App Store Connect lists no certificate for it and the
//!   keystore's run lock is free (no create or ensure is under way, and none starts until the
//!   prune is done); a pending key of a kind its type does not take is never resumed;
//! - a key this machine wrote to a team store as pending is kept: `identities ensure --store`
//!   resumes it;
//! - a key made or imported on purpose (`keys generate`, `keys csr --type`, `keys import`) is kept:
//!   `keys delete` removes it.

use std::collections::{BTreeMap, BTreeSet, HashMap};

use anyhow::Result;
use ascert_certificates::CertificatesApi;
use ascert_keystore::{CertificateInfo, KeyId, KeyOnlyState, KeyRecord, Keystore, Pairing, pair};
use ascert_models::Certificate;
use serde::Serialize;
use time::OffsetDateTime;

use crate::commands::Context;

/// One key-only (or expired) key and what the prune decided for it; its fields in the
/// alphabetical order of their keys, the order `keys prune --json` has always printed.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
struct Verdict {
    key_id: String,
    label: String,
    /// The evidence it is removed on, or why it is kept.
    reason: String,
    /// Why the key has no certificate it can sign with.
    state: KeyState,
    #[serde(skip)]
    remove: bool,
    /// A pending key's removal rests on the run lock: checked again under it.
    #[serde(skip)]
    needs_run_lock: bool,
}

/// Why a key the prune looks at has no certificate it can sign with: `expired`, `orphaned` or
/// `pending` in `--json` and in the notes.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
enum KeyState {
    /// Every certificate made from its CSR expired.
    Expired,
    /// Its record names a certificate App Store Connect no longer lists.
    Orphaned,
    /// No certificate was ever recorded for it: a CSR waiting to be sent or answered.
    Pending,
}

impl KeyState {
    /// The word `--json` and the notes use.
    fn as_str(self) -> &'static str {
        match self {
            Self::Expired => "expired",
            Self::Orphaned => "orphaned",
            Self::Pending => "pending",
        }
    }
}

impl std::fmt::Display for KeyState {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What `keys prune --json` reports; its keys in alphabetical order, the order the report has
/// always had.
#[derive(Debug, Serialize)]
struct PruneReport<'a> {
    /// The key-only keys kept, each with the reason.
    kept: &'a [Verdict],
    /// The keys removed, each with the evidence.
    removed: &'a [Verdict],
}

impl Verdict {
    fn new(record: &KeyRecord, state: KeyState, remove: bool, reason: String) -> Self {
        Self {
            key_id: record.key_id.to_string(),
            label: record.label.clone(),
            reason,
            state,
            remove,
            needs_run_lock: false,
        }
    }
}

/// `keys prune [--yes]`.
pub(crate) async fn run(ctx: &Context, yes: bool) -> Result<()> {
    let store = ctx.keystore()?;
    let api = ctx.api()?;
    let spinner = ctx.out.spinner("Listing certificates…");
    let listed = api.list().limit(200)?.all().await;
    spinner.finish_and_clear();
    let listed = listed?;
    let own_pending: BTreeMap<KeyId, String> =
        ascert_team::own_pending_keys(&crate::commands::team::trust_folder(ctx)?)
            .unwrap_or_default()
            .into_iter()
            .map(|(shown, key_id, _)| (key_id, shown))
            .collect();
    let runs_idle = store.try_exclusive_run_lock()?.is_some();
    let verdicts = decide(&api, &store, &listed, &own_pending, runs_idle).await?;
    let (remove, keep): (Vec<Verdict>, Vec<Verdict>) = verdicts.into_iter().partition(|v| v.remove);
    if !ctx.out.json {
        for verdict in &keep {
            ctx.out.note(format!(
                "Keeping {} ({}, {}): {}.",
                short(&verdict.key_id),
                verdict.label.escape_debug(),
                verdict.state,
                verdict.reason
            ));
        }
    }
    if remove.is_empty() {
        if ctx.out.json {
            return ctx.out.json(&PruneReport {
                kept: &keep,
                removed: &[],
            });
        }
        ctx.out.note("Nothing to prune.");
        return Ok(());
    }
    if !ctx.out.json || !yes {
        ctx.out.note(format!(
            "{} key{} can go:",
            remove.len(),
            if remove.len() == 1 { "" } else { "s" }
        ));
        for verdict in &remove {
            ctx.out.note(format!(
                "  {} ({}, {}): {}",
                short(&verdict.key_id),
                verdict.label.escape_debug(),
                verdict.state,
                verdict.reason
            ));
        }
    }
    ctx.confirm(
        yes,
        &format!(
            "Remove {} private key{}? This cannot be undone",
            remove.len(),
            if remove.len() == 1 { "" } else { "s" }
        ),
        &[],
    )?;
    let removed = remove_keys(ctx, &store, remove)?;
    if ctx.out.json {
        return ctx.out.json(&PruneReport {
            kept: &keep,
            removed: &removed,
        });
    }
    ctx.out.note(format!(
        "Removed {} key{} from {}.",
        removed.len(),
        if removed.len() == 1 { "" } else { "s" },
        store.folder().display()
    ));
    Ok(())
}

/// Deletes the keys of `remove`; pending keys only under the exclusive run lock, taken now (a run
/// may have started while the user was asked), and only if they are still pending.
fn remove_keys(ctx: &Context, store: &Keystore, remove: Vec<Verdict>) -> Result<Vec<Verdict>> {
    let lock = if remove.iter().any(|v| v.needs_run_lock) {
        store.try_exclusive_run_lock()?
    } else {
        None
    };
    let mut removed = Vec::new();
    for verdict in remove {
        let key_id: KeyId = verdict.key_id.parse()?;
        if verdict.needs_run_lock {
            let still_pending = store
                .record(&key_id)
                .is_ok_and(|r| r.pending_request.is_some() && !r.has_certificate());
            if lock.is_none() || !still_pending {
                ctx.out.warn(format!(
                    "Kept pending key {}: a `certificates create` or `identities ensure` started meanwhile and \
                     may be using it; run `ascert keys prune` again once it is done",
                    short(&verdict.key_id)
                ));
                continue;
            }
        }
        store.delete(&key_id)?;
        removed.push(verdict);
    }
    Ok(removed)
}

/// The verdict on every key that no valid certificate App Store Connect lists is paired with.
async fn decide(
    api: &CertificatesApi,
    store: &Keystore,
    listed: &[Certificate],
    own_pending: &BTreeMap<KeyId, String>,
    runs_idle: bool,
) -> Result<Vec<Verdict>> {
    let now = OffsetDateTime::now_utc();
    let infos: Vec<CertificateInfo> = listed
        .iter()
        .filter_map(|c| CertificateInfo::from_model(c).ok())
        .collect();
    let teams: BTreeSet<String> = infos.iter().filter_map(ascert_team::team_id).collect();
    let pairings = pair(store, &infos)?;
    crate::commands::keys::record_apple_ids(store, &pairings);
    // A key is paired with each certificate made from its CSR: it can go only when all expired.
    let mut paired: HashMap<KeyId, (KeyRecord, Vec<CertificateInfo>)> = HashMap::new();
    let mut key_only = Vec::new();
    for pairing in pairings {
        match pairing {
            Pairing::Paired { key, certificate } => {
                paired
                    .entry(key.key_id)
                    .or_insert_with(|| (key, Vec::new()))
                    .1
                    .push(certificate);
            }
            Pairing::KeyOnly { key, state } => key_only.push((key, state)),
            _ => {}
        }
    }
    let mut verdicts = Vec::new();
    let mut paired: Vec<_> = paired.into_values().collect();
    paired.sort_by_key(|(record, _)| record.created);
    for (record, certificates) in paired {
        if let Some(last) = certificates.iter().map(CertificateInfo::not_after).max()
            && last <= now
        {
            verdicts.push(Verdict::new(
                &record,
                KeyState::Expired,
                true,
                format!(
                    "its certificate{} expired on {} (App Store Connect's list)",
                    certificates
                        .iter()
                        .filter_map(CertificateInfo::api_id)
                        .fold(String::new(), |ids, id| ids + " " + id),
                    last.date()
                ),
            ));
        }
    }
    let newest_pending = newest_pending_by_request(&key_only);
    for (record, state) in &key_only {
        let verdict = match state {
            KeyOnlyState::Orphaned => orphaned(api, store, record, &teams, now).await?,
            _ => pending(record, own_pending, &newest_pending, runs_idle),
        };
        verdicts.push(verdict);
    }
    Ok(verdicts)
}

/// For each request (type and subject) that has pending keys, the newest: the one a rerun resumes.
fn newest_pending_by_request(key_only: &[(KeyRecord, KeyOnlyState)]) -> BTreeSet<KeyId> {
    let mut newest: Vec<&KeyRecord> = Vec::new();
    for (record, _) in key_only {
        let (Some(certificate_type), Some(subject)) = (&record.certificate_type, &record.pending_request)
        else {
            continue;
        };
        if !record.is_pending_for(certificate_type, subject) {
            continue;
        }
        match newest.iter_mut().find(|n| {
            n.certificate_type.as_ref() == Some(certificate_type)
                && n.pending_request.as_ref() == Some(subject)
        }) {
            Some(n) if n.created < record.created => *n = record,
            Some(_) => {}
            None => newest.push(record),
        }
    }
    newest.into_iter().map(|r| r.key_id).collect()
}

/// A key whose recorded certificate App Store Connect does not list.
async fn orphaned(
    api: &CertificatesApi,
    store: &Keystore,
    record: &KeyRecord,
    teams: &BTreeSet<String>,
    now: OffsetDateTime,
) -> Result<Verdict> {
    let kept = store.certificate(&record.key_id).ok().flatten();
    if let Some(leaf) = &kept
        && leaf.not_after() <= now
    {
        return Ok(Verdict::new(
            record,
            KeyState::Expired,
            true,
            format!(
                "its certificate expired on {} (the copy kept beside the key)",
                leaf.not_after().date()
            ),
        ));
    }
    let Some(certificate_id) = &record.certificate_id else {
        return Ok(Verdict::new(
            record,
            KeyState::Orphaned,
            false,
            kept.map_or_else(
                || {
                    "a certificate was recorded for it, but none is kept beside it to tell when it expires"
                        .to_owned()
                },
                |leaf| {
                    format!(
                        "its certificate, which App Store Connect does not list (a Developer ID Installer \
                         certificate, or one imported from a file), is valid until {}",
                        leaf.not_after().date()
                    )
                },
            ),
        ));
    };
    match api.get(certificate_id).send().await {
        Err(err) if err.status() == Some(404) => {}
        Err(err) => return Err(err.into()),
        Ok(_) => {
            return Ok(Verdict::new(
                record,
                KeyState::Orphaned,
                false,
                format!("App Store Connect still has certificate {certificate_id}"),
            ));
        }
    }
    let team = kept.as_ref().and_then(ascert_team::team_id);
    match team {
        Some(team) if teams.contains(&team) => Ok(Verdict::new(
            record,
            KeyState::Orphaned,
            true,
            format!(
                "App Store Connect answers 404 for its certificate {certificate_id} (revoked or deleted) of team \
                 {team}, the API key's team"
            ),
        )),
        _ => Ok(Verdict::new(
            record,
            KeyState::Orphaned,
            false,
            format!(
                "App Store Connect answers 404 for its certificate {certificate_id}, but the API key's certificates \
                 do not show that it is of the key's team (it may be another team's)"
            ),
        )),
    }
}

/// A key with no certificate recorded.
fn pending(
    record: &KeyRecord,
    own_pending: &BTreeMap<KeyId, String>,
    newest: &BTreeSet<KeyId>,
    runs_idle: bool,
) -> Verdict {
    if let Some(shown) = own_pending.get(&record.key_id) {
        return Verdict::new(
            record,
            KeyState::Pending,
            false,
            format!(
                "this machine wrote it to the team store {shown} as a pending key; `ascert identities ensure --store \
                 {shown}` resumes it"
            ),
        );
    }
    let (Some(certificate_type), Some(subject)) = (&record.certificate_type, &record.pending_request) else {
        return Verdict::new(
            record,
            KeyState::Pending,
            false,
            "it was made or imported on purpose (keys generate, keys csr, keys import), not left by a run; \
             `ascert keys delete` removes it"
                .to_owned(),
        );
    };
    if !record.is_pending_for(certificate_type, subject) {
        let mut verdict = Verdict::new(
            record,
            KeyState::Pending,
            true,
            format!(
                "made for a {certificate_type} request with a kind of key that type does not take: no run resumes it"
            ),
        );
        verdict.needs_run_lock = true;
        return verdict;
    }
    if newest.contains(&record.key_id) {
        return Verdict::new(
            record,
            KeyState::Pending,
            false,
            format!(
                "the next `ascert certificates create --type {certificate_type}` or `identities ensure --type \
                 {certificate_type}` with its subject resumes it, and adopts a certificate Apple issued for it"
            ),
        );
    }
    if !runs_idle {
        return Verdict::new(
            record,
            KeyState::Pending,
            false,
            "a `certificates create` or `identities ensure` is under way and may be using it".to_owned(),
        );
    }
    let mut verdict = Verdict::new(
        record,
        KeyState::Pending,
        true,
        format!(
            "left on {} by a {certificate_type} request that did not finish; a newer pending key of the same \
             request is the one a rerun resumes, App Store Connect lists no certificate for it, and no run is \
             under way",
            record.created.date()
        ),
    );
    verdict.needs_run_lock = true;
    verdict
}

/// A key id as tables show it.
fn short(key_id: &str) -> &str {
    &key_id[..12.min(key_id.len())]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_prune_report_lists_kept_then_removed_with_each_state_word() {
        let verdict = |key_id: &str, state, reason: &str| Verdict {
            key_id: key_id.to_owned(),
            label: "ci".to_owned(),
            reason: reason.to_owned(),
            state,
            remove: false,
            needs_run_lock: false,
        };
        let kept = [verdict(
            "aa",
            KeyState::Pending,
            "the newest pending key of its request",
        )];
        let removed = [
            verdict("bb", KeyState::Expired, "its certificate expired"),
            verdict("cc", KeyState::Orphaned, "App Store Connect answers 404 for it"),
        ];
        let report = PruneReport {
            kept: &kept,
            removed: &removed,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "kept": [
    {
      "keyId": "aa",
      "label": "ci",
      "reason": "the newest pending key of its request",
      "state": "pending"
    }
  ],
  "removed": [
    {
      "keyId": "bb",
      "label": "ci",
      "reason": "its certificate expired",
      "state": "expired"
    },
    {
      "keyId": "cc",
      "label": "ci",
      "reason": "App Store Connect answers 404 for it",
      "state": "orphaned"
    }
  ]
}"#
        );
        assert_eq!(
            serde_json::to_string_pretty(&PruneReport {
                kept: &[],
                removed: &[]
            })
            .unwrap(),
            "{\n  \"kept\": [],\n  \"removed\": []\n}"
        );
        assert_eq!(KeyState::Orphaned.to_string(), "orphaned");
    }
}
