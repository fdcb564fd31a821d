//! [`Keychain`]: which keychain to work on — the login keychain or a file — and how a name a user
//! types becomes a path.

use std::path::{Path, PathBuf};

use crate::command::{self, Secret};
use crate::error::{KeychainError, Result};
use crate::runner::SecurityTool;

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

    /// The path of the keychain file, the one resolver of every command (so `keychain create ci`,
    /// `--keychain ci` and `keychain delete ci` name one file). For [`Keychain::Login`],
    /// `login.keychain-db` unless only the old `login.keychain` exists (codemagic's `use-login`
    /// looks for both). For a path, the first that exists of: the path itself, the path with
    /// `-db` appended (`security create-keychain NAME.keychain` makes `NAME.keychain-db` since
    /// macOS 10.12), with `.keychain-db` appended (what `keychain create NAME` makes), with
    /// `.keychain` appended (an older keychain); when none exists, the file `keychain create` would
    /// make ([`new_keychain_path`]), so an error names the file a user expects.
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
                let with = |suffix: &str| {
                    let mut name = path.clone().into_os_string();
                    name.push(suffix);
                    PathBuf::from(name)
                };
                let candidates = [path.clone(), with("-db"), with(".keychain-db"), with(".keychain")];
                Ok(candidates
                    .into_iter()
                    .find(|p| p.is_file())
                    .unwrap_or_else(|| with_keychain_suffix(path.clone())))
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

/// Whether `path` is a keychain of the system rather than of a user: the System keychain and
/// anything under `/Library/Keychains` or `/System` (the system roots, `FileVault`'s). ascert never
/// deletes one of those, whatever it is asked.
pub fn is_system_keychain(path: &Path) -> bool {
    let path = absolute(path);
    path.starts_with("/Library/Keychains")
        || path.starts_with("/System")
        || path
            .file_name()
            .is_some_and(|n| n.eq_ignore_ascii_case("System.keychain"))
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
    Ok(with_keychain_suffix(base))
}

/// `base` with the `.keychain-db` suffix macOS gives keychain files.
fn with_keychain_suffix(base: PathBuf) -> PathBuf {
    let text = base.to_string_lossy();
    if text.ends_with(".keychain-db") {
        base
    } else if text.ends_with(".keychain") {
        PathBuf::from(format!("{text}-db"))
    } else {
        PathBuf::from(format!("{text}.keychain-db"))
    }
}

/// `path` made absolute against the current folder (`security` would resolve a relative path
/// itself, but the search list and ascert's records need one spelling).
fn absolute(path: &Path) -> PathBuf {
    std::path::absolute(path).unwrap_or_else(|_| path.to_path_buf())
}

/// Whether two keychain paths name the same file (the search list may spell it differently).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// `security unlock-keychain -p PASSWORD KEYCHAIN`. The keychain file exists (callers check), so a
/// failure is a password the keychain refused (errSecAuthFailed): `security`'s message says so
/// in the Mac's language, and is not read.
pub(crate) fn unlock(tool: &SecurityTool, keychain: &Path, password: &Secret) -> Result<()> {
    #[cfg(target_os = "macos")]
    if tool.uses_framework() {
        // SecKeychainUnlock: the password on no command line, errSecAuthFailed by number.
        return crate::framework::unlock_keychain(keychain, password);
    }
    let output = tool.run(&command::unlock_keychain(keychain, password))?;
    if output.status.success() {
        return Ok(());
    }
    tracing::debug!(stderr = %output.stderr.trim(), "unlock-keychain failed");
    Err(KeychainError::WrongPassword {
        keychain: keychain.to_path_buf(),
    })
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
        // What is missing is named as the file `keychain create` would have made.
        assert_eq!(
            err.to_string(),
            format!(
                "there is no keychain {}",
                dir.path().join("none.keychain-db").display()
            )
        );
    }

    /// `keychain create ci` makes `ci.keychain-db`; `--keychain ci` and `keychain delete ci` must
    /// find that file, and an older `ci.keychain` or a file named exactly `ci` too.
    #[test]
    fn one_name_finds_the_file_create_made() {
        let dir = tempfile::tempdir().unwrap();
        let bare = Keychain::Path(dir.path().join("ci"));
        std::fs::write(dir.path().join("ci.keychain-db"), b"").unwrap();
        assert_eq!(bare.existing_path().unwrap(), dir.path().join("ci.keychain-db"));
        assert_eq!(
            new_keychain_path(&dir.path().join("ci").to_string_lossy()).unwrap(),
            bare.path().unwrap(),
            "create and every other command agree"
        );
        let old = Keychain::Path(dir.path().join("old"));
        std::fs::write(dir.path().join("old.keychain"), b"").unwrap();
        assert_eq!(old.existing_path().unwrap(), dir.path().join("old.keychain"));
        std::fs::write(dir.path().join("exact"), b"").unwrap();
        assert_eq!(
            Keychain::Path(dir.path().join("exact")).existing_path().unwrap(),
            dir.path().join("exact")
        );
    }

    #[test]
    fn system_keychains_are_recognised() {
        assert!(is_system_keychain(Path::new(
            "/Library/Keychains/System.keychain"
        )));
        assert!(is_system_keychain(Path::new("/Library/Keychains/apsd.keychain")));
        assert!(is_system_keychain(Path::new(
            "/System/Library/Keychains/SystemRootCertificates.keychain"
        )));
        assert!(is_system_keychain(Path::new("/tmp/x/System.keychain")));
        assert!(!is_system_keychain(Path::new(
            "/Users/ci/Library/Keychains/ascert-ci.keychain-db"
        )));
        assert!(!is_system_keychain(Path::new("/Library/Keychainsx/a")));
    }
}
