//! The help of every command, as transcripts (tests/cmd/*.md), and the generated completions and
//! man page. Regenerate the transcripts with `TRYCMD=overwrite cargo test -p ascert --test e2e help`.

use crate::support::{Env, run};

#[test]
fn help_transcripts() {
    trycmd::TestCases::new()
        .register_bin("ascert", std::path::Path::new(env!("CARGO_BIN_EXE_ascert")))
        .env("COLUMNS", "100")
        .case("../../tests/cmd/*.md");
}

#[tokio::test(flavor = "multi_thread")]
async fn completions_and_man_page_are_generated() {
    let env = Env::start().await;
    for shell in ["bash", "zsh", "fish", "powershell", "elvish"] {
        let mut command = env.bare();
        command.args(["completions", shell]);
        let result = run(command).await;
        assert!(result.ok().contains("certificates"), "{shell}: {}", result.stdout);
    }
    let mut command = env.bare();
    command.arg("man");
    let man = run(command).await;
    assert!(man.ok().contains(".TH ascert"), "{}", man.stdout);
    assert!(man.stdout.contains("certificates"));
}

#[tokio::test(flavor = "multi_thread")]
async fn man_out_writes_every_page_the_top_page_refers_to() {
    let env = Env::start().await;
    let dir = env.path("man/man1");
    let mut command = env.bare();
    command.args(["man", "--out", dir.to_str().unwrap()]);
    run(command).await.ok();
    let top = std::fs::read_to_string(dir.join("ascert.1")).unwrap();
    assert!(top.contains(".TH ascert"), "{top}");
    // Every page named in a SEE ALSO (`ascert\-certificates(1)`) exists, down to the leaves.
    let mut referred = 0;
    for entry in std::fs::read_dir(&dir).unwrap() {
        let text = std::fs::read_to_string(entry.unwrap().path()).unwrap();
        for (at, _) in text.match_indices("(1)") {
            let name: String = text[..at]
                .chars()
                .rev()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-' || *c == '\\')
                .collect::<Vec<_>>()
                .into_iter()
                .rev()
                .collect();
            let name = name.replace('\\', "");
            if name.starts_with("ascert-") {
                referred += 1;
                assert!(
                    dir.join(format!("{name}.1")).exists(),
                    "{name}(1) is named but not written"
                );
            }
        }
    }
    assert!(referred > 30, "only {referred} references");
    assert!(dir.join("ascert-certificates-list.1").exists());
}

/// `ascert ARGS --help`.
fn help_of(path: &[&str]) -> String {
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ascert"))
        .args(path)
        .arg("--help")
        .env("COLUMNS", "200")
        .output()
        .unwrap();
    assert!(output.status.success(), "{path:?}");
    String::from_utf8(output.stdout).unwrap()
}

/// The subcommands a help text lists (not `help`).
fn subcommands(help: &str) -> Vec<String> {
    help.lines()
        .skip_while(|l| !l.starts_with("Commands:"))
        .skip(1)
        .take_while(|l| l.starts_with("  "))
        .filter(|l| !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|name| *name != "help")
        .map(str::to_owned)
        .collect()
}

/// The long options a help text lists (`--api-key`), but `--help` and `--version`.
fn long_options(help: &str) -> Vec<String> {
    help.lines()
        .map(str::trim_start)
        .filter(|l| l.starts_with('-'))
        .flat_map(|l| {
            l.split([' ', ','])
                .take_while(|t| {
                    t.is_empty() || t.starts_with('-') || t.starts_with('<') || t.starts_with('[')
                })
                .filter(|t| t.starts_with("--"))
                .map(|t| t.trim_end_matches("...").to_owned())
                .collect::<Vec<_>>()
        })
        .filter(|o| o != "--help" && o != "--version")
        .collect()
}

/// The text of docs/cli.md's sections (`## ` or `### `, each with what is under it) whose titles
/// start with one of `titles`.
fn sections(doc: &str, titles: &[&str]) -> String {
    let mut text = String::new();
    let mut kept_level = None;
    for line in doc.lines() {
        let level = line.chars().take_while(|c| *c == '#').count();
        if (2..=3).contains(&level) && line[level..].starts_with(' ') {
            let title = line[level..].trim();
            if kept_level.is_some_and(|kept| level <= kept) {
                kept_level = None;
            }
            if kept_level.is_none() && titles.iter().any(|t| title.starts_with(t)) {
                kept_level = Some(level);
            }
        }
        if kept_level.is_some() {
            text.push_str(line);
            text.push('\n');
        }
    }
    text
}

#[test]
fn every_option_in_help_is_in_the_cli_guide() {
    let doc = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md")).unwrap();
    // Where each command's options are documented; options shared by many commands (the global
    // ones, the password and passphrase sources) are documented once, in their own sections.
    let shared = sections(&doc, &["Global options", "Passwords"]);
    let places: &[(&str, &[&str])] = &[
        ("certificates", &["Certificates"]),
        ("keys", &["Keys"]),
        ("identities", &["Identities", "Keychains"]),
        ("keychain", &["Keychains"]),
        ("auth", &["Auth"]),
        ("team", &["Team stores"]),
        ("sandbox", &["Demo, sandbox"]),
        ("demo", &["Demo, sandbox"]),
        ("completions", &["Demo, sandbox"]),
        ("man", &["Demo, sandbox"]),
    ];
    let top = help_of(&[]);
    let mut missing = Vec::new();
    for group in subcommands(&top) {
        let (_, titles) = places
            .iter()
            .find(|(g, _)| *g == group)
            .unwrap_or_else(|| panic!("command {group} has no section of docs/cli.md in this test"));
        let own = sections(&doc, titles);
        let mut commands = vec![vec![group.clone()]];
        while let Some(path) = commands.pop() {
            let args: Vec<&str> = path.iter().map(String::as_str).collect();
            let help = help_of(&args);
            for sub in subcommands(&help) {
                let mut deeper = path.clone();
                deeper.push(sub);
                commands.push(deeper);
            }
            for option in long_options(&help) {
                let documented = |text: &str| {
                    text.match_indices(&option).any(|(at, _)| {
                        !text[at + option.len()..]
                            .starts_with(|c: char| c.is_ascii_alphanumeric() || c == '-')
                    })
                };
                if !documented(&own) && !documented(&shared) {
                    missing.push(format!("ascert {} {option}", args.join(" ")));
                }
            }
        }
    }
    for option in long_options(&top) {
        if !sections(&doc, &["Global options"]).contains(&option) {
            missing.push(format!("ascert {option}"));
        }
    }
    missing.sort();
    missing.dedup();
    assert!(
        missing.is_empty(),
        "options not in docs/cli.md:\n{}",
        missing.join("\n")
    );
}
