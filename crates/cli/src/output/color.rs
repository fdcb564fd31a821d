//! Colour that means something, and only where a person looks: red for what is expired, revoked or
//! an error, yellow for what expires soon, dim for what is inactive.
//!
//! `--color auto` (the default) colours a stream that is a terminal, unless `NO_COLOR` is set to
//! anything but the empty string (<https://no-color.org>) or `TERM` is `dumb`; `--color never`
//! never colours, `--color always` always does (a pager that shows colour: `| less -R`).

use std::io::IsTerminal as _;

/// `--color`: when output is coloured.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub(crate) enum ColorChoice {
    /// On a terminal, unless `NO_COLOR` is set or `TERM` is `dumb`.
    #[default]
    Auto,
    /// Never.
    Never,
    /// Always, even into a pipe or a file.
    Always,
}

impl ColorChoice {
    /// Whether a stream that `is_terminal` (or not) gets colour.
    pub(crate) fn paints(self, is_terminal: bool) -> bool {
        match self {
            Self::Never => false,
            Self::Always => true,
            Self::Auto => {
                let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
                let dumb = std::env::var_os("TERM").is_some_and(|t| t == "dumb");
                is_terminal && !no_color && !dumb
            }
        }
    }

    /// Whether stderr gets colour.
    pub(crate) fn paints_stderr(self) -> bool {
        self.paints(std::io::stderr().is_terminal())
    }
}

/// What a coloured line or word says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(crate) enum Tone {
    /// Nothing in particular: no colour.
    #[default]
    Normal,
    /// Expired, revoked, an error: red.
    Bad,
    /// Expires within 30 days: yellow.
    Warning,
    /// Inactive: dim.
    Faint,
    /// A hint to act on: bold cyan.
    Hint,
}

impl Tone {
    /// The ANSI SGR parameters of the tone, if it has a colour.
    const fn sgr(self) -> Option<&'static str> {
        match self {
            Self::Normal => None,
            Self::Bad => Some("31"),
            Self::Warning => Some("33"),
            Self::Faint => Some("2"),
            Self::Hint => Some("1;36"),
        }
    }
}

/// Paints text in a tone, or leaves it plain: one per stream, decided once.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Paint {
    enabled: bool,
}

impl Paint {
    /// A painter that colours when `enabled`.
    pub(crate) const fn new(enabled: bool) -> Self {
        Self { enabled }
    }

    /// `text` in the colour of `tone`; as it is without colour, or when empty.
    pub(crate) fn apply(self, tone: Tone, text: &str) -> String {
        match tone.sgr() {
            Some(sgr) if self.enabled && !text.is_empty() => format!("\x1b[{sgr}m{text}\x1b[0m"),
            _ => text.to_owned(),
        }
    }
}

/// The tone of a certificate with `days_left` days of validity left, `active` or not.
pub(crate) fn validity_tone(days_left: Option<i64>, active: Option<bool>) -> Tone {
    match days_left {
        Some(days) if days < 0 => Tone::Bad,
        Some(days) if days <= 30 => Tone::Warning,
        _ if active == Some(false) => Tone::Faint,
        _ => Tone::Normal,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn never_and_always_ignore_the_stream() {
        assert!(!ColorChoice::Never.paints(true));
        assert!(ColorChoice::Always.paints(false));
    }

    #[test]
    fn painting_is_off_by_default_and_leaves_empty_text_alone() {
        assert_eq!(Paint::default().apply(Tone::Bad, "expired"), "expired");
        assert_eq!(Paint::new(true).apply(Tone::Bad, ""), "");
        assert_eq!(Paint::new(true).apply(Tone::Normal, "ok"), "ok");
        assert_eq!(Paint::new(true).apply(Tone::Faint, "no"), "\x1b[2mno\x1b[0m");
    }

    #[test]
    fn expired_is_bad_soon_is_a_warning_inactive_is_faint() {
        assert_eq!(validity_tone(Some(-1), Some(true)), Tone::Bad);
        assert_eq!(validity_tone(Some(0), Some(true)), Tone::Warning);
        assert_eq!(validity_tone(Some(30), Some(false)), Tone::Warning);
        assert_eq!(validity_tone(Some(31), Some(false)), Tone::Faint);
        assert_eq!(validity_tone(Some(31), Some(true)), Tone::Normal);
        assert_eq!(validity_tone(None, None), Tone::Normal);
    }
}
