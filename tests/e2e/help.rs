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
        ("check", &["Check"]),
        ("profiles", &["Profiles"]),
        ("bundle-ids", &["Profiles"]),
        ("devices", &["Profiles"]),
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

/// The variable names (`ASCERT_HOME`, `ASC_KEY_ID`, `APP_STORE_CONNECT_…`) a text mentions.
fn variables(text: &str) -> std::collections::BTreeSet<String> {
    let mut found = std::collections::BTreeSet::new();
    for prefix in ["ASCERT_", "ASC_", "APP_STORE_CONNECT_"] {
        for (at, _) in text.match_indices(prefix) {
            let before = text[..at].chars().next_back();
            if before.is_some_and(|c| c.is_ascii_alphanumeric() || c == '_') {
                continue;
            }
            let name: String = text[at..]
                .chars()
                .take_while(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || *c == '_')
                .collect();
            let name = name.trim_end_matches('_');
            // `ASC_*`, `ASCERT_*`: a family of variables, not one.
            if name != prefix.trim_end_matches('_') {
                found.insert(name.to_owned());
            }
        }
    }
    found
}

/// The text of a man page's section, from its `.SH` line to the next.
fn man_section<'a>(page: &'a str, title: &str) -> &'a str {
    let start = page
        .find(&format!(".SH {title}\n"))
        .unwrap_or_else(|| panic!("no {title} section:\n{page}"));
    let rest = &page[start + 1..];
    &rest[..rest.find("\n.SH ").unwrap_or(rest.len())]
}

#[tokio::test(flavor = "multi_thread")]
async fn the_man_page_has_examples_environment_files_and_exit_status_from_the_guide() {
    let env = Env::start().await;
    let mut command = env.bare();
    command.arg("man");
    let man = run(command).await;
    let page = man.ok();
    assert!(!page.contains(".SH EXTRA"), "clap_mangen's default heading");
    // One preamble (how to typeset an apostrophe), as in any man page.
    assert_eq!(page.matches(".ie \\n(.g").count(), 1);
    let guide = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/cli.md")).unwrap();

    let examples = man_section(page, "EXAMPLES");
    assert!(
        examples.contains("ascert certificates list \\-\\-type DISTRIBUTION"),
        "{examples}"
    );
    assert!(examples.contains(".SS Keys"), "{examples}");

    // The man page and the guide name the same variables.
    let environment = man_section(page, "ENVIRONMENT").replace("\\fB", " ");
    assert_eq!(variables(&environment), variables(&guide), "{environment}");

    let files = man_section(page, "FILES");
    for path in [
        "config.toml",
        "private_keys",
        "<home>/keys/",
        "<home>/ca\\-cache/",
    ] {
        assert!(files.contains(path), "{path}: {files}");
    }

    let status = man_section(page, "\"EXIT STATUS\"");
    for code in ["0", "1", "2", "3", "4", "5", "6", "7", "130", "143"] {
        assert!(
            status.contains(&format!(".TP\n\\fB{code}\\fR\n")),
            "{code}: {status}"
        );
    }
    assert!(status.contains("timed out: the deadline"), "{status}");

    // Pages of subcommands keep the text after their help, under NOTES.
    let dir = env.path("man1");
    let mut command = env.bare();
    command.args(["man", "--out", dir.to_str().unwrap()]);
    run(command).await.ok();
    let man_page = std::fs::read_to_string(dir.join("ascert-man.1")).unwrap();
    assert!(man_page.contains(".SH NOTES\nInstall them all"), "{man_page}");
    let top = std::fs::read_to_string(dir.join("ascert.1")).unwrap();
    assert_eq!(
        top, page,
        "ascert man and ascert man --out write the same top page"
    );
}
