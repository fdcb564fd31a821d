//! Text for messages: what a store holds made safe to print, long text shortened, times as people
//! read them. A leaf: the errors, the records and the lease protocol all use it.

use time::OffsetDateTime;

/// Text read from a store (a member's name, a lease holder, who pushed), made safe to print: control
/// characters (escape sequences, new lines) are shown escaped, so that a store's content cannot forge
/// log lines or hide a row of a table.
pub fn printable(text: &str) -> std::borrow::Cow<'_, str> {
    // Bidirectional overrides reorder what a terminal shows without being control characters.
    let hidden = |c: char| c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}');
    if !text.chars().any(hidden) {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut shown = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if hidden(c) {
            shown.extend(c.escape_default());
        } else {
            shown.push(c);
        }
    }
    std::borrow::Cow::Owned(shown)
}

/// Shortens long free text (a public key given as a recipient) for messages.
pub(crate) fn shorten(text: &str) -> String {
    const MAX: usize = 60;
    let text = text.trim();
    if text.chars().count() <= MAX {
        text.to_owned()
    } else {
        let head: String = text.chars().take(MAX).collect();
        format!("{head}…")
    }
}

/// A time as `2026-12-01 10:00:00 UTC`, for messages.
pub(crate) fn display_time(time: OffsetDateTime) -> String {
    let format = time::macros::format_description!("[year]-[month]-[day] [hour]:[minute]:[second] UTC");
    time.to_offset(time::UtcOffset::UTC)
        .format(format)
        .unwrap_or_else(|_| time.to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_from_a_store_are_shown_escaped() {
        assert_eq!(printable("ci@runner-7"), "ci@runner-7");
        let forged = "ci\u{1b}[2K\rerror: fake\nline";
        let shown = printable(forged);
        assert!(!shown.chars().any(char::is_control), "{shown}");
        assert_eq!(shown, "ci\\u{1b}[2K\\rerror: fake\\nline");
        assert_eq!(printable("O'Brien, Zoë"), "O'Brien, Zoë");
        assert_eq!(printable("jane\u{202e}gpj.exe"), "jane\\u{202e}gpj.exe");
    }

    #[test]
    fn long_recipients_are_shortened() {
        let long = "ssh-rsa ".to_owned() + &"A".repeat(400);
        let short = shorten(&long);
        assert_eq!(short.chars().count(), 61);
        assert!(short.ends_with('…'));
        assert_eq!(shorten(" age1abc "), "age1abc");
    }
}
