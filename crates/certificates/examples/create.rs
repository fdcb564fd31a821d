//! Creates a certificate from a CSR and downloads it:
//!
//! ```sh
//! cargo run -p ascert-certificates --example create
//! cargo run -p ascert-certificates --example create -- --type DEVELOPMENT --csr my.csr --out my.cer
//! ```
//!
//! `--csr` names a PEM certificate signing request (made with `ascert keys new`, Keychain Access
//! or `openssl req`), `--type` is Apple's certificate type (`DEVELOPMENT` when omitted), and `--out`
//! saves the downloaded certificate (DER). Without an API key in the environment it asks an
//! in-process sandbox (see `common/mod.rs`), and without `--csr` it makes a throwaway key and CSR —
//! there only: a certificate Apple issues counts against your team's limit and is useless without
//! its key, so against Apple `--csr` is required.
#![allow(
    clippy::print_stdout,
    clippy::print_stderr,
    reason = "an example prints what it did"
)]

mod common;

use std::path::PathBuf;

use ascert_models::CertificateType;

/// The command line: `[--type TYPE] [--csr FILE] [--out FILE]`.
struct Args {
    certificate_type: CertificateType,
    csr: Option<PathBuf>,
    out: Option<PathBuf>,
}

fn args() -> Result<Args, String> {
    let mut args = Args {
        certificate_type: CertificateType::Development,
        csr: None,
        out: None,
    };
    let mut words = std::env::args().skip(1);
    while let Some(word) = words.next() {
        let mut value = || words.next().ok_or_else(|| format!("{word} needs a value"));
        match word.as_str() {
            "--type" => args.certificate_type = CertificateType::from(value()?.as_str()),
            "--csr" => args.csr = Some(value()?.into()),
            "--out" => args.out = Some(value()?.into()),
            other => {
                return Err(format!(
                    "unexpected {other:?}; usage: create [--type TYPE] [--csr FILE] [--out FILE]"
                ));
            }
        }
    }
    if !args.certificate_type.is_known() {
        return Err(format!("{} is not a certificate type", args.certificate_type));
    }
    Ok(args)
}

/// A CSR for a fresh RSA-2048 key that is thrown away: fine for the sandbox, useless for Apple.
fn throwaway_csr() -> Result<String, rcgen::Error> {
    let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)?;
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new())?;
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "ascert example");
    params.serialize_request(&key)?.pem()
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    common::exit(run().await)
}

async fn run() -> Result<(), Box<dyn std::error::Error>> {
    let args = args()?;
    let connection = common::connect().await?;
    let csr = match (&args.csr, &connection.sandbox) {
        (Some(path), _) => std::fs::read_to_string(path)?,
        (None, Some(_)) => throwaway_csr()?,
        (None, None) => {
            return Err("against Apple, name your CSR with --csr FILE (its key stays with you)".into());
        }
    };

    let created = connection.api.create(csr, args.certificate_type).send().await?;
    let der = connection.api.download(&created.id).await?;

    let attributes = &created.attributes;
    println!(
        "created {} {}",
        created.id,
        attributes.name.as_deref().unwrap_or("-")
    );
    println!(
        "  serial {}, expires {}",
        attributes.serial_number.as_deref().unwrap_or("-"),
        attributes
            .expiration_date
            .map_or_else(|| "-".to_owned(), |date| date.date().to_string()),
    );
    match &args.out {
        Some(path) => {
            std::fs::write(path, &der)?;
            println!("  downloaded {} bytes of DER to {}", der.len(), path.display());
        }
        None => println!("  downloaded {} bytes of DER (--out FILE saves them)", der.len()),
    }
    Ok(())
}
