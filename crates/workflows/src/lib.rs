//! The flows of [ascert](https://github.com/ascert/ascert) that put its layers together, for programs
//! that want a signing identity rather than an API call: the `ops` beneath the `ascert` CLI.
//!
//! - [`create_identity`]: the safe creation flow. The private key is on disk (0600, fsynced) before
//!   its CSR leaves the machine; an ambiguous failure is reconciled instead of repeated; a rerun
//!   after a crash or a refusal reuses the pending key and adopts a certificate already issued for
//!   it. A hand-made create that generates a key per try leaks a stray key on every 409.
//! - [`Ensure`]: make sure a valid identity of a type is here, reusing one App Store Connect still
//!   lists as active, creating one only when there is none — [`locally`](Ensure::locally), or
//!   [`through a team store`](Ensure::through_store) (ascert-team) where many runners starting at
//!   once create exactly one certificate under the store's lease.
//! - [`push`] and [`pull`]: identities between the local keystore and a team store, each checked
//!   against App Store Connect's copy of its certificate before it is written.
//! - [`ensure_profile`]: the provisioning profile of a bundle ID and type that names the identity's
//!   certificate (and every enabled device, for development and ad hoc), reused or made again under
//!   its name, through the [`Provisioning`] seam ([`ascert_profiles::ProfilesApi`]).
//! - [`check()`]: what will break before it does — expiring and inactive certificates, keys nowhere,
//!   slots at Apple's limit, a team store's stale leases and unlisted identities — as [`Finding`]s.
//!
//! Flows print nothing: they report progress and decisions as [`Event`]s to an [`Events`] sink and
//! end with a typed outcome ([`NewIdentity`], [`Ensured`]) or a typed [`Error`] that carries the
//! facts a caller needs to say what to do. App Store Connect is reached through the [`Apple`] trait,
//! implemented by [`ascert_certificates::CertificatesApi`] and by any fake a test needs.
//!
//! ```no_run
//! use ascert_certificates::CertificatesApi;
//! use ascert_keystore::{CsrSubject, Keystore};
//! use ascert_models::CertificateType;
//! use ascert_workflows::{Ensure, EnsureRequest, NoEvents};
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let api = CertificatesApi::from_env()?.ok_or("set ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY_PATH")?;
//! let keystore = Keystore::open_default()?;
//! let request = EnsureRequest::new(CertificateType::Distribution, CsrSubject::new("ci", ""))
//!     .with_min_days_left(30);
//! let ensure = Ensure::new(Some(&api), &keystore, request, &NoEvents);
//! let listed = ensure.list().await?;
//! let ensured = ensure.locally(&listed).await?;
//! println!("{} certificate {}, key {}", ensured.outcome.as_str(), ensured.certificate.id, ensured.key);
//! # Ok(()) }
//! ```

mod apple;
mod check;
mod create;
pub mod ensure;
mod error;
mod events;
mod misfit;
mod profile;
mod pull;
mod push;
mod slots;

pub use apple::{Apple, CertificateRequest};
pub use check::{CheckOptions, Finding, MembersAnchor, Severity, check, team_limit};
pub use create::{
    IdentityRequest, NewIdentity, Outcome, create_identity, default_label, obtain_identity, pending_key,
    record,
};
pub use ensure::team::{LEASE_TTL, LeaseOptions, TeamAccess, keep_locally, unusable};
pub use ensure::{Ensure, EnsureRequest, Ensured, KeyOrigin};
pub use error::{Error, Place, Result};
pub use events::{Event, Events, NoEvents, Step};
pub use profile::{
    EnsuredProfile, Listed, Misfit, ProfileOutcome, ProfileRequest, Provisioning, ensure_profile,
};
pub use pull::{Pulled, pull};
pub use push::{Shared, push};
pub use slots::{FullSlots, Holder, InUse, Renewal, explain_full_slots};
