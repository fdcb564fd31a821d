//! Progress as events: what a flow is doing and what it decided, for the caller to show (a spinner,
//! a note, a log line) or ignore. A flow prints nothing itself.

use std::time::Duration;

use ascert_keystore::{KeyAlgorithm, KeyId};
use ascert_models::CertificateType;
use ascert_team::{LeaseHolder, LeaseReleaser, PendingKey, TeamError, UnreadableRecord};
use time::OffsetDateTime;

/// A step that takes a while: a caller may show a spinner from [`Event::Started`] to
/// [`Event::Finished`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Step {
    /// A new private key is being generated (an RSA-2048 key takes a moment).
    GeneratingKey(KeyAlgorithm),
    /// App Store Connect is being asked for the certificate.
    AskingApple,
}

/// Something a flow did or decided that its user may want to know.
#[derive(Debug)]
#[non_exhaustive]
pub enum Event {
    /// A step began.
    Started(Step),
    /// The step ended (however it ended).
    Finished(Step),
    /// A key an earlier run made for the same request, whose certificate never arrived (that run
    /// stopped, or App Store Connect refused its request), is used instead of a new one.
    ReusingPendingKey {
        /// The key.
        key_id: KeyId,
        /// When the earlier run made it.
        made: OffsetDateTime,
        /// The certificate type it was made for.
        certificate_type: CertificateType,
    },
    /// A stored identity was passed over for a reason of its own (changed in the store, not
    /// readable by this member, not Apple's certificate): nothing of it was written here.
    StoredIdentitySkipped {
        /// The certificate id it is stored under.
        certificate_id: String,
        /// Why.
        error: TeamError,
        /// Whether App Store Connect was asked about it (with an API key).
        checked_at_apple: bool,
    },
    /// A stored record could not be read (a newer format, damaged) and was skipped.
    UnreadableRecord(UnreadableRecord),
    /// Identities from the team store are used without asking App Store Connect whether their
    /// certificates are still valid (no API key): a revoked certificate is not noticed.
    NotCheckedAtApple,
    /// The member list is trusted on first use (nothing pins it on this machine) and the run is
    /// about to encrypt a key to it.
    UnpinnedMemberList {
        /// The store, as it may be shown.
        store: String,
        /// The member list's SHA-256, the value that would pin it.
        members_sha256: String,
    },
    /// The lease for the type was taken: a caller that can be stopped by a signal keeps the
    /// releaser, to give the lease back however the run ends.
    LeaseTaken(LeaseReleaser),
    /// Another runner holds the lease and is creating the identity; the run waits for it.
    WaitingForLease {
        /// The runner that holds it.
        holder: LeaseHolder,
        /// The certificate type.
        certificate_type: CertificateType,
        /// When its lease would be taken over if it stopped renewing it.
        takeover_in: Duration,
    },
    /// A pending key this machine did not make was left alone: it is never sent to Apple.
    PendingKeyLeftAlone(PendingKey),
    /// A pending key this machine made in an earlier run is resumed.
    ResumingOwnPendingKey {
        /// The key.
        key_id: KeyId,
        /// The certificate type it was made for.
        certificate_type: CertificateType,
    },
    /// A certificate App Store Connect had issued for a pending key was not adopted: the pending
    /// key could not be used.
    PendingKeyNotAdopted {
        /// The certificate.
        certificate_id: String,
        /// Why.
        error: TeamError,
    },
    /// The request to App Store Connect may have gone through, so the lease is left to run out
    /// rather than released: the next holder adopts what the request made.
    LeaseKeptInFlight {
        /// The certificate type.
        certificate_type: CertificateType,
        /// The most the lease has left.
        ttl: Duration,
    },
    /// The lease ran out and another runner took it over before this one released it.
    LeaseTakenOverBeforeRelease {
        /// The runner that took it.
        holder: LeaseHolder,
    },
    /// A pull passed over a stored identity App Store Connect does not list (revoked, or not this
    /// team's).
    NotListedAtApple {
        /// The certificate id it is stored under.
        certificate_id: String,
        /// The type its record names.
        certificate_type: CertificateType,
    },
    /// A pull passed over a stored identity that cannot be used: nothing of it was written here.
    NotFetched {
        /// The certificate id it is stored under.
        certificate_id: String,
        /// Why.
        error: TeamError,
    },
    /// A pull without App Store Connect passed over a stored identity whose certificate expired.
    ExpiredSkipped {
        /// The certificate id it is stored under.
        certificate_id: String,
        /// Its type.
        certificate_type: CertificateType,
        /// When it expired.
        expired: OffsetDateTime,
    },
    /// A profile of the name being ensured did not fit and is deleted at App Store Connect, to be
    /// made again under its name.
    ProfileReplaced {
        /// The profile's id.
        id: String,
        /// Its name.
        name: String,
        /// Why it did not fit.
        why: crate::misfit::Misfit,
    },
}

/// Where a flow's events go.
pub trait Events: Sync {
    /// Takes one event.
    fn event(&self, event: Event);
}

/// Drops every event.
#[derive(Debug, Default, Clone, Copy)]
pub struct NoEvents;

impl Events for NoEvents {
    fn event(&self, _: Event) {}
}

/// Emits `Started(step)` now and `Finished(step)` when dropped, whichever way the step ends.
pub(crate) struct Running<'a> {
    events: &'a dyn Events,
    step: Step,
}

impl<'a> Running<'a> {
    pub(crate) fn start(events: &'a dyn Events, step: Step) -> Self {
        events.event(Event::Started(step));
        Self { events, step }
    }
}

impl Drop for Running<'_> {
    fn drop(&mut self) {
        self.events.event(Event::Finished(self.step));
    }
}
