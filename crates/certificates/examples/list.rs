//! Lists every certificate of one type, every page of it:
//!
//! ```sh
//! cargo run -p ascert-certificates --example list                 # DEVELOPMENT
//! cargo run -p ascert-certificates --example list -- DISTRIBUTION
//! ```
//!
//! The type is Apple's name (`DEVELOPMENT`, `DISTRIBUTION`, `IOS_DISTRIBUTION`,
//! `DEVELOPER_ID_APPLICATION`, ...). With an API key in the environment it asks Apple; without one,
//! an in-process sandbox (see `common/mod.rs`).
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints what it finds"
)]

mod common;

use ascert_models::CertificateType;

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let name = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "DEVELOPMENT".to_owned());
    let certificate_type = CertificateType::from(name.as_str());
    if !certificate_type.is_known() {
        return Err(format!("{name:?} is not a certificate type; try DEVELOPMENT or DISTRIBUTION").into());
    }
    let connection = common::connect().await?;

    // `.all()` follows `links.next` to the last page; `.stream()` hands them out as they come.
    let certificates = connection
        .api
        .list()
        .certificate_type(certificate_type.clone())
        .limit(200)?
        .all()
        .await?;

    let origin = if connection.sandbox.is_some() {
        "the sandbox"
    } else {
        "App Store Connect"
    };
    println!(
        "{} {certificate_type} certificates in {origin}",
        certificates.len()
    );
    for certificate in &certificates {
        let attributes = &certificate.attributes;
        let expires = attributes
            .expiration_date
            .map_or_else(|| "-".to_owned(), |date| date.date().to_string());
        let state = if attributes.activated == Some(false) {
            "deactivated"
        } else {
            "active"
        };
        println!(
            "{}  expires {expires}  {state:<11}  {}",
            certificate.id,
            attributes.name.as_deref().unwrap_or("-"),
        );
    }
    Ok(())
}
