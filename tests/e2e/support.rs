//! The harness: a sandbox, a temporary folder for everything the binary writes, and a way to run
//! `ascert` against them.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ascert_sandbox::{Sandbox, SandboxBuilder};
use tempfile::TempDir;

/// Variables that would let the machine's own credentials or settings leak into a test.
const SCRUBBED_PREFIXES: &[&str] = &["ASC_", "APP_STORE_CONNECT_", "ASCERT_", "RUST_LOG"];

/// A sandbox and a private folder for one test.
pub(crate) struct Env {
    pub(crate) sandbox: Sandbox,
    pub(crate) dir: TempDir,
    pub(crate) api_key_json: PathBuf,
    pub(crate) private_key: PathBuf,
}

/// What a run of the binary left behind.
#[derive(Debug)]
pub(crate) struct Run {
    pub(crate) code: i32,
    pub(crate) stdout: String,
    pub(crate) stderr: String,
}

impl Run {
    /// Asserts success and returns stdout.
    #[track_caller]
    pub(crate) fn ok(&self) -> &str {
        assert_eq!(
            self.code, 0,
            "expected success\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stdout
    }

    /// Asserts the exit code and returns stderr.
    #[track_caller]
    pub(crate) fn fails_with(&self, code: i32) -> &str {
        assert_eq!(
            self.code, code,
            "expected exit {code}\nstdout:\n{}\nstderr:\n{}",
            self.stdout, self.stderr
        );
        &self.stderr
    }

    pub(crate) fn json(&self) -> serde_json::Value {
        serde_json::from_str(&self.stdout).unwrap_or_else(|e| panic!("{e}: not JSON:\n{}", self.stdout))
    }
}

impl Env {
    pub(crate) async fn start() -> Env {
        Self::with(Sandbox::builder()).await
    }

    pub(crate) async fn with(builder: SandboxBuilder) -> Env {
        let sandbox = builder.start().await.unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = sandbox.api_key().write_files(&dir.path().join("api")).unwrap();
        // ASCERT_CONFIG names it: a missing file named there is an error.
        std::fs::write(dir.path().join("config.toml"), "").unwrap();
        Env {
            sandbox,
            dir,
            api_key_json: files.api_key_json_path,
            private_key: files.private_key_path,
        }
    }

    pub(crate) fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    pub(crate) fn home(&self) -> PathBuf {
        self.path("home")
    }

    /// The key records (`keys/*.json`) of the keystore, skipping temporary files; safe to poll while
    /// a run of the binary writes, since records only ever appear by an atomic rename.
    pub(crate) fn key_records(&self) -> Vec<serde_json::Value> {
        let Ok(entries) = std::fs::read_dir(self.home().join("keys")) else {
            return Vec::new();
        };
        entries
            .filter_map(|e| {
                let path = e.ok()?.path();
                let visible = !path.file_name()?.to_str()?.starts_with('.');
                (visible && path.extension().is_some_and(|x| x == "json"))
                    .then(|| serde_json::from_slice(&std::fs::read(&path).ok()?).ok())
                    .flatten()
            })
            .collect()
    }

    /// `ascert` with a clean environment pointed at this sandbox, without credentials.
    pub(crate) fn bare(&self) -> Command {
        let mut command = Command::new(env!("CARGO_BIN_EXE_ascert"));
        for (name, _) in std::env::vars_os() {
            let name = name.to_string_lossy();
            if SCRUBBED_PREFIXES.iter().any(|p| name.starts_with(p)) {
                command.env_remove(name.as_ref());
            }
        }
        command
            .current_dir(self.dir.path())
            .env("HOME", self.dir.path())
            .env("XDG_CONFIG_HOME", self.path("xdg-config"))
            .env("XDG_DATA_HOME", self.path("xdg-data"))
            .env("ASCERT_CONFIG", self.path("config.toml"))
            .env("ASCERT_HOME", self.home())
            .env("ASCERT_BASE_URL", self.sandbox.base_url())
            .env("NO_COLOR", "1")
            .stdin(Stdio::null());
        command
    }

    /// `program` (a shell, node) with the environment of [`Env::bare`], in the test's folder, stdin
    /// /dev/null: what it runs of ascert sees the same clean environment.
    pub(crate) fn bare_program(&self, program: &str) -> Command {
        let template = self.bare();
        let mut command = Command::new(program);
        for (name, value) in template.get_envs() {
            match value {
                Some(value) => command.env(name, value),
                None => command.env_remove(name),
            };
        }
        command.current_dir(self.dir.path()).stdin(Stdio::null());
        command
    }

    /// `ascert --api-key <the sandbox's fastlane JSON> ARGS`.
    pub(crate) async fn run(&self, args: &[&str]) -> Run {
        self.run_with(&[], args).await
    }

    /// Like [`Env::run`], with these environment variables set too.
    pub(crate) async fn run_with(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        let mut command = self.bare();
        command
            .envs(vars.iter().copied())
            .arg("--api-key")
            .arg(&self.api_key_json)
            .args(args);
        run(command).await
    }
}

/// Runs a prepared command off the async runtime, so the in-process sandbox keeps serving.
pub(crate) async fn run(mut command: Command) -> Run {
    let output = tokio::task::spawn_blocking(move || command.output().unwrap())
        .await
        .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}

/// The Unix mode bits of a file.
pub(crate) fn mode(path: &Path) -> u32 {
    use std::os::unix::fs::PermissionsExt as _;
    std::fs::metadata(path).unwrap().permissions().mode() & 0o777
}

/// Runs `openssl ARGS` and returns stdout, asserting success.
pub(crate) fn openssl(args: &[&str]) -> String {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .expect("openssl is installed (.ci/run installs it)");
    assert!(
        output.status.success(),
        "openssl {args:?}: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned() + &String::from_utf8_lossy(&output.stderr)
}

/// Runs a prepared command on a pseudo-terminal (util-linux `script`, as a person at a terminal
/// would), typing `typed` into it; stdout and stderr both arrive in [`Run::stdout`], as a terminal
/// shows them.
pub(crate) async fn run_in_terminal(command: &Command, typed: &str) -> Run {
    run_in_terminal_typing(command, &[(std::time::Duration::from_millis(500), typed)]).await
}

/// [`run_in_terminal`], typing each text after its pause, as a person answers prompt after prompt
/// (a prompt that turns echo off discards what was typed ahead of it).
pub(crate) async fn run_in_terminal_typing(command: &Command, typing: &[(std::time::Duration, &str)]) -> Run {
    use std::io::Write as _;

    let quote = |s: &std::ffi::OsStr| format!("'{}'", s.to_string_lossy().replace('\'', r"'\''"));
    let line = std::iter::once(command.get_program())
        .chain(command.get_args())
        .map(quote)
        .collect::<Vec<_>>()
        .join(" ");
    let mut script = Command::new("script");
    // -q: no banner; -e: the command's exit code; -c: the command; /dev/null: no typescript file.
    script.args(["-q", "-e", "-c", &line, "/dev/null"]);
    script.env_clear();
    for (name, value) in std::env::vars_os() {
        let scrubbed = SCRUBBED_PREFIXES
            .iter()
            .any(|p| name.to_string_lossy().starts_with(p));
        if !scrubbed {
            script.env(name, value);
        }
    }
    for (name, value) in command.get_envs() {
        match value {
            Some(value) => script.env(name, value),
            None => script.env_remove(name),
        };
    }
    if let Some(dir) = command.get_current_dir() {
        script.current_dir(dir);
    }
    script
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let typing: Vec<(std::time::Duration, String)> =
        typing.iter().map(|(p, t)| (*p, (*t).to_owned())).collect();
    let output = tokio::task::spawn_blocking(move || {
        let mut child = script
            .spawn()
            .expect("util-linux `script` runs commands on a pseudo-terminal (apt-get install bsdutils)");
        let mut stdin = child.stdin.take().unwrap();
        for (pause, typed) in typing {
            // Give the command time to ask before answering, as a person would.
            std::thread::sleep(pause);
            stdin.write_all(typed.as_bytes()).unwrap();
            stdin.flush().unwrap();
        }
        drop(stdin);
        child.wait_with_output().unwrap()
    })
    .await
    .unwrap();
    Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    }
}
