//! `cargo xtask fuzz [SECONDS]`: builds the cargo-fuzz targets of `fuzz/` and runs each for SECONDS
//! (default 60), one after the other, with its corpus in `fuzz/corpus/<target>`.
//!
//! It needs cargo-fuzz (`cargo install cargo-fuzz`) and works on a stable toolchain by setting
//! `RUSTC_BOOTSTRAP=1` for the sanitizer flags cargo-fuzz passes. A crash stops the run with the
//! target's name; the input that crashed is in `fuzz/artifacts/<target>/`.

use std::path::Path;
use std::process::Command;

use anyhow::{Context, Result, bail};

/// The fuzz targets, as named in fuzz/Cargo.toml.
pub(crate) const TARGETS: &[&str] = &[
    "models_json",
    "keystore_parse",
    "auth_keys",
    "pkcs12_read",
    "transport_headers",
];

/// Runs every target for `seconds` seconds.
pub(crate) fn fuzz(root: &Path, seconds: u64) -> Result<()> {
    let installed = Command::new("cargo")
        .args(["fuzz", "--version"])
        .output()
        .is_ok_and(|o| o.status.success());
    if !installed {
        bail!("cargo-fuzz is not installed: run `cargo install cargo-fuzz` first");
    }
    for target in TARGETS {
        let corpus = root.join("fuzz").join("corpus").join(target);
        std::fs::create_dir_all(&corpus).with_context(|| format!("cannot create {}", corpus.display()))?;
        #[allow(clippy::print_stderr, reason = "progress of the runs goes to stderr")]
        {
            eprintln!("==> fuzz {target} for {seconds} s");
        }
        let status = Command::new("cargo")
            .args(["fuzz", "run", "--fuzz-dir", "fuzz", target])
            .arg(&corpus)
            .arg("--")
            .arg(format!("-max_total_time={seconds}"))
            .arg("-rss_limit_mb=4096")
            .env("RUSTC_BOOTSTRAP", "1")
            .current_dir(root)
            .status()
            .with_context(|| format!("could not start cargo fuzz for {target}"))?;
        if !status.success() {
            bail!("fuzz target {target} failed ({status}); the input is in fuzz/artifacts/{target}/");
        }
    }
    Ok(())
}
