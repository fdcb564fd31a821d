//! The words of `ascert check`: each finding as a subject, what was found and what to do (the
//! commands to reach for), with its severity and days left — the one shape every output form prints.

use ascert_keystore::Keystore;
use ascert_models::Certificate;
use ascert_team::printable;
use ascert_workflows::{CheckOptions, Finding, MembersAnchor, Place};
use serde::Serialize;

/// How urgent a finding is, as the report says it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum Level {
    /// Worth knowing.
    Info,
    /// To do before it breaks.
    Warning,
    /// Breaks within `--fail-days`, or has broken: the check fails.
    Failure,
}

impl Level {
    /// `info`, `warning` or `failure`.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Info => "info",
            Self::Warning => "warning",
            Self::Failure => "failure",
        }
    }
}

/// One finding, said.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Said {
    /// Whole days left, for an expiry.
    pub(crate) days_left: Option<i64>,
    /// What was found.
    pub(crate) finding: String,
    /// What kind of finding it is (`expiring`, `inactive`, `key-nowhere`, …), for scripts.
    pub(crate) kind: &'static str,
    /// How urgent it is.
    pub(crate) severity: Level,
    /// What it is about.
    pub(crate) subject: String,
    /// What to do (empty when nothing).
    pub(crate) todo: String,
}

/// A certificate as a subject: "certificate ID (TYPE, NAME)".
fn subject_of(certificate: &Certificate) -> String {
    let a = &certificate.attributes;
    let kind = a
        .certificate_type
        .as_ref()
        .map_or_else(|| "certificate".to_owned(), ToString::to_string);
    match a.display_name.as_deref().or(a.name.as_deref()) {
        Some(name) => format!(
            "certificate {} ({kind}, {})",
            printable(&certificate.id),
            printable(name)
        ),
        None => format!("certificate {} ({kind})", printable(&certificate.id)),
    }
}

fn short(key: &ascert_keystore::KeyId) -> String {
    let hex = key.to_string();
    hex[..16.min(hex.len())].to_owned()
}

/// A finding of ascert-workflows' check, said.
pub(crate) fn say(finding: &Finding, options: &CheckOptions) -> Said {
    let severity = finding.severity(options).into();
    let (kind, subject, found, todo) = match finding {
        Finding::Expiring {
            certificate,
            days_left,
            key_here,
        } => expiring_words(certificate, *days_left, *key_here, options),
        Finding::Inactive { certificate } => (
            "inactive",
            subject_of(certificate),
            "deactivated at App Store Connect, and still filling a slot".to_owned(),
            format!(
                "revoke it if no one needs it (`ascert certificates revoke {id}`), or activate it again \
                 (`ascert certificates activate {id}`)",
                id = certificate.id
            ),
        ),
        Finding::KeyNowhere { certificate } => (
            "key-nowhere",
            subject_of(certificate),
            "its key is neither in this machine's keystore nor in the team store: no one here can sign with it"
                .to_owned(),
            format!(
                "ask who made it to share it (`ascert team push {id}`); if its key is lost, revoke it when \
                 convenient (`ascert certificates revoke {id}`)",
                id = certificate.id
            ),
        ),
        Finding::AdoptablePending { certificate } => (
            "adoptable",
            subject_of(certificate),
            "its key is pending in the team store: the run that asked for it stopped after App Store Connect \
             issued it"
                .to_owned(),
            "the next `ascert identities ensure --store …` of its type adopts it".to_owned(),
        ),
        Finding::CertificateGone {
            key_id,
            certificate_id,
        } => (
            "certificate-gone",
            format!("key {}", short(key_id)),
            format!(
                "its certificate {} is no longer listed by App Store Connect (revoked, or another team's)",
                printable(certificate_id)
            ),
            "`ascert keys prune` removes keys whose certificate is gone".to_owned(),
        ),
        Finding::ExpiredKept {
            certificate_id,
            expired,
            place,
        } => expired_kept_words(certificate_id.as_deref(), *expired, place),
        Finding::PendingKey {
            key_id,
            certificate_type,
            made,
        } => (
            "pending-key",
            format!("key {}", short(key_id)),
            format!(
                "pending since {} for {} certificate: a run that did not get its certificate",
                made.date(),
                certificate_type
                    .as_ref()
                    .map_or_else(|| "a".to_owned(), crate::commands::creatable::with_article)
            ),
            "the next run of the same request reuses it; `ascert keys prune` removes stale ones".to_owned(),
        ),
        Finding::Slots {
            certificate_type,
            used,
            limit,
        } => (
            "slots",
            format!("{certificate_type} certificates"),
            if used >= limit {
                format!("{used} of Apple's {limit} slots are in use: the next create of the type fails")
            } else {
                format!("{used} of Apple's {limit} slots are in use: one is left")
            },
            format!(
                "revoke one no one uses (`ascert certificates list --type {certificate_type}` shows them), or share \
                 one through a team store instead of making more"
            ),
        ),
        other => store_words(other),
    };
    Said {
        days_left: finding.days_left(),
        finding: found,
        kind,
        severity,
        subject,
        todo,
    }
}

/// The words of an expiry.
fn expiring_words(
    certificate: &Certificate,
    days_left: i64,
    key_here: bool,
    options: &CheckOptions,
) -> (&'static str, String, String, String) {
    let date = certificate
        .attributes
        .expiration_date
        .map(|d| d.date().to_string())
        .unwrap_or_default();
    let found = if days_left < 0 {
        format!("expired on {date}")
    } else {
        format!("expires on {date}, in {days_left} days")
    };
    let type_ = certificate
        .attributes
        .certificate_type
        .as_ref()
        .map_or_else(|| "TYPE".to_owned(), ToString::to_string);
    let todo = if key_here {
        format!(
            "renew it here: `ascert identities ensure --type {type_} --min-days-left {}` makes its successor \
                     (then revoke this one once every machine has the new identity)",
            options.warn_days
        )
    } else {
        format!(
            "whoever holds its key renews it (`ascert identities ensure --type {type_}`; with a team store, \
                     the next run through it does)"
        )
    };
    ("expiring", subject_of(certificate), found, todo)
}

/// The words of an expired identity still kept.
fn expired_kept_words(
    certificate_id: Option<&str>,
    expired: time::OffsetDateTime,
    place: &Place,
) -> (&'static str, String, String, String) {
    let (where_, todo) = match place {
        Place::Keystore => (
            "this machine's keystore".to_owned(),
            "`ascert keys prune` removes it".to_owned(),
        ),
        other => (
            other.to_string(),
            "`ascert team prune` moves it to the store's trash".to_owned(),
        ),
    };
    (
        "expired-kept",
        format!("certificate {}", printable(certificate_id.unwrap_or("(unknown)"))),
        format!("expired on {} and is still kept in {where_}", expired.date()),
        todo,
    )
}

/// The words of a team store's findings (and of findings added later).
fn store_words(finding: &Finding) -> (&'static str, String, String, String) {
    match finding {
        Finding::StoredNotListed {
            certificate_id,
            certificate_type,
        } => (
            "stored-not-listed",
            // The type is a record's, which anyone who can write to the bucket can write.
            format!(
                "stored identity {} ({})",
                printable(certificate_id),
                printable(certificate_type.as_str())
            ),
            "App Store Connect does not list it (revoked, or another team's)".to_owned(),
            "`ascert team prune` moves it to the store's trash".to_owned(),
        ),
        Finding::StaleLease {
            certificate_type,
            members,
            holder,
            overdue,
        } => (
            "stale-lease",
            if *members {
                "the members lease".to_owned()
            } else {
                format!("the {} lease", printable(certificate_type.as_str()))
            },
            format!(
                "held by {holder}, which stopped renewing it {} s ago",
                overdue.as_secs()
            ),
            "the next run takes it over; `ascert team status` shows it and `ascert team lease release` frees it now"
                .to_owned(),
        ),
        Finding::UnreadableRecord {
            certificate_id,
            reason,
        } => (
            "unreadable-record",
            format!("stored identity {}", printable(certificate_id)),
            format!("cannot be read: {reason}"),
            "a newer ascert wrote it (upgrade), or it was damaged: a member who has it pushes it again".to_owned(),
        ),
        Finding::Members {
            store,
            members_sha256,
            anchor,
        } => {
            let (found, todo) = match anchor {
                MembersAnchor::Pinned => (format!("member list pinned ({members_sha256})"), String::new()),
                MembersAnchor::Changed => (
                    format!("member list changed since this machine last saw it ({members_sha256})"),
                    "`ascert team members list` shows who changed what; pin the new list in CI".to_owned(),
                ),
                MembersAnchor::FirstUse => (
                    format!("member list seen for the first time here ({members_sha256}): trusted on first use"),
                    format!("pin it in CI: ASCERT_TEAM_MEMBERS_SHA256={members_sha256}"),
                ),
                _ => (
                    format!("member list as this machine saw it last ({members_sha256}), not pinned"),
                    format!("pin it in CI: ASCERT_TEAM_MEMBERS_SHA256={members_sha256}"),
                ),
            };
            ("members", format!("team store {store}"), found, todo)
        }
        // Findings added later: said as generally as they come.
        other => (
            "other",
            "ascert".to_owned(),
            format!("{other:?}"),
            String::new(),
        ),
    }
}

/// The identities kept here whose issuing Apple intermediate ends before they do (the original
/// Developer ID CA ends on 2027-02-01): a warning within a year, a failure within `--fail-days`.
pub(crate) fn chains(keystore: &Keystore, options: &CheckOptions) -> Vec<Said> {
    let Ok(records) = keystore.records() else {
        return Vec::new();
    };
    let mut said = Vec::new();
    for record in records {
        let Some(leaf) = keystore.certificate(&record.key_id).ok().flatten() else {
            continue;
        };
        let Some(ends) = crate::issuer_expiry::ends_first(&leaf, options.now) else {
            continue;
        };
        let what = record.certificate_id.as_deref().map_or_else(
            || format!("key {}", short(&record.key_id)),
            |id| format!("certificate {}", printable(id)),
        );
        let Some(warning) = crate::issuer_expiry::warning(&leaf, &what, options.now) else {
            continue;
        };
        let days_left = (ends - options.now).whole_days();
        said.push(Said {
            days_left: Some(days_left),
            finding: warning,
            kind: "issuer-ends-first",
            severity: if days_left <= i64::from(options.fail_days) {
                Level::Failure
            } else {
                Level::Warning
            },
            subject: what,
            todo: String::new(),
        });
    }
    said
}
