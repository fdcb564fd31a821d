//! Deadlines against servers that misbehave the way real networks and proxies do: one that accepts
//! and never answers, one that starts a body and stalls, one that asks for a wait longer than the
//! time left. Every call must end by its deadline, say what was tried, never repeat a POST, and
//! report each retry to the observer.

use std::fmt::Write as _;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use ascert_auth::{AuthError, Token, TokenSource};
use ascert_transport::{Client, Deadline, Error, RetryPolicy};
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

/// What the raw server does on one connection, after reading the request's head.
#[derive(Clone)]
enum Conduct {
    /// Says nothing and keeps the connection open.
    Silent,
    /// Sends these bytes, then says nothing more and keeps the connection open.
    SendThenStall(Vec<u8>),
    /// Sends these bytes and closes.
    Answer(Vec<u8>),
}

/// A server on 127.0.0.1 whose `n`-th connection gets `script(n)`.
struct RawServer {
    base_url: String,
    connections: Arc<AtomicUsize>,
}

impl RawServer {
    async fn start(script: impl Fn(usize) -> Conduct + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/", listener.local_addr().unwrap());
        let connections = Arc::new(AtomicUsize::new(0));
        let counter = Arc::clone(&connections);
        let script = Arc::new(script);
        tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                let n = counter.fetch_add(1, Ordering::SeqCst);
                let conduct = script(n);
                tokio::spawn(serve(stream, conduct));
            }
        });
        Self {
            base_url,
            connections,
        }
    }

    fn connections(&self) -> usize {
        self.connections.load(Ordering::SeqCst)
    }
}

async fn serve(mut stream: TcpStream, conduct: Conduct) {
    let mut head = Vec::new();
    let mut buffer = [0u8; 4096];
    while !head.windows(4).any(|w| w == b"\r\n\r\n") {
        match stream.read(&mut buffer).await {
            Ok(0) | Err(_) => return,
            Ok(n) => head.extend_from_slice(&buffer[..n]),
        }
    }
    let hold = |mut stream: TcpStream| async move {
        // Keep the connection open, reading whatever comes, until the client gives up on it.
        while matches!(stream.read(&mut buffer).await, Ok(n) if n > 0) {}
    };
    match conduct {
        Conduct::Silent => hold(stream).await,
        Conduct::SendThenStall(bytes) => {
            let _ = stream.write_all(&bytes).await;
            hold(stream).await;
        }
        Conduct::Answer(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
    }
}

fn response(status: &str, headers: &[(&str, &str)], body: &str) -> Vec<u8> {
    let headers = headers.iter().fold(String::new(), |mut text, (name, value)| {
        let _ = write!(text, "{name}: {value}\r\n");
        text
    });
    format!(
        "HTTP/1.1 {status}\r\nContent-Type: application/json\r\n{headers}Content-Length: {}\r\n\
         Connection: close\r\n\r\n{body}",
        body.len()
    )
    .into_bytes()
}

const PAGE: &str = r#"{"data":[],"links":{"self":"https://example.invalid/v1/certificates"}}"#;

#[derive(Debug)]
struct FixedToken;

impl TokenSource for FixedToken {
    fn token(&self) -> Result<Token, AuthError> {
        let now = std::time::SystemTime::now();
        Ok(Token::new("t".to_owned(), now, now + Duration::from_secs(600)))
    }

    fn renew(&self) -> Result<Token, AuthError> {
        self.token()
    }
}

/// What the observer heard: each retry notice as text.
#[derive(Default, Clone)]
struct Heard(Arc<Mutex<Vec<String>>>);

impl Heard {
    fn lines(&self) -> Vec<String> {
        self.0.lock().unwrap().clone()
    }
}

fn client(server: &RawServer, attempt: Duration, heard: &Heard) -> Client {
    let heard = heard.clone();
    Client::builder(FixedToken)
        .base_url(&server.base_url)
        .attempt_timeout(attempt)
        .stall_timeout(attempt)
        .retry(
            RetryPolicy::default()
                .with_max_attempts(6)
                .with_delays(Duration::from_millis(10), Duration::from_millis(20)),
        )
        .on_retry(move |notice| heard.0.lock().unwrap().push(notice.to_string()))
        .build()
        .unwrap()
}

async fn get(client: &Client) -> Result<serde_json::Value, Error> {
    client.get(client.url("v1/certificates")?).await
}

#[tokio::test]
async fn a_server_that_never_answers_ends_at_the_deadline_having_retried() {
    let server = RawServer::start(|_| Conduct::Silent).await;
    let heard = Heard::default();
    let deadline = Deadline::after(Duration::from_millis(1_200));
    let bounded = client(&server, Duration::from_millis(300), &heard).with_deadline(deadline.clone());
    let started = Instant::now();
    let err = get(&bounded).await.unwrap_err();
    let took = started.elapsed();
    assert!(took < Duration::from_millis(1_700), "took {took:?}");
    let Error::DeadlineExceeded {
        attempts, allowed, ..
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(allowed, Duration::from_millis(1_200));
    assert!(attempts >= 3, "{attempts} attempts: {err}");
    assert_eq!(
        server.connections(),
        attempts as usize,
        "one connection per attempt"
    );
    assert!(err.is_ambiguous(), "requests went out");
    assert!(!err.is_transient());
    let text = err.to_string();
    assert!(
        text.contains("no complete answer from 127.0.0.1 within the 1.2 s deadline")
            && text.contains(&format!("{attempts} attempts")),
        "{text}"
    );
    let lines = heard.lines();
    assert!(lines.len() >= 2, "{lines:?}");
    assert!(
        lines[0].starts_with("no answer from 127.0.0.1 in 300 ms; retrying in ")
            && lines[0].ends_with("(attempt 2 of 6)"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn without_a_deadline_each_attempt_still_ends_and_the_last_error_says_no_answer() {
    let server = RawServer::start(|_| Conduct::Silent).await;
    let heard = Heard::default();
    let client = client(&server, Duration::from_millis(100), &heard);
    let err = get(&client).await.unwrap_err();
    assert!(
        matches!(err, Error::NoAnswer { waited, .. } if waited == Duration::from_millis(100)),
        "{err}"
    );
    assert_eq!(server.connections(), 6, "every attempt the policy allows");
    assert_eq!(heard.lines().len(), 5);
}

#[tokio::test]
async fn a_body_that_stalls_fails_the_attempt_and_the_retry_gets_the_page() {
    let server = RawServer::start(|n| {
        if n == 0 {
            // Headers promise 1000 bytes; 10 come, then nothing.
            let mut head =
                b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".to_vec();
            head.extend_from_slice(b"{\"data\":[ ");
            Conduct::SendThenStall(head)
        } else {
            Conduct::Answer(response("200 OK", &[], PAGE))
        }
    })
    .await;
    let heard = Heard::default();
    let client = client(&server, Duration::from_millis(200), &heard);
    let page = get(&client).await.unwrap();
    assert_eq!(page["data"], serde_json::json!([]));
    assert_eq!(server.connections(), 2);
    let lines = heard.lines();
    assert_eq!(lines.len(), 1, "{lines:?}");
    assert!(
        lines[0].starts_with("127.0.0.1 stopped sending in the middle of a response for 200 ms; retrying"),
        "{lines:?}"
    );
}

#[tokio::test]
async fn a_stalled_body_is_an_error_that_says_how_much_came() {
    let mut head =
        b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n".to_vec();
    head.extend_from_slice(b"{\"data\":[ ");
    let server = RawServer::start(move |_| Conduct::SendThenStall(head.clone())).await;
    let client = client(&server, Duration::from_millis(100), &Heard::default());
    let err = get(&client).await.unwrap_err();
    assert!(matches!(err, Error::Stalled { received: 10, .. }), "{err:?}");
    assert!(
        err.to_string()
            .contains("stopped sending the response for 100 ms after 10 bytes"),
        "{err}"
    );
}

#[tokio::test]
async fn a_post_without_an_answer_is_not_repeated() {
    let server = RawServer::start(|_| Conduct::Silent).await;
    let heard = Heard::default();
    let client = client(&server, Duration::from_millis(150), &heard)
        .with_deadline(Deadline::after(Duration::from_secs(5)));
    let err = client
        .post::<_, serde_json::Value>(client.url("v1/certificates").unwrap(), &serde_json::json!({}))
        .await
        .unwrap_err();
    assert!(matches!(err, Error::NoAnswer { .. }), "{err}");
    assert!(err.is_ambiguous(), "it may have been created");
    assert_eq!(server.connections(), 1);
    assert!(heard.lines().is_empty());
}

#[tokio::test]
async fn a_deadline_already_past_sends_nothing() {
    let server = RawServer::start(|_| Conduct::Answer(response("200 OK", &[], PAGE))).await;
    let deadline = Deadline::after(Duration::from_millis(1));
    tokio::time::sleep(Duration::from_millis(5)).await;
    let client = client(&server, Duration::from_secs(1), &Heard::default()).with_deadline(deadline);
    let err = get(&client).await.unwrap_err();
    assert!(
        matches!(err, Error::DeadlineExceeded { attempts: 0, .. }),
        "{err}"
    );
    assert!(!err.is_ambiguous(), "nothing was sent");
    assert!(
        err.to_string()
            .contains("it was not sent: the deadline had passed"),
        "{err}"
    );
    assert_eq!(server.connections(), 0);
}

#[tokio::test]
async fn a_wait_longer_than_the_time_left_ends_the_call_at_once_with_apples_answer() {
    let body = r#"{"errors":[{"status":"503","code":"SERVICE_UNAVAILABLE","title":"t","detail":"down"}]}"#;
    let server = RawServer::start(move |_| {
        Conduct::Answer(response(
            "503 Service Unavailable",
            &[("Retry-After", "30")],
            body,
        ))
    })
    .await;
    let heard = Heard::default();
    let client = client(&server, Duration::from_secs(1), &heard)
        .with_deadline(Deadline::after(Duration::from_secs(10)));
    let started = Instant::now();
    let err = get(&client).await.unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(2),
        "it did not sleep into the deadline"
    );
    let Error::DeadlineExceeded {
        attempts: 1,
        last: Some(ref last),
        ..
    } = err
    else {
        panic!("{err}")
    };
    assert_eq!(last.status(), Some(503));
    assert!(
        err.to_string()
            .contains("the last: answered 503 SERVICE_UNAVAILABLE"),
        "{err}"
    );
    assert!(heard.lines().is_empty(), "no retry was announced");
}

#[tokio::test]
async fn a_429_retry_notice_carries_the_rate_limit_figures() {
    let body =
        r#"{"errors":[{"status":"429","code":"RATE_LIMIT_EXCEEDED","title":"t","detail":"slow down"}]}"#;
    let server = RawServer::start(move |n| {
        if n == 0 {
            Conduct::Answer(response(
                "429 Too Many Requests",
                &[
                    ("Retry-After", "0"),
                    ("X-Rate-Limit", "user-hour-lim:3600;user-hour-rem:0;"),
                ],
                body,
            ))
        } else {
            Conduct::Answer(response("200 OK", &[], PAGE))
        }
    })
    .await;
    let heard = Heard::default();
    let client = client(&server, Duration::from_secs(1), &heard);
    get(&client).await.unwrap();
    assert_eq!(
        heard.lines(),
        [
            "127.0.0.1 answered 429: too many requests (0 of 3600 requests left this hour); retrying in 0 ms (attempt 2 of 6)"
        ]
    );
}

#[tokio::test]
async fn an_extended_deadline_gives_a_slow_answer_its_time() {
    // The first connection stalls past the original deadline; the extension covers it.
    let server = RawServer::start(|n| {
        if n == 0 {
            Conduct::Silent
        } else {
            Conduct::Answer(response("200 OK", &[], PAGE))
        }
    })
    .await;
    let deadline = Deadline::after(Duration::from_millis(150));
    deadline.extend(Duration::from_secs(5));
    let client = client(&server, Duration::from_millis(300), &Heard::default()).with_deadline(deadline);
    get(&client).await.unwrap();
    assert_eq!(server.connections(), 2);
}
