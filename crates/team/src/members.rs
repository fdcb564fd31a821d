//! Adding and removing members: one change at a time (the members lease), the header signed anew
//! by the team key (replaced when anyone is removed), and every key object (identities and pending
//! keys) encrypted again to the new member list.
//!
//! The order keeps the removed out and the not-yet-added out: a removal re-encrypts every key object
//! to the remaining members *before* the new header is written; an addition writes the header
//! first and re-encrypts after it. Each re-encryption is a compare-and-swap on the object it read,
//! so a key pushed or re-encrypted meanwhile is never overwritten with an older copy. Key objects the
//! acting member cannot read, or that fail age's authentication, are skipped and listed: every key
//! the team wrote is encrypted to every member, so nobody remaining could use them.
//!
//! Removing a member stops it from decrypting what the store holds from now on; it does not undo
//! what it could read before (docs/team.md says what to revoke).

use std::collections::HashMap;
use std::time::Duration;

use ascert_models::CertificateType;
use object_store::path::Path;
use object_store::{PutMode, UpdateVersion};

use crate::crypto::{self, MemberKey};
use crate::digest::MembersDigest;
use crate::error::{Result, TeamError};
use crate::layout;
use crate::lease::LeaseAttempt;
use crate::records::check_members;
use crate::records::{self, IdentityRecord, Member, PendingKey};
use crate::store::{TeamStore, stamp};
use crate::trust::{self, Recipients};
use crate::wire;

/// How many times the final pass looks for keys that concurrent pushes encrypted to the old members.
const CATCH_UP_ROUNDS: usize = 3;
/// How many times one key object is read again when it changed under a re-encryption.
const RESEAL_ROUNDS: usize = 4;
/// The members lease's time-to-live; the change renews it while it works.
const MEMBERS_LEASE_TTL: Duration = Duration::from_secs(120);

/// The name the members lease is kept under (`leases/members.json`): lower case, so that no
/// certificate type can be mistaken for it.
pub(crate) const MEMBERS_LEASE: &str = "members";

/// What a membership change did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MembershipChange {
    /// The new membership revision.
    pub revision: u64,
    /// The members now.
    pub members: Vec<Member>,
    /// The digest of the member list now (what `ASCERT_TEAM_MEMBERS_SHA256` pins).
    pub members_sha256: MembersDigest,
    /// How many key objects were encrypted again.
    pub reencrypted: usize,
    /// Key objects that were not encrypted again: the acting member cannot read them, or they fail
    /// age's authentication. Nobody the team added wrote them; remove them (`team prune`).
    pub skipped: Vec<SkippedObject>,
    /// Whether the member list itself changed (an addition of a member already there with the same
    /// key only finishes re-encrypting what an interrupted change left).
    pub changed: bool,
}

/// A key object a membership change did not encrypt again, and why.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SkippedObject {
    /// The object's name in the store.
    pub object: String,
    /// Why.
    pub reason: String,
}

/// One encrypted key object, the record that names its membership revision, and (for an
/// identity) its certificate.
struct KeyObject {
    key: Path,
    record: Path,
    certificate: Option<Path>,
    e_tag: Option<String>,
}

/// What one membership change has done so far.
struct Pass<'a> {
    by: &'a MemberKey,
    /// The header the change started from.
    before: &'a crate::trust::Verified,
    kept: Option<&'a crate::KeptLease>,
    reencrypted: usize,
    skipped: Vec<SkippedObject>,
    /// The versions this change wrote, by object name.
    written: HashMap<String, Option<String>>,
}

impl Pass<'_> {
    fn finish(mut self, now: &crate::trust::Verified, changed: bool) -> MembershipChange {
        self.skipped.sort_by(|a, b| a.object.cmp(&b.object));
        self.skipped.dedup_by(|a, b| a.object == b.object);
        MembershipChange {
            revision: now.info.revision,
            members: now.info.members.clone(),
            members_sha256: now.digest,
            reencrypted: self.reencrypted,
            skipped: self.skipped,
            changed,
        }
    }
}

/// What key objects are encrypted to and signed with.
struct Target<'a> {
    recipients: Recipients,
    revision: u64,
    signer: &'a crate::trust::TeamKey,
    store_id: &'a str,
}

/// Keeps the members lease (a change stopped longer than it lasts must not go on writing).
async fn hold(kept: Option<&crate::KeptLease>) -> Result<()> {
    match kept {
        Some(kept) => kept.hold(MEMBERS_LEASE_TTL / 2).await,
        None => Ok(()),
    }
}

/// What [`TeamStore::change_members`] should do with the member list.
enum Edit {
    Add(Vec<Member>),
    Remove(Vec<String>),
}

impl TeamStore {
    /// The member list verified once no member change is under way: a key written while one runs
    /// may have been encrypted to the list it is replacing, so writers (a push, a pending key) wait
    /// for it (at most twice the members lease), then verify again and encrypt again if it moved.
    pub(crate) async fn after_member_changes(&self) -> Result<std::sync::Arc<crate::trust::Verified>> {
        if self.conditional_update {
            let name = CertificateType::from(MEMBERS_LEASE);
            let give_up = std::time::Instant::now() + 2 * MEMBERS_LEASE_TTL;
            while self.lease_is_live(&name).await? && std::time::Instant::now() < give_up {
                tokio::time::sleep(Duration::from_millis(250)).await;
            }
        }
        self.verified_now().await
    }

    /// Adds members and encrypts every key object to the new member list. `by` is a current
    /// member's key: it decrypts the team key that signs the new list.
    ///
    /// Adding a member who is already there with the same key changes nothing in the list, and
    /// finishes the re-encryption an interrupted change left.
    ///
    /// # Errors
    ///
    /// [`TeamError::AlreadyExists`] for a name or key that is already a member (with another key or
    /// name), [`TeamError::WrongIdentity`] if `by` is not a member, [`TeamError::ConcurrentChange`] if
    /// another member change is under way, the verification errors of [`TeamStore::open`], and
    /// storage errors.
    pub async fn add_members(&self, members: Vec<Member>, by: &MemberKey) -> Result<MembershipChange> {
        let added = stamp(members, &self.actor, records::now());
        self.change_members(by, Edit::Add(added)).await
    }

    /// Removes members, named by name or by recipient, and encrypts every key object to the rest,
    /// under a new team key.
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`] for a name that is not a member, [`TeamError::InvalidInput`] if no
    /// member (and no passphrase) would be left, and the errors of [`TeamStore::add_members`].
    pub async fn remove_members(&self, which: &[&str], by: &MemberKey) -> Result<MembershipChange> {
        let which = which.iter().map(|w| w.trim().to_owned()).collect();
        self.change_members(by, Edit::Remove(which)).await
    }

    async fn change_members(&self, by: &MemberKey, edit: Edit) -> Result<MembershipChange> {
        // What can be refused is refused before the lease is taken, so that a refusal writes nothing;
        // under the lease, everything is checked again on the header as it is then.
        self.plan_edit(by, &edit).await?;
        let kept = self.take_members_lease().await?;
        let outcome = self.change_members_held(by, edit, kept.as_ref()).await;
        if let Some(kept) = kept {
            // A failed release leaves the lease to run out; the change itself is what matters.
            let _ = kept.release().await;
        }
        outcome
    }

    /// The members lease, where the backend can arbitrate (not on a `file://` folder, where member
    /// changes are made from one place at a time).
    async fn take_members_lease(&self) -> Result<Option<crate::KeptLease>> {
        if !self.conditional_update {
            return Ok(None);
        }
        let name = CertificateType::from(MEMBERS_LEASE);
        match self.take_lease_named(&name, MEMBERS_LEASE_TTL).await? {
            LeaseAttempt::Acquired(lease) => Ok(Some(self.keep_lease(lease))),
            LeaseAttempt::Held(held) => Err(TeamError::ConcurrentChange {
                store: self.shown.clone(),
                what: format!(
                    "the member list (another change by {} is under way; if it stopped, its lease runs out in {} s)",
                    held.holder,
                    held.takeover_in.as_secs()
                ),
            }),
        }
    }

    /// The header verified now, and the member list after `edit` (and whether it changes), or why
    /// the edit cannot be made: `by` is not a member, a name is unknown or taken, nobody would be left.
    async fn plan_edit(
        &self,
        by: &MemberKey,
        edit: &Edit,
    ) -> Result<(std::sync::Arc<crate::trust::Verified>, Vec<Member>, bool)> {
        let verified = self.verified_now().await?;
        if !verified.is_recipient(by) {
            return Err(TeamError::WrongIdentity {
                object: format!("the member list of {}", self.shown),
                recipients: by.describe(),
            });
        }
        let mut members = verified.info.members.clone();
        let changed = match edit {
            Edit::Add(added) => add(&mut members, added.clone()).map_err(|e| self.with_store(e))?,
            Edit::Remove(which) => {
                remove(&mut members, which).map_err(|e| self.with_store(e))?;
                true
            }
        };
        check_members(&members, verified.info.passphrase_recipient.is_some())?;
        // Verifying the team key now means a member whose key cannot sign is refused before anything.
        verified.team_key(by, &self.layout.name(&self.layout.header()))?;
        Ok((verified, members, changed))
    }

    async fn change_members_held(
        &self,
        by: &MemberKey,
        edit: Edit,
        kept: Option<&crate::KeptLease>,
    ) -> Result<MembershipChange> {
        let header_name = self.layout.name(&self.layout.header());
        let removing = matches!(edit, Edit::Remove(_));
        let (verified, members, changed) = self.plan_edit(by, &edit).await?;
        let team_key = verified.team_key(by, &header_name)?;
        let mut pass = Pass {
            by,
            before: &verified,
            kept,
            reencrypted: 0,
            skipped: Vec::new(),
            written: HashMap::new(),
        };
        if !changed {
            // Nothing to sign: finish what an interrupted change left stale.
            let target = Target {
                recipients: verified.recipients(),
                revision: verified.info.revision,
                signer: &team_key,
                store_id: &verified.info.store_id,
            };
            self.catch_up(&mut pass, &target).await?;
            return Ok(pass.finish(&verified, false));
        }
        let next = trust::next_header(&verified.object, &team_key, members, &self.actor, records::now())?;
        let target = Target {
            recipients: next.recipients(),
            revision: verified.info.revision + 1,
            signer: next.signer(),
            store_id: next.store_id(),
        };
        if removing {
            // Before the new list is visible, nothing is left that the removed could read.
            for object in self.key_objects().await? {
                self.reseal(&object, &mut pass, &target).await?;
            }
            // The new team key signs the shared profiles too (identity records are signed above).
            self.sign_profiles_again(&verified, target.signer, target.store_id)
                .await?;
        }
        hold(kept).await?;
        let header = self.layout.header();
        let mode = if self.conditional_update {
            PutMode::Update(verified.version.clone())
        } else {
            // A local folder cannot compare-and-swap; docs/team.md says to change members from one place.
            PutMode::Overwrite
        };
        match self.put(&header, next.to_json(), mode).await {
            Ok(_) => {}
            Err(object_store::Error::Precondition { .. }) => {
                return Err(TeamError::ConcurrentChange {
                    store: self.shown.clone(),
                    what: "the member list".to_owned(),
                });
            }
            Err(e) => return Err(self.error(&header, "write", e)),
        }
        let now = self.verified_now().await?;
        if now.info.revision != target.revision {
            return Err(TeamError::ConcurrentChange {
                store: self.shown.clone(),
                what: "the member list (it changed again just after this change was written)".to_owned(),
            });
        }
        if !removing {
            for object in self.key_objects().await? {
                self.reseal(&object, &mut pass, &target).await?;
            }
        }
        self.catch_up(&mut pass, &target).await?;
        Ok(pass.finish(&now, true))
    }

    /// Encrypts again the key objects this change did not write itself: pushes and pending keys that
    /// read the old member list while it ran. Told by the objects' own versions, not by their
    /// records, which anyone who can write to the bucket can change.
    async fn catch_up(&self, pass: &mut Pass<'_>, target: &Target<'_>) -> Result<()> {
        for _ in 0..CATCH_UP_ROUNDS {
            let late: Vec<KeyObject> = self
                .key_objects()
                .await?
                .into_iter()
                .filter(|o| {
                    let name = self.layout.name(&o.key);
                    pass.written.get(&name) != Some(&o.e_tag)
                        && !pass.skipped.iter().any(|s| s.object == name)
                })
                .collect();
            if late.is_empty() {
                break;
            }
            for object in &late {
                self.reseal(object, pass, target).await?;
            }
        }
        Ok(())
    }

    /// Every key object of the store: identities' and pending keys, with their versions.
    async fn key_objects(&self) -> Result<Vec<KeyObject>> {
        let mut out = Vec::new();
        for meta in self.list(&self.layout.identities()).await? {
            let parts = self.layout.parts(&meta.location);
            if parts.len() == 3 && parts[2] == layout::KEY {
                out.push(KeyObject {
                    record: self.layout.identity(&parts[1], layout::RECORD),
                    certificate: Some(self.layout.identity(&parts[1], layout::CERTIFICATE)),
                    e_tag: meta.e_tag.clone(),
                    key: meta.location,
                });
            }
        }
        for meta in self.list(&self.layout.pending_root()).await? {
            if meta.location.extension() == Some("age") {
                let record = Path::from(format!(
                    "{}.json",
                    meta.location.as_ref().trim_end_matches(".age")
                ));
                out.push(KeyObject {
                    record,
                    certificate: None,
                    e_tag: meta.e_tag.clone(),
                    key: meta.location,
                });
            }
        }
        Ok(out)
    }

    /// Encrypts one key object again to the target's recipients, as a compare-and-swap on the
    /// version read, then updates its record (revision, and for an identity the new team key's
    /// signature). An object `by` cannot read is listed as skipped; one whose record names a later
    /// revision was re-encrypted by a later change and is left alone.
    async fn reseal(&self, object: &KeyObject, pass: &mut Pass<'_>, target: &Target<'_>) -> Result<()> {
        let name = self.layout.name(&object.key);
        for _ in 0..RESEAL_ROUNDS {
            hold(pass.kept).await?;
            let Some((sealed, meta)) = self.get(&object.key).await? else {
                // Removed meanwhile (pushed and pruned, or a pending key cleared).
                return Ok(());
            };
            if self.record_revision(object).await? > Some(target.revision) {
                return Ok(());
            }
            let plaintext = match crypto::decrypt(&sealed, pass.by, &name) {
                Ok(plaintext) => plaintext,
                Err(err @ (TeamError::WrongIdentity { .. } | TeamError::Tampered { .. })) => {
                    pass.skipped.push(SkippedObject {
                        object: name.clone(),
                        reason: err.to_string(),
                    });
                    return Ok(());
                }
                Err(err) => return Err(err),
            };
            let resealed = crypto::encrypt(&plaintext, &target.recipients)?;
            drop(plaintext);
            let mode = self.update_mode(&meta);
            match self.put(&object.key, resealed, mode).await {
                Ok(result) => {
                    pass.reencrypted += 1;
                    pass.written.insert(name, result.e_tag);
                    return self.stamp_record(object, pass, target).await;
                }
                // Changed since it was read: read it again.
                Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.error(&object.key, "write", e)),
            }
        }
        Err(TeamError::ConcurrentChange {
            store: self.shown.clone(),
            what: name,
        })
    }

    /// The membership revision a key object's record names, if it can be read.
    async fn record_revision(&self, object: &KeyObject) -> Result<Option<u64>> {
        let Some((bytes, _)) = self.get(&object.record).await? else {
            return Ok(None);
        };
        let name = self.layout.name(&object.record);
        Ok(if object.certificate.is_none() {
            wire::read::<PendingKey>(&bytes, &name)
                .ok()
                .map(|r| r.members_revision)
        } else {
            wire::read::<IdentityRecord>(&bytes, &name)
                .ok()
                .map(|r| r.members_revision)
        })
    }

    /// Sets the revision a key object's record names, and adds the target team key's signature to an
    /// identity's record — only to a record the team key already signed for the certificate beside
    /// it (the key before the change, or the new one), so that a record a writer changed is never
    /// signed by a member. As a compare-and-swap too.
    async fn stamp_record(&self, object: &KeyObject, pass: &Pass<'_>, target: &Target<'_>) -> Result<()> {
        let name = self.layout.name(&object.record);
        let certificate = match &object.certificate {
            Some(path) => self.get(path).await?.map(|(bytes, _)| bytes),
            None => None,
        };
        for _ in 0..RESEAL_ROUNDS {
            let Some((bytes, meta)) = self.get(&object.record).await? else {
                return Ok(());
            };
            let updated = if object.certificate.is_none() {
                let Ok(mut record) = wire::read::<PendingKey>(&bytes, &name) else {
                    return Ok(());
                };
                record.members_revision = record.members_revision.max(target.revision);
                wire::write(&record)
            } else {
                let Ok(mut record) = wire::read::<IdentityRecord>(&bytes, &name) else {
                    return Ok(());
                };
                record.members_revision = record.members_revision.max(target.revision);
                let signed = certificate.as_deref().is_some_and(|der| {
                    pass.before.check_identity(&record, der)
                        || trust::signed_by(&target.signer.public_key(), target.store_id, &record, der)
                });
                if signed {
                    target.signer.sign_identity(target.store_id, &mut record);
                }
                wire::write(&record)
            };
            match self.put(&object.record, updated, self.update_mode(&meta)).await {
                Ok(_) => return Ok(()),
                Err(object_store::Error::Precondition { .. } | object_store::Error::NotFound { .. }) => {}
                Err(e) => return Err(self.error(&object.record, "write", e)),
            }
        }
        Err(TeamError::ConcurrentChange {
            store: self.shown.clone(),
            what: name,
        })
    }

    /// A compare-and-swap on the version read, where the backend can; else an overwrite.
    fn update_mode(&self, meta: &object_store::ObjectMeta) -> PutMode {
        if self.conditional_update && (meta.e_tag.is_some() || meta.version.is_some()) {
            PutMode::Update(UpdateVersion {
                e_tag: meta.e_tag.clone(),
                version: meta.version.clone(),
            })
        } else {
            PutMode::Overwrite
        }
    }

    /// Fills in the store of an error made before the store was known.
    fn with_store(&self, error: TeamError) -> TeamError {
        match error {
            TeamError::AlreadyExists { what, .. } => self.already_exists(&what),
            TeamError::NotFound { what, .. } => self.not_found(&what),
            other => other,
        }
    }
}

/// Adds members; `false` if every one is already there with the same name and key.
fn add(current: &mut Vec<Member>, added: Vec<Member>) -> Result<bool> {
    let mut changed = false;
    for member in added {
        match current
            .iter()
            .find(|m| m.name == member.name || m.recipient == member.recipient)
        {
            Some(existing) if existing.name == member.name && existing.recipient == member.recipient => {}
            Some(existing) => {
                return Err(TeamError::AlreadyExists {
                    store: String::new(),
                    what: format!(
                        "the member {} ({})",
                        crate::text::printable(&existing.name),
                        existing.recipient.kind()
                    ),
                });
            }
            None => {
                current.push(member);
                changed = true;
            }
        }
    }
    Ok(changed)
}

/// Removes members by name or recipient.
fn remove(current: &mut Vec<Member>, which: &[String]) -> Result<()> {
    for name in which {
        let before = current.len();
        current.retain(|m| m.name != *name && m.recipient.to_string() != *name);
        if current.len() == before {
            return Err(TeamError::NotFound {
                store: String::new(),
                what: format!("the member {:?}", crate::text::printable(name)),
            });
        }
    }
    Ok(())
}

/// Whether a lease is the members lease, for `team status`.
pub(crate) fn is_members_lease(certificate_type: &CertificateType) -> bool {
    certificate_type.as_str() == MEMBERS_LEASE
}
