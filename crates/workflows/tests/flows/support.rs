//! What the flow tests share: a fake App Store Connect that issues real certificates for the CSRs it
//! is sent and answers as scripted (Apple's 409s, a server error after issuing), a recorder of
//! events, keystores and `memory://` team stores with members.

use std::collections::VecDeque;
use std::sync::Mutex;

use ascert_certificates::{Error as AppleError, Outcome};
use ascert_keystore::{CertificateInfo, KeyId, Keystore};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{InitOptions, Member, MemberKey, StoreOptions, StoreUrl, TeamStore};
use ascert_workflows::{Apple, CertificateRequest, Event, Events};
use base64::Engine as _;
use time::{Duration, OffsetDateTime};

/// How the fake answers the next create.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Answer {
    /// Issues the certificate.
    Issue,
    /// 409: every slot of the type is in use.
    SlotsFull,
    /// 409 for another reason (Apple's code says which).
    Refuse,
    /// Issues the certificate, then the answer is lost: a 500, the outcome unknown.
    IssueAndFail,
}

#[derive(Default)]
struct State {
    listed: Vec<Certificate>,
    answers: VecDeque<Answer>,
    /// The keys of the CSRs sent to the create endpoint, in order.
    asked_for: Vec<KeyId>,
    /// Whether, when a create came, its key was already pending in `watch` (the key on disk first).
    key_was_on_disk: Vec<bool>,
    next: u32,
}

/// A fake App Store Connect: a CA of its own, the certificates it lists, scripted answers.
pub(crate) struct FakeApple {
    issuer: rcgen::Issuer<'static, rcgen::KeyPair>,
    state: Mutex<State>,
    /// A keystore whose pending keys are checked when a create arrives.
    watch: Option<std::path::PathBuf>,
    /// How long a new certificate is valid.
    validity: Mutex<Duration>,
}

impl FakeApple {
    pub(crate) fn new() -> Self {
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        params.distinguished_name.push(
            rcgen::DnType::CommonName,
            "Fake Apple Worldwide Developer Relations",
        );
        Self {
            issuer: rcgen::Issuer::new(params, key),
            state: Mutex::default(),
            watch: None,
            validity: Mutex::new(Duration::days(365)),
        }
    }

    /// Checks, at each create, that the CSR's key is already in this keystore.
    pub(crate) fn watching(mut self, keystore: &Keystore) -> Self {
        self.watch = Some(keystore.folder().to_path_buf());
        self
    }

    /// The answers to the next creates, in order (then: issue).
    pub(crate) fn answer(&self, answers: &[Answer]) {
        self.state.lock().unwrap().answers.extend(answers);
    }

    /// New certificates are valid this long.
    pub(crate) fn valid_for(&self, validity: Duration) {
        *self.validity.lock().unwrap() = validity;
    }

    /// The keys of the CSRs sent so far.
    pub(crate) fn asked_for(&self) -> Vec<KeyId> {
        self.state.lock().unwrap().asked_for.clone()
    }

    /// Whether each create found its key on disk already.
    pub(crate) fn key_was_on_disk(&self) -> Vec<bool> {
        self.state.lock().unwrap().key_was_on_disk.clone()
    }

    /// Every certificate it lists.
    pub(crate) fn listed(&self) -> Vec<Certificate> {
        self.state.lock().unwrap().listed.clone()
    }

    /// Revokes a certificate: it is no longer listed.
    pub(crate) fn revoke(&self, id: &str) {
        self.state.lock().unwrap().listed.retain(|c| c.id != id);
    }

    /// Issues a certificate for `csr_pem` and lists it.
    fn issue(&self, csr_pem: &str, certificate_type: &CertificateType) -> Certificate {
        let mut csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem).unwrap();
        let now = OffsetDateTime::now_utc();
        let validity = *self.validity.lock().unwrap();
        csr.params.not_before = now - Duration::days(1);
        csr.params.not_after = now + validity;
        let mut state = self.state.lock().unwrap();
        state.next += 1;
        csr.params.serial_number = Some(rcgen::SerialNumber::from_slice(&state.next.to_be_bytes()));
        let der = csr.signed_by(&self.issuer).unwrap().der().to_vec();
        let mut certificate = Certificate::new(format!("CERT{:04}", state.next));
        certificate.attributes.certificate_type = Some(certificate_type.clone());
        certificate.attributes.display_name = Some("Created via API".into());
        certificate.attributes.activated = Some(true);
        let info = CertificateInfo::from_der(&der).unwrap();
        certificate.attributes.expiration_date = Some(info.not_after());
        certificate.attributes.serial_number = Some(info.serial().to_owned());
        certificate.attributes.certificate_content =
            Some(base64::engine::general_purpose::STANDARD.encode(&der));
        state.listed.push(certificate.clone());
        certificate
    }
}

/// An error document of Apple's with one error.
pub(crate) fn apple_error(status: u16, code: &str, detail: &str) -> AppleError {
    let errors: ascert_models::ErrorResponse = serde_json::from_value(serde_json::json!({
        "errors": [{ "status": status.to_string(), "code": code, "title": "error", "detail": detail }]
    }))
    .unwrap();
    AppleError::Transport(ascert_certificates::transport::Error::Api {
        method: ascert_certificates::transport::Method::POST,
        url: "https://api.appstoreconnect.apple.com/v1/certificates".into(),
        status,
        errors,
        retry_after: None,
        rate_limit: None,
    })
}

impl Apple for FakeApple {
    async fn all_certificates(&self) -> Result<Vec<Certificate>, AppleError> {
        Ok(self.listed())
    }

    async fn certificate(&self, id: &str) -> Result<Certificate, AppleError> {
        self.listed().into_iter().find(|c| c.id == id).ok_or_else(|| {
            apple_error(
                404,
                "NOT_FOUND",
                "There is no resource of type 'certificates' with id",
            )
        })
    }

    async fn certificates_of_type(
        &self,
        certificate_type: &CertificateType,
    ) -> Result<Vec<Certificate>, AppleError> {
        Ok(self
            .listed()
            .into_iter()
            .filter(|c| c.attributes.certificate_type.as_ref() == Some(certificate_type))
            .collect())
    }

    async fn create_certificate(
        &self,
        request: CertificateRequest,
    ) -> Result<(Certificate, Outcome), AppleError> {
        let key = csr_key(&request.csr_pem);
        let on_disk = self.watch.as_ref().is_some_and(|folder| {
            Keystore::open(folder)
                .unwrap()
                .records()
                .unwrap()
                .iter()
                .any(|r| r.key_id == key && r.certificate_id.is_none())
        });
        let answer = {
            let mut state = self.state.lock().unwrap();
            state.asked_for.push(key);
            state.key_was_on_disk.push(on_disk);
            state.answers.pop_front().unwrap_or(Answer::Issue)
        };
        match answer {
            Answer::Issue => Ok((
                self.issue(&request.csr_pem, &request.certificate_type),
                Outcome::Created,
            )),
            Answer::SlotsFull => Err(apple_error(
                409,
                "ENTITY_ERROR",
                "There is a problem with the request entity: You already have a current Distribution certificate \
                 or a pending certificate request.",
            )),
            Answer::Refuse => Err(apple_error(
                409,
                "ENTITY_ERROR.ATTRIBUTE.INVALID",
                "An attribute value is invalid: the CSR is refused.",
            )),
            Answer::IssueAndFail => {
                self.issue(&request.csr_pem, &request.certificate_type);
                Err(apple_error(
                    500,
                    "UNEXPECTED_ERROR",
                    "An unexpected error occurred.",
                ))
            }
        }
    }
}

/// The key id of a CSR's public key.
fn csr_key(csr_pem: &str) -> KeyId {
    use rcgen::PublicKeyData as _;
    let csr = rcgen::CertificateSigningRequestParams::from_pem(csr_pem).unwrap();
    KeyId::of_spki(&csr.public_key.subject_public_key_info())
}

/// Records every event, said as text.
#[derive(Default)]
pub(crate) struct Recorder {
    pub(crate) events: Mutex<Vec<String>>,
    /// Lease releasers handed over, kept as a caller that handles signals would.
    pub(crate) releasers: Mutex<Vec<ascert_team::LeaseReleaser>>,
}

impl Recorder {
    pub(crate) fn said(&self) -> Vec<String> {
        self.events.lock().unwrap().clone()
    }

    /// Whether an event whose text starts with `prefix` was recorded.
    pub(crate) fn saw(&self, prefix: &str) -> bool {
        self.said().iter().any(|e| e.starts_with(prefix))
    }
}

impl Events for Recorder {
    fn event(&self, event: Event) {
        let text = match event {
            Event::LeaseTaken(releaser) => {
                self.releasers.lock().unwrap().push(releaser);
                "LeaseTaken".to_owned()
            }
            other => format!("{other:?}"),
        };
        self.events.lock().unwrap().push(text);
    }
}

/// A keystore in a fresh folder (kept while the returned guard lives).
pub(crate) fn keystore() -> (tempfile::TempDir, Keystore) {
    let dir = tempfile::tempdir().unwrap();
    let keystore = Keystore::open(dir.path().join("keys")).unwrap();
    (dir, keystore)
}

/// A member key of its own.
pub(crate) fn member_key() -> MemberKey {
    use age::secrecy::ExposeSecret as _;
    let identity = age::x25519::Identity::generate();
    MemberKey::parse(identity.to_string().expose_secret(), None).unwrap()
}

/// One machine of the team: its trust folder, so that a store opened here knows what it wrote.
pub(crate) struct Machine {
    pub(crate) folder: tempfile::TempDir,
    pub(crate) name: &'static str,
}

impl Machine {
    pub(crate) fn new(name: &'static str) -> Self {
        Self {
            folder: tempfile::tempdir().unwrap(),
            name,
        }
    }

    pub(crate) fn options(&self) -> StoreOptions {
        StoreOptions::new()
            .with_actor(self.name)
            .with_trust_folder(self.folder.path().join("team-trust"))
    }

    /// Opens the store at `url` as this machine.
    pub(crate) async fn open(&self, url: &StoreUrl) -> TeamStore {
        TeamStore::open(url, &self.options()).await.unwrap()
    }
}

/// A new `memory://` store whose one member holds `key`, made by `machine`.
pub(crate) async fn team_store(machine: &Machine, key: &MemberKey) -> StoreUrl {
    let url: StoreUrl = format!("memory://{}/team", unique()).parse().unwrap();
    TeamStore::init(
        &url,
        &machine.options(),
        InitOptions::new().member(Member::new("ci", key.recipients()[0].clone())),
    )
    .await
    .unwrap();
    url
}

fn unique() -> String {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!(
        "flows-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    )
}
