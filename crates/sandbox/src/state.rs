//! The state every request handler shares: base URL, team, CA, registered keys, certificates,
//! settings, faults, quotas and the exchange log, plus saving the certificates to the state file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::ca::{CaCertificates, SandboxCa};
use crate::config::{Settings, Team};
use crate::faults::Faults;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use crate::{SandboxApiKey, SandboxError};

/// Locks a mutex, carrying on after a panic elsewhere: the data is plain and stays consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

/// Everything the handlers share.
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT` (or `https://…`), without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) team: Team,
    pub(crate) ca: SandboxCa,
    pub(crate) keys: RwLock<HashMap<String, SandboxApiKey>>,
    pub(crate) store: Mutex<Store>,
    pub(crate) settings: Mutex<Settings>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) rate: Mutex<RateLimiter>,
    pub(crate) state_file: Option<PathBuf>,
    /// The exchange log, when recording is on.
    pub(crate) exchanges: crate::record::ExchangeLog,
}

impl Shared {
    /// The absolute URL of the intermediate, for the AIA extension.
    pub(crate) fn ca_issuers_url(&self) -> String {
        format!("{}{}", self.base_url, crate::ca::INTERMEDIATE_PATH)
    }

    /// Writes the state file, if there is one, atomically.
    pub(crate) fn save(&self, store: &Store) -> Result<(), SandboxError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let mut saved = SavedState {
            version: STATE_VERSION,
            ca: SavedCa {
                root_der: STANDARD.encode(&self.ca.certificates().root_der),
                intermediate_der: STANDARD.encode(&self.ca.certificates().intermediate_der),
                intermediate_key_pem: self.ca.intermediate_key_pem().to_string(),
            },
            certificates: store.clone(),
        };
        let json = zeroize::Zeroizing::new(serde_json::to_vec_pretty(&saved).unwrap_or_default());
        // The copy of the CA key made for serializing is wiped like the rest.
        zeroize::Zeroize::zeroize(&mut saved.ca.intermediate_key_pem);
        crate::fs::write_private(path, &json)
    }
}

const STATE_VERSION: u32 = 1;

/// The state file: the CA (so saved certificates keep verifying) and the certificates.
#[derive(Serialize, Deserialize)]
struct SavedState {
    version: u32,
    ca: SavedCa,
    certificates: Store,
}

#[derive(Serialize, Deserialize)]
struct SavedCa {
    root_der: String,
    intermediate_der: String,
    intermediate_key_pem: String,
}

/// Reads a state file written by [`Shared::save`]; `None` when the file does not exist.
pub(crate) fn load(path: &Path) -> Result<Option<(SandboxCa, Store)>, SandboxError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => zeroize::Zeroizing::new(bytes),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(source) => {
            return Err(SandboxError::Io {
                action: "read the state file",
                path: path.to_path_buf(),
                source,
            });
        }
    };
    let invalid = |source: serde_json::Error| SandboxError::InvalidState {
        path: path.to_path_buf(),
        source: Box::new(source),
    };
    let saved: SavedState = serde_json::from_slice(&bytes).map_err(invalid)?;
    let decode = |text: &str| {
        STANDARD
            .decode(text)
            .map_err(|e| invalid(serde::de::Error::custom(format!("bad base64 in the CA: {e}"))))
    };
    let root_der = decode(&saved.ca.root_der)?;
    let intermediate_der = decode(&saved.ca.intermediate_der)?;
    let certificates = CaCertificates {
        root_pem: pem_of(&root_der),
        root_der,
        intermediate_pem: pem_of(&intermediate_der),
        intermediate_der,
    };
    let key_pem = zeroize::Zeroizing::new(saved.ca.intermediate_key_pem);
    let ca = SandboxCa::restore(certificates, &key_pem)?;
    Ok(Some((ca, saved.certificates)))
}

/// A PEM `CERTIFICATE` block.
pub(crate) fn pem_of(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}
