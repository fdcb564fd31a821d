//! `ascert check --notify URL`: posts the check's JSON document, with a one-line `text` summary
//! added, to an incoming webhook (Slack; Mattermost and Discord's Slack-compatible endpoints; a
//! local relay), once, within the command's deadline.
//!
//! A webhook URL is a secret: Slack's path is the token that lets anyone post to the channel, and
//! other services put theirs in the query. So the URL is held in a [`SecretString`] and never
//! shown whole: [`Webhook`]'s `Display` and `Debug` show its scheme and host, every error names the
//! host only (the HTTP client's errors are stripped of the URL they carry), and any text a server
//! sends back (an error page may quote the path it was asked for) has the URL, its path, query and
//! their longer parts replaced before it is shown. The command must parse the flag itself
//! ([`Webhook::from_str`]), not through a clap value parser: clap quotes a refused value whole.
//!
//! What the request does, decided once here:
//! - **Where.** `https://` only; `http://` only to a loopback host (127.0.0.0/8, `::1`,
//!   `localhost`), for tests and local relays, as the transport allows for App Store Connect.
//!   Anything else is a usage error (exit 2) from [`Webhook::from_str`], before any request. The
//!   platform's trust store decides TLS (`ASCERT_CA_CERT` is for the sandbox, not for webhooks);
//!   `HTTPS_PROXY` and the like are honoured, except for a loopback host.
//! - **Once.** A webhook that received the POST may have delivered it even when its answer is lost,
//!   and a second POST would be a second message in the channel; so nothing is sent again once the
//!   request may have left. The one retry: a connection *refused* by a remote host (a load balancer
//!   between two instances) proves nothing was sent, so it is tried up to [`REFUSED_TRIES`] times in
//!   all, after waits of 250 ms and 1 s, none past the deadline. A connection refused on this
//!   machine is not retried: a local relay that is not running does not start by itself (the
//!   transport decides the same for App Store Connect).
//! - **Within the deadline.** The command's `--timeout` bounds the whole exchange; at it the
//!   request is dropped with "gave no answer within …" (exit 7).
//! - **No redirects.** A 3xx is an error that says so; its `Location` is neither followed nor shown
//!   (a redirect would carry the message, and a `Location` may carry a secret of its own).
//! - **Bounded answers.** A 2xx is success; its body is not read. Any other answer's body is read
//!   up to [`MAX_RESPONSE_BODY`] (the rest is left unread) and shown as one line of at most
//!   [`BODY_EXCERPT`] characters, control characters escaped; the error names the host and status.

use std::fmt;
use std::str::FromStr;
use std::time::Duration;

use anyhow::Result;
use ascert_transport::Deadline;
use reqwest::Url;
use reqwest::header::CONTENT_TYPE;
use secrecy::{ExposeSecret as _, SecretString};
use serde_json::{Map, Value};
use zeroize::Zeroizing;

use crate::failure::{Exit, UserError};

/// How much of a webhook's answer is read: Slack's errors are a word (`invalid_payload`), an HTML
/// error page a few KiB.
pub(crate) const MAX_RESPONSE_BODY: usize = 64 * 1024;

/// How many characters of a webhook's answer an error shows.
pub(crate) const BODY_EXCERPT: usize = 300;

/// How many times in all a connection refused by a remote host is tried: a refusal proves that
/// nothing was sent.
pub(crate) const REFUSED_TRIES: usize = 3;

/// The waits before the second and third tries of a refused connection.
const REFUSED_WAITS: [Duration; REFUSED_TRIES - 1] = [Duration::from_millis(250), Duration::from_secs(1)];

/// The user agent of every request ascert makes (the transport's, the CA download's).
const USER_AGENT: &str = concat!("ascert/", env!("CARGO_PKG_VERSION"));

/// What replaces a part of the webhook URL in text a server sends back.
const HIDDEN: &str = "[hidden]";

/// Parts of the URL at least this long are hidden wherever they appear in an answer: a token
/// alone (Slack's last path segment, a `token=` value) may be quoted without the rest.
const MIN_HIDDEN_PART: usize = 6;

/// Why a URL's text is not shown, for the errors about it.
const NOT_SHOWN: &str = "the URL is not shown: a webhook URL carries its secret";

/// An incoming webhook's URL, checked: `https://`, or `http://` to a loopback host.
///
/// `Display` shows the scheme and host (with a port that is not the scheme's own), such as
/// `https://hooks.slack.com`; `Debug` shows the scheme and host only. The path and query, where
/// webhooks keep their token, are never shown.
pub(crate) struct Webhook {
    /// The URL as the user gave it.
    url: SecretString,
    /// `https` or `http`.
    scheme: &'static str,
    /// The host, with the port when it is not the scheme's own: what messages name.
    host: String,
    /// Whether the host is this machine (plain http allowed, no proxy).
    loopback: bool,
    /// Whether a refused connection is tried again (off loopback).
    retry_refused: bool,
}

impl FromStr for Webhook {
    type Err = UserError;

    /// Checks a webhook URL given by the user.
    ///
    /// # Errors
    /// A usage error (exit 2), which never quotes the URL, for text that is not an absolute URL,
    /// a scheme other than `https` (or `http` to a loopback host), or a URL without a host.
    fn from_str(text: &str) -> Result<Self, UserError> {
        let url = Url::parse(text)
            .map_err(|err| UserError::usage(format!("the webhook URL is not a URL: {err} ({NOT_SHOWN})")))?;
        let host_name = url.host_str().filter(|h| !h.is_empty());
        let host = |host: &str| match url.port() {
            Some(port) => format!("{host}:{port}"),
            None => host.to_owned(),
        };
        let loopback = is_loopback(&url);
        let scheme = match url.scheme() {
            "https" => "https",
            "http" if loopback => "http",
            "http" => {
                return Err(UserError::usage(format!(
                    "the webhook URL http://{} is refused: plain http is allowed only to this machine \
                     (127.0.0.0/8, ::1, localhost); the rest of the URL is not shown, since it carries the \
                     webhook's secret",
                    host_name.map_or_else(String::new, host)
                ))
                .hint("use the https:// URL the webhook's service gives"));
            }
            other => {
                // A scheme is shown only when it looks like one (`ftp`): text pasted in the wrong
                // place (`xoxb-…:…`) parses as a scheme too.
                let shown = if other.len() <= 8 && other.bytes().all(|b| b.is_ascii_lowercase()) {
                    format!(" ({other}://)")
                } else {
                    String::new()
                };
                return Err(UserError::usage(format!(
                    "the webhook URL must start with https:// (or http:// to this machine), not another \
                     scheme{shown}; {NOT_SHOWN}"
                )));
            }
        };
        let Some(host_name) = host_name else {
            return Err(UserError::usage(format!(
                "the webhook URL has no host; {NOT_SHOWN}"
            )));
        };
        Ok(Self {
            host: host(host_name),
            url: SecretString::from(text.to_owned()),
            scheme,
            loopback,
            retry_refused: !loopback,
        })
    }
}

/// Whether `url`'s host is this machine: 127.0.0.0/8, `::1` or `localhost`.
fn is_loopback(url: &Url) -> bool {
    let Some(host) = url.host_str() else {
        return false;
    };
    // An IPv6 host comes between brackets; a name that is not `localhost` is not trusted to be one.
    let bare = host
        .strip_prefix('[')
        .and_then(|h| h.strip_suffix(']'))
        .unwrap_or(host);
    match bare.parse::<std::net::IpAddr>() {
        Ok(ip) => ip.is_loopback(),
        Err(_) => host.eq_ignore_ascii_case("localhost"),
    }
}

impl fmt::Display for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}://{}", self.scheme, self.host)
    }
}

impl fmt::Debug for Webhook {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Webhook")
            .field("scheme", &self.scheme)
            .field("host", &self.host)
            .finish_non_exhaustive()
    }
}

/// Posts `document` to the webhook `url`, with `text` (a one-line summary) as its top-level
/// `"text"` field, which Slack, Mattermost and Discord's Slack-compatible endpoint show. A document
/// that is not a JSON object, or that has a `"text"` field of its own, is sent whole as `"report"`
/// beside the summary: `{"text": …, "report": document}`.
///
/// One request, within `deadline`; see the module's documentation for what is retried (only a
/// connection refused by a remote host, which proves nothing was sent) and what is read.
///
/// # Errors
/// Exit 7 when the deadline passes before an answer; exit 1 when the webhook cannot be reached,
/// answers a redirect (not followed), or answers anything but a 2xx (the error names the host and
/// the status, with an excerpt of the answer). No error shows the URL's path or query.
pub(crate) async fn notify(url: &Webhook, document: &Value, text: &str, deadline: &Deadline) -> Result<()> {
    let body = serde_json::to_vec(&payload(document, text))?;
    // Checked when the webhook was made; an error here quotes nothing of it either.
    let target = Url::parse(url.url.expose_secret())
        .map_err(|err| anyhow::anyhow!("the webhook URL cannot be read again: {err}"))?;
    let client = url.client()?;
    let mut tries = 0;
    loop {
        tries += 1;
        if deadline.is_past() {
            return Err(url.out_of_time(deadline, tries));
        }
        let request = client
            .post(target.clone())
            .header(CONTENT_TYPE, "application/json")
            .body(body.clone())
            .send();
        let sent = tokio::select! {
            biased;
            sent = request => sent,
            () = deadline.passed() => return Err(url.no_answer(deadline)),
        };
        match sent {
            Ok(response) => return url.answered(response, deadline).await,
            Err(err) => {
                // The HTTP client's error names the whole URL: it is dropped before anything is kept.
                let err = err.without_url();
                if url.retry_refused
                    && is_refused(&err)
                    && let Some(&wait) = REFUSED_WAITS.get(tries - 1)
                    && wait < deadline.remaining()
                {
                    tracing::debug!(webhook = %url, tries, "the webhook refused the connection; trying again");
                    tokio::time::sleep(wait).await;
                    continue;
                }
                return Err(url.failed(&err, tries));
            }
        }
    }
}

/// The body posted: `text` first, then the document's fields; a document that is not an object, or
/// has a `text` of its own, goes whole under `report`.
fn payload(document: &Value, text: &str) -> Value {
    let mut body = Map::new();
    body.insert("text".to_owned(), Value::String(text.to_owned()));
    match document {
        Value::Object(fields) if !fields.contains_key("text") => {
            body.extend(fields.iter().map(|(k, v)| (k.clone(), v.clone())));
        }
        _ => {
            body.insert("report".to_owned(), document.clone());
        }
    }
    Value::Object(body)
}

impl Webhook {
    /// The HTTP client for one notification: the CLI's user agent and TLS stack, no redirects, no
    /// proxy for this machine. The deadline bounds it from outside ([`notify`]).
    fn client(&self) -> Result<reqwest::Client> {
        let mut builder = reqwest::Client::builder()
            .user_agent(USER_AGENT)
            .redirect(reqwest::redirect::Policy::none());
        if self.loopback {
            builder = builder.no_proxy();
        }
        builder.build().map_err(|err| {
            anyhow::Error::new(err.without_url()).context("cannot set up the HTTP client for the webhook")
        })
    }

    /// What the webhook answered: success for a 2xx, else an error naming the host and status.
    async fn answered(&self, response: reqwest::Response, deadline: &Deadline) -> Result<()> {
        let status = response.status();
        if status.is_success() {
            tracing::debug!(webhook = %self, %status, "notified the webhook");
            return Ok(());
        }
        if status.is_redirection() {
            return Err(UserError::new(
                Exit::Failure,
                format!(
                    "the webhook at {} answered {status}, a redirect, which ascert does not follow: the \
                     notification was not delivered",
                    self.host
                ),
            )
            .hint(
                "give --notify the webhook URL its service shows (a redirect would carry the notification, and \
                 the URL's secret, elsewhere)",
            )
            .into());
        }
        let body = read_capped(response, deadline).await;
        let excerpt = self.excerpt(&body);
        let mut message = format!("the webhook at {} answered {status}", self.host);
        if !excerpt.is_empty() {
            message.push_str(": ");
            message.push_str(&excerpt);
        }
        let mut error = UserError::new(Exit::Failure, message);
        if matches!(status.as_u16(), 401 | 403 | 404 | 410) {
            error = error.hint(
                "check the webhook URL given to --notify: the webhook may have been removed or its token revoked",
            );
        }
        Err(error.into())
    }

    /// The error of a request that got no answer: refused, unreachable, or cut off after sending.
    fn failed(&self, err: &reqwest::Error, tries: usize) -> anyhow::Error {
        let cause = self.scrub(&innermost(err).to_string());
        let attempts = if tries > 1 {
            format!(", tried {tries} times")
        } else {
            String::new()
        };
        let message = if is_refused(err) {
            format!(
                "nothing is listening at {} ({cause}{attempts}): the notification was not sent",
                self.host
            )
        } else if err.is_connect() {
            format!(
                "cannot reach the webhook at {} ({cause}{attempts}): the notification was not sent",
                self.host
            )
        } else {
            format!(
                "the connection to the webhook at {} failed after the notification was sent ({cause}): it may \
                 have been delivered, so it is not sent again",
                self.host
            )
        };
        UserError::new(Exit::Failure, message).into()
    }

    /// The error of a request cut at the deadline.
    fn no_answer(&self, deadline: &Deadline) -> anyhow::Error {
        UserError::new(
            Exit::Timeout,
            format!(
                "the webhook at {} gave no answer within the {deadline} deadline: if the request reached it, the \
                 notification may have been delivered",
                self.host
            ),
        )
        .hint("give it more time with --timeout (or ASCERT_TIMEOUT), e.g. --timeout 5m")
        .into()
    }

    /// The error of a notification whose deadline passed before it was sent (or sent again).
    fn out_of_time(&self, deadline: &Deadline, tries: usize) -> anyhow::Error {
        let after = if tries > 1 {
            " again, after its connection was refused"
        } else {
            ""
        };
        UserError::new(
            Exit::Timeout,
            format!(
                "the {deadline} deadline passed before the webhook at {} was called{after}: the notification was \
                 not sent",
                self.host
            ),
        )
        .hint("give it more time with --timeout (or ASCERT_TIMEOUT), e.g. --timeout 5m")
        .into()
    }

    /// An answer's body as one line for an error: the URL's parts hidden, whitespace runs made one
    /// space, control and bidirectional-override characters escaped, at most [`BODY_EXCERPT`]
    /// characters.
    fn excerpt(&self, body: &[u8]) -> String {
        let text = self.scrub(&String::from_utf8_lossy(body));
        let mut line = String::new();
        for word in text.split_whitespace() {
            if !line.is_empty() {
                line.push(' ');
            }
            for c in word.chars() {
                if c.is_control() || matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}') {
                    line.extend(c.escape_default());
                } else {
                    line.push(c);
                }
            }
        }
        if line.chars().count() > BODY_EXCERPT {
            let mut cut: String = line.chars().take(BODY_EXCERPT).collect();
            cut.push('…');
            return cut;
        }
        line
    }

    /// `text` with every part of the URL that could hold its secret replaced: the URL itself, its
    /// path, query, fragment and credentials, and each path segment and query value of
    /// [`MIN_HIDDEN_PART`] characters or more.
    fn scrub(&self, text: &str) -> String {
        let given = self.url.expose_secret();
        let mut parts: Vec<Zeroizing<String>> = vec![Zeroizing::new(given.to_owned())];
        if let Ok(url) = Url::parse(given) {
            parts.push(Zeroizing::new(url.as_str().to_owned()));
            if url.path().len() > 1 {
                parts.push(Zeroizing::new(url.path().to_owned()));
            }
            let whole = [url.query(), url.fragment(), url.password(), Some(url.username())];
            parts.extend(whole.into_iter().flatten().map(|p| Zeroizing::new(p.to_owned())));
            let segments = url.path_segments().into_iter().flatten().map(str::to_owned);
            let values = url.query_pairs().map(|(_, value)| value.into_owned());
            parts.extend(
                segments
                    .chain(values)
                    .filter(|p| p.chars().count() >= MIN_HIDDEN_PART)
                    .map(Zeroizing::new),
            );
        }
        // The longest first, so that a part inside another is not replaced in it first.
        parts.retain(|p| !p.is_empty());
        parts.sort_by_key(|p| std::cmp::Reverse(p.len()));
        let mut shown = text.to_owned();
        for part in &parts {
            if shown.contains(part.as_str()) {
                shown = shown.replace(part.as_str(), HIDDEN);
            }
        }
        shown
    }
}

/// Reads at most [`MAX_RESPONSE_BODY`] of an answer, until it ends, fails or the deadline passes:
/// what it has by then is all an error shows. The rest is never read.
async fn read_capped(mut response: reqwest::Response, deadline: &Deadline) -> Vec<u8> {
    let mut body = Vec::new();
    let read = async {
        while body.len() < MAX_RESPONSE_BODY {
            let Ok(Some(chunk)) = response.chunk().await else {
                break;
            };
            let room = MAX_RESPONSE_BODY - body.len();
            body.extend_from_slice(chunk.get(..room).unwrap_or(&chunk[..]));
        }
    };
    tokio::select! {
        () = read => {}
        () = deadline.passed() => {}
    }
    body
}

/// Whether a connection was refused (nothing listens on the port): the request was not sent.
fn is_refused(err: &reqwest::Error) -> bool {
    causes(err).any(|cause| {
        cause
            .downcast_ref::<std::io::Error>()
            .is_some_and(|io| io.kind() == std::io::ErrorKind::ConnectionRefused)
    })
}

/// The deepest cause of an error: the operating system's or TLS library's own words.
fn innermost<'e>(err: &'e (dyn std::error::Error + 'static)) -> &'e (dyn std::error::Error + 'static) {
    causes(err).last().unwrap_or(err)
}

fn causes<'e>(
    err: &'e (dyn std::error::Error + 'static),
) -> impl Iterator<Item = &'e (dyn std::error::Error + 'static)> {
    std::iter::successors(Some(err), |cause| cause.source())
}

#[cfg(test)]
mod tests;
