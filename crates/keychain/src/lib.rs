//! Signing identities in the macOS keychain, installed so that `codesign` uses them headless:
//! keychains for CI jobs (create with a lock timeout or none, unlock, search list, delete taking
//! out only what was added), import with Apple's tools trusted, the key partition list, the
//! issuing intermediate, and listing, finding and deleting code-signing identities. The commands
//! are those of Apple's `security` sources for macOS 13 to 26; the macOS workflow runs them on
//! macOS 15 and 26 (Apple silicon and Intel), and macOS 13 and 14 are not run in CI.
//!
//! Two ways in, behind one seam ([`SecurityTool`]). On macOS the steps that have a safe
//! Security.framework call take it (the macOS-only `framework` module: keychain create, unlock
//! and settings with the password in memory, never on a command line; identity lookup by SHA-1
//! with `SecItemCopyMatching`; errors by `OSStatus` number, never by localized text). Everything
//! else — the key partition list, the search list, the default keychain, import with trusted
//! tools — runs `/usr/bin/security`, the same commands fastlane and codemagic run on thousands of
//! CI Macs, because the framework has no safe public call for them and the workspace forbids
//! `unsafe`. Those commands are built by pure functions ([`command`]) and run by one runner that
//! closes stdin, clears the environment, bounds the runtime and never shows a password. The crate
//! builds and runs on every Unix: where `/usr/bin/security` is missing each call returns
//! [`KeychainError::OnlyOnMacos`]. Tests point `ASCERT_SECURITY_TOOL` at a fake, which then does
//! every step (the framework is not used), so the whole sequence is seen. docs/keychain.md
//! explains each step.
//!
//! ```no_run
//! use ascert_keychain::{InstallRequest, Keychain, Secret, SecurityTool, install_pkcs12};
//! let tool = SecurityTool::from_env()?;
//! let keychain = Keychain::named("/tmp/ci.keychain-db")?;
//! let p12 = std::fs::read("identity.p12")?;
//! let leaf = std::fs::read("identity.cer")?;
//! let wwdr = std::fs::read("AppleWWDRCAG3.cer")?;
//! let (p12_password, keychain_password) = (Secret::new("p12 password"), Secret::new("keychain password"));
//! let request = InstallRequest::new(&keychain, &p12, &p12_password, &leaf)
//!     .with_friendly_name("Apple Distribution: Jane Doe (TEAM123)")
//!     .with_intermediate(&wwdr)
//!     .with_keychain_password(Some(&keychain_password));
//! let installed = install_pkcs12(&tool, &request)?;
//! println!("{}", installed.codesign_command());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

pub mod command;
mod error;
/// The same keychain steps through Security.framework (macOS only): no password on a command line,
/// errors by `OSStatus` number.
#[cfg(target_os = "macos")]
pub mod framework;
mod identity;
mod install;
mod keychain;
mod lifecycle;
mod parse;
mod runner;

pub use command::{CODESIGN_PARTITIONS, IMPORTED_KEY_LABEL, Secret, TRUSTED_APPLICATIONS};
pub use error::{KeychainError, Result};
pub use identity::{Identity, parse_sha1, sha1_hex};
pub use install::{
    CertificateOutcome, InstallRequest, Installed, PartitionOutcome, install_pkcs12, install_sequence,
};
pub use keychain::{Keychain, is_system_keychain, keychains_folder, new_keychain_path};
pub use lifecycle::{
    SearchState, TakenOut, UsedLogin, add_to_search_list, create_keychain, delete_keychain, discard,
    refuse_protected, search_state, set_default_keychain, take_out_of_search_list, use_login,
};
pub use parse::ListedIdentity;
pub use runner::{
    CHILD_ENV, CHILD_PATH, DEFAULT_TIMEOUT, Output, SECURITY_TOOL, SecurityTool, TIMEOUT_ENV, TOOL_ENV,
    child_environment,
};

/// The identities in `keychain` that `security find-identity -p codesigning` lists, valid or not.
///
/// # Errors
///
/// [`KeychainError::OnlyOnMacos`] without `/usr/bin/security`; [`KeychainError::NoSuchKeychain`];
/// the run errors of [`SecurityTool::run`].
pub fn list_codesigning_identities(tool: &SecurityTool, keychain: &Keychain) -> Result<Vec<ListedIdentity>> {
    tool.check_available()?;
    let path = keychain.existing_path()?;
    let output = tool.run_ok(&command::find_identities(&path))?;
    Ok(parse::identities(&output.stdout))
}

/// The identity whose certificate has this SHA-1 (see [`parse_sha1`]), if the keychain lists it.
///
/// # Errors
///
/// As [`list_codesigning_identities`].
pub fn find_identity(
    tool: &SecurityTool,
    keychain: &Keychain,
    sha1: &[u8; 20],
) -> Result<Option<ListedIdentity>> {
    Ok(list_codesigning_identities(tool, keychain)?
        .into_iter()
        .find(|i| &i.sha1 == sha1))
}

/// Deletes the identity (certificate and private key) whose certificate has this SHA-1.
///
/// # Errors
///
/// [`KeychainError::NotFound`] if the keychain does not list it; otherwise as
/// [`list_codesigning_identities`].
pub fn delete_identity(tool: &SecurityTool, keychain: &Keychain, sha1: &[u8; 20]) -> Result<()> {
    tool.check_available()?;
    let path = keychain.existing_path()?;
    if find_identity(tool, keychain, sha1)?.is_none() {
        return Err(KeychainError::NotFound {
            sha1: identity::sha1_hex(sha1),
            keychain: path,
        });
    }
    tool.run_ok(&command::delete_identity(&path, &identity::sha1_hex(sha1)))
        .map(drop)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn without_the_tool_every_call_says_only_on_macos() {
        let tool = SecurityTool::system();
        if tool.program().exists() {
            return; // macOS: the integration tests in tests/macos.rs cover the real tool.
        }
        let kc = Keychain::Path("/tmp/none.keychain-db".into());
        let errors = [
            list_codesigning_identities(&tool, &kc).unwrap_err(),
            delete_identity(&tool, &kc, &[0; 20]).unwrap_err(),
            create_keychain(&tool, "/tmp/x.keychain-db".as_ref(), &Secret::new("p"), None).unwrap_err(),
            delete_keychain(&tool, "/tmp/x.keychain-db".as_ref()).unwrap_err(),
            use_login(&tool).unwrap_err(),
        ];
        for err in errors {
            assert!(matches!(err, KeychainError::OnlyOnMacos { .. }), "{err}");
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
