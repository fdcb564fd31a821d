//! [`RateLimit`]: the `X-Rate-Limit` header Apple sends with every response.

use std::fmt;

/// The hourly request quota, as the last response reported it.
///
/// Apple writes `X-Rate-Limit: user-hour-lim:3500;user-hour-rem:500;`. Apple has been seen answering
/// 429 while the header still shows quota, so treat `remaining` as a hint, not a promise.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct RateLimit {
    /// Requests allowed per rolling hour.
    pub limit: u32,
    /// Requests left in the current hour.
    pub remaining: u32,
}

impl RateLimit {
    /// The name of the header.
    pub const HEADER: &'static str = "x-rate-limit";

    /// Figures of `limit` requests an hour with `remaining` left.
    pub fn new(limit: u32, remaining: u32) -> Self {
        Self { limit, remaining }
    }

    /// Parses the header's value; `None` when either figure is missing or not a number.
    ///
    /// ```
    /// use ascert_transport::RateLimit;
    /// assert_eq!(
    ///     RateLimit::parse("user-hour-lim:3500;user-hour-rem:500;"),
    ///     Some(RateLimit::new(3500, 500))
    /// );
    /// assert_eq!(RateLimit::parse("garbage"), None);
    /// ```
    pub fn parse(value: &str) -> Option<Self> {
        let mut limit = None;
        let mut remaining = None;
        for part in value.split(';') {
            let Some((key, number)) = part.split_once(':') else {
                continue;
            };
            let number = number.trim().parse::<u32>().ok();
            match key.trim() {
                "user-hour-lim" => limit = number,
                "user-hour-rem" => remaining = number,
                _ => {}
            }
        }
        Some(Self {
            limit: limit?,
            remaining: remaining?,
        })
    }
}

impl fmt::Display for RateLimit {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} of {} requests left this hour", self.remaining, self.limit)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_apples_header_in_any_order_and_rejects_broken_ones() {
        assert_eq!(
            RateLimit::parse("user-hour-rem:0;user-hour-lim:3600"),
            Some(RateLimit {
                limit: 3600,
                remaining: 0
            })
        );
        assert_eq!(RateLimit::parse("user-hour-lim:3500;"), None);
        assert_eq!(RateLimit::parse("user-hour-lim:-1;user-hour-rem:5;"), None);
        assert_eq!(RateLimit::parse(""), None);
        assert_eq!(
            RateLimit {
                limit: 3500,
                remaining: 12
            }
            .to_string(),
            "12 of 3500 requests left this hour"
        );
    }
}
