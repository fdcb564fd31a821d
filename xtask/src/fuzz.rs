//! `cargo xtask fuzz [SECONDS] [TARGET...]`: builds the cargo-fuzz targets of `fuzz/` and runs each
//! (or the ones named) for SECONDS (default 60), one after the other, then prints a table of the
//! executions, coverage and outcome of each. CI runs `cargo xtask fuzz 15`.
//!
//! It needs cargo-fuzz (`cargo install cargo-fuzz`) and works on a stable toolchain by setting
//! `RUSTC_BOOTSTRAP=1` for the sanitizer flags cargo-fuzz passes (cargo-fuzz's defaults otherwise:
//! release build, address sanitizer, debug assertions). Each target's corpus is
//! `fuzz/corpus/<target>`, seeded by [`seeds`] when empty. An input that takes longer than
//! [`TIMEOUT_SECONDS`] counts as a failure like a crash does: a parser must not hang on hostile
//! input. A failure stops the run with the target's name and the end of libFuzzer's report; the
//! input is in `fuzz/artifacts/<target>/`.

mod seeds;

use std::collections::VecDeque;
use std::io::{BufRead as _, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};

use anyhow::{Context, Result, bail};

/// The fuzz targets, as named in fuzz/Cargo.toml.
pub(crate) const TARGETS: &[&str] = &[
    "models_json",
    "keystore_parse",
    "auth_keys",
    "pkcs12_read",
    "transport_headers",
];

/// The longest one input may take, in seconds, before libFuzzer reports it as a hang.
pub(crate) const TIMEOUT_SECONDS: u64 = 10;

/// How many of libFuzzer's last lines a failure shows.
const REPORT_LINES: usize = 120;

/// What one target's run did.
struct Outcome {
    target: &'static str,
    executions: Option<u64>,
    coverage: Option<u64>,
}

/// Runs `cargo xtask fuzz` with its arguments: `[SECONDS] [TARGET...]`.
pub(crate) fn fuzz(root: &Path, args: &[String]) -> Result<()> {
    let (seconds, targets) = parse_args(args)?;
    let installed = Command::new(crate::cargo())
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        bail!("cargo-fuzz is not installed: run `cargo install cargo-fuzz --locked` first");
    }
    let corpus_root = root.join("fuzz").join("corpus");
    let seeded = seeds::ensure(&corpus_root).context("could not write the seed corpus")?;
    if seeded > 0 {
        progress(&format!("wrote {seeded} seed inputs into fuzz/corpus/"));
    }
    progress("building the fuzz targets (the first build compiles every dependency with sanitizers)");
    let status = Command::new(crate::cargo())
        .args(["fuzz", "build", "--fuzz-dir", "fuzz"])
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(root)
        .status()
        .context("could not start cargo fuzz build")?;
    if !status.success() {
        bail!("building the fuzz targets failed ({status})");
    }
    let mut outcomes = Vec::new();
    for target in targets {
        progress(&format!("fuzz {target} for {seconds} s"));
        outcomes.push(run_target(root, target, seconds)?);
    }
    #[allow(clippy::print_stdout, reason = "the table is what the task prints")]
    {
        println!("\n{}", table(&outcomes, seconds));
    }
    Ok(())
}

fn parse_args(args: &[String]) -> Result<(u64, Vec<&'static str>)> {
    let mut seconds = 60;
    let mut targets = Vec::new();
    for (i, arg) in args.iter().enumerate() {
        if let Some(target) = TARGETS.iter().find(|t| **t == arg) {
            targets.push(*target);
        } else if i == 0 {
            seconds = arg.parse().with_context(|| {
                format!(
                    "{arg:?} is neither SECONDS nor a target; the targets are {}",
                    TARGETS.join(", ")
                )
            })?;
        } else {
            bail!(
                "{arg:?} is not a fuzz target; the targets are {}",
                TARGETS.join(", ")
            );
        }
    }
    if seconds == 0 {
        bail!("SECONDS must be at least 1");
    }
    if targets.is_empty() {
        targets.extend_from_slice(TARGETS);
    }
    Ok((seconds, targets))
}

/// Runs one target for `seconds`, reading libFuzzer's report as it goes.
fn run_target(root: &Path, target: &'static str, seconds: u64) -> Result<Outcome> {
    let corpus = root.join("fuzz").join("corpus").join(target);
    std::fs::create_dir_all(&corpus).with_context(|| format!("cannot create {}", corpus.display()))?;
    let mut child = Command::new(crate::cargo())
        .args(["fuzz", "run", "--fuzz-dir", "fuzz", target])
        .arg(&corpus)
        .arg("--")
        .arg(format!("-max_total_time={seconds}"))
        .arg(format!("-timeout={TIMEOUT_SECONDS}"))
        .arg("-rss_limit_mb=4096")
        .arg("-print_final_stats=1")
        .env("RUSTC_BOOTSTRAP", "1")
        .current_dir(root)
        .stderr(Stdio::piped())
        .spawn()
        .with_context(|| format!("could not start cargo fuzz for {target}"))?;
    let stderr = child.stderr.take().context("no stderr from cargo fuzz")?;
    let mut outcome = Outcome {
        target,
        executions: None,
        coverage: None,
    };
    let mut last = VecDeque::with_capacity(REPORT_LINES);
    for line in BufReader::new(stderr).lines() {
        let line = line.context("cannot read cargo fuzz's output")?;
        if let Some(n) = line.strip_prefix("stat::number_of_executed_units:") {
            outcome.executions = n.trim().parse().ok();
        }
        if let Some(cov) = coverage(&line) {
            outcome.coverage = Some(cov);
        }
        if last.len() == REPORT_LINES {
            last.pop_front();
        }
        last.push_back(line);
    }
    let status = child.wait()?;
    if !status.success() {
        #[allow(
            clippy::print_stderr,
            reason = "the end of libFuzzer's report explains the failure"
        )]
        for line in &last {
            eprintln!("{line}");
        }
        bail!("fuzz target {target} failed ({status}); the input is in fuzz/artifacts/{target}/");
    }
    Ok(outcome)
}

/// The edge coverage libFuzzer reports on a status line (`#1234 NEW cov: 567 ft: …`).
fn coverage(line: &str) -> Option<u64> {
    if !line.starts_with('#') {
        return None;
    }
    let rest = &line[line.find(" cov: ")? + " cov: ".len()..];
    rest.split_whitespace().next()?.parse().ok()
}

fn table(outcomes: &[Outcome], seconds: u64) -> String {
    let shown = |n: Option<u64>| n.map_or_else(|| "?".to_owned(), |n| n.to_string());
    let mut lines = vec![
        "| target | seconds | executions | coverage (edges) | crashes or hangs |".to_owned(),
        "| --- | --- | --- | --- | --- |".to_owned(),
    ];
    lines.extend(outcomes.iter().map(|outcome| {
        format!(
            "| `{}` | {seconds} | {} | {} | 0 |",
            outcome.target,
            shown(outcome.executions),
            shown(outcome.coverage)
        )
    }));
    let total: u64 = outcomes.iter().filter_map(|o| o.executions).sum();
    lines.push(format!("| total | | {total} | | 0 |"));
    lines.join("\n")
}

fn progress(message: &str) {
    #[allow(clippy::print_stderr, reason = "progress of the runs goes to stderr")]
    {
        eprintln!("==> {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(list: &[&str]) -> Vec<String> {
        list.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn seconds_and_targets_are_optional() {
        assert_eq!(parse_args(&[]).unwrap(), (60, TARGETS.to_vec()));
        assert_eq!(parse_args(&args(&["15"])).unwrap(), (15, TARGETS.to_vec()));
        assert_eq!(
            parse_args(&args(&["5", "pkcs12_read"])).unwrap(),
            (5, vec!["pkcs12_read"])
        );
        assert_eq!(
            parse_args(&args(&["models_json"])).unwrap(),
            (60, vec!["models_json"])
        );
    }

    #[test]
    fn a_bad_argument_names_the_targets() {
        let err = parse_args(&args(&["15", "nope"])).unwrap_err().to_string();
        assert!(err.contains("transport_headers"), "{err}");
        assert!(parse_args(&args(&["soon"])).is_err());
        assert!(parse_args(&args(&["0"])).is_err());
    }

    #[test]
    fn coverage_comes_from_status_lines_only() {
        assert_eq!(
            coverage("#65536\tpulse  cov: 1234 ft: 2345 corp: 12/3Kb exec/s: 3276 rss: 60Mb"),
            Some(1234)
        );
        assert_eq!(
            coverage("#231\tNEW    cov: 99 ft: 120 corp: 5/40b lim: 4 exec/s: 0 rss: 31Mb"),
            Some(99)
        );
        assert_eq!(
            coverage("INFO: Loaded 1 modules   (4821 inline 8-bit counters)"),
            None
        );
    }
}
