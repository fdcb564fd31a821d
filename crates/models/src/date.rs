//! Dates as App Store Connect writes them.
//!
//! Apple sends `2020-02-12T13:17:50.000+0000`: milliseconds, and an offset without a colon, which strict
//! RFC 3339 parsers refuse. [`parse`] accepts that form and RFC 3339; [`format()`] writes Apple's form,
//! keeping the offset, so a document read from Apple is written back as Apple wrote it.
//!
//! The [`option`] module plugs these into serde for `Option<OffsetDateTime>` fields.

use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use time::{OffsetDateTime, format_description::FormatItem};

use crate::ModelError;

/// Apple's form: `2020-02-12T13:17:50.000+0000`, fraction optional on input.
const APPLE_INPUT: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second][optional [.[subsecond]]][offset_hour sign:mandatory][offset_minute]"
);
const APPLE_OUTPUT: &[FormatItem<'static>] = format_description!(
    "[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3][offset_hour sign:mandatory][offset_minute]"
);

/// Parses a date in Apple's `2020-02-12T13:17:50.000+0000` form or in RFC 3339.
///
/// # Errors
/// [`ModelError::InvalidDate`] when the text is in neither form.
///
/// ```
/// let a = ascert_models::date::parse("2020-02-12T13:17:50.000+0000").unwrap();
/// let b = ascert_models::date::parse("2020-02-12T13:17:50Z").unwrap();
/// assert_eq!(a, b);
/// ```
pub fn parse(text: &str) -> Result<OffsetDateTime, ModelError> {
    OffsetDateTime::parse(text, &Rfc3339)
        .or_else(|_| OffsetDateTime::parse(text, APPLE_INPUT))
        .map_err(|_| ModelError::InvalidDate {
            value: text.chars().take(64).collect(),
        })
}

/// Formats a date in Apple's form, `2020-02-12T13:17:50.000+0000`, keeping its offset.
pub fn format(date: OffsetDateTime) -> String {
    // The description only names fields every `OffsetDateTime` has, so formatting cannot fail.
    date.format(APPLE_OUTPUT)
        .unwrap_or_else(|_| unreachable!("Apple's date format covers every field"))
}

/// Serde adapters for `Option<OffsetDateTime>` in Apple's date form; use with
/// `#[serde(default, with = "ascert_models::date::option")]`.
pub mod option {
    use serde::{Deserialize, Deserializer, Serializer, de::Error as _};
    use time::OffsetDateTime;

    /// Writes `Some(date)` in Apple's form and `None` as `null`.
    ///
    /// # Errors
    /// Only those of the serializer.
    #[allow(clippy::ref_option, reason = "serde's `with` hands fields over by reference")]
    pub fn serialize<S: Serializer>(date: &Option<OffsetDateTime>, serializer: S) -> Result<S::Ok, S::Error> {
        match date {
            Some(d) => serializer.serialize_str(&super::format(*d)),
            None => serializer.serialize_none(),
        }
    }

    /// Reads a date in Apple's form or RFC 3339; `null` reads as `None`.
    ///
    /// # Errors
    /// When the value is a string in neither form, or not a string.
    pub fn deserialize<'de, D: Deserializer<'de>>(
        deserializer: D,
    ) -> Result<Option<OffsetDateTime>, D::Error> {
        Option::<String>::deserialize(deserializer)?
            .map(|s| super::parse(&s).map_err(D::Error::custom))
            .transpose()
    }
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    #[test]
    fn parses_apple_and_rfc3339_forms() {
        let expected = datetime!(2020-02-12 13:17:50 UTC);
        for text in [
            "2020-02-12T13:17:50.000+0000",
            "2020-02-12T13:17:50+0000",
            "2020-02-12T13:17:50.000Z",
            "2020-02-12T13:17:50Z",
            "2020-02-12T13:17:50.000+00:00",
            "2020-02-12T14:17:50.000+0100",
        ] {
            assert_eq!(parse(text).unwrap(), expected, "{text}");
        }
    }

    #[test]
    fn formats_in_apple_form_keeping_the_offset() {
        assert_eq!(
            format(datetime!(2020-02-12 13:17:50.5 UTC)),
            "2020-02-12T13:17:50.500+0000"
        );
        assert_eq!(
            format(parse("2020-02-12T14:17:50.000+0100").unwrap()),
            "2020-02-12T14:17:50.000+0100"
        );
    }

    #[test]
    fn rejects_other_text_with_the_value_in_the_error() {
        let err = parse("12/02/2020").unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"12/02/2020\" is not a date in Apple's or RFC 3339 form"
        );
    }
}
