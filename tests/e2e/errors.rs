//! Failures as a user sees them: one line saying what failed, one saying what to do, the documented
//! exit codes, JSON errors with `--json`, and a quiet end on a closed pipe.

use std::io::{BufRead as _, BufReader};
use std::process::Stdio;

use ascert_sandbox::Sandbox;

use crate::hostile_server::{Answer, HostileServer};
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

#[tokio::test(flavor = "multi_thread")]
async fn writers_of_large_output_end_quietly_on_a_closed_pipe() {
    let env = Env::start().await;
    for args in [&["completions", "bash"][..], &["completions", "zsh"], &["man"]] {
        // The reading end is closed before ascert writes a byte: every write gets EPIPE, as behind
        // `| head -1` once head has its line.
        let (reader, writer) = std::io::pipe().unwrap();
        drop(reader);
        let mut command = env.bare();
        command.args(args).stdout(writer);
        let result = run(command).await;
        assert_eq!(result.code, 0, "{args:?}: {}", result.stderr);
        assert_eq!(result.stderr, "", "{args:?}");
    }
}

/// A loopback address where nothing listens: a port the system handed out, then closed.
fn closed_port() -> String {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    base
}

#[tokio::test(flavor = "multi_thread")]
async fn nothing_listening_on_this_machine_fails_at_once_and_says_so() {
    let env = Env::start().await;
    let base = closed_port();
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", &base)
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(1);
    assert!(
        stderr.starts_with(&format!(
            "error: GET {base}/v1/certificates?limit=200 failed: nothing is listening at {base} ("
        )),
        "{stderr}"
    );
    assert!(
        stderr.contains("hint: start the server there (for a sandbox: ascert sandbox serve"),
        "{stderr}"
    );
    // Retries are told on stderr (below): none was made.
    assert!(!stderr.contains("retrying"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn https_to_a_plain_http_server_says_it_speaks_plain_http() {
    let env = Env::start().await;
    let https = env.sandbox.base_url().replacen("http://", "https://", 1);
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", &https)
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "list"]);
    let result = run(command).await;
    let stderr = result.fails_with(1);
    assert!(
        stderr.contains("hint: the server answered in plain HTTP, not TLS: use an http:// base URL for it"),
        "{stderr}"
    );
    assert!(!stderr.contains("retrying"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn retries_are_told_on_stderr_when_it_is_not_a_terminal() {
    let env = Env::start().await;
    // Every connection is closed without an answer: a transient failure, retried.
    let closing = HostileServer::start(|_, _| Answer::Close).await;
    let list = |extra: &[&str]| {
        let mut command = env.bare();
        command
            .env("ASCERT_BASE_URL", closing.base_url())
            .arg("--api-key")
            .arg(&env.api_key_json)
            .args(["--timeout", "2s", "certificates", "list"])
            .args(extra);
        command
    };
    let told = run(list(&[])).await;
    assert!(told.code != 0, "{told:?}");
    assert!(
        told.stderr
            .lines()
            .any(|l| l.starts_with("the connection to 127.0.0.1 failed (") && l.contains("; retrying in ")),
        "{}",
        told.stderr
    );
    let json = run(list(&["--json"])).await;
    let warning: serde_json::Value = serde_json::from_str(json.stderr.lines().next().unwrap()).unwrap();
    assert!(
        warning["warning"].as_str().unwrap().contains("; retrying in "),
        "{}",
        json.stderr
    );
    let quiet = run(list(&["--quiet"])).await;
    assert!(!quiet.stderr.contains("retrying"), "{}", quiet.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_usage_line_shows_no_option_only_the_environment_gave() {
    // `bare` sets ASCERT_HOME and ASCERT_BASE_URL, as a user's shell profile may.
    let env = Env::start().await;
    let mut command = env.bare();
    command.args(["certificates", "create"]);
    let result = run(command).await;
    let stderr = result.fails_with(2);
    assert!(
        stderr
            .lines()
            .any(|l| l == "Usage: ascert certificates create --type <TYPE>"),
        "{stderr}"
    );
    let mut command = env.bare();
    command
        .args(["keys", "export", "--home"])
        .arg(env.home())
        .arg("--json");
    let stderr = run(command).await.fails_with(2).to_owned();
    assert!(!stderr.contains("--base-url"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_empty_list_says_whether_filters_left_everything_out() {
    let env = Env::start().await;
    let all = env.run(&["certificates", "list"]).await;
    assert_eq!(all.ok(), "", "nothing on stdout for an empty list");
    assert_eq!(
        all.stderr,
        "The team has no certificates yet; `ascert certificates create --type DISTRIBUTION` makes one.\n"
    );
    let filtered = env.run(&["certificates", "list", "--type", "DEVELOPMENT"]).await;
    filtered.ok();
    assert_eq!(
        filtered.stderr,
        "No certificates match these filters; `ascert certificates list` shows them all.\n"
    );
}
