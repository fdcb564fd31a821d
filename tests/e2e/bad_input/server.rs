//! Hostile server responses: the CLI pointed (`--base-url`) at a server that answers with truncated
//! JSON, HTML error pages, bodies of 10 and 40 MB, the wrong content type, next links that loop or
//! leave the host, certificate content that is not base64 or not DER, a 401 from a clock far off,
//! a 429 asking for a day's wait, an empty or missing answer, and bytes that are not HTTP.

use serde_json::json;

use super::{Case, Stocked};
use crate::hostile_server::{Answer, HostileServer, Request, http, json_ok};

/// A list page with no certificates and the given next link.
fn page_with_next(base: &str, request: &Request, next: &str) -> Answer {
    json_ok(
        json!({
            "data": [],
            "links": {"self": format!("{base}{}", request.target), "next": next},
            "meta": {"paging": {"total": 400, "limit": 200}}
        })
        .to_string(),
    )
}

/// A cursor no earlier page used.
fn fresh_cursor() -> usize {
    static NEXT: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
    NEXT.fetch_add(1, std::sync::atomic::Ordering::Relaxed)
}

/// A certificate document whose `certificateContent` is `content`.
fn certificate_with_content(base: &str, content: &str) -> String {
    json!({
        "data": {
            "type": "certificates",
            "id": "HOSTILE001",
            "attributes": {
                "name": "Hostile",
                "certificateType": "DEVELOPMENT",
                "displayName": "Hostile",
                "serialNumber": "0123456789ABCDEF",
                "platform": "IOS",
                "expirationDate": "2030-01-01T00:00:00.000+0000",
                "certificateContent": content,
                "activated": true
            },
            "links": {"self": format!("{base}/v1/certificates/HOSTILE001")}
        },
        "links": {"self": format!("{base}/v1/certificates/HOSTILE001")}
    })
    .to_string()
}

/// One server answering every request with `answer`, and a case running `args` against it.
async fn against(
    servers: &mut Vec<HostileServer>,
    name: &str,
    args: &[&str],
    answer: impl Fn(&Request, &str) -> Answer + Send + Sync + 'static,
) -> Case {
    let server = HostileServer::start(answer).await;
    let case = Case::new(name, args.iter().copied()).base_url(server.base_url());
    servers.push(server);
    case
}

#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::too_many_lines, reason = "a table of cases with their canned answers")]
async fn hostile_server_responses_fail_cleanly() {
    let stocked = Stocked::start().await;
    let list = ["certificates", "list", "--json"];
    let get = ["certificates", "get", "HOSTILE001", "--out", "hostile.cer"];
    let create = [
        "certificates",
        "create",
        "--type",
        "DEVELOPMENT",
        "--common-name",
        "Hostile",
        "--email",
        "hostile@example.com",
    ];
    let html = b"<!DOCTYPE html><html><head><title>502 Bad Gateway</title></head><body>nginx</body></html>";
    let mut servers = Vec::new();
    let mut cases = Vec::new();
    cases.push(
        against(&mut servers, "truncated JSON", &list, |_, _| {
            json_ok(r#"{"data":[{"type":"certificates","id":"AB"#)
        })
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "an HTML 502 page from a proxy",
            &list,
            move |_, _| http("502 Bad Gateway", &[("Content-Type", "text/html")], html),
        )
        .await,
    );
    cases.push(
        against(&mut servers, "an HTML page with 200", &list, move |_, _| {
            http("200 OK", &[("Content-Type", "text/html; charset=utf-8")], html)
        })
        .await,
    );
    cases.push(
        against(&mut servers, "a 10 MB body that is not JSON", &list, |_, _| {
            json_ok(vec![b'x'; 10 * 1024 * 1024])
        })
        .await,
    );
    cases.push(
        against(&mut servers, "a 40 MB body, over the limit", &list, |_, _| {
            json_ok(vec![b' '; 40 * 1024 * 1024])
        })
        .await
        .says("larger than"),
    );
    cases.push(
        against(&mut servers, "a wrong content type", &list, |_, _| {
            http(
                "200 OK",
                &[("Content-Type", "application/xml")],
                b"<certificates/>",
            )
        })
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "a next link back at the same page",
            &list,
            |request, base| page_with_next(base, request, &format!("{base}{}", request.target)),
        )
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "next links that never end",
            &list,
            |request, base| {
                let next = format!("{base}/v1/certificates?cursor={}", fresh_cursor());
                page_with_next(base, request, &next)
            },
        )
        .await
        .says("did not end after"),
    );
    cases.push(
        against(
            &mut servers,
            "a next link to another host",
            &list,
            |request, base| {
                page_with_next(base, request, "https://attacker.example/v1/certificates?cursor=x")
            },
        )
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "a next link that is not a URL",
            &list,
            |request, base| page_with_next(base, request, "http://[::1"),
        )
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "a certificateContent that is not base64",
            &get,
            |_, base| json_ok(certificate_with_content(base, "%%% not base64 %%%")),
        )
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "a certificateContent that is not DER",
            &get,
            |_, base| json_ok(certificate_with_content(base, "aGVsbG8gd29ybGQ=")),
        )
        .await
        .says("not an X.509 certificate"),
    );
    cases.push(
        against(
            &mut servers,
            "a certificateContent that is not DER, printed as PEM",
            &["certificates", "get", "HOSTILE001", "--pem"],
            |_, base| json_ok(certificate_with_content(base, "aGVsbG8gd29ybGQ=")),
        )
        .await
        .says("not an X.509 certificate"),
    );
    cases.push(
        against(
            &mut servers,
            "a created certificate that is not base64",
            &create,
            |request, base| {
                if request.method == "POST" {
                    http(
                        "201 Created",
                        &[("Content-Type", "application/json")],
                        certificate_with_content(base, "!!!").as_bytes(),
                    )
                } else {
                    json_ok(json!({"data": [], "links": {"self": base}}).to_string())
                }
            },
        )
        .await,
    );
    cases.push(
        against(&mut servers, "a 401 from a server whose clock is six hours ahead", &list, |_, _| {
            http(
                "401 Unauthorized",
                &[("Content-Type", "application/json"), ("Date", "Thu, 01 Jan 2099 06:00:00 GMT")],
                br#"{"errors":[{"id":"x","status":"401","code":"NOT_AUTHORIZED","title":"Authentication credentials are missing or invalid.","detail":"Provide a properly configured and signed bearer token, and make sure that it has not expired."}]}"#,
            )
        })
        .await
        .exit(3),
    );
    cases.push(
        against(&mut servers, "a 429 asking to wait a day", &list, |_, _| {
            http(
                "429 Too Many Requests",
                &[("Content-Type", "application/json"), ("Retry-After", "86400")],
                br#"{"errors":[{"id":"x","status":"429","code":"RATE_LIMIT_EXCEEDED","title":"The request rate limit has been reached.","detail":"We've received too many requests for this API. Please wait and try again or slow down your request rate."}]}"#,
            )
        })
        .await
        .exit(6),
    );
    cases.push(against(&mut servers, "an empty 200 body", &list, |_, _| json_ok("")).await);
    cases.push(
        against(&mut servers, "a 204 to a list", &list, |_, _| {
            http("204 No Content", &[], b"")
        })
        .await,
    );
    cases.push(
        against(
            &mut servers,
            "a connection closed without an answer",
            &list,
            |_, _| Answer::Close,
        )
        .await,
    );
    cases.push(
        against(&mut servers, "JSON nested 100,000 deep", &list, |_, _| {
            json_ok("{\"data\":".repeat(100_000))
        })
        .await,
    );
    cases.push(
        against(&mut servers, "JSON with invalid UTF-8", &list, |_, _| {
            json_ok(b"{\"data\":[{\"type\":\"certificates\",\"id\":\"\xff\xfe\"}]}")
        })
        .await,
    );
    cases.push(
        against(&mut servers, "resources of another type", &list, |_, base| {
            json_ok(json!({"data": [{"type": "bundleIds", "id": "X"}], "links": {"self": base}}).to_string())
        })
        .await,
    );
    cases.push(
        against(&mut servers, "an answer that is not HTTP", &list, |_, _| {
            Answer::Bytes(b"SSH-2.0-OpenSSH_9.6\r\n".to_vec())
        })
        .await,
    );
    stocked.check(cases).await;
    drop(servers);
}
