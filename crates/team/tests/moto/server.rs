//! A real S3-protocol server for the tests: moto's server mode, started on a free loopback port,
//! waited on until it answers, and stopped when the test ends.
//!
//! moto is found in the virtual environment `.ci/run` creates (`target/moto-venv`), then on `PATH`
//! (or at `ASCERT_MOTO_SERVER`). If it cannot be started the test fails with the command that
//! installs it: these tests never skip.
//!
//! This file uses only what every test binary of the workspace has (std, tokio, reqwest, tempfile,
//! ascert-team), so the CLI's end-to-end tests include it too (`#[path]` in tests/e2e/team.rs);
//! what needs more (IAM users, raw object access) is in `admin.rs`.

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ascert_team::{StoreOptions, StoreUrl};

/// The command that installs moto where these tests look first.
pub(crate) const INSTALL: &str = "python3 -m venv target/moto-venv && target/moto-venv/bin/pip install 'moto[server]==5.2.5'  (or run .ci/run)";

/// A running moto server; stopped when dropped.
pub(crate) struct Moto {
    child: Child,
    pub(crate) endpoint: String,
    /// Holds the server's output files for as long as it runs.
    folder: tempfile::TempDir,
    /// How the server ended, if it did while starting.
    exit: Option<String>,
}

impl Moto {
    /// Starts moto with authentication off: any credentials are accepted.
    pub(crate) async fn start() -> Self {
        Self::start_with(&[]).await
    }

    /// Starts moto so that it enforces IAM authentication after its first `free_actions` requests
    /// (moto's `INITIAL_NO_AUTH_ACTION_COUNT`), which the caller spends creating users.
    pub(crate) async fn start_enforcing_auth(free_actions: u32) -> Self {
        Self::start_with(&[("INITIAL_NO_AUTH_ACTION_COUNT", &free_actions.to_string())]).await
    }

    async fn start_with(env: &[(&str, &str)]) -> Self {
        let program = find_moto_server();
        let mut last = None;
        // A port that was free a moment ago may be taken by another test: try a few.
        for _ in 0..5 {
            let folder = tempfile::tempdir().unwrap();
            let port = free_port();
            let child = Command::new(&program)
                .args(["-H", "127.0.0.1", "-p", &port.to_string()])
                .envs(env.iter().copied())
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(folder.path().join("moto.out")).unwrap())
                .stderr(std::fs::File::create(folder.path().join("moto.err")).unwrap())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!("cannot start {}: {e}; install moto: {INSTALL}", program.display())
                });
            let mut moto = Self {
                child,
                endpoint: format!("http://127.0.0.1:{port}"),
                folder,
                exit: None,
            };
            if moto.wait_until_ready().await {
                return moto;
            }
            last = moto.exit.take();
        }
        panic!(
            "moto_server ({}) did not start ({}). Install it: {INSTALL}",
            program.display(),
            last.as_deref().unwrap_or("it did not answer within 60 s")
        );
    }

    /// Polls until the server answers HTTP (or its process ends): readiness, not a fixed sleep.
    async fn wait_until_ready(&mut self) -> bool {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let output = std::fs::read_to_string(self.folder.path().join("moto.err")).unwrap_or_default();
                self.exit = Some(format!("moto_server exited ({status}):\n{output}"));
                return false;
            }
            let probe = client
                .get(format!("{}/moto-api/", self.endpoint))
                .timeout(Duration::from_secs(2))
                .send()
                .await;
            if probe.is_ok_and(|r| r.status().is_success()) {
                return true;
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
        false
    }

    /// Creates a bucket (unsigned: moto accepts that while authentication is off or not yet enforced).
    pub(crate) async fn create_bucket(&self, bucket: &str) {
        let response = reqwest::Client::new()
            .put(format!("{}/{bucket}", self.endpoint))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "create bucket {bucket}: {}",
            response.status()
        );
    }

    /// The URL of a store in `bucket` under `prefix`.
    pub(crate) fn url(bucket: &str, prefix: &str) -> StoreUrl {
        format!("s3://{bucket}/{prefix}").parse().unwrap()
    }

    /// Store options for this server with the given credentials (any, when auth is off).
    pub(crate) fn options(&self, actor: &str, key_id: &str, secret: &str) -> StoreOptions {
        StoreOptions::new()
            .with_actor(actor)
            .with_config("aws_endpoint", &self.endpoint)
            .with_config("aws_allow_http", "true")
            .with_config("aws_region", "us-east-1")
            .with_config("aws_access_key_id", key_id)
            .with_config("aws_secret_access_key", secret)
    }

    /// Store options for a server without authentication.
    pub(crate) fn open_options(&self, actor: &str) -> StoreOptions {
        self.options(actor, "test", "test")
    }

    /// Environment variables that point a child process at this server.
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AWS_ENDPOINT_URL", self.endpoint.clone()),
            ("AWS_ALLOW_HTTP", "true".into()),
            ("AWS_REGION", "us-east-1".into()),
            ("AWS_ACCESS_KEY_ID", "test".into()),
            ("AWS_SECRET_ACCESS_KEY", "test".into()),
        ]
    }
}

impl Moto {
    /// Stops the server now: the store becomes unreachable, as in an outage.
    #[allow(dead_code, reason = "used by the CLI's end-to-end tests only")]
    pub(crate) fn stop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

impl Drop for Moto {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// The Python beside `moto_server`, whose environment has boto3 (a dependency of moto): the AWS SDK
/// that anyone holding a bucket's credentials has, for tests that act as such a writer.
#[allow(
    dead_code,
    reason = "the CLI's end-to-end tests act as a bucket writer with boto3; ascert-team's use object_store"
)]
pub(crate) fn python() -> PathBuf {
    find_moto_server().with_file_name("python")
}

/// `moto_server`: `$ASCERT_MOTO_SERVER`, the workspace's `target/moto-venv`, or `PATH`.
fn find_moto_server() -> PathBuf {
    if let Some(path) = std::env::var_os("ASCERT_MOTO_SERVER") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let venv = workspace.join("target/moto-venv/bin/moto_server");
    if venv.is_file() {
        return venv;
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for folder in std::env::split_paths(&paths) {
            let candidate = folder.join("moto_server");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("moto_server is not installed (looked in target/moto-venv and PATH). Install it: {INSTALL}");
}
