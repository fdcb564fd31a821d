//! Credentials from each source, `ascert auth status` and `ascert auth token`.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::support::{Env, run};

fn claims(token: &str) -> (serde_json::Value, serde_json::Value) {
    let mut parts = token.trim().split('.');
    let header = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    let payload = URL_SAFE_NO_PAD.decode(parts.next().unwrap()).unwrap();
    assert!(parts.next().is_some(), "a signature");
    (
        serde_json::from_slice(&header).unwrap(),
        serde_json::from_slice(&payload).unwrap(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn token_prints_a_jwt_for_curl() {
    let env = Env::start().await;
    let result = env
        .run(&[
            "auth",
            "token",
            "--scope",
            "GET /v1/certificates",
            "--lifetime",
            "600",
        ])
        .await;
    let (header, payload) = claims(result.ok());
    assert_eq!(header["alg"], "ES256");
    assert_eq!(header["kid"], env.sandbox.api_key().key_id.as_str());
    assert_eq!(payload["aud"], "appstoreconnect-v1");
    assert_eq!(payload["iss"], env.sandbox.issuer_id());
    assert_eq!(payload["scope"][0], "GET /v1/certificates");
    assert_eq!(
        payload["exp"].as_i64().unwrap() - payload["iat"].as_i64().unwrap(),
        600
    );
    env.run(&["auth", "token", "--lifetime", "5000"])
        .await
        .fails_with(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn status_says_which_key_and_whether_apple_accepts_it() {
    let env = Env::start().await;
    let result = env.run(&["auth", "status"]).await;
    // The report is the command's output: on stdout, for `ascert auth status | grep Accepted`.
    result.ok();
    assert!(result.stdout.contains("Accepted: yes"), "{result:?}");
    assert!(result.stdout.contains("command-line flags"), "{result:?}");
    let json = env.run(&["auth", "status", "--json"]).await.json();
    assert_eq!(json["accepted"], true);
    assert_eq!(json["reachable"], true);
    assert_eq!(json["keyId"], env.sandbox.api_key().key_id.as_str());
}

#[tokio::test(flavor = "multi_thread")]
async fn status_tells_a_server_that_does_not_answer_from_a_refused_key() {
    let env = Env::start().await;
    // Nothing listens on port 9 of the loopback: no answer at all, so no verdict on the key.
    let unreachable = env
        .run_with(
            &[("ASCERT_BASE_URL", "http://127.0.0.1:9")],
            &["auth", "status", "--timeout", "2s"],
        )
        .await;
    // Nothing listening on this machine is not retried: it fails at once, and says so.
    let stderr = unreachable.fails_with(1);
    assert!(
        stderr.contains("nothing is listening at http://127.0.0.1:9"),
        "{stderr}"
    );
    assert!(
        unreachable
            .stdout
            .contains("Accepted: unknown: the server did not answer"),
        "{unreachable:?}"
    );
    assert!(stderr.contains("no answer from http://127.0.0.1:9"), "{stderr}");
    assert!(!stderr.contains("did not accept"), "{stderr}");
    let json = env
        .run_with(
            &[("ASCERT_BASE_URL", "http://127.0.0.1:9")],
            &["auth", "status", "--timeout", "2s", "--json"],
        )
        .await;
    assert_eq!(json.json()["reachable"], false, "{json:?}");
    assert_eq!(json.json()["accepted"], serde_json::Value::Null, "{json:?}");

    // A key App Store Connect does not know: a verdict, exit 3.
    // (Another sandbox's key: well formed, signed, and unknown here.)
    let other = Env::start().await;
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&other.api_key_json)
        .args(["auth", "status"]);
    let refused = run(command).await;
    let stderr = refused.fails_with(3);
    assert!(refused.stdout.contains("Accepted: no"), "{refused:?}");
    assert!(stderr.contains("did not accept the key"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn every_credential_source_works() {
    let env = Env::start().await;
    let key = env.sandbox.api_key();
    let p8 = env.private_key.to_str().unwrap().to_owned();

    // --private-key with --key-id and --issuer-id.
    let mut command = env.bare();
    command.args([
        "--private-key",
        &p8,
        "--issuer-id",
        &key.issuer_id,
        "auth",
        "status",
    ]);
    assert!(run(command).await.stdout.contains("Accepted: yes"));

    // Environment variables.
    let mut command = env.bare();
    command
        .env("ASC_KEY_ID", &key.key_id)
        .env("ASC_ISSUER_ID", &key.issuer_id)
        .env("ASC_PRIVATE_KEY_PATH", &p8)
        .args(["auth", "status"]);
    let by_env = run(command).await;
    assert!(
        by_env.stdout.contains("environment variables"),
        "{}",
        by_env.stdout
    );

    // The config file's profile.
    std::fs::write(
        env.path("config.toml"),
        format!(
            "[profiles.ci]\nkey_id = \"{}\"\nissuer_id = \"{}\"\nprivate_key = \"{p8}\"\n",
            key.key_id, key.issuer_id
        ),
    )
    .unwrap();
    let mut command = env.bare();
    command.args(["--profile", "ci", "auth", "status"]);
    let by_profile = run(command).await;
    assert!(
        by_profile.stdout.contains("profile \"ci\""),
        "{}",
        by_profile.stdout
    );

    // AuthKey_<KEY_ID>.p8 in ./private_keys, found by key id.
    std::fs::create_dir_all(env.path("private_keys")).unwrap();
    std::fs::copy(
        &env.private_key,
        env.path("private_keys")
            .join(format!("AuthKey_{}.p8", key.key_id)),
    )
    .unwrap();
    let mut command = env.bare();
    command.args([
        "--key-id",
        &key.key_id,
        "--issuer-id",
        &key.issuer_id,
        "auth",
        "status",
    ]);
    let by_lookup = run(command).await;
    assert!(by_lookup.stdout.contains("private_keys"), "{}", by_lookup.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn no_key_at_all_is_an_authentication_failure_with_a_hint() {
    let env = Env::start().await;
    let mut command = env.bare();
    command.args(["certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(
        stderr.starts_with("error: no App Store Connect API key found\n  hint: "),
        "{stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn login_saves_the_key_in_the_os_store_and_logout_removes_it() {
    let env = Env::start().await;
    // A profile of its own, so that parallel runs and the machine's own profiles are untouched.
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let profile = format!("ascert-e2e-{}-{nanos}", std::process::id());
    let login = env.run(&["--profile", &profile, "auth", "login"]).await;
    assert!(login.ok().is_empty());
    assert!(
        login.stderr.contains(&format!("as profile {profile:?}")),
        "{}",
        login.stderr
    );
    // The store is named as people know it, not by its crate's web address.
    assert!(!login.stderr.contains("https://"), "{}", login.stderr);
    // Here (no session bus) the key goes to the kernel keyring, and the user is told it will not last.
    if login.stderr.contains("in the Linux kernel keyring") {
        assert!(
            login
                .stderr
                .contains("forgets it after 3 days without use and at a reboot"),
            "{}",
            login.stderr
        );
    } else {
        assert!(!login.stderr.contains("forgets it"), "{}", login.stderr);
    }

    // Without any flag, the stored key is found under the profile.
    // The base URL given at login (ASCERT_BASE_URL, the sandbox's) is kept in the config file's
    // profile: the profile alone reaches the sandbox.
    let config = std::fs::read_to_string(env.path("config.toml")).unwrap();
    assert!(config.contains(&format!("[profiles.{profile}]")), "{config}");
    assert!(login.stderr.contains("Saved base URL"), "{}", login.stderr);
    let mut command = env.bare();
    command
        .env_remove("ASCERT_BASE_URL")
        .args(["--profile", &profile, "auth", "status"]);
    let status = run(command).await;
    status.ok();
    assert!(
        status.stdout.contains("the OS credential store"),
        "{}",
        status.stdout
    );
    assert!(
        status.stdout.contains(env.sandbox.base_url()),
        "{}",
        status.stdout
    );

    let mut command = env.bare();
    command.args(["--profile", &profile, "auth", "logout"]);
    run(command).await.ok();
    let config = std::fs::read_to_string(env.path("config.toml")).unwrap();
    assert!(
        !config.contains(&profile),
        "logout removes what login wrote: {config}"
    );
    let mut command = env.bare();
    command.args(["--profile", &profile, "auth", "status"]);
    let gone = run(command).await;
    assert!(
        gone.fails_with(3).contains(&format!("no profile {profile:?}")),
        "{gone:?}"
    );
    // Nothing saved any more: logging out again is no failure.
    let mut command = env.bare();
    command.args(["--profile", &profile, "auth", "logout"]);
    let again = run(command).await;
    again.ok();
    assert!(again.stderr.contains("nothing to remove"), "{again:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn login_keeps_the_users_config_file_and_refuses_a_bad_base_url() {
    let env = Env::start().await;
    let written = "# my settings\n[profiles.other]\nkey_id = \"ABCDEFGHIJ\"  # kept\n";
    std::fs::write(env.path("config.toml"), written).unwrap();
    let nanos = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_nanos();
    let profile = format!("ascert-e2e-{}-{nanos}", std::process::id());
    let bad = env
        .run(&[
            "--profile",
            &profile,
            "--base-url",
            "localhost:8080",
            "auth",
            "login",
        ])
        .await;
    assert!(bad.fails_with(2).contains("not an http(s) URL"), "{bad:?}");
    env.run(&["--profile", &profile, "auth", "login"]).await.ok();
    let config = std::fs::read_to_string(env.path("config.toml")).unwrap();
    assert!(config.starts_with(written), "{config}");
    assert!(
        config.contains(&format!("base_url = \"{}\"", env.sandbox.base_url())),
        "{config}"
    );
    env.run(&["--profile", &profile, "auth", "logout"]).await.ok();
    assert_eq!(std::fs::read_to_string(env.path("config.toml")).unwrap(), written);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_key_without_its_issuer_id_gets_a_hint_that_names_it() {
    let env = Env::with(ascert_sandbox::Sandbox::builder().record_exchanges(true)).await;
    // The sandbox's key is a team key; given as AuthKey_<ID>.p8 alone it is refused before any
    // request, unless it is said to be an individual key.
    let mut command = env.bare();
    command
        .arg("--private-key")
        .arg(&env.private_key)
        .args(["certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(stderr.contains("has no issuer id"), "{stderr}");
    assert!(stderr.contains("--individual-key"), "{stderr}");
    assert!(env.sandbox.exchanges().is_empty(), "no request was sent");
    // Said to be an individual key, it is sent as one: Apple refuses a team key so, and the hint
    // names the issuer id.
    let mut command = env.bare();
    command
        .arg("--private-key")
        .arg(&env.private_key)
        .args(["--individual-key", "certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(stderr.contains("without an issuer id"), "{stderr}");
    assert!(stderr.contains("--issuer-id"), "{stderr}");

    let key = env.sandbox.api_key();
    let mut command = env.bare();
    command
        .env("ASC_KEY_ID", &key.key_id)
        .env("ASC_PRIVATE_KEY_PATH", &env.private_key)
        .args(["certificates", "list"]);
    let by_env = run(command).await;
    assert!(by_env.fails_with(3).contains("ASC_ISSUER_ID"), "{by_env:?}");

    // With the issuer id the same key works.
    let mut command = env.bare();
    command.arg("--private-key").arg(&env.private_key).args([
        "--issuer-id",
        &key.issuer_id,
        "certificates",
        "list",
    ]);
    run(command).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_missing_key_file_says_what_the_file_should_be() {
    let env = Env::start().await;
    let mut command = env.bare();
    command.args(["--api-key", "/nope/AuthKey_X.p8", "certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(stderr.contains("cannot read the API key file"), "{stderr}");
    assert!(stderr.contains("hint: check the path"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_individual_key_said_to_be_one_works_from_flags_and_the_environment() {
    let env = Env::start().await;
    let individual = env
        .sandbox
        .add_key(
            ascert_sandbox::KeyRole::Admin,
            ascert_sandbox::KeyKind::Individual,
        )
        .unwrap();
    let files = individual.write_files(&env.path("individual")).unwrap();
    let mut command = env.bare();
    command.arg("--private-key").arg(&files.private_key_path).args([
        "--individual-key",
        "certificates",
        "list",
    ]);
    run(command).await.ok();
    let mut command = env.bare();
    command
        .env("ASC_KEY_ID", &individual.key_id)
        .env("ASC_INDIVIDUAL_KEY", "1")
        .env("ASC_PRIVATE_KEY_PATH", &files.private_key_path)
        .args(["certificates", "list"]);
    run(command).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pem_key_with_escaped_line_breaks_in_asc_private_key_is_accepted() {
    let env = Env::start().await;
    let key = env.sandbox.api_key();
    let pem = std::fs::read_to_string(&env.private_key).unwrap();
    // As CI secret stores and .env files keep it: one line, `\n` for each line break.
    let one_line = pem.trim_end().replace('\n', "\\n");
    let mut command = env.bare();
    command
        .env("ASC_KEY_ID", &key.key_id)
        .env("ASC_ISSUER_ID", &key.issuer_id)
        .env("ASC_PRIVATE_KEY", &one_line)
        .args(["certificates", "list"]);
    run(command).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn login_without_a_key_says_how_to_give_one_not_to_run_login() {
    let env = Env::start().await;
    let mut command = env.bare();
    command.args(["auth", "login"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(
        stderr.contains("auth login saves an API key given to it"),
        "{stderr}"
    );
    assert!(stderr.contains("ascert auth login --api-key"), "{stderr}");
    assert!(!stderr.contains("save one with `ascert auth login`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_p12_given_as_the_api_key_is_not_told_about_file_permissions() {
    let env = Env::start().await;
    let p12 = env.path("identity.p12");
    std::fs::write(&p12, [0x30, 0x82, 0x0a, 0xff, 0xfe, 0x00, 0x9c]).unwrap();
    let mut command = env.bare();
    command.arg("--api-key").arg(&p12).args(["certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(!stderr.contains("0600"), "{stderr}");
    assert!(stderr.contains("`ascert keys import`"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_named_profile_wins_over_the_environment_and_a_missing_config_file_is_an_error() {
    let env = Env::start().await;
    let key = env.sandbox.api_key();
    std::fs::write(
        env.path("config.toml"),
        format!(
            "[profiles.ci]\nkey_id = \"{}\"\nissuer_id = \"{}\"\nprivate_key = \"{}\"\n",
            key.key_id,
            key.issuer_id,
            env.private_key.display()
        ),
    )
    .unwrap();
    // The environment names another key, whose file is not there.
    let mut command = env.bare();
    command
        .env("ASC_KEY_ID", "AAAAAAAAAA")
        .env("ASC_ISSUER_ID", &key.issuer_id)
        .env("ASC_PRIVATE_KEY_PATH", env.path("missing.p8"))
        .args(["--profile", "ci", "auth", "status"]);
    let status = run(command).await;
    assert!(status.ok().contains("profile \"ci\""), "{status:?}");

    let mut command = env.bare();
    command
        .env("ASCERT_CONFIG", env.path("no-such-config.toml"))
        .args(["certificates", "list"]);
    let missing = run(command).await;
    let stderr = missing.fails_with(2);
    assert!(
        stderr.contains("ASCERT_CONFIG names the config file") && stderr.contains("which does not exist"),
        "{stderr}"
    );
}
