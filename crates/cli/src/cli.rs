//! The command-line grammar: `ascert [global options] <command> ...`, declared with clap.
//!
//! The doc comments of this file are the `--help` text people read in a terminal, so they are
//! written as prose, without Markdown.
#![allow(
    clippy::doc_markdown,
    clippy::doc_link_with_quotes,
    rustdoc::invalid_html_tags,
    reason = "doc comments here are --help text for a terminal, not rustdoc"
)]

use std::path::PathBuf;

use ascert_models::{CertificateType, SortField, SortKey, SortOrder};
use clap::{ArgAction, Args, Parser, Subcommand};

use crate::output::color::ColorChoice;

/// The options that say which API key to use and where App Store Connect is: hidden from the help
/// of the commands in [`LOCAL_COMMANDS`].
const CREDENTIAL_OPTIONS: [&str; 7] = [
    "profile",
    "api_key",
    "key_id",
    "issuer_id",
    "individual_key",
    "private_key",
    "base_url",
];

/// Commands that never talk to App Store Connect: their help shows no credential options (the
/// options are still accepted, and ignored, so a shell alias that adds them breaks nothing).
const LOCAL_COMMANDS: &[&[&str]] = &[
    &["keys"],
    &["keychain"],
    &["team", "init"],
    &["team", "keygen"],
    &["team", "members"],
    &["sandbox"],
    &["demo"],
    &["completions"],
    &["man"],
];

/// Global options the `sandbox` commands never use, hidden from their help like the credential
/// options of [`LOCAL_COMMANDS`] (and, like them, accepted and ignored): the sandbox keeps no
/// keystore, and `sandbox serve` runs until it is stopped, with no deadline.
const SANDBOX_UNUSED_OPTIONS: [&str; 2] = ["home", "timeout"];

/// Commands under one of [`LOCAL_COMMANDS`] that do talk to App Store Connect: their help shows the
/// credential options.
const NETWORK_COMMANDS_UNDER_LOCAL: &[&[&str]] = &[&["keys", "prune"]];

/// The whole command tree as people see it: clap's, with the credential options hidden from the
/// help of the commands that never use them. Parsing, completions and man pages all start here.
pub(crate) fn command() -> clap::Command {
    use clap::CommandFactory as _;
    let mut command = Cli::command();
    let hidden = |ids: &[&str]| -> Vec<clap::Arg> {
        command
            .get_arguments()
            .filter(|a| ids.contains(&a.get_id().as_str()))
            .map(|a| a.clone().hide(true))
            .collect()
    };
    let credentials = hidden(&CREDENTIAL_OPTIONS);
    let sandbox = hidden(&SANDBOX_UNUSED_OPTIONS);
    let visible: Vec<clap::Arg> = command
        .get_arguments()
        .filter(|a| CREDENTIAL_OPTIONS.contains(&a.get_id().as_str()))
        .cloned()
        .collect();
    // A global option is copied into a subcommand only where the subcommand has none of that
    // name: the visible copies put into these first are what they keep.
    for path in NETWORK_COMMANDS_UNDER_LOCAL {
        add_in(&mut command, path, &visible);
    }
    for path in LOCAL_COMMANDS {
        let mut args = credentials.clone();
        if path == &["sandbox"] {
            args.extend(sandbox.iter().cloned());
        }
        add_in(&mut command, path, &args);
    }
    command
}

/// Puts copies of global options (hidden ones, or visible ones) into the command at `path`. A
/// global option is copied into a subcommand only where the subcommand has none of that name: a
/// copy put there first is what the subcommand and those below it get.
fn add_in(command: &mut clap::Command, path: &[&str], args: &[clap::Arg]) {
    let Some((last, parents)) = path.split_last() else {
        return;
    };
    let mut at = command;
    for name in parents {
        at = at
            .find_subcommand_mut(name)
            .unwrap_or_else(|| panic!("the command list names {name}, a command that is not here"));
    }
    let local = at
        .find_subcommand_mut(last)
        .unwrap_or_else(|| panic!("the command list names {last}, a command that is not here"));
    *local = std::mem::take(local).args(args.iter().cloned());
}

/// A usage error's text without the options that only the environment gave. clap counts an option
/// filled from its variable (`ASCERT_HOME`, `ASCERT_BASE_URL`) as given, and puts it in the usage
/// line of the error (`Usage: ascert certificates create --type <TYPE> --home <DIR>`), where it
/// reads as one more required option. The usage line keeps the options `args` holds.
pub(crate) fn usage_without_env_options(message: &str, args: &[String]) -> String {
    let mut from_env: Vec<String> = Vec::new();
    collect_env_options(&command(), &mut from_env);
    from_env.retain(|long| {
        let flag = format!("--{long}");
        !args
            .iter()
            .any(|a| *a == flag || a.starts_with(&format!("{flag}=")))
    });
    message
        .split_inclusive('\n')
        .map(|line| {
            if !line.starts_with("Usage: ") {
                return line.to_owned();
            }
            let mut line = line.to_owned();
            for option in &from_env {
                // `--home <DIR>`: the option and its value name, as clap writes them.
                let start = format!(" --{option} <");
                while let Some(at) = line.find(&start) {
                    let Some(end) = line[at + start.len()..].find('>') else {
                        break;
                    };
                    line.replace_range(at..=at + start.len() + end, "");
                }
            }
            line
        })
        .collect()
}

/// The long names of the options of `command` and its subcommands that a variable can fill.
fn collect_env_options(command: &clap::Command, found: &mut Vec<String>) {
    for arg in command.get_arguments() {
        if let (Some(_), Some(long)) = (arg.get_env(), arg.get_long())
            && !found.iter().any(|f| f == long)
        {
            found.push(long.to_owned());
        }
    }
    for sub in command.get_subcommands() {
        collect_env_options(sub, found);
    }
}

/// Manage Apple code-signing identities through the App Store Connect API.
///
/// ascert lists, downloads, creates, activates, deactivates and revokes signing certificates, keeps
/// their private keys safe on this machine, and exports each certificate with its key as a PKCS#12
/// bundle that macOS imports. Try it without an Apple account: `ascert demo`.
#[derive(Debug, Parser)]
#[command(name = "ascert", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Credentials are read from, in order: the options above, the environment \
(ASC_KEY_ID / ASC_ISSUER_ID / ASC_PRIVATE_KEY_PATH, fastlane's and codemagic's variables), the \
profile in the config file, the OS credential store (`ascert auth login`), then AuthKey_<KEY_ID>.p8 \
in ./private_keys, ~/private_keys, ~/.private_keys or ~/.appstoreconnect/private_keys.\n\n\
Exit codes: 0 ok, 1 failure, 2 usage, 3 authentication, 4 not found, 5 conflict or limit, 6 rate limited, \
7 timed out (--timeout), 130 interrupted (Ctrl-C), 143 terminated (SIGTERM)."
)]
pub(crate) struct Cli {
    /// Options every command takes.
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
    /// What to do.
    #[command(subcommand)]
    pub(crate) command: Command,
}

/// Options every command takes, listed under their own heading after the command's own.
#[allow(
    clippy::struct_excessive_bools,
    reason = "each bool is a command-line flag that clap fills; no two of them make a state"
)]
#[derive(Debug, Args, Clone, Default)]
#[command(next_help_heading = "Global options")]
pub(crate) struct GlobalArgs {
    /// Profile of the config file and the OS credential store to use [default: default]
    #[arg(
        long,
        global = true,
        env = "ASCERT_PROFILE",
        hide_env_values = true,
        value_name = "NAME"
    )]
    pub(crate) profile: Option<String>,
    /// API key file: fastlane's or rcodesign's JSON, or Apple's AuthKey_<KEY_ID>.p8
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) api_key: Option<PathBuf>,
    /// API key id (10 characters), for --private-key or a .p8 not named AuthKey_<KEY_ID>.p8
    #[arg(long, global = true, value_name = "ID")]
    pub(crate) key_id: Option<String>,
    /// Issuer id (a UUID) of a team key
    #[arg(long, global = true, value_name = "UUID")]
    pub(crate) issuer_id: Option<String>,
    /// The API key is an individual key, which has no issuer id (a .p8 given without --issuer-id
    /// is refused otherwise)
    #[arg(
        long,
        global = true,
        env = "ASC_INDIVIDUAL_KEY",
        hide_env_values = true,
        conflicts_with = "issuer_id",
        action = ArgAction::SetTrue,
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub(crate) individual_key: bool,
    /// The API key's private key, a .p8 (PKCS#8 PEM) file
    #[arg(long, global = true, value_name = "FILE")]
    pub(crate) private_key: Option<PathBuf>,
    /// App Store Connect base URL (a sandbox's, or the enterprise host) [default: Apple's]
    #[arg(
        long,
        global = true,
        env = "ASCERT_BASE_URL",
        hide_env_values = true,
        value_name = "URL"
    )]
    pub(crate) base_url: Option<String>,
    /// Folder of the local keystore [default: the platform's data folder]
    #[arg(
        long,
        global = true,
        env = "ASCERT_HOME",
        hide_env_values = true,
        value_name = "DIR"
    )]
    pub(crate) home: Option<PathBuf>,
    /// Machine-readable output: JSON on stdout, errors as a JSON object on stderr
    #[arg(long, global = true)]
    pub(crate) json: bool,
    /// More detail on stderr (-v, -vv, -vvv)
    #[arg(short, long, global = true, action = ArgAction::Count, conflicts_with = "quiet")]
    pub(crate) verbose: u8,
    /// Only errors on stderr
    #[arg(short, long, global = true)]
    pub(crate) quiet: bool,
    /// When to colour output: auto (on a terminal, unless NO_COLOR is set), never, always
    #[arg(
        long,
        global = true,
        value_enum,
        value_name = "WHEN",
        default_value_t = ColorChoice::Auto,
        hide_default_value = true,
        hide_possible_values = true
    )]
    pub(crate) color: ColorChoice,
    /// Tables in full on a terminal: every column, no value shortened
    #[arg(long, global = true)]
    pub(crate) wide: bool,
    /// Give up when the command is not done after DURATION (500ms, 90s, 2m, 1h) [default: 2m]
    #[arg(
        long,
        global = true,
        env = "ASCERT_TIMEOUT",
        hide_env_values = true,
        value_name = "DURATION",
        value_parser = crate::stop::parse_timeout
    )]
    pub(crate) timeout: Option<std::time::Duration>,
}

/// The top-level commands.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process: the size of the largest variant costs nothing"
)]
pub(crate) enum Command {
    /// List, download, create, activate, deactivate and revoke certificates
    #[command(subcommand, visible_alias = "certs")]
    Certificates(CertificatesCommand),
    /// Private keys kept on this machine
    #[command(subcommand)]
    Keys(KeysCommand),
    /// Certificates paired with their private keys: list, export as .p12, install in a keychain
    #[command(subcommand)]
    Identities(IdentitiesCommand),
    /// macOS keychains for CI jobs: create, delete, back to the login keychain
    #[command(subcommand)]
    Keychain(KeychainCommand),
    /// Save, check and remove API keys; print a token for curl
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Share signing identities with a team and its CI fleet on object storage, encrypted to each member
    #[command(subcommand)]
    Team(TeamCommand),
    /// Run the App Store Connect sandbox (an emulator of /v1/certificates)
    #[command(subcommand)]
    Sandbox(SandboxCommand),
    /// Try ascert end to end against an embedded sandbox: no Apple account needed
    Demo(DemoArgs),
    /// Print a shell completion script
    Completions {
        /// The shell
        #[arg(value_enum)]
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff), or write one page per command into a folder
    #[command(after_help = "Install them all: ascert man --out /usr/local/share/man/man1")]
    Man {
        /// Write ascert.1 and a page per subcommand (ascert-certificates-list.1, …) into DIR
        #[arg(long, value_name = "DIR")]
        out: Option<PathBuf>,
    },
}

/// `ascert certificates ...`.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process: the size of the largest variant costs nothing"
)]
pub(crate) enum CertificatesCommand {
    /// List certificates (every page)
    List(ListArgs),
    /// Show one certificate, or save it as DER (.cer) or PEM
    Get(GetArgs),
    /// Create a certificate: a new key (kept here) and CSR, or your own CSR
    Create(Box<CreateArgs>),
    /// Activate a certificate
    Activate {
        /// The certificate's id
        id: String,
    },
    /// Deactivate a certificate
    Deactivate {
        /// The certificate's id
        id: String,
    },
    /// Revoke certificates (cannot be undone)
    Revoke(RevokeArgs),
}

/// `ascert certificates list`.
#[derive(Debug, Args)]
pub(crate) struct ListArgs {
    /// Only this certificate type (repeat for several), e.g. DISTRIBUTION
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
    pub(crate) types: Vec<CertificateType>,
    /// Only certificates with this display name (repeatable)
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Vec<String>,
    /// Only the certificate with this serial number (repeatable)
    #[arg(long, value_name = "SERIAL")]
    pub(crate) serial: Vec<String>,
    /// Only the certificate with this id (repeatable)
    #[arg(long, value_name = "ID")]
    pub(crate) id: Vec<String>,
    /// Sort by displayName, certificateType, serialNumber, id or expirationDate; a leading - sorts
    /// descending. Apple does not sort by expirationDate: with it, every page is fetched first and
    /// the list sorted here
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true, value_parser = parse_list_sort)]
    pub(crate) sort: Vec<ListSort>,
    /// Certificates per request, 1 to 200 (every page is fetched either way)
    #[arg(long, value_name = "N", default_value_t = 200, value_parser = clap::value_parser!(u32).range(1..=200))]
    pub(crate) limit: u32,
    /// Only expired certificates
    #[arg(long, conflicts_with = "valid")]
    pub(crate) expired: bool,
    /// Only certificates that have not expired
    #[arg(long)]
    pub(crate) valid: bool,
    /// Only certificates that have not expired and expire within DAYS days (those `identities
    /// ensure --min-days-left DAYS` renews)
    #[arg(long, value_name = "DAYS", conflicts_with = "expired", value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub(crate) expiring_within: Option<u32>,
}

/// One `certificates list --sort` criterion: one Apple sorts by, or the expiry, which Apple does not.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum ListSort {
    /// A field App Store Connect sorts by.
    Apple(SortKey),
    /// `expirationDate` (`-expirationDate`: descending), sorted here.
    ExpirationDate(SortOrder),
}

/// `ascert certificates get`.
#[derive(Debug, Args)]
pub(crate) struct GetArgs {
    /// The certificate's id
    pub(crate) id: String,
    /// Save the certificate to FILE (DER, as a .cer; PEM with --pem)
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Write PEM instead of DER (to --out, or to stdout)
    #[arg(long)]
    pub(crate) pem: bool,
    /// Replace --out FILE if it exists
    #[arg(long, requires = "out")]
    pub(crate) force: bool,
}

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

/// `ascert certificates create`.
#[derive(Debug, Args)]
pub(crate) struct CreateArgs {
    /// The certificate type, e.g. DISTRIBUTION, DEVELOPMENT, APPLE_PAY; it decides the new key: EC
    /// P-256 for APPLE_PAY (Apple Pay payment processing), RSA-2048 for the others (Developer ID
    /// types are made on the developer website: see `ascert keys csr --type`)
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
    pub(crate) certificate_type: CertificateType,
    /// Use your own CSR (PEM) instead of a new key kept here
    #[arg(long, value_name = "FILE", conflicts_with_all = ["common_name", "email", "p12", "keychain"])]
    pub(crate) csr: Option<PathBuf>,
    /// The CSR's common name. Apple replaces the subject with the team's name and id: it does not
    /// reach the certificate, and only tells keys apart here [default: ascert]
    #[arg(long, value_name = "CN")]
    pub(crate) common_name: Option<String>,
    /// The CSR's e-mail address (Apple does not put it in the certificate) [default: none]
    #[arg(long, value_name = "EMAIL")]
    pub(crate) email: Option<String>,
    /// The CSR's two-letter country code (Apple does not keep it either)
    #[arg(long, value_name = "CC", default_value = "US")]
    pub(crate) country: String,
    /// A label for the new key [default: "<TYPE> <date>"]
    #[arg(long)]
    pub(crate) label: Option<String>,
    /// The pass type ID a PASS_TYPE_ID or PASS_TYPE_ID_WITH_NFC certificate is for (required for
    /// those, refused for the others)
    #[arg(long, value_name = "ID", conflicts_with = "merchant_id")]
    pub(crate) pass_type_id: Option<String>,
    /// The merchant ID an APPLE_PAY, APPLE_PAY_RSA, APPLE_PAY_MERCHANT_IDENTITY or
    /// APPLE_PAY_PSP_IDENTITY certificate is for (required for those, refused for the others)
    #[arg(long, value_name = "ID")]
    pub(crate) merchant_id: Option<String>,
    /// Also export the new identity (key + certificate + intermediate) as a .p12
    #[arg(long, value_name = "FILE")]
    pub(crate) p12: Option<PathBuf>,
    /// Also install the identity in a macOS keychain (the login keychain without NAME)
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub(crate) keychain: Option<String>,
    /// The keychain password's source, for --keychain
    #[command(flatten)]
    pub(crate) keychain_password: KeychainPasswordArgs,
    /// PKCS#12 options, for --p12
    #[command(flatten)]
    pub(crate) pkcs12: Pkcs12Args,
    /// The .p12 password's source, for --p12
    #[command(flatten)]
    pub(crate) password: PasswordArgs,
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

/// `ascert certificates revoke`.
#[derive(Debug, Args)]
pub(crate) struct RevokeArgs {
    /// The ids of the certificates to revoke
    #[arg(required_unless_present = "expired", conflicts_with = "expired")]
    pub(crate) ids: Vec<String>,
    /// Revoke every expired certificate (of --type, if given)
    #[arg(long)]
    pub(crate) expired: bool,
    /// With --expired: only this certificate type (repeatable)
    #[arg(long = "type", value_name = "TYPE", requires = "expired", value_parser = parse_certificate_type)]
    pub(crate) types: Vec<CertificateType>,
    /// Do not ask for confirmation (required when stdin is not a terminal)
    #[arg(long, short)]
    pub(crate) yes: bool,
}

/// `ascert keys ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum KeysCommand {
    /// Generate a key (kept here, 0600) and its CSR: RSA-2048, or EC P-256 for --type APPLE_PAY
    Generate {
        /// A label for the key [default: "key for CN" with --common-name, else "<TYPE> <date>"]
        #[arg(long)]
        label: Option<String>,
        /// The certificate type the key is meant for; it decides the key: EC P-256 for APPLE_PAY
        /// (Apple Pay payment processing), RSA-2048 for every other type and without --type
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
        certificate_type: Option<CertificateType>,
        /// The CSR's common name. Apple replaces the subject with the team's name and id: it does
        /// not reach the certificate [default: ascert]
        #[arg(long, value_name = "CN")]
        common_name: Option<String>,
        /// The CSR's e-mail address (Apple does not put it in the certificate) [default: none]
        #[arg(long, value_name = "EMAIL")]
        email: Option<String>,
        /// The CSR's two-letter country code (Apple does not keep it either)
        #[arg(long, value_name = "CC", default_value = "US")]
        country: String,
        /// Also write the CSR to FILE
        #[arg(long, value_name = "FILE")]
        csr_out: Option<PathBuf>,
        /// Replace --csr-out FILE if it exists
        #[arg(long, requires = "csr_out")]
        force: bool,
    },
    /// List the keys kept here
    List,
    /// Print (or save) the CSR made with a key; with --type and no key, make the key first
    #[command(group(
        clap::ArgGroup::new("key_or_type")
            .required(true)
            .multiple(true)
            .args(["key", "certificate_type"])
    ))]
    Csr {
        /// The key's id (or a unique prefix of it) [required without --type]
        key: Option<String>,
        /// The certificate type the CSR is for. With KEY, the key must be the kind the type takes
        /// (EC P-256 for APPLE_PAY, RSA-2048 for the others); without KEY, a new key of that kind is
        /// made (kept here, 0600) for a CSR to upload on the developer website
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
        certificate_type: Option<CertificateType>,
        /// Write the CSR to FILE instead of stdout
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace --out FILE if it exists
        #[arg(long, requires = "out")]
        force: bool,
    },
    /// Import a private key (RSA or EC P-256: PKCS#1, SEC1 or PKCS#8 PEM, or a .p12)
    Import {
        /// The key file
        file: PathBuf,
        /// A label for the key [default: a .p12's certificate's common name, else the file's name]
        #[arg(long)]
        label: Option<String>,
        /// The .p12 password's source, for a .p12 file
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Export a private key as PKCS#8 PEM (0600), plain or encrypted with a passphrase
    Export {
        /// The key's id (or a unique prefix of it)
        key: String,
        /// The file to write (0600); `-` writes the key on stdout, when stdout is a pipe
        #[arg(long, short, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
        /// Encrypt the exported key (PKCS#8, PBKDF2-SHA256 and AES-256) with a passphrase
        #[arg(long)]
        encrypt: bool,
        /// The passphrase's source, for --encrypt
        #[command(flatten)]
        passphrase: PassphraseArgs,
    },
    /// Encrypt every plaintext key with ASCERT_KEY_PASSPHRASE; from then on keys are written
    /// encrypted only
    Encrypt,
    /// Delete a key from this machine (its certificate stops being usable here)
    Delete {
        /// The key's id (or a unique prefix of it)
        key: String,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
    },
    /// Remove the keys that can sign nothing any more and that no run can still use
    ///
    /// Asks App Store Connect, then lists each key it would remove with the evidence: its
    /// certificate expired, or App Store Connect answers 404 for it (revoked; of the API key's
    /// team only), or it is a pending key of an unfinished request that a newer pending key of the
    /// same request replaces while no create or ensure is under way. Keeps, and says why, the
    /// pending key a rerun resumes, keys written to a team store as pending, and keys made or
    /// imported on purpose. Asks before removing anything.
    Prune {
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
    },
}

/// `ascert identities ...`.
#[derive(Debug, Subcommand)]
#[allow(
    clippy::large_enum_variant,
    reason = "parsed once per process: the size of the largest variant costs nothing"
)]
pub(crate) enum IdentitiesCommand {
    /// Local keys against App Store Connect's certificates: paired, key-only or certificate-only
    List(IdentitiesListArgs),
    /// Make sure a valid identity of a type is here: reuse one, or create one when there is none
    ///
    /// Reuses the local identity of --type whose certificate App Store Connect lists as active and
    /// that expires after --min-days-left days (of several, the one that expires last). Creates one
    /// only when there is none, with the key on disk before the request leaves and the key of an
    /// interrupted run reused. Then writes the .p12 or installs the identity, as asked. Safe to run
    /// in every CI job: it creates at most once.
    Ensure(EnsureArgs),
    /// Pair a certificate downloaded from the developer website (.cer, DER or PEM) with its local key
    ///
    /// For the identities the API does not create: Developer ID Application and Kext certificates
    /// (made by the Account Holder on the developer website from a CSR of `ascert keys csr --type
    /// TYPE`) and Developer ID Installer certificates, which the API does not even list. The
    /// certificate is recorded beside its key; then `identities export`, `identities install` and
    /// (for those App Store Connect lists) `team push` take it as any identity.
    Import {
        /// The certificate file, as the developer website downloads it (developerID_application.cer)
        file: PathBuf,
    },
    /// Export a certificate with its local key (and the issuing intermediate) as a .p12
    Export {
        /// The certificate's id, or the key id (a unique prefix) of an identity App Store Connect
        /// does not list (a Developer ID Installer certificate)
        cert_id: String,
        /// The .p12 file to write (0600)
        #[arg(long, value_name = "FILE")]
        p12: PathBuf,
        /// PKCS#12 options
        #[command(flatten)]
        pkcs12: Pkcs12Args,
        /// The .p12 password's source
        #[command(flatten)]
        password: PasswordArgs,
    },
    /// Install a certificate with its local key in a macOS keychain, ready for codesign (macOS only)
    Install {
        /// The certificate's id, or the key id (a unique prefix) of an identity App Store Connect
        /// does not list (a Developer ID Installer certificate)
        cert_id: String,
        /// The keychain: a path, or a name in ~/Library/Keychains [default: the login keychain]
        #[arg(long, value_name = "NAME")]
        keychain: Option<String>,
        /// The keychain password's source
        #[command(flatten)]
        keychain_password: KeychainPasswordArgs,
        /// Folder of CA certificates to find the issuing intermediate in
        #[arg(long, value_name = "DIR")]
        ca_dir: Option<PathBuf>,
    },
}

/// `ascert identities list`.
#[derive(Debug, Args, Default)]
pub(crate) struct IdentitiesListArgs {
    /// Only this certificate type (repeat for several), e.g. DISTRIBUTION; a key-only row by the
    /// type its key was made for
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
    pub(crate) types: Vec<CertificateType>,
    /// Only rows in this state (repeat for several)
    #[arg(long, value_name = "STATE", value_enum)]
    pub(crate) state: Vec<IdentityState>,
    /// Only certificates that have not expired and expire within DAYS days (those `identities
    /// ensure --min-days-left DAYS` renews)
    #[arg(long, value_name = "DAYS", value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub(crate) expiring_within: Option<u32>,
    /// Sort by expiry: `expires` soonest first, `-expires` latest first (rows without a certificate last)
    #[arg(long, value_name = "FIELD", allow_hyphen_values = true, value_parser = parse_expires_sort)]
    pub(crate) sort: Option<SortOrder>,
}

/// A row's state in `identities list`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IdentityState {
    // Plain comments, not doc comments: clap would show those in a long help of their own.
    // A certificate with its key here.
    Paired,
    // A key here without a listed certificate (pending or orphaned).
    KeyOnly,
    // A certificate whose key is not here.
    CertificateOnly,
}

impl IdentityState {
    /// The word `identities list` prints for the state.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            IdentityState::Paired => "paired",
            IdentityState::KeyOnly => "key-only",
            IdentityState::CertificateOnly => "certificate-only",
        }
    }
}

/// `ascert identities ensure`.
#[derive(Debug, Args)]
pub(crate) struct EnsureArgs {
    /// The certificate type, e.g. DISTRIBUTION, DEVELOPMENT, DEVELOPER_ID_APPLICATION_G2
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
    pub(crate) certificate_type: CertificateType,
    /// Renew when the certificate expires within N days (the run says which certificate it replaces)
    #[arg(long, value_name = "N", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub(crate) min_days_left: u32,
    /// The CSR's common name, when a certificate is created (Apple names the certificate itself)
    #[arg(long, value_name = "CN", default_value = "ascert")]
    pub(crate) common_name: String,
    /// The CSR's e-mail address, when a certificate is created [default: none]
    #[arg(long, value_name = "EMAIL")]
    pub(crate) email: Option<String>,
    /// Also export the identity (key + certificate + intermediate) as a .p12; a .p12 an earlier run
    /// wrote (the password opens it, its identity is in the keystore) is rewritten without --force
    #[arg(long, value_name = "FILE")]
    pub(crate) p12: Option<PathBuf>,
    /// Also install the identity in a macOS keychain (the login keychain without NAME)
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub(crate) keychain: Option<String>,
    /// The keychain password's source, for --keychain
    #[command(flatten)]
    pub(crate) keychain_password: KeychainPasswordArgs,
    /// PKCS#12 options, for --p12
    #[command(flatten)]
    pub(crate) pkcs12: Pkcs12Args,
    /// The .p12 password's source, for --p12
    #[command(flatten)]
    pub(crate) password: PasswordArgs,
    /// The team store to take the identity from (and to share a new one through)
    #[command(flatten)]
    pub(crate) team: StoreArgs,
    /// With --store: how long to wait for another runner that is creating the identity (the time spent
    /// waiting does not count against --timeout; the store's own answers do)
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = parse_duration)]
    pub(crate) wait: std::time::Duration,
    /// Never create a certificate: use what is stored or fail (for pull-request and fork builds);
    /// works without an App Store Connect API key, from the member key alone
    #[arg(long)]
    pub(crate) readonly: bool,
}

/// Where a team store is, and how this member opens it: its own key, or the team passphrase. Never
/// a secret on the command line itself.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct StoreArgs {
    /// The team store: s3://BUCKET/PREFIX, gs://BUCKET/PREFIX, az://CONTAINER/PREFIX or file:///FOLDER
    #[arg(long, value_name = "URL", env = "ASCERT_TEAM_STORE", hide_env_values = true)]
    pub(crate) store: Option<String>,
    /// This member's key: an age identity file or an SSH private key
    #[arg(
        long,
        value_name = "FILE",
        env = "ASCERT_TEAM_IDENTITY",
        hide_env_values = true
    )]
    pub(crate) identity: Option<PathBuf>,
    /// Read the team passphrase (or, with --identity, the SSH key's) from this variable [default: ASCERT_TEAM_PASSPHRASE]
    #[arg(long, value_name = "VAR")]
    pub(crate) passphrase_env: Option<String>,
    /// Read the passphrase from the first line of FILE
    #[arg(long, value_name = "FILE", conflicts_with = "passphrase_env")]
    pub(crate) passphrase_file: Option<PathBuf>,
    /// Read the passphrase from the first line of standard input
    #[arg(long, conflicts_with_all = ["passphrase_env", "passphrase_file"])]
    pub(crate) passphrase_stdin: bool,
    /// Encrypt to no member list but the one with this SHA-256 (`ascert team members list` prints it)
    #[arg(
        long,
        value_name = "SHA256",
        env = "ASCERT_TEAM_MEMBERS_SHA256",
        hide_env_values = true,
        value_parser = parse_members_sha256
    )]
    pub(crate) members_sha256: Option<ascert_team::MembersDigest>,
}

/// `ascert team ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum TeamCommand {
    /// Create a team store with its first members (and, if asked, the team passphrase)
    Init {
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
        /// A member: NAME=KEY, KEY an age recipient (age1…), an ssh-ed25519 or ssh-rsa public key, or a .pub file
        #[arg(long = "member", value_name = "NAME=KEY")]
        members: Vec<String>,
        /// Let the team passphrase open the store too, as one more member (read as --passphrase-* say)
        #[arg(long)]
        with_passphrase: bool,
    },
    /// Make an age key for a member (a CI runner, say): write it to FILE (0600) and print its recipient
    Keygen {
        /// The file to write the age identity to
        #[arg(long, value_name = "FILE")]
        out: PathBuf,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// The members: list, add, remove (adding and removing re-encrypt every key)
    #[command(subcommand)]
    Members(MembersCommand),
    /// Share identities of the local keystore with the team (all paired ones Apple lists as active, or those named)
    Push {
        /// Certificate ids [default: every local identity Apple lists as active]
        cert_ids: Vec<String>,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Fetch the team's identities into the local keystore
    Pull {
        /// Only this certificate type (repeatable)
        #[arg(long = "type", value_name = "TYPE", value_parser = parse_certificate_type)]
        types: Vec<CertificateType>,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
    /// List the stored identities with their state at App Store Connect
    List {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Move identities whose certificates expired, or that App Store Connect answers 404 for, to the
    /// store's trash (and stale pending keys); --purge empties the trash
    Prune {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
        /// Also remove identities whose certificate is still valid, or whose team cannot be confirmed,
        /// and allow removing every identity
        #[arg(long)]
        force: bool,
        /// Delete what earlier prunes moved to the trash (instead of pruning)
        #[arg(long, conflicts_with = "force")]
        purge: bool,
    },
    /// What is under way in the store: leases (who holds them, for how long) and pending keys
    Status {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Leases: release one that a runner which was killed left held
    #[command(subcommand)]
    Lease(LeaseCommand),
}

/// `ascert team lease ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum LeaseCommand {
    /// Release a lease someone else holds, if it is still the version shown (`team status` shows it)
    Release {
        /// The certificate type of the lease (or `members`)
        #[arg(value_name = "TYPE")]
        lease: String,
        /// Release only this version of the lease (its ETag, as `team status` shows it)
        #[arg(long, value_name = "ETAG")]
        etag: Option<String>,
        /// The store
        #[command(flatten)]
        store: StoreArgs,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
    },
}

/// `ascert team members ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum MembersCommand {
    /// List the members and their public keys
    List {
        /// The store
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Add members: every key is re-encrypted to include them
    Add {
        /// NAME=KEY, KEY an age recipient, an ssh-ed25519 or ssh-rsa public key, or a .pub file
        #[arg(required = true, value_name = "NAME=KEY")]
        members: Vec<String>,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
    /// Remove members (by name or key): every key is re-encrypted without them
    Remove {
        /// Names or public keys
        #[arg(required = true, value_name = "MEMBER")]
        members: Vec<String>,
        /// Remove the member whose key this command opens the store with without asking (needed
        /// when stdin is not a terminal): you lose access to the store
        #[arg(long, short)]
        yes: bool,
        /// The store and how to open it
        #[command(flatten)]
        store: StoreArgs,
    },
}

/// `ascert auth ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum AuthCommand {
    /// Save the API key given by the global options in the OS credential store, under --profile
    Login,
    /// Show which API key is in use and whether App Store Connect accepts it
    Status,
    /// Remove the profile's API key from the OS credential store
    Logout,
    /// Print a signed token, for `curl -H "Authorization: Bearer $(ascert auth token)"`
    Token {
        /// Limit the token to these requests, e.g. "GET /v1/certificates" (repeatable)
        #[arg(long, value_name = "SCOPE")]
        scope: Vec<String>,
        /// Seconds the token is valid, 180 to 1200
        #[arg(long, value_name = "SECS", default_value_t = 1200, value_parser = clap::value_parser!(u64).range(180..=1200))]
        lifetime: u64,
    },
}

/// `ascert sandbox ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until interrupted.
    Serve(ServeArgs),
}

/// The options of `ascert sandbox serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The port to listen on; by default the system picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    /// The folder for the key files.
    #[arg(
        long,
        value_name = "DIR",
        help = "Folder for AuthKey_<KID>.p8 and fastlane's api-key.json (created 0700 if missing)"
    )]
    pub(crate) key_out: PathBuf,
    /// Keep the certificates in FILE across restarts (rewritten atomically after each change).
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Start with N existing certificates of mixed types (ignored when --state loads some).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) seed_certificates: usize,
    /// The page size of lists that ask for none (1 to 200).
    #[arg(
        long,
        value_name = "N",
        default_value_t = ascert_sandbox::DEFAULT_PAGE_SIZE,
        value_parser = clap::value_parser!(u32).range(1..=200)
    )]
    pub(crate) page_size: u32,
    /// Probability (0 to 1) that a request meets an injected fault.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_probability)]
    pub(crate) fault_rate: f64,
    /// Seed of the fault sequence; the same seed gives the same faults.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub(crate) fault_seed: u64,
    /// Milliseconds added to every request.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub(crate) latency_ms: u64,
    /// Drop the responses of the next N successful creates (the certificates are stored).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) drop_create_responses: u32,
    /// Requests per key per rolling hour.
    #[arg(long, value_name = "N", default_value_t = ascert_sandbox::DEFAULT_RATE_LIMIT)]
    pub(crate) rate_limit: u32,
    /// A certificate type whose filter is refused.
    #[arg(
        long,
        value_name = "TYPE",
        help = "Answer filter[certificateType]=TYPE with 400 PARAMETER_ERROR.INVALID, as Apple has done \
                for DEVELOPER_ID_APPLICATION_G2"
    )]
    pub(crate) reject_type_filter: Option<String>,
    /// Serve HTTPS with a generated CA, written to DIR/ca.pem.
    #[arg(long)]
    pub(crate) tls: bool,
}

/// `ascert demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Folder to write the demo's .p12 into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) out_dir: PathBuf,
    /// The certificate type of the demo identity
    #[arg(long = "type", value_name = "TYPE", default_value = "DISTRIBUTION", value_parser = parse_certificate_type)]
    pub(crate) certificate_type: CertificateType,
}

/// Parses a probability, 0 to 1.
fn parse_probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{text:?} is not a probability from 0 to 1")),
    }
}

/// Parses a duration: a number with a unit, `s`, `m` or `h` (`90s`, `10m`, `1h`), or bare seconds.
pub(crate) fn parse_duration(text: &str) -> Result<std::time::Duration, String> {
    let text = text.trim();
    let (number, unit) = text
        .find(|c: char| !c.is_ascii_digit())
        .map_or((text, ""), |at| text.split_at(at));
    let value: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration such as 90s, 10m or 1h"))?;
    let seconds = match unit {
        "" | "s" => Some(value),
        "m" => value.checked_mul(60),
        "h" => value.checked_mul(3600),
        _ => None,
    }
    .ok_or_else(|| format!("{text:?} is not a duration such as 90s, 10m or 1h"))?;
    Ok(std::time::Duration::from_secs(seconds))
}

/// Parses a certificate type by Apple's name (any case), refusing names Apple does not use.
/// Parses `--members-sha256`: 64 hex digits, optionally after `sha256:`.
fn parse_members_sha256(text: &str) -> Result<ascert_team::MembersDigest, String> {
    text.parse().map_err(|e: ascert_team::TeamError| {
        format!("{e}: give the digest `ascert team members list` prints")
    })
}

/// Parses a `certificates list --sort` criterion: one of Apple's sort fields, or `expirationDate`;
/// a leading `-` sorts descending.
fn parse_list_sort(text: &str) -> Result<ListSort, String> {
    let (field, order) = match text.strip_prefix('-') {
        Some(field) => (field, SortOrder::Descending),
        None => (text, SortOrder::Ascending),
    };
    if field == "expirationDate" {
        return Ok(ListSort::ExpirationDate(order));
    }
    text.parse::<SortKey>().map(ListSort::Apple).map_err(|_| {
        let known: Vec<&str> = SortField::ALL.iter().map(|f| f.as_str()).collect();
        format!(
            "\"{}\" is not a sort field; use one of: {}, expirationDate (a leading - sorts descending)",
            field.escape_debug(),
            known.join(", ")
        )
    })
}

/// Parses `identities list --sort`: `expires`, or `-expires` for the latest first.
fn parse_expires_sort(text: &str) -> Result<SortOrder, String> {
    match text {
        "expires" => Ok(SortOrder::Ascending),
        "-expires" => Ok(SortOrder::Descending),
        other => Err(format!(
            "\"{}\" is not a sort field; use expires (soonest first) or -expires (latest first)",
            other.escape_debug()
        )),
    }
}

fn parse_certificate_type(text: &str) -> Result<CertificateType, String> {
    let upper = text.trim().to_ascii_uppercase().replace('-', "_");
    let parsed = CertificateType::from(upper.as_str());
    if parsed.is_known() {
        Ok(parsed)
    } else {
        let known: Vec<&str> = CertificateType::KNOWN
            .iter()
            .map(CertificateType::as_str)
            .collect();
        Err(format!(
            "unknown certificate type; use one of: {}",
            known.join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
        // The tree people see: every command LOCAL_COMMANDS names exists (or this panics).
        command().debug_assert();
    }

    #[test]
    fn durations_take_seconds_minutes_and_hours() {
        use std::time::Duration;
        assert_eq!(parse_duration("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_duration("10m").unwrap(), Duration::from_secs(600));
        assert_eq!(parse_duration("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_duration("5").unwrap(), Duration::from_secs(5));
        for bad in ["", "m", "10 min", "1d", "-5s", "99999999999999999999h"] {
            assert!(parse_duration(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn certificates_sort_by_apples_fields_and_by_expiry_here() {
        assert_eq!(
            parse_list_sort("-expirationDate").unwrap(),
            ListSort::ExpirationDate(SortOrder::Descending)
        );
        assert_eq!(
            parse_list_sort("displayName").unwrap(),
            ListSort::Apple(SortKey::new(SortField::DisplayName, SortOrder::Ascending))
        );
        let err = parse_list_sort("expiry").unwrap_err();
        assert!(err.contains("id, expirationDate"), "{err}");
        assert_eq!(parse_expires_sort("-expires").unwrap(), SortOrder::Descending);
        assert!(parse_expires_sort("expirationDate").is_err());
    }

    #[test]
    fn certificate_types_parse_in_any_case_and_refuse_typos() {
        assert_eq!(
            parse_certificate_type("distribution").unwrap(),
            CertificateType::Distribution
        );
        assert_eq!(
            parse_certificate_type("developer-id-application-g2").unwrap(),
            CertificateType::DeveloperIdApplicationG2
        );
        let err = parse_certificate_type("DISTRIBUTON").unwrap_err();
        assert!(
            err.starts_with("unknown certificate type; use one of: APPLE_PAY,"),
            "{err}"
        );
    }
}
