//! Signing identities in the macOS keychain: import a PKCS#12 (and its issuing intermediate),
//! let codesign use the key without a prompt, list code-signing identities, find one by its
//! certificate's SHA-1, and delete one.
//!
//! On macOS the work is done by the Security framework (through `security-framework`), and the
//! key partition list by `/usr/bin/security set-key-partition-list`, since the framework has no
//! public call for it. On every other system the crate builds and each call returns
//! [`KeychainError::OnlyOnMacos`].
//!
//! ```no_run
//! use ascert_keychain::{Keychain, allow_codesign, import_pkcs12};
//! let p12 = std::fs::read("identity.p12")?;
//! let wwdr = std::fs::read("AppleWWDRCAG3.cer")?;
//! let identity = import_pkcs12(&Keychain::Login, &p12, "p12 password", Some(&wwdr))?;
//! allow_codesign(&Keychain::Login, &identity, Some("login password"))?;
//! println!("codesign --sign {}", identity.sha1_hex());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod error;
mod identity;
mod keychain;
#[cfg(target_os = "macos")]
mod macos;
// Built everywhere so its argument building is tested on Linux too; only macOS calls it.
#[cfg_attr(
    not(target_os = "macos"),
    allow(dead_code, reason = "used by the macOS implementation")
)]
mod partition;
#[cfg(not(target_os = "macos"))]
mod unsupported;

#[cfg(target_os = "macos")]
use macos as imp;
#[cfg(not(target_os = "macos"))]
use unsupported as imp;

pub use error::{KeychainError, Result};
pub use identity::{Identity, parse_sha1};
pub use keychain::Keychain;
pub use partition::{CODESIGN_PARTITIONS, SECURITY_TOOL};

/// Imports a PKCS#12 file's identity into `keychain`, and `intermediate_der` (the issuing CA
/// certificate) unless the keychain already holds it.
///
/// Use the "compatible" PKCS#12 form (3DES, SHA-1 MAC): macOS refuses AES/SHA-256 files with
/// "MAC verification failed during PKCS12 import".
///
/// # Errors
///
/// [`KeychainError::OnlyOnMacos`] elsewhere; [`KeychainError::Security`] if the framework refuses
/// (wrong password, locked keychain, duplicate identity); [`KeychainError::NoIdentityInPkcs12`].
pub fn import_pkcs12(
    keychain: &Keychain,
    p12: &[u8],
    password: &str,
    intermediate_der: Option<&[u8]>,
) -> Result<Identity> {
    imp::import_pkcs12(keychain, p12, password, intermediate_der)
}

/// Lets codesign use the identity's private key without a prompt, by setting the key's partition
/// list to [`CODESIGN_PARTITIONS`] with `/usr/bin/security set-key-partition-list`.
///
/// The keychain password is passed to `security` as `-k` (the only non-interactive way it
/// accepts); without one, `security` asks on the terminal.
///
/// # Errors
///
/// [`KeychainError::OnlyOnMacos`] elsewhere; [`KeychainError::CommandFailed`] if `security`
/// fails (wrong keychain password, no key with the identity's label).
pub fn allow_codesign(
    keychain: &Keychain,
    identity: &Identity,
    keychain_password: Option<&str>,
) -> Result<()> {
    imp::allow_codesign(keychain, identity, keychain_password)
}

/// The identities in `keychain` whose certificate allows code signing.
///
/// # Errors
///
/// [`KeychainError::OnlyOnMacos`] elsewhere; [`KeychainError::Security`] if the keychain cannot be
/// opened or searched.
pub fn list_codesigning_identities(keychain: &Keychain) -> Result<Vec<Identity>> {
    imp::list_codesigning_identities(keychain)
}

/// The identity whose certificate has this SHA-1 (see [`parse_sha1`]), if the keychain has it.
///
/// # Errors
///
/// As [`list_codesigning_identities`].
pub fn find_identity(keychain: &Keychain, sha1: &[u8; 20]) -> Result<Option<Identity>> {
    imp::find_identity(keychain, sha1)
}

/// Deletes the identity (certificate and private key) whose certificate has this SHA-1.
///
/// # Errors
///
/// [`KeychainError::NotFound`] if there is none; otherwise as [`list_codesigning_identities`].
pub fn delete_identity(keychain: &Keychain, sha1: &[u8; 20]) -> Result<()> {
    imp::delete_identity(keychain, sha1)
}

#[cfg(all(test, not(target_os = "macos")))]
mod tests {
    use super::*;

    #[test]
    fn every_call_says_only_on_macos() {
        let kc = Keychain::Login;
        let errors = [
            import_pkcs12(&kc, b"", "pw", None).unwrap_err(),
            list_codesigning_identities(&kc).unwrap_err(),
            find_identity(&kc, &[0; 20]).unwrap_err(),
            delete_identity(&kc, &[0; 20]).unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, KeychainError::OnlyOnMacos { .. }));
            assert_eq!(
                err.to_string(),
                format!(
                    "the keychain is only available on macOS (this system is {}); export a .p12 file instead",
                    std::env::consts::OS
                )
            );
        }
    }
}
