//! `ascert identities list | export | install`: certificates paired with their private keys.

use std::collections::HashMap;

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, KeyId, KeyOnlyState, Keystore, Pairing, pair};
use ascert_models::Certificate;
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::IdentitiesCommand;
use crate::commands::Context;
use crate::commands::keychain::{KeychainOptions, install_paired_identity};
use crate::commands::pkcs12::{self, CaSources};
use crate::failure::{Exit, UserError};
use crate::output::color::validity_tone;
use crate::output::{self, Column, Table, Tone};
use crate::password;

pub(crate) async fn run(ctx: &Context, command: IdentitiesCommand) -> Result<()> {
    match command {
        IdentitiesCommand::List => list(ctx).await,
        IdentitiesCommand::Ensure(args) => crate::commands::ensure::run(ctx, args).await,
        IdentitiesCommand::Export {
            cert_id,
            p12,
            pkcs12: options,
            password,
        } => {
            crate::target_file::check_new(&p12, options.force)?;
            let password = password::for_new_p12(&password, &options, &p12, &ctx.out)?;
            let api = ctx.api()?;
            let store = ctx.keystore()?;
            let (certificate, leaf, key_id) = paired_certificate(&api, &store, &cert_id).await?;
            let sources = ctx.ca_sources(options.ca_dir.clone());
            let intermediate = pkcs12::export(&store, &key_id, &leaf, &p12, &password, &options, &sources)?;
            if ctx.out.json {
                return ctx.out.json(&serde_json::json!({
                    "certificateId": certificate.id,
                    "keyId": key_id.to_string(),
                    "p12": p12,
                    "intermediate": intermediate.certificate.subject(),
                }));
            }
            ctx.out.note(format!(
                "Wrote {} with the key, certificate {} and the intermediate {}.",
                p12.display(),
                certificate.id,
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
            let api = ctx.api()?;
            let store = ctx.keystore()?;
            let (certificate, leaf, key_id) = paired_certificate(&api, &store, &cert_id).await?;
            let sources = CaSources {
                ca_dir,
                cache: ctx.ca_cache().ok(),
                extra_pins: Vec::new(),
            };
            let key = store.load_key(&key_id)?;
            let installed = install_paired_identity(&key, &leaf, &sources, &options)?;
            if ctx.out.json {
                return ctx.out.json(&serde_json::json!({
                    "certificateId": certificate.id,
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

/// The certificate `id`, readable, whose private key is in the keystore.
async fn paired_certificate(
    api: &ascert_certificates::CertificatesApi,
    store: &Keystore,
    id: &str,
) -> Result<(Certificate, CertificateInfo, KeyId)> {
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
    Ok((certificate, leaf, record.key_id))
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
    let rows = pair(store, &infos)?
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
