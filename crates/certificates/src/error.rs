//! [`Error`]: what a Certificates API call can fail with.

use ascert_models::{ApiError, ModelError};

/// An error from the Certificates API.
///
/// The common questions are answered here, whatever the variant: [`is_auth`](Self::is_auth),
/// [`apple_code`](Self::apple_code), [`is_retryable`](Self::is_retryable),
/// [`status`](Self::status), [`is_conflict`](Self::is_conflict) and the like. For everything else,
/// the transport's error is [`transport`](Self::transport), and it is also this error's
/// [`source`](std::error::Error::source): a program that walks the chain of causes finds an
/// [`ascert_transport::Error`] there whichever API crate it came through.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The request failed on the way or App Store Connect refused it; Apple's errors are inside.
    ///
    /// Its message is the transport error's (a reporter that prints each cause once, as the CLI
    /// does, does not repeat it), and the transport error is its source.
    #[error("{0}")]
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
    /// Whether the call failed for its credentials: no token could be made from the API key, or App
    /// Store Connect answered 401 (the token was refused) or 403 (the key may not do this, or an
    /// agreement is missing: see [`apple_code`](Self::apple_code)).
    pub fn is_auth(&self) -> bool {
        self.transport().is_some_and(ascert_transport::Error::is_auth)
    }

    /// Apple's error code, such as `ENTITY_ERROR` or `PARAMETER_ERROR.INVALID`: the code of the first
    /// error App Store Connect reported (all of them are in [`api_errors`](Self::api_errors));
    /// `None` when it reported none (no answer, a body that is not an error document).
    pub fn apple_code(&self) -> Option<&str> {
        self.api_errors().first().map(|e| e.code.as_str())
    }

    /// Every error App Store Connect reported, in order; empty when it reported none.
    pub fn api_errors(&self) -> &[ApiError] {
        self.transport().map_or(&[], ascert_transport::Error::api_errors)
    }

    /// Whether the same call may succeed if made again later: 429, 500, 502, 503, 504, a lost
    /// connection, no answer in time, a stalled body (see
    /// [`ascert_transport::Error::is_transient`]). The client has already retried these as its
    /// [`RetryPolicy`](ascert_transport::RetryPolicy) allows; this says whether trying again later
    /// is worth it. Never true for a passed deadline, a refusal (4xx but 429) or a bad value.
    ///
    /// A create that failed so may have taken effect: see [`is_ambiguous`](Self::is_ambiguous)
    /// before repeating one.
    pub fn is_retryable(&self) -> bool {
        self.transport()
            .is_some_and(ascert_transport::Error::is_transient)
    }

    /// Whether the client's deadline passed before the call was done (see
    /// [`ascert_transport::Error::DeadlineExceeded`]).
    pub fn is_deadline(&self) -> bool {
        self.transport().is_some_and(ascert_transport::Error::is_deadline)
    }
}

#[cfg(test)]
mod tests {
    use std::error::Error as _;
    use std::time::Duration;

    use ascert_models::{ApiError, ErrorResponse};
    use ascert_transport::Method;

    use super::Error;

    fn answered(status: u16, code: &str) -> Error {
        ascert_transport::Error::Api {
            method: Method::POST,
            url: "https://api.appstoreconnect.apple.com/v1/certificates".to_owned(),
            status,
            errors: ErrorResponse::new(vec![ApiError::new(status, code, "title", "detail")]),
            retry_after: None,
            rate_limit: None,
        }
        .into()
    }

    #[test]
    fn the_common_questions_are_answered_whatever_the_variant() {
        let agreement = answered(403, "FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED");
        assert!(agreement.is_auth() && !agreement.is_retryable());
        assert_eq!(
            agreement.apple_code(),
            Some("FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED")
        );
        assert!(answered(401, "NOT_AUTHORIZED").is_auth());

        let limited = answered(429, "RATE_LIMIT_EXCEEDED");
        assert!(limited.is_retryable() && !limited.is_auth());
        assert!(answered(503, "UNEXPECTED_ERROR").is_retryable());
        assert!(!answered(409, "ENTITY_ERROR").is_retryable());

        let deadline: Error = ascert_transport::Error::DeadlineExceeded {
            method: Method::GET,
            url: "https://api.appstoreconnect.apple.com/v1/certificates".to_owned(),
            allowed: Duration::from_secs(1),
            attempts: 1,
            last: None,
        }
        .into();
        assert!(deadline.is_deadline() && !deadline.is_retryable());
        assert_eq!(deadline.apple_code(), None);
        assert!(deadline.api_errors().is_empty());

        let csr = Error::InvalidCsr {
            reason: "not PEM".to_owned(),
        };
        assert!(!csr.is_auth() && !csr.is_retryable() && csr.apple_code().is_none());
    }

    #[test]
    fn the_transport_error_is_a_source_and_the_message_is_its_own() {
        let err = answered(409, "ENTITY_ERROR");
        let source = err.source().expect("the transport error is the source");
        let transport = source
            .downcast_ref::<ascert_transport::Error>()
            .expect("found by walking the chain, without naming this crate");
        assert_eq!(transport.status(), Some(409));
        assert_eq!(err.to_string(), transport.to_string());
    }
}
