//! [`Error`]: what a provisioning API call can fail with.

use ascert_models::{ApiError, ModelError};

/// An error from the provisioning APIs.
///
/// As the Certificates API's error: the transport error is [`transport`](Self::transport) and this
/// error's [`source`](std::error::Error::source), and the common questions are answered whatever
/// the variant.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed on the way or App Store Connect refused it; Apple's errors are inside.
    #[error("{0}")]
    Transport(#[from] ascert_transport::Error),
    /// A value that does not fit Apple's rules, such as a profile without content.
    #[error(transparent)]
    Model(#[from] ModelError),
}

impl Error {
    /// The transport error inside, if any (for its status and Apple's errors).
    pub fn transport(&self) -> Option<&ascert_transport::Error> {
        match self {
            Self::Transport(err) => Some(err),
            Self::Model(_) => None,
        }
    }

    /// The HTTP status App Store Connect answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        self.transport().and_then(ascert_transport::Error::status)
    }

    /// Whether App Store Connect answered 409: a name or identifier taken, a relationship that
    /// does not fit (a certificate of the wrong type, an unknown bundle ID, no devices), a limit
    /// reached. Apple's errors inside tell which.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// Whether App Store Connect answered 404: no such resource.
    pub fn is_not_found(&self) -> bool {
        self.status() == Some(404)
    }

    /// Whether the request may have taken effect although it failed (see
    /// [`ascert_transport::Error::is_ambiguous`]).
    pub fn is_ambiguous(&self) -> bool {
        self.transport()
            .is_some_and(ascert_transport::Error::is_ambiguous)
    }

    /// Whether the call failed for its credentials (401, 403, or no token could be made).
    pub fn is_auth(&self) -> bool {
        self.transport().is_some_and(ascert_transport::Error::is_auth)
    }

    /// Apple's code of the first error it reported, such as `ENTITY_ERROR.RELATIONSHIP.INVALID`.
    pub fn apple_code(&self) -> Option<&str> {
        self.api_errors().first().map(|e| e.code.as_str())
    }

    /// Every error App Store Connect reported, in order; empty when it reported none.
    pub fn api_errors(&self) -> &[ApiError] {
        self.transport().map_or(&[], ascert_transport::Error::api_errors)
    }

    /// Whether the same call may succeed if made again later (see
    /// [`ascert_transport::Error::is_transient`]).
    pub fn is_retryable(&self) -> bool {
        self.transport()
            .is_some_and(ascert_transport::Error::is_transient)
    }

    /// Whether the client's deadline passed before the call was done.
    pub fn is_deadline(&self) -> bool {
        self.transport().is_some_and(ascert_transport::Error::is_deadline)
    }
}
