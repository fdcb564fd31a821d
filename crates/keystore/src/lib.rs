//! Private keys, CSRs, key/certificate pairing and PKCS#12 export for Apple code-signing identities.
//!
//! - [`PrivateKey`] and [`KeyId`]: RSA-2048 and EC P-256 generation, PEM import (PKCS#1, SEC1,
//!   PKCS#8, encrypted PKCS#8) and export; a key is identified by the SHA-256 of its public key.
//! - [`KeyAlgorithm`]: which key a certificate type takes (EC P-256 for Apple Pay payment
//!   processing, `APPLE_PAY`; RSA-2048 for every other type).
//! - [`create_csr`]: the certificate signing request Apple expects (Keychain Access's form), signed
//!   SHA-256 with RSA or ECDSA with SHA-256.
//! - [`Keystore`] and [`KeyRecord`]: the key folder (0700), one 0600 file per key plus its
//!   metadata record, optionally encrypted at rest with `ASCERT_KEY_PASSPHRASE`.
//! - [`CertificateInfo`] and [`pair`]: which certificates have their key here.
//! - [`build_pkcs12`] / [`export_pkcs12`] / [`read_pkcs12`]: PKCS#12 in the form macOS accepts
//!   ([`Pkcs12Format::Compatible`]) or the modern one.
//! - [`IntermediateFinder`]: the issuing intermediate, from CA folders, a cache, or the leaf's AIA
//!   URL through a caller-supplied [`IssuerFetcher`]; Apple's CAs are pinned by SHA-256.
//! - [`install_identity`]: the key and certificates straight into the macOS keychain (through
//!   ascert-keychain; "only on macOS" elsewhere).
//! - Files read are checked before any key is derived from a password: [`MAX_PBKDF2_ITERATIONS`],
//!   [`MAX_SCRYPT_MEMORY`] and [`MAX_SCRYPT_PARALLELISM`] bound what a hostile file can make a
//!   reader spend.
//! - [`write_atomic`]: every file this crate writes goes through it (temp file, fsync, rename,
//!   folder fsync).
//!
//! This crate makes no network requests and never prints.
//!
//! # Public dependencies
//!
//! Third-party types in this crate's API are re-exported, so that a caller names the versions this
//! crate was built with: the [`time`] crate (a certificate's `not_after`, a record's `created`:
//! `time::OffsetDateTime`) and the [`zeroize`] crate, with its one type in this API, [`Zeroizing`]
//! (`zeroize::Zeroizing`: PEM text and passphrases). Errors of the libraries
//! underneath (rcgen, p12-keystore, the JSON parser) are kept as boxed sources ([`BoxedSource`]) of
//! [`KeystoreError`], never as the types of its fields; a failed random number generator is its
//! own variant, [`KeystoreError::Random`].
//!
//! ```no_run
//! use ascert_keystore::{
//!     CertificateInfo, CsrSubject, IntermediateFinder, Keystore, Pkcs12Options, export_pkcs12,
//! };
//! let store = Keystore::open_default()?;
//! // 1. Key and CSR; the key is on disk before the CSR is returned.
//! // (With a certificate type, the key is the one that type takes: EC P-256 for APPLE_PAY.)
//! let (record, csr) = store.generate("CI", None, &CsrSubject::new("Jane Doe", "jane@example.com"))?;
//! // 2. Send csr.pem() to App Store Connect; it answers with the certificate.
//! # let der: Vec<u8> = Vec::new();
//! let leaf = CertificateInfo::from_der(&der)?;
//! store.set_certificate(&record.key_id, &leaf)?;
//! // 3. Bundle key, leaf and intermediate for macOS.
//! let wwdr = IntermediateFinder::new().ca_folder("Apple CAs").find(&leaf)?;
//! let key = store.load_key(&record.key_id)?;
//! export_pkcs12(
//!     "identity.p12".as_ref(), &key, &leaf, &[wwdr.certificate], "a password", Pkcs12Options::compatible(),
//! )?;
//! # Ok::<(), ascert_keystore::KeystoreError>(())
//! ```

mod algorithm;
mod atomic;
mod bounded;
mod cert;
mod csr;
mod error;
mod install;
mod intermediates;
#[cfg(test)]
mod interop_tests;
mod key;
mod pairing;
mod pbe;
mod pkcs12;
mod record;
mod runs;
mod store;

pub use time;
pub use zeroize::{self, Zeroizing};

pub use algorithm::{KeyAlgorithm, RSA_BITS};
pub use atomic::{FileMode, ensure_private_folder, write_atomic};
pub use bounded::MAX_CERTIFICATE_FILE;
pub use cert::CertificateInfo;
pub use csr::{Csr, CsrSubject, create_csr};
pub use error::{BoxedSource, KeystoreError, Result};
pub use install::{Identity, Installed, Keychain, Secret, SecurityTool, install_identity, keychain_bundle};
pub use intermediates::{
    APPLE_CA_SHA256, FoundIntermediate, IntermediateFinder, IntermediateSource, IssuerFetcher, apple_ca_name,
};
pub use key::{KeyId, PrivateKey};
pub use pairing::{KeyOnlyState, Pairing, PairingStatus, pair};
pub use pbe::{MAX_PBKDF2_ITERATIONS, MAX_SCRYPT_MEMORY, MAX_SCRYPT_PARALLELISM};
pub use pkcs12::{
    MIN_ITERATIONS, MODERN_ITERATIONS, Pkcs12Contents, Pkcs12Format, Pkcs12Options, build_pkcs12,
    export_pkcs12, read_pkcs12,
};
pub use record::KeyRecord;
pub use runs::RunLock;
pub use store::{HOME_ENV, Keystore, PASSPHRASE_ENV};
