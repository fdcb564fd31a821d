//! Exporting an identity — a certificate, its local key and the issuing intermediate — as a PKCS#12
//! bundle: shared by `certificates create --p12`, `identities export` and `demo`.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_keystore::{
    CertificateInfo, FoundIntermediate, IntermediateFinder, KeyId, Keystore, MAX_CERTIFICATE_FILE,
    Pkcs12Options, export_pkcs12, read_pkcs12,
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

/// The largest CA certificate downloaded: Apple's are under 2 KiB.
const MAX_CA_CERTIFICATE: usize = 64 * 1024;

/// Downloads a CA certificate (public data) from an AIA URL, from inside the async runtime.
///
/// Integrity does not rest on the download (the certificate is checked by signature and Apple's
/// pins); availability does: no redirect is followed, and the body is cut off past
/// [`MAX_CA_CERTIFICATE`], so a hostile or broken server can neither send ascert elsewhere nor fill
/// its memory.
fn download(url: &str) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let url = url.to_owned();
    tokio::task::block_in_place(|| {
        tokio::runtime::Handle::current().block_on(download_capped(&url, MAX_CA_CERTIFICATE))
    })
}

async fn download_capped(url: &str, max: usize) -> Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
    let client = reqwest::Client::builder()
        .user_agent(concat!("ascert/", env!("CARGO_PKG_VERSION")))
        .timeout(std::time::Duration::from_secs(20))
        .redirect(reqwest::redirect::Policy::none())
        .build()?;
    let mut response = client.get(url).send().await?;
    if response.status().is_redirection() {
        return Err(format!(
            "the server answered {} (a redirect), and ascert follows none for CA certificates",
            response.status()
        )
        .into());
    }
    response = response.error_for_status()?;
    let too_large = || {
        format!(
            "the server sent more than {} KiB, far more than a CA certificate",
            max / 1024
        )
    };
    if response.content_length().is_some_and(|len| len > max as u64) {
        return Err(too_large().into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > max {
            return Err(too_large().into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
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

/// For `identities ensure --p12 FILE` without `--force`, with FILE already there: the certificate of
/// the identity in it, when FILE is what an earlier run wrote — a regular .p12 file that `password`
/// opens, whose key is in this keystore with that very certificate recorded beside it, so that
/// rewriting it loses nothing the keystore does not keep. Anything else is refused as before, and
/// nothing of it is shown (a password that does not open a file says nothing about the file).
///
/// The caller still checks, once it knows the identity it ensures, that the file's certificate is
/// that identity's or an earlier one of its type ([`is_rewritable`]).
pub(crate) fn earlier_export(path: &Path, password: &str, store: &Keystore) -> Result<CertificateInfo> {
    let refuse = |why: &str| -> anyhow::Error {
        UserError::usage(format!(
            "{} already exists, and {why}",
            crate::redact::shown_path(path)
        ))
        .hint(
            "`identities ensure` rewrites a .p12 only when it holds an identity of this keystore and the .p12 \
             password opens it; pass --force to replace it anyway, or choose another name",
        )
        .into()
    };
    let regular = std::fs::symlink_metadata(path).is_ok_and(|m| m.file_type().is_file());
    let small = std::fs::metadata(path).is_ok_and(|m| m.len() <= MAX_CERTIFICATE_FILE as u64);
    if !regular || !small {
        return Err(refuse(
            "is not a .p12 file (a folder, a link or something larger)",
        ));
    }
    let bytes = crate::input::read(path, crate::input::Input::Pkcs12)
        .map_err(|err| err.explained(&crate::redact::shown_path(path)))?;
    let Ok(contents) = read_pkcs12(&bytes, password) else {
        return Err(refuse("the .p12 password does not open it as a .p12"));
    };
    let key_id = contents.key.id();
    let recorded = store.certificate(&key_id).ok().flatten();
    match contents.certificates.into_iter().next() {
        Some(leaf) if recorded.as_ref().is_some_and(|r| r.der() == leaf.der()) => Ok(leaf),
        _ => Err(refuse(
            "it holds an identity whose key and certificate are not in the local keystore",
        )),
    }
}

/// Whether a .p12 holding `earlier` may be rewritten with the identity of `now`: it is the same
/// certificate, or one of `listed` (the certificates of the type the run ensures: a renewal
/// replaces the identity of an earlier certificate).
pub(crate) fn is_rewritable(
    earlier: &CertificateInfo,
    now: &CertificateInfo,
    listed: &[ascert_models::Certificate],
) -> bool {
    earlier.der() == now.der()
        || listed
            .iter()
            .any(|c| c.content_der().is_ok_and(|der| der == earlier.der()))
}

#[cfg(test)]
mod tests {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};

    use super::*;

    /// Serves one HTTP answer, `head` then `body_len` bytes, to every connection.
    async fn serve(head: &'static str, body_len: usize) -> String {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move {
            while let Ok((mut socket, _)) = listener.accept().await {
                let mut request = [0u8; 1024];
                let _ = socket.read(&mut request).await;
                let _ = socket.write_all(head.as_bytes()).await;
                let _ = socket.write_all(&vec![b'x'; body_len]).await;
            }
        });
        format!("http://{addr}/ca.der")
    }

    #[tokio::test]
    async fn redirects_are_not_followed() {
        let url = serve(
            "HTTP/1.1 302 Found\r\nLocation: http://example.invalid/\r\nContent-Length: 0\r\n\r\n",
            0,
        )
        .await;
        let err = download_capped(&url, 1024).await.unwrap_err();
        assert!(err.to_string().contains("302 Found"), "{err}");
    }

    #[tokio::test]
    async fn a_body_past_the_cap_is_refused_with_or_without_a_length() {
        let url = serve("HTTP/1.1 200 OK\r\nContent-Length: 5000\r\n\r\n", 5000).await;
        let err = download_capped(&url, 1024).await.unwrap_err();
        assert!(err.to_string().contains("more than 1 KiB"), "{err}");
        let url = serve("HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n", 5000).await;
        let err = download_capped(&url, 1024).await.unwrap_err();
        assert!(err.to_string().contains("more than 1 KiB"), "{err}");
        let url = serve("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\n", 10).await;
        assert_eq!(download_capped(&url, 1024).await.unwrap(), vec![b'x'; 10]);
    }
}
