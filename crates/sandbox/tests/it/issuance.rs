//! Issued certificates, as a client sees them: each type under Apple's intermediate for it, with the
//! key its CSR must carry, Apple's display name and validity, verifying with `openssl verify` against
//! the sandbox chain; Developer ID refused as Apple refuses it.

use std::path::Path;
use std::process::Command;

use ascert_models::{CertificateResponse, CertificateType};
use ascert_sandbox::{CaCertificates, Intermediate, KeyAlgorithm, Sandbox};
use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PublicKeyData as _};
use reqwest::Method;
use serde_json::json;
use x509_parser::prelude::*;
use x509_parser::public_key::PublicKey;

use crate::common::{Client, assert_error, create_body, csr_for, rsa_key};

/// `openssl verify` of `leaf_pem` against the sandbox root, with every intermediate offered.
fn openssl_verify(dir: &Path, leaf_pem: &str, ca: &CaCertificates) -> std::process::Output {
    std::fs::write(dir.join("root.pem"), &ca.root_pem).unwrap();
    std::fs::write(dir.join("intermediates.pem"), ca.intermediates_pem()).unwrap();
    std::fs::write(dir.join("leaf.pem"), leaf_pem).unwrap();
    Command::new("openssl")
        .current_dir(dir)
        .args([
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "intermediates.pem",
            "leaf.pem",
        ])
        .output()
        .unwrap()
}

fn assert_verifies(leaf_pem: &str, ca: &CaCertificates) {
    let dir = tempfile::tempdir().unwrap();
    let output = openssl_verify(dir.path(), leaf_pem, ca);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "leaf.pem: OK");
}

/// One attribute of a name, as text.
fn attribute(name: &X509Name<'_>, oid: &[u64]) -> String {
    let oid = x509_parser::oid_registry::Oid::from(oid).unwrap();
    name.iter_by_oid(&oid)
        .map(|a| a.as_str().unwrap().to_owned())
        .collect::<Vec<_>>()
        .join("+")
}

/// The key algorithm of a certificate's public key.
fn key_algorithm(cert: &X509Certificate<'_>) -> KeyAlgorithm {
    match cert.public_key().parsed().unwrap() {
        PublicKey::RSA(rsa) if rsa.key_size() == 2048 => KeyAlgorithm::Rsa2048,
        PublicKey::EC(_) => {
            let curve = cert
                .public_key()
                .algorithm
                .parameters
                .as_ref()
                .unwrap()
                .as_oid()
                .unwrap();
            assert_eq!(curve.to_id_string(), "1.2.840.10045.3.1.7", "not P-256");
            KeyAlgorithm::EcdsaP256
        }
        other => panic!("unexpected key {other:?}"),
    }
}

/// The URL in a certificate's Authority Information Access `caIssuers`.
fn ca_issuers_url(cert: &X509Certificate<'_>) -> String {
    let location = cert
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => Some(aia.accessdescs[0].access_location.clone()),
            _ => None,
        })
        .unwrap();
    let GeneralName::URI(url) = location else {
        panic!("{location:?}")
    };
    url.to_owned()
}

async fn download(url: &str) -> (String, Vec<u8>) {
    let response = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200, "{url}");
    let content_type = response.headers()["content-type"].to_str().unwrap().to_owned();
    (content_type, response.bytes().await.unwrap().to_vec())
}

#[tokio::test]
async fn an_issued_certificate_verifies_and_holds_the_csr_key() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let (key, csr) = rsa_key();
    let reply = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("IOS_DISTRIBUTION", csr)),
        )
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let certificate: CertificateResponse = serde_json::from_value(reply.body).unwrap();
    // The CSR says "Jane Appleseed"; Apple names API-made certificates its own way.
    assert_eq!(
        certificate.data.attributes.display_name.as_deref(),
        Some("Created via API")
    );
    let ca = sandbox.ca_certificates().unwrap();
    assert_verifies(&certificate.data.content_pem().unwrap(), &ca);

    let der = certificate.data.content_der().unwrap();
    let (_, parsed) = X509Certificate::from_der(&der).unwrap();
    assert_eq!(parsed.public_key().raw, key.subject_public_key_info().as_slice());
    let serial = crate::common::hex_upper(parsed.raw_serial());
    assert_eq!(
        certificate.data.attributes.serial_number.as_deref(),
        Some(serial.as_str())
    );
    let subject = parsed.subject().to_string();
    assert!(
        subject.contains("CN=iPhone Distribution: ascert Sandbox Team (SBXTEAM001)"),
        "{subject}"
    );
    assert!(
        subject.contains("OU=SBXTEAM001") && subject.contains("O=ascert Sandbox Team"),
        "{subject}"
    );
    assert_eq!(
        parsed.issuer().to_string(),
        "CN=Apple Worldwide Developer Relations Certification Authority, OU=G3, O=Apple Inc. (ascert \
         Sandbox), C=US"
    );
    assert!(parsed.extended_key_usage().unwrap().unwrap().value.code_signing);
    let lifetime = parsed.validity().not_after.timestamp() - parsed.validity().not_before.timestamp();
    assert_eq!(lifetime, 365 * 86_400);
    let expiry = certificate.data.attributes.expiration_date.unwrap();
    assert_eq!(expiry.unix_timestamp(), parsed.validity().not_after.timestamp());

    // The AIA caIssuers URL serves the issuing intermediate, G3.
    let url = ca_issuers_url(&parsed);
    assert_eq!(
        url,
        format!("{}/sandbox/ca/AppleWWDRCAG3.cer", sandbox.base_url())
    );
    let (content_type, served) = download(&url).await;
    assert_eq!(content_type, "application/pkix-cert");
    assert_eq!(served, ca.intermediate(Intermediate::WwdrG3).unwrap().der);
}

#[tokio::test]
async fn every_intermediate_is_apples_by_name_and_algorithm_and_chains_to_the_root() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let ca = sandbox.ca_certificates().unwrap();
    assert_eq!(ca.intermediates().len(), Intermediate::ALL.len());
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), &ca.root_pem).unwrap();
    let (_, root) = X509Certificate::from_der(&ca.root_der).unwrap();
    for (which, common_name, unit, algorithm) in [
        (
            Intermediate::WwdrG2,
            "Apple Worldwide Developer Relations CA - G2",
            "Apple Certification Authority",
            KeyAlgorithm::EcdsaP256,
        ),
        (
            Intermediate::WwdrG3,
            "Apple Worldwide Developer Relations Certification Authority",
            "G3",
            KeyAlgorithm::Rsa2048,
        ),
        (
            Intermediate::WwdrG4,
            "Apple Worldwide Developer Relations Certification Authority",
            "G4",
            KeyAlgorithm::Rsa2048,
        ),
        (
            Intermediate::DeveloperId,
            "Developer ID Certification Authority",
            "Apple Certification Authority",
            KeyAlgorithm::Rsa2048,
        ),
        (
            Intermediate::DeveloperIdG2,
            "Developer ID Certification Authority",
            "G2",
            KeyAlgorithm::Rsa2048,
        ),
    ] {
        let certificate = ca.intermediate(which).unwrap();
        let (_, cert) = X509Certificate::from_der(&certificate.der).unwrap();
        assert_eq!(attribute(cert.subject(), &[2, 5, 4, 3]), common_name);
        assert_eq!(attribute(cert.subject(), &[2, 5, 4, 11]), unit);
        assert_eq!(
            attribute(cert.subject(), &[2, 5, 4, 10]),
            "Apple Inc. (ascert Sandbox)"
        );
        assert_eq!(attribute(cert.subject(), &[2, 5, 4, 6]), "US");
        assert_eq!(key_algorithm(&cert), algorithm, "{which:?}");
        assert_eq!(which.key_algorithm(), algorithm);
        assert!(cert.is_ca());
        assert_eq!(cert.issuer(), root.subject());

        // The intermediate verifies against the root alone.
        let file = format!("{}.pem", which.file_name());
        std::fs::write(dir.path().join(&file), &certificate.pem).unwrap();
        let output = Command::new("openssl")
            .current_dir(dir.path())
            .args(["verify", "-CAfile", "root.pem", &file])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{which:?}: {}",
            String::from_utf8_lossy(&output.stderr)
        );

        // It is served, without a token, under Apple's file name.
        let url = format!("{}{}", sandbox.base_url(), which.path());
        assert_eq!(download(&url).await.1, certificate.der);
    }
    assert_eq!(
        download(&format!("{}/sandbox/ca/root.cer", sandbox.base_url()))
            .await
            .1,
        ca.root_der
    );
}

/// A CSR with the key `certificate_type` takes, and that key's `SubjectPublicKeyInfo`.
fn csr_and_key_for(certificate_type: &CertificateType) -> (String, Vec<u8>) {
    if *certificate_type == CertificateType::ApplePay {
        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        (csr_for(&key, "Merchant"), key.subject_public_key_info())
    } else {
        let (key, csr) = rsa_key();
        (csr.clone(), key.subject_public_key_info())
    }
}

#[tokio::test]
async fn every_type_the_api_creates_is_issued_as_apple_issues_it() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let ca = sandbox.ca_certificates().unwrap();
    let creatable: Vec<&CertificateType> = CertificateType::KNOWN
        .iter()
        .filter(|t| !t.as_str().starts_with("DEVELOPER_ID"))
        .collect();
    assert_eq!(creatable.len(), 14);
    for certificate_type in creatable {
        let (csr, spki) = csr_and_key_for(certificate_type);
        let mut body = create_body(certificate_type.as_str(), &csr);
        if certificate_type.as_str().starts_with("PASS_TYPE_ID") {
            body["data"]["relationships"] =
                json!({"passTypeId": {"data": {"type": "passTypeIds", "id": "PASS42"}}});
        }
        let reply = client.send(Method::POST, "/v1/certificates", Some(&body)).await;
        assert_eq!(reply.status, 201, "{certificate_type}: {:#}", reply.body);
        let certificate: CertificateResponse = serde_json::from_value(reply.body).unwrap();
        assert_eq!(
            certificate.data.attributes.display_name.as_deref(),
            Some("Created via API"),
            "{certificate_type}"
        );
        assert_verifies(&certificate.data.content_pem().unwrap(), &ca);
        let der = certificate.data.content_der().unwrap();
        let (_, leaf) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(leaf.public_key().raw, spki.as_slice(), "{certificate_type}");

        let which = Intermediate::for_type(certificate_type);
        let (_, issuer) = X509Certificate::from_der(&ca.intermediate(which).unwrap().der).unwrap();
        assert_eq!(leaf.issuer(), issuer.subject(), "{certificate_type}");
        assert_eq!(
            ca_issuers_url(&leaf),
            format!("{}{}", sandbox.base_url(), which.path())
        );
        let expected = match certificate_type {
            CertificateType::ApplePay => Intermediate::WwdrG2,
            CertificateType::PassTypeId | CertificateType::PassTypeIdWithNfc => Intermediate::WwdrG4,
            _ => Intermediate::WwdrG3,
        };
        assert_eq!(which, expected, "{certificate_type}");

        // Apple Pay certificates last 25 months, the rest 365 days.
        let not_before =
            ::time::OffsetDateTime::from_unix_timestamp(leaf.validity().not_before.timestamp()).unwrap();
        let not_after =
            ::time::OffsetDateTime::from_unix_timestamp(leaf.validity().not_after.timestamp()).unwrap();
        if certificate_type.as_str().starts_with("APPLE_PAY") {
            let months = (not_after.year() * 12 + i32::from(u8::from(not_after.month())))
                - (not_before.year() * 12 + i32::from(u8::from(not_before.month())));
            assert_eq!(months, 25, "{certificate_type}");
            assert_eq!(not_after.time(), not_before.time());
        } else {
            assert_eq!(
                not_after - not_before,
                ::time::Duration::days(365),
                "{certificate_type}"
            );
        }
        assert_eq!(
            certificate.data.attributes.expiration_date.unwrap(),
            not_after,
            "{certificate_type}"
        );
    }
}

#[tokio::test]
async fn csrs_with_the_wrong_key_for_the_type_are_refused() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let p256 = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let p384 = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
    // An RSA 4096 key, made by OpenSSL (quicker than in a debug build).
    let rsa4096 = Command::new("openssl")
        .args([
            "req",
            "-new",
            "-newkey",
            "rsa:4096",
            "-nodes",
            "-keyout",
            "/dev/null",
            "-subj",
            "/CN=Big",
        ])
        .output()
        .unwrap();
    assert!(rsa4096.status.success());
    let rsa4096 = String::from_utf8(rsa4096.stdout).unwrap();
    for (certificate_type, csr, detail) in [
        (
            "DISTRIBUTION",
            csr_for(&p256, "EC"),
            "Invalid CSR: the key is EC P-256; DISTRIBUTION certificates need an RSA 2048-bit key",
        ),
        (
            "DEVELOPMENT",
            rsa4096,
            "Invalid CSR: the key is RSA 4096-bit; DEVELOPMENT certificates need an RSA 2048-bit key",
        ),
        (
            "APPLE_PAY",
            rsa_key().1.clone(),
            "Invalid CSR: the key is RSA 2048-bit; APPLE_PAY certificates need an EC P-256 (prime256v1) key",
        ),
        (
            "APPLE_PAY",
            csr_for(&p384, "EC"),
            "Invalid CSR: the key is EC (curve 1.3.132.0.34); APPLE_PAY certificates need an EC P-256 \
             (prime256v1) key",
        ),
    ] {
        let reply = client
            .send(
                Method::POST,
                "/v1/certificates",
                Some(&create_body(certificate_type, &csr)),
            )
            .await;
        assert_error(&reply, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
        let error = &reply.body["errors"][0];
        assert_eq!(error["detail"], detail);
        assert_eq!(error["source"]["pointer"], "/data/attributes/csrContent");
    }
    assert_eq!(sandbox.certificate_count(), 0);
}

#[tokio::test]
async fn developer_id_certificates_are_refused_as_apple_refuses_them() {
    let sandbox = Sandbox::builder().seed_certificates(0).start().await.unwrap();
    let client = Client::new(&sandbox);
    for certificate_type in [
        "DEVELOPER_ID_APPLICATION",
        "DEVELOPER_ID_APPLICATION_G2",
        "DEVELOPER_ID_KEXT",
        "DEVELOPER_ID_KEXT_G2",
    ] {
        let reply = client
            .send(
                Method::POST,
                "/v1/certificates",
                Some(&create_body(certificate_type, &rsa_key().1)),
            )
            .await;
        assert_error(&reply, 403, "FORBIDDEN_ERROR");
        let error = &reply.body["errors"][0];
        assert_eq!(error["title"], "This request is forbidden for security reasons");
        assert_eq!(
            error["detail"],
            "This operation can only be performed by the Account Holder."
        );
        assert!(error.get("source").is_none(), "{error}");
    }
    assert_eq!(sandbox.certificate_count(), 0);
}

#[tokio::test]
async fn the_developer_website_issues_developer_id_and_the_api_lists_it() {
    let sandbox = Sandbox::builder().seed_certificates(0).start().await.unwrap();
    let client = Client::new(&sandbox);
    let id = sandbox
        .issue_on_developer_website(&rsa_key().1, CertificateType::DeveloperIdApplicationG2)
        .unwrap();
    let reply = client.get(&format!("/v1/certificates/{id}")).await;
    let document: CertificateResponse = serde_json::from_value(reply.body).unwrap();
    let attributes = &document.data.attributes;
    assert_eq!(
        attributes.certificate_type,
        Some(CertificateType::DeveloperIdApplicationG2)
    );
    assert_ne!(attributes.display_name.as_deref(), Some("Created via API"));
    let der = document.data.content_der().unwrap();
    let (_, leaf) = X509Certificate::from_der(&der).unwrap();
    assert_eq!(
        leaf.public_key().raw,
        rsa_key().0.subject_public_key_info().as_slice(),
        "the CSR's key"
    );
    assert_verifies(
        &document.data.content_pem().unwrap(),
        &sandbox.ca_certificates().unwrap(),
    );
    // The website refuses what the API would: a key of the wrong kind.
    let ec = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
    let refused = sandbox
        .issue_on_developer_website(&csr_for(&ec, "x"), CertificateType::DeveloperIdApplicationG2)
        .unwrap_err();
    assert!(refused.to_string().contains("RSA"), "{refused}");
    assert_eq!(sandbox.certificate_count(), 1);
}

#[tokio::test]
async fn seeded_certificates_of_every_type_verify_under_their_intermediates() {
    let sandbox = Sandbox::builder().seed_certificates(24).start().await.unwrap();
    let client = Client::new(&sandbox);
    let reply = client.get("/v1/certificates?limit=200").await;
    let page: ascert_models::CertificatesResponse = serde_json::from_value(reply.body).unwrap();
    let ca = sandbox.ca_certificates().unwrap();
    let now = ::time::OffsetDateTime::now_utc();
    let mut seen = std::collections::BTreeSet::new();
    for certificate in &page.data {
        let certificate_type = certificate.attributes.certificate_type.clone().unwrap();
        let der = certificate.content_der().unwrap();
        let (_, leaf) = X509Certificate::from_der(&der).unwrap();
        let which = Intermediate::for_type(&certificate_type);
        let (_, issuer) = X509Certificate::from_der(&ca.intermediate(which).unwrap().der).unwrap();
        assert_eq!(leaf.issuer(), issuer.subject(), "{certificate_type}");
        leaf.verify_signature(Some(issuer.public_key())).unwrap();
        let expected_key = if certificate_type == CertificateType::ApplePay {
            KeyAlgorithm::EcdsaP256
        } else {
            KeyAlgorithm::Rsa2048
        };
        assert_eq!(key_algorithm(&leaf), expected_key, "{certificate_type}");
        if certificate.is_expired_at(now) == Some(false) {
            assert_verifies(&certificate.content_pem().unwrap(), &ca);
        }
        // Developer ID certificates last five years, whether current or expired.
        if certificate_type.as_str().starts_with("DEVELOPER_ID") {
            let years = leaf.validity().not_after.to_datetime().year()
                - leaf.validity().not_before.to_datetime().year();
            assert_eq!(years, 5, "{certificate_type}");
        }
        seen.insert(which);
    }
    assert_eq!(seen.len(), Intermediate::ALL.len());
}
