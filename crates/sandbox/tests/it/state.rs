//! Key files, the state file across restarts, TLS, and shutdown.

use std::os::unix::fs::PermissionsExt as _;

use ascert_sandbox::Sandbox;
use reqwest::Method;

use serde_json::json;

use crate::common::{Client, create_body, csr_for, rsa_key, team_token};

#[tokio::test]
async fn key_files_are_private_and_fastlane_shaped() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let dir = tempfile::tempdir().unwrap();
    let files = sandbox.api_key().write_files(dir.path()).unwrap();
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&files.api_key_json_path).unwrap()).unwrap();
    assert_eq!(json["issuer_id"], sandbox.issuer_id());
    assert_eq!(json["in_house"], false);
    for path in [files.private_key_path, files.api_key_json_path] {
        assert_eq!(
            std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    assert!(!format!("{:?}", sandbox.api_key()).contains("PRIVATE"));
}

#[tokio::test]
async fn certificates_survive_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let created_id = {
        let sandbox = Sandbox::builder()
            .seed_certificates(4)
            .state_file(&path)
            .start()
            .await
            .unwrap();
        let client = Client::new(&sandbox);
        let reply = client
            .send(
                Method::POST,
                "/v1/certificates",
                Some(&create_body("DEVELOPMENT", &rsa_key().1)),
            )
            .await;
        assert_eq!(reply.status, 201);
        sandbox.shutdown().await;
        reply.body["data"]["id"].as_str().unwrap().to_owned()
    };
    assert_eq!(
        std::fs::metadata(&path).unwrap().permissions().mode() & 0o777,
        0o600
    );
    let sandbox = Sandbox::builder()
        .seed_certificates(100)
        .state_file(&path)
        .start()
        .await
        .unwrap();
    assert_eq!(sandbox.certificate_count(), 5);
    let client = Client::new(&sandbox);
    let reply = client.get(&format!("/v1/certificates/{created_id}")).await;
    assert_eq!(reply.status, 200);
    let deleted = client
        .send(Method::DELETE, &format!("/v1/certificates/{created_id}"), None)
        .await;
    assert_eq!(deleted.status, 204);
    drop(sandbox);
    let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
    assert_eq!(sandbox.certificate_count(), 4);
}

#[tokio::test]
async fn the_state_file_keeps_the_root_and_every_intermediate_with_its_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let ec = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P256_SHA256).unwrap();
    let mut pass = create_body("PASS_TYPE_ID", &rsa_key().1);
    pass["data"]["relationships"] = json!({"passTypeId": {"data": {"type": "passTypeIds", "id": "PASS1"}}});
    let bodies = [
        create_body("DEVELOPMENT", &rsa_key().1),
        create_body("APPLE_PAY", &csr_for(&ec, "Merchant")),
        pass,
    ];
    let (before, ids) = {
        let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
        let client = Client::new(&sandbox);
        let mut ids = Vec::new();
        for body in &bodies {
            let reply = client.send(Method::POST, "/v1/certificates", Some(body)).await;
            assert_eq!(reply.status, 201, "{:#}", reply.body);
            ids.push(reply.body["data"]["id"].as_str().unwrap().to_owned());
        }
        // Makes the two Developer ID intermediates too; the next write saves them with the rest.
        let before = sandbox.ca_certificates().unwrap();
        let deactivate =
            json!({"data": {"type": "certificates", "id": ids[0], "attributes": {"activated": false}}});
        let patched = client
            .send(
                Method::PATCH,
                &format!("/v1/certificates/{}", ids[0]),
                Some(&deactivate),
            )
            .await;
        assert_eq!(patched.status, 200);
        sandbox.shutdown().await;
        (before, ids)
    };
    let saved = std::fs::read_to_string(&path).unwrap();
    assert_eq!(
        saved.matches("PRIVATE KEY").count(),
        2 * 6,
        "the root's key and five intermediates'"
    );

    let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
    assert_eq!(sandbox.ca_certificates().unwrap(), before);
    let client = Client::new(&sandbox);
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("root.pem"), &before.root_pem).unwrap();
    std::fs::write(dir.path().join("intermediates.pem"), before.intermediates_pem()).unwrap();
    for id in &ids {
        let reply = client.get(&format!("/v1/certificates/{id}")).await;
        assert_eq!(reply.status, 200);
        let certificate: ascert_models::CertificateResponse = serde_json::from_value(reply.body).unwrap();
        std::fs::write(
            dir.path().join("leaf.pem"),
            certificate.data.content_pem().unwrap(),
        )
        .unwrap();
        let output = std::process::Command::new("openssl")
            .current_dir(dir.path())
            .args([
                "verify",
                "-CAfile",
                "root.pem",
                "-untrusted",
                "intermediates.pem",
                "leaf.pem",
            ])
            .output()
            .unwrap();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
    }
    // New certificates are issued under the saved intermediates: the same chain verifies them.
    let reply = client
        .send(Method::POST, "/v1/certificates", Some(&bodies[1]))
        .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let certificate: ascert_models::CertificateResponse = serde_json::from_value(reply.body).unwrap();
    std::fs::write(
        dir.path().join("leaf.pem"),
        certificate.data.content_pem().unwrap(),
    )
    .unwrap();
    let output = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args([
            "verify",
            "-CAfile",
            "root.pem",
            "-untrusted",
            "intermediates.pem",
            "leaf.pem",
        ])
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

#[tokio::test]
async fn a_state_file_of_another_version_is_refused_and_says_why() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    // The layout of the sandbox's first state files: one intermediate and no root key.
    let old = json!({
        "version": 1,
        "ca": {"root_der": "AA==", "intermediate_der": "AA==", "intermediate_key_pem": "x"},
        "certificates": {"certificates": []},
    });
    std::fs::write(&path, old.to_string()).unwrap();
    let error = Sandbox::builder().state_file(&path).start().await.unwrap_err();
    assert!(
        matches!(error, ascert_sandbox::SandboxError::InvalidState { .. }),
        "{error:?}"
    );
    let source = std::error::Error::source(&error).unwrap().to_string();
    assert!(source.contains("state version 1"), "{source}");
    assert!(source.contains("remove it to start afresh"), "{source}");
}

#[tokio::test]
async fn tls_serves_https_under_its_own_ca() {
    let sandbox = Sandbox::builder().tls(true).start().await.unwrap();
    assert!(sandbox.base_url().starts_with("https://127.0.0.1:"));
    let ca = reqwest::Certificate::from_pem(sandbox.tls_ca_pem().unwrap().as_bytes()).unwrap();
    let http = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    let response = http
        .get(format!("{}/v1/certificates", sandbox.base_url()))
        .bearer_auth(team_token(sandbox.api_key()))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
    // Without the CA the connection is refused.
    let untrusted = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        untrusted
            .get(format!("{}/v1/certificates", sandbox.base_url()))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn a_stopped_sandbox_refuses_connections() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let base_url = sandbox.base_url().to_owned();
    sandbox.shutdown().await;
    let http = reqwest::Client::builder().no_proxy().build().unwrap();
    assert!(
        http.get(format!("{base_url}/v1/certificates"))
            .send()
            .await
            .is_err()
    );
}

#[tokio::test]
async fn the_api_key_survives_a_restart_and_the_state_folder_is_made() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("not").join("yet").join("state.json");
    let first = Sandbox::builder().state_file(&path).start().await.unwrap();
    let key = first.api_key().clone();
    first.shutdown().await;
    assert_eq!(
        std::fs::metadata(path.parent().unwrap())
            .unwrap()
            .permissions()
            .mode()
            & 0o777,
        0o700
    );
    assert!(
        !std::fs::read_to_string(&path)
            .unwrap()
            .contains("PRIVATE KEY-----\nMI")
    );

    let second = Sandbox::builder().state_file(&path).start().await.unwrap();
    assert_eq!(second.api_key().key_id, key.key_id);
    assert_eq!(second.issuer_id(), key.issuer_id);
    assert_eq!(second.api_key().private_key_pem, key.private_key_pem);
    // A token signed with the key from before the restart is accepted.
    let client = Client::with_key(&second, &key);
    assert_eq!(client.get("/v1/certificates").await.status, 200);
    // Without a state file every start makes a new key.
    let other = Sandbox::builder().start().await.unwrap();
    assert_ne!(other.api_key().key_id, key.key_id);
}

#[tokio::test]
async fn a_state_file_of_version_2_is_read_and_rewritten_with_a_key() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let mut pass = create_body("PASS_TYPE_ID", &rsa_key().1);
    pass["data"]["relationships"] = json!({"passTypeId": {"data": {"type": "passTypeIds", "id": "PASS7"}}});
    let id = {
        let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
        let reply = Client::new(&sandbox)
            .send(Method::POST, "/v1/certificates", Some(&pass))
            .await;
        assert_eq!(reply.status, 201, "{:#}", reply.body);
        reply.body["data"]["id"].as_str().unwrap().to_owned()
    };
    // What a sandbox of the previous layout wrote: the certificates alone, and no key.
    let mut saved: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    let object = saved.as_object_mut().unwrap();
    let certificates = object.remove("resources").unwrap()["certificates"].clone();
    object.remove("api_key");
    object.insert("version".into(), json!(2));
    object.insert("certificates".into(), json!({ "certificates": certificates }));
    std::fs::write(&path, saved.to_string()).unwrap();

    let sandbox = Sandbox::builder().state_file(&path).start().await.unwrap();
    assert_eq!(sandbox.certificate_count(), 1);
    let client = Client::new(&sandbox);
    let related = client
        .get(&format!("/v1/certificates/{id}/passTypeId?include=certificates"))
        .await;
    assert_eq!(related.status, 200, "{:#}", related.body);
    assert_eq!(related.body["data"]["id"], "PASS7");
    assert_eq!(
        related.body["data"]["attributes"]["identifier"],
        "pass.dev.ascert.sandbox.pass7"
    );
    assert_eq!(related.body["included"][0]["id"], id.as_str());
    let rewritten: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
    assert_eq!(rewritten["version"], 3);
    assert_eq!(rewritten["api_key"]["key_id"], sandbox.api_key().key_id.as_str());
    assert_eq!(rewritten["resources"]["pass_type_ids"][0]["id"], "PASS7");
}

#[tokio::test]
async fn a_certificate_can_be_seeded_with_the_expiry_a_test_chooses() {
    use ascert_models::CertificateType;
    use ascert_sandbox::SeededCertificate;
    use time::{Duration, OffsetDateTime};

    let in_ten_days = (OffsetDateTime::now_utc() + Duration::days(10))
        .replace_nanosecond(0)
        .unwrap();
    let sandbox = Sandbox::builder()
        .seed_certificates(3)
        .seed_certificate(
            SeededCertificate::new(CertificateType::Distribution, in_ten_days).with_display_name("Expiring"),
        )
        .start()
        .await
        .unwrap();
    assert_eq!(sandbox.certificate_count(), 4);
    let expired_at = (OffsetDateTime::now_utc() - Duration::days(3))
        .replace_nanosecond(0)
        .unwrap();
    let expired_id = sandbox
        .seed_certificate(
            &SeededCertificate::new(CertificateType::IosDevelopment, expired_at).with_activated(false),
        )
        .unwrap();
    let client = Client::new(&sandbox);
    let listed = client.get("/v1/certificates?filter[displayName]=Expiring").await;
    assert_eq!(listed.status, 200);
    let certificate: ascert_models::CertificateResponse = serde_json::from_value(json!({
        "data": listed.body["data"][0],
        "links": listed.body["links"],
    }))
    .unwrap();
    assert_eq!(certificate.data.attributes.expiration_date, Some(in_ten_days));
    // Its content is a real certificate that ends then.
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("leaf.pem"),
        certificate.data.content_pem().unwrap(),
    )
    .unwrap();
    let output = std::process::Command::new("openssl")
        .current_dir(dir.path())
        .args(["x509", "-in", "leaf.pem", "-noout", "-enddate"])
        .output()
        .unwrap();
    let end = String::from_utf8_lossy(&output.stdout).into_owned();
    let expected = in_ten_days
        .format(time::macros::format_description!(
            "[month repr:short] [day padding:space] [hour]:[minute]:[second] [year]"
        ))
        .unwrap();
    assert!(end.contains(&expected), "{end} vs {expected}");

    let expired = client.get(&format!("/v1/certificates/{expired_id}")).await;
    assert_eq!(expired.status, 200);
    assert_eq!(expired.body["data"]["attributes"]["activated"], false);
    assert_eq!(
        expired.body["data"]["attributes"]["expirationDate"],
        format!(
            "{}.000+0000",
            expired_at
                .format(time::macros::format_description!(
                    "[year]-[month]-[day]T[hour]:[minute]:[second]"
                ))
                .unwrap()
        )
    );
}
