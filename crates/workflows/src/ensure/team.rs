//! Ensure through a team store: the store is the source of truth.
//!
//! Fast path: the identities the store holds, against the one list call already made to Apple;
//! Apple's answer decides the type and the expiry, and the stored certificate must be Apple's before
//! anything is written here. Slow path, when none will do: take the store's lease for the type
//! (waiting, with backoff, while another runner holds it and checking whether its identity has
//! arrived), keep it renewed in the background, look again, adopt a certificate Apple already
//! issued for a pending key, or else make a key (or resume one this machine made), store it
//! encrypted as pending *before* the request goes to Apple, confirm the lease immediately before the
//! request, create, share, and release.
//!
//! A pending key read from the store is never sent to Apple in a CSR: anyone who can write to the
//! bucket can plant one (age says nothing of who wrote a file), and would then hold the team's new
//! signing identity. A pending key is only used to adopt a certificate Apple already issued for it.

use std::collections::BTreeMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use ascert_certificates::Outcome as AppleOutcome;
use ascert_keystore::{CertificateInfo, KeyAlgorithm, Keystore, PrivateKey, create_csr};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{
    Anchor, ErrorKind, IdentityListing, IdentityRecord, KeptLease, LeaseAttempt, LeaseHolder, MemberKey,
    PendingKey, Release, TeamError, TeamStore,
};
use ascert_transport::Deadline;

use super::{Ensure, Ensured, Found, KeyOrigin};
use crate::apple::{Apple, CertificateRequest};
use crate::create::{Outcome, default_label};
use crate::error::{Error, Place, Result};
use crate::events::{Event, Events, Running, Step};
use crate::slots::{Known, slots};

/// How long a lease lasts without renewal by default; the holder renews it at a third of that.
pub const LEASE_TTL: Duration = Duration::from_secs(300);
/// The longest pause between two looks while another runner holds the lease.
const MAX_BACKOFF: Duration = Duration::from_secs(10);

/// How a run through a team store waits and holds the lease.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct LeaseOptions {
    /// The lease's time-to-live ([`LEASE_TTL`]). Shorter only in tests: a lease shorter than a
    /// create's round trip would let two runners create.
    pub ttl: Duration,
    /// How long to wait while another runner holds the lease.
    pub wait: Duration,
    /// The run's deadline, extended by the time spent waiting for another runner (waiting is what
    /// `wait` is for; time spent asking the store is not added).
    pub deadline: Option<Deadline>,
}

impl LeaseOptions {
    /// A lease of [`LEASE_TTL`], waiting up to `wait` for another runner.
    pub fn new(wait: Duration) -> Self {
        Self {
            ttl: LEASE_TTL,
            wait,
            deadline: None,
        }
    }

    /// With the lease's time-to-live.
    #[must_use]
    pub fn with_ttl(mut self, ttl: Duration) -> Self {
        self.ttl = ttl;
        self
    }

    /// With the deadline that waiting extends.
    #[must_use]
    pub fn with_deadline(mut self, deadline: Deadline) -> Self {
        self.deadline = Some(deadline);
        self
    }
}

/// A team store opened for this member, its identities of the type listed: what
/// [`Ensure::through_store`] works with. Made while Apple's listing is in flight, so the store's
/// latency hides behind Apple's.
pub struct TeamAccess {
    team: TeamStore,
    me: MemberKey,
    records: Vec<IdentityRecord>,
}

impl TeamAccess {
    /// Checks that `me` opens `team` and lists its identities of `certificate_type`; the records that
    /// cannot be read are reported as [`Event::UnreadableRecord`] and skipped.
    ///
    /// # Errors
    /// [`TeamError::WrongIdentity`] when `me` is not a member; [`Error::StoredNewerFormat`] when a
    /// record of the type was written by a newer format (a newer version shares it); the store's.
    pub async fn open(
        team: TeamStore,
        me: MemberKey,
        certificate_type: &CertificateType,
        events: &dyn Events,
    ) -> Result<Self> {
        check_member(&team, &me)?;
        let records = readable(team.identities().await?, certificate_type, events)?;
        Ok(Self { team, me, records })
    }

    /// The store.
    pub fn store(&self) -> &TeamStore {
        &self.team
    }

    /// The member key that opened it.
    pub fn member(&self) -> &MemberKey {
        &self.me
    }
}

/// Refuses a member key that does not open `team`: [`TeamError::WrongIdentity`], with the
/// recipients tried.
pub(crate) fn check_member(team: &TeamStore, me: &MemberKey) -> Result<()> {
    if team.is_member(me) {
        return Ok(());
    }
    let tried: Vec<String> = me.recipients().iter().map(ToString::to_string).collect();
    Err(TeamError::WrongIdentity {
        object: format!("the member list of {}", team.url()),
        recipients: tried.join(", "),
    }
    .into())
}

/// The records of a listing, after reporting which could not be read. A record of this type in a
/// newer format stops the run; the others are skipped.
fn readable(
    listing: IdentityListing,
    certificate_type: &CertificateType,
    events: &dyn Events,
) -> Result<Vec<IdentityRecord>> {
    let IdentityListing {
        records,
        mut unreadable,
        ..
    } = listing;
    if let Some(at) = unreadable.iter().position(|u| {
        matches!(u.error, TeamError::NewerFormat { .. })
            && u.certificate_type.as_ref() == Some(certificate_type)
    }) {
        let newer = unreadable.swap_remove(at);
        return Err(Error::StoredNewerFormat {
            certificate_type: certificate_type.clone(),
            certificate_id: newer.certificate_id,
            source: Box::new(newer.error),
        });
    }
    for record in unreadable {
        events.event(Event::UnreadableRecord(record));
    }
    Ok(records)
}

/// Whether a stored identity failed for a reason of its own (damaged, replaced, not a member's,
/// missing a part), so that the next one is tried, rather than for one that stops the run (the
/// store or the network).
pub fn unusable(err: &TeamError) -> bool {
    matches!(
        err,
        TeamError::Tampered { .. }
            | TeamError::KeyMismatch { .. }
            | TeamError::Corrupt { .. }
            | TeamError::TooLarge { .. }
            | TeamError::NotFound { .. }
            | TeamError::WrongIdentity { .. }
            | TeamError::WrongPassphrase { .. }
            | TeamError::InvalidInput { .. }
            | TeamError::NewerFormat { .. }
    )
}

/// Puts a key and its certificate into the local keystore (the key's existing record is kept), so
/// that it is used as any local identity.
///
/// # Errors
/// The keystore's.
pub fn keep_locally(
    keystore: &Keystore,
    key: &PrivateKey,
    certificate: &CertificateInfo,
    label: &str,
) -> Result<()> {
    keystore.add(key, label).map_err(Error::keystore(
        "cannot keep the team's key in the local keystore",
    ))?;
    keystore
        .set_certificate(&key.id(), certificate)
        .map_err(Error::keystore("cannot record the certificate with its key"))?;
    Ok(())
}

/// What waiting for the lease ended with.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per run, moved once: boxing would only add an allocation"
)]
enum Taken {
    Lease(KeptLease),
    /// The holder's identity arrived while waiting.
    Arrived(Found),
}

/// One run through a store.
struct StoreRun<'r, 'a, A> {
    ensure: &'r Ensure<'a, A>,
    team: &'r TeamStore,
    me: &'r MemberKey,
    options: &'r LeaseOptions,
    /// Apple's certificates by id: those listed at the start, and any listed since.
    known: Mutex<BTreeMap<String, Certificate>>,
    /// The runners this one waited for (lease holders), in order.
    waited_for: Mutex<Vec<LeaseHolder>>,
}

impl<A: Apple> Ensure<'_, A> {
    /// Through a team store: the stored identity Apple lists as active and valid long enough, or a
    /// new one made under the store's lease and shared through it; see the module docs.
    ///
    /// # Errors
    /// [`Error::NoneUsable`] for a read-only run that finds none; [`Error::DeveloperId`];
    /// [`Error::NoApiKey`] when a certificate must be made without an App Store Connect client;
    /// [`Error::NoArbitration`] for a store without conditional writes; [`Error::WaitedTooLong`];
    /// [`Error::LeaseLost`] and [`Error::LeaseNotRenewed`] (nothing was sent); the errors of a
    /// create ([`Error::SlotsFull`], [`Error::CreateRefused`], [`Error::CreateFailed`]);
    /// [`Error::NotShared`] and [`Error::LeaseTakenOver`] after a create; the store's.
    pub async fn through_store(
        &self,
        listed: &[Certificate],
        access: TeamAccess,
        options: &LeaseOptions,
    ) -> Result<Ensured> {
        let _lock = self.keystore.hold_run_lock()?;
        let TeamAccess { team, me, records } = access;
        let run = StoreRun {
            ensure: self,
            team: &team,
            me: &me,
            options,
            known: Mutex::new(listed.iter().map(|c| (c.id.clone(), c.clone())).collect()),
            waited_for: Mutex::default(),
        };
        let (outcome, found, origin) = run.ensure(records).await?;
        let waited_for = run.waited_for.into_inner().unwrap_or_default();
        Ok(self.ensured(outcome, found, origin, waited_for, listed))
    }
}

impl<A: Apple> StoreRun<'_, '_, A> {
    fn certificate_type(&self) -> &CertificateType {
        self.ensure.certificate_type()
    }

    fn events(&self) -> &dyn Events {
        self.ensure.events
    }

    fn keystore(&self) -> &Keystore {
        self.ensure.keystore
    }

    fn place(&self) -> Place {
        Place::Store(self.team.url().to_string())
    }

    fn known(&self, id: &str) -> Option<Certificate> {
        self.known
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .get(id)
            .cloned()
    }

    async fn ensure(&self, records: Vec<IdentityRecord>) -> Result<(Outcome, Found, Option<KeyOrigin>)> {
        if let Some(found) = self.use_records(records).await? {
            return Ok((Outcome::Reused, found, None));
        }
        if self.ensure.request.readonly {
            return Err(Error::NoneUsable {
                certificate_type: self.certificate_type().clone(),
                place: self.place(),
            });
        }
        if self.certificate_type().is_developer_id() {
            return Err(Error::DeveloperId {
                certificate_type: self.certificate_type().clone(),
                place: self.place(),
            });
        }
        self.ensure.apple()?;
        // Before anything is encrypted to the member list: a list nothing pins is trusted on first use.
        let trust = self.team.trust();
        if trust.anchor == Anchor::FirstUse {
            self.events().event(Event::UnpinnedMemberList {
                store: self.team.url().to_string(),
                members_sha256: trust.members_sha256.to_string(),
            });
        }
        let kept = match self.take_lease().await? {
            Taken::Lease(kept) => kept,
            Taken::Arrived(found) => return Ok((Outcome::Reused, found, None)),
        };
        self.with_lease(kept).await
    }

    /// The stored identity of the type that Apple lists as active and that is valid long enough
    /// (the one that expires last), fetched, checked against Apple's certificate, decrypted and
    /// kept in the local keystore.
    async fn look_in_store(&self) -> Result<Option<Found>> {
        let records = readable(
            self.team.identities().await?,
            self.certificate_type(),
            self.events(),
        )?;
        self.use_records(records).await
    }

    /// [`StoreRun::look_in_store`] over records already listed.
    ///
    /// The record is a hint (anyone who can write to the bucket can write one): the type and expiry
    /// that decide are Apple's, and the stored certificate must be Apple's, byte for byte.
    async fn use_records(&self, records: Vec<IdentityRecord>) -> Result<Option<Found>> {
        let mut records: Vec<_> = records
            .into_iter()
            .filter(|r| &r.certificate_type == self.certificate_type())
            .collect();
        records.sort_by_key(|r| std::cmp::Reverse(r.expires));
        let Some(apple) = self.ensure.apple else {
            return self.use_records_offline(records).await;
        };
        // A record Apple did not list at the start may be a certificate made since (by the runner this
        // one waited for): Apple's list of the type is read again, once — never a request per record,
        // since anyone who can write to the bucket can write records by the thousand.
        if records.iter().any(|r| self.known(&r.certificate_id).is_none()) {
            let listed = apple.certificates_of_type(self.certificate_type()).await?;
            let mut known = self
                .known
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner);
            for certificate in listed {
                known.insert(certificate.id.clone(), certificate);
            }
        }
        let not_before = self.ensure.not_before();
        let mut candidates = Vec::new();
        for record in records {
            let Some(certificate) = self.known(&record.certificate_id) else {
                continue;
            };
            if ascert_team::usable_at_apple(&certificate, self.certificate_type(), not_before) {
                candidates.push((certificate, record));
            }
        }
        // Apple's expiry decides which one: the one that expires last.
        candidates.sort_by_key(|(c, _)| std::cmp::Reverse(c.attributes.expiration_date));
        for (certificate, record) in candidates {
            let id = record.certificate_id.clone();
            match self.team.fetch_confirmed(record, &certificate, self.me).await {
                Ok(shared) => {
                    keep_locally(
                        self.keystore(),
                        &shared.key,
                        &shared.certificate,
                        &format!("team {id}"),
                    )?;
                    return Ok(Some(Found {
                        certificate,
                        key: shared.key.id(),
                        leaf: shared.certificate,
                    }));
                }
                Err(err) if unusable(&err) => {
                    // Someone changed this identity in the store: nothing of it was written here.
                    self.events().event(Event::StoredIdentitySkipped {
                        certificate_id: id,
                        error: err,
                        checked_at_apple: true,
                    });
                }
                Err(err) => return Err(err.into()),
            }
        }
        Ok(None)
    }

    /// Without an API key (read-only): the stored identity whose own certificate is valid long
    /// enough, checked against itself only.
    async fn use_records_offline(&self, records: Vec<IdentityRecord>) -> Result<Option<Found>> {
        for record in records {
            let id = record.certificate_id.clone();
            let shared = match self.team.fetch_listed(record, self.me).await {
                Ok(shared) => shared,
                Err(err) if unusable(&err) => {
                    self.events().event(Event::StoredIdentitySkipped {
                        certificate_id: id,
                        error: err,
                        checked_at_apple: false,
                    });
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            if shared.certificate.not_after() <= self.ensure.not_before() {
                continue;
            }
            self.events().event(Event::NotCheckedAtApple);
            keep_locally(
                self.keystore(),
                &shared.key,
                &shared.certificate,
                &format!("team {id}"),
            )?;
            let certificate = offline_model(&id, self.certificate_type(), &shared.certificate);
            return Ok(Some(Found {
                certificate,
                key: shared.key.id(),
                leaf: shared.certificate,
            }));
        }
        Ok(None)
    }

    /// Takes the lease for the type, waiting while another runner holds it (up to `wait`), and
    /// looking in the store between tries: the holder's identity may arrive first. Time spent
    /// waiting is added to the deadline; time spent asking the store is not.
    async fn take_lease(&self) -> Result<Taken> {
        let started = Instant::now();
        let mut waited = Duration::ZERO;
        let mut backoff = Duration::from_millis(250);
        let mut announced: Option<LeaseHolder> = None;
        loop {
            let held = match self
                .team
                .take_lease(self.certificate_type(), self.options.ttl)
                .await
            {
                Ok(LeaseAttempt::Acquired(lease)) => {
                    let kept = self.team.keep_lease(lease);
                    self.events().event(Event::LeaseTaken(kept.releaser()));
                    return Ok(Taken::Lease(kept));
                }
                Ok(LeaseAttempt::Held(held)) => held,
                Ok(_) => return Err(Error::UnknownLeaseAnswer),
                Err(err @ TeamError::UnsupportedBackend { .. }) => {
                    return Err(Error::NoArbitration {
                        certificate_type: self.certificate_type().clone(),
                        store: self.team.url().to_string(),
                        source: Box::new(err),
                    });
                }
                Err(err) => return Err(err.into()),
            };
            if announced.as_ref() != Some(&held.holder) {
                self.events().event(Event::WaitingForLease {
                    holder: held.holder.clone(),
                    certificate_type: self.certificate_type().clone(),
                    takeover_in: held.takeover_in,
                });
                announced = Some(held.holder.clone());
                self.waited_for
                    .lock()
                    .unwrap_or_else(std::sync::PoisonError::into_inner)
                    .push(held.holder.clone());
            }
            if waited >= self.options.wait {
                return Err(Error::WaitedTooLong {
                    waited,
                    total: started.elapsed(),
                    holder: Box::new(held.holder),
                    certificate_type: self.certificate_type().clone(),
                });
            }
            let pause = backoff
                .min(self.options.wait.saturating_sub(waited))
                .min(held.takeover_in.max(Duration::from_millis(100)));
            if let Some(deadline) = &self.options.deadline {
                deadline.extend(pause);
            }
            tokio::time::sleep(pause).await;
            waited += pause;
            backoff = (backoff * 2).min(MAX_BACKOFF);
            if let Some(found) = self.look_in_store().await? {
                return Ok(Taken::Arrived(found));
            }
        }
    }

    /// With the lease held: look again, adopt, or create; always give the lease back.
    async fn with_lease(&self, kept: KeptLease) -> Result<(Outcome, Found, Option<KeyOrigin>)> {
        let outcome = self.under_lease(&kept).await;
        if kept.in_flight() {
            // The request's outcome is unknown: leave the lease to run out; the next holder adopts
            // what the request made (its key is pending in the store) instead of repeating it.
            self.events().event(Event::LeaseKeptInFlight {
                certificate_type: self.certificate_type().clone(),
                ttl: kept.ttl(),
            });
            return outcome;
        }
        let lost_to = kept.lost_to().await;
        match kept.release().await {
            Ok(Release::TakenOver { holder }) if lost_to.is_none() => {
                self.events().event(Event::LeaseTakenOverBeforeRelease { holder });
            }
            Err(err) if outcome.is_ok() => return Err(Error::ReleaseFailed { source: err }),
            // Released; or a release that failed after the work had already failed: the lease runs out.
            Ok(_) | Err(_) => {}
        }
        outcome
    }

    async fn under_lease(&self, kept: &KeptLease) -> Result<(Outcome, Found, Option<KeyOrigin>)> {
        // Another runner may have finished between our first look and our taking the lease.
        if let Some(found) = self.look_in_store().await? {
            return Ok((Outcome::Reused, found, None));
        }
        let pending = self.team.pending(self.certificate_type()).await?;
        if let Some(found) = self.adopt_issued(&pending).await? {
            return Ok((Outcome::Adopted, found, Some(KeyOrigin::Adopted)));
        }
        let (key, key_origin) = self.choose_key(&pending)?;
        // The key is on this machine before the request goes: the local keystore keeps it, and it is
        // what proves, on a later run, that this machine made it.
        self.keystore()
            .add(
                &key,
                &format!("{} (team)", default_label(self.certificate_type())),
            )
            .map_err(Error::keystore("cannot keep the new key in the local keystore"))?;
        // In the store, encrypted to the verified member list (again, if the members changed since an
        // earlier run wrote it), before the request goes.
        let pending_key = kept.write_pending(&key).await?;
        let (certificate, outcome) = self.create(kept, &key).await?;
        let leaf = self.share_created(kept, &certificate, &key, &pending_key).await?;
        let (outcome, key_origin) = match outcome {
            AppleOutcome::Adopted => (Outcome::Adopted, KeyOrigin::Adopted),
            AppleOutcome::Created => (Outcome::Created, key_origin),
        };
        Ok((
            outcome,
            Found {
                certificate,
                key: key.id(),
                leaf,
            },
            Some(key_origin),
        ))
    }

    /// The key to ask a certificate for: a pending key this machine made for this store and type
    /// (its trust folder recorded writing it, and its keystore holds it with no certificate yet),
    /// resumed from the keystore, or a new one. Any other pending key is left alone: it may have been
    /// planted by someone who can write to the bucket.
    fn choose_key(&self, pending: &[PendingKey]) -> Result<(PrivateKey, KeyOrigin)> {
        // Ours: the keystore holds the key, and it has no certificate yet (a key of an identity this
        // machine already has is not taken for a new certificate, whatever a pending object says).
        // Nor is a key of another algorithm than the type takes; a record that cannot tell (written
        // before records kept the algorithm) is of the RSA-2048 keys ensure made then.
        let wanted = KeyAlgorithm::for_certificate_type(self.certificate_type());
        let is_own = |p: &&PendingKey| {
            self.team.made_here(p).unwrap_or(false)
                && self.keystore().record(&p.key_id).is_ok_and(|record| {
                    record.certificate_id.is_none()
                        && record.algorithm().is_none_or(|algorithm| algorithm == wanted)
                })
        };
        let own = pending.iter().filter(is_own).max_by_key(|p| p.written_at);
        for other in pending.iter().filter(|p| !is_own(p)) {
            self.events().event(Event::PendingKeyLeftAlone(other.clone()));
        }
        if let Some(own) = own {
            self.events().event(Event::ResumingOwnPendingKey {
                key_id: own.key_id,
                certificate_type: self.certificate_type().clone(),
            });
            let key = self.keystore().load_key(&own.key_id).map_err(Error::keystore(
                "cannot read this machine's pending key from the local keystore",
            ))?;
            return Ok((key, KeyOrigin::LocalPending));
        }
        let algorithm = KeyAlgorithm::for_certificate_type(self.certificate_type());
        let running = Running::start(self.events(), Step::GeneratingKey(algorithm));
        let key = PrivateKey::generate(algorithm).map_err(Error::keystore("cannot make a new key"))?;
        drop(running);
        Ok((key, KeyOrigin::New))
    }

    /// Keeps a certificate just created with its key here and in the store, and clears its pending
    /// key; a lease lost while Apple created it is an error that names the certificate.
    async fn share_created(
        &self,
        kept: &KeptLease,
        certificate: &Certificate,
        key: &PrivateKey,
        pending_key: &PendingKey,
    ) -> Result<CertificateInfo> {
        let leaf = CertificateInfo::from_model(certificate)
            .map_err(Error::keystore("the new certificate cannot be read"))?;
        keep_locally(self.keystore(), key, &leaf, &format!("team {}", certificate.id))?;
        self.team
            .push(&certificate.id, self.certificate_type(), &leaf, key, self.me)
            .await
            .map_err(|source| Error::NotShared {
                certificate_id: certificate.id.clone(),
                store: self.team.url().to_string(),
                key_id: key.id(),
                source: Box::new(source),
            })?;
        self.team.remove_pending(pending_key).await?;
        // Asked of the store now, not of what the background renewal last found.
        let _ = kept.confirm(Duration::ZERO).await;
        if let Some(holder) = kept.lost_to().await {
            return Err(Error::LeaseTakenOver {
                holder: Box::new(holder),
                certificate_id: certificate.id.clone(),
                certificate_type: self.certificate_type().clone(),
            });
        }
        Ok(leaf)
    }

    /// A certificate Apple already issued for one of the pending keys (its holder died after the
    /// request went through): shared with its key, and the pending key cleared. Issuing needed the
    /// team's API key, so the key is the team's whoever wrote the pending object.
    async fn adopt_issued(&self, pending: &[PendingKey]) -> Result<Option<Found>> {
        if pending.is_empty() {
            return Ok(None);
        }
        let listed = self
            .ensure
            .apple()?
            .certificates_of_type(self.certificate_type())
            .await?;
        for certificate in listed {
            // Only a certificate that would do: an expiring or inactive one is no identity to adopt.
            if !ascert_team::usable_at_apple(&certificate, self.certificate_type(), self.ensure.not_before())
            {
                continue;
            }
            let Ok(leaf) = CertificateInfo::from_model(&certificate) else {
                continue;
            };
            let Some(pending) = pending.iter().find(|p| p.key_id == leaf.key_id()) else {
                continue;
            };
            let key = match self.team.read_pending(pending, self.me).await {
                Ok(key) => key,
                Err(err) if unusable(&err) => {
                    self.events().event(Event::PendingKeyNotAdopted {
                        certificate_id: certificate.id.clone(),
                        error: err,
                    });
                    continue;
                }
                Err(err) => return Err(err.into()),
            };
            keep_locally(self.keystore(), &key, &leaf, &format!("team {}", certificate.id))?;
            self.team
                .push(&certificate.id, self.certificate_type(), &leaf, &key, self.me)
                .await?;
            self.team.remove_pending(pending).await?;
            return Ok(Some(Found {
                certificate,
                key: key.id(),
                leaf,
            }));
        }
        Ok(None)
    }

    /// Asks Apple for the certificate of `key` (adopting one already issued for it), right after
    /// confirming the lease: renewed now, with at least half of its time-to-live left. The lease
    /// keeps being renewed in the background while the request is in flight.
    async fn create(&self, kept: &KeptLease, key: &PrivateKey) -> Result<(Certificate, AppleOutcome)> {
        let apple = self.ensure.apple()?;
        let csr = create_csr(key, &self.ensure.request.subject)?;
        let margin = self.options.ttl / 2;
        match kept.confirm(margin).await {
            Ok(_) => {}
            // Nothing was sent: the pending key of this run is this machine's, and a later run here
            // resumes it.
            Err(err) if err.kind() == ErrorKind::Lease => {
                return Err(Error::LeaseLost {
                    certificate_type: self.certificate_type().clone(),
                    source: Box::new(err),
                });
            }
            Err(err) => return Err(Error::LeaseNotRenewed { source: err }),
        }
        let request = CertificateRequest::new(csr.pem().to_owned(), self.certificate_type().clone());
        kept.set_in_flight(true);
        let running = Running::start(self.events(), Step::AskingApple);
        let result = apple.create_certificate(request).await;
        drop(running);
        match result {
            Ok(answer) => {
                kept.set_in_flight(false);
                Ok(answer)
            }
            Err(err) if err.is_certificate_limit() => {
                // Apple refused it: nothing was made, the lease may go.
                kept.set_in_flight(false);
                let shared: Vec<String> = self
                    .team
                    .identities()
                    .await
                    .map(|listing| listing.records.into_iter().map(|r| r.certificate_id).collect())
                    .unwrap_or_default();
                let known = Known {
                    keystore: Some(self.keystore()),
                    shared: &shared,
                    renewal: Some(self.ensure.renewal()),
                };
                Err(Error::SlotsFull(Box::new(
                    slots(apple, known, self.certificate_type(), err).await,
                )))
            }
            // Any other answer of Apple's (a 4xx) is a refusal: nothing was made, the lease may go.
            Err(err) if !err.is_ambiguous() && err.status().is_some() => {
                kept.set_in_flight(false);
                Err(Error::CreateRefused {
                    certificate_type: self.certificate_type().clone(),
                    key_id: key.id(),
                    through_store: true,
                    source: Box::new(err),
                })
            }
            // Whether the request went through is not known (the flag stays set: the lease is left to
            // run out, and the next holder adopts what it made).
            Err(err) => Err(Error::CreateFailed {
                key_id: key.id(),
                through_store: true,
                source: Box::new(err),
            }),
        }
    }
}

/// Apple's view of a certificate, as far as the certificate itself tells it: for a read-only run
/// without an API key, where Apple is not asked.
fn offline_model(id: &str, certificate_type: &CertificateType, leaf: &CertificateInfo) -> Certificate {
    let mut certificate = Certificate::new(id);
    certificate.attributes.certificate_type = Some(certificate_type.clone());
    certificate.attributes.expiration_date = Some(leaf.not_after());
    certificate.attributes.serial_number = Some(leaf.serial().to_owned());
    certificate.attributes.activated = Some(true);
    certificate
}
