//! The state every request handler shares: base URL, team, CA, registered keys, certificates,
//! settings, faults, quotas and the exchange log, plus saving the certificates to the state file.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, MutexGuard, PoisonError, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};

use crate::ca::{Intermediate, SandboxCa};
use crate::config::{Settings, Team};
use crate::faults::Faults;
use crate::rate_limit::RateLimiter;
use crate::store::Store;
use crate::{BoxedSource, SandboxApiKey, SandboxError};

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
    /// Writes the state file, if there is one, atomically.
    pub(crate) fn save(&self, store: &Store) -> Result<(), SandboxError> {
        let Some(path) = &self.state_file else {
            return Ok(());
        };
        let mut saved = SavedState {
            version: STATE_VERSION,
            ca: SavedCa {
                root_der: STANDARD.encode(self.ca.root_der()),
                root_key_pem: self.ca.root_key_pem().to_string(),
                intermediates: self
                    .ca
                    .made_intermediates()
                    .iter()
                    .map(|issuing| SavedIntermediate {
                        file: issuing.certificate().intermediate.file_name().to_owned(),
                        der: STANDARD.encode(&issuing.certificate().der),
                        key_pem: issuing.key_pem().to_string(),
                    })
                    .collect(),
            },
            certificates: store.clone(),
        };
        let json = zeroize::Zeroizing::new(serde_json::to_vec_pretty(&saved).unwrap_or_default());
        // The copies of the CA keys made for serializing are wiped like the rest.
        zeroize::Zeroize::zeroize(&mut saved.ca.root_key_pem);
        for intermediate in &mut saved.ca.intermediates {
            zeroize::Zeroize::zeroize(&mut intermediate.key_pem);
        }
        crate::fs::write_private(path, &json)
    }
}

/// The version of the state file's layout. Version 1 (one intermediate, no root key) is not read:
/// without the root's key no other intermediate can be made under its root.
const STATE_VERSION: u32 = 2;

/// The state file: the CA (so saved certificates keep verifying, and intermediates made later chain
/// to the same root) and the certificates.
#[derive(Serialize, Deserialize)]
struct SavedState {
    version: u32,
    ca: SavedCa,
    certificates: Store,
}

/// Just the version, read first so an older layout is named as such rather than as a parse error.
#[derive(Deserialize)]
struct SavedVersion {
    version: u32,
}

#[derive(Serialize, Deserialize)]
struct SavedCa {
    root_der: String,
    root_key_pem: String,
    /// The intermediates made so far, each under Apple's file name (`AppleWWDRCAG3.cer`).
    intermediates: Vec<SavedIntermediate>,
}

#[derive(Serialize, Deserialize)]
struct SavedIntermediate {
    file: String,
    der: String,
    key_pem: String,
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
    let invalid = |source: BoxedSource| SandboxError::InvalidState {
        path: path.to_path_buf(),
        source,
    };
    let version: SavedVersion = serde_json::from_slice(&bytes).map_err(|e| invalid(Box::new(e)))?;
    if version.version != STATE_VERSION {
        return Err(invalid(
            format!(
                "it was written by another version of the sandbox (state version {}, this one reads {}); \
                 remove it to start afresh",
                version.version, STATE_VERSION
            )
            .into(),
        ));
    }
    let saved: SavedState = serde_json::from_slice(&bytes).map_err(|e| invalid(Box::new(e)))?;
    let decode = |text: &str| {
        STANDARD
            .decode(text)
            .map_err(|e| invalid(format!("bad base64 in the CA: {e}").into()))
    };
    let root_der = decode(&saved.ca.root_der)?;
    let root_key_pem = zeroize::Zeroizing::new(saved.ca.root_key_pem);
    let mut intermediates = Vec::new();
    for saved in saved.ca.intermediates {
        let key_pem = zeroize::Zeroizing::new(saved.key_pem);
        let which = Intermediate::from_file_name(&saved.file)
            .ok_or_else(|| invalid(format!("unknown intermediate {:?}", saved.file).into()))?;
        intermediates.push((which, decode(&saved.der)?, key_pem));
    }
    let ca = SandboxCa::restore(root_der, &root_key_pem, intermediates)?;
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
