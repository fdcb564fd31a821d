//! Failures as a user sees them: one line saying what failed, one saying what to do, the documented
//! exit codes, JSON errors with `--json`, and a quiet end on a closed pipe.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use ascert_sandbox::Sandbox;

use crate::support::{Env, run};

#[tokio::test(flavor = "multi_thread")]
async fn an_unknown_id_is_exit_4_with_a_hint() {
    let env = Env::start().await;
    let result = env.run(&["certificates", "get", "NOSUCHCERT"]).await;
    let stderr = result.fails_with(4);
    let lines: Vec<&str> = stderr.lines().collect();
    assert_eq!(lines.len(), 3, "{stderr}");
    assert!(
        lines[0].starts_with("error: App Store Connect answered 404"),
        "{stderr}"
    );
    assert!(
        lines[1].starts_with("  why: there is no such resource"),
        "{stderr}"
    );
    assert_eq!(
        lines[2],
        "  hint: `ascert certificates list` shows the ids that exist"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn with_json_an_error_is_one_json_object_on_stderr() {
    let env = Env::start().await;
    let result = env.run(&["certificates", "get", "NOSUCHCERT", "--json"]).await;
    result.fails_with(4);
    assert!(result.stdout.is_empty());
    let error: serde_json::Value = serde_json::from_str(result.stderr.trim()).unwrap();
    assert_eq!(error["exitCode"], 4);
    assert_eq!(error["status"], 404);
    assert_eq!(error["errors"][0]["code"], "NOT_FOUND");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_key_apple_does_not_know_is_exit_3() {
    let env = Env::start().await;
    let json = std::fs::read_to_string(&env.api_key_json).unwrap();
    let key_id = env.sandbox.api_key().key_id.clone();
    let other = json.replace(&key_id, "ZZZZZZZZZZ");
    let path = env.path("other.json");
    std::fs::write(&path, other).unwrap();
    let mut command = env.bare();
    command.arg("--api-key").arg(&path).args(["certificates", "list"]);
    let result = run(command).await;
    assert!(result.fails_with(3).contains("401"), "{}", result.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_unusable_key_file_is_exit_3_and_names_the_problem() {
    let env = Env::start().await;
    let path = env.path("AuthKey_ABCDEFGHIJ.p8");
    std::fs::write(
        &path,
        "-----BEGIN PRIVATE KEY-----\nnot base64!\n-----END PRIVATE KEY-----\n",
    )
    .unwrap();
    let mut command = env.bare();
    command.arg("--api-key").arg(&path).args(["certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(3);
    assert!(
        !stderr.contains("not base64!"),
        "key file contents never reach errors: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn rate_limited_is_exit_6() {
    let env = Env::with(Sandbox::builder().rate_limit(1)).await;
    env.run(&["certificates", "list"]).await.ok();
    let result = env.run(&["certificates", "list"]).await;
    assert!(result.fails_with(6).contains("429"), "{}", result.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn plain_http_to_a_remote_host_is_refused() {
    let env = Env::start().await;
    let result = env
        .run(&["--base-url", "http://example.com", "certificates", "list"])
        .await;
    assert!(result.fails_with(2).contains("loopback"), "{}", result.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn usage_errors_are_exit_2() {
    let env = Env::start().await;
    env.run(&["certificates", "list", "--limit", "0"])
        .await
        .fails_with(2);
    env.run(&["certificates", "list", "--limit", "201"])
        .await
        .fails_with(2);
    env.run(&["certificates", "list", "--expired", "--valid"])
        .await
        .fails_with(2);
    env.run(&["certificates", "list", "--sort", "expiry"])
        .await
        .fails_with(2);
    env.run(&["no-such-command"]).await.fails_with(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_closed_pipe_ends_quietly() {
    let env = Env::with(Sandbox::builder().seed_certificates(600)).await;
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "list", "--json"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let output = tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        let mut first = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut first)
            .unwrap();
        // The reader is gone: the next write gets EPIPE.
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    assert_eq!(
        output.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(
        output.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}
