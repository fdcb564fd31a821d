//! [`PrivateKey`]: an RSA or EC P-256 private key held in zeroizing memory, its [`KeyId`],
//! generation, and PEM import and export (PKCS#1, SEC1, PKCS#8 and encrypted PKCS#8).

use std::fmt;
use std::str::FromStr;

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::signature::{ECDSA_P256_SHA256_ASN1_SIGNING, EcdsaKeyPair, KeyPair as _, RsaKeyPair};
use pkcs8::der::Decode as _;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

use crate::algorithm::{KeyAlgorithm, Kind, rsa_private_modulus_bits};
use crate::error::{KeystoreError, Result};

/// PBKDF2-SHA256 iterations for keys encrypted at rest (OWASP's 2023 figure).
///
/// Unit tests use fewer: they run the pure-Rust PBKDF2 unoptimised, where 600 000 rounds take
/// seconds per key. Reading a key takes the count from the file, so both paths are the same code.
const PBKDF2_ITERATIONS: u32 = if cfg!(test) { 10_000 } else { 600_000 };

/// Identifies a key by the SHA-256 of its DER `SubjectPublicKeyInfo`.
///
/// A certificate for the key has the same `SubjectPublicKeyInfo`, so the id of a certificate's
/// public key finds its private key without decrypting anything.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct KeyId([u8; 32]);

impl KeyId {
    /// The id of a DER-encoded `SubjectPublicKeyInfo`.
    pub fn of_spki(spki_der: &[u8]) -> Self {
        Self(Sha256::digest(spki_der).into())
    }

    /// The 32 bytes of the digest.
    pub fn as_bytes(&self) -> &[u8; 32] {
        &self.0
    }

    /// Lowercase hex, as used in file names.
    pub fn to_hex(&self) -> String {
        hex(&self.0)
    }
}

impl fmt::Display for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_hex())
    }
}

impl fmt::Debug for KeyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyId({})", self.to_hex())
    }
}

impl FromStr for KeyId {
    type Err = KeystoreError;

    fn from_str(s: &str) -> Result<Self> {
        let bad = || KeystoreError::InvalidKey {
            reason: format!("{s:?} is not a 64-digit hex key id"),
        };
        if s.len() != 64 || !s.is_ascii() {
            return Err(bad());
        }
        let mut out = [0u8; 32];
        for (i, byte) in out.iter_mut().enumerate() {
            *byte = u8::from_str_radix(&s[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
        }
        Ok(Self(out))
    }
}

impl serde::Serialize for KeyId {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> std::result::Result<S::Ok, S::Error> {
        serializer.serialize_str(&self.to_hex())
    }
}

impl<'de> serde::Deserialize<'de> for KeyId {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> std::result::Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// A private key: RSA (Apple's signing certificates) or EC P-256 (Apple Pay payment processing).
///
/// The key is held as PKCS#8 DER in memory that is wiped when dropped; `Debug` shows only the
/// key id and algorithm.
#[derive(Clone)]
pub struct PrivateKey {
    pkcs8: Zeroizing<Vec<u8>>,
    spki: Vec<u8>,
    algorithm: KeyAlgorithm,
}

impl PrivateKey {
    /// Generates a new key of `algorithm`: [`KeyAlgorithm::RSA_2048`] or [`KeyAlgorithm::EcP256`]
    /// ([`KeyAlgorithm::for_certificate_type`] says which a certificate type takes).
    ///
    /// # Errors
    ///
    /// [`KeystoreError::UnsupportedKey`] for RSA of another size, [`KeystoreError::Crypto`] if the
    /// system random generator or the crypto library fails.
    ///
    /// ```no_run
    /// use ascert_keystore::{KeyAlgorithm, PrivateKey};
    /// use ascert_models::CertificateType;
    /// let key = PrivateKey::generate(KeyAlgorithm::for_certificate_type(&CertificateType::ApplePay))?;
    /// assert_eq!(key.algorithm(), KeyAlgorithm::EcP256);
    /// # Ok::<(), ascert_keystore::KeystoreError>(())
    /// ```
    pub fn generate(algorithm: KeyAlgorithm) -> Result<Self> {
        match algorithm {
            KeyAlgorithm::EcP256 => Self::generate_ec_p256(),
            KeyAlgorithm::Rsa { bits } if bits == crate::RSA_BITS => Self::generate_rsa_2048(),
            other => Err(KeystoreError::UnsupportedKey {
                algorithm: other.to_string(),
            }),
        }
    }

    /// Generates a new RSA-2048 key, the kind Apple requires in a signing-certificate request.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::Crypto`] if the system random generator or the crypto library fails.
    pub fn generate_rsa_2048() -> Result<Self> {
        let pair = rcgen::KeyPair::generate_rsa_for(&rcgen::PKCS_RSA_SHA256, rcgen::RsaKeySize::_2048)
            .map_err(KeystoreError::crypto("RSA key generation"))?;
        Self::from_der(pair.serialized_der())
    }

    /// Generates a new EC P-256 key, the kind Apple requires for an Apple Pay payment processing
    /// certificate (`APPLE_PAY`).
    ///
    /// # Errors
    ///
    /// [`KeystoreError::Crypto`] if the system random generator or the crypto library fails.
    pub fn generate_ec_p256() -> Result<Self> {
        let failed = |_| KeystoreError::Crypto {
            what: "EC P-256 key generation",
            source: "the crypto library could not make the key".into(),
        };
        // aws-lc-rs makes the key and writes it as PKCS#8 v1 (a `Document`, wiped when dropped),
        // the form `from_der` reads and keeps, and the form OpenSSL writes.
        let pair = EcdsaKeyPair::generate(&ECDSA_P256_SHA256_ASN1_SIGNING).map_err(failed)?;
        let pkcs8 = pair.to_pkcs8v1().map_err(failed)?;
        Self::from_der(pkcs8.as_ref())
    }

    /// Reads a private key from DER: PKCS#8 `PrivateKeyInfo` (RSA or EC P-256), PKCS#1
    /// `RSAPrivateKey`, or SEC1 `ECPrivateKey` (P-256). Every key is kept as PKCS#8.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::UnsupportedKey`] for a key Apple's certificates do not take (EC on another
    /// curve, Ed25519, RSA smaller than 2048 bits, …), [`KeystoreError::InvalidKey`] if the bytes
    /// are no private key this crate reads.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        // A PKCS#8 key names its algorithm (and an EC key its curve): a key of another kind is
        // refused by name before any of it is decoded.
        let named = pkcs8::PrivateKeyInfoRef::from_der(der).ok().map(|info| {
            (
                Kind::of(info.algorithm.oid, info.algorithm.parameters_oid().ok()),
                info,
            )
        });
        match &named {
            Some((Kind::Other(name), _)) => {
                return Err(KeystoreError::UnsupportedKey {
                    algorithm: name.clone(),
                });
            }
            Some((Kind::EcP256, _)) => return Self::from_ec_p256(der),
            Some((Kind::Rsa, _)) | None => {}
        }
        let rsa = RsaKeyPair::from_pkcs8(der).or_else(|_| RsaKeyPair::from_der(der));
        // aws-lc-rs's reason ("UnexpectedError") tells a user nothing: it is not shown.
        if let Ok(pair) = rsa {
            return Self::from_rsa(&pair);
        }
        // The PKCS#1 structure inside a PKCS#8 RSA key, or the bytes as they are.
        let pkcs1 = named
            .as_ref()
            .map_or(der, |(_, info)| info.private_key.as_bytes());
        if let Some(bits) = rsa_private_modulus_bits(pkcs1).filter(|bits| *bits < crate::RSA_BITS) {
            return Err(KeystoreError::UnsupportedKey {
                algorithm: format!("RSA-{bits}"),
            });
        }
        if named.is_none() {
            // A SEC1 `ECPrivateKey`: on P-256, or on another curve, named in the refusal.
            if let Ok(key) = Self::from_ec_p256(der) {
                return Ok(key);
            }
            if let Some(curve) = sec1_other_curve(der) {
                return Err(KeystoreError::UnsupportedKey {
                    algorithm: curve.to_owned(),
                });
            }
        }
        Err(KeystoreError::InvalidKey {
            reason: "not an RSA or EC P-256 private key in PKCS#8, PKCS#1 or SEC1 form, or its content \
                     is damaged; Apple's certificates take RSA-2048 keys, and EC P-256 keys for Apple Pay \
                     payment processing"
                .into(),
        })
    }

    fn from_rsa(pair: &RsaKeyPair) -> Result<Self> {
        Self::from_encodings(
            AsDer::<Pkcs8V1Der<'static>>::as_der(pair).map(|der| Zeroizing::new(der.as_ref().to_vec())),
            pair.public_key().as_der(),
            KeyAlgorithm::Rsa {
                bits: pair.public_modulus_len() * 8,
            },
        )
    }

    /// An EC P-256 key from PKCS#8 or SEC1 DER, kept as PKCS#8 v1.
    fn from_ec_p256(der: &[u8]) -> Result<Self> {
        // aws-lc-rs says why only in its own words ("UnexpectedError"): they tell a user nothing.
        let pair =
            EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_ASN1_SIGNING, der).map_err(|_| {
                KeystoreError::InvalidKey {
                    reason: "not a valid EC P-256 private key: its content is damaged".into(),
                }
            })?;
        Self::from_encodings(
            pair.to_pkcs8v1()
                .map(|document| Zeroizing::new(document.as_ref().to_vec())),
            pair.public_key().as_der(),
            KeyAlgorithm::EcP256,
        )
    }

    /// A key from the PKCS#8 and `SubjectPublicKeyInfo` encodings aws-lc-rs made of it.
    fn from_encodings(
        pkcs8: std::result::Result<Zeroizing<Vec<u8>>, aws_lc_rs::error::Unspecified>,
        spki: std::result::Result<PublicKeyX509Der<'static>, aws_lc_rs::error::Unspecified>,
        algorithm: KeyAlgorithm,
    ) -> Result<Self> {
        let pkcs8 = pkcs8.map_err(|_| KeystoreError::InvalidKey {
            reason: "the key cannot be encoded as PKCS#8".into(),
        })?;
        let spki = spki.map_err(|_| KeystoreError::InvalidKey {
            reason: "the public key cannot be encoded".into(),
        })?;
        Ok(Self {
            pkcs8,
            spki: spki.as_ref().to_vec(),
            algorithm,
        })
    }

    /// Reads an unencrypted PEM key: `PRIVATE KEY` (PKCS#8, RSA or EC P-256), `RSA PRIVATE KEY`
    /// (PKCS#1) or `EC PRIVATE KEY` (SEC1, as `openssl ecparam -genkey` writes it, after its
    /// `EC PARAMETERS` block if there is one).
    ///
    /// # Errors
    ///
    /// [`KeystoreError::UnsupportedKey`] for a key Apple's certificates do not take (see
    /// [`PrivateKey::from_der`]), [`KeystoreError::InvalidKey`] for other PEM labels or bad content, and
    /// [`KeystoreError::PassphraseRequired`] for `ENCRYPTED PRIVATE KEY` (use
    /// [`PrivateKey::from_pem_with_passphrase`]).
    ///
    /// ```no_run
    /// let key = ascert_keystore::PrivateKey::from_pem(&std::fs::read_to_string("key.pem")?)?;
    /// println!("{}", key.id());
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn from_pem(pem_text: &str) -> Result<Self> {
        Self::from_pem_inner(pem_text, None)
    }

    /// Reads a PEM key that may be encrypted (`ENCRYPTED PRIVATE KEY`, PKCS#8 PBES2).
    ///
    /// # Errors
    ///
    /// As [`PrivateKey::from_pem`], [`KeystoreError::WrongPassphrase`] if the passphrase does
    /// not decrypt the key, and [`KeystoreError::EncryptionCost`] if the key's encryption asks for
    /// more than [`MAX_PBKDF2_ITERATIONS`](crate::MAX_PBKDF2_ITERATIONS) or scrypt beyond
    /// [`MAX_SCRYPT_MEMORY`](crate::MAX_SCRYPT_MEMORY) (checked before any derivation).
    pub fn from_pem_with_passphrase(pem_text: &str, passphrase: &str) -> Result<Self> {
        Self::from_pem_inner(pem_text, Some(passphrase))
    }

    fn from_pem_inner(pem_text: &str, passphrase: Option<&str>) -> Result<Self> {
        let pem_failed = |e: pem::PemError| KeystoreError::InvalidKey {
            reason: pem_error_reason(&e),
        };
        if !pem_text.contains("-----BEGIN") {
            // The `pem` crate calls text without any BEGIN line a damaged frame.
            return Err(KeystoreError::InvalidKey {
                reason: "not PEM text: it has no -----BEGIN line (a PEM key starts with -----BEGIN PRIVATE KEY----- \
                         or the like)"
                    .into(),
            });
        }
        let mut block = pem::parse(pem_text).map_err(pem_failed)?;
        if block.tag() == "EC PARAMETERS" {
            // `openssl ecparam -genkey` writes the curve's parameters before the key.
            block = pem::parse_many(pem_text)
                .map_err(pem_failed)?
                .into_iter()
                .find(|b| b.tag() != "EC PARAMETERS")
                .ok_or_else(|| KeystoreError::InvalidKey {
                    reason: "its PEM text holds EC parameters but no key".into(),
                })?;
        }
        if block
            .headers()
            .get("Proc-Type")
            .is_some_and(|value| value.contains("ENCRYPTED"))
        {
            // OpenSSL's old form of an encrypted key (`openssl ec -aes256`, `openssl rsa -aes256`):
            // its bytes are ciphertext, which no key parser would tell from damage.
            return Err(KeystoreError::InvalidKey {
                reason: "it is encrypted in OpenSSL's old form (Proc-Type: 4,ENCRYPTED), which is not read: \
                         decrypt it with `openssl pkey -in KEY.pem -out plain.pem` (or convert it to encrypted \
                         PKCS#8 with `openssl pkcs8 -topk8 -in KEY.pem -out key.p8`) and import that"
                    .into(),
            });
        }
        let tag = block.tag().to_owned();
        // Taking the bytes out of the `Pem` (not copying them) leaves no unwiped copy behind.
        let contents = Zeroizing::new(block.into_contents());
        match tag.as_str() {
            "PRIVATE KEY" | "RSA PRIVATE KEY" | "EC PRIVATE KEY" => Self::from_der(&contents),
            "ENCRYPTED PRIVATE KEY" => {
                let Some(passphrase) = passphrase else {
                    return Err(KeystoreError::PassphraseRequired {
                        key_id: "in the PEM text".into(),
                    });
                };
                let info = pkcs8::EncryptedPrivateKeyInfoRef::from_der(&contents).map_err(|e| {
                    KeystoreError::InvalidKey {
                        reason: format!("bad encrypted PKCS#8: {e}"),
                    }
                })?;
                crate::pbe::check_scheme(&info.encryption_algorithm).map_err(|reason| {
                    KeystoreError::EncryptionCost {
                        what: "encrypted key",
                        reason,
                    }
                })?;
                let plain = info
                    .decrypt(passphrase)
                    .map_err(|_| KeystoreError::WrongPassphrase {
                        key_id: "in the PEM text".into(),
                    })?;
                Self::from_der(plain.as_bytes())
            }
            other => Err(KeystoreError::InvalidKey {
                reason: format!(
                    "PEM block {} is not a private key (expected PRIVATE KEY, RSA PRIVATE KEY or EC PRIVATE KEY)",
                    shown_label(other)
                ),
            }),
        }
    }

    /// The key as unencrypted PKCS#8 PEM (`-----BEGIN PRIVATE KEY-----`), in zeroizing memory.
    pub fn to_pkcs8_pem(&self) -> Zeroizing<String> {
        secret_pem("PRIVATE KEY", &self.pkcs8)
    }

    /// The key as encrypted PKCS#8 PEM (`ENCRYPTED PRIVATE KEY`): PBES2 with PBKDF2-SHA256 and
    /// AES-256-CBC, readable by `openssl pkey -passin`.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::EmptyPassword`] for an empty passphrase, [`KeystoreError::Random`] when the
    /// system random number generator fails, [`KeystoreError::InvalidKey`] if encryption fails.
    pub fn to_encrypted_pem(&self, passphrase: &str) -> Result<Zeroizing<String>> {
        if passphrase.is_empty() {
            return Err(KeystoreError::EmptyPassword);
        }
        let mut salt = [0u8; 16];
        let mut iv = [0u8; 16];
        aws_lc_rs::rand::fill(&mut salt)
            .and_then(|()| aws_lc_rs::rand::fill(&mut iv))
            .map_err(|_| KeystoreError::Random {
                what: "a salt and IV for the encrypted key",
            })?;
        let encryption_failed = |e: &dyn fmt::Display| KeystoreError::InvalidKey {
            reason: format!("encrypting the key failed: {e}"),
        };
        let params =
            pkcs8::pkcs5::pbes2::Parameters::generate_pbkdf2_sha256_aes256cbc(PBKDF2_ITERATIONS, &salt, iv)
                .map_err(|e| encryption_failed(&e))?;
        let info =
            pkcs8::PrivateKeyInfoRef::try_from(self.pkcs8.as_slice()).map_err(|e| encryption_failed(&e))?;
        let doc = info
            .encrypt_with_params(params, passphrase)
            .map_err(|e| encryption_failed(&e))?;
        Ok(Zeroizing::new(pem::encode(&pem::Pem::new(
            "ENCRYPTED PRIVATE KEY",
            doc.as_bytes().to_vec(),
        ))))
    }

    /// The key as PKCS#8 DER.
    pub fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }

    /// The public key as DER `SubjectPublicKeyInfo`.
    pub fn public_key_der(&self) -> &[u8] {
        &self.spki
    }

    /// The key's id: SHA-256 of its `SubjectPublicKeyInfo`.
    pub fn id(&self) -> KeyId {
        KeyId::of_spki(&self.spki)
    }

    /// The key size in bits: the RSA modulus size, or 256 for EC P-256.
    pub fn bits(&self) -> usize {
        self.algorithm.bits()
    }

    /// The key's algorithm: RSA (with its size) or EC P-256.
    pub fn algorithm(&self) -> KeyAlgorithm {
        self.algorithm
    }

    /// The key as an rcgen signing key, for CSRs and test certificates: signing SHA-256 with RSA
    /// (PKCS#1 v1.5) for an RSA key, ECDSA with SHA-256 for an EC P-256 key.
    pub(crate) fn rcgen_key_pair(&self) -> Result<rcgen::KeyPair> {
        let pair = rcgen::KeyPair::try_from(self.pkcs8.as_slice())
            .map_err(KeystoreError::crypto("loading the key for signing"))?;
        let expected = match self.algorithm {
            KeyAlgorithm::EcP256 => &rcgen::PKCS_ECDSA_P256_SHA256,
            KeyAlgorithm::Rsa { .. } => &rcgen::PKCS_RSA_SHA256,
        };
        if pair.algorithm() != expected {
            return Err(KeystoreError::Crypto {
                what: "loading the key for signing",
                source: format!("the key would sign with {:?}", pair.algorithm()).into(),
            });
        }
        Ok(pair)
    }
}

impl fmt::Debug for PrivateKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PrivateKey")
            .field("id", &self.id())
            .field("algorithm", &self.algorithm)
            .finish_non_exhaustive()
    }
}

/// The curve of a SEC1 `ECPrivateKey` that is not on P-256, for a refusal that names it.
fn sec1_other_curve(der: &[u8]) -> Option<&'static str> {
    use aws_lc_rs::signature::{
        ECDSA_P256K1_SHA256_ASN1_SIGNING, ECDSA_P384_SHA384_ASN1_SIGNING, ECDSA_P521_SHA512_ASN1_SIGNING,
    };
    [
        (&ECDSA_P384_SHA384_ASN1_SIGNING, "EC P-384"),
        (&ECDSA_P521_SHA512_ASN1_SIGNING, "EC P-521"),
        (&ECDSA_P256K1_SHA256_ASN1_SIGNING, "EC secp256k1"),
    ]
    .into_iter()
    .find(|(algorithm, _)| EcdsaKeyPair::from_private_key_der(algorithm, der).is_ok())
    .map(|(_, name)| name)
}

/// PEM text of secret DER, built in one pre-sized zeroizing buffer so no copy is left unwiped
/// (the `pem` crate copies its input into a plain `Vec`).
/// Says what is wrong with PEM text without quoting it.
///
/// The `pem` crate's own messages quote the BEGIN and END labels, and when a BEGIN line lacks its
/// closing dashes its "label" runs into the key body; so its messages are never shown as they are.
fn pem_error_reason(error: &pem::PemError) -> String {
    use pem::PemError;
    match error {
        PemError::MismatchedTags(begin, end) => format!(
            "its PEM BEGIN and END lines do not match ({} and {})",
            shown_label(begin),
            shown_label(end)
        ),
        PemError::MalformedFraming => {
            "its PEM BEGIN or END line is damaged (each must be a whole line ending in \"-----\")".into()
        }
        PemError::MissingBeginTag => "not PEM text: no -----BEGIN line".into(),
        PemError::MissingEndTag => "its PEM text has no -----END line".into(),
        PemError::MissingData => "its PEM block is empty".into(),
        PemError::InvalidData(_) => "its PEM body is not valid base64".into(),
        PemError::InvalidHeader(_) => "a header line of its PEM block is malformed".into(),
        PemError::NotUtf8(_) => "its PEM text is not UTF-8".into(),
    }
}

/// A PEM label as an error message may quote it: only when it reads like a label ("PRIVATE KEY",
/// "X509 CRL": short, upper-case letters, digits, spaces, dashes); anything else may be key material.
fn shown_label(label: &str) -> String {
    let label = label.trim();
    let label_like = !label.is_empty()
        && label.len() <= 40
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-');
    if label_like {
        format!("{label:?}")
    } else {
        "a damaged label (not shown)".into()
    }
}

fn secret_pem(label: &str, der: &[u8]) -> Zeroizing<String> {
    use base64::Engine as _;
    let body = der.len().div_ceil(3) * 4;
    let lines = body.div_ceil(64);
    let capacity = 2 * (label.len() + 17) + body + lines * 2 + 4;
    let mut out = Zeroizing::new(String::with_capacity(capacity));
    out.push_str("-----BEGIN ");
    out.push_str(label);
    out.push_str("-----\n");
    for chunk in der.chunks(48) {
        base64::engine::general_purpose::STANDARD.encode_string(chunk, &mut out);
        out.push('\n');
    }
    out.push_str("-----END ");
    out.push_str(label);
    out.push_str("-----\n");
    debug_assert!(
        out.len() <= capacity,
        "the buffer never grows, so never leaves a copy behind"
    );
    out
}

/// Lowercase hex of bytes.
pub(crate) fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes
        .iter()
        .fold(String::with_capacity(bytes.len() * 2), |mut s, b| {
            let _ = write!(s, "{b:02x}");
            s
        })
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use std::process::Command;
    use std::sync::OnceLock;

    /// One generated key shared by the tests of this crate: RSA generation is slow in debug builds.
    pub(crate) fn test_key() -> &'static PrivateKey {
        static KEY: OnceLock<PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| PrivateKey::generate_rsa_2048().unwrap())
    }

    /// One generated EC P-256 key shared by the tests of this crate.
    pub(crate) fn test_ec_key() -> &'static PrivateKey {
        static KEY: OnceLock<PrivateKey> = OnceLock::new();
        KEY.get_or_init(|| PrivateKey::generate_ec_p256().unwrap())
    }

    /// Asserts that `err`, shown or debugged, holds no 12-character run of the base64 body of
    /// `pem` (every line of an EC or Ed25519 key, and of a small RSA key, is secret).
    fn assert_quotes_nothing_of(pem: &str, err: &KeystoreError) {
        let secret: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        for text in [err.to_string(), format!("{err:?}")] {
            let compact: String = text
                .chars()
                .filter(|c| !c.is_whitespace() && *c != '\\')
                .collect();
            let leaked = (0..=secret.len() - 12).find(|&at| compact.contains(&secret[at..at + 12]));
            assert!(leaked.is_none(), "the error quotes the key: {text}");
        }
    }

    fn openssl(args: &[&str], input: &[u8]) -> String {
        use std::io::Write as _;
        let mut child = Command::new("openssl")
            .args(args)
            .stdin(std::process::Stdio::piped())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::piped())
            .spawn()
            .expect("openssl is installed");
        child.stdin.take().unwrap().write_all(input).unwrap();
        let out = child.wait_with_output().unwrap();
        assert!(
            out.status.success(),
            "openssl {args:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        String::from_utf8_lossy(&out.stdout).into_owned()
    }

    #[test]
    fn generated_keys_are_rsa_2048_and_openssl_reads_them() {
        let key = test_key();
        assert_eq!(key.bits(), 2048);
        let text = openssl(&["pkey", "-noout", "-text"], key.to_pkcs8_pem().as_bytes());
        assert!(text.contains("Private-Key: (2048 bit, 2 primes)"), "{text}");
    }

    #[test]
    fn the_key_id_is_the_sha256_of_the_public_key_as_openssl_encodes_it() {
        let key = test_key();
        let pub_pem = openssl(&["pkey", "-pubout"], key.to_pkcs8_pem().as_bytes());
        let der = pem::parse(&pub_pem).unwrap().into_contents();
        assert_eq!(der, key.public_key_der());
        assert_eq!(key.id(), KeyId::of_spki(&der));
        assert_eq!(key.id().to_hex().parse::<KeyId>().unwrap(), key.id());
    }

    #[test]
    fn pkcs1_and_pkcs8_pem_import_to_the_same_key() {
        let key = test_key();
        let pkcs1 = openssl(&["rsa", "-traditional"], key.to_pkcs8_pem().as_bytes());
        assert!(pkcs1.starts_with("-----BEGIN RSA PRIVATE KEY-----"), "{pkcs1}");
        let from_pkcs1 = PrivateKey::from_pem(&pkcs1).unwrap();
        let from_pkcs8 = PrivateKey::from_pem(&key.to_pkcs8_pem()).unwrap();
        assert_eq!(from_pkcs1.id(), key.id());
        assert_eq!(from_pkcs8.pkcs8_der(), key.pkcs8_der());
    }

    #[test]
    fn encrypted_pem_round_trips_and_openssl_decrypts_it() {
        let key = test_key();
        let encrypted = key.to_encrypted_pem("correct horse").unwrap();
        assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let back = PrivateKey::from_pem_with_passphrase(&encrypted, "correct horse").unwrap();
        assert_eq!(back.id(), key.id());
        assert!(matches!(
            PrivateKey::from_pem_with_passphrase(&encrypted, "wrong").unwrap_err(),
            KeystoreError::WrongPassphrase { .. }
        ));
        assert!(matches!(
            PrivateKey::from_pem(&encrypted).unwrap_err(),
            KeystoreError::PassphraseRequired { .. }
        ));
        let text = openssl(
            &["pkey", "-passin", "pass:correct horse", "-noout", "-text"],
            encrypted.as_bytes(),
        );
        assert!(text.contains("2048 bit"));
        let info = openssl(&["asn1parse"], encrypted.as_bytes());
        assert!(
            info.contains("PBES2") && info.contains("PBKDF2") && info.contains("aes-256-cbc"),
            "{info}"
        );
        assert!(key.to_encrypted_pem("").is_err());
    }

    #[test]
    fn generated_ec_keys_are_p256_and_openssl_reads_them() {
        let key = test_ec_key();
        assert_eq!(key.algorithm(), KeyAlgorithm::EcP256);
        assert_eq!(key.bits(), 256);
        let text = openssl(&["pkey", "-noout", "-text"], key.to_pkcs8_pem().as_bytes());
        assert!(text.contains("Private-Key: (256 bit)"), "{text}");
        assert!(
            text.contains("ASN1 OID: prime256v1") && text.contains("NIST CURVE: P-256"),
            "{text}"
        );
        assert_eq!(
            PrivateKey::generate(KeyAlgorithm::EcP256).unwrap().algorithm(),
            KeyAlgorithm::EcP256
        );
        assert_ne!(
            PrivateKey::generate_ec_p256().unwrap().id(),
            key.id(),
            "a new key each time"
        );
    }

    #[test]
    fn an_ec_keys_id_is_the_sha256_of_its_public_key_as_openssl_encodes_it() {
        let key = test_ec_key();
        let pub_pem = openssl(&["pkey", "-pubout"], key.to_pkcs8_pem().as_bytes());
        let der = pem::parse(&pub_pem).unwrap().into_contents();
        assert_eq!(der, key.public_key_der());
        assert_eq!(key.id(), KeyId::of_spki(&der));
        assert_eq!(KeyAlgorithm::of_public_key(&der), Some(KeyAlgorithm::EcP256));
        assert_eq!(
            KeyAlgorithm::of_public_key(test_key().public_key_der()),
            Some(KeyAlgorithm::RSA_2048)
        );
    }

    #[test]
    fn ec_pkcs8_pem_is_what_openssl_writes() {
        let ours = test_ec_key().to_pkcs8_pem();
        assert_eq!(openssl(&["pkey"], ours.as_bytes()), *ours);
    }

    #[test]
    fn sec1_and_pkcs8_pem_of_an_ec_key_import_to_the_same_key() {
        let key = test_ec_key();
        // `openssl ec` writes SEC1 (`EC PRIVATE KEY`), as `openssl ecparam -genkey` does.
        let sec1 = openssl(&["ec"], key.to_pkcs8_pem().as_bytes());
        assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"), "{sec1}");
        let from_sec1 = PrivateKey::from_pem(&sec1).unwrap();
        assert_eq!(from_sec1.id(), key.id());
        assert_eq!(from_sec1.pkcs8_der(), key.pkcs8_der(), "kept as the same PKCS#8");
        let sec1_der = pem::parse(&sec1).unwrap().into_contents();
        assert_eq!(PrivateKey::from_der(&sec1_der).unwrap().id(), key.id());
        assert_eq!(
            PrivateKey::from_pem(&key.to_pkcs8_pem()).unwrap().pkcs8_der(),
            key.pkcs8_der()
        );
    }

    #[test]
    fn a_key_from_openssl_ecparam_genkey_imports_after_its_parameters() {
        let both = openssl(&["ecparam", "-name", "prime256v1", "-genkey"], b"");
        assert!(both.starts_with("-----BEGIN EC PARAMETERS-----"), "{both}");
        let key = PrivateKey::from_pem(&both).unwrap();
        assert_eq!(key.algorithm(), KeyAlgorithm::EcP256);
        let pub_pem = openssl(&["pkey", "-pubout"], both.as_bytes());
        assert_eq!(
            pem::parse(&pub_pem).unwrap().into_contents(),
            key.public_key_der()
        );
        let only_parameters = openssl(&["ecparam", "-name", "prime256v1"], b"");
        let err = PrivateKey::from_pem(&only_parameters).unwrap_err();
        assert!(err.to_string().contains("EC parameters but no key"), "{err}");
    }

    #[test]
    fn an_encrypted_ec_key_round_trips_and_openssl_decrypts_it() {
        let key = test_ec_key();
        let encrypted = key.to_encrypted_pem("correct horse").unwrap();
        assert!(encrypted.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        let back = PrivateKey::from_pem_with_passphrase(&encrypted, "correct horse").unwrap();
        assert_eq!(back.id(), key.id());
        assert_eq!(back.algorithm(), KeyAlgorithm::EcP256);
        assert!(matches!(
            PrivateKey::from_pem_with_passphrase(&encrypted, "wrong").unwrap_err(),
            KeystoreError::WrongPassphrase { .. }
        ));
        let text = openssl(
            &["pkey", "-passin", "pass:correct horse", "-noout", "-text"],
            encrypted.as_bytes(),
        );
        assert!(text.contains("NIST CURVE: P-256"), "{text}");
        let info = openssl(&["asn1parse"], encrypted.as_bytes());
        assert!(
            info.contains("PBES2") && info.contains("PBKDF2") && info.contains("aes-256-cbc"),
            "{info}"
        );
    }

    #[test]
    fn other_curves_ed25519_and_small_rsa_keys_are_refused_by_name_without_quoting_them() {
        let p384_pkcs8 = openssl(
            &[
                "genpkey",
                "-algorithm",
                "EC",
                "-pkeyopt",
                "ec_paramgen_curve:P-384",
            ],
            b"",
        );
        let p384_sec1 = openssl(&["ec"], p384_pkcs8.as_bytes());
        let k1_sec1 = openssl(&["ecparam", "-name", "secp256k1", "-genkey", "-noout"], b"");
        let ed25519 = openssl(&["genpkey", "-algorithm", "ED25519"], b"");
        let rsa_1024 = openssl(
            &["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:1024"],
            b"",
        );
        let rsa_1024_pkcs1 = openssl(&["rsa", "-traditional"], rsa_1024.as_bytes());
        for (pem, algorithm) in [
            (&p384_pkcs8, "EC P-384"),
            (&p384_sec1, "EC P-384"),
            (&k1_sec1, "EC secp256k1"),
            (&ed25519, "Ed25519"),
            (&rsa_1024, "RSA-1024"),
            (&rsa_1024_pkcs1, "RSA-1024"),
        ] {
            let err = PrivateKey::from_pem(pem).unwrap_err();
            assert!(
                matches!(&err, KeystoreError::UnsupportedKey { algorithm: a } if a == algorithm),
                "{algorithm}: {err:?}"
            );
            assert!(
                err.to_string()
                    .starts_with(&format!("{algorithm} keys cannot be used for Apple certificates")),
                "{err}"
            );
            assert_quotes_nothing_of(pem, &err);
            // Encrypted, the same key is refused the same way once decrypted.
            if pem.contains("BEGIN PRIVATE KEY") {
                let encrypted = openssl(
                    &["pkcs8", "-topk8", "-v2", "aes-256-cbc", "-passout", "pass:pw"],
                    pem.as_bytes(),
                );
                let err = PrivateKey::from_pem_with_passphrase(&encrypted, "pw").unwrap_err();
                assert!(matches!(err, KeystoreError::UnsupportedKey { .. }), "{err:?}");
            }
        }
        // Nor is one generated.
        let err = PrivateKey::generate(KeyAlgorithm::Rsa { bits: 4096 }).unwrap_err();
        assert!(matches!(err, KeystoreError::UnsupportedKey { algorithm } if algorithm == "RSA-4096"));
    }

    #[test]
    fn a_damaged_ec_key_is_refused_without_quoting_it() {
        let pem = test_ec_key().to_pkcs8_pem();
        let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        let mut cut = body.clone();
        cut.truncate(body.len() - 1);
        let mut flipped = body[0].to_owned().into_bytes();
        flipped[40] = if flipped[40] == b'A' { b'B' } else { b'A' };
        let flipped = String::from_utf8(flipped).unwrap();
        let variants = [
            format!(
                "-----BEGIN EC PRIVATE KEY-----\n{}\n-----END EC PRIVATE KEY-----\n",
                cut.join("\n")
            ),
            format!(
                "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
                cut.join("\n")
            ),
            format!(
                "-----BEGIN PRIVATE KEY-----\n{flipped}\n{}\n-----END PRIVATE KEY-----\n",
                body[1..].join("\n")
            ),
            pem.replace("-----BEGIN PRIVATE KEY-----", "-----BEGIN PRIVATE KEY"),
        ];
        for variant in &variants {
            if let Err(err) = PrivateKey::from_pem(variant) {
                assert_quotes_nothing_of(&pem, &err);
            }
        }
    }

    #[test]
    fn keys_apple_does_not_take_and_non_key_pem_are_refused_with_a_reason() {
        let p384 = rcgen::KeyPair::generate_for(&rcgen::PKCS_ECDSA_P384_SHA384)
            .unwrap()
            .serialize_pem();
        let err = PrivateKey::from_pem(&p384).unwrap_err();
        assert!(
            matches!(&err, KeystoreError::UnsupportedKey { algorithm } if algorithm == "EC P-384"),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            "EC P-384 keys cannot be used for Apple certificates: Apple takes RSA-2048 keys, and EC P-256 \
             keys for Apple Pay payment processing (APPLE_PAY)"
        );
        let cert = pem::encode(&pem::Pem::new("CERTIFICATE", vec![1, 2, 3]));
        let err = PrivateKey::from_pem(&cert).unwrap_err();
        assert!(
            err.to_string().contains("\"CERTIFICATE\" is not a private key"),
            "{err}"
        );
    }

    #[test]
    fn an_encrypted_key_asking_for_unbounded_work_is_refused_before_decryption() {
        use crate::pbe::tests::{encrypted_key_der, pbkdf2, scrypt};
        // 4 billion iterations would run for most of an hour; an scrypt cost of 0 panics in pkcs5.
        for (kdf, expected) in [
            (pbkdf2(u32::MAX), "4294967295 PBKDF2 iterations"),
            (scrypt(0, 8, 1), "scrypt cost N = 0"),
            (scrypt(1 << 40, 8, 1), "more than 1024 MiB"),
        ] {
            let pem = pem::encode(&pem::Pem::new("ENCRYPTED PRIVATE KEY", encrypted_key_der(kdf)));
            let err = PrivateKey::from_pem_with_passphrase(&pem, "passphrase").unwrap_err();
            assert!(
                matches!(
                    err,
                    KeystoreError::EncryptionCost {
                        what: "encrypted key",
                        ..
                    }
                ),
                "{err:?}"
            );
            assert!(err.to_string().contains(expected), "{err}");
        }
    }

    #[test]
    fn pkcs8_pem_is_what_openssl_writes() {
        let key = test_key();
        let ours = key.to_pkcs8_pem();
        assert_eq!(openssl(&["pkey"], ours.as_bytes()), *ours);
    }

    #[test]
    fn debug_never_shows_key_material() {
        for key in [test_key(), test_ec_key()] {
            let debug = format!("{key:?}");
            assert!(
                debug.starts_with("PrivateKey { id: KeyId(") && debug.ends_with(", .. }"),
                "{debug}"
            );
            assert!(!debug.contains(&hex(&key.pkcs8_der()[..16])));
            assert!(!debug.contains(&hex(&key.pkcs8_der()[key.pkcs8_der().len() - 16..])));
        }
        assert!(format!("{:?}", test_ec_key()).contains("algorithm: EcP256"));
    }

    #[test]
    fn a_damaged_pem_never_quotes_the_key() {
        let pem = test_key().to_pkcs8_pem();
        // The lines after the modulus (the private exponent and primes) are the secret part.
        let secret: String = pem.lines().filter(|l| !l.starts_with("-----")).skip(8).collect();
        let begin = "-----BEGIN PRIVATE KEY-----";
        let end = "-----END PRIVATE KEY-----";
        let certificate = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
        let variants = [
            pem.replace(begin, "-----BEGIN PRIVATE KEY"),
            pem.replace(end, "-----END PRIVATE KEY"),
            pem.replace(end, "-----END RSA PRIVATE KEY-----"),
            // A key and certificate bundle whose key BEGIN line is damaged: `pem` takes the whole
            // key body for the BEGIN label and reports it as mismatching the certificate's END.
            format!("{}{certificate}", pem.replace(begin, "-----BEGIN PRIVATE KEY")),
            pem.replacen("-----\n", " ", 1),
        ];
        for (i, variant) in variants.iter().enumerate() {
            let err = PrivateKey::from_pem(variant).unwrap_err();
            for text in [err.to_string(), format!("{err:?}")] {
                let compact: String = text
                    .chars()
                    .filter(|c| !c.is_whitespace() && *c != '\\')
                    .collect();
                let leaked = (0..=secret.len() - 12).find(|&at| compact.contains(&secret[at..at + 12]));
                assert!(leaked.is_none(), "variant {i} quotes the key: {text}");
            }
        }
        assert_eq!(
            PrivateKey::from_pem(&variants[3]).unwrap_err().to_string(),
            "not a usable private key: its PEM BEGIN and END lines do not match (a damaged label \
             (not shown) and \"CERTIFICATE\")"
        );
    }
}
