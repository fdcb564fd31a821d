//! Tests of the token provider: tokens checked by an independent verifier, caching, renewal.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED, UnparsedPublicKey};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use serde_json::{Value, json};

use super::*;
use crate::ManualClock;
use crate::test_keys::{self, ISSUER, KEY_ID};

/// 2026-11-26T10:00:00Z, a fixed start for the manual clock.
const START: u64 = 1_795_687_200;

fn start() -> SystemTime {
    UNIX_EPOCH + Duration::from_secs(START)
}

/// Verifies a JWT with aws-lc-rs alone (not jsonwebtoken) and returns its header and claims.
fn verify(jwt: &str, public_key: &[u8]) -> (Value, Value) {
    let parts: Vec<&str> = jwt.split('.').collect();
    assert_eq!(parts.len(), 3, "a JWT has three parts");
    let signing_input = format!("{}.{}", parts[0], parts[1]);
    let signature = URL_SAFE_NO_PAD.decode(parts[2]).unwrap();
    assert_eq!(signature.len(), 64, "ES256 signatures are r || s, 32 bytes each");
    UnparsedPublicKey::new(&ECDSA_P256_SHA256_FIXED, public_key)
        .verify(signing_input.as_bytes(), &signature)
        .expect("the signature verifies with the key's public key");
    let header = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[0]).unwrap()).unwrap();
    let claims = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).unwrap()).unwrap();
    (header, claims)
}

fn team_key() -> (test_keys::TestKey, ApiKey) {
    let key = test_keys::p256();
    let api = ApiKey::from_pem(KEY_ID, Some(ISSUER), &key.pem).unwrap();
    (key, api)
}

#[test]
fn team_key_token_verifies_with_apples_header_and_claims() {
    let (key, api) = team_key();
    let tokens = TokenProvider::builder(api)
        .clock(ManualClock::new(start()))
        .build();
    let token = tokens.token().unwrap();
    let (header, claims) = verify(token.expose(), &key.public);
    assert_eq!(header, json!({"alg": "ES256", "kid": KEY_ID, "typ": "JWT"}));
    assert_eq!(
        claims,
        json!({"iss": ISSUER, "iat": START - 60, "exp": START - 60 + 1200, "aud": "appstoreconnect-v1"})
    );
    assert_eq!(token.issued_at(), start() - Duration::from_secs(60));
    assert_eq!(token.expires_at(), start() + Duration::from_secs(1140));
}

#[test]
fn individual_key_token_has_sub_user_and_no_iss() {
    let key = test_keys::p256();
    let api = ApiKey::from_pem(KEY_ID, None, &key.pem).unwrap();
    let tokens = TokenProvider::builder(api)
        .clock(ManualClock::new(start()))
        .build();
    let (header, claims) = verify(tokens.token().unwrap().expose(), &key.public);
    assert_eq!(header["kid"], KEY_ID);
    assert_eq!(
        claims,
        json!({"sub": "user", "iat": START - 60, "exp": START + 1140, "aud": "appstoreconnect-v1"})
    );
}

#[test]
fn enterprise_key_token_has_the_enterprise_audience() {
    let (key, api) = team_key();
    let tokens = TokenProvider::builder(api)
        .enterprise(true)
        .clock(ManualClock::new(start()))
        .build();
    let (_, claims) = verify(tokens.token().unwrap().expose(), &key.public);
    assert_eq!(
        claims,
        json!({"iss": ISSUER, "iat": START - 60, "exp": START + 1140, "aud": "apple-developer-enterprise-v1"})
    );
    // A key its source marked in-house gets the enterprise audience by default.
    let (_, api) = team_key();
    assert_eq!(
        TokenProvider::new(api.with_enterprise(true).unwrap()).audience(),
        "apple-developer-enterprise-v1"
    );
}

#[test]
fn scope_is_sent_as_a_list_for_every_kind_of_key() {
    let scope = vec![
        "GET /v1/certificates".to_owned(),
        "POST /v1/certificates".to_owned(),
    ];
    let key = test_keys::p256();
    for (issuer, enterprise) in [(Some(ISSUER), false), (None, false), (Some(ISSUER), true)] {
        let api = ApiKey::from_pem(KEY_ID, issuer, &key.pem).unwrap();
        let tokens = TokenProvider::builder(api)
            .scope(scope.clone())
            .enterprise(enterprise)
            .clock(ManualClock::new(start()))
            .build();
        let (_, claims) = verify(tokens.token().unwrap().expose(), &key.public);
        assert_eq!(claims["scope"], json!(scope));
        assert_eq!(claims["iss"].as_str(), issuer);
        assert_eq!(claims["sub"].as_str(), issuer.is_none().then_some("user"));
    }
}

#[test]
fn jsonwebtoken_decode_accepts_the_token_too() {
    let (key, api) = team_key();
    let token = TokenProvider::new(api).token().unwrap();
    let decoding = jsonwebtoken::DecodingKey::from_ec_components(
        &URL_SAFE_NO_PAD.encode(&key.public[1..33]),
        &URL_SAFE_NO_PAD.encode(&key.public[33..]),
    )
    .unwrap();
    let mut validation = jsonwebtoken::Validation::new(Algorithm::ES256);
    validation.set_audience(&["appstoreconnect-v1"]);
    validation.set_issuer(&[ISSUER]);
    validation.set_required_spec_claims(&["exp", "iat", "aud", "iss"]);
    let data = jsonwebtoken::decode::<Value>(token.expose(), &decoding, &validation).unwrap();
    assert_eq!(data.header.kid.as_deref(), Some(KEY_ID));
    let claims = data.claims;
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        1200
    );
}

#[test]
fn lifetime_is_configurable_up_to_twenty_minutes() {
    let (key, api) = team_key();
    let tokens = TokenProvider::builder(api.clone())
        .lifetime(Duration::from_secs(600))
        .unwrap()
        .clock(ManualClock::new(start()))
        .build();
    let (_, claims) = verify(tokens.token().unwrap().expose(), &key.public);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        600
    );

    let err = TokenProvider::builder(api.clone())
        .lifetime(Duration::from_secs(21 * 60))
        .unwrap_err();
    assert!(matches!(err, AuthError::LifetimeTooLong { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "a token lifetime of 1260s is too long: Apple rejects tokens that live more than 1200s (20 minutes)"
    );

    // A lifetime the key's source asked for (fastlane's `duration`) is the default.
    let tokens = TokenProvider::builder(api.with_token_lifetime(Duration::from_secs(300)).unwrap())
        .clock(ManualClock::new(start()))
        .build();
    let (_, claims) = verify(tokens.token().unwrap().expose(), &key.public);
    assert_eq!(
        claims["exp"].as_u64().unwrap() - claims["iat"].as_u64().unwrap(),
        300
    );
}

#[test]
fn a_thousand_concurrent_requests_make_one_signature() {
    let (_, api) = team_key();
    let tokens = TokenProvider::builder(api)
        .clock(ManualClock::new(start()))
        .build();
    let texts: Vec<String> = std::thread::scope(|scope| {
        let workers: Vec<_> = (0..8)
            .map(|_| {
                let tokens = tokens.clone();
                scope.spawn(move || {
                    (0..125)
                        .map(|_| tokens.token().unwrap().expose().to_owned())
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        workers.into_iter().flat_map(|w| w.join().unwrap()).collect()
    });
    assert_eq!(texts.len(), 1000);
    assert!(
        texts.iter().all(|t| *t == texts[0]),
        "every caller got the same cached token"
    );
    assert_eq!(tokens.signatures(), 1);
}

#[test]
fn token_is_renewed_shortly_before_it_expires() {
    let (key, api) = team_key();
    let clock = ManualClock::new(start());
    let tokens = TokenProvider::builder(api).clock(clock.clone()).build();
    let first = tokens.token().unwrap();
    assert_eq!(first.expires_at(), start() + Duration::from_secs(1140));

    // 61 seconds before expiry: still the cached token.
    clock.set(first.expires_at() - Duration::from_secs(61));
    assert_eq!(tokens.token().unwrap().expose(), first.expose());
    assert_eq!(tokens.signatures(), 1);

    // 60 seconds before expiry: a new token, while the old one is still valid.
    clock.set(first.expires_at() - Duration::from_secs(60));
    assert!(clock.now() < first.expires_at());
    let second = tokens.token().unwrap();
    assert_ne!(second.expose(), first.expose());
    assert_eq!(tokens.signatures(), 2);
    let (_, claims) = verify(second.expose(), &key.public);
    assert_eq!(claims["iat"], START + 1080 - 60);
    assert_eq!(second.expires_at(), clock.now() + Duration::from_secs(1140));

    // And it is cached in turn.
    assert_eq!(tokens.token().unwrap().expose(), second.expose());
    assert_eq!(tokens.signatures(), 2);
}

#[test]
fn renew_always_signs_and_replaces_the_cache() {
    let (_, api) = team_key();
    let clock = ManualClock::new(start());
    let tokens = TokenProvider::builder(api).clock(clock.clone()).build();
    let first = tokens.token().unwrap();
    clock.advance(Duration::from_secs(1));
    let renewed = tokens.renew().unwrap();
    assert_ne!(renewed.expose(), first.expose());
    assert_eq!(tokens.token().unwrap().expose(), renewed.expose());
    assert_eq!(tokens.signatures(), 2);
}

#[test]
fn provider_works_as_a_shared_trait_object() {
    let (_, api) = team_key();
    let source: Arc<dyn TokenSource> = Arc::new(TokenProvider::new(api));
    let token = source.token().unwrap();
    assert!(token.expires_at() > SystemTime::now());
    assert!(format!("{source:?}").starts_with("TokenProvider { key_id: \"2X9R4HXF34\""));
}

#[test]
fn provider_and_token_are_shareable_across_threads_and_tasks() {
    fn assert_send_sync<T: Send + Sync + 'static>() {}
    assert_send_sync::<TokenProvider>();
    assert_send_sync::<Token>();
    assert_send_sync::<ApiKey>();
    assert_send_sync::<AuthError>();
}

#[test]
fn clones_share_one_cache_and_one_counter() {
    let (_, api) = team_key();
    let tokens = TokenProvider::builder(api)
        .clock(ManualClock::new(start()))
        .build();
    let clone = tokens.clone();
    let a = tokens.token().unwrap();
    let b = clone.token().unwrap();
    assert_eq!(a.expose(), b.expose());
    assert_eq!((tokens.signatures(), clone.signatures()), (1, 1));
}
