//! The one duration grammar of the command line and the environment (`--timeout`, `--wait`,
//! `ASCERT_TIMEOUT`, `ASCERT_TEAM_LEASE_TTL`): a whole number with a unit, `ms`, `s`, `m` or `h`
//! (`500ms`, `90s`, `10m`, `1h`), or bare seconds.

use std::time::Duration;

/// Parses a duration of the grammar above; zero is allowed (see [`parse_positive`]).
pub(crate) fn parse(text: &str) -> Result<Duration, String> {
    let bad = || format!("{text:?} is not a duration such as 90s, 2m or 1h");
    let trimmed = text.trim();
    let (number, unit) = trimmed
        .find(|c: char| !c.is_ascii_digit())
        .map_or((trimmed, ""), |at| trimmed.split_at(at));
    let value: u64 = number.parse().map_err(|_| bad())?;
    match unit {
        "ms" => Some(Duration::from_millis(value)),
        "" | "s" => Some(Duration::from_secs(value)),
        "m" => value.checked_mul(60).map(Duration::from_secs),
        "h" => value.checked_mul(3600).map(Duration::from_secs),
        _ => None,
    }
    .ok_or_else(bad)
}

/// Parses `--timeout` (and `ASCERT_TIMEOUT`): a duration of more than zero.
pub(crate) fn parse_positive(text: &str) -> Result<Duration, String> {
    let duration = parse(text)?;
    if duration.is_zero() {
        return Err(format!("{text:?}: the timeout must be more than zero"));
    }
    Ok(duration)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_take_milliseconds_seconds_minutes_and_hours() {
        assert_eq!(parse("500ms"), Ok(Duration::from_millis(500)));
        assert_eq!(parse("90s"), Ok(Duration::from_secs(90)));
        assert_eq!(parse("10m"), Ok(Duration::from_secs(600)));
        assert_eq!(parse("1h"), Ok(Duration::from_secs(3600)));
        assert_eq!(parse("45"), Ok(Duration::from_secs(45)));
        assert_eq!(parse("0s"), Ok(Duration::ZERO));
        for bad in ["", "m", "10 min", "1d", "-5s", "1.5s", "99999999999999999999h"] {
            assert!(parse(bad).is_err(), "{bad}");
            assert!(parse_positive(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_timeout_is_more_than_zero() {
        assert_eq!(parse_positive("2m"), Ok(Duration::from_secs(120)));
        for zero in ["0", "0s", "0ms"] {
            assert!(
                parse_positive(zero).unwrap_err().contains("more than zero"),
                "{zero}"
            );
        }
    }
}
