//! HTTP transport for the App Store Connect API.
//!
//! [`Client`] is what every API call goes through:
//!
//! - one `reqwest` connection pool on rustls, HTTP/2 where the server offers it,
//!   `User-Agent: ascert/<version>`; Apple's base URL by default, the enterprise host, or any
//!   `https://` URL — plain `http://` only for loopback addresses (a local sandbox);
//! - deadlines: every attempt is bounded (connect 10 s, the answer's headers 30 s, a body that goes
//!   30 s without a byte), each a failed attempt that is retried; a [`Deadline`] given to the client
//!   ([`Client::with_deadline`]) bounds whole calls, retries included, and ends them with
//!   [`Error::DeadlineExceeded`]; [`ClientBuilder::on_retry`] hears of every retry;
//! - bearer authentication from an [`ascert_auth::TokenSource`]; on a 401 the token is renewed once
//!   and the request sent once more;
//! - retries with exponential backoff and jitter ([`RetryPolicy`]) on 429 (honouring `Retry-After`),
//!   500, 502, 503, 504 and lost connections, for `GET`, `PATCH` and `DELETE`; a `POST` is not repeated
//!   after an ambiguous failure (see [`Error::is_ambiguous`]);
//! - the `X-Rate-Limit` figures of the last response ([`Client::rate_limit`]);
//! - one [`Error`] type that keeps Apple's whole `errors[]`, the start of a body that is not JSON, and
//!   the JSON path of a response that does not fit the model;
//! - pagination as a `Stream` that follows `links.next` to the end ([`Client::paginate`]), refusing
//!   links to other hosts and links that loop;
//! - the list of any resource ([`Client::list`] → [`ListRequest`]: one page, a stream of pages or of
//!   resources, everything, optionally one page ahead, with filters applied locally where App Store
//!   Connect has none or refuses one) and one resource ([`Client::get_resource`]), generic over
//!   [`ascert_models::jsonapi::Resource`];
//! - a `tracing` span per request (method, path, attempt, status, elapsed time, rate limit left).
//!   The `Authorization` header and the token never appear in any event, at any level.
//!
//! This crate names no App Store Connect resource: a list is anything that implements
//! [`ascert_models::Paged`], a resource is anything that implements
//! [`ascert_models::jsonapi::Resource`] (its path, its `type`, the table of what its query
//! accepts), and the resource crates (such as ascert-certificates) are thin handlers over
//! [`ListRequest`] and [`Client::get_resource`].
//!
//! # Public dependencies
//!
//! Third-party types in this crate's API are re-exported, so that a caller names the versions it
//! was built with:
//!
//! | re-export | from | where it appears |
//! | --- | --- | --- |
//! | [`Url`] (and the whole [`url`] crate) | url | every request's address, [`Client::check_link`] |
//! | [`Method`] | http, as reqwest exposes it | [`Error`]'s fields, [`RetryNotice`] |
//! | [`Instant`] | tokio (`tokio::time::Instant`) | [`Deadline::at`] |
//!
//! Responses decode through serde's `DeserializeOwned` and bodies encode
//! through `Serialize`; lists are `futures` streams. Errors of the HTTP client, the TLS library and
//! the JSON parser are kept as boxed sources ([`BoxedSource`]) of [`Error`], never as the types of
//! its fields.
//!
//! ```no_run
//! use ascert_auth::{ApiKey, TokenProvider};
//! use ascert_models::CertificatesResponse;
//! use ascert_transport::Client;
//! use futures::TryStreamExt as _;
//!
//! # async fn example() -> Result<(), Box<dyn std::error::Error>> {
//! let key = ApiKey::from_p8_file("ABC123DEFG", Some("69a6de70-xxxx"), "AuthKey_ABC123DEFG.p8".as_ref())?;
//! let client = Client::builder(TokenProvider::new(key)).build()?;
//! let first = client.url("v1/certificates?limit=200")?;
//! let all: Vec<_> = client.paginate::<CertificatesResponse>(first).try_collect().await?;
//! println!("{} certificates", all.len());
//! # Ok(()) }
//! ```

mod client;
mod deadline;
mod error;
mod list;
mod paginate;
mod rate_limit;
mod retry;

pub use client::{
    APPLE_BASE_URL, ATTEMPT_TIMEOUT, BASE_URL_ENV, Client, ClientBuilder, ENTERPRISE_BASE_URL,
    MAX_BODY_BYTES, MAX_PAGES, STALL_TIMEOUT,
};
pub use deadline::Deadline;
pub use error::{BoxedSource, ConnectionFailure, Error};
pub use list::ListRequest;
pub use rate_limit::RateLimit;
pub use reqwest::Method;
pub use retry::{RetryNotice, RetryPolicy};
pub use tokio::time::Instant;

/// ascert-auth, re-exported, so that one dependency on a higher layer (ascert-certificates) gives a
/// program the keys and tokens too.
pub use ascert_auth as auth;
/// ascert-models, re-exported for the same reason.
pub use ascert_models as models;
pub use url::{self, Url};
