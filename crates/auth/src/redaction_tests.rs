//! The promise that no Debug, Display or error text shows key or token material, tested as a whole.

use std::fmt::Write as _;
use std::time::{Duration, SystemTime};

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};

use crate::test_keys::{self, ISSUER, KEY_ID};
use crate::{ApiKey, AuthError, ManualClock, TokenProvider, TokenSource};

/// Fragments of `secret` worth searching for: 12-character windows of its base64 and of its PEM body.
fn fragments(secret: &[u8]) -> Vec<String> {
    let mut out = Vec::new();
    for encoded in [
        STANDARD.encode(secret),
        URL_SAFE_NO_PAD.encode(secret),
        hex(secret),
    ] {
        let chars: Vec<char> = encoded.chars().collect();
        out.extend(chars.windows(12).step_by(6).map(|w| w.iter().collect::<String>()));
    }
    out
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

fn assert_clean(text: &str, secrets: &[&[u8]], token: &str) {
    for secret in secrets {
        for fragment in fragments(secret) {
            assert!(
                !text.contains(&fragment),
                "key material {fragment:?} leaked into: {text}"
            );
        }
    }
    // Any 12 characters of the JWT's signature or claims, and its byte list as Debug would print it.
    for part in token.split('.').skip(1) {
        let chars: Vec<char> = part.chars().collect();
        for window in chars.windows(12).step_by(6) {
            let fragment: String = window.iter().collect();
            assert!(
                !text.contains(&fragment),
                "token material {fragment:?} leaked into: {text}"
            );
        }
    }
    let first_bytes = format!("{:?}", &secrets[0][..6])
        .trim_matches(['[', ']'])
        .to_owned();
    assert!(!text.contains(&first_bytes), "key bytes leaked into: {text}");
}

#[test]
fn no_debug_display_or_error_text_holds_key_or_token_bytes() {
    let key = test_keys::p256();
    let api = ApiKey::from_pem(KEY_ID, Some(ISSUER), &key.pem).unwrap();
    // The private scalar is part of the DER; the whole DER covers it.
    let secrets: [&[u8]; 2] = [&key.der, key.pem.as_bytes()];
    let tokens = TokenProvider::builder(api.clone())
        .clock(ManualClock::new(SystemTime::now()))
        .scope(vec!["GET /v1/certificates".into()])
        .build();
    let token = tokens.token().unwrap();
    let jwt = token.expose().to_owned();

    let mut texts = vec![
        format!("{api:?}"),
        format!("{api:#?}"),
        format!("{tokens:?}"),
        format!("{token:?}"),
        format!("{token}"),
        format!("{:?}", TokenProvider::builder(api.clone())),
    ];

    // Errors from every loader, fed the real key in a wrong place or form.
    let errors: Vec<AuthError> = vec![
        ApiKey::from_pem(&key.pem, Some(ISSUER), &key.pem).unwrap_err(),
        ApiKey::from_pem(KEY_ID, Some(&key.pem), &key.pem).unwrap_err(),
        ApiKey::from_base64_pem(KEY_ID, Some(ISSUER), &format!("{}!", STANDARD.encode(&key.der)))
            .unwrap_err(),
        ApiKey::from_pem(KEY_ID, None, &key.pem.replace("-----END PRIVATE KEY-----", "")).unwrap_err(),
        ApiKey::from_pem(KEY_ID, None, &key.pem.replace("PRIVATE KEY", "PUBLIC KEY")).unwrap_err(),
        ApiKey::from_pem(
            KEY_ID,
            None,
            &key.pem.replace("PRIVATE KEY", "OPENSSH PRIVATE KEY"),
        )
        .unwrap_err(),
        ApiKey::from_fastlane_json(&format!("{{\"key_id\": 1, \"key\": {:?}}}", key.pem)).unwrap_err(),
        ApiKey::from_fastlane_json(&format!(
            "{{\"key_id\": \"{KEY_ID}\", \"key\": {:?}, \"duration\": \"x\"}}",
            key.pem
        ))
        .unwrap_err(),
        ApiKey::from_rcodesign_json(&format!(
            "{{\"key_id\": \"{KEY_ID}\", \"private_key\": {:?}}}",
            key.pem
        ))
        .unwrap_err(),
        ApiKey::from_env_with(
            &|n| (n == "ASC_PRIVATE_KEY").then(|| key.pem.clone()),
            &crate::KeyFolders::new(".", None),
        )
        .unwrap_err(),
        ApiKey::from_env_with(
            &|n| match n {
                "APP_STORE_CONNECT_API_KEY_KEY_ID" => Some(KEY_ID.into()),
                "APP_STORE_CONNECT_API_KEY_KEY" | "APP_STORE_CONNECT_API_KEY_DURATION" => {
                    Some(key.pem.clone())
                }
                _ => None,
            },
            &crate::KeyFolders::new(".", None),
        )
        .unwrap_err(),
        TokenProvider::builder(api.clone())
            .lifetime(Duration::from_secs(3600))
            .unwrap_err(),
    ];
    // The OS credential store's Debug and errors, when the crate is built with it.
    #[cfg(feature = "credential-store")]
    let errors = {
        let store = crate::CredentialStore::in_memory();
        store.save("work", &api).unwrap();
        texts.push(format!("{store:?}"));
        let mut errors = errors;
        errors.push(store.load("missing").unwrap_err());
        errors
    };
    for err in &errors {
        texts.push(err.to_string());
        texts.push(format!("{err:?}"));
        let mut source = std::error::Error::source(err);
        while let Some(s) = source {
            texts.push(s.to_string());
            source = s.source();
        }
    }
    for text in &texts {
        assert_clean(text, &secrets, &jwt);
    }
    // A key pasted where an id belongs is not repeated, not even in part.
    assert!(errors[0].to_string().starts_with("a value of "), "{}", errors[0]);
}
