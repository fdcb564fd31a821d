//! The hourly request quota per key, reported in `X-Rate-Limit` and enforced with 429.

use std::collections::{HashMap, VecDeque};
use std::time::{Duration, Instant};

/// Apple's hourly quota.
pub const DEFAULT_RATE_LIMIT: u32 = 3500;

const WINDOW: Duration = Duration::from_secs(3600);

/// Requests per key over a rolling hour.
#[derive(Debug)]
pub(crate) struct RateLimiter {
    limit: u32,
    hits: HashMap<String, VecDeque<Instant>>,
}

/// The outcome of counting one request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Quota {
    /// Allowed; this many remain in the window.
    Remaining(u32),
    /// Refused; the oldest request leaves the window after this many seconds.
    Exceeded {
        /// Seconds until a request is allowed again.
        retry_after: u64,
    },
}

impl RateLimiter {
    pub(crate) fn new(limit: u32) -> Self {
        Self {
            limit,
            hits: HashMap::new(),
        }
    }

    pub(crate) fn limit(&self) -> u32 {
        self.limit
    }

    pub(crate) fn set_limit(&mut self, limit: u32) {
        self.limit = limit;
    }

    /// Counts a request by `key_id` at `now`.
    pub(crate) fn hit(&mut self, key_id: &str, now: Instant) -> Quota {
        let hits = self.hits.entry(key_id.to_owned()).or_default();
        while hits.front().is_some_and(|t| now.duration_since(*t) >= WINDOW) {
            hits.pop_front();
        }
        let used = u32::try_from(hits.len()).unwrap_or(u32::MAX);
        if used >= self.limit {
            let retry_after = hits
                .front()
                .map_or(WINDOW, |oldest| {
                    WINDOW.saturating_sub(now.duration_since(*oldest))
                })
                .as_secs()
                .max(1);
            return Quota::Exceeded { retry_after };
        }
        hits.push_back(now);
        Quota::Remaining(self.limit - used - 1)
    }
}

/// The `X-Rate-Limit` header value.
pub(crate) fn header_value(limit: u32, remaining: u32) -> String {
    format!("user-hour-lim:{limit};user-hour-rem:{remaining};")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_down_then_refuses_until_the_window_moves() {
        let mut limiter = RateLimiter::new(2);
        let start = Instant::now();
        assert_eq!(limiter.hit("K", start), Quota::Remaining(1));
        assert_eq!(limiter.hit("K", start), Quota::Remaining(0));
        assert_eq!(limiter.hit("OTHER", start), Quota::Remaining(1));
        assert_eq!(
            limiter.hit("K", start + Duration::from_secs(600)),
            Quota::Exceeded { retry_after: 3000 }
        );
        assert_eq!(limiter.hit("K", start + WINDOW), Quota::Remaining(1));
        assert_eq!(header_value(3500, 12), "user-hour-lim:3500;user-hour-rem:12;");
    }
}
