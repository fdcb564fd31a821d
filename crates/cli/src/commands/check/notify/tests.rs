//! Tests of the webhook notifier against real HTTP servers on this machine: what arrives, what is
//! refused before any request, and that no message shows the webhook's secret path.

use std::io::ErrorKind;
use std::time::Instant;

use serde_json::json;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
use tokio::net::{TcpListener, TcpStream};

use super::*;

/// A path shaped like Slack's, whose last segment is the webhook's token.
const SECRET_PATH: &str = "/services/T000/B000/XXXXSECRET";
const SECRET: &str = "XXXXSECRET";

/// A request as a server received it.
struct Received {
    head: String,
    body: Vec<u8>,
}

/// Reads one HTTP/1.1 request: the head, then as many bytes of body as `Content-Length` says.
async fn read_request(socket: &mut TcpStream) -> Received {
    let mut buf = Vec::new();
    let mut chunk = [0u8; 4096];
    let end = loop {
        if let Some(at) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break at;
        }
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the request ended before its head did");
        buf.extend_from_slice(&chunk[..n]);
    };
    let head = String::from_utf8(buf[..end].to_vec()).unwrap();
    let length = head
        .lines()
        .find_map(|line| {
            let (name, value) = line.split_once(':')?;
            name.eq_ignore_ascii_case("content-length")
                .then(|| value.trim().parse::<usize>().unwrap())
        })
        .unwrap_or(0);
    let mut body = buf[end + 4..].to_vec();
    while body.len() < length {
        let n = socket.read(&mut chunk).await.unwrap();
        assert!(n > 0, "the request ended before its body did");
        body.extend_from_slice(&chunk[..n]);
    }
    Received { head, body }
}

/// A listener on this machine and the webhook URL (with the secret path) that points at it.
async fn listener() -> (TcpListener, Webhook) {
    let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}{SECRET_PATH}", listener.local_addr().unwrap());
    (listener, url.parse().unwrap())
}

/// A webhook that answers one request with `answer` and hands back what it received.
async fn webhook_answering(answer: String) -> (Webhook, tokio::task::JoinHandle<Received>) {
    let (listener, webhook) = listener().await;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let request = read_request(&mut socket).await;
        socket.write_all(answer.as_bytes()).await.unwrap();
        let _ = socket.shutdown().await;
        request
    });
    (webhook, server)
}

/// A webhook that answers `head` and then an endless body, until the client goes away; its server
/// hands back how many bytes of body it managed to write.
async fn webhook_answering_forever(head: &'static str) -> (Webhook, tokio::task::JoinHandle<u64>) {
    let (listener, webhook) = listener().await;
    let server = tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        read_request(&mut socket).await;
        socket.write_all(head.as_bytes()).await.unwrap();
        let block = vec![b'x'; 64 * 1024];
        let mut written = 0u64;
        // Stops at the first failed write (the client closed the connection), or after 1 GiB.
        while written < 1 << 30 && socket.write_all(&block).await.is_ok() {
            written += block.len() as u64;
        }
        written
    });
    (webhook, server)
}

/// A port on this machine where nothing listens (it did a moment ago).
fn closed_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

/// A listener that has not been asked anything, checked without waiting: a connection made to it
/// would be queued by the kernel, and `accept` would return it at once.
fn plain_listener() -> std::net::TcpListener {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    listener
}

fn assert_never_called(listener: &std::net::TcpListener) {
    assert_eq!(
        listener.accept().map(|_| ()).unwrap_err().kind(),
        ErrorKind::WouldBlock,
        "a connection was made"
    );
}

fn deadline() -> Deadline {
    Deadline::after(Duration::from_secs(10))
}

/// Everything a user could see of an error: the chain as printed, `Debug`, and the hint.
fn shown(err: &anyhow::Error) -> String {
    let hint = err.downcast_ref::<UserError>().and_then(|u| u.hint.clone());
    format!("{err:#}\n{err:?}\n{}", hint.unwrap_or_default())
}

fn exit_of(err: &anyhow::Error) -> Exit {
    err.downcast_ref::<UserError>()
        .unwrap_or_else(|| panic!("not a UserError: {err:#}"))
        .exit
}

fn assert_no_secret(text: &str) {
    assert!(
        !text.contains(SECRET) && !text.contains("/services") && !text.contains("token="),
        "the webhook's secret is shown: {text}"
    );
}

#[tokio::test]
async fn the_document_arrives_as_json_with_its_text() {
    let (webhook, server) = webhook_answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok".into()).await;
    let document = json!({"findings": [{"kind": "expiring", "id": "ABC123"}], "ok": false});
    notify(
        &webhook,
        &document,
        "1 certificate expires within 30 days",
        &deadline(),
    )
    .await
    .unwrap();
    let received = server.await.unwrap();
    assert!(
        received
            .head
            .starts_with(&format!("POST {SECRET_PATH} HTTP/1.1\r\n")),
        "{}",
        received.head
    );
    let head = received.head.to_ascii_lowercase();
    assert!(head.contains("\r\ncontent-type: application/json\r\n"), "{head}");
    assert!(head.contains("\r\nuser-agent: ascert/"), "{head}");
    let body: Value = serde_json::from_slice(&received.body).unwrap();
    assert_eq!(
        body,
        json!({
            "text": "1 certificate expires within 30 days",
            "findings": [{"kind": "expiring", "id": "ABC123"}],
            "ok": false,
        })
    );
}

#[tokio::test]
async fn a_204_without_a_body_is_success() {
    let (webhook, server) = webhook_answering("HTTP/1.1 204 No Content\r\n\r\n".into()).await;
    notify(&webhook, &json!({}), "all good", &deadline())
        .await
        .unwrap();
    let body: Value = serde_json::from_slice(&server.await.unwrap().body).unwrap();
    assert_eq!(body, json!({"text": "all good"}));
}

#[test]
fn a_document_that_is_not_an_object_or_has_a_text_goes_whole_under_report() {
    assert_eq!(
        payload(&json!([1, 2]), "two"),
        json!({"text": "two", "report": [1, 2]})
    );
    assert_eq!(
        payload(&json!("plain"), "one"),
        json!({"text": "one", "report": "plain"})
    );
    assert_eq!(
        payload(&json!({"text": "its own", "n": 1}), "summary"),
        json!({"text": "summary", "report": {"text": "its own", "n": 1}})
    );
    assert_eq!(
        payload(&json!({"n": 1}), "summary"),
        json!({"text": "summary", "n": 1})
    );
}

#[tokio::test]
async fn a_redirect_is_refused_and_not_followed() {
    let elsewhere = plain_listener();
    let location = format!("http://{}/elsewhere/XXXXSECRET", elsewhere.local_addr().unwrap());
    let (webhook, server) = webhook_answering(format!(
        "HTTP/1.1 302 Found\r\nLocation: {location}\r\nContent-Length: 0\r\n\r\n"
    ))
    .await;
    let err = notify(&webhook, &json!({"n": 1}), "summary", &deadline())
        .await
        .unwrap_err();
    let text = shown(&err);
    assert!(
        text.contains(&format!(
            "the webhook at {} answered 302 Found, a redirect, which ascert does not follow",
            webhook.host
        )),
        "{text}"
    );
    assert!(!text.contains("/elsewhere"), "the Location is shown: {text}");
    assert_no_secret(&text);
    assert_eq!(exit_of(&err), Exit::Failure);
    // The webhook was asked; the place it pointed to was not.
    server.await.unwrap();
    assert_never_called(&elsewhere);
}

#[tokio::test]
async fn a_server_error_names_the_host_and_status_and_hides_the_path_it_quotes() {
    let body = format!(
        "<html>\n  <h1>no webhook at {SECRET_PATH}</h1>\r\n  token XXXXSECRET is unknown \u{1b}[31m\u{202e}\n</html>"
    );
    let (webhook, server) = webhook_answering(format!(
        "HTTP/1.1 500 Internal Server Error\r\nContent-Length: {}\r\n\r\n{body}",
        body.len()
    ))
    .await;
    let err = notify(&webhook, &json!({}), "summary", &deadline())
        .await
        .unwrap_err();
    server.await.unwrap();
    assert_eq!(
        err.to_string(),
        format!(
            "the webhook at {} answered 500 Internal Server Error: <html> <h1>no webhook at [hidden]</h1> token \
             [hidden] is unknown \\u{{1b}}[31m\\u{{202e}} </html>",
            webhook.host
        )
    );
    assert!(webhook.host.starts_with("127.0.0.1:"), "{}", webhook.host);
    assert_no_secret(&shown(&err));
    assert_eq!(exit_of(&err), Exit::Failure);
}

#[tokio::test]
async fn a_removed_webhook_gets_a_hint_to_check_the_url() {
    let (webhook, server) =
        webhook_answering("HTTP/1.1 404 Not Found\r\nContent-Length: 10\r\n\r\nno_service".into()).await;
    let err = notify(&webhook, &json!({}), "summary", &deadline())
        .await
        .unwrap_err();
    server.await.unwrap();
    let text = shown(&err);
    assert!(text.contains("answered 404 Not Found: no_service"), "{text}");
    assert!(text.contains("check the webhook URL given to --notify"), "{text}");
    assert_no_secret(&text);
}

#[tokio::test]
async fn an_endless_error_body_is_read_only_up_to_the_limit() {
    let (webhook, server) =
        webhook_answering_forever("HTTP/1.1 500 Internal Server Error\r\nConnection: close\r\n\r\n").await;
    let started = Instant::now();
    let err = notify(&webhook, &json!({}), "summary", &deadline())
        .await
        .unwrap_err();
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    let message = err.to_string();
    let prefix = format!(
        "the webhook at {} answered 500 Internal Server Error: ",
        webhook.host
    );
    assert_eq!(
        message,
        format!("{prefix}{}…", "x".repeat(BODY_EXCERPT)),
        "the excerpt is cut"
    );
    // The server's writes failed once the client stopped reading and went away: far less than the
    // gigabyte it had to send was taken (what was, sits in the kernel's buffers).
    let written = server.await.unwrap();
    assert!(written < 1 << 30, "the whole body was read: {written} bytes");
}

#[tokio::test]
async fn an_endless_body_after_success_is_not_read() {
    let (webhook, server) = webhook_answering_forever("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n").await;
    notify(&webhook, &json!({}), "summary", &deadline())
        .await
        .unwrap();
    let written = server.await.unwrap();
    assert!(written < 1 << 30, "the whole body was read: {written} bytes");
}

#[test]
fn an_excerpt_is_one_bounded_printable_line_without_the_secret() {
    let webhook: Webhook = "https://hooks.example.com/hook/XXXXSECRET?token=XXXXSECRET2&v=1"
        .parse()
        .unwrap();
    assert_eq!(
        webhook.excerpt(b"  bad\ttoken\r\n\r\nXXXXSECRET2 for /hook/XXXXSECRET \x07 \xff  "),
        "bad token [hidden] for [hidden] \\u{7} \u{fffd}"
    );
    assert_eq!(
        webhook.excerpt(b"https://hooks.example.com/hook/XXXXSECRET?token=XXXXSECRET2&v=1 said no"),
        "[hidden] said no"
    );
    let long = webhook.excerpt(&vec![b'a'; MAX_RESPONSE_BODY]);
    assert_eq!(long.chars().count(), BODY_EXCERPT + 1);
    assert!(long.ends_with('…'));
    assert_eq!(webhook.excerpt(b" \n "), "");
}

#[tokio::test]
async fn a_server_that_never_answers_is_cut_at_the_deadline() {
    let (listener, webhook) = listener().await;
    let (got, received) = tokio::sync::oneshot::channel();
    tokio::spawn(async move {
        let (mut socket, _) = listener.accept().await.unwrap();
        let _ = got.send(read_request(&mut socket).await.body);
        // Holds the connection open, answering nothing, until the client goes away.
        let mut rest = [0u8; 64];
        while socket.read(&mut rest).await.is_ok_and(|n| n > 0) {}
    });
    let started = Instant::now();
    let err = notify(
        &webhook,
        &json!({}),
        "summary",
        &Deadline::after(Duration::from_millis(300)),
    )
    .await
    .unwrap_err();
    let elapsed = started.elapsed();
    assert!(
        (Duration::from_millis(300)..Duration::from_secs(3)).contains(&elapsed),
        "{elapsed:?}"
    );
    assert_eq!(
        err.to_string(),
        format!(
            "the webhook at {} gave no answer within the 300 ms deadline: if the request reached it, the \
             notification may have been delivered",
            webhook.host
        )
    );
    assert_eq!(exit_of(&err), Exit::Timeout);
    assert_no_secret(&shown(&err));
    assert!(!received.await.unwrap().is_empty(), "the request was sent once");
}

#[tokio::test]
async fn a_deadline_already_past_sends_nothing() {
    let listener = plain_listener();
    let webhook: Webhook = format!("http://{}{SECRET_PATH}", listener.local_addr().unwrap())
        .parse()
        .unwrap();
    let err = notify(&webhook, &json!({}), "summary", &Deadline::after(Duration::ZERO))
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains("deadline passed before the webhook at 127.0.0.1:"),
        "{err:#}"
    );
    assert!(
        err.to_string().ends_with("the notification was not sent"),
        "{err:#}"
    );
    assert_eq!(exit_of(&err), Exit::Timeout);
    assert_never_called(&listener);
}

#[tokio::test]
async fn a_refused_connection_on_this_machine_is_not_tried_again() {
    let webhook: Webhook = format!("http://127.0.0.1:{}{SECRET_PATH}", closed_port())
        .parse()
        .unwrap();
    assert!(!webhook.retry_refused);
    let err = notify(&webhook, &json!({}), "summary", &deadline())
        .await
        .unwrap_err();
    let text = shown(&err);
    assert!(
        text.starts_with(&format!("nothing is listening at {} (", webhook.host)),
        "{text}"
    );
    assert!(text.contains("): the notification was not sent"), "{text}");
    // The message only: with RUST_BACKTRACE set, the Debug form's backtrace names this test.
    let said = format!("{err:#}");
    assert!(!said.contains("tried"), "{said}");
    assert_no_secret(&text);
    assert_eq!(exit_of(&err), Exit::Failure);
}

#[tokio::test]
async fn a_refused_connection_elsewhere_is_tried_again_within_the_deadline() {
    // A remote webhook's rule, played on this machine.
    let mut webhook: Webhook = format!("http://127.0.0.1:{}{SECRET_PATH}", closed_port())
        .parse()
        .unwrap();
    webhook.retry_refused = true;
    let err = notify(&webhook, &json!({}), "summary", &deadline())
        .await
        .unwrap_err();
    assert!(
        err.to_string()
            .contains(", tried 3 times): the notification was not sent"),
        "{err:#}"
    );
    // 250 ms fits in a deadline of 600 ms, the second wait (1 s) does not: it is not started.
    let started = Instant::now();
    let err = notify(
        &webhook,
        &json!({}),
        "summary",
        &Deadline::after(Duration::from_millis(600)),
    )
    .await
    .unwrap_err();
    assert!(err.to_string().contains(", tried 2 times)"), "{err:#}");
    assert!(
        started.elapsed() < Duration::from_millis(600),
        "{:?}",
        started.elapsed()
    );
    assert_no_secret(&shown(&err));
}

#[test]
fn only_https_or_http_to_this_machine_is_accepted() {
    for url in [
        "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
        "https://chat.example.com:8443/hooks/XXXXSECRET",
        "http://127.0.0.1:8080/hook",
        "http://127.3.2.1/hook",
        "http://[::1]:9000/hook",
        "http://localhost/hook",
        "http://LOCALHOST:8080/hook",
    ] {
        let webhook: Webhook = url.parse().unwrap_or_else(|err| panic!("{url}: {err}"));
        assert_eq!(webhook.retry_refused, url.starts_with("https://"), "{url}");
    }
    for (url, says) in [
        (
            "http://example.com/services/T000/B000/XXXXSECRET",
            "the webhook URL http://example.com is refused: plain http is allowed only to this machine",
        ),
        (
            "http://10.0.0.1:8080/XXXXSECRET",
            "the webhook URL http://10.0.0.1:8080 is refused",
        ),
        (
            "http://localhost.example.com/XXXXSECRET",
            "http://localhost.example.com is refused",
        ),
        ("http://[::ffff:127.0.0.1]/XXXXSECRET", "is refused"),
        (
            "ftp://127.0.0.1/services/XXXXSECRET",
            "not another scheme (ftp://)",
        ),
        ("xoxb-1234-XXXXSECRET:abc", "not another scheme;"),
        (
            "hooks.slack.com/services/T000/B000/XXXXSECRET",
            "the webhook URL is not a URL",
        ),
        ("https://", "the webhook URL is not a URL: empty host"),
        ("", "the webhook URL is not a URL"),
    ] {
        let err = url.parse::<Webhook>().map(|_| ()).unwrap_err();
        assert_eq!(err.exit, Exit::Usage, "{url}");
        let text = format!("{err} {err:?} {}", err.hint.clone().unwrap_or_default());
        assert!(text.contains(says), "{url}: {text}");
        assert_no_secret(&text);
    }
}

#[test]
fn a_refused_url_is_refused_before_any_request() {
    let listener = plain_listener();
    let addr = listener.local_addr().unwrap();
    for url in [
        format!("ftp://{addr}{SECRET_PATH}"),
        format!("ws://{addr}{SECRET_PATH}"),
    ] {
        assert_eq!(url.parse::<Webhook>().unwrap_err().exit, Exit::Usage, "{url}");
    }
    assert_never_called(&listener);
}

#[test]
fn display_and_debug_show_the_scheme_and_host_only() {
    for (url, display) in [
        (
            "https://hooks.slack.com/services/T000/B000/XXXXSECRET",
            "https://hooks.slack.com",
        ),
        (
            "https://user:XXXXSECRET@chat.example.com:8443/hook?token=XXXXSECRET#XXXXSECRET",
            "https://chat.example.com:8443",
        ),
        ("http://[::1]:9000/services/XXXXSECRET", "http://[::1]:9000"),
    ] {
        let webhook: Webhook = url.parse().unwrap();
        assert_eq!(webhook.to_string(), display);
        let debug = format!("{webhook:?} {webhook:#?}");
        assert!(debug.starts_with("Webhook { scheme: "), "{debug}");
        assert!(debug.contains(display.split("://").nth(1).unwrap()), "{debug}");
        assert_no_secret(&debug);
        assert!(!debug.contains("user"), "{debug}");
    }
}
