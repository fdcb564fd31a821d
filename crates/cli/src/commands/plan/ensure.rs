//! The plan of `identities ensure`: what to ensure, where it goes, and through which team store,
//! resolved from its arguments before anything is asked of Apple or the store.

use anyhow::Result;
use ascert_keystore::{CsrSubject, Keystore};
use ascert_models::CertificateType;
use ascert_workflows::EnsureRequest;

use crate::cli::EnsureArgs;
use crate::commands::plan::export::{ExportArgs, ExportPlan};
use crate::commands::plan::team::TeamPlan;
use crate::failure::UserError;
use crate::inputs::Inputs;
use crate::output::Output;

/// `identities ensure`, resolved.
pub(crate) struct EnsurePlan {
    /// What to ensure.
    pub(crate) request: EnsureRequest,
    /// Where it goes besides the keystore.
    pub(crate) export: ExportPlan,
    /// With `--store`: the team store.
    pub(crate) team: Option<TeamPlan>,
}

impl EnsurePlan {
    /// Resolves `args`, reading through `inputs`; `keystore` opens the local keystore when a .p12
    /// an earlier run wrote must be checked.
    pub(crate) fn resolve(
        args: &EnsureArgs,
        inputs: &Inputs<'_>,
        out: &Output,
        keystore: &dyn Fn() -> Result<Keystore>,
    ) -> Result<Self> {
        check_type(&args.certificate_type)?;
        // One claim on standard input, before anything is read.
        inputs.claim_stdin_for(&[
            ("--password-stdin", args.password.password_stdin),
            ("--passphrase-stdin", args.team.passphrase_stdin),
            (
                "--keychain-password-stdin",
                args.keychain_password.keychain_password_stdin,
            ),
        ])?;
        let export = ExportPlan::for_ensure(
            &ExportArgs {
                p12: args.p12.as_deref(),
                password: &args.password,
                pkcs12: &args.pkcs12,
                keychain: args.keychain.as_ref(),
                keychain_password: &args.keychain_password,
            },
            inputs,
            out,
            keystore,
        )?;
        let team = match args.team.store {
            Some(_) => Some(TeamPlan::resolve(&args.team, args.wait, inputs)?),
            None => None,
        };
        let request = EnsureRequest::new(
            args.certificate_type.clone(),
            CsrSubject::new(args.common_name.clone(), args.email.clone().unwrap_or_default()),
        )
        .with_min_days_left(args.min_days_left)
        .read_only(args.readonly);
        Ok(Self {
            request,
            export,
            team,
        })
    }
}

/// Types whose certificate needs a pass type or merchant id are created with `certificates create`.
fn check_type(certificate_type: &CertificateType) -> Result<()> {
    let name = certificate_type.as_str();
    if name.starts_with("PASS_TYPE_ID") || name.starts_with("APPLE_PAY") {
        return Err(UserError::usage(format!(
            "identities ensure does not make {name} certificates: each belongs to one pass type or merchant id"
        ))
        .hint("use `ascert certificates create --type … --pass-type-id ID` (or --merchant-id)")
        .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests;
