//! Exporting an identity — a certificate, its local key and the issuing intermediate — as a PKCS#12
//! bundle: shared by `certificates create --p12`, `identities export` and `demo`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_keystore::{
    CertificateInfo, FoundIntermediate, IntermediateFinder, KeyId, Keystore, Pkcs12Options, export_pkcs12,
};

use crate::cli::Pkcs12Args;
use crate::failure::{Exit, UserError};

/// Where to look for the issuing intermediate.
#[derive(Debug, Clone, Default)]
pub(crate) struct CaSources {
    /// A folder the user named.
    pub(crate) ca_dir: Option<PathBuf>,
    /// The local cache of downloaded intermediates.
    pub(crate) cache: Option<PathBuf>,
    /// SHA-256 fingerprints of CAs with Apple-like names to accept (the sandbox's).
    pub(crate) extra_pins: Vec<String>,
}

/// Finds the intermediate that issued `leaf`: the CA folder, the cache, then the leaf's AIA URL.
pub(crate) fn find_intermediate(leaf: &CertificateInfo, sources: &CaSources) -> Result<FoundIntermediate> {
    let fetch = |url: &str| -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> { download(url) };
    let mut finder = IntermediateFinder::new().fetcher(&fetch);
    if let Some(dir) = &sources.ca_dir {
        finder = finder.ca_folder(dir);
    }
    if let Some(cache) = &sources.cache {
        finder = finder.cache_folder(cache);
    }
    for pin in &sources.extra_pins {
        finder = finder.trust_apple_named(pin);
    }
    finder.find(leaf).context("cannot find the intermediate CA that issued the certificate").map_err(|err| {
        err.context(
            UserError::new(Exit::Failure, "the .p12 needs the issuing intermediate certificate").hint(
                "download it from https://www.apple.com/certificateauthority/ into a folder and pass --ca-dir DIR",
            ),
        )
    })
}

/// Downloads a CA certificate (public data) from an AIA URL, from inside the async runtime.
fn download(url: &str) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let url = url.to_owned();
    tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(async move {
            let client = reqwest::Client::builder()
                .user_agent(concat!("ascert/", env!("CARGO_PKG_VERSION")))
                .timeout(std::time::Duration::from_secs(20))
                .build()?;
            let response = client.get(&url).send().await?.error_for_status()?;
            Ok(response.bytes().await?.to_vec())
        })
    })
}

/// Writes the identity of `key_id` and `leaf` (with the intermediate) to `path`, 0600.
pub(crate) fn export(
    store: &Keystore,
    key_id: &KeyId,
    leaf: &CertificateInfo,
    path: &Path,
    password: &str,
    args: &Pkcs12Args,
    sources: &CaSources,
) -> Result<FoundIntermediate> {
    let key = store.load_key(key_id)?;
    let intermediate = find_intermediate(leaf, sources)?;
    let options = if args.modern {
        Pkcs12Options::modern()
    } else {
        Pkcs12Options::compatible()
    };
    export_pkcs12(
        path,
        &key,
        leaf,
        std::slice::from_ref(&intermediate.certificate),
        password,
        options,
    )
    .with_context(|| format!("cannot write {}", path.display()))?;
    Ok(intermediate)
}
