//! `ascert identities ensure`: make sure a valid signing identity of a type is here, the one step
//! a CI job or a new laptop needs. It reuses an identity whose certificate App Store Connect still
//! lists as active and that is far enough from expiring, and creates one only when there is none;
//! then exports or installs it. The finding and making is ascert-workflows' `Ensure` (locally, or
//! through the team store of `--store`, which `store.rs` opens); this file checks the inputs first,
//! and exports, installs and reports what the flow hands back.

mod profile;
mod store;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::Result;
use ascert_keystore::Keystore;
use ascert_models::{Certificate, CertificateType};
use ascert_workflows::{Ensure, Ensured};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::EnsureArgs;
use crate::commands::flows::{self, Progress};
use crate::commands::keychain::{KeychainInstall, install_paired_identity};
use crate::commands::plan::ensure::EnsurePlan;
use crate::commands::plan::export::P12Target;
use crate::commands::plan::team::MemberSecret;
use crate::commands::provisioning::ensure::ProfileReport;
use crate::commands::{Context, pkcs12, provisioning};
use crate::failure::UserError;
use crate::inputs::Inputs;

/// What `ensure` did, as one line for people or one JSON object.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct EnsureReport {
    /// `reused`, `created` or `adopted` (a certificate Apple had already issued for a pending key).
    pub(crate) outcome: &'static str,
    /// The certificate's id at App Store Connect.
    pub(crate) certificate_id: String,
    /// The certificate type.
    pub(crate) certificate_type: String,
    /// When the certificate expires (RFC 3339, UTC).
    #[serde(serialize_with = "crate::output::date::serialize")]
    pub(crate) expires: OffsetDateTime,
    /// Whole days until then.
    pub(crate) days_left: i64,
    /// The key's id: the SHA-256 of its public key, in hex.
    pub(crate) key_id: String,
    /// The .p12 written, if asked for.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) p12: Option<PathBuf>,
    /// The keychain install, if `--keychain` asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) keychain: Option<KeychainInstall>,
    /// The team store it came from (or was shared through), with `--store`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) store: Option<String>,
    /// With `--store`: the runners whose lease this one waited out (empty when it waited for none).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) waited_for: Vec<String>,
    /// For a certificate this run created or adopted: where its key came from (`new`, `local-pending`
    /// for a key this machine made in an earlier run, `adopted` for a pending key whose certificate
    /// Apple had already issued).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) key_origin: Option<&'static str>,
    /// For a certificate made because this machine's own expires within `--min-days-left`: the
    /// certificates it replaces, still valid, to revoke once every machine has the new identity.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub(crate) replaces: Vec<String>,
    /// With `--provisioning-profile`: the profile ensured for the certificate.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) profile: Option<ProfileReport>,
}

/// Resolves the arguments into a plan (every secret read, every input checked), then runs it.
pub(crate) async fn run(ctx: &Context, args: EnsureArgs) -> Result<()> {
    let plan = {
        let inputs = Inputs::system(&ctx.out, &ctx.deadline);
        EnsurePlan::resolve(&args, &inputs, &ctx.out, &|| ctx.keystore())?
    };
    run_plan(ctx, plan).await
}

async fn run_plan(ctx: &Context, plan: EnsurePlan) -> Result<()> {
    let EnsurePlan {
        request,
        export,
        team,
        profile,
    } = plan;
    let min_days_left = request.min_days_left;
    let certificate_type = request.certificate_type.clone();
    let api = apple(ctx, request.readonly && team.is_some())?;
    // The flows hold the keystore's run lock themselves while they may use a pending key.
    let store = ctx.keystore()?;
    let progress = Progress::new(ctx);
    let ensure = Ensure::new(api.as_ref(), &store, request, &progress);
    // A team passphrase not given may be asked at the terminal while the store opens: no spinner
    // over the prompt.
    let asks = team
        .as_ref()
        .is_some_and(|t| matches!(t.member, MemberSecret::Ask));
    let spinner = if asks && ctx.out.interactive() {
        indicatif::ProgressBar::hidden()
    } else {
        ctx.out.spinner("Listing certificates…")
    };
    let listing = async { ensure.list().await.map_err(flows::explain) };
    let shown_store = team.as_ref().map(|t| t.url.to_string());
    let mut shared = None;
    let (listed, ensured) = if let Some(team) = team {
        // With a team store, the store is opened and listed while Apple answers.
        let (listed, prepared) =
            tokio::join!(listing, store::prepare(ctx, team, &certificate_type, &progress));
        let (listed, (access, lease)) = (listed?, prepared?);
        spinner.finish_and_clear();
        let lease = lease.with_deadline(ctx.deadline.clone());
        shared = Some(profile::StoreProfiles {
            store: access.store().clone(),
            me: access.member().clone(),
        });
        let ensured = ensure.through_store(&listed, access, &lease).await;
        (listed, ensured)
    } else {
        let listed = listing.await?;
        spinner.finish_and_clear();
        let ensured = ensure.locally(&listed).await;
        (listed, ensured)
    };
    let ensured = ensured.map_err(flows::explain)?;
    drop(progress);
    let now = OffsetDateTime::now_utc();
    if let Some(warning) = crate::issuer_expiry::warning(
        &ensured.leaf,
        &format!("certificate {}", ensured.certificate.id),
        now,
    ) {
        ctx.out.warn(warning);
    }
    let mut report = EnsureReport {
        outcome: ensured.outcome.as_str(),
        certificate_id: ensured.certificate.id.clone(),
        certificate_type: certificate_type.to_string(),
        expires: ensured.leaf.not_after(),
        days_left: (ensured.leaf.not_after() - now).whole_days(),
        key_id: ensured.key.to_string(),
        p12: None,
        keychain: None,
        store: shown_store,
        waited_for: ensured.waited_for.iter().map(ToString::to_string).collect(),
        key_origin: ensured.key_origin.map(ascert_workflows::KeyOrigin::as_str),
        replaces: ensured.replaces.iter().map(|c| c.id.clone()).collect(),
        profile: None,
    };
    let sources = ctx.ca_sources(export.options.ca_dir.clone());
    if let Some(target) = &export.p12 {
        write_p12(
            &store,
            &ensured,
            target,
            &listed,
            &certificate_type,
            &export.options,
            &sources,
        )?;
        report.p12 = Some(target.path.clone());
    }
    if let Some(options) = &export.keychain {
        let key = store.load_key(&ensured.key)?;
        report.keychain = Some(install_paired_identity(&key, &ensured.leaf, &sources, options)?);
    }
    if let Some(target) = &profile {
        report.profile = Some(ensure_profile(ctx, api.as_ref(), shared.as_ref(), target, &ensured).await?);
    }
    print(ctx, &report)?;
    for old in &ensured.replaces {
        ctx.out.note(replaced_note(old, &report, min_days_left));
    }
    Ok(())
}

/// The profile of `--provisioning-profile`: from App Store Connect with an API key (then shared
/// through the team store, if there is one), else the team store's (a read-only run).
async fn ensure_profile(
    ctx: &Context,
    api: Option<&ascert_certificates::CertificatesApi>,
    shared: Option<&profile::StoreProfiles>,
    target: &provisioning::ensure::ProfileTarget,
    ensured: &Ensured,
) -> Result<ProfileReport> {
    let Some(api) = api else {
        let shared = shared.expect("a run without an API key goes through a team store");
        return shared
            .take(ctx, target, &ensured.certificate.id, &ensured.leaf)
            .await;
    };
    let api = ascert_profiles::ProfilesApi::new(api.client().clone());
    let report = provisioning::ensure::ensure(ctx, &api, target, &ensured.certificate, &ensured.leaf).await?;
    if let Some(shared) = shared {
        shared.share(ctx, target, &report).await;
    }
    Ok(report)
}

/// The Certificates API: required, but for a read-only run through a team store (the member key
/// alone opens it; a provisioning profile then comes from the store too).
fn apple(
    ctx: &Context,
    readonly_through_store: bool,
) -> Result<Option<ascert_certificates::CertificatesApi>> {
    if readonly_through_store {
        ctx.api_if_configured()
    } else {
        Ok(Some(ctx.api()?))
    }
}

/// What a renewal replaced, and how to retire the old certificate without breaking anyone's signing.
fn replaced_note(old: &Certificate, ensured: &EnsureReport, min_days_left: u32) -> String {
    format!(
        "Certificate {new} replaces {old} (expiring within --min-days-left {min_days_left}), which stays valid \
         until it expires. Once every machine that signs with it has the new identity (`ascert identities \
         ensure` on each, or `ascert team pull`), revoke it: `ascert certificates revoke {id}`.",
        new = ensured.certificate_id,
        old = crate::view::describe(old),
        id = old.id,
    )
}

/// Writes the identity to the .p12 of `target`, replacing the identity an earlier run wrote there
/// only when it is this one or an earlier certificate of the type.
fn write_p12(
    store: &Keystore,
    found: &Ensured,
    target: &P12Target,
    listed: &[Certificate],
    certificate_type: &CertificateType,
    options: &crate::cli::Pkcs12Args,
    sources: &pkcs12::CaSources,
) -> Result<()> {
    if let Some(earlier) = &target.earlier
        && !pkcs12::is_rewritable(earlier, &found.leaf, listed)
    {
        return Err(UserError::usage(format!(
            "{} already exists and holds certificate \"{}\", neither the identity this run ensures nor an \
             earlier {certificate_type} certificate App Store Connect lists; it was left as it was",
            crate::redact::shown_path(&target.path),
            earlier.common_name().unwrap_or("(unnamed)").escape_debug(),
        ))
        .hint("pass --force to replace it, or choose another name")
        .into());
    }
    pkcs12::export(
        store,
        &found.key,
        &found.leaf,
        &target.path,
        &target.password,
        options,
        sources,
    )?;
    Ok(())
}

fn print(ctx: &Context, ensured: &EnsureReport) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(ensured);
    }
    let mut line = format!(
        "{} certificate {} ({}, expires {}, {} days left), key {}",
        ensured.outcome,
        ensured.certificate_id,
        ensured.certificate_type,
        ensured.expires.date(),
        ensured.days_left,
        &ensured.key_id[..16.min(ensured.key_id.len())],
    );
    if let Some(p12) = &ensured.p12 {
        let _ = write!(line, ", wrote {}", p12.display());
    }
    if let Some(profile) = &ensured.profile {
        line.push('\n');
        line.push_str(&provisioning::ensure::line(profile));
    }
    line.push('\n');
    ctx.out.text(&line)?;
    for note in ensured.keychain.iter().flat_map(KeychainInstall::notes) {
        ctx.out.note(note);
    }
    Ok(())
}
