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
use crate::input::{self, Input, ReadError};
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
    deadline: &Deadline,
) -> Result<Zeroizing<String>> {
    if pkcs12.generate_password {
        return generated(pkcs12, target, output);
    }
    let password = resolve(args, output, true, deadline)?;
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

/// A secret read from the command line's sources: its default variable, its options, and how
/// messages and prompts name it.
pub(crate) struct Secret<'a> {
    /// What messages call it: "password for the .p12", "passphrase".
    pub(crate) name: &'static str,
    /// The variable read when no source is named.
    pub(crate) default_env: &'static str,
    /// The option prefix: `password` for `--password-env` and the rest, `passphrase`.
    pub(crate) option: &'static str,
    /// The variable named with `--…-env`.
    pub(crate) env: Option<&'a str>,
    /// The file named with `--…-file`.
    pub(crate) file: Option<&'a Path>,
    /// `--…-stdin`.
    pub(crate) stdin: bool,
}

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
/// is named: the one set of rules for every secret of every command. A value given where a
/// variable's name belongs (perhaps the secret itself) is refused and never repeated.
pub(crate) fn from_named_source(secret: &Secret<'_>) -> Result<Option<Zeroizing<String>>> {
    let (name, option) = (secret.name, secret.option);
    if let Some(path) = secret.file {
        return from_file(path, &format!("the file of the {name}")).map(Some);
    }
    if secret.stdin {
        return from_stdin(&format!("the {name} from standard input")).map(Some);
    }
    let Some(var) = secret.env else {
        return Ok(None);
    };
    if !is_variable_name(var) {
        // Not a name: perhaps the secret itself, given in the name's place. Never repeat it.
        return Err(UserError::usage(format!(
            "--{option}-env takes the name of an environment variable (such as {}), and the value \
             given is not one (not shown)",
            secret.default_env
        ))
        .hint(format!(
            "put the {name} in a variable and name the variable, or use --{option}-file or --{option}-stdin"
        ))
        .into());
    }
    let value = std::env::var(var).map_err(|_| {
        UserError::usage(format!("--{option}-env names {var}, which is not set")).hint(format!(
            "export {var}=... first, or use --{option}-file or --{option}-stdin"
        ))
    })?;
    Ok(Some(Zeroizing::new(value)))
}

/// Reads a secret from the source the user named, else its default variable, else a prompt on a
/// terminal (the time a person takes to type does not count against `deadline`); refuses an empty
/// one.
pub(crate) fn read(
    secret: &Secret<'_>,
    output: &Output,
    confirm: bool,
    deadline: &Deadline,
) -> Result<Zeroizing<String>> {
    let (name, option) = (secret.name, secret.option);
    let value = if let Some(value) = from_named_source(secret)? {
        value
    } else if let Ok(value) = std::env::var(secret.default_env) {
        Zeroizing::new(value)
    } else if output.interactive() {
        let asked = std::time::Instant::now();
        let typed = prompt(name, confirm);
        deadline.extend(asked.elapsed());
        typed?
    } else {
        return Err(UserError::usage(format!("no {name} was given"))
            .hint(format!(
                "set {}, or use --{option}-env VAR, --{option}-file FILE or --{option}-stdin \
                 (secrets are never taken as arguments)",
                secret.default_env
            ))
            .into());
    };
    if value.is_empty() {
        return Err(UserError::usage(format!("the {name} is empty"))
            .hint("an empty one protects nothing (and macOS refuses .p12 files without a password)")
            .into());
    }
    Ok(value)
}

/// The first line of a password file, read whole up to [`Input::Password`]'s limit; `subject`
/// names the file in errors ("the file of the passphrase"), its path shown only when it cannot be
/// the password itself.
pub(crate) fn from_file(path: &Path, subject: &str) -> Result<Zeroizing<String>> {
    let subject = format!("{subject} {}", shown_secret_file(path));
    let bytes = input::read_secret(path, Input::Password).map_err(|err| err.explained(&subject))?;
    input::first_line(&bytes).map_err(|err| err.explained(&subject))
}

/// The first line of standard input, read to its end (a line, on a terminal) up to
/// [`Input::Password`]'s limit; `subject` names it in errors ("the password from standard input").
pub(crate) fn from_stdin(subject: &str) -> Result<Zeroizing<String>> {
    let bytes =
        input::read_stdin_secret(Input::Password).map_err(|err| match err {
            ReadError::TooLarge(kind) => anyhow::Error::new(input::too_large(kind, subject).hint(
                "standard input is read to its end (one line, on a terminal): pipe in the secret alone",
            )),
            ReadError::Io(_) => err.explained(subject),
        })?;
    input::first_line(&bytes).map_err(|err| err.explained(subject))
}

/// Whether `name` has the shape of an environment variable's name: letters, digits and `_`, not
/// starting with a digit.
fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn prompt(name: &str, confirm: bool) -> Result<Zeroizing<String>> {
    let mut question = dialoguer::Password::new().with_prompt(capitalised(name));
    if confirm {
        question = question.with_confirmation("Repeat it", "They do not match");
    }
    Ok(Zeroizing::new(
        question
            .interact()
            .with_context(|| format!("cannot read the {name}"))?,
    ))
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}
