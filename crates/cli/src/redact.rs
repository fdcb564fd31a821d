//! Key text is never echoed: a value from the command line or the environment that looks like key
//! material (a key pasted where a path or an id belongs) is replaced in every failure message
//! ascert prints, clap's usage errors included; paths of files holding secrets are shown only when
//! they look like paths.

use std::borrow::Cow;
use std::path::Path;

/// Whether `text` looks like key material: ascert-auth's test, the one every layer uses.
pub(crate) use ascert_auth::looks_like_key_text;

/// Shows a path in a message, unless it looks like key text pasted where a path belongs.
pub(crate) fn shown_path(path: &Path) -> Cow<'_, str> {
    let text = path.to_string_lossy();
    if looks_like_key_text(&text) {
        Cow::Owned(hidden(&text))
    } else {
        text
    }
}

/// Shows the path of a file that should hold a password, unless it could be the password itself
/// given in its place: a path is shown when it has a folder or an extension.
pub(crate) fn shown_secret_file(path: &Path) -> Cow<'_, str> {
    let has_folder = path.parent().is_some_and(|p| !p.as_os_str().is_empty());
    if has_folder || path.extension().is_some() {
        shown_path(path)
    } else {
        Cow::Borrowed("given (its name is not shown: it has no folder or extension, and may be a password)")
    }
}

fn hidden(text: &str) -> String {
    format!(
        "[{} characters that look like key text, not shown]",
        text.chars().count()
    )
}

/// `message` with every command-line argument and environment variable value that looks like key
/// text replaced.
pub(crate) fn redact_inputs(message: &str) -> String {
    let values = std::env::args_os()
        .skip(1)
        .chain(std::env::vars_os().map(|(_, value)| value))
        .map(|value| value.to_string_lossy().into_owned());
    redact(message, values)
}

fn redact(message: &str, values: impl Iterator<Item = String>) -> String {
    let mut suspects: Vec<String> = values.filter(|v| looks_like_key_text(v)).collect();
    // The longest first, so that a value inside another is not replaced in part.
    suspects.sort_by_key(|v| std::cmp::Reverse(v.len()));
    let mut out = message.to_owned();
    for suspect in suspects {
        if out.contains(&suspect) {
            out = out.replace(&suspect, &hidden(&suspect));
        }
        // clap quotes a value with its line breaks as they are, and serde_json escapes them: look
        // for the escaped form too, and for each line of a value that spans lines.
        let escaped = suspect
            .replace('\\', "\\\\")
            .replace('\n', "\\n")
            .replace('\r', "\\r");
        if out.contains(&escaped) {
            out = out.replace(&escaped, &hidden(&suspect));
        }
        for line in suspect.lines().map(str::trim).filter(|l| l.len() >= 12) {
            if out.contains(line) {
                out = out.replace(line, "[…]");
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    const PEM: &str = "-----BEGIN PRIVATE KEY-----\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg\nyFliEtKQJ8mYDDRz\n-----END PRIVATE KEY-----";

    #[test]
    fn key_text_is_told_from_names_and_paths() {
        assert!(looks_like_key_text(PEM));
        assert!(looks_like_key_text(
            "MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg"
        ));
        assert!(!looks_like_key_text("/home/jane/keys/AuthKey_2X9R4HXF34.p8"));
        assert!(!looks_like_key_text("2X9R4HXF34"));
        assert!(!looks_like_key_text("57246542-96fe-1a63-e053-0824d011072a"));
        assert!(
            !looks_like_key_text("0123456789ABCDEF0123456789ABCDEF01234567"),
            "a SHA-1"
        );
        assert!(looks_like_key_text(
            "ci=AGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ"
        ));
        assert!(
            looks_like_key_text("7ZQ2X5R8ND0W3KJVGF4L9M6SPHTYCEA2UQ7XZ8RN5W0D3KJVGF4L9M"),
            "an age secret key without its prefix"
        );
        assert!(
            !looks_like_key_text("E3B0C44298FC1C149AFBF4C8996FB92427AE41E4649B934CA495991B7852B855"),
            "a SHA-256"
        );
    }

    #[test]
    fn pasted_keys_are_replaced_whole_escaped_or_line_by_line() {
        let values = || [PEM.to_owned(), "certificates".to_owned()].into_iter();
        let clap = format!("error: unexpected argument '{PEM}' found");
        assert_eq!(
            redact(&clap, values()),
            "error: unexpected argument '[119 characters that look like key text, not shown]' found"
        );
        let json = serde_json::json!({ "error": format!("no file {PEM}") }).to_string();
        assert!(!redact(&json, values()).contains("MIGHAgEA"), "{json}");
        let one_line = "no such file: MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg";
        assert_eq!(redact(one_line, values()), "no such file: […]");
        assert_eq!(redact("certificates list", values()), "certificates list");
    }

    #[test]
    fn password_files_are_named_only_when_they_look_like_paths() {
        assert_eq!(shown_secret_file(Path::new("secrets/p12.txt")), "secrets/p12.txt");
        assert_eq!(shown_secret_file(Path::new("p12.txt")), "p12.txt");
        assert!(
            shown_secret_file(Path::new("correct-horse-battery")).starts_with("given (its name is not shown")
        );
    }
}
