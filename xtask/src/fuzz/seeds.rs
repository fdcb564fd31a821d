//! The seed inputs of each fuzz target: real documents, keys, certificates and bundles made by
//! ascert's own crates against an in-process sandbox, so even a short run starts from inputs that
//! reach deep into the parsers instead of from nothing.
//!
//! Seeds are written into `fuzz/corpus/<target>/seed-*` when that folder is empty or missing, never
//! over what earlier runs found. They hold throwaway keys made for the run; each file is 0600 anyway.

use std::path::Path;

use anyhow::{Context as _, Result, ensure};
use ascert_auth::{ApiKey, TokenProvider, TokenSource as _};
use ascert_certificates::CertificatesApi;
use ascert_keystore::{
    CertificateInfo, CsrSubject, FileMode, Pkcs12Options, PrivateKey, build_pkcs12, create_csr, write_atomic,
};
use ascert_models::CertificateType;
use ascert_sandbox::Sandbox;
use ascert_transport::Client;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::header::ACCEPT;

use super::TARGETS;

/// The password of the seed bundles; `pkcs12_read` tries it, and the empty one.
const P12_PASSWORD: &str = "correct horse";
/// The passphrase of the encrypted seed key; `keystore_parse` tries it.
const KEY_PASSPHRASE: &str = "passphrase";

/// One seed: the target it feeds, a file name and its bytes.
type Seed = (&'static str, &'static str, Vec<u8>);

/// Writes the seeds of every target whose corpus folder under `corpus_root` is empty or missing.
/// Returns how many seed files it wrote.
///
/// # Errors
/// When the sandbox, a key, a certificate or a file cannot be made.
pub(crate) fn ensure(corpus_root: &Path) -> Result<usize> {
    let empty: Vec<&str> = TARGETS
        .iter()
        .copied()
        .filter(|target| is_empty(&corpus_root.join(target)))
        .collect();
    if empty.is_empty() {
        return Ok(0);
    }
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let seeds = runtime.block_on(make())?;
    for target in &empty {
        std::fs::create_dir_all(corpus_root.join(target))
            .with_context(|| format!("cannot create the corpus of {target}"))?;
    }
    let mut written = 0;
    for (target, name, bytes) in seeds {
        if !empty.contains(&target) {
            continue;
        }
        let path = corpus_root.join(target).join(format!("seed-{name}"));
        write_atomic(&path, &bytes, FileMode::Secret)
            .with_context(|| format!("cannot write {}", path.display()))?;
        written += 1;
    }
    Ok(written)
}

fn is_empty(folder: &Path) -> bool {
    std::fs::read_dir(folder).map_or(true, |mut entries| entries.next().is_none())
}

/// Makes every target's seeds from one sandbox.
async fn make() -> Result<Vec<Seed>> {
    let sandbox = Sandbox::builder()
        .seed_certificates(3)
        .page_size(2)
        .start()
        .await?;
    let result = make_with(&sandbox).await;
    sandbox.shutdown().await;
    result
}

async fn make_with(sandbox: &Sandbox) -> Result<Vec<Seed>> {
    let sandbox_key = sandbox.api_key();
    let api_key = ApiKey::from_pem(
        &sandbox_key.key_id,
        Some(&sandbox_key.issuer_id),
        &sandbox_key.private_key_pem,
    )
    .context("the sandbox's API key does not load")?;
    let tokens = std::sync::Arc::new(TokenProvider::new(api_key));
    let api = CertificatesApi::new(
        Client::builder_shared(tokens.clone())
            .base_url(sandbox.base_url())
            .build()?,
    );

    // A key, its CSR and the certificate the sandbox issues for it.
    let key = PrivateKey::generate_rsa_2048()?;
    let csr = create_csr(&key, &CsrSubject::new("ascert fuzz seed", "fuzz@example.com"))?;
    let certificate = api.create(csr.pem(), CertificateType::Development).send().await?;
    let leaf = CertificateInfo::from_model(&certificate)?;
    let intermediate =
        CertificateInfo::from_der(&sandbox.intermediate_for(&CertificateType::Development)?.der)?;

    let token = tokens.token()?;
    let [list, one, not_found, bad_filter] = documents(sandbox, token.expose(), &certificate.id).await?;
    let base = sandbox.base_url().trim_end_matches('/');

    let p8 = sandbox_key.private_key_pem.as_bytes().to_vec();
    let p8_der = pem_body(&sandbox_key.private_key_pem)?;
    let rcodesign = serde_json::json!({
        "issuer_id": sandbox_key.issuer_id,
        "key_id": sandbox_key.key_id,
        "private_key": STANDARD.encode(&p8_der),
    });
    let next = serde_json::from_slice::<serde_json::Value>(&list)?["links"]["next"]
        .as_str()
        .context("the seed list has no next link")?
        .replace(base, "https://api.appstoreconnect.apple.com");

    Ok(vec![
        ("models_json", "list.json", list),
        ("models_json", "get.json", one),
        ("models_json", "error-404.json", not_found),
        ("models_json", "error-400.json", bad_filter),
        ("keystore_parse", "key.der", key.pkcs8_der().to_vec()),
        (
            "keystore_parse",
            "key.pem",
            key.to_pkcs8_pem().as_bytes().to_vec(),
        ),
        ("keystore_parse", "key-encrypted.pem", encrypted_pem(&key)?),
        ("keystore_parse", "leaf.der", leaf.der().to_vec()),
        ("keystore_parse", "leaf.pem", leaf.to_pem().into_bytes()),
        ("keystore_parse", "intermediate.der", intermediate.der().to_vec()),
        ("auth_keys", "AuthKey.p8", p8.clone()),
        ("auth_keys", "AuthKey.der", p8_der),
        (
            "auth_keys",
            "AuthKey.p8.base64",
            STANDARD.encode(&p8).into_bytes(),
        ),
        (
            "auth_keys",
            "fastlane.json",
            sandbox_key.fastlane_json().as_bytes().to_vec(),
        ),
        ("auth_keys", "rcodesign.json", rcodesign.to_string().into_bytes()),
        (
            "pkcs12_read",
            "compatible.p12",
            build_pkcs12(
                &key,
                &leaf,
                std::slice::from_ref(&intermediate),
                P12_PASSWORD,
                Pkcs12Options::compatible(),
            )?
            .to_vec(),
        ),
        (
            "pkcs12_read",
            "modern.p12",
            build_pkcs12(&key, &leaf, &[], P12_PASSWORD, Pkcs12Options::modern())?.to_vec(),
        ),
        (
            "transport_headers",
            "rate-limit.txt",
            b"user-hour-lim:3600;user-hour-rem:3599;".to_vec(),
        ),
        ("transport_headers", "next-link.txt", next.into_bytes()),
    ])
}

/// The JSON documents exactly as the sandbox sends them: a list page with a next link, one
/// certificate, a 404 and a 400.
async fn documents(sandbox: &Sandbox, token: &str, id: &str) -> Result<[Vec<u8>; 4]> {
    let base = sandbox.base_url().trim_end_matches('/');
    let http = reqwest::Client::new();
    let get = |path: String| {
        let request = http
            .get(format!("{base}/{path}"))
            .bearer_auth(token)
            .header(ACCEPT, "application/json");
        async move { anyhow::Ok(request.send().await?.bytes().await?.to_vec()) }
    };
    let list = get("v1/certificates?limit=2".to_owned()).await?;
    ensure!(
        String::from_utf8_lossy(&list).contains("\"next\""),
        "the seed list has no next link"
    );
    Ok([
        list,
        get(format!("v1/certificates/{id}")).await?,
        get("v1/certificates/NOSUCHID".to_owned()).await?,
        get("v1/certificates?filter[certificateType]=NOT_A_TYPE".to_owned()).await?,
    ])
}

/// `key` as an encrypted PEM with [`KEY_PASSPHRASE`], the way `openssl pkcs8 -topk8 -v2 aes-256-cbc`
/// writes it (2,048 PBKDF2 iterations): the keystore's own 600,000 would make each execution that
/// reaches the decryption 300 times slower.
fn encrypted_pem(key: &PrivateKey) -> Result<Vec<u8>> {
    use pkcs8::pkcs5::pbes2::Parameters;
    let params = Parameters::generate_pbkdf2_sha256_aes256cbc(2048, &[7; 16], [9; 16])
        .map_err(|e| anyhow::anyhow!("PBES2 parameters: {e}"))?;
    let document = pkcs8::PrivateKeyInfoRef::try_from(key.pkcs8_der())
        .and_then(|info| info.encrypt_with_params(params, KEY_PASSPHRASE))
        .map_err(|e| anyhow::anyhow!("encrypting the seed key: {e}"))?;
    Ok(pem::encode(&pem::Pem::new(
        "ENCRYPTED PRIVATE KEY",
        document.as_bytes().to_vec(),
    ))
    .into_bytes())
}

/// The DER inside a PEM text: the base64 between its BEGIN and END lines.
fn pem_body(pem: &str) -> Result<Vec<u8>> {
    let body: String = pem.lines().filter(|line| !line.starts_with("-----")).collect();
    Ok(STANDARD.decode(body.trim())?)
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn every_target_gets_seeds_once_and_they_parse() {
        let dir = tempfile::tempdir().unwrap();
        let written = ensure(dir.path()).unwrap();
        assert_eq!(written, 19);
        for target in TARGETS {
            let seeds: Vec<_> = std::fs::read_dir(dir.path().join(target)).unwrap().collect();
            assert!(seeds.len() >= 2, "{target} has {} seeds", seeds.len());
            for seed in seeds {
                let mode = seed.unwrap().metadata().unwrap().permissions().mode();
                assert_eq!(mode & 0o777, 0o600);
            }
        }
        // What earlier runs found is never overwritten: a second call writes nothing.
        assert_eq!(ensure(dir.path()).unwrap(), 0);

        // The seeds are what their parsers accept, so the runs start deep inside them.
        let read = |target: &str, name: &str| std::fs::read(dir.path().join(target).join(name)).unwrap();
        let text = |target: &str, name: &str| String::from_utf8(read(target, name)).unwrap();
        serde_json::from_slice::<ascert_models::CertificatesResponse>(&read("models_json", "seed-list.json"))
            .unwrap();
        serde_json::from_slice::<ascert_models::ErrorResponse>(&read("models_json", "seed-error-404.json"))
            .unwrap();
        let key = PrivateKey::from_pem_with_passphrase(
            &text("keystore_parse", "seed-key-encrypted.pem"),
            KEY_PASSPHRASE,
        )
        .unwrap();
        assert_eq!(key.pkcs8_der(), &read("keystore_parse", "seed-key.der")[..]);
        ApiKey::from_rcodesign_json(&text("auth_keys", "seed-rcodesign.json")).unwrap();
        ApiKey::from_fastlane_json(&text("auth_keys", "seed-fastlane.json")).unwrap();
        ascert_keystore::read_pkcs12(&read("pkcs12_read", "seed-modern.p12"), P12_PASSWORD).unwrap();
        assert!(
            text("transport_headers", "seed-next-link.txt")
                .starts_with("https://api.appstoreconnect.apple.com/v1/certificates?")
        );
    }
}
