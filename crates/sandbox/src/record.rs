//! The exchange log: with [`SandboxBuilder::record_exchanges`](crate::SandboxBuilder::record_exchanges),
//! every answered `/v1` request is kept with its answer, so a test can check what a client (one we
//! did not write, say) sent and received, byte for byte, without a proxy in between.

use std::sync::{Arc, Mutex};

use axum::body::{Body, Bytes, to_bytes};
use axum::extract::{FromRequest as _, Request, State};
use axum::http::header;
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::apple_error::ApiFailure;
use crate::sync::lock;

/// The largest answer the log keeps; the sandbox's own answers are far smaller. (Requests are
/// bounded by the router, at [`crate::body::MAX_REQUEST_BODY`].)
const MAX_BODY: usize = 16 * 1024 * 1024;

/// One `/v1` request and the answer the sandbox sent, as recorded by the exchange log.
///
/// Request headers are not kept: the bearer token is a credential.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Exchange {
    /// The request method, such as `GET`.
    pub method: String,
    /// The path and query exactly as the client sent them, escapes included.
    pub path_and_query: String,
    /// The request body (empty when there was none).
    pub request_body: Vec<u8>,
    /// The status of the answer.
    pub status: u16,
    /// The answer's `Content-Type`, if it had one.
    pub content_type: Option<String>,
    /// The answer's body (empty for `204`).
    pub response_body: Vec<u8>,
}

/// The log itself, kept apart from the sandbox's state: only this middleware writes to it.
#[derive(Debug, Default)]
pub(crate) struct ExchangeLog(Mutex<Vec<Exchange>>);

impl ExchangeLog {
    /// The exchanges so far, oldest first.
    pub(crate) fn exchanges(&self) -> Vec<Exchange> {
        lock(&self.0).clone()
    }
}

/// The middleware that records each `/v1` exchange in `log`. Requests that get no answer (a reset
/// or dropped connection) are not recorded.
pub(crate) async fn record(State(log): State<Arc<ExchangeLog>>, request: Request, next: Next) -> Response {
    if !request.uri().path().starts_with("/v1") {
        return next.run(request).await;
    }
    let method = request.method().to_string();
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    let (parts, body) = request.into_parts();
    // Read as the handlers read it, within the router's `DefaultBodyLimit`.
    let read = Bytes::from_request(Request::from_parts(parts.clone(), body), &()).await;
    let request_body = match crate::body::request_body(read) {
        Ok(bytes) => bytes,
        Err(failure) => return failure.into_response(),
    };
    let response = next
        .run(Request::from_parts(parts, Body::from(request_body.clone())))
        .await;
    let (parts, body) = response.into_parts();
    let Ok(response_body) = to_bytes(body, MAX_BODY).await else {
        return ApiFailure::unexpected().into_response();
    };
    lock(&log.0).push(Exchange {
        method,
        path_and_query,
        request_body: request_body.to_vec(),
        status: parts.status.as_u16(),
        content_type: parts
            .headers
            .get(header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned),
        response_body: response_body.to_vec(),
    });
    Response::from_parts(parts, Body::from(response_body))
}
