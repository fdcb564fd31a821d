//! [`Error`]: what a Certificates API call can fail with.

use ascert_models::{ErrorSource, ModelError};

/// An error from the Certificates API.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed on the way or App Store Connect refused it; Apple's errors are inside.
    #[error(transparent)]
    Transport(#[from] ascert_transport::Error),
    /// A value that does not fit Apple's rules, such as a certificate without content.
    #[error(transparent)]
    Model(#[from] ModelError),
    /// A CSR that cannot be read.
    #[error("the certificate signing request cannot be read: {reason}")]
    InvalidCsr {
        /// What is wrong with it.
        reason: String,
    },
}

impl Error {
    /// The transport error inside, if any (for its status and Apple's errors).
    pub fn transport(&self) -> Option<&ascert_transport::Error> {
        match self {
            Self::Transport(err) => Some(err),
            _ => None,
        }
    }

    /// The HTTP status App Store Connect answered with, if it answered.
    pub fn status(&self) -> Option<u16> {
        self.transport().and_then(ascert_transport::Error::status)
    }

    /// Whether App Store Connect answered 409, for any reason: a full slot
    /// ([`Error::is_certificate_limit`]), but also a CSR it refused, a missing pass type id or merchant
    /// id, or a certificate in the wrong state. Apple's errors inside tell which.
    pub fn is_conflict(&self) -> bool {
        self.status() == Some(409)
    }

    /// Whether App Store Connect refused a create because the certificate type's slots are full:
    /// 409 `ENTITY_ERROR` with "You already have a current … certificate or a pending certificate
    /// request." A 409 without that detail (Apple leaves `detail` out at times) is not taken for one:
    /// only Apple's words tell a full slot from a refused CSR.
    pub fn is_certificate_limit(&self) -> bool {
        self.status() == Some(409)
            && self.transport().is_some_and(|t| {
                t.api_errors().iter().any(|e| {
                    e.code == "ENTITY_ERROR" && e.detail.to_lowercase().contains("already have a current")
                })
            })
    }

    /// Whether the request may have taken effect although it failed (see
    /// [`ascert_transport::Error::is_ambiguous`]).
    pub fn is_ambiguous(&self) -> bool {
        self.transport()
            .is_some_and(ascert_transport::Error::is_ambiguous)
    }
}

impl Error {
    /// Whether the client's deadline passed before the call was done (see
    /// [`ascert_transport::Error::DeadlineExceeded`]).
    pub fn is_deadline(&self) -> bool {
        self.transport().is_some_and(ascert_transport::Error::is_deadline)
    }
}

/// Whether `err` is Apple refusing a value of `filter[certificateType]` (400 `PARAMETER_ERROR.INVALID`),
/// as it has done for `DEVELOPER_ID_APPLICATION_G2`.
pub(crate) fn rejects_type_filter(err: &ascert_transport::Error) -> bool {
    const PARAMETER: &str = "filter[certificateType]";
    err.status() == Some(400)
        && err.api_errors().iter().any(|e| {
            e.code.starts_with("PARAMETER_ERROR")
                && (matches!(&e.source, Some(ErrorSource::Parameter(p)) if p.parameter == PARAMETER)
                    || e.detail.contains(PARAMETER))
        })
}
