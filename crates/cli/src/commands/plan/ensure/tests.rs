//! `identities ensure`'s argv → plan, without a terminal or a network: what is read, from where,
//! once, and what is refused before anything is asked.

use std::time::Duration;

use age::secrecy::ExposeSecret as _;
use clap::Parser as _;

use super::EnsurePlan;
use crate::cli::{Cli, Command, IdentitiesCommand};
use crate::commands::plan::team::MemberSecret;
use crate::inputs::{Inputs, Scripted};
use crate::output::Output;

/// The plan of `ascert identities ensure ARGS…` in `world`.
fn plan(options: &[&str], world: Scripted) -> anyhow::Result<EnsurePlan> {
    let command_line = ["ascert", "identities", "ensure"].iter().chain(options);
    let Command::Identities(IdentitiesCommand::Ensure(args)) = Cli::try_parse_from(command_line)?.command
    else {
        panic!("not identities ensure")
    };
    let out = Output::quiet_for_tests();
    let inputs = Inputs::from_world(world, None);
    EnsurePlan::resolve(&args, &inputs, &out, &|| {
        anyhow::bail!("the keystore is not opened in a plan test")
    })
}

fn world(vars: &[(&str, &str)], files: &[(&str, &str)]) -> Scripted {
    Scripted::with(vars, files)
}

fn message(err: &anyhow::Error) -> String {
    format!("{err:#}")
}

#[test]
fn the_store_url_lease_and_member_key_are_read_once_before_anything_is_asked() {
    let identity = age::x25519::Identity::generate();
    let secret = identity.to_string();
    let plan = plan(
        &[
            "--type",
            "DISTRIBUTION",
            "--store",
            "s3://signing/team-a",
            "--identity",
            "/keys/ci.age",
            "--wait",
            "2m",
        ],
        world(
            &[("ASCERT_TEAM_LEASE_TTL", "2s")],
            &[("/keys/ci.age", secret.expose_secret())],
        ),
    )
    .unwrap();
    let team = plan.team.expect("a team plan");
    assert_eq!(team.url.to_string(), "s3://signing/team-a");
    assert_eq!(team.lease.ttl, Duration::from_secs(2));
    assert_eq!(team.lease.wait, Duration::from_secs(120));
    let MemberSecret::Key(key) = team.member else {
        panic!("the member key was not read at planning")
    };
    assert_eq!(key.recipients()[0].to_string(), identity.to_public().to_string());
    assert_eq!(plan.request.min_days_left, 30);
    assert_eq!(plan.request.subject.common_name, "ascert");
    assert!(plan.export.p12.is_none() && plan.export.keychain.is_none());
}

#[test]
fn a_team_passphrase_named_is_read_at_planning_and_none_is_asked_later() {
    let store = ["--type", "DEVELOPMENT", "--store", "memory://plans/team"];
    let named = plan(
        &[&store[..], &["--passphrase-env", "TEAM_PW"]].concat(),
        world(&[("TEAM_PW", "correct horse battery staple")], &[]),
    )
    .unwrap();
    let Some(MemberSecret::Passphrase(passphrase)) = named.team.map(|t| t.member) else {
        panic!("the named passphrase was not read")
    };
    assert_eq!(passphrase.expose_secret(), "correct horse battery staple");
    let default = plan(
        &store,
        world(&[("ASCERT_TEAM_PASSPHRASE", "from the default")], &[]),
    )
    .unwrap();
    assert!(matches!(
        default.team.map(|t| t.member),
        Some(MemberSecret::Passphrase(_))
    ));
    let none = plan(&store, world(&[], &[])).unwrap();
    assert!(matches!(none.team.map(|t| t.member), Some(MemberSecret::Ask)));
}

#[test]
fn two_options_that_read_standard_input_are_refused_before_either_is_read() {
    let world = Scripted {
        stdin: Some(b"the one line\n".to_vec()),
        ..Scripted::default()
    };
    let err = plan(
        &[
            "--type",
            "DISTRIBUTION",
            "--p12",
            "/nowhere/out.p12",
            "--password-stdin",
            "--store",
            "memory://plans/team",
            "--passphrase-stdin",
        ],
        world,
    )
    .err()
    .expect("refused");
    assert_eq!(
        message(&err),
        "--password-stdin and --passphrase-stdin cannot both read standard input"
    );
}

#[test]
fn a_lease_ttl_that_is_no_duration_is_refused() {
    let err = plan(
        &["--type", "DISTRIBUTION", "--store", "memory://plans/team"],
        world(&[("ASCERT_TEAM_LEASE_TTL", "0s")], &[]),
    )
    .err()
    .expect("refused");
    assert!(
        message(&err).contains("ASCERT_TEAM_LEASE_TTL must be a duration of 1 s or more"),
        "{err:#}"
    );
}

#[test]
fn a_store_url_that_is_not_one_is_refused() {
    let err = plan(
        &["--type", "DISTRIBUTION", "--store", "ftp://x/y"],
        world(&[], &[]),
    )
    .err()
    .expect("refused");
    assert!(message(&err).contains("ftp"), "{err:#}");
}

#[test]
fn a_password_pasted_where_a_variable_name_belongs_is_refused_without_being_shown() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.p12");
    let pasted = "hunter2 is my Password!";
    let err = plan(
        &[
            "--type",
            "DISTRIBUTION",
            "--p12",
            target.to_str().unwrap(),
            "--password-env",
            pasted,
        ],
        world(&[], &[]),
    )
    .err()
    .expect("refused");
    let shown = message(&err);
    assert!(
        shown.contains("--password-env takes the name of an environment variable"),
        "{shown}"
    );
    assert!(
        !shown.contains("hunter2"),
        "the pasted password was shown: {shown}"
    );
}

#[test]
fn the_p12_password_comes_from_the_file_named_and_is_held_to_the_policy() {
    let dir = tempfile::tempdir().unwrap();
    let target = dir.path().join("out.p12");
    let argv = |file: &'static str| {
        vec![
            "--type".to_owned(),
            "DISTRIBUTION".to_owned(),
            "--p12".to_owned(),
            target.display().to_string(),
            "--password-file".to_owned(),
            file.to_owned(),
        ]
    };
    let long = argv("/secrets/p12");
    let long: Vec<&str> = long.iter().map(String::as_str).collect();
    let plan_ok = plan(
        &long,
        world(
            &[],
            &[("/secrets/p12", "correct horse battery staple\nignored\n")],
        ),
    )
    .unwrap();
    let p12 = plan_ok.export.p12.expect("a .p12 target");
    assert_eq!(p12.password.as_str(), "correct horse battery staple");
    assert_eq!(p12.path, target);
    assert!(p12.earlier.is_none());
    let err = plan(&long, world(&[], &[("/secrets/p12", "short\n")]))
        .err()
        .expect("refused");
    assert!(message(&err).contains("shorter than 12 characters"), "{err:#}");
    assert!(!message(&err).contains("short\n"), "{err:#}");
}

#[test]
fn a_type_ensure_does_not_make_is_refused_before_any_secret_is_read() {
    // The password file does not exist: reading it would fail first if it were read.
    let err = plan(
        &[
            "--type",
            "PASS_TYPE_ID",
            "--p12",
            "/nowhere/out.p12",
            "--password-file",
            "/secrets/missing",
        ],
        world(&[], &[]),
    )
    .err()
    .expect("refused");
    assert!(
        message(&err).starts_with("identities ensure does not make PASS_TYPE_ID certificates"),
        "{err:#}"
    );
}
