//! Request bodies are read up to `MAX_REQUEST_BODY` and no further: a larger one is answered 413
//! with an error document, with and without the exchange log, and the sandbox goes on serving.

use ascert_sandbox::{MAX_REQUEST_BODY, Sandbox};
use reqwest::{Method, StatusCode};

use crate::common::{Client, Reply, assert_error, create_body, rsa_key};

/// A create request for a new certificate, padded with spaces (valid JSON) to `len` bytes.
fn padded_create(len: usize) -> String {
    let mut body = create_body("IOS_DEVELOPMENT", &rsa_key().1).to_string();
    assert!(body.len() < len);
    body.extend(std::iter::repeat_n(' ', len - body.len()));
    body
}

async fn post(client: &Client, body: String) -> Reply {
    let response = client
        .http
        .post(format!("{}/v1/certificates", client.base_url))
        .bearer_auth(client.token.as_deref().unwrap())
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    Reply {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.json().await.unwrap(),
    }
}

#[tokio::test]
async fn a_body_past_the_limit_is_answered_413_and_one_at_it_is_served() {
    for recorded in [false, true] {
        let sandbox = Sandbox::builder()
            .record_exchanges(recorded)
            .start()
            .await
            .unwrap();
        let client = Client::new(&sandbox);

        let reply = post(&client, padded_create(MAX_REQUEST_BODY)).await;
        assert_eq!(
            reply.status,
            StatusCode::CREATED,
            "recorded {recorded}: {}",
            reply.body
        );

        let reply = post(&client, padded_create(MAX_REQUEST_BODY + 1)).await;
        assert_error(&reply, 413, "ENTITY_TOO_LARGE");
        assert_eq!(
            reply.body["errors"][0]["detail"],
            format!("The request body is larger than {MAX_REQUEST_BODY} bytes."),
        );

        // Nothing was created by the refused request, and the sandbox still serves.
        let list = client.send(Method::GET, "/v1/certificates", None).await;
        assert_eq!(list.status, StatusCode::OK);
        assert_eq!(
            list.body["data"].as_array().unwrap().len(),
            1,
            "recorded {recorded}"
        );
    }
}
