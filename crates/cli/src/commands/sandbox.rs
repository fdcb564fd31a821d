//! `ascert sandbox serve`: the App Store Connect sandbox as a standalone server, announcing itself
//! with one JSON line on stdout and serving until SIGINT or SIGTERM.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use ascert_models::CertificateType;
use ascert_sandbox::{FaultConfig, Sandbox};
use serde::Serialize;

use crate::cli::{SandboxCommand, ServeArgs};
use crate::failure::UserError;

/// Runs a sandbox command.
pub(crate) async fn run(command: SandboxCommand) -> anyhow::Result<()> {
    match command {
        SandboxCommand::Serve(args) => serve(args).await,
    }
}

async fn serve(args: ServeArgs) -> anyhow::Result<()> {
    let mut builder = Sandbox::builder()
        .port(args.port)
        .seed_certificates(args.seed_certificates)
        .page_size(args.page_size)
        .rate_limit(args.rate_limit)
        .tls(args.tls)
        .faults(FaultConfig {
            rate: args.fault_rate,
            seed: args.fault_seed,
            latency: Duration::from_millis(args.latency_ms),
            drop_create_responses: args.drop_create_responses,
            ..FaultConfig::default()
        });
    if let Some(name) = &args.reject_type_filter {
        let certificate_type = CertificateType::from(name.as_str());
        if !certificate_type.is_known() {
            // A value the command line cannot use: the usage exit (2), as clap gives a bad option.
            return Err(UserError::usage(format!(
                "--reject-type-filter {name:?} is not a certificate type; expected one of: {}",
                CertificateType::KNOWN
                    .iter()
                    .map(CertificateType::as_str)
                    .collect::<Vec<_>>()
                    .join(", ")
            ))
            .into());
        }
        builder = builder.reject_type_filter(certificate_type);
    }
    let now = time::OffsetDateTime::now_utc();
    for (certificate_type, days) in &args.seed_certificate {
        builder = builder.seed_certificate(ascert_sandbox::SeededCertificate::new(
            certificate_type.clone(),
            now + time::Duration::days(*days),
        ));
    }
    if let Some(state) = &args.state {
        builder = builder.state_file(state);
    }
    let sandbox = builder.start().await.context("could not start the sandbox")?;
    let files = sandbox
        .api_key()
        .write_files(&args.key_out)
        .context("could not write the API key")?;
    let ca_pem = match sandbox.tls_ca_pem() {
        Some(pem) => {
            let path = args.key_out.join("ca.pem");
            // Atomically, replacing (never following) whatever is at the path; public, as a CA certificate is.
            ascert_keystore::write_atomic(&path, pem.as_bytes(), ascert_keystore::FileMode::Public)
                .with_context(|| format!("could not write {}", path.display()))?;
            Some(absolute(&path))
        }
        None => None,
    };
    announce(&Ready {
        api_key_json: absolute(&files.api_key_json_path),
        base_url: sandbox.base_url(),
        ca_pem,
        issuer_id: sandbox.issuer_id(),
        key_id: &sandbox.api_key().key_id,
        private_key_path: absolute(&files.private_key_path),
    });
    wait_for_signal().await?;
    sandbox.shutdown().await;
    Ok(())
}

/// The ready line: where the sandbox listens and where its API key is (never the key itself). Its
/// fields in the alphabetical order of their keys, the order the line has always had.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Ready<'a> {
    /// The API key as a JSON file (`--api-key` takes it).
    api_key_json: String,
    /// The sandbox's URL.
    base_url: &'a str,
    /// With `--tls`, the CA certificate to trust (`ASCERT_CA_CERT`); absent without.
    #[serde(skip_serializing_if = "Option::is_none")]
    ca_pem: Option<String>,
    /// The API key's issuer id.
    issuer_id: &'a str,
    /// The API key's id.
    key_id: &'a str,
    /// The API key's private key, an `AuthKey_<KEY_ID>.p8` file.
    private_key_path: String,
}

/// Prints the ready line, JSON on one line. A closed stdout is not an error: the reader may have
/// what it needed.
fn announce(ready: &Ready<'_>) {
    let mut stdout = std::io::stdout().lock();
    let line = serde_json::to_string(ready).expect("a line of strings always serializes");
    let _ = writeln!(stdout, "{line}");
    let _ = stdout.flush();
}

fn absolute(path: &Path) -> String {
    std::path::absolute(path)
        .unwrap_or_else(|_| path.to_path_buf())
        .display()
        .to_string()
}

/// Waits for SIGINT (Ctrl-C) or SIGTERM.
async fn wait_for_signal() -> anyhow::Result<()> {
    let mut terminate = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
        .context("could not listen for SIGTERM")?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result.context("could not listen for SIGINT")?,
        _ = terminate.recv() => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_ready_line_is_one_line_with_its_keys_in_order() {
        let ready = Ready {
            api_key_json: "/tmp/k/api-key.json".to_owned(),
            base_url: "http://127.0.0.1:4010",
            ca_pem: None,
            issuer_id: "69a6de7f-0000-47e3-e053-5b8c7c11a4d1",
            key_id: "2X9R4HXF34",
            private_key_path: "/tmp/k/AuthKey_2X9R4HXF34.p8".to_owned(),
        };
        assert_eq!(
            serde_json::to_string(&ready).unwrap(),
            r#"{"apiKeyJson":"/tmp/k/api-key.json","baseUrl":"http://127.0.0.1:4010","issuerId":"69a6de7f-0000-47e3-e053-5b8c7c11a4d1","keyId":"2X9R4HXF34","privateKeyPath":"/tmp/k/AuthKey_2X9R4HXF34.p8"}"#
        );
        let ready = Ready {
            ca_pem: Some("/tmp/k/ca.pem".to_owned()),
            ..ready
        };
        assert!(
            serde_json::to_string(&ready)
                .unwrap()
                .contains(r#""baseUrl":"http://127.0.0.1:4010","caPem":"/tmp/k/ca.pem","issuerId""#)
        );
    }
}
