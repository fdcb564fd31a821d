//! [`Keychain`]: which keychain to work on, the login keychain or a named file.

use std::path::PathBuf;

use crate::error::{KeychainError, Result};

/// A macOS keychain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Keychain {
    /// The user's login keychain, `~/Library/Keychains/login.keychain-db`.
    #[default]
    Login,
    /// A keychain file, such as one a CI job created with `security create-keychain`.
    Path(PathBuf),
}

impl Keychain {
    /// The keychain file's path.
    ///
    /// # Errors
    ///
    /// [`KeychainError::NoHome`] for [`Keychain::Login`] when `HOME` is unset.
    pub fn path(&self) -> Result<PathBuf> {
        match self {
            Self::Path(path) => Ok(path.clone()),
            Self::Login => std::env::var_os("HOME")
                .filter(|h| !h.is_empty())
                .map(|home| PathBuf::from(home).join("Library/Keychains/login.keychain-db"))
                .ok_or(KeychainError::NoHome),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_named_keychain_is_its_path_and_login_lives_under_home() {
        assert_eq!(
            Keychain::Path("/tmp/ci.keychain-db".into()).path().unwrap(),
            PathBuf::from("/tmp/ci.keychain-db")
        );
        if let Some(home) = std::env::var_os("HOME").filter(|h| !h.is_empty()) {
            assert_eq!(
                Keychain::Login.path().unwrap(),
                PathBuf::from(home).join("Library/Keychains/login.keychain-db")
            );
        }
    }
}
