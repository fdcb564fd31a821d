//! `ascert identities list | export | install`: certificates paired with their private keys.

mod report;

use std::collections::HashMap;
use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, KeyId, KeyOnlyState, KeyRecord, Keystore, Pairing, pair};
use ascert_models::{Certificate, SortOrder};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::{IdentitiesCommand, IdentitiesListArgs};
use crate::commands::Context;
use crate::commands::keychain::{KeychainOptions, install_paired_identity};
use crate::commands::pkcs12::{self, CaSources};
use crate::failure::{Exit, UserError};
use crate::input::{self, Input};
use crate::output::color::validity_tone;
use crate::output::{self, Column, Table, Tone};
use crate::{password, view};

pub(crate) async fn run(ctx: &Context, command: IdentitiesCommand) -> Result<()> {
    match command {
        IdentitiesCommand::List(args) => list(ctx, &args).await,
        IdentitiesCommand::Import { file } => import(ctx, &file).await,
        IdentitiesCommand::Ensure(args) => crate::commands::ensure::run(ctx, args).await,
        IdentitiesCommand::Export {
            cert_id,
            p12,
            pkcs12: options,
            password,
        } => {
            crate::target_file::check_new(&p12, options.force)?;
            let password = password::for_new_p12(&password, &options, &p12, &ctx.out, &ctx.deadline)?;
            let store = ctx.keystore()?;
            let (certificate_id, leaf, key_id) = match cached_identity(ctx, &store, &cert_id).await? {
                Some(cached) => cached,
                None => paired_certificate(ctx, &store, &cert_id).await?,
            };
            let sources = ctx.ca_sources(options.ca_dir.clone());
            let intermediate = pkcs12::export(&store, &key_id, &leaf, &p12, &password, &options, &sources)?;
            if ctx.out.json {
                return ctx.out.json(&report::Exported {
                    certificate_id: certificate_id.as_deref(),
                    intermediate: intermediate.certificate.subject(),
                    key_id: key_id.to_string(),
                    p12: &p12,
                });
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
                return ctx.out.json(&report::Installed {
                    certificate_id: certificate_id.as_deref(),
                    key_id: key_id.to_string(),
                    keychain: &installed,
                });
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
    with_local_key(store, certificate, id)
}

/// Apple's certificate `id` with its key from the keystore: Apple's id, the certificate, its key.
fn with_local_key(
    store: &Keystore,
    certificate: Certificate,
    id: &str,
) -> Result<(Option<String>, CertificateInfo, KeyId)> {
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

/// For `identities export`: the certificate `id` as cached in the keystore beside its key (every
/// identity ascert created, imported, adopted or pulled is), when App Store Connect cannot be asked
/// whether it is still listed — no API key, or no answer — said on stderr. App Store Connect is
/// asked once, without retries: the cached copy stands in for its answer, so retrying would only
/// delay it. `None` when nothing is cached for `id`; Apple's certificate when Apple answered (and
/// its error when Apple does not list it: then nothing is exported from the cache).
async fn cached_identity(
    ctx: &Context,
    store: &Keystore,
    id: &str,
) -> Result<Option<(Option<String>, CertificateInfo, KeyId)>> {
    let Some(record) = store
        .records()?
        .into_iter()
        .find(|r| r.certificate_id.as_deref() == Some(id))
    else {
        return Ok(None);
    };
    let Some(leaf) = store.certificate(&record.key_id)? else {
        return Ok(None);
    };
    let why = match ctx.api_once_if_configured()? {
        None => "no App Store Connect API key is given".to_owned(),
        Some(api) => match api.get(id).send().await {
            Ok(certificate) => return with_local_key(store, certificate, id).map(Some),
            Err(err)
                if err
                    .transport()
                    .is_some_and(|t| t.is_transient() || t.is_unreachable()) =>
            {
                format!("App Store Connect cannot be reached ({err})")
            }
            Err(err) => return Err(err.into()),
        },
    };
    ctx.out.warn(format!(
        "offline: {why}; exporting certificate {id} from the copy cached in the local keystore (expires {}), \
         without knowing whether App Store Connect still lists it as active",
        leaf.not_after().date()
    ));
    Ok(Some((Some(id.to_owned()), leaf, record.key_id)))
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
        return ctx.out.json(&report::Imported {
            certificate_id: listed.as_ref().map(|c| c.id.as_str()),
            certificate_type: listed
                .as_ref()
                .and_then(|c| c.attributes.certificate_type.as_ref()),
            expires: crate::output::date::format(leaf.not_after()),
            key_id: &key_id,
            listed: listed.is_some(),
            name: leaf.common_name(),
        });
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
    /// Apple's display name, the NAME of `certificates list` (else Apple's longer name).
    display_name: Option<String>,
    /// The certificate's common name.
    name: Option<String>,
    key_id: Option<String>,
    key_label: Option<String>,
    #[serde(serialize_with = "serialize_expires")]
    expires: Option<OffsetDateTime>,
    days_left: Option<i64>,
}

/// `expires` in ascert's JSON date form, or `null`.
#[allow(
    clippy::ref_option,
    reason = "serde's `serialize_with` hands fields over by reference"
)]
fn serialize_expires<S: serde::Serializer>(
    date: &Option<OffsetDateTime>,
    serializer: S,
) -> Result<S::Ok, S::Error> {
    match date {
        Some(date) => output::date::serialize(date, serializer),
        None => serializer.serialize_none(),
    }
}

impl Row {
    /// Whether the row passes the filters of `args`, at `now`.
    fn matches(&self, args: &IdentitiesListArgs, now: OffsetDateTime) -> bool {
        let of_type = args.types.is_empty()
            || args
                .types
                .iter()
                .any(|t| self.certificate_type.as_deref() == Some(t.as_str()));
        let in_state = args.state.is_empty() || args.state.iter().any(|s| s.as_str() == self.status);
        let expiring = args.expiring_within.is_none_or(|days| {
            self.expires.is_some_and(|expires| {
                expires > now && expires <= now + time::Duration::days(i64::from(days))
            })
        });
        of_type && in_state && expiring
    }
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
        row.display_name = model.and_then(view::name).map(str::to_owned);
        row.name = info.common_name().map(str::to_owned);
        row.expires = Some(
            model
                .and_then(|c| c.attributes.expiration_date)
                .unwrap_or_else(|| info.not_after()),
        );
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

/// The columns of `identities list`. On a narrow terminal key ids are cut to 12 characters and the
/// names shortened; then NAME (the same for every certificate of a type), LABEL and TYPE are left
/// out, in that order. KEY and DAYS LEFT stay.
const IDENTITY_COLUMNS: [Column; 7] = [
    Column::keep("STATUS"),
    Column::keep("CERTIFICATE"),
    Column::drop("TYPE", 2),
    Column::shorten("NAME").or_drop(0),
    Column::shorten("LABEL").or_drop(1),
    Column::prefix("KEY", 12),
    Column::keep("DAYS LEFT"),
];

async fn list(ctx: &Context, args: &IdentitiesListArgs) -> Result<()> {
    let api = ctx.api()?;
    let store = ctx.keystore()?;
    let spinner = ctx.out.spinner("Listing certificates…");
    let certificates = api.list().limit(200)?.all().await?;
    spinner.finish_and_clear();
    let now = OffsetDateTime::now_utc();
    let all = rows(&store, &certificates)?;
    let total = all.len();
    let mut rows: Vec<Row> = all.into_iter().filter(|r| r.matches(args, now)).collect();
    if let Some(order) = args.sort {
        // Soonest (or latest) first; rows without a certificate last either way.
        rows.sort_by(|a, b| match (a.expires, b.expires) {
            (Some(a), Some(b)) if order == SortOrder::Descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
            (a, b) => a.is_none().cmp(&b.is_none()),
        });
    }
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
        ctx.out.note(if total == 0 {
            "No certificates and no local keys.".to_owned()
        } else {
            format!("None of the {total} rows matches the filters.")
        });
        return Ok(());
    }
    let mut table = Table::new(&IDENTITY_COLUMNS);
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
                r.display_name.unwrap_or_default(),
                r.key_label.unwrap_or_default(),
                r.key_id.unwrap_or_default(),
                r.days_left.map(|d| d.to_string()).unwrap_or_default(),
            ])
            .tone(tone),
        );
    }
    ctx.out.table(&table)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::output::Paint;

    fn render(rows: &[[&str; 7]], width: usize) -> (Vec<String>, Vec<&'static str>) {
        let mut table = Table::new(&IDENTITY_COLUMNS);
        for row in rows {
            table.push(output::Row::new(row.map(str::to_owned).to_vec()));
        }
        let rendered = table.render(Some(width), Paint::default());
        (rendered.lines, rendered.dropped)
    }

    #[test]
    fn at_80_columns_name_goes_first_and_key_and_days_left_stay() {
        let key = "3f9a0c1d2e4b5a6978c0d1e2f3a4b5c6d7e8f90a1b2c3d4e5f6a7b8c9d0e1f2a";
        let rows = [
            [
                "paired",
                "8T4J5S2W9Q",
                "DISTRIBUTION",
                "Appleseed Software International Ltd",
                "DISTRIBUTION 2026-12-07 (ensure)",
                key,
                "365",
            ],
            [
                "key-only (pending)",
                "",
                "DEVELOPMENT",
                "",
                "a spare key for the mac mini in the server room",
                key,
                "",
            ],
        ];
        let (lines, dropped) = render(&rows, 80);
        assert_eq!(
            lines,
            [
                "STATUS              CERTIFICATE  TYPE          KEY           DAYS LEFT",
                "paired              8T4J5S2W9Q   DISTRIBUTION  3f9a0c1d2e4b  365",
                "key-only (pending)               DEVELOPMENT   3f9a0c1d2e4b",
            ]
        );
        assert_eq!(dropped, ["NAME", "LABEL"]);
        // With the longest type names, TYPE goes too, and KEY and DAYS LEFT still stay.
        let mut long = rows;
        long[0][2] = "DEVELOPER_ID_APPLICATION_G2";
        let (lines, dropped) = render(&long, 80);
        assert_eq!(dropped, ["NAME", "LABEL", "TYPE"]);
        assert!(lines[0].ends_with("KEY           DAYS LEFT"), "{lines:?}");
        // At 100 columns only NAME goes; the label is shortened.
        let (lines, dropped) = render(&rows, 100);
        assert_eq!(dropped, ["NAME"]);
        assert!(
            lines[2].contains(" a spare key for the mac min…  3f9a0c1d2e4b"),
            "{lines:?}"
        );
        // Shortening both names is tried before dropping either.
        let (_, dropped) = render(&rows, 120);
        assert!(dropped.is_empty(), "{dropped:?}");
    }
}
