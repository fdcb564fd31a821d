//! [`Inputs`]: what a plan reads from the world — environment variables, secret files, standard
//! input and the person at the terminal — through one service, by one set of rules: every secret
//! from the source its options name, else its default variable, else a prompt on a terminal; one
//! claim on standard input per run; a value given where a variable's name belongs refused without
//! being shown. The world itself is a [`World`]: the process's ([`System`]) or, in tests, a
//! scripted one, so that a command's plan is tested from its argv without a terminal or a network.

use std::path::Path;
use std::sync::Mutex;

use anyhow::{Context as _, Result};
use ascert_transport::Deadline;
use zeroize::Zeroizing;

use crate::failure::UserError;
use crate::input::{self, Input, ReadError};
use crate::output::Output;
use crate::redact::shown_secret_file;

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

/// Two options that would both read standard input.
pub(crate) fn stdin_twice(first: &str, second: &str) -> UserError {
    UserError::usage(format!("{first} and {second} cannot both read standard input"))
        .hint("give one of them through a variable or a file")
}

/// Where inputs come from.
pub(crate) trait World: Sync {
    /// An environment variable.
    fn var(&self, name: &str) -> Option<String>;
    /// A file, whole, at most `input`'s limit, in a buffer wiped when dropped (it may hold a secret).
    fn secret_file(&self, path: &Path, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError>;
    /// Standard input, at most `input`'s limit.
    fn stdin(&self, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError>;
    /// Whether a person is at the terminal to answer a question.
    fn interactive(&self) -> bool;
    /// Asks the person at the terminal for the secret `name` (twice when `confirm`).
    fn prompt(&self, name: &str, confirm: bool) -> Result<Zeroizing<String>>;
}

/// The process's world: its environment, its files, its standard input and its terminal.
pub(crate) struct System<'a> {
    out: Option<&'a Output>,
}

impl World for System<'_> {
    fn var(&self, name: &str) -> Option<String> {
        std::env::var(name).ok()
    }

    fn secret_file(&self, path: &Path, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        input::read_secret(path, input)
    }

    fn stdin(&self, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        input::read_stdin_secret(input)
    }

    fn interactive(&self) -> bool {
        self.out.is_some_and(Output::interactive)
    }

    fn prompt(&self, name: &str, confirm: bool) -> Result<Zeroizing<String>> {
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
}

/// The one service a plan reads inputs through.
pub(crate) struct Inputs<'a> {
    world: Box<dyn World + 'a>,
    /// Moved by the time a person takes to answer a prompt: typing is not the network's time.
    deadline: Option<&'a Deadline>,
    /// The option that holds standard input, once one has claimed it.
    stdin: Mutex<Option<String>>,
}

impl<'a> Inputs<'a> {
    /// The process's inputs; prompts on `out`'s terminal extend `deadline`.
    pub(crate) fn system(out: &'a Output, deadline: &'a Deadline) -> Self {
        Self::from_world(System { out: Some(out) }, Some(deadline))
    }

    /// The process's inputs, where no prompt can be asked.
    pub(crate) fn without_terminal() -> Self {
        Self::from_world(System { out: None }, None)
    }

    /// Inputs from `world`.
    pub(crate) fn from_world(world: impl World + 'a, deadline: Option<&'a Deadline>) -> Self {
        Self {
            world: Box::new(world),
            deadline,
            stdin: Mutex::default(),
        }
    }

    /// An environment variable.
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        self.world.var(name)
    }

    /// Claims standard input for `option` (such as `--password-stdin`): the one rule that lets a
    /// run read it once. Claiming it again for the same option is fine; for another, a usage error
    /// that names both.
    pub(crate) fn claim_stdin(&self, option: &str) -> Result<(), UserError> {
        let mut held = self
            .stdin
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        match held.as_deref() {
            Some(holder) if holder != option => Err(stdin_twice(holder, option)),
            _ => {
                *held = Some(option.to_owned());
                Ok(())
            }
        }
    }

    /// Claims standard input for every option of `options` that is set, in order: a command calls
    /// this with all its `--…-stdin` options before reading anything, so two of them fail at once.
    pub(crate) fn claim_stdin_for(&self, options: &[(&str, bool)]) -> Result<(), UserError> {
        for (option, _) in options.iter().filter(|(_, set)| *set) {
            self.claim_stdin(option)?;
        }
        Ok(())
    }

    /// A secret from the source its options name (`--…-file`, `--…-stdin`, `--…-env`), if one is
    /// named.
    pub(crate) fn named_secret(&self, secret: &Secret<'_>) -> Result<Option<Zeroizing<String>>> {
        let (name, option) = (secret.name, secret.option);
        if let Some(path) = secret.file {
            return self
                .secret_line(path, &format!("the file of the {name}"))
                .map(Some);
        }
        if secret.stdin {
            self.claim_stdin(&format!("--{option}-stdin"))?;
            return self
                .stdin_line(&format!("the {name} from standard input"))
                .map(Some);
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
        let value = self.var(var).ok_or_else(|| {
            UserError::usage(format!("--{option}-env names {var}, which is not set")).hint(format!(
                "export {var}=... first, or use --{option}-file or --{option}-stdin"
            ))
        })?;
        Ok(Some(Zeroizing::new(value)))
    }

    /// A secret from the source named, else its default variable (when `default` allows it), else
    /// `None`: what a plan reads before it knows whether it will need to ask.
    pub(crate) fn given_secret(&self, secret: &Secret<'_>) -> Result<Option<Zeroizing<String>>> {
        if let Some(value) = self.named_secret(secret)? {
            return Ok(Some(value));
        }
        Ok(self.var(secret.default_env).map(Zeroizing::new))
    }

    /// A secret from the source named, else its default variable, else a prompt on a terminal (the
    /// time a person takes to type is added to the deadline); an empty one refused.
    pub(crate) fn secret(&self, secret: &Secret<'_>, confirm: bool) -> Result<Zeroizing<String>> {
        let (name, option) = (secret.name, secret.option);
        let value = if let Some(value) = self.given_secret(secret)? {
            value
        } else if self.world.interactive() {
            let asked = std::time::Instant::now();
            let typed = self.world.prompt(name, confirm);
            if let Some(deadline) = self.deadline {
                deadline.extend(asked.elapsed());
            }
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

    /// A whole secret file as text (a member's key), `subject` naming it in errors.
    pub(crate) fn secret_text(&self, path: &Path, input: Input, subject: &str) -> Result<Zeroizing<String>> {
        let bytes = self
            .world
            .secret_file(path, input)
            .map_err(|e| e.explained(subject))?;
        input::into_text(bytes).map_err(|e| ReadError::Io(e).explained(subject))
    }

    /// A file of public data (a CSR) as text, `subject` naming it in errors.
    pub(crate) fn text(&self, path: &Path, input: Input, subject: &str) -> Result<String> {
        let text = self.secret_text(path, input, subject)?;
        Ok(text.as_str().to_owned())
    }

    /// The first line of a password file, read whole up to [`Input::Password`]'s limit; `subject`
    /// names the file in errors, its path shown only when it cannot be the password itself.
    pub(crate) fn secret_line(&self, path: &Path, subject: &str) -> Result<Zeroizing<String>> {
        let subject = format!("{subject} {}", shown_secret_file(path));
        let bytes = self
            .world
            .secret_file(path, Input::Password)
            .map_err(|err| err.explained(&subject))?;
        input::first_line(&bytes).map_err(|err| err.explained(&subject))
    }

    /// The first line of standard input, read to its end (a line, on a terminal) up to
    /// [`Input::Password`]'s limit; `subject` names it in errors.
    pub(crate) fn stdin_line(&self, subject: &str) -> Result<Zeroizing<String>> {
        let bytes = self.world.stdin(Input::Password).map_err(|err| match err {
            ReadError::TooLarge(kind) => anyhow::Error::new(input::too_large(kind, subject).hint(
                "standard input is read to its end (one line, on a terminal): pipe in the secret alone",
            )),
            ReadError::Io(_) => err.explained(subject),
        })?;
        input::first_line(&bytes).map_err(|err| err.explained(subject))
    }
}

/// Whether `name` has the shape of an environment variable's name: letters, digits and `_`, not
/// starting with a digit.
fn is_variable_name(name: &str) -> bool {
    !name.is_empty()
        && !name.starts_with(|c: char| c.is_ascii_digit())
        && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars
        .next()
        .map(|first| first.to_uppercase().chain(chars).collect())
        .unwrap_or_default()
}

/// A scripted world for tests: variables, files and standard input in memory, and what the person
/// at the terminal types (none: not interactive).
#[cfg(test)]
#[derive(Default)]
pub(crate) struct Scripted {
    pub(crate) vars: std::collections::BTreeMap<String, String>,
    pub(crate) files: std::collections::BTreeMap<std::path::PathBuf, Vec<u8>>,
    pub(crate) stdin: Option<Vec<u8>>,
    pub(crate) typed: Mutex<Vec<String>>,
    pub(crate) interactive: bool,
}

#[cfg(test)]
impl Scripted {
    /// A world with these variables and these files (path, text), not interactive.
    pub(crate) fn with(vars: &[(&str, &str)], files: &[(&str, &str)]) -> Self {
        Self {
            vars: vars
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            files: files
                .iter()
                .map(|(path, text)| (std::path::PathBuf::from(path), text.as_bytes().to_vec()))
                .collect(),
            ..Self::default()
        }
    }
}

#[cfg(test)]
impl World for Scripted {
    fn var(&self, name: &str) -> Option<String> {
        self.vars.get(name).cloned()
    }

    fn secret_file(&self, path: &Path, input: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        let bytes = self.files.get(path).ok_or_else(|| {
            ReadError::Io(std::io::Error::new(
                std::io::ErrorKind::NotFound,
                "No such file or directory (os error 2)",
            ))
        })?;
        if bytes.len() > input.limit() {
            return Err(ReadError::TooLarge(input));
        }
        Ok(Zeroizing::new(bytes.clone()))
    }

    fn stdin(&self, _: Input) -> Result<Zeroizing<Vec<u8>>, ReadError> {
        Ok(Zeroizing::new(self.stdin.clone().unwrap_or_default()))
    }

    fn interactive(&self) -> bool {
        self.interactive
    }

    fn prompt(&self, _: &str, _: bool) -> Result<Zeroizing<String>> {
        let mut typed = self.typed.lock().unwrap();
        anyhow::ensure!(!typed.is_empty(), "nothing typed");
        Ok(Zeroizing::new(typed.remove(0)))
    }
}
