//! Private keys, CSRs, key/certificate pairing and PKCS#12 export for Apple code-signing identities.
//!
//! - [`PrivateKey`] and [`KeyId`]: RSA-2048 generation, PEM import (PKCS#1, PKCS#8, encrypted
//!   PKCS#8) and export; a key is identified by the SHA-256 of its public key.
//! - [`create_csr`]: the certificate signing request Apple expects.
//! - [`write_atomic`]: every file this crate writes goes through it.

mod atomic;
mod cert;
mod csr;
mod error;
mod intermediates;
mod key;
mod pairing;
mod pkcs12;
mod record;
mod store;

pub use atomic::{FileMode, ensure_private_folder, write_atomic};
pub use cert::CertificateInfo;
pub use csr::{Csr, CsrSubject, create_csr};
pub use error::{KeystoreError, Result};
pub use intermediates::{
    APPLE_CA_SHA256, FoundIntermediate, IntermediateFinder, IntermediateSource, IssuerFetcher, apple_ca_name,
};
pub use key::{KeyId, PrivateKey, RSA_BITS};
pub use pairing::{KeyOnlyState, Pairing, pair};
pub use pkcs12::{
    MIN_ITERATIONS, Pkcs12Contents, Pkcs12Format, Pkcs12Options, build_pkcs12, export_pkcs12, read_pkcs12,
};
pub use record::KeyRecord;
pub use store::{HOME_ENV, Keystore, PASSPHRASE_ENV};
