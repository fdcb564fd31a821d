//! Leases: which runner creates the certificate of a type right now, arbitrated by the object
//! store's conditional writes so that many runners starting together create exactly one.
//!
//! - take: a create-if-absent write of `leases/<TYPE>.json` (`PutMode::Create`, S3 `If-None-Match: *`);
//!   if the lease exists and is released or expired, a compare-and-swap on its `ETag`
//!   (`PutMode::Update`, S3 `If-Match`). Of several runners only one write succeeds.
//! - renew and release are compare-and-swaps too, never deletes: `object_store`'s delete is
//!   unconditional, and a holder whose lease was taken over must not remove the new holder's.
//! - expiry, without trusting clocks to agree: see [`TeamStore::take_lease`].

use std::time::{Duration, Instant, SystemTime};

use ascert_models::CertificateType;
use object_store::path::Path;
use object_store::{PutMode, UpdateVersion};
use time::OffsetDateTime;

use crate::error::{Result, TeamError};
pub use crate::holder::LeaseHolder;
use crate::holder::{LeaseObject, LeaseState};
use crate::layout;
use crate::records;
use crate::store::TeamStore;
use crate::wire::{self, FORMAT_VERSION};

/// The longest time-to-live a lease is taken to have, whatever it says.
const MAX_TTL: Duration = Duration::from_secs(3600);

/// How many times a take retries when other runners change the lease under it.
const TAKE_ROUNDS: usize = 8;

/// How a lease was acquired.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Acquisition {
    /// No lease existed for the type.
    Created,
    /// The previous holder had released it.
    AfterRelease {
        /// Who held it before.
        previous: LeaseHolder,
    },
    /// The previous holder's lease had expired (it stopped renewing): this take replaced it.
    TakenOver {
        /// Who held it before.
        previous: LeaseHolder,
    },
}

/// A lease this process holds. Renew it well within its time-to-live
/// ([`TeamStore::renew_lease`]), and release it when done ([`TeamStore::release_lease`]).
#[derive(Debug, Clone)]
pub struct Lease {
    certificate_type: CertificateType,
    holder: LeaseHolder,
    version: UpdateVersion,
    ttl: Duration,
    acquired: OffsetDateTime,
    expires: OffsetDateTime,
    /// When this holder must stop relying on the lease (its monotonic clock).
    deadline: Instant,
    how: Acquisition,
}

impl Lease {
    /// The certificate type the lease is for.
    pub fn certificate_type(&self) -> &CertificateType {
        &self.certificate_type
    }

    /// This holder, as written in the lease.
    pub fn holder(&self) -> &LeaseHolder {
        &self.holder
    }

    /// The time-to-live given when it was taken.
    pub fn ttl(&self) -> Duration {
        self.ttl
    }

    /// When it expires by this machine's clock, as written in the lease.
    pub fn expires(&self) -> OffsetDateTime {
        self.expires
    }

    /// How long the lease is still safe to rely on (measured from the moment its last write was
    /// sent, by the monotonic clock); zero once expired.
    pub fn remaining(&self) -> Duration {
        self.deadline.saturating_duration_since(Instant::now())
    }

    /// How it was acquired.
    pub fn acquisition(&self) -> &Acquisition {
        &self.how
    }
}

/// What [`TeamStore::take_lease`] found.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub enum LeaseAttempt {
    /// This process holds the lease now.
    Acquired(Lease),
    /// Someone else holds it.
    Held(HeldLease),
}

/// A lease held by someone else.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct HeldLease {
    /// Who.
    pub holder: LeaseHolder,
    /// Until when, by the holder's clock (for people).
    pub expires: OffsetDateTime,
    /// How long until this process would take it over if the holder stops renewing.
    pub takeover_in: Duration,
}

/// A lease as [`TeamStore::leases`] shows it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct LeaseStatus {
    /// The certificate type it is for (`members` for the members lease).
    pub certificate_type: CertificateType,
    /// Whether it is the members lease (member changes), not a certificate type's.
    pub members: bool,
    /// Held (or released).
    pub held: bool,
    /// Who holds or last held it.
    pub holder: LeaseHolder,
    /// When its holder took it (by its clock).
    pub acquired: OffsetDateTime,
    /// When its holder last wrote it (by its clock).
    pub written: OffsetDateTime,
    /// How long ago the store last saw it written (by the store's clock and this machine's).
    pub age: Duration,
    /// Its time-to-live.
    pub ttl: Duration,
    /// Its version (`ETag`), which [`TeamStore::force_release`] is conditional on.
    pub e_tag: String,
}

/// What [`TeamStore::release_lease`] found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Release {
    /// Released: the next runner may take it at once.
    Released,
    /// The lease had expired and someone else took it over: whatever this holder did after its
    /// lease ran out may overlap with the new holder's work.
    TakenOver {
        /// The new holder.
        holder: LeaseHolder,
    },
}

/// A lease version seen by this process and since when (monotonic).
#[derive(Debug, Clone)]
pub(crate) struct Observation {
    e_tag: String,
    since: Instant,
}

/// The outcome of one round of [`TeamStore::take_lease`].
enum Round {
    Done(LeaseAttempt),
    /// Someone changed the lease under us; what we saw last, if anything.
    Again(Option<LeaseObject>),
}

enum Judgement {
    Free(Acquisition),
    Live { takeover_in: Duration },
}

impl TeamStore {
    /// Tries once to take the lease for creating a certificate of `certificate_type`, for `ttl`.
    ///
    /// Returns [`LeaseAttempt::Held`] (who holds it, and when this process may take it over) if
    /// someone else holds a live lease; the caller waits and calls again.
    ///
    /// **Expiry, and which clock decides.** Runners' wall clocks disagree, so a holder's written expiry
    /// time is for people only. A lease counts as expired for this process when either
    /// 1. this `TeamStore` has seen the same version (`ETag`) of it, unchanged, for a whole time-to-live
    ///    by its monotonic clock. The holder stops relying on its lease one time-to-live after it *sent*
    ///    its last write, which is before any reader saw that write, so no clock offset matters
    ///    (only their rates, which agree to parts per million); or
    /// 2. its last write, by the storage service's clock (`Last-Modified`), is older than its
    ///    time-to-live plus the clock tolerance ([`StoreOptions::with_clock_tolerance`](crate::StoreOptions::with_clock_tolerance),
    ///    15 minutes by default) by the local clock. A runner can talk to S3 only if its clock is within 15
    ///    minutes of S3's, so this is safe there and lets an abandoned lease be taken at once instead of
    ///    after a wait.
    ///
    /// # Errors
    ///
    /// [`TeamError::UnsupportedBackend`] if the backend cannot do conditional writes (a `file://`
    /// folder; a service that ignores `If-None-Match` or `If-Match`: checked once per `TeamStore` by
    /// writing a probe object), [`TeamError::InvalidInput`] for a zero `ttl`, and storage errors.
    pub async fn take_lease(
        &self,
        certificate_type: &CertificateType,
        ttl: Duration,
    ) -> Result<LeaseAttempt> {
        layout::certificate_type(certificate_type)?;
        self.take_lease_named(certificate_type, ttl).await
    }

    /// [`TeamStore::take_lease`] for any lease name: a certificate type, or the members lease.
    pub(crate) async fn take_lease_named(
        &self,
        certificate_type: &CertificateType,
        ttl: Duration,
    ) -> Result<LeaseAttempt> {
        if ttl.is_zero() {
            return Err(TeamError::InvalidInput {
                what: "lease time-to-live",
                reason: "it must be longer than zero".to_owned(),
            });
        }
        self.check_conditional_writes().await?;
        let path = self.layout.lease(certificate_type);
        let holder = LeaseHolder {
            actor: self.actor.clone(),
            host: crate::holder::host_name(),
            pid: std::process::id(),
            id: random_id()?,
        };
        let mut last_seen = None;
        for _ in 0..TAKE_ROUNDS {
            let now = records::now();
            let object = LeaseObject {
                format: FORMAT_VERSION,
                certificate_type: certificate_type.clone(),
                state: LeaseState::Held,
                holder: holder.clone(),
                acquired: now,
                written: now,
                expires: now + ttl,
                ttl_ms: millis(ttl),
                write: random_id()?,
            };
            match self.take_round(&path, object).await? {
                Round::Done(attempt) => return Ok(attempt),
                Round::Again(seen) => last_seen = seen.or(last_seen),
            }
        }
        // Others kept changing the lease: report the latest holder, as a live lease.
        let current = match last_seen {
            Some(current) => current,
            None => self
                .read_lease(&path)
                .await?
                .map(|(current, _, _)| current)
                .ok_or_else(|| self.not_found(&format!("the lease for {certificate_type}")))?,
        };
        Ok(LeaseAttempt::Held(HeldLease {
            takeover_in: Duration::from_millis(current.ttl_ms),
            holder: current.holder,
            expires: current.expires,
        }))
    }

    /// One attempt: create the lease, or else swap out a released or expired one.
    async fn take_round(&self, path: &Path, object: LeaseObject) -> Result<Round> {
        let write = object.write.clone();
        let sent = Instant::now();
        match self.put(path, wire::write(&object), PutMode::Create).await {
            Ok(result) => {
                let lease = new_lease(object, result.into(), sent, Acquisition::Created);
                return Ok(Round::Done(LeaseAttempt::Acquired(lease)));
            }
            Err(object_store::Error::AlreadyExists { .. }) => {}
            Err(e) => return Err(self.lease_error(path, e)),
        }
        let Some((current, version, modified)) = self.read_lease(path).await? else {
            return Ok(Round::Again(None));
        };
        if current.write == write {
            // Our create landed, but its answer was lost and the retry found our own lease.
            let lease = new_lease(object, version, sent, Acquisition::Created);
            return Ok(Round::Done(LeaseAttempt::Acquired(lease)));
        }
        let how = match self.judge(path, &current, &version, modified) {
            Judgement::Free(how) => how,
            Judgement::Live { takeover_in } => {
                return Ok(Round::Done(LeaseAttempt::Held(HeldLease {
                    holder: current.holder,
                    expires: current.expires,
                    takeover_in,
                })));
            }
        };
        let sent = Instant::now();
        match self
            .put(path, wire::write(&object), PutMode::Update(version))
            .await
        {
            Ok(result) => Ok(Round::Done(LeaseAttempt::Acquired(new_lease(
                object,
                result.into(),
                sent,
                how,
            )))),
            // Another runner changed it first; unless that change is our own write whose answer
            // was lost, look again.
            Err(object_store::Error::Precondition { .. }) => match self.read_lease(path).await? {
                Some((now_there, version, _)) if now_there.write == write => Ok(Round::Done(
                    LeaseAttempt::Acquired(new_lease(object, version, sent, how)),
                )),
                now_there => Ok(Round::Again(now_there.map(|(current, _, _)| current))),
            },
            Err(e) => Err(self.lease_error(path, e)),
        }
    }

    /// Extends a held lease by its time-to-live, from now.
    ///
    /// # Errors
    ///
    /// [`TeamError::Conflict`] if the lease expired and someone else took it over (stop working on
    /// the certificate), [`TeamError::NotFound`] if the lease object is gone, and storage errors.
    pub async fn renew_lease(&self, lease: &mut Lease) -> Result<()> {
        let path = self.layout.lease(&lease.certificate_type);
        let write = random_id()?;
        let now = records::now();
        let object = LeaseObject {
            format: FORMAT_VERSION,
            certificate_type: lease.certificate_type.clone(),
            state: LeaseState::Held,
            holder: lease.holder.clone(),
            acquired: lease.acquired,
            written: now,
            expires: now + lease.ttl,
            ttl_ms: millis(lease.ttl),
            write: write.clone(),
        };
        let mut expected = lease.version.clone();
        let mut sent = Instant::now();
        let mut version = None;
        // Twice at most: the second time after finding that an earlier renewal of this holder landed
        // though its answer was lost (the version held here is then behind the store's).
        for _ in 0..2 {
            sent = Instant::now();
            match self
                .put(&path, wire::write(&object), PutMode::Update(expected.clone()))
                .await
            {
                Ok(result) => {
                    version = Some(result.into());
                    break;
                }
                Err(object_store::Error::Precondition { .. }) => match self.read_lease(&path).await? {
                    Some((current, now_there, _)) if current.write == write => {
                        version = Some(now_there);
                        break;
                    }
                    Some((current, now_there, _))
                        if current.holder.id == lease.holder.id && current.state == LeaseState::Held =>
                    {
                        expected = now_there;
                    }
                    Some((current, _, _)) => {
                        return Err(TeamError::Conflict {
                            certificate_type: lease.certificate_type.to_string(),
                            holder: current.holder,
                            expires: current.expires,
                        });
                    }
                    None => return Err(self.not_found(&format!("the lease for {}", lease.certificate_type))),
                },
                Err(e) => return Err(self.lease_error(&path, e)),
            }
        }
        let Some(version) = version else {
            return Err(TeamError::ConcurrentChange {
                store: self.shown.clone(),
                what: format!("the lease for {}", lease.certificate_type),
            });
        };
        lease.version = version;
        lease.expires = object.expires;
        lease.deadline = sent + lease.ttl;
        Ok(())
    }

    /// Releases a lease: a compare-and-swap to the released state, so that a holder whose lease was
    /// taken over cannot release the new holder's.
    ///
    /// # Errors
    ///
    /// Storage errors; a lease taken over is [`Release::TakenOver`], not an error.
    pub async fn release_lease(&self, lease: Lease) -> Result<Release> {
        let path = self.layout.lease(&lease.certificate_type);
        let write = random_id()?;
        let now = records::now();
        let object = LeaseObject {
            format: FORMAT_VERSION,
            certificate_type: lease.certificate_type.clone(),
            state: LeaseState::Released,
            holder: lease.holder.clone(),
            acquired: lease.acquired,
            written: now,
            expires: now,
            ttl_ms: millis(lease.ttl),
            write: write.clone(),
        };
        let mut expected = lease.version;
        for _ in 0..2 {
            match self
                .put(&path, wire::write(&object), PutMode::Update(expected.clone()))
                .await
            {
                Ok(_) => return Ok(Release::Released),
                Err(object_store::Error::Precondition { .. }) => match self.read_lease(&path).await? {
                    Some((current, _, _)) if current.write == write => return Ok(Release::Released),
                    // A renewal of this holder landed though its answer was lost: release that version.
                    Some((current, now_there, _))
                        if current.holder.id == lease.holder.id && current.state == LeaseState::Held =>
                    {
                        expected = now_there;
                    }
                    Some((current, _, _)) => {
                        return Ok(Release::TakenOver {
                            holder: current.holder,
                        });
                    }
                    None => return Ok(Release::Released),
                },
                Err(e) => return Err(self.lease_error(&path, e)),
            }
        }
        Err(TeamError::ConcurrentChange {
            store: self.shown.clone(),
            what: format!("the lease for {}", lease.certificate_type),
        })
    }

    /// Reads the lease object: its content, version and the store's Last-Modified.
    async fn read_lease(&self, path: &Path) -> Result<Option<(LeaseObject, UpdateVersion, SystemTime)>> {
        let Some((bytes, meta)) = self.get(path).await? else {
            return Ok(None);
        };
        let object: LeaseObject = match wire::read(&bytes, &self.layout.name(path)) {
            Ok(object) => object,
            // A lease a later ascert wrote is its to keep.
            Err(err @ TeamError::NewerFormat { .. }) => return Err(err),
            // Damaged (or written by someone who is not a runner): nobody holds it. It reads as
            // released, so the next take replaces it, as a compare-and-swap like any other.
            Err(_) => unreadable_lease(path, OffsetDateTime::from(SystemTime::from(meta.last_modified))),
        };
        if meta.e_tag.is_none() && meta.version.is_none() {
            return Err(TeamError::UnsupportedBackend {
                store: self.shown.clone(),
                reason: "it returns no ETag or version for objects, so leases cannot be compared and swapped"
                    .to_owned(),
            });
        }
        let modified = SystemTime::from(meta.last_modified);
        Ok(Some((
            object,
            UpdateVersion {
                e_tag: meta.e_tag,
                version: meta.version,
            },
            modified,
        )))
    }

    /// Whether a lease someone else wrote is free for this process to take (see `take_lease`).
    fn judge(
        &self,
        path: &Path,
        current: &LeaseObject,
        version: &UpdateVersion,
        modified: SystemTime,
    ) -> Judgement {
        if current.state == LeaseState::Released {
            return Judgement::Free(Acquisition::AfterRelease {
                previous: current.holder.clone(),
            });
        }
        // Whatever a lease says, no holder needs more than an hour: a lease written to last for ever
        // (by someone who can write to the bucket) runs out like any other.
        let ttl = Duration::from_millis(current.ttl_ms).min(MAX_TTL);
        let taken_over = || {
            Judgement::Free(Acquisition::TakenOver {
                previous: current.holder.clone(),
            })
        };
        // 2. The store's clock: abandoned long ago even allowing for the worst clock offset.
        let abandoned_at = modified + ttl + self.clock_tolerance;
        let by_store_clock = abandoned_at.duration_since(SystemTime::now()).unwrap_or_default();
        if by_store_clock.is_zero() {
            return taken_over();
        }
        // 1. This process's monotonic clock: the same version watched for a whole time-to-live.
        let key = version
            .e_tag
            .clone()
            .or_else(|| version.version.clone())
            .unwrap_or_default();
        let mut observed = self
            .observed
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let seen = observed.entry(path.to_string()).or_insert_with(|| Observation {
            e_tag: key.clone(),
            since: Instant::now(),
        });
        if seen.e_tag != key {
            *seen = Observation {
                e_tag: key,
                since: Instant::now(),
            };
        }
        let watched = seen.since.elapsed();
        if watched >= ttl {
            return taken_over();
        }
        Judgement::Live {
            takeover_in: ttl.saturating_sub(watched).min(by_store_clock),
        }
    }

    /// Checks once per `TeamStore` that the backend really refuses conflicting conditional writes,
    /// with a probe object: a second create-if-absent must fail, and so must a compare-and-swap with
    /// a wrong `ETag`, while one with the right `ETag` succeeds.
    pub(crate) async fn check_conditional_writes(&self) -> Result<()> {
        self.conditional_writes
            .get_or_try_init(|| async {
                if !self.conditional_update {
                    return Err(TeamError::UnsupportedBackend {
                        store: self.shown.clone(),
                        reason: format!(
                            "{} cannot compare-and-swap (object_store implements no conditional update for it), \
                             so two runners could both take over an expired lease. Share identities through it, \
                             but create certificates from S3, GCS or Azure, or from one machine",
                            self.url.backend().name()
                        ),
                    });
                }
                let path = self.layout.probe(&random_id()?);
                let unsupported = |what: &str| TeamError::UnsupportedBackend {
                    store: self.shown.clone(),
                    reason: format!(
                        "the service {what}, so it cannot arbitrate which runner creates a certificate \
                         (it needs S3 conditional writes: If-None-Match and If-Match)"
                    ),
                };
                let first = match self.put(&path, b"{}".to_vec(), PutMode::Create).await {
                    Ok(result) => result,
                    Err(object_store::Error::NotImplemented { .. }) => {
                        return Err(unsupported("does not implement create-if-absent"));
                    }
                    Err(e) => return Err(self.error(&path, "write", e)),
                };
                let verdict = async {
                    match self.put(&path, b"{}".to_vec(), PutMode::Create).await {
                        Err(object_store::Error::AlreadyExists { .. }) => {}
                        Ok(_) => return Err(unsupported("ignores If-None-Match: * (a second create succeeded)")),
                        Err(e) => return Err(self.error(&path, "write", e)),
                    }
                    let wrong = UpdateVersion {
                        e_tag: Some("\"ascert-probe-mismatch\"".to_owned()),
                        version: Some("1".to_owned()),
                    };
                    match self.put(&path, b"{}".to_vec(), PutMode::Update(wrong)).await {
                        Err(object_store::Error::Precondition { .. }) => {}
                        Ok(_) => return Err(unsupported("ignores If-Match (a write with a wrong ETag succeeded)")),
                        Err(object_store::Error::NotImplemented { .. }) => {
                            return Err(unsupported("does not implement compare-and-swap"));
                        }
                        Err(e) => return Err(self.error(&path, "write", e)),
                    }
                    match self.put(&path, b"{}".to_vec(), PutMode::Update(first.into())).await {
                        Ok(_) => Ok(()),
                        Err(object_store::Error::Precondition { .. }) => {
                            Err(unsupported("refuses If-Match even with the object's own ETag"))
                        }
                        Err(e) => Err(self.error(&path, "write", e)),
                    }
                }
                .await;
                // Best effort: a probe left behind (no delete permission) harms nothing.
                let _ = self.delete(&path).await;
                verdict
            })
            .await
            .copied()
    }

    /// Whether the lease `name` is held by someone and not expired, as this process judges it.
    pub(crate) async fn lease_is_live(&self, name: &CertificateType) -> Result<bool> {
        let path = self.layout.lease(name);
        let Some((current, version, modified)) = self.read_lease(&path).await? else {
            return Ok(false);
        };
        Ok(matches!(
            self.judge(&path, &current, &version, modified),
            Judgement::Live { .. }
        ))
    }

    /// Every lease in the store, as it stands: for `ascert team status`.
    ///
    /// # Errors
    ///
    /// Storage errors; a lease object that cannot be read is [`TeamError::Corrupt`].
    pub async fn leases(&self) -> Result<Vec<LeaseStatus>> {
        let mut out = Vec::new();
        for meta in self.list(&self.layout.leases()).await? {
            let Some((object, version, modified)) = self.read_lease(&meta.location).await? else {
                continue;
            };
            let age = SystemTime::now().duration_since(modified).unwrap_or_default();
            out.push(LeaseStatus {
                members: crate::members::is_members_lease(&object.certificate_type),
                certificate_type: object.certificate_type,
                held: object.state == LeaseState::Held,
                holder: object.holder,
                acquired: object.acquired,
                written: object.written,
                age,
                ttl: Duration::from_millis(object.ttl_ms),
                e_tag: version.e_tag.or(version.version).unwrap_or_default(),
            });
        }
        out.sort_by(|a, b| a.certificate_type.as_str().cmp(b.certificate_type.as_str()));
        Ok(out)
    }

    /// Releases a lease someone else holds (a runner that was killed without releasing it), as a
    /// compare-and-swap on the version `e_tag` that [`TeamStore::leases`] showed: if its holder
    /// renewed it since, nothing is changed.
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`] if there is no such lease, [`TeamError::ConcurrentChange`] if it changed
    /// since it was shown, and storage errors.
    pub async fn force_release(
        &self,
        certificate_type: &CertificateType,
        e_tag: &str,
    ) -> Result<LeaseHolder> {
        let name = if crate::members::is_members_lease(certificate_type) {
            certificate_type.clone()
        } else {
            layout::certificate_type(certificate_type)?;
            certificate_type.clone()
        };
        let path = self.layout.lease(&name);
        let Some((current, version, _)) = self.read_lease(&path).await? else {
            return Err(self.not_found(&format!("a lease for {name}")));
        };
        let shown = version
            .e_tag
            .clone()
            .or_else(|| version.version.clone())
            .unwrap_or_default();
        if shown != e_tag {
            return Err(TeamError::ConcurrentChange {
                store: self.shown.clone(),
                what: format!("the lease for {name} (its holder renewed or released it since it was shown)"),
            });
        }
        let now = records::now();
        let object = LeaseObject {
            state: LeaseState::Released,
            written: now,
            expires: now,
            write: random_id()?,
            ..current.clone()
        };
        match self
            .put(&path, wire::write(&object), PutMode::Update(version))
            .await
        {
            Ok(_) => Ok(current.holder),
            Err(object_store::Error::Precondition { .. }) => Err(TeamError::ConcurrentChange {
                store: self.shown.clone(),
                what: format!("the lease for {name} (its holder renewed or released it meanwhile)"),
            }),
            Err(e) => Err(self.lease_error(&path, e)),
        }
    }

    fn lease_error(&self, path: &Path, error: object_store::Error) -> TeamError {
        match error {
            object_store::Error::NotImplemented { .. } => TeamError::UnsupportedBackend {
                store: self.shown.clone(),
                reason: "it does not implement conditional writes".to_owned(),
            },
            other => self.error(path, "write", other),
        }
    }
}

/// What a lease object that cannot be read counts as: released, by nobody in particular.
fn unreadable_lease(path: &Path, modified: time::OffsetDateTime) -> LeaseObject {
    LeaseObject {
        format: FORMAT_VERSION,
        certificate_type: CertificateType::from(
            path.filename().unwrap_or_default().trim_end_matches(".json"),
        ),
        state: LeaseState::Released,
        holder: LeaseHolder {
            actor: "an unreadable lease object".to_owned(),
            host: "unknown".to_owned(),
            pid: 0,
            id: String::new(),
        },
        acquired: modified,
        written: modified,
        expires: modified,
        ttl_ms: 0,
        write: String::new(),
    }
}

/// The lease just written as `object`, whose write was sent at `sent`.
fn new_lease(object: LeaseObject, version: UpdateVersion, sent: Instant, how: Acquisition) -> Lease {
    let ttl = Duration::from_millis(object.ttl_ms);
    Lease {
        certificate_type: object.certificate_type,
        holder: object.holder,
        version,
        ttl,
        acquired: object.acquired,
        expires: object.expires,
        deadline: sent + ttl,
        how,
    }
}

fn millis(duration: Duration) -> u64 {
    u64::try_from(duration.as_millis()).unwrap_or(u64::MAX)
}

/// 128 random bits as hex: lease, write and probe ids.
pub(crate) fn random_id() -> Result<String> {
    let mut bytes = [0u8; 16];
    aws_lc_rs::rand::fill(&mut bytes).map_err(|_| TeamError::Crypto {
        what: "random id generation",
        reason: "the system random generator failed".to_owned(),
    })?;
    Ok(bytes.iter().fold(String::with_capacity(32), |mut hex, b| {
        use std::fmt::Write as _;
        let _ = write!(hex, "{b:02x}");
        hex
    }))
}
