//! A team store nobody can subvert: the `ascert` binary against the sandbox and moto while someone
//! who can write to the bucket, and is not a member, does what such a writer can — plant a pending
//! key, edit or replace the member list, put an old version back, relabel or swap identities, write
//! control characters into what runners print — or while the API key is another team's. Each test
//! plays that part with public information only and checks what a user would see.

use ascert_keystore::CertificateInfo;
use ascert_models::CertificateType;
use ascert_sandbox::{Sandbox, Team as SandboxTeam};

use crate::support::{Env, run};
use crate::team::{JANE_KEY, Team, runner_home};

/// The certificate a runner reported, as App Store Connect has it.
async fn at_apple(team: &Team, certificate_id: &str) -> ascert_models::Certificate {
    let got = team
        .run(&[], &["certificates", "get", certificate_id, "--json"])
        .await;
    got.ok();
    serde_json::from_value(got.json()).unwrap()
}

/// The key id of the certificate a runner reported, as Apple issued it.
async fn issued_key(team: &Team, certificate_id: &str) -> ascert_keystore::KeyId {
    CertificateInfo::from_model(&at_apple(team, certificate_id).await)
        .unwrap()
        .key_id()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pending_key_planted_by_a_bucket_writer_is_never_sent_to_apple() {
    let team = Team::start(Sandbox::builder()).await;
    let planted = team.plant_pending("DISTRIBUTION");

    let home = runner_home(&team, "runner");
    let ran = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    ran.ok();
    let json = ran.json();
    let id = json["certificateId"].as_str().unwrap();
    assert_ne!(
        issued_key(&team, id).await,
        planted.id(),
        "Apple certified the writer's key"
    );
    assert_eq!(json["outcome"], "created");
    assert_eq!(json["keyOrigin"], "new", "{json}");
    assert_eq!(team.env.sandbox.certificate_count(), 1);
    assert!(
        ran.stderr.contains(&format!("Left pending key {}", planted.id())),
        "{}",
        ran.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_list_edited_by_a_bucket_writer_is_refused_before_anything_is_encrypted() {
    let team = Team::start(Sandbox::builder()).await;
    let mallory = ascert_team::MemberKey::generate();
    let header_key = "team-a/ascert-team.json";
    let mut header: serde_json::Value =
        serde_json::from_slice(&team.get_object(header_key).unwrap()).unwrap();
    header["members"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "mallory",
        "recipient": mallory.recipients()[0].to_string(),
        "added": "2026-12-01T00:00:00Z",
        "addedBy": "ci",
    }));
    team.put_object(header_key, &serde_json::to_vec(&header).unwrap());
    let before = team.objects().await;

    let home = runner_home(&team, "runner");
    let refused = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("not by a member"), "{stderr}");
    assert_eq!(team.objects().await, before, "nothing written");
    assert_eq!(team.env.sandbox.certificate_count(), 0, "nothing asked of Apple");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_list_replaced_whole_is_refused_by_the_pin_and_by_a_runner_that_saw_the_store() {
    let team = Team::start(Sandbox::builder()).await;
    let listed = team
        .run(
            &[],
            &["team", "members", "list", "--store", &team.store, "--json"],
        )
        .await;
    listed.ok();
    let pin = listed.json()["membersSha256"].as_str().unwrap().to_owned();
    // A runner that has seen the store (its home keeps what it saw).
    let seen = runner_home(&team, "seen");
    let first = run(team.ensure(&seen, &["--type", "DEVELOPMENT"])).await;
    first.ok();

    // The writer makes a store of their own elsewhere in the bucket, with the real members' public
    // keys and theirs, and copies its member list over the team's.
    let mallory = team.env.path("mallory.agekey");
    let keygen = team
        .run(&[], &["team", "keygen", "--out", mallory.to_str().unwrap()])
        .await;
    let mallory_recipient = keygen.ok().trim().to_owned();
    let members = listed.json()["members"].as_array().unwrap().clone();
    let mut args: Vec<String> = vec![
        "team".into(),
        "init".into(),
        "--store".into(),
        "s3://signing/forged".into(),
    ];
    for m in &members {
        args.push("--member".into());
        args.push(format!(
            "{}={}",
            m["name"].as_str().unwrap(),
            m["recipient"].as_str().unwrap()
        ));
    }
    args.push("--member".into());
    args.push(format!("mallory={mallory_recipient}"));
    let args: Vec<&str> = args.iter().map(String::as_str).collect();
    team.run(&[], &args).await.ok();
    let forged = team.get_object("forged/ascert-team.json").unwrap();
    team.put_object("team-a/ascert-team.json", &forged);
    let before = team.objects().await;

    let pinned = runner_home(&team, "pinned");
    let mut command = team.ensure(&pinned, &["--type", "DISTRIBUTION"]);
    command.env("ASCERT_TEAM_MEMBERS_SHA256", &pin);
    let refused = run(command).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("refusing the member list"), "{stderr}");
    assert!(stderr.contains("mallory"), "the list it names is shown: {stderr}");
    let refused = run(team.ensure(&seen, &["--type", "DISTRIBUTION"])).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("replaced as a whole"), "{stderr}");
    assert_eq!(team.objects().await, before, "nothing written");
    assert_eq!(
        team.env.sandbox.certificate_count(),
        1,
        "only the first run's certificate"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_old_member_list_put_back_from_a_versioned_bucket_does_not_readmit_a_removed_member() {
    let team = Team::start(Sandbox::builder()).await;
    team.boto(
        "s3.put_bucket_versioning(Bucket=B, VersioningConfiguration={'Status': 'Enabled'})",
        &[],
        b"",
    );
    let home = runner_home(&team, "runner");
    run(team.ensure(&home, &["--type", "DEVELOPMENT"])).await.ok();
    let identity = team.identity.display().to_string();
    let old_header = team.get_object("team-a/ascert-team.json").unwrap();
    let removed = team
        .run(
            &[("ASCERT_HOME", home.to_str().unwrap())],
            &[
                "team",
                "members",
                "remove",
                "jane",
                "--store",
                &team.store,
                "--identity",
                &identity,
                "--json",
            ],
        )
        .await;
    removed.ok();
    let pin = removed.json()["membersSha256"].as_str().unwrap().to_owned();
    // The old version is still in the bucket for anyone with GetObjectVersion; a writer puts it back.
    let versions = team
        .boto(
            "v = s3.list_object_versions(Bucket=B, Prefix='team-a/ascert-team.json')['Versions']\n\
             print(len(v))",
            &[],
            b"",
        )
        .unwrap();
    let versions: usize = String::from_utf8(versions).unwrap().trim().parse().unwrap();
    assert!(versions >= 2, "{versions} versions of the header");
    team.put_object("team-a/ascert-team.json", &old_header);

    // The runner that saw the removal refuses the old list; so does one that pins the new one.
    let refused = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("an old version was put back"), "{stderr}");
    let pinned = runner_home(&team, "pinned");
    let mut command = team.ensure(&pinned, &["--type", "DISTRIBUTION"]);
    command.env("ASCERT_TEAM_MEMBERS_SHA256", &pin);
    let stderr = run(command).await.fails_with(1).to_owned();
    assert!(stderr.contains("refusing the member list"), "{stderr}");
    // Jane, removed, can still read what she could before (docs/team.md: revoke), but nothing new.
    let jane = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join(JANE_KEY);
    assert_eq!(
        team.env.sandbox.certificate_count(),
        1,
        "no certificate made for the old list"
    );
    let jane_home = runner_home(&team, "jane");
    let pulled = team
        .run(
            &[("ASCERT_HOME", jane_home.to_str().unwrap())],
            &[
                "team",
                "pull",
                "--store",
                &team.store,
                "--identity",
                jane.to_str().unwrap(),
                "--members-sha256",
                &pin,
            ],
        )
        .await;
    pulled.fails_with(1);
}

#[tokio::test(flavor = "multi_thread")]
async fn another_teams_api_key_prunes_nothing() {
    let team = Team::start(Sandbox::builder()).await;
    let home = runner_home(&team, "runner");
    let made = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    made.ok();
    let id = made.json()["certificateId"].as_str().unwrap().to_owned();
    let before = team.objects().await;

    // The other team's sandbox knows its own certificates only, and answers 404 for ours.
    let other = Env::with(
        Sandbox::builder()
            .team(SandboxTeam {
                id: "OTHERTEAM1".into(),
                name: "Another Team".into(),
            })
            .seed_certificates(3),
    )
    .await;
    for extra in [&["--yes"][..], &["--yes", "--force"][..]] {
        let mut command = other.bare();
        command
            .envs(team.moto.env())
            .arg("--api-key")
            .arg(&other.api_key_json)
            .args(["team", "prune", "--store", &team.store, "--json"])
            .args(extra);
        let pruned = run(command).await;
        pruned.ok();
        assert_eq!(pruned.json()["removed"], serde_json::json!([]), "{extra:?}");
        assert_eq!(pruned.json()["kept"][0]["certificateId"], id.as_str());
        assert!(
            pruned.json()["kept"][0]["keptBecause"]
                .as_str()
                .unwrap()
                .contains("another team's key"),
            "{}",
            pruned.json()
        );
        assert_eq!(team.objects().await, before, "{extra:?}: nothing removed");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_relabelled_by_a_bucket_writer_does_not_make_a_development_certificate_a_distribution_one() {
    let team = Team::start(Sandbox::builder()).await;
    let home = runner_home(&team, "runner");
    let development = run(team.ensure(&home, &["--type", "DEVELOPMENT"])).await;
    development.ok();
    let dev_id = development.json()["certificateId"].as_str().unwrap().to_owned();
    let record_key = format!("team-a/identities/{dev_id}/record.json");
    let mut record: serde_json::Value =
        serde_json::from_slice(&team.get_object(&record_key).unwrap()).unwrap();
    record["certificateType"] = serde_json::json!("DISTRIBUTION");
    record["expires"] = serde_json::json!("2099-01-01T00:00:00Z");
    team.put_object(&record_key, &serde_json::to_vec(&record).unwrap());

    let other = runner_home(&team, "other");
    let ran = run(team.ensure(&other, &["--type", "DISTRIBUTION"])).await;
    ran.ok();
    let json = ran.json();
    assert_ne!(json["certificateId"], dev_id.as_str(), "{json}");
    assert_eq!(json["certificateType"], "DISTRIBUTION");
    let issued = at_apple(&team, json["certificateId"].as_str().unwrap()).await;
    assert_eq!(
        issued.attributes.certificate_type,
        Some(CertificateType::Distribution),
        "Apple's type"
    );
    // The team list shows Apple's type and date, not the record's.
    let listed = team
        .run(&[], &["team", "list", "--store", &team.store, "--json"])
        .await;
    listed.ok();
    let row = listed
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["certificateId"] == dev_id.as_str())
        .cloned()
        .unwrap();
    assert_eq!(row["certificateType"], "DEVELOPMENT");
    assert!(!row["expires"].as_str().unwrap().starts_with("2099"), "{row}");
}

#[tokio::test(flavor = "multi_thread")]
async fn control_characters_a_writer_puts_in_a_lease_are_printed_escaped() {
    let team = Team::start(Sandbox::builder()).await;
    // A held lease whose holder's name would clear the line and forge an error on a terminal.
    let now = time::OffsetDateTime::now_utc();
    let stamp = |t: time::OffsetDateTime| t.format(&time::format_description::well_known::Rfc3339).unwrap();
    let lease = serde_json::json!({
        "format": 1,
        "certificateType": "DISTRIBUTION",
        "state": "held",
        "holder": {"actor": "ci\u{1b}[2K\rerror: all keys were deleted", "host": "h\nx", "pid": 1, "id": "0123456789abcdef"},
        "acquired": stamp(now),
        "written": stamp(now),
        "expires": stamp(now + time::Duration::minutes(5)),
        "ttlMs": 300_000,
        "write": "w",
    });
    team.put_object(
        "team-a/leases/DISTRIBUTION.json",
        &serde_json::to_vec(&lease).unwrap(),
    );
    let home = runner_home(&team, "runner");
    let mut command = team.command(
        &[("ASCERT_HOME", home.to_str().unwrap())],
        &[
            "identities",
            "ensure",
            "--type",
            "DISTRIBUTION",
            "--store",
            &team.store,
            "--identity",
            team.identity.to_str().unwrap(),
            "--wait",
            "1s",
        ],
    );
    command.current_dir(&home);
    let waited = run(command).await;
    let stderr = waited.fails_with(1);
    assert!(!stderr.contains('\u{1b}'), "{stderr:?}");
    assert!(
        stderr.contains("ci\\u{1b}[2K\\rerror: all keys were deleted on h\\nx"),
        "{stderr}"
    );
    let status = team.run(&[], &["team", "status", "--store", &team.store]).await;
    assert!(!status.ok().contains('\u{1b}'), "{:?}", status.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_record_of_another_type_in_a_newer_format_does_not_stop_ensure() {
    let team = Team::start(Sandbox::builder()).await;
    team.put_object(
        "team-a/identities/FUTURE1/record.json",
        br#"{"format": 9, "certificateType": "DEVELOPMENT", "new": "fields"}"#,
    );
    let home = runner_home(&team, "runner");
    let ran = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    ran.ok();
    assert_eq!(ran.json()["outcome"], "created");
    assert!(
        ran.stderr.contains("skipped the stored identity FUTURE1"),
        "{}",
        ran.stderr
    );
    // Of its own type, a newer record says to upgrade.
    let refused = run(team.ensure(&home, &["--type", "DEVELOPMENT"])).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("upgrade ascert"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_member_reads_pulls_and_ensures_read_only_without_an_api_key() {
    let team = Team::start(Sandbox::builder()).await;
    let home = runner_home(&team, "runner");
    let made = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    made.ok();
    let id = made.json()["certificateId"].as_str().unwrap().to_owned();
    // A developer with only the member key: no API key anywhere.
    let developer = runner_home(&team, "developer");
    let without_key = |args: &[&str]| {
        let mut command = team.env.bare();
        command
            .envs(team.moto.env())
            .env("ASCERT_HOME", &developer)
            .env("ASCERT_P12_PASSWORD", crate::team::P12_PASSWORD)
            .current_dir(&developer)
            .args(args);
        command
    };
    let identity = team.identity.display().to_string();
    let pulled = run(without_key(&[
        "team",
        "pull",
        "--store",
        &team.store,
        "--identity",
        &identity,
        "--json",
    ]))
    .await;
    pulled.ok();
    assert_eq!(pulled.json()[0]["certificateId"], id.as_str());
    assert!(
        pulled.stderr.contains("App Store Connect was not asked"),
        "{}",
        pulled.stderr
    );
    let listed = run(without_key(&["team", "list", "--store", &team.store, "--json"])).await;
    listed.ok();
    assert_eq!(listed.json()[0]["state"], "unchecked");
    let ensured = run(without_key(&[
        "identities",
        "ensure",
        "--type",
        "DISTRIBUTION",
        "--readonly",
        "--store",
        &team.store,
        "--identity",
        &identity,
        "--p12",
        "dist.p12",
        "--json",
    ]))
    .await;
    ensured.ok();
    assert_eq!(ensured.json()["outcome"], "reused");
    assert_eq!(ensured.json()["certificateId"], id.as_str());
    // The .p12 opens with its password and holds the key and the certificate.
    let p12 = developer.join("dist.p12");
    let info = crate::support::openssl(&[
        "pkcs12",
        "-in",
        p12.to_str().unwrap(),
        "-info",
        "-nodes",
        "-passin",
        &format!("pass:{}", crate::team::P12_PASSWORD),
        "-legacy",
    ]);
    assert!(
        info.contains("BEGIN CERTIFICATE") && info.contains("PRIVATE KEY"),
        "{info}"
    );
    // Read-only with nothing stored of the type: a clear failure, nothing created.
    let nothing = run(without_key(&[
        "identities",
        "ensure",
        "--type",
        "DEVELOPMENT",
        "--readonly",
        "--store",
        &team.store,
        "--identity",
        &identity,
    ]))
    .await;
    let stderr = nothing.fails_with(4);
    assert!(stderr.contains("--readonly does not create one"), "{stderr}");
    assert_eq!(team.env.sandbox.certificate_count(), 1);
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_ssh_member_key_takes_its_passphrase_from_the_default_variable() {
    let team = Team::start(Sandbox::builder()).await;
    let encrypted = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../crates/team/tests/fixtures/ssh_ed25519_encrypted");
    let public = format!("{}.pub", encrypted.display());
    let identity = team.identity.display().to_string();
    team.run(
        &[],
        &[
            "team",
            "members",
            "add",
            &format!("laptop={public}"),
            "--store",
            &team.store,
            "--identity",
            &identity,
        ],
    )
    .await
    .ok();
    let home = runner_home(&team, "laptop");
    let pull = |passphrase: Option<&str>| {
        let mut command = team.command(
            &[("ASCERT_HOME", home.to_str().unwrap())],
            &[
                "team",
                "pull",
                "--store",
                &team.store,
                "--identity",
                encrypted.to_str().unwrap(),
            ],
        );
        command.env_remove("ASCERT_TEAM_PASSPHRASE");
        if let Some(passphrase) = passphrase {
            command.env("ASCERT_TEAM_PASSPHRASE", passphrase);
        }
        run(command)
    };
    pull(Some("ssh passphrase")).await.ok();
    let wrong = pull(Some("not it")).await;
    assert!(
        wrong.fails_with(3).contains("wrong passphrase"),
        "{}",
        wrong.stderr
    );
    let missing = pull(None).await;
    assert!(
        missing.fails_with(2).contains("protected by a passphrase"),
        "{}",
        missing.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn identities_a_writer_made_up_or_damaged_do_not_stop_the_fleet() {
    let team = Team::start(Sandbox::builder()).await;
    let home = runner_home(&team, "runner");
    let made = run(team.ensure(&home, &["--type", "DISTRIBUTION"])).await;
    made.ok();
    let id = made.json()["certificateId"].as_str().unwrap().to_owned();
    // Another certificate of the type at Apple, whose key is not in the store: the writer makes up
    // identities for it, expiring last so that they are tried first — a record alone, and a key
    // sealed to someone else.
    let elsewhere = runner_home(&team, "elsewhere");
    let other = team
        .run(
            &[("ASCERT_HOME", elsewhere.to_str().unwrap())],
            &[
                "certificates",
                "create",
                "--type",
                "DISTRIBUTION",
                "--common-name",
                "Elsewhere",
                "--email",
                "e@example.com",
                "--json",
            ],
        )
        .await;
    other.ok();
    let other_id = other.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let record: serde_json::Value = serde_json::from_slice(
        &team
            .get_object(&format!("team-a/identities/{id}/record.json"))
            .unwrap(),
    )
    .unwrap();
    let mut made_up = record.clone();
    made_up["certificateId"] = serde_json::json!(other_id);
    made_up["expires"] = serde_json::json!("2099-01-01T00:00:00Z");
    team.put_object(
        &format!("team-a/identities/{other_id}/record.json"),
        &serde_json::to_vec(&made_up).unwrap(),
    );
    let again = runner_home(&team, "again");
    let ran = run(team.ensure(&again, &["--type", "DISTRIBUTION"])).await;
    ran.ok();
    assert_eq!(ran.json()["outcome"], "reused", "{}", ran.stderr);
    assert_eq!(ran.json()["certificateId"], id.as_str());
    assert!(
        ran.stderr
            .contains(&format!("did not use the stored identity {other_id}")),
        "{}",
        ran.stderr
    );
}

/// `ascert team keygen` into `dir/NAME.key`; the member's public key.
async fn keygen(env: &Env, name: &str) -> (std::path::PathBuf, String) {
    let path = env.path(&format!("{name}.key"));
    let mut command = env.bare();
    command.args(["team", "keygen", "--out"]).arg(&path);
    let made = run(command).await;
    (path, made.ok().trim().to_owned())
}

#[tokio::test(flavor = "multi_thread")]
async fn removing_the_member_you_act_as_warns_and_asks() {
    let env = Env::start().await;
    let (me, my_key) = keygen(&env, "me").await;
    let (_, other_key) = keygen(&env, "other").await;
    let store = format!("file://{}", env.path("store").display());
    std::fs::create_dir(env.path("store")).unwrap();
    let mut command = env.bare();
    command.args([
        "team",
        "init",
        "--store",
        &store,
        "--member",
        &format!("me={my_key}"),
        "--member",
        &format!("other={other_key}"),
    ]);
    run(command).await.ok();
    let remove = |yes: bool| {
        let mut command = env.bare();
        command
            .args(["team", "members", "remove", "me", "--store", &store, "--identity"])
            .arg(&me);
        if yes {
            command.arg("--yes");
        }
        run(command)
    };
    let refused = remove(false).await;
    let stderr = refused.fails_with(2);
    assert!(
        stderr.contains("\"me\" is the member whose key opens the store in this command"),
        "{stderr}"
    );
    assert!(stderr.contains("--yes"), "{stderr}");
    let removed = remove(true).await;
    removed.ok();
}

#[tokio::test(flavor = "multi_thread")]
async fn team_init_checks_the_trust_folder_before_it_makes_the_store() {
    let env = Env::start().await;
    let (_, my_key) = keygen(&env, "me").await;
    let trust = env.home().join("team-trust");
    std::fs::create_dir_all(&trust).unwrap();
    std::fs::set_permissions(&trust, std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    std::fs::create_dir(env.path("store")).unwrap();
    let mut command = env.bare();
    command.args([
        "team",
        "init",
        "--store",
        &format!("file://{}", env.path("store").display()),
        "--member",
        &format!("me={my_key}"),
    ]);
    let refused = run(command).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("team-trust"), "{stderr}");
    assert_eq!(
        std::fs::read_dir(env.path("store")).unwrap().count(),
        0,
        "no store was made"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_gcs_store_without_credentials_says_so_in_words() {
    let env = Env::start().await;
    let (me, _) = keygen(&env, "me").await;
    let mut command = env.bare();
    // The metadata server, which object_store asks when nothing else is set, refuses at once.
    command
        .env("GCE_METADATA_HOST", "127.0.0.1:1")
        .env("GCE_METADATA_IP", "127.0.0.1:1")
        .env_remove("GOOGLE_APPLICATION_CREDENTIALS")
        .env_remove("GOOGLE_SERVICE_ACCOUNT")
        .env_remove("GOOGLE_SERVICE_ACCOUNT_KEY")
        .args(["team", "list", "--store", "gs://no-bucket/team", "--identity"])
        .arg(&me);
    let refused = run(command).await;
    let stderr = refused.fails_with(3);
    assert!(stderr.contains("no Google Cloud credentials"), "{stderr}");
    assert!(stderr.contains("GOOGLE_APPLICATION_CREDENTIALS"), "{stderr}");
    assert!(!stderr.contains("Error performing token request"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_folder_store_that_cannot_arbitrate_gives_the_two_commands_that_work() {
    let env = Env::start().await;
    let (me, my_key) = keygen(&env, "me").await;
    std::fs::create_dir(env.path("store")).unwrap();
    let store = format!("file://{}", env.path("store").display());
    let mut command = env.bare();
    command.args([
        "team",
        "init",
        "--store",
        &store,
        "--member",
        &format!("me={my_key}"),
    ]);
    run(command).await.ok();
    let identity = me.to_str().unwrap();
    let refused = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DEVELOPMENT",
            "--store",
            &store,
            "--identity",
            identity,
        ])
        .await;
    let stderr = refused.fails_with(1);
    assert!(
        stderr.contains("`ascert identities ensure --type DEVELOPMENT` (without --store)")
            && stderr.contains(&format!("`ascert team push CERTIFICATE_ID --store {store}`")),
        "{stderr}"
    );
    // The two commands do work.
    let ensured = env
        .run(&["--json", "identities", "ensure", "--type", "DEVELOPMENT"])
        .await;
    ensured.ok();
    let id = ensured.json()["certificateId"].as_str().unwrap().to_owned();
    env.run(&["team", "push", &id, "--store", &store, "--identity", identity])
        .await
        .ok();
}
