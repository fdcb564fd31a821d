//! Where output goes: results on stdout (a table for people, JSON with `--json`), messages and
//! progress on stderr, colour (`--color`, `NO_COLOR`) and spinners only on a terminal.

pub(crate) mod color;
pub(crate) mod date;
pub(crate) mod table;

use std::io::{self, BufWriter, IsTerminal as _, Write};
use std::time::Duration;

use anyhow::Result;
use indicatif::{ProgressBar, ProgressStyle};
use serde::Serialize;

pub(crate) use color::{ColorChoice, Paint, Tone};
pub(crate) use table::{Column, Row, Table};

/// The width tables fit on a terminal whose width cannot be read.
const FALLBACK_WIDTH: usize = 80;

/// What the global options say about output (`--json`, `-q`, `--wide`, `-v`, `--color`); the
/// grammar (`cli.rs`) makes it, and nothing here reads the command line.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Settings {
    pub(crate) json: bool,
    pub(crate) quiet: bool,
    pub(crate) wide: bool,
    pub(crate) verbose: u8,
    pub(crate) color: ColorChoice,
}

/// A warning as `--json` prints it on stderr: `{"warning":"MESSAGE"}`, on one line.
#[derive(Debug, Serialize)]
struct WarningLine<'a> {
    /// What went wrong, or may have.
    warning: &'a str,
}

/// `message` as the one-line JSON warning of `--json` (`{"warning":"MESSAGE"}`), for warnings that
/// are told where no [`Output`] is at hand (the client's retry notices).
pub(crate) fn warning_line(message: &str) -> String {
    serde_json::to_string(&WarningLine { warning: message })
        .expect("a struct of one string always serializes")
}

/// Serializes `value` with the keys of its objects in alphabetical order, at every depth: for a
/// value of another crate or another report (an App Store Connect certificate, Apple's errors, a
/// keychain install) that a report has always printed that way, where its own fields are in
/// another order. A report's own fields are declared in the order of their keys instead.
///
/// # Errors
///
/// When `value` does not serialize to JSON.
pub(crate) fn sorted<T: Serialize, S: serde::Serializer>(
    value: &T,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serde_json::to_value(value)
        .map_err(serde::ser::Error::custom)?
        .serialize(serializer)
}

/// The output settings of one run.
#[derive(Debug, Clone)]
pub(crate) struct Output {
    /// `--json`: stdout holds JSON and nothing else.
    pub(crate) json: bool,
    /// `-q`: no messages on stderr.
    pub(crate) quiet: bool,
    /// `--wide`: tables in full, however narrow the terminal.
    wide: bool,
    terminal: Terminal,
    /// Colour on stdout (tables).
    stdout_paint: Paint,
    /// Colour on stderr (warnings).
    stderr_paint: Paint,
}

/// Which of the standard streams are terminals.
#[derive(Debug, Clone)]
struct Terminal {
    stdout: bool,
    stderr: bool,
}

impl Output {
    /// Output that says nothing on stderr and paints nothing: for unit tests of what a command
    /// decides.
    #[cfg(test)]
    pub(crate) fn quiet_for_tests() -> Self {
        Self::new(Settings {
            json: false,
            quiet: true,
            wide: false,
            verbose: 0,
            color: ColorChoice::Never,
        })
    }

    pub(crate) fn new(global: Settings) -> Self {
        let terminal = Terminal {
            stdout: io::stdout().is_terminal(),
            stderr: io::stderr().is_terminal(),
        };
        Self {
            json: global.json,
            quiet: global.quiet,
            wide: global.wide,
            stdout_paint: Paint::new(global.color.paints(terminal.stdout)),
            stderr_paint: Paint::new(global.color.paints(terminal.stderr)),
            terminal,
        }
    }

    /// A message for people, on stderr (not with `-q`, nor with `--json`: then stderr carries
    /// only errors and warnings, as JSON).
    pub(crate) fn note(&self, message: impl AsRef<str>) {
        if !self.quiet && !self.json {
            let _ = writeln!(io::stderr().lock(), "{}", message.as_ref());
        }
    }

    /// A warning, on stderr: `warning: MESSAGE` for people, `{"warning": MESSAGE}` on one line with
    /// `--json`; not with `-q`.
    pub(crate) fn warn(&self, message: impl AsRef<str>) {
        if self.quiet {
            return;
        }
        let message = message.as_ref();
        let line = if self.json {
            warning_line(message)
        } else {
            format!("{} {message}", self.stderr_paint.apply(Tone::Warning, "warning:"))
        };
        let _ = writeln!(io::stderr().lock(), "{line}");
    }

    /// A message that must reach the person even with `-q` (a password shown once), on stderr.
    #[allow(
        clippy::unused_self,
        reason = "all output goes through `Output`, so a later setting applies everywhere"
    )]
    pub(crate) fn always_note(&self, message: impl AsRef<str>) {
        let _ = writeln!(io::stderr().lock(), "{}", message.as_ref());
    }

    /// Whether stderr is a terminal (a person reads it, not a log).
    pub(crate) fn stderr_is_terminal(&self) -> bool {
        self.terminal.stderr
    }

    /// Whether a person is at the terminal to answer a question.
    pub(crate) fn interactive(&self) -> bool {
        io::stdin().is_terminal() && self.terminal.stderr
    }

    /// Writes `value` as pretty JSON on stdout.
    #[allow(
        clippy::unused_self,
        reason = "all output goes through `Output`, so a later setting applies everywhere"
    )]
    pub(crate) fn json<T: Serialize + ?Sized>(&self, value: &T) -> Result<()> {
        let mut stdout = io::stdout().lock();
        serde_json::to_writer_pretty(&mut stdout, value)?;
        writeln!(stdout)?;
        stdout.flush()?;
        Ok(())
    }

    /// Writes text on stdout as it is.
    #[allow(
        clippy::unused_self,
        reason = "all output goes through `Output`, so a later setting applies everywhere"
    )]
    pub(crate) fn text(&self, text: &str) -> Result<()> {
        let mut stdout = io::stdout().lock();
        stdout.write_all(text.as_bytes())?;
        stdout.flush()?;
        Ok(())
    }

    /// Prints a table on stdout. On a terminal it fits the terminal's width (`COLUMNS` if set):
    /// the free-text column shortened, then low-value columns dropped, with a note naming them
    /// and `--wide`; piped, or with `--wide`, every value in full.
    pub(crate) fn table(&self, table: &Table) -> Result<()> {
        let width = (self.terminal.stdout && !self.wide).then(terminal_width);
        let rendered = table.render(width, self.stdout_paint);
        let mut stdout = io::stdout().lock();
        for line in &rendered.lines {
            writeln!(stdout, "{line}")?;
        }
        stdout.flush()?;
        drop(stdout);
        if !rendered.dropped.is_empty() {
            self.note(format!(
                "({} left out to fit {} columns: --wide shows every column)",
                rendered.dropped.join(", "),
                width.unwrap_or(FALLBACK_WIDTH)
            ));
        }
        Ok(())
    }

    /// A spinner on stderr for work that may take a while; hidden unless stderr is a terminal.
    pub(crate) fn spinner(&self, message: &str) -> ProgressBar {
        if self.quiet || !self.terminal.stderr {
            return ProgressBar::hidden();
        }
        let spinner = ProgressBar::new_spinner();
        spinner.set_style(
            ProgressStyle::with_template("{spinner} {msg}")
                .unwrap_or_else(|_| ProgressStyle::default_spinner()),
        );
        spinner.set_message(message.to_owned());
        spinner.enable_steady_tick(Duration::from_millis(120));
        spinner
    }
}

/// The terminal's width: `COLUMNS` when set (as clap's help reads it), else the terminal's own,
/// else 80.
fn terminal_width() -> usize {
    std::env::var("COLUMNS")
        .ok()
        .and_then(|c| c.trim().parse::<usize>().ok())
        .filter(|&c| c > 0)
        .or_else(|| terminal_size::terminal_size().map(|(w, _)| usize::from(w.0)))
        .filter(|&c| c > 0)
        .unwrap_or(FALLBACK_WIDTH)
}

/// A JSON array written to stdout one element at a time, so a long list never sits in memory.
///
/// Dropped without [`finish`](Self::finish) (the command was stopped: Ctrl-C, SIGTERM, the
/// deadline, an error mid-list), it flushes the whole elements written so far and leaves the array
/// open: no JSON reader accepts the output as a complete list.
pub(crate) struct JsonArray {
    out: BufWriter<io::Stdout>,
    count: usize,
}

impl JsonArray {
    pub(crate) fn start() -> Result<Self> {
        let mut out = BufWriter::with_capacity(64 * 1024, io::stdout());
        out.write_all(b"[")?;
        Ok(Self { out, count: 0 })
    }

    pub(crate) fn push<T: Serialize>(&mut self, item: &T) -> Result<()> {
        self.out
            .write_all(if self.count == 0 { b"\n  " } else { b",\n  " })?;
        serde_json::to_writer(&mut self.out, item)?;
        self.count += 1;
        Ok(())
    }

    pub(crate) fn finish(mut self) -> Result<usize> {
        self.out
            .write_all(if self.count == 0 { b"]\n" } else { b"\n]\n" })?;
        self.out.flush()?;
        Ok(self.count)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_json_warning_is_one_line_of_one_key() {
        assert_eq!(
            warning_line("retrying \"GET\" in 2 s"),
            r#"{"warning":"retrying \"GET\" in 2 s"}"#
        );
    }

    #[test]
    fn sorted_orders_the_keys_at_every_depth() {
        #[derive(Serialize)]
        struct Inner {
            zeta: u8,
            alpha: u8,
        }
        #[derive(Serialize)]
        struct Outer {
            #[serde(serialize_with = "sorted")]
            inner: Inner,
        }
        assert_eq!(
            serde_json::to_string(&Outer {
                inner: Inner { zeta: 1, alpha: 2 }
            })
            .unwrap(),
            r#"{"inner":{"alpha":2,"zeta":1}}"#
        );
    }
}
