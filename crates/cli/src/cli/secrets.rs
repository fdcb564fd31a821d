//! Argument groups for secrets, shared by several commands: the .p12 password, the key
//! passphrase, the PKCS#12 form, the keychain password.

use std::path::PathBuf;

use clap::Args;

/// Where a PKCS#12 password comes from; never from the command line itself.
#[derive(Debug, Args, Clone, Default)]
#[allow(
    clippy::struct_field_names,
    reason = "the fields are the options --password-env, --password-file, --password-stdin"
)]
pub(crate) struct PasswordArgs {
    /// Read the .p12 password from this environment variable [default: ASCERT_P12_PASSWORD]
    #[arg(long, value_name = "VAR")]
    pub(crate) password_env: Option<String>,
    /// Read the .p12 password from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub(crate) password_file: Option<PathBuf>,
    /// Read the .p12 password from the first line of standard input
    #[arg(long, conflicts_with_all = ["password_env", "password_file"])]
    pub(crate) password_stdin: bool,
}

/// Where the passphrase of an exported key comes from; never from the command line itself.
#[derive(Debug, Args, Clone, Default)]
#[allow(
    clippy::struct_field_names,
    reason = "the fields are the options --passphrase-env, --passphrase-file, --passphrase-stdin"
)]
pub(crate) struct PassphraseArgs {
    /// Read the passphrase from this environment variable [default: ASCERT_KEY_PASSPHRASE]
    #[arg(long, value_name = "VAR", requires = "encrypt")]
    pub(crate) passphrase_env: Option<String>,
    /// Read the passphrase from the first line of FILE
    #[arg(
        long,
        value_name = "FILE",
        conflicts_with = "passphrase_env",
        requires = "encrypt"
    )]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Read the passphrase from the first line of standard input
    #[arg(long, conflicts_with_all = ["passphrase_env", "passphrase_file"], requires = "encrypt")]
    pub(crate) passphrase_stdin: bool,
}

/// How to write a PKCS#12 bundle.
#[derive(Debug, Args, Clone, Default)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is one command-line flag, not a state machine"
)]
pub(crate) struct Pkcs12Args {
    /// AES-256 / PBKDF2 / SHA-256 MAC (OpenSSL 3, Java; on macOS 15+ only Keychain Access and
    /// `security import -f pkcs12` read it) instead of the 3DES / SHA-1 form every tool imports
    #[arg(long)]
    pub(crate) modern: bool,
    /// Folder of CA certificates (.cer/.pem) to find the issuing intermediate in
    #[arg(long, value_name = "DIR")]
    pub(crate) ca_dir: Option<PathBuf>,
    /// Replace the .p12 file if it exists
    #[arg(long)]
    pub(crate) force: bool,
    /// Make a strong random password for the .p12 and show it once (or write it to --password-out)
    #[arg(long, conflicts_with_all = ["password_env", "password_file", "password_stdin"])]
    pub(crate) generate_password: bool,
    /// With --generate-password: write the password to FILE (0600) instead of showing it
    #[arg(long, value_name = "FILE", requires = "generate_password")]
    pub(crate) password_out: Option<PathBuf>,
    /// Accept a .p12 password shorter than 12 characters
    #[arg(long)]
    pub(crate) allow_weak_password: bool,
}

/// Where the password of the keychain an identity goes into comes from; never from the command
/// line itself. It unlocks the keychain and lets ascert set the key's partition list, without
/// which codesign asks for the password (or fails in CI).
#[derive(Debug, Args, Clone, Default)]
#[allow(
    clippy::struct_field_names,
    reason = "the fields are the options --keychain-password-env, -file, -stdin"
)]
pub(crate) struct KeychainPasswordArgs {
    /// Read the keychain's password from this environment variable [default:
    /// ASCERT_KEYCHAIN_PASSWORD]
    #[arg(long, value_name = "VAR")]
    pub(crate) keychain_password_env: Option<String>,
    /// Read the keychain's password from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "keychain_password_env")]
    pub(crate) keychain_password_file: Option<PathBuf>,
    /// Read the keychain's password from the first line of standard input
    #[arg(long, conflicts_with_all = ["keychain_password_env", "keychain_password_file"])]
    pub(crate) keychain_password_stdin: bool,
}

/// Where a new keychain's password comes from; never from the command line itself.
#[derive(Debug, Args, Clone, Default)]
#[allow(
    clippy::struct_field_names,
    reason = "the fields are the options --password-env, --password-file, --password-stdin"
)]
pub(crate) struct NewKeychainPasswordArgs {
    /// Read the password from this environment variable [default: a new one, printed on stdout]
    #[arg(long, value_name = "VAR")]
    pub(crate) password_env: Option<String>,
    /// Read the password from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "password_env")]
    pub(crate) password_file: Option<PathBuf>,
    /// Read the password from the first line of standard input
    #[arg(long, conflicts_with_all = ["password_env", "password_file"])]
    pub(crate) password_stdin: bool,
}
