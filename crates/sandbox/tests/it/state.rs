//! Key files, the state file across restarts, TLS, and shutdown.

use std::os::unix::fs::PermissionsExt as _;

use ascert_sandbox::Sandbox;
use reqwest::Method;

use crate::common::{Client, create_body, rsa_key, team_token};

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
