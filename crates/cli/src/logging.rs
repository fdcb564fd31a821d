//! Diagnostics on stderr through `tracing`: `-v` for info, `-vv` debug, `-vvv` trace; `RUST_LOG`
//! overrides. Colour as `--color` says: on a terminal, unless `NO_COLOR` is set.

use tracing_subscriber::EnvFilter;

use crate::output::Settings;

pub(crate) fn init(global: Settings) {
    let level = match (global.quiet, global.verbose) {
        (true, _) => "error",
        // With `--json`, stderr carries errors and warnings as JSON objects, and no log lines.
        (false, 0) if global.json => "off",
        (false, 0) => "warn",
        (false, 1) => "info",
        (false, 2) => "debug",
        (false, _) => "trace",
    };
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new(level));
    let color = global.color.paints_stderr();
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(color)
        .with_target(global.verbose >= 2)
        .try_init();
}
