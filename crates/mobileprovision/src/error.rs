//! The crate's one error type: what went wrong reading, verifying, installing or removing a
//! provisioning profile.

use std::path::{Path, PathBuf};

/// A `Result` whose error is [`ProfileError`].
pub type Result<T, E = ProfileError> = std::result::Result<T, E>;

/// Why a provisioning profile could not be read, verified, installed or removed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ProfileError {
    /// A file could not be read, written, renamed or removed.
    #[error("cannot {action} {}: {source}", path.display())]
    Io {
        /// What was being done ("read", "create", "remove"...).
        action: &'static str,
        /// The file or folder.
        path: PathBuf,
        /// The system's error.
        #[source]
        source: std::io::Error,
    },
    /// The file is larger than any provisioning profile (they are some tens of kilobytes); it was
    /// not read.
    #[error("{} is {size} bytes, more than the {limit} a provisioning profile may have", path.display())]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// Its size (or the part read before giving up).
        size: u64,
        /// The most accepted ([`MAX_PROFILE_SIZE`](crate::MAX_PROFILE_SIZE)).
        limit: u64,
    },
    /// The path is a folder, a device, a FIFO or anything else than a regular file.
    #[error("{} is not a regular file", path.display())]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// The bytes are not a DER-encoded CMS `ContentInfo`.
    #[error("not a provisioning profile: not a CMS (PKCS#7) structure: {0}")]
    NotCms(#[source] der::Error),
    /// The CMS structure holds something else than `SignedData`.
    #[error("not a provisioning profile: the CMS content is {content_type}, not signed data")]
    NotSignedData {
        /// The content type's object identifier, dotted.
        content_type: String,
    },
    /// The `SignedData` is malformed, carries no content (a detached signature), or content of a
    /// type other than `id-data`.
    #[error("not a provisioning profile: {0}")]
    BadSignedData(String),
    /// The signed content is not a property list.
    #[error("the signed content of the profile is not a property list: {0}")]
    NotPlist(#[source] plist::Error),
    /// The property list lacks a key every profile has.
    #[error("the profile has no {key}")]
    MissingKey {
        /// The property list key (`Name`, `UUID`, `ExpirationDate`, `TeamIdentifier`...).
        key: &'static str,
    },
    /// A key of the property list holds a value of the wrong type.
    #[error("the profile's {key} is not {expected}")]
    WrongType {
        /// The property list key.
        key: &'static str,
        /// What it should be ("a string", "a date"...).
        expected: &'static str,
    },
    /// The profile's UUID cannot name a file (anything else than hexadecimal digits and dashes):
    /// it is never used as a path.
    #[error("the profile's UUID {uuid:?} is not a UUID")]
    InvalidUuid {
        /// The value found.
        uuid: String,
    },
    /// The signature uses an algorithm this crate does not check.
    #[error("unsupported {what}: {oid}")]
    UnsupportedAlgorithm {
        /// Which algorithm ("digest algorithm", "signature algorithm", "public key").
        what: &'static str,
        /// Its object identifier, dotted.
        oid: String,
    },
    /// The profile has no signer, or more than one (Apple's have exactly one).
    #[error("the profile has {0} signers, not one")]
    SignerCount(usize),
    /// A signed attribute that must be present (content type, message digest) is absent or
    /// malformed.
    #[error("the signer's {0} attribute is missing or malformed")]
    BadSignedAttribute(&'static str),
    /// The content's digest differs from the one the signer signed: the content was changed.
    #[error("the profile's content was changed after it was signed (digest mismatch)")]
    DigestMismatch,
    /// The signature does not verify with the signer certificate's key.
    #[error("the profile's signature is not valid for its signer certificate")]
    BadSignature,
    /// The certificate the signer names is not among the profile's certificates.
    #[error("the profile's signer certificate is not in the profile")]
    SignerCertificateMissing,
    /// A certificate (in the profile, or a root passed in) cannot be parsed.
    #[error("cannot parse {what}: {reason}")]
    BadCertificate {
        /// Which certificate ("the signer certificate", "trusted root 2"...).
        what: String,
        /// The parser's error.
        reason: String,
    },
    /// No chain from the signer through the profile's certificates reaches a trusted root.
    #[error("its signature chains to {subject}, which is not a trusted root")]
    UntrustedChain {
        /// The subject of the last certificate reached.
        subject: String,
    },
    /// A certificate of the chain had expired at the time of verification.
    #[error("certificate {subject} expired on {not_after}")]
    CertificateExpired {
        /// Its subject.
        subject: String,
        /// Its end of validity.
        not_after: time::OffsetDateTime,
    },
    /// A certificate of the chain was not yet valid at the time of verification.
    #[error("certificate {subject} is not valid before {not_before}")]
    CertificateNotYetValid {
        /// Its subject.
        subject: String,
        /// Its start of validity.
        not_before: time::OffsetDateTime,
    },
    /// The user's home folder is unknown (no `HOME`), so Xcode's folders are too.
    #[error("cannot find the home folder (is HOME set?)")]
    NoHome,
}

impl ProfileError {
    pub(crate) fn io(action: &'static str, path: &Path, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.to_owned(),
            source,
        }
    }
}
