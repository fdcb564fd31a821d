//! Apple signing identities shared by a team and its CI fleet on object storage: keys encrypted in
//! the age format to each member's own key, and leases so that many runners create one certificate.
//!
//! - [`StoreUrl`], [`StoreOptions`]: where a store lives (`s3://bucket/prefix`, `gs://…`, `az://…`,
//!   `file:///folder`, `memory://name`) and the caller's settings; credentials only from the
//!   provider's environment, never in a URL, a message or `Debug`.
//! - [`TeamStore`]: [`open`](TeamStore::open) / [`init`](TeamStore::init), the shared identities
//!   ([`identities`](TeamStore::identities), [`fetch`](TeamStore::fetch), [`push`](TeamStore::push),
//!   [`prune`](TeamStore::prune)), members ([`add_members`](TeamStore::add_members),
//!   [`remove_members`](TeamStore::remove_members)), leases ([`take_lease`](TeamStore::take_lease),
//!   [`renew_lease`](TeamStore::renew_lease), [`release_lease`](TeamStore::release_lease)) and pending
//!   keys ([`write_pending`](TeamStore::write_pending), [`pending`](TeamStore::pending),
//!   [`read_pending`](TeamStore::read_pending), [`remove_pending`](TeamStore::remove_pending)).
//! - [`Recipient`] (a member's public key: `age1…`, `ssh-ed25519`, `ssh-rsa`) and [`MemberKey`] (a
//!   member's private key: an age identity file, an SSH key, or the team passphrase through
//!   [`TeamStore::unlock_passphrase`]).
//! - [`TeamError`]: one error type, a variant per kind of failure, each in one [`ErrorKind`] (the
//!   category a caller decides on).
//!
//! Keys leave this crate toward storage only age-encrypted; what comes back is a
//! [`ascert_keystore::PrivateKey`] checked against its certificate. The layout, the encryption, the
//! leases and the threat model are in docs/team.md.
//!
//! The types here are not the stored bytes: each object kind (header, identity record, pending-key
//! record, lease) is read and written through crate-private serde structs per format version (the
//! `wire` module; [`FORMAT_VERSION`] is the one written), so a field added to a public type changes
//! nothing in a bucket, and a new format is a new set of wire structs beside the old ones.
//!
//! # Public dependencies
//!
//! One third-party type appears in this crate's API and is re-exported, so that a caller names the
//! version this crate was built with: [`SecretString`] (`age::secrecy::SecretString`, for
//! passphrases and identity files).
//!
//! ```no_run
//! use std::time::Duration;
//! use ascert_models::CertificateType;
//! use ascert_team::{LeaseAttempt, MemberKey, StoreOptions, StoreUrl, TeamStore};
//! # async fn example(key: ascert_keystore::PrivateKey) -> Result<(), ascert_team::TeamError> {
//! let store = TeamStore::open(&"s3://signing/team-a".parse()?, &StoreOptions::new()).await?;
//! match store.take_lease(&CertificateType::Distribution, Duration::from_secs(300)).await? {
//!     LeaseAttempt::Acquired(lease) => {
//!         // The key is in the store before its CSR leaves the machine.
//!         let pending = store.write_pending(&lease, &key).await?;
//!         // … create the certificate with Apple, then store.push(…), then:
//!         store.remove_pending(&pending).await?;
//!         store.release_lease(lease).await?;
//!     }
//!     LeaseAttempt::Held(held) => println!("{} is creating it; retry in {:?}", held.holder, held.takeover_in),
//!     _ => {}
//! }
//! # Ok(()) }
//! ```

mod backend;
mod crypto;
mod digest;
mod error;
mod header;
mod holder;
mod keeper;
mod layout;
mod lease;
mod members;
mod pending;
mod profiles;
mod prune;
mod records;
mod store;
mod text;
mod trust;
mod url;
mod wire;

pub use backend::{DEFAULT_CLOCK_TOLERANCE, StoreOptions};
pub use crypto::{MAX_PASSPHRASE_WORK_FACTOR, MemberKey, PASSPHRASE_WORK_FACTOR, Recipient};
pub use digest::MembersDigest;
pub use error::{ErrorKind, Result, TeamError};
pub use keeper::{KeptLease, LeaseReleaser};
pub use lease::{Acquisition, HeldLease, Lease, LeaseAttempt, LeaseHolder, LeaseStatus, Release};
pub use members::{MembershipChange, SkippedObject};
pub use profiles::{MAX_PROFILE_SIZE, ProfileUpload, SharedProfile};
pub use prune::{AppleFacts, PruneItem, PrunePlan, PruneReason, Pruned, team_id, usable_at_apple};
pub use records::{IdentityRecord, Member, PendingKey, ProfileRecord, StoreInfo};
pub use store::{
    IdentityListing, InitOptions, MAX_OBJECT_SIZE, PushOutcome, Pushed, SharedIdentity, TeamStore, Trust,
    UnreadableRecord,
};
pub use text::printable;
pub use trust::{Anchor, SeenHeader, SeenMember, own_pending_keys};
pub use url::{Backend, StoreUrl};
pub use wire::FORMAT_VERSION;

/// age's secret string type, which passphrases are given in.
pub use age::secrecy::SecretString;

#[cfg(test)]
mod tests;
