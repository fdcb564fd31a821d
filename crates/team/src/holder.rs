//! Who holds a lease: [`LeaseHolder`], and this machine's name, which leases and stored records
//! carry. A leaf of the lease protocol that the errors can name without depending on it.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::text::printable;

/// Who holds (or held) a lease.
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

/// This machine's name, for leases and records.
pub(crate) fn host_name() -> String {
    let name = gethostname::gethostname().to_string_lossy().into_owned();
    if name.is_empty() {
        "unknown-host".to_owned()
    } else {
        name
    }
}
