//! The command-line grammar: `ascert <command> ...`, declared with clap.

use clap::{Parser, Subcommand};

use crate::commands::sandbox::SandboxCommand;

/// Manage Apple code-signing certificates through the App Store Connect API.
#[derive(Debug, Parser)]
#[command(name = "ascert", version, about)]
pub(crate) struct Cli {
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Run the App Store Connect sandbox (an emulator of /v1/certificates).
    #[command(subcommand)]
    Sandbox(SandboxCommand),
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
    }
}
