//! `ascert certificates list | get | create | activate | deactivate | revoke`.

use anyhow::{Context as _, Result};
use ascert_keystore::{FileMode, write_atomic};
use ascert_models::Certificate;
use futures::{StreamExt as _, TryStreamExt as _};
use serde::Serialize;
use time::OffsetDateTime;

use std::cmp::Ordering;

use ascert_models::{SortField, SortOrder};

use crate::cli::{CertificatesCommand, GetArgs, ListArgs, ListSort, RevokeArgs};
use crate::commands::{Context, create};
use crate::output::{JsonArray, Table};
use crate::view;

pub(crate) async fn run(ctx: &Context, command: CertificatesCommand) -> Result<()> {
    match command {
        CertificatesCommand::List(args) => list(ctx, args).await,
        CertificatesCommand::Get(args) => get(ctx, args).await,
        CertificatesCommand::Create(args) => create::run(ctx, *args).await,
        CertificatesCommand::Activate { id } => set_activated(ctx, &id, true).await,
        CertificatesCommand::Deactivate { id } => set_activated(ctx, &id, false).await,
        CertificatesCommand::Revoke(args) => revoke(ctx, args).await,
    }
}

async fn list(ctx: &Context, args: ListArgs) -> Result<()> {
    let api = ctx.api()?;
    let filtered = is_filtered(&args);
    // One page ahead: the next page comes over the network while this one is written out.
    let mut request = api.list().limit(args.limit)?.prefetch(true);
    for certificate_type in args.types {
        request = request.certificate_type(certificate_type);
    }
    for name in args.name {
        request = request.display_name(name);
    }
    for serial in args.serial {
        request = request.serial_number(serial);
    }
    for id in args.id {
        request = request.id(id);
    }
    // Apple sorts by its fields; the expiry it does not sort by, so a list sorted by it is fetched
    // whole and sorted here, by every --sort field in order.
    let sorted_here = args
        .sort
        .iter()
        .any(|key| matches!(key, ListSort::ExpirationDate(_)));
    if !sorted_here {
        for key in &args.sort {
            if let ListSort::Apple(key) = key {
                request = request.sort(key.field, key.order);
            }
        }
    }
    let now = OffsetDateTime::now_utc();
    let expiring_by = args
        .expiring_within
        .map(|days| now + time::Duration::days(i64::from(days)));
    let keep = |c: &Certificate| {
        let state = match (args.expired, args.valid) {
            (true, _) => c.is_expired_at(now) == Some(true),
            (_, true) => c.is_expired_at(now) != Some(true),
            _ => true,
        };
        let expiring = expiring_by.is_none_or(|by| {
            c.attributes
                .expiration_date
                .is_some_and(|expires| expires > now && expires <= by)
        });
        state && expiring
    };
    let mut certificates = if sorted_here {
        let fetching = if ctx.out.json {
            indicatif::ProgressBar::hidden()
        } else {
            ctx.out.spinner("Listing certificates…")
        };
        let mut all = request.all().await?;
        fetching.finish_and_clear();
        all.sort_by(|a, b| {
            args.sort
                .iter()
                .map(|key| compare(a, b, *key))
                .find(|o| o.is_ne())
                .unwrap_or(Ordering::Equal)
        });
        futures::stream::iter(all.into_iter().map(Ok)).boxed()
    } else {
        request.stream()
    };
    if ctx.out.json {
        // Streamed: each page is written as it arrives, so memory does not grow with the list. An
        // early stop (Ctrl-C, the deadline) drops the array after a whole certificate and without
        // its closing `]`, so no reader takes part of the list for all of it.
        let mut array = JsonArray::start()?;
        while let Some(certificate) = certificates.try_next().await? {
            if keep(&certificate) {
                array.push(&certificate)?;
            }
        }
        array.finish()?;
        return Ok(());
    }
    let spinner = ctx.out.spinner("Listing certificates…");
    let mut table = Table::new(&view::CERTIFICATE_COLUMNS);
    let mut count = 0_usize;
    while let Some(certificate) = certificates.try_next().await? {
        if keep(&certificate) {
            table.push(view::certificate_row(&certificate, now));
            count += 1;
        }
        spinner.set_message(format!("Listing certificates… {count}"));
    }
    spinner.finish_and_clear();
    if table.is_empty() {
        ctx.out.note(if filtered {
            "No certificates match these filters; `ascert certificates list` shows them all."
        } else {
            "The team has no certificates yet; `ascert certificates create --type DISTRIBUTION` makes one."
        });
        return Ok(());
    }
    ctx.out.table(&table)?;
    ctx.out.note(format!(
        "{count} certificate{}",
        if count == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// `a` against `b` on one `--sort` criterion; a certificate without the field comes last.
fn compare(a: &Certificate, b: &Certificate, key: ListSort) -> Ordering {
    fn text(c: &Certificate, field: SortField) -> Option<String> {
        let a = &c.attributes;
        match field {
            SortField::DisplayName => a.display_name.clone(),
            SortField::CertificateType => a.certificate_type.as_ref().map(ToString::to_string),
            SortField::SerialNumber => a.serial_number.clone(),
            _ => Some(c.id.clone()),
        }
    }
    // Ascending with a missing value last; descending reverses the values, never where the missing go.
    fn ordered<T: Ord>(a: Option<T>, b: Option<T>, order: SortOrder) -> Ordering {
        match (a, b) {
            (Some(a), Some(b)) if order == SortOrder::Descending => b.cmp(&a),
            (Some(a), Some(b)) => a.cmp(&b),
            (a, b) => a.is_none().cmp(&b.is_none()),
        }
    }
    match key {
        ListSort::ExpirationDate(order) => {
            ordered(a.attributes.expiration_date, b.attributes.expiration_date, order)
        }
        ListSort::Apple(key) => ordered(text(a, key.field), text(b, key.field), key.order),
    }
}

/// Whether the list asks for less than every certificate: an empty answer then means "none of
/// these", not "none at all".
fn is_filtered(args: &ListArgs) -> bool {
    !(args.types.is_empty() && args.name.is_empty() && args.serial.is_empty() && args.id.is_empty())
        || args.expired
        || args.valid
        || args.expiring_within.is_some()
}

async fn get(ctx: &Context, args: GetArgs) -> Result<()> {
    if let Some(path) = &args.out {
        crate::target_file::check_new(path, args.force)?;
    }
    let api = ctx.api()?;
    let certificate = api.get(&args.id).send().await?;
    if args.out.is_some() || args.pem {
        // Never save or print bytes that are not a certificate as if they were one.
        ascert_keystore::CertificateInfo::from_model(&certificate).with_context(|| {
            format!(
                "the content App Store Connect sent for certificate {} is not an X.509 certificate",
                certificate.id
            )
        })?;
    }
    if let Some(path) = &args.out {
        let bytes = if args.pem {
            certificate.content_pem()?.into_bytes()
        } else {
            certificate.content_der()?
        };
        write_atomic(path, &bytes, FileMode::Public)
            .with_context(|| format!("cannot write {}", path.display()))?;
        ctx.out.note(format!(
            "Saved certificate {} to {}",
            certificate.id,
            path.display()
        ));
        if ctx.out.json {
            ctx.out.json(&certificate)?;
        }
        return Ok(());
    }
    if ctx.out.json {
        return ctx.out.json(&certificate);
    }
    if args.pem {
        return ctx.out.text(&certificate.content_pem()?);
    }
    view::show_certificate(&ctx.out, &certificate)
}

async fn set_activated(ctx: &Context, id: &str, activated: bool) -> Result<()> {
    let api = ctx.api()?;
    let certificate = if activated {
        api.activate(id).await?
    } else {
        api.deactivate(id).await?
    };
    if ctx.out.json {
        return ctx.out.json(&certificate);
    }
    ctx.out.note(format!(
        "Certificate {} is {}.",
        certificate.id,
        if activated { "active" } else { "inactive" }
    ));
    Ok(())
}

/// A certificate to revoke, with where its key is as far as ascert can tell and what revoking it
/// breaks.
fn what_revoke_destroys(certificate: &Certificate, store: Option<&ascert_keystore::Keystore>) -> String {
    let described = view::describe(certificate);
    if certificate.is_expired_at(OffsetDateTime::now_utc()) == Some(true) {
        return format!("{described}: expired, nothing can sign with it any more");
    }
    let key_here = store
        .zip(ascert_keystore::CertificateInfo::from_model(certificate).ok())
        .and_then(|(store, info)| store.find_for_certificate(&info).ok().flatten());
    match key_here {
        Some(record) => format!(
            "{described}: still valid; its key is in the local keystore (key {}, \"{}\"): this machine, and \
             every machine it was shared with (.p12, keychain, team store), can no longer sign with it",
            &record.key_id.to_string()[..16],
            record.label.escape_debug()
        ),
        None => format!(
            "{described}: still valid; its key is not in the local keystore (someone else's, in a keychain or a \
             team store): whoever signs with it can no longer"
        ),
    }
}

/// What `certificates revoke --json` reports.
#[derive(Debug, Serialize)]
struct Revoked<'a> {
    /// The ids of the certificates revoked, in the order they were.
    revoked: &'a [String],
}

async fn revoke(ctx: &Context, args: RevokeArgs) -> Result<()> {
    let api = ctx.api()?;
    let targets: Vec<(String, String)> = if args.expired {
        let now = OffsetDateTime::now_utc();
        let mut request = api.list().limit(200)?;
        for certificate_type in &args.types {
            request = request.certificate_type(certificate_type.clone());
        }
        request
            .all()
            .await?
            .into_iter()
            .filter(|c| c.is_expired_at(now) == Some(true))
            .map(|c| (c.id.clone(), view::describe(&c)))
            .collect()
    } else {
        // What each revoke destroys, read before asking: a certificate still valid stops working
        // for whoever signs with it.
        let store = ctx.keystore().ok();
        let mut targets = Vec::new();
        for id in &args.ids {
            let certificate = api
                .get(id)
                .send()
                .await
                .with_context(|| format!("cannot read certificate {id}; nothing was revoked"))?;
            targets.push((id.clone(), what_revoke_destroys(&certificate, store.as_ref())));
        }
        targets
    };
    if targets.is_empty() {
        ctx.out.note("Nothing to revoke: no certificate matches.");
        return Ok(());
    }
    ctx.confirm(
        args.yes,
        &format!("Revoke {} certificate(s)? This cannot be undone", targets.len()),
        &targets,
    )?;
    let mut revoked = Vec::new();
    for (id, _) in &targets {
        api.revoke(id)
            .await
            .with_context(|| format!("cannot revoke certificate {id}"))?;
        ctx.out.note(format!("Revoked certificate {id}."));
        revoked.push(id.clone());
    }
    if ctx.out.json {
        ctx.out.json(&Revoked { revoked: &revoked })?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_revoke_report_is_the_list_of_ids() {
        let ids = ["A1B2C3D4E5".to_owned(), "F6G7H8I9J0".to_owned()];
        assert_eq!(
            serde_json::to_string_pretty(&Revoked { revoked: &ids }).unwrap(),
            r#"{
  "revoked": [
    "A1B2C3D4E5",
    "F6G7H8I9J0"
  ]
}"#
        );
    }
}
