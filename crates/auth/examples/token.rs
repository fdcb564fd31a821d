//! Prints a bearer token for the App Store Connect API:
//!
//! ```sh
//! cargo run -p ascert-auth --example token
//! curl -H "Authorization: Bearer $(cargo run -q -p ascert-auth --example token)" \
//!     https://api.appstoreconnect.apple.com/v1/certificates
//! ```
//!
//! The key comes from the environment as `ApiKey::from_env` reads it: `ASC_KEY_ID`, `ASC_ISSUER_ID`
//! (unset for an individual key) and `ASC_PRIVATE_KEY_PATH`, or fastlane's or codemagic's variables.
//! Without one, it starts an in-process App Store Connect sandbox (ascert-sandbox), signs with the
//! sandbox's API key, and shows the sandbox accepting the token. The token goes to stdout, the rest
//! to stderr; it is a credential for 20 minutes, so treat the output as one.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints the token it made"
)]

use std::process::ExitCode;
use std::time::SystemTime;

use ascert_auth::{ApiKey, TokenProvider, TokenSource};
use ascert_sandbox::Sandbox;
use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

#[tokio::main]
async fn main() -> ExitCode {
    let Err(error) = run().await else {
        return ExitCode::SUCCESS;
    };
    // The error and its causes as text: `Debug` would be harder to read.
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    ExitCode::FAILURE
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let (key, sandbox) = if let Some(key) = ApiKey::from_env()? {
        (key, None)
    } else {
        let sandbox = Sandbox::builder().start().await?;
        eprintln!(
            "no API key in the environment (set ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY_PATH \
             for Apple's): using the key of an in-process sandbox at {}",
            sandbox.base_url()
        );
        let k = sandbox.api_key();
        let key = ApiKey::from_pem(&k.key_id, Some(&k.issuer_id), &k.private_key_pem)?;
        (key, Some(sandbox))
    };

    let tokens = TokenProvider::new(key);
    // Signed once and reused: a second call within its lifetime returns the same token.
    let token = tokens.token()?;
    let minutes = token
        .expires_at()
        .duration_since(SystemTime::now())
        .map_or(0, |left| left.as_secs() / 60);
    eprintln!(
        "ES256 token for key {} (audience {}), valid for {minutes} more minutes",
        tokens.key_id(),
        tokens.audience()
    );
    println!("{}", token.expose());

    if let Some(sandbox) = sandbox {
        let status = status_of_list(&sandbox, token.expose()).await?;
        eprintln!("the sandbox answers GET /v1/certificates with it: {status}");
        if !status.contains(" 200 ") {
            return Err("the sandbox refused the token".into());
        }
    }
    Ok(())
}

/// The status line of `GET /v1/certificates?limit=1` sent to the sandbox with `token`, over plain
/// HTTP/1.1 so that this crate's example needs no HTTP client.
async fn status_of_list(sandbox: &Sandbox, token: &str) -> std::io::Result<String> {
    let address = sandbox.local_addr();
    let mut stream = tokio::net::TcpStream::connect(address).await?;
    let request = format!(
        "GET /v1/certificates?limit=1 HTTP/1.1\r\nHost: {address}\r\nAuthorization: Bearer {token}\r\n\
         Connection: close\r\n\r\n"
    );
    stream.write_all(request.as_bytes()).await?;
    let mut answer = Vec::new();
    stream.read_to_end(&mut answer).await?;
    let text = String::from_utf8_lossy(&answer);
    Ok(text.lines().next().unwrap_or_default().to_owned())
}
