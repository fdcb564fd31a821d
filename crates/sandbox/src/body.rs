//! Request bodies: the size limit, reading one (413 past the limit, 400 when it breaks off), and
//! parsing JSON (400 when it is not JSON, 422 with a pointer when it is not the document). A leaf:
//! the handlers and the exchange log read bodies the same way without depending on each other.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::apple_error::ApiFailure;

/// The largest request body the sandbox reads: a create request with its CSR is about 2 KiB. Apple
/// documents no limit and no answer for a larger body; the sandbox answers 413 with an error
/// document (`ApiFailure::body_too_large`) and reads no further, so a client that streams without
/// end cannot fill the sandbox's memory.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A request body as the handlers and the exchange log take it: at most [`MAX_REQUEST_BODY`] bytes
/// (the router's `DefaultBodyLimit`), else 413; a body that breaks off is a 400.
pub(crate) fn request_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiFailure> {
    body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::body_too_large(MAX_REQUEST_BODY)
        } else {
            ApiFailure::malformed_body("the request body could not be read")
        }
    })
}

/// Parses a JSON body: 400 when it is not JSON, 422 (with a pointer) when it is not the document.
pub(crate) fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiFailure> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiFailure::malformed_body(&e.to_string()))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = format!("/{}", e.path().to_string().replace('.', "/"));
        let pointer = if pointer == "/." { "/".to_owned() } else { pointer };
        ApiFailure::unprocessable(&e.inner().to_string(), &pointer)
    })
}
