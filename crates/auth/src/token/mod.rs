//! [`Token`], the signed bearer token, and the limits every token obeys.
//!
//! [`provider`] signs and caches tokens; [`clock`] lets tests move time.

use std::fmt;
use std::time::{Duration, SystemTime};

use secrecy::{ExposeSecret as _, SecretString};

use crate::error::AuthError;

pub(crate) mod claims;
pub(crate) mod clock;
pub(crate) mod provider;

/// The longest lifetime Apple accepts: 20 minutes between `iat` and `exp`.
pub const MAX_LIFETIME: Duration = Duration::from_secs(20 * 60);
/// The shortest lifetime accepted: enough to cover [`CLOCK_SKEW`] and [`RENEW_BEFORE`] and still
/// leave a minute of use.
pub const MIN_LIFETIME: Duration = Duration::from_secs(3 * 60);
/// How far `iat` is set back from the local clock, so that a server whose clock is behind ours by
/// up to this much still sees a token that is already valid.
pub const CLOCK_SKEW: Duration = Duration::from_secs(60);
/// How long before `exp` a cached token is replaced, so that a request started with it does not
/// arrive after it expired.
pub const RENEW_BEFORE: Duration = Duration::from_secs(60);

/// Checks a requested token lifetime against [`MIN_LIFETIME`] and [`MAX_LIFETIME`].
pub(crate) fn check_lifetime(lifetime: Duration) -> Result<Duration, AuthError> {
    if lifetime > MAX_LIFETIME {
        Err(AuthError::LifetimeTooLong {
            requested: lifetime,
            max: MAX_LIFETIME,
        })
    } else if lifetime < MIN_LIFETIME {
        Err(AuthError::LifetimeTooShort {
            requested: lifetime,
            min: MIN_LIFETIME,
        })
    } else {
        Ok(lifetime)
    }
}

/// A signed App Store Connect JWT. The text is secret: [`fmt::Debug`] and [`fmt::Display`] redact it
/// and it is zeroed on drop; [`Token::expose`] hands it out for the `Authorization` header only.
#[derive(Clone)]
pub struct Token {
    jwt: SecretString,
    issued_at: SystemTime,
    expires_at: SystemTime,
}

impl Token {
    /// A token made elsewhere, for a [`TokenSource`](crate::TokenSource) other than
    /// [`TokenProvider`](crate::TokenProvider) (a token handed over by another tool, a test double).
    pub fn new(jwt: String, issued_at: SystemTime, expires_at: SystemTime) -> Token {
        Token {
            jwt: SecretString::from(jwt),
            issued_at,
            expires_at,
        }
    }

    /// The JWT text, to send as `Authorization: Bearer <text>` and nowhere else.
    pub fn expose(&self) -> &str {
        self.jwt.expose_secret()
    }

    /// The token's `exp` claim.
    pub fn expires_at(&self) -> SystemTime {
        self.expires_at
    }

    /// The token's `iat` claim (set back by [`CLOCK_SKEW`] from the signing time).
    pub fn issued_at(&self) -> SystemTime {
        self.issued_at
    }
}

impl fmt::Debug for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Token")
            .field("jwt", &"[redacted]")
            .field("issued_at", &self.issued_at)
            .field("expires_at", &self.expires_at)
            .finish_non_exhaustive()
    }
}

impl fmt::Display for Token {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("[redacted App Store Connect token]")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lifetime_bounds() {
        assert!(check_lifetime(MAX_LIFETIME).is_ok());
        assert!(check_lifetime(MIN_LIFETIME).is_ok());
        assert!(matches!(
            check_lifetime(Duration::from_secs(1201)),
            Err(AuthError::LifetimeTooLong { .. })
        ));
        assert!(matches!(
            check_lifetime(Duration::from_secs(179)),
            Err(AuthError::LifetimeTooShort { .. })
        ));
    }

    #[test]
    fn token_text_is_redacted() {
        let t = Token::new(
            "eyJhbGciOiJFUzI1NiJ9.e30.c2ln".into(),
            SystemTime::UNIX_EPOCH,
            SystemTime::UNIX_EPOCH,
        );
        assert_eq!(t.to_string(), "[redacted App Store Connect token]");
        assert!(!format!("{t:?}").contains("eyJ"));
        assert_eq!(t.expose(), "eyJhbGciOiJFUzI1NiJ9.e30.c2ln");
    }
}
