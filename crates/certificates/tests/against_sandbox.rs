//! The Certificates API against the in-process sandbox: every page exactly once under faults,
//! creation that survives a lost response, the type-filter fallback, and clean logs.

use std::collections::BTreeSet;
use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ascert_auth::{ApiKey, TokenProvider};
use ascert_certificates::{CertificatesApi, Outcome};
use ascert_models::{CertificateType, Include};
use ascert_sandbox::{FaultConfig, Limits, Sandbox, SandboxBuilder};
use ascert_transport::{Client, RetryPolicy};
use x509_parser::prelude::FromDer as _;

fn retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(10)
        .with_delays(Duration::from_millis(1), Duration::from_millis(20))
}

fn provider(sandbox: &Sandbox) -> TokenProvider {
    let key = sandbox.api_key();
    let api_key = ApiKey::from_pem(&key.key_id, Some(&key.issuer_id), &key.private_key_pem).unwrap();
    TokenProvider::new(api_key)
}

fn api(sandbox: &Sandbox, tokens: TokenProvider) -> CertificatesApi {
    let client = Client::builder(tokens)
        .base_url(sandbox.base_url())
        .retry(retries())
        .build()
        .unwrap();
    CertificatesApi::new(client)
}

async fn start(builder: SandboxBuilder) -> (Sandbox, CertificatesApi) {
    let sandbox = builder.start().await.unwrap();
    let api = api(&sandbox, provider(&sandbox));
    (sandbox, api)
}

/// A fresh RSA-2048 CSR, PEM, and its DER public key.
fn csr() -> (String, Vec<u8>) {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ascert test");
    let pem = params.serialize_request(&key).unwrap().pem().unwrap();
    (pem, rcgen::PublicKeyData::subject_public_key_info(&key))
}

fn public_key_of(der: &[u8]) -> Vec<u8> {
    let (_, cert) = x509_parser::certificate::X509Certificate::from_der(der).unwrap();
    cert.tbs_certificate.subject_pki.raw.to_vec()
}

#[tokio::test]
async fn lists_1001_certificates_each_exactly_once() {
    let (sandbox, api) = start(Sandbox::builder().seed_certificates(1001)).await;
    let all = api.list().limit(200).unwrap().all().await.unwrap();
    let ids: BTreeSet<_> = all.iter().map(|c| c.id.clone()).collect();
    assert_eq!(all.len(), 1001);
    assert_eq!(ids.len(), 1001, "no certificate twice");
    assert_eq!(api.client().requests_sent(), 6, "six pages of at most 200");
    assert!(api.client().rate_limit().is_some());
    drop(sandbox);
}

#[tokio::test]
async fn lists_every_certificate_exactly_once_under_faults_for_20_seeds() {
    let faults = FaultConfig {
        retry_after_secs: 0,
        max_fault_latency: Duration::from_millis(5),
        ..FaultConfig::default()
    };
    let (sandbox, api) = start(Sandbox::builder().seed_certificates(1001).faults(faults)).await;
    let expected: BTreeSet<String> = {
        let all = api.list().limit(200).unwrap().all().await.unwrap();
        all.into_iter().map(|c| c.id).collect()
    };
    assert_eq!(expected.len(), 1001);
    let mut retried = 0;
    for seed in 0..20 {
        sandbox.set_fault_rate(0.2, seed);
        let before = api.client().requests_sent();
        let all = api
            .list()
            .limit(200)
            .unwrap()
            .all()
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        let ids: Vec<String> = all.into_iter().map(|c| c.id).collect();
        assert_eq!(ids.len(), 1001, "seed {seed}");
        assert_eq!(
            ids.iter().cloned().collect::<BTreeSet<_>>(),
            expected,
            "seed {seed}"
        );
        retried += api.client().requests_sent() - before - 6;
    }
    assert!(retried > 0, "the faults made the client retry");
}

#[tokio::test(flavor = "multi_thread")]
async fn reading_one_page_ahead_lists_the_same_certificates_in_the_same_order_under_faults() {
    let faults = FaultConfig {
        retry_after_secs: 0,
        max_fault_latency: Duration::from_millis(5),
        ..FaultConfig::default()
    };
    let (sandbox, api) = start(Sandbox::builder().seed_certificates(1001).faults(faults)).await;
    let ids = |all: Vec<ascert_models::Certificate>| all.into_iter().map(|c| c.id).collect::<Vec<_>>();
    let expected = ids(api.list().limit(200).unwrap().all().await.unwrap());
    for seed in 0..5 {
        sandbox.set_fault_rate(0.2, seed);
        let ahead = api
            .list()
            .limit(200)
            .unwrap()
            .prefetch(true)
            .all()
            .await
            .unwrap_or_else(|e| panic!("seed {seed}: {e}"));
        assert_eq!(ids(ahead), expected, "seed {seed}");
    }
    // The type-filter fallback reads ahead too.
    sandbox.set_fault_rate(0.0, 0);
    sandbox.reject_type_filter(Some(CertificateType::Development));
    let fallback = api
        .list()
        .certificate_type(CertificateType::Development)
        .prefetch(true)
        .all()
        .await
        .unwrap();
    assert!(!fallback.is_empty());
    assert!(
        fallback
            .iter()
            .all(|c| c.attributes.certificate_type == Some(CertificateType::Development))
    );
}

#[tokio::test]
async fn create_reconciled_adopts_the_certificate_whose_response_was_lost() {
    let (sandbox, api) = start(Sandbox::builder()).await;
    let (csr, public_key) = csr();
    sandbox.drop_next_create_responses(1);
    let before = sandbox.certificate_count();
    let reconciled = api
        .create_reconciled(csr, CertificateType::Distribution)
        .await
        .unwrap();
    assert_eq!(reconciled.outcome, Outcome::Adopted);
    assert_eq!(
        sandbox.certificate_count(),
        before + 1,
        "exactly one new certificate"
    );
    assert_eq!(
        public_key_of(&reconciled.certificate.content_der().unwrap()),
        public_key
    );
}

#[tokio::test]
async fn a_create_cut_by_its_deadline_is_not_posted_again_and_a_later_call_adopts_it() {
    let (sandbox, api) = start(Sandbox::builder()).await;
    let (csr, public_key) = csr();
    // The certificate is stored at once; its answer would come only after the deadline.
    sandbox.set_create_response_delay(Duration::from_secs(30));
    let bounded = CertificatesApi::new(
        api.client()
            .with_deadline(ascert_transport::Deadline::after(Duration::from_millis(800))),
    );
    let err = bounded
        .create_reconciled(csr.clone(), CertificateType::Distribution)
        .await
        .unwrap_err();
    assert!(err.is_deadline(), "{err}");
    assert!(err.is_ambiguous(), "the POST went out: {err}");
    // A second POST would have made a second certificate: the team has room for it.
    assert_eq!(sandbox.certificate_count(), 1, "posted once");
    sandbox.set_create_response_delay(Duration::ZERO);
    let later = api
        .create_reconciled(csr, CertificateType::Distribution)
        .await
        .unwrap();
    assert_eq!(later.outcome, Outcome::Adopted);
    assert_eq!(
        public_key_of(&later.certificate.content_der().unwrap()),
        public_key
    );
    assert_eq!(sandbox.certificate_count(), 1, "never a second certificate");
}

#[tokio::test]
async fn create_reconciled_creates_once_and_then_adopts() {
    let (sandbox, api) = start(Sandbox::builder()).await;
    let (csr, public_key) = csr();
    let first = api
        .create_reconciled(csr.clone(), CertificateType::Development)
        .await
        .unwrap();
    assert_eq!(first.outcome, Outcome::Created);
    assert_eq!(
        public_key_of(&first.certificate.content_der().unwrap()),
        public_key
    );
    let again = api
        .create_reconciled(csr, CertificateType::Development)
        .await
        .unwrap();
    assert_eq!(again.outcome, Outcome::Adopted);
    assert_eq!(again.certificate.id, first.certificate.id);
    assert_eq!(sandbox.certificate_count(), 1);
}

#[tokio::test]
async fn a_full_slot_is_a_conflict_with_apples_words() {
    let limits = Limits {
        distribution_per_team: 1,
        ..Limits::default()
    };
    let (_sandbox, api) = start(Sandbox::builder().limits(limits)).await;
    api.create(csr().0, CertificateType::Distribution)
        .send()
        .await
        .unwrap();
    let err = api
        .create(csr().0, CertificateType::Distribution)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(err.is_certificate_limit(), "{err}");
    let apple = &err.transport().unwrap().api_errors()[0];
    assert_eq!(apple.code, "ENTITY_ERROR");
    assert!(
        apple.detail.contains("You already have a current"),
        "{}",
        apple.detail
    );
}

#[tokio::test]
async fn a_missing_pass_type_id_is_a_conflict_but_no_full_slot() {
    let (sandbox, api) = start(Sandbox::builder()).await;
    let err = api
        .create(csr().0, CertificateType::PassTypeId)
        .send()
        .await
        .unwrap_err();
    assert!(err.is_conflict(), "{err}");
    assert!(!err.is_certificate_limit(), "{err}");
    let apple = &err.transport().unwrap().api_errors()[0];
    assert!(apple.code.starts_with("ENTITY_ERROR.RELATIONSHIP"), "{apple:?}");
    assert_eq!(sandbox.certificate_count(), 0);
}

#[tokio::test]
async fn a_refused_type_filter_falls_back_to_filtering_locally() {
    // The seeded team has Developer ID G2 certificates, which the API cannot create (Apple answers
    // 403: only the Account Holder may, on the website or in Xcode).
    let (sandbox, api) = start(Sandbox::builder().seed_certificates(300)).await;
    let direct = api
        .list()
        .certificate_type(CertificateType::DeveloperIdApplicationG2)
        .all()
        .await
        .unwrap();
    sandbox.reject_type_filter(Some(CertificateType::DeveloperIdApplicationG2));
    let page = api
        .list()
        .certificate_type(CertificateType::DeveloperIdApplicationG2)
        .page()
        .await;
    assert_eq!(
        page.unwrap_err().status(),
        Some(400),
        "the sandbox refuses the filter as Apple has"
    );
    let fallback = api
        .list()
        .certificate_type(CertificateType::DeveloperIdApplicationG2)
        .all()
        .await
        .unwrap();
    let ids = |v: &[ascert_models::Certificate]| v.iter().map(|c| c.id.clone()).collect::<BTreeSet<_>>();
    assert!(direct.len() >= 2);
    assert_eq!(ids(&fallback), ids(&direct));
    assert!(
        fallback
            .iter()
            .all(|c| c.attributes.certificate_type == Some(CertificateType::DeveloperIdApplicationG2))
    );
}

#[tokio::test]
async fn get_download_activate_and_revoke() {
    let (_sandbox, api) = start(Sandbox::builder()).await;
    let (csr, public_key) = csr();
    let created = api
        .create(csr, CertificateType::IosDevelopment)
        .send()
        .await
        .unwrap();
    let der = api.download(&created.id).await.unwrap();
    assert_eq!(public_key_of(&der), public_key);
    let fetched = api
        .get(&created.id)
        .include(Include::PassTypeId)
        .send()
        .await
        .unwrap();
    assert_eq!(fetched.attributes.serial_number, created.attributes.serial_number);

    let off = api.deactivate(&created.id).await.unwrap();
    assert_eq!(off.attributes.activated, Some(false));
    let on = api.activate(&created.id).await.unwrap();
    assert_eq!(on.attributes.activated, Some(true));

    api.revoke(&created.id).await.unwrap();
    assert_eq!(api.get(&created.id).send().await.unwrap_err().status(), Some(404));
    assert_eq!(api.revoke(&created.id).await.unwrap_err().status(), Some(404));
}

#[tokio::test]
async fn an_unknown_id_is_a_404_and_ids_cannot_escape_the_path() {
    let (_sandbox, api) = start(Sandbox::builder()).await;
    let err = api.get("../../v1/certificates").send().await.unwrap_err();
    assert_eq!(err.status(), Some(404), "{err}");
}

/// A `MakeWriter` that appends every log line to one buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn a_trace_log_of_list_create_and_revoke_holds_no_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let sandbox = Sandbox::builder().seed_certificates(30).start().await.unwrap();
    let tokens = provider(&sandbox);
    let api = api(&sandbox, tokens.clone());
    api.list().limit(10).unwrap().all().await.unwrap();
    let created = api
        .create(csr().0, CertificateType::Development)
        .send()
        .await
        .unwrap();
    api.revoke(&created.id).await.unwrap();

    let token = ascert_auth::TokenSource::token(&tokens).unwrap();
    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request"), "{log}");
    let signature = token.expose().rsplit('.').next().unwrap();
    assert!(!log.contains(token.expose()), "the token reached the log");
    assert!(!log.contains(signature), "the token's signature reached the log");
    assert!(!log.to_ascii_lowercase().contains("bearer"), "{log}");
    assert!(!log.to_ascii_lowercase().contains("authorization"), "{log}");
}

/// A program with one dependency on this crate gets a working client from the environment in one
/// line: the `ASC_*` key and `ASCERT_BASE_URL` (here a lookup standing for the environment, so the
/// test does not touch the process's).
#[tokio::test(flavor = "multi_thread")]
async fn a_client_from_the_environment_reaches_the_base_url_it_names() {
    let sandbox = Sandbox::builder().seed_certificates(3).start().await.unwrap();
    let key = sandbox.api_key();
    let base_url = sandbox.base_url().to_owned();
    let folders = ascert_certificates::auth::KeyFolders::new(".", None);
    let environment = |name: &str| match name {
        "ASC_KEY_ID" => Some(key.key_id.clone()),
        "ASC_ISSUER_ID" => Some(key.issuer_id.clone()),
        "ASC_PRIVATE_KEY" => Some(key.private_key_pem.to_string()),
        "ASCERT_BASE_URL" => Some(base_url.clone()),
        _ => None,
    };
    let client = ascert_certificates::transport::Client::from_env_with(&environment, &folders)
        .unwrap()
        .expect("the key is set");
    assert_eq!(
        client.base_url().as_str().trim_end_matches('/'),
        base_url.trim_end_matches('/')
    );
    let listed = CertificatesApi::new(client).list().all().await.unwrap();
    assert_eq!(listed.len(), sandbox.certificate_count());
    assert!(!listed.is_empty());

    // No key set: nothing, not an error; a key half set: an authentication error.
    let nothing = |_: &str| None;
    assert!(Client::from_env_with(&nothing, &folders).unwrap().is_none());
    let half = |name: &str| (name == "ASC_KEY_ID").then(|| key.key_id.clone());
    let err = Client::from_env_with(&half, &folders).unwrap_err();
    assert!(matches!(err, ascert_transport::Error::Auth(_)), "{err}");
}
