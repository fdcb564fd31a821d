//! `ascert identities ensure` without a team store: created once, then reused; renewed when the
//! certificate is revoked or expires too soon; a full slot explained; exports on every run.

use ascert_sandbox::{Limits, Sandbox};

use crate::support::{Env, Run, mode, openssl};

async fn ensure(env: &Env, certificate_type: &str, extra: &[&str]) -> Run {
    let mut args = vec!["identities", "ensure", "--type", certificate_type, "--json"];
    args.extend(extra);
    env.run_with(&[("ASCERT_P12_PASSWORD", "ensure-p12-password")], &args)
        .await
}

#[tokio::test(flavor = "multi_thread")]
async fn ensure_creates_once_then_reuses() {
    let env = Env::start().await;
    let first = ensure(&env, "DISTRIBUTION", &[]).await;
    first.ok();
    let first = first.json();
    assert_eq!(first["outcome"], "created");
    assert_eq!(first["certificateType"], "DISTRIBUTION");
    assert!(first["daysLeft"].as_i64().unwrap() > 300, "{first}");
    assert_eq!(env.sandbox.certificate_count(), 1);

    let p12 = env.path("ci.p12");
    let second = ensure(&env, "DISTRIBUTION", &["--p12", p12.to_str().unwrap()]).await;
    second.ok();
    let second = second.json();
    assert_eq!(second["outcome"], "reused");
    assert_eq!(second["certificateId"], first["certificateId"]);
    assert_eq!(second["keyId"], first["keyId"]);
    assert_eq!(env.sandbox.certificate_count(), 1, "no second certificate");
    assert_eq!(mode(&p12), 0o600);
    let info = openssl(&[
        "pkcs12",
        "-in",
        p12.to_str().unwrap(),
        "-nokeys",
        "-passin",
        "pass:ensure-p12-password",
        "-legacy",
    ]);
    assert!(info.contains("BEGIN CERTIFICATE"), "{info}");

    // The line for people says the same, on stdout.
    let text = env.run(&["identities", "ensure", "--type", "DISTRIBUTION"]).await;
    let line = text.ok();
    let id = first["certificateId"].as_str().unwrap();
    assert!(
        line.starts_with(&format!("reused certificate {id} (DISTRIBUTION, expires ")),
        "{line}"
    );
    assert_eq!(line.lines().count(), 1, "{line}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_revoked_or_soon_expiring_certificate_is_replaced() {
    let env = Env::start().await;
    let first = ensure(&env, "DEVELOPMENT", &[]).await.json();
    let first_id = first["certificateId"].as_str().unwrap().to_owned();
    env.run(&["certificates", "revoke", &first_id, "--yes"])
        .await
        .ok();

    let second = ensure(&env, "DEVELOPMENT", &[]).await;
    second.ok();
    let second = second.json();
    assert_eq!(second["outcome"], "created");
    assert_ne!(second["certificateId"], first["certificateId"]);
    assert_ne!(second["keyId"], first["keyId"], "a new key for a new certificate");

    // Asking for more days than the certificate has left renews it.
    let days_left = second["daysLeft"].as_i64().unwrap();
    let renew = (days_left + 1).to_string();
    let third = ensure(&env, "DEVELOPMENT", &["--min-days-left", &renew]).await;
    third.ok();
    let third = third.json();
    assert_eq!(third["outcome"], "created");
    assert_ne!(third["certificateId"], second["certificateId"]);
    let enough = (days_left - 1).to_string();
    let fourth = ensure(&env, "DEVELOPMENT", &["--min-days-left", &enough])
        .await
        .json();
    assert_eq!(fourth["outcome"], "reused");
    assert_eq!(
        fourth["certificateId"], third["certificateId"],
        "the one that expires last"
    );
    // The revoked certificate is gone from Apple's list; the other two remain.
    assert_eq!(env.sandbox.certificate_count(), 2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewal_with_full_slots_names_the_runs_own_certificate() {
    let limits = Limits {
        distribution_per_team: 1,
        ..Limits::default()
    };
    let env = Env::with(Sandbox::builder().limits(limits)).await;
    let first = ensure(&env, "DISTRIBUTION", &[]).await.json();
    let id = first["certificateId"].as_str().unwrap();
    let days_left = first["daysLeft"].as_i64().unwrap();
    let renew = (days_left + 1).to_string();
    let full = ensure(&env, "DISTRIBUTION", &["--min-days-left", &renew]).await;
    full.fails_with(5);
    let error: serde_json::Value = serde_json::from_str(full.stderr.trim()).unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains(&format!("in use: {id} (DISTRIBUTION"))
            && message.contains("(its key is here: the certificate this run renews)"),
        "{message}"
    );
    // A renewal: the hint names the run's own certificate, not someone else's.
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("its own, {id}, expires on"))
            && hint.contains(&format!("within --min-days-left {renew}"))
            && hint.contains(&format!("ascert certificates revoke {id}")),
        "{error}"
    );
    assert_eq!(
        error["errors"][0]["code"], "ENTITY_ERROR",
        "Apple's errors kept: {error}"
    );
    assert_eq!(env.sandbox.certificate_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn types_bound_to_an_id_are_refused_before_any_request() {
    let env = Env::start().await;
    let refused = ensure(&env, "PASS_TYPE_ID", &[]).await;
    let stderr = refused.fails_with(2);
    assert!(
        stderr.contains("does not make PASS_TYPE_ID certificates"),
        "{stderr}"
    );
    assert_eq!(env.sandbox.certificate_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn two_options_reading_stdin_are_refused_before_any_request() {
    let env = Env::start().await;
    let both = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DEVELOPMENT",
            "--p12",
            "x.p12",
            "--password-stdin",
            "--store",
            "s3://bucket/team",
            "--passphrase-stdin",
        ])
        .await;
    let stderr = both.fails_with(2);
    assert!(
        stderr.contains("--password-stdin and --passphrase-stdin cannot both read standard input"),
        "{stderr}"
    );
    assert_eq!(env.sandbox.certificate_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn the_p12_an_earlier_run_wrote_is_rewritten_and_nothing_else_is() {
    let env = Env::start().await;
    let p12 = env.path("ci.p12");
    let path = p12.to_str().unwrap();
    let first = ensure(&env, "DISTRIBUTION", &["--p12", path]).await;
    first.ok();
    // Every CI job runs the same line: the file the first run wrote is rewritten, without --force.
    std::fs::write(env.path("marker"), b"").unwrap();
    let before = std::fs::metadata(&p12).unwrap().modified().unwrap();
    let second = ensure(&env, "DISTRIBUTION", &["--p12", path]).await;
    second.ok();
    assert_eq!(second.json()["outcome"], "reused");
    assert_eq!(second.json()["p12"], path);
    assert!(std::fs::metadata(&p12).unwrap().modified().unwrap() >= before);
    assert_eq!(mode(&p12), 0o600);

    // A renewal rewrites it with the new identity, which replaces the old one.
    let days_left = first.json()["daysLeft"].as_i64().unwrap();
    let renewed = ensure(
        &env,
        "DISTRIBUTION",
        &["--p12", path, "--min-days-left", &(days_left + 1).to_string()],
    )
    .await;
    renewed.ok();
    assert_eq!(renewed.json()["outcome"], "created");
    let info = openssl(&[
        "pkcs12",
        "-in",
        path,
        "-nokeys",
        "-passin",
        "pass:ensure-p12-password",
        "-legacy",
        "-clcerts",
    ]);
    assert!(info.contains("BEGIN CERTIFICATE"), "{info}");

    // A password that does not open it: not a file this ensure wrote, left alone.
    let other_password = env
        .run_with(
            &[("ASCERT_P12_PASSWORD", "another long password")],
            &["identities", "ensure", "--type", "DISTRIBUTION", "--p12", path],
        )
        .await;
    let stderr = other_password.fails_with(2);
    assert!(
        stderr.contains(&format!("{path} already exists")) && stderr.contains("--force"),
        "{stderr}"
    );

    // A .p12 whose key is not in the keystore (someone else's), and a file that is no .p12 at all.
    let foreign = env.path("foreign.p12");
    let key = env.path("foreign.key");
    openssl(&["genrsa", "-out", key.to_str().unwrap(), "2048"]);
    openssl(&[
        "req",
        "-new",
        "-x509",
        "-key",
        key.to_str().unwrap(),
        "-subj",
        "/CN=Someone Else",
        "-days",
        "30",
        "-out",
        env.path("foreign.pem").to_str().unwrap(),
    ]);
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        key.to_str().unwrap(),
        "-in",
        env.path("foreign.pem").to_str().unwrap(),
        "-passout",
        "pass:ensure-p12-password",
        "-out",
        foreign.to_str().unwrap(),
    ]);
    let theirs = std::fs::read(&foreign).unwrap();
    let refused = ensure(&env, "DISTRIBUTION", &["--p12", foreign.to_str().unwrap()]).await;
    assert!(
        refused.fails_with(2).contains("not in the local keystore"),
        "{}",
        refused.stderr
    );
    assert_eq!(std::fs::read(&foreign).unwrap(), theirs, "left as it was");
    std::fs::write(env.path("notes.txt"), b"keep me").unwrap();
    let notes = ensure(
        &env,
        "DISTRIBUTION",
        &["--p12", env.path("notes.txt").to_str().unwrap()],
    )
    .await;
    notes.fails_with(2);
    assert_eq!(std::fs::read(env.path("notes.txt")).unwrap(), b"keep me");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_renewal_says_which_certificate_it_replaces_and_how_to_revoke_it() {
    let env = Env::start().await;
    let first = ensure(&env, "DISTRIBUTION", &[]).await.json();
    let old = first["certificateId"].as_str().unwrap().to_owned();
    let renew = (first["daysLeft"].as_i64().unwrap() + 1).to_string();
    let renewed = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DISTRIBUTION",
            "--min-days-left",
            &renew,
        ])
        .await;
    renewed.ok();
    assert!(
        renewed.stdout.starts_with("created certificate "),
        "{}",
        renewed.stdout
    );
    assert!(
        renewed.stderr.contains(&format!("replaces {old}"))
            && renewed
                .stderr
                .contains(&format!("`ascert certificates revoke {old}`"))
            && renewed.stderr.contains("every machine"),
        "{}",
        renewed.stderr
    );
    // The renewed one is reused next; nothing is replaced then. With --json, `replaces` says it.
    let again = ensure(&env, "DISTRIBUTION", &[]).await.json();
    assert_eq!(again["outcome"], "reused");
    assert!(again.get("replaces").is_none(), "{again}");
    let json = ensure(&env, "DISTRIBUTION", &["--min-days-left", &renew]).await;
    json.ok();
    let replaces = json.json()["replaces"].clone();
    assert_eq!(replaces.as_array().unwrap().len(), 2, "{replaces}");
    assert!(replaces.as_array().unwrap().contains(&serde_json::json!(old)));
}
