//! Signed provisioning profiles (`profileContent`): `openssl cms -verify` checks the signature and
//! the chain to the sandbox root (served at `/sandbox/ca/root.cer`) and gives back the plist, and
//! the embedded chain is Apple's: signer, "Apple iPhone Certification Authority", root.

use std::path::Path;
use std::process::{Command, Output};

use ascert_sandbox::{
    CA_ORGANIZATION, IPHONE_CA_COMMON_NAME, IPHONE_CA_ORGANIZATIONAL_UNIT, PROFILE_SIGNER_COMMON_NAME,
    ProfileContent, ROOT_PATH, Sandbox,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use cms::content_info::ContentInfo;
use cms::signed_data::SignedData;
use der::{Decode as _, Encode as _};
use x509_parser::prelude::*;

/// `openssl` with `args`, run in `dir`; a missing `openssl` fails the test, since it is on every
/// machine that runs these tests (CI included).
fn openssl(dir: &Path, args: &[&str]) -> Output {
    Command::new("openssl")
        .current_dir(dir)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("openssl must be installed to run this test: {e}"))
}

/// The sandbox root (DER), fetched where a client fetches it.
async fn root_der(sandbox: &Sandbox) -> Vec<u8> {
    let url = format!("{}{ROOT_PATH}", sandbox.base_url());
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(&url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{url}");
    response.bytes().await.unwrap().to_vec()
}

/// A PEM `CERTIFICATE` block of `der`.
fn pem(der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|line| std::str::from_utf8(line).unwrap())
        .collect();
    format!(
        "-----BEGIN CERTIFICATE-----\n{}\n-----END CERTIFICATE-----\n",
        lines.join("\n")
    )
}

fn development_profile(sandbox: &Sandbox) -> ProfileContent {
    let developer = rcgen::KeyPair::generate().unwrap();
    let certificate = rcgen::CertificateParams::new(vec![])
        .unwrap()
        .self_signed(&developer)
        .unwrap();
    let created = ::time::OffsetDateTime::now_utc();
    ProfileContent {
        name: "ascert Example Development".into(),
        uuid: "0C4F9E2A-1B3D-4C5E-8F70-1A2B3C4D5E6F".into(),
        team_id: sandbox.team().id.clone(),
        team_name: sandbox.team().name.clone(),
        app_id_name: "Example".into(),
        bundle_id: "com.example.*".into(),
        profile_type: "IOS_APP_DEVELOPMENT".into(),
        developer_certificates: vec![certificate.der().to_vec()],
        devices: vec!["00008030-000A1B2C3D4E5F6A".into()],
        created,
        expires: created + ::time::Duration::days(365),
    }
}

fn value(cert: &X509Certificate<'_>, oid: &[u64]) -> Vec<String> {
    let oid = x509_parser::oid_registry::Oid::from(oid).unwrap();
    cert.subject()
        .iter_by_oid(&oid)
        .map(|a| a.as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn a_signed_profile_verifies_with_openssl_under_the_sandbox_root_and_yields_the_plist() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let content = development_profile(&sandbox);
    let der = sandbox.sign_profile(&content).unwrap();
    let plist = content.to_plist_xml().unwrap();
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("profile.mobileprovision"), &der).unwrap();
    std::fs::write(dir.path().join("root.pem"), pem(&root_der(&sandbox).await)).unwrap();

    let verified = openssl(
        dir.path(),
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "profile.mobileprovision",
            "-CAfile",
            "root.pem",
            "-purpose",
            "any",
            "-out",
            "verified.plist",
        ],
    );
    assert!(
        verified.status.success(),
        "openssl cms -verify: {}",
        String::from_utf8_lossy(&verified.stderr)
    );
    assert_eq!(std::fs::read(dir.path().join("verified.plist")).unwrap(), plist);

    let unchecked = openssl(
        dir.path(),
        &[
            "cms",
            "-verify",
            "-noverify",
            "-inform",
            "DER",
            "-in",
            "profile.mobileprovision",
        ],
    );
    assert!(
        unchecked.status.success(),
        "openssl cms -verify -noverify: {}",
        String::from_utf8_lossy(&unchecked.stderr)
    );
    assert_eq!(unchecked.stdout, plist);

    // Another root does not vouch for it.
    let other = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(vec![]).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    std::fs::write(
        dir.path().join("other.pem"),
        params.self_signed(&other).unwrap().pem(),
    )
    .unwrap();
    let refused = openssl(
        dir.path(),
        &[
            "cms",
            "-verify",
            "-inform",
            "DER",
            "-in",
            "profile.mobileprovision",
            "-CAfile",
            "other.pem",
            "-purpose",
            "any",
        ],
    );
    assert!(!refused.status.success(), "verified under an unrelated root");
}

#[tokio::test]
async fn a_profile_embeds_apples_chain_which_leads_to_the_sandbox_root() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let der = sandbox.sign_profile(&development_profile(&sandbox)).unwrap();
    let chain = sandbox.profile_signing_certificates().unwrap();
    let root_der = root_der(&sandbox).await;

    // The certificates in the profile: exactly the signer, the iPhone CA and the root.
    let info = ContentInfo::from_der(&der).unwrap();
    let signed_data: SignedData = info.content.decode_as().unwrap();
    let mut embedded: Vec<Vec<u8>> = signed_data
        .certificates
        .unwrap()
        .0
        .iter()
        .map(|choice| choice.to_der().unwrap())
        .collect();
    embedded.sort();
    let mut expected = vec![
        chain.signer_der.clone(),
        chain.iphone_ca_der.clone(),
        root_der.clone(),
    ];
    expected.sort();
    assert_eq!(embedded, expected);

    let (_, signer) = X509Certificate::from_der(&chain.signer_der).unwrap();
    let (_, iphone_ca) = X509Certificate::from_der(&chain.iphone_ca_der).unwrap();
    let (_, root) = X509Certificate::from_der(&root_der).unwrap();
    signer.verify_signature(Some(iphone_ca.public_key())).unwrap();
    iphone_ca.verify_signature(Some(root.public_key())).unwrap();
    assert_eq!(signer.issuer(), iphone_ca.subject());
    assert_eq!(iphone_ca.issuer(), root.subject());
    assert!(iphone_ca.is_ca());
    assert!(!signer.is_ca());
    assert!(signer.key_usage().unwrap().unwrap().value.digital_signature());

    assert_eq!(value(&signer, &[2, 5, 4, 3]), [PROFILE_SIGNER_COMMON_NAME]);
    assert_eq!(value(&signer, &[2, 5, 4, 11]), Vec::<String>::new());
    assert_eq!(value(&signer, &[2, 5, 4, 10]), [CA_ORGANIZATION]);
    assert_eq!(value(&iphone_ca, &[2, 5, 4, 3]), [IPHONE_CA_COMMON_NAME]);
    assert_eq!(value(&iphone_ca, &[2, 5, 4, 11]), [IPHONE_CA_ORGANIZATIONAL_UNIT]);
    assert_eq!(value(&iphone_ca, &[2, 5, 4, 10]), [CA_ORGANIZATION]);
    for cert in [&signer, &iphone_ca] {
        match cert.public_key().parsed().unwrap() {
            x509_parser::public_key::PublicKey::RSA(rsa) => assert_eq!(rsa.key_size(), 2048),
            other => panic!("{other:?}"),
        }
    }
}
