//! [`Error`]: every way a call to App Store Connect can fail, with Apple's own words kept whole.

use std::time::Duration;

use ascert_models::{ApiError, ErrorResponse, ErrorSource};
use reqwest::Method;

use crate::RateLimit;
use crate::deadline::human;

/// A lower-level library's error (the HTTP client's, the TLS library's), kept as the source of an
/// [`Error`] without naming its type, so that a new major version of that library is not a
/// breaking change of this crate.
pub type BoxedSource = Box<dyn std::error::Error + Send + Sync>;

/// How a request failed to get a complete response, for [`Error::Connection`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ConnectionFailure {
    /// No connection could be made (unreachable, a TLS handshake that failed): the request was
    /// not sent.
    Connect,
    /// The host answered, but nothing listens on the port (the connection was refused): the
    /// request was not sent.
    Refused,
    /// The host name does not resolve: the name server says there is no such host (a temporary
    /// failure of name resolution is [`ConnectionFailure::Connect`]). The request was not sent.
    UnknownHost,
    /// Making the connection took too long: the request was not sent.
    ConnectTimeout,
    /// The connection was made, then the request or its response took too long.
    Timeout,
    /// The response began and was cut off.
    CutOff,
    /// Any other failure of the connection.
    Other,
}

/// What the resolver says, on glibc, musl and macOS, of a name that does not exist (`EAI_NONAME`,
/// `EAI_NODATA`); "Temporary failure in name resolution" (`EAI_AGAIN`) is not among them: it is
/// a network that may come back.
const NO_SUCH_HOST: [&str; 4] = [
    "Name or service not known",
    "nodename nor servname provided",
    "No address associated with hostname",
    "Name does not resolve",
];

impl ConnectionFailure {
    /// Classifies the HTTP client's error.
    pub(crate) fn of(error: &reqwest::Error) -> Self {
        match (error.is_connect(), error.is_timeout()) {
            (true, true) => Self::ConnectTimeout,
            (true, false) if causes(error).any(is_refused) => Self::Refused,
            (true, false)
                if causes(error).any(|c| {
                    let text = c.to_string();
                    NO_SUCH_HOST.iter().any(|m| text.contains(m))
                }) =>
            {
                Self::UnknownHost
            }
            (true, false) => Self::Connect,
            (false, true) => Self::Timeout,
            _ if error.is_body() || error.is_decode() => Self::CutOff,
            _ => Self::Other,
        }
    }

    /// Whether no connection was made, so the request cannot have reached the server.
    pub fn is_connect(self) -> bool {
        matches!(
            self,
            Self::Connect | Self::Refused | Self::UnknownHost | Self::ConnectTimeout
        )
    }

    /// A few words for a message: "timed out", "could not connect", "the response was cut off".
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Timeout | Self::ConnectTimeout => "timed out",
            Self::Connect => "could not connect",
            Self::Refused => "nothing is listening",
            Self::UnknownHost => "the host name does not resolve",
            Self::CutOff => "the response was cut off",
            Self::Other => "the connection failed",
        }
    }
}

/// `error` and its sources, outermost first.
fn causes<'e>(
    error: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(error), |c| c.source())
}

fn is_refused(cause: &(dyn std::error::Error + 'static)) -> bool {
    cause
        .downcast_ref::<std::io::Error>()
        .is_some_and(|e| e.kind() == std::io::ErrorKind::ConnectionRefused)
}

/// How much of a body that is not JSON an error keeps.
pub(crate) const BODY_EXCERPT: usize = 512;

/// An error from the transport.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// The base URL cannot be used.
    #[error("cannot use {url:?} as the App Store Connect base URL: {reason}")]
    InvalidBaseUrl {
        /// The URL as given.
        url: String,
        /// Why it is refused.
        reason: &'static str,
    },
    /// The HTTP client could not be built (TLS set-up, a bad certificate).
    #[error("cannot set up the HTTP client: {0}")]
    Setup(#[source] BoxedSource),
    /// No token could be had from the API key.
    #[error("cannot authenticate with App Store Connect")]
    Auth(#[from] ascert_auth::AuthError),
    /// The request did not get a complete response: no connection, a timeout, a reset.
    #[error("{method} {url} failed: {}", connection_story(.url, *.failure, .source.as_ref()))]
    Connection {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// How it failed.
        failure: ConnectionFailure,
        /// What the HTTP client saw.
        #[source]
        source: BoxedSource,
    },
    /// App Store Connect answered with an error document.
    #[error("App Store Connect answered {status} to {method} {url}: {errors}")]
    Api {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// Every error Apple reported.
        errors: ErrorResponse,
        /// The wait Apple asked for in `Retry-After`, if any.
        retry_after: Option<Duration>,
        /// The `X-Rate-Limit` figures of this response, if it carried them.
        rate_limit: Option<RateLimit>,
    },
    /// One attempt got no answer (no response headers) within the client's attempt timeout:
    /// the server accepted the connection, or not even that, and said nothing.
    #[error("{method} {url}: no answer from {} in {}", host(.url), human(*.waited))]
    NoAnswer {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// How long the attempt waited.
        waited: Duration,
    },
    /// A response began and then stopped: no byte of the body came for the client's stall timeout.
    #[error("{method} {url}: {} stopped sending the response for {} after {received} bytes", host(.url), human(*.waited))]
    Stalled {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// How long the attempt waited for the next byte.
        waited: Duration,
        /// How many bytes of the body had arrived.
        received: usize,
    },
    /// The operation's [`Deadline`](crate::Deadline) passed before the request got a complete answer.
    #[error("{method} {url}: no complete answer from {} within the {} deadline ({})", host(.url), human(*.allowed), deadline_story(*.attempts, .last.as_deref()))]
    DeadlineExceeded {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The time the deadline allowed.
        allowed: Duration,
        /// How many attempts were made.
        attempts: u32,
        /// Why the last attempt that ended failed; `None` when the deadline cut an attempt short
        /// (or came before the first).
        last: Option<Box<Error>>,
    },
    /// A response that is not what App Store Connect sends: an HTML page from a proxy, a wrong content type.
    #[error("{method} {url} got an unexpected {status} response ({}): {body:?}", content_type.as_deref().unwrap_or("no content type"))]
    UnexpectedResponse {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The HTTP status.
        status: u16,
        /// The `Content-Type` header, if any.
        content_type: Option<String>,
        /// The start of the body, cut to 512 characters.
        body: String,
    },
    /// A response body larger than this client accepts.
    #[error("{method} {url} sent a body larger than {limit} bytes")]
    BodyTooLarge {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The largest body accepted.
        limit: usize,
    },
    /// A JSON response that does not fit the model.
    #[error("{method} {url}: the response does not fit the model at `{path}`: {source}")]
    Decode {
        /// The request's method.
        method: Method,
        /// The request's URL.
        url: String,
        /// The JSON path where decoding failed, such as `data[3].attributes.expirationDate`.
        path: String,
        /// What the JSON parser found.
        #[source]
        source: BoxedSource,
    },
    /// A request body that could not be written as JSON.
    #[error("cannot encode the request body: {0}")]
    Encode(#[source] BoxedSource),
    /// A `links.next` that points to another host; following it would send the token there.
    #[error("refusing to follow a next-page link to another host ({link}); expected {expected}")]
    ForeignLink {
        /// The link as Apple sent it.
        link: String,
        /// The origin every link must have.
        expected: String,
    },
    /// A `links.next` that repeats a page already fetched; following it would loop for ever.
    #[error("the next-page link {link} repeats a page already fetched; the listing would never end")]
    RepeatedLink {
        /// The repeated link.
        link: String,
    },
    /// A listing that went on past [`crate::MAX_PAGES`] (or the client's own limit) pages.
    #[error("the listing did not end after {limit} pages; the server keeps sending next-page links")]
    TooManyPages {
        /// The page limit reached.
        limit: usize,
    },
    /// A request made on a task of its own (a page fetched ahead) was cancelled because the async
    /// runtime is shutting down.
    #[error("the request was cancelled: the async runtime is shutting down")]
    Cancelled,
    /// A `links.next` that is not a URL.
    #[error("the next-page link {link:?} is not a valid URL")]
    InvalidLink {
        /// The link as Apple sent it.
        link: String,
    },
    /// A path given to [`Client::url`](crate::Client::url) that does not make a URL below the
    /// base URL.
    #[error("{path:?} does not make a valid URL below the base URL {base}")]
    InvalidPath {
        /// The path (and query) as given.
        path: String,
        /// The client's base URL.
        base: String,
    },
}

/// The host of a URL kept as text, for a message.
fn host(url: &str) -> String {
    url::Url::parse(url)
        .ok()
        .and_then(|u| u.host_str().map(str::to_owned))
        .unwrap_or_else(|| url.to_owned())
}

/// "3 attempts; the last: no answer in 30 s", for [`Error::DeadlineExceeded`].
fn deadline_story(attempts: u32, last: Option<&Error>) -> String {
    let tried = match attempts {
        0 => return "it was not sent: the deadline had passed".to_owned(),
        1 => "1 attempt".to_owned(),
        n => format!("{n} attempts"),
    };
    match last {
        Some(last) => format!("{tried}; the last: {}", last.reason()),
        None => format!("{tried}; the last was still waiting when the deadline passed"),
    }
}

fn connection_reason(failure: ConnectionFailure, source: &(dyn std::error::Error + 'static)) -> String {
    let kind = failure.as_str();
    // The innermost cause says most (e.g. "connection refused"), and holds no secret.
    let cause = causes(source).last().unwrap_or(source);
    format!("{kind} ({cause})")
}

/// [`connection_reason`], saying where for the failures that are about the address itself:
/// "nothing is listening at `http://127.0.0.1:1`", "cannot resolve api.example.invalid".
fn connection_story(
    url: &str,
    failure: ConnectionFailure,
    source: &(dyn std::error::Error + 'static),
) -> String {
    let cause = causes(source).last().unwrap_or(source);
    let parsed = url::Url::parse(url).ok();
    match (failure, parsed) {
        (ConnectionFailure::Refused, Some(parsed)) => format!(
            "nothing is listening at {} ({cause})",
            parsed.origin().ascii_serialization()
        ),
        (ConnectionFailure::UnknownHost, Some(parsed)) => {
            format!("cannot resolve {} ({cause})", parsed.host_str().unwrap_or(url))
        }
        _ => connection_reason(failure, source),
    }
}

/// Whether `url`'s host is a loopback address (or `localhost`): a server on this machine.
fn is_loopback_url(url: &str) -> bool {
    match url::Url::parse(url).ok().as_ref().and_then(url::Url::host) {
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        Some(url::Host::Domain(name)) => name.eq_ignore_ascii_case("localhost"),
        None => false,
    }
}

impl Error {
    /// The HTTP status, for errors that got a response.
    pub fn status(&self) -> Option<u16> {
        match self {
            Self::Api { status, .. } | Self::UnexpectedResponse { status, .. } => Some(*status),
            _ => None,
        }
    }

    /// Apple's errors, for an [`Error::Api`].
    pub fn api_errors(&self) -> &[ApiError] {
        match self {
            Self::Api { errors, .. } => &errors.errors,
            _ => &[],
        }
    }

    /// Whether Apple reported an error with this `code` (such as `ENTITY_ERROR`), or one that starts
    /// with `code.` (so `PARAMETER_ERROR` matches `PARAMETER_ERROR.INVALID`).
    pub fn has_code(&self, code: &str) -> bool {
        self.api_errors().iter().any(|e| {
            e.code == code
                || e.code
                    .strip_prefix(code)
                    .is_some_and(|rest| rest.starts_with('.'))
        })
    }

    /// Whether App Store Connect refused the query parameter `parameter` (such as
    /// `filter[certificateType]`): a 400 with a `PARAMETER_ERROR…` that names it as its source or in
    /// its detail. A caller may then ask again without it, and filter locally.
    pub fn rejects_parameter(&self, parameter: &str) -> bool {
        self.status() == Some(400)
            && self.api_errors().iter().any(|e| {
                e.code.starts_with("PARAMETER_ERROR")
                    && (matches!(&e.source, Some(ErrorSource::Parameter(p)) if p.parameter == parameter)
                        || e.detail.contains(parameter))
            })
    }

    /// The wait Apple asked for in `Retry-After`.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Self::Api { retry_after, .. } => *retry_after,
            _ => None,
        }
    }

    /// The `X-Rate-Limit` figures of the response that carried this error, if any.
    pub fn rate_limit(&self) -> Option<RateLimit> {
        match self {
            Self::Api { rate_limit, .. } => *rate_limit,
            _ => None,
        }
    }

    /// Whether the request may have taken effect although it failed: a timeout, a connection lost
    /// after sending, a server error, or a deadline that passed after the request went out. A
    /// `POST` that fails this way must be reconciled before it is sent again.
    pub fn is_ambiguous(&self) -> bool {
        match self {
            Self::Connection { failure, .. } => !failure.is_connect(),
            Self::Api { status, .. } | Self::UnexpectedResponse { status, .. } => *status >= 500,
            Self::NoAnswer { .. } | Self::Stalled { .. } => true,
            Self::DeadlineExceeded { attempts, .. } => *attempts > 0,
            _ => false,
        }
    }

    /// Whether a retry could succeed: 429, 500, 502, 503, 504, a connection failure, no answer in
    /// time or a stalled body. A passed deadline is not: nothing may be tried after it.
    ///
    /// Some failures to connect are not, because they fail the same way every time: a server
    /// certificate that chains to no trusted root, a plain-HTTP server asked for TLS, a host name
    /// that does not exist, and a refused connection on this machine (a local server that is not
    /// running does not start by itself; a refused connection to a remote host may be a load
    /// balancer's moment and is retried).
    pub fn is_transient(&self) -> bool {
        match self {
            Self::Connection { failure, url, .. } => match failure {
                ConnectionFailure::UnknownHost => false,
                ConnectionFailure::Refused => !is_loopback_url(url),
                _ => !self.is_untrusted_certificate() && !self.is_plain_http(),
            },
            Self::NoAnswer { .. } | Self::Stalled { .. } => true,
            Self::Api { status, .. } | Self::UnexpectedResponse { status, .. } => {
                matches!(status, 429 | 500 | 502 | 503 | 504)
            }
            _ => false,
        }
    }

    /// Whether no answer came from the server: no connection could be made (a refused one, a host
    /// that does not resolve, an untrusted certificate included), it timed out, no answer came in
    /// time, or the deadline passed. A caller with a copy of what it asked for may use the copy then.
    pub fn is_unreachable(&self) -> bool {
        match self {
            Self::Connection { failure, .. } => {
                failure.is_connect() || matches!(failure, ConnectionFailure::Timeout)
            }
            Self::NoAnswer { .. } | Self::DeadlineExceeded { .. } => true,
            _ => false,
        }
    }

    /// Whether the connection failed because the server's certificate was refused (it chains to
    /// no trusted root, or does not name the host): a sandbox over TLS whose CA is not trusted, or a
    /// TLS-inspecting proxy. Never transient.
    pub fn is_untrusted_certificate(&self) -> bool {
        let Self::Connection { source, .. } = self else {
            return false;
        };
        // rustls's errors reach us only as the HTTP client's sources: read their messages.
        causes(source.as_ref()).any(|c| c.to_string().contains("invalid peer certificate"))
    }

    /// Whether a TLS connection failed because the server answered in plain HTTP: an `https://`
    /// base URL for a server (such as `ascert sandbox serve` without `--tls`) that speaks `http://`.
    /// Never transient.
    pub fn is_plain_http(&self) -> bool {
        let Self::Connection { source, .. } = self else {
            return false;
        };
        // rustls reads an HTTP answer as a TLS record of an invalid content type; it reaches us only
        // as the HTTP client's sources' messages.
        causes(source.as_ref()).any(|c| c.to_string().contains("InvalidContentType"))
    }

    /// Whether the operation's deadline passed ([`Error::DeadlineExceeded`]).
    pub fn is_deadline(&self) -> bool {
        matches!(self, Self::DeadlineExceeded { .. })
    }

    /// What went wrong, in a few words and without the request: `no answer in 30 s`,
    /// `answered 503`, `could not connect (connection refused)`.
    pub fn reason(&self) -> String {
        match self {
            Self::NoAnswer { waited, .. } => format!("no answer in {}", human(*waited)),
            Self::Stalled { waited, .. } => format!("the response stalled for {}", human(*waited)),
            Self::Connection { failure, source, .. } => connection_reason(*failure, source.as_ref()),
            Self::Api { status, errors, .. } => match errors.errors.first() {
                Some(first) => format!("answered {status} {}", first.code),
                None => format!("answered {status}"),
            },
            Self::UnexpectedResponse { status, .. } => format!("answered {status} with an unexpected body"),
            other => other.to_string(),
        }
    }

    /// Whether the request was refused for its credentials (401 or 403).
    pub fn is_auth(&self) -> bool {
        matches!(self, Self::Auth(_)) || matches!(self.status(), Some(401 | 403))
    }
}

/// The first characters of a body that is not JSON, for an error message.
pub(crate) fn excerpt(body: &[u8]) -> String {
    let text = String::from_utf8_lossy(body);
    let mut cut: String = text.chars().take(BODY_EXCERPT).collect();
    if text.chars().count() > BODY_EXCERPT {
        cut.push('…');
    }
    cut
}

#[cfg(test)]
mod tests {
    use super::*;

    fn connection(url: &str, failure: ConnectionFailure, cause: &str) -> Error {
        Error::Connection {
            method: Method::GET,
            url: url.to_owned(),
            failure,
            source: Box::new(std::io::Error::other(cause.to_owned())),
        }
    }

    #[test]
    fn failures_that_repeat_themselves_are_not_retried() {
        let local = "http://127.0.0.1:1/v1/certificates";
        let apple = "https://api.appstoreconnect.apple.com/v1/certificates";
        let refused = "Connection refused (os error 111)";
        assert!(!connection(local, ConnectionFailure::Refused, refused).is_transient());
        assert!(!connection("http://localhost:9/v1/x", ConnectionFailure::Refused, refused).is_transient());
        // Apple's load balancer refusing for a moment is worth another try.
        assert!(connection(apple, ConnectionFailure::Refused, refused).is_transient());
        let unknown = "failed to lookup address information: Name or service not known";
        assert!(!connection(apple, ConnectionFailure::UnknownHost, unknown).is_transient());
        assert!(
            connection(
                apple,
                ConnectionFailure::Connect,
                "Temporary failure in name resolution"
            )
            .is_transient()
        );
        let plain = "received corrupt message of type InvalidContentType";
        let err = connection("https://127.0.0.1:8/v1/x", ConnectionFailure::Connect, plain);
        assert!(err.is_plain_http());
        assert!(!err.is_transient());
    }

    #[test]
    fn address_failures_say_where() {
        let err = connection(
            "http://127.0.0.1:1/v1/certificates",
            ConnectionFailure::Refused,
            "Connection refused (os error 111)",
        );
        assert_eq!(
            err.to_string(),
            "GET http://127.0.0.1:1/v1/certificates failed: nothing is listening at http://127.0.0.1:1 \
             (Connection refused (os error 111))"
        );
        let err = connection(
            "https://api.example.invalid/v1/certificates",
            ConnectionFailure::UnknownHost,
            "failed to lookup address information: Name or service not known",
        );
        assert_eq!(
            err.to_string(),
            "GET https://api.example.invalid/v1/certificates failed: cannot resolve api.example.invalid \
             (failed to lookup address information: Name or service not known)"
        );
        assert!(
            NO_SUCH_HOST
                .iter()
                .any(|m| "failed to lookup address information: Name or service not known".contains(m))
        );
    }
}
