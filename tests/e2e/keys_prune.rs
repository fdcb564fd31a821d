//! `ascert keys prune`: what it removes, on what evidence, and what it keeps; and `keys list`
//! agreeing with `identities list`.

use ascert_sandbox::{Limits, Sandbox};

use crate::support::{Env, run_in_terminal};

const IDENTITY: [&str; 4] = ["--common-name", "Jane Appleseed", "--email", "jane@example.com"];

async fn create(env: &Env, certificate_type: &str) -> crate::support::Run {
    let mut args = vec!["--json", "certificates", "create", "--type", certificate_type];
    args.extend(IDENTITY);
    env.run(&args).await
}

/// The record file of a key.
fn record_path(env: &Env, key_id: &str) -> std::path::PathBuf {
    env.home().join("keys").join(format!("{key_id}.json"))
}

fn key_ids(env: &Env) -> Vec<String> {
    env.key_records()
        .iter()
        .map(|r| r["keyId"].as_str().unwrap().to_owned())
        .collect()
}

/// The keys of a prune: a paired key of a valid certificate, the key of a revoked one, the pending
/// key a rerun resumes, an older pending key of the same request, and a key made on purpose.
struct Keys {
    development: String,
    revoked: String,
    revoked_id: String,
    pending: String,
    older: String,
    on_purpose: String,
}

async fn keys_to_prune() -> (Env, Keys) {
    let limits = Limits {
        distribution_per_team: 1,
        ..Limits::default()
    };
    let env = Env::with(Sandbox::builder().limits(limits)).await;
    // A certificate of the team that stays: it shows which team the API key is of.
    let development = create(&env, "DEVELOPMENT").await;
    development.ok();
    let development_key = development.json()["keyId"].as_str().unwrap().to_owned();
    let first = create(&env, "DISTRIBUTION").await;
    first.ok();
    let revoked_id = first.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let revoked_key = first.json()["keyId"].as_str().unwrap().to_owned();
    // The slot is full: App Store Connect refuses with a 409, and the run's key stays pending.
    create(&env, "DISTRIBUTION").await.fails_with(5);
    let pending_key = key_ids(&env)
        .into_iter()
        .find(|k| *k != development_key && *k != revoked_key)
        .unwrap();
    // An older key left pending by another run of the same request (as two runs started together
    // leave one): made here as `keys generate` makes a key, then given the run's record.
    let generated = env
        .run(&["--json", "keys", "generate", "--type", "DISTRIBUTION"])
        .await;
    generated.ok();
    let older_key = generated.json()["keyId"].as_str().unwrap().to_owned();
    let pending: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record_path(&env, &pending_key)).unwrap()).unwrap();
    let mut older: serde_json::Value =
        serde_json::from_slice(&std::fs::read(record_path(&env, &older_key)).unwrap()).unwrap();
    older["pendingRequest"] = pending["pendingRequest"].clone();
    older["created"] = "2026-01-01T00:00:00Z".into();
    std::fs::write(record_path(&env, &older_key), older.to_string()).unwrap();
    // A key made on purpose, for a CSR to upload by hand.
    let on_purpose = env
        .run(&["--json", "keys", "generate", "--label", "for the website"])
        .await;
    on_purpose.ok();
    let on_purpose_key = on_purpose.json()["keyId"].as_str().unwrap().to_owned();
    env.run(&["certificates", "revoke", &revoked_id, "--yes"])
        .await
        .ok();

    let keys = Keys {
        development: development_key,
        revoked: revoked_key,
        revoked_id,
        pending: pending_key,
        older: older_key,
        on_purpose: on_purpose_key,
    };
    (env, keys)
}

#[tokio::test(flavor = "multi_thread")]
async fn prune_removes_revoked_and_superseded_pending_keys_and_keeps_what_a_run_can_use() {
    let (env, keys) = keys_to_prune().await;
    let Keys {
        development: development_key,
        revoked: revoked_key,
        revoked_id,
        pending: pending_key,
        older: older_key,
        on_purpose: on_purpose_key,
    } = keys;
    // Off a terminal, without --yes: the plan and its evidence, then a refusal; nothing removed.
    let refused = env.run(&["keys", "prune"]).await;
    let stderr = refused.fails_with(2).to_owned();
    assert!(
        stderr.contains(&format!("{} (DISTRIBUTION", &revoked_key[..12]))
            && stderr.contains(&format!(
                "App Store Connect answers 404 for its certificate {revoked_id} (revoked or deleted)"
            )),
        "{stderr}"
    );
    assert!(
        stderr.contains(&older_key[..12])
            && stderr.contains("a newer pending key of the same request is the one a rerun resumes")
            && stderr.contains("no run is under way"),
        "{stderr}"
    );
    assert!(
        stderr.contains(&format!("Keeping {}", &pending_key[..12]))
            && stderr.contains("`ascert certificates create --type DISTRIBUTION`"),
        "the key a rerun resumes is kept: {stderr}"
    );
    assert!(
        stderr.contains(&format!("Keeping {}", &on_purpose_key[..12]))
            && stderr.contains("made or imported on purpose"),
        "{stderr}"
    );
    assert!(
        !stderr.contains(&development_key[..12]),
        "a valid identity is no candidate: {stderr}"
    );
    assert!(stderr.contains("add --yes"), "{stderr}");
    assert_eq!(key_ids(&env).len(), 5);

    // At a terminal the question is asked; "n" keeps everything.
    let mut at_terminal = env.bare();
    at_terminal
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["keys", "prune"]);
    let answered_no = run_in_terminal(&at_terminal, "n").await;
    assert_eq!(answered_no.code, 2, "{answered_no:?}");
    assert!(
        answered_no.stdout.contains("Remove 2 private keys?"),
        "{answered_no:?}"
    );
    assert_eq!(key_ids(&env).len(), 5);

    // While a run holds the keystore's run lock, a pending key it may be using is kept.
    {
        let lock = std::fs::File::open(env.home().join("keys").join(".runs.lock")).unwrap();
        rustix::fs::flock(&lock, rustix::fs::FlockOperation::LockShared).unwrap();
        let during_run = env.run(&["--json", "keys", "prune", "--yes"]).await;
        during_run.ok();
        let report = during_run.json();
        let removed: Vec<&str> = report["removed"]
            .as_array()
            .unwrap()
            .iter()
            .map(|r| r["keyId"].as_str().unwrap())
            .collect();
        assert_eq!(removed, [revoked_key.as_str()], "{during_run:?}");
        let kept = during_run.json()["kept"].to_string();
        assert!(kept.contains("is under way and may be using it"), "{kept}");
    }

    let pruned = env.run(&["--json", "keys", "prune", "--yes"]).await;
    pruned.ok();
    let removed = &pruned.json()["removed"];
    assert_eq!(removed.as_array().unwrap().len(), 1, "{pruned:?}");
    assert_eq!(removed[0]["keyId"], older_key.as_str());
    assert_eq!(removed[0]["state"], "pending");
    let mut left = key_ids(&env);
    left.sort();
    let mut expected = vec![development_key, pending_key, on_purpose_key];
    expected.sort();
    assert_eq!(left, expected);
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_list_shows_the_certificate_identities_list_pairs_a_key_with() {
    let env = Env::start().await;
    let created = create(&env, "DEVELOPMENT").await;
    created.ok();
    let certificate_id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let key_id = created.json()["keyId"].as_str().unwrap().to_owned();
    let p12 = env.path("dev.p12");
    let vars = [("P12_PASSWORD", "a long enough password")];
    env.run_with(
        &vars,
        &[
            "identities",
            "export",
            &certificate_id,
            "--password-env",
            "P12_PASSWORD",
            "--p12",
            p12.to_str().unwrap(),
        ],
    )
    .await
    .ok();
    // On another machine: the key comes from the .p12, with its certificate but not Apple's id.
    let other_home = env.path("other-home");
    let on_other = |args: &[&str]| {
        let mut command = env.bare();
        command
            .env("ASCERT_HOME", &other_home)
            .env("P12_PASSWORD", "a long enough password")
            .arg("--api-key")
            .arg(&env.api_key_json)
            .args(args);
        command
    };
    crate::support::run(on_other(&[
        "keys",
        "import",
        p12.to_str().unwrap(),
        "--password-env",
        "P12_PASSWORD",
    ]))
    .await
    .ok();
    let listed = crate::support::run(on_other(&["keys", "list"])).await;
    assert!(!listed.ok().contains("(none yet)"), "{listed:?}");
    assert!(listed.stdout.contains("(recorded, id unknown)"), "{listed:?}");

    let identities = crate::support::run(on_other(&["--json", "identities", "list"])).await;
    identities.ok();
    let paired = identities.json()[0].clone();
    assert_eq!(paired["status"], "paired");
    assert_eq!(paired["keyId"], key_id.as_str());
    let listed = crate::support::run(on_other(&["--json", "keys", "list"])).await;
    assert_eq!(
        listed.json()[0]["certificateId"],
        certificate_id.as_str(),
        "{listed:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn default_labels_tell_the_keys_of_a_day_apart() {
    let env = Env::start().await;
    let generated = env
        .run(&["--json", "keys", "generate", "--type", "DISTRIBUTION"])
        .await;
    generated.ok();
    let label = generated.json()["label"].as_str().unwrap().to_owned();
    // "DISTRIBUTION 2026-12-07 05:31:07 UTC": the time to the second, not the day alone.
    let parts: Vec<&str> = label.split(' ').collect();
    assert_eq!(parts.len(), 4, "{label}");
    assert_eq!(parts[0], "DISTRIBUTION");
    assert_eq!(parts[2].len(), 8, "{label}");
    assert_eq!(parts[2].matches(':').count(), 2, "{label}");
    assert_eq!(parts[3], "UTC");
}
