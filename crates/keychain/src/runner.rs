//! [`SecurityTool`]: the one place `security` is run.
//!
//! Every run: the program is `/usr/bin/security` (or `ASCERT_SECURITY_TOOL`, an absolute path, for
//! tests); standard input is `/dev/null`; the environment is cleared and given only `HOME`,
//! `USER`, `LOGNAME`, `TMPDIR` and a fixed `PATH`, so API keys and passwords in ascert's own
//! environment never reach it; it runs in its own process group, so it cannot read the terminal
//! (a password prompt stops it instead of waiting for a person) and a timeout kills it and anything
//! it started; and what it prints is scrubbed of the secrets it was given before anyone sees it.

use std::ffi::OsString;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use crate::command::{Invocation, REDACTED};
use crate::error::{KeychainError, Result};

/// The `security` tool of macOS.
pub const SECURITY_TOOL: &str = "/usr/bin/security";

/// Names another program to run instead of `/usr/bin/security`: meant for tests (a fake that
/// records its calls). Must be an absolute path; `PATH` is never searched, so a directory early in
/// `PATH` cannot capture keychain passwords.
pub const TOOL_ENV: &str = "ASCERT_SECURITY_TOOL";

/// Seconds one run of `security` may take before it is killed (default [`DEFAULT_TIMEOUT`]).
pub const TIMEOUT_ENV: &str = "ASCERT_SECURITY_TIMEOUT";

/// How long one run may take by default. fastlane warns that setting partition lists "can take a
/// minute if there are a lot of keys installed"; two minutes leaves room for that.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(120);

/// The `PATH` `security` gets: the system's folders only.
pub const CHILD_PATH: &str = "/usr/bin:/bin:/usr/sbin:/sbin";

/// The variables passed through from ascert's environment (when set); nothing else is.
/// `HOME` locates `~/Library/Keychains` and the user's preferences (search list, default
/// keychain); `USER`/`LOGNAME` name the user; `TMPDIR` is the per-user temporary folder on macOS.
pub const CHILD_ENV: [&str; 4] = ["HOME", "USER", "LOGNAME", "TMPDIR"];

/// Which program runs keychain commands, and for how long at most.
#[derive(Debug, Clone)]
pub struct SecurityTool {
    program: PathBuf,
    timeout: Duration,
    overridden: bool,
}

/// What one run printed.
#[derive(Clone)]
pub struct Output {
    /// The exit status.
    pub status: ExitStatus,
    /// Standard output, secrets scrubbed.
    pub stdout: String,
    /// Standard error, secrets scrubbed.
    pub stderr: String,
    /// Standard output as printed, for parsing only: scrubbing replaces any text equal to a
    /// secret, and a short password (`0`, `12`, hex-looking) can be part of a hash `security`
    /// printed. Never shown, never in `Debug`.
    raw_stdout: zeroize::Zeroizing<String>,
}

impl Output {
    /// Standard output as `security` printed it, to read values from (never to show).
    pub(crate) fn raw_stdout(&self) -> &str {
        &self.raw_stdout
    }
}

impl std::fmt::Debug for Output {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Output")
            .field("status", &self.status)
            .field("stdout", &self.stdout)
            .field("stderr", &self.stderr)
            .finish_non_exhaustive()
    }
}

impl Default for SecurityTool {
    fn default() -> Self {
        Self::system()
    }
}

impl SecurityTool {
    /// Whether the keychain steps that have a safe Security.framework call (create, unlock and
    /// settings without a password on any command line; looking an identity up by SHA-1) take it:
    /// on macOS, unless `ASCERT_SECURITY_TOOL` replaced `security` (tests), which then does every
    /// step, so a fake sees the whole sequence.
    pub fn uses_framework(&self) -> bool {
        cfg!(target_os = "macos") && !self.overridden
    }

    /// `/usr/bin/security` with the default timeout.
    pub fn system() -> Self {
        Self {
            program: PathBuf::from(SECURITY_TOOL),
            timeout: DEFAULT_TIMEOUT,
            overridden: false,
        }
    }

    /// A program of your choice (tests).
    pub fn at(program: impl Into<PathBuf>) -> Self {
        Self {
            program: program.into(),
            timeout: DEFAULT_TIMEOUT,
            overridden: true,
        }
    }

    /// The tool named by `ASCERT_SECURITY_TOOL` (else `/usr/bin/security`), with the timeout of
    /// `ASCERT_SECURITY_TIMEOUT` (else [`DEFAULT_TIMEOUT`]).
    ///
    /// # Errors
    ///
    /// [`KeychainError::ToolNotFound`] if the variable is set but is not an absolute path to an
    /// existing file; [`KeychainError::InvalidTimeout`] for a bad timeout.
    pub fn from_env() -> Result<Self> {
        let mut tool = match std::env::var_os(TOOL_ENV).filter(|v| !v.is_empty()) {
            Some(program) => {
                let program = PathBuf::from(program);
                if !program.is_absolute() || !program.is_file() {
                    return Err(KeychainError::ToolNotFound { program });
                }
                Self::at(program)
            }
            None => Self::system(),
        };
        if let Some(value) = std::env::var_os(TIMEOUT_ENV).filter(|v| !v.is_empty()) {
            let text = value.to_string_lossy();
            let seconds = text
                .trim()
                .parse::<u64>()
                .ok()
                .filter(|s| (1..=3600).contains(s))
                .ok_or_else(|| KeychainError::InvalidTimeout {
                    value: text.chars().take(40).collect(),
                })?;
            tool.timeout = Duration::from_secs(seconds);
        }
        Ok(tool)
    }

    /// The same tool with another timeout.
    #[must_use]
    pub fn with_timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout;
        self
    }

    /// The program run.
    pub fn program(&self) -> &Path {
        &self.program
    }

    /// Whether the program is not `/usr/bin/security` (it was named by `ASCERT_SECURITY_TOOL`).
    pub fn is_override(&self) -> bool {
        self.overridden
    }

    /// Checks that the program exists, before any work is done.
    ///
    /// # Errors
    ///
    /// [`KeychainError::OnlyOnMacos`] when `/usr/bin/security` is missing (any system but macOS),
    /// [`KeychainError::ToolNotFound`] when an overriding program is missing.
    pub fn check_available(&self) -> Result<()> {
        if self.program.is_file() {
            Ok(())
        } else if self.overridden {
            Err(KeychainError::ToolNotFound {
                program: self.program.clone(),
            })
        } else {
            Err(KeychainError::OnlyOnMacos {
                os: std::env::consts::OS,
            })
        }
    }

    /// Runs `invocation` and returns what it printed, whatever its exit status.
    ///
    /// # Errors
    ///
    /// As [`SecurityTool::check_available`]; [`KeychainError::Spawn`] if it cannot start;
    /// [`KeychainError::TimedOut`] if it runs longer than the timeout (it is killed).
    pub fn run(&self, invocation: &Invocation) -> Result<Output> {
        self.check_available()?;
        let mut command = Command::new(&self.program);
        command
            .args(invocation.argv())
            .env_clear()
            .env("PATH", CHILD_PATH)
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        for name in CHILD_ENV {
            if let Some(value) = std::env::var_os(name) {
                command.env(name, value);
            }
        }
        #[cfg(unix)]
        {
            use std::os::unix::process::CommandExt as _;
            // Not in the terminal's foreground group: reading the terminal stops the child
            // (SIGTTIN) rather than showing a prompt, and the timeout can kill the whole group.
            command.process_group(0);
        }
        tracing::debug!(command = %invocation, "running");
        let spawn_error = |source| KeychainError::Spawn {
            command: invocation.to_string(),
            source,
        };
        let mut child = command.spawn().map_err(spawn_error)?;
        let stdout = reader(child.stdout.take());
        let stderr = reader(child.stderr.take());
        let Some(status) = wait(&mut child, self.timeout).map_err(spawn_error)? else {
            kill(&mut child);
            return Err(KeychainError::TimedOut {
                command: invocation.to_string(),
                seconds: self.timeout.as_secs(),
            });
        };
        let raw_stdout = zeroize::Zeroizing::new(String::from_utf8_lossy(&join(stdout)).into_owned());
        Ok(Output {
            status,
            stdout: scrub(&raw_stdout, invocation),
            stderr: scrub(&String::from_utf8_lossy(&join(stderr)), invocation),
            raw_stdout,
        })
    }

    /// Runs `invocation` and fails unless it exits 0.
    ///
    /// # Errors
    ///
    /// As [`SecurityTool::run`], and [`KeychainError::Failed`] for a non-zero exit.
    pub fn run_ok(&self, invocation: &Invocation) -> Result<Output> {
        let output = self.run(invocation)?;
        if output.status.success() {
            Ok(output)
        } else {
            Err(failed(invocation, &output))
        }
    }
}

/// The error for a run that exited non-zero.
pub(crate) fn failed(invocation: &Invocation, output: &Output) -> KeychainError {
    KeychainError::Failed {
        command: invocation.to_string(),
        status: output.status.to_string(),
        stderr: output.stderr.trim().chars().take(500).collect(),
    }
}

/// Replaces every secret of `invocation` in `text` by `********`.
fn scrub(text: &str, invocation: &Invocation) -> String {
    invocation
        .secrets()
        .filter(|s| !s.expose().is_empty())
        .fold(text.to_owned(), |t, s| t.replace(s.expose(), REDACTED))
}

/// Reads a pipe to its end on a thread, so a chatty child never blocks on a full pipe.
fn reader(pipe: Option<impl Read + Send + 'static>) -> Option<JoinHandle<Vec<u8>>> {
    pipe.map(|mut pipe| {
        std::thread::spawn(move || {
            let mut buffer = Vec::new();
            let _ = pipe.read_to_end(&mut buffer);
            buffer
        })
    })
}

fn join(handle: Option<JoinHandle<Vec<u8>>>) -> Vec<u8> {
    handle.and_then(|h| h.join().ok()).unwrap_or_default()
}

/// Waits for the child, at most `timeout`; `None` if it is still running then.
fn wait(child: &mut Child, timeout: Duration) -> std::io::Result<Option<ExitStatus>> {
    let deadline = Instant::now() + timeout;
    let mut pause = Duration::from_millis(2);
    loop {
        if let Some(status) = child.try_wait()? {
            return Ok(Some(status));
        }
        let now = Instant::now();
        if now >= deadline {
            return Ok(None);
        }
        std::thread::sleep(pause.min(deadline - now));
        pause = (pause * 2).min(Duration::from_millis(50));
    }
}

/// Kills the child's process group (it leads one), then the child itself, and reaps it.
fn kill(child: &mut Child) {
    #[cfg(unix)]
    {
        let _ = rustix::process::kill_process_group(
            rustix::process::Pid::from_child(child),
            rustix::process::Signal::KILL,
        );
    }
    let _ = child.kill();
    let _ = child.wait();
}

/// The environment `security` gets, as (name, value) pairs: for documentation and tests.
pub fn child_environment() -> Vec<(String, OsString)> {
    let mut env = vec![("PATH".to_owned(), OsString::from(CHILD_PATH))];
    for name in CHILD_ENV {
        if let Some(value) = std::env::var_os(name) {
            env.push((name.to_owned(), value));
        }
    }
    env
}

#[cfg(all(test, unix))]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;
    use crate::command::{Secret, create_keychain, list_keychains};

    /// A shell script standing in for `security`.
    fn script(dir: &Path, body: &str) -> SecurityTool {
        let path = dir.join("security");
        std::fs::write(&path, format!("#!/bin/sh\n{body}\n")).unwrap();
        std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
        SecurityTool::at(path)
    }

    #[test]
    fn the_child_gets_a_cleared_environment_and_null_stdin() {
        let dir = tempfile::tempdir().unwrap();
        let tool = script(
            dir.path(),
            "env; if [ -c /dev/stdin ] && [ ! -t 0 ]; then echo STDIN=null; fi",
        );
        // The test process's own environment has plenty (CARGO_*, RUST_*, maybe secrets).
        let out = tool.run_ok(&list_keychains()).unwrap();
        let names: Vec<&str> = out
            .stdout
            .lines()
            .filter_map(|l| l.split_once('=').map(|(n, _)| n))
            .collect();
        let shell_added = ["PWD", "SHLVL", "_", "OLDPWD", "STDIN"];
        for name in &names {
            assert!(
                ["PATH", "HOME", "USER", "LOGNAME", "TMPDIR"].contains(name) || shell_added.contains(name),
                "{name} reached the child:\n{}",
                out.stdout
            );
        }
        assert!(
            out.stdout.contains(&format!("PATH={CHILD_PATH}\n")),
            "{}",
            out.stdout
        );
        assert!(out.stdout.contains("STDIN=null"), "{}", out.stdout);
        assert!(!names.iter().any(|n| n.starts_with("CARGO")), "{}", out.stdout);
    }

    #[test]
    fn a_hanging_tool_is_killed_with_its_children_and_reported_without_secrets() {
        let dir = tempfile::tempdir().unwrap();
        // A child that would keep the pipes open if only the shell were killed.
        let tool = script(dir.path(), "sleep 30 & sleep 30").with_timeout(Duration::from_millis(300));
        let started = Instant::now();
        let err = tool
            .run(&create_keychain(Path::new("/k"), &Secret::new("s3cret-pw")))
            .unwrap_err();
        assert!(
            started.elapsed() < Duration::from_secs(10),
            "{:?}",
            started.elapsed()
        );
        assert!(matches!(err, KeychainError::TimedOut { .. }), "{err}");
        let text = err.to_string();
        assert!(text.contains("security create-keychain -p ******** /k"), "{text}");
        assert!(!text.contains("s3cret-pw"), "{text}");
    }

    #[test]
    fn failures_show_stderr_with_secrets_scrubbed() {
        let dir = tempfile::tempdir().unwrap();
        let tool = script(dir.path(), r#"echo "bad password: $3" >&2; exit 1"#);
        let err = tool
            .run_ok(&create_keychain(Path::new("/k"), &Secret::new("s3cret-pw")))
            .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("bad password: ********"), "{text}");
        assert!(!text.contains("s3cret-pw"), "{text}");
    }

    #[test]
    fn a_missing_tool_is_only_on_macos_or_a_bad_override() {
        let missing = SecurityTool {
            program: PathBuf::from("/nonexistent/security"),
            timeout: DEFAULT_TIMEOUT,
            overridden: false,
        };
        let err = missing.run(&list_keychains()).unwrap_err();
        assert!(matches!(err, KeychainError::OnlyOnMacos { .. }), "{err}");
        assert!(err.to_string().contains("only available on macOS"), "{err}");
        let err = SecurityTool::at("/nonexistent/fake")
            .check_available()
            .unwrap_err();
        assert!(matches!(err, KeychainError::ToolNotFound { .. }), "{err}");
        if !Path::new(SECURITY_TOOL).exists() {
            assert!(matches!(
                SecurityTool::system().check_available(),
                Err(KeychainError::OnlyOnMacos { .. })
            ));
        }
    }
}
