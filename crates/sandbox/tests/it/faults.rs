//! Injected faults: reproducible from the seed, every kind an Apple client must survive, and the
//! dropped response of a create whose certificate was stored.

use std::time::Duration;

use ascert_sandbox::{FaultConfig, Sandbox};
use reqwest::Method;

use crate::common::{Client, assert_error, create_body, rsa_key};

/// What one request met: a status code, or "reset" when the connection died.
async fn outcomes(seed: u64) -> Vec<String> {
    let sandbox = Sandbox::builder()
        .faults(FaultConfig {
            rate: 0.6,
            seed,
            max_fault_latency: Duration::from_millis(5),
            ..FaultConfig::default()
        })
        .start()
        .await
        .unwrap();
    let mut met = Vec::new();
    for _ in 0..30 {
        // A fresh client each time, so a reset connection is never reused.
        let client = Client::new(&sandbox);
        match client.try_send(Method::GET, "/v1/certificates", None).await {
            Ok(reply) => {
                if reply.status != 200 {
                    let code = reply.body["errors"][0]["code"].as_str().unwrap().to_owned();
                    let status = reply.status.as_u16();
                    assert_error(&reply, status, &code);
                    if matches!(status, 429 | 503) {
                        assert_eq!(reply.headers["retry-after"], "1");
                    }
                }
                met.push(reply.status.as_u16().to_string());
            }
            Err(_) => met.push("reset".into()),
        }
    }
    met
}

#[tokio::test]
async fn the_same_seed_gives_the_same_mix_of_faults() {
    let first = outcomes(42).await;
    assert_eq!(first, outcomes(42).await);
    for kind in ["200", "429", "500", "503", "reset"] {
        assert!(first.iter().any(|o| o == kind), "{kind} missing from {first:?}");
    }
}

#[tokio::test]
async fn a_dropped_create_response_still_stores_the_certificate() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    sandbox.drop_next_create_responses(1);
    let client = Client::new(&sandbox);
    let body = create_body("DEVELOPMENT", &rsa_key().1);
    let lost = client
        .try_send(Method::POST, "/v1/certificates", Some(&body))
        .await;
    assert!(lost.is_err(), "{lost:?}");
    assert_eq!(sandbox.certificate_count(), 1);
    let client = Client::new(&sandbox);
    let listed = client.get("/v1/certificates").await;
    assert_eq!(listed.body["data"].as_array().unwrap().len(), 1);
    // Only the next N creates lose their answer.
    let answered = client.send(Method::POST, "/v1/certificates", Some(&body)).await;
    assert_eq!(answered.status, 201);
}

#[tokio::test]
async fn a_fixed_latency_still_answers() {
    let sandbox = Sandbox::builder()
        .faults(FaultConfig {
            latency: Duration::from_millis(20),
            ..FaultConfig::default()
        })
        .start()
        .await
        .unwrap();
    assert_eq!(Client::new(&sandbox).get("/v1/certificates").await.status, 200);
}
