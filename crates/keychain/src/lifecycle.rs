//! A keychain for a CI job: create it (no auto-lock, unlocked, in the user's search list), and
//! delete it afterwards with the search list put back; or go back to the login keychain.
//!
//! The functions are stateless: [`search_state`] reads what to restore later, and the caller keeps
//! it (the CLI in a 0600 file) between `create` and `delete`.

use std::path::{Path, PathBuf};

use crate::command::{self, Secret};
use crate::error::{KeychainError, Result};
use crate::install::{same_file, unlock};
use crate::keychain::Keychain;
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

/// Creates the keychain `path` with `password`, removes its auto-lock (no timeout, no lock on
/// sleep) and unlocks it. It is not yet in the search list: see [`add_to_search_list`].
///
/// # Errors
///
/// [`KeychainError::KeychainExists`] if the file exists; the run errors of [`SecurityTool::run`].
pub fn create_keychain(tool: &SecurityTool, path: &Path, password: &Secret) -> Result<()> {
    tool.check_available()?;
    if path.exists() {
        return Err(KeychainError::KeychainExists {
            path: path.to_path_buf(),
        });
    }
    tool.run_ok(&command::create_keychain(path, password))?;
    tool.run_ok(&command::set_keychain_no_autolock(path))?;
    unlock(tool, path, password)
}

/// Appends `path` to the user's search list `current` (kept as it is otherwise) and returns the
/// new list; does nothing when it is there already.
///
/// # Errors
///
/// The run errors of [`SecurityTool::run`].
pub fn add_to_search_list(tool: &SecurityTool, path: &Path, current: &[PathBuf]) -> Result<Vec<PathBuf>> {
    if current.iter().any(|k| same_file(k, path)) {
        return Ok(current.to_vec());
    }
    let mut list = current.to_vec();
    list.push(path.to_path_buf());
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
/// The run errors of [`SecurityTool::run`].
pub fn delete_keychain(tool: &SecurityTool, path: &Path) -> Result<bool> {
    tool.check_available()?;
    if !path.exists() {
        return Ok(false);
    }
    tool.run_ok(&command::delete_keychain(path))?;
    Ok(true)
}

/// Puts back the search list of `previous` (without `removed`, the keychain just deleted) and its
/// default keychain, if it had one.
///
/// # Errors
///
/// The run errors of [`SecurityTool::run`].
pub fn restore_search_state(tool: &SecurityTool, previous: &SearchState, removed: &Path) -> Result<()> {
    let list: Vec<&PathBuf> = previous
        .search_list
        .iter()
        .filter(|k| !same_file(k, removed))
        .collect();
    tool.run_ok(&command::set_search_list(&list))?;
    if let Some(default) = previous.default.as_deref().filter(|d| !same_file(d, removed)) {
        set_default_keychain(tool, default)?;
    }
    Ok(())
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
