//! `ascert certificates create`: ascert-workflows' safe flow (`obtain_identity`). The key is on disk
//! (0600, fsynced) before its CSR leaves the machine; an ambiguous failure is reconciled, not
//! repeated; a rerun after a crash reuses the pending key of that type and adopts a certificate
//! already issued for it. No certificate without its key, no key lost. The certificate is recorded
//! with its key only after the exports asked for, so that a rerun does them. `--csr FILE` (the
//! user keeps the key) is a plain create, here.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_certificates::CertificatesApi;
use ascert_keystore::{CertificateInfo, KeyId, Keystore};
use ascert_models::Certificate;
use ascert_workflows::{CertificateRequest, NewIdentity, Outcome, explain_full_slots, obtain_identity};
use serde::Serialize;

use crate::cli::CreateArgs;
use crate::commands::Context;
use crate::commands::conflict::explain_full_slot;
use crate::commands::flows::{self, Progress};
use crate::commands::keychain::{KeychainInstall, install_paired_identity};
use crate::commands::pkcs12;
use crate::commands::plan::create::CreatePlan;
use crate::commands::plan::export::ExportPlan;
use crate::failure::{Exit, UserError};
use crate::inputs::Inputs;
use crate::view::describe;

/// The CSR's common name when none is given (see [`crate::commands::plan::create`]).
pub(crate) use crate::commands::plan::create::DEFAULT_COMMON_NAME;

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

/// Resolves the arguments into a plan (every secret read, every input checked), then runs it.
pub(crate) async fn run(ctx: &Context, args: CreateArgs) -> Result<()> {
    let plan = {
        let inputs = Inputs::system(&ctx.out, &ctx.deadline);
        CreatePlan::resolve(&args, &inputs, &ctx.out, &|| ctx.keystore())?
    };
    let api = ctx.api()?;
    match plan {
        CreatePlan::FromCsr {
            certificate_type,
            csr,
            path,
            pass_type_id,
            merchant_id,
        } => {
            let request = CertificateRequest::new(csr, certificate_type)
                .with_pass_type_id(pass_type_id)
                .with_merchant_id(merchant_id);
            create_from_csr(ctx, &api, request, &path).await
        }
        CreatePlan::Identity {
            request,
            keystore: (store, run_lock),
            export,
            keychain_name,
        } => {
            // The certificate is recorded with its key only after the exports asked for: if this
            // process dies before then, the key is still pending, and running the same command
            // again reuses it, adopts the certificate already issued for it and does the exports,
            // instead of making a second key and certificate.
            let progress = Progress::new(ctx);
            let obtained = obtain_identity(&api, &store, &request, &progress).await;
            drop(progress);
            let obtained = obtained.map_err(flows::explain)?;
            let mut created = CreatedIdentity::new(obtained.clone());
            let exported = export_requested(ctx, &store, &export, &mut created);
            ascert_workflows::record(&store, &obtained).map_err(flows::explain)?;
            drop(run_lock);
            exported.map_err(|err| {
                export_failed(&err, &created, keychain_name.as_deref(), export.p12.is_none())
            })?;
            report(ctx, &created)
        }
    }
}

/// The error of an export that failed after the certificate was created (and kept with its key):
/// what failed, and the command that does it again.
fn export_failed(
    err: &anyhow::Error,
    created: &CreatedIdentity,
    keychain: Option<&str>,
    no_p12_asked: bool,
) -> UserError {
    let id = &created.certificate.id;
    let inner_hint = err
        .chain()
        .find_map(|c| c.downcast_ref::<UserError>().and_then(|u| u.hint.clone()));
    let hint = match (keychain, created.p12.is_some() || no_p12_asked) {
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
}

/// The `--p12` and `--keychain` exports of a new identity.
fn export_requested(
    ctx: &Context,
    store: &Keystore,
    export: &ExportPlan,
    created: &mut CreatedIdentity,
) -> Result<()> {
    let sources = ctx.ca_sources(export.options.ca_dir.clone());
    if let Some(target) = &export.p12 {
        pkcs12::export(
            store,
            &created.key,
            &created.leaf,
            &target.path,
            &target.password,
            &export.options,
            &sources,
        )?;
        created.p12 = Some(target.path.clone());
    }
    if let Some(options) = &export.keychain {
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

/// What `certificates create --csr` did, for `--json`: the certificate (its keys in alphabetical
/// order, as before it had a type of its own) and the local key it was paired with, if any (`null`
/// otherwise).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FromCsrReport<'a> {
    #[serde(serialize_with = "crate::output::sorted")]
    certificate: &'a Certificate,
    key_id: Option<String>,
}

/// `--csr FILE`: the user keeps the key; ascert only asks for the certificate.
async fn create_from_csr(
    ctx: &Context,
    api: &CertificatesApi,
    request: CertificateRequest,
    path: &Path,
) -> Result<()> {
    let certificate_type = request.certificate_type.clone();
    let mut create = api.create(request.csr_pem, request.certificate_type);
    if let Some(id) = request.pass_type_id {
        create = create.pass_type_id(id);
    }
    if let Some(id) = request.merchant_id {
        create = create.merchant_id(id);
    }
    let reconciled = match create.send_reconciled().await {
        Ok(reconciled) => reconciled,
        Err(err) if err.is_certificate_limit() => {
            return Err(explain_full_slot(
                explain_full_slots(api, None, &certificate_type, err).await,
            ));
        }
        Err(err) if err.is_conflict() => {
            return Err(anyhow::Error::new(err).context(format!(
                "App Store Connect refused to create the {} certificate from {}",
                certificate_type,
                path.display()
            )));
        }
        Err(err) => return Err(err.into()),
    };
    // A CSR made by `keys generate --csr-out` has its key here: pair them now, so that `keys list`
    // and `identities list` agree and the identity can be exported at once.
    let paired = pair_with_local_key(ctx, &reconciled.certificate)?;
    if ctx.out.json {
        return ctx.out.json(&FromCsrReport {
            certificate: &reconciled.certificate,
            key_id: paired.as_ref().map(ToString::to_string),
        });
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

#[cfg(test)]
mod report_tests {
    use ascert_models::{Certificate, CertificateType};

    use super::FromCsrReport;

    #[test]
    fn the_csr_report_prints_as_it_did_before_it_had_a_type() {
        let mut certificate = Certificate::new("CERT1");
        certificate.attributes.certificate_type = Some(CertificateType::Development);
        certificate.attributes.display_name = Some("Jane".into());
        for key_id in [None, Some("ab12".to_owned())] {
            let typed = serde_json::to_string_pretty(&FromCsrReport {
                certificate: &certificate,
                key_id: key_id.clone(),
            })
            .unwrap();
            let before = serde_json::to_string_pretty(&serde_json::json!({
                "certificate": certificate,
                "keyId": key_id,
            }))
            .unwrap();
            assert_eq!(typed, before);
        }
    }
}
