//! PKCS#12 export (key + leaf + issuing intermediate) in the form macOS accepts, and key import
//! from PKCS#12, built on `p12-keystore`.
//!
//! Two forms: [`Pkcs12Format::Compatible`] (PBE-SHA1-3DES for the key and certificate bags,
//! HMAC-SHA1 MAC), which `security import` and Keychain Access accept, and
//! [`Pkcs12Format::Modern`] (PBES2: PBKDF2-SHA256 + AES-256-CBC, HMAC-SHA256 MAC), OpenSSL 3's
//! default, which `security import FILE.p12` — the way ascert, fastlane and most CI scripts import
//! — refuses with "MAC verification failed during PKCS12 import" on every macOS up to 26; only
//! the new importer of macOS 15 and later (`SecPKCS12Import`, Keychain Access, `security import -f
//! pkcs12`) reads it.

use std::path::Path;

use p12_keystore::{
    EncryptionAlgorithm, KeyStore, KeyStoreEntry, MacAlgorithm, Pkcs12ImportPolicy, PrivateKeyChain,
};
use sha1::{Digest as _, Sha1};
use zeroize::Zeroizing;

use crate::atomic::{FileMode, write_atomic};
use crate::cert::CertificateInfo;
use crate::error::{KeystoreError, Result};
use crate::key::PrivateKey;

/// The fewest PBE/MAC iterations accepted (what `openssl pkcs12 -legacy` uses).
pub const MIN_ITERATIONS: u32 = 2048;

/// The iterations of the modern form: OWASP's 2023 figure for PBKDF2-HMAC-SHA256. OpenSSL, Python's
/// `cryptography` and Java's keytool (which reads up to 5,000,000) open such a file; each guess at
/// its password costs an attacker 600,000 HMAC-SHA256 rounds instead of 10,000.
pub const MODERN_ITERATIONS: u32 = 600_000;

/// Which algorithms protect a PKCS#12 file.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Pkcs12Format {
    /// PBE-SHA1-3DES key and certificate bags, HMAC-SHA1 MAC: what macOS imports.
    #[default]
    Compatible,
    /// AES-256-CBC with PBKDF2-SHA256 bags, HMAC-SHA256 MAC: OpenSSL 3's default. `security import`
    /// without `-f pkcs12` refuses it on every macOS (13 to 26); Keychain Access and `security
    /// import -f pkcs12` read it on macOS 15 and later.
    Modern,
}

/// How to write a PKCS#12 file: [`Pkcs12Options::compatible`], [`Pkcs12Options::modern`] or
/// [`Pkcs12Options::new`], then [`Pkcs12Options::with_iterations`] to change the iterations.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pkcs12Options {
    /// The algorithms.
    pub format: Pkcs12Format,
    /// Iterations of the key derivation, for both the bags and the MAC (at least [`MIN_ITERATIONS`]).
    pub iterations: u32,
}

impl Default for Pkcs12Options {
    fn default() -> Self {
        Self::compatible()
    }
}

impl Pkcs12Options {
    /// The macOS-compatible form with 2048 iterations, as `openssl pkcs12 -legacy` writes it.
    pub fn compatible() -> Self {
        Self {
            format: Pkcs12Format::Compatible,
            iterations: MIN_ITERATIONS,
        }
    }

    /// The modern form with [`MODERN_ITERATIONS`] iterations.
    pub fn modern() -> Self {
        Self {
            format: Pkcs12Format::Modern,
            iterations: MODERN_ITERATIONS,
        }
    }

    /// The form `format` with its default iterations: those of [`Pkcs12Options::compatible`] or
    /// [`Pkcs12Options::modern`].
    pub fn new(format: Pkcs12Format) -> Self {
        match format {
            Pkcs12Format::Compatible => Self::compatible(),
            Pkcs12Format::Modern => Self::modern(),
        }
    }

    /// The same options with `iterations` iterations of the key derivation, for the bags and the
    /// MAC ([`build_pkcs12`] refuses fewer than [`MIN_ITERATIONS`]).
    #[must_use]
    pub fn with_iterations(mut self, iterations: u32) -> Self {
        self.iterations = iterations;
        self
    }
}

/// Builds a PKCS#12 file holding `key` (RSA or EC P-256, as a PKCS#8 key bag), its certificate
/// `leaf`, and `chain` (the issuing intermediate first, then any further CA certificates).
///
/// The key bag's friendlyName is the leaf's common name (what Keychain Access shows) and
/// localKeyId is the SHA-1 of the leaf's DER on both the key and the leaf bag.
///
/// # Errors
///
/// [`KeystoreError::EmptyPassword`], [`KeystoreError::TooFewIterations`],
/// [`KeystoreError::KeyCertificateMismatch`] if `key` is not the leaf's key, and
/// [`KeystoreError::Pkcs12`] if encoding fails.
///
/// ```no_run
/// use ascert_keystore::{build_pkcs12, CertificateInfo, Pkcs12Options, PrivateKey};
/// # fn f(key: PrivateKey, leaf: CertificateInfo, wwdr: CertificateInfo) -> ascert_keystore::Result<()> {
/// let p12 = build_pkcs12(&key, &leaf, &[wwdr], "a strong password", Pkcs12Options::compatible())?;
/// ascert_keystore::write_atomic("identity.p12".as_ref(), &p12, ascert_keystore::FileMode::Secret)?;
/// # Ok(()) }
/// ```
pub fn build_pkcs12(
    key: &PrivateKey,
    leaf: &CertificateInfo,
    chain: &[CertificateInfo],
    password: &str,
    options: Pkcs12Options,
) -> Result<Zeroizing<Vec<u8>>> {
    if password.is_empty() {
        return Err(KeystoreError::EmptyPassword);
    }
    if options.iterations < MIN_ITERATIONS {
        return Err(KeystoreError::TooFewIterations {
            iterations: options.iterations,
            minimum: MIN_ITERATIONS,
        });
    }
    if leaf.key_id() != key.id() {
        return Err(KeystoreError::KeyCertificateMismatch {
            subject: leaf.subject().to_owned(),
        });
    }
    let export = KeystoreError::pkcs12("export");
    let mut certs = Vec::with_capacity(1 + chain.len());
    for cert in std::iter::once(leaf).chain(chain) {
        certs.push(p12_keystore::Certificate::from_der(cert.der()).map_err(export)?);
    }
    let p12_key = p12_keystore::PrivateKey::from_der(key.pkcs8_der()).map_err(export)?;
    let local_key_id = Sha1::digest(leaf.der()).to_vec();
    let alias = leaf.common_name().unwrap_or(leaf.subject());
    let mut store = KeyStore::new();
    store.add_entry(
        alias,
        KeyStoreEntry::PrivateKeyChain(PrivateKeyChain::new(local_key_id, p12_key, certs)),
    );
    let (encryption, mac) = match options.format {
        Pkcs12Format::Compatible => (
            EncryptionAlgorithm::PbeWithShaAnd3KeyTripleDesCbc,
            MacAlgorithm::HmacSha1,
        ),
        Pkcs12Format::Modern => (
            EncryptionAlgorithm::PbeWithHmacSha256AndAes256,
            MacAlgorithm::HmacSha256,
        ),
    };
    let bytes = store
        .writer(password)
        .encryption_algorithm(encryption)
        .encryption_iterations(options.iterations)
        .mac_algorithm(mac)
        .mac_iterations(options.iterations)
        .write()
        .map_err(export)?;
    Ok(Zeroizing::new(bytes))
}

/// [`build_pkcs12`], then writes the file atomically with mode 0600.
///
/// # Errors
///
/// As [`build_pkcs12`] and [`write_atomic`].
pub fn export_pkcs12(
    path: &Path,
    key: &PrivateKey,
    leaf: &CertificateInfo,
    chain: &[CertificateInfo],
    password: &str,
    options: Pkcs12Options,
) -> Result<()> {
    let bytes = build_pkcs12(key, leaf, chain, password, options)?;
    write_atomic(path, &bytes, FileMode::Secret)
}

/// What a PKCS#12 file holds: its (first) private key and every certificate.
#[derive(Debug)]
#[non_exhaustive]
pub struct Pkcs12Contents {
    /// The private key.
    pub key: PrivateKey,
    /// The certificates: the key's chain first (leaf, then issuers), then any others.
    pub certificates: Vec<CertificateInfo>,
}

/// Reads the private key and certificates out of a PKCS#12 file (any form `p12-keystore`
/// reads: 3DES, RC2-40 or PBES2 bags; SHA-1 or SHA-2 MACs).
///
/// # Errors
///
/// [`KeystoreError::Pkcs12WrongPassword`] if the password is wrong (or the file damaged so that its
/// integrity check fails), [`KeystoreError::Pkcs12`] if it is otherwise damaged,
/// [`KeystoreError::EncryptionCost`] if its encryption parameters ask for unbounded work (checked
/// before any derivation), [`KeystoreError::Pkcs12Malformed`] if the PKCS#12 library fails on it,
/// [`KeystoreError::Pkcs12WithoutKey`] if it holds no key, [`KeystoreError::UnsupportedKey`] if
/// its key is neither RSA nor EC P-256 (see [`PrivateKey::from_der`]).
pub fn read_pkcs12(p12: &[u8], password: &str) -> Result<Pkcs12Contents> {
    crate::pbe::check_nested(p12).map_err(|reason| KeystoreError::EncryptionCost {
        what: "PKCS#12 file",
        reason,
    })?;
    // The check above sees every encryption parameter outside the encrypted bags; one hidden
    // inside them can still reach a panic in the decryption library (pkcs5 on an scrypt cost of 0),
    // which must end as an error, not as the caller's crash.
    let parsed =
        std::panic::catch_unwind(|| KeyStore::from_pkcs12(p12, password, Pkcs12ImportPolicy::Relaxed))
            .map_err(|_| KeystoreError::Pkcs12Malformed)?;
    let store = parsed.map_err(import_error)?;
    let mut certificates = Vec::new();
    let key = if let Some((_, chain)) = store.private_key_chain() {
        for cert in chain.certs() {
            certificates.push(CertificateInfo::from_der(cert.as_der())?);
        }
        PrivateKey::from_der(chain.key().as_der())?
    } else {
        // The keystore view keeps only keys with a certificate: a key-only file (`openssl pkcs12
        // -export -nocerts`) has its key in the bags all the same.
        let archive = std::panic::catch_unwind(|| p12_keystore::Pkcs12Archive::from_pkcs12(p12, password))
            .map_err(|_| KeystoreError::Pkcs12Malformed)?
            .map_err(import_error)?;
        let bag = archive.keys.first().ok_or(KeystoreError::Pkcs12WithoutKey)?;
        PrivateKey::from_der(bag.key.as_der())?
    };
    for (_, entry) in store.entries() {
        if let KeyStoreEntry::Certificate(cert) = entry {
            certificates.push(CertificateInfo::from_der(cert.as_der())?);
        }
    }
    Ok(Pkcs12Contents { key, certificates })
}

/// The error of a PKCS#12 file that cannot be read: a failed integrity check (the MAC) or a bag
/// that does not decrypt is what a wrong password gives, so it is said so.
fn import_error(err: p12_keystore::error::Error) -> KeystoreError {
    match err {
        p12_keystore::error::Error::MacError(_) | p12_keystore::error::Error::UnpadError => {
            KeystoreError::Pkcs12WrongPassword
        }
        other => KeystoreError::pkcs12("import")(other),
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::cert::tests::TestCa;
    use crate::key::tests::test_key;
    use std::process::{Command, Stdio};

    pub(crate) struct Fixture {
        _dir: tempfile::TempDir,
        pub(crate) p12: std::path::PathBuf,
        pub(crate) leaf: CertificateInfo,
        pub(crate) ca: TestCa,
    }

    fn fixture(options: Pkcs12Options) -> Fixture {
        fixture_of(test_key(), "Apple Distribution: Jane Doe (TEAM123)", options)
    }

    pub(crate) fn fixture_of(key: &PrivateKey, common_name: &str, options: Pkcs12Options) -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new("Test Worldwide Developer Relations CA");
        let leaf = ca.issue(key, common_name);
        let p12 = dir.path().join("identity.p12");
        export_pkcs12(&p12, key, &leaf, std::slice::from_ref(&ca.cert), "pa ss", options).unwrap();
        Fixture {
            _dir: dir,
            p12,
            leaf,
            ca,
        }
    }

    fn openssl(args: &[&str]) -> (bool, String) {
        let out = Command::new("openssl")
            .args(args)
            .stdin(Stdio::null())
            .output()
            .expect("openssl is installed");
        (
            out.status.success(),
            format!(
                "{}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            ),
        )
    }

    /// `openssl pkcs12 -info` with and without `-legacy`; both must read the file.
    fn info(p12: &Path, extra: &[&str]) -> String {
        let path = p12.to_str().unwrap();
        let mut outputs = Vec::new();
        for legacy in [false, true] {
            let mut args = vec!["pkcs12", "-info", "-in", path, "-passin", "pass:pa ss"];
            args.extend_from_slice(extra);
            if legacy {
                args.push("-legacy");
            }
            let (ok, out) = openssl(&args);
            assert!(ok, "openssl pkcs12 {args:?} failed:\n{out}");
            outputs.push(out);
        }
        outputs.swap_remove(0)
    }

    fn assert_holds_key_leaf_and_intermediate(f: &Fixture) {
        let out = info(&f.p12, &["-nodes"]);
        assert_eq!(out.matches("-----BEGIN CERTIFICATE-----").count(), 2, "{out}");
        assert!(
            out.contains(&format!(
                "CN = {}\nissuer=CN = Test",
                f.leaf.common_name().unwrap()
            )),
            "{out}"
        );
        assert!(
            out.contains("subject=CN = Test Worldwide Developer Relations CA"),
            "{out}"
        );
        assert!(out.contains("-----BEGIN PRIVATE KEY-----"), "{out}");
        assert!(
            out.contains(&format!("friendlyName: {}", f.leaf.common_name().unwrap())),
            "{out}"
        );
        let sha1 = f.leaf.sha1_hex();
        let spaced: Vec<String> = sha1
            .as_bytes()
            .chunks(2)
            .map(|c| String::from_utf8_lossy(c).into_owned())
            .collect();
        assert!(
            out.contains(&format!("localKeyID: {}", spaced.join(" "))),
            "localKeyID is the leaf's SHA-1:\n{out}"
        );

        // The key in the file matches the leaf: same public key.
        let dir = f.p12.parent().unwrap();
        let key_pem = dir.join("key.pem");
        let leaf_pem = dir.join("leaf.pem");
        let p12 = f.p12.to_str().unwrap();
        let (ok, out) = openssl(&[
            "pkcs12",
            "-in",
            p12,
            "-passin",
            "pass:pa ss",
            "-nocerts",
            "-nodes",
            "-out",
            key_pem.to_str().unwrap(),
        ]);
        assert!(ok, "{out}");
        let (ok, out) = openssl(&[
            "pkcs12",
            "-in",
            p12,
            "-passin",
            "pass:pa ss",
            "-clcerts",
            "-nokeys",
            "-out",
            leaf_pem.to_str().unwrap(),
        ]);
        assert!(ok, "{out}");
        let (_, key_pub) = openssl(&["pkey", "-in", key_pem.to_str().unwrap(), "-pubout"]);
        let (_, cert_pub) = openssl(&["x509", "-in", leaf_pem.to_str().unwrap(), "-noout", "-pubkey"]);
        assert!(
            key_pub.contains("BEGIN PUBLIC KEY") && key_pub == cert_pub,
            "{key_pub}\n{cert_pub}"
        );
    }

    #[test]
    fn compatible_uses_3des_for_both_bags_and_a_sha1_mac() {
        let f = fixture(Pkcs12Options::default());
        let out = info(&f.p12, &["-nokeys"]);
        assert!(out.contains("MAC: sha1, Iteration 2048"), "{out}");
        assert!(
            out.contains("Shrouded Keybag: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"),
            "{out}"
        );
        assert!(
            out.contains("PKCS7 Encrypted data: pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048"),
            "{out}"
        );
        assert!(!out.contains("AES"), "{out}");
        assert_holds_key_leaf_and_intermediate(&f);
    }

    #[test]
    fn modern_uses_aes256_pbkdf2_sha256_and_a_sha256_mac() {
        let f = fixture(Pkcs12Options::modern());
        let out = info(&f.p12, &["-nokeys"]);
        assert!(out.contains("MAC: sha256, Iteration 600000"), "{out}");
        assert!(
            out.contains("Shrouded Keybag: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"),
            "{out}"
        );
        assert!(
            out.contains(
                "PKCS7 Encrypted data: PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256"
            ),
            "{out}"
        );
        assert!(!out.contains("3-KeyTripleDES"), "{out}");
        assert_holds_key_leaf_and_intermediate(&f);
    }

    /// The private key `openssl pkcs12` takes out of the file (with or without `-legacy`), as
    /// `openssl pkey -text` describes it.
    fn openssl_key_text(p12: &Path, legacy: bool) -> String {
        let key_pem = p12.with_extension(if legacy { "legacy.key.pem" } else { "key.pem" });
        let mut args = vec![
            "pkcs12",
            "-in",
            p12.to_str().unwrap(),
            "-passin",
            "pass:pa ss",
            "-nocerts",
            "-nodes",
            "-out",
            key_pem.to_str().unwrap(),
        ];
        if legacy {
            args.push("-legacy");
        }
        let (ok, out) = openssl(&args);
        assert!(ok, "{out}");
        let (ok, text) = openssl(&["pkey", "-in", key_pem.to_str().unwrap(), "-noout", "-text"]);
        assert!(ok, "{text}");
        text
    }

    #[test]
    fn both_forms_hold_an_ec_key_that_openssl_reads_as_p256() {
        let key = crate::key::tests::test_ec_key();
        for (options, bags) in [
            (
                Pkcs12Options::compatible(),
                "pbeWithSHA1And3-KeyTripleDES-CBC, Iteration 2048",
            ),
            (
                Pkcs12Options::modern(),
                "PBES2, PBKDF2, AES-256-CBC, Iteration 600000, PRF hmacWithSHA256",
            ),
        ] {
            let f = fixture_of(key, "Apple Pay Payment Processing: merchant.com.example", options);
            let out = info(&f.p12, &["-nokeys"]);
            assert!(out.contains(&format!("Shrouded Keybag: {bags}")), "{out}");
            assert!(out.contains(&format!("PKCS7 Encrypted data: {bags}")), "{out}");
            // Key, leaf, intermediate; the key's public key is the leaf's.
            assert_holds_key_leaf_and_intermediate(&f);
            for legacy in [false, true] {
                let text = openssl_key_text(&f.p12, legacy);
                assert!(text.contains("Private-Key: (256 bit)"), "{text}");
                assert!(text.contains("NIST CURVE: P-256"), "{text}");
            }
            // And read back here: the same EC key, the chain in order.
            let contents = read_pkcs12(&std::fs::read(&f.p12).unwrap(), "pa ss").unwrap();
            assert_eq!(contents.key.id(), key.id());
            assert_eq!(contents.key.algorithm(), crate::KeyAlgorithm::EcP256);
            assert_eq!(contents.key.pkcs8_der(), key.pkcs8_der());
            let subjects: Vec<_> = contents
                .certificates
                .iter()
                .map(CertificateInfo::subject)
                .collect();
            assert_eq!(subjects, [f.leaf.subject(), f.ca.cert.subject()]);
        }
    }

    #[test]
    fn an_ec_p12_made_by_openssl_imports_in_both_forms() {
        let dir = tempfile::tempdir().unwrap();
        let key = crate::key::tests::test_ec_key();
        let leaf = TestCa::new("CA").issue(key, "Apple Pay");
        let key_pem = dir.path().join("k.pem");
        let cert_pem = dir.path().join("c.pem");
        std::fs::write(&key_pem, key.to_pkcs8_pem().as_bytes()).unwrap();
        std::fs::write(&cert_pem, leaf.to_pem()).unwrap();
        for (name, extra) in [("modern.p12", &[][..]), ("legacy.p12", &["-legacy"][..])] {
            let p12 = dir.path().join(name);
            let mut args = vec![
                "pkcs12",
                "-export",
                "-inkey",
                key_pem.to_str().unwrap(),
                "-in",
                cert_pem.to_str().unwrap(),
                "-passout",
                "pass:x",
                "-out",
                p12.to_str().unwrap(),
            ];
            args.extend_from_slice(extra);
            let (ok, out) = openssl(&args);
            assert!(ok, "{out}");
            let store = crate::Keystore::open(dir.path().join(format!("keys-{name}"))).unwrap();
            let record = store
                .import_pkcs12(&std::fs::read(&p12).unwrap(), "x", None)
                .unwrap();
            assert_eq!(record.key_id, key.id(), "{name}");
            assert_eq!(record.key_algorithm, Some(crate::KeyAlgorithm::EcP256));
            assert_eq!(record.label, "Apple Pay");
            assert_eq!(record.serial_number.as_deref(), Some(leaf.serial()));
            assert_eq!(
                store.load_key(&record.key_id).unwrap().pkcs8_der(),
                key.pkcs8_der()
            );
        }
    }

    #[test]
    fn a_p12_whose_key_apple_does_not_take_is_refused_by_name() {
        let dir = tempfile::tempdir().unwrap();
        let key_pem = dir.path().join("p384.pem");
        let cert_pem = dir.path().join("c.pem");
        let p12 = dir.path().join("p384.p12");
        let (ok, out) = openssl(&[
            "req",
            "-x509",
            "-newkey",
            "ec",
            "-pkeyopt",
            "ec_paramgen_curve:P-384",
            "-nodes",
            "-keyout",
            key_pem.to_str().unwrap(),
            "-out",
            cert_pem.to_str().unwrap(),
            "-subj",
            "/CN=P384",
            "-days",
            "1",
        ]);
        assert!(ok, "{out}");
        let (ok, out) = openssl(&[
            "pkcs12",
            "-export",
            "-inkey",
            key_pem.to_str().unwrap(),
            "-in",
            cert_pem.to_str().unwrap(),
            "-passout",
            "pass:x",
            "-out",
            p12.to_str().unwrap(),
        ]);
        assert!(ok, "{out}");
        let err = read_pkcs12(&std::fs::read(&p12).unwrap(), "x").unwrap_err();
        assert!(
            matches!(&err, KeystoreError::UnsupportedKey { algorithm } if algorithm == "EC P-384"),
            "{err:?}"
        );
    }

    #[test]
    #[cfg(unix)]
    fn the_file_is_0600() {
        use std::os::unix::fs::PermissionsExt;
        let f = fixture(Pkcs12Options::default());
        assert_eq!(
            std::fs::metadata(&f.p12).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }

    #[test]
    fn empty_passwords_few_iterations_and_foreign_keys_are_refused() {
        let ca = TestCa::new("CA");
        let leaf = ca.issue(test_key(), "Jane");
        let err = build_pkcs12(test_key(), &leaf, &[], "", Pkcs12Options::default()).unwrap_err();
        assert!(err.to_string().contains("must not be empty"), "{err}");
        let few = Pkcs12Options::default().with_iterations(1000);
        assert!(matches!(
            build_pkcs12(test_key(), &leaf, &[], "pw", few).unwrap_err(),
            KeystoreError::TooFewIterations {
                iterations: 1000,
                minimum: 2048
            }
        ));
        let other = PrivateKey::from_pem(&openssl_genrsa()).unwrap();
        let err = build_pkcs12(&other, &leaf, &[], "pw", Pkcs12Options::default()).unwrap_err();
        assert!(
            err.to_string().contains("does not match the certificate") && err.to_string().contains("CN=Jane")
        );
    }

    fn openssl_genrsa() -> String {
        let out = Command::new("openssl").args(["genrsa", "2048"]).output().unwrap();
        assert!(out.status.success());
        String::from_utf8(out.stdout).unwrap()
    }

    #[test]
    fn read_pkcs12_gets_the_key_and_chain_back_from_both_forms() {
        for options in [Pkcs12Options::compatible(), Pkcs12Options::modern()] {
            let f = fixture(options);
            let bytes = std::fs::read(&f.p12).unwrap();
            let contents = read_pkcs12(&bytes, "pa ss").unwrap();
            assert_eq!(contents.key.id(), test_key().id());
            let subjects: Vec<_> = contents
                .certificates
                .iter()
                .map(CertificateInfo::subject)
                .collect();
            assert_eq!(subjects, [f.leaf.subject(), f.ca.cert.subject()]);
            let wrong = read_pkcs12(&bytes, "wrong").unwrap_err();
            assert!(matches!(wrong, KeystoreError::Pkcs12WrongPassword), "{wrong:?}");
            assert_eq!(
                wrong.to_string(),
                "wrong password, or the PKCS#12 file is damaged (its integrity check failed)"
            );
        }
    }

    #[test]
    fn a_key_only_p12_gives_its_key() {
        let dir = tempfile::tempdir().unwrap();
        let key_pem = dir.path().join("k.pem");
        let p12 = dir.path().join("key-only.p12");
        std::fs::write(&key_pem, test_key().to_pkcs8_pem().as_bytes()).unwrap();
        let status = Command::new("openssl")
            .args(["pkcs12", "-export", "-nocerts", "-inkey"])
            .arg(&key_pem)
            .arg("-out")
            .arg(&p12)
            .args(["-passout", "pass:pa ss"])
            .status()
            .unwrap();
        assert!(status.success());
        let contents = read_pkcs12(&std::fs::read(&p12).unwrap(), "pa ss").unwrap();
        assert_eq!(contents.key.id(), test_key().id());
        assert!(contents.certificates.is_empty());
    }

    #[test]
    fn keys_import_from_a_p12_made_by_openssl() {
        let dir = tempfile::tempdir().unwrap();
        let ca = TestCa::new("CA");
        let leaf = ca.issue(test_key(), "Jane");
        let key_pem = dir.path().join("k.pem");
        let cert_pem = dir.path().join("c.pem");
        let p12 = dir.path().join("o.p12");
        std::fs::write(&key_pem, test_key().to_pkcs8_pem().as_bytes()).unwrap();
        std::fs::write(&cert_pem, leaf.to_pem()).unwrap();
        let (ok, out) = openssl(&[
            "pkcs12",
            "-export",
            "-inkey",
            key_pem.to_str().unwrap(),
            "-in",
            cert_pem.to_str().unwrap(),
            "-passout",
            "pass:x",
            "-out",
            p12.to_str().unwrap(),
        ]);
        assert!(ok, "{out}");
        let store = crate::Keystore::open(dir.path().join("keys")).unwrap();
        let record = store
            .import_pkcs12(&std::fs::read(&p12).unwrap(), "x", None)
            .unwrap();
        assert_eq!(record.key_id, test_key().id());
        assert_eq!(record.label, "Jane");
        assert_eq!(record.serial_number.as_deref(), Some(leaf.serial()));
    }

    use crate::pbe::tests::tlv;

    const ID_DATA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x01];
    const ID_ENCRYPTED_DATA: &[u8] = &[0x06, 0x09, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x07, 0x06];
    const SHROUDED_KEY_BAG: &[u8] = &[
        0x06, 0x0b, 0x2a, 0x86, 0x48, 0x86, 0xf7, 0x0d, 0x01, 0x0c, 0x0a, 0x01, 0x02,
    ];

    /// `SafeContents` holding one shrouded key bag whose key is derived with `kdf`.
    fn key_bag(kdf: pkcs8::pkcs5::pbes2::Kdf) -> Vec<u8> {
        let key = crate::pbe::tests::encrypted_key_der(kdf);
        tlv(0x30, &tlv(0x30, &[SHROUDED_KEY_BAG, &tlv(0xa0, &key)].concat()))
    }

    /// A PFX without a MAC (it is optional) around one `ContentInfo`.
    fn pfx(content_info: &[u8]) -> Vec<u8> {
        let auth_safe = tlv(0x30, content_info);
        let outer = tlv(0x30, &[ID_DATA, &tlv(0xa0, &tlv(0x04, &auth_safe))].concat());
        tlv(0x30, &[&[0x02, 0x01, 0x03][..], &outer].concat())
    }

    fn plain(safe_contents: &[u8]) -> Vec<u8> {
        tlv(0x30, &[ID_DATA, &tlv(0xa0, &tlv(0x04, safe_contents))].concat())
    }

    /// `EncryptedData`: `safe_contents` encrypted under `password` (PBKDF2, 2,048 iterations).
    fn encrypted(safe_contents: &[u8], password: &str) -> Vec<u8> {
        use pkcs8::der::Encode as _;
        use pkcs8::pkcs5::{EncryptionScheme, pbes2};
        let params = pbes2::Parameters {
            kdf: crate::pbe::tests::pbkdf2(2048),
            encryption: pbes2::EncryptionScheme::Aes256Cbc { iv: [3; 16] },
        };
        let ciphertext = params.encrypt(password, safe_contents).unwrap();
        let algorithm = EncryptionScheme::Pbes2(params).to_der().unwrap();
        let info = tlv(0x30, &[ID_DATA, &algorithm, &tlv(0x80, &ciphertext)].concat());
        let data = tlv(0x30, &[&[0x02, 0x01, 0x00][..], &info].concat());
        tlv(0x30, &[ID_ENCRYPTED_DATA, &tlv(0xa0, &data)].concat())
    }

    #[test]
    fn a_p12_asking_for_unbounded_work_is_refused_before_decryption() {
        use crate::pbe::tests::{pbkdf2, scrypt};
        for (kdf, expected) in [
            (pbkdf2(u32::MAX), "4294967295 PBKDF2 iterations"),
            (scrypt(0, 8, 1), "scrypt cost N = 0"),
        ] {
            let err = read_pkcs12(&pfx(&plain(&key_bag(kdf))), "pw").err().unwrap();
            assert!(
                matches!(
                    err,
                    KeystoreError::EncryptionCost {
                        what: "PKCS#12 file",
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn a_parser_panic_on_parameters_hidden_in_encrypted_bags_ends_as_an_error() {
        // The scrypt cost of 0 sits inside encrypted content, where the check cannot see it;
        // p12-keystore decrypts it with the right password and pkcs5 panics on it.
        let p12 = pfx(&encrypted(&key_bag(crate::pbe::tests::scrypt(0, 8, 1)), "pw"));
        let err = read_pkcs12(&p12, "pw").err().unwrap();
        assert!(matches!(err, KeystoreError::Pkcs12Malformed), "{err:?}");
        assert_eq!(
            err.to_string(),
            "the PKCS#12 file is malformed: the PKCS#12 reader failed on it"
        );
    }
}
