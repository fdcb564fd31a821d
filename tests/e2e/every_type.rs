//! Every certificate type of Apple's `CertificateType`, from key to .p12: the types the API creates
//! are created with `certificates create` (the pass type or merchant id each needs, the key each
//! takes), the Developer ID types, which only the Account Holder makes on the developer website,
//! go the way ascert offers (`keys csr --type`, the website, `identities import`), and each ends in
//! a .p12 that OpenSSL opens with the certificate's own key. Those issued under the Developer ID CA
//! that ends on 2027-02-01 are warned about.

use ascert_models::CertificateType;

use crate::support::{Env, openssl};

const PASSWORD: &str = "correct horse battery";

/// The public key of the certificate in `p12` and the public key of its private key, as OpenSSL
/// prints them, and the number of certificates the bundle holds.
fn p12_keys(env: &Env, p12: &str) -> (String, String, usize) {
    let pass = format!("pass:{PASSWORD}");
    let certificates = openssl(&["pkcs12", "-in", p12, "-nokeys", "-passin", &pass, "-legacy"]);
    let count = certificates.matches("-----BEGIN CERTIFICATE-----").count();
    let leaf = env.path("leaf.pem");
    let leaf_only = openssl(&[
        "pkcs12", "-in", p12, "-nokeys", "-clcerts", "-passin", &pass, "-legacy",
    ]);
    std::fs::write(&leaf, leaf_only).unwrap();
    let certificate_key = openssl(&["x509", "-in", leaf.to_str().unwrap(), "-noout", "-pubkey"]);
    let key = env.path("key.pem");
    let private = openssl(&[
        "pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", &pass, "-legacy",
    ]);
    std::fs::write(&key, private).unwrap();
    let private_key = openssl(&["pkey", "-in", key.to_str().unwrap(), "-pubout"]);
    std::fs::remove_file(&key).unwrap();
    (certificate_key, private_key, count)
}

/// What `openssl pkey -text` says the key of `p12` is: "EC" (P-256) or "RSA".
fn key_kind(env: &Env, p12: &str) -> &'static str {
    let pass = format!("pass:{PASSWORD}");
    let key = env.path("kind.pem");
    let private = openssl(&[
        "pkcs12", "-in", p12, "-nocerts", "-nodes", "-passin", &pass, "-legacy",
    ]);
    std::fs::write(&key, private).unwrap();
    let text = openssl(&["pkey", "-in", key.to_str().unwrap(), "-noout", "-text"]);
    std::fs::remove_file(&key).unwrap();
    if text.contains("prime256v1") || text.contains("P-256") {
        "EC"
    } else if text.contains("Private-Key: (2048 bit") && text.contains("modulus") {
        "RSA"
    } else {
        panic!("neither an EC P-256 nor an RSA-2048 key:\n{text}")
    }
}

/// A Developer ID type the way ascert offers: refused by `certificates create` before a key is made,
/// then `keys csr --type`, the Account Holder on the website, `identities import`, `ensure`, and the
/// export to `p12`. The certificate's id.
async fn by_the_website(env: &Env, certificate_type: &CertificateType, p12: &str) -> String {
    let name = certificate_type.as_str();
    let env_vars = [("P12_PASSWORD", PASSWORD)];
    // Refused before a key is made, with the way that works.
    let keys_before = env.key_records().len();
    let refused = env.run(&["certificates", "create", "--type", name]).await;
    let stderr = refused.fails_with(2);
    assert!(
        stderr.contains("does not create") && stderr.contains(&format!("keys csr --type {name}")),
        "{name}: {stderr}"
    );
    assert_eq!(env.key_records().len(), keys_before, "{name}: no key made");
    // The way: a key and CSR here, the website, the import.
    let csr_path = env.path(&format!("{name}.csr"));
    env.run(&["keys", "csr", "--type", name, "--out", csr_path.to_str().unwrap()])
        .await
        .ok();
    let csr = std::fs::read_to_string(&csr_path).unwrap();
    let id = env
        .sandbox
        .issue_on_developer_website(&csr, certificate_type.clone())
        .unwrap();
    let cer = env.path(&format!("{name}.cer"));
    env.run(&["certificates", "get", &id, "--out", cer.to_str().unwrap()])
        .await
        .ok();
    let imported = env
        .run(&["identities", "import", cer.to_str().unwrap(), "--json"])
        .await;
    imported.ok();
    assert_eq!(imported.json()["certificateId"], id.as_str(), "{name}");
    // Issued under the original Developer ID CA (the types without _G2), which ends on
    // 2027-02-01: said at once, as a JSON warning with --json.
    let old_ca = matches!(
        certificate_type,
        CertificateType::DeveloperIdApplication | CertificateType::DeveloperIdKext
    );
    assert_eq!(
        imported
            .stderr
            .contains("Developer ID Certification Authority, which end"),
        old_ca,
        "{name}: {}",
        imported.stderr
    );
    assert_eq!(imported.json()["listed"], true, "{name}");
    // `ensure` now finds it, and makes nothing.
    let ensured = env.run(&["identities", "ensure", "--type", name, "--json"]).await;
    ensured.ok();
    assert_eq!(ensured.json()["outcome"], "reused", "{name}");
    assert_eq!(ensured.json()["certificateId"], id.as_str(), "{name}");
    env.run_with(
        &env_vars,
        &[
            "identities",
            "export",
            &id,
            "--p12",
            p12,
            "--password-env",
            "P12_PASSWORD",
        ],
    )
    .await
    .ok();
    id
}

#[tokio::test(flavor = "multi_thread")]
async fn every_type_goes_from_key_to_certificate_to_p12() {
    let env = Env::start().await;
    let env_vars = [("P12_PASSWORD", PASSWORD)];
    for certificate_type in CertificateType::KNOWN {
        let name = certificate_type.as_str();
        let p12 = env.path(&format!("{name}.p12"));
        let p12 = p12.to_str().unwrap();
        let certificate_id = if certificate_type.is_developer_id() {
            by_the_website(&env, certificate_type, p12).await
        } else {
            let mut args = vec![
                "certificates",
                "create",
                "--type",
                name,
                "--p12",
                p12,
                "--password-env",
                "P12_PASSWORD",
                "--json",
            ];
            if name.starts_with("PASS_TYPE_ID") {
                args.extend(["--pass-type-id", "pass.com.example.ticket"]);
            }
            if name.starts_with("APPLE_PAY") {
                args.extend(["--merchant-id", "merchant.com.example"]);
            }
            let created = env.run_with(&env_vars, &args).await;
            created.ok();
            let json = created.json();
            assert_eq!(json["certificate"]["attributes"]["certificateType"], name);
            json["certificate"]["id"].as_str().unwrap().to_owned()
        };
        let (certificate_key, private_key, count) = p12_keys(&env, p12);
        assert_eq!(
            certificate_key, private_key,
            "{name}: the .p12's key is its certificate's"
        );
        assert_eq!(count, 2, "{name}: the certificate and its issuing intermediate");
        let wanted = if *certificate_type == CertificateType::ApplePay {
            "EC"
        } else {
            "RSA"
        };
        assert_eq!(key_kind(&env, p12), wanted, "{name} ({certificate_id})");
    }
    assert_eq!(env.sandbox.certificate_count(), CertificateType::KNOWN.len());
}
