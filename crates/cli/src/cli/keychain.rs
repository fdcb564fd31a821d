//! The grammar of `ascert keychain …`: create, list, identities, delete, use-login.

use clap::{Args, Subcommand};

use super::secrets::NewKeychainPasswordArgs;

/// `ascert keychain ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum KeychainCommand {
    /// Create a keychain for a CI job: unlocked, private (0600), never locking by itself unless
    /// --lock-after, added to the search list
    Create(KeychainCreateArgs),
    /// Delete a keychain made by `keychain create`, take it out of the search list, and make the
    /// previous default keychain the default again if it made itself the default
    Delete(KeychainDeleteArgs),
    /// Make the login keychain the default keychain again, and put it back in the search list
    UseLogin,
    /// The keychain search list, the default keychain and the keychains ascert created
    List,
    /// The code-signing identities in a keychain, as `security find-identity` lists them
    Identities {
        /// The keychain [default: the login keychain]
        keychain: Option<String>,
    },
}

/// `ascert keychain create`.
#[derive(Debug, Args)]
pub(crate) struct KeychainCreateArgs {
    /// The new keychain: a path, or a name in ~/Library/Keychains (`ci` is
    /// ~/Library/Keychains/ci.keychain-db) [default: ascert.keychain-db]
    pub(crate) keychain: Option<String>,
    /// Also make it the default keychain, where Xcode and tools such as `notarytool
    /// store-credentials` look first (`keychain delete` makes the previous one default again)
    #[arg(long)]
    pub(crate) default: bool,
    /// Put it first in the search list (searched before the login keychain) instead of last
    #[arg(long)]
    pub(crate) first: bool,
    /// Lock it after SECONDS without use and when the Mac sleeps [default: never, for a job that
    /// deletes it when done]
    #[arg(long, value_name = "SECONDS", value_parser = clap::value_parser!(u32).range(1..=86_400))]
    pub(crate) lock_after: Option<u32>,
    /// The new keychain's password; without a source named here, ascert makes one and prints it on
    /// stdout (ASCERT_KEYCHAIN_PASSWORD is not read: capture the new one)
    #[command(flatten)]
    pub(crate) password: NewKeychainPasswordArgs,
}

/// `ascert keychain delete`.
#[derive(Debug, Args)]
pub(crate) struct KeychainDeleteArgs {
    /// The keychain, named as for `keychain create` [default: the one `keychain create` made, if it
    /// made exactly one]
    pub(crate) keychain: Option<String>,
    /// Succeed when there is no such keychain (for a clean-up step that runs whatever happened)
    #[arg(long)]
    pub(crate) if_exists: bool,
    /// Also delete a keychain ascert did not create (never the login keychain or the system's)
    #[arg(long)]
    pub(crate) force: bool,
}
