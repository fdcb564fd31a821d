//! Samples of a repeated measurement: median, spread, and the formatting the report uses.

use std::time::Duration;

/// The durations of one measurement repeated; never empty once measured.
#[derive(Debug, Clone, Default)]
pub(crate) struct Samples {
    values: Vec<Duration>,
}

impl Samples {
    pub(crate) fn push(&mut self, value: Duration) {
        self.values.push(value);
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = Duration> + '_ {
        self.values.iter().copied()
    }

    pub(crate) fn len(&self) -> usize {
        self.values.len()
    }

    fn sorted(&self) -> Vec<Duration> {
        let mut sorted = self.values.clone();
        sorted.sort_unstable();
        sorted
    }

    /// The median (the mean of the middle two for an even count); zero when empty.
    pub(crate) fn median(&self) -> Duration {
        let sorted = self.sorted();
        match sorted.len() {
            0 => Duration::ZERO,
            n if n % 2 == 1 => sorted[n / 2],
            n => (sorted[n / 2 - 1] + sorted[n / 2]) / 2,
        }
    }

    pub(crate) fn min(&self) -> Duration {
        self.values.iter().copied().min().unwrap_or_default()
    }

    pub(crate) fn max(&self) -> Duration {
        self.values.iter().copied().max().unwrap_or_default()
    }

    /// `median (min–max, n runs)`.
    pub(crate) fn describe(&self) -> String {
        format!(
            "{} (min {}, max {}, n={})",
            ms(self.median()),
            ms(self.min()),
            ms(self.max()),
            self.len()
        )
    }
}

/// A duration in milliseconds, with the precision that suits its size.
pub(crate) fn ms(value: Duration) -> String {
    let millis = value.as_secs_f64() * 1e3;
    if millis >= 100.0 {
        format!("{millis:.0} ms")
    } else if millis >= 1.0 {
        format!("{millis:.2} ms")
    } else {
        format!("{:.1} µs", millis * 1e3)
    }
}

/// `a / b`, for the ratios against a baseline.
pub(crate) fn ratio(a: Duration, b: Duration) -> f64 {
    if b.is_zero() {
        return f64::INFINITY;
    }
    a.as_secs_f64() / b.as_secs_f64()
}

/// A size in kibibytes as mebibytes.
#[allow(clippy::cast_precision_loss, reason = "a few MB, shown with one decimal")]
pub(crate) fn mib(kib: u64) -> String {
    format!("{:.1} MB", kib as f64 / 1024.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn samples(millis: &[u64]) -> Samples {
        let mut samples = Samples::default();
        for &m in millis {
            samples.push(Duration::from_millis(m));
        }
        samples
    }

    #[test]
    fn the_median_is_the_middle_value_or_the_mean_of_the_middle_two() {
        assert_eq!(samples(&[9, 1, 5]).median(), Duration::from_millis(5));
        assert_eq!(samples(&[4, 1, 2, 3]).median(), Duration::from_micros(2500));
        assert_eq!(samples(&[]).median(), Duration::ZERO);
    }

    #[test]
    fn descriptions_read_as_milliseconds() {
        assert_eq!(
            samples(&[3, 1, 2]).describe(),
            "2.00 ms (min 1.00 ms, max 3.00 ms, n=3)"
        );
        assert_eq!(ms(Duration::from_micros(250)), "250.0 µs");
        assert_eq!(ms(Duration::from_millis(1234)), "1234 ms");
        assert_eq!(mib(10 * 1024), "10.0 MB");
    }
}
