//! How a run stops early: the overall deadline (`--timeout`, `ASCERT_TIMEOUT`, 2 minutes by
//! default) and Ctrl-C or SIGTERM. Either ends the command at its next await, so nothing it writes
//! is left half done: files are written whole and renamed into place by synchronous code that runs
//! to its end, a key made for a certificate is on disk before its request leaves, and a `--json`
//! list stops after a whole element, without its closing `]`.

use std::future::Future;
use std::time::Duration;

use anyhow::Result;
use ascert_transport::Deadline;
use tokio::signal::unix::{SignalKind, signal};

use crate::failure::{Exit, UserError};

/// What a run must undo however it ends: the team-store leases it holds. A lease left held makes
/// every other runner wait its whole time-to-live; so a run that fails, is cancelled (SIGINT,
/// SIGTERM: a CI job cancelled) or runs out of time releases them, best effort and bounded.
#[derive(Clone, Default)]
pub(crate) struct Cleanup {
    leases: std::sync::Arc<std::sync::Mutex<Vec<ascert_team::LeaseReleaser>>>,
}

impl std::fmt::Debug for Cleanup {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Cleanup").finish_non_exhaustive()
    }
}

impl Cleanup {
    /// Releases this lease if the run ends before it does.
    pub(crate) fn hold(&self, releaser: ascert_team::LeaseReleaser) {
        self.leases
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(releaser);
    }

    /// Releases every lease still held, within `within`; says on stderr what it released.
    pub(crate) async fn run(&self, within: Duration) {
        let leases = std::mem::take(
            &mut *self
                .leases
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner),
        );
        if leases.is_empty() {
            return;
        }
        let release_all = futures::future::join_all(leases.iter().map(|lease| async move {
            if lease.in_flight() {
                // Its request to Apple may have gone through: a release now could let the next runner
                // create a second certificate before Apple shows this one. The lease runs out instead,
                // and the next holder adopts what the request made.
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    format!(
                        "Kept the team store's {} lease: its request to App Store Connect may have gone through; \
                         the next runner adopts the certificate once the lease runs out (in at most {} s).\n",
                        lease.lease_name(),
                        lease.ttl().as_secs()
                    )
                    .as_bytes(),
                );
                return;
            }
            if let Ok(Some(ascert_team::Release::Released)) = lease.release().await {
                let _ = std::io::Write::write_all(
                    &mut std::io::stderr(),
                    format!(
                        "Released the team store's {} lease this run held.\n",
                        lease.lease_name()
                    )
                    .as_bytes(),
                );
            }
        }));
        let _ = tokio::time::timeout(within, release_all).await;
    }
}

/// How long a run that stops early is given to release its leases: within the signal watchdog's grace.
const CLEANUP_TIME: Duration = Duration::from_millis(1500);

/// The overall deadline of a command when neither `--timeout` nor `ASCERT_TIMEOUT` says otherwise.
pub(crate) const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// How long one attempt may wait for an answer: a quarter of the deadline, so that a few attempts
/// fit in it, and at most the transport's 30 s.
pub(crate) fn attempt_timeout(deadline: &Deadline) -> Duration {
    (deadline.allowed() / 4).clamp(Duration::from_millis(100), ascert_transport::ATTEMPT_TIMEOUT)
}

/// How long a signalled run that does not stop by itself (its thread is busy, or blocked in a
/// prompt) is given before the process exits anyway.
const SIGNAL_GRACE: Duration = Duration::from_secs(2);

/// What a command does, for what an early stop means to the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Activity {
    /// Creates a certificate with a key of the local keystore (`certificates create`, `identities
    /// ensure`). The demo is not one: its keystore is temporary.
    Create,
    /// Lists certificates as a JSON array on stdout.
    JsonList,
    /// Anything else.
    Other,
}

impl Activity {
    /// What the user should know after an early stop.
    fn hint(self) -> Option<&'static str> {
        match self {
            Self::Create => Some(
                "nothing is lost: the key made for the certificate is kept, and running the same command again \
                 reuses it and adopts a certificate App Store Connect already issued for it (with --csr, for \
                 that CSR's key) instead of asking for a second",
            ),
            Self::JsonList => Some(
                "the JSON array on stdout is incomplete: it ends after the last whole certificate, without its \
                 closing `]`",
            ),
            Self::Other => None,
        }
    }
}

/// The signals that stop a run.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Stop {
    Interrupt,
    Terminate,
}

impl Stop {
    fn exit(self) -> Exit {
        match self {
            Self::Interrupt => Exit::Interrupted,
            Self::Terminate => Exit::Terminated,
        }
    }

    fn describe(self) -> &'static str {
        match self {
            Self::Interrupt => "interrupted (SIGINT, Ctrl-C)",
            Self::Terminate => "terminated (SIGTERM)",
        }
    }
}

/// Waits for SIGINT or SIGTERM.
struct Signals {
    interrupt: tokio::signal::unix::Signal,
    terminate: tokio::signal::unix::Signal,
}

impl Signals {
    fn listen() -> Result<Self> {
        Ok(Self {
            interrupt: signal(SignalKind::interrupt())?,
            terminate: signal(SignalKind::terminate())?,
        })
    }

    async fn next(&mut self) -> Stop {
        tokio::select! {
            _ = self.interrupt.recv() => Stop::Interrupt,
            _ = self.terminate.recv() => Stop::Terminate,
        }
    }
}

/// Runs `command` until it ends, the deadline passes or a signal arrives, whichever comes first.
///
/// A deadline that passes while a request is under way ends that request with the transport's own
/// error (which names the host and what was tried); this is the backstop for everything else, and
/// waits a moment longer so that the clearer error wins. A signal ends the command at once; if its
/// thread is busy and it does not end within two seconds, the process exits anyway.
///
/// # Errors
/// The command's own error, or a [`UserError`] with exit code 7 (deadline), 130 (SIGINT) or 143
/// (SIGTERM).
pub(crate) async fn run(
    command: impl Future<Output = Result<()>>,
    deadline: &Deadline,
    activity: Activity,
    cleanup: &Cleanup,
) -> Result<()> {
    let mut signals = Signals::listen()?;
    let mut watchdog = Signals::listen()?;
    // Runs on the runtime's worker threads, not the one that drives the command: it still acts when
    // the command's thread is stuck in synchronous work.
    tokio::spawn(async move {
        let stop = watchdog.next().await;
        tokio::time::sleep(SIGNAL_GRACE).await;
        let _ = std::io::Write::write_all(
            &mut std::io::stderr(),
            format!(
                "error: {}; the command did not stop by itself, so the process ends now\n",
                stop.describe()
            )
            .as_bytes(),
        );
        std::process::exit(i32::from(stop.exit() as u8));
    });
    let backstop = async {
        deadline.passed().await;
        tokio::time::sleep(Duration::from_millis(500)).await;
    };
    let outcome = tokio::select! {
        biased;
        result = command => result,
        stop = signals.next() => {
            let mut error = UserError::new(stop.exit(), stop.describe());
            if let Some(hint) = activity.hint() {
                error = error.hint(hint);
            }
            Err(error.into())
        }
        () = backstop => {
            let more = "give it more time with --timeout (or ASCERT_TIMEOUT), e.g. --timeout 5m";
            let hint = activity.hint().map_or_else(|| more.to_owned(), |hint| format!("{hint}; {more}"));
            Err(UserError::new(
                Exit::Timeout,
                format!("the command did not finish within its {deadline} deadline"),
            )
            .hint(hint)
            .into())
        }
    };
    // However it ended (the command's future is dropped on a signal or the deadline), leases it still
    // holds are released now, so that other runners need not wait them out.
    cleanup.run(CLEANUP_TIME).await;
    outcome
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn attempts_get_a_quarter_of_the_deadline_at_most_thirty_seconds() {
        let attempt = |secs| attempt_timeout(&Deadline::after(Duration::from_secs(secs)));
        assert_eq!(attempt(120), Duration::from_secs(30));
        assert_eq!(attempt(600), Duration::from_secs(30));
        assert_eq!(attempt(8), Duration::from_secs(2));
        assert_eq!(
            attempt_timeout(&Deadline::after(Duration::from_millis(200))),
            Duration::from_millis(100)
        );
    }
}
