//! `--json` is one convention: stdout holds one JSON document, every name in it is camelCase (as
//! Apple's are), every date ascert writes is RFC 3339 in UTC with `Z` (Apple's documents keep
//! Apple's `+0000`), and stderr holds nothing on success.

use ascert_sandbox::Sandbox;

use crate::support::{Env, Run};

/// The names in `value` that are not camelCase (an underscore or a leading capital), with their path.
fn not_camel_case(value: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) => {
            for (name, inner) in map {
                if name.contains('_') || name.starts_with(|c: char| c.is_ascii_uppercase()) {
                    found.push(format!("{path}.{name}"));
                }
                not_camel_case(inner, &format!("{path}.{name}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                not_camel_case(inner, &format!("{path}[{i}]"), found);
            }
        }
        _ => {}
    }
}

/// The dates in `value` outside Apple's documents (objects with `type` and `attributes`) that are
/// not RFC 3339 in UTC with `Z`, with their path.
pub(crate) fn dates_not_utc_z(value: &serde_json::Value, path: &str, found: &mut Vec<String>) {
    match value {
        serde_json::Value::Object(map) if map.contains_key("type") && map.contains_key("attributes") => {}
        serde_json::Value::Object(map) => {
            for (name, inner) in map {
                dates_not_utc_z(inner, &format!("{path}.{name}"), found);
            }
        }
        serde_json::Value::Array(items) => {
            for (i, inner) in items.iter().enumerate() {
                dates_not_utc_z(inner, &format!("{path}[{i}]"), found);
            }
        }
        serde_json::Value::String(text) if looks_like_a_date(text) && !is_rfc3339_utc_z(text) => {
            found.push(format!("{path} = {text}"));
        }
        _ => {}
    }
}

/// `2026-12-07T…`: a date and a time.
fn looks_like_a_date(text: &str) -> bool {
    let b = text.as_bytes();
    b.len() > 11 && b[..4].iter().all(u8::is_ascii_digit) && b[4] == b'-' && b[7] == b'-' && b[10] == b'T'
}

/// `2026-12-07T00:22:30Z` or `2026-12-07T00:22:30.328Z`.
fn is_rfc3339_utc_z(text: &str) -> bool {
    let Some(rest) = text.strip_suffix('Z') else {
        return false;
    };
    let (whole, fraction) = rest.split_once('.').unwrap_or((rest, "1"));
    let shape = "dddd-dd-ddTdd:dd:dd";
    whole.len() == shape.len()
        && whole
            .bytes()
            .zip(shape.bytes())
            .all(|(c, s)| if s == b'd' { c.is_ascii_digit() } else { c == s })
        && !fraction.is_empty()
        && fraction.bytes().all(|c| c.is_ascii_digit())
}

/// Asserts the run succeeded with one camelCase JSON document on stdout and nothing on stderr.
#[track_caller]
fn one_convention(what: &str, run: &Run) -> serde_json::Value {
    assert_eq!(run.code, 0, "{what}: {run:?}");
    assert_eq!(
        run.stderr, "",
        "{what}: with --json nothing but errors goes to stderr"
    );
    let value: serde_json::Value = serde_json::from_str(&run.stdout)
        .unwrap_or_else(|e| panic!("{what}: stdout is not one JSON document ({e}): {run:?}"));
    let mut found = Vec::new();
    not_camel_case(&value, "", &mut found);
    assert!(
        found.is_empty(),
        "{what}: names not in camelCase: {found:?}\n{value:#}"
    );
    dates_not_utc_z(&value, "", &mut found);
    assert!(
        found.is_empty(),
        "{what}: dates not in RFC 3339 UTC with Z: {found:?}\n{value:#}"
    );
    value
}

#[tokio::test(flavor = "multi_thread")]
async fn every_command_speaks_one_json_convention() {
    let env = Env::with(Sandbox::builder().seed_certificates(2)).await;
    let created = env
        .run(&[
            "--json",
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "J",
            "--email",
            "j@example.com",
        ])
        .await;
    let created = one_convention("certificates create", &created);
    let id = created["certificate"]["id"].as_str().unwrap().to_owned();
    let key_id = created["keyId"].as_str().unwrap().to_owned();
    let p12 = env.path("j.p12");
    let pem = env.path("j.pem");
    let runs: Vec<(&str, Vec<&str>)> = vec![
        ("certificates list", vec!["certificates", "list"]),
        ("certificates get", vec!["certificates", "get", &id]),
        ("certificates deactivate", vec!["certificates", "deactivate", &id]),
        ("certificates activate", vec!["certificates", "activate", &id]),
        (
            "keys generate",
            vec![
                "keys",
                "generate",
                "--common-name",
                "P",
                "--email",
                "p@example.com",
            ],
        ),
        ("keys list", vec!["keys", "list"]),
        (
            "keys export",
            vec!["keys", "export", &key_id, "--out", pem.to_str().unwrap()],
        ),
        ("identities list", vec!["identities", "list"]),
        (
            "identities export",
            vec![
                "identities",
                "export",
                &id,
                "--password-env",
                "P12_PASSWORD",
                "--p12",
                p12.to_str().unwrap(),
            ],
        ),
        (
            "identities ensure",
            vec![
                "identities",
                "ensure",
                "--type",
                "DEVELOPMENT",
                "--common-name",
                "J",
            ],
        ),
        ("auth status", vec!["auth", "status"]),
    ];
    for (what, args) in runs {
        let run = env
            .run_with(
                &[("P12_PASSWORD", "a long enough password")],
                &[&["--json"], args.as_slice()].concat(),
            )
            .await;
        one_convention(what, &run);
    }
    let pem = env.path("rsa.pem");
    crate::support::openssl(&["genrsa", "-out", pem.to_str().unwrap(), "2048"]);
    let imported = env
        .run(&[
            "--json",
            "keys",
            "import",
            pem.to_str().unwrap(),
            "--label",
            "made elsewhere",
        ])
        .await;
    let imported = one_convention("keys import", &imported);
    let imported_id = imported["keyId"].as_str().unwrap().to_owned();
    let deleted = env
        .run(&["--json", "keys", "delete", &imported_id, "--yes"])
        .await;
    assert_eq!(one_convention("keys delete", &deleted)["deleted"], imported_id);
    let revoked = env.run(&["--json", "certificates", "revoke", &id, "--yes"]).await;
    one_convention("certificates revoke", &revoked);
    let demo = env.run(&["--json", "demo", "--out-dir", "demo"]).await;
    one_convention("demo", &demo);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_json_failure_is_one_camel_case_object_on_stderr() {
    let env = Env::start().await;
    let run = env.run(&["--json", "certificates", "get", "NOPE123456"]).await;
    let stderr = run.fails_with(4);
    assert_eq!(run.stdout, "");
    assert_eq!(stderr.lines().count(), 1, "{stderr}");
    let error: serde_json::Value = serde_json::from_str(stderr).unwrap();
    assert_eq!(error["exitCode"], 4, "{error}");
    let mut found = Vec::new();
    not_camel_case(&error, "", &mut found);
    assert!(found.is_empty(), "{found:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn apples_documents_are_printed_as_apple_sends_them_nulls_included() {
    let env = Env::start().await;
    let created = env
        .run(&["--json", "certificates", "create", "--type", "DEVELOPMENT"])
        .await;
    created.ok();
    let id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    // What App Store Connect (here the sandbox, which sends what Apple sends) answers, read raw.
    let raw: serde_json::Value = {
        let key = std::fs::read(&env.private_key).unwrap();
        let mut header = jsonwebtoken::Header::new(jsonwebtoken::Algorithm::ES256);
        header.kid = Some(env.sandbox.api_key().key_id.clone());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims = serde_json::json!({"iss": env.sandbox.issuer_id(), "aud": "appstoreconnect-v1", "iat": now, "exp": now + 600});
        let token = jsonwebtoken::encode(
            &header,
            &claims,
            &jsonwebtoken::EncodingKey::from_ec_pem(&key).unwrap(),
        )
        .unwrap();
        let url = format!("{}/v1/certificates/{id}", env.sandbox.base_url());
        reqwest::Client::new()
            .get(url)
            .bearer_auth(token)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap()
    };
    let sent = &raw["data"]["attributes"];
    assert!(
        sent["platform"].is_null() && sent.get("platform").is_some(),
        "{raw:#}"
    );
    assert!(sent.get("csrContent").is_some(), "{raw:#}");

    let got = env.run(&["--json", "certificates", "get", &id]).await;
    got.ok();
    assert_eq!(&got.json()["attributes"], sent, "certificates get --json");
    let listed = env.run(&["--json", "certificates", "list"]).await;
    listed.ok();
    assert_eq!(&listed.json()[0]["attributes"], sent, "certificates list --json");
}
