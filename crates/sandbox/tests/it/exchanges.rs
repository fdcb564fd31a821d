//! The exchange log keeps each answered `/v1` request with its answer, byte for byte, when asked to.

use ascert_sandbox::Sandbox;
use reqwest::Method;
use serde_json::Value;

use crate::common::{Client, create_body, rsa_key};

#[tokio::test]
async fn recorded_exchanges_are_what_the_client_sent_and_received() {
    let sandbox = Sandbox::builder()
        .seed_certificates(3)
        .record_exchanges(true)
        .start()
        .await
        .unwrap();
    let client = Client::new(&sandbox);
    let list = client
        .get("/v1/certificates?filter%5BcertificateType%5D=DISTRIBUTION%2CDEVELOPMENT")
        .await;
    let body = create_body("IOS_DEVELOPMENT", &rsa_key().1);
    let created = client.send(Method::POST, "/v1/certificates", Some(&body)).await;
    let bad = client.get("/v1/certificates?limit=0").await;
    // The CA download is not part of the API and is not recorded.
    let ca = client
        .http
        .get(format!("{}/sandbox/ca/root.cer", sandbox.base_url()));
    assert!(ca.send().await.unwrap().status().is_success());

    let exchanges = sandbox.exchanges();
    assert_eq!(exchanges.len(), 3, "{exchanges:#?}");
    let [first, second, third] = &exchanges[..] else {
        unreachable!()
    };
    assert_eq!(first.method, "GET");
    assert_eq!(
        first.path_and_query,
        "/v1/certificates?filter%5BcertificateType%5D=DISTRIBUTION%2CDEVELOPMENT"
    );
    assert!(first.request_body.is_empty());
    assert_eq!(first.status, 200);
    assert_eq!(first.content_type.as_deref(), Some("application/json"));
    assert_eq!(
        serde_json::from_slice::<Value>(&first.response_body).unwrap(),
        list.body
    );
    assert_eq!((second.method.as_str(), second.status), ("POST", 201));
    assert_eq!(
        serde_json::from_slice::<Value>(&second.request_body).unwrap(),
        body
    );
    assert_eq!(
        serde_json::from_slice::<Value>(&second.response_body).unwrap(),
        created.body
    );
    assert_eq!(third.status, 400);
    assert_eq!(
        serde_json::from_slice::<Value>(&third.response_body).unwrap(),
        bad.body
    );
}

#[tokio::test]
async fn nothing_is_recorded_unless_asked() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let reply = Client::new(&sandbox).get("/v1/certificates").await;
    assert_eq!(reply.status, 200);
    assert!(sandbox.exchanges().is_empty());
}
