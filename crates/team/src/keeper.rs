//! [`KeptLease`]: a lease renewed in the background for as long as its holder works under it (the
//! Apple listing, key generation and the request included), checked immediately before anything
//! that must not happen twice, and released on every way out through a [`LeaseReleaser`] that the
//! caller can hand to its signal and deadline handlers.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use ascert_models::CertificateType;

use crate::error::{Result, TeamError};
use crate::lease::{Lease, LeaseHolder, Release};
use crate::store::TeamStore;

/// What became of a kept lease.
enum State {
    Held(Box<Lease>),
    /// Someone else took it over (this holder stopped renewing for longer than its time-to-live).
    Lost(LeaseHolder),
    Released,
}

struct Shared {
    /// An async lock: renewals, checks and the release never overlap (two renewals of one version
    /// at once would see each other's write as a takeover).
    state: tokio::sync::Mutex<State>,
    /// Set while what the lease protects is under way and cannot be told undone (a request to
    /// Apple that may have gone through): releasing now could let a second runner repeat it.
    in_flight: std::sync::atomic::AtomicBool,
    certificate_type: CertificateType,
    holder: LeaseHolder,
    ttl: Duration,
}

/// A lease renewed in the background at a third of its time-to-live until it is released.
///
/// Made by [`TeamStore::keep_lease`]. Dropping it stops the renewal without releasing: release it
/// with [`KeptLease::release`] or a [`LeaseReleaser`].
pub struct KeptLease {
    store: TeamStore,
    shared: Arc<Shared>,
    renewal: tokio::task::JoinHandle<()>,
}

/// Releases a [`KeptLease`] from elsewhere (a signal handler, a deadline): at most once, and only
/// while this process still holds it.
#[derive(Clone)]
pub struct LeaseReleaser {
    store: TeamStore,
    shared: Arc<Shared>,
}

impl fmt::Debug for KeptLease {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeptLease")
            .field("certificate_type", &self.shared.certificate_type)
            .field("holder", &self.shared.holder)
            .finish_non_exhaustive()
    }
}

impl fmt::Debug for LeaseReleaser {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("LeaseReleaser")
            .field("certificate_type", &self.shared.certificate_type)
            .finish_non_exhaustive()
    }
}

impl TeamStore {
    /// Keeps `lease` alive: a task renews it at a third of its time-to-live until it is released or
    /// lost. Needs a tokio runtime.
    pub fn keep_lease(&self, lease: Lease) -> KeptLease {
        let shared = Arc::new(Shared {
            certificate_type: lease.certificate_type().clone(),
            holder: lease.holder().clone(),
            ttl: lease.ttl(),
            state: tokio::sync::Mutex::new(State::Held(Box::new(lease))),
            in_flight: std::sync::atomic::AtomicBool::new(false),
        });
        let renewal = tokio::spawn(renew_until_done(self.clone(), shared.clone()));
        KeptLease {
            store: self.clone(),
            shared,
            renewal,
        }
    }
}

async fn renew_until_done(store: TeamStore, shared: Arc<Shared>) {
    let period = (shared.ttl / 3).max(Duration::from_millis(100));
    loop {
        tokio::time::sleep(period).await;
        let mut state = shared.state.lock().await;
        let State::Held(lease) = &mut *state else {
            return;
        };
        // A failed renewal (the network, the service) is tried again next time; the lease's own
        // remaining time tells the holder whether it may still rely on it.
        if let Err(TeamError::Conflict { holder, .. }) = store.renew_lease(lease).await {
            *state = State::Lost(holder);
            return;
        }
    }
}

impl KeptLease {
    /// The certificate type the lease is for.
    pub fn certificate_type(&self) -> &CertificateType {
        &self.shared.certificate_type
    }

    /// This holder.
    pub fn holder(&self) -> &LeaseHolder {
        &self.shared.holder
    }

    /// The lease's time-to-live.
    pub fn ttl(&self) -> Duration {
        self.shared.ttl
    }

    /// Renews the lease now and checks that at least `margin` of it is left: call it immediately
    /// before doing what only one holder may do (sending a CSR to Apple).
    ///
    /// # Errors
    ///
    /// [`TeamError::Conflict`] if the lease was taken over (this holder was stopped longer than its
    /// time-to-live: do not go on), [`TeamError::LeaseExpiring`] if the renewal did not leave
    /// `margin` (the store answers too slowly to rely on the lease), and storage errors of the
    /// renewal.
    pub async fn confirm(&self, margin: Duration) -> Result<Duration> {
        let mut state = self.shared.state.lock().await;
        match &mut *state {
            State::Held(lease) => match self.store.renew_lease(lease).await {
                Ok(()) => {
                    let remaining = lease.remaining();
                    if remaining < margin {
                        return Err(TeamError::LeaseExpiring {
                            certificate_type: self.shared.certificate_type.to_string(),
                            remaining,
                            needed: margin,
                        });
                    }
                    Ok(remaining)
                }
                Err(err @ TeamError::Conflict { .. }) => {
                    if let TeamError::Conflict { holder, .. } = &err {
                        *state = State::Lost(holder.clone());
                    }
                    Err(err)
                }
                Err(err) => Err(err),
            },
            State::Lost(holder) => Err(self.lost_error(holder.clone())),
            State::Released => Err(TeamError::InvalidInput {
                what: "lease",
                reason: "it was released already".to_owned(),
            }),
        }
    }

    /// Makes sure at least `margin` of the lease is left, renewing now only if the background
    /// renewal has not kept that much: cheap to call before each step of a long piece of work.
    ///
    /// # Errors
    ///
    /// As [`KeptLease::confirm`].
    pub async fn hold(&self, margin: Duration) -> Result<()> {
        {
            let state = self.shared.state.lock().await;
            if let State::Held(lease) = &*state
                && lease.remaining() >= margin
            {
                return Ok(());
            }
        }
        self.confirm(margin).await.map(|_| ())
    }

    /// Who took the lease over, if the background renewal found it taken.
    pub async fn lost_to(&self) -> Option<LeaseHolder> {
        match &*self.shared.state.lock().await {
            State::Lost(holder) => Some(holder.clone()),
            _ => None,
        }
    }

    /// Stores `key` as the pending key of this lease's certificate type, encrypted to the verified
    /// member list: [`TeamStore::write_pending`] for a kept lease.
    ///
    /// # Errors
    ///
    /// As [`TeamStore::write_pending`].
    pub async fn write_pending(&self, key: &ascert_keystore::PrivateKey) -> Result<crate::PendingKey> {
        self.store
            .write_pending_for(&self.shared.certificate_type, &self.shared.holder, key)
            .await
    }

    /// Marks the work the lease protects as under way and not known to be undone (`true` before a
    /// request to Apple, `false` once its answer says what happened): while it is set, a
    /// [`LeaseReleaser`] leaves the lease to run out, so that the next holder finds what the request
    /// made instead of repeating it.
    pub fn set_in_flight(&self, in_flight: bool) {
        self.shared
            .in_flight
            .store(in_flight, std::sync::atomic::Ordering::SeqCst);
    }

    /// Whether [`KeptLease::set_in_flight`] marked work as under way.
    pub fn in_flight(&self) -> bool {
        self.shared.in_flight.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// A handle that releases this lease from elsewhere.
    pub fn releaser(&self) -> LeaseReleaser {
        LeaseReleaser {
            store: self.store.clone(),
            shared: self.shared.clone(),
        }
    }

    /// Stops renewing and releases the lease.
    ///
    /// # Errors
    ///
    /// Storage errors; a lease taken over is [`Release::TakenOver`].
    pub async fn release(self) -> Result<Release> {
        self.renewal.abort();
        release(&self.store, &self.shared).await
    }

    fn lost_error(&self, holder: LeaseHolder) -> TeamError {
        TeamError::Conflict {
            certificate_type: self.shared.certificate_type.to_string(),
            holder,
            expires: crate::records::now(),
        }
    }
}

impl Drop for KeptLease {
    fn drop(&mut self) {
        self.renewal.abort();
    }
}

impl LeaseReleaser {
    /// The lease's name: its certificate type (or `members`).
    pub fn lease_name(&self) -> &str {
        self.shared.certificate_type.as_str()
    }

    /// Whether the work the lease protects is under way and not known to be undone
    /// ([`KeptLease::set_in_flight`]): then do not release it.
    pub fn in_flight(&self) -> bool {
        self.shared.in_flight.load(std::sync::atomic::Ordering::SeqCst)
    }

    /// The lease's time-to-live.
    pub fn ttl(&self) -> Duration {
        self.shared.ttl
    }

    /// Releases the lease if this process still holds it; `None` when it was already released or
    /// lost.
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn release(&self) -> Result<Option<Release>> {
        let released = release(&self.store, &self.shared).await;
        match released {
            Ok(Release::Released) => Ok(Some(Release::Released)),
            Ok(other) => Ok(Some(other)),
            Err(TeamError::InvalidInput { .. }) => Ok(None),
            Err(err) => Err(err),
        }
    }
}

async fn release(store: &TeamStore, shared: &Shared) -> Result<Release> {
    let mut state = shared.state.lock().await;
    match std::mem::replace(&mut *state, State::Released) {
        State::Held(lease) => store.release_lease(*lease).await,
        State::Lost(holder) => {
            *state = State::Lost(holder.clone());
            Ok(Release::TakenOver { holder })
        }
        State::Released => Err(TeamError::InvalidInput {
            what: "lease",
            reason: "it was released already".to_owned(),
        }),
    }
}
