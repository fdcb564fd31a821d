//! A tiny hostile HTTP server: it answers every request with canned bytes chosen by the test, so
//! the CLI can be shown truncated JSON, HTML error pages, huge bodies, looping links, silence and
//! worse. It keeps the requests it received, and a test can wait for the n-th to arrive.

use std::sync::{Arc, Mutex};

use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::Notify;
use tokio::task::JoinHandle;

/// The request line of what the client sent.
#[derive(Debug, Clone)]
pub(crate) struct Request {
    pub(crate) method: String,
    /// The path and query, e.g. `/v1/certificates?limit=200`.
    pub(crate) target: String,
}

/// What the server does with a request.
pub(crate) enum Answer {
    /// Sends these bytes, then closes the connection.
    Bytes(Vec<u8>),
    /// Closes the connection without a byte.
    Close,
    /// Says nothing, ever: keeps the connection open until the client closes it.
    Silent,
}

type Responder = Arc<dyn Fn(&Request, &str) -> Answer + Send + Sync>;

/// The requests received so far, and a wake-up for each new one.
#[derive(Default)]
struct Log {
    requests: Mutex<Vec<Request>>,
    arrived: Notify,
}

/// A running server on 127.0.0.1; stops when dropped.
pub(crate) struct HostileServer {
    base_url: String,
    task: JoinHandle<()>,
    log: Arc<Log>,
}

impl HostileServer {
    /// Starts answering with `responder(request, base_url)`; accepts connections once this returns.
    pub(crate) async fn start(responder: impl Fn(&Request, &str) -> Answer + Send + Sync + 'static) -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let responder: Responder = Arc::new(responder);
        let base = base_url.clone();
        let log = Arc::new(Log::default());
        let server_log = Arc::clone(&log);
        let task = tokio::spawn(async move {
            while let Ok((stream, _)) = listener.accept().await {
                tokio::spawn(serve(
                    stream,
                    Arc::clone(&responder),
                    base.clone(),
                    Arc::clone(&server_log),
                ));
            }
        });
        Self { base_url, task, log }
    }

    pub(crate) fn base_url(&self) -> &str {
        &self.base_url
    }

    /// The requests received so far, oldest first.
    pub(crate) fn requests(&self) -> Vec<Request> {
        self.log.requests.lock().unwrap().clone()
    }

    /// Waits until at least `count` requests have arrived (their heads read, before the answer).
    pub(crate) async fn wait_for_requests(&self, count: usize) {
        loop {
            let arrived = self.log.arrived.notified();
            if self.log.requests.lock().unwrap().len() >= count {
                return;
            }
            arrived.await;
        }
    }
}

impl Drop for HostileServer {
    fn drop(&mut self) {
        self.task.abort();
    }
}

async fn serve(mut stream: TcpStream, responder: Responder, base: String, log: Arc<Log>) {
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        let Ok(n) = stream.read(&mut chunk).await else {
            return;
        };
        if n == 0 {
            return;
        }
        buffer.extend_from_slice(&chunk[..n]);
        if let Some(end) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break end + 4;
        }
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let length: usize = head
        .lines()
        .find_map(|l| {
            let (name, value) = l.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse().ok())
                .flatten()
        })
        .unwrap_or(0);
    let mut body = buffer.len() - header_end;
    while body < length {
        match stream.read(&mut chunk).await {
            Ok(0) | Err(_) => return,
            Ok(n) => body += n,
        }
    }
    let mut parts = head.split_whitespace();
    let request = Request {
        method: parts.next().unwrap_or_default().to_owned(),
        target: parts.next().unwrap_or_default().to_owned(),
    };
    let answer = responder(&request, &base);
    log.requests.lock().unwrap().push(request);
    log.arrived.notify_waiters();
    match answer {
        Answer::Close => {}
        Answer::Silent => {
            // Read (and drop) whatever comes until the client hangs up.
            while matches!(stream.read(&mut chunk).await, Ok(n) if n > 0) {}
        }
        Answer::Bytes(bytes) => {
            let _ = stream.write_all(&bytes).await;
            let _ = stream.shutdown().await;
        }
    }
}

/// An HTTP/1.1 response: status line, headers, `Content-Length` and `Connection: close`.
pub(crate) fn http(status: &str, headers: &[(&str, &str)], body: &[u8]) -> Answer {
    let mut bytes = format!("HTTP/1.1 {status}\r\n").into_bytes();
    for (name, value) in headers {
        bytes.extend_from_slice(format!("{name}: {value}\r\n").as_bytes());
    }
    bytes
        .extend_from_slice(format!("Content-Length: {}\r\nConnection: close\r\n\r\n", body.len()).as_bytes());
    bytes.extend_from_slice(body);
    Answer::Bytes(bytes)
}

/// A `200 OK` JSON answer.
pub(crate) fn json_ok(body: impl AsRef<[u8]>) -> Answer {
    http("200 OK", &[("Content-Type", "application/json")], body.as_ref())
}
