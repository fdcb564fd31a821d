//! Pruning, decided from App Store Connect's answers ([`AppleFacts`], which the caller gathers):
//! which stored identities are expired or gone at Apple, that the API key is this team's, and that
//! nothing valid or everything at once goes without `force`. Pruned objects are moved under
//! `trash/`, not deleted, until [`TeamStore::purge_trash`].

use std::collections::{BTreeMap, BTreeSet};
use std::time::Duration;

use ascert_keystore::CertificateInfo;
use ascert_models::{Certificate, CertificateType};
use futures::TryStreamExt as _;
use time::OffsetDateTime;

use crate::error::{Result, TeamError};
use crate::layout;
use crate::records::{IdentityRecord, PendingKey};
use crate::store::TeamStore;

/// A pending key older than this, whose key Apple has not certified, is stale: no run still waits
/// on it (a lease lasts minutes).
const STALE_PENDING: Duration = Duration::from_secs(3600);

/// What App Store Connect answered, gathered by the caller with the team's API key.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct AppleFacts {
    /// The certificates Apple listed (of every type the store holds), by id.
    pub listed: BTreeMap<String, Certificate>,
    /// Ids Apple answered 404 for, each asked by its own `GET /v1/certificates/{id}`.
    pub missing: BTreeSet<String>,
}

impl AppleFacts {
    /// Facts from a listing and the ids confirmed missing.
    pub fn new(listed: BTreeMap<String, Certificate>, missing: BTreeSet<String>) -> Self {
        Self { listed, missing }
    }

    /// The team ids (the certificates' organizational unit) of what Apple listed: the API key's team.
    pub fn team_ids(&self) -> BTreeSet<String> {
        self.listed
            .values()
            .filter_map(|c| CertificateInfo::from_model(c).ok())
            .filter_map(|c| team_id(&c))
            .collect()
    }
}

/// Why an identity is pruned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PruneReason {
    /// Its certificate has expired.
    Expired,
    /// App Store Connect answers 404 for it: revoked, or deleted.
    Missing,
}

/// One identity a prune removes, or keeps and why.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct PruneItem {
    /// Its record.
    pub record: IdentityRecord,
    /// Why it is a candidate.
    pub reason: PruneReason,
    /// When its certificate expires (App Store Connect's date, else the stored certificate's).
    pub expires: OffsetDateTime,
    /// Why it is kept, for a candidate that is not removed.
    pub kept_because: Option<String>,
}

/// What a prune would do ([`TeamStore::plan_prune`]); [`TeamStore::prune`] carries it out.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct PrunePlan {
    /// The identities to remove.
    pub remove: Vec<PruneItem>,
    /// Candidates that are kept, each with why (another team's, or they need `force`).
    pub kept: Vec<PruneItem>,
    /// Pending keys to remove: older than an hour, and of no use to a run (no certificate Apple lists
    /// has their key, or it is shared already, or expired).
    pub pending: Vec<PendingKey>,
    /// Why nothing is removed at all without `force` (it would remove every identity).
    pub refused: Option<String>,
}

/// What [`TeamStore::prune`] moved to the trash.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pruned {
    /// The trash folder they went to (`trash/<batch>/…`).
    pub batch: String,
    /// The certificate ids of the identities removed.
    pub identities: Vec<String>,
    /// How many pending keys were removed.
    pub pending: usize,
}

/// Whether App Store Connect's answer for a stored identity's certificate makes it usable as an
/// identity of `wanted`: Apple's type is `wanted`, the certificate is active, and by Apple's date it
/// is still valid at `not_before`. What the store's record says of type and expiry plays no part.
pub fn usable_at_apple(apple: &Certificate, wanted: &CertificateType, not_before: OffsetDateTime) -> bool {
    apple.attributes.certificate_type.as_ref() == Some(wanted)
        && apple.attributes.activated != Some(false)
        && apple
            .attributes
            .expiration_date
            .is_some_and(|expires| expires > not_before)
}

/// The team id of a certificate: the organizational unit of its subject, as Apple issues them.
pub fn team_id(certificate: &CertificateInfo) -> Option<String> {
    certificate
        .subject()
        .split(", ")
        .find_map(|part| part.strip_prefix("OU="))
        .filter(|unit| !unit.is_empty())
        .map(str::to_owned)
}

impl TeamStore {
    /// Decides what a prune removes, from Apple's answers: identities whose certificate expired, and
    /// those Apple answers 404 for (`facts.missing`). Without `force`, an identity Apple no longer
    /// lists but whose certificate is still valid is kept, so is one whose team cannot be confirmed
    /// (the API key lists no certificate at all), and a plan that would remove every identity is
    /// refused. An identity of another team than the API key's is never removed: the key is another
    /// team's.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn plan_prune(
        &self,
        facts: &AppleFacts,
        now: OffsetDateTime,
        force: bool,
    ) -> Result<PrunePlan> {
        let listing = self.identities().await?;
        let api_teams = facts.team_ids();
        let mut plan = PrunePlan::default();
        for record in &listing.records {
            let (reason, expires) = match facts.listed.get(&record.certificate_id) {
                Some(apple) => {
                    let expires = apple.attributes.expiration_date.unwrap_or(record.expires);
                    if expires > now {
                        continue;
                    }
                    (PruneReason::Expired, expires)
                }
                None if facts.missing.contains(&record.certificate_id) => {
                    let stored = self.certificate(&record.certificate_id).await.ok();
                    let expires = stored.as_ref().map_or(record.expires, CertificateInfo::not_after);
                    let stored_team = stored.as_ref().and_then(team_id);
                    let mut item = PruneItem {
                        record: record.clone(),
                        reason: if expires <= now {
                            PruneReason::Expired
                        } else {
                            PruneReason::Missing
                        },
                        expires,
                        kept_because: None,
                    };
                    if let Some(team) = &stored_team
                        && !api_teams.is_empty()
                        && !api_teams.contains(team)
                    {
                        item.kept_because = Some(format!(
                            "its certificate is team {team}'s, and the API key lists team {}'s: it is another team's key",
                            api_teams.iter().cloned().collect::<Vec<_>>().join(", ")
                        ));
                        plan.kept.push(item);
                        continue;
                    }
                    if !force && api_teams.is_empty() {
                        item.kept_because = Some(
                            "App Store Connect lists no certificate for this API key, so it cannot be told to be \
                             this team's key (--force removes it anyway)"
                                .to_owned(),
                        );
                        plan.kept.push(item);
                        continue;
                    }
                    if !force && expires > now {
                        item.kept_because = Some(format!(
                            "its certificate is valid until {} (--force removes it anyway)",
                            expires.date()
                        ));
                        plan.kept.push(item);
                        continue;
                    }
                    plan.remove.push(item);
                    continue;
                }
                // Not listed and not confirmed missing: nothing is known; keep it.
                None => continue,
            };
            plan.remove.push(PruneItem {
                record: record.clone(),
                reason,
                expires,
                kept_because: None,
            });
        }
        if !force && !plan.remove.is_empty() && plan.remove.len() == listing.records.len() {
            plan.refused = Some(format!(
                "it would remove every identity the store holds ({}); --force removes them anyway",
                plan.remove.len()
            ));
        }
        plan.pending = self.stale_pending(facts, &listing.records, now).await?;
        Ok(plan)
    }

    /// The pending keys of no use to any run, an hour old or more.
    ///
    /// A pending key is of use while a run may adopt it: its certificate is not issued yet (a run is
    /// under way, or died before Apple answered), or is issued, valid and not shared yet.
    async fn stale_pending(
        &self,
        facts: &AppleFacts,
        stored: &[IdentityRecord],
        now: OffsetDateTime,
    ) -> Result<Vec<PendingKey>> {
        let stored: BTreeSet<&str> = stored.iter().map(|r| r.certificate_id.as_str()).collect();
        let adoptable: BTreeSet<_> = facts
            .listed
            .values()
            .filter(|c| !stored.contains(c.id.as_str()))
            .filter(|c| c.attributes.expiration_date.is_none_or(|expires| expires > now))
            .filter_map(|c| CertificateInfo::from_model(c).ok())
            .map(|c| c.key_id())
            .collect();
        let certified: BTreeSet<_> = facts
            .listed
            .values()
            .filter_map(|c| CertificateInfo::from_model(c).ok())
            .map(|c| c.key_id())
            .collect();
        let stale_before = now - STALE_PENDING;
        Ok(self
            .all_pending()
            .await?
            .into_iter()
            .filter(|pending| {
                let of_use = adoptable.contains(&pending.key_id)
                    || (!certified.contains(&pending.key_id) && pending.written_at >= stale_before);
                !of_use && pending.written_at < stale_before
            })
            .collect())
    }

    /// Every pending key of every type, without decrypting them.
    ///
    /// # Errors
    ///
    /// Storage errors; [`TeamError::Corrupt`] for a record that cannot be read.
    pub async fn all_pending(&self) -> Result<Vec<PendingKey>> {
        let mut types = BTreeSet::new();
        for meta in self.list(&self.layout.pending_root()).await? {
            if let Some(name) = self.layout.parts(&meta.location).get(1) {
                types.insert(name.clone());
            }
        }
        let mut out = Vec::new();
        for name in types {
            let certificate_type = CertificateType::from(name.as_str());
            if layout::certificate_type(&certificate_type).is_ok() {
                out.extend(self.pending(&certificate_type).await?);
            }
        }
        Ok(out)
    }

    /// Carries out a plan: each identity (record first, so it is no longer listed) and each pending
    /// key is moved under `trash/<batch>/`, where [`TeamStore::purge_trash`] deletes it. A refused
    /// plan removes nothing.
    ///
    /// # Errors
    ///
    /// [`TeamError::InvalidInput`] for a refused plan, and storage errors.
    pub async fn prune(&self, plan: &PrunePlan) -> Result<Pruned> {
        if let Some(refused) = &plan.refused {
            return Err(TeamError::InvalidInput {
                what: "prune",
                reason: refused.clone(),
            });
        }
        let batch = format!(
            "{}-{}",
            crate::records::now().unix_timestamp(),
            &crate::lease::random_id()?[..8]
        );
        let mut identities = Vec::new();
        for item in &plan.remove {
            let id = layout::certificate_id(&item.record.certificate_id)?;
            for file in [layout::RECORD, layout::KEY, layout::CERTIFICATE] {
                self.to_trash(&batch, &self.layout.identity(id, file)).await?;
            }
            identities.push(id.to_owned());
        }
        for pending in &plan.pending {
            for extension in ["json", "age"] {
                let path = self
                    .layout
                    .pending(&pending.certificate_type, &pending.key_id, extension);
                self.to_trash(&batch, &path).await?;
            }
        }
        Ok(Pruned {
            batch,
            identities,
            pending: plan.pending.len(),
        })
    }

    /// Moves one object under the trash: copied, then deleted. One already gone is fine.
    async fn to_trash(&self, batch: &str, path: &object_store::path::Path) -> Result<()> {
        use object_store::ObjectStoreExt as _;
        let target = self.layout.trashed(batch, path);
        match self.objects.copy(path, &target).await {
            Ok(()) => {}
            Err(object_store::Error::NotFound { .. }) => return Ok(()),
            Err(e) => return Err(self.error(path, "move to the trash", e)),
        }
        self.delete(path).await
    }

    /// Deletes everything under `trash/`: what earlier prunes removed. Returns how many objects.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn purge_trash(&self) -> Result<usize> {
        let objects: Vec<_> = self.list(&self.layout.trash_root()).await?;
        let count = objects.len();
        let deletions =
            futures::stream::iter(objects.into_iter().map(|meta| Ok::<_, TeamError>(meta.location)));
        deletions
            .try_for_each_concurrent(crate::store::PARALLEL_READS, |path| async move {
                self.delete(&path).await
            })
            .await?;
        Ok(count)
    }
}
