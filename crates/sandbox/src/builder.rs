//! [`SandboxBuilder`]: the settings of a new sandbox, and starting it on 127.0.0.1.

use std::collections::HashMap;
use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::path::PathBuf;
use std::sync::{Arc, Mutex, RwLock};

use ascert_models::{BundleIdPlatform, CertificateType, MAX_LIMIT};
use time::OffsetDateTime;
use tokio::net::TcpListener;
use tokio::sync::watch;

use crate::ca::SandboxCa;
use crate::config::{SeededCertificate, Settings};
use crate::faults::Faults;
use crate::rate_limit::{DEFAULT_RATE_LIMIT, RateLimiter};
use crate::record::ExchangeLog;
use crate::state::{Loaded, Shared};
use crate::store::Resources;
use crate::sync::lock;
use crate::{FaultConfig, KeyKind, KeyRole, Limits, Sandbox, SandboxApiKey, SandboxError, Team};

/// Apple's page size when a list asks for none.
pub const DEFAULT_PAGE_SIZE: u32 = 20;

/// Settings for a new sandbox; [`SandboxBuilder::start`] runs it.
#[derive(Debug, Clone)]
#[must_use]
pub struct SandboxBuilder {
    address: IpAddr,
    port: u16,
    team: Team,
    page_size: u32,
    rate_limit: u32,
    limits: Limits,
    faults: FaultConfig,
    rejected_type_filter: Option<CertificateType>,
    seed_certificates: usize,
    seeded: Vec<SeededCertificate>,
    /// Bundle IDs to start with: identifier and platform.
    seeded_bundle_ids: Vec<(String, BundleIdPlatform)>,
    /// Devices to start with: name, platform and UDID.
    seeded_devices: Vec<(String, BundleIdPlatform, String)>,
    state_file: Option<PathBuf>,
    tls: bool,
    record_exchanges: bool,
}

impl Default for SandboxBuilder {
    fn default() -> Self {
        Self {
            address: IpAddr::V4(Ipv4Addr::LOCALHOST),
            port: 0,
            team: Team::default(),
            page_size: DEFAULT_PAGE_SIZE,
            rate_limit: DEFAULT_RATE_LIMIT,
            limits: Limits::default(),
            faults: FaultConfig::default(),
            rejected_type_filter: None,
            seed_certificates: 0,
            seeded: Vec::new(),
            seeded_bundle_ids: Vec::new(),
            seeded_devices: Vec::new(),
            state_file: None,
            tls: false,
            record_exchanges: false,
        }
    }
}

impl SandboxBuilder {
    /// Listens on this port of 127.0.0.1 instead of one the system picks.
    pub fn port(mut self, port: u16) -> Self {
        self.port = port;
        self
    }

    /// The team the sandbox issues certificates for.
    pub fn team(mut self, team: Team) -> Self {
        self.team = team;
        self
    }

    /// The page size of lists that ask for none (Apple: 20; at most 200).
    pub fn page_size(mut self, page_size: u32) -> Self {
        self.page_size = page_size;
        self
    }

    /// Requests per key per rolling hour (Apple: 3500).
    pub fn rate_limit(mut self, rate_limit: u32) -> Self {
        self.rate_limit = rate_limit;
        self
    }

    /// Per-type certificate limits.
    pub fn limits(mut self, limits: Limits) -> Self {
        self.limits = limits;
        self
    }

    /// Faults to inject.
    pub fn faults(mut self, faults: FaultConfig) -> Self {
        self.faults = faults;
        self
    }

    /// Answers `filter[certificateType]=<certificate_type>` with `400 PARAMETER_ERROR.INVALID`, as
    /// Apple has done for `DEVELOPER_ID_APPLICATION_G2`.
    pub fn reject_type_filter(mut self, certificate_type: CertificateType) -> Self {
        self.rejected_type_filter = Some(certificate_type);
        self
    }

    /// Starts with `count` existing certificates of mixed types, some expired and some deactivated.
    /// Ignored when a state file with certificates is loaded.
    pub fn seed_certificates(mut self, count: usize) -> Self {
        self.seed_certificates = count;
        self
    }

    /// Also starts with `seeded`, a certificate whose expiry the test chooses (after the
    /// [`seed_certificates`](Self::seed_certificates), when both are given). Ignored, like them,
    /// when a state file is loaded.
    pub fn seed_certificate(mut self, seeded: SeededCertificate) -> Self {
        self.seeded.push(seeded);
        self
    }

    /// Also starts with the bundle ID `identifier` (such as `com.example.app`, or a wildcard
    /// `com.example.*`) registered for `platform`, named after its identifier, with the team id as
    /// its `seedId` and the capabilities a new App ID has. Ignored when a state file is loaded;
    /// [`start`](Self::start) refuses an identifier the API would refuse.
    pub fn bundle_id(mut self, identifier: impl Into<String>, platform: BundleIdPlatform) -> Self {
        self.seeded_bundle_ids.push((identifier.into(), platform));
        self
    }

    /// Also starts with the device `udid` of `platform` (`IOS` or `MAC_OS`) registered as `name`,
    /// enabled. Ignored when a state file is loaded; [`start`](Self::start) refuses what the API
    /// would refuse (a malformed or repeated UDID, one past the device limit).
    pub fn device(
        mut self,
        name: impl Into<String>,
        platform: BundleIdPlatform,
        udid: impl Into<String>,
    ) -> Self {
        self.seeded_devices.push((name.into(), platform, udid.into()));
        self
    }

    /// Keeps the certificates, the CA that issued them and the API key in `path` across restarts;
    /// the file is rewritten atomically (0600) after each change, and its folder is created (0700)
    /// when missing.
    pub fn state_file(mut self, path: impl Into<PathBuf>) -> Self {
        self.state_file = Some(path.into());
        self
    }

    /// Serves HTTPS with a generated CA; see [`Sandbox::tls_ca_pem`].
    pub fn tls(mut self, tls: bool) -> Self {
        self.tls = tls;
        self
    }

    /// Keeps every answered `/v1` request with its answer, for [`Sandbox::exchanges`]. Off by
    /// default: the log grows with every request.
    pub fn record_exchanges(mut self, record: bool) -> Self {
        self.record_exchanges = record;
        self
    }

    /// Starts the sandbox on 127.0.0.1. It accepts connections as soon as this returns, and stops
    /// when the [`Sandbox`] is dropped or [`Sandbox::shutdown`] is awaited. Must be called within a
    /// Tokio runtime.
    ///
    /// # Errors
    /// [`SandboxError::InvalidSetting`] for a page size outside 1 to 200 or a fault rate outside 0 to 1,
    /// [`SandboxError::Bind`] when the port cannot be opened, [`SandboxError::InvalidState`] or
    /// [`SandboxError::Io`] for an unreadable state file, and [`SandboxError::Crypto`] or
    /// [`SandboxError::Tls`] when key generation fails.
    pub async fn start(self) -> Result<Sandbox, SandboxError> {
        if !(1..=MAX_LIMIT).contains(&self.page_size) {
            return Err(SandboxError::InvalidSetting(format!(
                "page size {} is outside 1 to {MAX_LIMIT}",
                self.page_size
            )));
        }
        if !(0.0..=1.0).contains(&self.faults.rate) {
            return Err(SandboxError::InvalidSetting(format!(
                "fault rate {} is outside 0 to 1",
                self.faults.rate
            )));
        }
        // jsonwebtoken panics when both of its crypto back ends end up enabled in one build (as
        // features unify across a workspace) and none was installed; pick aws-lc-rs, the one this
        // crate asks for. An application that installed one first keeps its own.
        let _ = jsonwebtoken::crypto::CryptoProvider::install_default(
            &jsonwebtoken::crypto::aws_lc::DEFAULT_PROVIDER,
        );
        let loaded = match &self.state_file {
            Some(path) => {
                if let Some(folder) = path.parent().filter(|p| !p.as_os_str().is_empty()) {
                    crate::fs::create_missing_dir(folder)?;
                }
                crate::state::load(path)?
            }
            None => None,
        };
        let (ca, api_key, resources) = match loaded {
            Some(Loaded {
                ca,
                api_key,
                resources,
            }) => (ca, api_key, Some(resources)),
            None => (SandboxCa::generate()?, None, None),
        };
        let address = SocketAddr::new(self.address, self.port);
        let listener = TcpListener::bind(address)
            .await
            .map_err(|source| SandboxError::Bind {
                address: address.to_string(),
                source,
            })?;
        let local_addr = listener.local_addr().map_err(|source| SandboxError::Bind {
            address: address.to_string(),
            source,
        })?;
        let (tls, tls_ca_pem) = if self.tls {
            let (acceptor, pem) = crate::tls::acceptor()?;
            (Some(acceptor), Some(pem))
        } else {
            (None, None)
        };
        let scheme = if self.tls { "https" } else { "http" };
        // A key the state file kept (with its team's issuer id), else a new one.
        let api_key = match api_key {
            Some(key) => key,
            None => SandboxApiKey::generate(&crate::ids::uuid(), KeyRole::Admin, KeyKind::Team)?,
        };
        let resources = match resources {
            Some(loaded) => loaded,
            None => self.seeded_resources()?,
        };
        let shared = Arc::new(Shared {
            base_url: format!("{scheme}://{local_addr}"),
            team: self.team.clone(),
            ca,
            api_key: api_key.clone(),
            keys: RwLock::new(HashMap::from([(api_key.key_id.clone(), api_key.clone())])),
            resources: Mutex::new(resources),
            settings: Mutex::new(Settings {
                page_size: self.page_size,
                limits: self.limits,
                rejected_type_filter: self.rejected_type_filter,
            }),
            faults: Mutex::new(Faults::new(self.faults)),
            rate: Mutex::new(RateLimiter::new(self.rate_limit)),
            state_file: self.state_file,
        });
        shared.save(&lock(&shared.resources))?;
        let exchanges = self.record_exchanges.then(|| Arc::new(ExchangeLog::default()));
        let (shutdown, receiver) = watch::channel(false);
        let task = tokio::spawn(crate::server::serve(
            listener,
            crate::app::app(shared.clone(), exchanges.clone()),
            tls,
            receiver,
        ));
        Ok(Sandbox {
            shared,
            exchanges,
            local_addr,
            tls_ca_pem,
            shutdown,
            task: Some(task),
        })
    }
}

impl SandboxBuilder {
    /// The resources of a sandbox that loaded no state file: the seeded certificates, bundle IDs
    /// and devices.
    fn seeded_resources(&self) -> Result<Resources, SandboxError> {
        let now = OffsetDateTime::now_utc();
        let mut fresh = Resources::default();
        let mixed = crate::seed::certificates(self.seed_certificates, &self.team, &self.limits, now);
        let chosen = self.seeded.iter().map(|s| crate::seed::chosen(s, &self.team));
        for certificate in mixed.into_iter().chain(chosen) {
            fresh.add_certificate(certificate);
        }
        let refused =
            |failure: crate::apple_error::ApiFailure| SandboxError::InvalidSetting(failure.error.detail);
        for (identifier, platform) in &self.seeded_bundle_ids {
            crate::seed::bundle_id(&mut fresh, identifier, platform, &self.team).map_err(refused)?;
        }
        for (name, platform, udid) in &self.seeded_devices {
            crate::routes::devices::register(
                &mut fresh,
                name.clone(),
                platform.clone(),
                udid.clone(),
                self.limits.devices_per_family,
            )
            .map_err(refused)?;
        }
        Ok(fresh)
    }
}

impl Sandbox {
    /// A builder with Apple's defaults and no faults.
    pub fn builder() -> SandboxBuilder {
        SandboxBuilder::default()
    }
}
