//! [`Keychain`]: which keychain to work on — the login keychain or a file — and how a name a user
//! types becomes a path.

use std::path::{Path, PathBuf};

use crate::error::{KeychainError, Result};

/// A macOS keychain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub enum Keychain {
    /// The user's login keychain, `~/Library/Keychains/login.keychain-db`.
    #[default]
    Login,
    /// A keychain file, such as one `ascert keychain create` made for a CI job.
    Path(PathBuf),
}

/// `~/Library/Keychains`.
///
/// # Errors
///
/// [`KeychainError::NoHome`] when `HOME` is unset.
pub fn keychains_folder() -> Result<PathBuf> {
    std::env::var_os("HOME")
        .filter(|h| !h.is_empty())
        .map(|home| PathBuf::from(home).join("Library/Keychains"))
        .ok_or(KeychainError::NoHome)
}

impl Keychain {
    /// The keychain a user named: `login` (or `login.keychain`, `login.keychain-db`) is the login
    /// keychain; a name with a `/` is a path (made absolute); any other name is a file in
    /// `~/Library/Keychains`, as `security` itself resolves names.
    ///
    /// # Errors
    ///
    /// [`KeychainError::NoHome`] for a bare name when `HOME` is unset.
    pub fn named(name: &str) -> Result<Self> {
        if matches!(name, "login" | "login.keychain" | "login.keychain-db") {
            return Ok(Self::Login);
        }
        if name.contains('/') {
            return Ok(Self::Path(absolute(Path::new(name))));
        }
        Ok(Self::Path(keychains_folder()?.join(name)))
    }

    /// The path of the keychain file. For [`Keychain::Login`], `login.keychain-db` unless only
    /// the old `login.keychain` exists (codemagic's `use-login` looks for both). For a path whose
    /// file is missing, the same path with `-db` appended if that exists: `security
    /// create-keychain NAME.keychain` makes `NAME.keychain-db` since macOS 10.12.
    ///
    /// # Errors
    ///
    /// [`KeychainError::NoHome`] for the login keychain when `HOME` is unset.
    pub fn path(&self) -> Result<PathBuf> {
        match self {
            Self::Login => {
                let folder = keychains_folder()?;
                let modern = folder.join("login.keychain-db");
                let old = folder.join("login.keychain");
                Ok(if !modern.exists() && old.exists() {
                    old
                } else {
                    modern
                })
            }
            Self::Path(path) => {
                let mut with_db = path.clone().into_os_string();
                with_db.push("-db");
                let with_db = PathBuf::from(with_db);
                Ok(if !path.exists() && with_db.exists() {
                    with_db
                } else {
                    path.clone()
                })
            }
        }
    }

    /// The path of the keychain file, which must exist.
    ///
    /// # Errors
    ///
    /// [`KeychainError::NoSuchKeychain`] if there is no such file (for the login keychain,
    /// [`KeychainError::NoLoginKeychain`]).
    pub fn existing_path(&self) -> Result<PathBuf> {
        let path = self.path()?;
        if path.is_file() {
            Ok(path)
        } else if matches!(self, Self::Login) {
            Err(KeychainError::NoLoginKeychain {
                folder: keychains_folder()?,
            })
        } else {
            Err(KeychainError::NoSuchKeychain { path })
        }
    }
}

/// The file a new keychain named `name` gets: as [`Keychain::named`], with the `.keychain-db`
/// suffix macOS gives new keychains (`ci` → `ci.keychain-db`, `ci.keychain` → `ci.keychain-db`),
/// so the path ascert records is the file `security` creates.
///
/// # Errors
///
/// [`KeychainError::NoHome`] for a bare name when `HOME` is unset.
pub fn new_keychain_path(name: &str) -> Result<PathBuf> {
    let base = if name.contains('/') {
        absolute(Path::new(name))
    } else {
        keychains_folder()?.join(name)
    };
    let text = base.to_string_lossy();
    Ok(if text.ends_with(".keychain-db") {
        base
    } else if text.ends_with(".keychain") {
        PathBuf::from(format!("{text}-db"))
    } else {
        PathBuf::from(format!("{text}.keychain-db"))
    })
}

/// `path` made absolute against the current folder (`security` would resolve a relative path
/// itself, but the search list and ascert's records need one spelling).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_become_paths_as_security_resolves_them() {
        assert_eq!(Keychain::named("login").unwrap(), Keychain::Login);
        assert_eq!(
            Keychain::named("/tmp/ci.keychain-db").unwrap(),
            Keychain::Path("/tmp/ci.keychain-db".into())
        );
        let relative = Keychain::named("./ci.keychain-db").unwrap();
        let Keychain::Path(p) = relative else { panic!() };
        assert!(p.is_absolute(), "{}", p.display());
        if let Ok(folder) = keychains_folder() {
            assert_eq!(
                Keychain::named("build.keychain").unwrap(),
                Keychain::Path(folder.join("build.keychain"))
            );
            assert_eq!(new_keychain_path("ci").unwrap(), folder.join("ci.keychain-db"));
        }
        assert_eq!(
            new_keychain_path("/tmp/a.keychain").unwrap(),
            PathBuf::from("/tmp/a.keychain-db")
        );
        assert_eq!(
            new_keychain_path("/tmp/a.keychain-db").unwrap(),
            PathBuf::from("/tmp/a.keychain-db")
        );
    }

    #[test]
    fn a_missing_file_is_found_with_its_db_suffix() {
        let dir = tempfile::tempdir().unwrap();
        let named = dir.path().join("ci.keychain");
        std::fs::write(dir.path().join("ci.keychain-db"), b"").unwrap();
        assert_eq!(
            Keychain::Path(named.clone()).existing_path().unwrap(),
            dir.path().join("ci.keychain-db")
        );
        let err = Keychain::Path(dir.path().join("none"))
            .existing_path()
            .unwrap_err();
        assert!(matches!(err, KeychainError::NoSuchKeychain { .. }), "{err}");
    }
}
