//! The PKCS#12 password: never from the command line itself. From `--password-file`,
//! `--password-stdin`, `--password-env VAR` (default `ASCERT_P12_PASSWORD`), or a prompt on a terminal;
//! with none of them, a clear error before any work is done.

use std::io::BufRead as _;

use anyhow::{Context as _, Result};
use zeroize::Zeroizing;

use crate::cli::PasswordArgs;
use crate::failure::UserError;
use crate::output::Output;
use crate::redact::shown_secret_file;

/// The variable read when no other source is named.
pub(crate) const DEFAULT_ENV: &str = "ASCERT_P12_PASSWORD";

/// Reads the password from the source the user named.
pub(crate) fn resolve(args: &PasswordArgs, output: &Output, confirm: bool) -> Result<Zeroizing<String>> {
    let password = if let Some(path) = &args.password_file {
        let text = Zeroizing::new(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read the password file {}", shown_secret_file(path)))?,
        );
        Zeroizing::new(text.lines().next().unwrap_or_default().to_owned())
    } else if args.password_stdin {
        let mut line = Zeroizing::new(String::new());
        std::io::stdin()
            .lock()
            .read_line(&mut line)
            .context("cannot read the password from standard input")?;
        Zeroizing::new(line.trim_end_matches(['\r', '\n']).to_owned())
    } else if let Some(var) = &args.password_env {
        if !is_variable_name(var) {
            // Not a name: perhaps the password itself, given in the name's place. Never repeat it.
            return Err(UserError::usage(
                "--password-env takes the name of an environment variable (such as ASCERT_P12_PASSWORD), \
                 and the value given is not one (not shown)",
            )
            .hint("put the password in a variable and name the variable, or use --password-file or --password-stdin")
            .into());
        }
        Zeroizing::new(std::env::var(var).map_err(|_| {
            UserError::usage(format!("--password-env names {var}, which is not set")).hint(format!(
                "export {var}=... first, or use --password-file or --password-stdin"
            ))
        })?)
    } else if let Ok(value) = std::env::var(DEFAULT_ENV) {
        Zeroizing::new(value)
    } else if output.interactive() {
        prompt(confirm)?
    } else {
        return Err(UserError::usage("no password for the .p12 was given")
            .hint(format!(
                "set {DEFAULT_ENV}, or use --password-env VAR, --password-file FILE or --password-stdin \
                 (passwords are never taken as arguments)"
            ))
            .into());
    };
    if password.is_empty() {
        return Err(UserError::usage("the .p12 password is empty")
            .hint("macOS refuses .p12 files without a password; choose one")
            .into());
    }
    Ok(password)
}

/// Whether `name` has the shape of an environment variable's name: letters, digits and `_`, not
/// starting with a digit.
fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn prompt(confirm: bool) -> Result<Zeroizing<String>> {
    let mut question = dialoguer::Password::new().with_prompt("Password for the .p12");
    if confirm {
        question = question.with_confirmation("Repeat the password", "The passwords do not match");
    }
    Ok(Zeroizing::new(
        question.interact().context("cannot read the password")?,
    ))
}
