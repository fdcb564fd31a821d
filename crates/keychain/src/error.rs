//! [`KeychainError`]: what can go wrong talking to the macOS keychain.

/// The error type of this crate. Passwords never appear in it.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// Called on a system other than macOS.
    #[error("the keychain is only available on macOS (this system is {os}); export a .p12 file instead")]
    OnlyOnMacos {
        /// The running system, as `std::env::consts::OS` names it.
        os: &'static str,
    },
    /// The Security framework refused an operation.
    #[error("keychain {what} failed: {message} (OSStatus {code})")]
    Security {
        /// What was being done, such as "PKCS#12 import".
        what: &'static str,
        /// The `OSStatus` code.
        code: i32,
        /// The framework's description of it.
        message: String,
    },
    /// `/usr/bin/security` could not be started.
    #[error("could not run {command}: {source}")]
    Command {
        /// The program.
        command: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `/usr/bin/security` ran and failed.
    #[error("{command} failed ({status}): {stderr}")]
    CommandFailed {
        /// The program and sub-command (no arguments, which may hold a password).
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr, trimmed.
        stderr: String,
    },
    /// No identity with this certificate SHA-1 in the keychain.
    #[error("no identity with certificate SHA-1 {sha1} in {keychain}")]
    NotFound {
        /// The SHA-1 asked for, upper-case hex.
        sha1: String,
        /// The keychain searched.
        keychain: String,
    },
    /// The PKCS#12 file held no identity (key with its certificate).
    #[error("the PKCS#12 file holds no identity (private key with its certificate)")]
    NoIdentityInPkcs12,
    /// `$HOME` is unset, so the login keychain cannot be found.
    #[error("HOME is not set, so the login keychain cannot be found; name a keychain file instead")]
    NoHome,
    /// Bytes that are not an X.509 certificate.
    #[error("not a valid X.509 certificate: {reason}")]
    InvalidCertificate {
        /// What the parser found.
        reason: String,
    },
    /// A SHA-1 fingerprint that is not 40 hex digits.
    #[error("{value:?} is not a SHA-1 fingerprint (40 hex digits, colons allowed)")]
    InvalidSha1 {
        /// The text given, cut to 80 characters.
        value: String,
    },
}

/// Result alias for this crate.
pub type Result<T, E = KeychainError> = std::result::Result<T, E>;
