//! The limits every token's lifetime obeys, and the check of a lifetime a key file or a caller
//! asks for: a leaf that key loading and token signing share.

use std::time::Duration;

use crate::error::AuthError;

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
}
