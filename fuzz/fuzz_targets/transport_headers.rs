//! Any text as an `X-Rate-Limit` value and as a `links.next` link checked against the base URL.
#![no_main]

use std::sync::OnceLock;
use std::time::{Duration, SystemTime};

use ascert_auth::{AuthError, Token, TokenSource};
use ascert_transport::{Client, RateLimit};
use libfuzzer_sys::fuzz_target;

/// A fixed token; the client never sends a request here.
#[derive(Debug)]
struct Fixed;

impl TokenSource for Fixed {
    fn token(&self) -> Result<Token, AuthError> {
        let now = SystemTime::now();
        Ok(Token::new("fuzz".to_owned(), now, now + Duration::from_secs(600)))
    }

    fn renew(&self) -> Result<Token, AuthError> {
        self.token()
    }
}

fn client() -> &'static Client {
    static CLIENT: OnceLock<Client> = OnceLock::new();
    CLIENT.get_or_init(|| {
        Client::builder(Fixed)
            .base_url("https://api.appstoreconnect.apple.com")
            .build()
            .expect("a client")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Some(limit) = RateLimit::parse(text) {
        let _ = limit.remaining;
    }
    if let Ok(url) = client().check_link(text) {
        assert_eq!(url.host_str(), Some("api.appstoreconnect.apple.com"), "{text:?}");
        assert_eq!(url.scheme(), "https");
    }
});
