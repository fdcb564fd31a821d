//! `cargo xtask`: the one entry point for the project's automation.
//!
//! - `cargo xtask ci`: everything CI checks, in the order that fails fastest: formatting, clippy with
//!   warnings denied, the docs with warnings denied, then the tests (cargo-nextest when installed)
//!   and the doctests. ascert-keychain, whose macOS integration tests run only on a Mac, is
//!   type-checked (tests included) and linted for both macOS targets (`rustup target add` is run
//!   first).
//! - `cargo xtask demo`: runs `ascert demo` against the embedded sandbox.
//! - `cargo xtask bench [--quick]`: measures ascert end to end against the sandbox (release build)
//!   and writes docs/benchmarks.md; see [`bench`](mod@bench). `ci` never runs it.
//! - `cargo xtask fuzz [SECONDS] [TARGET...]`: runs each cargo-fuzz target of fuzz/; see
//!   [`fuzz`](mod@fuzz). Not in `ci`: `.ci/run` runs `cargo xtask fuzz 15` after it.

mod bench;
mod fuzz;

use std::path::{Path, PathBuf};
use std::process::{Command, ExitCode};

use anyhow::{Context, Result, bail};

fn main() -> ExitCode {
    match run() {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => {
            #[allow(clippy::print_stderr, reason = "xtask reports its own failures")]
            {
                eprintln!("xtask: {err:#}");
            }
            ExitCode::FAILURE
        }
    }
}

fn run() -> Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let root = workspace_root();
    match args.first().map(String::as_str) {
        Some("ci") => ci(&root),
        Some("demo") => demo(&root),
        Some("fuzz") => fuzz::fuzz(&root, &args[1..]),
        Some("bench") => bench::run(&root, &args[1..]),
        Some("-h" | "--help") | None => {
            print_help();
            Ok(())
        }
        Some(other) => bail!("unknown task {other:?}; run `cargo xtask --help` for the list"),
    }
}

#[allow(clippy::print_stdout, reason = "xtask's help goes to stdout")]
fn print_help() {
    println!(
        "cargo xtask <task>\n\n\
         tasks:\n  \
         ci     formatting, clippy (-D warnings), tests and docs: what CI runs\n  \
         demo   run `ascert demo` against the embedded sandbox\n  \
         fuzz   [SECONDS] [TARGET...] run each cargo-fuzz target of fuzz/ (or those named) for\n         \
         SECONDS (default 60; needs cargo-fuzz); CI runs `fuzz 15`\n  \
         bench  measure ascert against the sandbox (release build) and write docs/benchmarks.md;\n         \
         --quick runs fewer iterations"
    );
}

/// The workspace root: the parent of this crate's folder.
fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .map_or_else(|| PathBuf::from("."), Path::to_path_buf)
}

fn ci(root: &Path) -> Result<()> {
    step(root, "formatting", &["fmt", "--all", "--", "--check"], &[])?;
    step(
        root,
        "clippy",
        &[
            "clippy",
            "--workspace",
            "--all-targets",
            "--locked",
            "--",
            "-D",
            "warnings",
        ],
        &[],
    )?;
    step(
        root,
        "docs",
        &["doc", "--workspace", "--no-deps", "--locked"],
        &[("RUSTDOCFLAGS", "-D warnings")],
    )?;
    macos_checks(root)?;
    if has_nextest(root) {
        step(
            root,
            "tests",
            &["nextest", "run", "--workspace", "--locked", "--no-fail-fast"],
            &[],
        )?;
    } else {
        step(
            root,
            "tests",
            &["test", "--workspace", "--locked", "--lib", "--bins", "--tests"],
            &[],
        )?;
    }
    step(
        root,
        "doctests",
        &["test", "--workspace", "--locked", "--doc"],
        &[],
    )?;
    Ok(())
}

/// The macOS targets whose code CI type-checks (it cannot link or run it here).
const MACOS_TARGETS: [&str; 2] = ["x86_64-apple-darwin", "aarch64-apple-darwin"];

/// Type-checks (tests included) and lints ascert-keychain, whose macOS tests run only on a Mac, for
/// both macOS targets. It builds no C code, so this works on any host once the targets' standard
/// libraries are installed.
fn macos_checks(root: &Path) -> Result<()> {
    let status = Command::new("rustup")
        .args(["target", "add"])
        .args(MACOS_TARGETS)
        .current_dir(root)
        .status()
        .context("could not run rustup to add the macOS targets")?;
    if !status.success() {
        bail!(
            "`rustup target add {}` failed ({status})",
            MACOS_TARGETS.join(" ")
        );
    }
    for target in MACOS_TARGETS {
        // The macOS integration tests (crates/keychain/tests/macos.rs) are compiled only for
        // macOS: this is where Linux CI type-checks them. The CLI (`-p ascert`) cannot be checked
        // so: its TLS and key crates build aws-lc-sys, C code that needs a macOS C toolchain.
        step(
            root,
            &format!("check --tests for {target}"),
            &[
                "check",
                "--tests",
                "-p",
                "ascert-keychain",
                "--locked",
                "--target",
                target,
            ],
            &[],
        )?;
        step(
            root,
            &format!("clippy for {target}"),
            &[
                "clippy",
                "-p",
                "ascert-keychain",
                "--all-targets",
                "--locked",
                "--target",
                target,
                "--",
                "-D",
                "warnings",
            ],
            &[],
        )?;
    }
    Ok(())
}

fn demo(root: &Path) -> Result<()> {
    step(
        root,
        "demo",
        &["run", "--release", "--locked", "-p", "ascert", "--", "demo"],
        &[],
    )
}

fn has_nextest(root: &Path) -> bool {
    Command::new(cargo())
        .args(["nextest", "--version"])
        .current_dir(root)
        .output()
        .is_ok_and(|out| out.status.success())
}

fn cargo() -> String {
    std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned())
}

/// Runs one `cargo` step in the workspace root and fails with its name if it fails.
fn step(root: &Path, name: &str, args: &[&str], env: &[(&str, &str)]) -> Result<()> {
    #[allow(clippy::print_stderr, reason = "progress of the steps goes to stderr")]
    {
        eprintln!("==> {name}: cargo {}", args.join(" "));
    }
    let status = Command::new(cargo())
        .args(args)
        .envs(env.iter().copied())
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start cargo for the {name} step"))?;
    if !status.success() {
        bail!("the {name} step failed ({status})");
    }
    Ok(())
}
