//! A real Azure Blob Storage server for the tests: Azurite, Microsoft's storage emulator, started on a
//! free loopback port with in-memory storage, waited on until it answers, and stopped when the test
//! ends.
//!
//! Azurite is found where `.ci/run` installs it (`target/azurite`, an npm package run by Node.js),
//! then on `PATH` (or at `ASCERT_AZURITE`). If it cannot be started the test fails with the command
//! that installs it: these tests never skip.
//!
//! ascert-team reaches it as it would reach a real storage account behind a custom endpoint: the
//! account name and shared key, the endpoint `http://127.0.0.1:PORT/devstoreaccount1` (Azurite's
//! path-style account URL) and `allow_http`, through `object_store`'s Azure settings.
//!
//! This file uses only what every test binary of the workspace has (std, tokio, reqwest, tempfile,
//! ascert-team), so the CLI's end-to-end tests include it too (`#[path]` in `tests/e2e/team_azure.rs`).

use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use ascert_team::{StoreOptions, StoreUrl};

/// The command that installs Azurite where these tests look first.
pub(crate) const INSTALL: &str =
    "npm install --prefix target/azurite --save-exact azurite@3.37.0  (needs Node.js; or run .ci/run)";

/// Azurite's one built-in account and its shared key: public values, the same in every copy of
/// Azurite and in Microsoft's documentation (`object_store` has them too, for its emulator mode).
pub(crate) const ACCOUNT: &str = "devstoreaccount1";
pub(crate) const ACCOUNT_KEY: &str =
    "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

/// An account SAS of the built-in account (blob service; service, container and object resources;
/// read, write, delete, list, add, create; until 2099): the query that lets this harness create
/// containers and list blobs with plain HTTP, without an HMAC implementation of its own. It is the
/// HMAC-SHA256, with [`ACCOUNT_KEY`], of Azure's account-SAS string to sign for these fields (version
/// 2020-12-06 and later); `sas_is_signed_with_the_built_in_key` in backends.rs recomputes it.
pub(crate) const SAS: &str = "sv=2021-08-06&ss=b&srt=sco&sp=rwdlac&se=2099-12-31T23:59:59Z\
                              &sig=%2BbrTo%2B10y%2FqWRN3d7GZnUPYS4D3HDQOYiiww%2FN57SsY%3D";

/// A running Azurite blob server; stopped when dropped.
pub(crate) struct Azurite {
    child: Child,
    /// The account's URL, `http://127.0.0.1:PORT/devstoreaccount1`.
    pub(crate) endpoint: String,
    /// Azurite's workspace folder and output files, for as long as it runs.
    folder: tempfile::TempDir,
    /// How the server ended, if it did while starting.
    exit: Option<String>,
}

impl Azurite {
    /// Starts Azurite's blob service, storing everything in memory.
    pub(crate) async fn start() -> Self {
        let program = find_azurite_blob();
        let mut last = None;
        // A port that was free a moment ago may be taken by another test: try a few.
        for _ in 0..5 {
            let folder = tempfile::tempdir().unwrap();
            let port = free_port();
            let child = Command::new(&program)
                .args(["--blobHost", "127.0.0.1", "--blobPort", &port.to_string()])
                // Nothing on disk, and no more memory than a test needs. (Azurite refuses
                // `--location` beside this; the temporary working folder takes anything else.)
                .args(["--inMemoryPersistence", "--extentMemoryLimit", "256"])
                // Since 3.34 Azurite sends usage telemetry to Microsoft unless told not to; tests talk
                // to loopback only.
                .arg("--disableTelemetry")
                .current_dir(folder.path())
                .stdin(Stdio::null())
                .stdout(std::fs::File::create(folder.path().join("azurite.out")).unwrap())
                .stderr(std::fs::File::create(folder.path().join("azurite.err")).unwrap())
                .spawn()
                .unwrap_or_else(|e| {
                    panic!(
                        "cannot start {}: {e}; install Azurite: {INSTALL}",
                        program.display()
                    )
                });
            let mut azurite = Self {
                child,
                endpoint: format!("http://127.0.0.1:{port}/{ACCOUNT}"),
                folder,
                exit: None,
            };
            if azurite.wait_until_ready().await {
                return azurite;
            }
            last = azurite.exit.take();
        }
        panic!(
            "azurite-blob ({}) did not start ({}). Install it: {INSTALL}",
            program.display(),
            last.as_deref().unwrap_or("it did not answer within 60 s")
        );
    }

    /// Polls until Azurite answers HTTP (or its process ends): readiness, not a fixed sleep. Any
    /// answer from Azurite counts; the account's listing answers 200 with the SAS.
    async fn wait_until_ready(&mut self) -> bool {
        let client = reqwest::Client::new();
        let deadline = Instant::now() + Duration::from_secs(60);
        while Instant::now() < deadline {
            if let Ok(Some(status)) = self.child.try_wait() {
                let mut output =
                    std::fs::read_to_string(self.folder.path().join("azurite.err")).unwrap_or_default();
                output +=
                    &std::fs::read_to_string(self.folder.path().join("azurite.out")).unwrap_or_default();
                self.exit = Some(format!("azurite-blob exited ({status}):\n{output}"));
                return false;
            }
            let probe = client
                .get(format!("{}?comp=list&{SAS}", self.endpoint))
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

    /// Creates a container (through the SAS).
    pub(crate) async fn create_container(&self, container: &str) {
        let response = reqwest::Client::new()
            .put(format!("{}/{container}?restype=container&{SAS}", self.endpoint))
            .header("Content-Length", "0")
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "create container {container}: {}",
            response.status()
        );
    }

    /// Every blob in a container with its `ETag`, as `"name etag"` lines: what "nothing written"
    /// is checked against (the listing of Azure's List Blobs, read through the SAS).
    #[allow(dead_code, reason = "for the CLI's end-to-end tests, which include this file")]
    pub(crate) async fn blobs(&self, container: &str) -> Vec<String> {
        let response = reqwest::Client::new()
            .get(format!(
                "{}/{container}?restype=container&comp=list&{SAS}",
                self.endpoint
            ))
            .send()
            .await
            .unwrap();
        assert!(
            response.status().is_success(),
            "list {container}: {}",
            response.status()
        );
        let listing = response.text().await.unwrap();
        listing
            .split("<Blob>")
            .skip(1)
            .map(|entry| {
                let field = |name: &str| {
                    entry
                        .split(&format!("<{name}>"))
                        .nth(1)
                        .and_then(|rest| rest.split(&format!("</{name}>")).next())
                        .unwrap_or_default()
                        .to_owned()
                };
                format!("{} {}", field("Name"), field("Etag"))
            })
            .collect()
    }

    /// The URL of a store in `container` under `prefix`.
    pub(crate) fn url(container: &str, prefix: &str) -> StoreUrl {
        format!("az://{container}/{prefix}").parse().unwrap()
    }

    /// Store options for this server: its endpoint, the built-in account and its key, plain http.
    pub(crate) fn options(&self, actor: &str) -> StoreOptions {
        StoreOptions::new()
            .with_actor(actor)
            .with_config("azure_storage_account_name", ACCOUNT)
            .with_config("azure_storage_account_key", ACCOUNT_KEY)
            .with_config("azure_storage_endpoint", &self.endpoint)
            .with_config("azure_allow_http", "true")
    }

    /// Environment variables that point a child process at this server (`object_store` reads
    /// every `AZURE_*` variable by the lower-case name of its setting).
    pub(crate) fn env(&self) -> Vec<(&'static str, String)> {
        vec![
            ("AZURE_STORAGE_ACCOUNT_NAME", ACCOUNT.into()),
            ("AZURE_STORAGE_ACCOUNT_KEY", ACCOUNT_KEY.into()),
            ("AZURE_STORAGE_ENDPOINT", self.endpoint.clone()),
            ("AZURE_ALLOW_HTTP", "true".into()),
        ]
    }
}

impl Drop for Azurite {
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

/// `azurite-blob`: `$ASCERT_AZURITE`, the workspace's `target/azurite`, or `PATH`.
fn find_azurite_blob() -> PathBuf {
    if let Some(path) = std::env::var_os("ASCERT_AZURITE") {
        return PathBuf::from(path);
    }
    let workspace = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let installed = workspace.join("target/azurite/node_modules/.bin/azurite-blob");
    if installed.is_file() {
        return installed;
    }
    if let Some(paths) = std::env::var_os("PATH") {
        for folder in std::env::split_paths(&paths) {
            let candidate = folder.join("azurite-blob");
            if candidate.is_file() {
                return candidate;
            }
        }
    }
    panic!("azurite-blob is not installed (looked in target/azurite and PATH). Install it: {INSTALL}");
}
