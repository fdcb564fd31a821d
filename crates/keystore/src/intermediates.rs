//! Finding the intermediate CA certificate that issued a leaf: by the leaf's issuer name and
//! authority key id, in the caller's CA folders, then a local cache, then by downloading the
//! leaf's AIA caIssuers URL through a caller-supplied [`IssuerFetcher`] (this crate does no HTTP).
//!
//! Every candidate must have signed the leaf. A candidate whose subject says "O=Apple Inc." must
//! also be one of Apple's published CA certificates, pinned here by SHA-256, so a look-alike
//! cannot be slipped into a bundle that macOS will then show as Apple-issued.

use std::fs;
use std::path::{Path, PathBuf};

use crate::atomic::{FileMode, ensure_folder, is_temp_name, write_atomic};
use crate::bounded::{MAX_CERTIFICATE_FILE, read_regular_file};
use crate::cert::{CertificateInfo, pem_certificates};
use crate::error::{KeystoreError, Result};

/// Apple's CA certificates (as published at apple.com/certificateauthority), by upper-case
/// SHA-256 fingerprint of their DER: the WWDR intermediates original and G2–G8, Developer ID
/// original and G2, and the two roots that issue them.
pub const APPLE_CA_SHA256: &[(&str, &str)] = &[
    (
        "Apple Root CA",
        "B0B1730ECBC7FF4505142C49F1295E6EDA6BCAED7E2C68C5BE91B5A11001F024",
    ),
    (
        "Apple Root CA - G3",
        "63343ABFB89A6A03EBB57E9B3F5FA7BE7C4F5C756F3017B3A8C488C3653E9179",
    ),
    (
        "Apple WWDR CA (original, expired 2023)",
        "CE057691D730F89CA25E916F7335F4C8A15713DCD273A658C024023F8EB809C2",
    ),
    (
        "Apple WWDR CA - G2",
        "9ED4B3B88C6A339CF1387895BDA9CA6EA31A6B5CE9EDF7511845923B0C8AC94C",
    ),
    (
        "Apple WWDR CA - G3",
        "DCF21878C77F4198E4B4614F03D696D89C66C66008D4244E1B99161AAC91601F",
    ),
    (
        "Apple WWDR CA - G4",
        "EA4757885538DD8CB59FF4556F676087D83C85E70902C122E42C0808B5BCE14C",
    ),
    (
        "Apple WWDR CA - G5",
        "53FD008278E5A595FE1E908AE9C5E5675F26243264A5A6438C023E3CE2870760",
    ),
    (
        "Apple WWDR CA - G6",
        "BDD4ED6E74691F0C2BFD01BE0296197AF1379E0418E2D300EFA9C3BEF642CA30",
    ),
    (
        "Apple WWDR CA - G7 (expired 2023)",
        "0F570D7502373A2102E2106FAAA8FA4844944A07EE676198484F4D6CE15BEA47",
    ),
    (
        "Apple WWDR CA - G8 (expired 2025)",
        "29901BADEA37C9F300CE9869956BEEB001D7E71BFFB2E2D9533E132A4E87E6BD",
    ),
    (
        "Developer ID CA",
        "7AFC9D01A62F03A2DE9637936D4AFE68090D2DE18D03F29C88CFB0B1BA63587F",
    ),
    (
        "Developer ID CA - G2",
        "F16CD3C54C7F83CEA4BF1A3E6A0819C8AAA8E4A1528FD144715F350643D2DF3A",
    ),
];

/// The name of the pinned Apple CA with this SHA-256 fingerprint (hex, any case), if it is one.
pub fn apple_ca_name(sha256_hex: &str) -> Option<&'static str> {
    APPLE_CA_SHA256
        .iter()
        .find(|(_, pin)| pin.eq_ignore_ascii_case(sha256_hex))
        .map(|(name, _)| *name)
}

/// Downloads a certificate from an AIA caIssuers URL (Apple's are `http://certs.apple.com/…`).
///
/// Implemented for closures `Fn(&str) -> Result<Vec<u8>, Box<dyn Error + Send + Sync>>`, so the
/// HTTP crate of the caller's choice can be plugged in.
pub trait IssuerFetcher {
    /// The body at `url` (DER or PEM).
    ///
    /// # Errors
    ///
    /// Whatever the download's failure is; it is reported with the URL.
    fn fetch(&self, url: &str) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>;
}

impl<F> IssuerFetcher for F
where
    F: Fn(&str) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>>,
{
    fn fetch(&self, url: &str) -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
        self(url)
    }
}

/// Where an intermediate was found.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum IntermediateSource {
    /// In a CA folder the caller named: the file.
    CaFolder(PathBuf),
    /// In the local cache: the file.
    Cache(PathBuf),
    /// Downloaded from this AIA URL (and cached if a cache folder is set).
    Downloaded(String),
}

/// An intermediate that issued a leaf.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct FoundIntermediate {
    /// The intermediate certificate.
    pub certificate: CertificateInfo,
    /// Where it came from.
    pub source: IntermediateSource,
    /// Its name among Apple's pinned CAs, when it is one.
    pub apple_name: Option<&'static str>,
}

/// Looks for the intermediate that issued a leaf.
///
/// ```no_run
/// use ascert_keystore::{CertificateInfo, IntermediateFinder};
/// # fn f(leaf: CertificateInfo) -> ascert_keystore::Result<()> {
/// let found = IntermediateFinder::new()
///     .ca_folder("/Users/jane/Apple CAs")
///     .cache_folder(IntermediateFinder::default_cache_folder()?)
///     .find(&leaf)?;
/// println!("issued by {}", found.certificate.subject());
/// # Ok(()) }
/// ```
#[derive(Default)]
pub struct IntermediateFinder<'f> {
    ca_folders: Vec<PathBuf>,
    cache_folder: Option<PathBuf>,
    fetcher: Option<&'f dyn IssuerFetcher>,
    extra_pins: Vec<String>,
}

impl std::fmt::Debug for IntermediateFinder<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("IntermediateFinder")
            .field("ca_folders", &self.ca_folders)
            .field("cache_folder", &self.cache_folder)
            .field("downloads", &self.fetcher.is_some())
            .finish_non_exhaustive()
    }
}

impl<'f> IntermediateFinder<'f> {
    /// A finder with no folders and no downloads.
    pub fn new() -> Self {
        Self::default()
    }

    /// `$ASCERT_HOME/ca-cache`, else `ca-cache` in the platform's data folder.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::NoHomeFolder`] if neither exists.
    pub fn default_cache_folder() -> Result<PathBuf> {
        let keys = crate::Keystore::default_folder()?;
        Ok(keys
            .parent()
            .map_or_else(|| PathBuf::from("ca-cache"), |home| home.join("ca-cache")))
    }

    /// Also search this folder (files ending .cer, .crt, .der or .pem; PEM may hold several).
    #[must_use]
    pub fn ca_folder(mut self, folder: impl Into<PathBuf>) -> Self {
        self.ca_folders.push(folder.into());
        self
    }

    /// Search this cache folder after the CA folders, and save downloads into it.
    #[must_use]
    pub fn cache_folder(mut self, folder: impl Into<PathBuf>) -> Self {
        self.cache_folder = Some(folder.into());
        self
    }

    /// Download from the leaf's AIA caIssuers URL when no folder has the intermediate.
    #[must_use]
    pub fn fetcher(mut self, fetcher: &'f dyn IssuerFetcher) -> Self {
        self.fetcher = Some(fetcher);
        self
    }

    /// Accepts a CA named "O=Apple Inc." with this SHA-256 fingerprint although it is not one of
    /// Apple's (for instance a test environment's CA with Apple-like names).
    #[must_use]
    pub fn trust_apple_named(mut self, sha256_hex: &str) -> Self {
        self.extra_pins.push(sha256_hex.to_ascii_uppercase());
        self
    }

    /// Finds the certificate that issued `leaf`.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::IntermediateNotFound`] if no candidate has the leaf's issuer name;
    /// [`KeystoreError::UnpinnedAppleIntermediate`] or [`KeystoreError::IntermediateDoesNotVerify`]
    /// when the only candidates were refused; [`KeystoreError::Fetch`] if the download failed and
    /// nothing else was found.
    pub fn find(&self, leaf: &CertificateInfo) -> Result<FoundIntermediate> {
        let mut refusal = None;
        let mut local = Vec::new();
        for folder in &self.ca_folders {
            local.extend(
                read_folder(folder)
                    .into_iter()
                    .map(|(path, c)| (IntermediateSource::CaFolder(path), c)),
            );
        }
        if let Some(cache) = &self.cache_folder {
            local.extend(
                read_folder(cache)
                    .into_iter()
                    .map(|(path, c)| (IntermediateSource::Cache(path), c)),
            );
        }
        for (source, candidate) in local {
            if let Some(found) = self.consider(leaf, candidate, source, &mut refusal) {
                return Ok(found);
            }
        }
        if let Some(fetcher) = self.fetcher {
            for url in leaf.ca_issuers_urls() {
                let body = match fetcher.fetch(url) {
                    Ok(body) => body,
                    Err(source) => {
                        refusal.get_or_insert(KeystoreError::Fetch {
                            url: url.clone(),
                            source,
                        });
                        continue;
                    }
                };
                let Ok(candidate) = CertificateInfo::from_der_or_pem(&body) else {
                    refusal.get_or_insert_with(|| KeystoreError::Fetch {
                        url: url.clone(),
                        source: "the response is not a certificate".into(),
                    });
                    continue;
                };
                let source = IntermediateSource::Downloaded(url.clone());
                if let Some(found) = self.consider(leaf, candidate, source, &mut refusal) {
                    self.save_to_cache(&found.certificate)?;
                    return Ok(found);
                }
            }
        }
        Err(refusal.unwrap_or_else(|| KeystoreError::IntermediateNotFound {
            issuer: leaf.issuer().to_owned(),
            searched: self.searched(leaf),
        }))
    }

    /// Accepts `candidate` if it has the leaf's issuer name and key id, is pinned when Apple-named,
    /// and signed the leaf; otherwise notes the first refusal.
    fn consider(
        &self,
        leaf: &CertificateInfo,
        candidate: CertificateInfo,
        source: IntermediateSource,
        refusal: &mut Option<KeystoreError>,
    ) -> Option<FoundIntermediate> {
        if candidate.subject() != leaf.issuer() {
            return None;
        }
        if let (Some(aki), Some(ski)) = (leaf.authority_key_id(), candidate.subject_key_id())
            && aki != ski
        {
            return None;
        }
        let sha256 = candidate.sha256_hex().to_ascii_uppercase();
        let apple_name = apple_ca_name(&sha256);
        if candidate.is_apple_named() && apple_name.is_none() && !self.extra_pins.contains(&sha256) {
            refusal.get_or_insert(KeystoreError::UnpinnedAppleIntermediate {
                subject: candidate.subject().to_owned(),
                sha256,
            });
            return None;
        }
        if let Err(e) = leaf.verify_issued_by(&candidate) {
            refusal.get_or_insert(e);
            return None;
        }
        Some(FoundIntermediate {
            certificate: candidate,
            source,
            apple_name,
        })
    }

    fn save_to_cache(&self, certificate: &CertificateInfo) -> Result<()> {
        let Some(cache) = &self.cache_folder else {
            return Ok(());
        };
        ensure_folder(cache)?;
        write_atomic(
            &cache.join(format!("{}.cer", certificate.sha256_hex())),
            certificate.der(),
            FileMode::Public,
        )
    }

    fn searched(&self, leaf: &CertificateInfo) -> String {
        let mut places: Vec<String> = self.ca_folders.iter().map(|f| f.display().to_string()).collect();
        places.extend(self.cache_folder.iter().map(|f| format!("cache {}", f.display())));
        if self.fetcher.is_some() {
            places.extend(leaf.ca_issuers_urls().iter().cloned());
        }
        if places.is_empty() {
            "nowhere: no CA folder, cache or download given".into()
        } else {
            places.join(", ")
        }
    }
}

/// Every certificate in a folder's .cer/.crt/.der/.pem files; unreadable files are skipped, since
/// a CA folder may hold other things, and so are files that are not regular files (a FIFO would
/// wait for a writer, a device never ends) or are larger than [`MAX_CERTIFICATE_FILE`].
fn read_folder(folder: &Path) -> Vec<(PathBuf, CertificateInfo)> {
    let Ok(entries) = fs::read_dir(folder) else {
        return Vec::new();
    };
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            let name = p
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let ext = p
                .extension()
                .map(|e| e.to_string_lossy().to_ascii_lowercase())
                .unwrap_or_default();
            !is_temp_name(&name) && matches!(ext.as_str(), "cer" | "crt" | "der" | "pem")
        })
        .collect();
    paths.sort();
    let mut out = Vec::new();
    for path in paths {
        let Some(bytes) = read_regular_file(&path, MAX_CERTIFICATE_FILE) else {
            continue;
        };
        let pems = pem_certificates(&bytes);
        if pems.is_empty() {
            if let Ok(cert) = CertificateInfo::from_der(&bytes) {
                out.push((path, cert));
            }
        } else {
            out.extend(
                pems.iter()
                    .filter_map(|der| CertificateInfo::from_der(der).ok())
                    .map(|c| (path.clone(), c)),
            );
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::tests::TestCa;
    use crate::key::tests::test_key;
    use std::cell::Cell;

    /// Whether this crate sits in the ascert workspace (its root `Cargo.toml` two folders up),
    /// rather than unpacked from its published package.
    fn in_workspace() -> bool {
        fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml"))
            .is_ok_and(|text| text.contains("[workspace]") && text.contains("ascert-keystore"))
    }

    /// `shared/reference/apple-ca` (Apple's public CA certificates), found from this crate upwards
    /// (beside the checkout in CI), or `$ASCERT_SHARED_DIR/reference/apple-ca`.
    ///
    /// Apple's files are not ours to ship, so they are not in this crate's package: outside the
    /// ascert workspace the tests that need them say why and are skipped (`None`). Inside it, where
    /// CI runs, a missing folder fails them.
    fn apple_ca_folder() -> Option<PathBuf> {
        if let Some(shared) = std::env::var_os("ASCERT_SHARED_DIR") {
            return Some(PathBuf::from(shared).join("reference/apple-ca"));
        }
        let found = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared/reference/apple-ca"))
            .find(|dir| dir.is_dir());
        if found.is_none() {
            assert!(
                !in_workspace(),
                "shared/reference/apple-ca (Apple's public CA certificates) is missing beside the \
                 checkout: put the reference folder there or set ASCERT_SHARED_DIR"
            );
            #[allow(clippy::print_stderr, reason = "a test says why it is skipped")]
            {
                eprintln!(
                    "skipped: this test needs Apple's CA certificates (shared/reference/apple-ca), \
                     which are not part of this crate's package; run it in the ascert workspace"
                );
            }
        }
        found
    }

    fn reference(apple_ca: &Path, name: &str) -> CertificateInfo {
        CertificateInfo::from_der(&fs::read(apple_ca.join(name)).unwrap()).unwrap()
    }

    const G3_SUBJECT: &str =
        "CN=Apple Worldwide Developer Relations Certification Authority, OU=G3, O=Apple Inc., C=US";

    #[test]
    fn every_published_apple_ca_matches_its_pin() {
        let Some(apple_ca) = apple_ca_folder() else { return };
        let mut seen = 0;
        for entry in fs::read_dir(&apple_ca).unwrap() {
            let cert = CertificateInfo::from_der(&fs::read(entry.unwrap().path()).unwrap()).unwrap();
            assert!(cert.is_apple_named(), "{}", cert.subject());
            assert!(
                apple_ca_name(&cert.sha256_hex()).is_some(),
                "{} is not pinned",
                cert.subject()
            );
            seen += 1;
        }
        assert_eq!(seen, APPLE_CA_SHA256.len());
        assert_eq!(reference(&apple_ca, "AppleWWDRCAG3.cer").subject(), G3_SUBJECT);
        assert_eq!(
            apple_ca_name(&reference(&apple_ca, "AppleWWDRCAG3.cer").sha256_hex()),
            Some("Apple WWDR CA - G3")
        );
    }

    #[test]
    fn the_issuing_ca_is_found_among_apples_by_name_and_signature() {
        let Some(apple_ca) = apple_ca_folder() else { return };
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new("Sandbox WWDR CA");
        fs::write(dir.path().join("sandbox.pem"), ca.cert.to_pem()).unwrap();
        fs::write(dir.path().join("readme.txt"), "not a certificate").unwrap();
        let leaf = ca.issue(test_key(), "Apple Development: Jane");
        let found = IntermediateFinder::new()
            .ca_folder(apple_ca)
            .ca_folder(dir.path())
            .find(&leaf)
            .unwrap();
        assert_eq!(found.certificate, ca.cert);
        assert_eq!(
            found.source,
            IntermediateSource::CaFolder(dir.path().join("sandbox.pem"))
        );
        assert_eq!(found.apple_name, None);
    }

    #[cfg(unix)]
    #[test]
    fn endless_files_devices_and_fifos_in_a_ca_folder_are_skipped() {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new("Sandbox WWDR CA");
        std::os::unix::fs::symlink("/dev/zero", dir.path().join("a-zero.cer")).unwrap();
        std::os::unix::fs::symlink("/dev/urandom", dir.path().join("b-random.pem")).unwrap();
        let fifo = dir.path().join("c-fifo.crt");
        assert!(
            std::process::Command::new("mkfifo")
                .arg(&fifo)
                .status()
                .unwrap()
                .success()
        );
        // Larger than the limit, without writing it: the size alone refuses it.
        fs::File::create(dir.path().join("d-huge.der"))
            .unwrap()
            .set_len(100_000_000)
            .unwrap();
        fs::write(dir.path().join("e-sandbox.pem"), ca.cert.to_pem()).unwrap();
        let leaf = ca.issue(test_key(), "Apple Development: Jane");
        let found = IntermediateFinder::new()
            .ca_folder(dir.path())
            .find(&leaf)
            .unwrap();
        assert_eq!(found.certificate, ca.cert);
    }

    #[test]
    fn a_look_alike_of_an_apple_intermediate_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let mut fake = TestCa::new("unused");
        fake.params.distinguished_name = rcgen::DistinguishedName::new();
        for (ty, value) in [
            (
                rcgen::DnType::CommonName,
                "Apple Worldwide Developer Relations Certification Authority",
            ),
            (rcgen::DnType::OrganizationalUnitName, "G3"),
            (rcgen::DnType::OrganizationName, "Apple Inc."),
            (rcgen::DnType::CountryName, "US"),
        ] {
            fake.params.distinguished_name.push(ty, value);
        }
        fake.cert = CertificateInfo::from_der(fake.params.self_signed(&fake.key).unwrap().der()).unwrap();
        assert_eq!(fake.cert.subject(), G3_SUBJECT);
        fs::write(dir.path().join("wwdr.cer"), fake.cert.der()).unwrap();
        let leaf = fake.issue(test_key(), "Apple Distribution: Jane");

        let err = IntermediateFinder::new()
            .ca_folder(dir.path())
            .find(&leaf)
            .unwrap_err();
        assert!(
            matches!(err, KeystoreError::UnpinnedAppleIntermediate { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("claims to be an Apple CA"), "{err}");

        // A test environment may vouch for its own Apple-named CA by fingerprint.
        let found = IntermediateFinder::new()
            .ca_folder(dir.path())
            .trust_apple_named(&fake.cert.sha256_hex())
            .find(&leaf)
            .unwrap();
        assert_eq!(found.certificate, fake.cert);
    }

    #[test]
    fn the_real_apple_intermediate_is_refused_for_a_leaf_it_did_not_sign() {
        let Some(apple_ca) = apple_ca_folder() else { return };
        // A leaf whose issuer name is Apple's WWDR G3 but which another key signed.
        let g3 = fs::read(apple_ca.join("AppleWWDRCAG3.cer")).unwrap();
        let forger = rcgen::KeyPair::generate().unwrap();
        let issuer = rcgen::Issuer::from_ca_cert_der(&g3.into(), &forger).unwrap();
        let csr = crate::create_csr(test_key(), &crate::CsrSubject::new("Jane", "j@example.com")).unwrap();
        let leaf = rcgen::CertificateSigningRequestParams::from_pem(csr.pem())
            .unwrap()
            .signed_by(&issuer)
            .unwrap();
        let leaf = CertificateInfo::from_der(leaf.der()).unwrap();
        assert_eq!(leaf.issuer(), G3_SUBJECT);

        let err = IntermediateFinder::new()
            .ca_folder(apple_ca)
            .find(&leaf)
            .unwrap_err();
        assert!(
            matches!(err, KeystoreError::IntermediateDoesNotVerify { .. }),
            "{err}"
        );
        assert!(err.to_string().contains("did not sign the leaf"), "{err}");
    }

    /// The DER of an authorityInfoAccess extension value with one caIssuers URL.
    fn aia(url: &str) -> Vec<u8> {
        let mut description = vec![0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
        description.push(0x86);
        description.push(u8::try_from(url.len()).unwrap());
        description.extend_from_slice(url.as_bytes());
        let mut sequence = vec![0x30, u8::try_from(description.len()).unwrap()];
        sequence.extend(description);
        let mut outer = vec![0x30, u8::try_from(sequence.len()).unwrap()];
        outer.extend(sequence);
        outer
    }

    #[test]
    fn the_aia_url_is_downloaded_once_then_served_from_the_cache() {
        let dir = tempfile::tempdir().unwrap();
        let cache = dir.path().join("ca-cache");
        let ca = TestCa::new("Downloadable CA");
        let url = "http://certs.example.test/ca.der";
        let leaf = ca.issue_with(test_key(), "Jane", |req| {
            req.params
                .custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                    aia(url),
                ));
        });
        assert_eq!(leaf.ca_issuers_urls(), [url]);

        let calls = Cell::new(0);
        let ca_der = ca.cert.der().to_vec();
        let fetch = |asked: &str| -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
            calls.set(calls.get() + 1);
            assert_eq!(asked, url);
            Ok(ca_der.clone())
        };
        let finder = IntermediateFinder::new().cache_folder(&cache).fetcher(&fetch);
        let first = finder.find(&leaf).unwrap();
        assert_eq!(first.source, IntermediateSource::Downloaded(url.into()));
        let cached = cache.join(format!("{}.cer", ca.cert.sha256_hex()));
        assert_eq!(fs::read(&cached).unwrap(), ca.cert.der());
        let second = finder.find(&leaf).unwrap();
        assert_eq!(second.source, IntermediateSource::Cache(cached));
        assert_eq!(calls.get(), 1);
    }

    #[test]
    fn a_failed_download_and_a_missing_intermediate_say_what_was_tried() {
        let Some(apple_ca) = apple_ca_folder() else { return };
        let ca = TestCa::new("Nowhere CA");
        let url = "http://certs.example.test/missing.der";
        let leaf = ca.issue_with(test_key(), "Jane", |req| {
            req.params
                .custom_extensions
                .push(rcgen::CustomExtension::from_oid_content(
                    &[1, 3, 6, 1, 5, 5, 7, 1, 1],
                    aia(url),
                ));
        });
        let err = IntermediateFinder::new()
            .ca_folder(apple_ca)
            .find(&leaf)
            .unwrap_err();
        assert!(matches!(err, KeystoreError::IntermediateNotFound { .. }), "{err}");
        assert!(
            err.to_string().contains("CN=Nowhere CA") && err.to_string().contains("apple-ca"),
            "{err}"
        );

        let fail = |_: &str| -> std::result::Result<Vec<u8>, Box<dyn std::error::Error + Send + Sync>> {
            Err("connection refused".into())
        };
        let err = IntermediateFinder::new().fetcher(&fail).find(&leaf).unwrap_err();
        assert!(
            err.to_string().contains(url) && err.to_string().contains("connection refused"),
            "{err}"
        );
    }
}
