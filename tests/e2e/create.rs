//! `ascert certificates create`: the safe flow, its checks, conflicts, lost responses and crashes.

use std::time::Duration;

use ascert_sandbox::{Limits, Sandbox};

use crate::support::{Env, mode, openssl};

const IDENTITY: [&str; 4] = ["--common-name", "Jane Appleseed", "--email", "jane@example.com"];

async fn create(env: &Env, certificate_type: &str, extra: &[&str]) -> crate::support::Run {
    let mut args = vec!["certificates", "create", "--type", certificate_type];
    args.extend(IDENTITY);
    args.extend(extra);
    env.run(&args).await
}

#[tokio::test(flavor = "multi_thread")]
async fn create_keeps_the_key_and_pairs_the_certificate() {
    let env = Env::start().await;
    let result = create(&env, "DEVELOPMENT", &["--json"]).await;
    result.ok();
    let json = result.json();
    assert_eq!(json["outcome"], "created");
    assert_eq!(
        json["certificate"]["attributes"]["certificateType"],
        "DEVELOPMENT"
    );
    let key_id = json["keyId"].as_str().unwrap();
    let key_file = env.home().join("keys").join(format!("{key_id}.key.pem"));
    assert_eq!(mode(&key_file), 0o600);
    assert_eq!(mode(&env.home().join("keys")), 0o700);
    let records = env.key_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["certificateId"], json["certificate"]["id"]);
    let identities = env.run(&["identities", "list", "--json"]).await.json();
    assert_eq!(identities[0]["status"], "paired");
}

#[tokio::test(flavor = "multi_thread")]
async fn create_with_p12_writes_a_bundle_macos_imports() {
    let env = Env::start().await;
    let p12 = env.path("dist.p12");
    let mut args = vec![
        "certificates",
        "create",
        "--type",
        "DISTRIBUTION",
        "--p12",
        p12.to_str().unwrap(),
    ];
    args.extend(IDENTITY);
    env.run_with(&[("ASCERT_P12_PASSWORD", "correct horse")], &args)
        .await
        .ok();
    assert_eq!(mode(&p12), 0o600);
    let info = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        p12.to_str().unwrap(),
        "-passin",
        "pass:correct horse",
        "-nokeys",
    ]);
    assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
    assert_eq!(
        info.matches("BEGIN CERTIFICATE").count(),
        2,
        "leaf and intermediate"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn inputs_are_checked_before_any_key_is_made() {
    let env = Env::start().await;
    let no_password = create(&env, "DISTRIBUTION", &["--p12", "x.p12"]).await;
    assert!(
        no_password.fails_with(2).contains("ASCERT_P12_PASSWORD"),
        "{}",
        no_password.stderr
    );
    let bad_type = create(&env, "DISTRIBUTON", &[]).await;
    assert!(
        bad_type.fails_with(2).contains("unknown certificate type"),
        "{}",
        bad_type.stderr
    );
    let bad_email = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DISTRIBUTION",
            "--common-name",
            "J",
            "--email",
            "nope",
        ])
        .await;
    assert!(
        bad_email.fails_with(2).contains("not an e-mail address"),
        "{}",
        bad_email.stderr
    );
    let keychain = create(&env, "DISTRIBUTION", &["--keychain"]).await;
    if !std::path::Path::new("/usr/bin/security").exists() {
        assert!(
            keychain.fails_with(1).contains("only available on macOS"),
            "{}",
            keychain.stderr
        );
    }
    assert!(env.key_records().is_empty(), "no key was made");
    assert_eq!(env.sandbox.certificate_count(), 0, "nothing was sent");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lost_create_response_is_adopted_not_repeated() {
    let env = Env::start().await;
    env.sandbox.drop_next_create_responses(1);
    let result = create(&env, "DISTRIBUTION", &["--json"]).await;
    result.ok();
    assert_eq!(result.json()["outcome"], "adopted");
    assert_eq!(env.sandbox.certificate_count(), 1, "exactly one certificate");
    assert_eq!(env.key_records().len(), 1);
    assert_eq!(
        env.key_records()[0]["certificateId"],
        result.json()["certificate"]["id"]
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_full_slot_held_by_a_key_here_says_use_it_and_the_key_is_reused_after_a_revoke() {
    let limits = Limits {
        distribution_per_team: 1,
        ..Limits::default()
    };
    let env = Env::with(Sandbox::builder().limits(limits)).await;
    let first = create(&env, "DISTRIBUTION", &["--json"]).await;
    first.ok();
    let first_id = first.json()["certificate"]["id"].as_str().unwrap().to_owned();

    let refused = create(&env, "DISTRIBUTION", &[]).await;
    let stderr = refused.fails_with(5);
    assert!(
        stderr.contains(&format!("in use: {first_id}"))
            && stderr.contains("(its key is in the local keystore)"),
        "{stderr}"
    );
    // Its key is here: use it and share it, do not revoke it.
    assert!(
        stderr.contains(&format!(
            "certificate {first_id} has its key in the local keystore"
        )) && stderr.contains(&format!("`ascert team push {first_id}`")),
        "{stderr}"
    );
    assert!(!stderr.contains("certificates revoke"), "{stderr}");
    assert!(
        stderr.contains("You already have a current"),
        "Apple's words: {stderr}"
    );
    assert_eq!(
        stderr.matches("You already have a current").count(),
        1,
        "said once: {stderr}"
    );
    assert_eq!(env.key_records().len(), 2, "the new key is kept");

    env.run(&["certificates", "revoke", &first_id, "--yes"])
        .await
        .ok();
    let retried = create(&env, "DISTRIBUTION", &["--json"]).await;
    retried.ok();
    assert_eq!(retried.json()["reusedKey"], true, "{retried:?}");
    assert_eq!(env.key_records().len(), 2, "no third key");
    assert_eq!(env.sandbox.certificate_count(), 1);
}

/// Waits (bounded) until `condition` holds, checking every 10 ms.
async fn until(what: &str, mut condition: impl FnMut() -> bool) {
    for _ in 0..3000 {
        if condition() {
            return;
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Kills `ascert certificates create` at a point chosen by `kill_when`, then runs it again: the
/// rerun must leave exactly one new certificate, paired with a local key.
async fn killed_then_rerun(kill_when: &str) {
    let env = Env::start().await;
    // Slow enough that the kill lands inside the window being tested.
    env.sandbox.set_latency(Duration::from_millis(400));
    env.sandbox.set_create_response_delay(Duration::from_secs(30));
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "create", "--type", "DEVELOPMENT"])
        .args(IDENTITY);
    let mut child = command.spawn().unwrap();
    match kill_when {
        "key persisted" => until("the key file", || !env.key_records().is_empty()).await,
        "certificate issued" => until("the certificate", || env.sandbox.certificate_count() == 1).await,
        other => panic!("{other}"),
    }
    child.kill().unwrap();
    child.wait().unwrap();
    assert_eq!(env.key_records().len(), 1, "the key survived the kill");

    env.sandbox.set_latency(Duration::ZERO);
    env.sandbox.set_create_response_delay(Duration::ZERO);
    let rerun = create(&env, "DEVELOPMENT", &["--json"]).await;
    rerun.ok();
    assert_eq!(rerun.json()["reusedKey"], true, "{rerun:?}");
    assert_eq!(env.sandbox.certificate_count(), 1, "exactly one certificate");
    let records = env.key_records();
    assert_eq!(records.len(), 1, "no second key");
    assert_eq!(
        records[0]["certificateId"],
        rerun.json()["certificate"]["id"],
        "paired"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_after_the_key_is_persisted_then_rerun() {
    killed_then_rerun("key persisted").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_while_the_post_is_in_flight_then_rerun() {
    killed_then_rerun("certificate issued").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn a_users_own_csr_gets_a_certificate_without_a_local_key() {
    let env = Env::start().await;
    let key = env.path("own.key");
    let csr = env.path("own.csr");
    openssl(&["genrsa", "-out", key.to_str().unwrap(), "2048"]);
    openssl(&[
        "req",
        "-new",
        "-key",
        key.to_str().unwrap(),
        "-out",
        csr.to_str().unwrap(),
        "-subj",
        "/CN=Own Key/emailAddress=own@example.com/C=US",
    ]);
    let result = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "IOS_DEVELOPMENT",
            "--csr",
            csr.to_str().unwrap(),
            "--json",
        ])
        .await;
    result.ok();
    assert_eq!(
        result.json()["certificate"]["attributes"]["certificateType"],
        "IOS_DEVELOPMENT"
    );
    assert_eq!(result.json()["keyId"], serde_json::Value::Null);
    assert!(env.key_records().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csr_from_keys_generate_pairs_the_certificate_with_its_key() {
    let env = Env::start().await;
    let csr = env.path("mine.csr");
    env.run(&[
        "keys",
        "generate",
        "--common-name",
        "Mine",
        "--email",
        "mine@example.com",
        "--csr-out",
        csr.to_str().unwrap(),
    ])
    .await
    .ok();
    let created = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--csr",
            csr.to_str().unwrap(),
        ])
        .await;
    let said = created.ok();
    assert!(
        created.stderr.contains("of the local keystore: paired"),
        "{created:?}"
    );
    assert!(!created.stderr.contains("did not see"), "{said}");
    let keys = env.run(&["keys", "list", "--json"]).await.json();
    let identities = env.run(&["identities", "list", "--json"]).await.json();
    let paired = identities
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "paired")
        .unwrap_or_else(|| panic!("no paired identity: {identities}"));
    assert_eq!(
        keys[0]["certificateId"], paired["certificateId"],
        "{keys}\n{identities}"
    );
    let table = env.run(&["keys", "list"]).await;
    assert!(!table.ok().contains("(none yet)"), "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_generated_on_purpose_is_not_taken_for_an_unfinished_run() {
    let env = Env::start().await;
    let generated = env
        .run(&[
            "keys",
            "generate",
            "--common-name",
            "CI Box",
            "--email",
            "ci@example.com",
            "--type",
            "IOS_DISTRIBUTION",
            "--json",
        ])
        .await
        .json();
    let created = create(&env, "IOS_DISTRIBUTION", &["--json"]).await;
    created.ok();
    assert!(!created.stderr.contains("Reusing"), "{}", created.stderr);
    let created = created.json();
    assert_eq!(created["reusedKey"], false);
    assert_ne!(created["keyId"], generated["keyId"], "a new key for Jane");
    let records = env.key_records();
    let jane = records.iter().find(|r| r["keyId"] == created["keyId"]).unwrap();
    assert_eq!(jane["pendingRequest"]["commonName"], "Jane Appleseed");
    assert_eq!(jane["pendingRequest"]["email"], "jane@example.com");
    let csr = jane["csrPem"].as_str().unwrap();
    let subject = openssl_stdin(&["req", "-noout", "-subject"], csr);
    assert!(subject.contains("CN = Jane Appleseed"), "{subject}");
    // The generated key is untouched and still waits for its own certificate.
    let ci_box = records.iter().find(|r| r["keyId"] == generated["keyId"]).unwrap();
    assert!(ci_box.get("certificateId").is_none(), "{ci_box}");
}

/// Runs `openssl ARGS` with `input` on stdin and returns stdout.
fn openssl_stdin(args: &[&str], input: &str) -> String {
    use std::io::Write as _;
    let mut child = std::process::Command::new("openssl")
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("openssl is installed");
    child.stdin.take().unwrap().write_all(input.as_bytes()).unwrap();
    let output = child.wait_with_output().unwrap();
    String::from_utf8_lossy(&output.stdout).into_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_p12_in_a_missing_folder_is_refused_before_anything_is_made() {
    let env = Env::start().await;
    let p12 = env.path("no-such-folder").join("dist.p12");
    let refused = env
        .run_with(
            &[("ASCERT_P12_PASSWORD", "a long enough password")],
            &[
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--p12",
                p12.to_str().unwrap(),
            ],
        )
        .await;
    let stderr = refused.fails_with(2);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(env.key_records().is_empty(), "no key was made");
    assert_eq!(env.sandbox.certificate_count(), 0, "no certificate was created");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_left_by_a_refused_run_is_reused_with_words_that_say_so() {
    let limits = Limits {
        distribution_per_team: 1,
        ..Limits::default()
    };
    let env = Env::with(Sandbox::builder().limits(limits)).await;
    let first = create(&env, "DISTRIBUTION", &["--json"]).await;
    first.ok();
    let first_id = first.json()["certificate"]["id"].as_str().unwrap().to_owned();
    create(&env, "DISTRIBUTION", &[]).await.fails_with(5);
    env.run(&["certificates", "revoke", &first_id, "--yes"])
        .await
        .ok();
    let retried = create(&env, "DISTRIBUTION", &[]).await;
    retried.ok();
    assert!(
        retried
            .stderr
            .contains("for a DISTRIBUTION certificate that an earlier run did not get"),
        "{}",
        retried.stderr
    );
    assert!(!retried.stderr.contains("did not finish"), "{}", retried.stderr);
}
