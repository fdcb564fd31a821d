//! `cargo xtask keychain-identity DIR`: a code-signing identity made by the sandbox, for the macOS
//! keychain tests (crates/keychain/tests/macos.rs).
//!
//! ascert-keychain's tests must build for macOS without C code, so they cannot link the sandbox
//! (aws-lc-sys); they run this task instead, which does what a user does against Apple: an RSA key
//! and CSR (ascert-keystore), a DEVELOPMENT certificate created and downloaded
//! (ascert-certificates against an in-process sandbox), and the very .p12 `ascert identities
//! install` imports (`ascert_keystore::keychain_bundle`: key and leaf). It writes into DIR:
//! `identity.p12`, `password.txt` (the .p12's password, a test value), `leaf.der`,
//! `intermediate.der` (the sandbox's WWDR G3 stand-in, which issued the leaf and which the install
//! adds on its own), `root.pem` (the sandbox root: not trusted by the Mac, which is what the tests
//! show codesign with), `name.txt` (the leaf's common name) and `authorities.txt` (the common names
//! of leaf, intermediate and root, one a line: the `Authority=` lines of `codesign -dvv`).

use std::path::Path;

use anyhow::{Context as _, Result, bail};
use ascert_auth::{ApiKey, TokenProvider};
use ascert_certificates::CertificatesApi;
use ascert_keystore::{
    CertificateInfo, CsrSubject, FileMode, PrivateKey, create_csr, keychain_bundle, write_atomic,
};
use ascert_models::CertificateType;
use ascert_sandbox::Sandbox;
use ascert_transport::Client;

/// `cargo xtask keychain-identity DIR`.
///
/// # Errors
/// When DIR is missing from the arguments, or the sandbox, a request or a file write fails.
pub(crate) fn run(args: &[String]) -> Result<()> {
    let [dir] = args else {
        bail!("usage: cargo xtask keychain-identity DIR");
    };
    let dir = Path::new(dir);
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(make(dir))
}

async fn make(dir: &Path) -> Result<()> {
    let sandbox = Sandbox::builder().start().await?;
    let sandbox_key = sandbox.api_key();
    let key = ApiKey::from_pem(
        &sandbox_key.key_id,
        Some(&sandbox_key.issuer_id),
        &sandbox_key.private_key_pem,
    )?;
    let api = CertificatesApi::new(
        Client::builder(TokenProvider::new(key))
            .base_url(sandbox.base_url())
            .build()?,
    );

    let private_key = PrivateKey::generate_rsa_2048()?;
    let csr = create_csr(
        &private_key,
        &CsrSubject::new("ascert keychain test", "keychain-test@example.com"),
    )?;
    let created = api
        .create(csr.pem(), CertificateType::Development)
        .send()
        .await
        .context("the sandbox refused the certificate")?;
    let leaf = CertificateInfo::from_der(&api.download(&created.id).await?)?;
    let ca = sandbox.ca_certificates()?;
    let issuing = ca
        .issuer_of(&CertificateType::Development)
        .context("the sandbox has no intermediate for development certificates")?;
    let intermediate = CertificateInfo::from_der(&issuing.der)?;
    // A test value, written beside the bundle for the test to read: nothing real is protected.
    let password = format!("keychain-test-{}", std::process::id());
    // Exactly the bundle `ascert identities install` hands to `security import` (key and leaf; the
    // intermediate goes in on its own), so the Mac proves what users run.
    let p12 = keychain_bundle(&private_key, &leaf, &password)?;
    // The intermediate must be the leaf's issuer, as the CLI checks before installing.
    leaf.verify_issued_by(&intermediate)?;
    let name = leaf
        .common_name()
        .context("the sandbox's certificate has no common name")?
        .to_owned();
    let root = CertificateInfo::from_der(&ca.root_der)?;
    let authorities = [&leaf, &intermediate, &root]
        .iter()
        .map(|c| {
            c.common_name()
                .context("a certificate of the sandbox's chain has no common name")
        })
        .collect::<Result<Vec<_>>>()?
        .join("\n");

    write_atomic(&dir.join("identity.p12"), &p12, FileMode::Secret)?;
    write_atomic(&dir.join("password.txt"), password.as_bytes(), FileMode::Secret)?;
    write_atomic(&dir.join("leaf.der"), leaf.der(), FileMode::Public)?;
    write_atomic(&dir.join("intermediate.der"), &issuing.der, FileMode::Public)?;
    write_atomic(&dir.join("root.pem"), ca.root_pem.as_bytes(), FileMode::Public)?;
    write_atomic(&dir.join("name.txt"), name.as_bytes(), FileMode::Public)?;
    write_atomic(
        &dir.join("authorities.txt"),
        authorities.as_bytes(),
        FileMode::Public,
    )?;
    sandbox.shutdown().await;
    Ok(())
}
