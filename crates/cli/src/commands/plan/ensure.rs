//! The plan of `identities ensure`: what to ensure, where it goes, and through which team store,
//! resolved from its arguments before anything is asked of Apple or the store.

use anyhow::Result;
use ascert_keystore::{CsrSubject, Keystore};
use ascert_models::{CertificateType, ProfileType};
use ascert_workflows::EnsureRequest;

use crate::cli::EnsureArgs;
use crate::commands::plan::export::{ExportArgs, ExportPlan};
use crate::commands::plan::team::TeamPlan;
use crate::commands::provisioning::ensure::ProfileTarget;
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
    /// With `--provisioning-profile`: the profile to ensure for the identity's certificate.
    pub(crate) profile: Option<ProfileTarget>,
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
        let profile = args
            .provisioning_profile
            .as_deref()
            .map(|spec| profile_target(spec, args))
            .transpose()?;
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
            profile,
        })
    }
}

/// The profile of `--provisioning-profile BUNDLE_ID[:TYPE]`, checked against the certificate type.
fn profile_target(spec: &str, args: &EnsureArgs) -> Result<ProfileTarget> {
    let (bundle, profile_type) = match spec.split_once(':') {
        Some((bundle, profile_type)) => (
            bundle,
            crate::cli::parse_profile_type(profile_type)
                .map_err(|e| UserError::usage(format!("--provisioning-profile {spec}: {e}")))?,
        ),
        None => (spec, default_profile_type(&args.certificate_type)?),
    };
    if bundle.is_empty() {
        return Err(UserError::usage(
            "--provisioning-profile needs a bundle identifier, e.g. com.example.app",
        )
        .into());
    }
    if !profile_type.certificate_types().contains(&args.certificate_type) {
        return Err(UserError::usage(format!(
            "a {profile_type} profile cannot name a {} certificate: it takes {}",
            args.certificate_type,
            crate::commands::provisioning::view::or_list(profile_type.certificate_types())
        ))
        .into());
    }
    let target = ProfileTarget {
        bundle_identifier: bundle.to_owned(),
        profile_type,
        name: None,
        min_days_left: args.min_days_left,
        readonly: args.readonly,
        install: Some(crate::commands::provisioning::local::dirs(&[])?),
        out: None,
        export_options: args.export_options.clone(),
    };
    target.check()?;
    Ok(target)
}

/// The profile type a certificate type is most often ensured with.
fn default_profile_type(certificate_type: &CertificateType) -> Result<ProfileType> {
    Ok(match certificate_type {
        CertificateType::Distribution | CertificateType::IosDistribution => ProfileType::IosAppStore,
        CertificateType::Development | CertificateType::IosDevelopment => ProfileType::IosAppDevelopment,
        CertificateType::MacAppDistribution => ProfileType::MacAppStore,
        CertificateType::MacAppDevelopment => ProfileType::MacAppDevelopment,
        t if t.is_developer_id() => ProfileType::MacAppDirect,
        other => {
            return Err(
                UserError::usage(format!("no provisioning profile names a {other} certificate")).into(),
            );
        }
    })
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
