//! Check: what will break, before it does. One listing of App Store Connect (every type, every
//! page), the local keystore and, when given, one listing of a team store and its leases, turned
//! into findings: certificates that expire soon or are inactive, identities whose key is nowhere,
//! keys whose certificate is gone, pending keys left behind, slots at Apple's limit, and what a team
//! store holds that Apple no longer lists or that no one can read. No request per certificate.

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ascert_keystore::{CertificateInfo, KeyId, Keystore};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{Anchor, LeaseHolder, TeamStore};
use time::OffsetDateTime;

use crate::apple::Apple;
use crate::error::{Place, Result};

/// How far ahead to look.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct CheckOptions {
    /// A certificate that expires within this many days is a warning.
    pub warn_days: u32,
    /// A certificate that expires within this many days (or has expired) is a failure.
    pub fail_days: u32,
    /// The moment the check is made for.
    pub now: OffsetDateTime,
}

impl CheckOptions {
    /// Warn within `warn_days`, fail within `fail_days`, as of now.
    pub fn new(warn_days: u32, fail_days: u32) -> Self {
        Self {
            warn_days,
            fail_days,
            now: OffsetDateTime::now_utc(),
        }
    }

    /// As of `now`.
    #[must_use]
    pub fn at(mut self, now: OffsetDateTime) -> Self {
        self.now = now;
        self
    }
}

/// How urgent a finding is; the order is the urgency (a failure is the most urgent).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
#[non_exhaustive]
pub enum Severity {
    /// Worth knowing; nothing breaks.
    Info,
    /// Something to do before it breaks, or to tidy.
    Warning,
    /// It breaks within the fail window, or has broken.
    Failure,
}

/// One thing the check found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum Finding {
    /// A certificate App Store Connect lists expires within the warn window (or has expired).
    Expiring {
        /// The certificate.
        certificate: Certificate,
        /// Whole days until it expires (negative once it has).
        days_left: i64,
        /// Whether its key is in the local keystore.
        key_here: bool,
    },
    /// App Store Connect lists the certificate as deactivated: it still fills its slot.
    Inactive {
        /// The certificate.
        certificate: Certificate,
    },
    /// A current certificate whose key is neither in the local keystore nor in the team store: no
    /// one this machine knows can sign with it (someone else's, or lost).
    KeyNowhere {
        /// The certificate.
        certificate: Certificate,
    },
    /// A current certificate whose key is pending in the team store (its run stopped after Apple
    /// issued it): the next run through the store adopts it.
    AdoptablePending {
        /// The certificate.
        certificate: Certificate,
    },
    /// A key of the local keystore recorded with a certificate App Store Connect no longer lists
    /// (revoked, or another team's).
    CertificateGone {
        /// The key.
        key_id: KeyId,
        /// The certificate it was recorded with.
        certificate_id: String,
    },
    /// A certificate kept (in the keystore or the team store) that has expired.
    ExpiredKept {
        /// The certificate's id, when known.
        certificate_id: Option<String>,
        /// When it expired.
        expired: OffsetDateTime,
        /// Where it is kept.
        place: Place,
    },
    /// A key left pending by a run that did not get its certificate.
    PendingKey {
        /// The key.
        key_id: KeyId,
        /// The type it was made for, when recorded.
        certificate_type: Option<CertificateType>,
        /// When it was made.
        made: OffsetDateTime,
    },
    /// The current certificates of a type fill (or all but one of) Apple's slots for it.
    Slots {
        /// The type.
        certificate_type: CertificateType,
        /// Current certificates of the type (deactivated ones count).
        used: usize,
        /// Apple's limit for the type.
        limit: usize,
    },
    /// The team store holds an identity App Store Connect does not list.
    StoredNotListed {
        /// The certificate id it is stored under.
        certificate_id: String,
        /// The type its record names.
        certificate_type: CertificateType,
    },
    /// A lease of the team store is held by a runner that stopped renewing it.
    StaleLease {
        /// The type it is for (the members lease: a member change).
        certificate_type: CertificateType,
        /// Whether it is the members lease.
        members: bool,
        /// Its holder.
        holder: LeaseHolder,
        /// How long ago it should have been renewed.
        overdue: Duration,
    },
    /// A record of the team store that cannot be read (a newer format, damaged).
    UnreadableRecord {
        /// The certificate id its folder names.
        certificate_id: String,
        /// Why, as the store says it.
        reason: String,
    },
    /// The team store's member list: its fingerprint, and whether this machine pins it.
    Members {
        /// The store, as it may be shown.
        store: String,
        /// The member list's SHA-256 (what `ASCERT_TEAM_MEMBERS_SHA256` pins).
        members_sha256: String,
        /// Pinned, seen before, or trusted on first use now.
        anchor: MembersAnchor,
    },
}

/// How this machine knows a store's member list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum MembersAnchor {
    /// Pinned by its digest.
    Pinned,
    /// As this machine saw it last.
    Seen,
    /// Changed since this machine saw it (signed by the team key: a member changed it).
    Changed,
    /// Seen for the first time: trusted on first use.
    FirstUse,
}

impl Finding {
    /// How urgent it is under `options`.
    pub fn severity(&self, options: &CheckOptions) -> Severity {
        match self {
            Self::Expiring { days_left, .. } if *days_left <= i64::from(options.fail_days) => {
                Severity::Failure
            }
            Self::Expiring { .. }
            | Self::Inactive { .. }
            | Self::KeyNowhere { .. }
            | Self::CertificateGone { .. }
            | Self::ExpiredKept { .. }
            | Self::StoredNotListed { .. }
            | Self::StaleLease { .. }
            | Self::UnreadableRecord { .. }
            | Self::Members {
                anchor: MembersAnchor::Changed,
                ..
            } => Severity::Warning,
            Self::Slots { used, limit, .. } if used >= limit => Severity::Warning,
            Self::PendingKey { .. }
            | Self::AdoptablePending { .. }
            | Self::Slots { .. }
            | Self::Members { .. } => Severity::Info,
        }
    }

    /// Whole days left, for a finding about an expiry.
    pub fn days_left(&self) -> Option<i64> {
        match self {
            Self::Expiring { days_left, .. } => Some(*days_left),
            _ => None,
        }
    }
}

/// How many current certificates of a type App Store Connect allows a team: 3 of each distribution
/// type, 5 Developer ID Application certificates of both generations together. Development
/// certificates are limited per person, which the API does not show, so they are not counted.
pub fn team_limit(certificate_type: &CertificateType) -> Option<usize> {
    match certificate_type {
        CertificateType::Distribution
        | CertificateType::IosDistribution
        | CertificateType::MacAppDistribution
        | CertificateType::MacInstallerDistribution => Some(3),
        CertificateType::DeveloperIdApplication | CertificateType::DeveloperIdApplicationG2 => Some(5),
        _ => None,
    }
}

/// The slot a type counts against: both Developer ID Application generations share theirs.
fn slot_of(certificate_type: &CertificateType) -> CertificateType {
    match certificate_type {
        CertificateType::DeveloperIdApplicationG2 => CertificateType::DeveloperIdApplication,
        other => other.clone(),
    }
}

/// Looks at App Store Connect, the local keystore and (when given) a team store, and returns what
/// it found, most urgent first (then soonest to expire).
///
/// # Errors
/// App Store Connect's, the keystore's, the store's.
pub async fn check(
    apple: &impl Apple,
    keystore: &Keystore,
    team: Option<&TeamStore>,
    options: &CheckOptions,
) -> Result<Vec<Finding>> {
    let now = options.now;
    let listed = apple.all_certificates().await?;
    let by_id: BTreeMap<&str, &Certificate> = listed.iter().map(|c| (c.id.as_str(), c)).collect();
    let stored = match team {
        Some(team) => Some(team.identities().await?),
        None => None,
    };
    let stored_ids: BTreeSet<&str> = stored
        .iter()
        .flat_map(|listing| listing.records.iter().map(|r| r.certificate_id.as_str()))
        .collect();
    let mut findings = Vec::new();
    let mut slots: BTreeMap<CertificateType, usize> = BTreeMap::new();
    // Current certificates whose key is neither here nor stored (with that key's id, when the
    // certificate can be read): pending in the store, or nowhere.
    let mut unkeyed: Vec<(&Certificate, Option<KeyId>)> = Vec::new();
    for certificate in &listed {
        let expires = certificate.attributes.expiration_date;
        let current = expires.is_none_or(|e| e > now);
        if current && let Some(certificate_type) = &certificate.attributes.certificate_type {
            *slots.entry(slot_of(certificate_type)).or_default() += 1;
        }
        let info = CertificateInfo::from_model(certificate).ok();
        let key_here = info
            .as_ref()
            .and_then(|info| keystore.find_for_certificate(info).ok().flatten())
            .is_some();
        if let Some(expires) = expires {
            let days_left = (expires - now).whole_days();
            if days_left <= i64::from(options.warn_days) && (current || key_here) {
                findings.push(Finding::Expiring {
                    certificate: certificate.clone(),
                    days_left,
                    key_here,
                });
                continue;
            }
        }
        if !current {
            continue;
        }
        if certificate.attributes.activated == Some(false) {
            findings.push(Finding::Inactive {
                certificate: certificate.clone(),
            });
        } else if !key_here && !stored_ids.contains(certificate.id.as_str()) && team.is_some() {
            unkeyed.push((certificate, info.map(|info| info.key_id())));
        }
    }
    if let Some(team) = team {
        unkeyed_findings(team, &unkeyed, &mut findings).await?;
    }
    for (certificate_type, used) in slots {
        if let Some(limit) = team_limit(&certificate_type)
            && used + 1 >= limit
        {
            findings.push(Finding::Slots {
                certificate_type,
                used,
                limit,
            });
        }
    }
    keystore_findings(keystore, &by_id, now, &mut findings)?;
    if let (Some(team), Some(listing)) = (team, stored) {
        store_findings(team, listing, &by_id, now, &mut findings).await?;
    }
    findings.sort_by(|a, b| {
        b.severity(options).cmp(&a.severity(options)).then_with(|| {
            a.days_left()
                .unwrap_or(i64::MAX)
                .cmp(&b.days_left().unwrap_or(i64::MAX))
        })
    });
    Ok(findings)
}

/// Certificates whose key is neither here nor stored: adoptable when their key is pending in the
/// store (one listing of pending keys per type), else nowhere.
async fn unkeyed_findings(
    team: &TeamStore,
    unkeyed: &[(&Certificate, Option<KeyId>)],
    findings: &mut Vec<Finding>,
) -> Result<()> {
    let types: BTreeSet<CertificateType> = unkeyed
        .iter()
        .filter_map(|(c, _)| c.attributes.certificate_type.clone())
        .collect();
    let mut pending: BTreeSet<KeyId> = BTreeSet::new();
    for certificate_type in &types {
        pending.extend(
            team.pending(certificate_type)
                .await?
                .into_iter()
                .map(|p| p.key_id),
        );
    }
    for (certificate, key) in unkeyed {
        if key.as_ref().is_some_and(|key| pending.contains(key)) {
            findings.push(Finding::AdoptablePending {
                certificate: (*certificate).clone(),
            });
        } else {
            findings.push(Finding::KeyNowhere {
                certificate: (*certificate).clone(),
            });
        }
    }
    Ok(())
}

/// What the local keystore holds that needs attention: keys whose certificate App Store Connect no
/// longer lists, expired identities, pending keys.
fn keystore_findings(
    keystore: &Keystore,
    by_id: &BTreeMap<&str, &Certificate>,
    now: OffsetDateTime,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    for record in keystore.records()? {
        let not_after = keystore
            .certificate(&record.key_id)
            .ok()
            .flatten()
            .map(|c| c.not_after());
        match (&record.certificate_id, not_after) {
            // (When Apple still lists it, its own listing says so, as an expiry.)
            (Some(id), Some(expired)) if expired <= now && !by_id.contains_key(id.as_str()) => {
                findings.push(Finding::ExpiredKept {
                    certificate_id: Some(id.clone()),
                    expired,
                    place: Place::Keystore,
                });
            }
            (Some(id), _) if !by_id.contains_key(id.as_str()) => findings.push(Finding::CertificateGone {
                key_id: record.key_id,
                certificate_id: id.clone(),
            }),
            (None, _) if record.csr_pem.is_some() => findings.push(Finding::PendingKey {
                key_id: record.key_id,
                certificate_type: record.certificate_type.clone(),
                made: record.created,
            }),
            _ => {}
        }
    }
    Ok(())
}

/// What a team store holds that needs attention.
async fn store_findings(
    team: &TeamStore,
    listing: ascert_team::IdentityListing,
    by_id: &BTreeMap<&str, &Certificate>,
    now: OffsetDateTime,
    findings: &mut Vec<Finding>,
) -> Result<()> {
    for record in listing.records {
        if by_id.contains_key(record.certificate_id.as_str()) {
            continue;
        }
        if record.expires <= now {
            findings.push(Finding::ExpiredKept {
                certificate_id: Some(record.certificate_id),
                expired: record.expires,
                place: Place::Store(team.url().to_string()),
            });
        } else {
            findings.push(Finding::StoredNotListed {
                certificate_id: record.certificate_id,
                certificate_type: record.certificate_type,
            });
        }
    }
    for unreadable in listing.unreadable {
        findings.push(Finding::UnreadableRecord {
            certificate_id: unreadable.certificate_id,
            reason: unreadable.error.to_string(),
        });
    }
    for lease in team.leases().await? {
        if lease.held && lease.age > lease.ttl {
            findings.push(Finding::StaleLease {
                certificate_type: lease.certificate_type,
                members: lease.members,
                holder: lease.holder,
                overdue: lease.age.saturating_sub(lease.ttl),
            });
        }
    }
    let trust = team.trust();
    findings.push(Finding::Members {
        store: team.url().to_string(),
        members_sha256: trust.members_sha256.to_string(),
        anchor: match trust.anchor {
            Anchor::Pinned => MembersAnchor::Pinned,
            Anchor::FirstUse => MembersAnchor::FirstUse,
            Anchor::Seen {
                changed_from: Some(_),
            } => MembersAnchor::Changed,
            _ => MembersAnchor::Seen,
        },
    });
    Ok(())
}
