//! Issued certificates verify with `openssl verify` against the sandbox chain and carry the CSR's key.

use std::path::Path;
use std::process::Command;

use ascert_models::CertificateResponse;
use ascert_sandbox::{INTERMEDIATE_COMMON_NAME, Sandbox};
use reqwest::Method;
use x509_parser::prelude::*;

use crate::common::{Client, create_body, rsa_key};

fn openssl_verify(dir: &Path, leaf_pem: &str, sandbox: &Sandbox) -> std::process::Output {
    let ca = sandbox.ca_certificates();
    std::fs::write(dir.join("root.pem"), &ca.root_pem).unwrap();
    std::fs::write(dir.join("intermediate.pem"), &ca.intermediate_pem).unwrap();
    std::fs::write(dir.join("leaf.pem"), leaf_pem).unwrap();
    Command::new("openssl")
        .current_dir(dir)
        .args([
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "intermediate.pem",
            "leaf.pem",
        ])
        .output()
        .unwrap()
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
    let dir = tempfile::tempdir().unwrap();
    let output = openssl_verify(dir.path(), &certificate.data.content_pem().unwrap(), &sandbox);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(String::from_utf8_lossy(&output.stdout).trim(), "leaf.pem: OK");

    let der = certificate.data.content_der().unwrap();
    let (_, parsed) = X509Certificate::from_der(&der).unwrap();
    assert_eq!(
        parsed.public_key().raw,
        rcgen::PublicKeyData::subject_public_key_info(key).as_slice()
    );
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
        parsed
            .issuer()
            .iter_common_name()
            .next()
            .unwrap()
            .as_str()
            .unwrap(),
        INTERMEDIATE_COMMON_NAME
    );
    assert!(parsed.extended_key_usage().unwrap().unwrap().value.code_signing);
    let lifetime = parsed.validity().not_after.timestamp() - parsed.validity().not_before.timestamp();
    assert_eq!(lifetime, 365 * 86_400);
    let expiry = certificate.data.attributes.expiration_date.unwrap();
    assert_eq!(expiry.unix_timestamp(), parsed.validity().not_after.timestamp());

    // The AIA caIssuers URL serves the intermediate.
    let aia = parsed
        .extensions()
        .iter()
        .find_map(|e| match e.parsed_extension() {
            ParsedExtension::AuthorityInfoAccess(aia) => Some(aia.accessdescs[0].access_location.clone()),
            _ => None,
        })
        .unwrap();
    let GeneralName::URI(url) = aia else {
        panic!("{aia:?}")
    };
    assert!(url.starts_with(sandbox.base_url()));
    let served = reqwest::Client::builder()
        .no_proxy()
        .build()
        .unwrap()
        .get(url)
        .send()
        .await
        .unwrap();
    assert_eq!(served.headers()["content-type"], "application/pkix-cert");
    assert_eq!(
        served.bytes().await.unwrap().as_ref(),
        sandbox.ca_certificates().intermediate_der.as_slice()
    );
}

#[tokio::test]
async fn seeded_certificates_verify_against_the_chain_too() {
    let sandbox = Sandbox::builder().seed_certificates(2).start().await.unwrap();
    let client = Client::new(&sandbox);
    let reply = client.get("/v1/certificates").await;
    let page: ascert_models::CertificatesResponse = serde_json::from_value(reply.body).unwrap();
    let current = page
        .data
        .iter()
        .find(|c| c.is_expired_at(::time::OffsetDateTime::now_utc()) == Some(false))
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let output = openssl_verify(dir.path(), &current.content_pem().unwrap(), &sandbox);
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn csrs_with_other_keys_are_refused() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let ec = rcgen::KeyPair::generate().unwrap();
    let reply = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("DEVELOPMENT", &crate::common::csr_for(&ec, "EC"))),
        )
        .await;
    crate::common::assert_error(&reply, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
    assert!(
        reply.body["errors"][0]["detail"]
            .as_str()
            .unwrap()
            .contains("RSA 2048")
    );
    assert_eq!(sandbox.certificate_count(), 0);
}

#[tokio::test]
async fn developer_id_certificates_are_refused_as_apple_refuses_them() {
    let sandbox = Sandbox::builder().start().await.unwrap();
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
        crate::common::assert_error(&reply, 403, "FORBIDDEN_ERROR");
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
