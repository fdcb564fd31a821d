//! Every shell example of README.md and docs/*.md, run in order, page by page, against the
//! sandbox: a user who pastes a page's examples one after the other gets commands that work.
//!
//! What runs: each fenced `sh` block, one command at a time (a line ending in `\` goes on), and the
//! `$ ` lines of each `console` block (the other lines are their output, not checked). Every
//! command must succeed. Comments and blank lines are skipped. Each page starts afresh: a new
//! sandbox holding a few certificates, an empty home folder, and what a user of the page is
//! assumed to have (below).
//!
//! What does not run:
//! - A block right after `<!-- ci-recipe: … -->`: the CI recipe, run by `keychain::ci`.
//! - A block right after `<!-- not-run: REASON -->`: it needs what a test cannot have (a real
//!   bucket, a CI job's secrets, tools that are not installed) or is a synopsis. The reason is
//!   required, and such blocks are kept few (`MOST_NOT_RUN`).
//! - A `cargo` line: a contributor building or testing this workspace, which the test suite
//!   does itself. `cargo run [--release] -p ascert -- ARGS` is a user's way to run ascert: it runs
//!   as `ascert ARGS`.
//!
//! What a user is assumed to have, and how the examples' placeholders are read:
//! - An API key, set as docs/cli.md's Credentials section says (`ASC_KEY_ID`, `ASC_ISSUER_ID`,
//!   `ASC_PRIVATE_KEY_PATH`): the sandbox's; its files are also at `~/keys/AuthKey_<KEY_ID>.p8` and
//!   `./AuthKey_<KEY_ID>.p8`. The examples' key id `2X9R4HXF34` and issuer id `57246542-…` are the
//!   sandbox's; Apple's base URL and `http://127.0.0.1:4010` are the sandbox's URL.
//! - A certificate id (`8HN7RB3U9Z`) is the certificate of the key most recently paired here, or,
//!   before any is, the first valid certificate of the team; a key id (`50e3458b`) is the key most
//!   recently written here; `age1…` is the last age recipient a command printed.
//! - The bucket of `s3://signing/team-a` is on an S3-protocol server on this machine (moto, as the
//!   team tests have it), started for the pages that name it.
//! - Files of the user's own: `old-key.pem` (a key from Keychain Access), `identity.p12` (with its
//!   password in `P12_PASSWORD`), `~/.ssh/id_ed25519` (the team tests' member key), a keychain `build.keychain-db` (its password
//!   in `KC_PW`); `EXPORT_PASSPHRASE` is set. `developerID_application.cer` is what the developer
//!   website issues for `developerID.certSigningRequest` (the sandbox signs it when a line needs it).
//! - macOS's `security` is the fake of `keychain::fake`; `vault` is a stand-in that reads its input.
//! - `ascert sandbox serve` runs until it prints its ready line, then is stopped (as Ctrl-C would).
//! - `auth login` saves under profiles of this test's own, which it removes again.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use ascert_models::CertificateType;
use ascert_sandbox::Sandbox;

use crate::support::{Env, Run, run};

/// The most blocks marked `not-run` over all pages: an exception each, not a habit.
const MOST_NOT_RUN: usize = 6;

/// One command of a page, with the line it starts on.
#[derive(Debug)]
struct Example {
    line: usize,
    command: String,
}

/// A page's examples, and the reasons of its blocks that do not run.
#[derive(Debug, Default)]
struct Page {
    examples: Vec<Example>,
    not_run: Vec<String>,
}

/// The examples of a Markdown page, in order.
fn examples(markdown: &str) -> Page {
    let mut page = Page::default();
    let lines: Vec<&str> = markdown.lines().collect();
    let mut at = 0;
    while at < lines.len() {
        let fence = lines[at].trim_end();
        let console = fence == "```console";
        if fence != "```sh" && !console {
            at += 1;
            continue;
        }
        let marker = at.checked_sub(1).map_or("", |before| lines[before].trim());
        let end = (at + 1..lines.len())
            .find(|&i| lines[i].starts_with("```"))
            .unwrap_or(lines.len());
        let skip = if marker.starts_with("<!-- ci-recipe:") {
            true
        } else if let Some(reason) = marker.strip_prefix("<!-- not-run:") {
            let reason = reason.trim_end_matches("-->").trim();
            assert!(!reason.is_empty(), "line {at}: a not-run marker says why");
            page.not_run.push(reason.to_owned());
            true
        } else {
            false
        };
        if !skip {
            let mut pending: Option<Example> = None;
            for (i, raw) in lines.iter().enumerate().take(end).skip(at + 1) {
                let text = if console {
                    match raw.strip_prefix("$ ") {
                        Some(command) => command,
                        None if pending.is_some() => raw,
                        None => continue,
                    }
                } else {
                    raw
                };
                if let Some(example) = &mut pending {
                    example.command.push('\n');
                    example.command.push_str(text);
                } else {
                    let trimmed = text.trim();
                    if trimmed.is_empty() || trimmed.starts_with('#') {
                        continue;
                    }
                    pending = Some(Example {
                        line: i + 1,
                        command: text.to_owned(),
                    });
                }
                if !text.trim_end().ends_with('\\')
                    && let Some(example) = pending.take()
                    && let Some(command) = as_user_command(&example.command)
                {
                    page.examples.push(Example {
                        line: example.line,
                        command,
                    });
                }
            }
        }
        at = end + 1;
    }
    page
}

/// The command a user runs, or `None` for a contributor's `cargo` line.
fn as_user_command(command: &str) -> Option<String> {
    // Variables set for the one command (`ASCERT_SOAK_SEEDS=50 cargo …`) do not change what it is.
    let trimmed = command
        .split_inclusive(' ')
        .skip_while(|word| word.contains('=') && !word.starts_with('-'))
        .collect::<String>();
    let trimmed = trimmed.trim_start();
    if !trimmed.starts_with("cargo ") {
        return Some(command.to_owned());
    }
    let args = trimmed
        .strip_prefix("cargo run --release -p ascert -- ")
        .or_else(|| trimmed.strip_prefix("cargo run -p ascert -- "))?;
    Some(format!("ascert {args}"))
}

/// A page's run: the sandbox, the folder, and what earlier commands printed.
struct Runner {
    env: Env,
    page: String,
    bin: PathBuf,
    state: PathBuf,
    profile: String,
    printed: String,
    /// The last example as it was run (its placeholders replaced), for a failure's report.
    last_run: String,
    /// The S3-protocol server of the pages that name a bucket; stops when dropped.
    bucket: Option<crate::team::moto::Moto>,
}

impl Runner {
    async fn start(page: &str, bucket: bool) -> Runner {
        let env = Env::with(Sandbox::builder().seed_certificates(12)).await;
        let bin = env.path("bin");
        std::fs::create_dir_all(&bin).unwrap();
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos();
        let runner = Runner {
            state: env.path(".docs-state.sh"),
            profile: format!("ascert-docs-{}-{nanos}", std::process::id()),
            env,
            page: page.to_owned(),
            bin,
            printed: String::new(),
            last_run: String::new(),
            bucket: None,
        };
        let mut runner = runner;
        let mut vars = Vec::new();
        if bucket {
            let moto = crate::team::moto::Moto::start().await;
            moto.create_bucket(crate::team::BUCKET).await;
            vars = moto.env();
            runner.bucket = Some(moto);
        }
        runner.given(&vars);
        runner
    }

    /// What a user of the pages is assumed to have (see the module's comment).
    fn given(&self, more: &[(&'static str, String)]) {
        use std::os::unix::fs::PermissionsExt as _;
        let env = &self.env;
        let key = env.sandbox.api_key();
        let p8 = std::fs::read(&env.private_key).unwrap();
        for folder in [env.path("keys"), env.dir.path().to_path_buf()] {
            std::fs::create_dir_all(&folder).unwrap();
            std::fs::write(folder.join(format!("AuthKey_{}.p8", key.key_id)), &p8).unwrap();
        }
        // ascert itself, and stand-ins for the tools examples pipe into.
        let ascert = Path::new(env!("CARGO_BIN_EXE_ascert"));
        std::os::unix::fs::symlink(ascert, self.bin.join("ascert")).unwrap();
        let vault = self.bin.join("vault");
        std::fs::write(&vault, "#!/bin/sh\ncat >/dev/null\n").unwrap();
        std::fs::set_permissions(&vault, std::fs::Permissions::from_mode(0o755)).unwrap();
        let security = self.fake_security();
        // The user's own key files.
        let dir = env.dir.path().to_str().unwrap();
        crate::support::openssl(&[
            "genpkey",
            "-algorithm",
            "RSA",
            "-pkeyopt",
            "rsa_keygen_bits:2048",
            "-out",
            &format!("{dir}/old-key.pem"),
        ]);
        crate::support::openssl(&[
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-subj",
            "/CN=Old identity",
            "-days",
            "30",
            "-keyout",
            &format!("{dir}/identity.key"),
            "-out",
            &format!("{dir}/identity.crt"),
        ]);
        crate::support::openssl(&[
            "pkcs12",
            "-export",
            "-inkey",
            &format!("{dir}/identity.key"),
            "-in",
            &format!("{dir}/identity.crt"),
            "-out",
            &format!("{dir}/identity.p12"),
            "-passout",
            "pass:an identity password",
        ]);
        std::fs::create_dir_all(env.path(".ssh")).unwrap();
        let jane = Path::new(env!("CARGO_MANIFEST_DIR")).join(crate::team::JANE_KEY);
        std::fs::copy(&jane, env.path(".ssh/id_ed25519")).unwrap();
        std::fs::copy(jane.with_extension("pub"), env.path(".ssh/id_ed25519.pub")).unwrap();
        std::fs::set_permissions(
            env.path(".ssh/id_ed25519"),
            std::fs::Permissions::from_mode(0o600),
        )
        .unwrap();
        // The environment every command of the page starts from.
        let path = format!(
            "{}:{}",
            self.bin.display(),
            std::env::var("PATH").unwrap_or_default()
        );
        let vars = [
            ("PATH", path.as_str()),
            ("ASC_KEY_ID", key.key_id.as_str()),
            ("ASC_ISSUER_ID", env.sandbox.issuer_id()),
            ("ASC_PRIVATE_KEY_PATH", env.private_key.to_str().unwrap()),
            ("ASCERT_SECURITY_TOOL", security.to_str().unwrap()),
            ("ASCERT_SECURITY_TIMEOUT", "20"),
            ("P12_PASSWORD", "an identity password"),
            ("EXPORT_PASSPHRASE", "an export passphrase"),
            ("KC_PW", "build-keychain-pw"),
        ];
        let mut exports = String::new();
        for (name, value) in vars
            .iter()
            .map(|(name, value)| (*name, *value))
            .chain(more.iter().map(|(name, value)| (*name, value.as_str())))
        {
            let _ = writeln!(exports, "export {name}={}", quote(value));
        }
        std::fs::write(&self.state, exports).unwrap();
    }

    /// macOS's `security`, as the keychain tests fake it, with a login keychain and a build one;
    /// returns the program's path.
    fn fake_security(&self) -> PathBuf {
        use std::os::unix::fs::PermissionsExt as _;
        let env = &self.env;
        let fake = env.path("fake-security");
        std::fs::create_dir_all(&fake).unwrap();
        let security = fake.join("security");
        std::fs::write(&security, include_str!("fixtures/fake_security.sh")).unwrap();
        std::fs::set_permissions(&security, std::fs::Permissions::from_mode(0o755)).unwrap();
        std::fs::write(fake.join("label-mode"), "friendly").unwrap();
        let keychains = env.path("Library/Keychains");
        std::fs::create_dir_all(&keychains).unwrap();
        let login = keychains.join("login.keychain-db");
        std::fs::write(&login, "password\tlogin-pw\nlocked\t0\n").unwrap();
        std::fs::write(
            keychains.join("build.keychain-db"),
            "password\tbuild-keychain-pw\nlocked\t0\n",
        )
        .unwrap();
        std::fs::write(fake.join("search-list"), format!("{}\n", login.display())).unwrap();
        std::fs::write(fake.join("default"), format!("{}\n", login.display())).unwrap();
        security
    }

    /// The command with the page's placeholders read as the module's comment says.
    async fn substituted(&mut self, command: &str) -> String {
        let env = &self.env;
        let key = env.sandbox.api_key();
        let base = env.sandbox.base_url().to_owned();
        let mut command = command
            .replace("2X9R4HXF34", &key.key_id)
            .replace("57246542-96fe-1a63-e053-0824d011072a", env.sandbox.issuer_id())
            .replace("57246542-…", env.sandbox.issuer_id())
            .replace("https://api.appstoreconnect.apple.com", &base)
            .replace("http://127.0.0.1:4010", &base)
            .replace(
                "--profile sandbox",
                &format!("--profile {}-sandbox", self.profile),
            );
        // `auth login` saves to the OS credential store, and `auth logout` removes from it: under a
        // profile of this test's own, never the machine's `default`. (Not through ASCERT_PROFILE: a
        // profile named so must exist, and the other examples use the key of the environment.)
        if (command.contains(" auth login") || command.contains(" auth logout"))
            && !command.contains("--profile")
            && let Some(rest) = command.strip_prefix("ascert ")
        {
            command = format!("ascert --profile {} {rest}", self.profile);
        }
        // Before any recipient is printed, `age1…` is only a comment's word.
        if let Some(recipient) = last_word_starting(&self.printed, "age1") {
            command = command.replace("age1…", &recipient);
        }
        if command.contains("8HN7RB3U9Z") {
            let id = self.certificate_id().await;
            command = command.replace("8HN7RB3U9Z", &id);
        }
        if command.contains("50e3458b") {
            let key_id = self.newest_key().expect("a key was made before");
            command = command.replace("50e3458b", &key_id[..8]);
        }
        command
    }

    /// The key records here, oldest first (by when they were last written).
    fn records(&self) -> Vec<serde_json::Value> {
        let Ok(entries) = std::fs::read_dir(self.env.home().join("keys")) else {
            return Vec::new();
        };
        let mut records: Vec<(std::time::SystemTime, serde_json::Value)> = entries
            .filter_map(|e| {
                let path = e.ok()?.path();
                let name = path.file_name()?.to_str()?;
                let record = Path::new(name).extension().is_some_and(|x| x == "json");
                if name.starts_with('.') || !record || name == "keystore.json" {
                    return None;
                }
                let modified = path.metadata().ok()?.modified().ok()?;
                Some((
                    modified,
                    serde_json::from_slice(&std::fs::read(&path).ok()?).ok()?,
                ))
            })
            .collect();
        records.sort_by_key(|(modified, _)| *modified);
        records.into_iter().map(|(_, record)| record).collect()
    }

    /// The id of the key most recently written here.
    fn newest_key(&self) -> Option<String> {
        self.records().last()?["keyId"].as_str().map(str::to_owned)
    }

    /// The certificate an example's `8HN7RB3U9Z` stands for.
    async fn certificate_id(&self) -> String {
        if let Some(id) = self
            .records()
            .iter()
            .rev()
            .find_map(|r| r["certificateId"].as_str().map(str::to_owned))
        {
            return id;
        }
        let listed = self.env.run(&["certificates", "list", "--valid", "--json"]).await;
        listed.ok();
        listed.json()[0]["id"].as_str().unwrap().to_owned()
    }

    /// The developer website's part: a certificate for the CSR `keys csr` wrote, downloaded.
    async fn website_issues(&self) {
        let cer = self.env.path("developerID_application.cer");
        if cer.exists() {
            return;
        }
        let csr =
            std::fs::read_to_string(self.env.path("developerID.certSigningRequest")).unwrap_or_else(|e| {
                panic!(
                    "{}: the website needs developerID.certSigningRequest: {e}",
                    self.page
                )
            });
        let id = self
            .env
            .sandbox
            .issue_on_developer_website(&csr, CertificateType::from("DEVELOPER_ID_APPLICATION_G2"))
            .unwrap();
        self.env
            .run(&["certificates", "get", &id, "--out", cer.to_str().unwrap()])
            .await
            .ok();
    }

    /// Runs one command in the page's shell state, and keeps what it exported.
    async fn run(&mut self, example: &Example) -> Run {
        let command = self.substituted(&example.command).await;
        self.last_run.clone_from(&command);
        if command.contains("developerID_application.cer") {
            self.website_issues().await;
        }
        let state = quote(self.state.to_str().unwrap());
        let server = command.trim_start().starts_with("ascert sandbox serve");
        let script = if server {
            // The server replaces the shell, so that it is the process stopped.
            format!("set -eo pipefail\n. {state}\nexec {command}\n")
        } else {
            format!("set -eo pipefail\n. {state}\n{command}\nexport -p > {state}\n")
        };
        // `bare`'s environment (a home of the test's own, the sandbox's URL), for bash to run the
        // example in, with ascert on its PATH.
        let shell = self.env.bare();
        let mut bash = Command::new("bash");
        bash.arg("-c")
            .arg(&script)
            .current_dir(self.env.dir.path())
            .stdin(Stdio::null());
        for (name, value) in shell.get_envs() {
            match value {
                Some(value) => bash.env(name, value),
                None => bash.env_remove(name),
            };
        }
        let result = if server {
            serve_until_ready(bash).await
        } else {
            run(bash).await
        };
        self.printed.push_str(&result.stdout);
        self.printed.push_str(&result.stderr);
        result
    }

    /// Removes what `auth login` saved under the test's profiles.
    async fn log_out(&self) {
        for profile in [self.profile.clone(), format!("{}-sandbox", self.profile)] {
            let mut command = self.env.bare();
            command.args(["--profile", &profile, "auth", "logout"]);
            let _ = run(command).await;
        }
    }
}

/// Runs a server until its ready line, then stops it as Ctrl-C would.
async fn serve_until_ready(mut command: Command) -> Run {
    use std::io::BufRead as _;
    command.stdout(Stdio::piped()).stderr(Stdio::piped());
    tokio::task::spawn_blocking(move || {
        let mut child = command.spawn().unwrap();
        let mut ready = String::new();
        std::io::BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut ready)
            .unwrap();
        let pid = rustix::process::Pid::from_raw(child.id().try_into().unwrap()).unwrap();
        let _ = rustix::process::kill_process(pid, rustix::process::Signal::INT);
        let output = child.wait_with_output().unwrap();
        let code = if ready.starts_with('{') {
            0
        } else {
            output.status.code().unwrap_or(-1)
        };
        Run {
            code,
            stdout: ready,
            stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
        }
    })
    .await
    .unwrap()
}

/// A word for a shell, in single quotes.
fn quote(text: &str) -> String {
    format!("'{}'", text.replace('\'', r"'\''"))
}

/// The last word of `text` that starts with `prefix`.
fn last_word_starting(text: &str, prefix: &str) -> Option<String> {
    text.split(|c: char| !c.is_ascii_alphanumeric())
        .rfind(|w| w.starts_with(prefix) && w.len() > 20)
        .map(str::to_owned)
}

/// README.md and docs/*.md, by path from the workspace root.
fn pages() -> Vec<(String, String)> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../..");
    let mut pages = vec!["README.md".to_owned()];
    let mut docs: Vec<String> = std::fs::read_dir(root.join("docs"))
        .unwrap()
        .filter_map(|e| e.ok()?.file_name().into_string().ok())
        .filter(|name| Path::new(name).extension().is_some_and(|x| x == "md"))
        .map(|name| format!("docs/{name}"))
        .collect();
    docs.sort();
    pages.extend(docs);
    pages
        .into_iter()
        .map(|page| {
            let text = std::fs::read_to_string(root.join(&page)).unwrap();
            (page, text)
        })
        .collect()
}

#[test]
fn not_run_blocks_are_few_and_say_why() {
    let reasons: Vec<String> = pages()
        .iter()
        .flat_map(|(page, text)| {
            examples(text)
                .not_run
                .into_iter()
                .map(move |r| format!("{page}: {r}"))
        })
        .collect();
    assert!(
        reasons.len() <= MOST_NOT_RUN,
        "{} blocks are not run (at most {MOST_NOT_RUN}):\n{}",
        reasons.len(),
        reasons.join("\n")
    );
}

#[test]
fn examples_are_read_as_a_shell_reads_them() {
    let page = examples(
        "intro\n\n```sh\n# a comment\nascert one \\\n    --two   # three\n\ncargo xtask ci\ncargo run --release -p ascert -- demo\n```\n\n\
         <!-- not-run: needs a real bucket -->\n```sh\nascert team list\n```\n\n```console\n$ ascert four\n{\"out\": 1}\n```\n",
    );
    let commands: Vec<(usize, &str)> = page
        .examples
        .iter()
        .map(|e| (e.line, e.command.as_str()))
        .collect();
    assert_eq!(
        commands,
        [
            (5, "ascert one \\\n    --two   # three"),
            (9, "ascert demo"),
            (18, "ascert four"),
        ]
    );
    assert_eq!(page.not_run, ["needs a real bucket"]);
}

#[tokio::test(flavor = "multi_thread")]
async fn every_example_of_every_page_runs_in_order() {
    let mut failures = Vec::new();
    let mut ran = 0;
    for (page, text) in pages() {
        let examples = examples(&text).examples;
        if examples.is_empty() {
            continue;
        }
        let bucket = examples.iter().any(|e| e.command.contains("s3://signing/"));
        let mut runner = Runner::start(&page, bucket).await;
        for example in &examples {
            let result = runner.run(example).await;
            ran += 1;
            if result.code != 0 {
                failures.push(format!(
                    "{page}:{} `{}` exited {}\nrun as:\n{}\nstdout:\n{}\nstderr:\n{}",
                    example.line, example.command, result.code, runner.last_run, result.stdout, result.stderr
                ));
                // Later examples build on this one: the page stops here.
                break;
            }
        }
        runner.log_out().await;
    }
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
    // The pages hold about 80 commands: an extractor that found none would pass the loop above.
    assert!(ran > 60, "only {ran} examples ran");
}
