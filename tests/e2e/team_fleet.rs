//! Runners that stop where they should not: killed at each step of creating a certificate,
//! suspended (SIGSTOP) past their lease, cancelled (SIGTERM), or facing a store that never answers
//! or goes away between Apple's answer and the share. Exactly one certificate comes of it, no
//! runner waits out a lease nobody holds, and what a runner says tells what happened.

use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ascert_sandbox::Sandbox;

use crate::support::Run;
use crate::team::{Team, runner_home};

/// The lease used where a holder is taken over: short, so the test does not wait minutes.
const SHORT_LEASE: (&str, &str) = ("ASCERT_TEAM_LEASE_TTL", "2s");

/// Starts `ensure --type TYPE` as a child with its output captured.
fn spawn(team: &Team, home: &std::path::Path, certificate_type: &str, vars: &[(&str, &str)]) -> Child {
    let mut command = team.ensure(home, &["--type", certificate_type]);
    command
        .envs(vars.iter().copied())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    command.spawn().unwrap()
}

/// Waits for `child` and collects what it printed.
async fn finish(child: Child) -> Run {
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

fn signal(child: &Child, signal: &str) {
    let status = Command::new("kill")
        .arg(format!("-{signal}"))
        .arg(child.id().to_string())
        .status()
        .unwrap();
    assert!(status.success(), "kill -{signal}");
}

/// Polls until `done` says so (a step became visible in the bucket or at Apple), or panics.
async fn wait_for(what: &str, child: &mut Child, mut done: impl AsyncFnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(60);
    while !done().await {
        assert!(Instant::now() < deadline, "{what} never happened");
        if let Some(status) = child.try_wait().unwrap() {
            panic!("the runner ended ({status}) before {what}");
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

fn has(objects: &std::collections::BTreeSet<String>, part: &str) -> bool {
    objects.iter().any(|o| o.contains(part))
}

/// The steps of the slow path a runner can be killed at, each told by what it leaves visible.
#[derive(Debug, Clone, Copy)]
enum Step {
    /// It holds the lease (nothing else written yet).
    LeaseTaken,
    /// Its key is in the store as pending (the CSR may or may not have left).
    PendingWritten,
    /// Apple has made the certificate; the answer is held back.
    AppleAnswering,
    /// The identity is shared (its record visible); pending key and lease not yet cleared.
    Shared,
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holder_killed_at_each_step_leaves_exactly_one_certificate() {
    for step in [
        Step::LeaseTaken,
        Step::PendingWritten,
        Step::AppleAnswering,
        Step::Shared,
    ] {
        let team = Team::start(Sandbox::builder()).await;
        if matches!(step, Step::AppleAnswering) {
            team.env
                .sandbox
                .set_create_response_delay(Duration::from_secs(60));
        }
        let first = runner_home(&team, "first");
        let mut holder = spawn(&team, &first, "DISTRIBUTION", &[SHORT_LEASE]);
        match step {
            Step::LeaseTaken => {
                wait_for("the lease", &mut holder, async || {
                    has(&team.objects().await, "/leases/DISTRIBUTION.json")
                })
                .await;
            }
            Step::PendingWritten => {
                wait_for("the pending key", &mut holder, async || {
                    has(&team.objects().await, "/pending/DISTRIBUTION/")
                })
                .await;
            }
            Step::AppleAnswering => {
                wait_for("the create", &mut holder, async || {
                    team.env.sandbox.certificate_count() == 1
                })
                .await;
            }
            Step::Shared => {
                wait_for("the share", &mut holder, async || {
                    has(&team.objects().await, "/record.json")
                })
                .await;
            }
        }
        holder.kill().unwrap();
        holder.wait().unwrap();
        team.env.sandbox.set_create_response_delay(Duration::ZERO);

        let second = runner_home(&team, "second");
        let next = finish(spawn(&team, &second, "DISTRIBUTION", &[SHORT_LEASE])).await;
        next.ok();
        assert_eq!(
            team.env.sandbox.certificate_count(),
            1,
            "{step:?}: one certificate at Apple ({})",
            next.stderr
        );
        let late = finish(spawn(&team, &runner_home(&team, "late"), "DISTRIBUTION", &[])).await;
        late.ok();
        assert_eq!(late.json()["outcome"], "reused", "{step:?}");
        assert_eq!(late.json()["certificateId"], next.json()["certificateId"]);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holder_suspended_past_its_lease_does_not_create_a_second_certificate() {
    let team = Team::start(Sandbox::builder()).await;
    let first = runner_home(&team, "first");
    let mut holder = spawn(&team, &first, "DISTRIBUTION", &[SHORT_LEASE]);
    wait_for("the lease", &mut holder, async || {
        has(&team.objects().await, "/leases/DISTRIBUTION.json")
    })
    .await;
    // A laptop lid, a VM paused: the holder stops for longer than its lease.
    signal(&holder, "STOP");
    let stopped_after_create = team.env.sandbox.certificate_count();
    tokio::time::sleep(Duration::from_secs(3)).await;
    let second = runner_home(&team, "second");
    let next = finish(spawn(&team, &second, "DISTRIBUTION", &[SHORT_LEASE])).await;
    next.ok();
    signal(&holder, "CONT");
    let resumed = finish(holder).await;
    assert_eq!(
        team.env.sandbox.certificate_count(),
        1,
        "exactly one certificate; the holder said: {}",
        resumed.stderr
    );
    if stopped_after_create == 0 {
        // Stopped before its request: it finds the lease gone and asks nothing of Apple.
        let stderr = resumed.fails_with(5);
        assert!(stderr.contains("no longer holds the lease"), "{stderr}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_runner_releases_its_lease_and_the_next_one_does_not_wait_it_out() {
    let team = Team::start(Sandbox::builder()).await;
    // Every request to Apple takes 2 s, and a pending key someone left makes the holder ask Apple
    // about it under the lease: a window, before any request to create, to cancel it in.
    team.env.sandbox.set_latency(Duration::from_secs(2));
    let first = runner_home(&team, "first");
    team.plant_pending("DEVELOPMENT");
    // The default lease: five minutes that nobody should have to wait.
    let mut holder = spawn(&team, &first, "DEVELOPMENT", &[]);
    wait_for("the lease", &mut holder, async || {
        has(&team.objects().await, "/leases/DEVELOPMENT.json")
    })
    .await;
    signal(&holder, "TERM");
    let cancelled = finish(holder).await;
    let stderr = cancelled.fails_with(143);
    assert!(
        stderr.contains("Released the team store's DEVELOPMENT lease"),
        "{stderr}"
    );
    team.env.sandbox.set_latency(Duration::ZERO);
    let status = team
        .run(&[], &["team", "status", "--store", &team.store, "--json"])
        .await;
    status.ok();
    assert_eq!(
        status.json()["leases"][0]["state"],
        "released",
        "{}",
        status.json()
    );

    // The next runner may wait 20 s at most: far less than the lease.
    let second = runner_home(&team, "second");
    let mut command = team.ensure(&second, &["--type", "DEVELOPMENT", "--wait", "20s"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let next = finish(command.spawn().unwrap()).await;
    next.ok();
    assert_eq!(team.env.sandbox.certificate_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_runner_cancelled_while_apple_creates_keeps_its_lease_and_the_next_one_adopts() {
    let team = Team::start(Sandbox::builder()).await;
    team.env
        .sandbox
        .set_create_response_delay(Duration::from_secs(60));
    let first = runner_home(&team, "first");
    let mut holder = spawn(&team, &first, "DEVELOPMENT", &[SHORT_LEASE]);
    wait_for("the create", &mut holder, async || {
        team.env.sandbox.certificate_count() == 1
    })
    .await;
    signal(&holder, "TERM");
    let cancelled = finish(holder).await;
    let stderr = cancelled.fails_with(143);
    // Released now, the next runner could ask Apple before Apple shows this certificate, and make a
    // second one: the lease is kept until it runs out.
    assert!(
        stderr.contains("Kept the team store's DEVELOPMENT lease"),
        "{stderr}"
    );
    team.env.sandbox.set_create_response_delay(Duration::ZERO);
    let status = team
        .run(&[], &["team", "status", "--store", &team.store, "--json"])
        .await;
    status.ok();
    assert_eq!(status.json()["leases"][0]["state"], "held", "{}", status.json());
    let second = runner_home(&team, "second");
    let next = finish(spawn(&team, &second, "DEVELOPMENT", &[SHORT_LEASE])).await;
    next.ok();
    assert_eq!(next.json()["outcome"], "adopted", "{}", next.stderr);
    assert_eq!(next.json()["keyOrigin"], "adopted");
    assert_eq!(team.env.sandbox.certificate_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_lease_left_by_a_killed_runner_is_released_by_hand_on_the_version_shown() {
    let team = Team::start(Sandbox::builder()).await;
    let first = runner_home(&team, "first");
    team.env
        .sandbox
        .set_create_response_delay(Duration::from_secs(60));
    let mut holder = spawn(&team, &first, "DISTRIBUTION", &[]);
    wait_for("the create", &mut holder, async || {
        team.env.sandbox.certificate_count() == 1
    })
    .await;
    // SIGKILL: no chance to clean up.
    holder.kill().unwrap();
    holder.wait().unwrap();
    team.env.sandbox.set_create_response_delay(Duration::ZERO);
    let status = team
        .run(&[], &["team", "status", "--store", &team.store, "--json"])
        .await;
    status.ok();
    let lease = status.json()["leases"][0].clone();
    assert_eq!(lease["state"], "held");
    let etag = lease["etag"].as_str().unwrap().to_owned();
    let stale = team
        .run(
            &[],
            &[
                "team",
                "lease",
                "release",
                "DISTRIBUTION",
                "--store",
                &team.store,
                "--etag",
                "\"not-it\"",
                "--yes",
            ],
        )
        .await;
    stale.fails_with(5);
    let released = team
        .run(
            &[],
            &[
                "team",
                "lease",
                "release",
                "DISTRIBUTION",
                "--store",
                &team.store,
                "--etag",
                &etag,
                "--yes",
            ],
        )
        .await;
    released.ok();
    assert!(released.stderr.contains("may be alive"), "{}", released.stderr);
    let second = runner_home(&team, "second");
    let mut command = team.ensure(&second, &["--type", "DISTRIBUTION", "--wait", "20s"]);
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let next = finish(command.spawn().unwrap()).await;
    next.ok();
    assert_eq!(next.json()["outcome"], "adopted");
    assert_eq!(team.env.sandbox.certificate_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_that_never_answers_ends_the_run_at_its_deadline() {
    let team = Team::start(Sandbox::builder()).await;
    // Accepts connections and never answers.
    let silent = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let endpoint = format!("http://{}", silent.local_addr().unwrap());
    tokio::spawn(async move {
        let mut held = Vec::new();
        while let Ok((socket, _)) = silent.accept().await {
            held.push(socket);
        }
    });
    let home = runner_home(&team, "runner");
    let mut command = team.ensure(&home, &["--type", "DISTRIBUTION", "--timeout", "10s"]);
    command
        .env("AWS_ENDPOINT_URL", &endpoint)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let started = Instant::now();
    let child = command.spawn().unwrap();
    let id = child.id();
    let watchdog = tokio::spawn(async move {
        tokio::time::sleep(Duration::from_secs(60)).await;
        let _ = Command::new("kill").args(["-KILL", &id.to_string()]).status();
    });
    let ended = finish(child).await;
    let took = started.elapsed();
    watchdog.abort();
    let stderr = ended.fails_with(7);
    #[allow(
        clippy::print_stderr,
        reason = "the figure the note quotes, shown with --no-capture"
    )]
    {
        eprintln!("a store that never answers: --timeout 10s ended after {took:?}");
    }
    assert!(
        took < Duration::from_secs(12),
        "--timeout 10s took {took:?}: {stderr}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_store_lost_between_apples_answer_and_the_share_says_where_the_certificate_and_key_are() {
    let mut team = Team::start(Sandbox::builder()).await;
    team.env.sandbox.set_create_response_delay(Duration::from_secs(2));
    let home = runner_home(&team, "runner");
    let mut holder = spawn(&team, &home, "DISTRIBUTION", &[]);
    wait_for("the create", &mut holder, async || {
        team.env.sandbox.certificate_count() == 1
    })
    .await;
    team.moto.stop();
    let ended = finish(holder).await;
    let stderr = ended.fails_with(1);
    assert!(stderr.contains("was created at App Store Connect"), "{stderr}");
    assert!(
        stderr.contains("the next `ascert identities ensure --store …` adopts"),
        "{stderr}"
    );
    // Its key is in this machine's keystore, paired with the certificate.
    let listed = team
        .run(
            &[("ASCERT_HOME", home.to_str().unwrap())],
            &["identities", "list", "--json"],
        )
        .await;
    listed.ok();
    assert!(
        listed
            .json()
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["status"] == "paired"),
        "{}",
        listed.json()
    );
}
