//! [`SandboxError`]: what can go wrong when starting or driving a sandbox.

use std::path::PathBuf;

/// A lower-level library's error (rcgen's, rustls's, the JSON parser's), kept as the source of a
/// [`SandboxError`] without naming its type, so that a new major version of that library is not a
/// breaking change here.
pub type BoxedSource = Box<dyn std::error::Error + Send + Sync>;

/// An error starting, configuring or saving a sandbox.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum SandboxError {
    /// A file or folder could not be read or written.
    #[error("could not {action} {}", path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The listening socket could not be opened.
    #[error("could not listen on {address}")]
    Bind {
        /// The address asked for.
        address: String,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// Generating or using a key or certificate failed.
    #[error("could not {action}")]
    Crypto {
        /// What was being done.
        action: &'static str,
        /// The certificate library's error.
        #[source]
        source: BoxedSource,
    },
    /// The TLS configuration could not be built.
    #[error("could not set up TLS")]
    Tls(#[source] BoxedSource),
    /// A state file exists but is not one this sandbox wrote.
    #[error("the state file {} is not valid sandbox state", path.display())]
    InvalidState {
        /// The file.
        path: PathBuf,
        /// What the parser found.
        #[source]
        source: BoxedSource,
    },
    /// A folder for the sandbox's API key that is a symbolic link, another user's, or writable by others.
    #[error("{} cannot hold the sandbox's API key: {reason}", path.display())]
    UnsafeFolder {
        /// The folder.
        path: PathBuf,
        /// What is wrong with it.
        reason: String,
    },
    /// A builder setting is out of range.
    #[error("invalid sandbox setting: {0}")]
    InvalidSetting(String),
    /// The developer website refused a certificate (a CSR with the wrong key, a full slot), with the
    /// reason the API would give.
    #[error("the developer website refused the certificate: {0}")]
    Refused(String),
}
