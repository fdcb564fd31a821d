//! Test helper for the multi-process lease race of `tests/moto` (not a user tool): takes the lease
//! for DISTRIBUTION certificates `ROUNDS` times against the store at `URL`, and while holding it
//! proves it is alone by creating `MARKER_DIR/holder` with create-new semantics (which fails if
//! another process holds it too). Prints one line per acquisition; exits non-zero on any violation.
//!
//! Usage: `ascert-team-lease-racer URL MARKER_DIR ROUNDS` with the store's settings in the
//! environment (`AWS_ENDPOINT_URL`, `AWS_ACCESS_KEY_ID`, …), as the CLI will read them.

use std::process::ExitCode;
use std::time::{Duration, Instant};

use ascert_models::CertificateType;
use ascert_team::{Acquisition, LeaseAttempt, Release, StoreOptions, TeamStore};

#[tokio::main(flavor = "current_thread")]
async fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [url, marker_dir, rounds] = args.as_slice() else {
        return fail("usage: ascert-team-lease-racer URL MARKER_DIR ROUNDS");
    };
    let Ok(url) = url.parse() else {
        return fail("bad URL");
    };
    let Ok(rounds) = rounds.parse::<usize>() else {
        return fail("bad ROUNDS");
    };
    let marker = std::path::Path::new(marker_dir).join("holder");
    let store = match TeamStore::open(
        &url,
        &StoreOptions::new().with_actor(format!("racer-{}", std::process::id())),
    )
    .await
    {
        Ok(store) => store,
        Err(e) => return fail(&format!("open: {e}")),
    };
    let deadline = Instant::now() + Duration::from_secs(60);
    for _ in 0..rounds {
        let lease = loop {
            if Instant::now() > deadline {
                return fail("never got the lease");
            }
            match store
                .take_lease(&CertificateType::Distribution, Duration::from_secs(30))
                .await
            {
                Ok(LeaseAttempt::Acquired(lease)) => break lease,
                Ok(_) => tokio::time::sleep(Duration::from_millis(10)).await,
                Err(e) => return fail(&format!("take: {e}")),
            }
        };
        if std::fs::OpenOptions::new()
            .write(true)
            .create_new(true)
            .open(&marker)
            .is_err()
        {
            return fail("TWO HOLDERS: the marker of another holder exists");
        }
        let how = match lease.acquisition() {
            Acquisition::Created => "created",
            Acquisition::AfterRelease { .. } => "after-release",
            Acquisition::TakenOver { .. } => "taken-over",
            _ => "other",
        };
        say(&format!("acquired {how}"));
        tokio::time::sleep(Duration::from_millis(5)).await;
        if std::fs::remove_file(&marker).is_err() {
            return fail("the marker vanished while this process held the lease");
        }
        match store.release_lease(lease).await {
            Ok(Release::Released) => {}
            Ok(other) => return fail(&format!("release: {other:?}")),
            Err(e) => return fail(&format!("release: {e}")),
        }
    }
    ExitCode::SUCCESS
}

#[allow(
    clippy::print_stdout,
    reason = "the test reads one line per acquisition from stdout"
)]
fn say(line: &str) {
    println!("{line}");
}

#[allow(
    clippy::print_stderr,
    reason = "a helper binary reports its failure on stderr"
)]
fn fail(message: &str) -> ExitCode {
    eprintln!("ascert-team-lease-racer: {message}");
    ExitCode::FAILURE
}
