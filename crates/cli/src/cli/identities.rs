//! The grammar of `ascert identities …`: list, import, export, install, ensure.

use std::path::PathBuf;

use ascert_models::{CertificateType, SortOrder};
use clap::{Args, Subcommand};

use super::secrets::{KeychainPasswordArgs, PasswordArgs, Pkcs12Args};
use super::team::StoreArgs;
use super::values::parse_certificate_type;

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
    #[arg(long, value_name = "DURATION", default_value = "10m", value_parser = crate::duration::parse)]
    pub(crate) wait: std::time::Duration,
    /// Never create a certificate: use what is stored or fail (for pull-request and fork builds);
    /// works without an App Store Connect API key, from the member key alone
    #[arg(long)]
    pub(crate) readonly: bool,
    /// Also ensure the provisioning profile of BUNDLE_ID that names this identity's certificate,
    /// and install it (as `ascert profiles ensure`); TYPE defaults to IOS_APP_STORE for
    /// DISTRIBUTION, IOS_APP_DEVELOPMENT for DEVELOPMENT and MAC_APP_DIRECT for Developer ID
    #[arg(long, value_name = "BUNDLE_ID[:TYPE]")]
    pub(crate) provisioning_profile: Option<String>,
    /// With --provisioning-profile: also write the ExportOptions.plist for `xcodebuild
    /// -exportArchive` to FILE
    #[arg(long, value_name = "FILE", requires = "provisioning_profile")]
    pub(crate) export_options: Option<PathBuf>,
}

/// Parses `identities list --sort`: `expires`, or `-expires` for the latest first.
pub(crate) fn parse_expires_sort(text: &str) -> Result<SortOrder, String> {
    match text {
        "expires" => Ok(SortOrder::Ascending),
        "-expires" => Ok(SortOrder::Descending),
        other => Err(format!(
            "\"{}\" is not a sort field; use expires (soonest first) or -expires (latest first)",
            other.escape_debug()
        )),
    }
}
