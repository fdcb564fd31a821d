//! Ctrl-C (SIGINT) and SIGTERM sent to the built binary at three points of a list and three of a
//! create: the exit code is 130 or 143, a `--json` list is cut after a whole certificate without
//! its closing `]`, no file is left half written, the keystore keeps the pending key, and running the
//! create again ends with exactly one certificate, paired with that key.

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use serde_json::json;

use crate::hostile_server::{Answer, HostileServer, Request, json_ok};
use crate::support::{Env, Run, run};

/// Starts `command` with its output captured.
fn spawn(mut command: Command) -> Child {
    command
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap()
}

/// Sends `signal` (`INT`, `TERM`) to `child` and collects what it left.
async fn signal(child: Child, signal: &str) -> Run {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal} failed");
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// A certificate as a list page carries it.
fn certificate(base: &str, id: &str) -> serde_json::Value {
    json!({
        "type": "certificates",
        "id": id,
        "attributes": {
            "name": format!("Signal {id}"),
            "certificateType": "DEVELOPMENT",
            "displayName": format!("Signal {id}"),
            "serialNumber": format!("{id}0000"),
            "platform": "IOS",
            "expirationDate": "2030-01-01T00:00:00.000+0000",
            "certificateContent": null,
            "activated": true
        },
        "links": {"self": format!("{base}/v1/certificates/{id}")}
    })
}

/// A server whose first page holds three certificates and links to a second page that never comes.
async fn first_page_then_silence() -> HostileServer {
    HostileServer::start(|request: &Request, base: &str| {
        if request.target.contains("cursor=2") {
            return Answer::Silent;
        }
        json_ok(
            json!({
                "data": [certificate(base, "SIG1"), certificate(base, "SIG2"), certificate(base, "SIG3")],
                "links": {"self": format!("{base}{}", request.target), "next": format!("{base}/v1/certificates?cursor=2")},
                "meta": {"paging": {"total": 6, "limit": 3}}
            })
            .to_string(),
        )
    })
    .await
}

/// `ascert certificates list ARGS` against `server`.
fn list(env: &Env, server: &HostileServer, args: &[&str]) -> Command {
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", server.base_url())
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "list"])
        .args(args);
    command
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_before_the_first_page_leaves_an_open_array_and_exit_130() {
    let env = Env::start().await;
    let server = HostileServer::start(|_, _| Answer::Silent).await;
    let child = spawn(list(&env, &server, &["--json"]));
    server.wait_for_requests(1).await;
    let result = signal(child, "INT").await;
    let stderr = result.fails_with(130);
    assert_eq!(result.stdout.trim(), "[", "an array begun, never closed");
    assert!(serde_json::from_str::<serde_json::Value>(&result.stdout).is_err());
    let object: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
    assert_eq!(object["exitCode"], 130);
    assert_eq!(object["error"], "interrupted (SIGINT, Ctrl-C)");
    assert!(
        object["hint"]
            .as_str()
            .unwrap()
            .contains("the JSON array on stdout is incomplete"),
        "{object}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_between_pages_leaves_the_whole_first_page_and_no_closing_bracket() {
    let env = Env::start().await;
    let server = first_page_then_silence().await;
    let child = spawn(list(&env, &server, &["--json"]));
    // The second page is asked for as soon as the first arrives (one page ahead).
    server.wait_for_requests(2).await;
    let result = signal(child, "INT").await;
    result.fails_with(130);
    let out = result.stdout.trim_end();
    assert!(out.starts_with('['), "{out}");
    assert!(!out.ends_with(']'), "no closing bracket: {out}");
    assert!(
        serde_json::from_str::<serde_json::Value>(out).is_err(),
        "no reader takes it for a whole list"
    );
    // Each line after the `[` is one whole certificate.
    let ids: Vec<String> = out
        .lines()
        .skip(1)
        .map(|line| {
            let element: serde_json::Value = serde_json::from_str(line.trim().trim_end_matches(','))
                .unwrap_or_else(|e| panic!("{e}: {line}"));
            element["id"].as_str().unwrap().to_owned()
        })
        .collect();
    assert_eq!(ids, ["SIG1", "SIG2", "SIG3"]);
    assert!(
        result.stderr.contains("interrupted (SIGINT, Ctrl-C)"),
        "{}",
        result.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_between_pages_of_a_table_prints_nothing_and_exits_143() {
    let env = Env::start().await;
    let server = first_page_then_silence().await;
    let child = spawn(list(&env, &server, &[]));
    server.wait_for_requests(2).await;
    let result = signal(child, "TERM").await;
    let stderr = result.fails_with(143);
    assert_eq!(result.stdout, "", "a table is printed only whole");
    assert!(stderr.contains("error: terminated (SIGTERM)"), "{stderr}");
}

fn create(env: &Env, p12: Option<&Path>) -> Command {
    let mut command = env.bare();
    command
        .env("ASCERT_P12_PASSWORD", "signals to stop a run")
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "create", "--type", "DISTRIBUTION"])
        .args([
            "--common-name",
            "Signal Test",
            "--email",
            "signal@example.com",
            "--json",
        ]);
    if let Some(p12) = p12 {
        command.arg("--p12").arg(p12);
    }
    command
}

/// Waits (watching another process's files and the sandbox, where no event can be awaited) until
/// `ready` holds, while `child` runs.
async fn until(child: &mut Child, what: &str, mut ready: impl FnMut() -> bool) {
    let give_up = Instant::now() + Duration::from_secs(60);
    while !ready() {
        if let Some(status) = child.try_wait().unwrap() {
            let mut stderr = String::new();
            std::io::Read::read_to_string(child.stderr.as_mut().unwrap(), &mut stderr).unwrap();
            panic!("the run ended ({status}) before {what}:\n{stderr}");
        }
        assert!(Instant::now() < give_up, "never: {what}");
        tokio::time::sleep(Duration::from_millis(2)).await;
    }
}

/// After the stop: one pending key, no temporary file; the same command again ends with exactly
/// one certificate, paired with that key (and a complete `.p12` when one is asked for).
async fn rerun_converges(env: &Env, p12: Option<&Path>, outcome: &str) {
    let records = env.key_records();
    assert_eq!(records.len(), 1, "the key is kept: {records:?}");
    assert!(records[0].get("certificateId").is_none(), "still pending");
    let key_id = records[0]["keyId"].clone();
    assert!(no_temporary_files(&env.home()), "a temporary file was left");
    env.sandbox.set_latency(Duration::ZERO);
    env.sandbox.set_create_response_delay(Duration::ZERO);
    let rerun = run(create(env, p12)).await;
    rerun.ok();
    let json = rerun.json();
    assert_eq!(json["outcome"], outcome, "{}", rerun.stderr);
    assert_eq!(json["reusedKey"], true);
    assert_eq!(env.sandbox.certificate_count(), 1, "exactly one certificate");
    let records = env.key_records();
    assert_eq!(records.len(), 1);
    assert_eq!(records[0]["keyId"], key_id);
    assert_eq!(records[0]["certificateId"], json["certificate"]["id"]);
    if let Some(p12) = p12 {
        assert!(std::fs::metadata(p12).unwrap().len() > 0);
        assert!(no_temporary_files(p12.parent().unwrap()));
    }
}

fn no_temporary_files(folder: &Path) -> bool {
    let mut clean = true;
    crate::bad_input::walk(folder, &mut |path| {
        if path.file_name().unwrap().to_string_lossy().contains(".tmp-") {
            clean = false;
        }
    });
    clean
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_after_the_key_is_saved_keeps_it_and_the_rerun_creates_one_certificate() {
    let env = Env::start().await;
    // Every request hangs: the run stops between saving its key and getting an answer.
    env.sandbox.set_latency(Duration::from_secs(600));
    let mut child = spawn(create(&env, None));
    until(&mut child, "the key record is written", || {
        !env.key_records().is_empty()
    })
    .await;
    let result = signal(child, "INT").await;
    let stderr = result.fails_with(130);
    assert!(
        stderr.contains("the key made for the certificate is kept"),
        "{stderr}"
    );
    assert_eq!(env.sandbox.certificate_count(), 0);
    rerun_converges(&env, None, "created").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigint_while_the_issued_certificate_is_on_its_way_and_the_rerun_adopts_it() {
    let env = Env::start().await;
    env.sandbox.set_create_response_delay(Duration::from_secs(600));
    let mut child = spawn(create(&env, None));
    until(&mut child, "the sandbox issued the certificate", || {
        env.sandbox.certificate_count() == 1
    })
    .await;
    let result = signal(child, "INT").await;
    result.fails_with(130);
    rerun_converges(&env, None, "adopted").await;
}

#[tokio::test(flavor = "multi_thread")]
async fn sigterm_before_the_p12_is_written_leaves_no_p12_and_the_rerun_writes_it() {
    let env = Env::start().await;
    let out = env.path("out");
    std::fs::create_dir(&out).unwrap();
    let p12 = out.join("dist.p12");
    env.sandbox.set_create_response_delay(Duration::from_secs(600));
    let mut child = spawn(create(&env, Some(&p12)));
    until(&mut child, "the sandbox issued the certificate", || {
        env.sandbox.certificate_count() == 1
    })
    .await;
    let result = signal(child, "TERM").await;
    let stderr = result.fails_with(143);
    assert!(stderr.contains("terminated (SIGTERM)"), "{stderr}");
    assert!(!p12.exists(), "no .p12 from a stopped run");
    assert!(no_temporary_files(&out));
    rerun_converges(&env, Some(&p12), "adopted").await;
}
