//! [`ErrorResponse`]: the `{"errors": [...]}` document Apple answers every failure with.

use std::collections::BTreeMap;
use std::fmt;

use serde::{Deserialize, Serialize};

/// Apple's error document. Keep it whole: the first error is rarely the only one that matters.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorResponse {
    /// Every error Apple reported, in its order.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub errors: Vec<ApiError>,
}

/// One error of an [`ErrorResponse`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ApiError {
    /// Apple's unique id of this occurrence, useful when reporting a problem to Apple.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id: Option<String>,
    /// The HTTP status, as a string (`"409"`). Empty when Apple left it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub status: String,
    /// A machine-readable code such as `ENTITY_ERROR` or `PARAMETER_ERROR.INVALID`. Empty when Apple
    /// left it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub code: String,
    /// A short summary. Empty when Apple left it out.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub title: String,
    /// A sentence about this occurrence. Apple leaves it out at times (a 409 without `detail`:
    /// FB12292035); then it is empty.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub detail: String,
    /// The request parameter or body field at fault.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<ErrorSource>,
    /// Links about the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ErrorLinks>,
    /// More detail, such as errors associated with this one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<ErrorMeta>,
}

impl ErrorResponse {
    /// A document holding `errors`.
    pub fn new(errors: Vec<ApiError>) -> Self {
        Self { errors }
    }
}

impl From<Vec<ApiError>> for ErrorResponse {
    fn from(errors: Vec<ApiError>) -> Self {
        Self::new(errors)
    }
}

impl ApiError {
    /// An error with its HTTP `status`, machine-readable `code`, `title` and `detail`; the optional
    /// fields (`id`, `source`, `links`, `meta`) are empty and can be set afterwards.
    ///
    /// ```
    /// use ascert_models::{ApiError, ErrorSource, ErrorSourceParameter};
    ///
    /// let mut error = ApiError::new(400, "PARAMETER_ERROR.INVALID", "A parameter has an invalid value", "…");
    /// error.source = Some(ErrorSource::Parameter(ErrorSourceParameter::new("filter[certificateType]")));
    /// assert_eq!(error.status_code(), Some(400));
    /// ```
    pub fn new(
        status: u16,
        code: impl Into<String>,
        title: impl Into<String>,
        detail: impl Into<String>,
    ) -> Self {
        Self {
            status: status.to_string(),
            code: code.into(),
            title: title.into(),
            detail: detail.into(),
            ..Self::default()
        }
    }

    /// The HTTP status as a number, if `status` holds one.
    pub fn status_code(&self) -> Option<u16> {
        self.status.parse().ok()
    }

    /// The errors Apple associated with this one, keyed by the path they concern.
    pub fn associated_errors(&self) -> impl Iterator<Item = (&str, &ApiError)> {
        self.meta
            .iter()
            .flat_map(|m| m.associated_errors.iter().flatten())
            .flat_map(|(path, errors)| errors.iter().map(move |e| (path.as_str(), e)))
    }
}

impl fmt::Display for ApiError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        // Whatever Apple sent, and nothing it did not: any of title, code and detail may be missing.
        let title = if self.title.is_empty() {
            "App Store Connect error"
        } else {
            self.title.as_str()
        };
        f.write_str(title)?;
        if !self.code.is_empty() {
            write!(f, " ({})", self.code)?;
        }
        if !self.detail.is_empty() {
            write!(f, ": {}", self.detail)?;
        }
        match &self.source {
            Some(ErrorSource::Parameter(p)) => write!(f, " [parameter {}]", p.parameter),
            Some(ErrorSource::Pointer(p)) => write!(f, " [at {}]", p.pointer),
            None => Ok(()),
        }
    }
}

impl fmt::Display for ErrorResponse {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.errors.as_slice() {
            [] => f.write_str("App Store Connect reported an error without details"),
            [only] => only.fmt(f),
            [first, rest @ ..] => write!(f, "{first} (and {} more)", rest.len()),
        }
    }
}

/// Where an error comes from: a JSON pointer into the request body, or a query parameter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ErrorSource {
    /// A field of the request body.
    Pointer(ErrorSourcePointer),
    /// A query parameter.
    Parameter(ErrorSourceParameter),
}

/// A JSON pointer (RFC 6901) into the request document, such as `/data/attributes/csrContent`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorSourcePointer {
    /// The pointer.
    pub pointer: String,
}

impl ErrorSourcePointer {
    /// A pointer such as `/data/attributes/csrContent`.
    pub fn new(pointer: impl Into<String>) -> Self {
        Self {
            pointer: pointer.into(),
        }
    }
}

/// A query parameter at fault, such as `filter[certificateType]`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorSourceParameter {
    /// The parameter's name.
    pub parameter: String,
}

impl ErrorSourceParameter {
    /// The parameter `parameter`, such as `filter[certificateType]`.
    pub fn new(parameter: impl Into<String>) -> Self {
        Self {
            parameter: parameter.into(),
        }
    }
}

/// Links of an error.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorLinks {
    /// A page about this kind of error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub about: Option<String>,
    /// A resource associated with the error.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated: Option<ErrorLinksAssociated>,
    /// Where in App Store Connect to fix the problem, as Apple sends it without its host, such as
    /// `/agreements` with `FORBIDDEN.REQUIRED_AGREEMENTS_MISSING_OR_EXPIRED`. Real responses carry
    /// it though the specification does not list it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub see: Option<String>,
}

/// The `associated` link of an error: a bare URL or a link object.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
#[non_exhaustive]
pub enum ErrorLinksAssociated {
    /// A URL.
    Url(String),
    /// A link object with a target and metadata.
    Link(AssociatedErrorLink),
}

/// A link object in [`ErrorLinksAssociated`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssociatedErrorLink {
    /// The target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub href: Option<String>,
    /// About the target.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<AssociatedErrorLinkMeta>,
}

/// The `meta` of an [`AssociatedErrorLink`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct AssociatedErrorLinkMeta {
    /// What the link refers to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<String>,
}

/// The free-form `meta` of an error. `associatedErrors` is typed; anything else is kept as JSON.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ErrorMeta {
    /// Further errors, keyed by the path they concern.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub associated_errors: Option<BTreeMap<String, Vec<ApiError>>>,
    /// Every other entry, as Apple sent it.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_conflict_reads_as_apple_wrote_it() {
        let doc: ErrorResponse = serde_json::from_str(
            r#"{"errors":[{"id":"5b6b4d1e","status":"409","code":"ENTITY_ERROR",
            "title":"There is a problem with the request entity",
            "detail":"You already have a current Distribution certificate or a pending certificate request.",
            "source":{"pointer":"/data/attributes/certificateType"},
            "meta":{"associatedErrors":{"/v1/certificates":[{"status":"409","code":"ENTITY_ERROR.LIMIT",
              "title":"Limit","detail":"Limit reached"}]},"traceId":"abc"}}]}"#,
        )
        .unwrap();
        let err = &doc.errors[0];
        assert_eq!(err.status_code(), Some(409));
        assert_eq!(
            err.to_string(),
            "There is a problem with the request entity (ENTITY_ERROR): You already have a current \
             Distribution certificate or a pending certificate request. [at /data/attributes/certificateType]"
        );
        let associated: Vec<_> = err
            .associated_errors()
            .map(|(p, e)| (p, e.code.as_str()))
            .collect();
        assert_eq!(associated, [("/v1/certificates", "ENTITY_ERROR.LIMIT")]);
        assert_eq!(err.meta.as_ref().unwrap().other["traceId"], "abc");
    }

    #[test]
    fn a_conflict_without_detail_still_reads_and_says_what_apple_sent() {
        // FB12292035: Apple's 409 does not always carry `detail`.
        let doc: ErrorResponse = serde_json::from_str(
            r#"{"errors":[{"status":"409","code":"ENTITY_ERROR","title":"There is a problem with the request entity"}]}"#,
        )
        .unwrap();
        let err = &doc.errors[0];
        assert_eq!(err.status_code(), Some(409));
        assert_eq!(err.detail, "");
        assert_eq!(
            err.to_string(),
            "There is a problem with the request entity (ENTITY_ERROR)"
        );
        // Written back, it carries nothing Apple did not send.
        let written = serde_json::to_value(err).unwrap();
        assert_eq!(
            written,
            serde_json::json!({"status":"409","code":"ENTITY_ERROR","title":"There is a problem with the request entity"})
        );

        let bare: ErrorResponse = serde_json::from_str(r#"{"errors":[{"status":"409"}]}"#).unwrap();
        assert_eq!(bare.errors[0].to_string(), "App Store Connect error");
    }
}
