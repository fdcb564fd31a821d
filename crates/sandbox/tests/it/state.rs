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
