//! The one form of every date ascert writes in its own `--json` documents: RFC 3339 in UTC, with
//! `Z` (`2026-12-07T00:22:30Z`, or `2026-12-07T00:22:30.328Z` where the time has a fraction).
//! Dates read from Apple (`+0000`) or from records on disk keep their form there; only what is
//! printed goes through here. Apple's own documents are printed as Apple sent them, untouched.

use time::format_description::well_known::Rfc3339;
use time::{OffsetDateTime, UtcOffset};

/// `date` in UTC, as RFC 3339 with `Z`.
pub(crate) fn format(date: OffsetDateTime) -> String {
    // Every `OffsetDateTime` in UTC has the fields RFC 3339 needs; a year past 9999 has not, and
    // no certificate or record carries one, but it is written in full rather than lost.
    let utc = date.to_offset(UtcOffset::UTC);
    utc.format(&Rfc3339).unwrap_or_else(|_| utc.to_string())
}

/// `#[serde(serialize_with = "crate::output::date::serialize")]` for an `OffsetDateTime` field.
#[allow(
    clippy::trivially_copy_pass_by_ref,
    reason = "serde's `serialize_with` hands fields over by reference"
)]
pub(crate) fn serialize<S: serde::Serializer>(
    date: &OffsetDateTime,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    serializer.serialize_str(&format(*date))
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn every_offset_is_written_in_utc_with_z() {
        assert_eq!(format(datetime!(2026-12-07 00:22:30 UTC)), "2026-12-07T00:22:30Z");
        assert_eq!(
            format(datetime!(2026-12-07 01:22:30.328 +01:00)),
            "2026-12-07T00:22:30.328Z"
        );
        let apple = ascert_models::date::parse("2027-12-07T00:23:04.000+0000").unwrap();
        assert_eq!(format(apple), "2027-12-07T00:23:04Z");
    }
}
