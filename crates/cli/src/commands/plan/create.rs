//! The plan of `certificates create`: the request checked (type and its pass type or merchant id,
//! subject), the keystore locked and a pending key of the same request found (its rerun may replace
//! the unfinished .p12), the exports read — or, with `--csr FILE`, the CSR read — before a key is
//! made or anything is asked of Apple.

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ascert_keystore::{CsrSubject, Keystore, RunLock};
use ascert_models::CertificateType;
use ascert_workflows::{IdentityRequest, pending_key};

use crate::cli::CreateArgs;
use crate::commands::plan::export::{ExportArgs, ExportPlan};
use crate::commands::{creatable, flows};
use crate::failure::UserError;
use crate::input::Input;
use crate::inputs::Inputs;
use crate::output::Output;

/// The CSR's common name when none is given: Apple replaces the subject, so it only tells keys
/// apart here (and matches the key a stopped run left pending).
pub(crate) const DEFAULT_COMMON_NAME: &str = "ascert";

/// `certificates create`, resolved.
#[allow(
    clippy::large_enum_variant,
    reason = "one value per run, moved once: boxing would only add an allocation"
)]
pub(crate) enum CreatePlan {
    /// A new key kept here (or the pending key of the same request), and its certificate.
    Identity {
        /// What to ask for.
        request: IdentityRequest,
        /// The keystore, and its run lock held until the certificate is recorded with its key:
        /// `keys prune` removes no pending key while a run may be using one.
        keystore: (Keystore, RunLock),
        /// Where the identity goes besides the keystore.
        export: ExportPlan,
        /// `--keychain` as given (for the hint of a failed install).
        keychain_name: Option<String>,
    },
    /// `--csr FILE`: the user keeps the key; ascert only asks for the certificate.
    FromCsr {
        /// The type.
        certificate_type: CertificateType,
        /// The CSR, PEM.
        csr: String,
        /// Where it was read from.
        path: PathBuf,
        /// The pass type id (the Wallet pass types).
        pass_type_id: Option<String>,
        /// The merchant id (the Apple Pay types).
        merchant_id: Option<String>,
    },
}

impl CreatePlan {
    /// Resolves `args`, reading through `inputs`; `keystore` opens the local keystore.
    pub(crate) fn resolve(
        args: &CreateArgs,
        inputs: &Inputs<'_>,
        out: &Output,
        keystore: &dyn Fn() -> Result<Keystore>,
    ) -> Result<Self> {
        // Everything that can be checked is checked before a key is made or a request sent.
        creatable::check(
            &args.certificate_type,
            args.pass_type_id.as_deref(),
            args.merchant_id.as_deref(),
        )?;
        inputs.claim_stdin_for(&[
            ("--password-stdin", args.password.password_stdin),
            (
                "--keychain-password-stdin",
                args.keychain_password.keychain_password_stdin,
            ),
        ])?;
        if let Some(path) = &args.csr {
            // A CSR holds only the public key: no need to wipe it.
            let csr = inputs.text(path, Input::Csr, &format!("the CSR {}", path.display()))?;
            if !csr.contains("CERTIFICATE REQUEST") {
                return Err(UserError::usage(format!(
                    "{} is not a PEM certificate signing request",
                    path.display()
                ))
                .into());
            }
            return Ok(Self::FromCsr {
                certificate_type: args.certificate_type.clone(),
                csr,
                path: path.clone(),
                pass_type_id: args.pass_type_id.clone(),
                merchant_id: args.merchant_id.clone(),
            });
        }
        let export_args = ExportArgs {
            p12: args.p12.as_deref(),
            password: &args.password,
            pkcs12: &args.pkcs12,
            keychain: args.keychain.as_ref(),
            keychain_password: &args.keychain_password,
        };
        let keychain = ExportPlan::keychain(&export_args, out)?;
        let request = identity_request(args)?;
        let store = keystore()?;
        let lock = store.hold_run_lock().context("cannot lock the local keystore")?;
        // A key left pending by an interrupted run of the same request also tells when that run
        // began: a .p12 written since is its unfinished output, which this rerun may replace.
        let pending_since = pending_key(&store, &request)
            .map_err(flows::explain)?
            .map(|record| record.created);
        let export = ExportPlan::for_create(&export_args, keychain, pending_since, inputs, out)?;
        Ok(Self::Identity {
            request,
            keystore: (store, lock),
            export,
            keychain_name: args.keychain.clone(),
        })
    }
}

/// Checks the CSR subject and labels before any key is made.
fn identity_request(args: &CreateArgs) -> Result<IdentityRequest> {
    let common_name = args
        .common_name
        .clone()
        .unwrap_or_else(|| DEFAULT_COMMON_NAME.to_owned());
    let email = args.email.clone().unwrap_or_default();
    if common_name.trim().is_empty() {
        return Err(UserError::usage("--common-name is empty").into());
    }
    if args.email.is_some()
        && (!email.contains('@') || !email.is_ascii() || email.chars().any(char::is_whitespace))
    {
        return Err(
            UserError::usage(format!("--email {email:?} is not an e-mail address"))
                .hint("leave it out: Apple does not put it in the certificate")
                .into(),
        );
    }
    if args.country.len() != 2 || !args.country.chars().all(|c| c.is_ascii_alphabetic()) {
        return Err(UserError::usage(format!(
            "--country {:?} is not a two-letter country code",
            args.country
        ))
        .into());
    }
    let label = args
        .label
        .clone()
        .unwrap_or_else(|| ascert_workflows::default_label(&args.certificate_type));
    Ok(IdentityRequest::new(
        args.certificate_type.clone(),
        CsrSubject::new(common_name, email).with_country(args.country.to_ascii_uppercase()),
        label,
    )
    .with_pass_type_id(args.pass_type_id.clone())
    .with_merchant_id(args.merchant_id.clone()))
}

#[cfg(test)]
mod tests;
