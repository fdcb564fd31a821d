//! Four processes race for one lease against each server (moto, Azurite): the helper binary
//! `ascert-team-lease-racer` takes it five times in each, proving with a create-new marker file that
//! no two hold it at once; the lease they start from was abandoned, and exactly one of them takes it
//! over.
//!
//! The processes read their settings from the environment, as the CLI does (`AWS_*` for moto,
//! `AZURE_STORAGE_*` for Azurite), plus `AWS_CONDITIONAL_PUT=disabled`: the crate sets S3's
//! conditional writes itself, so that setting must change nothing (and means nothing to Azure).

use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ascert_models::CertificateType;
use ascert_team::{InitOptions, LeaseAttempt, MemberKey, TeamStore};

use crate::backends::{TestBackend, against_each_backend};
use crate::member;

const PROCESSES: usize = 4;
const ROUNDS: usize = 5;

against_each_backend!(four_processes_hold_the_lease_one_at_a_time, worker_threads = 2);
async fn four_processes_hold_the_lease_one_at_a_time<B: TestBackend>() {
    let server = B::start().await;
    server.create_bucket("fleet").await;
    let url = server.url("fleet", "team");
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &url,
        &server.options("init"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let LeaseAttempt::Acquired(abandoned) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(1))
        .await
        .unwrap()
    else {
        panic!("the first take must succeed")
    };
    drop(abandoned);

    let markers = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let children: Vec<_> = (0..PROCESSES)
        .map(|_| {
            Command::new(env!("CARGO_BIN_EXE_ascert-team-lease-racer"))
                .args([
                    &url.to_string(),
                    &markers.path().display().to_string(),
                    &ROUNDS.to_string(),
                ])
                .env_clear()
                .envs(server.env())
                .env("AWS_CONDITIONAL_PUT", "disabled")
                .stdout(Stdio::piped())
                .stderr(Stdio::piped())
                .spawn()
                .unwrap()
        })
        .collect();
    let outputs: Vec<_> = tokio::task::spawn_blocking(move || {
        children
            .into_iter()
            .map(|child| child.wait_with_output().unwrap())
            .collect()
    })
    .await
    .unwrap();
    let mut lines = Vec::new();
    for output in &outputs {
        assert!(
            output.status.success(),
            "a racer failed ({}): {}",
            output.status,
            String::from_utf8_lossy(&output.stderr)
        );
        lines.extend(String::from_utf8_lossy(&output.stdout).lines().map(str::to_owned));
    }
    assert_eq!(lines.len(), PROCESSES * ROUNDS, "{lines:?}");
    assert_eq!(
        lines.iter().filter(|l| *l == "acquired taken-over").count(),
        1,
        "{lines:?}"
    );
    assert_eq!(
        lines.iter().filter(|l| *l == "acquired after-release").count(),
        PROCESSES * ROUNDS - 1,
        "{lines:?}"
    );
    crate::report(&format!(
        "{PROCESSES} processes × {ROUNDS} rounds against {} in {:?} (one takeover of a 1 s lease)",
        B::NAME,
        started.elapsed()
    ));
}
