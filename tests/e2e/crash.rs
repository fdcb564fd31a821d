//! The crash matrix of `ascert certificates create`, beyond the two kills in create.rs (after the
//! key is persisted, while the POST is in flight): SIGKILL right after the POST answered and before
//! the certificate is saved, and during the `.p12` write. After each kill, running the same command
//! again must end with exactly one certificate, paired with the one key, a complete `.p12` when one
//! was asked for, and no temporary file left in the keystore or beside the `.p12`.

use std::io::{BufRead as _, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

use crate::bad_input::walk;
use crate::support::{Env, openssl, run};

const PASSWORD: &str = "crash matrix";

fn create_command(env: &Env, p12: Option<&Path>) -> std::process::Command {
    let mut command = env.bare();
    command
        .env("ASCERT_P12_PASSWORD", PASSWORD)
        .env("RUST_LOG", "ascert_transport=debug")
        .arg("-vvv")
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "create", "--type", "DISTRIBUTION"])
        .args([
            "--common-name",
            "Crash Matrix",
            "--email",
            "crash@example.com",
            "--json",
        ]);
    if let Some(p12) = p12 {
        command.arg("--p12").arg(p12);
    }
    command
}

/// Temporary files (`.NAME.tmp-PID-RANDOM`, see crates/keystore/src/atomic.rs) under `folder`.
fn temp_files(folder: &Path) -> Vec<PathBuf> {
    let mut found = Vec::new();
    walk(folder, &mut |path| {
        if path.file_name().unwrap().to_string_lossy().contains(".tmp-") {
            found.push(path.to_path_buf());
        }
    });
    found
}

/// Kills `child` with SIGKILL and reaps it.
fn kill(mut child: Child) {
    child.kill().unwrap();
    child.wait().unwrap();
}

/// After a kill: the same command again ends with one certificate, one key paired with it, and no
/// temporary files; with `p12`, a complete bundle holding that certificate.
async fn rerun_converges(env: &Env, p12: Option<&Path>) {
    let rerun = run(create_command(env, p12)).await;
    rerun.ok();
    let json = rerun.json();
    let certificate_id = json["certificate"]["id"].as_str().unwrap().to_owned();
    assert_eq!(
        env.sandbox.certificate_count(),
        1,
        "exactly one certificate\n{}",
        rerun.stderr
    );
    let records = env.key_records();
    assert_eq!(records.len(), 1, "exactly one key: {records:?}");
    assert_eq!(
        records[0]["certificateId"],
        certificate_id.as_str(),
        "the key is paired with it"
    );
    let identities = env.run(&["identities", "list", "--json"]).await.json();
    let paired: Vec<_> = identities
        .as_array()
        .unwrap()
        .iter()
        .filter(|r| r["status"] == "paired")
        .collect();
    assert_eq!(paired.len(), 1, "{identities}");
    assert!(
        temp_files(&env.home()).is_empty(),
        "{:?}",
        temp_files(&env.home())
    );
    if let Some(p12) = p12 {
        assert!(
            temp_files(p12.parent().unwrap()).is_empty(),
            "{:?}",
            temp_files(p12.parent().unwrap())
        );
        let certificate = openssl(&[
            "pkcs12",
            "-in",
            p12.to_str().unwrap(),
            "-passin",
            &format!("pass:{PASSWORD}"),
            "-clcerts",
            "-nokeys",
        ]);
        let serial = json["certificate"]["attributes"]["serialNumber"]
            .as_str()
            .unwrap();
        let pem = env.path("from-p12.pem");
        std::fs::write(&pem, certificate).unwrap();
        let shown = openssl(&["x509", "-in", pem.to_str().unwrap(), "-noout", "-serial"]);
        assert!(
            shown.to_uppercase().contains(serial),
            "the .p12 holds the new certificate: {shown}"
        );
    }
}

/// Attempts before a kill that must land inside a window of a few milliseconds counts as missed.
const ATTEMPTS: usize = 10;

/// Whether the killed run had already finished: its certificate is recorded with its key.
fn finished(env: &Env) -> bool {
    env.key_records().iter().any(|r| r.get("certificateId").is_some())
}

#[tokio::test(flavor = "multi_thread")]
async fn killed_after_the_post_answered_before_the_certificate_is_saved() {
    for _ in 0..ATTEMPTS {
        let env = Env::start().await;
        let mut command = create_command(&env, None);
        command.stderr(Stdio::piped()).stdout(Stdio::null());
        tokio::task::spawn_blocking(move || {
            let mut child = command.spawn().unwrap();
            let stderr = BufReader::new(child.stderr.take().unwrap());
            for line in stderr.lines() {
                let line = line.unwrap();
                // Logged as soon as the 201 arrives, before its body is read and the record written.
                if line.contains("method=POST") && line.contains("status=201") {
                    break;
                }
            }
            kill(child);
        })
        .await
        .unwrap();
        if finished(&env) {
            continue; // The kill landed after the run ended: nothing was tested; try again.
        }
        assert_eq!(
            env.sandbox.certificate_count(),
            1,
            "the certificate was issued before the kill"
        );
        assert_eq!(env.key_records().len(), 1, "the key survived");
        rerun_converges(&env, None).await;
        return;
    }
    panic!("in {ATTEMPTS} attempts no kill landed between the 201 and the record");
}

/// The create process is killed as soon as its `.p12` write is under way: when the temporary file
/// appears beside the `.p12`, or the `.p12` itself. A kill in the middle of the write leaves a
/// partial temporary file; if the kill landed just after the rename, one is put there as a kill a
/// moment earlier would have left it.
#[tokio::test(flavor = "multi_thread")]
async fn killed_during_the_p12_write() {
    for _ in 0..ATTEMPTS {
        let env = Env::start().await;
        let out = env.path("out");
        std::fs::create_dir(&out).unwrap();
        let p12 = out.join("dist.p12");
        let mut command = create_command(&env, Some(&p12));
        command.stderr(Stdio::null()).stdout(Stdio::null());
        let child = command.spawn().unwrap();
        let pid = child.id();
        let deadline = Instant::now() + Duration::from_secs(60);
        while temp_files(&out).is_empty() && !p12.exists() && !finished(&env) {
            assert!(
                Instant::now() < deadline,
                "the create never reached its .p12 write"
            );
            // Watching files another process writes; there is no event to wait on.
            std::thread::sleep(Duration::from_millis(1));
        }
        kill(child);
        if finished(&env) {
            continue; // The kill landed after the run ended: nothing was tested; try again.
        }
        if temp_files(&out).is_empty() {
            std::fs::write(
                out.join(format!(".dist.p12.tmp-{pid}-00000000deadbeef")),
                b"0\x82\x0a",
            )
            .unwrap();
        }
        assert_eq!(env.sandbox.certificate_count(), 1);
        rerun_converges(&env, Some(&p12)).await;
        return;
    }
    panic!("in {ATTEMPTS} attempts no kill landed during the .p12 write");
}

/// An export that fails still records the certificate with its key, and says how to export it
/// later; nothing is created twice. A missing folder is refused before anything is made, so the
/// write fails here in a folder that exists but takes no files (even root's): /proc.
#[tokio::test(flavor = "multi_thread")]
async fn a_failed_export_keeps_the_identity_and_says_how_to_export_it() {
    let env = Env::start().await;
    let p12 = std::path::PathBuf::from("/proc/ascert-e2e-dist.p12");
    let result = run(create_command(&env, Some(&p12))).await;
    assert_eq!(result.code, 1, "{}", result.stderr);
    assert!(
        result.stderr.contains("ascert identities export"),
        "{}",
        result.stderr
    );
    assert_eq!(env.sandbox.certificate_count(), 1);
    let records = env.key_records();
    assert_eq!(records.len(), 1);
    assert!(
        records[0].get("certificateId").is_some(),
        "the certificate is recorded: {records:?}"
    );
}
