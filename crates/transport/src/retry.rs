//! [`RetryPolicy`]: when and how long to wait before sending a request again, and the
//! [`RetryNotice`] a client hands its observer before each retry.

use std::fmt;
use std::time::{Duration, SystemTime};

use backon::ExponentialBuilder;
use reqwest::Method;
use url::Url;

use crate::Error;
use crate::deadline::human;

/// How transient failures (429, 500, 502, 503, 504, lost connections) are retried.
///
/// Waits grow exponentially with jitter between `min_delay` and `max_delay`; a `Retry-After` from
/// Apple replaces the computed wait. Retrying stops after `max_attempts` attempts in all, or when the
/// waits would add up to more than `max_total_delay`, or when Apple asks for a wait longer than
/// `max_retry_after`: then the last error is returned. A client with a
/// [`Deadline`](crate::Deadline) also stops when the wait would reach it, with
/// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded).
///
/// `GET`, `PATCH` and `DELETE` are retried, after no answer in time and a stalled body too. `POST` is
/// retried only after a 429 (refused before any work) or a 401 (once, with a new token): a `POST`
/// that failed ambiguously may have created its resource and must be reconciled, not repeated.
///
/// The fields can be read; a policy is built from [`RetryPolicy::default`] (or
/// [`RetryPolicy::never`]) and the `with_` methods, so that a setting added later is not a breaking
/// change:
///
/// ```
/// use std::time::Duration;
/// use ascert_transport::RetryPolicy;
///
/// let quick = RetryPolicy::default()
///     .with_max_attempts(4)
///     .with_delays(Duration::from_millis(1), Duration::from_millis(5));
/// assert_eq!((quick.max_attempts, quick.max_delay), (4, Duration::from_millis(5)));
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct RetryPolicy {
    /// Attempts in all, the first one included; 1 disables retries.
    pub max_attempts: usize,
    /// The first wait.
    pub min_delay: Duration,
    /// The longest single computed wait.
    pub max_delay: Duration,
    /// The most time spent waiting, over all retries of one request.
    pub max_total_delay: Duration,
    /// The longest `Retry-After` honoured; a longer one ends retrying with the 429.
    pub max_retry_after: Duration,
}

impl Default for RetryPolicy {
    fn default() -> Self {
        Self {
            max_attempts: 6,
            min_delay: Duration::from_millis(250),
            max_delay: Duration::from_secs(20),
            max_total_delay: Duration::from_secs(120),
            max_retry_after: Duration::from_secs(60),
        }
    }
}

impl RetryPolicy {
    /// A policy that never retries.
    pub fn never() -> Self {
        Self {
            max_attempts: 1,
            ..Self::default()
        }
    }

    /// The same policy with `attempts` attempts in all, the first one included; 1 disables retries.
    #[must_use]
    pub fn with_max_attempts(mut self, attempts: usize) -> Self {
        self.max_attempts = attempts;
        self
    }

    /// The same policy with waits that start at `min` and grow to at most `max` each.
    #[must_use]
    pub fn with_delays(mut self, min: Duration, max: Duration) -> Self {
        self.min_delay = min;
        self.max_delay = max;
        self
    }

    /// The same policy with at most `total` spent waiting, over all retries of one request.
    #[must_use]
    pub fn with_max_total_delay(mut self, total: Duration) -> Self {
        self.max_total_delay = total;
        self
    }

    /// The same policy honouring a `Retry-After` of at most `longest`.
    #[must_use]
    pub fn with_max_retry_after(mut self, longest: Duration) -> Self {
        self.max_retry_after = longest;
        self
    }

    pub(crate) fn backoff(&self) -> ExponentialBuilder {
        ExponentialBuilder::default()
            .with_jitter()
            .with_min_delay(self.min_delay)
            .with_max_delay(self.max_delay)
            .with_max_times(self.max_attempts.saturating_sub(1))
            .with_total_delay(Some(self.max_total_delay))
    }
}

/// A failed attempt that is about to be retried, as a client reports it to the observer set with
/// [`ClientBuilder::on_retry`](crate::ClientBuilder::on_retry).
///
/// `Display` is one sentence for a person waiting at a terminal, such as
/// `no answer from api.appstoreconnect.apple.com in 30 s; retrying in 250 ms (attempt 2 of 6)`.
#[derive(Debug)]
#[non_exhaustive]
pub struct RetryNotice<'a> {
    /// The request's method.
    pub method: &'a Method,
    /// The request's URL.
    pub url: &'a Url,
    /// The attempt that failed, from 1.
    pub attempt: u32,
    /// The most attempts the policy allows.
    pub max_attempts: u32,
    /// How long the client waits before the next attempt.
    pub wait: Duration,
    /// Why the attempt failed.
    pub error: &'a Error,
}

impl fmt::Display for RetryNotice<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let host = self.url.host_str().unwrap_or("the server");
        match self.error {
            Error::NoAnswer { waited, .. } => write!(f, "no answer from {host} in {}", human(*waited))?,
            Error::Stalled { waited, .. } => write!(
                f,
                "{host} stopped sending in the middle of a response for {}",
                human(*waited)
            )?,
            Error::Connection { failure, .. } if failure.is_connect() => {
                write!(f, "could not connect to {host} ({})", self.error.reason())?;
            }
            Error::Connection { .. } => {
                write!(f, "the connection to {host} failed ({})", self.error.reason())?;
            }
            Error::Api { status: 429, .. } => {
                write!(f, "{host} answered 429: too many requests")?;
                if let Some(limit) = self.error.rate_limit() {
                    write!(f, " ({limit})")?;
                }
            }
            other => write!(f, "{host} {}", other.reason())?,
        }
        write!(
            f,
            "; retrying in {} (attempt {} of {})",
            human(self.wait),
            self.attempt + 1,
            self.max_attempts
        )
    }
}

/// Parses a `Retry-After` value: delay-seconds or an HTTP date.
pub(crate) fn parse_retry_after(value: &str, now: SystemTime) -> Option<Duration> {
    let value = value.trim();
    if let Ok(seconds) = value.parse::<u64>() {
        return Some(Duration::from_secs(seconds));
    }
    let when = httpdate::parse_http_date(value).ok()?;
    Some(when.duration_since(now).unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_in_seconds_or_as_a_date() {
        let now = SystemTime::UNIX_EPOCH + Duration::from_secs(1_445_412_480);
        assert_eq!(parse_retry_after("120", now), Some(Duration::from_secs(120)));
        assert_eq!(parse_retry_after(" 3 ", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:28:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 21 Oct 2015 07:27:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
        assert_eq!(parse_retry_after("-5", now), None);
    }
}
