//! Fault injection: a seeded, reproducible sequence of 429s, 5xxs, resets and delays, and the
//! "drop the response of the next N successful creates" counter.

use std::time::Duration;

use rand::rngs::StdRng;
use rand::{RngExt as _, SeedableRng as _};

use crate::FaultConfig;

/// One injected fault.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// `429 RATE_LIMIT_EXCEEDED` with `Retry-After`.
    RateLimited,
    /// `500 UNEXPECTED_ERROR`.
    ServerError,
    /// `503 SERVICE_UNAVAILABLE` with `Retry-After`.
    Unavailable,
    /// The connection is reset without an answer.
    Reset,
    /// The request is answered normally after this delay.
    Delay(Duration),
}

/// The fault settings and the state of the seeded sequence.
#[derive(Debug)]
pub(crate) struct Faults {
    pub(crate) config: FaultConfig,
    rng: StdRng,
}

impl Faults {
    pub(crate) fn new(config: FaultConfig) -> Self {
        Self {
            rng: StdRng::seed_from_u64(config.seed),
            config,
        }
    }

    /// Sets the fault rate and restarts the sequence from the seed.
    pub(crate) fn set_rate(&mut self, rate: f64, seed: u64) {
        self.config.rate = rate.clamp(0.0, 1.0);
        self.config.seed = seed;
        self.rng = StdRng::seed_from_u64(seed);
    }

    /// Draws the fault for the next request, if any.
    pub(crate) fn roll(&mut self) -> Option<Fault> {
        if self.config.rate <= 0.0 || !self.rng.random_bool(self.config.rate.clamp(0.0, 1.0)) {
            return None;
        }
        Some(match self.rng.random_range(0..5u8) {
            0 => Fault::RateLimited,
            1 => Fault::ServerError,
            2 => Fault::Unavailable,
            3 => Fault::Reset,
            _ => {
                let max = u64::try_from(self.config.max_fault_latency.as_millis()).unwrap_or(u64::MAX);
                Fault::Delay(Duration::from_millis(self.rng.random_range(0..=max)))
            }
        })
    }

    /// Whether the response of a create that just succeeded is to be dropped; counts it.
    pub(crate) fn take_create_drop(&mut self) -> bool {
        if self.config.drop_create_responses == 0 {
            return false;
        }
        self.config.drop_create_responses -= 1;
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sequence(seed: u64) -> Vec<Option<Fault>> {
        let mut faults = Faults::new(FaultConfig {
            rate: 0.5,
            seed,
            ..FaultConfig::default()
        });
        (0..64).map(|_| faults.roll()).collect()
    }

    #[test]
    fn the_same_seed_gives_the_same_faults_and_mixes_every_kind() {
        let a = sequence(7);
        assert_eq!(a, sequence(7));
        assert_ne!(a, sequence(8));
        let faults: Vec<_> = a.iter().flatten().collect();
        assert!(faults.len() > 16 && faults.len() < 48, "{}", faults.len());
        assert!(faults.contains(&&Fault::RateLimited));
        assert!(faults.contains(&&Fault::Reset));
        assert!(faults.iter().any(|f| matches!(f, Fault::Delay(_))));
    }

    #[test]
    fn no_rate_means_no_faults_and_drops_count_down() {
        let mut faults = Faults::new(FaultConfig {
            drop_create_responses: 2,
            ..FaultConfig::default()
        });
        assert!((0..100).all(|_| faults.roll().is_none()));
        assert!(faults.take_create_drop());
        assert!(faults.take_create_drop());
        assert!(!faults.take_create_drop());
    }
}
