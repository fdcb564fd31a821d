//! Settings of a sandbox: the team, page size, rate limit, per-type certificate limits and faults.

use std::time::Duration;

use ascert_models::CertificateType;
use time::OffsetDateTime;

/// The team every certificate of a sandbox belongs to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Team {
    /// The ten-character team id, the subject `OU` of issued certificates.
    pub id: String,
    /// The team name, the subject `O` of issued certificates.
    pub name: String,
}

impl Default for Team {
    fn default() -> Self {
        Self {
            id: "SBXTEAM001".into(),
            name: "ascert Sandbox Team".into(),
        }
    }
}

/// How many unexpired certificates of a kind (and devices of a family) may exist, like Apple's
/// limits. Deactivated ones count
/// (only revoking or expiry frees a slot), and so do seeded ones, as every certificate of a team does
/// at Apple.
///
/// Creating one more answers `409 ENTITY_ERROR` "You already have a current … certificate or a
/// pending certificate request."
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Development certificates of one type per key owner (Apple: 2).
    pub development_per_owner: usize,
    /// Distribution certificates of one type per team (Apple: 3).
    pub distribution_per_team: usize,
    /// Developer ID Application certificates per team, both generations together (Apple: 5).
    pub developer_id_application: usize,
    /// Registered devices per device family (iPhone, Mac, …) per membership year, disabled ones
    /// included (Apple: 100). Registering one more answers `403 FORBIDDEN_ERROR` "Your development
    /// team has reached the maximum number of registered iPhone devices."
    pub devices_per_family: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Self {
            development_per_owner: 2,
            distribution_per_team: 3,
            developer_id_application: 5,
            devices_per_family: 100,
        }
    }
}

/// Faults to inject, reproducible from `seed`.
///
/// Each request to `/v1/*` first waits `latency`; then, with probability `rate`, one fault picked at
/// random from: `429 RATE_LIMIT_EXCEEDED` with `Retry-After`, `500 UNEXPECTED_ERROR`,
/// `503 SERVICE_UNAVAILABLE` with `Retry-After`, a connection reset, or an added delay before an
/// otherwise normal answer. The same seed and the same sequence of requests give the same faults.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct FaultConfig {
    /// The probability, 0 to 1, that a request meets a fault.
    pub rate: f64,
    /// The seed of the fault sequence.
    pub seed: u64,
    /// A delay added to every request.
    pub latency: Duration,
    /// The longest random delay of the added-latency fault.
    pub max_fault_latency: Duration,
    /// The `Retry-After` seconds of injected 429 and 503 answers.
    pub retry_after_secs: u64,
    /// How many of the next successful creates lose their response: the certificate is stored, and
    /// the client sees the connection close without an answer.
    pub drop_create_responses: u32,
    /// How long a successful create waits, with its certificate already stored, before answering.
    pub create_response_delay: Duration,
}

impl Default for FaultConfig {
    fn default() -> Self {
        Self {
            rate: 0.0,
            seed: 0,
            latency: Duration::ZERO,
            max_fault_latency: Duration::from_millis(300),
            retry_after_secs: 1,
            drop_create_responses: 0,
            create_response_delay: Duration::ZERO,
        }
    }
}

/// Run-time settings that tests may change while the sandbox runs.
#[derive(Debug, Clone)]
pub(crate) struct Settings {
    /// The page size when a list asks for none.
    pub(crate) page_size: u32,
    /// Per-type certificate limits.
    pub(crate) limits: Limits,
    /// A `filter[certificateType]` value answered with 400, as Apple has done for
    /// `DEVELOPER_ID_APPLICATION_G2`.
    pub(crate) rejected_type_filter: Option<CertificateType>,
}

/// A certificate to start with whose expiry a test chooses, for checking a client's expiry logic
/// (renewing what expires within a month, say). Like the mixed seeds it stands for a certificate
/// made elsewhere: its content is issued the first time it is shown, its validity ends at
/// `expiration_date` and begins one validity of its type earlier, and it counts toward the limits.
///
/// ```
/// use ascert_models::CertificateType;
/// use ascert_sandbox::SeededCertificate;
/// use time::{Duration, OffsetDateTime};
///
/// let expiring = SeededCertificate::new(
///     CertificateType::Distribution,
///     OffsetDateTime::now_utc() + Duration::days(10),
/// )
/// .with_display_name("CI Runner");
/// assert!(expiring.activated);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SeededCertificate {
    /// Its type.
    pub certificate_type: CertificateType,
    /// When it expires (in the past for an expired one).
    pub expiration_date: OffsetDateTime,
    /// Its `displayName` (default "Jane Appleseed").
    pub display_name: String,
    /// Whether it is activated (default `true`).
    pub activated: bool,
}

impl SeededCertificate {
    /// An activated certificate of `certificate_type` expiring at `expiration_date`.
    pub fn new(certificate_type: CertificateType, expiration_date: OffsetDateTime) -> Self {
        Self {
            certificate_type,
            expiration_date,
            display_name: "Jane Appleseed".to_owned(),
            activated: true,
        }
    }

    /// With `display_name` as its `displayName`.
    #[must_use]
    pub fn with_display_name(mut self, display_name: impl Into<String>) -> Self {
        self.display_name = display_name.into();
        self
    }

    /// Activated or not.
    #[must_use]
    pub fn with_activated(mut self, activated: bool) -> Self {
        self.activated = activated;
        self
    }
}
