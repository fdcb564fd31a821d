//! Apple's error documents: every failure the sandbox answers, with the status, code, title and
//! wording App Store Connect uses.

use ascert_models::{ApiError, ErrorResponse, ErrorSource, ErrorSourceParameter, ErrorSourcePointer};
use axum::Json;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};

/// The detail Apple gives with every `401 NOT_AUTHORIZED`, whatever was wrong with the token.
pub(crate) const NOT_AUTHORIZED_DETAIL: &str = "Provide a properly configured and signed bearer token, and make \
     sure that it has not expired. Learn more about Generating Tokens for API Requests \
     https://developer.apple.com/go/?id=api-generating-tokens";

/// One failure, ready to be written as an [`ErrorResponse`] with its HTTP status.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ApiFailure {
    /// The HTTP status.
    pub(crate) status: StatusCode,
    /// The error object.
    pub(crate) error: Box<ApiError>,
    /// Seconds to put in `Retry-After`, for 429 and 503.
    pub(crate) retry_after: Option<u64>,
}

impl ApiFailure {
    fn new(status: StatusCode, code: &str, title: &str, detail: impl Into<String>) -> Self {
        Self {
            status,
            error: Box::new({
                let mut error = ApiError::new(status.as_u16(), code, title, detail);
                error.id = Some(error_id());
                error
            }),
            retry_after: None,
        }
    }

    fn with_parameter(mut self, parameter: &str) -> Self {
        self.error.source = Some(ErrorSource::Parameter(ErrorSourceParameter::new(parameter)));
        self
    }

    fn with_pointer(mut self, pointer: &str) -> Self {
        self.error.source = Some(ErrorSource::Pointer(ErrorSourcePointer::new(pointer)));
        self
    }

    /// `401 NOT_AUTHORIZED`: a missing, malformed, expired or wrongly signed token.
    pub(crate) fn not_authorized() -> Self {
        Self::new(
            StatusCode::UNAUTHORIZED,
            "NOT_AUTHORIZED",
            "Authentication credentials are missing or invalid.",
            NOT_AUTHORIZED_DETAIL,
        )
    }

    /// `403 FORBIDDEN_ERROR`: the key's role may not do this.
    pub(crate) fn forbidden() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ERROR",
            "This request is forbidden for security reasons",
            "The API key in use does not allow this request",
        )
    }

    /// `403 FORBIDDEN_ERROR` for creating a Developer ID certificate: whatever the key's role, Apple
    /// answers that only the Account Holder may (on the developer website or in Xcode). The detail is
    /// Apple's as its users quote it (fastlane issue 27149; see docs/sandbox.md); the error has no
    /// `source`.
    pub(crate) fn account_holder_only() -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ERROR",
            "This request is forbidden for security reasons",
            "This operation can only be performed by the Account Holder.",
        )
    }

    /// `404 NOT_FOUND` for a resource id that does not exist.
    pub(crate) fn not_found(kind: &str, id: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The specified resource does not exist",
            format!("There is no resource of type '{kind}' with id '{id}'"),
        )
    }

    /// `404 NOT_FOUND` for a path the API does not have.
    pub(crate) fn path_not_found(path: &str) -> Self {
        Self::new(
            StatusCode::NOT_FOUND,
            "NOT_FOUND",
            "The specified resource does not exist",
            format!("The path provided does not match a defined resource type. ({path})"),
        )
    }

    /// `405`, answered like Apple for a method a path does not support.
    pub(crate) fn method_not_allowed(method: &str) -> Self {
        Self::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "METHOD_NOT_ALLOWED",
            "The request method is not valid for the resource path.",
            format!("The request method '{method}' is not valid for the resource path."),
        )
    }

    /// `400 PARAMETER_ERROR.INVALID`: a query parameter with a value Apple does not accept.
    pub(crate) fn invalid_parameter(parameter: &str, value: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "PARAMETER_ERROR.INVALID",
            "A parameter has an invalid value",
            format!("'{value}' is not a valid value for the parameter '{parameter}'"),
        )
        .with_parameter(parameter)
    }

    /// `400 PARAMETER_ERROR.INVALID` for a filter value outside the values the filter takes, in
    /// Apple's words: "'`DEVELOPER_ID_APPLICATION_G2`' is not a valid filter value. Expected one of:
    /// `APPLE_PAY`, …" (as Apple answered from June 2025, reported in codemagic-cli-tools PR 467).
    pub(crate) fn invalid_filter_value(parameter: &str, value: &str, expected: &[&str]) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "PARAMETER_ERROR.INVALID",
            "A parameter has an invalid value",
            format!(
                "'{value}' is not a valid filter value. Expected one of: {}",
                expected.join(", ")
            ),
        )
        .with_parameter(parameter)
    }

    /// `400 PARAMETER_ERROR.INVALID` for a `limit` out of range.
    pub(crate) fn invalid_limit(parameter: &str, value: &str, max: u32) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "PARAMETER_ERROR.INVALID",
            "A parameter has an invalid value",
            format!("'{value}' is not a valid value for the parameter '{parameter}'; it must be 1 to {max}"),
        )
        .with_parameter(parameter)
    }

    /// `400 PARAMETER_ERROR.ILLEGAL`: a query parameter this endpoint does not take.
    pub(crate) fn illegal_parameter(parameter: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "PARAMETER_ERROR.ILLEGAL",
            "A parameter is not allowed for this request",
            format!("The parameter '{parameter}' can not be used with this request"),
        )
        .with_parameter(parameter)
    }

    /// `400 PARAMETER_ERROR.INVALID` for a body that is not JSON at all.
    pub(crate) fn malformed_body(problem: &str) -> Self {
        Self::new(
            StatusCode::BAD_REQUEST,
            "PARAMETER_ERROR.INVALID",
            "The request entity is invalid",
            format!("The request body is not a valid JSON document: {problem}"),
        )
    }

    /// `413` for a request body past `limit` bytes. Apple documents neither its limit nor its answer;
    /// this is an error document of Apple's shape with a code of the sandbox's own.
    pub(crate) fn body_too_large(limit: usize) -> Self {
        Self::new(
            StatusCode::PAYLOAD_TOO_LARGE,
            "ENTITY_TOO_LARGE",
            "The request entity is too large",
            format!("The request body is larger than {limit} bytes."),
        )
    }

    /// `422 ENTITY_UNPROCESSABLE` for JSON that is not the document the endpoint expects.
    pub(crate) fn unprocessable(problem: &str, pointer: &str) -> Self {
        Self::new(
            StatusCode::UNPROCESSABLE_ENTITY,
            "ENTITY_UNPROCESSABLE",
            "The request entity is not valid",
            format!("The request entity is not valid: {problem}"),
        )
        .with_pointer(pointer)
    }

    /// `409 ENTITY_ERROR.ATTRIBUTE.INVALID`: a body value the API refuses, such as a bad CSR.
    pub(crate) fn invalid_attribute(detail: impl Into<String>, pointer: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.ATTRIBUTE.INVALID",
            "An attribute value is invalid.",
            detail,
        )
        .with_pointer(pointer)
    }

    /// `409 ENTITY_ERROR.RELATIONSHIP.REQUIRED`: a relationship the certificate type needs is missing.
    pub(crate) fn missing_relationship(relationship: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.RELATIONSHIP.REQUIRED",
            "The provided entity is missing a required relationship",
            format!("You must provide a value for the relationship '{relationship}' with this request"),
        )
        .with_pointer(&format!("/data/relationships/{relationship}"))
    }

    /// `409 ENTITY_ERROR`: the per-type certificate limit is reached.
    pub(crate) fn limit_reached(type_label: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR",
            "There is a problem with the request entity",
            format!("You already have a current {type_label} certificate or a pending certificate request."),
        )
        .with_pointer("/data/attributes/certificateType")
    }

    /// `409 ENTITY_ERROR`, Apple's general refusal of a provisioning request, as its users quote it
    /// ("There is no App ID with ID 'X' on this team.", "A device with number 'X' already exists
    /// on this team.", "Invalid deviceClass for profile type."); it has no `source`.
    pub(crate) fn entity_error(detail: impl Into<String>) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR",
            "There is a problem with the request entity",
            detail,
        )
    }

    /// `409 ENTITY_ERROR.ATTRIBUTE.INVALID` with the title Apple gives it on the provisioning
    /// resources ("An App ID with Identifier 'X' is not available. …", "An invalid value 'X' was
    /// provided for the parameter 'udid'.").
    pub(crate) fn invalid_provisioning_attribute(detail: impl Into<String>, pointer: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.ATTRIBUTE.INVALID",
            "An attribute in the provided entity has invalid value",
            detail,
        )
        .with_pointer(pointer)
    }

    /// `409 ENTITY_ERROR.RELATIONSHIP.INVALID`: a profile's certificates or devices that are not
    /// current on the team or do not fit its type.
    pub(crate) fn invalid_relationship(detail: impl Into<String>, relationship: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.RELATIONSHIP.INVALID",
            "The provided entity includes a relationship with an invalid value",
            detail,
        )
        .with_pointer(&format!("/data/relationships/{relationship}"))
    }

    /// `409 ENTITY_ERROR.RELATIONSHIP.REQUIRED` for a development or ad hoc profile without
    /// devices, in Apple's words ("The relationship 'devices' is required but was not provided with
    /// this request.", codemagic-cli-tools PR 256; the title is cut short there and completed).
    pub(crate) fn required_relationship(relationship: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.RELATIONSHIP.REQUIRED",
            "Relationship is required",
            format!("The relationship '{relationship}' is required but was not provided with this request."),
        )
        .with_pointer(&format!("/data/relationships/{relationship}"))
    }

    /// `409 ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED` for devices in a profile that takes none, in
    /// Apple's words for the App Store ("No devices can be associated to Provisioning Profiles for
    /// the App Store.", codemagic-cli-tools PR 26).
    pub(crate) fn relationship_not_allowed(detail: impl Into<String>, relationship: &str) -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED",
            "A relationship in the provided entity is not allowed for this request",
            detail,
        )
        .with_pointer(&format!("/data/relationships/{relationship}"))
    }

    /// `403 FORBIDDEN_ERROR` past the yearly device limit of a device family, in Apple's words
    /// ("Your development team has reached the maximum number of registered iPhone devices.", as
    /// fastlane's `register_devices` printed it in 2026).
    pub(crate) fn device_limit_reached(family: &str) -> Self {
        Self::new(
            StatusCode::FORBIDDEN,
            "FORBIDDEN_ERROR",
            "This request is forbidden for security reasons",
            format!("Your development team has reached the maximum number of registered {family} devices."),
        )
    }

    /// `409 ENTITY_ERROR.ATTRIBUTE.INVALID` for a `PATCH` whose id differs from the path's.
    pub(crate) fn id_mismatch() -> Self {
        Self::new(
            StatusCode::CONFLICT,
            "ENTITY_ERROR.INCLUDED.INVALID_ID",
            "The provided entity includes an attribute with an invalid value",
            "The resource id in the request body does not match the id in the path",
        )
        .with_pointer("/data/id")
    }

    /// `429 RATE_LIMIT_EXCEEDED`.
    pub(crate) fn rate_limited(retry_after: u64) -> Self {
        let mut failure = Self::new(
            StatusCode::TOO_MANY_REQUESTS,
            "RATE_LIMIT_EXCEEDED",
            "The request rate limit has been reached.",
            "We've received too many requests for this API. Please wait and try again or slow down your \
             request rate.",
        );
        failure.retry_after = Some(retry_after);
        failure
    }

    /// `500 UNEXPECTED_ERROR`.
    pub(crate) fn unexpected() -> Self {
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "UNEXPECTED_ERROR",
            "An unexpected error occurred.",
            "An unexpected error occurred on the server side. If this issue continues, contact us at \
             https://developer.apple.com/contact/.",
        )
    }

    /// `503 SERVICE_UNAVAILABLE`.
    pub(crate) fn unavailable(retry_after: u64) -> Self {
        let mut failure = Self::new(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "The service is unavailable.",
            "The service is temporarily unavailable. Please try again later.",
        );
        failure.retry_after = Some(retry_after);
        failure
    }

    /// The `{"errors": [...]}` document.
    pub(crate) fn document(&self) -> ErrorResponse {
        ErrorResponse::new(vec![(*self.error).clone()])
    }
}

/// A fresh id for one error occurrence, shaped like Apple's (a UUID).
fn error_id() -> String {
    crate::ids::uuid()
}

/// A failure inside the sandbox (issuing, saving state) answers Apple's generic 500: the client
/// cannot act on the cause, and a library has nowhere to print it.
#[allow(clippy::needless_pass_by_value, reason = "used as a `map_err` function")]
pub(crate) fn internal(_: crate::SandboxError) -> ApiFailure {
    ApiFailure::unexpected()
}

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.document())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn conflict_uses_apples_wording_and_points_at_the_type() {
        let failure = ApiFailure::limit_reached("iOS Distribution");
        let json = serde_json::to_value(failure.document()).unwrap();
        let error = &json["errors"][0];
        assert_eq!(error["status"], "409");
        assert_eq!(error["code"], "ENTITY_ERROR");
        assert_eq!(
            error["detail"],
            "You already have a current iOS Distribution certificate or a pending certificate request."
        );
        assert_eq!(error["source"]["pointer"], "/data/attributes/certificateType");
    }

    #[test]
    fn developer_id_creation_is_answered_as_apple_answers_it() {
        let failure = ApiFailure::account_holder_only();
        assert_eq!(failure.status, StatusCode::FORBIDDEN);
        let json = serde_json::to_value(failure.document()).unwrap();
        let error = &json["errors"][0];
        assert_eq!(error["status"], "403");
        assert_eq!(error["code"], "FORBIDDEN_ERROR");
        assert_eq!(error["title"], "This request is forbidden for security reasons");
        assert_eq!(
            error["detail"],
            "This operation can only be performed by the Account Holder."
        );
        assert!(error.get("source").is_none());
    }

    #[test]
    fn parameter_errors_name_the_parameter() {
        let failure = ApiFailure::invalid_parameter("filter[certificateType]", "NOPE");
        let json = serde_json::to_value(failure.document()).unwrap();
        assert_eq!(
            json["errors"][0]["source"]["parameter"],
            "filter[certificateType]"
        );
        assert_eq!(json["errors"][0]["code"], "PARAMETER_ERROR.INVALID");
        assert_eq!(failure.status, StatusCode::BAD_REQUEST);
    }
}
