//! `ascert man`: the man pages. `clap_mangen` renders what the grammar says (synopsis, options,
//! subcommands); the top page adds EXAMPLES, ENVIRONMENT, FILES and EXIT STATUS, taken from the
//! guide (docs/cli.md) and the table of files (docs/security.md) wherever they say the same, so the
//! man page and the guide cannot drift apart.

use std::io;
use std::path::Path;

use clap_mangen::Man;
use clap_mangen::roff::{Roff, bold, roman};
use serde::Serialize;

/// The user guide, whose examples and exit codes the top page shows.
const GUIDE: &str = include_str!("../../../../docs/cli.md");
/// The security notes, whose table of files the top page's FILES shows (the keystore's rows).
const SECURITY: &str = include_str!("../../../../docs/security.md");

/// Variables ascert reads itself, beside those the grammar declares (`--home`'s `ASCERT_HOME` and
/// the like, which [`environment`] finds in the command tree): names, then what they do.
const VARIABLES: &[(&str, &str)] = &[
    (
        "ASC_KEY_ID, ASC_ISSUER_ID, ASC_PRIVATE_KEY_PATH, ASC_PRIVATE_KEY, ASC_PRIVATE_KEY_B64",
        "The API key: its id, the issuer id of a team key (none for an individual key), and the .p8 \
         as a path, as PEM text or as base64. A family of variables only half set is an error.",
    ),
    (
        "APP_STORE_CONNECT_API_KEY_*, APP_STORE_CONNECT_API_KEY_PATH",
        "fastlane's variables for the API key (its id, issuer id and key, or the path of its JSON).",
    ),
    (
        "APP_STORE_CONNECT_KEY_IDENTIFIER, APP_STORE_CONNECT_ISSUER_ID, APP_STORE_CONNECT_PRIVATE_KEY",
        "codemagic's variables for the API key.",
    ),
    (
        "ASCERT_CONFIG",
        "The config file to read instead of the platform's (see FILES).",
    ),
    (
        "ASCERT_CA_CERT",
        "A PEM file of CA certificates to trust besides the system's, for a sandbox served over TLS.",
    ),
    (
        "ASCERT_P12_PASSWORD",
        "The password of a .p12 written or read, unless --password-env, --password-file or \
         --password-stdin says otherwise.",
    ),
    (
        "ASCERT_KEY_PASSPHRASE",
        "Encrypts the keystore's private keys at rest, and opens them.",
    ),
    (
        "ASCERT_KEYCHAIN_PASSWORD",
        "The password of a macOS keychain ascert creates or installs into.",
    ),
    (
        "ASCERT_TEAM_PASSPHRASE",
        "The team store's passphrase, for a store opened with one rather than a member key.",
    ),
    (
        "ASCERT_SECURITY_TOOL, ASCERT_SECURITY_TIMEOUT",
        "The `security` program keychain commands run, and how many seconds each call may take.",
    ),
    (
        "SSL_CERT_FILE",
        "A bundle of root certificates to trust besides the system's (behind a TLS-inspecting proxy).",
    ),
    (
        "NO_COLOR",
        "When set, no colour, even on a terminal (--color always overrides it).",
    ),
];

/// The top page (`ascert man`): `clap_mangen`'s sections, then ascert's own.
pub(crate) fn top_page(command: clap::Command) -> Vec<u8> {
    // As `write_pages` has it: no `help` subcommand, which has no page of its own.
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut page = sections(&command, false);
    let mut roff = Roff::new();
    examples(&mut roff);
    environment(&mut roff, &command);
    files(&mut roff);
    exit_status(&mut roff);
    page.extend(without_preamble(&roff));
    page.extend(version(&Man::new(command)));
    page
}

/// A subcommand's page: `clap_mangen`'s sections, with the text after the help under NOTES rather
/// than `clap_mangen`'s "EXTRA".
fn sub_page(command: clap::Command) -> Vec<u8> {
    let mut page = sections(&command, true);
    page.extend(version(&Man::new(command)));
    page
}

/// What `ascert man --out DIR --json` reports.
#[derive(Debug, Serialize)]
pub(crate) struct PagesWritten<'a> {
    /// The folder the pages were written into.
    pub(crate) folder: &'a Path,
    /// The pages' file names, sorted.
    pub(crate) pages: &'a [String],
}

/// Writes `ascert.1` and a page per subcommand, down to the leaves, into `dir`, as
/// `clap_mangen::generate_to` names them; returns the pages' file names.
///
/// # Errors
/// When a page cannot be written.
pub(crate) fn write_pages(command: clap::Command, dir: &Path) -> io::Result<Vec<String>> {
    fn walk(command: clap::Command, dir: &Path, top: bool, names: &mut Vec<String>) -> io::Result<()> {
        for sub in command.get_subcommands().filter(|s| !s.is_hide_set()).cloned() {
            walk(sub, dir, false, names)?;
        }
        let name = Man::new(command.clone()).get_filename();
        let page = if top { top_page(command) } else { sub_page(command) };
        std::fs::write(dir.join(&name), page)?;
        names.push(name);
        Ok(())
    }
    // As `clap_mangen` does: built, each subcommand knows its display name (`ascert-keys-list`).
    let mut command = command.disable_help_subcommand(true);
    command.build();
    let mut names = Vec::new();
    walk(command, dir, true, &mut names)?;
    Ok(names)
}

/// The title, NAME, SYNOPSIS, DESCRIPTION, OPTIONS and SUBCOMMANDS (each where `clap_mangen`'s own
/// `render` has it); with `notes`, the text after the help too.
fn sections(command: &clap::Command, notes: bool) -> Vec<u8> {
    let man = Man::new(command.clone());
    // Writing into a Vec cannot fail.
    let mut out = Vec::new();
    let _ = man.render_title(&mut out);
    let mut rest = Vec::new();
    let _ = man.render_name_section(&mut rest);
    let _ = man.render_synopsis_section(&mut rest);
    let _ = man.render_description_section(&mut rest);
    if command.get_arguments().any(|a| !a.is_hide_set()) {
        let _ = man.render_options_section(&mut rest);
    }
    if command.get_subcommands().any(|s| !s.is_hide_set()) {
        let _ = man.render_subcommands_section(&mut rest);
    }
    if notes && command.get_after_help().is_some() {
        let _ = man.render_extra_section(&mut rest);
    }
    let rest = strip_preambles(&String::from_utf8_lossy(&rest)).replace(".SH EXTRA", ".SH NOTES");
    out.extend(rest.into_bytes());
    out
}

fn version(man: &Man) -> Vec<u8> {
    let mut out = Vec::new();
    let _ = man.render_version_section(&mut out);
    strip_preambles(&String::from_utf8_lossy(&out)).into_bytes()
}

/// Each rendering starts with the same few lines (how to typeset an apostrophe): a page needs
/// them once.
fn strip_preambles(text: &str) -> String {
    let preamble = Roff::new().render();
    text.replace(&preamble, "")
}

fn without_preamble(roff: &Roff) -> Vec<u8> {
    strip_preambles(&roff.render()).into_bytes()
}

/// EXAMPLES: every `sh` block of the guide under its section's title, but the CI recipe (a whole
/// script, in the guide and keychain.md) and the lines that build ascert from source.
fn examples(roff: &mut Roff) {
    roff.control("SH", ["EXAMPLES"]);
    let mut title = "";
    let mut lines = GUIDE.lines().peekable();
    let mut previous = "";
    while let Some(line) = lines.next() {
        if let Some(heading) = line.strip_prefix("## ").or_else(|| line.strip_prefix("### ")) {
            title = heading;
        }
        if line == "```sh" && !previous.starts_with("<!-- ci-recipe") {
            let block: Vec<&str> = lines
                .by_ref()
                .take_while(|l| !l.starts_with("```"))
                .filter(|l| !l.starts_with("cargo "))
                .collect();
            if !block.is_empty() {
                roff.control("SS", [plain(title).as_str()]);
                roff.control("nf", []);
                for line in block {
                    roff.text([roman(line)]);
                }
                roff.control("fi", []);
            }
        }
        previous = line;
    }
}

/// ENVIRONMENT: the order credentials are read in, the variables the grammar declares, then those
/// ascert reads itself.
fn environment(roff: &mut Roff, command: &clap::Command) {
    roff.control("SH", ["ENVIRONMENT"]);
    if let Some(credentials) = command
        .get_after_help()
        .map(ToString::to_string)
        .and_then(|text| {
            text.split("\n\n")
                .find(|p| p.starts_with("Credentials"))
                .map(str::to_owned)
        })
    {
        roff.text([roman(credentials)]);
    }
    let mut declared: Vec<(String, String)> = Vec::new();
    collect_env(command, &mut declared);
    let fixed = VARIABLES
        .iter()
        .map(|(names, meaning)| ((*names).to_owned(), (*meaning).to_owned()));
    for (names, meaning) in declared.into_iter().chain(fixed) {
        roff.control("TP", []);
        roff.text([bold(names)]);
        roff.text([roman(meaning)]);
    }
}

/// The variables options of the command tree are read from, each once, with the option's help.
fn collect_env(command: &clap::Command, found: &mut Vec<(String, String)>) {
    for arg in command.get_arguments() {
        let Some(name) = arg.get_env().and_then(|n| n.to_str()) else {
            continue;
        };
        if found.iter().any(|(n, _)| n == name) {
            continue;
        }
        let help = arg.get_help().map(ToString::to_string).unwrap_or_default();
        found.push((
            name.to_owned(),
            format!("--{}: {help}", arg.get_long().unwrap_or_default()),
        ));
    }
    for sub in command.get_subcommands() {
        collect_env(sub, found);
    }
}

/// FILES: the config file, where API keys are found by name, and the keystore's files from
/// docs/security.md's table.
fn files(roff: &mut Roff) {
    roff.control("SH", ["FILES"]);
    let fixed = [
        (
            "~/.config/ascert/config.toml (Linux), ~/Library/Application Support/ascert/config.toml (macOS)",
            "The config file: profiles of API keys and base URLs; ASCERT_CONFIG names another.",
        ),
        (
            "./private_keys, ~/private_keys, ~/.private_keys, ~/.appstoreconnect/private_keys",
            "Where AuthKey_<KEY_ID>.p8 is looked for, by --key-id or the profile's key_id.",
        ),
    ];
    for (path, meaning) in fixed {
        roff.control("TP", []);
        roff.text([bold(path)]);
        roff.text([roman(meaning)]);
    }
    for row in table_rows(SECURITY, "## Files and their modes") {
        let [path, mode, contents] = row.as_slice() else {
            continue;
        };
        if path.starts_with("<home>") {
            roff.control("TP", []);
            roff.text([bold(path.as_str())]);
            roff.text([roman(format!("{contents} (mode {mode})"))]);
        }
    }
}

/// EXIT STATUS: the guide's table of exit codes.
fn exit_status(roff: &mut Roff) {
    roff.control("SH", ["EXIT STATUS"]);
    for row in table_rows(GUIDE, "## Exit codes") {
        if let [code, meaning] = row.as_slice() {
            roff.control("TP", []);
            roff.text([bold(code.as_str())]);
            roff.text([roman(meaning.as_str())]);
        }
    }
}

/// The body rows of the first Markdown table under `heading`, each cell as plain text.
fn table_rows(markdown: &str, heading: &str) -> Vec<Vec<String>> {
    markdown
        .lines()
        .skip_while(|line| *line != heading)
        .skip(1)
        .skip_while(|line| !line.starts_with('|'))
        .take_while(|line| line.starts_with('|'))
        // The header row and the `| --- |` row.
        .skip(2)
        .map(|line| {
            cells(line.trim().trim_matches('|'))
                .iter()
                .map(|c| plain(c.trim()))
                .collect()
        })
        .collect()
}

/// A table row's cells: split at each `|` outside a code span (`| head` is one cell's text).
fn cells(row: &str) -> Vec<String> {
    let mut cells = vec![String::new()];
    let mut in_code = false;
    for c in row.chars() {
        match c {
            '`' => in_code = !in_code,
            '|' if !in_code => {
                cells.push(String::new());
                continue;
            }
            _ => {}
        }
        if let Some(cell) = cells.last_mut() {
            cell.push(c);
        }
    }
    cells
}

/// Markdown inline text as plain text: no backticks, no emphasis, a link as its text.
fn plain(markdown: &str) -> String {
    let mut text = markdown.replace(['`'], "").replace("**", "");
    // [text](target) → text
    while let (Some(open), Some(middle)) = (text.find('['), text.find("](")) {
        let Some(close) = text[middle..].find(')').map(|at| middle + at) else {
            break;
        };
        if open > middle {
            break;
        }
        text = format!(
            "{}{}{}",
            &text[..open],
            &text[open + 1..middle],
            &text[close + 1..]
        );
    }
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_pages_report_names_the_folder_then_the_pages() {
        let pages = ["ascert-auth.1".to_owned(), "ascert.1".to_owned()];
        let report = PagesWritten {
            folder: Path::new("man/man1"),
            pages: &pages,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "folder": "man/man1",
  "pages": [
    "ascert-auth.1",
    "ascert.1"
  ]
}"#
        );
    }

    #[test]
    fn markdown_becomes_plain_text() {
        assert_eq!(
            plain("**The config file**, `ASCERT_CONFIG`, see [auth.md](auth.md)."),
            "The config file, ASCERT_CONFIG, see auth.md."
        );
    }

    #[test]
    fn the_guide_has_the_tables_the_page_reads() {
        let codes = table_rows(GUIDE, "## Exit codes");
        assert_eq!(codes.first().map(|r| r[0].as_str()), Some("0"));
        assert!(codes[0][1].contains("| head"), "{:?}", codes[0]);
        assert!(codes.iter().any(|r| r[0] == "143"));
        let files = table_rows(SECURITY, "## Files and their modes");
        assert!(files.iter().any(|r| r[0] == "<home>/keys/"), "{files:?}");
    }
}
