//! Every operation on systems other than macOS: a clear "only on macOS" error.

use crate::error::{KeychainError, Result};
use crate::identity::Identity;
use crate::keychain::Keychain;

fn only_on_macos<T>() -> Result<T> {
    Err(KeychainError::OnlyOnMacos {
        os: std::env::consts::OS,
    })
}

pub(crate) fn import_pkcs12(_: &Keychain, _: &[u8], _: &str, _: Option<&[u8]>) -> Result<Identity> {
    only_on_macos()
}

pub(crate) fn list_codesigning_identities(_: &Keychain) -> Result<Vec<Identity>> {
    only_on_macos()
}

pub(crate) fn find_identity(_: &Keychain, _: &[u8; 20]) -> Result<Option<Identity>> {
    only_on_macos()
}

pub(crate) fn delete_identity(_: &Keychain, _: &[u8; 20]) -> Result<()> {
    only_on_macos()
}

pub(crate) fn allow_codesign(_: &Keychain, _: &Identity, _: Option<&str>) -> Result<()> {
    only_on_macos()
}
