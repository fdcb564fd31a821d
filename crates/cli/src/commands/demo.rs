//! `ascert demo`: the whole job against an embedded sandbox, with no Apple account. It starts the
//! sandbox, shows the API key it made, creates a distribution identity with a new key, lists the
//! certificates, exports a .p12 into the current folder (its password shown: sandbox only), and
//! ends with what it did and the commands to run against Apple.

use std::fmt::Write as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_auth::{ApiKey, TokenProvider};
use ascert_certificates::CertificatesApi;
use ascert_keystore::{CertificateInfo, CsrSubject, Keystore, read_pkcs12};
use ascert_models::Certificate;
use ascert_sandbox::Sandbox;
use rand::distr::{Alphanumeric, SampleString as _};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::{DemoArgs, Pkcs12Args};
use crate::commands::Context;
use crate::commands::create::CreatedIdentity;
use crate::commands::flows::{self, Progress};
use crate::commands::pkcs12::{self, CaSources};
use crate::view;

/// What `demo --json` reports; its fields in the alphabetical order of their keys, the order the
/// report has always had. No `Debug`: it holds the .p12's password (a sandbox one, shown on
/// purpose, but a password all the same).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct DemoReport<'a> {
    /// The certificate the sandbox issued, its keys sorted.
    #[serde(serialize_with = "crate::output::sorted")]
    certificate: &'a Certificate,
    /// How many certificates the list found.
    certificates_listed: usize,
    /// The local key's id.
    key_id: &'a str,
    /// The .p12 written.
    p12: &'a Path,
    /// Its password (sandbox only).
    p12_password: &'a str,
}

pub(crate) async fn run(ctx: &Context, args: DemoArgs) -> Result<()> {
    let sandbox = Sandbox::builder()
        .seed_certificates(8)
        .start()
        .await
        .context("cannot start the sandbox")?;
    let key = sandbox.api_key();
    step(
        ctx,
        &format!(
            "1. Started an App Store Connect sandbox at {}\n   with an API key: key id {}, issuer id {} (ES256, in memory only)",
            sandbox.base_url(),
            key.key_id,
            key.issuer_id
        ),
    )?;

    let api_key = ApiKey::from_pem(&key.key_id, Some(&key.issuer_id), &key.private_key_pem)?;
    let api = CertificatesApi::new(ctx.client(sandbox.base_url(), TokenProvider::new(api_key))?);
    // The demo's key lives in a folder of its own, removed at the end: the .p12 carries it.
    let home = tempfile::tempdir().context("cannot make a temporary folder")?;
    let store = Keystore::open(home.path().join("keys"))?;

    let request = ascert_workflows::IdentityRequest::new(
        args.certificate_type.clone(),
        CsrSubject::new("ascert demo", "demo@example.com").with_country("US"),
        "ascert demo",
    );
    let created = ascert_workflows::create_identity(&api, &store, &request, &Progress::new(ctx)).await;
    let created = CreatedIdentity::new(created.map_err(flows::explain)?);
    step(
        ctx,
        &format!(
            "2. Generated an {} key (kept 0600 before the CSR left), sent its CSR, and got certificate\n   {}",
            ascert_keystore::KeyAlgorithm::for_certificate_type(&args.certificate_type),
            view::describe(&created.certificate)
        ),
    )?;

    let all = api.list().limit(200)?.all().await?;
    let now = OffsetDateTime::now_utc();
    step(
        ctx,
        &format!("3. Listed every certificate of the team ({}):", all.len()),
    )?;
    if !ctx.out.json {
        ctx.out.table(&view::certificate_table(&all, now))?;
    }

    let password = zeroize::Zeroizing::new(Alphanumeric.sample_string(&mut rand::rng(), 20));
    let path = args.out_dir.join("ascert-demo.p12");
    // The sandbox issues each type under its own intermediate, as Apple does.
    let issuing = sandbox
        .intermediate_for(&args.certificate_type)
        .context("cannot make the sandbox's intermediate")?;
    let intermediate = CertificateInfo::from_der(&issuing.der)?;
    let ca_dir = home.path().join("ca");
    std::fs::create_dir_all(&ca_dir)?;
    std::fs::write(ca_dir.join("sandbox-intermediate.pem"), &issuing.pem)?;
    let sources = CaSources {
        ca_dir: Some(ca_dir),
        cache: None,
        // The sandbox's CA carries Apple-like names; trust exactly this one.
        extra_pins: vec![intermediate.sha256_hex()],
    };
    std::fs::create_dir_all(&args.out_dir)
        .with_context(|| format!("cannot create {}", args.out_dir.display()))?;
    pkcs12::export(
        &store,
        &created.key,
        &created.leaf,
        &path,
        &password,
        &Pkcs12Args::default(),
        &sources,
    )?;
    let contents = read_pkcs12(&std::fs::read(&path)?, &password)?;
    step(
        ctx,
        &format!(
            "4. Exported {} (0600): key, certificate and intermediate, 3DES/SHA-1 as macOS imports it.\n   \
         Its password (sandbox only; never shown for real identities): {}\n   \
         Read back: the key and {} certificates; the key matches the certificate: {}",
            path.display(),
            password.as_str(),
            contents.certificates.len(),
            contents.key.id() == created.leaf.key_id()
        ),
    )?;
    sandbox.shutdown().await;

    if ctx.out.json {
        return ctx.out.json(&DemoReport {
            certificate: &created.certificate,
            certificates_listed: all.len(),
            key_id: &created.key_id,
            p12: &path,
            p12_password: password.as_str(),
        });
    }
    ctx.out.text(&next_steps())
}

/// What to run against Apple once the demo has shown the way.
fn next_steps() -> String {
    let mut next = String::new();
    let _ = writeln!(
        next,
        "\nDone. Against Apple, with your own API key (App Store Connect → Users and Access → Integrations):"
    );
    let _ = writeln!(
        next,
        "  export ASC_KEY_ID=XXXXXXXXXX ASC_ISSUER_ID=<issuer uuid> ASC_PRIVATE_KEY_PATH=~/AuthKey_XXXXXXXXXX.p8"
    );
    let _ = writeln!(next, "  ascert auth status");
    let _ = writeln!(next, "  ascert certificates list --type DISTRIBUTION");
    let _ = writeln!(
        next,
        "  export ASCERT_P12_PASSWORD=...   # the .p12 password, never on the command line"
    );
    let _ = writeln!(
        next,
        "  ascert certificates create --type DISTRIBUTION --common-name \"Your Name\" --email you@example.com --p12 dist.p12"
    );
    let _ = writeln!(next, "  ascert identities list");
    next
}

/// Prints one step of the demo (on stdout: the narrative is the demo's output), unless `--json`.
fn step(ctx: &Context, text: &str) -> Result<()> {
    if ctx.out.json {
        return Ok(());
    }
    ctx.out.text(&format!("{text}\n"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn demo_report_keys_in_order() {
        let certificate: Certificate =
            serde_json::from_str(r#"{"type":"certificates","id":"A1B2C3D4E5","attributes":{"name":"Demo"}}"#)
                .unwrap();
        let report = DemoReport {
            certificate: &certificate,
            certificates_listed: 9,
            key_id: "5f2a",
            p12: Path::new("./ascert-demo.p12"),
            p12_password: "sandboxonly",
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "certificate": {
    "attributes": {
      "name": "Demo"
    },
    "id": "A1B2C3D4E5",
    "type": "certificates"
  },
  "certificatesListed": 9,
  "keyId": "5f2a",
  "p12": "./ascert-demo.p12",
  "p12Password": "sandboxonly"
}"#
        );
    }
}
