//! The CLI at a real terminal (a pseudo-terminal made by util-linux `script`): tables one line per
//! row at 80 columns and in full at 200, colour that marks expired certificates and goes with
//! `NO_COLOR` or `--color never`; piped output in full and plain; help that separates a command's
//! options from the global ones; errors that print each cause once.

use std::process::Command;

use ascert_sandbox::Sandbox;

use crate::support::{Env, Run, run_in_terminal};

/// The escape sequence that starts red text.
const RED: &str = "\x1b[31m";

/// `ascert --api-key … ARGS` on a terminal `columns` wide, with colour allowed (no `NO_COLOR`).
async fn at_terminal(env: &Env, columns: usize, extra_env: &[(&str, &str)], args: &[&str]) -> Run {
    let mut command: Command = env.bare();
    command
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .env("COLUMNS", columns.to_string())
        .envs(extra_env.iter().copied())
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(args);
    let run = run_in_terminal(&command, "").await;
    assert_eq!(run.code, 0, "{}\n{}", run.stdout, run.stderr);
    run
}

/// The lines a terminal shows, without colour: a carriage return starts its line over (a spinner
/// draws itself on one line, and the table's header overwrites it).
fn screen_lines(run: &Run) -> Vec<String> {
    run.stdout
        .lines()
        .map(|l| {
            let l = l.trim_end_matches('\r');
            strip_ansi(l.rsplit('\r').next().unwrap_or(l))
        })
        .collect()
}

/// Whether `text` holds a colour (SGR) escape sequence, `ESC [ … m`.
fn has_colour(text: &str) -> bool {
    text.split('\x1b').skip(1).any(|rest| {
        rest.strip_prefix('[').is_some_and(|params| {
            params
                .find(|c: char| !(c.is_ascii_digit() || c == ';'))
                .is_some_and(|end| params[end..].starts_with('m'))
        })
    })
}

/// `text` without ANSI escape sequences (ESC [ … letter).
fn strip_ansi(text: &str) -> String {
    let mut out = String::new();
    let mut chars = text.chars();
    while let Some(c) = chars.next() {
        if c == '\x1b' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

/// The team's certificates as `certificates list --json` gives them.
async fn certificates(env: &Env) -> Vec<serde_json::Value> {
    let listed = env.run(&["certificates", "list", "--json"]).await.json();
    listed.as_array().unwrap().clone()
}

/// The display name `certificates list` shows and filters on.
fn display_name(certificate: &serde_json::Value) -> &str {
    certificate["attributes"]["displayName"].as_str().unwrap()
}

#[tokio::test(flavor = "multi_thread")]
async fn at_80_columns_every_certificate_is_one_line_and_expired_ones_are_red() {
    let env = Env::with(Sandbox::builder().seed_certificates(14)).await;
    let all = certificates(&env).await;
    assert_eq!(all.len(), 14);
    let run = at_terminal(&env, 80, &[], &["certificates", "list"]).await;
    let lines = screen_lines(&run);
    for line in &lines {
        assert!(
            line.chars().count() <= 80,
            "wider than 80: {line:?}\n{}",
            run.stdout
        );
    }
    assert!(lines[0].starts_with("ID "), "{lines:#?}");
    assert!(!lines[0].contains("SERIAL"), "SERIAL goes first: {lines:#?}");
    for certificate in &all {
        let id = certificate["id"].as_str().unwrap();
        let on: Vec<&String> = lines.iter().filter(|l| l.contains(id)).collect();
        assert_eq!(on.len(), 1, "{id} on one line: {lines:#?}");
        let kind = certificate["attributes"]["certificateType"].as_str().unwrap();
        assert!(on[0].contains(kind), "{kind} never broken: {:?}", on[0]);
    }
    assert!(
        lines
            .iter()
            .any(|l| l.contains("left out to fit 80 columns") && l.contains("--wide")),
        "the dropped columns are named: {lines:#?}"
    );
    // The seeded team has expired certificates (every 7th): their rows are red.
    let today = time::OffsetDateTime::now_utc().date().to_string();
    let expired = all
        .iter()
        .find(|c| c["attributes"]["expirationDate"].as_str().unwrap()[..10] < *today)
        .expect("the seeded team has an expired certificate");
    let id = expired["id"].as_str().unwrap();
    let raw = run.stdout.lines().find(|l| l.contains(id)).unwrap();
    assert!(raw.starts_with(RED), "an expired certificate is red: {raw:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn at_200_columns_and_with_wide_every_column_is_in_full() {
    let env = Env::with(Sandbox::builder().seed_certificates(8)).await;
    let all = certificates(&env).await;
    for (columns, args) in [
        (200, &["certificates", "list"][..]),
        (60, &["certificates", "list", "--wide"][..]),
    ] {
        let run = at_terminal(&env, columns, &[], args).await;
        let lines = screen_lines(&run);
        assert!(
            lines[0].contains("SERIAL") && lines[0].contains("EXPIRES"),
            "{lines:#?}"
        );
        for certificate in &all {
            let serial = certificate["attributes"]["serialNumber"].as_str().unwrap();
            let line = lines.iter().find(|l| l.contains(serial)).unwrap();
            assert!(line.contains(display_name(certificate)), "{line:?}");
        }
        assert!(!run.stdout.contains("left out"), "{}", run.stdout);
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_color_and_color_never_give_no_escape_sequences() {
    let env = Env::with(Sandbox::builder().seed_certificates(14)).await;
    let coloured = at_terminal(&env, 200, &[], &["certificates", "list"]).await;
    assert!(coloured.stdout.contains(RED), "{:?}", coloured.stdout);
    assert!(has_colour(&coloured.stdout));
    for (vars, args) in [
        (&[("NO_COLOR", "1")][..], &["certificates", "list"][..]),
        (&[][..], &["certificates", "list", "--color", "never"][..]),
    ] {
        let plain = at_terminal(&env, 200, vars, args).await;
        assert!(
            !has_colour(&plain.stdout),
            "{vars:?} {args:?}: {:?}",
            plain.stdout
        );
        // The same table (days left may tick over between the runs: compare the ids).
        let ids = |run: &Run| -> Vec<String> {
            screen_lines(run)
                .iter()
                .map(|l| l.split_whitespace().next().unwrap_or_default().to_owned())
                .collect()
        };
        assert_eq!(ids(&plain), ids(&coloured));
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn piped_tables_have_every_value_in_full_and_no_colour() {
    let env = Env::with(Sandbox::builder().seed_certificates(10)).await;
    let all = certificates(&env).await;
    let mut command = env.bare();
    command
        .env_remove("NO_COLOR")
        .env("COLUMNS", "40")
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "list"]);
    let piped = crate::support::run(command).await;
    let out = piped.ok();
    assert!(!out.contains('\x1b'), "{out:?}");
    assert!(!out.contains('…'), "{out}");
    for certificate in &all {
        let serial = certificate["attributes"]["serialNumber"].as_str().unwrap();
        let line = out.lines().find(|l| l.contains(serial)).unwrap();
        assert!(line.contains(display_name(certificate)), "{line}");
        assert!(line.starts_with(certificate["id"].as_str().unwrap()), "{line}");
    }
    assert_eq!(
        out.lines().count(),
        all.len() + 1,
        "a header and a line each:\n{out}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_and_identities_lists_fit_80_columns() {
    let env = Env::start().await;
    for (name, kind) in [
        (
            "Jane Appleseed of Appleseed Software International",
            "IOS_DISTRIBUTION",
        ),
        // The longest type name the API creates (Developer ID certificates it refuses, as Apple does).
        ("CI Box", "MAC_INSTALLER_DISTRIBUTION"),
    ] {
        env.run(&[
            "certificates",
            "create",
            "--type",
            kind,
            "--common-name",
            name,
            "--email",
            "jane@example.com",
            "--label",
            name,
        ])
        .await
        .ok();
    }
    env.run(&[
        "keys",
        "generate",
        "--common-name",
        "Spare",
        "--email",
        "jane@example.com",
        "--label",
        "a spare key for the mac mini in the server room",
    ])
    .await
    .ok();
    for (args, rows) in [(&["keys", "list"][..], 3), (&["identities", "list"][..], 3)] {
        let run = at_terminal(&env, 80, &[], args).await;
        let lines = screen_lines(&run);
        let table: Vec<&String> = lines.iter().filter(|l| !l.starts_with('(')).collect();
        assert_eq!(
            table.len(),
            rows + 1,
            "{args:?}: a header and one line per row: {lines:#?}"
        );
        for line in &lines {
            assert!(line.chars().count() <= 80, "{args:?} wider than 80: {line:?}");
        }
        if args[0] == "identities" {
            // NAME goes first (it is the same for every certificate of a type); KEY and DAYS LEFT stay.
            let header = table[0];
            assert!(
                header.contains("KEY") && header.contains("DAYS LEFT") && !header.contains("NAME"),
                "{lines:#?}"
            );
            assert!(
                lines.iter().any(|l| l.contains("NAME") && l.starts_with('(')),
                "the note names what was left out: {lines:#?}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn a_local_commands_help_lists_its_own_options_first_and_no_credentials() {
    let env = Env::start().await;
    let help = crate::support::run({
        let mut command = env.bare();
        command.args(["keys", "generate", "--help"]);
        command
    })
    .await;
    let help = help.ok();
    let own = help.find("--common-name").unwrap();
    let global = help
        .find("Global options:")
        .expect("a heading for the global options");
    assert!(own < global, "{help}");
    assert!(help[global..].contains("--home"), "{help}");
    for credential in [
        "--api-key",
        "--issuer-id",
        "--key-id",
        "--private-key",
        "--base-url",
        "--profile",
    ] {
        assert!(
            !help.contains(credential),
            "{credential} in keys generate --help:\n{help}"
        );
    }
    // A command that talks to Apple shows them, under the global heading.
    let list = crate::support::run({
        let mut command = env.bare();
        command.args(["certificates", "list", "--help"]);
        command
    })
    .await;
    let list = list.ok();
    let global = list.find("Global options:").unwrap();
    assert!(list[global..].contains("--api-key"), "{list}");
    assert!(list[..global].contains("--type"), "{list}");
}

#[tokio::test(flavor = "multi_thread")]
async fn an_error_prints_each_cause_once_and_its_label_in_red_on_a_terminal() {
    let env = Env::start().await;
    let file = env.path("not-a-folder");
    std::fs::write(&file, "x").unwrap();
    let run = env.run(&["--home", file.to_str().unwrap(), "keys", "list"]).await;
    let stderr = run.fails_with(1);
    assert_eq!(stderr.matches("Not a directory").count(), 1, "{stderr}");

    let mut command = env.bare();
    command
        .env_remove("NO_COLOR")
        .env("TERM", "xterm-256color")
        .args(["--home", file.to_str().unwrap(), "keys", "list"]);
    let at_terminal = run_in_terminal(&command, "").await;
    assert!(
        at_terminal.stdout.contains(&format!("{RED}error:")),
        "{:?}",
        at_terminal.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn the_revoke_prompt_says_what_is_destroyed_and_no_keeps_it() {
    let env = Env::start().await;
    let created = env
        .run(&["certificates", "create", "--type", "DISTRIBUTION", "--json"])
        .await;
    created.ok();
    let id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let mut command: Command = env.bare();
    command
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(["certificates", "revoke", &id]);
    let answered_no = run_in_terminal(&command, "n\n").await;
    assert_eq!(answered_no.code, 2, "{}", answered_no.stdout);
    let screen = strip_ansi(&answered_no.stdout);
    assert!(
        screen.contains(&format!("{id} (DISTRIBUTION"))
            && screen.contains("expires")
            && screen.contains("its key is in the local keystore")
            && screen.contains("can no longer sign with it"),
        "{screen}"
    );
    assert_eq!(env.sandbox.certificate_count(), 1, "nothing was revoked");
}

#[tokio::test(flavor = "multi_thread")]
async fn the_key_delete_prompt_names_the_certificate_it_breaks_and_no_keeps_it() {
    let env = Env::start().await;
    let created = env
        .run(&["certificates", "create", "--type", "DEVELOPMENT", "--json"])
        .await;
    created.ok();
    let id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let key_id = created.json()["keyId"].as_str().unwrap().to_owned();
    let mut command: Command = env.bare();
    command.args(["keys", "delete", &key_id[..12]]);
    let answered_no = run_in_terminal(&command, "n\n").await;
    assert_eq!(answered_no.code, 2, "{}", answered_no.stdout);
    let screen = strip_ansi(&answered_no.stdout);
    assert!(
        screen.contains(&format!("the key of certificate {id}"))
            && screen.contains("DEVELOPMENT, expires")
            && screen.contains("still valid, it can no longer be used from here"),
        "{screen}"
    );
    assert_eq!(env.key_records().len(), 1, "the key is kept");
}
