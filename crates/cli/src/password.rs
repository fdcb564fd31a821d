//! The PKCS#12 password: never from the command line itself. From `--password-file`,
//! `--password-stdin`, `--password-env VAR` (default `ASCERT_P12_PASSWORD`), or a prompt on a terminal;
//! with none of them, a clear error before any work is done.

use std::io::BufRead as _;

use anyhow::{Context as _, Result};
use zeroize::Zeroizing;

use std::path::Path;

use ascert_keystore::{FileMode, write_atomic};
use rand::distr::{Alphanumeric, SampleString as _};

use crate::cli::{PasswordArgs, Pkcs12Args};
use crate::failure::UserError;
use crate::output::Output;
use crate::redact::shown_secret_file;

/// The variable read when no other source is named.
pub(crate) const DEFAULT_ENV: &str = "ASCERT_P12_PASSWORD";

/// The shortest .p12 password accepted without `--allow-weak-password`. A .p12 can be guessed at
/// offline, at the speed of its key derivation: a short password does not hold.
pub(crate) const MIN_LENGTH: usize = 12;

/// The length of a `--generate-password` password: 24 letters and digits, about 143 bits.
const GENERATED_LENGTH: usize = 24;

/// The password of a new .p12 written to `target`: generated (`--generate-password`) and shown
/// once or written to `--password-out`, or read from the source named, then held to the policy.
pub(crate) fn for_new_p12(
    args: &PasswordArgs,
    pkcs12: &Pkcs12Args,
    target: &Path,
    output: &Output,
) -> Result<Zeroizing<String>> {
    if pkcs12.generate_password {
        return generated(pkcs12, target, output);
    }
    let password = resolve(args, output, true)?;
    if password.chars().count() < MIN_LENGTH && !pkcs12.allow_weak_password {
        return Err(UserError::usage(format!(
            "the .p12 password is shorter than {MIN_LENGTH} characters"
        ))
        .hint(
            "a .p12 can be guessed at offline: use a longer password, or --generate-password; \
             --allow-weak-password accepts it anyway",
        )
        .into());
    }
    Ok(password)
}

/// A new random password, shown once on a terminal or written to `--password-out` (0600).
fn generated(pkcs12: &Pkcs12Args, target: &Path, output: &Output) -> Result<Zeroizing<String>> {
    if pkcs12.password_out.is_none() && !output.stderr_is_terminal() {
        return Err(UserError::usage(
            "--generate-password shows the password only on a terminal, and stderr is not one",
        )
        .hint("add --password-out FILE to keep it in a file (0600) instead of a log")
        .into());
    }
    if let Some(path) = &pkcs12.password_out {
        crate::target_file::check_new(path, pkcs12.force)?;
    }
    let password = Zeroizing::new(Alphanumeric.sample_string(&mut rand::rng(), GENERATED_LENGTH));
    match &pkcs12.password_out {
        Some(path) => {
            let mut line = Zeroizing::new(password.as_bytes().to_vec());
            line.push(b'\n');
            write_atomic(path, &line, FileMode::Secret)
                .with_context(|| format!("cannot write the password to {}", path.display()))?;
            output.note(format!(
                "The password of {} is in {} (mode 0600).",
                target.display(),
                path.display()
            ));
        }
        None => output.always_note(format!(
            "Password of {} (shown once; keep it now): {}",
            target.display(),
            password.as_str()
        )),
    }
    Ok(password)
}

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
