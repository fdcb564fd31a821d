//! `ascert identities ensure`: make sure a valid signing identity of a type is here, the one step
//! a CI job or a new laptop needs. It reuses an identity whose certificate App Store Connect still
//! lists as active and that is far enough from expiring, and creates one only when there is none;
//! then exports or installs it. The finding and making is ascert-workflows' `Ensure` (locally, or
//! through the team store of `--store`, which `store.rs` opens); this file checks the inputs first,
//! and exports, installs and reports what the flow hands back.

mod store;

use std::fmt::Write as _;
use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, CsrSubject, Keystore};
use ascert_models::{Certificate, CertificateType};
use ascert_workflows::{Ensure, EnsureRequest, Ensured, LeaseOptions};
use serde::Serialize;
use time::OffsetDateTime;
use zeroize::Zeroizing;

use crate::cli::EnsureArgs;
use crate::commands::flows::{self, Progress};
use crate::commands::keychain::{KeychainInstall, KeychainOptions, install_paired_identity, stdin_twice};
use crate::commands::{Context, pkcs12};
use crate::failure::UserError;
use crate::password;

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
}

/// The options read before anything is asked of Apple: the keychain to install into, and the
/// .p12 to write.
type Checked = (Option<KeychainOptions>, Option<P12Target>);

/// The .p12 `--p12` names: its password, and when an earlier run wrote it, the certificate in it.
struct P12Target {
    password: Zeroizing<String>,
    /// The identity an earlier run wrote there, rewritten without `--force` (see
    /// [`pkcs12::earlier_export`]); `None` when there is no file, or `--force` replaces it.
    earlier: Option<CertificateInfo>,
}

/// Checks every input that can be checked before Apple is asked anything.
fn check_inputs(ctx: &Context, args: &EnsureArgs) -> Result<Checked> {
    check_type(&args.certificate_type)?;
    let keychain = KeychainOptions::requested(
        args.keychain.as_ref(),
        &args.keychain_password,
        &[
            ("--password-stdin", args.password.password_stdin),
            ("--passphrase-stdin", args.team.passphrase_stdin),
        ],
        &ctx.out,
    )?;
    if args.password.password_stdin && args.team.passphrase_stdin {
        return Err(stdin_twice("--password-stdin", "--passphrase-stdin").into());
    }
    let p12 = match &args.p12 {
        Some(p12) => {
            // A file an earlier run wrote is rewritten without --force (ensure runs in every CI job);
            // deciding that needs the password, which a generated one never is.
            let exists = !args.pkcs12.force && std::fs::symlink_metadata(p12).is_ok();
            if !exists || args.pkcs12.generate_password {
                crate::target_file::check_new(p12, args.pkcs12.force)?;
            }
            let password = password::for_new_p12(&args.password, &args.pkcs12, p12, &ctx.out, &ctx.deadline)?;
            let earlier = if exists {
                Some(pkcs12::earlier_export(p12, &password, &ctx.keystore()?)?)
            } else {
                None
            };
            Some(P12Target { password, earlier })
        }
        None => None,
    };
    Ok((keychain, p12))
}

/// What the store path needs from the command line and the environment, read before anything is
/// asked of Apple or the store: the store URL checked, and how the lease is held and waited for
/// (`None` without `--store`).
fn store_inputs(ctx: &Context, args: &EnsureArgs) -> Result<Option<LeaseOptions>> {
    if args.team.store.is_none() {
        return Ok(None);
    }
    crate::commands::team::store_url(&args.team)?;
    Ok(Some(
        LeaseOptions::new(args.wait)
            .with_ttl(store::lease_ttl()?)
            .with_deadline(ctx.deadline.clone()),
    ))
}

pub(crate) async fn run(ctx: &Context, args: EnsureArgs) -> Result<()> {
    let (keychain, p12_target) = check_inputs(ctx, &args)?;
    let lease = store_inputs(ctx, &args)?;
    let with_store = lease.is_some();
    // Only a read-only run through a team store can do without Apple: the member key alone opens it.
    let api = if args.readonly && with_store {
        ctx.api_if_configured()?
    } else {
        Some(ctx.api()?)
    };
    let store = ctx.keystore()?;
    // Held for the whole run: `keys prune` removes no pending key while a run may be using one.
    let _run_lock = store.hold_run_lock().context("cannot lock the local keystore")?;
    let progress = Progress::new(ctx);
    let request = EnsureRequest::new(
        args.certificate_type.clone(),
        CsrSubject::new(args.common_name.clone(), args.email.clone().unwrap_or_default()),
    )
    .with_min_days_left(args.min_days_left)
    .read_only(args.readonly);
    let ensure = Ensure::new(api.as_ref(), &store, request, &progress);
    // Opening a team store may ask for its passphrase at the terminal: no spinner over the prompt.
    let spinner = if with_store && ctx.out.interactive() {
        indicatif::ProgressBar::hidden()
    } else {
        ctx.out.spinner("Listing certificates…")
    };
    let listing = async { ensure.list().await.map_err(flows::explain) };
    // With a team store, the store is opened and listed while Apple answers.
    let (listed, prepared) = if with_store {
        let (listed, prepared) = tokio::join!(
            listing,
            store::prepare(ctx, &args.team, &args.certificate_type, &progress)
        );
        (listed?, Some(prepared?))
    } else {
        (listing.await?, None)
    };
    spinner.finish_and_clear();
    let ensured = match (prepared, &lease) {
        (Some(access), Some(lease)) => ensure.through_store(&listed, access, lease).await,
        _ => ensure.locally(&listed).await,
    }
    .map_err(flows::explain)?;
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
        certificate_type: args.certificate_type.to_string(),
        expires: ensured.leaf.not_after(),
        days_left: (ensured.leaf.not_after() - now).whole_days(),
        key_id: ensured.key.to_string(),
        p12: None,
        keychain: None,
        store: shown_store(&args),
        waited_for: ensured.waited_for.iter().map(ToString::to_string).collect(),
        key_origin: ensured.key_origin.map(ascert_workflows::KeyOrigin::as_str),
        replaces: ensured.replaces.iter().map(|c| c.id.clone()).collect(),
    };
    let sources = ctx.ca_sources(args.pkcs12.ca_dir.clone());
    if let (Some(path), Some(target)) = (&args.p12, &p12_target) {
        write_p12(&store, &ensured, path, target, &listed, &args, &sources)?;
        report.p12 = Some(path.clone());
    }
    if let Some(options) = &keychain {
        let key = store.load_key(&ensured.key)?;
        report.keychain = Some(install_paired_identity(&key, &ensured.leaf, &sources, options)?);
    }
    print(ctx, &report)?;
    for old in &ensured.replaces {
        ctx.out.note(replaced_note(old, &report, args.min_days_left));
    }
    Ok(())
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

/// Writes the identity to `path`, replacing the identity an earlier run wrote there only when it is
/// this one or an earlier certificate of the type.
fn write_p12(
    store: &Keystore,
    found: &Ensured,
    path: &std::path::Path,
    target: &P12Target,
    listed: &[Certificate],
    args: &EnsureArgs,
    sources: &pkcs12::CaSources,
) -> Result<()> {
    if let Some(earlier) = &target.earlier
        && !pkcs12::is_rewritable(earlier, &found.leaf, listed)
    {
        return Err(UserError::usage(format!(
            "{} already exists and holds certificate \"{}\", neither the identity this run ensures nor an \
             earlier {} certificate App Store Connect lists; it was left as it was",
            crate::redact::shown_path(path),
            earlier.common_name().unwrap_or("(unnamed)").escape_debug(),
            args.certificate_type
        ))
        .hint("pass --force to replace it, or choose another name")
        .into());
    }
    pkcs12::export(
        store,
        &found.key,
        &found.leaf,
        path,
        &target.password,
        &args.pkcs12,
        sources,
    )?;
    Ok(())
}

/// The team store's URL as it may be shown (without credentials), with `--store`.
fn shown_store(args: &EnsureArgs) -> Option<String> {
    let url = args
        .team
        .store
        .as_deref()?
        .parse::<ascert_team::StoreUrl>()
        .ok()?;
    Some(url.to_string())
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
    line.push('\n');
    ctx.out.text(&line)?;
    for note in ensured.keychain.iter().flat_map(KeychainInstall::notes) {
        ctx.out.note(note);
    }
    Ok(())
}
