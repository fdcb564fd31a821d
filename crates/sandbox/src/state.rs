//! The state every request handler shares — base URL, team, CA, registered keys, every resource
//! under one lock, settings, faults and quotas — and the state file that keeps the CA, the API key
//! and the resources across restarts.

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, RwLock};

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::ca::{Intermediate, SandboxCa};
use crate::config::{Settings, Team};
use crate::faults::Faults;
use crate::rate_limit::RateLimiter;
use crate::resource::Context;
use crate::store::Resources;
use crate::{BoxedSource, KeyKind, KeyRole, SandboxApiKey, SandboxError};

/// Everything the handlers share.
pub(crate) struct Shared {
    /// `http://127.0.0.1:PORT` (or `https://…`), without a trailing slash.
    pub(crate) base_url: String,
    pub(crate) team: Team,
    pub(crate) ca: SandboxCa,
    /// The admin key registered at start, which the state file keeps.
    pub(crate) api_key: SandboxApiKey,
    pub(crate) keys: RwLock<HashMap<String, SandboxApiKey>>,
    /// Every resource, under the one lock.
    pub(crate) resources: Mutex<Resources>,
    pub(crate) settings: Mutex<Settings>,
    pub(crate) faults: Mutex<Faults>,
    pub(crate) rate: Mutex<RateLimiter>,
    pub(crate) state_file: Option<PathBuf>,
}

impl Shared {
    /// What rendering a resource needs.
    pub(crate) fn context(&self) -> Context<'_> {
        Context {
            base_url: &self.base_url,
            team: &self.team,
            ca: &self.ca,
        }
    }

    /// Writes the state file, if there is one, atomically.
    pub(crate) fn save(&self, resources: &Resources) -> Result<(), SandboxError> {
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
            api_key: Some(SavedKey {
                key_id: self.api_key.key_id.clone(),
                issuer_id: self.api_key.issuer_id.clone(),
                private_key_der: STANDARD.encode(&*self.api_key.pkcs8_der()?),
            }),
            resources: resources.clone(),
        };
        let json = Zeroizing::new(serde_json::to_vec_pretty(&saved).unwrap_or_default());
        // The copies of the keys made for serializing are wiped like the rest.
        zeroize::Zeroize::zeroize(&mut saved.ca.root_key_pem);
        for intermediate in &mut saved.ca.intermediates {
            zeroize::Zeroize::zeroize(&mut intermediate.key_pem);
        }
        if let Some(key) = &mut saved.api_key {
            zeroize::Zeroize::zeroize(&mut key.private_key_der);
        }
        crate::fs::write_private(path, &json)
    }
}

/// The version of the state file's layout this sandbox writes: 3 keeps the API key and every
/// resource. Version 2 (the CA and the certificates) is read too; version 1 (one intermediate, no
/// root key) is not: without the root's key no other intermediate can be made under its root.
const STATE_VERSION: u32 = 3;

/// The layouts this sandbox reads.
const READABLE_VERSIONS: [u32; 2] = [2, 3];

/// The state file: the CA (so saved certificates keep verifying, and intermediates made later chain
/// to the same root), the API key (so clients keep their key across restarts) and the resources.
#[derive(Serialize, Deserialize)]
struct SavedState {
    version: u32,
    ca: SavedCa,
    /// Absent from version 2: the sandbox made a new key at every start.
    #[serde(default)]
    api_key: Option<SavedKey>,
    /// Named `certificates` in version 2, when it held only those.
    #[serde(alias = "certificates")]
    resources: Resources,
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

/// The admin API key: its id, the team's issuer id and the private key (the `.p8`'s PKCS#8 DER in
/// base64, like the certificates beside it).
#[derive(Serialize, Deserialize)]
struct SavedKey {
    key_id: String,
    issuer_id: String,
    private_key_der: String,
}

/// What a state file holds.
pub(crate) struct Loaded {
    pub(crate) ca: SandboxCa,
    /// `None` for a file of version 2, which kept no key.
    pub(crate) api_key: Option<SandboxApiKey>,
    pub(crate) resources: Resources,
}

/// Reads a state file written by [`Shared::save`]; `None` when the file does not exist.
pub(crate) fn load(path: &Path) -> Result<Option<Loaded>, SandboxError> {
    let bytes = match std::fs::read(path) {
        Ok(bytes) => Zeroizing::new(bytes),
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
    if !READABLE_VERSIONS.contains(&version.version) {
        return Err(invalid(
            format!(
                "it was written by another version of the sandbox (state version {}, this one reads {}); \
                 remove it to start afresh",
                version.version,
                READABLE_VERSIONS.map(|v| v.to_string()).join(" and ")
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
    let root_key_pem = Zeroizing::new(saved.ca.root_key_pem);
    let mut intermediates = Vec::new();
    for saved in saved.ca.intermediates {
        let key_pem = Zeroizing::new(saved.key_pem);
        let which = Intermediate::from_file_name(&saved.file)
            .ok_or_else(|| invalid(format!("unknown intermediate {:?}", saved.file).into()))?;
        intermediates.push((which, decode(&saved.der)?, key_pem));
    }
    let ca = SandboxCa::restore(root_der, &root_key_pem, intermediates)?;
    let api_key = match saved.api_key {
        Some(key) => {
            let encoded = Zeroizing::new(key.private_key_der);
            let der = Zeroizing::new(
                STANDARD
                    .decode(encoded.as_bytes())
                    .map_err(|e| invalid(format!("bad base64 in the API key: {e}").into()))?,
            );
            Some(
                SandboxApiKey::restore(key.key_id, key.issuer_id, &der, KeyRole::Admin, KeyKind::Team)
                    .map_err(|e| invalid(format!("the API key does not load: {e}").into()))?,
            )
        }
        None => None,
    };
    let mut resources = saved.resources;
    resources.register_pass_type_ids();
    Ok(Some(Loaded {
        ca,
        api_key,
        resources,
    }))
}
