//! The grammar of `ascert keys …`: the private keys kept on this machine.

use std::path::PathBuf;

use ascert_models::CertificateType;
use clap::Subcommand;

use super::secrets::{PassphraseArgs, PasswordArgs};
use super::values::parse_certificate_type;

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
