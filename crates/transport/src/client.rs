//! [`Client`]: one connection pool, bearer authentication, retries and response decoding.

use std::fmt;
use std::future::Future;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use ascert_auth::{Token, TokenSource};
use ascert_models::ErrorResponse;
use backon::BackoffBuilder as _;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use crate::error::excerpt;
use crate::retry::parse_retry_after;
use crate::{Deadline, Error, RateLimit, RetryNotice, RetryPolicy};

/// App Store Connect's base URL.
pub const APPLE_BASE_URL: &str = "https://api.appstoreconnect.apple.com/";
/// The base URL of the Apple Developer Enterprise Program's API.
pub const ENTERPRISE_BASE_URL: &str = "https://api.enterprise.developer.apple.com/";
/// The largest response body accepted (a page of 200 certificates is about half a megabyte).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The most pages a listing fetches by default: 10,000 pages of up to 200 resources, far more
/// than any team has, so only a server that never stops handing out next links reaches it.
pub const MAX_PAGES: usize = 10_000;

/// How long one attempt waits for an answer (connection, request and response headers) by default.
pub const ATTEMPT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a response body may go without a byte before the attempt counts as failed, by default.
pub const STALL_TIMEOUT: Duration = Duration::from_secs(30);

/// What a client calls before each retry; see [`ClientBuilder::on_retry`].
type RetryObserver = dyn Fn(&RetryNotice<'_>) + Send + Sync;

/// An App Store Connect API client: cheap to clone, one connection pool shared by every clone.
///
/// Every attempt is bounded: connecting (10 s), then the answer's headers
/// ([`ClientBuilder::attempt_timeout`], 30 s), then each stretch of the body without a byte
/// ([`ClientBuilder::stall_timeout`], 30 s), each a failed attempt that is retried like a lost
/// connection. A client given a [`Deadline`] ([`Client::with_deadline`]) also ends every call by
/// that moment, retries included.
///
/// ```no_run
/// # async fn example(tokens: ascert_auth::TokenProvider) -> Result<(), ascert_transport::Error> {
/// use ascert_transport::Client;
///
/// let client = Client::builder(tokens).build()?;
/// let page: ascert_models::CertificatesResponse =
///     client.get(client.url("v1/certificates?limit=200")?).await?;
/// println!("{} certificates; {:?}", page.data.len(), client.rate_limit());
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Client {
    inner: Arc<Inner>,
    deadline: Option<Deadline>,
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    tokens: Arc<dyn TokenSource>,
    retry: RetryPolicy,
    attempt_timeout: Option<Duration>,
    stall_timeout: Option<Duration>,
    on_retry: Option<Arc<RetryObserver>>,
    max_pages: usize,
    rate_limit: Mutex<Option<RateLimit>>,
    requests: AtomicU64,
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.base.as_str())
            .field("tokens", &self.inner.tokens)
            .field("retry", &self.inner.retry)
            .field("attempt_timeout", &self.inner.attempt_timeout)
            .field("stall_timeout", &self.inner.stall_timeout)
            .field("deadline", &self.deadline)
            .finish_non_exhaustive()
    }
}

/// Configures a [`Client`]; see [`Client::builder`].
#[must_use]
pub struct ClientBuilder {
    base_url: String,
    tokens: Arc<dyn TokenSource>,
    connect_timeout: Option<Duration>,
    timeout: Option<Duration>,
    attempt_timeout: Option<Duration>,
    stall_timeout: Option<Duration>,
    on_retry: Option<Arc<RetryObserver>>,
    retry: RetryPolicy,
    max_pages: usize,
    roots: Vec<reqwest::Certificate>,
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("base_url", &self.base_url)
            .field("connect_timeout", &self.connect_timeout)
            .field("timeout", &self.timeout)
            .field("attempt_timeout", &self.attempt_timeout)
            .field("stall_timeout", &self.stall_timeout)
            .field("retry", &self.retry)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// The API's base URL: [`APPLE_BASE_URL`] (the default), [`ENTERPRISE_BASE_URL`], or any
    /// `https://` URL. Plain `http://` is accepted only for loopback addresses (a local sandbox).
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.base_url = url.into();
        self
    }

    /// How long to wait for a connection (default 10 s).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = Some(timeout);
        self
    }

    /// How long one request may take, response body included (default 60 s).
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// How long one attempt waits for an answer: connecting, sending the request and receiving the
    /// response's headers (default [`ATTEMPT_TIMEOUT`], 30 s). An attempt that gets no answer in
    /// time fails with [`Error::NoAnswer`] and is retried like a lost connection (a `POST` is not:
    /// it may have taken effect).
    pub fn attempt_timeout(mut self, timeout: Duration) -> Self {
        self.attempt_timeout = Some(timeout);
        self
    }

    /// How long a response body may go without a byte (default [`STALL_TIMEOUT`], 30 s). A body that
    /// stalls fails the attempt with [`Error::Stalled`], retried like a lost connection.
    pub fn stall_timeout(mut self, timeout: Duration) -> Self {
        self.stall_timeout = Some(timeout);
        self
    }

    /// Calls `observer` before each retry, with what failed and how long the client waits: for a
    /// program that tells a person why nothing seems to happen. It runs on the request's task and
    /// should return quickly.
    pub fn on_retry(mut self, observer: impl Fn(&RetryNotice<'_>) + Send + Sync + 'static) -> Self {
        self.on_retry = Some(Arc::new(observer));
        self
    }

    /// Removes every timeout, so that only the retry policy (and a [`Deadline`]) bounds a call.
    /// Meant for tests that run on tokio's paused clock, where an idle runtime jumps to the next timer.
    pub fn without_timeouts(mut self) -> Self {
        self.connect_timeout = None;
        self.timeout = None;
        self.attempt_timeout = None;
        self.stall_timeout = None;
        self
    }

    /// How transient failures are retried (default [`RetryPolicy::default`]).
    pub fn retry(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// The most pages one listing may fetch (default [`MAX_PAGES`]); past it the listing ends with
    /// [`Error::TooManyPages`] instead of following a server's next links for ever.
    pub fn max_pages(mut self, pages: usize) -> Self {
        self.max_pages = pages.max(1);
        self
    }

    /// Trusts one more root certificate (PEM), besides the system's: for a sandbox served over TLS.
    ///
    /// # Errors
    /// [`Error::Setup`] when the PEM holds no certificate.
    pub fn add_root_certificate_pem(mut self, pem: &[u8]) -> Result<Self, Error> {
        self.roots
            .push(reqwest::Certificate::from_pem(pem).map_err(setup)?);
        Ok(self)
    }

    /// Builds the client.
    ///
    /// # Errors
    /// [`Error::InvalidBaseUrl`] for a URL that cannot be parsed, is not `https` (or `http` on a
    /// loopback address), or carries a query, credentials or fragment; [`Error::Setup`] when TLS
    /// cannot be set up.
    pub fn build(self) -> Result<Client, Error> {
        let base = check_base_url(&self.base_url)?;
        let mut http = reqwest::Client::builder().user_agent(concat!("ascert/", env!("CARGO_PKG_VERSION")));
        if let Some(timeout) = self.connect_timeout {
            http = http.connect_timeout(timeout);
        }
        if let Some(timeout) = self.timeout {
            http = http.timeout(timeout);
        }
        let http = http
            // Redirects would carry the bearer token elsewhere; App Store Connect does not redirect.
            .redirect(reqwest::redirect::Policy::none())
            .tls_certs_merge(self.roots)
            .build()
            .map_err(setup)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                tokens: self.tokens,
                retry: self.retry,
                attempt_timeout: self.attempt_timeout,
                stall_timeout: self.stall_timeout,
                on_retry: self.on_retry,
                max_pages: self.max_pages,
                rate_limit: Mutex::new(None),
                requests: AtomicU64::new(0),
            }),
            deadline: None,
        })
    }
}

/// An [`Error::Setup`] from the HTTP client's error.
fn setup(error: reqwest::Error) -> Error {
    Error::Setup(Box::new(error))
}

/// An [`Error::Connection`] from the HTTP client's error, without the URL it carries (the error
/// has the URL already).
fn connection(method: &Method, url: &Url, error: reqwest::Error) -> Error {
    Error::Connection {
        method: method.clone(),
        url: url.to_string(),
        failure: crate::ConnectionFailure::of(&error),
        source: Box::new(error.without_url()),
    }
}

/// Parses and checks a base URL, and makes sure it ends in `/` so that paths join below it.
fn check_base_url(text: &str) -> Result<Url, Error> {
    let refuse = |reason| Error::InvalidBaseUrl {
        url: text.to_owned(),
        reason,
    };
    let mut url = Url::parse(text).map_err(|_| refuse("it is not an absolute URL"))?;
    if !url.username().is_empty() || url.password().is_some() {
        return Err(refuse("it must not carry credentials"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(refuse("it must not have a query or fragment"));
    }
    match url.scheme() {
        "https" => {}
        "http" if is_loopback(&url) => {}
        "http" => {
            return Err(refuse(
                "plain http is allowed only for loopback addresses; use https",
            ));
        }
        _ => return Err(refuse("only https (or http on loopback) is supported")),
    }
    if !url.path().ends_with('/') {
        let path = format!("{}/", url.path());
        url.set_path(&path);
    }
    Ok(url)
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

/// A response as read off the wire, before decoding.
struct Raw {
    /// The HTTP status, a success (2xx).
    status: u16,
    body: Vec<u8>,
    content_type: Option<String>,
}

/// The variable that points a client made by [`Client::from_env`] somewhere other than Apple: a
/// sandbox (`ascert sandbox serve` prints its URL), or the enterprise host.
pub const BASE_URL_ENV: &str = "ASCERT_BASE_URL";

impl Client {
    /// A client from the process environment, in one line: the API key
    /// [`ApiKey::from_env`](ascert_auth::ApiKey::from_env) finds (`ASC_KEY_ID`, `ASC_ISSUER_ID` and
    /// `ASC_PRIVATE_KEY_PATH` or `ASC_PRIVATE_KEY`, or fastlane's or codemagic's variables), and the
    /// base URL of [`BASE_URL_ENV`] when it is set (else Apple's). `Ok(None)` when no key is set.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), ascert_transport::Error> {
    /// let Some(client) = ascert_transport::Client::from_env()? else {
    ///     return Ok(()); // no API key in the environment
    /// };
    /// # let _ = client; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Auth`] for a key that is half set or cannot be read, [`Error::InvalidBaseUrl`] for
    /// a base URL that cannot be used.
    pub fn from_env() -> Result<Option<Client>, Error> {
        Self::from_env_with(
            &|name| std::env::var(name).ok(),
            &ascert_auth::KeyFolders::system(),
        )
    }

    /// Like [`Client::from_env`], with the variables `lookup` returns and `folders` for the
    /// `AuthKey_<KEY_ID>.p8` lookup.
    ///
    /// # Errors
    /// As [`Client::from_env`].
    pub fn from_env_with(
        lookup: ascert_auth::EnvLookup<'_>,
        folders: &ascert_auth::KeyFolders,
    ) -> Result<Option<Client>, Error> {
        let Some(key) = ascert_auth::ApiKey::from_env_with(lookup, folders)? else {
            return Ok(None);
        };
        let mut builder = Self::builder(ascert_auth::TokenProvider::new(key));
        if let Some(url) = lookup(BASE_URL_ENV).filter(|url| !url.trim().is_empty()) {
            builder = builder.base_url(url.trim());
        }
        builder.build().map(Some)
    }

    /// A builder for a client that authenticates with `tokens` (an `ascert_auth::TokenProvider`).
    pub fn builder(tokens: impl TokenSource) -> ClientBuilder {
        Self::builder_shared(Arc::new(tokens))
    }

    /// Like [`Client::builder`], for a token source already shared.
    pub fn builder_shared(tokens: Arc<dyn TokenSource>) -> ClientBuilder {
        ClientBuilder {
            base_url: APPLE_BASE_URL.to_owned(),
            tokens,
            connect_timeout: Some(Duration::from_secs(10)),
            timeout: Some(Duration::from_secs(60)),
            attempt_timeout: Some(ATTEMPT_TIMEOUT),
            stall_timeout: Some(STALL_TIMEOUT),
            on_retry: None,
            retry: RetryPolicy::default(),
            max_pages: MAX_PAGES,
            roots: Vec::new(),
        }
    }

    /// This client (sharing its connection pool, token source and settings) with every call bounded
    /// by `deadline`: each attempt is cut short at it, no retry starts whose wait would pass it, and
    /// a call still unanswered then fails with [`Error::DeadlineExceeded`].
    ///
    /// ```no_run
    /// # async fn example(client: ascert_transport::Client) -> Result<(), ascert_transport::Error> {
    /// use std::time::Duration;
    /// use ascert_transport::Deadline;
    ///
    /// let bounded = client.with_deadline(Deadline::after(Duration::from_secs(120)));
    /// let page: ascert_models::CertificatesResponse =
    ///     bounded.get(bounded.url("v1/certificates?limit=200")?).await?;
    /// # Ok(()) }
    /// ```
    #[must_use]
    pub fn with_deadline(&self, deadline: Deadline) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
            deadline: Some(deadline),
        }
    }

    /// The deadline every call of this client keeps, if any.
    pub fn deadline(&self) -> Option<&Deadline> {
        self.deadline.as_ref()
    }

    /// The base URL, ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The URL of `path_and_query` (such as `v1/certificates?limit=200`) below the base URL.
    ///
    /// # Errors
    /// [`Error::InvalidPath`] when the result is not a URL.
    pub fn url(&self, path_and_query: &str) -> Result<Url, Error> {
        self.inner
            .base
            .join(path_and_query.trim_start_matches('/'))
            .map_err(|_| Error::InvalidPath {
                path: path_and_query.to_owned(),
                base: self.inner.base.to_string(),
            })
    }

    /// Checks a link from a response (such as `links.next`) before it is followed: it must be a URL
    /// with the base URL's scheme, host and port, so the bearer token never goes to another host.
    ///
    /// # Errors
    /// [`Error::InvalidLink`] or [`Error::ForeignLink`].
    pub fn check_link(&self, link: &str) -> Result<Url, Error> {
        let url = self.inner.base.join(link).map_err(|_| Error::InvalidLink {
            link: link.to_owned(),
        })?;
        let base = &self.inner.base;
        let same_origin = url.scheme() == base.scheme()
            && url.host_str() == base.host_str()
            && url.port_or_known_default() == base.port_or_known_default();
        if !same_origin {
            return Err(Error::ForeignLink {
                link: link.to_owned(),
                expected: base.origin().ascii_serialization(),
            });
        }
        Ok(url)
    }

    /// The most pages one listing may fetch; see [`ClientBuilder::max_pages`].
    pub fn max_pages(&self) -> usize {
        self.inner.max_pages
    }

    /// The rate-limit figures of the last response that carried them.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        *self
            .inner
            .rate_limit
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
    }

    /// How many HTTP requests this client (and its clones) has sent, retries included.
    pub fn requests_sent(&self) -> u64 {
        self.inner.requests.load(Ordering::Relaxed)
    }

    /// `GET url`, decoded as `T`.
    ///
    /// # Errors
    /// Any [`Error`]; transient failures are retried first.
    pub async fn get<T: DeserializeOwned>(&self, url: Url) -> Result<T, Error> {
        let raw = self.execute(&Method::GET, &url, None).await?;
        decode(&Method::GET, &url, &raw)
    }

    /// `POST url` with the JSON `body`, decoded as `T`.
    ///
    /// A `POST` is retried only after a 429 (the request was refused before any work): after a
    /// timeout, a lost connection or a 5xx it may have taken effect, so the error is returned and
    /// [`Error::is_ambiguous`] says so.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn post<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        url: Url,
        body: &B,
    ) -> Result<T, Error> {
        let body = serde_json::to_vec(body).map_err(|e| Error::Encode(Box::new(e)))?;
        let raw = self.execute(&Method::POST, &url, Some(body)).await?;
        decode(&Method::POST, &url, &raw)
    }

    /// `PATCH url` with the JSON `body`, decoded as `T`.
    ///
    /// # Errors
    /// Any [`Error`]; transient failures are retried first (setting a value twice is harmless).
    pub async fn patch<B: Serialize + ?Sized, T: DeserializeOwned>(
        &self,
        url: Url,
        body: &B,
    ) -> Result<T, Error> {
        let body = serde_json::to_vec(body).map_err(|e| Error::Encode(Box::new(e)))?;
        let raw = self.execute(&Method::PATCH, &url, Some(body)).await?;
        decode(&Method::PATCH, &url, &raw)
    }

    /// `DELETE url`.
    ///
    /// When an attempt failed ambiguously (a lost connection, a 5xx) and the retry then gets 404, the
    /// first attempt did the work: that counts as success.
    ///
    /// # Errors
    /// Any [`Error`]; a 404 on the first attempt is returned as [`Error::Api`].
    pub async fn delete(&self, url: Url) -> Result<(), Error> {
        let ambiguous = AtomicBool::new(false);
        match self.execute_noting(&Method::DELETE, &url, None, &ambiguous).await {
            Ok(_) => Ok(()),
            Err(err) if err.status() == Some(404) && ambiguous.load(Ordering::Relaxed) => {
                tracing::debug!(url = %url, "404 after an ambiguous failure: the first DELETE took effect");
                Ok(())
            }
            Err(err) => Err(err),
        }
    }

    async fn execute(&self, method: &Method, url: &Url, body: Option<Vec<u8>>) -> Result<Raw, Error> {
        self.execute_noting(method, url, body, &AtomicBool::new(false))
            .await
    }

    /// Sends with retries; `ambiguous` is set when an attempt failed in a way that may have taken effect.
    async fn execute_noting(
        &self,
        method: &Method,
        url: &Url,
        body: Option<Vec<u8>>,
        ambiguous: &AtomicBool,
    ) -> Result<Raw, Error> {
        let policy = &self.inner.retry;
        let max_attempts = u32::try_from(policy.max_attempts.max(1)).unwrap_or(u32::MAX);
        let mut waits = policy.backoff().build();
        let mut attempt = 0u32;
        let mut last: Option<Error> = None;
        loop {
            if self.deadline.as_ref().is_some_and(Deadline::is_past) {
                return Err(self.deadline_exceeded(method, url, attempt, last));
            }
            attempt += 1;
            let err = match self.attempt(method, url, body.as_deref(), attempt).await {
                Ok(raw) => return Ok(raw),
                Err(err) => err,
            };
            if err.is_ambiguous() {
                ambiguous.store(true, Ordering::Relaxed);
            }
            // A POST is repeated only after a 429, refused before any work: any other failure may
            // have created the resource, and must be reconciled by the caller instead.
            let retryable = if *method == Method::POST {
                err.status() == Some(429)
            } else {
                err.is_transient()
            };
            if !retryable {
                return Err(err);
            }
            let Some(computed) = waits.next() else {
                return Err(err);
            };
            let wait = match err.retry_after() {
                Some(asked) if asked > policy.max_retry_after => return Err(err),
                Some(asked) => asked,
                None => computed,
            };
            if let Some(deadline) = &self.deadline
                && wait >= deadline.remaining()
            {
                // Waiting would use up what is left: say so now rather than sleep into the deadline.
                return Err(self.deadline_exceeded(method, url, attempt, Some(err)));
            }
            tracing::debug!(error = %err, wait_ms = wait.as_millis(), "transient failure; retrying");
            if let Some(observer) = &self.inner.on_retry {
                observer(&RetryNotice {
                    method,
                    url,
                    attempt,
                    max_attempts,
                    wait,
                    error: &err,
                });
            }
            last = Some(err);
            tokio::time::sleep(wait).await;
        }
    }

    fn deadline_exceeded(&self, method: &Method, url: &Url, attempts: u32, last: Option<Error>) -> Error {
        Error::DeadlineExceeded {
            method: method.clone(),
            url: url.to_string(),
            allowed: self.deadline.as_ref().map_or(Duration::ZERO, Deadline::allowed),
            attempts,
            last: last.map(Box::new),
        }
    }

    /// Runs `step` for at most `limit` and what is left before the deadline: past the limit it
    /// fails with `on_limit(limit)`, past the deadline with [`Error::DeadlineExceeded`].
    async fn bounded<T>(
        &self,
        limit: Option<Duration>,
        (method, url, attempt): (&Method, &Url, u32),
        step: impl Future<Output = Result<T, Error>>,
        on_limit: impl FnOnce(Duration) -> Error,
    ) -> Result<T, Error> {
        let remaining = self.deadline.as_ref().map(Deadline::remaining);
        let (bound, deadline_binds) = match (limit, remaining) {
            (None, None) => return step.await,
            (None, Some(left)) => (left, true),
            (Some(limit), Some(left)) if left <= limit => (left, true),
            (Some(limit), _) => (limit, false),
        };
        match tokio::time::timeout(bound, step).await {
            Ok(result) => result,
            Err(_) if deadline_binds => Err(self.deadline_exceeded(method, url, attempt, None)),
            Err(_) => Err(on_limit(bound)),
        }
    }

    /// One attempt: a token, the request, and on a 401 one renewal of the token and one resend.
    async fn attempt(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        attempt: u32,
    ) -> Result<Raw, Error> {
        let span = tracing::debug_span!(
            "request",
            method = %method,
            path = url.path(),
            attempt,
            status = tracing::field::Empty,
            elapsed_ms = tracing::field::Empty,
            rate_limit_remaining = tracing::field::Empty,
        );
        async {
            let started = Instant::now();
            let at = (method, url, attempt);
            let no_answer = |waited| Error::NoAnswer {
                method: method.clone(),
                url: url.to_string(),
                waited,
            };
            let token = self.inner.tokens.token()?;
            tracing::debug!("sending");
            let mut response = self
                .bounded(
                    self.inner.attempt_timeout,
                    at,
                    self.send(method, url, body, &token),
                    no_answer,
                )
                .await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                tracing::debug!("401: renewing the token and sending once more");
                let token = self.inner.tokens.renew()?;
                response = self
                    .bounded(
                        self.inner.attempt_timeout,
                        at,
                        self.send(method, url, body, &token),
                        no_answer,
                    )
                    .await?;
            }
            let span = tracing::Span::current();
            span.record("status", response.status().as_u16());
            let result = self.read(at, response).await;
            span.record(
                "elapsed_ms",
                u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
            );
            if let Some(limit) = self.rate_limit() {
                span.record("rate_limit_remaining", limit.remaining);
            }
            tracing::debug!(ok = result.is_ok(), "response");
            result
        }
        .instrument(span)
        .await
    }

    async fn send(
        &self,
        method: &Method,
        url: &Url,
        body: Option<&[u8]>,
        token: &Token,
    ) -> Result<reqwest::Response, Error> {
        let mut request = self
            .inner
            .http
            .request(method.clone(), url.clone())
            .bearer_auth(token.expose())
            .header(ACCEPT, "application/json");
        if let Some(body) = body {
            request = request
                .header(CONTENT_TYPE, "application/json")
                .body(body.to_vec());
        }
        self.inner.requests.fetch_add(1, Ordering::Relaxed);
        request
            .send()
            .await
            .map_err(|error| connection(method, url, error))
    }

    /// Reads the body (bounded in size, and in time between bytes), records the rate limit, and
    /// turns an error status into an [`Error`].
    async fn read(&self, at: (&Method, &Url, u32), mut response: reqwest::Response) -> Result<Raw, Error> {
        let (method, url, _) = at;
        let status = response.status();
        let headers = response.headers().clone();
        let rate_limit = header(&headers, RateLimit::HEADER).and_then(RateLimit::parse);
        if let Some(limit) = rate_limit {
            *self
                .inner
                .rate_limit
                .lock()
                .unwrap_or_else(PoisonError::into_inner) = Some(limit);
        }
        let capacity = response
            .content_length()
            .map_or(0, |n| usize::try_from(n).unwrap_or(0).min(MAX_BODY_BYTES));
        let mut body = Vec::with_capacity(capacity);
        loop {
            let received = body.len();
            let next = async {
                response
                    .chunk()
                    .await
                    .map_err(|error| connection(method, url, error))
            };
            let chunk = self
                .bounded(self.inner.stall_timeout, at, next, |waited| Error::Stalled {
                    method: method.clone(),
                    url: url.to_string(),
                    waited,
                    received,
                })
                .await?;
            let Some(chunk) = chunk else { break };
            if body.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(Error::BodyTooLarge {
                    method: method.clone(),
                    url: url.to_string(),
                    limit: MAX_BODY_BYTES,
                });
            }
            body.extend_from_slice(&chunk);
        }
        let content_type = header(&headers, CONTENT_TYPE.as_str()).map(str::to_owned);
        if status.is_success() {
            return Ok(Raw {
                status: status.as_u16(),
                body,
                content_type,
            });
        }
        let retry_after =
            header(&headers, RETRY_AFTER.as_str()).and_then(|v| parse_retry_after(v, SystemTime::now()));
        match serde_json::from_slice::<ErrorResponse>(&body) {
            Ok(errors) if !errors.errors.is_empty() => Err(Error::Api {
                method: method.clone(),
                url: url.to_string(),
                status: status.as_u16(),
                errors,
                retry_after,
                rate_limit,
            }),
            _ => Err(Error::UnexpectedResponse {
                method: method.clone(),
                url: url.to_string(),
                status: status.as_u16(),
                content_type,
                body: excerpt(&body),
            }),
        }
    }
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

/// Decodes a successful response as `T`, naming the JSON path that does not fit.
fn decode<T: DeserializeOwned>(method: &Method, url: &Url, raw: &Raw) -> Result<T, Error> {
    let is_json = raw.content_type.as_deref().is_none_or(|ct| ct.contains("json"));
    if !is_json {
        return Err(Error::UnexpectedResponse {
            method: method.clone(),
            url: url.to_string(),
            status: raw.status,
            content_type: raw.content_type.clone(),
            body: excerpt(&raw.body),
        });
    }
    // A 204 carries no body; let unit-like targets read it as `null`.
    let body: &[u8] = if raw.body.is_empty() { b"null" } else { &raw.body };
    // Straight from the bytes first: tracking the JSON path nearly doubles the time a page of
    // certificates takes to decode, so it runs only to explain a body that does not fit.
    if let Ok(value) = serde_json::from_slice(body) {
        return Ok(value);
    }
    let mut deserializer = serde_json::Deserializer::from_slice(body);
    serde_path_to_error::deserialize(&mut deserializer).map_err(|err| Error::Decode {
        method: method.clone(),
        url: url.to_string(),
        path: err.path().to_string(),
        source: Box::new(err.into_inner()),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_decode_straight_and_a_misfit_names_its_json_path() {
        let url = Url::parse("http://127.0.0.1:9/v1/things").unwrap();
        let raw = |body: &str| Raw {
            status: 200,
            body: body.as_bytes().to_vec(),
            content_type: Some("application/json".to_owned()),
        };
        let value: Vec<u32> = decode(&Method::GET, &url, &raw("[1, 2, 3]")).unwrap();
        assert_eq!(value, [1, 2, 3]);
        let unit: () = decode(&Method::DELETE, &url, &raw("")).unwrap();
        assert_eq!(unit, ());
        let err = decode::<Vec<u32>>(&Method::GET, &url, &raw(r#"[1, "two", 3]"#)).unwrap_err();
        assert!(
            matches!(&err, Error::Decode { path, .. } if path == "[1]"),
            "{err:?}"
        );
    }

    #[test]
    fn a_body_that_is_not_json_is_reported_with_its_real_status() {
        let url = Url::parse("http://127.0.0.1:9/v1/things").unwrap();
        let raw = Raw {
            status: 201,
            body: b"<html>created</html>".to_vec(),
            content_type: Some("text/html".to_owned()),
        };
        let err = decode::<Vec<u32>>(&Method::POST, &url, &raw).unwrap_err();
        assert!(
            matches!(&err, Error::UnexpectedResponse { status: 201, body, .. } if body == "<html>created</html>"),
            "{err:?}"
        );
        assert_eq!(err.status(), Some(201));
        assert!(
            err.to_string().contains("unexpected 201 response (text/html)"),
            "{err}"
        );
    }

    /// A token source that is never asked: these tests send nothing.
    #[derive(Debug)]
    struct NoTokens;

    impl TokenSource for NoTokens {
        fn token(&self) -> Result<Token, ascert_auth::AuthError> {
            unreachable!("no request is sent")
        }

        fn renew(&self) -> Result<Token, ascert_auth::AuthError> {
            unreachable!("no request is sent")
        }
    }

    #[test]
    fn a_path_that_makes_no_url_has_its_own_error() {
        let client = Client::builder(NoTokens)
            .base_url("https://api.example.com/asc")
            .build()
            .unwrap();
        assert_eq!(
            client.url("/v1/certificates?limit=2").unwrap().as_str(),
            "https://api.example.com/asc/v1/certificates?limit=2"
        );
        let err = client.url("http://[::1").unwrap_err();
        assert!(
            matches!(&err, Error::InvalidPath { path, .. } if path == "http://[::1"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "\"http://[::1\" does not make a valid URL below the base URL https://api.example.com/asc/"
        );
    }

    #[test]
    fn base_urls_must_be_https_or_loopback_http() {
        assert_eq!(
            check_base_url("https://api.appstoreconnect.apple.com")
                .unwrap()
                .as_str(),
            APPLE_BASE_URL
        );
        assert_eq!(
            check_base_url("http://127.0.0.1:8080").unwrap().as_str(),
            "http://127.0.0.1:8080/"
        );
        assert_eq!(
            check_base_url("http://[::1]:9/asc").unwrap().as_str(),
            "http://[::1]:9/asc/"
        );
        assert!(check_base_url("http://localhost:9").is_ok());
        for (bad, reason) in [
            (
                "http://example.com",
                "plain http is allowed only for loopback addresses; use https",
            ),
            (
                "http://10.0.0.1",
                "plain http is allowed only for loopback addresses; use https",
            ),
            ("ftp://127.0.0.1", "only https (or http on loopback) is supported"),
            ("api.appstoreconnect.apple.com", "it is not an absolute URL"),
            ("https://user:pw@api.example.com", "it must not carry credentials"),
            (
                "https://api.example.com/?a=b",
                "it must not have a query or fragment",
            ),
        ] {
            let err = check_base_url(bad).unwrap_err();
            assert!(
                matches!(err, Error::InvalidBaseUrl { reason: r, .. } if r == reason),
                "{bad}: {err}"
            );
        }
    }
}
