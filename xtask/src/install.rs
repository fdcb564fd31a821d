//! `cargo xtask install`: the README's install line for a clone (`cargo install … --path …`), read
//! from README.md and run as it stands into a temporary root, then the installed `ascert` runs
//! `--version` and the README's first command (`ascert demo`). Part of `cargo xtask ci`, so the
//! README's install section stays true.
//!
//! The install builds into the workspace's target folder (`CARGO_TARGET_DIR`), so it reuses a
//! release build that is already there (`cargo xtask demo`, `cargo xtask bench`) and only copies
//! the binary; on a fresh clone it is the one release build of CI.

use std::path::Path;
use std::process::Command;

use anyhow::{Context as _, Result, bail, ensure};

/// How the README's first command runs ascert from a clone; the installed binary runs the rest.
const CARGO_RUN: &str = "cargo run --release -p ascert -- ";

/// Runs the README's `--path` install into a temporary root and the installed binary.
///
/// # Errors
/// When README.md lacks either command, or the install or a run of the binary fails.
pub(crate) fn run(root: &Path) -> Result<()> {
    let readme = std::fs::read_to_string(root.join("README.md")).context("cannot read README.md")?;
    let install = install_words(&readme)?;
    let first = first_command(&readme)?;
    let work = tempfile::tempdir()?;
    let prefix = work.path().join("root");
    let target = crate::bench::target_dir(root)?;
    progress(&format!(
        "{} --root {} (CARGO_TARGET_DIR={})",
        install.join(" "),
        prefix.display(),
        target.display()
    ));
    let status = Command::new(crate::cargo())
        .args(&install[1..])
        .arg("--root")
        .arg(&prefix)
        .env("CARGO_TARGET_DIR", &target)
        .current_dir(root)
        .status()
        .context("could not start cargo install")?;
    ensure!(status.success(), "the README's install line failed ({status})");

    let binary = prefix.join("bin").join("ascert");
    let size = std::fs::metadata(&binary)
        .with_context(|| format!("cargo install left no {}", binary.display()))?
        .len();
    progress(&format!("installed {} ({size} bytes)", binary.display()));

    // A fresh machine: an empty home and an empty current folder, where the demo writes its .p12.
    let home = work.path().join("home");
    let cwd = work.path().join("cwd");
    std::fs::create_dir_all(&home)?;
    std::fs::create_dir_all(&cwd)?;
    let version = ascert(&binary, &["--version"], &home, &cwd)?;
    ensure!(
        version.starts_with("ascert "),
        "`ascert --version` printed {version:?}"
    );
    progress(&format!("ascert {}", first.join(" ")));
    ascert(&binary, &first, &home, &cwd)?;
    if first.first().map(String::as_str) == Some("demo") {
        ensure!(
            cwd.join("ascert-demo.p12").is_file(),
            "`ascert demo` wrote no ascert-demo.p12 into the current folder"
        );
    }
    Ok(())
}

/// Runs the installed `ascert` with `args`, its output shown, and returns its stdout.
fn ascert(binary: &Path, args: &[impl AsRef<str>], home: &Path, cwd: &Path) -> Result<String> {
    let args: Vec<&str> = args.iter().map(AsRef::as_ref).collect();
    let mut command = Command::new(binary);
    command.args(&args).current_dir(cwd).env("HOME", home);
    // The run must not find the user's own API key: the README's command works without one.
    for (key, _) in std::env::vars_os() {
        let key = key.to_string_lossy();
        if key.starts_with("ASC_") || key.starts_with("APP_STORE_CONNECT_") || key.starts_with("XDG_") {
            command.env_remove(&*key);
        }
    }
    let output = command
        .output()
        .with_context(|| format!("could not start {}", binary.display()))?;
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    #[allow(clippy::print_stderr, reason = "the run's output is part of the step's log")]
    {
        eprint!("{stdout}{}", String::from_utf8_lossy(&output.stderr));
    }
    if !output.status.success() {
        bail!("`ascert {}` failed ({})", args.join(" "), output.status);
    }
    Ok(stdout)
}

/// The words of the README's line that installs from a clone: the first line of a fenced block
/// that starts with `cargo install` and names `--path`, its trailing comment dropped.
fn install_words(readme: &str) -> Result<Vec<String>> {
    let line = code_lines(readme)
        .find(|line| line.starts_with("cargo install ") && line.contains(" --path "))
        .context("README.md shows no `cargo install … --path …` line in a code block")?;
    words(line)
}

/// The README's first command (the first line of its first code block) as `ascert` arguments.
fn first_command(readme: &str) -> Result<Vec<String>> {
    let line = code_lines(readme)
        .find(|line| !line.is_empty() && !line.starts_with('#'))
        .context("README.md has no code block")?;
    let Some(args) = line.strip_prefix(CARGO_RUN) else {
        bail!("README.md's first command is not `{CARGO_RUN}…`: {line:?}");
    };
    words(args)
}

/// The lines inside fenced code blocks, trimmed, in order.
fn code_lines(markdown: &str) -> impl Iterator<Item = &str> {
    let mut inside = false;
    markdown.lines().filter_map(move |line| {
        if line.trim_start().starts_with("```") {
            inside = !inside;
            return None;
        }
        inside.then_some(line.trim())
    })
}

/// A command line's words, up to a ` #` comment. Quotes, `$` and `\` are refused: the line is run
/// without a shell, so it must mean the same with or without one.
fn words(line: &str) -> Result<Vec<String>> {
    let command = line.split_once(" #").map_or(line, |(command, _)| command);
    ensure!(
        !command.contains(['\'', '"', '$', '\\', '`']),
        "{command:?} needs a shell to run; keep the README's command plain"
    );
    Ok(command.split_whitespace().map(str::to_owned).collect())
}

fn progress(message: &str) {
    #[allow(clippy::print_stderr, reason = "progress of the steps goes to stderr")]
    {
        eprintln!("==> install: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const README: &str = "# x\n\n```sh\ncargo run --release -p ascert -- demo   # the job\n\
                          cargo xtask ci\n```\n\nText.\n\n```sh\ncargo install --locked ascert  \
                          # once published\ncargo install --locked --path crates/cli   # a clone\n```\n";

    #[test]
    fn reads_the_install_line_and_the_first_command() {
        assert_eq!(
            install_words(README).unwrap(),
            ["cargo", "install", "--locked", "--path", "crates/cli"]
        );
        assert_eq!(first_command(README).unwrap(), ["demo"]);
    }

    #[test]
    fn the_repository_readme_has_both() {
        let readme = std::fs::read_to_string(crate::workspace_root().join("README.md")).unwrap();
        assert_eq!(install_words(&readme).unwrap()[..2], ["cargo", "install"]);
        assert!(!first_command(&readme).unwrap().is_empty());
    }

    #[test]
    fn refuses_what_needs_a_shell_and_a_readme_without_the_line() {
        assert!(words("cargo install --root \"$HOME\"").is_err());
        assert!(install_words("```sh\ncargo install ascert\n```\n").is_err());
        assert!(first_command("```sh\nascert demo\n```\n").is_err());
    }
}
