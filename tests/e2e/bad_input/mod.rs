//! The bad-input catalogue: hostile or broken command lines, key files, CSRs, certificates, PKCS#12
//! files and server responses, and every kind of input fed something without end (`sizes.rs`). Every
//! case must end with a clear error and a non-zero exit, without a panic, within a time bound, and
//! without losing or changing anything already in the keystore.
//!
//! Each case runs against its own copy of a keystore that already holds a paired identity, so a
//! case that damaged the store would show as a changed file. Failures name the case.

mod cli_args;
mod files;
mod server;
mod sizes;

use std::collections::BTreeMap;
use std::ffi::OsString;
use std::io::Read as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use futures::StreamExt as _;

use crate::support::{Env, Run};

/// The longest one case may take; a run still going is killed and reported as a hang.
const TIME_BOUND: Duration = Duration::from_secs(90);
/// Cases run at the same time.
const PARALLEL: usize = 6;
/// An error is a few lines, not a dump of what the server sent. (A 10,000-character id is echoed
/// in its URL, so the bound is not tighter.)
const MAX_STDERR: usize = 32 * 1024;

/// One hostile input: the command line, its environment, and what the user must see.
pub(crate) struct Case {
    pub(crate) name: String,
    pub(crate) args: Vec<OsString>,
    pub(crate) env: Vec<(String, OsString)>,
    pub(crate) credentials: bool,
    pub(crate) base_url: Option<String>,
    pub(crate) exit: Option<i32>,
    pub(crate) says: Vec<String>,
}

impl Case {
    /// `ascert --api-key <the sandbox key> ARGS`, expected to fail.
    pub(crate) fn new<S: Into<OsString>>(name: &str, args: impl IntoIterator<Item = S>) -> Case {
        Case {
            name: name.to_owned(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            credentials: true,
            base_url: None,
            exit: None,
            says: Vec::new(),
        }
    }

    /// Runs without `--api-key` (the case brings its own key options).
    pub(crate) fn without_credentials(mut self) -> Case {
        self.credentials = false;
        self
    }

    /// Sets an environment variable for the run.
    pub(crate) fn env(mut self, name: &str, value: impl Into<OsString>) -> Case {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    /// Points the run at another server.
    pub(crate) fn base_url(mut self, url: impl Into<String>) -> Case {
        self.base_url = Some(url.into());
        self
    }

    /// The exit code expected.
    pub(crate) fn exit(mut self, code: i32) -> Case {
        self.exit = Some(code);
        self
    }

    /// Any non-zero exit will do.
    pub(crate) fn any_exit(mut self) -> Case {
        self.exit = None;
        self
    }

    /// Text stderr must contain (case-insensitive).
    pub(crate) fn says(mut self, text: &str) -> Case {
        self.says.push(text.to_owned());
        self
    }
}

/// An environment whose keystore holds one paired identity: the store the cases must not damage.
pub(crate) struct Stocked {
    pub(crate) env: Env,
    /// The id of the key in the store.
    pub(crate) key_id: String,
    /// The id of its certificate.
    pub(crate) certificate_id: String,
}

impl Stocked {
    pub(crate) async fn start() -> Stocked {
        let env = Env::start().await;
        let created = env
            .run(&[
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--common-name",
                "Stocked Store",
                "--email",
                "stock@example.com",
                "--json",
            ])
            .await;
        created.ok();
        let json = created.json();
        Stocked {
            key_id: json["keyId"].as_str().unwrap().to_owned(),
            certificate_id: json["certificate"]["id"].as_str().unwrap().to_owned(),
            env,
        }
    }

    /// A file in this environment's folder, written with `contents`.
    pub(crate) fn file(&self, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
        let path = self.env.path(name);
        std::fs::write(&path, contents).unwrap();
        path
    }

    /// Runs every case, several at a time, and fails naming each case that misbehaved.
    pub(crate) async fn check(&self, cases: Vec<Case>) {
        let total = cases.len();
        let failures: Vec<String> = futures::stream::iter(cases.into_iter().enumerate())
            .map(|(i, case)| self.check_one(i, case))
            .buffer_unordered(PARALLEL)
            .filter_map(|r| async move { r.err() })
            .collect()
            .await;
        assert!(
            failures.is_empty(),
            "{} of {total} bad-input cases misbehaved:\n\n{}",
            failures.len(),
            failures.join("\n\n")
        );
    }

    async fn check_one(&self, index: usize, case: Case) -> Result<(), String> {
        let home = self.env.path(&format!("case-{index}-home"));
        copy_tree(&self.env.home(), &home);
        let before = snapshot(&home);
        let mut command = self.env.bare();
        command.env("ASCERT_HOME", &home);
        if let Some(url) = &case.base_url {
            command.env("ASCERT_BASE_URL", url);
        }
        for (name, value) in &case.env {
            command.env(name, value);
        }
        if case.credentials {
            command.arg("--api-key").arg(&self.env.api_key_json);
        }
        command.args(&case.args);
        let name = case.name.clone();
        let run = tokio::task::spawn_blocking(move || run_bounded(command, TIME_BOUND))
            .await
            .unwrap()
            .map_err(|e| format!("case {name:?}: {e}"))?;
        let after = snapshot(&home);
        judge(&case, &run, &before, &after).map_err(|problem| {
            format!(
                "case {:?}: {problem}\n  exit {}\n  stdout: {}\n  stderr: {}",
                case.name,
                run.code,
                truncate(&run.stdout),
                truncate(&run.stderr)
            )
        })
    }
}

/// What a case must show: a failure, a clear short error, no panic, an intact store.
fn judge(case: &Case, run: &Run, before: &Snapshot, after: &Snapshot) -> Result<(), String> {
    if run.code == 0 {
        return Err("it succeeded".into());
    }
    if run.code < 0 {
        return Err("it was killed by a signal".into());
    }
    if let Some(code) = case.exit
        && run.code != code
    {
        return Err(format!("exit {} instead of {code}", run.code));
    }
    if run.stderr.contains("panicked") || run.stderr.contains("RUST_BACKTRACE") {
        return Err("it panicked".into());
    }
    // Text (`error: …`, after any notes, warnings and retries told), or with `--json` one JSON
    // object with an `error` field, after any warning objects (retries told are warnings).
    let first = run
        .stderr
        .lines()
        .find(|l| !l.starts_with("note: ") && !l.starts_with("warning: ") && !l.contains("; retrying in "))
        .unwrap_or_default();
    let json_lines: Vec<Option<serde_json::Value>> = run
        .stderr
        .trim()
        .lines()
        .map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
        .collect();
    let json_error = json_lines.split_last().is_some_and(|(last, before)| {
        last.as_ref()
            .is_some_and(|v| v["error"].as_str().is_some_and(|e| !e.is_empty()))
            && before
                .iter()
                .all(|v| v.as_ref().is_some_and(|v| v["warning"].is_string()))
    });
    if !first.starts_with("error") && !json_error {
        return Err("stderr has no error line".into());
    }
    if run.stderr.len() > MAX_STDERR {
        return Err(format!("{} bytes on stderr", run.stderr.len()));
    }
    let lower = run.stderr.to_lowercase();
    for text in &case.says {
        if !lower.contains(&text.to_lowercase()) {
            return Err(format!("stderr does not say {text:?}"));
        }
    }
    for (path, contents) in before {
        match after.get(path) {
            None => return Err(format!("{} was lost", path.display())),
            Some(now) if now != contents => return Err(format!("{} was changed", path.display())),
            Some(_) => {}
        }
    }
    if let Some(temp) = after.keys().find(|p| p.to_string_lossy().contains(".tmp-")) {
        return Err(format!("a temporary file was left: {}", temp.display()));
    }
    Ok(())
}

fn truncate(text: &str) -> String {
    let mut short: String = text.chars().take(600).collect();
    if short.len() < text.len() {
        short.push('…');
    }
    short
}

/// Every file under a folder: relative path → (contents, mode).
type Snapshot = BTreeMap<PathBuf, (Vec<u8>, u32)>;

fn snapshot(root: &Path) -> Snapshot {
    let mut files = Snapshot::new();
    walk(root, &mut |path| {
        let relative = path.strip_prefix(root).unwrap().to_path_buf();
        files.insert(
            relative,
            (std::fs::read(path).unwrap(), crate::support::mode(path)),
        );
    });
    files
}

/// Calls `visit` with every regular file under `root`.
pub(crate) fn walk(root: &Path, visit: &mut dyn FnMut(&Path)) {
    let Ok(entries) = std::fs::read_dir(root) else {
        return;
    };
    for entry in entries {
        let path = entry.unwrap().path();
        let kind = std::fs::symlink_metadata(&path).unwrap().file_type();
        if kind.is_dir() {
            walk(&path, visit);
        } else if kind.is_file() {
            visit(&path);
        }
    }
}

fn copy_tree(from: &Path, to: &Path) {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::create_dir_all(to).unwrap();
    std::fs::set_permissions(to, std::fs::Permissions::from_mode(crate::support::mode(from))).unwrap();
    for entry in std::fs::read_dir(from).unwrap() {
        let entry = entry.unwrap();
        let target = to.join(entry.file_name());
        if entry.file_type().unwrap().is_dir() {
            copy_tree(&entry.path(), &target);
        } else {
            std::fs::copy(entry.path(), &target).unwrap();
        }
    }
}

/// Runs `command`, killing it if it is still running after `bound`.
///
/// # Errors
/// A description of the hang when the bound was reached.
pub(crate) fn run_bounded(mut command: Command, bound: Duration) -> Result<Run, String> {
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    let mut child = command.spawn().map_err(|e| format!("cannot start: {e}"))?;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stdout.read_to_end(&mut buffer);
        buffer
    });
    let err = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stderr.read_to_end(&mut buffer);
        buffer
    });
    let deadline = Instant::now() + bound;
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if Instant::now() >= deadline {
            let _ = child.kill();
            let _ = child.wait();
            return Err(format!("still running after {bound:?}: a hang"));
        }
        // Polling the child's exit; nothing here waits on a server.
        std::thread::sleep(Duration::from_millis(20));
    };
    Ok(Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    })
}
