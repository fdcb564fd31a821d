//! The command-line grammar: `ascert [global options] <command> ...`, declared with clap.
//!
//! The doc comments of these files are the `--help` text people read in a terminal, so they are
//! written as prose, without Markdown.
#![allow(
    clippy::doc_markdown,
    clippy::doc_link_with_quotes,
    rustdoc::invalid_html_tags,
    reason = "doc comments here are --help text for a terminal, not rustdoc"
)]

use std::path::PathBuf;

use clap::{ArgAction, Args, Parser, Subcommand};

use crate::output::color::ColorChoice;

mod auth;
mod certificates;
mod check;
mod identities;
mod keychain;
mod keys;
mod provisioning;
mod sandbox;
mod secrets;
mod team;
mod values;

pub(crate) use auth::AuthCommand;
pub(crate) use certificates::{CertificatesCommand, CreateArgs, GetArgs, ListArgs, ListSort, RevokeArgs};
pub(crate) use check::{CheckArgs, CheckFormat};
pub(crate) use identities::{EnsureArgs, IdentitiesCommand, IdentitiesListArgs};
pub(crate) use keychain::{KeychainCommand, KeychainCreateArgs, KeychainDeleteArgs};
pub(crate) use keys::KeysCommand;
pub(crate) use provisioning::{
    BundleIdsCommand, DevicesCommand, ProfilesCommand, ProfilesCreateArgs, ProfilesEnsureArgs,
    ProfilesInstallArgs, ProfilesListArgs, parse_profile_type,
};
pub(crate) use sandbox::{DemoArgs, SandboxCommand, ServeArgs};
pub(crate) use secrets::{
    KeychainPasswordArgs, NewKeychainPasswordArgs, PassphraseArgs, PasswordArgs, Pkcs12Args,
};
pub(crate) use team::{LeaseCommand, MembersCommand, StoreArgs, TeamCommand};

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
    &["profiles", "installed"],
    &["profiles", "uninstall"],
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
/// their private keys safe on this machine, exports each certificate with its key as a PKCS#12
/// bundle that macOS imports, and makes and installs the provisioning profiles that name them. Try
/// it without an Apple account: `ascert demo`.
#[derive(Debug, Parser)]
#[command(name = "ascert", version, about, long_about = None, propagate_version = true)]
#[command(
    after_help = "Credentials are read from, in order: the options above, the environment \
(ASC_KEY_ID / ASC_ISSUER_ID / ASC_PRIVATE_KEY_PATH, fastlane's and codemagic's variables), the \
profile in the config file, the OS credential store (`ascert auth login`), then AuthKey_<KEY_ID>.p8 \
in ./private_keys, ~/private_keys, ~/.private_keys or ~/.appstoreconnect/private_keys.\n\n\
Exit codes: 0 ok, 1 failure, 2 usage, 3 authentication, 4 not found, 5 conflict or limit, 6 rate limited, \
7 timed out (--timeout), 8 `ascert check` found what fails within --fail-days, 130 interrupted (Ctrl-C), \
143 terminated (SIGTERM)."
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
        value_parser = crate::duration::parse_positive
    )]
    pub(crate) timeout: Option<std::time::Duration>,
}

impl GlobalArgs {
    /// What the global options say about output and logging.
    pub(crate) fn output_settings(&self) -> crate::output::Settings {
        crate::output::Settings {
            json: self.json,
            quiet: self.quiet,
            wide: self.wide,
            verbose: self.verbose,
            color: self.color,
        }
    }

    /// The options that name an API key, for [`crate::credentials`].
    pub(crate) fn key_flags(&self) -> crate::credentials::KeyFlags<'_> {
        crate::credentials::KeyFlags {
            profile: self.profile.as_deref(),
            api_key: self.api_key.as_deref(),
            key_id: self.key_id.as_deref(),
            issuer_id: self.issuer_id.as_deref(),
            private_key: self.private_key.as_deref(),
            individual_key: self.individual_key,
        }
    }
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
    /// Provisioning profiles: list, make, download, install; `profiles ensure` for CI
    #[command(subcommand)]
    Profiles(ProfilesCommand),
    /// Bundle IDs (App IDs) profiles are made for: list, show, register
    #[command(subcommand)]
    BundleIds(BundleIdsCommand),
    /// Devices of development and ad hoc profiles: list, register, enable, disable
    #[command(subcommand)]
    Devices(DevicesCommand),
    /// Save, check and remove API keys; print a token for curl
    #[command(subcommand)]
    Auth(AuthCommand),
    /// Share signing identities with a team and its CI fleet on object storage, encrypted to each member
    #[command(subcommand)]
    Team(TeamCommand),
    /// Find what will break before it does: expiring certificates, keys nowhere, full slots, a team
    /// store's stale leases
    Check(CheckArgs),
    /// Run the App Store Connect sandbox (an emulator of certificates, profiles, bundle IDs and devices)
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

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use ascert_models::{CertificateType, SortField, SortKey, SortOrder};

    use super::certificates::parse_list_sort;
    use super::identities::parse_expires_sort;
    use super::values::parse_certificate_type;
    use super::*;

    #[test]
    fn the_grammar_is_consistent() {
        Cli::command().debug_assert();
        // The tree people see: every command LOCAL_COMMANDS names exists (or this panics).
        command().debug_assert();
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
