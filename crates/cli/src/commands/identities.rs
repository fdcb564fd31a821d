//! `ascert identities list | export | install`: certificates paired with their private keys.

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, KeyId, KeyOnlyState, KeyRecord, Keystore, Pairing, pair};
use ascert_models::Certificate;
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::IdentitiesCommand;
use crate::commands::Context;
use crate::commands::keychain::{KeychainOptions, install_paired_identity};
use crate::commands::pkcs12::{self, CaSources};
use crate::failure::{Exit, UserError};
use crate::input::{self, Input};
use crate::output::color::validity_tone;
use crate::output::{self, Column, Table, Tone};
use crate::password;

pub(crate) async fn run(ctx: &Context, command: IdentitiesCommand) -> Result<()> {
    match command {
        IdentitiesCommand::List => list(ctx).await,
        IdentitiesCommand::Import { file } => import(ctx, &file).await,
        IdentitiesCommand::Ensure(args) => crate::commands::ensure::run(ctx, args).await,
        IdentitiesCommand::Export {
            cert_id,
            p12,
            pkcs12: options,
            password,
        } => {
            crate::target_file::check_new(&p12, options.force)?;
            let password = password::for_new_p12(&password, &options, &p12, &ctx.out)?;
            let store = ctx.keystore()?;
            let (certificate_id, leaf, key_id) = paired_certificate(ctx, &store, &cert_id).await?;
            let sources = ctx.ca_sources(options.ca_dir.clone());
            let intermediate = pkcs12::export(&store, &key_id, &leaf, &p12, &password, &options, &sources)?;
            if ctx.out.json {
                return ctx.out.json(&serde_json::json!({
                    "certificateId": certificate_id,
                    "keyId": key_id.to_string(),
                    "p12": p12,
                    "intermediate": intermediate.certificate.subject(),
                }));
            }
            ctx.out.note(format!(
                "Wrote {} with the key, certificate {} and the intermediate {}.",
                p12.display(),
                certificate_id
                    .as_deref()
                    .or(leaf.common_name())
                    .unwrap_or("(unnamed)"),
                intermediate.certificate.common_name().unwrap_or("(unnamed)")
            ));
            Ok(())
        }
        IdentitiesCommand::Install {
            cert_id,
            keychain,
            keychain_password,
            ca_dir,
        } => {
            // `security` and the keychain password are checked before App Store Connect is asked.
            let options = KeychainOptions::resolve(keychain, &keychain_password, &ctx.out)?;
            let store = ctx.keystore()?;
            let (certificate_id, leaf, key_id) = paired_certificate(ctx, &store, &cert_id).await?;
            let sources = CaSources {
                ca_dir,
                cache: ctx.ca_cache().ok(),
                extra_pins: Vec::new(),
            };
            let key = store.load_key(&key_id)?;
            let installed = install_paired_identity(&key, &leaf, &sources, &options)?;
            if ctx.out.json {
                return ctx.out.json(&serde_json::json!({
                    "certificateId": certificate_id,
                    "keyId": key_id.to_string(),
                    "keychain": installed,
                }));
            }
            for note in installed.notes() {
                ctx.out.note(note);
            }
            Ok(())
        }
    }
}

/// The certificate `id` (Apple's id, asked of App Store Connect; or a key id, for an identity
/// imported from a file that App Store Connect does not list), readable, whose private key is in the
/// keystore: Apple's id if there is one, the certificate, its key.
async fn paired_certificate(
    ctx: &Context,
    store: &Keystore,
    id: &str,
) -> Result<(Option<String>, CertificateInfo, KeyId)> {
    if let Some((record, leaf)) = local_identity(store, id)? {
        if record.certificate_id.is_none() {
            ctx.out.note(format!(
                "Certificate \"{}\" is one App Store Connect does not list (imported from a file); it was not asked \
                 whether the certificate is still valid.",
                leaf.common_name().unwrap_or("(unnamed)").escape_debug()
            ));
        }
        return Ok((record.certificate_id, leaf, record.key_id));
    }
    let api = ctx.api()?;
    let certificate = api.get(id).send().await?;
    let leaf =
        CertificateInfo::from_model(&certificate).context("the certificate's content cannot be read")?;
    let record = store.find_for_certificate(&leaf)?.ok_or_else(|| {
        UserError::new(
            Exit::NotFound,
            format!("the private key of certificate {id} is not on this machine"),
        )
        .hint("import it with `ascert keys import FILE` (a PEM key or a .p12), or create a new certificate")
    })?;
    Ok((Some(certificate.id), leaf, record.key_id))
}

/// With `id` a key id (8 or more lower-case hex digits; Apple's ids are upper case), the local key
/// it names and the certificate recorded beside it.
fn local_identity(store: &Keystore, id: &str) -> Result<Option<(KeyRecord, CertificateInfo)>> {
    let key_like = id.len() >= 8 && id.chars().all(|c| c.is_ascii_digit() || ('a'..='f').contains(&c));
    // An id of Apple's made of digits only looks like a key id too: it is one only if a key has it.
    if !key_like
        || !store
            .records()?
            .iter()
            .any(|r| r.key_id.to_string().starts_with(id))
    {
        return Ok(None);
    }
    let record = crate::commands::keys::find(store, id)?;
    let leaf = store.certificate(&record.key_id)?.ok_or_else(|| {
        UserError::new(
            Exit::NotFound,
            format!("key {id} has no certificate recorded beside it"),
        )
        .hint(
            "`ascert identities import FILE.cer` records one downloaded from the developer website; for a \
             certificate App Store Connect lists, give its id",
        )
    })?;
    Ok(Some((record, leaf)))
}

/// `identities import FILE`: a certificate from the developer website, recorded beside its key.
async fn import(ctx: &Context, file: &Path) -> Result<()> {
    let bytes = input::read(file, Input::Certificate)
        .map_err(|err| err.explained(&format!("the certificate {}", file.display())))?;
    let leaf = CertificateInfo::from_der_or_pem(&bytes).map_err(|err| {
        UserError::usage(format!("{} is not a certificate: {err}", file.display()))
            .hint("give the .cer file the developer website downloads (DER), or a PEM certificate")
    })?;
    let store = ctx.keystore()?;
    let record = store.find_for_certificate(&leaf)?.ok_or_else(|| {
        UserError::new(
            Exit::NotFound,
            format!(
                "no key in {} matches certificate \"{}\"",
                store.folder().display(),
                leaf.common_name().unwrap_or("(unnamed)").escape_debug()
            ),
        )
        .hint(
            "the certificate was made from a CSR whose key is elsewhere: import that key (`ascert keys import \
             FILE`) on this machine and run this again; `ascert keys list` shows the keys kept here",
        )
    })?;
    // Apple's id and type, when App Store Connect lists it (Developer ID Application and Kext; never
    // Installer): the same certificate, byte for byte.
    let listed = match ctx.api_if_configured()? {
        Some(api) => api
            .list()
            .serial_number(leaf.serial())
            .all()
            .await
            .context("cannot ask App Store Connect for the certificate")?
            .into_iter()
            .find(|c| c.content_der().is_ok_and(|der| der == leaf.der())),
        None => None,
    };
    let leaf = match &listed {
        Some(certificate) => CertificateInfo::from_model(certificate)?,
        None => leaf,
    };
    store
        .set_certificate(&record.key_id, &leaf)
        .context("cannot record the certificate beside its key")?;
    let now = OffsetDateTime::now_utc();
    let shown = listed.as_ref().map_or_else(
        || {
            format!(
                "certificate \"{}\"",
                leaf.common_name().unwrap_or("(unnamed)").escape_debug()
            )
        },
        |c| format!("certificate {}", c.id),
    );
    if let Some(warning) = crate::issuer_expiry::warning(&leaf, &shown, now) {
        ctx.out.warn(warning);
    }
    let key_id = record.key_id.to_string();
    if ctx.out.json {
        return ctx.out.json(&serde_json::json!({
            "certificateId": listed.as_ref().map(|c| c.id.clone()),
            "certificateType": listed.as_ref().and_then(|c| c.attributes.certificate_type.clone()),
            "name": leaf.common_name(),
            "expires": leaf.not_after().format(&time::format_description::well_known::Rfc3339)?,
            "keyId": key_id,
            "listed": listed.is_some(),
        }));
    }
    let handle = listed
        .as_ref()
        .map_or_else(|| key_id[..16].to_owned(), |c| c.id.clone());
    ctx.out.note(format!(
        "Paired {shown} (\"{}\", expires {}) with key {}.",
        leaf.common_name().unwrap_or("(unnamed)").escape_debug(),
        leaf.not_after().date(),
        &key_id[..16]
    ));
    ctx.out.note(if listed.is_some() {
        format!(
            "`ascert identities export {handle} --p12 FILE` writes the .p12, `ascert identities install {handle}` \
             installs it, `ascert team push {handle}` shares it."
        )
    } else {
        format!(
            "App Store Connect does not list it (a Developer ID Installer certificate, or no API key was given): \
             `ascert identities export {handle} --p12 FILE` and `ascert identities install {handle}` take it by \
             its key id."
        )
    });
    Ok(())
}

/// One line of `identities list`.
#[derive(Debug, Default, Serialize)]
#[serde(rename_all = "camelCase")]
struct Row {
    status: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    detail: Option<&'static str>,
    certificate_id: Option<String>,
    certificate_type: Option<String>,
    name: Option<String>,
    key_id: Option<String>,
    key_label: Option<String>,
    days_left: Option<i64>,
}

/// Pairs the team's certificates with the local keys, one row each.
fn rows(store: &Keystore, certificates: &[Certificate]) -> Result<Vec<Row>> {
    let by_id: HashMap<&str, &Certificate> = certificates.iter().map(|c| (c.id.as_str(), c)).collect();
    let infos: Vec<CertificateInfo> = certificates
        .iter()
        .filter_map(|c| CertificateInfo::from_model(c).ok())
        .collect();
    let now = OffsetDateTime::now_utc();
    // The certificate's columns of a row.
    let describe = |row: &mut Row, info: &CertificateInfo| {
        let model = info.api_id().and_then(|id| by_id.get(id).copied());
        row.certificate_id = info.api_id().map(str::to_owned);
        row.certificate_type =
            model.and_then(|c| c.attributes.certificate_type.as_ref().map(ToString::to_string));
        row.name = info.common_name().map(str::to_owned);
        row.days_left = model.and_then(|c| c.days_left(now));
    };
    let pairings = pair(store, &infos)?;
    // Apple's ids of the keys' certificates, recorded so that `keys list` shows them too.
    crate::commands::keys::record_apple_ids(store, &pairings);
    let rows = pairings
        .into_iter()
        .map(|pairing| {
            let mut row = Row {
                status: pairing.status().as_str(),
                detail: pairing.key_only_state().map(KeyOnlyState::as_str),
                ..Row::default()
            };
            match pairing {
                Pairing::Paired { key, certificate } => {
                    describe(&mut row, &certificate);
                    row.key_id = Some(key.key_id.to_string());
                    row.key_label = Some(key.label);
                }
                Pairing::KeyOnly { key, .. } => {
                    row.certificate_id.clone_from(&key.certificate_id);
                    row.certificate_type = key.certificate_type.as_ref().map(ToString::to_string);
                    row.key_id = Some(key.key_id.to_string());
                    row.key_label = Some(key.label);
                }
                Pairing::CertificateOnly { certificate } => describe(&mut row, &certificate),
                _ => {}
            }
            row
        })
        .collect();
    Ok(rows)
}

async fn list(ctx: &Context) -> Result<()> {
    let api = ctx.api()?;
    let store = ctx.keystore()?;
    let spinner = ctx.out.spinner("Listing certificates…");
    let certificates = api.list().limit(200)?.all().await?;
    spinner.finish_and_clear();
    let rows = rows(&store, &certificates)?;
    let now = OffsetDateTime::now_utc();
    for certificate in &certificates {
        if let Ok(leaf) = CertificateInfo::from_model(certificate)
            && let Some(warning) =
                crate::issuer_expiry::warning(&leaf, &format!("certificate {}", certificate.id), now)
        {
            ctx.out.warn(warning);
        }
    }
    if ctx.out.json {
        return ctx.out.json(&rows);
    }
    if rows.is_empty() {
        ctx.out.note("No certificates and no local keys.");
        return Ok(());
    }
    let mut table = Table::new(&[
        Column::keep("STATUS"),
        Column::keep("CERTIFICATE"),
        Column::keep("TYPE"),
        Column::shorten("NAME"),
        Column::prefix("KEY", 12).or_drop(0),
        Column::drop("DAYS LEFT", 1),
    ]);
    for r in rows {
        let status = match r.detail {
            Some(detail) => format!("{} ({detail})", r.status),
            None => r.status.to_owned(),
        };
        let tone = match r.detail {
            Some("orphaned") => Tone::Faint,
            _ => validity_tone(r.days_left, None),
        };
        table.push(
            output::Row::new(vec![
                status,
                r.certificate_id.unwrap_or_default(),
                r.certificate_type.unwrap_or_default(),
                r.name.or(r.key_label).unwrap_or_default(),
                r.key_id.unwrap_or_default(),
                r.days_left.map(|d| d.to_string()).unwrap_or_default(),
            ])
            .tone(tone),
        );
    }
    ctx.out.table(&table)
}
