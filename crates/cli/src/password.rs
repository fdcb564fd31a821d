//! Passwords and passphrases, never from the command line itself: the .p12 password from
//! `--password-file`, `--password-stdin`, `--password-env VAR` (default `ASCERT_P12_PASSWORD`), or a
//! prompt on a terminal; the passphrase of an exported key likewise from `--passphrase-*` (default
//! `ASCERT_KEY_PASSPHRASE`). With none of them, a clear error before any work is done. A new .p12's
//! password is held to a policy or generated.

use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_transport::Deadline;
use zeroize::Zeroizing;

use ascert_keystore::{FileMode, write_atomic};
use rand::distr::{Alphanumeric, SampleString as _};

use crate::cli::{PassphraseArgs, PasswordArgs, Pkcs12Args};
use crate::failure::UserError;
use crate::inputs::Inputs;
use crate::output::Output;

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
    deadline: &Deadline,
) -> Result<Zeroizing<String>> {
    for_new_p12_from(&Inputs::system(output, deadline), args, pkcs12, target, output)
}

/// [`for_new_p12`], reading through `inputs`.
pub(crate) fn for_new_p12_from(
    inputs: &Inputs<'_>,
    args: &PasswordArgs,
    pkcs12: &Pkcs12Args,
    target: &Path,
    output: &Output,
) -> Result<Zeroizing<String>> {
    if pkcs12.generate_password {
        return generated(pkcs12, target, output);
    }
    let password = inputs.secret(&Secret::p12(args), true)?;
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
    if !password.is_ascii() {
        output.note(non_ascii_warning(target));
    }
    Ok(password)
}

/// The warning for a .p12 password with characters beyond ASCII: `security import -P` converts the
/// password with `CFStringCreateWithCString(…, kCFStringEncodingASCII)` (Apple's
/// `keychain_import.c`), which fails for them, so the file opens in Keychain Access but not in a
/// CI script.
fn non_ascii_warning(target: &Path) -> String {
    format!(
        "warning: the password of {} has characters beyond ASCII: `security import -P` (fastlane's, \
         codemagic's and most CI scripts' way in) cannot pass it, so that import fails; Keychain Access \
         and `ascert identities install` are not affected",
        target.display()
    )
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

pub(crate) use crate::inputs::Secret;

impl<'a> Secret<'a> {
    /// The .p12 password, from `--password-env` (default `ASCERT_P12_PASSWORD`), `--password-file`
    /// or `--password-stdin`.
    pub(crate) fn p12(args: &'a PasswordArgs) -> Self {
        Self {
            name: "password for the .p12",
            default_env: DEFAULT_ENV,
            option: "password",
            env: args.password_env.as_deref(),
            file: args.password_file.as_deref(),
            stdin: args.password_stdin,
        }
    }
}

impl<'a> Secret<'a> {
    /// The passphrase of an exported key, from `--passphrase-env` (default `ASCERT_KEY_PASSPHRASE`),
    /// `--passphrase-file` or `--passphrase-stdin`.
    pub(crate) fn key_passphrase(args: &'a PassphraseArgs) -> Self {
        Self {
            name: "passphrase",
            default_env: ascert_keystore::PASSPHRASE_ENV,
            option: "passphrase",
            env: args.passphrase_env.as_deref(),
            file: args.passphrase_file.as_deref(),
            stdin: args.passphrase_stdin,
        }
    }
}

/// Reads the .p12 password from the source the user named.
pub(crate) fn resolve(
    args: &PasswordArgs,
    output: &Output,
    confirm: bool,
    deadline: &Deadline,
) -> Result<Zeroizing<String>> {
    read(&Secret::p12(args), output, confirm, deadline)
}

/// Reads a secret from the source the user named (`--…-file`, `--…-stdin`, `--…-env`), if one
/// is named: the one set of rules for every secret of every command ([`Inputs::named_secret`]). A
/// value given where a variable's name belongs (perhaps the secret itself) is refused and never
/// repeated.
pub(crate) fn from_named_source(secret: &Secret<'_>) -> Result<Option<Zeroizing<String>>> {
    Inputs::without_terminal().named_secret(secret)
}

/// Reads a secret from the source the user named, else its default variable, else a prompt on a
/// terminal (the time a person takes to type does not count against `deadline`); refuses an empty
/// one ([`Inputs::secret`]).
pub(crate) fn read(
    secret: &Secret<'_>,
    output: &Output,
    confirm: bool,
    deadline: &Deadline,
) -> Result<Zeroizing<String>> {
    Inputs::system(output, deadline).secret(secret, confirm)
}
