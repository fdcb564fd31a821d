//! What can stop a flow, by what happened: each error carries the facts a caller needs to say what
//! to do (a CLI names its own commands and flags; these messages name none).

use std::fmt;
use std::time::Duration;

use ascert_keystore::{KeyId, KeystoreError};
use ascert_models::{BundleIdPlatform, CertificateType, ProfileType};
use ascert_team::{LeaseHolder, TeamError};

use crate::slots::FullSlots;

/// The result of a flow.
pub type Result<T, E = Error> = std::result::Result<T, E>;

/// Where a flow looked for an identity.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Place {
    /// This machine's keystore.
    Keystore,
    /// A team store, by its URL as it may be shown.
    Store(String),
}

impl fmt::Display for Place {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Keystore => f.write_str("this machine's keystore"),
            Self::Store(url) => f.write_str(url),
        }
    }
}

/// Why a flow stopped.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// App Store Connect's answer (or no answer) to a listing.
    #[error(transparent)]
    Apple(Box<ascert_certificates::Error>),
    /// The local keystore.
    #[error(transparent)]
    Keystore(#[from] KeystoreError),
    /// A step of the local keystore's, said as the step.
    #[error("{step}")]
    KeystoreStep {
        /// What the flow was doing ("cannot make and store a new key").
        step: &'static str,
        /// What the keystore said.
        #[source]
        source: KeystoreError,
    },
    /// The team store.
    #[error(transparent)]
    Team(#[from] TeamError),
    /// No usable identity, and the run is read-only: it creates none.
    #[error("{place} holds no usable {certificate_type} identity, and the run is read-only")]
    NoneUsable {
        /// The type.
        certificate_type: CertificateType,
        /// Where the run looked.
        place: Place,
    },
    /// No usable Developer ID identity: App Store Connect's API does not create them.
    #[error(
        "{place} holds no usable {certificate_type} identity, and App Store Connect's API does not create \
         Developer ID certificates"
    )]
    DeveloperId {
        /// The type.
        certificate_type: CertificateType,
        /// Where the run looked.
        place: Place,
    },
    /// A certificate must be created and no App Store Connect client was given.
    #[error("creating a certificate needs an App Store Connect API key")]
    NoApiKey,
    /// App Store Connect refused the create: every slot of the type is in use.
    #[error(transparent)]
    SlotsFull(Box<FullSlots>),
    /// App Store Connect refused the create for another reason (its errors say which).
    #[error(
        "App Store Connect refused to create the {certificate_type} certificate ({})",
        if *through_store {
            format!("its key {key_id} is kept on this machine and in the team store as pending")
        } else {
            format!("key {key_id} is kept")
        }
    )]
    CreateRefused {
        /// The type.
        certificate_type: CertificateType,
        /// The key the certificate was asked for, kept.
        key_id: KeyId,
        /// Whether the key is pending in a team store too.
        through_store: bool,
        /// Apple's answer.
        #[source]
        source: Box<ascert_certificates::Error>,
    },
    /// The create failed and whether it went through is not known; the key is kept, and the next
    /// run adopts the certificate if Apple issued one.
    #[error(
        "cannot create the certificate ({})",
        if *through_store {
            format!(
                "its key {key_id} is kept on this machine and in the team store as pending; the next run adopts \
                 a certificate App Store Connect made for it, or resumes it"
            )
        } else {
            format!("key {key_id} is kept; running the same command again reuses it")
        }
    )]
    CreateFailed {
        /// The key the certificate was asked for, kept.
        key_id: KeyId,
        /// Whether the key is pending in a team store too.
        through_store: bool,
        /// What happened.
        #[source]
        source: Box<ascert_certificates::Error>,
    },
    /// A stored identity of the type was written by a newer version of the format.
    #[error("the stored {certificate_type} identity {certificate_id} was written by a newer ascert")]
    StoredNewerFormat {
        /// The type.
        certificate_type: CertificateType,
        /// The certificate id it is stored under.
        certificate_id: String,
        /// The store's error.
        source: Box<TeamError>,
    },
    /// The store cannot arbitrate between runners (no conditional writes), so nothing is created
    /// through it.
    #[error(
        "{store} cannot arbitrate between runners, so no {certificate_type} certificate is created through it"
    )]
    NoArbitration {
        /// The type.
        certificate_type: CertificateType,
        /// The store, as it may be shown.
        store: String,
        /// The store's error.
        #[source]
        source: Box<TeamError>,
    },
    /// The store answered the lease in a way this version does not know.
    #[error("the team store answered the lease in an unknown way")]
    UnknownLeaseAnswer,
    /// Another runner held the lease for longer than the run may wait, and its identity did not
    /// arrive.
    #[error(
        "waited {} s ({} s in all) for {holder} to create the {certificate_type} identity, and it has not arrived",
        waited.as_secs(),
        total.as_secs()
    )]
    WaitedTooLong {
        /// The time spent waiting.
        waited: Duration,
        /// The time since the first try, asking the store included.
        total: Duration,
        /// The runner that holds the lease.
        holder: Box<LeaseHolder>,
        /// The type.
        certificate_type: CertificateType,
    },
    /// The lease was lost before the create was sent: nothing was sent.
    #[error(
        "this runner no longer holds the lease for {certificate_type} certificates, so it did not ask App Store \
         Connect for one"
    )]
    LeaseLost {
        /// The type.
        certificate_type: CertificateType,
        /// The store's error.
        #[source]
        source: Box<TeamError>,
    },
    /// The lease could not be renewed before the create: nothing was sent.
    #[error("cannot renew the lease before asking App Store Connect; nothing was sent")]
    LeaseNotRenewed {
        /// The store's error.
        #[source]
        source: TeamError,
    },
    /// A certificate was created but could not be shared through the store; its key is kept here and
    /// in the store as pending, so the next run adopts it.
    #[error(
        "certificate {certificate_id} was created at App Store Connect, but could not be shared through {store}"
    )]
    NotShared {
        /// The certificate.
        certificate_id: String,
        /// The store, as it may be shown.
        store: String,
        /// Its key, kept here and pending in the store.
        key_id: KeyId,
        /// The store's error.
        #[source]
        source: Box<TeamError>,
    },
    /// The lease was taken over while App Store Connect created the certificate: another runner may
    /// have created one too. The certificate and its key are shared.
    #[error(
        "the lease was taken over by {holder} while App Store Connect created certificate {certificate_id}: another \
         runner may have created a certificate of the type as well"
    )]
    LeaseTakenOver {
        /// The runner that took it.
        holder: Box<LeaseHolder>,
        /// The certificate this run created.
        certificate_id: String,
        /// The type.
        certificate_type: CertificateType,
    },
    /// A certificate named for sharing has no key in the local keystore: only an identity whose key
    /// is here can be shared.
    #[error("the private key of certificate {certificate_id} is not on this machine")]
    KeyNotHere {
        /// The certificate.
        certificate_id: String,
    },
    /// A fetched identity could not be kept in the local keystore.
    #[error("cannot keep identity {certificate_id} in the local keystore")]
    NotKept {
        /// The certificate.
        certificate_id: String,
        /// What the keystore step said.
        #[source]
        source: Box<Error>,
    },
    /// App Store Connect's answer (or no answer) to a provisioning call.
    #[error(transparent)]
    Provisioning(Box<ascert_profiles::Error>),
    /// The certificate of the identity in use cannot be in a profile of the type.
    #[error(
        "certificate {certificate_id} is a {certificate_type} certificate, which a {profile_type} profile cannot name"
    )]
    CertificateDoesNotFit {
        /// The certificate.
        certificate_id: String,
        /// Its type.
        certificate_type: CertificateType,
        /// The profile type.
        profile_type: ProfileType,
    },
    /// No bundle ID of the identifier is registered.
    #[error("no bundle ID {identifier} is registered with App Store Connect")]
    UnknownBundleId {
        /// The identifier.
        identifier: String,
        /// The profile type asked for.
        profile_type: ProfileType,
    },
    /// The bundle ID is registered for another platform than the profile type's.
    #[error(
        "bundle ID {identifier} is registered for {platform}, which a {profile_type} profile cannot be made for"
    )]
    BundleIdPlatform {
        /// The identifier.
        identifier: String,
        /// Its platform.
        platform: BundleIdPlatform,
        /// The profile type.
        profile_type: ProfileType,
    },
    /// A development or ad hoc profile needs devices, and no enabled one of its platform is
    /// registered.
    #[error(
        "a {profile_type} profile needs at least one enabled device of its platform, and none is registered"
    )]
    NoDevices {
        /// The profile type.
        profile_type: ProfileType,
    },
    /// No listed profile fits, and the run is read-only: it creates none.
    #[error(
        "App Store Connect lists no usable {profile_type} profile named \"{name}\", and the run is read-only"
    )]
    NoProfileUsable {
        /// The name looked for.
        name: String,
        /// The type.
        profile_type: ProfileType,
        /// Why each profile of the name did not fit.
        misfits: Vec<crate::misfit::Misfit>,
    },
    /// The work was done but the lease could not be released (it runs out by itself).
    #[error("cannot release the lease")]
    ReleaseFailed {
        /// The store's error.
        #[source]
        source: TeamError,
    },
}

impl From<ascert_profiles::Error> for Error {
    fn from(err: ascert_profiles::Error) -> Self {
        Self::Provisioning(Box::new(err))
    }
}

impl From<ascert_certificates::Error> for Error {
    fn from(err: ascert_certificates::Error) -> Self {
        Self::Apple(Box::new(err))
    }
}

impl Error {
    /// A keystore step that failed.
    pub(crate) fn keystore(step: &'static str) -> impl FnOnce(KeystoreError) -> Self {
        move |source| Self::KeystoreStep { step, source }
    }
}
