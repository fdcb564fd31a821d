//! Fault soak: many seeded runs of the CLI against a sandbox that fails one request in five, drops
//! create responses and adds latency. Every list returns every certificate exactly once; every create
//! ends with exactly one certificate, paired with the key kept here.
//!
//! CI runs [`DEFAULT_SEEDS`] seeds; `ASCERT_SOAK_SEEDS=50 cargo nextest run -p ascert --test e2e soak`
//! runs the longer soak whose figures docs/reliability.md records.

use std::collections::BTreeSet;
use std::time::Duration;

use ascert_sandbox::{FaultConfig, Sandbox};

use crate::support::Env;

/// Seeds per soak in CI.
const DEFAULT_SEEDS: u64 = 10;
/// Certificates the list soak pages through.
const CERTIFICATES: usize = 2_000;
/// The probability that a request meets an injected fault.
const FAULT_RATE: f64 = 0.2;

/// How many seeds to run: `ASCERT_SOAK_SEEDS`, or [`DEFAULT_SEEDS`].
fn seeds() -> u64 {
    std::env::var("ASCERT_SOAK_SEEDS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .unwrap_or(DEFAULT_SEEDS)
}

/// Faults that cost no real waiting: `Retry-After: 0` and at most 5 ms of added latency.
fn fast_faults() -> FaultConfig {
    FaultConfig {
        retry_after_secs: 0,
        max_fault_latency: Duration::from_millis(5),
        ..FaultConfig::default()
    }
}

fn ids(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .expect("a JSON array")
        .iter()
        .map(|c| c["id"].as_str().expect("an id").to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn listing_2000_certificates_under_20_percent_faults_returns_each_exactly_once() {
    let env = Env::with(
        Sandbox::builder()
            .seed_certificates(CERTIFICATES)
            .faults(fast_faults()),
    )
    .await;
    let baseline = env.run(&["certificates", "list", "--json"]).await;
    baseline.ok();
    let expected: BTreeSet<String> = ids(&baseline.json()).into_iter().collect();
    assert_eq!(expected.len(), CERTIFICATES);
    for seed in 0..seeds() {
        env.sandbox.set_fault_rate(FAULT_RATE, seed);
        let result = env.run(&["certificates", "list", "--json"]).await;
        assert_eq!(
            result.code, 0,
            "seed {seed}: exit {}\n{}",
            result.code, result.stderr
        );
        let got = ids(&result.json());
        assert_eq!(
            got.len(),
            CERTIFICATES,
            "seed {seed}: every certificate, none twice"
        );
        let unique: BTreeSet<String> = got.into_iter().collect();
        assert_eq!(unique, expected, "seed {seed}: the same certificates");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn creating_under_dropped_responses_and_faults_makes_exactly_one_paired_certificate() {
    for seed in 0..seeds() {
        let faults = FaultConfig {
            rate: FAULT_RATE,
            seed,
            drop_create_responses: 1,
            ..fast_faults()
        };
        let env = Env::with(Sandbox::builder().faults(faults)).await;
        let result = env
            .run(&[
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--common-name",
                "Soak Test",
                "--email",
                "soak@example.com",
                "--json",
            ])
            .await;
        assert_eq!(
            result.code, 0,
            "seed {seed}: exit {}\n{}",
            result.code, result.stderr
        );
        let created = result.json();
        assert_eq!(
            created["outcome"], "adopted",
            "seed {seed}: the dropped response was adopted"
        );
        assert_eq!(
            env.sandbox.certificate_count(),
            1,
            "seed {seed}: exactly one certificate"
        );
        let records = env.key_records();
        assert_eq!(records.len(), 1, "seed {seed}: exactly one key");
        assert_eq!(
            records[0]["certificateId"], created["certificate"]["id"],
            "seed {seed}: the key records its certificate"
        );
        env.sandbox.set_fault_rate(0.0, 0);
        let identities = env.run(&["identities", "list", "--json"]).await;
        identities.ok();
        let identities = identities.json();
        let identities = identities.as_array().unwrap();
        assert_eq!(identities.len(), 1, "seed {seed}: {identities:?}");
        assert_eq!(identities[0]["status"], "paired", "seed {seed}: {identities:?}");
    }
}
