//! Deadlines: a server that accepts and never answers ends `certificates list` with exit code 7
//! within `--timeout` (or `ASCERT_TIMEOUT`), having said on stderr that it was retrying; a create
//! whose answer never comes finds its certificate instead of posting again, and one cut by the
//! deadline keeps its key for the rerun, which adopts the certificate.

use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::hostile_server::{Answer, HostileServer};
use crate::support::{Env, Run, run, run_in_terminal_typing};

/// What a run of the binary left, and how long it took.
async fn timed(command: std::process::Command) -> (Run, Duration) {
    let started = Instant::now();
    let result = run(command).await;
    (result, started.elapsed())
}

/// `ascert --api-key KEY ARGS` against the silent server at `url`.
fn against(env: &Env, url: &str, args: &[&str]) -> std::process::Command {
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", url)
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(args);
    command
}

/// The margin past the deadline allowed for starting and ending a process on a busy machine: this
/// checks that the run ends, not how fast it is.
const MARGIN: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread")]
async fn a_server_that_never_answers_ends_the_list_with_exit_7_within_the_deadline() {
    let env = Env::start().await;
    let silent = HostileServer::start(|_, _| Answer::Silent).await;
    let (result, took) = timed(against(
        &env,
        silent.base_url(),
        &["-v", "--timeout", "3s", "certificates", "list"],
    ))
    .await;
    let stderr = result.fails_with(7);
    assert!(took < Duration::from_secs(3) + MARGIN, "took {took:?}");
    assert!(
        stderr.contains("no answer from 127.0.0.1 in 750 ms; retrying in "),
        "it said it was retrying:\n{stderr}"
    );
    let attempts = silent.requests().len();
    assert!(attempts >= 2, "{attempts} attempts\n{stderr}");
    let error = stderr
        .lines()
        .find(|l| l.starts_with("error: "))
        .unwrap_or_else(|| panic!("no error line:\n{stderr}"));
    assert!(
        error.starts_with(&format!(
            "error: GET {}/v1/certificates?limit=200: no complete answer from 127.0.0.1 within the 3 s deadline (",
            silent.base_url()
        )) && error.contains(&format!("{attempts} attempts")),
        "{error}"
    );
    assert!(
        stderr.contains("  hint: check the network and any proxy") && stderr.contains("--timeout"),
        "{stderr}"
    );
    assert!(result.stdout.is_empty(), "{}", result.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn ascert_timeout_sets_the_deadline_and_json_reports_exit_code_7() {
    let env = Env::start().await;
    let silent = HostileServer::start(|_, _| Answer::Silent).await;
    let mut command = against(&env, silent.base_url(), &["certificates", "list", "--json"]);
    command.env("ASCERT_TIMEOUT", "2s");
    let (result, took) = timed(command).await;
    let stderr = result.fails_with(7);
    assert!(took < Duration::from_secs(2) + MARGIN, "took {took:?}");
    // Each retry is told, with --json as a warning object on a line of its own; the error is the
    // last line, and says what was tried.
    let lines: Vec<&str> = stderr.lines().collect();
    let (error, retries) = lines.split_last().unwrap();
    for retry in retries {
        let warning: serde_json::Value = serde_json::from_str(retry).unwrap();
        assert!(
            warning["warning"].as_str().unwrap().contains("retrying in"),
            "{retry}"
        );
    }
    let object: serde_json::Value = serde_json::from_str(error).unwrap();
    assert_eq!(object["exitCode"], 7);
    assert!(
        object["error"]
            .as_str()
            .unwrap()
            .contains("within the 2 s deadline"),
        "{object}"
    );
    assert!(!silent.requests().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_timeout_that_is_not_a_duration_is_a_usage_error() {
    let env = Env::start().await;
    let result = env.run(&["--timeout", "soon", "certificates", "list"]).await;
    let stderr = result.fails_with(2);
    assert!(
        stderr.contains("is not a duration such as 90s, 2m or 1h"),
        "{stderr}"
    );
    let result = env.run(&["--timeout", "0", "certificates", "list"]).await;
    assert!(result.fails_with(2).contains("more than zero"));
}

fn create_args() -> Vec<&'static str> {
    vec![
        "certificates",
        "create",
        "--type",
        "DISTRIBUTION",
        "--common-name",
        "Deadline Test",
        "--email",
        "deadline@example.com",
        "--json",
    ]
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_whose_answer_never_comes_finds_its_certificate_instead_of_posting_again() {
    let env = Env::start().await;
    // The certificate is stored at once; its answer would come long after the attempt timeout.
    env.sandbox.set_create_response_delay(Duration::from_secs(600));
    let mut args = vec!["-v", "--timeout", "8s"];
    args.extend(create_args());
    let result = env.run(&args).await;
    result.ok();
    let json = result.json();
    assert_eq!(json["outcome"], "adopted", "{}", result.stderr);
    assert_eq!(env.sandbox.certificate_count(), 1, "one POST, one certificate");
    let records = env.key_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["certificateId"], json["certificate"]["id"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_create_cut_by_the_deadline_keeps_its_key_and_the_rerun_adopts_the_certificate() {
    let env = Env::start().await;
    env.sandbox.set_create_response_delay(Duration::from_secs(600));
    let mut args = vec!["--timeout", "4s"];
    args.extend(create_args());
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(&args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let child = command.spawn().unwrap();
    // Once the POST has stored its certificate, every later request hangs: the look for it that
    // follows the unanswered POST cannot finish before the deadline.
    let stored = Instant::now() + Duration::from_secs(60);
    while env.sandbox.certificate_count() == 0 {
        assert!(Instant::now() < stored, "the POST never reached the sandbox");
        // Watching another process's progress through the sandbox; there is no event to wait on.
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
    env.sandbox.set_latency(Duration::from_secs(600));
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(7), "{stderr}");
    let last = stderr.lines().last().unwrap_or_default();
    let object: serde_json::Value = serde_json::from_str(last).unwrap_or_else(|e| panic!("{e}:\n{stderr}"));
    let error = object["error"].as_str().unwrap();
    assert!(
        error.contains("is kept; running the same command again reuses it") && error.contains("deadline"),
        "{error}"
    );
    let records = env.key_records();
    assert_eq!(records.len(), 1, "the key is kept");
    assert!(records[0].get("certificateId").is_none(), "still pending");
    assert_eq!(env.sandbox.certificate_count(), 1);

    env.sandbox.set_latency(Duration::ZERO);
    env.sandbox.set_create_response_delay(Duration::ZERO);
    let rerun = env.run(&create_args()).await;
    rerun.ok();
    let json = rerun.json();
    assert_eq!(json["outcome"], "adopted", "{}", rerun.stderr);
    assert_eq!(json["reusedKey"], true);
    assert_eq!(env.sandbox.certificate_count(), 1, "never a second certificate");
    let records = env.key_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["certificateId"], json["certificate"]["id"]);
}

/// The time a person takes at the .p12 password prompt is theirs, not the command's: a run whose
/// `--timeout` passes while its password is typed still creates the certificate, and no timeout
/// blames the network for the wait.
#[tokio::test(flavor = "multi_thread")]
async fn typing_the_p12_password_does_not_count_against_the_timeout() {
    let env = Env::start().await;
    let p12 = env.path("slow-typist.p12");
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args([
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--timeout",
            "3s",
            "--p12",
        ])
        .arg(&p12);
    let typed = "a long enough password\n";
    let ran = run_in_terminal_typing(
        &command,
        &[
            (Duration::from_secs(5), typed),
            (Duration::from_millis(500), typed),
        ],
    )
    .await;
    assert_eq!(ran.code, 0, "{}\n{}", ran.stdout, ran.stderr);
    assert!(p12.exists());
    assert_eq!(env.sandbox.certificate_count(), 1);
}
