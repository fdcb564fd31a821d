//! [`AuthError`]: every way loading a key or signing a token can fail, each saying what to fix.
//!
//! No variant carries key or token material. Where a lower-level error could echo secret bytes (a
//! base64 decoder names the offending character, serde names the unexpected value, keyring-core keeps
//! undecodable secrets in its error), the error is reduced to its safe parts instead of being chained.

use std::path::{Path, PathBuf};
use std::time::Duration;

/// The error type of the platform credential store, as keyring-core reports it.
pub type StoreSource = Box<dyn std::error::Error + Send + Sync>;

/// An error from this crate: a key that cannot be loaded, a setting Apple would reject, a store that
/// cannot be reached, or a token that cannot be signed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuthError {
    /// The key file does not exist.
    #[error(
        "no API key file at {}: check the path, or download the key again from App Store Connect",
        shown_path(path)
    )]
    KeyFileMissing {
        /// The path that was tried.
        path: PathBuf,
    },
    /// The key file is larger than any API key: most likely the wrong file (or a device, or a
    /// stream that does not end).
    #[error(
        "the API key file {} is larger than {} KiB; an App Store Connect key is under 1 KiB",
        shown_path(path),
        limit / 1024
    )]
    KeyFileTooLarge {
        /// The path that was read.
        path: PathBuf,
        /// The most read of a key file, in bytes ([`crate::MAX_KEY_FILE`]).
        limit: usize,
    },
    /// The key file exists but cannot be read.
    #[error("cannot read the API key file {}: {source}", shown_path(path))]
    KeyFileUnreadable {
        /// The path that was tried.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// The key text or file is empty.
    #[error("{origin} is empty: it should hold the .p8 private key Apple let you download once")]
    EmptyKey {
        /// Where the key came from, such as `file /home/me/AuthKey_ABC.p8`.
        origin: String,
    },
    /// An RSA key where a P-256 key was expected.
    #[error(
        "{origin} holds an RSA private key, not an App Store Connect API key: API keys are P-256 (ES256) \
         keys in a .p8 file; is this a certificate signing key?"
    )]
    RsaKey {
        /// Where the key came from.
        origin: String,
    },
    /// An elliptic-curve key on another curve than P-256.
    #[error("{origin} holds a {curve} key: App Store Connect API keys are P-256 (ES256) keys")]
    WrongCurve {
        /// Where the key came from.
        origin: String,
        /// The curve found, such as "P-384".
        curve: &'static str,
    },
    /// A key of an algorithm that is neither EC nor RSA, such as Ed25519.
    #[error("{origin} holds a key of type {algorithm}: App Store Connect API keys are P-256 (ES256) keys")]
    UnsupportedKeyAlgorithm {
        /// Where the key came from.
        origin: String,
        /// The algorithm found, or its object identifier when unknown.
        algorithm: String,
    },
    /// A password-protected PKCS#8 key.
    #[error(
        "{origin} holds an encrypted (password-protected) private key: use the unencrypted .p8 file \
         as Apple hands it out, or decrypt it with `openssl pkcs8 -in key.p8 -out AuthKey.p8`"
    )]
    EncryptedKey {
        /// Where the key came from.
        origin: String,
    },
    /// A certificate where a private key was expected.
    #[error(
        "{origin} holds a certificate, not a private key: use the AuthKey_<KEYID>.p8 file downloaded \
         from App Store Connect > Users and Access > Integrations"
    )]
    CertificateNotKey {
        /// Where the key came from.
        origin: String,
    },
    /// Text or bytes that are no private key at all.
    #[error(
        "{origin} is not a private key: expected a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) as in \
         Apple's .p8 file{hint}"
    )]
    NotAKey {
        /// Where the key came from.
        origin: String,
        /// An extra hint, such as what the PEM label was; empty or starting with "; ".
        hint: String,
    },
    /// Text that should be base64 but is not.
    #[error("{origin} is not valid base64: it should be the base64 of the .p8 file (`base64 -i AuthKey.p8`)")]
    InvalidBase64 {
        /// Where the text came from.
        origin: String,
    },
    /// A key id that is not 10 upper-case letters and digits.
    #[error(
        "{key_id} is not an App Store Connect key id: expected 10 upper-case letters and digits, \
         such as 2X9R4HXF34 (see Users and Access > Integrations)"
    )]
    InvalidKeyId {
        /// The key id as given, quoted; or only its length when it is too long to be an id (a key
        /// pasted into the wrong variable must not be repeated).
        key_id: String,
    },
    /// An issuer id that is not a UUID.
    #[error(
        "{issuer_id} is not an App Store Connect issuer id: expected a UUID such as \
         57246542-96fe-1a63-e053-0824d011072a (shown above the team keys in Users and Access > Integrations)"
    )]
    InvalidIssuerId {
        /// The issuer id as given, quoted; or only its length when it is too long to be an id.
        issuer_id: String,
    },
    /// A team key (or enterprise key) given without its issuer id.
    #[error(
        "{origin} is a team key but has no issuer id: add the issuer id shown above the team keys in \
         App Store Connect > Users and Access > Integrations"
    )]
    MissingIssuerId {
        /// Where the key came from.
        origin: String,
    },
    /// A key given without an issuer id where leaving it out does not say the key is an individual
    /// key (ascert's `ASC_*` variables, a bare `.p8`): a team key whose issuer id was forgotten
    /// would otherwise fail with a 401 at the first request.
    #[error(
        "{origin} has no issuer id: give the issuer id of a team key (shown above the team keys in App Store \
         Connect > Users and Access > Integrations), or {declare} if it is an individual key"
    )]
    IssuerIdOrIndividual {
        /// Where the key came from.
        origin: String,
        /// How to say that the key is an individual key, such as `ASC_INDIVIDUAL_KEY=1`.
        declare: &'static str,
    },
    /// A token lifetime longer than Apple accepts.
    #[error("a token lifetime of {}s is too long: Apple rejects tokens that live more than {}s (20 minutes)",
        .requested.as_secs(), .max.as_secs())]
    LifetimeTooLong {
        /// The lifetime asked for.
        requested: Duration,
        /// The longest lifetime allowed.
        max: Duration,
    },
    /// A token lifetime too short to leave room for clock skew and renewal.
    #[error("a token lifetime of {}s is too short: use at least {}s", .requested.as_secs(), .min.as_secs())]
    LifetimeTooShort {
        /// The lifetime asked for.
        requested: Duration,
        /// The shortest lifetime allowed.
        min: Duration,
    },
    /// A JSON key file or stored credential that is not valid JSON or lacks the expected shape.
    #[error("{origin} is not a valid {format} JSON key: {problem} at line {line}, column {column}")]
    InvalidJson {
        /// Where the JSON came from.
        origin: String,
        /// The format expected, such as "fastlane" or "rcodesign".
        format: &'static str,
        /// What is wrong, without any value from the document.
        problem: &'static str,
        /// The line of the problem, 1-based.
        line: usize,
        /// The column of the problem, 1-based.
        column: usize,
    },
    /// A required field of a JSON key is missing or empty.
    #[error("{origin} has no {field:?}: the {format} JSON key format requires it")]
    MissingField {
        /// Where the JSON came from.
        origin: String,
        /// The format expected.
        format: &'static str,
        /// The missing field.
        field: &'static str,
    },
    /// One environment variable of a family is set but another one it needs is not.
    #[error("{present} is set but {missing} is not: set {missing} too, or unset the {family} variables")]
    MissingEnv {
        /// The family of variables, such as "ASC_*".
        family: &'static str,
        /// A variable of the family that is set.
        present: &'static str,
        /// The variable that is needed.
        missing: &'static str,
    },
    /// An environment variable whose value cannot be used.
    #[error("environment variable {var} {problem}")]
    InvalidEnv {
        /// The variable.
        var: String,
        /// What is wrong, such as "is not valid UTF-8".
        problem: &'static str,
    },
    /// No `AuthKey_<KEYID>.p8` file in the folders Apple's tools search.
    #[error(
        "no AuthKey_{key_id}.p8 found; looked in: {}; put the key in one of them or give its path",
        searched_list(.searched)
    )]
    KeyNotFound {
        /// The key id looked for.
        key_id: String,
        /// Every path that was tried, in order.
        searched: Vec<PathBuf>,
    },
    /// The OS credential store cannot be used on this machine.
    #[error("the OS credential store is not available: {reason}")]
    StoreUnavailable {
        /// Why, in words.
        reason: String,
        /// The platform's own error, when there is one.
        #[source]
        source: Option<StoreSource>,
    },
    /// No key is saved under this profile name.
    #[error("no API key saved under profile {profile:?} in the OS credential store")]
    ProfileNotFound {
        /// The profile name.
        profile: String,
    },
    /// A profile name that stores cannot hold.
    #[error("{profile} is not a usable profile name: use 1 to 64 letters, digits, '-', '_' or '.'")]
    InvalidProfile {
        /// The profile name, quoted; or only its length when it is too long.
        profile: String,
    },
    /// The credential store failed while saving, loading or deleting.
    #[error("the OS credential store failed to {action} profile {profile:?}: {reason}")]
    StoreFailed {
        /// What was attempted: "save", "load" or "delete".
        action: &'static str,
        /// The profile name.
        profile: String,
        /// Why, in words.
        reason: String,
        /// The platform's own error, when there is one.
        #[source]
        source: Option<StoreSource>,
    },
    /// Signing a token failed.
    #[error("cannot sign the App Store Connect token: {source}")]
    Signing {
        /// What the JWT library said (kept boxed, so that its type is not part of this API).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// Quotes an id for an error message, or gives only its length when it is longer than `max` or
/// spans lines: then it is likely a key pasted in the wrong place, and no part of it is repeated.
pub(crate) fn shown_id(text: &str, max: usize) -> String {
    let count = text.chars().count();
    if count <= max && !text.chars().any(char::is_whitespace) {
        format!("{text:?}")
    } else {
        format!("a value of {count} characters (not shown)")
    }
}

/// Whether `text` looks like key material rather than a name, an id or a path: it spans lines,
/// holds a PEM armour line's dashes or an age secret key, or is a long run of base64 (mixed case
/// and digits, no dot) or of bech32 (the body of an age secret key).
///
/// ascert never repeats such text in a message: a key pasted where a path or an id belongs is
/// described ("a value of 64 characters") instead of quoted. Programs that show values their
/// users typed can use the same test.
///
/// ```
/// assert!(ascert_auth::looks_like_key_text("-----BEGIN PRIVATE KEY-----"));
/// assert!(!ascert_auth::looks_like_key_text("/home/jane/keys/AuthKey_2X9R4HXF34.p8"));
/// assert!(!ascert_auth::looks_like_key_text("57246542-96fe-1a63-e053-0824d011072a"));
/// ```
#[must_use]
pub fn looks_like_key_text(text: &str) -> bool {
    let base64_run = text.len() >= 40
        && !text.contains('.')
        && text
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'+' | b'/' | b'='))
        && text.bytes().any(|b| b.is_ascii_uppercase())
        && text.bytes().any(|b| b.is_ascii_lowercase())
        && text.bytes().any(|b| b.is_ascii_digit());
    // The bech32 body of an age secret key (its AGE-SECRET-KEY-1 prefix cut off): one case, letters
    // and digits only, no path separator, and letters past F (so not a hex digest).
    let bech32_run = text.len() >= 40
        && text.bytes().all(|b| b.is_ascii_alphanumeric())
        && (!text.bytes().any(|b| b.is_ascii_lowercase()) || !text.bytes().any(|b| b.is_ascii_uppercase()))
        && text
            .bytes()
            .any(|b| matches!(b.to_ascii_uppercase(), b'G'..=b'Z'));
    text.contains(['\n', '\r'])
        || bech32_run
        || text.contains("-----")
        || text.to_ascii_uppercase().contains("AGE-SECRET-KEY-")
        || base64_run
}

/// Shows a path in an error message, unless it looks like key text pasted where a path belongs.
pub(crate) fn shown_path(path: &Path) -> String {
    let text = path.to_string_lossy();
    if looks_like_key_text(&text) {
        format!(
            "a path of {} characters that looks like key text, not a file name (not shown)",
            text.chars().count()
        )
    } else {
        path.display().to_string()
    }
}

fn searched_list(paths: &[PathBuf]) -> String {
    paths.iter().map(|p| shown_path(p)).collect::<Vec<_>>().join(", ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn key_not_found_lists_every_path_in_order() {
        let err = AuthError::KeyNotFound {
            key_id: "ABCDE12345".into(),
            searched: vec!["a/AuthKey_ABCDE12345.p8".into(), "b/AuthKey_ABCDE12345.p8".into()],
        };
        assert_eq!(
            err.to_string(),
            "no AuthKey_ABCDE12345.p8 found; looked in: a/AuthKey_ABCDE12345.p8, b/AuthKey_ABCDE12345.p8; \
             put the key in one of them or give its path"
        );
    }

    #[test]
    fn lifetime_errors_speak_in_seconds() {
        let err = AuthError::LifetimeTooLong {
            requested: Duration::from_secs(1500),
            max: Duration::from_secs(1200),
        };
        assert_eq!(
            err.to_string(),
            "a token lifetime of 1500s is too long: Apple rejects tokens that live more than 1200s (20 minutes)"
        );
    }

    #[test]
    fn long_ids_are_not_shown() {
        assert_eq!(shown_id("ABC", 24), "\"ABC\"");
        assert_eq!(
            shown_id("-----BEGIN PRIVATE KEY-----\nMIGH", 100),
            "a value of 32 characters (not shown)"
        );
        assert_eq!(
            shown_id(&"A".repeat(25), 24),
            "a value of 25 characters (not shown)"
        );
    }
}
