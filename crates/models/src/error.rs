//! [`ModelError`]: what can go wrong when working with the models without any I/O.

/// A lower-level library's error (the base64 decoder's), kept as the source of a [`ModelError`]
/// without naming its type, so that a new major version of that library is not a breaking change
/// here. Shared, so that [`ModelError`] stays `Clone`.
pub type BoxedSource = std::sync::Arc<dyn std::error::Error + Send + Sync>;

/// An error from this crate: a value that does not fit Apple's rules.
#[derive(Debug, Clone, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A date that is neither in Apple's `2020-02-12T13:17:50.000+0000` form nor RFC 3339.
    #[error("{value:?} is not a date in Apple's or RFC 3339 form")]
    InvalidDate {
        /// The text that failed, cut to 64 characters.
        value: String,
    },
    /// A page size outside what Apple accepts.
    #[error("limit {limit} is out of range: Apple accepts 1 to {max} resources per page")]
    LimitOutOfRange {
        /// The limit that was asked for.
        limit: u32,
        /// The largest limit Apple accepts.
        max: u32,
    },
    /// A word that is not one of the values Apple accepts, such as an unknown sort field.
    #[error("{value:?} is not a valid {what}; expected one of: {expected}")]
    UnknownValue {
        /// What kind of word it is, such as "sort field".
        what: &'static str,
        /// The word, cut to 64 characters.
        value: String,
        /// The accepted values, comma-separated.
        expected: String,
    },
    /// A certificate without `certificateContent` (for instance listed with sparse fields).
    #[error("certificate {id} has no certificateContent; fetch it without a fields[certificates] filter")]
    MissingContent {
        /// The certificate's id.
        id: String,
    },
    /// A `certificateContent` that is not valid base64.
    #[error("certificate {id} has a certificateContent that is not valid base64: {source}")]
    InvalidContent {
        /// The certificate's id.
        id: String,
        /// What the decoder found.
        #[source]
        source: BoxedSource,
    },
    /// A profile without `profileContent` (for instance listed with sparse fields).
    #[error("profile {id} has no profileContent; fetch it without a fields[profiles] filter")]
    MissingProfileContent {
        /// The profile's id.
        id: String,
    },
    /// A `profileContent` that is not valid base64.
    #[error("profile {id} has a profileContent that is not valid base64: {source}")]
    InvalidProfileContent {
        /// The profile's id.
        id: String,
        /// What the decoder found.
        #[source]
        source: BoxedSource,
    },
}
