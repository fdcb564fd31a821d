//! What the examples share: the Certificates API over Apple when an API key is in the environment,
//! else over an in-process App Store Connect sandbox, so that they run on a fresh clone.

use std::error::Error;
use std::process::ExitCode;

use ascert_auth::{ApiKey, TokenProvider};
use ascert_certificates::CertificatesApi;
use ascert_sandbox::Sandbox;
use ascert_transport::Client;

/// Certificates the sandbox starts with: three of each type it seeds.
const SEEDED: usize = 36;

/// Where the example's requests go.
pub(crate) struct Connection {
    /// The Certificates API, over Apple or the sandbox.
    pub(crate) api: CertificatesApi,
    /// The in-process sandbox when no API key was in the environment; it stops when dropped.
    pub(crate) sandbox: Option<Sandbox>,
}

/// App Store Connect (or `ASCERT_BASE_URL`) with the key `CertificatesApi::from_env` finds
/// (`ASC_KEY_ID`, `ASC_ISSUER_ID` and `ASC_PRIVATE_KEY_PATH`, or fastlane's or codemagic's
/// variables); without one, a sandbox seeded with certificates and the sandbox's own API key.
pub(crate) async fn connect() -> Result<Connection, Box<dyn Error>> {
    // One line from the environment: the key of `ASC_*` (or fastlane's or codemagic's variables),
    // and `ASCERT_BASE_URL` when set.
    if let Some(api) = CertificatesApi::from_env()? {
        eprintln!("API key from the environment: asking {}", api.client().base_url());
        return Ok(Connection { api, sandbox: None });
    }
    let sandbox = Sandbox::builder().seed_certificates(SEEDED).start().await?;
    eprintln!(
        "no API key in the environment (set ASC_KEY_ID, ASC_ISSUER_ID and ASC_PRIVATE_KEY_PATH to ask \
         Apple): asking an in-process sandbox at {}",
        sandbox.base_url()
    );
    let sandbox_key = sandbox.api_key();
    let key = ApiKey::from_pem(
        &sandbox_key.key_id,
        Some(&sandbox_key.issuer_id),
        &sandbox_key.private_key_pem,
    )?;
    let client = Client::builder(TokenProvider::new(key))
        .base_url(sandbox.base_url())
        .build()?;
    Ok(Connection {
        api: CertificatesApi::new(client),
        sandbox: Some(sandbox),
    })
}

/// The exit of an example: its error printed with its causes (`Display`, not `Debug`), then
/// failure.
pub(crate) fn exit(result: Result<(), Box<dyn Error>>) -> ExitCode {
    let Err(error) = result else {
        return ExitCode::SUCCESS;
    };
    eprintln!("error: {error}");
    let mut source = error.source();
    while let Some(cause) = source {
        eprintln!("  caused by: {cause}");
        source = cause.source();
    }
    ExitCode::FAILURE
}
