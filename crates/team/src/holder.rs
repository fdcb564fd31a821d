//! Who holds a lease: [`LeaseHolder`], and this machine's name, which leases and stored records
//! carry; and what a lease object says (`LeaseObject`), as data. A leaf of the lease protocol that
//! the errors and the wire types can name without depending on it.

use std::fmt;

use ascert_models::CertificateType;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::text::printable;

/// Who holds (or held) a lease.
///
/// Its `Serialize` and `Deserialize` are for callers (a test's holder, a report); the bytes of a
/// lease object come from the crate's wire types, not from these.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LeaseHolder {
    /// The actor ([`StoreOptions::with_actor`](crate::StoreOptions::with_actor)).
    pub actor: String,
    /// The machine's name.
    pub host: String,
    /// The process id on that machine.
    pub pid: u32,
    /// A random id for this one acquisition.
    pub id: String,
}

impl fmt::Display for LeaseHolder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{} on {} (pid {}, lease {})",
            printable(&self.actor),
            printable(&self.host),
            self.pid,
            printable(self.id.get(..8).unwrap_or(&self.id))
        )
    }
}

/// Whether a lease is held or released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LeaseState {
    Held,
    Released,
}

/// The lease object, `leases/<TYPE>.json`, as data (its bytes: `wire/`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct LeaseObject {
    /// The format version it was read from or is written in.
    pub(crate) format: u32,
    pub(crate) certificate_type: CertificateType,
    pub(crate) state: LeaseState,
    pub(crate) holder: LeaseHolder,
    pub(crate) acquired: OffsetDateTime,
    pub(crate) written: OffsetDateTime,
    /// The holder's own idea of the end (its clock); for people, never for deciding.
    pub(crate) expires: OffsetDateTime,
    pub(crate) ttl_ms: u64,
    /// A random id of this write: tells a writer whose answer was lost that its write landed.
    pub(crate) write: String,
}

/// This machine's name, for leases and records.
pub(crate) fn host_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    if name.is_empty() {
        "unknown-host".to_owned()
    } else {
        name
    }
}
