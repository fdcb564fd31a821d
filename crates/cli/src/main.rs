//! The `ascert` binary: parses the command line, runs one command under its deadline until it ends
//! or a signal stops it, and turns its outcome into an exit code and one clear message.

mod apple_errors;
mod cli;
mod commands;
mod config;
mod credentials;
mod duration;
mod exit;
mod failure;
mod input;
mod inputs;
mod issuer_expiry;
mod logging;
mod output;
mod password;
mod redact;
mod stop;
mod target_file;
mod view;

use std::process::ExitCode;

use std::io::Write as _;

use clap::FromArgMatches as _;

fn main() -> ExitCode {
    let parsed = cli::command()
        .try_get_matches()
        .and_then(|mut matches| cli::Cli::from_arg_matches_mut(&mut matches));
    let cli = match parsed {
        Ok(cli) => cli,
        Err(err) => {
            // Help and version go to stdout and succeed; usage errors exit 2, as clap's do.
            let code = ExitCode::from(u8::try_from(err.exit_code()).unwrap_or(2));
            if !err.use_stderr() {
                let _ = err.print();
                return code;
            }
            // clap quotes the offending argument: a key pasted where an option belongs must not be.
            let args: Vec<String> = std::env::args_os()
                .map(|a| a.to_string_lossy().into_owned())
                .collect();
            let message = cli::usage_without_env_options(&err.render().to_string(), &args);
            let _ = write!(std::io::stderr(), "{}", redact::redact_inputs(&message));
            return code;
        }
    };
    let json = cli.global.json;
    let color = cli.global.color;
    logging::init(cli.global.output_settings());
    let mut runtime = tokio::runtime::Builder::new_multi_thread();
    // A command needs one thread for the network (connections, the page fetched ahead, the signal
    // watchdog) beside the one that runs it and writes its output: with a worker per core, the two
    // cores of a small CI runner were shared by three busy threads, and a 10,000-certificate list
    // took 14 % longer (docs/benchmarks.md). The sandbox server keeps a worker per core.
    if !matches!(cli.command, cli::Command::Sandbox(_)) {
        runtime.worker_threads(1);
    }
    let runtime = match runtime.enable_all().build() {
        Ok(runtime) => runtime,
        Err(err) => {
            return failure::report(
                &anyhow::Error::new(err).context("cannot start the async runtime"),
                json,
                color,
                &failure::RunFacts::default(),
            );
        }
    };
    let deadline = ascert_transport::Deadline::after(cli.global.timeout.unwrap_or(stop::DEFAULT_TIMEOUT));
    let cleanup = stop::Cleanup::default();
    let facts = failure::RunFacts::default();
    let outcome = if commands::stops_early(&cli.command) {
        let activity = commands::activity(&cli.command, json);
        // Boxed: the future of the whole command is large, and lives once per process.
        runtime.block_on(async {
            stop::run(
                Box::pin(commands::run(
                    cli,
                    deadline.clone(),
                    cleanup.clone(),
                    facts.clone(),
                )),
                &deadline,
                activity,
                &cleanup,
            )
            .await
        })
    } else {
        runtime.block_on(Box::pin(commands::run(cli, deadline, cleanup, facts.clone())))
    };
    // Background tasks (an embedded sandbox, idle connections) must not hold the exit up.
    runtime.shutdown_background();
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(err) => failure::report(&err, json, color, &facts),
    }
}
