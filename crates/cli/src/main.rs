//! The `ascert` binary: parses the command line and hands over to one command module.

mod cli;
mod commands;

use std::process::ExitCode;

use clap::Parser as _;

/// Exit code for a failure the user can act on (bad option, port in use, unwritable folder).
const EXIT_FAILURE: u8 = 1;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(error) => {
            #[allow(
                clippy::print_stderr,
                reason = "the binary owns stderr and reports its error there once"
            )]
            {
                eprintln!("error: {error:#}");
            }
            ExitCode::from(EXIT_FAILURE)
        }
    }
}
