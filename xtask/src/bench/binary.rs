//! The size of the binary a user installs: the release `ascert` this bench runs, built with the
//! profile `cargo install` uses (`[profile.release]`), so its size is the installed file's.

use std::path::Path;

use anyhow::{Context as _, Result};

use super::Figures;
use super::report::{Figure, Verdict};

/// Issue 29's limit for the installed binary, in bytes (decimal megabytes: the stricter reading).
const LIMIT: u64 = 25_000_000;

pub(super) fn measure(out: &mut Figures, binary: &Path) -> Result<()> {
    let bytes = std::fs::metadata(binary)
        .with_context(|| format!("cannot read the size of {}", binary.display()))?
        .len();
    out.add(Figure {
        section: "The installed binary",
        what: "size of `ascert` as `cargo install` builds it (symbols kept)".to_owned(),
        value: megabytes(bytes),
        baseline: "-".to_owned(),
        goal: format!("≤ {}", megabytes(LIMIT)),
        verdict: Verdict::of(bytes <= LIMIT),
        // The file `cargo install --locked --path crates/cli` copies: the same profile and build.
        command: "ls -l target/release/ascert".to_owned(),
    });
    Ok(())
}

/// `bytes` in decimal megabytes, with the exact count.
fn megabytes(bytes: u64) -> String {
    #[allow(
        clippy::cast_precision_loss,
        reason = "a file size shown to one decimal place"
    )]
    let mb = bytes as f64 / 1e6;
    format!("{mb:.1} MB ({bytes} bytes)")
}

#[cfg(test)]
mod tests {
    use super::megabytes;

    #[test]
    fn shows_decimal_megabytes_and_the_exact_count() {
        assert_eq!(megabytes(25_000_000), "25.0 MB (25000000 bytes)");
        assert_eq!(megabytes(122_564_776), "122.6 MB (122564776 bytes)");
    }
}
