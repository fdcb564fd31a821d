//! A scripted HTTP server on loopback for the transport's tests, and a token source that counts renewals.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, SystemTime};

use ascert_auth::{AuthError, Token, TokenSource};
use ascert_transport::{Client, RetryPolicy};
use axum::body::Body;
use axum::extract::State;
use axum::http::{HeaderMap, Method, Response, Uri};

/// A request the mock server received.
#[derive(Debug, Clone)]
pub(crate) struct Seen {
    pub(crate) method: Method,
    pub(crate) path_and_query: String,
    pub(crate) authorization: Option<String>,
}

/// What the mock answers.
pub(crate) struct Reply {
    pub(crate) status: u16,
    pub(crate) headers: Vec<(&'static str, String)>,
    pub(crate) body: String,
}

impl Reply {
    pub(crate) fn json(status: u16, body: impl Into<String>) -> Self {
        Self {
            status,
            headers: vec![("content-type", "application/json".into())],
            body: body.into(),
        }
    }

    pub(crate) fn header(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.headers.push((name, value.into()));
        self
    }
}

type Script = dyn Fn(&Seen, usize) -> Reply + Send + Sync;

struct Shared {
    script: Box<Script>,
    seen: Mutex<Vec<Seen>>,
}

/// A server on 127.0.0.1 that answers each request with `script(request, index)`.
pub(crate) struct Mock {
    pub(crate) base_url: String,
    shared: Arc<Shared>,
}

impl Mock {
    pub(crate) async fn start(script: impl Fn(&Seen, usize) -> Reply + Send + Sync + 'static) -> Mock {
        let shared = Arc::new(Shared {
            script: Box::new(script),
            seen: Mutex::new(Vec::new()),
        });
        let router = axum::Router::new().fallback(answer).with_state(shared.clone());
        // Bound before serving: connections queue in the backlog, so the server is ready now.
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/", listener.local_addr().unwrap());
        tokio::spawn(async move { axum::serve(listener, router).await });
        Mock { base_url, shared }
    }

    pub(crate) fn seen(&self) -> Vec<Seen> {
        self.shared.seen.lock().unwrap().clone()
    }

    pub(crate) fn url(&self, path: &str) -> String {
        format!("{}{}", self.base_url, path.trim_start_matches('/'))
    }
}

async fn answer(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
) -> Response<Body> {
    let seen = Seen {
        method,
        path_and_query: uri.path_and_query().map(ToString::to_string).unwrap_or_default(),
        authorization: headers
            .get("authorization")
            .map(|v| v.to_str().unwrap().to_owned()),
    };
    let index = {
        let mut all = shared.seen.lock().unwrap();
        all.push(seen.clone());
        all.len() - 1
    };
    let reply = (shared.script)(&seen, index);
    let mut response = Response::builder().status(reply.status);
    for (name, value) in reply.headers {
        response = response.header(name, value);
    }
    response.body(Body::from(reply.body)).unwrap()
}

/// Hands out the tokens in order: the first until a renewal, then the next.
#[derive(Debug)]
pub(crate) struct Tokens {
    issued: Vec<&'static str>,
    current: AtomicUsize,
    pub(crate) renewals: AtomicUsize,
}

impl Tokens {
    pub(crate) fn new(tokens: &[&'static str]) -> Arc<Self> {
        Arc::new(Self {
            issued: tokens.to_vec(),
            current: AtomicUsize::new(0),
            renewals: AtomicUsize::new(0),
        })
    }

    pub(crate) fn renewals(&self) -> usize {
        self.renewals.load(Ordering::SeqCst)
    }
}

impl TokenSource for Tokens {
    fn token(&self) -> Result<Token, AuthError> {
        let i = self.current.load(Ordering::SeqCst).min(self.issued.len() - 1);
        let now = SystemTime::now();
        Ok(Token::new(
            self.issued[i].to_owned(),
            now,
            now + Duration::from_secs(600),
        ))
    }

    fn renew(&self) -> Result<Token, AuthError> {
        self.renewals.fetch_add(1, Ordering::SeqCst);
        self.current.fetch_add(1, Ordering::SeqCst);
        self.token()
    }
}

/// Fast retries, so the tests spend no real time waiting.
pub(crate) fn quick_retries() -> RetryPolicy {
    RetryPolicy::default()
        .with_max_attempts(4)
        .with_delays(Duration::from_millis(1), Duration::from_millis(5))
}

pub(crate) fn client(mock: &Mock, tokens: Arc<Tokens>) -> Client {
    Client::builder_shared(tokens)
        .base_url(&mock.base_url)
        .retry(quick_retries())
        .build()
        .unwrap()
}

/// A page of certificates with ids `ids` and an optional absolute next link.
pub(crate) fn page(ids: &[&str], next: Option<&str>) -> String {
    let data: Vec<String> = ids
        .iter()
        .map(|id| format!(r#"{{"type":"certificates","id":"{id}","attributes":{{"csrContent":null}}}}"#))
        .collect();
    let next = next.map(|n| format!(r#","next":"{n}""#)).unwrap_or_default();
    format!(
        r#"{{"data":[{}],"links":{{"self":"https://example.invalid/v1/certificates"{next}}},"meta":{{"paging":{{"total":9,"limit":2}}}}}}"#,
        data.join(",")
    )
}

pub(crate) fn apple_error(status: u16, code: &str, detail: &str) -> String {
    format!(
        r#"{{"errors":[{{"id":"e1","status":"{status}","code":"{code}","title":"Title","detail":"{detail}"}}]}}"#
    )
}
