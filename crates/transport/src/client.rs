//! [`Client`]: one connection pool, bearer authentication, retries and response decoding.

use std::fmt;
use std::net::IpAddr;
use std::sync::atomic::{AtomicBool, AtomicU32, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant, SystemTime};

use ascert_auth::{Token, TokenSource};
use ascert_models::ErrorResponse;
use backon::Retryable as _;
use reqwest::header::{ACCEPT, CONTENT_TYPE, HeaderMap, RETRY_AFTER};
use reqwest::{Method, StatusCode};
use serde::Serialize;
use serde::de::DeserializeOwned;
use tracing::Instrument as _;
use url::Url;

use crate::error::excerpt;
use crate::retry::parse_retry_after;
use crate::{Error, RateLimit, RetryPolicy};

/// App Store Connect's base URL.
pub const APPLE_BASE_URL: &str = "https://api.appstoreconnect.apple.com/";
/// The base URL of the Apple Developer Enterprise Program's API.
pub const ENTERPRISE_BASE_URL: &str = "https://api.enterprise.developer.apple.com/";
/// The largest response body accepted (a page of 200 certificates is about half a megabyte).
pub const MAX_BODY_BYTES: usize = 32 * 1024 * 1024;

/// The most pages a listing fetches by default: 10,000 pages of up to 200 resources, far more
/// than any team has, so only a server that never stops handing out next links reaches it.
pub const MAX_PAGES: usize = 10_000;

/// An App Store Connect API client: cheap to clone, one connection pool shared by every clone.
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
}

struct Inner {
    http: reqwest::Client,
    base: Url,
    tokens: Arc<dyn TokenSource>,
    retry: RetryPolicy,
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

    /// Removes both timeouts, so that only the retry policy bounds a call. Meant for tests that run
    /// on tokio's paused clock, where an idle runtime jumps to the next timer.
    pub fn without_timeouts(mut self) -> Self {
        self.connect_timeout = None;
        self.timeout = None;
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
            .push(reqwest::Certificate::from_pem(pem).map_err(Error::Setup)?);
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
            .map_err(Error::Setup)?;
        Ok(Client {
            inner: Arc::new(Inner {
                http,
                base,
                tokens: self.tokens,
                retry: self.retry,
                max_pages: self.max_pages,
                rate_limit: Mutex::new(None),
                requests: AtomicU64::new(0),
            }),
        })
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
    body: Vec<u8>,
    content_type: Option<String>,
}

impl Client {
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
            retry: RetryPolicy::default(),
            max_pages: MAX_PAGES,
            roots: Vec::new(),
        }
    }

    /// The base URL, ending in `/`.
    pub fn base_url(&self) -> &Url {
        &self.inner.base
    }

    /// The URL of `path_and_query` (such as `v1/certificates?limit=200`) below the base URL.
    ///
    /// # Errors
    /// [`Error::InvalidLink`] when the result is not a URL.
    pub fn url(&self, path_and_query: &str) -> Result<Url, Error> {
        self.inner
            .base
            .join(path_and_query.trim_start_matches('/'))
            .map_err(|_| Error::InvalidLink {
                link: path_and_query.to_owned(),
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
        let body = serde_json::to_vec(body).map_err(Error::Encode)?;
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
        let body = serde_json::to_vec(body).map_err(Error::Encode)?;
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
        let attempts = AtomicU32::new(0);
        let policy = &self.inner.retry;
        let is_post = *method == Method::POST;
        (|| {
            self.attempt(
                method,
                url,
                body.as_deref(),
                attempts.fetch_add(1, Ordering::Relaxed) + 1,
            )
        })
        .retry(policy.backoff())
        .sleep(tokio::time::sleep)
        .when(|err: &Error| {
            if is_post {
                err.status() == Some(429)
            } else {
                err.is_transient()
            }
        })
        .adjust(|err, computed| {
            let computed = computed?;
            match err.retry_after() {
                Some(asked) if asked > policy.max_retry_after => None,
                Some(asked) => Some(asked),
                None => Some(computed),
            }
        })
        .notify(|err, wait| {
            if err.is_ambiguous() {
                ambiguous.store(true, Ordering::Relaxed);
            }
            tracing::debug!(error = %err, wait_ms = wait.as_millis(), "transient failure; retrying");
        })
        .await
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
            let token = self.inner.tokens.token()?;
            let mut response = self.send(method, url, body, &token).await?;
            if response.status() == StatusCode::UNAUTHORIZED {
                tracing::debug!("401: renewing the token and sending once more");
                let token = self.inner.tokens.renew()?;
                response = self.send(method, url, body, &token).await?;
            }
            let span = tracing::Span::current();
            span.record("status", response.status().as_u16());
            let result = self.read(method, url, response).await;
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
        request.send().await.map_err(|source| Error::Connection {
            method: method.clone(),
            url: url.to_string(),
            source: source.without_url(),
        })
    }

    /// Reads the body (bounded), records the rate limit, and turns an error status into an [`Error`].
    async fn read(&self, method: &Method, url: &Url, mut response: reqwest::Response) -> Result<Raw, Error> {
        let status = response.status();
        let headers = response.headers().clone();
        if let Some(limit) = header(&headers, RateLimit::HEADER).and_then(RateLimit::parse) {
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
            let chunk = response.chunk().await.map_err(|source| Error::Connection {
                method: method.clone(),
                url: url.to_string(),
                source: source.without_url(),
            })?;
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
            return Ok(Raw { body, content_type });
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
            status: 200,
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
        source: err.into_inner(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bodies_decode_straight_and_a_misfit_names_its_json_path() {
        let url = Url::parse("http://127.0.0.1:9/v1/things").unwrap();
        let raw = |body: &str| Raw {
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
