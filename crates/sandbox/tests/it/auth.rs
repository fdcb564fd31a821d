//! Every way a token can be wrong gets Apple's 401, and a read-only key gets 403 on writes.

use ascert_sandbox::{AUDIENCE, KeyKind, KeyRole, Sandbox};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Client, assert_error, create_body, now, rsa_key, sign};

const APPLE_DETAIL: &str = "Provide a properly configured and signed bearer token, and make sure that it has not \
                            expired. Learn more about Generating Tokens for API Requests \
                            https://developer.apple.com/go/?id=api-generating-tokens";

async fn get_with(sandbox: &Sandbox, authorization: Option<String>) -> crate::common::Reply {
    let mut client = Client::new(sandbox);
    client.token = None;
    let mut request = client.http.get(format!("{}/v1/certificates", sandbox.base_url()));
    if let Some(value) = authorization {
        request = request.header("authorization", value);
    }
    let response = request.send().await.unwrap();
    crate::common::Reply {
        status: response.status(),
        headers: response.headers().clone(),
        body: response.json().await.unwrap(),
    }
}

fn claims(sandbox: &Sandbox, change: impl FnOnce(&mut Value)) -> Value {
    let iat = now();
    let mut claims = json!({"iss": sandbox.issuer_id(), "aud": AUDIENCE, "iat": iat, "exp": iat + 1200});
    change(&mut claims);
    claims
}

async fn assert_refused(sandbox: &Sandbox, authorization: Option<String>, what: &str) {
    let reply = get_with(sandbox, authorization).await;
    assert_error(&reply, 401, "NOT_AUTHORIZED");
    assert_eq!(reply.body["errors"][0]["detail"], APPLE_DETAIL, "{what}");
    assert_eq!(
        reply.body["errors"][0]["title"], "Authentication credentials are missing or invalid.",
        "{what}"
    );
    assert!(reply.headers.contains_key("x-rate-limit"), "{what}");
}

#[tokio::test]
async fn each_bad_token_gets_401_not_authorized() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let key = sandbox.api_key();
    let bearer = |token: String| Some(format!("Bearer {token}"));

    assert_refused(&sandbox, None, "no header").await;
    assert_refused(&sandbox, Some("Basic dXNlcjpwYXNz".into()), "not bearer").await;
    assert_refused(&sandbox, bearer("not-a-jwt".into()), "malformed").await;
    assert_refused(
        &sandbox,
        bearer(sign(key, &claims(&sandbox, |c| c["aud"] = json!("other")))),
        "audience",
    )
    .await;
    assert_refused(
        &sandbox,
        bearer(sign(key, &claims(&sandbox, |c| c["iss"] = json!("someone-else")))),
        "issuer",
    )
    .await;
    assert_refused(
        &sandbox,
        bearer(sign(
            key,
            &claims(&sandbox, |c| {
                c.as_object_mut().unwrap().remove("iss");
            }),
        )),
        "no issuer",
    )
    .await;
    assert_refused(
        &sandbox,
        bearer(sign(
            key,
            &claims(&sandbox, |c| {
                c["iat"] = json!(now() - 1300);
                c["exp"] = json!(now() - 100);
            }),
        )),
        "expired",
    )
    .await;
    assert_refused(
        &sandbox,
        bearer(sign(key, &claims(&sandbox, |c| c["exp"] = json!(now() + 1500)))),
        "exp more than 20 minutes after iat",
    )
    .await;

    assert_refused(
        &sandbox,
        bearer(sign(
            key,
            &claims(&sandbox, |c| {
                c["iat"] = json!(now() + 600);
                c["exp"] = json!(now() + 1200);
            }),
        )),
        "issued in the future",
    )
    .await;
    assert_refused(
        &sandbox,
        bearer(sign(
            key,
            &claims(&sandbox, |c| c["scope"] = json!(["GET /v1/apps"])),
        )),
        "out of scope",
    )
    .await;
    let scoped = get_with(
        &sandbox,
        bearer(sign(
            key,
            &claims(&sandbox, |c| c["scope"] = json!(["GET /v1/certificates"])),
        )),
    )
    .await;
    assert_eq!(scoped.status, 200);

    // A kid nobody registered.
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some("UNKNOWN123".into());
    let encoding = EncodingKey::from_ec_pem(key.private_key_pem.as_bytes()).unwrap();
    let unknown = jsonwebtoken::encode(&header, &claims(&sandbox, |_| {}), &encoding).unwrap();
    assert_refused(&sandbox, bearer(unknown), "unknown kid").await;

    // The right kid, signed by a different key.
    let other = Sandbox::builder().start().await.unwrap();
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.key_id.clone());
    let encoding = EncodingKey::from_ec_pem(other.api_key().private_key_pem.as_bytes()).unwrap();
    let forged = jsonwebtoken::encode(&header, &claims(&sandbox, |_| {}), &encoding).unwrap();
    assert_refused(&sandbox, bearer(forged), "bad signature").await;

    // Another algorithm under the right kid.
    let mut header = Header::new(Algorithm::HS256);
    header.kid = Some(key.key_id.clone());
    let hmac = jsonwebtoken::encode(
        &header,
        &claims(&sandbox, |_| {}),
        &EncodingKey::from_secret(b"secret"),
    )
    .unwrap();
    assert_refused(&sandbox, bearer(hmac), "HS256").await;

    // And the good token passes.
    let good = get_with(&sandbox, bearer(sign(key, &claims(&sandbox, |_| {})))).await;
    assert_eq!(good.status, 200);
}

#[tokio::test]
async fn a_token_without_iat_is_accepted_while_exp_is_within_20_minutes_of_now() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let key = sandbox.api_key();
    // iss, exp and aud only, as codemagic-cli-tools and other clients in wide use send them.
    let without_iat = |exp: i64| {
        sign(
            key,
            &claims(&sandbox, |c| {
                c.as_object_mut().unwrap().remove("iat");
                c["exp"] = json!(exp);
            }),
        )
    };
    let good = get_with(&sandbox, Some(format!("Bearer {}", without_iat(now() + 19 * 60)))).await;
    assert_eq!(good.status, 200, "{:#}", good.body);
    assert_refused(
        &sandbox,
        Some(format!("Bearer {}", without_iat(now() + 25 * 60))),
        "no iat and exp 25 minutes from now",
    )
    .await;
    assert_refused(
        &sandbox,
        Some(format!("Bearer {}", without_iat(now() - 5))),
        "no iat and expired",
    )
    .await;
}

#[tokio::test]
async fn individual_keys_use_sub_user_without_iss() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let key = sandbox.add_key(KeyRole::Admin, KeyKind::Individual).unwrap();
    let iat = now();
    let good = sign(
        &key,
        &json!({"sub": "user", "aud": AUDIENCE, "iat": iat, "exp": iat + 600}),
    );
    assert_eq!(
        get_with(&sandbox, Some(format!("Bearer {good}"))).await.status,
        200
    );
    let with_iss = sign(&key, &claims(&sandbox, |_| {}));
    assert_refused(
        &sandbox,
        Some(format!("Bearer {with_iss}")),
        "individual key with iss",
    )
    .await;
}

#[tokio::test]
async fn a_read_only_key_gets_403_on_create_update_and_revoke() {
    let sandbox = Sandbox::builder().seed_certificates(3).start().await.unwrap();
    let key = sandbox.add_key(KeyRole::Developer, KeyKind::Team).unwrap();
    let client = Client::with_key(&sandbox, &key);
    let list = client.get("/v1/certificates").await;
    assert_eq!(list.status, 200);
    let id = list.body["data"][0]["id"].as_str().unwrap().to_owned();
    let create = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("DEVELOPMENT", &rsa_key().1)),
        )
        .await;
    assert_error(&create, 403, "FORBIDDEN_ERROR");
    assert_eq!(
        create.body["errors"][0]["detail"],
        "The API key in use does not allow this request"
    );
    let body = json!({"data": {"type": "certificates", "id": id, "attributes": {"activated": false}}});
    assert_error(
        &client
            .send(Method::PATCH, &format!("/v1/certificates/{id}"), Some(&body))
            .await,
        403,
        "FORBIDDEN_ERROR",
    );
    assert_error(
        &client
            .send(Method::DELETE, &format!("/v1/certificates/{id}"), None)
            .await,
        403,
        "FORBIDDEN_ERROR",
    );
    assert_eq!(sandbox.certificate_count(), 3);
}
