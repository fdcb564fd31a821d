//! A keychain for a CI job: create it (locking after a while or never, unlocked, 0600, in the
//! user's search list), and delete it afterwards, taking only it out of the search list; or go
//! back to the login keychain.
//!
//! The functions are stateless: [`search_state`] reads the default keychain to put back later, and
//! the caller keeps it (the CLI in a 0600 file) between `create` and `delete`. Other jobs of the
//! same user may change the search list in between: `delete` never puts back an old snapshot.

use std::num::NonZeroU32;
use std::path::{Path, PathBuf};

use crate::command::{self, Secret};
use crate::error::{KeychainError, Result};
use crate::keychain::{Keychain, is_system_keychain};
use crate::keychain::{same_file, unlock};
use crate::parse;
use crate::runner::{SecurityTool, failed};

/// The user's keychain search list and default keychain.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct SearchState {
    /// `security list-keychains -d user`, in order.
    pub search_list: Vec<PathBuf>,
    /// `security default-keychain -d user`, if there is one.
    pub default: Option<PathBuf>,
}

/// Reads the user's search list and default keychain.
///
/// # Errors
///
/// [`KeychainError::Failed`] and the other run errors of [`SecurityTool::run`] if
/// `list-keychains` fails. A missing default keychain is `None`, not an error ("A default keychain
/// could not be found" is a normal state on a fresh CI user).
pub fn search_state(tool: &SecurityTool) -> Result<SearchState> {
    let search_list = parse::keychain_paths(&tool.run_ok(&command::list_keychains())?.stdout);
    let default = tool.run(&command::default_keychain())?;
    let default = if default.status.success() {
        parse::keychain_paths(&default.stdout).into_iter().next()
    } else {
        None
    };
    Ok(SearchState { search_list, default })
}

/// Creates the keychain `path` with `password`, sets when it locks itself (`lock_after` seconds
/// without use and on sleep; never with `None`), makes the file 0600 (codemagic does; the
/// keychain's secrets are encrypted, but nobody else needs to read even that) and unlocks it. It
/// is not yet in the search list: see [`add_to_search_list`]. If any step after the creation
/// fails, the new keychain is deleted again, so a retry does not meet "already exists".
///
/// # Errors
///
/// [`KeychainError::KeychainExists`] if the file exists; the run errors of [`SecurityTool::run`].
pub fn create_keychain(
    tool: &SecurityTool,
    path: &Path,
    password: &Secret,
    lock_after: Option<NonZeroU32>,
) -> Result<()> {
    tool.check_available()?;
    if path.exists() {
        return Err(KeychainError::KeychainExists {
            path: path.to_path_buf(),
        });
    }
    #[cfg(target_os = "macos")]
    if tool.uses_framework() {
        // SecKeychainCreate and friends: the password on no command line.
        return crate::framework::create_keychain(path, password, lock_after).inspect_err(|err| {
            if !matches!(err, KeychainError::KeychainExists { .. }) && path.exists() {
                discard(tool, path);
            }
        });
    }
    tool.run_ok(&command::create_keychain(path, password))?;
    let settings = match lock_after {
        Some(seconds) => command::set_keychain_lock_after(path, seconds.get()),
        None => command::set_keychain_no_autolock(path),
    };
    // The mode last: a step that writes the keychain may replace its file.
    let finish = tool
        .run_ok(&settings)
        .and_then(|_| unlock(tool, path, password))
        .and_then(|()| make_private(path));
    if let Err(err) = finish {
        discard(tool, path);
        return Err(err);
    }
    Ok(())
}

/// Deletes a keychain this process just made, after a later step failed; the first error is the
/// one reported, so a failure here is only logged.
pub fn discard(tool: &SecurityTool, path: &Path) {
    match tool.run_ok(&command::delete_keychain(path)) {
        Ok(_) => tracing::debug!(keychain = %path.display(), "deleted the half-made keychain"),
        Err(err) => {
            tracing::warn!(keychain = %path.display(), %err, "could not delete the half-made keychain");
        }
    }
}

/// `chmod 600`: only the user reads the keychain file.
fn make_private(path: &Path) -> Result<()> {
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        std::fs::set_permissions(path, std::fs::Permissions::from_mode(0o600)).map_err(|source| {
            KeychainError::Permissions {
                path: path.to_path_buf(),
                source,
            }
        })?;
    }
    #[cfg(not(unix))]
    let _ = path;
    Ok(())
}

/// Puts `path` into the user's search list `current` (kept as it is otherwise) — last, or first
/// with `first` (then it is searched before the login keychain) — and returns the new list; does
/// nothing when it is there already.
///
/// # Errors
///
/// The run errors of [`SecurityTool::run`].
pub fn add_to_search_list(
    tool: &SecurityTool,
    path: &Path,
    current: &[PathBuf],
    first: bool,
) -> Result<Vec<PathBuf>> {
    if current.iter().any(|k| same_file(k, path)) {
        return Ok(current.to_vec());
    }
    let mut list = current.to_vec();
    if first {
        list.insert(0, path.to_path_buf());
    } else {
        list.push(path.to_path_buf());
    }
    tool.run_ok(&command::set_search_list(&list))?;
    Ok(list)
}

/// Makes `path` the user's default keychain.
///
/// # Errors
///
/// The run errors of [`SecurityTool::run`].
pub fn set_default_keychain(tool: &SecurityTool, path: &Path) -> Result<()> {
    tool.run_ok(&command::set_default_keychain(path)).map(drop)
}

/// Deletes the keychain file (`security delete-keychain` also takes it out of the search list);
/// returns false when there was no such file.
///
/// # Errors
///
/// [`KeychainError::Protected`] for the login keychain or a keychain of the system (never
/// deleted, whatever the caller says); the run errors of [`SecurityTool::run`].
pub fn delete_keychain(tool: &SecurityTool, path: &Path) -> Result<bool> {
    tool.check_available()?;
    refuse_protected(path)?;
    if !path.exists() {
        return Ok(false);
    }
    tool.run_ok(&command::delete_keychain(path))?;
    Ok(true)
}

/// [`KeychainError::Protected`] for the login keychain and the system's keychains, which
/// [`delete_keychain`] refuses: for a caller that checks before doing anything else.
///
/// # Errors
///
/// [`KeychainError::Protected`].
pub fn refuse_protected(path: &Path) -> Result<()> {
    let what = if is_system_keychain(path) {
        "a keychain of the system"
    } else if Keychain::Login.path().is_ok_and(|login| same_file(&login, path))
        || path
            .file_name()
            .is_some_and(|n| n == "login.keychain-db" || n == "login.keychain")
    {
        "the login keychain"
    } else {
        return Ok(());
    };
    Err(KeychainError::Protected {
        path: path.to_path_buf(),
        what,
    })
}

/// What [`take_out_of_search_list`] changed.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct TakenOut {
    /// The keychain was still in the search list and was taken out.
    pub removed_from_search_list: bool,
    /// The default keychain that was made the default again.
    pub default_restored: Option<PathBuf>,
}

/// After `removed` was deleted: takes it (only it) out of the user's current search list, keeping
/// every keychain other jobs added since, and makes `default_before` the default again only if the
/// default is still `removed` (or there is none left) — another job may have made its own keychain
/// the default meanwhile, and that one stays.
///
/// # Errors
///
/// The run errors of [`SecurityTool::run`].
pub fn take_out_of_search_list(
    tool: &SecurityTool,
    removed: &Path,
    default_before: Option<&Path>,
) -> Result<TakenOut> {
    let now = search_state(tool)?;
    let mut taken = TakenOut::default();
    if now.search_list.iter().any(|k| same_file(k, removed)) {
        let list: Vec<&PathBuf> = now
            .search_list
            .iter()
            .filter(|k| !same_file(k, removed))
            .collect();
        tool.run_ok(&command::set_search_list(&list))?;
        taken.removed_from_search_list = true;
    }
    let default_is_ours = now
        .default
        .as_deref()
        .is_none_or(|d| same_file(d, removed) || !d.exists());
    if let Some(before) = default_before.filter(|b| default_is_ours && !same_file(b, removed) && b.exists()) {
        set_default_keychain(tool, before)?;
        taken.default_restored = Some(before.to_path_buf());
    }
    Ok(taken)
}

/// What [`use_login`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct UsedLogin {
    /// The login keychain.
    pub login: PathBuf,
    /// Whether it had to be put back into the search list (first).
    pub added_to_search_list: bool,
}

/// Makes the login keychain the default keychain again (codemagic's `keychain use-login`) and puts
/// it first in the search list if it had been taken out.
///
/// # Errors
///
/// [`KeychainError::NoLoginKeychain`]; the run errors of [`SecurityTool::run`].
pub fn use_login(tool: &SecurityTool) -> Result<UsedLogin> {
    tool.check_available()?;
    let login = Keychain::Login.existing_path()?;
    set_default_keychain(tool, &login)?;
    let current = search_state(tool)?.search_list;
    let added = !current.iter().any(|k| same_file(k, &login));
    if added {
        let mut list = vec![login.clone()];
        list.extend(current);
        let invocation = command::set_search_list(&list);
        let output = tool.run(&invocation)?;
        if !output.status.success() {
            return Err(failed(&invocation, &output));
        }
    }
    Ok(UsedLogin {
        login,
        added_to_search_list: added,
    })
}
