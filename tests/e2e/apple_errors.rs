//! Apple's error codes as a user sees them: Apple's own words, what they mean, what to do, and the
//! App Store Connect page that `links.see` names. The table itself is tested row by row in
//! `crates/cli/src/apple_errors.rs`; these run the binary against servers that answer as Apple does.

use ascert_sandbox::{KeyKind, KeyRole};

use crate::hostile_server::{HostileServer, http};
use crate::support::{Env, run};

const AGREEMENT: &[u8] = br#"{"errors":[{"id":"5d6f4c3a-1b2e-4f70-8a9b-0c1d2e3f4a5b","status":"403","code":"FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED","title":"A required agreement is missing or has expired.","detail":"This request requires an in-effect agreement that has not been signed or has expired.","links":{"see":"/agreements"}}]}"#;

fn against(env: &Env, server: &HostileServer, args: &[&str]) -> std::process::Command {
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", server.base_url())
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(args);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn the_agreement_403_says_to_accept_the_agreement_and_links_to_app_store_connect() {
    let env = Env::start().await;
    let server = HostileServer::start(|_, _| {
        http(
            "403 Forbidden",
            &[("Content-Type", "application/json")],
            AGREEMENT,
        )
    })
    .await;
    let result = run(against(&env, &server, &["certificates", "list"])).await;
    let stderr = result.fails_with(3);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 4, "{stderr}");
    assert!(
        lines[0].ends_with(
            "A required agreement is missing or has expired. (FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED): \
             This request requires an in-effect agreement that has not been signed or has expired."
        ),
        "Apple's own words: {}",
        lines[0]
    );
    assert!(
        lines[1].starts_with("  why: the team has not accepted a new or renewed Apple agreement"),
        "{stderr}"
    );
    assert!(
        lines[2].starts_with("  hint: the Account Holder signs in to App Store Connect")
            && lines[2].contains("accepts the agreement"),
        "{stderr}"
    );
    assert!(!stderr.contains("role"), "not sent the wrong way: {stderr}");
    assert_eq!(lines[3], "  see: https://appstoreconnect.apple.com/agreements");

    let json = run(against(&env, &server, &["certificates", "list", "--json"])).await;
    let object: serde_json::Value = serde_json::from_str(json.fails_with(3).trim()).unwrap();
    assert_eq!(object["see"], "https://appstoreconnect.apple.com/agreements");
    assert_eq!(object["status"], 403);
    assert_eq!(
        object["errors"][0]["code"],
        "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED"
    );
    assert_eq!(object["errors"][0]["links"]["see"], "/agreements");
    assert!(object["why"].as_str().unwrap().contains("agreement"));
}

#[tokio::test(flavor = "multi_thread")]
async fn a_429_says_how_much_of_the_quota_is_left() {
    let env = Env::start().await;
    let server = HostileServer::start(|_, _| {
        http(
            "429 Too Many Requests",
            &[
                ("Content-Type", "application/json"),
                ("Retry-After", "3600"),
                ("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:0;"),
            ],
            br#"{"errors":[{"id":"x","status":"429","code":"RATE_LIMIT_EXCEEDED","title":"The request rate limit has been reached.","detail":"We've received too many requests for this API. Please wait and try again or slow down your request rate."}]}"#,
        )
    })
    .await;
    let result = run(against(&env, &server, &["certificates", "list"])).await;
    let stderr = result.fails_with(6);
    assert!(
        stderr.contains(
            "  why: the API key's hourly request quota is used up: X-Rate-Limit says 0 of 3600 requests are left \
             this hour"
        ),
        "{stderr}"
    );
    assert!(
        stderr.contains("  hint: wait and run the command again"),
        "{stderr}"
    );
    assert!(!stderr.contains("  see:"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_whose_role_may_not_create_is_told_which_role_can() {
    let env = Env::start().await;
    let reader = env.sandbox.add_key(KeyRole::Developer, KeyKind::Team).unwrap();
    let files = reader.write_files(&env.path("reader")).unwrap();
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&files.api_key_json_path)
        .args(["certificates", "create", "--type", "DEVELOPMENT"])
        .args(["--common-name", "Reader", "--email", "reader@example.com"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(stderr.contains("(FORBIDDEN_ERROR)"), "{stderr}");
    assert!(
        stderr.contains("  why: the API key may not do this") && stderr.contains("Admin role"),
        "{stderr}"
    );
    assert!(!stderr.contains("agreement"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_code_falls_back_to_a_hint_by_status() {
    let env = Env::start().await;
    let server = HostileServer::start(|_, _| {
        http(
            "403 Forbidden",
            &[("Content-Type", "application/json")],
            br#"{"errors":[{"status":"403","code":"FORBIDDEN.SOMETHING_NEW","title":"New","detail":"Apple added a code."}]}"#,
        )
    })
    .await;
    let result = run(against(&env, &server, &["certificates", "list"])).await;
    let stderr = result.fails_with(3);
    assert!(stderr.contains("Apple added a code."), "{stderr}");
    assert!(!stderr.contains("  why:"), "no meaning is made up: {stderr}");
    assert!(
        stderr.contains("  hint: the API key's role may not do this"),
        "{stderr}"
    );
}
