//! `ascert certificates create`: ascert-workflows' safe flow (`obtain_identity`). The key is on disk
//! (0600, fsynced) before its CSR leaves the machine; an ambiguous failure is reconciled, not
//! repeated; a rerun after a crash reuses the pending key of that type and adopts a certificate
//! already issued for it. No certificate without its key, no key lost. The certificate is recorded
//! with its key only after the exports asked for, so that a rerun does them. `--csr FILE` (the
//! user keeps the key) is a plain create, here.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_certificates::CertificatesApi;
use ascert_keystore::{CertificateInfo, CsrSubject, KeyId, Keystore};
use ascert_models::Certificate;
use ascert_workflows::{
    IdentityRequest, NewIdentity, Outcome, explain_full_slots, obtain_identity, pending_key,
};
use serde::Serialize;

use crate::cli::CreateArgs;
use crate::commands::conflict::explain_full_slot;
use crate::commands::flows::{self, Progress};
use crate::commands::keychain::{KeychainInstall, KeychainOptions, install_paired_identity};
use crate::commands::pkcs12;
use crate::commands::{Context, creatable};
use crate::failure::{Exit, UserError};
use crate::input::{self, Input};
use crate::password;
use crate::view::describe;

/// The result of a create, as reported.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct CreatedIdentity {
    /// The certificate.
    pub(crate) certificate: Certificate,
    /// The local key's id.
    pub(crate) key_id: String,
    /// `created` or `adopted`.
    pub(crate) outcome: &'static str,
    /// Whether a key left by an earlier, unfinished run was reused.
    pub(crate) reused_key: bool,
    /// The .p12 written, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) p12: Option<PathBuf>,
    /// The keychain install, if `--keychain` asked for one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) keychain: Option<KeychainInstall>,
    /// The local key.
    #[serde(skip)]
    pub(crate) key: KeyId,
    /// The certificate, parsed.
    #[serde(skip)]
    pub(crate) leaf: CertificateInfo,
}

impl CreatedIdentity {
    /// The report of a new identity, before any export.
    pub(crate) fn new(created: NewIdentity) -> Self {
        Self {
            key_id: created.key.to_string(),
            outcome: created.outcome.as_str(),
            reused_key: created.reused_key,
            p12: None,
            keychain: None,
            key: created.key,
            leaf: created.leaf,
            certificate: created.certificate,
        }
    }
}

pub(crate) async fn run(ctx: &Context, args: CreateArgs) -> Result<()> {
    // Everything that can be checked is checked before a key is made or a request sent.
    creatable::check(
        &args.certificate_type,
        args.pass_type_id.as_deref(),
        args.merchant_id.as_deref(),
    )?;
    let keychain = KeychainOptions::requested(
        args.keychain.as_ref(),
        &args.keychain_password,
        &[("--password-stdin", args.password.password_stdin)],
        &ctx.out,
    )?;
    // Without --csr, the request and the keystore are checked now; a key left pending by an
    // interrupted run of the same request also tells when that run began: a .p12 written since is
    // its unfinished output, which this rerun may replace.
    let mut run_lock = None;
    let prepared = match &args.csr {
        None => {
            let request = identity_request(&args)?;
            let store = ctx.keystore()?;
            // Held until the certificate is recorded with its key: `keys prune` removes no pending
            // key while a run may be using one.
            run_lock = Some(store.hold_run_lock().context("cannot lock the local keystore")?);
            let pending_since = pending_key(&store, &request)
                .map_err(flows::explain)?
                .map(|record| record.created);
            Some((request, store, pending_since))
        }
        Some(_) => None,
    };
    let p12_password = if let Some(p12) = &args.p12 {
        let pending_since = prepared.as_ref().and_then(|(_, _, since)| *since);
        crate::target_file::check_new_or_rerun(p12, args.pkcs12.force, pending_since)?;
        Some(password::for_new_p12(
            &args.password,
            &args.pkcs12,
            p12,
            &ctx.out,
            &ctx.deadline,
        )?)
    } else {
        None
    };
    let api = ctx.api()?;
    let (Some((request, store, _)), None) = (prepared, &args.csr) else {
        let csr_path = args.csr.clone().unwrap_or_default();
        return create_from_csr(ctx, &api, &args, &csr_path).await;
    };
    // The certificate is recorded with its key only after the exports asked for: if this process
    // dies before then, the key is still pending, and running the same command again reuses it,
    // adopts the certificate already issued for it and does the exports, instead of making a
    // second key and certificate.
    let progress = Progress::new(ctx);
    let obtained = obtain_identity(&api, &store, &request, &progress).await;
    drop(progress);
    let mut created = CreatedIdentity::new(obtained.map_err(flows::explain)?);
    let exported = export_requested(
        ctx,
        &store,
        &args,
        p12_password.as_deref().map(String::as_str),
        keychain.as_ref(),
        &mut created,
    );
    record(&store, &created)?;
    drop(run_lock);
    exported.map_err(|err| {
        let id = &created.certificate.id;
        let inner_hint = err
            .chain()
            .find_map(|c| c.downcast_ref::<UserError>().and_then(|u| u.hint.clone()));
        let hint = match (&args.keychain, created.p12.is_some() || args.p12.is_none()) {
            // The .p12 is written (or none was asked for): the keychain step is what failed.
            (Some(keychain), true) => format!(
                "install it with `ascert identities install {id}{}` once fixed{}",
                if keychain.is_empty() {
                    String::new()
                } else {
                    format!(" --keychain {keychain}")
                },
                inner_hint.map(|h| format!(": {h}")).unwrap_or_default()
            ),
            _ => format!("export it with `ascert identities export {id} --p12 FILE`"),
        };
        UserError::new(
            Exit::Failure,
            format!("certificate {id} was created and is kept with its key, but the export failed: {err:#}"),
        )
        .hint(hint)
    })?;
    report(ctx, &created)
}

/// The `--p12` and `--keychain` exports of a new identity.
fn export_requested(
    ctx: &Context,
    store: &Keystore,
    args: &CreateArgs,
    p12_password: Option<&str>,
    keychain: Option<&KeychainOptions>,
    created: &mut CreatedIdentity,
) -> Result<()> {
    let sources = ctx.ca_sources(args.pkcs12.ca_dir.clone());
    if let (Some(path), Some(password)) = (&args.p12, p12_password) {
        pkcs12::export(
            store,
            &created.key,
            &created.leaf,
            path,
            password,
            &args.pkcs12,
            &sources,
        )?;
        created.p12 = Some(path.clone());
    }
    if let Some(options) = keychain {
        let key = store.load_key(&created.key)?;
        created.keychain = Some(install_paired_identity(&key, &created.leaf, &sources, options)?);
    }
    Ok(())
}

fn report(ctx: &Context, created: &CreatedIdentity) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(created);
    }
    let verb = if created.outcome == Outcome::Adopted.as_str() {
        "Adopted the already issued"
    } else {
        "Created"
    };
    ctx.out
        .note(format!("{verb} certificate {}", describe(&created.certificate)));
    ctx.out.note(format!(
        "Private key {} is kept in the local keystore.",
        created.key_id
    ));
    if let Some(p12) = &created.p12 {
        ctx.out.note(format!(
            "Wrote {} (key, certificate and intermediate).",
            p12.display()
        ));
    }
    for note in created.keychain.iter().flat_map(KeychainInstall::notes) {
        ctx.out.note(note);
    }
    Ok(())
}

/// The CSR's common name when none is given: Apple replaces the subject, so it only tells keys
/// apart here (and matches the key a stopped run left pending).
pub(crate) const DEFAULT_COMMON_NAME: &str = "ascert";

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

/// Records the certificate of `created` with its key: from then on the key is no longer pending.
fn record(store: &Keystore, created: &CreatedIdentity) -> Result<()> {
    store
        .set_certificate(&created.key, &created.leaf)
        .context("cannot record the certificate with its key")?;
    Ok(())
}

/// `--csr FILE`: the user keeps the key; ascert only asks for the certificate.
async fn create_from_csr(ctx: &Context, api: &CertificatesApi, args: &CreateArgs, path: &Path) -> Result<()> {
    // A CSR holds only the public key: no need to wipe it.
    let csr = input::read_text(path, Input::Csr)
        .map_err(|err| err.explained(&format!("the CSR {}", path.display())))?;
    if !csr.contains("CERTIFICATE REQUEST") {
        return Err(UserError::usage(format!(
            "{} is not a PEM certificate signing request",
            path.display()
        ))
        .into());
    }
    let mut create = api.create(csr, args.certificate_type.clone());
    if let Some(id) = &args.pass_type_id {
        create = create.pass_type_id(id);
    }
    if let Some(id) = &args.merchant_id {
        create = create.merchant_id(id);
    }
    let reconciled = match create.send_reconciled().await {
        Ok(reconciled) => reconciled,
        Err(err) if err.is_certificate_limit() => {
            return Err(explain_full_slot(
                explain_full_slots(api, None, &args.certificate_type, err).await,
            ));
        }
        Err(err) if err.is_conflict() => {
            return Err(anyhow::Error::new(err).context(format!(
                "App Store Connect refused to create the {} certificate from {}",
                args.certificate_type,
                path.display()
            )));
        }
        Err(err) => return Err(err.into()),
    };
    // A CSR made by `keys generate --csr-out` has its key here: pair them now, so that `keys list`
    // and `identities list` agree and the identity can be exported at once.
    let paired = pair_with_local_key(ctx, &reconciled.certificate)?;
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "certificate": reconciled.certificate,
            "keyId": paired.as_ref().map(ToString::to_string),
        }));
    }
    ctx.out
        .note(format!("Certificate {}", describe(&reconciled.certificate)));
    match paired {
        Some(key_id) => ctx.out.note(format!(
            "Its private key is key {key_id} of the local keystore: paired (`ascert identities export {}` \
             makes the .p12).",
            reconciled.certificate.id
        )),
        None => ctx.out.note(
            "Its private key is the one your CSR was made with, and it is not in the local keystore; \
             `ascert keys import FILE` adds it, then `ascert identities list` shows the pair.",
        ),
    }
    Ok(())
}

/// Records `certificate` with its key when the key is in the local keystore; the key's id if so.
fn pair_with_local_key(ctx: &Context, certificate: &Certificate) -> Result<Option<KeyId>> {
    let store = ctx.keystore()?;
    let leaf = CertificateInfo::from_model(certificate).context("the new certificate cannot be read")?;
    let Some(record) = store.find_for_certificate(&leaf)? else {
        return Ok(None);
    };
    store
        .set_certificate(&record.key_id, &leaf)
        .context("cannot record the certificate beside its key")?;
    Ok(Some(record.key_id))
}
