//! [`Sandbox`]: a running sandbox, its key and CA, and the switches a test flips while it runs.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use ascert_models::CertificateType;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use crate::ca::{CaCertificates, Intermediate, IntermediateCertificate};
use crate::config::SeededCertificate;
use crate::record::ExchangeLog;
use crate::state::Shared;
use crate::sync::lock;
use crate::{Exchange, KeyKind, KeyRole, Limits, SandboxApiKey, SandboxError, Team};

/// A running sandbox. Dropping it stops the server.
///
/// The server runs on the Tokio runtime that called
/// [`SandboxBuilder::start`](crate::SandboxBuilder::start). Synchronous code
/// (a test that runs the `ascert` binary, say) can keep a multi-threaded runtime alive next to the
/// sandbox: `let runtime = tokio::runtime::Runtime::new()?; let sandbox =
/// runtime.block_on(Sandbox::builder().start())?;` serves from the runtime's worker threads until
/// either is dropped.
///
/// ```no_run
/// # async fn example() -> Result<(), ascert_sandbox::SandboxError> {
/// let sandbox = ascert_sandbox::Sandbox::builder().seed_certificates(30).start().await?;
/// let key = sandbox.api_key();
/// println!("{} with key {} of issuer {}", sandbox.base_url(), key.key_id, key.issuer_id);
/// sandbox.shutdown().await;
/// # Ok(())
/// # }
/// ```
pub struct Sandbox {
    pub(crate) shared: Arc<Shared>,
    /// The exchange log, when recording is on.
    pub(crate) exchanges: Option<Arc<ExchangeLog>>,
    pub(crate) local_addr: SocketAddr,
    pub(crate) tls_ca_pem: Option<String>,
    pub(crate) shutdown: watch::Sender<bool>,
    pub(crate) task: Option<JoinHandle<()>>,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("base_url", &self.shared.base_url)
            .field("api_key", &self.shared.api_key)
            .finish_non_exhaustive()
    }
}

impl Sandbox {
    /// The base URL to use instead of `https://api.appstoreconnect.apple.com`, without a trailing slash.
    pub fn base_url(&self) -> &str {
        &self.shared.base_url
    }

    /// The address the sandbox listens on.
    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// The admin API key registered at start: a new one, or the one the state file kept.
    pub fn api_key(&self) -> &SandboxApiKey {
        &self.shared.api_key
    }

    /// The team's issuer id.
    pub fn issuer_id(&self) -> &str {
        &self.shared.api_key.issuer_id
    }

    /// The team certificates are issued for.
    pub fn team(&self) -> &Team {
        &self.shared.team
    }

    /// The root and every intermediate that signs issued certificates. An intermediate the sandbox
    /// has not needed yet is made now (an RSA 2048 key each, a fraction of a second); for the one
    /// intermediate of a type, [`Sandbox::intermediate_for`] makes only that one.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when making an intermediate fails.
    pub fn ca_certificates(&self) -> Result<CaCertificates, SandboxError> {
        self.shared.ca.certificates()
    }

    /// The intermediate that issues certificates of `certificate_type` (see
    /// [`Intermediate::for_type`]), made now if the sandbox has not needed it yet.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when making the intermediate fails.
    pub fn intermediate_for(
        &self,
        certificate_type: &CertificateType,
    ) -> Result<IntermediateCertificate, SandboxError> {
        let issuing = self
            .shared
            .ca
            .intermediate(Intermediate::for_type(certificate_type))?;
        Ok(issuing.certificate().clone())
    }

    /// With TLS on, the PEM of the CA that signed the server's certificate.
    pub fn tls_ca_pem(&self) -> Option<&str> {
        self.tls_ca_pem.as_deref()
    }

    /// Registers another key for the same team.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when key generation fails.
    pub fn add_key(&self, role: KeyRole, kind: KeyKind) -> Result<SandboxApiKey, SandboxError> {
        let key = SandboxApiKey::generate(self.issuer_id(), role, kind)?;
        self.shared
            .keys
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .insert(key.key_id.clone(), key.clone());
        Ok(key)
    }

    /// What the developer website does for the Account Holder: issues a certificate of any type for
    /// `csr_pem`, Developer ID types included (which the API refuses to create), under the type's
    /// intermediate and within the team's limits. It is then listed by the API like any other,
    /// under the team's name rather than "Created via API". Returns its id.
    ///
    /// # Errors
    /// [`SandboxError::Refused`] for a CSR the website would refuse (a key of the wrong kind for the
    /// type) or a full slot.
    pub fn issue_on_developer_website(
        &self,
        csr_pem: &str,
        certificate_type: CertificateType,
    ) -> Result<String, SandboxError> {
        let csr = crate::csr::check(csr_pem, &certificate_type).map_err(|p| SandboxError::Refused(p.0))?;
        let issued = crate::issue::Issue {
            certificate_type,
            spki_der: &csr.spki_der,
            pass_type_id: None,
            owner: "developer website".to_owned(),
            display_name: self.shared.team.name.clone(),
        };
        let (resources, index) = crate::issue::issue(&self.shared, issued)
            .map_err(|failure| SandboxError::Refused(failure.error.to_string()))?;
        Ok(resources.certificates[index].id.clone())
    }

    /// Adds `seeded`, a certificate whose expiry the test chooses, as
    /// [`SandboxBuilder::seed_certificate`](crate::SandboxBuilder::seed_certificate) does at start
    /// (whatever the limits: it stands for a certificate made elsewhere), and saves the state file.
    /// Returns its id.
    ///
    /// # Errors
    /// [`SandboxError::Io`] when the state file cannot be written.
    pub fn seed_certificate(&self, seeded: &SeededCertificate) -> Result<String, SandboxError> {
        let certificate = crate::seed::chosen(seeded, &self.shared.team);
        let id = certificate.id.clone();
        let mut resources = lock(&self.shared.resources);
        resources.add_certificate(certificate);
        self.shared.save(&resources)?;
        Ok(id)
    }

    /// How many certificates the sandbox holds.
    pub fn certificate_count(&self) -> usize {
        lock(&self.shared.resources).certificates.len()
    }

    /// Sets the fault rate (0 to 1, clamped) and restarts the fault sequence from `seed`.
    pub fn set_fault_rate(&self, rate: f64, seed: u64) {
        lock(&self.shared.faults).set_rate(rate, seed);
    }

    /// Drops the response of the next `count` successful creates: each certificate is stored and the
    /// client sees the connection close.
    pub fn drop_next_create_responses(&self, count: u32) {
        lock(&self.shared.faults).config.drop_create_responses = count;
    }

    /// Makes each successful create wait `delay` before it answers, its certificate already stored:
    /// a window in which a test can kill a client whose request took effect.
    pub fn set_create_response_delay(&self, delay: Duration) {
        lock(&self.shared.faults).config.create_response_delay = delay;
    }

    /// Adds `latency` to every request.
    pub fn set_latency(&self, latency: Duration) {
        lock(&self.shared.faults).config.latency = latency;
    }

    /// Answers `filter[certificateType]=<value>` with 400 (`None` to stop).
    pub fn reject_type_filter(&self, certificate_type: Option<CertificateType>) {
        lock(&self.shared.settings).rejected_type_filter = certificate_type;
    }

    /// Sets the hourly quota per key.
    pub fn set_rate_limit(&self, limit: u32) {
        lock(&self.shared.rate).set_limit(limit);
    }

    /// The `/v1` exchanges recorded so far, oldest first; empty unless the sandbox was built with
    /// [`SandboxBuilder::record_exchanges`](crate::SandboxBuilder::record_exchanges).
    pub fn exchanges(&self) -> Vec<Exchange> {
        self.exchanges
            .as_ref()
            .map(|log| log.exchanges())
            .unwrap_or_default()
    }

    /// Sets the per-type certificate limits.
    pub fn set_limits(&self, limits: Limits) {
        lock(&self.shared.settings).limits = limits;
    }

    /// Stops accepting connections, closes open ones and waits for the server task to end.
    pub async fn shutdown(mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            // A panicked or cancelled server task has stopped all the same.
            let _ = task.await;
        }
    }
}

impl Sandbox {
    /// A provisioning profile's `profileContent` as DER (base64 it for the API): `content`'s plist
    /// signed like Apple's, under the sandbox's "Apple iPhone OS Provisioning Profile Signing"
    /// certificate, which chains to the sandbox root through its "Apple iPhone Certification
    /// Authority". The first profile makes that chain (two RSA 2048 keys).
    ///
    /// # Errors
    /// [`SandboxError::InvalidSetting`] for a profile type Apple does not have;
    /// [`SandboxError::Crypto`] when making the chain or signing fails.
    pub fn sign_profile(
        &self,
        content: &crate::profile_content::ProfileContent,
    ) -> Result<Vec<u8>, SandboxError> {
        crate::profile_content::sign_profile(&self.shared.ca, content)
    }

    /// The provisioning-profile signing chain below the root, made now if the sandbox has not
    /// signed a profile yet.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when making the chain fails.
    pub fn profile_signing_certificates(
        &self,
    ) -> Result<crate::ca::ProfileSigningCertificates, SandboxError> {
        Ok(self.shared.ca.profile_signing()?.certificates().clone())
    }
}

impl Drop for Sandbox {
    fn drop(&mut self) {
        let _ = self.shutdown.send(true);
        if let Some(task) = self.task.take() {
            task.abort();
        }
    }
}
