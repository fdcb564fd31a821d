//! The path every `/v1/*` request takes before and after its handler: fixed latency, injected faults,
//! the JWT check, the key's role, the hourly quota with its `X-Rate-Limit` header, and dropping the
//! response of a successful create (any `POST` answered `201 Created`) when asked to. It knows no
//! route: the composition root (`app.rs`) puts it around them.

use std::sync::Arc;
use std::time::{Instant, SystemTime, UNIX_EPOCH};

use axum::extract::{Request, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::apple_error::ApiFailure;
use crate::faults::Fault;
use crate::rate_limit::{self, Quota};
use crate::server::ConnectionControl;
use crate::state::Shared;
use crate::sync::lock;

/// The header Apple reports the hourly quota in.
pub const RATE_LIMIT_HEADER: &str = "x-rate-limit";

fn with_quota(mut response: Response, limit: u32, remaining: u32) -> Response {
    if let Ok(value) = HeaderValue::from_str(&rate_limit::header_value(limit, remaining)) {
        response.headers_mut().insert(RATE_LIMIT_HEADER, value);
    }
    response
}

/// Ends the exchange without an answer: the connection closes (or is reset) under the client.
async fn drop_connection(control: Option<ConnectionControl>, reset: bool) -> Response {
    match control {
        Some(control) => {
            control.abort(reset);
            // The connection task drops this future together with the connection.
            std::future::pending::<Response>().await
        }
        None => ApiFailure::unexpected().into_response(),
    }
}

fn is_write(method: &Method) -> bool {
    matches!(*method, Method::POST | Method::PATCH | Method::DELETE)
}

/// The middleware around every route.
pub(crate) async fn pipeline(
    State(shared): State<Arc<Shared>>,
    mut request: Request,
    next: Next,
) -> Response {
    if request.uri().path().starts_with("/sandbox/") {
        return next.run(request).await;
    }
    let control = request.extensions().get::<ConnectionControl>().cloned();
    let (latency, fault, retry_after) = {
        let mut faults = lock(&shared.faults);
        let fault = faults.roll();
        (faults.config.latency, fault, faults.config.retry_after_secs)
    };
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    let limit = lock(&shared.rate).limit();
    match fault {
        None => {}
        Some(Fault::Delay(delay)) => tokio::time::sleep(delay).await,
        Some(Fault::Reset) => return drop_connection(control, true).await,
        // An injected 429 keeps showing quota, as Apple has been seen doing.
        Some(Fault::RateLimited) => {
            return with_quota(
                ApiFailure::rate_limited(retry_after).into_response(),
                limit,
                limit,
            );
        }
        Some(Fault::ServerError) => {
            return with_quota(ApiFailure::unexpected().into_response(), limit, limit);
        }
        Some(Fault::Unavailable) => {
            return with_quota(ApiFailure::unavailable(retry_after).into_response(), limit, limit);
        }
    }

    let now = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| i64::try_from(d.as_secs()).unwrap_or(i64::MAX));
    let authorization = request
        .headers()
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    let path_and_query = request
        .uri()
        .path_and_query()
        .map_or_else(|| request.uri().path().to_owned(), ToString::to_string);
    let checked = {
        let keys = shared
            .keys
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        crate::auth::check(
            authorization.as_deref(),
            &keys,
            request.method().as_str(),
            &path_and_query,
            now,
        )
    };
    let caller = match checked {
        Ok(caller) => caller,
        Err(refusal) => return with_quota(ApiFailure::from(refusal).into_response(), limit, limit),
    };
    let remaining = match lock(&shared.rate).hit(&caller.key_id, Instant::now()) {
        Quota::Remaining(remaining) => remaining,
        Quota::Exceeded { retry_after } => {
            return with_quota(ApiFailure::rate_limited(retry_after).into_response(), limit, 0);
        }
    };
    if is_write(request.method()) && !caller.role.may_write() {
        return with_quota(ApiFailure::forbidden().into_response(), limit, remaining);
    }
    // Whatever the resource: a `POST` that answers 201 has made something.
    let is_create = request.method() == Method::POST;
    request.extensions_mut().insert(caller);
    let response = next.run(request).await;
    if is_create && response.status() == StatusCode::CREATED {
        if lock(&shared.faults).take_create_drop() {
            return drop_connection(control, false).await;
        }
        // The certificate exists from here on; a client killed during this wait never learns of it.
        let delay = lock(&shared.faults).config.create_response_delay;
        if !delay.is_zero() {
            tokio::time::sleep(delay).await;
        }
    }
    with_quota(response, limit, remaining)
}
