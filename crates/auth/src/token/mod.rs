//! [`Token`], the signed bearer token (the limits of its lifetime are in `lifetime.rs`).
//!
//! [`provider`] signs and caches tokens; [`clock`] lets tests move time.

use std::fmt;
use std::time::SystemTime;

use secrecy::{ExposeSecret as _, SecretString};

pub(crate) mod claims;
pub(crate) mod clock;
pub(crate) mod provider;

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

    /// The token's `iat` claim (set back by [`CLOCK_SKEW`](crate::CLOCK_SKEW) from the signing time).
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
