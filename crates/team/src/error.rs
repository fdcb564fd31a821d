//! [`TeamError`]: everything that can go wrong with a team store, one variant per kind of failure,
//! and [`ErrorKind`], the few categories those variants fall into (what a caller decides on: an
//! exit code, a retry, whether to try the next identity).
//!
//! Messages say what happened, with the detail a reader needs (the store, the object, the service's
//! code); they name no command of a program built on this crate: advice about its own commands,
//! flags and variables is the program's to add (the `ascert` CLI adds it as a hint).
//!
//! No variant carries a credential, a passphrase or key material. Storage failures are described by
//! the store's URL without credentials, the object's name and the service's error code; the raw
//! response of an authentication failure is never kept, because S3 echoes the access key id and the
//! string it expected to be signed.

use std::fmt;

use ascert_keystore::KeyId;
use time::OffsetDateTime;

use crate::holder::LeaseHolder;

/// The result type of this crate.
pub type Result<T, E = TeamError> = std::result::Result<T, E>;

/// The error type of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum TeamError {
    /// A store URL that cannot be used.
    #[error("invalid store URL {url}: {reason}")]
    InvalidUrl {
        /// The URL as given, without credentials, query or fragment.
        url: String,
        /// What is wrong and what is expected.
        reason: String,
    },
    /// Provider settings (from the environment or the caller) that cannot be used.
    #[error("cannot use {store}: {reason}")]
    Config {
        /// The store's URL, without credentials.
        store: String,
        /// What is wrong and how to fix it.
        reason: String,
    },
    /// No team store at this URL: its header object is missing.
    #[error("no team store at {store}: {object} is missing")]
    NoStore {
        /// The store's URL.
        store: String,
        /// The header object's name.
        object: String,
    },
    /// The bucket (S3, GCS) or container (Azure) or folder (`file://`) does not exist.
    #[error("the bucket, container or folder of {store} does not exist (a team store never creates one)")]
    BucketNotFound {
        /// The store's URL.
        store: String,
    },
    /// Something named that the store does not hold: an identity, a pending key, a member.
    #[error("{what} is not in {store}")]
    NotFound {
        /// The store's URL.
        store: String,
        /// What was looked for, such as "identity ABC123".
        what: String,
    },
    /// Something that already exists where it must not: a store at the URL given to `init`, an
    /// identity pushed with another key, a member added twice.
    #[error("{what} already exists in {store}")]
    AlreadyExists {
        /// The store's URL.
        store: String,
        /// What exists.
        what: String,
    },
    /// The storage service refused the credentials or the operation (HTTP 401/403).
    #[error(
        "access denied by {store} while trying to {operation}{}: the storage credentials from the environment \
         were refused, or may not do this under the store's prefix",
        code.as_deref().map(|c| format!(" ({c})")).unwrap_or_default()
    )]
    AccessDenied {
        /// The store's URL.
        store: String,
        /// What was being done, such as "write ascert-team.json".
        operation: String,
        /// The service's error code, such as `AccessDenied` or `InvalidAccessKeyId`, when it sent one.
        code: Option<String>,
    },
    /// A Google Cloud Storage store without credentials: none is configured, and the cloud
    /// metadata server (which gives a Google Cloud machine its service account's token) gave none.
    /// `object_store`'s GCS client asks that server whenever nothing else is configured; it has no
    /// setting to leave it out.
    #[error(
        "no Google Cloud credentials for {store} (while trying to {operation}): none is set, and the cloud \
         metadata server, which gives a machine on Google Cloud its service account, gave no token"
    )]
    NoCloudCredentials {
        /// The store's URL.
        store: String,
        /// What was being done, such as "read ascert-team.json".
        operation: String,
    },
    /// None of the member keys given can decrypt the object: the key is not (or no longer) a member.
    #[error(
        "none of the given keys can decrypt {object}: the key ({recipients}) is not a recipient of it \
         (not a member of the team, or no longer)"
    )]
    WrongIdentity {
        /// The object's name.
        object: String,
        /// The public recipients of the keys that were tried.
        recipients: String,
    },
    /// A passphrase that does not decrypt what it should: the team passphrase or an SSH key's.
    #[error("wrong passphrase: it does not decrypt {what}")]
    WrongPassphrase {
        /// What the passphrase was for, such as "the team passphrase identity (passphrase.age)".
        what: String,
    },
    /// An encrypted object that fails age's authentication: changed or damaged in storage.
    #[error("{object} has been tampered with or damaged in storage ({reason}); it was not used")]
    Tampered {
        /// The object's name.
        object: String,
        /// What age found, such as "the header MAC does not match".
        reason: String,
    },
    /// A decrypted key that does not belong to its certificate (or to the key id it was stored under).
    #[error(
        "the key stored for {what} does not match it (key {key_id}, expected {expected}); the identity is refused"
    )]
    KeyMismatch {
        /// The identity or pending key, such as "certificate ABC123".
        what: String,
        /// The id (SHA-256 of the public key) of the key that was found.
        key_id: KeyId,
        /// The id the certificate or record names.
        expected: KeyId,
    },
    /// A plain object (JSON record, certificate) that cannot be read.
    #[error("{object} is not a valid {kind}: {reason}")]
    Corrupt {
        /// The object's name.
        object: String,
        /// What it should be, such as "identity record".
        kind: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// An object larger than any a store writes ([`MAX_OBJECT_SIZE`](crate::MAX_OBJECT_SIZE)):
    /// refused unread, since only someone with write access to the bucket could have put it there.
    #[error("{object} is larger than the {} MiB an object of a team store can be; it was not read", limit / (1024 * 1024))]
    TooLarge {
        /// The object's name.
        object: String,
        /// The limit, in bytes.
        limit: u64,
    },
    /// A passphrase file (`passphrase.age`) whose scrypt work factor is above
    /// [`MAX_PASSPHRASE_WORK_FACTOR`](crate::MAX_PASSPHRASE_WORK_FACTOR): refused before any of
    /// the work, since it asks for more memory and time than any store ascert writes needs. A
    /// stronger setting than this version allows, or a bucket writer's way to stall runners; not
    /// necessarily damage.
    #[error(
        "{object} asks for an scrypt work factor of 2^{work_factor}, above the 2^{max} ascert accepts; \
         it was not opened"
    )]
    ExcessiveWork {
        /// The object's name.
        object: String,
        /// The work factor (log2 N) the file names.
        work_factor: u8,
        /// The highest this version accepts.
        max: u8,
    },
    /// The lease is held by someone else (or was taken over from this holder after it expired).
    #[error(
        "the lease for {certificate_type} certificates is held by {holder} until {} (by its clock)",
        crate::text::display_time(*expires)
    )]
    Conflict {
        /// The certificate type of the lease.
        certificate_type: String,
        /// Who holds it now.
        holder: LeaseHolder,
        /// Until when, as its holder wrote it.
        expires: OffsetDateTime,
    },
    /// A lease renewed just now has less time left than the work needs (the store answers too slowly
    /// to rely on it).
    #[error(
        "the lease for {certificate_type} certificates has {} s left after renewing it, less than the {} s the \
         request needs; nothing was sent",
        remaining.as_secs(),
        needed.as_secs()
    )]
    LeaseExpiring {
        /// The certificate type of the lease.
        certificate_type: String,
        /// What was left.
        remaining: std::time::Duration,
        /// What was needed.
        needed: std::time::Duration,
    },
    /// Someone else changed the same object at the same moment (two member changes at once).
    #[error("{what} in {store} changed while this operation ran; run it again")]
    ConcurrentChange {
        /// The store's URL.
        store: String,
        /// What changed, such as "the member list".
        what: String,
    },
    /// The backend cannot arbitrate creation (no conditional writes), or was built without support
    /// for the URL's scheme.
    #[error("{store} cannot be used for this: {reason}")]
    UnsupportedBackend {
        /// The store's URL.
        store: String,
        /// Why, and what to use instead.
        reason: String,
    },
    /// An object written by a newer version of ascert.
    #[error("{object} has format version {found}, newer than the {supported} this version of ascert reads")]
    NewerFormat {
        /// The object's name.
        object: String,
        /// The version found.
        found: u32,
        /// The newest version this crate reads.
        supported: u32,
    },
    /// An object of a format this version no longer reads.
    #[error("{object} has format version {found}, which this version of ascert does not read: {reason}")]
    UnsupportedFormat {
        /// The object's name.
        object: String,
        /// The version found.
        found: u32,
        /// Why, and what to do.
        reason: String,
    },
    /// A member list that is signed correctly but is not the one this machine trusts: another list
    /// than the one pinned, an older revision than one seen before, or a store replaced as a whole.
    /// Nothing is encrypted to it.
    #[error(
        "refusing the member list of {store}: {reason}. It names {}; its digest is {found}",
        members.join(", ")
    )]
    UntrustedMembers {
        /// The store's URL.
        store: String,
        /// What does not match, and what to do.
        reason: String,
        /// The members it names (name and key kind), for people.
        members: Vec<String>,
        /// Its digest.
        found: crate::digest::MembersDigest,
    },
    /// A recipient (public key) that is not an age X25519, ssh-ed25519 or ssh-rsa key.
    #[error("{recipient:?} is not a usable recipient: {reason}")]
    InvalidRecipient {
        /// The text given (a public key; shortened when long).
        recipient: String,
        /// Why.
        reason: String,
    },
    /// A member key (private) that cannot be used.
    #[error("not a usable member key: {reason}")]
    InvalidMemberKey {
        /// Why, without any key material.
        reason: String,
    },
    /// An argument that cannot be used, such as a certificate id with a slash in it.
    #[error("invalid {what}: {reason}")]
    InvalidInput {
        /// What was given, such as "certificate id".
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// A key or certificate that ascert-keystore cannot read.
    #[error(transparent)]
    Keystore(#[from] ascert_keystore::KeystoreError),
    /// Encryption failed inside age or the random generator.
    #[error("{what} failed: {reason}")]
    Crypto {
        /// What was being done.
        what: &'static str,
        /// Why.
        reason: String,
    },
    /// The storage service did not answer in time (each request bounded by
    /// [`StoreOptions::with_request_timeout`](crate::StoreOptions::with_request_timeout), retries by
    /// [`StoreOptions::with_retry_budget`](crate::StoreOptions::with_retry_budget)).
    #[error("{store} did not answer in time: could not {operation}")]
    Timeout {
        /// The store's URL.
        store: String,
        /// What was being done.
        operation: String,
        /// What `object_store` reported.
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
    /// Any other storage failure: the network, a server error.
    #[error("{store}: could not {operation}")]
    Storage {
        /// The store's URL.
        store: String,
        /// What was being done.
        operation: String,
        /// What `object_store` reported (URLs of requests and status codes; never credentials).
        #[source]
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

/// The category of a [`TeamError`]: what a caller decides on (an exit code, a retry, whether to try
/// the next identity), while the error itself keeps the detail.
///
/// Each variant of [`TeamError`] belongs to one category; [`TeamError::kind`] says which. New
/// variants join an existing category where they fit, so a match on the kind stays meaningful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The caller's input cannot be used: a store URL, provider settings, a recipient, an argument.
    InvalidInput,
    /// The storage service refused the credentials or the operation, or there were none.
    StorageAccess,
    /// The member key or passphrase given does not open the store: not a recipient, a wrong
    /// passphrase, a key that cannot be used.
    MemberKey,
    /// What was asked for is not there: the store, its bucket, an identity, a pending key, a member.
    NotFound,
    /// Something is already there, or changed while the operation ran.
    Conflict,
    /// A lease is held by someone else, was taken over, or has too little time left.
    Lease,
    /// What the store holds fails a check: tampered with, a key that is not its certificate's, a
    /// member list this machine does not trust. Nothing of it was used.
    Untrusted,
    /// An object this version cannot read: damaged, larger than any a store writes, asking for more
    /// scrypt work than any a store writes, or of a newer or retired format.
    Format,
    /// The store cannot do what was asked: no conditional writes, or a scheme this build lacks.
    Unsupported,
    /// The storage service did not answer in time.
    Timeout,
    /// Any other storage failure: the network, a server error.
    Storage,
    /// Encryption, the random generator, or a key or certificate operation of ascert-keystore failed.
    Crypto,
}

impl TeamError {
    /// The category of this error.
    ///
    /// ```
    /// use ascert_team::{ErrorKind, TeamError};
    /// let error = "ftp://bucket".parse::<ascert_team::StoreUrl>().unwrap_err();
    /// assert_eq!(error.kind(), ErrorKind::InvalidInput);
    /// ```
    pub fn kind(&self) -> ErrorKind {
        match self {
            Self::InvalidUrl { .. }
            | Self::Config { .. }
            | Self::InvalidRecipient { .. }
            | Self::InvalidInput { .. } => ErrorKind::InvalidInput,
            Self::AccessDenied { .. } | Self::NoCloudCredentials { .. } => ErrorKind::StorageAccess,
            Self::WrongIdentity { .. } | Self::WrongPassphrase { .. } | Self::InvalidMemberKey { .. } => {
                ErrorKind::MemberKey
            }
            Self::NoStore { .. } | Self::BucketNotFound { .. } | Self::NotFound { .. } => ErrorKind::NotFound,
            Self::AlreadyExists { .. } | Self::ConcurrentChange { .. } => ErrorKind::Conflict,
            Self::Conflict { .. } | Self::LeaseExpiring { .. } => ErrorKind::Lease,
            Self::Tampered { .. } | Self::KeyMismatch { .. } | Self::UntrustedMembers { .. } => {
                ErrorKind::Untrusted
            }
            Self::Corrupt { .. }
            | Self::TooLarge { .. }
            | Self::ExcessiveWork { .. }
            | Self::NewerFormat { .. }
            | Self::UnsupportedFormat { .. } => ErrorKind::Format,
            Self::UnsupportedBackend { .. } => ErrorKind::Unsupported,
            Self::Timeout { .. } => ErrorKind::Timeout,
            Self::Storage { .. } => ErrorKind::Storage,
            Self::Keystore(_) | Self::Crypto { .. } => ErrorKind::Crypto,
        }
    }
}

/// Turns an `object_store` error into the variant a user needs, for an operation on one store.
///
/// Authentication failures keep only the service's error code: the rest of an S3 error document
/// can hold the access key id and the canonical request.
pub(crate) fn storage(store: &str, operation: impl fmt::Display, error: object_store::Error) -> TeamError {
    let operation = operation.to_string();
    match error {
        object_store::Error::PermissionDenied { source, .. }
        | object_store::Error::Unauthenticated { source, .. } => TeamError::AccessDenied {
            store: store.to_owned(),
            operation,
            code: service_code(&source.to_string()),
        },
        object_store::Error::NotFound { ref source, .. } if is_missing_bucket(&source.to_string()) => {
            TeamError::BucketNotFound {
                store: store.to_owned(),
            }
        }
        // GCS without credentials: its client fell back to the metadata server, which failed.
        object_store::Error::Generic { ref source, .. }
            if store.starts_with("gs://")
                && source.to_string().contains("Error performing token request") =>
        {
            TeamError::NoCloudCredentials {
                store: store.to_owned(),
                operation,
            }
        }
        other if timed_out(&other) => TeamError::Timeout {
            store: store.to_owned(),
            operation,
            source: Box::new(other),
        },
        other => TeamError::Storage {
            store: store.to_owned(),
            operation,
            source: Box::new(other),
        },
    }
}

/// Whether a storage error is a request that timed out, as `object_store`'s HTTP client reports it.
fn timed_out(error: &object_store::Error) -> bool {
    let mut cause: Option<&(dyn std::error::Error + 'static)> = Some(error);
    while let Some(current) = cause {
        if let Some(http) = current.downcast_ref::<object_store::client::HttpError>() {
            return http.kind() == object_store::client::HttpErrorKind::Timeout;
        }
        cause = current.source();
    }
    false
}

/// Whether a 404 is about the bucket or container rather than the object.
pub(crate) fn is_missing_bucket(text: &str) -> bool {
    [
        "NoSuchBucket",
        "ContainerNotFound",
        "The specified bucket does not exist",
    ]
    .iter()
    .any(|code| text.contains(code))
}

/// The `<Code>` of an S3 error document or the `Code` of an Azure one, if the text has one.
fn service_code(text: &str) -> Option<String> {
    let start = text.find("<Code>")? + "<Code>".len();
    let end = start + text[start..].find("</Code>")?;
    let code = &text[start..end];
    (!code.is_empty() && code.len() < 64 && code.chars().all(|c| c.is_ascii_alphanumeric() || c == '.'))
        .then(|| code.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn access_denied_keeps_the_code_and_nothing_else_of_the_response() {
        let body = "Server returned non-2XX status code: 403 Forbidden, body: <Error><Code>SignatureDoesNotMatch</Code>\
                    <AWSAccessKeyId>AKIAEXAMPLEKEY</AWSAccessKeyId><StringToSign>AWS4…</StringToSign></Error>";
        let error = object_store::Error::PermissionDenied {
            path: "team/ascert-team.json".into(),
            source: body.into(),
        };
        let error = storage("s3://bucket/team", "read ascert-team.json", error);
        let text = format!("{error}");
        assert!(
            matches!(&error, TeamError::AccessDenied { code: Some(c), .. } if c == "SignatureDoesNotMatch")
        );
        assert!(text.contains("access denied by s3://bucket/team while trying to read ascert-team.json"));
        assert!(!text.contains("AKIAEXAMPLEKEY"), "{text}");
        assert!(std::error::Error::source(&error).is_none());
    }

    #[test]
    fn a_missing_bucket_is_told_apart_from_a_missing_object() {
        let error = |body: &str| object_store::Error::NotFound {
            path: "p".into(),
            source: body.to_owned().into(),
        };
        let missing = storage(
            "s3://b",
            "read",
            error("<Error><Code>NoSuchBucket</Code></Error>"),
        );
        assert!(matches!(missing, TeamError::BucketNotFound { .. }), "{missing:?}");
        let other = storage("s3://b", "read", error("<Error><Code>NoSuchKey</Code></Error>"));
        assert!(matches!(other, TeamError::Storage { .. }), "{other:?}");
    }
}
