//! The grammar of `ascert certificates …`: list, get, download, create, activate, deactivate,
//! revoke.

use std::path::PathBuf;

use ascert_models::{CertificateType, SortField, SortKey, SortOrder};
use clap::{Args, Subcommand};

use super::secrets::{KeychainPasswordArgs, PasswordArgs, Pkcs12Args};
use super::values::parse_certificate_type;

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

/// Parses a `certificates list --sort` criterion: one of Apple's sort fields, or `expirationDate`;
/// a leading `-` sorts descending.
pub(crate) fn parse_list_sort(text: &str) -> Result<ListSort, String> {
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
