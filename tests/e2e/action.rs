//! The GitHub Action (action.yml, action/): its main and post steps run here as the runner runs
//! them — `node action/main.js` with the inputs as `INPUT_*` variables (action.yml's defaults
//! filled in, as the runner does), the step files (`GITHUB_OUTPUT`, `GITHUB_STATE`,
//! `GITHUB_PATH`) read back, and the post step given the state as `STATE_*` — against the sandbox
//! and the fake `security` of the keychain tests. What a job sees: its outputs, its log (masks
//! before secrets), and nothing left behind after the post step, whether the job passed, failed,
//! or was cancelled half-way.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use crate::keychain::fake::Fake;
use crate::support::{Env, Run, mode, run};
use crate::team::Team;

/// The repository's root (this crate is crates/cli).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// action.yml's inputs and their defaults (empty when it has none), read from the file as it
/// stands: each input is a key indented by two spaces under `inputs:`, its default a
/// `default:` line indented by four.
fn declared_inputs() -> Vec<(String, String)> {
    let text = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let mut inputs: Vec<(String, String)> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if !line.starts_with(' ') && !line.is_empty() {
            inside = line == "inputs:";
            continue;
        }
        if !inside {
            continue;
        }
        if let Some(name) = line.strip_prefix("  ").and_then(|l| l.strip_suffix(':'))
            && !name.starts_with(' ')
        {
            inputs.push((name.to_owned(), String::new()));
        } else if let Some(value) = line.strip_prefix("    default: ") {
            let value = value.trim_matches('\'').trim_matches('"');
            value.clone_into(&mut inputs.last_mut().unwrap().1);
        }
    }
    assert!(
        inputs.len() > 10,
        "action.yml's inputs were not found: {inputs:?}"
    );
    inputs
}

/// The runner's variable for input `name`.
fn input_variable(name: &str) -> String {
    format!("INPUT_{}", name.replace(' ', "_").to_uppercase())
}

/// One job on a runner: its `RUNNER_TEMP` and the files the runner reads after each step.
struct Job {
    temp: PathBuf,
    output: PathBuf,
    state: PathBuf,
    path: PathBuf,
}

impl Job {
    fn new(env: &Env, name: &str) -> Job {
        let root = env.path(name);
        let temp = root.join("temp");
        std::fs::create_dir_all(&temp).unwrap();
        let job = Job {
            temp,
            output: root.join("output"),
            state: root.join("state"),
            path: root.join("path"),
        };
        for file in [&job.output, &job.state, &job.path] {
            std::fs::write(file, "").unwrap();
        }
        job
    }

    /// `name=value` lines of a step file; a name given twice keeps the last value.
    fn read(file: &Path) -> BTreeMap<String, String> {
        std::fs::read_to_string(file)
            .unwrap()
            .lines()
            .filter_map(|l| l.split_once('='))
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect()
    }

    fn outputs(&self) -> BTreeMap<String, String> {
        Self::read(&self.output)
    }

    fn state(&self) -> BTreeMap<String, String> {
        Self::read(&self.state)
    }

    /// `node action/<script>` as the runner starts a step of this job: action.yml's defaults
    /// overridden by `inputs`, the sandbox's API key given through the inputs (not the
    /// environment), the fake `security`, a macOS runner on a push event, and for the post step
    /// the main step's state as `STATE_*`.
    fn step(&self, env: &Env, fake: &Fake, script: &str, inputs: &[(&str, &str)]) -> Command {
        let key: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&env.api_key_json).unwrap()).unwrap();
        let base_url = env.sandbox.base_url().to_string();
        let mut given: BTreeMap<String, String> = declared_inputs().into_iter().collect();
        for (name, value) in [
            ("key-id", key["key_id"].as_str().unwrap()),
            ("issuer-id", key["issuer_id"].as_str().unwrap()),
            ("private-key", key["key"].as_str().unwrap()),
            ("base-url", base_url.as_str()),
        ] {
            given.insert(name.to_owned(), value.to_owned());
        }
        for (name, value) in inputs {
            assert!(given.contains_key(*name), "action.yml has no input {name}");
            given.insert((*name).to_owned(), (*value).to_owned());
        }
        let mut command = env.bare_program("node");
        command
            .arg(repo().join("action").join(script))
            // The PATH of the machine (node, bash); ascert comes from ascert-path or install.sh.
            .env("PATH", std::env::var_os("PATH").unwrap())
            .env_remove("ASCERT_BASE_URL")
            .env("RUNNER_TEMP", &self.temp)
            .env("RUNNER_OS", "macOS")
            .env("GITHUB_EVENT_NAME", "push")
            .env("GITHUB_OUTPUT", &self.output)
            .env("GITHUB_STATE", &self.state)
            .env("GITHUB_PATH", &self.path)
            .env("FAKE_SECURITY_DIR", &fake.dir);
        for (name, value) in fake.vars() {
            if name.starts_with("ASCERT_SECURITY") {
                command.env(name, value);
            }
        }
        for (name, value) in &given {
            command.env(input_variable(name), value);
        }
        if script == "post.js" {
            for (name, value) in self.state() {
                command.env(format!("STATE_{name}"), value);
            }
        }
        command
    }
}

/// The inputs of a job that uses the binary under test instead of downloading a release.
fn with_binary<'a>(inputs: &[(&'a str, &'a str)]) -> Vec<(&'a str, &'a str)> {
    let mut all = vec![("ascert-path", env!("CARGO_BIN_EXE_ascert"))];
    all.extend_from_slice(inputs);
    all
}

/// The secret lines a log may show only inside `::add-mask::`.
fn assert_masked(log: &str, secret: &str) {
    for line in secret
        .lines()
        .filter(|l| !l.is_empty() && !l.starts_with("-----"))
    {
        let mask = format!("::add-mask::{line}");
        let first = log
            .find(line)
            .unwrap_or_else(|| panic!("{line:?} was never masked:\n{log}"));
        assert!(
            log[first.saturating_sub(12)..].starts_with(&mask),
            "{line:?} shows in the log before (or without) its mask:\n{log}"
        );
        assert_eq!(
            log.matches(line).count(),
            1,
            "{line:?} shows outside its mask:\n{log}"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_action_installs_each_type_sets_outputs_and_its_post_step_takes_everything_away() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let login = fake.login.display().to_string();
    let p12_password = "action p12 password Vq3";
    let inputs = with_binary(&[
        ("types", "DEVELOPMENT, DISTRIBUTION"),
        ("p12", "true"),
        ("p12-password", p12_password),
    ]);
    // Two jobs on one self-hosted runner (one keystore): the second reuses what the first made.
    for (round, outcome) in [("job1", "created"), ("job2", "reused")] {
        let job = Job::new(&env, round);
        let main = run(job.step(&env, &fake, "main.js", &inputs)).await;
        assert_eq!(
            main.code, 0,
            "{round}: the main step failed:\n{}\n{}",
            main.stdout, main.stderr
        );

        let outputs = job.outputs();
        let keychain = job.temp.join("ascert-signing.keychain-db");
        assert_eq!(outputs["keychain"], keychain.display().to_string());
        assert_eq!(outputs["ascert"], env!("CARGO_BIN_EXE_ascert"));
        let identities: serde_json::Value = serde_json::from_str(&outputs["identities"]).unwrap();
        let identities = identities.as_array().unwrap();
        assert_eq!(identities.len(), 2, "{identities:?}");
        let installed = std::fs::read_to_string(&keychain).unwrap();
        for (identity, certificate_type) in identities.iter().zip(["DEVELOPMENT", "DISTRIBUTION"]) {
            assert_eq!(identity["type"], certificate_type);
            assert_eq!(identity["outcome"], outcome, "{round}");
            let sha1 = identity["sha1"].as_str().unwrap();
            assert!(
                sha1.len() == 40 && sha1.chars().all(|c| c.is_ascii_hexdigit()),
                "{sha1}"
            );
            // The identity with that SHA-1 is in the job's keychain, for codesign.
            assert!(installed.contains(&format!("identity\t{sha1}\t")), "{installed}");
            let p12 = PathBuf::from(identity["p12"].as_str().unwrap());
            assert_eq!(
                p12,
                job.temp.join(format!("ascert-action/p12/{certificate_type}.p12"))
            );
            assert_eq!(mode(&p12), 0o600);
        }
        assert_eq!(outputs["sha1"], identities[0]["sha1"].as_str().unwrap());
        // Later steps find ascert on PATH.
        let path = std::fs::read_to_string(&job.path).unwrap();
        assert!(
            path.lines().any(|l| Path::new(l).join("ascert").exists()),
            "{path}"
        );
        // The keychain is the default while the job runs.
        assert_eq!(fake.default_keychain(), keychain.display().to_string());

        // Every secret is masked before it can show: the keychain's new password, the API key,
        // the .p12 password.
        let created = fake.args_of("create-keychain");
        let password = created.last().unwrap()[2].clone();
        assert_masked(&main.stdout, &password);
        assert!(!main.stderr.contains(&password), "{}", main.stderr);
        let key: serde_json::Value =
            serde_json::from_slice(&std::fs::read(&env.api_key_json).unwrap()).unwrap();
        assert_masked(&main.stdout, key["key"].as_str().unwrap());
        assert_masked(&main.stdout, p12_password);

        let post = run(job.step(&env, &fake, "post.js", &inputs)).await;
        assert_eq!(
            post.code, 0,
            "{round}: the post step failed:\n{}\n{}",
            post.stdout, post.stderr
        );
        assert!(!keychain.exists(), "{round}");
        assert!(
            !job.temp.join("ascert-action").exists(),
            "{round}: the .p12 files are left"
        );
        assert_eq!(fake.search_list(), std::slice::from_ref(&login));
        assert_eq!(fake.default_keychain(), login);
    }
    assert_eq!(
        env.sandbox.certificate_count(),
        2,
        "one certificate per type, made once"
    );
    fake.assert_every_call_was_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pull_request_is_read_only_and_a_failed_main_step_is_cleaned_up_after() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let job = Job::new(&env, "job");
    let inputs = with_binary(&[("types", "DEVELOPMENT")]);
    let mut main = job.step(&env, &fake, "main.js", &inputs);
    main.env("GITHUB_EVENT_NAME", "pull_request");
    let main = run(main).await;
    assert_ne!(main.code, 0, "{}", main.stdout);
    assert!(
        main.stdout
            .contains("::error title=ascert::ascert identities ensure --type DEVELOPMENT failed with status")
            && main.stdout.contains("never creates a certificate"),
        "{}",
        main.stdout
    );
    assert!(
        main.stderr.contains("--readonly does not create one"),
        "{}",
        main.stderr
    );
    assert_eq!(
        env.sandbox.certificate_count(),
        0,
        "a pull request made a certificate"
    );
    // The keychain was made before ensure failed; the post step deletes it.
    let keychain = job.temp.join("ascert-signing.keychain-db");
    assert!(keychain.exists());
    let post = run(job.step(&env, &fake, "post.js", &inputs)).await;
    assert_eq!(post.code, 0, "{}\n{}", post.stdout, post.stderr);
    assert!(!keychain.exists());
    assert_eq!(fake.search_list(), [fake.login.display().to_string()]);
    assert_eq!(fake.default_keychain(), fake.login.display().to_string());

    // `readonly: false` is the way to let a pull request create (a trusted repository's choice).
    let job = Job::new(&env, "job2");
    let mut main = job.step(
        &env,
        &fake,
        "main.js",
        &with_binary(&[("types", "DEVELOPMENT"), ("readonly", "false")]),
    );
    main.env("GITHUB_EVENT_NAME", "pull_request");
    let main = run(main).await;
    assert_eq!(main.code, 0, "{}\n{}", main.stdout, main.stderr);
    assert_eq!(env.sandbox.certificate_count(), 1);
    run(job.step(&env, &fake, "post.js", &inputs)).await.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn bad_inputs_fail_before_anything_is_made() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let cases: &[(&[(&str, &str)], &str)] = &[
        (&[("types", "")], "input types is empty"),
        (
            &[("types", "development")],
            "\"development\" is not a certificate type",
        ),
        (
            &[("types", "DEVELOPMENT"), ("lock-after", "1h")],
            "lock-after must be a number of seconds",
        ),
        (
            &[("types", "DEVELOPMENT"), ("default-keychain", "yes")],
            "default-keychain must be true or false",
        ),
        (
            &[("types", "DEVELOPMENT"), ("readonly", "maybe")],
            "readonly must be true or false",
        ),
        (
            &[("types", "DEVELOPMENT"), ("p12", "true")],
            "p12: true needs a password",
        ),
        (
            &[
                ("types", "DEVELOPMENT"),
                ("identity", "/x/ci.agekey"),
                ("identity-key", "AGE-SECRET-KEY-1X"),
            ],
            "not both",
        ),
        (
            &[("types", "DEVELOPMENT"), ("ascert-path", "/nonexistent/ascert")],
            "is not an executable file",
        ),
    ];
    for (n, (inputs, expected)) in cases.iter().enumerate() {
        let job = Job::new(&env, &format!("job{n}"));
        let mut all = vec![("ascert-path", env!("CARGO_BIN_EXE_ascert"))];
        all.extend_from_slice(inputs);
        let main = run(job.step(&env, &fake, "main.js", &all)).await;
        assert_ne!(main.code, 0, "{inputs:?}");
        assert!(
            main.stdout
                .lines()
                .any(|l| l.starts_with("::error title=ascert::") && l.contains(expected)),
            "{inputs:?}: wanted an error annotation with {expected:?}:\n{}",
            main.stdout
        );
        assert!(job.outputs().is_empty(), "{inputs:?}: {:?}", job.outputs());
        assert!(!job.state().contains_key("keychain"), "{inputs:?}");
    }
    // A keychain on a Linux runner is refused in so many words.
    let job = Job::new(&env, "linux");
    let mut main = job.step(&env, &fake, "main.js", &with_binary(&[("types", "DEVELOPMENT")]));
    main.env("RUNNER_OS", "Linux");
    let main = run(main).await;
    assert!(
        main.stdout.contains("a keychain needs a macOS runner"),
        "{}",
        main.stdout
    );
    assert!(fake.args_of("create-keychain").is_empty(), "a keychain was made");
    assert_eq!(env.sandbox.certificate_count(), 0);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_cancelled_job_is_cleaned_up_by_the_post_step() {
    use std::os::unix::fs::PermissionsExt as _;
    use std::os::unix::process::CommandExt as _;
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let job = Job::new(&env, "job");
    // An ascert whose `identities ensure` hangs, as one waiting on a slow network would.
    let slow = env.path("slow-ascert");
    std::fs::write(
        &slow,
        format!(
            "#!/bin/sh\ncase \"$1\" in identities) sleep 60 ;; esac\nexec '{}' \"$@\"\n",
            env!("CARGO_BIN_EXE_ascert")
        ),
    )
    .unwrap();
    std::fs::set_permissions(&slow, std::fs::Permissions::from_mode(0o755)).unwrap();
    let inputs = [("types", "DEVELOPMENT"), ("ascert-path", slow.to_str().unwrap())];
    let mut main = job.step(&env, &fake, "main.js", &inputs);
    main.stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = main.spawn().unwrap();
    let keychain = job.temp.join("ascert-signing.keychain-db");
    let deadline = Instant::now() + Duration::from_secs(60);
    while !keychain.exists() {
        assert!(Instant::now() < deadline, "the keychain was never made");
        assert!(child.try_wait().unwrap().is_none(), "the main step ended early");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // The runner cancels the job: SIGINT to the step's process (node), which passes it on.
    let pid = rustix::process::Pid::from_raw(child.id().try_into().unwrap()).unwrap();
    rustix::process::kill_process(pid, rustix::process::Signal::INT).unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    while child.try_wait().unwrap().is_none() {
        assert!(Instant::now() < deadline, "the main step did not stop on SIGINT");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    // Whatever is left of the step's process group (the hung `sleep`, which holds the output
    // pipes) goes, as the runner's cancel does.
    let _ = rustix::process::kill_process_group(pid, rustix::process::Signal::KILL);
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    let main = Run {
        code: output.status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&output.stdout).into_owned(),
        stderr: String::from_utf8_lossy(&output.stderr).into_owned(),
    };
    assert_ne!(main.code, 0, "{}", main.stdout);
    assert!(
        main.stdout.contains("main.sh was stopped by SIGINT"),
        "{}",
        main.stdout
    );
    assert!(keychain.exists());
    let post = run(job.step(&env, &fake, "post.js", &inputs)).await;
    assert_eq!(post.code, 0, "{}\n{}", post.stdout, post.stderr);
    assert!(!keychain.exists());
    assert_eq!(fake.search_list(), [fake.login.display().to_string()]);
    assert_eq!(fake.default_keychain(), fake.login.display().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_linux_fleet_with_a_team_store_makes_one_certificate_and_keeps_no_member_key() {
    let team = Team::start(ascert_sandbox::Sandbox::builder()).await;
    let env = &team.env;
    let fake = Fake::new(env, "friendly");
    let member_key = std::fs::read_to_string(&team.identity).unwrap();
    let mut children = Vec::new();
    for runner in 0..4 {
        let job = Job::new(env, &format!("runner{runner}"));
        let home = job.temp.join("home");
        let inputs = with_binary(&[
            ("types", "DISTRIBUTION"),
            ("keychain", "none"),
            ("p12", "true"),
            ("p12-password", crate::team::P12_PASSWORD),
            ("store", &team.store),
            ("identity-key", &member_key),
            ("home", home.to_str().unwrap()),
        ]);
        let mut main = job.step(env, &fake, "main.js", &inputs);
        main.envs(team.moto.env())
            .env("RUNNER_OS", "Linux")
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        children.push((job, main.spawn().unwrap()));
    }
    let mut certificates = Vec::new();
    for (job, child) in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        let stdout = String::from_utf8_lossy(&output.stdout);
        assert!(
            output.status.success(),
            "{stdout}\n{}",
            String::from_utf8_lossy(&output.stderr)
        );
        assert_masked(&stdout, &member_key);
        let outputs = job.outputs();
        assert_eq!(outputs["keychain"], "");
        let identities: serde_json::Value = serde_json::from_str(&outputs["identities"]).unwrap();
        certificates.push(identities[0]["certificateId"].as_str().unwrap().to_owned());
        let p12 = PathBuf::from(identities[0]["p12"].as_str().unwrap());
        assert_eq!(mode(&p12), 0o600);
        // The member key was a private file while the job ran; the post step removes it.
        let member_file = job.temp.join("ascert-action/member-identity");
        assert_eq!(mode(&member_file), 0o600);
        let post = run(job.step(env, &fake, "post.js", &[])).await;
        assert_eq!(post.code, 0, "{}\n{}", post.stdout, post.stderr);
        assert!(!member_file.exists() && !p12.exists());
    }
    certificates.dedup();
    assert_eq!(
        certificates.len(),
        1,
        "every runner uses the one certificate: {certificates:?}"
    );
    assert_eq!(env.sandbox.certificate_count(), 1);
}

/// A release as release.yml publishes it, in `dir`: `download/v0.1.0/` with this machine's
/// archive packed by .github/scripts/package.sh and its SHA256SUMS. The archive's `ascert` is a
/// two-line script that runs the binary under test (what is tested here is the action's download
/// and check; `cargo xtask release-check` packs and installs the real release binary).
fn publish_release(env: &Env, dir: &Path) -> (PathBuf, String) {
    use std::os::unix::fs::PermissionsExt as _;
    let release = dir.join("download/v0.1.0");
    std::fs::create_dir_all(&release).unwrap();
    let binary = env.path("release-build/ascert");
    std::fs::create_dir_all(binary.parent().unwrap()).unwrap();
    std::fs::write(
        &binary,
        format!("#!/bin/sh\nexec '{}' \"$@\"\n", env!("CARGO_BIN_EXE_ascert")),
    )
    .unwrap();
    std::fs::set_permissions(&binary, std::fs::Permissions::from_mode(0o755)).unwrap();
    let target = match std::env::consts::ARCH {
        "aarch64" => "aarch64-unknown-linux-gnu",
        _ => "x86_64-unknown-linux-gnu",
    };
    let packed = Command::new("sh")
        .arg(repo().join(".github/scripts/package.sh"))
        .arg(&binary)
        .arg(target)
        .arg(&release)
        .output()
        .unwrap();
    assert!(
        packed.status.success(),
        "{}",
        String::from_utf8_lossy(&packed.stderr)
    );
    let asset = format!("ascert-{target}.tar.gz");
    let line = std::fs::read_to_string(release.join(format!("{asset}.sha256"))).unwrap();
    std::fs::write(release.join("SHA256SUMS"), &line).unwrap();
    (release, asset)
}

#[tokio::test(flavor = "multi_thread")]
async fn the_action_installs_a_release_it_verified_and_refuses_one_that_does_not_match() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let releases = env.path("releases");
    let (release, asset) = publish_release(&env, &releases);
    let base_url = format!("file://{}", releases.display());
    let inputs = [
        ("types", "DEVELOPMENT"),
        ("version", "v0.1.0"),
        ("release-base-url", base_url.as_str()),
        // Running on a Linux runner here: the .p12 instead of a keychain.
        ("keychain", "none"),
        ("p12", "true"),
        ("p12-password", "action p12 password Vq3"),
    ];
    let job = Job::new(&env, "job");
    let mut main = job.step(&env, &fake, "main.js", &inputs);
    main.env("RUNNER_OS", "Linux");
    let main = run(main).await;
    assert_eq!(main.code, 0, "{}\n{}", main.stdout, main.stderr);
    let installed = job.temp.join("ascert-action/bin/ascert");
    assert_eq!(job.outputs()["ascert"], installed.display().to_string());
    assert!(main.stdout.contains("ascert 0.1.0"), "{}", main.stdout);
    let path = std::fs::read_to_string(&job.path).unwrap();
    assert_eq!(path.trim(), installed.parent().unwrap().display().to_string());
    let post = run(job.step(&env, &fake, "post.js", &inputs)).await;
    assert_eq!(post.code, 0, "{}\n{}", post.stdout, post.stderr);
    assert!(!installed.exists());

    // An archive that is not the one SHA256SUMS names: nothing is installed, nothing is made.
    let sums = release.join("SHA256SUMS");
    let line = std::fs::read_to_string(&sums).unwrap();
    std::fs::write(&sums, format!("{}{}", "0".repeat(64), &line[64..])).unwrap();
    let job = Job::new(&env, "tampered");
    let mut main = job.step(&env, &fake, "main.js", &inputs);
    main.env("RUNNER_OS", "Linux");
    let main = run(main).await;
    assert_ne!(main.code, 0, "{}", main.stdout);
    assert!(
        main.stdout
            .contains("::error title=ascert::could not install ascert v0.1.0"),
        "{}",
        main.stdout
    );
    assert!(
        main.stderr.contains(&asset),
        "install.sh names the archive: {}",
        main.stderr
    );
    assert!(!job.temp.join("ascert-action/bin/ascert").exists());
    assert!(!job.outputs().contains_key("ascert"));
    assert_eq!(env.sandbox.certificate_count(), 1, "only the first job made one");
}

#[test]
fn the_action_readme_has_every_input_and_output_of_action_yml() {
    let readme = std::fs::read_to_string(repo().join("action/README.md")).unwrap();
    for (name, _) in declared_inputs() {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "action/README.md lacks input {name}"
        );
    }
    let yml = std::fs::read_to_string(repo().join("action.yml")).unwrap();
    let outputs = yml
        .split_once("\noutputs:\n")
        .unwrap()
        .1
        .split_once("\nruns:")
        .unwrap()
        .0;
    let names: Vec<&str> = outputs
        .lines()
        .filter_map(|l| l.strip_prefix("  ")?.strip_suffix(':'))
        .filter(|n| !n.starts_with(' '))
        .collect();
    assert_eq!(names.len(), 5, "{names:?}");
    for name in names {
        assert!(
            readme.contains(&format!("| `{name}` |")),
            "action/README.md lacks output {name}"
        );
    }
    // Every output the main step writes is declared.
    let main = std::fs::read_to_string(repo().join("action/main.sh")).unwrap();
    for written in main
        .lines()
        .filter_map(|l| l.trim().strip_prefix("record \"$GITHUB_OUTPUT\" "))
    {
        let name = written.split_whitespace().next().unwrap();
        assert!(
            outputs.contains(&format!("\n  {name}:")) || outputs.starts_with(&format!("  {name}:")),
            "{name}"
        );
    }
}
