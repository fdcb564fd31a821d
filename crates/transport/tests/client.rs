//! The transport against a scripted server on loopback: retries, Retry-After, token renewal, error
//! documents, pagination and its safety checks, and what reaches the logs.

mod support;

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use ascert_models::{Certificate, CertificatesResponse};
use ascert_transport::{Client, Error, RateLimit, RetryPolicy};
use futures::{StreamExt as _, TryStreamExt as _};
use support::{Mock, Reply, Tokens, apple_error, client, page, quick_retries};

async fn list_all(client: &Client, path: &str) -> Result<Vec<Certificate>, Error> {
    client
        .paginate::<CertificatesResponse>(client.url(path)?)
        .try_collect()
        .await
}

fn ids(certificates: &[Certificate]) -> Vec<&str> {
    certificates.iter().map(|c| c.id.as_str()).collect()
}

#[tokio::test]
async fn lists_every_page_by_following_absolute_next_links() {
    let mock = Arc::new(Mutex::new(String::new()));
    let base = mock.clone();
    let server = Mock::start(move |seen, _| {
        let base = base.lock().unwrap().clone();
        match seen.path_and_query.as_str() {
            "/v1/certificates?limit=2" => Reply::json(
                200,
                page(&["A", "B"], Some(&format!("{base}v1/certificates?cursor=2"))),
            ),
            "/v1/certificates?cursor=2" => Reply::json(
                200,
                page(&["C", "D"], Some(&format!("{base}v1/certificates?cursor=4"))),
            ),
            "/v1/certificates?cursor=4" => Reply::json(200, page(&["E"], None)),
            other => Reply::json(404, apple_error(404, "NOT_FOUND", other)),
        }
    })
    .await;
    *mock.lock().unwrap() = server.base_url.clone();
    let client = client(&server, Tokens::new(&["t1"]));
    let all = list_all(&client, "v1/certificates?limit=2").await.unwrap();
    assert_eq!(ids(&all), ["A", "B", "C", "D", "E"]);
    assert_eq!(server.seen().len(), 3);
    assert_eq!(client.requests_sent(), 3);
}

#[tokio::test]
async fn transient_failures_are_retried_until_success() {
    let server = Mock::start(|_, i| match i {
        0 => Reply::json(503, apple_error(503, "SERVICE_UNAVAILABLE", "down")),
        1 => Reply::json(500, apple_error(500, "UNEXPECTED_ERROR", "oops")),
        2 => {
            Reply::json(429, apple_error(429, "RATE_LIMIT_EXCEEDED", "slow down")).header("retry-after", "0")
        }
        _ => Reply::json(200, page(&["A"], None)),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let all = list_all(&client, "v1/certificates").await.unwrap();
    assert_eq!(ids(&all), ["A"]);
    assert_eq!(server.seen().len(), 4);
}

#[tokio::test]
async fn retries_stop_at_the_limit_with_apples_error() {
    let server = Mock::start(|_, _| Reply::json(503, apple_error(503, "SERVICE_UNAVAILABLE", "down"))).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert_eq!(err.status(), Some(503));
    assert_eq!(err.api_errors()[0].detail, "down");
    assert_eq!(server.seen().len(), 4, "max_attempts is 4");
    assert!(
        err.to_string()
            .starts_with("App Store Connect answered 503 to GET http://127.0.0.1:"),
        "{err}"
    );
}

#[tokio::test(start_paused = true)]
async fn retry_after_is_honoured() {
    let server = Mock::start(|_, i| match i {
        0 => {
            Reply::json(429, apple_error(429, "RATE_LIMIT_EXCEEDED", "slow down")).header("retry-after", "7")
        }
        _ => Reply::json(200, page(&["A"], None)),
    })
    .await;
    let client = Client::builder_shared(Tokens::new(&["t1"]))
        .base_url(&server.base_url)
        .retry(support::quick_retries())
        .without_timeouts()
        .build()
        .unwrap();
    let started = tokio::time::Instant::now();
    list_all(&client, "v1/certificates").await.unwrap();
    assert!(
        started.elapsed() >= Duration::from_secs(7),
        "waited only {:?}",
        started.elapsed()
    );
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_retry_after_beyond_the_policy_returns_the_429_at_once() {
    let server = Mock::start(|_, _| {
        Reply::json(
            429,
            apple_error(
                429,
                "RATE_LIMIT_EXCEEDED",
                "The request rate limit has been reached.",
            ),
        )
        .header("retry-after", "3600")
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert_eq!(err.status(), Some(429));
    assert_eq!(err.retry_after(), Some(Duration::from_secs(3600)));
    assert!(err.has_code("RATE_LIMIT_EXCEEDED"));
    assert_eq!(server.seen().len(), 1);
}

#[tokio::test]
async fn a_post_is_not_repeated_after_an_ambiguous_failure() {
    let server = Mock::start(|_, _| Reply::json(503, apple_error(503, "SERVICE_UNAVAILABLE", "down"))).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = client
        .post::<_, serde_json::Value>(
            client.url("v1/certificates").unwrap(),
            &serde_json::json!({"data": {}}),
        )
        .await
        .unwrap_err();
    assert!(err.is_ambiguous(), "a 503 to a POST may have taken effect");
    assert_eq!(server.seen().len(), 1, "the POST was sent once");
}

#[tokio::test]
async fn a_post_is_retried_after_a_429() {
    let server = Mock::start(|_, i| match i {
        0 => Reply::json(429, apple_error(429, "RATE_LIMIT_EXCEEDED", "slow")).header("retry-after", "0"),
        _ => Reply::json(201, r#"{"ok":true}"#),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let body: serde_json::Value = client
        .post(client.url("v1/certificates").unwrap(), &serde_json::json!({}))
        .await
        .unwrap();
    assert_eq!(body["ok"], true);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_401_renews_the_token_once_and_resends() {
    let server = Mock::start(|seen, _| match seen.authorization.as_deref() {
        Some("Bearer fresh") => Reply::json(200, page(&["A"], None)),
        _ => Reply::json(
            401,
            apple_error(
                401,
                "NOT_AUTHORIZED",
                "Provide a properly configured and signed bearer token",
            ),
        ),
    })
    .await;
    let tokens = Tokens::new(&["stale", "fresh"]);
    let client = client(&server, tokens.clone());
    assert_eq!(ids(&list_all(&client, "v1/certificates").await.unwrap()), ["A"]);
    assert_eq!(tokens.renewals(), 1);
    let auth: Vec<_> = server
        .seen()
        .into_iter()
        .map(|s| s.authorization.unwrap())
        .collect();
    assert_eq!(auth, ["Bearer stale", "Bearer fresh"]);
}

#[tokio::test]
async fn a_401_that_persists_is_an_auth_error_after_one_renewal() {
    let server = Mock::start(|_, _| Reply::json(401, apple_error(401, "NOT_AUTHORIZED", "bad token"))).await;
    let tokens = Tokens::new(&["a", "b", "c"]);
    let client = client(&server, tokens.clone());
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert!(err.is_auth());
    assert_eq!(tokens.renewals(), 1);
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_delete_that_finds_its_target_gone_after_an_ambiguous_failure_succeeded() {
    let server = Mock::start(|_, i| match i {
        0 => Reply::json(503, apple_error(503, "SERVICE_UNAVAILABLE", "down")),
        _ => Reply::json(
            404,
            apple_error(
                404,
                "NOT_FOUND",
                "There is no resource of type 'certificates' with id 'X'",
            ),
        ),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    client
        .delete(client.url("v1/certificates/X").unwrap())
        .await
        .unwrap();
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn a_delete_of_an_unknown_id_is_a_404() {
    let server =
        Mock::start(|_, _| Reply::json(404, apple_error(404, "NOT_FOUND", "no such certificate"))).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = client
        .delete(client.url("v1/certificates/X").unwrap())
        .await
        .unwrap_err();
    assert_eq!(err.status(), Some(404));
}

#[tokio::test]
async fn a_next_link_to_another_host_is_refused_and_never_requested() {
    let elsewhere = Mock::start(|_, _| Reply::json(200, page(&["STOLEN"], None))).await;
    let foreign = elsewhere.url("v1/certificates?cursor=2");
    let server = Mock::start(move |_, _| Reply::json(200, page(&["A"], Some(&foreign)))).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let mut stream = client.paginate::<CertificatesResponse>(client.url("v1/certificates").unwrap());
    assert_eq!(stream.next().await.unwrap().unwrap().id, "A");
    let err = stream.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::ForeignLink { .. }), "{err}");
    assert!(stream.next().await.is_none(), "the stream ends after the error");
    assert!(elsewhere.seen().is_empty(), "no request reached the other host");
}

/// A server of four pages (`A`..`D`, one each) that wakes `arrived` at every request.
async fn four_pages(arrived: Arc<tokio::sync::Notify>) -> Mock {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let server = Mock::start(move |seen, _| {
        let base = b.lock().unwrap().clone();
        let cursor: usize = seen
            .path_and_query
            .split("cursor=")
            .nth(1)
            .map_or(0, |c| c.parse().unwrap());
        let id = ["A", "B", "C", "D"][cursor];
        let next = (cursor < 3).then(|| format!("{base}v1/certificates?cursor={}", cursor + 1));
        arrived.notify_one();
        Reply::json(200, page(&[id], next.as_deref()))
    })
    .await;
    base.lock().unwrap().clone_from(&server.base_url);
    server
}

#[tokio::test]
async fn reading_ahead_asks_for_the_next_page_while_the_reader_holds_this_one_and_no_further() {
    let arrived = Arc::new(tokio::sync::Notify::new());
    let server = four_pages(arrived.clone()).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let mut pages =
        std::pin::pin!(client.pages_ahead::<CertificatesResponse>(client.url("v1/certificates").unwrap()));
    let mut read = Vec::new();
    while let Some(page) = pages.try_next().await.unwrap() {
        read.push(page.data[0].id.clone());
        // While this page is held, the next one is requested without another poll, and nothing more.
        let expected = (read.len() + 1).min(4);
        while server.seen().len() < expected {
            arrived.notified().await;
        }
        for _ in 0..10 {
            tokio::task::yield_now().await;
        }
        assert_eq!(server.seen().len(), expected, "holding page {}", read.len());
    }
    assert_eq!(read, ["A", "B", "C", "D"]);
    let plain: Vec<String> = client
        .pages::<CertificatesResponse>(client.url("v1/certificates").unwrap())
        .map_ok(|page| page.data[0].id.clone())
        .try_collect()
        .await
        .unwrap();
    assert_eq!(plain, read, "the same pages as without reading ahead");
}

#[tokio::test]
async fn reading_ahead_reports_a_bad_next_link_after_its_page_and_never_follows_it() {
    let elsewhere = Mock::start(|_, _| Reply::json(200, page(&["STOLEN"], None))).await;
    let foreign = elsewhere.url("v1/certificates?cursor=2");
    let server = Mock::start(move |_, _| Reply::json(200, page(&["A"], Some(&foreign)))).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let mut pages =
        std::pin::pin!(client.pages_ahead::<CertificatesResponse>(client.url("v1/certificates").unwrap()));
    assert_eq!(pages.next().await.unwrap().unwrap().data[0].id, "A");
    let err = pages.next().await.unwrap().unwrap_err();
    assert!(matches!(err, Error::ForeignLink { .. }), "{err}");
    assert!(pages.next().await.is_none(), "the stream ends after the error");
    assert!(elsewhere.seen().is_empty());
}

#[tokio::test]
async fn reading_ahead_keeps_the_page_limit() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let server = Mock::start(move |_, n| {
        let base = b.lock().unwrap().clone();
        Reply::json(
            200,
            page(&["X"], Some(&format!("{base}v1/certificates?cursor={n}"))),
        )
    })
    .await;
    *base.lock().unwrap() = server.base_url.clone();
    let client = Client::builder_shared(Tokens::new(&["t1"]))
        .base_url(&server.base_url)
        .retry(quick_retries())
        .max_pages(3)
        .build()
        .unwrap();
    let pages: Result<Vec<CertificatesResponse>, Error> = client
        .pages_ahead(client.url("v1/certificates").unwrap())
        .try_collect()
        .await;
    assert!(matches!(pages, Err(Error::TooManyPages { limit: 3 })));
    assert_eq!(server.seen().len(), 3);
}

#[tokio::test]
async fn a_server_that_never_stops_paging_ends_at_the_page_limit() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    // Every page links to a new cursor: no link repeats, so only the page limit ends the listing.
    let server = Mock::start(move |_, n| {
        let base = b.lock().unwrap().clone();
        Reply::json(
            200,
            page(&["X"], Some(&format!("{base}v1/certificates?cursor={n}"))),
        )
    })
    .await;
    *base.lock().unwrap() = server.base_url.clone();
    let client = Client::builder_shared(Tokens::new(&["t1"]))
        .base_url(&server.base_url)
        .retry(quick_retries())
        .max_pages(5)
        .build()
        .unwrap();
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert!(matches!(err, Error::TooManyPages { limit: 5 }), "{err}");
    assert_eq!(server.seen().len(), 5, "no sixth page was asked for");
    assert_eq!(
        Client::builder_shared(Tokens::new(&["t"]))
            .build()
            .unwrap()
            .max_pages(),
        ascert_transport::MAX_PAGES
    );
}

#[tokio::test]
async fn a_next_link_that_loops_is_an_error_not_a_hang() {
    let base = Arc::new(Mutex::new(String::new()));
    let b = base.clone();
    let server = Mock::start(move |seen, _| {
        let base = b.lock().unwrap().clone();
        let next = if seen.path_and_query.contains("cursor") {
            "v1/certificates"
        } else {
            "v1/certificates?cursor=2"
        };
        Reply::json(200, page(&["X"], Some(&format!("{base}{next}"))))
    })
    .await;
    *base.lock().unwrap() = server.base_url.clone();
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert!(matches!(err, Error::RepeatedLink { .. }), "{err}");
    assert_eq!(server.seen().len(), 2);
}

#[tokio::test]
async fn an_html_error_page_is_kept_cut_short() {
    let html = format!(
        "<html><body>{}</body></html>",
        "Bad gateway from the proxy. ".repeat(200)
    );
    let server = Mock::start(move |_, _| Reply {
        status: 400,
        headers: vec![("content-type", "text/html".into())],
        body: html.clone(),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    let Error::UnexpectedResponse {
        status,
        content_type,
        body,
        ..
    } = &err
    else {
        panic!("{err}")
    };
    assert_eq!(*status, 400);
    assert_eq!(content_type.as_deref(), Some("text/html"));
    assert!(body.starts_with("<html><body>Bad gateway"));
    assert_eq!(body.chars().count(), 513, "512 characters and an ellipsis");
}

#[tokio::test]
async fn a_response_that_does_not_fit_names_the_json_path_and_the_request() {
    let server = Mock::start(|_, _| {
        Reply::json(
            200,
            r#"{"data":[{"type":"certificates","id":"A"},{"type":"certificates","id":"B","attributes":{"activated":"yes"}}],"links":{"self":"x"}}"#,
        )
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates?limit=2").await.unwrap_err();
    let Error::Decode { path, url, .. } = &err else {
        panic!("{err}")
    };
    assert_eq!(path, "data[1].attributes.activated");
    assert!(url.ends_with("/v1/certificates?limit=2"));
}

#[tokio::test]
async fn a_success_that_is_not_json_is_an_unexpected_response() {
    let server = Mock::start(|_, _| Reply {
        status: 200,
        headers: vec![("content-type", "text/plain".into())],
        body: "maintenance".into(),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert!(
        matches!(&err, Error::UnexpectedResponse { body, .. } if body == "maintenance"),
        "{err}"
    );
}

#[tokio::test]
async fn an_oversized_body_is_refused() {
    let huge = format!(
        r#"{{"data":[],"links":{{"self":"{}"}}}}"#,
        "x".repeat(ascert_transport::MAX_BODY_BYTES)
    );
    let server = Mock::start(move |_, _| Reply::json(200, huge.clone())).await;
    let client = client(&server, Tokens::new(&["t1"]));
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert!(matches!(err, Error::BodyTooLarge { .. }), "{err}");
}

#[tokio::test]
async fn rate_limit_figures_are_exposed_after_each_call() {
    let server = Mock::start(|_, i| {
        Reply::json(200, page(&["A"], None)).header(
            "x-rate-limit",
            format!("user-hour-lim:3500;user-hour-rem:{};", 500 - i),
        )
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    assert_eq!(client.rate_limit(), None);
    list_all(&client, "v1/certificates").await.unwrap();
    assert_eq!(client.rate_limit(), Some(RateLimit::new(3500, 500)));
    list_all(&client, "v1/certificates").await.unwrap();
    assert_eq!(client.rate_limit(), Some(RateLimit::new(3500, 499)));
}

#[tokio::test]
async fn a_refused_connection_is_a_clear_error_that_did_not_take_effect() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let base = format!("http://{}/", listener.local_addr().unwrap());
    drop(listener);
    let client = Client::builder_shared(Tokens::new(&["t1"]))
        .base_url(base.as_str())
        .retry(RetryPolicy::never())
        .build()
        .unwrap();
    let err = list_all(&client, "v1/certificates").await.unwrap_err();
    assert!(matches!(err, Error::Connection { .. }), "{err}");
    assert!(!err.is_ambiguous(), "nothing was sent");
    assert!(
        err.to_string()
            .contains(&format!("nothing is listening at {}", base.trim_end_matches('/'))),
        "{err}"
    );
    assert!(
        !err.is_transient(),
        "nothing listens on this machine: retrying cannot help"
    );
}

/// A `MakeWriter` that appends every log line to one buffer.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn trace_logs_carry_requests_but_never_the_token() {
    let captured = Captured::default();
    let writer = captured.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_max_level(tracing::Level::TRACE)
        // Plain text: when another package enables tracing-subscriber's `ansi` feature (the CLI
        // does), colour codes would split `attempt=` and the test would fail only in a workspace run.
        .with_ansi(false)
        .with_writer(move || writer.clone())
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let server = Mock::start(|seen, i| match (seen.authorization.as_deref(), i) {
        (Some("Bearer fresh-SECRET-2"), _) if seen.method == "POST" => Reply::json(201, r#"{"ok":true}"#),
        (Some("Bearer fresh-SECRET-2"), _) => Reply::json(200, page(&["A"], None)),
        _ => Reply::json(401, apple_error(401, "NOT_AUTHORIZED", "expired")),
    })
    .await;
    let client = client(&server, Tokens::new(&["stale-SECRET-1", "fresh-SECRET-2"]));
    list_all(&client, "v1/certificates").await.unwrap();
    let _: serde_json::Value = client
        .post(client.url("v1/certificates").unwrap(), &serde_json::json!({}))
        .await
        .unwrap();
    client
        .delete(client.url("v1/certificates/A").unwrap())
        .await
        .unwrap();

    let log = String::from_utf8(captured.0.lock().unwrap().clone()).unwrap();
    assert!(log.contains("request"), "the request spans are logged:\n{log}");
    assert!(log.contains("attempt="), "{log}");
    for secret in ["SECRET", "Bearer", "authorization", "Authorization"] {
        assert!(!log.contains(secret), "{secret:?} reached the log:\n{log}");
    }
}
