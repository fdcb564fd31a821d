//! Private keys, CSRs, key/certificate pairing and PKCS#12 export for Apple code-signing identities.
//!
//! - [`PrivateKey`] and [`KeyId`]: RSA-2048 generation, PEM import (PKCS#1, PKCS#8, encrypted
//!   PKCS#8) and export; a key is identified by the SHA-256 of its public key.
//! - [`create_csr`]: the certificate signing request Apple expects.
//! - [`write_atomic`]: every file this crate writes goes through it.

mod atomic;
mod csr;
mod error;
mod key;

pub use atomic::{FileMode, ensure_private_folder, write_atomic};
pub use csr::{Csr, CsrSubject, create_csr};
pub use error::{KeystoreError, Result};
pub use key::{KeyId, PrivateKey, RSA_BITS};
