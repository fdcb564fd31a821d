//! `certificates create`'s argv → plan, without a terminal or a network: what is read and checked,
//! in which order, before a key is made.

use std::path::PathBuf;

use ascert_keystore::Keystore;
use clap::Parser as _;

use super::CreatePlan;
use crate::cli::{CertificatesCommand, Cli, Command};
use crate::inputs::{Inputs, Scripted};
use crate::output::Output;

const CSR: &str = "-----BEGIN CERTIFICATE REQUEST-----\nMIIB\n-----END CERTIFICATE REQUEST-----\n";

/// The plan of `ascert certificates create OPTIONS…` in `world`, with the keystore `keystore` opens.
fn plan(
    options: &[&str],
    world: Scripted,
    keystore: &dyn Fn() -> anyhow::Result<Keystore>,
) -> anyhow::Result<CreatePlan> {
    let command_line = ["ascert", "certificates", "create"].iter().chain(options);
    let Command::Certificates(CertificatesCommand::Create(args)) = Cli::try_parse_from(command_line)?.command
    else {
        panic!("not certificates create")
    };
    let out = Output::quiet_for_tests();
    CreatePlan::resolve(&args, &Inputs::from_world(world, None), &out, keystore)
}

/// A keystore that must not be opened: the plan was to refuse before.
fn not_opened() -> anyhow::Result<Keystore> {
    anyhow::bail!("the keystore was opened")
}

fn world(vars: &[(&str, &str)], files: &[(&str, &str)]) -> Scripted {
    Scripted::with(vars, files)
}

#[test]
fn a_csr_is_read_at_planning_and_the_keystore_is_left_alone() {
    let plan = plan(
        &["--type", "DEVELOPMENT", "--csr", "/work/dev.csr"],
        world(&[], &[("/work/dev.csr", CSR)]),
        &not_opened,
    )
    .unwrap();
    let CreatePlan::FromCsr { csr, path, .. } = plan else {
        panic!("not a plan from a CSR")
    };
    assert_eq!(csr, CSR);
    assert_eq!(path, PathBuf::from("/work/dev.csr"));
}

#[test]
fn a_file_that_is_no_csr_is_refused_at_planning() {
    let err = plan(
        &["--type", "DEVELOPMENT", "--csr", "/work/key.pem"],
        world(&[], &[("/work/key.pem", "-----BEGIN PRIVATE KEY-----\n")]),
        &not_opened,
    )
    .err()
    .expect("refused");
    assert_eq!(
        format!("{err:#}"),
        "/work/key.pem is not a PEM certificate signing request"
    );
}

#[test]
fn a_missing_pass_type_id_and_a_bad_email_are_refused_before_the_keystore_is_opened() {
    let err = plan(&["--type", "PASS_TYPE_ID"], world(&[], &[]), &not_opened)
        .err()
        .expect("refused");
    assert!(
        format!("{err:#}").contains("give it with --pass-type-id ID"),
        "{err:#}"
    );
    let err = plan(
        &["--type", "DEVELOPMENT", "--email", "not-an-address"],
        world(&[], &[]),
        &not_opened,
    )
    .err()
    .expect("refused");
    assert!(format!("{err:#}").contains("is not an e-mail address"), "{err:#}");
}

#[test]
fn two_options_that_read_standard_input_are_refused_before_either_is_read() {
    let err = plan(
        &[
            "--type",
            "DEVELOPMENT",
            "--p12",
            "/nowhere/out.p12",
            "--password-stdin",
            "--keychain",
            "--keychain-password-stdin",
        ],
        world(&[], &[]),
        &not_opened,
    )
    .err()
    .expect("refused");
    assert_eq!(
        format!("{err:#}"),
        "--password-stdin and --keychain-password-stdin cannot both read standard input"
    );
}

#[test]
fn the_request_and_the_p12_password_are_resolved_with_the_keystore_locked() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let target = dir.path().join("dev.p12");
    let target_arg = target.display().to_string();
    let plan = plan(
        &[
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "Jane",
            "--country",
            "de",
            "--p12",
            &target_arg,
        ],
        world(&[("ASCERT_P12_PASSWORD", "correct horse battery staple")], &[]),
        &|| Ok(Keystore::open(&keys)?),
    )
    .unwrap();
    let CreatePlan::Identity {
        request,
        export,
        keystore: (store, _lock),
        ..
    } = plan
    else {
        panic!("not a plan for a new identity")
    };
    assert_eq!(request.subject.common_name, "Jane");
    assert_eq!(request.subject.country.as_deref(), Some("DE"));
    assert!(request.label.starts_with("DEVELOPMENT "), "{}", request.label);
    let p12 = export.p12.expect("a .p12 target");
    assert_eq!(p12.path, target);
    assert_eq!(p12.password.as_str(), "correct horse battery staple");
    // The run lock is held: a prune cannot take it.
    assert!(store.try_exclusive_run_lock().unwrap().is_none());
}
