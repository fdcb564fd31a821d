//! `cargo xtask`: the one entry point for the project's automation.
//!
//! - `cargo xtask ci`: everything CI checks, in the order that fails fastest: formatting, clippy with
//!   warnings denied, the docs with warnings denied, then the tests (cargo-nextest when installed)
//!   and the doctests. ascert-keychain, whose macOS integration tests run only on a Mac, is
//!   type-checked (tests included) and linted for both macOS targets (`rustup target add` is run
//!   first). ascert-auth is linted without its default features too (the OS credential store
//!   off), then the examples run against a sandbox ([`examples`]) and every library crate is
//!   packaged and built from its package ([`package`]). Right after the formatting, actionlint
//!   checks the workflows ([`actionlint`](mod@actionlint)); then the README's install line runs
//!   into a temporary root ([`install`](mod@install)), and last, what of the release can be checked
//!   here is checked against that release build ([`release`](mod@release)).
//! - `cargo xtask package`: only the packaging step of `ci`.
//! - `cargo xtask examples`: only the examples step of `ci`.
//! - `cargo xtask actionlint`: only the workflow check of `ci`.
//! - `cargo xtask install`: only the install step of `ci` (a release build).
//! - `cargo xtask release-check`: only the release step of `ci`: package.sh, install.sh and the
//!   Homebrew formula against a release build (it builds one if there is none).
//! - `cargo xtask keychain-identity DIR`: a sandbox-made code-signing identity for the macOS
//!   keychain tests; see [`keychain_identity`].
//! - `cargo xtask demo`: runs `ascert demo` against the embedded sandbox.
//! - `cargo xtask bench [--quick]`: measures ascert end to end against the sandbox (release build)
//!   and writes docs/benchmarks.md; see [`bench`](mod@bench). `ci` never runs it.
//! - `cargo xtask fuzz [SECONDS] [TARGET...]`: runs each cargo-fuzz target of fuzz/; see
//!   [`fuzz`](mod@fuzz). Not in `ci`: `.ci/run` runs `cargo xtask fuzz 15` after it.

mod actionlint;
mod bench;
mod fuzz;
mod install;
mod keychain_identity;
mod release;

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
        Some("package") => package(&root),
        Some("examples") => examples(&root),
        Some("actionlint") => actionlint::run(&root),
        Some("install") => install::run(&root),
        Some("release-check") => release::run(&root),
        Some("keychain-identity") => keychain_identity::run(&args[1..]),
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
         ci       formatting, clippy (-D warnings), tests, docs, examples, packages: what CI runs\n  \
         package  `cargo package` of every library crate, each built from its package (part of ci)\n  \
         examples run the crates' examples against a sandbox (part of ci)\n  \
         actionlint  check .github/workflows with actionlint and shellcheck (part of ci)\n  \
         install  the README's `cargo install --path` into a temporary root, then run it (part of ci)\n  \
         release-check  package.sh, install.sh (sh, dash) and the Homebrew formula against a\n         \
         release build, shellcheck on the scripts (part of ci, after install)\n  \
         keychain-identity DIR  a sandbox-made identity for the macOS keychain tests\n  \
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
    actionlint::run(root)?;
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
    // The OS credential store is a feature of ascert-auth; the code without it is checked too.
    step(
        root,
        "clippy for ascert-auth without the credential store",
        &[
            "clippy",
            "-p",
            "ascert-auth",
            "--no-default-features",
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
    examples(root)?;
    package(root)?;
    // Last: on a fresh clone it is CI's one release build, which the release check reuses.
    install::run(root)?;
    release::run(root)?;
    Ok(())
}

/// The published crates, each after the ascert crates it depends on (dev-dependencies included).
const LIBRARIES: [&str; 11] = [
    "ascert-models",
    "ascert-keychain",
    "ascert-mobileprovision",
    "ascert-sandbox",
    "ascert-auth",
    "ascert-transport",
    "ascert-certificates",
    "ascert-profiles",
    "ascert-keystore",
    "ascert-team",
    "ascert-workflows",
];

/// `cargo package` of every library crate in one invocation, with verification: each `.crate` is
/// unpacked and built on its own, its ascert dependencies resolved from the packages made just
/// before it (cargo's local overlay for crates not yet on crates.io). A file a crate needs that its
/// package lacks, or metadata crates.io would refuse, fails here.
fn package(root: &Path) -> Result<()> {
    let mut args = vec!["package", "--locked"];
    for library in LIBRARIES {
        args.extend(["-p", library]);
    }
    // `--allow-dirty`: CI packages what it checks, committed or not (`cargo xtask ci` runs before a
    // commit too); `.crate` files are never uploaded from here.
    args.push("--allow-dirty");
    forget_earlier_packages(root)?;
    step(root, "package", &args, &[])
}

/// Removes what an earlier `cargo package` left of these crates outside the package folder: cargo
/// serves the packages to each other from a local registry under the same name and version every
/// time, unpacks each into `$CARGO_HOME/registry/src/-HASH/` only once, and reuses its build by
/// that name and version, so after a change to one crate the verification of the next would build
/// against the old one. A fresh clone on a fresh machine (CI) has none of this; a developer's
/// machine does.
fn forget_earlier_packages(root: &Path) -> Result<()> {
    let home = std::env::var_os("CARGO_HOME").map_or_else(
        || std::env::var_os("HOME").map(|home| PathBuf::from(home).join(".cargo")),
        |home| Some(PathBuf::from(home)),
    );
    let Some(sources) = home.map(|home| home.join("registry").join("src")) else {
        return Ok(());
    };
    let Ok(registries) = std::fs::read_dir(&sources) else {
        return Ok(());
    };
    // Local registries are the folders whose name starts with `-` (crates.io's is `index.…`).
    let mut stale = Vec::new();
    for registry in registries.filter_map(|entry| Some(entry.ok()?.path())) {
        if !registry
            .file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with('-'))
        {
            continue;
        }
        for library in LIBRARIES {
            let unpacked = registry.join(format!("{library}-{}", env!("CARGO_PKG_VERSION")));
            if unpacked.is_dir() {
                std::fs::remove_dir_all(&unpacked)
                    .with_context(|| format!("cannot remove {}", unpacked.display()))?;
                stale.push(unpacked);
            }
        }
    }
    // Their builds: the dependency files in target/debug/deps that name a file unpacked there.
    let deps = bench::target_dir(root)?.join("debug").join("deps");
    let Ok(entries) = std::fs::read_dir(&deps) else {
        return Ok(());
    };
    for dep_info in entries.filter_map(|entry| Some(entry.ok()?.path())) {
        if dep_info.extension().is_none_or(|e| e != "d") {
            continue;
        }
        let text = std::fs::read_to_string(&dep_info).unwrap_or_default();
        // A build of a package unpacked from a local registry, whether or not its folder is still
        // there: cargo keeps such a build (and trusts it, registry sources being immutable) after
        // the folder is gone, and would reuse it for the next package of the same version.
        let from_local_registry = text.contains("/registry/src/-")
            && LIBRARIES
                .iter()
                .any(|library| text.contains(&format!("/{library}-{}/", env!("CARGO_PKG_VERSION"))));
        if !from_local_registry
            && !stale
                .iter()
                .any(|unpacked| text.contains(&*unpacked.to_string_lossy()))
        {
            continue;
        }
        let stem = dep_info
            .file_stem()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        for file in [
            format!("{stem}.d"),
            format!("lib{stem}.rlib"),
            format!("lib{stem}.rmeta"),
        ] {
            let _ = std::fs::remove_file(deps.join(file));
        }
    }
    Ok(())
}

/// The examples of the library crates, as a user runs them on a fresh clone: no API key in the
/// environment, so each starts an in-process sandbox. They are built with the whole workspace's
/// features, as the tests were, so nothing is compiled twice.
fn examples(root: &Path) -> Result<()> {
    step(
        root,
        "build the examples",
        &["build", "--workspace", "--examples", "--locked"],
        &[],
    )?;
    let dir = bench::target_dir(root)?.join("debug").join("examples");
    for (name, args) in [
        ("list", &["DEVELOPMENT"][..]),
        ("create", &["--type", "DEVELOPMENT"][..]),
        ("token", &[][..]),
    ] {
        #[allow(clippy::print_stderr, reason = "progress of the steps goes to stderr")]
        {
            eprintln!("==> example {name} {}", args.join(" "));
        }
        let mut command = Command::new(dir.join(name));
        command.args(args).current_dir(root);
        // Every variable ascert-auth reads a key from: the examples must take the sandbox path.
        for (key, _) in std::env::vars_os() {
            let key = key.to_string_lossy();
            if key.starts_with("ASC_") || key.starts_with("APP_STORE_CONNECT_") {
                command.env_remove(&*key);
            }
        }
        let status = command
            .status()
            .with_context(|| format!("could not start the example {name}"))?;
        if !status.success() {
            bail!("the example {name} failed ({status})");
        }
    }
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
