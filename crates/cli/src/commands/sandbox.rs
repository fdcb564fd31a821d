//! `ascert sandbox serve`: the App Store Connect sandbox as a standalone server, announcing itself
//! with one JSON line on stdout and serving until SIGINT or SIGTERM.

use std::io::Write as _;
use std::path::Path;
use std::time::Duration;

use anyhow::Context as _;
use ascert_models::CertificateType;
use ascert_sandbox::{FaultConfig, Sandbox};

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
    let mut ready = serde_json::json!({
        "baseUrl": sandbox.base_url(),
        "keyId": sandbox.api_key().key_id,
        "issuerId": sandbox.issuer_id(),
        "privateKeyPath": absolute(&files.private_key_path),
        "apiKeyJson": absolute(&files.api_key_json_path),
    });
    if let Some(pem) = sandbox.tls_ca_pem() {
        let path = args.key_out.join("ca.pem");
        // Atomically, replacing (never following) whatever is at the path; public, as a CA certificate is.
        ascert_keystore::write_atomic(&path, pem.as_bytes(), ascert_keystore::FileMode::Public)
            .with_context(|| format!("could not write {}", path.display()))?;
        ready["caPem"] = serde_json::json!(absolute(&path));
    }
    announce(&ready);
    wait_for_signal().await?;
    sandbox.shutdown().await;
    Ok(())
}

/// Prints the ready line. A closed stdout is not an error: the reader may have what it needed.
fn announce(ready: &serde_json::Value) {
    let mut stdout = std::io::stdout().lock();
    let _ = writeln!(stdout, "{ready}");
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
