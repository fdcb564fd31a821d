//! `ascert team …` and `identities ensure --store` against the in-process sandbox and a real
//! S3-protocol server (moto, started per test on loopback; `.ci/run` installs it, and without it
//! these tests fail with the install command, never skip): a fleet of runners starting together
//! makes one certificate, a holder killed mid-request is taken over and its certificate adopted,
//! full slots and foreign keys are refused with nothing written, and the team commands round-trip.

#[allow(
    dead_code,
    reason = "the moto harness is shared with ascert-team's own tests; each binary uses part of it"
)]
#[path = "../../crates/team/tests/moto/server.rs"]
pub(crate) mod moto;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ascert_sandbox::{Limits, Sandbox};

use crate::support::{Env, Run, openssl, run};
use moto::Moto;

pub(crate) const BUCKET: &str = "signing";
pub(crate) const P12_PASSWORD: &str = "team p12 password";
const JANE_PUB: &str = include_str!("../../crates/team/tests/fixtures/ssh_ed25519.pub");
pub(crate) const JANE_KEY: &str = "../../crates/team/tests/fixtures/ssh_ed25519";

/// A sandbox, a moto server with a bucket, and the member key of a CI runner.
pub(crate) struct Team {
    pub(crate) env: Env,
    pub(crate) moto: Moto,
    pub(crate) store: String,
    /// The CI runner's age identity file.
    pub(crate) identity: PathBuf,
}

impl Team {
    pub(crate) async fn start(builder: ascert_sandbox::SandboxBuilder) -> Team {
        let env = Env::with(builder).await;
        let moto = Moto::start().await;
        moto.create_bucket(BUCKET).await;
        let identity = env.path("ci.agekey");
        let mut team = Team {
            env,
            moto,
            store: format!("s3://{BUCKET}/team-a"),
            identity,
        };
        let keygen = team
            .run(&[], &["team", "keygen", "--out", team.identity.to_str().unwrap()])
            .await;
        let recipient = keygen.ok().trim().to_owned();
        assert!(recipient.starts_with("age1"), "{recipient}");
        let member = format!("ci={recipient}");
        let jane = format!("jane={}", team.env.path("jane.pub").display());
        std::fs::write(team.env.path("jane.pub"), JANE_PUB).unwrap();
        let store = team.store.clone();
        team.run(
            &[],
            &[
                "team", "init", "--store", &store, "--member", &member, "--member", &jane,
            ],
        )
        .await
        .ok();
        team.store = store;
        team
    }

    /// `ascert` with this sandbox's API key, the moto server's settings and `vars`.
    pub(crate) fn command(&self, vars: &[(&str, &str)], args: &[&str]) -> Command {
        let mut command = self.env.bare();
        command
            .envs(self.moto.env())
            .env("ASCERT_P12_PASSWORD", P12_PASSWORD)
            .envs(vars.iter().copied())
            .arg("--api-key")
            .arg(&self.env.api_key_json)
            .args(args);
        command
    }

    pub(crate) async fn run(&self, vars: &[(&str, &str)], args: &[&str]) -> Run {
        run(self.command(vars, args)).await
    }

    /// `identities ensure --store … --identity ci.agekey --json` in the runner folder `home`.
    pub(crate) fn ensure(&self, home: &Path, extra: &[&str]) -> Command {
        self.ensure_as(home, &self.identity, extra)
    }

    /// The same with another member key.
    pub(crate) fn ensure_as(&self, home: &Path, identity: &Path, extra: &[&str]) -> Command {
        let mut args = vec![
            "identities",
            "ensure",
            "--store",
            &self.store,
            "--identity",
            identity.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let mut command = self.command(&[], &args);
        command.env("ASCERT_HOME", home).current_dir(home);
        command
    }

    /// Every object in the bucket, with its `ETag`: what "nothing written" is checked against.
    pub(crate) async fn objects(&self) -> BTreeSet<String> {
        let listing = reqwest::Client::new()
            .get(format!("{}/{BUCKET}?list-type=2", self.moto.endpoint))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap();
        listing
            .split("<Contents>")
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
                format!("{} {}", field("Key"), field("ETag"))
            })
            .collect()
    }

    /// Runs Python with boto3 against the bucket, as anyone holding its credentials can: `s3` is the
    /// client, `B` the bucket, `sys.argv[1:]` the arguments; what it writes to stdout is returned,
    /// `None` if it exits with 3 (an object that is not there).
    pub(crate) fn boto(&self, script: &str, args: &[&str], stdin: &[u8]) -> Option<Vec<u8>> {
        use std::io::Write as _;
        let program = format!(
            "import sys, boto3, botocore\n\
             s3 = boto3.client('s3', endpoint_url='{}', region_name='us-east-1', \
             aws_access_key_id='test', aws_secret_access_key='test')\n\
             B = '{BUCKET}'\n{script}\n",
            self.moto.endpoint
        );
        let mut child = Command::new(moto::python())
            .arg("-c")
            .arg(program)
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap();
        child.stdin.take().unwrap().write_all(stdin).unwrap();
        let output = child.wait_with_output().unwrap();
        match output.status.code() {
            Some(0) => Some(output.stdout),
            Some(3) => None,
            _ => panic!("boto3 failed: {}", String::from_utf8_lossy(&output.stderr)),
        }
    }

    /// Writes an object straight into the bucket, as anyone with write access to it can.
    pub(crate) fn put_object(&self, key: &str, bytes: &[u8]) {
        self.boto(
            "s3.put_object(Bucket=B, Key=sys.argv[1], Body=sys.stdin.buffer.read())",
            &[key],
            bytes,
        );
    }

    /// Plants a pending key of `certificate_type` as a bucket writer would: a key of their own,
    /// sealed with age to the members' public keys read from the header (as the stock `age` tool
    /// would), and its record. Returns the key.
    pub(crate) fn plant_pending(&self, certificate_type: &str) -> ascert_keystore::PrivateKey {
        let header: serde_json::Value =
            serde_json::from_slice(&self.get_object("team-a/ascert-team.json").unwrap()).unwrap();
        let recipients: Vec<Box<dyn age::Recipient>> = header["members"]
            .as_array()
            .unwrap()
            .iter()
            .map(|m| m["recipient"].as_str().unwrap())
            .chain(header["passphraseRecipient"].as_str())
            .map(|text| -> Box<dyn age::Recipient> {
                if text.starts_with("age1") {
                    Box::new(text.parse::<age::x25519::Recipient>().unwrap())
                } else {
                    Box::new(text.parse::<age::ssh::Recipient>().unwrap())
                }
            })
            .collect();
        let planted = ascert_keystore::PrivateKey::generate_rsa_2048().unwrap();
        let mut sealed = Vec::new();
        let encryptor =
            age::Encryptor::with_recipients(recipients.iter().map(|r| r.as_ref() as &dyn age::Recipient))
                .unwrap();
        let mut writer = encryptor.wrap_output(&mut sealed).unwrap();
        std::io::Write::write_all(&mut writer, planted.to_pkcs8_pem().as_bytes()).unwrap();
        writer.finish().unwrap();
        let name = format!("team-a/pending/{certificate_type}/{}", planted.id());
        self.put_object(&format!("{name}.age"), &sealed);
        let record = serde_json::json!({
            "format": 1,
            "certificateType": certificate_type,
            "keyId": planted.id().to_string(),
            "writtenBy": "ci on runner-3 (pid 4242, lease 0f3a9c1e)",
            "writtenAt": time::OffsetDateTime::now_utc()
                .format(&time::format_description::well_known::Rfc3339)
                .unwrap(),
            "membersRevision": header["revision"],
        });
        self.put_object(&format!("{name}.json"), &serde_json::to_vec(&record).unwrap());
        planted
    }

    /// Reads an object straight from the bucket; `None` if there is none.
    pub(crate) fn get_object(&self, key: &str) -> Option<Vec<u8>> {
        self.boto(
            "try:\n    sys.stdout.buffer.write(s3.get_object(Bucket=B, Key=sys.argv[1])['Body'].read())\n\
             except s3.exceptions.NoSuchKey:\n    sys.exit(3)",
            &[key],
            b"",
        )
    }
}

/// Waits for runners started together (each `ensure --p12 dist.p12 --json` in its home), asserting
/// that each succeeded and that its .p12 holds the certificate; each one's report and stderr.
pub(crate) async fn finish_fleet(
    children: Vec<(PathBuf, std::process::Child)>,
) -> Vec<(serde_json::Value, String)> {
    let mut reports = Vec::new();
    for (home, child) in children {
        let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
            .await
            .unwrap();
        let stderr = String::from_utf8_lossy(&output.stderr).into_owned();
        assert!(output.status.success(), "a runner failed:\n{stderr}");
        let json: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        // Every runner can sign: its PKCS#12 holds the certificate.
        let p12 = home.join("dist.p12");
        let info = openssl(&[
            "pkcs12",
            "-in",
            p12.to_str().unwrap(),
            "-nokeys",
            "-passin",
            &format!("pass:{P12_PASSWORD}"),
            "-legacy",
        ]);
        assert!(info.contains("BEGIN CERTIFICATE"), "{info}");
        reports.push((json, stderr));
    }
    reports
}

/// A runner of `identities ensure --type DEVELOPMENT` (its lease lasting `lease_ttl`) killed once
/// Apple has issued its certificate and before the answer arrives: its lease is left held, its key
/// pending in the store, the certificate at Apple.
pub(crate) async fn kill_a_runner_once_apple_issued(team: &Team, lease_ttl: &str) {
    team.env
        .sandbox
        .set_create_response_delay(Duration::from_secs(60));
    let first = runner_home(team, "first");
    let mut command = team.ensure(&first, &["--type", "DEVELOPMENT"]);
    command
        .env("ASCERT_TEAM_LEASE_TTL", lease_ttl)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    let mut holder = command.spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(60);
    while team.env.sandbox.certificate_count() == 0 {
        assert!(Instant::now() < deadline, "the create never reached the sandbox");
        assert!(
            holder.try_wait().unwrap().is_none(),
            "the holder ended before its request"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    holder.kill().unwrap();
    holder.wait().unwrap();
    team.env.sandbox.set_create_response_delay(Duration::ZERO);
}

pub(crate) fn runner_home(team: &Team, name: &str) -> PathBuf {
    let home = team.env.path(name);
    std::fs::create_dir_all(&home).unwrap();
    home
}

#[tokio::test(flavor = "multi_thread")]
async fn sixteen_runners_starting_together_make_one_certificate() {
    const RUNNERS: usize = 16;
    let team = Team::start(Sandbox::builder()).await;
    let children: Vec<_> = (0..RUNNERS)
        .map(|i| {
            let home = runner_home(&team, &format!("runner-{i}"));
            let mut command = team.ensure(&home, &["--type", "DISTRIBUTION", "--p12", "dist.p12"]);
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
            (home, command.spawn().unwrap())
        })
        .collect();
    let reports = finish_fleet(children).await;
    assert_eq!(
        team.env.sandbox.certificate_count(),
        1,
        "exactly one certificate at Apple"
    );
    let ids: BTreeSet<&str> = reports
        .iter()
        .map(|(j, _)| j["certificateId"].as_str().unwrap())
        .collect();
    let keys: BTreeSet<&str> = reports
        .iter()
        .map(|(j, _)| j["keyId"].as_str().unwrap())
        .collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(keys.len(), 1, "{keys:?}");
    let created = reports.iter().filter(|(j, _)| j["outcome"] == "created").count();
    assert_eq!(created, 1, "one runner created, the others reused");
    assert!(
        reports
            .iter()
            .any(|(json, _)| json["waitedFor"].as_array().is_some_and(|w| !w.is_empty())),
        "runners that found the lease held said whom they waited for"
    );
    let objects = team.objects().await;
    assert!(
        objects
            .iter()
            .any(|o| o.contains("/identities/") && o.contains("key.age")),
        "{objects:?}"
    );
    assert!(
        !objects.iter().any(|o| o.contains("/pending/")),
        "no pending key left: {objects:?}"
    );

    // The fast path afterwards: reused from the store, no lease, no new key.
    let home = runner_home(&team, "late-runner");
    let late = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    late.ok();
    assert_eq!(late.json()["outcome"], "reused");
    assert_eq!(late.json()["certificateId"], *ids.first().unwrap());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_holder_killed_during_its_request_is_taken_over_and_its_certificate_adopted() {
    let team = Team::start(Sandbox::builder()).await;
    let short_lease = [("ASCERT_TEAM_LEASE_TTL", "2s")];
    kill_a_runner_once_apple_issued(&team, "2s").await;
    let objects = team.objects().await;
    assert!(
        objects.iter().any(|o| o.contains("/pending/DEVELOPMENT/")),
        "{objects:?}"
    );

    let second = runner_home(&team, "second");
    let mut command = team.ensure(&second, &["--type", "DEVELOPMENT"]);
    command.envs(short_lease);
    let next = run(command).await;
    next.ok();
    let json = next.json();
    assert_eq!(json["outcome"], "adopted", "{}", next.stderr);
    assert_eq!(
        team.env.sandbox.certificate_count(),
        1,
        "Apple holds one new certificate"
    );
    let objects = team.objects().await;
    let id = json["certificateId"].as_str().unwrap();
    assert!(
        objects
            .iter()
            .any(|o| o.contains(&format!("/identities/{id}/key.age"))),
        "the store holds its key: {objects:?}"
    );
    assert!(!objects.iter().any(|o| o.contains("/pending/")), "{objects:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn full_slots_and_foreign_keys_are_refused_with_nothing_written() {
    let limits = Limits {
        distribution_per_team: 1,
        ..Limits::default()
    };
    let team = Team::start(Sandbox::builder().limits(limits)).await;
    // Someone made the team's one Distribution certificate by hand, elsewhere.
    let elsewhere = runner_home(&team, "elsewhere");
    let made = team
        .run(
            &[("ASCERT_HOME", elsewhere.to_str().unwrap())],
            &[
                "certificates",
                "create",
                "--type",
                "DISTRIBUTION",
                "--common-name",
                "A",
                "--email",
                "a@example.com",
                "--json",
            ],
        )
        .await;
    made.ok();
    let holder = made.json()["certificate"]["id"].as_str().unwrap().to_owned();

    let runner = runner_home(&team, "runner");
    let full = run(team.ensure(&runner, &["--type", "DISTRIBUTION"])).await;
    let stderr = full.fails_with(5);
    let error: serde_json::Value = serde_json::from_str(stderr.trim()).unwrap();
    let message = error["error"].as_str().unwrap();
    assert!(
        message.contains(&format!("in use: {holder} (DISTRIBUTION")),
        "{message}"
    );
    assert!(
        message.contains("(its key is not here nor in the team store)"),
        "{message}"
    );
    // Someone else's: the revoke command comes with what it breaks.
    let hint = error["hint"].as_str().unwrap();
    assert!(
        hint.contains(&format!("ascert certificates revoke {holder}"))
            && hint.contains("breaks signing for whoever holds its key"),
        "{error}"
    );
    assert_eq!(team.env.sandbox.certificate_count(), 1);

    // A key that is not a member's: exit 3, and the bucket exactly as it was.
    let before = team.objects().await;
    let stranger = team.env.path("stranger.agekey");
    team.run(&[], &["team", "keygen", "--out", stranger.to_str().unwrap()])
        .await
        .ok();
    let refused = run(team.ensure_as(&runner, &stranger, &["--type", "DEVELOPMENT"])).await;
    let stderr = refused.fails_with(3);
    assert!(stderr.contains("none of the given keys can decrypt"), "{stderr}");
    assert_eq!(team.objects().await, before, "nothing written");
    assert_eq!(team.env.sandbox.certificate_count(), 1, "nothing asked of Apple");
}

#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::too_many_lines, reason = "one team's life, read top to bottom")]
async fn the_team_commands_share_list_fetch_prune_and_change_members() {
    let team = Team::start(Sandbox::builder()).await;
    let store = team.store.clone();
    let identity = team.identity.display().to_string();

    let members = team
        .run(&[], &["team", "members", "list", "--store", &store, "--json"])
        .await;
    members.ok();
    let members = members.json();
    let names: Vec<&str> = members["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["ci", "jane"]);
    assert_eq!(members["members"][1]["kind"], "ssh-ed25519");

    // A developer's identity, shared; then fetched on a runner that never saw it.
    let laptop = runner_home(&team, "laptop");
    let laptop_vars = [("ASCERT_HOME", laptop.to_str().unwrap())];
    let made = team
        .run(
            &laptop_vars,
            &[
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--common-name",
                "Jane",
                "--email",
                "j@example.com",
                "--json",
            ],
        )
        .await;
    made.ok();
    let id = made.json()["certificate"]["id"].as_str().unwrap().to_owned();
    // Sharing is a member's act: Jane pushes with her own key.
    let jane_key = Path::new(env!("CARGO_MANIFEST_DIR")).join(JANE_KEY);
    let jane_key = jane_key.to_str().unwrap();
    let pushed = team
        .run(
            &laptop_vars,
            &[
                "team",
                "push",
                "--store",
                &store,
                "--identity",
                jane_key,
                "--json",
            ],
        )
        .await;
    pushed.ok();
    assert_eq!(pushed.json()[0]["certificateId"], id.as_str());
    assert_eq!(pushed.json()[0]["outcome"], "shared");

    let listed = team
        .run(&[], &["team", "list", "--store", &store, "--json"])
        .await;
    listed.ok();
    assert_eq!(listed.json()[0]["certificateId"], id.as_str());
    assert_eq!(listed.json()[0]["state"], "valid");
    // Apple's expiry (`+0000`) and the record's push time, both in ascert's one JSON date form.
    let mut not_utc = Vec::new();
    crate::json::dates_not_utc_z(&listed.json(), "", &mut not_utc);
    assert!(not_utc.is_empty(), "{not_utc:?}");
    assert!(listed.json()[0]["expires"].as_str().unwrap().ends_with('Z'));

    let runner = runner_home(&team, "runner");
    let runner_vars = [("ASCERT_HOME", runner.to_str().unwrap())];
    let pulled = team
        .run(
            &runner_vars,
            &[
                "team",
                "pull",
                "--store",
                &store,
                "--identity",
                &identity,
                "--json",
            ],
        )
        .await;
    pulled.ok();
    assert_eq!(pulled.json()[0]["certificateId"], id.as_str());
    let identities = team
        .run(&runner_vars, &["identities", "list", "--json"])
        .await
        .json();
    assert!(
        identities
            .as_array()
            .unwrap()
            .iter()
            .any(|i| i["certificateId"] == id.as_str() && i["status"] == "paired"),
        "{identities}"
    );
    // Jane's SSH key opens the store as well.
    let jane = runner_home(&team, "jane");
    let pulled = team
        .run(
            &[("ASCERT_HOME", jane.to_str().unwrap())],
            &["team", "pull", "--store", &store, "--identity", jane_key],
        )
        .await;
    pulled.ok();

    // Jane leaves: her key no longer opens anything.
    let removed = team
        .run(
            &[],
            &[
                "team",
                "members",
                "remove",
                "jane",
                "--store",
                &store,
                "--identity",
                &identity,
            ],
        )
        .await;
    assert!(removed.ok().is_empty());
    assert!(
        removed.stderr.contains("revoke the certificates"),
        "{}",
        removed.stderr
    );
    let refused = team
        .run(
            &[("ASCERT_HOME", jane.to_str().unwrap())],
            &["team", "pull", "--store", &store, "--identity", jane_key],
        )
        .await;
    refused.fails_with(3);

    // Revoked at Apple: listed as such, and pruned.
    team.run(&[], &["certificates", "revoke", &id, "--yes"])
        .await
        .ok();
    let listed = team.run(&[], &["team", "list", "--store", &store]).await;
    assert!(listed.ok().contains("revoked or missing"), "{}", listed.stdout);
    // The API key now lists no certificate at all, so nothing tells that it is this team's key; and
    // the identity is the store's only one: without --force, nothing is removed.
    let kept = team
        .run(&[], &["team", "prune", "--store", &store, "--yes"])
        .await;
    assert!(kept.ok().is_empty());
    assert!(
        kept.stderr.contains(&format!("kept {id}")) && kept.stderr.contains("--force"),
        "{}",
        kept.stderr
    );
    let refused = team
        .run(&[], &["team", "prune", "--store", &store, "--force"])
        .await;
    refused.fails_with(2);
    let pruned = team
        .run(
            &[],
            &["team", "prune", "--store", &store, "--force", "--yes", "--json"],
        )
        .await;
    pruned.ok();
    assert_eq!(pruned.json()["removed"][0]["certificateId"], id.as_str());
    assert_eq!(pruned.json()["removed"][0]["reason"], "missing");
    let trash = pruned.json()["trash"].as_str().unwrap().to_owned();
    assert!(
        team.objects()
            .await
            .iter()
            .any(|o| o.contains(&format!("{trash}/identities/{id}/key.age"))),
        "pruned objects go to the trash first"
    );
    let listed = team
        .run(&[], &["team", "list", "--store", &store, "--json"])
        .await;
    assert_eq!(listed.json(), serde_json::json!([]));
    let purged = team
        .run(
            &[],
            &["team", "prune", "--store", &store, "--purge", "--yes", "--json"],
        )
        .await;
    purged.ok();
    assert_eq!(purged.json()["deleted"], 3);
    assert!(!team.objects().await.iter().any(|o| o.contains("/trash/")));
}

#[tokio::test(flavor = "multi_thread")]
async fn the_team_passphrase_opens_the_store_and_a_wrong_one_is_refused() {
    let env = Env::start().await;
    let moto = Moto::start().await;
    moto.create_bucket(BUCKET).await;
    let team = Team {
        env,
        moto,
        store: format!("s3://{BUCKET}/with-passphrase"),
        identity: PathBuf::new(),
    };
    let store = team.store.clone();
    let passphrase = [("ASCERT_TEAM_PASSPHRASE", "a long team passphrase 4f1")];
    let short = team
        .run(
            &[("ASCERT_TEAM_PASSPHRASE", "short")],
            &["team", "init", "--store", &store, "--with-passphrase"],
        )
        .await;
    assert!(
        short.fails_with(2).contains("shorter than 12 characters"),
        "{}",
        short.stderr
    );
    team.run(
        &passphrase,
        &["team", "init", "--store", &store, "--with-passphrase"],
    )
    .await
    .ok();

    // No member key file: the passphrase member opens the store, creates, then reuses.
    let runner = runner_home(&team, "runner");
    let runner_vars = [passphrase[0], ("ASCERT_HOME", runner.to_str().unwrap())];
    let ensure = [
        "identities",
        "ensure",
        "--type",
        "DEVELOPMENT",
        "--store",
        &store,
        "--json",
    ];
    let first = team.run(&runner_vars, &ensure).await;
    first.ok();
    assert_eq!(first.json()["outcome"], "created");
    let second = team.run(&runner_vars, &ensure).await;
    second.ok();
    assert_eq!(second.json()["outcome"], "reused");

    let before = team.objects().await;
    let wrong = team
        .run(
            &[
                ("ASCERT_TEAM_PASSPHRASE", "not the team passphrase"),
                ("ASCERT_HOME", runner.to_str().unwrap()),
            ],
            &ensure,
        )
        .await;
    let stderr = wrong.fails_with(3);
    assert!(stderr.contains("wrong passphrase"), "{stderr}");
    assert!(
        !stderr.contains("not the team passphrase"),
        "the passphrase is never shown: {stderr}"
    );
    assert_eq!(team.objects().await, before, "nothing written");
}

/// `ASCERT_TEAM_LEASE_TTL` is read with the rest of the command's inputs, before Apple or the store
/// is asked anything: a bad value fails at once, not once the run reaches the lease.
#[tokio::test(flavor = "multi_thread")]
async fn a_bad_lease_ttl_is_refused_before_anything_is_asked() {
    let team = Team::start(ascert_sandbox::Sandbox::builder()).await;
    let asked_before = team.env.sandbox.exchanges().len();
    let objects_before = team.objects().await;
    let home = runner_home(&team, "runner");
    let mut command = team.ensure(&home, &["--type", "DISTRIBUTION"]);
    command.env("ASCERT_TEAM_LEASE_TTL", "soon");
    let ran = run(command).await;
    let stderr = ran.fails_with(2);
    assert!(
        stderr.contains("ASCERT_TEAM_LEASE_TTL must be a duration"),
        "{stderr}"
    );
    assert_eq!(
        team.env.sandbox.exchanges().len(),
        asked_before,
        "Apple was asked"
    );
    assert_eq!(team.objects().await, objects_before, "the store was written");
}
