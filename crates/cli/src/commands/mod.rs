//! The commands of the `ascert` binary, one module each.

pub(crate) mod sandbox;

use crate::cli::{Cli, Command};

/// Runs the command the user asked for.
pub(crate) fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Command::Sandbox(command) => sandbox::run(command),
    }
}
