//! [`Deadline`]: the moment by which a whole operation (a command, a listing, a create) must be
//! done, shared by every request made for it.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use tokio::time::Instant;

/// When an operation must be done, however many requests and retries it takes.
///
/// Cheap to clone; the clones share one moment, so [`extend`](Self::extend) moves it for every
/// holder (a command that knowingly waits longer, such as for another runner's lease, makes room
/// for that wait). A [`Client`](crate::Client) given a deadline
/// ([`Client::with_deadline`](crate::Client::with_deadline)) cuts each attempt short at it, never
/// starts a retry whose wait would pass it, and then fails with
/// [`Error::DeadlineExceeded`](crate::Error::DeadlineExceeded).
///
/// `Display` shows the time it allows, such as `2 min`.
///
/// ```
/// use std::time::Duration;
/// use ascert_transport::Deadline;
///
/// let deadline = Deadline::after(Duration::from_secs(120));
/// assert!(!deadline.is_past());
/// assert_eq!(deadline.to_string(), "2 min");
/// deadline.extend(Duration::from_secs(30));
/// assert_eq!(deadline.allowed(), Duration::from_secs(150));
/// ```
#[derive(Clone)]
pub struct Deadline {
    inner: Arc<Mutex<Moment>>,
}

#[derive(Debug, Clone, Copy)]
struct Moment {
    at: Instant,
    allowed: Duration,
}

impl Deadline {
    /// A deadline `allowed` from now.
    pub fn after(allowed: Duration) -> Self {
        let now = Instant::now();
        Self {
            inner: Arc::new(Mutex::new(Moment {
                at: now.checked_add(allowed).unwrap_or_else(far_future),
                allowed,
            })),
        }
    }

    fn moment(&self) -> Moment {
        *self.inner.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// The moment itself.
    pub fn at(&self) -> Instant {
        self.moment().at
    }

    /// The time it allows in all, extensions included (what messages call "the deadline").
    pub fn allowed(&self) -> Duration {
        self.moment().allowed
    }

    /// The time left; zero once it has passed.
    pub fn remaining(&self) -> Duration {
        self.at().saturating_duration_since(Instant::now())
    }

    /// Whether it has passed.
    pub fn is_past(&self) -> bool {
        Instant::now() >= self.at()
    }

    /// Moves the deadline `by` later, for every clone.
    pub fn extend(&self, by: Duration) {
        let mut moment = self.inner.lock().unwrap_or_else(PoisonError::into_inner);
        moment.at = moment.at.checked_add(by).unwrap_or_else(far_future);
        moment.allowed = moment.allowed.saturating_add(by);
    }

    /// Resolves once the deadline has passed, extensions made while waiting included.
    pub async fn passed(&self) {
        loop {
            let at = self.at();
            if Instant::now() >= at {
                return;
            }
            tokio::time::sleep_until(at).await;
        }
    }
}

/// A moment no operation reaches: about thirty years from now.
fn far_future() -> Instant {
    Instant::now() + Duration::from_secs(30 * 365 * 24 * 3600)
}

impl fmt::Debug for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Deadline")
            .field("allowed", &self.allowed())
            .field("remaining", &self.remaining())
            .finish()
    }
}

impl fmt::Display for Deadline {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&human(self.allowed()))
    }
}

/// A duration as people write it: `250 ms`, `1.5 s`, `30 s`, `2 min`, `1 min 30 s`, `1 h`.
pub(crate) fn human(duration: Duration) -> String {
    let millis = duration.as_millis();
    if millis < 1_000 {
        return format!("{millis} ms");
    }
    let seconds = duration.as_secs();
    if seconds < 10 && !millis.is_multiple_of(1_000) {
        let tenths = (millis + 50) / 100;
        return if tenths.is_multiple_of(10) {
            format!("{} s", tenths / 10)
        } else {
            format!("{}.{} s", tenths / 10, tenths % 10)
        };
    }
    match (seconds / 3600, seconds % 3600 / 60, seconds % 60) {
        (0, 0, s) => format!("{s} s"),
        (0, m, 0) => format!("{m} min"),
        (0, m, s) => format!("{m} min {s} s"),
        (h, 0, 0) => format!("{h} h"),
        (h, m, _) => format!("{h} h {m} min"),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_as_people_write_them() {
        for (millis, text) in [
            (0, "0 ms"),
            (250, "250 ms"),
            (1_000, "1 s"),
            (1_500, "1.5 s"),
            (9_960, "10 s"),
            (30_000, "30 s"),
            (120_000, "2 min"),
            (90_000, "1 min 30 s"),
            (3_600_000, "1 h"),
            (5_400_000, "1 h 30 min"),
        ] {
            assert_eq!(human(Duration::from_millis(millis)), text, "{millis} ms");
        }
    }

    #[tokio::test(start_paused = true)]
    async fn a_deadline_passes_once_and_extensions_reach_every_clone() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let clone = deadline.clone();
        tokio::time::sleep(Duration::from_secs(4)).await;
        assert_eq!(deadline.remaining(), Duration::from_secs(6));
        clone.extend(Duration::from_secs(5));
        assert_eq!(deadline.remaining(), Duration::from_secs(11));
        assert_eq!(deadline.allowed(), Duration::from_secs(15));
        let started = Instant::now();
        deadline.passed().await;
        assert_eq!(started.elapsed(), Duration::from_secs(11));
        assert!(clone.is_past());
        assert_eq!(clone.remaining(), Duration::ZERO);
    }

    #[tokio::test(start_paused = true)]
    async fn waiting_for_a_deadline_sees_an_extension_made_meanwhile() {
        let deadline = Deadline::after(Duration::from_secs(10));
        let extender = deadline.clone();
        tokio::spawn(async move {
            tokio::time::sleep(Duration::from_secs(5)).await;
            extender.extend(Duration::from_secs(60));
        });
        let started = Instant::now();
        deadline.passed().await;
        assert_eq!(started.elapsed(), Duration::from_secs(70));
    }
}
