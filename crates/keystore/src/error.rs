//! [`KeystoreError`]: everything that can go wrong with keys, CSRs, pairing and PKCS#12 export.
//!
//! No variant ever carries key material or a password: messages name files, key ids and
//! certificate subjects only.

use std::path::PathBuf;

/// A lower-level library's error, kept as the source of a [`KeystoreError`] without naming its
/// type, so that a new major version of rcgen or p12-keystore is not a breaking change here.
pub type BoxedSource = Box<dyn std::error::Error + Send + Sync>;

/// The error type of this crate.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeystoreError {
    /// A file or folder could not be read, written, created or renamed.
    #[error("could not {action} {}: {source}", path.display())]
    Io {
        /// What was being done, such as "write" or "create the key folder".
        action: &'static str,
        /// The file or folder concerned.
        path: PathBuf,
        /// What the operating system said.
        #[source]
        source: std::io::Error,
    },
    /// A key folder that other users can read or enter: keys are kept only in folders that are 0700.
    #[error(
        "{} is open to other users (mode {mode:o}); key folders must be 0700: run `chmod 700 {}`",
        path.display(),
        path.display()
    )]
    InsecureFolder {
        /// The folder.
        path: PathBuf,
        /// Its permission bits.
        mode: u32,
    },
    /// A key folder that is a symbolic link, or that another user owns: whoever owns it, or can
    /// change where the link points, controls where keys are written.
    #[error("{} cannot hold keys: {reason}", path.display())]
    ForeignFolder {
        /// The folder.
        path: PathBuf,
        /// What is wrong: "it is a symbolic link", "it is owned by user 1001, not by you (1000)".
        reason: String,
    },
    /// Neither `ASCERT_HOME` nor a platform data folder is available.
    #[error("no folder for keys: set ASCERT_HOME or pass a folder explicitly")]
    NoHomeFolder,
    /// Key generation or signing failed inside the crypto library.
    #[error("{what} failed: {source}")]
    Crypto {
        /// What was being done, such as "RSA key generation".
        what: &'static str,
        /// The crypto library's error.
        #[source]
        source: BoxedSource,
    },
    /// The system's random number generator failed (while making a salt, an IV or a one-time
    /// password).
    #[error("the system random number generator failed while making {what}")]
    Random {
        /// What the random bytes were for, such as "a salt and IV for the encrypted key".
        what: &'static str,
    },
    /// Text or bytes that are not a private key this crate can use.
    #[error("not a usable private key: {reason}")]
    InvalidKey {
        /// Why, without any key material.
        reason: String,
    },
    /// A key of an algorithm, curve or size that Apple's certificates do not take: EC on a curve
    /// other than P-256, Ed25519, RSA smaller than 2048 bits, …
    #[error(
        "{algorithm} keys cannot be used for Apple certificates: Apple takes RSA-2048 keys, and EC P-256 keys \
         for Apple Pay payment processing (APPLE_PAY)"
    )]
    UnsupportedKey {
        /// What the key is, such as "EC P-384", "Ed25519" or "RSA-1024"; never any of its material.
        algorithm: String,
    },
    /// A key stored encrypted, with no passphrase given.
    #[error("the key {key_id} is encrypted: set ASCERT_KEY_PASSPHRASE to its passphrase")]
    PassphraseRequired {
        /// The key's id (SHA-256 of its public key, hex), or "in the PEM text" for a key being read.
        key_id: String,
    },
    /// A key written without a passphrase into a keystore that keeps its keys encrypted.
    #[error(
        "the keystore {} keeps its keys encrypted: set ASCERT_KEY_PASSPHRASE to write a key into it",
        folder.display()
    )]
    PassphraseRequiredToWrite {
        /// The keystore folder.
        folder: PathBuf,
    },
    /// A passphrase that does not decrypt the key.
    #[error("the passphrase does not decrypt the key {key_id}")]
    WrongPassphrase {
        /// The key's id, or "in the PEM text" for a key being read.
        key_id: String,
    },
    /// A CSR subject that cannot be encoded as Apple expects.
    #[error("invalid CSR subject: {reason}")]
    InvalidSubject {
        /// Which field is wrong and why.
        reason: String,
    },
    /// Bytes that are not an X.509 certificate.
    #[error("not a valid X.509 certificate: {reason}")]
    InvalidCertificate {
        /// What the parser found.
        reason: String,
    },
    /// A certificate from the API that carries no usable content.
    #[error(transparent)]
    Model(#[from] ascert_models::ModelError),
    /// No key with this id in the keystore.
    #[error("no key {key_id} in {}", folder.display())]
    KeyNotFound {
        /// The key id asked for.
        key_id: String,
        /// The keystore folder.
        folder: PathBuf,
    },
    /// A metadata record that is not valid JSON of the expected shape.
    #[error("metadata record {} is damaged: {source}", path.display())]
    Metadata {
        /// The record file.
        path: PathBuf,
        /// What the JSON parser found.
        #[source]
        source: BoxedSource,
    },
    /// The private key does not belong to the certificate it is to be bundled with.
    #[error("the private key does not match the certificate {subject}")]
    KeyCertificateMismatch {
        /// The certificate's subject.
        subject: String,
    },
    /// An empty PKCS#12 password: macOS 15 refuses such files.
    #[error("a PKCS#12 password must not be empty (macOS refuses password-less .p12 files)")]
    EmptyPassword,
    /// Too few PBE iterations for a PKCS#12 file.
    #[error("{iterations} iterations is too few; use at least {minimum}")]
    TooFewIterations {
        /// Iterations asked for.
        iterations: u32,
        /// The minimum accepted.
        minimum: u32,
    },
    /// Building or reading a PKCS#12 file failed.
    #[error("PKCS#12 {what} failed: {source}")]
    Pkcs12 {
        /// "export" or "import".
        what: &'static str,
        /// What the PKCS#12 library found.
        #[source]
        source: BoxedSource,
    },
    /// An encrypted key or PKCS#12 file whose key derivation asks for more work or memory than
    /// the bounds of [`MAX_PBKDF2_ITERATIONS`](crate::MAX_PBKDF2_ITERATIONS) and
    /// [`MAX_SCRYPT_MEMORY`](crate::MAX_SCRYPT_MEMORY), or for parameters that are not valid.
    #[error("the {what} is refused before decryption: {reason}")]
    EncryptionCost {
        /// "encrypted key" or "PKCS#12 file".
        what: &'static str,
        /// Which bound is broken, with the file's figure.
        reason: String,
    },
    /// A PKCS#12 file so malformed that the PKCS#12 library failed on it instead of reporting it.
    #[error("the PKCS#12 file is malformed: the PKCS#12 reader failed on it")]
    Pkcs12Malformed,
    /// A PKCS#12 file whose integrity check (its MAC) fails, or whose key does not decrypt: the
    /// password is wrong, or the file was damaged (cut short, changed, or saved as text).
    #[error("wrong password, or the PKCS#12 file is damaged (its integrity check failed)")]
    Pkcs12WrongPassword,
    /// A PKCS#12 file with no private key in it.
    #[error("the PKCS#12 file holds no private key")]
    Pkcs12WithoutKey,
    /// No certificate found that issued the leaf.
    #[error(
        "no intermediate certificate named {issuer:?} found (looked in {searched}); \
         download it from https://www.apple.com/certificateauthority/ into a CA folder"
    )]
    IntermediateNotFound {
        /// The leaf's issuer name.
        issuer: String,
        /// Where the search looked, comma-separated.
        searched: String,
    },
    /// A certificate named like an Apple intermediate whose fingerprint is not one of Apple's.
    #[error(
        "{subject:?} (SHA-256 {sha256}) claims to be an Apple CA but is not one of Apple's published certificates"
    )]
    UnpinnedAppleIntermediate {
        /// The impostor's subject.
        subject: String,
        /// Its SHA-256 fingerprint, hex.
        sha256: String,
    },
    /// An intermediate whose key did not sign the leaf.
    #[error("{subject:?} has the leaf's issuer name but did not sign the leaf: {reason}")]
    IntermediateDoesNotVerify {
        /// The intermediate's subject.
        subject: String,
        /// What the verification found.
        reason: String,
    },
    /// The macOS keychain refused an identity, or this is not macOS.
    #[error(transparent)]
    Keychain(#[from] ascert_keychain::KeychainError),
    /// The caller's download of an AIA caIssuers URL failed.
    #[error("could not download the issuing certificate from {url}: {source}")]
    Fetch {
        /// The URL.
        url: String,
        /// The fetcher's error.
        #[source]
        source: BoxedSource,
    },
}

impl KeystoreError {
    /// Wraps an I/O error with what was being done and where.
    pub(crate) fn io(action: &'static str, path: impl Into<PathBuf>, source: std::io::Error) -> Self {
        Self::Io {
            action,
            path: path.into(),
            source,
        }
    }

    /// A [`KeystoreError::Crypto`] for `what`, from the crypto library's error.
    pub(crate) fn crypto(what: &'static str) -> impl FnOnce(rcgen::Error) -> Self {
        move |source| Self::Crypto {
            what,
            source: Box::new(source),
        }
    }

    /// A [`KeystoreError::Pkcs12`] for `what`, from the PKCS#12 library's error.
    pub(crate) fn pkcs12(what: &'static str) -> impl Fn(p12_keystore::error::Error) -> Self + Copy {
        move |source| Self::Pkcs12 {
            what,
            source: Box::new(source),
        }
    }

    /// An [`KeystoreError::InvalidCertificate`] from anything printable.
    pub(crate) fn certificate(reason: impl std::fmt::Display) -> Self {
        Self::InvalidCertificate {
            reason: reason.to_string(),
        }
    }
}

/// Result alias for this crate.
pub type Result<T, E = KeystoreError> = std::result::Result<T, E>;
