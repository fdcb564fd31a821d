//! [`KeychainError`]: what can go wrong talking to the macOS keychain through `security`.
//!
//! No variant holds a password: commands are shown with every secret argument replaced by
//! `********`, and what `security` printed is scrubbed of the secrets it was given.

use std::path::PathBuf;

/// The error type of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeychainError {
    /// `/usr/bin/security` does not exist: this is not macOS.
    #[error("the keychain is only available on macOS (this system is {os}); export a .p12 file instead")]
    OnlyOnMacos {
        /// The running system, as `std::env::consts::OS` names it.
        os: &'static str,
    },
    /// `ASCERT_SECURITY_TOOL` names a program that does not exist or is not an absolute path.
    #[error("ASCERT_SECURITY_TOOL={} is not an absolute path to an existing program", program.display())]
    ToolNotFound {
        /// The path given.
        program: PathBuf,
    },
    /// `ASCERT_SECURITY_TIMEOUT` is not a whole number of seconds from 1 to 3600.
    #[error("ASCERT_SECURITY_TIMEOUT={value:?} is not a number of seconds from 1 to 3600")]
    InvalidTimeout {
        /// The value given, cut to 40 characters.
        value: String,
    },
    /// `security` could not be started.
    #[error("could not run {command}: {source}")]
    Spawn {
        /// The command, secrets replaced by `********`.
        command: String,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// `security` ran and failed.
    #[error("{command} failed ({status}): {stderr}")]
    Failed {
        /// The command, secrets replaced by `********`.
        command: String,
        /// Its exit status.
        status: String,
        /// What it printed on stderr, trimmed, cut to 500 characters, secrets scrubbed.
        stderr: String,
    },
    /// `security` did not finish in time and was killed (with its process group).
    #[error(
        "{command} did not finish within {seconds} s and was stopped; it may have been waiting for a \
         password or for someone to click \"Allow\" (set ASCERT_SECURITY_TIMEOUT to wait longer)"
    )]
    TimedOut {
        /// The command, secrets replaced by `********`.
        command: String,
        /// The limit.
        seconds: u64,
    },
    /// The keychain is locked and no password was given to unlock it.
    #[error(
        "the keychain {} is locked, or refused the change, and ascert may not ask for its password \
         (errSecInteractionNotAllowed); give its password so ascert can unlock it", keychain.display()
    )]
    Locked {
        /// The keychain.
        keychain: PathBuf,
    },
    /// `security` refused the keychain password.
    #[error("the password of the keychain {} is not correct", keychain.display())]
    WrongPassword {
        /// The keychain.
        keychain: PathBuf,
    },
    /// The keychain file does not exist.
    #[error("there is no keychain {}", path.display())]
    NoSuchKeychain {
        /// The path looked for.
        path: PathBuf,
    },
    /// `create` was asked for a keychain that already exists.
    #[error("the keychain {} already exists", path.display())]
    KeychainExists {
        /// The keychain.
        path: PathBuf,
    },
    /// A keychain ascert never deletes: the login keychain, the System keychain, anything under
    /// `/Library/Keychains` or `/System`.
    #[error("ascert never deletes {} ({what})", path.display())]
    Protected {
        /// The keychain.
        path: PathBuf,
        /// What it is: "the login keychain" or "a keychain of the system".
        what: &'static str,
    },
    /// Neither `login.keychain-db` nor `login.keychain` is in `~/Library/Keychains`.
    #[error("no login keychain in {}", folder.display())]
    NoLoginKeychain {
        /// The folder searched.
        folder: PathBuf,
    },
    /// `set-key-partition-list` found no key with the imported key's public key hash under any of
    /// the labels the importer gives.
    #[error(
        "the key was imported, but set-key-partition-list found no key with public key hash {key_hash} \
         labelled {labels:?} in {}; run `{command}` to allow codesign for every signing key of that keychain",
        keychain.display()
    )]
    PartitionKeyNotFound {
        /// The keychain.
        keychain: PathBuf,
        /// SHA-1 of the key's public key, upper-case hex.
        key_hash: String,
        /// The labels tried.
        labels: Vec<String>,
        /// The command that sets the partition list of every signing key (password shown as a placeholder).
        command: String,
    },
    /// The import succeeded but `security find-identity` does not list the identity.
    #[error(
        "the identity with certificate SHA-1 {sha1} was imported into {} but `security find-identity -p codesigning` \
         does not list it", keychain.display()
    )]
    NotListed {
        /// The certificate SHA-1, upper-case hex.
        sha1: String,
        /// The keychain.
        keychain: PathBuf,
    },
    /// No identity with this certificate SHA-1 in the keychain.
    #[error("no identity with certificate SHA-1 {sha1} in {}", keychain.display())]
    NotFound {
        /// The SHA-1 asked for, upper-case hex.
        sha1: String,
        /// The keychain searched.
        keychain: PathBuf,
    },
    /// `$HOME` is unset, so `~/Library/Keychains` cannot be found.
    #[error("HOME is not set, so ~/Library/Keychains cannot be found; name a keychain file by its path")]
    NoHome,
    /// A temporary file for `security` could not be written.
    #[error("cannot write the temporary {what} for security: {source}")]
    TempFile {
        /// Which file.
        what: &'static str,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
    /// The new keychain file's mode could not be set to 0600.
    #[error("cannot make {} private (chmod 600): {source}", path.display())]
    Permissions {
        /// The keychain.
        path: PathBuf,
        /// What the system said.
        #[source]
        source: std::io::Error,
    },
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
    /// A Security framework call failed (the macOS `framework` module): its `OSStatus`, a number
    /// that, unlike `security`'s localized messages, means the same on every Mac.
    #[error(
        "could not {operation}{}: OSStatus {code}{}",
        path.as_ref().map(|p| format!(" the keychain {}", p.display())).unwrap_or_default(),
        name.map(|n| format!(" ({n})")).unwrap_or_default()
    )]
    Status {
        /// What was being done, as a verb phrase ("unlock", "search for identities in").
        operation: &'static str,
        /// The keychain, when the call was about one.
        path: Option<PathBuf>,
        /// The `OSStatus` (`errSecErrnoBase` 100000 plus the errno for a failed system call).
        code: i32,
        /// Its name in Apple's `SecBase.h`, for the codes ascert knows.
        name: Option<&'static str>,
    },
}

/// Result alias for this crate.
pub type Result<T, E = KeychainError> = std::result::Result<T, E>;
