//! `ascert certificates list | get | activate | deactivate | revoke`.

use std::collections::BTreeSet;
use std::time::Duration;

use ascert_sandbox::{FaultConfig, Sandbox};

use crate::support::{Env, openssl};

fn ids(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|c| c["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_every_page_as_json_and_as_a_table() {
    let env = Env::with(Sandbox::builder().seed_certificates(450)).await;
    let result = env.run(&["certificates", "list", "--json"]).await;
    result.ok();
    let all = ids(&result.json());
    assert_eq!(all.len(), 450);
    assert_eq!(
        all.iter().collect::<BTreeSet<_>>().len(),
        450,
        "no certificate twice"
    );

    let table = env.run(&["certs", "list", "--limit", "50"]).await;
    let stdout = table.ok();
    assert!(stdout.lines().next().unwrap().contains("ID"), "{stdout}");
    assert_eq!(
        stdout.lines().count(),
        451,
        "a header and one line per certificate"
    );
    assert!(table.stderr.contains("450 certificates"), "{}", table.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_filters_by_type_and_expiry_and_sorts() {
    let env = Env::with(Sandbox::builder().seed_certificates(60)).await;
    let all = env.run(&["certificates", "list", "--json"]).await.json();
    let distribution = env
        .run(&["certificates", "list", "--json", "--type", "distribution"])
        .await
        .json();
    let expected = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| c["attributes"]["certificateType"] == "DISTRIBUTION")
        .count();
    assert!(expected > 0);
    assert_eq!(distribution.as_array().unwrap().len(), expected);

    let expired = env
        .run(&["certificates", "list", "--json", "--expired"])
        .await
        .json();
    let valid = env
        .run(&["certificates", "list", "--json", "--valid"])
        .await
        .json();
    assert!(
        !expired.as_array().unwrap().is_empty(),
        "the sandbox seeds some expired certificates"
    );
    assert_eq!(
        expired.as_array().unwrap().len() + valid.as_array().unwrap().len(),
        60
    );

    let sorted = ids(&env
        .run(&["certificates", "list", "--json", "--sort", "-id"])
        .await
        .json());
    let mut expected = sorted.clone();
    expected.sort();
    expected.reverse();
    assert_eq!(sorted, expected);
}

/// The `expirationDate`s of a `certificates list --json`, in its order (Apple's form: all `+0000`
/// with milliseconds, so they sort as text).
fn expiries(json: &serde_json::Value) -> Vec<String> {
    json.as_array()
        .unwrap()
        .iter()
        .map(|c| c["attributes"]["expirationDate"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_sorts_by_expiry_here_after_every_page() {
    let env = Env::with(Sandbox::builder().seed_certificates(60).page_size(20)).await;
    // Apple does not sort by expirationDate: every page is fetched, then sorted here.
    let soonest_first = env
        .run(&[
            "certificates",
            "list",
            "--json",
            "--sort",
            "expirationDate",
            "--limit",
            "20",
        ])
        .await;
    soonest_first.ok();
    let dates = expiries(&soonest_first.json());
    assert_eq!(dates.len(), 60, "every page");
    assert!(dates.is_sorted(), "{dates:?}");
    let latest_first = env
        .run(&["certificates", "list", "--json", "--sort", "-expirationDate"])
        .await
        .json();
    assert!(expiries(&latest_first).iter().rev().is_sorted());
    // With another field, the first decides and the next breaks ties.
    let by_type = env
        .run(&[
            "certificates",
            "list",
            "--json",
            "--sort",
            "certificateType",
            "--sort",
            "expirationDate",
        ])
        .await
        .json();
    let keys: Vec<(String, String)> = by_type
        .as_array()
        .unwrap()
        .iter()
        .map(|c| {
            (
                c["attributes"]["certificateType"].as_str().unwrap().to_owned(),
                c["attributes"]["expirationDate"].as_str().unwrap().to_owned(),
            )
        })
        .collect();
    assert!(keys.is_sorted(), "{keys:?}");
    let table = env
        .run(&["certificates", "list", "--sort", "expirationDate"])
        .await;
    assert_eq!(table.ok().lines().count(), 61, "{}", table.stdout);
    let unknown = env.run(&["certificates", "list", "--sort", "expiry"]).await;
    assert!(
        unknown.fails_with(2).contains("expirationDate"),
        "{}",
        unknown.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn list_finds_what_expires_within_days() {
    let env = Env::with(Sandbox::builder().seed_certificates(60)).await;
    let all = env.run(&["certificates", "list", "--json"]).await.json();
    // Expiring within DAYS: not expired, at most DAYS days left; as many as the full list says.
    let days_left: Vec<i64> = env
        .run(&["certificates", "list"])
        .await
        .ok()
        .lines()
        .skip(1)
        .filter_map(|l| l.split_whitespace().rev().nth(1)?.parse().ok())
        .collect();
    let days = days_left.iter().filter(|d| **d > 0).min().unwrap() + 30;
    let expiring = env
        .run(&[
            "certificates",
            "list",
            "--json",
            "--expiring-within",
            &days.to_string(),
        ])
        .await
        .json();
    let now = time::OffsetDateTime::now_utc();
    let found = expiring.as_array().unwrap();
    assert!(!found.is_empty());
    for certificate in found {
        let expires =
            ascert_models::date::parse(certificate["attributes"]["expirationDate"].as_str().unwrap())
                .unwrap();
        assert!(
            expires > now && expires <= now + time::Duration::days(days),
            "{certificate}"
        );
    }
    let within = all
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let expires =
                ascert_models::date::parse(c["attributes"]["expirationDate"].as_str().unwrap()).unwrap();
            expires > now && expires <= now + time::Duration::days(days)
        })
        .count();
    assert_eq!(found.len(), within);
    let refused = env
        .run(&["certificates", "list", "--expired", "--expiring-within", "30"])
        .await;
    refused.fails_with(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn list_returns_everything_exactly_once_under_faults() {
    let faults = FaultConfig {
        retry_after_secs: 0,
        max_fault_latency: Duration::from_millis(5),
        ..FaultConfig::default()
    };
    let env = Env::with(Sandbox::builder().seed_certificates(600).faults(faults)).await;
    let expected: BTreeSet<String> = ids(&env.run(&["certificates", "list", "--json"]).await.json())
        .into_iter()
        .collect();
    for seed in 0..5 {
        env.sandbox.set_fault_rate(0.2, seed);
        let result = env
            .run(&["certificates", "list", "--json", "--limit", "100"])
            .await;
        result.ok();
        let got = ids(&result.json());
        assert_eq!(got.len(), 600, "seed {seed}");
        assert_eq!(got.into_iter().collect::<BTreeSet<_>>(), expected, "seed {seed}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn get_saves_der_or_prints_pem() {
    let env = Env::with(Sandbox::builder().seed_certificates(3)).await;
    let id = ids(&env.run(&["certificates", "list", "--json"]).await.json())[0].clone();
    let cer = env.path("cert.cer");
    env.run(&["certificates", "get", &id, "--out", cer.to_str().unwrap()])
        .await
        .ok();
    let text = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        cer.to_str().unwrap(),
        "-noout",
        "-subject",
    ]);
    assert!(text.contains("SBXTEAM001") || text.contains("subject="), "{text}");
    let pem = env.run(&["certificates", "get", &id, "--pem"]).await;
    assert!(pem.ok().starts_with("-----BEGIN CERTIFICATE-----\n"));
    let shown = env.run(&["certificates", "get", &id]).await;
    assert!(shown.ok().contains(&id));
}

#[tokio::test(flavor = "multi_thread")]
async fn activate_and_deactivate() {
    let env = Env::with(Sandbox::builder().seed_certificates(2)).await;
    let id = ids(&env.run(&["certificates", "list", "--json"]).await.json())[0].clone();
    let off = env.run(&["certificates", "deactivate", &id, "--json"]).await;
    off.ok();
    assert_eq!(off.json()["attributes"]["activated"], false);
    let on = env.run(&["certificates", "activate", &id]).await;
    on.ok();
    assert!(on.stderr.contains("is active"), "{}", on.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_needs_confirmation_and_then_revokes() {
    let env = Env::with(Sandbox::builder().seed_certificates(4)).await;
    let all = ids(&env.run(&["certificates", "list", "--json"]).await.json());
    let refused = env.run(&["certificates", "revoke", &all[0]]).await;
    let stderr = refused.fails_with(2);
    assert!(stderr.contains("--yes"), "{stderr}");
    assert_eq!(
        env.sandbox.certificate_count(),
        4,
        "nothing revoked without confirmation"
    );

    env.run(&["certificates", "revoke", &all[0], &all[1], "--yes"])
        .await
        .ok();
    assert_eq!(env.sandbox.certificate_count(), 2);
    let gone = env.run(&["certificates", "get", &all[0]]).await;
    gone.fails_with(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn revoke_expired_revokes_only_expired_certificates() {
    let env = Env::with(Sandbox::builder().seed_certificates(40)).await;
    let expired = env
        .run(&["certificates", "list", "--json", "--expired"])
        .await
        .json();
    let count = expired.as_array().unwrap().len();
    assert!(count > 0);
    let result = env
        .run(&["certificates", "revoke", "--expired", "--yes", "--json"])
        .await;
    result.ok();
    assert_eq!(result.json()["revoked"].as_array().unwrap().len(), count);
    assert_eq!(env.sandbox.certificate_count(), 40 - count);
    let left = env
        .run(&["certificates", "list", "--json", "--expired"])
        .await
        .json();
    assert!(left.as_array().unwrap().is_empty());
}
