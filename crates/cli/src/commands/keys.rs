//! `ascert keys generate | list | csr | import | export | delete | prune`: the private keys kept
//! here (`keys prune` is in `keys_prune.rs`).

use std::io::IsTerminal as _;
use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::{CsrSubject, FileMode, KeyAlgorithm, KeyRecord, Keystore, write_atomic};
use ascert_models::CertificateType;
use serde::Serialize;

use crate::cli::{KeysCommand, PassphraseArgs, PasswordArgs};
use crate::commands::Context;
use crate::commands::create::DEFAULT_COMMON_NAME;
use crate::failure::{Exit, UserError};
use crate::input::{self, Input};
use crate::output::{Column, Row, Table};
use crate::password;
use crate::redact::shown_path;
use crate::target_file::check_new;

/// What `keys delete --json` reports.
#[derive(Debug, Serialize)]
struct Deleted {
    /// The id of the key deleted.
    deleted: String,
}

/// What `keys export --out FILE --json` reports; its fields in the alphabetical order of their
/// keys, the order the report has always had.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Exported<'a> {
    /// Whether the file is encrypted PKCS#8 (`--encrypt`) rather than plain.
    encrypted: bool,
    /// The key's id.
    key_id: String,
    /// The file written.
    out: &'a Path,
}

/// What `keys encrypt --json` reports.
#[derive(Debug, Serialize)]
struct Encrypted {
    /// The ids of the keys that were plaintext and are now encrypted.
    encrypted: Vec<String>,
}

pub(crate) async fn run(ctx: &Context, command: KeysCommand) -> Result<()> {
    let store = ctx.keystore()?;
    match command {
        KeysCommand::Prune { yes } => crate::commands::keys_prune::run(ctx, yes).await,
        KeysCommand::Generate {
            label,
            certificate_type,
            common_name,
            email,
            country,
            csr_out,
            force,
        } => {
            if let Some(path) = &csr_out {
                check_new(path, force)?;
            }
            let (label, subject) =
                label_and_subject(label, certificate_type.as_ref(), common_name, email, &country);
            generate(
                ctx,
                &store,
                &label,
                certificate_type,
                &subject,
                csr_out.as_deref(),
            )
        }
        KeysCommand::List => list(ctx, &store),
        KeysCommand::Csr {
            key,
            certificate_type,
            out,
            force,
        } => {
            if let Some(path) = &out {
                check_new(path, force)?;
            }
            let Some(key) = key else {
                // Without a key, --type asks for a new one (clap requires one of the two).
                let certificate_type = certificate_type
                    .ok_or_else(|| UserError::usage("give the KEY whose CSR to print, or --type TYPE"))?;
                let label = default_label(&certificate_type);
                // Apple replaces the CSR's subject with its own (the team's name and id), as
                // `identities ensure` assumes too.
                let subject = CsrSubject::new(DEFAULT_COMMON_NAME, "");
                return generate(
                    ctx,
                    &store,
                    &label,
                    Some(certificate_type),
                    &subject,
                    out.as_deref(),
                );
            };
            let record = find(&store, &key)?;
            if let Some(certificate_type) = &certificate_type {
                check_key_fits(&store, &record, certificate_type)?;
            }
            let csr = record.csr_pem.ok_or_else(|| {
                UserError::new(
                    Exit::NotFound,
                    format!("key {} has no CSR (it was imported)", record.key_id),
                )
            })?;
            match out {
                Some(path) => write_atomic(&path, csr.as_bytes(), FileMode::Public)
                    .with_context(|| format!("cannot write {}", path.display())),
                None => ctx.out.text(&csr),
            }
        }
        KeysCommand::Import {
            file,
            label,
            password,
        } => import(ctx, &store, &file, label, &password),
        KeysCommand::Export {
            key,
            out,
            force,
            encrypt,
            passphrase,
        } => export(ctx, &store, &key, &out, force, encrypt, &passphrase),
        KeysCommand::Encrypt => encrypt(ctx, &store),
        KeysCommand::Delete { key, yes } => {
            let record = find(&store, &key)?;
            let what = format!("{} ({})", record.key_id, record.label.escape_debug());
            ctx.confirm(
                yes,
                "Delete this private key? This cannot be undone",
                &[(record.key_id.to_string(), what_delete_destroys(&store, &record))],
            )?;
            store.delete(&record.key_id)?;
            if ctx.out.json {
                return ctx.out.json(&Deleted {
                    deleted: record.key_id.to_string(),
                });
            }
            ctx.out.note(format!("Deleted key {what}."));
            Ok(())
        }
    }
}

/// `keys generate`'s label and CSR subject: the label given, else one from the common name or the
/// type; the common name given, else ascert's default (Apple replaces the subject anyway).
fn label_and_subject(
    label: Option<String>,
    certificate_type: Option<&CertificateType>,
    common_name: Option<String>,
    email: Option<String>,
    country: &str,
) -> (String, CsrSubject) {
    let label = label.unwrap_or_else(|| match (&common_name, certificate_type) {
        (Some(name), _) => format!("key for {name}"),
        (None, Some(certificate_type)) => default_label(certificate_type),
        (None, None) => default_label("key"),
    });
    let common_name = common_name.unwrap_or_else(|| DEFAULT_COMMON_NAME.to_owned());
    let subject =
        CsrSubject::new(common_name, email.unwrap_or_default()).with_country(country.to_ascii_uppercase());
    (label, subject)
}

/// The label of a key made without `--label`: what it is for, and when it was made to the second
/// (UTC), so that the keys made on one day for one type are told apart.
pub(crate) use ascert_workflows::default_label;

/// A key to delete, with the certificate it signs for (if one is recorded) and what deleting it
/// loses: a certificate still valid can no longer be used from here, and a pending key's certificate
/// request can no longer be resumed.
fn what_delete_destroys(store: &Keystore, record: &KeyRecord) -> String {
    let key = format!("key {} (\"{}\")", record.key_id, record.label.escape_debug());
    let certificate = store.certificate(&record.key_id).ok().flatten();
    let now = time::OffsetDateTime::now_utc();
    match certificate {
        Some(leaf) if leaf.not_after() > now => format!(
            "{key}, the key of certificate {} (\"{}\", {}expires {}): still valid, it can no longer be used \
             from here; copies exported (.p12), installed in a keychain or pushed to a team store are not deleted",
            record
                .certificate_id
                .as_deref()
                .unwrap_or("(not listed by App Store Connect)"),
            leaf.common_name().unwrap_or("unnamed").escape_debug(),
            record
                .certificate_type
                .as_ref()
                .map(|t| format!("{t}, "))
                .unwrap_or_default(),
            leaf.not_after().date()
        ),
        Some(leaf) => format!(
            "{key}, the key of a certificate that expired on {}: nothing can sign with it any more",
            leaf.not_after().date()
        ),
        None if record.pending_request.is_some() => format!(
            "{key}, made for {} certificate request that did not get its certificate: a certificate Apple \
             issued for it could no longer be used, and the next run makes a new key",
            record
                .certificate_type
                .as_ref()
                .map_or_else(|| "a".to_owned(), crate::commands::creatable::with_article)
        ),
        None => format!("{key}, with no certificate recorded beside it"),
    }
}

/// `keys export`: the key as PKCS#8 PEM in a new file (0600), or on stdout with `--out -` when
/// stdout is a pipe.
fn export(
    ctx: &Context,
    store: &Keystore,
    key: &str,
    out: &Path,
    force: bool,
    encrypt: bool,
    passphrase: &PassphraseArgs,
) -> Result<()> {
    let to_stdout = out == Path::new("-");
    if to_stdout {
        if ctx.out.json {
            return Err(
                UserError::usage("--out - writes the key on stdout, which --json keeps for JSON")
                    .hint("name a file with --out FILE, or leave out --json")
                    .into(),
            );
        }
        if std::io::stdout().is_terminal() {
            return Err(UserError::usage(
                "--out - would print the private key on the terminal (and into its scrollback)",
            )
            .hint("pipe it (`--out - | …`) or name a file with --out FILE (written 0600)")
            .into());
        }
    } else {
        check_new(out, force)?;
    }
    let record = find(store, key)?;
    let passphrase = if encrypt {
        let secret = password::Secret::key_passphrase(passphrase);
        let passphrase = password::read(&secret, &ctx.out, true, &ctx.deadline)?;
        // The exported file can be guessed at offline as a .p12 or a team store can: the same rule.
        if passphrase.chars().count() < password::MIN_LENGTH {
            return Err(UserError::usage(format!(
                "the passphrase is shorter than {} characters",
                password::MIN_LENGTH
            ))
            .hint("whoever gets the exported file can guess at it offline: use a long random one")
            .into());
        }
        Some(passphrase)
    } else {
        None
    };
    let form = if encrypt {
        "encrypted PKCS#8"
    } else {
        "plain PKCS#8"
    };
    if to_stdout {
        let private_key = store.load_key(&record.key_id)?;
        let pem = match &passphrase {
            Some(passphrase) => private_key.to_encrypted_pem(passphrase)?,
            None => private_key.to_pkcs8_pem(),
        };
        ctx.out.text(&pem)?;
        ctx.out
            .note(format!("Wrote key {} on stdout ({form}).", record.key_id));
        return Ok(());
    }
    store.export_pem(&record.key_id, out, passphrase.as_deref().map(String::as_str))?;
    if ctx.out.json {
        return ctx.out.json(&Exported {
            encrypted: encrypt,
            key_id: record.key_id.to_string(),
            out,
        });
    }
    ctx.out.note(format!(
        "Wrote key {} to {} ({form}, mode 0600).",
        record.key_id,
        out.display()
    ));
    Ok(())
}

fn generate(
    ctx: &Context,
    store: &Keystore,
    label: &str,
    certificate_type: Option<CertificateType>,
    subject: &CsrSubject,
    csr_out: Option<&Path>,
) -> Result<()> {
    let algorithm = certificate_type
        .as_ref()
        .map_or(KeyAlgorithm::RSA_2048, KeyAlgorithm::for_certificate_type);
    let spinner = ctx.out.spinner(&format!("Generating an {algorithm} key…"));
    let made = store.generate(label, certificate_type, subject);
    spinner.finish_and_clear();
    let (record, csr) = made?;
    if let Some(path) = csr_out {
        write_atomic(path, csr.pem().as_bytes(), FileMode::Public)
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if ctx.out.json {
        return ctx.out.json(&Summary::of(store, &record));
    }
    ctx.out.note(format!(
        "Generated key {} ({label}, {algorithm}), kept in {}.",
        record.key_id,
        store.folder().display()
    ));
    if csr_out.is_none() {
        ctx.out.text(csr.pem())?;
    }
    Ok(())
}

/// Refuses a key that is not the kind `certificate_type` takes (EC P-256 for Apple Pay payment
/// processing, RSA-2048 for the other types): Apple would refuse its CSR.
fn check_key_fits(store: &Keystore, record: &KeyRecord, certificate_type: &CertificateType) -> Result<()> {
    let wanted = KeyAlgorithm::for_certificate_type(certificate_type);
    match store.key_algorithm(record) {
        Some(algorithm) if algorithm != wanted => Err(UserError::usage(format!(
            "key {} is an {algorithm} key; {certificate_type} certificates take an {wanted} key",
            record.key_id
        ))
        .hint(format!(
            "`ascert keys csr --type {certificate_type}` makes a key of that kind and prints its CSR"
        ))
        .into()),
        _ => Ok(()),
    }
}

/// `keys encrypt`: every plaintext key encrypted, the store marked as encrypting at rest.
fn encrypt(ctx: &Context, store: &Keystore) -> Result<()> {
    if !store.has_passphrase() {
        return Err(UserError::usage(format!(
            "keys encrypt needs the passphrase in {}",
            ascert_keystore::PASSPHRASE_ENV
        ))
        .hint("export it (from a secret store, not the command line) and run keys encrypt again")
        .into());
    }
    let encrypted = store.encrypt_all()?;
    // Asked for by name: the note below says it, not the end-of-run warning of an implicit switch.
    if let Ok(mut slot) = ctx.may_start_encrypting.lock() {
        slot.take();
    }
    if ctx.out.json {
        return ctx.out.json(&Encrypted {
            encrypted: encrypted.iter().map(ToString::to_string).collect(),
        });
    }
    ctx.out.note(format!(
        "Encrypted {} key{}; {} now writes keys encrypted only.",
        encrypted.len(),
        if encrypted.len() == 1 { "" } else { "s" },
        store.folder().display()
    ));
    Ok(())
}

fn list(ctx: &Context, store: &Keystore) -> Result<()> {
    let records = store.records()?;
    let summaries: Vec<Summary> = records.iter().map(|r| Summary::of(store, r)).collect();
    if ctx.out.json {
        return ctx.out.json(&summaries);
    }
    if records.is_empty() {
        ctx.out.note(format!("No keys in {}.", store.folder().display()));
        return Ok(());
    }
    let mut table = Table::new(&[
        Column::prefix("KEY", 12),
        Column::shorten("LABEL"),
        Column::keep("ALGORITHM"),
        Column::keep("FOR TYPE"),
        Column::keep("CERTIFICATE"),
        Column::drop("CREATED", 0),
        Column::drop("ENCRYPTED", 1),
    ]);
    for (r, summary) in records.iter().zip(&summaries) {
        table.push(Row::new(vec![
            r.key_id.to_string(),
            r.label.clone(),
            summary.key_algorithm.clone().unwrap_or_default(),
            r.certificate_type
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
            certificate_column(r),
            r.created.date().to_string(),
            if summary.encrypted { "yes" } else { "no" }.to_owned(),
        ]));
    }
    ctx.out.table(&table)
}

/// What `keys list` says of a key's certificate: Apple's id when it is known; else whether one is
/// recorded (imported with the key from a .p12: `identities list` learns its id from App Store
/// Connect and records it), still awaited by a run's request, or none.
fn certificate_column(record: &KeyRecord) -> String {
    match (&record.certificate_id, record.has_certificate()) {
        (Some(id), _) => id.clone(),
        (None, true) => "(recorded, id unknown)".into(),
        (None, false) if record.pending_request.is_some() => "(pending)".into(),
        (None, false) => "(none yet)".into(),
    }
}

/// Records the App Store Connect id of each certificate `pairings` found for a key whose record
/// lacks it (a key imported from a .p12, a CSR's certificate made on the developer website), so that
/// `keys list` shows what `identities list` shows. A key a run left pending is left as it is: a
/// rerun of that run adopts its certificate. Failures are ignored: this only tidies records.
pub(crate) fn record_apple_ids(store: &Keystore, pairings: &[ascert_keystore::Pairing]) {
    for pairing in pairings {
        if let ascert_keystore::Pairing::Paired { key, certificate } = pairing
            && key.pending_request.is_none()
            && certificate.api_id().is_some()
            && key.certificate_id.is_none()
        {
            let _ = store.set_certificate(&key.key_id, certificate);
        }
    }
}

fn import(
    ctx: &Context,
    store: &Keystore,
    file: &Path,
    label: Option<String>,
    password_args: &PasswordArgs,
) -> Result<()> {
    let record = if is_pkcs12(file) {
        let password = password::resolve(password_args, &ctx.out, false, &ctx.deadline)?;
        let bytes = input::read(file, Input::Pkcs12).map_err(|err| err.explained(&shown_path(file)))?;
        // Without --label the keystore names the key after the certificate's common name.
        store.import_pkcs12(&bytes, &password, label.as_deref())?
    } else {
        check_not_api_key_name(file)?;
        let text = input::read_secret_text(file, Input::PrivateKey).map_err(|err| match err {
            input::ReadError::Io(io) if io.kind() == std::io::ErrorKind::InvalidData => anyhow::Error::new(
                UserError::usage(format!("{} is not text, so not a PEM key", shown_path(file))).hint(
                    "give the key as PEM (-----BEGIN PRIVATE KEY-----…), or a PKCS#12 file named .p12 or .pfx",
                ),
            ),
            err => err.explained(&shown_path(file)),
        })?;
        if text.trim_start().starts_with('{') {
            return Err(UserError::usage(format!(
                "{} is JSON: an App Store Connect API key file (fastlane's or rcodesign's), not a certificate's \
                 private key",
                shown_path(file)
            ))
            .hint(
                "give an API key with --api-key FILE; `keys import` takes the private key of a signing \
                 certificate (PEM, or a .p12)",
            )
            .into());
        }
        // A PEM key names nothing: its file's name is the best label there is.
        let label = label.unwrap_or_else(|| {
            file.file_name().map_or_else(
                || file.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            )
        });
        store.import_pem(&text, &label)?
    };
    if ctx.out.json {
        return ctx.out.json(&Summary::of(store, &record));
    }
    ctx.out
        .note(format!("Imported key {} ({}).", record.key_id, record.label));
    Ok(())
}

/// Refuses `AuthKey_<KEY_ID>.p8`, the name App Store Connect gives API keys: an API key signs
/// requests to App Store Connect, never a certificate's CSR.
fn check_not_api_key_name(path: &Path) -> Result<()> {
    let name = path.file_name().and_then(|n| n.to_str()).unwrap_or_default();
    let p8 = path.extension().is_some_and(|e| e.eq_ignore_ascii_case("p8"));
    if name.starts_with("AuthKey_") && p8 {
        return Err(UserError::usage(format!(
            "{} is an App Store Connect API key (named so by App Store Connect), not a certificate's private key",
            shown_path(path)
        ))
        .hint(
            "give an API key with --api-key FILE; `keys import` takes the private key of a signing certificate \
             (PEM, or a .p12)",
        )
        .into());
    }
    Ok(())
}

fn is_pkcs12(path: &Path) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("p12") || e.eq_ignore_ascii_case("pfx"))
}

/// The key whose id is `text` or starts with it (at least 4 characters).
pub(crate) fn find(store: &Keystore, text: &str) -> Result<KeyRecord> {
    let wanted = text.trim().to_ascii_lowercase();
    if wanted.len() < 4 {
        return Err(UserError::usage("give at least 4 characters of the key id").into());
    }
    let mut matches: Vec<KeyRecord> = store
        .records()?
        .into_iter()
        .filter(|r| r.key_id.to_string().starts_with(&wanted))
        .collect();
    match matches.len() {
        0 => Err(UserError::new(
            Exit::NotFound,
            format!("no key {text} in {}", store.folder().display()),
        )
        .hint("`ascert keys list` shows the keys kept here")
        .into()),
        1 => Ok(matches.remove(0)),
        n => Err(UserError::usage(format!("{n} keys start with {text}; give more of the id")).into()),
    }
}

/// What `keys list --json` shows of a key: never the key itself.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Summary {
    key_id: String,
    label: String,
    /// `RSA-2048`, `EC P-256`; `null` for an encrypted key whose record and certificate do not say.
    key_algorithm: Option<String>,
    certificate_type: Option<String>,
    certificate_id: Option<String>,
    serial_number: Option<String>,
    created: String,
    encrypted: bool,
}

impl Summary {
    /// The summary of `record`; whether the key is encrypted is read from its file.
    fn of(store: &Keystore, record: &KeyRecord) -> Self {
        Self {
            key_id: record.key_id.to_string(),
            label: record.label.clone(),
            key_algorithm: store.key_algorithm(record).map(|a| a.to_string()),
            certificate_type: record.certificate_type.as_ref().map(ToString::to_string),
            certificate_id: record.certificate_id.clone(),
            serial_number: record.serial_number.clone(),
            created: crate::output::date::format(record.created),
            encrypted: store.is_key_encrypted(&record.key_id).unwrap_or(record.encrypted),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn delete_export_and_encrypt_reports_keep_their_keys() {
        let id = "5f2a".repeat(16);
        assert_eq!(
            serde_json::to_string_pretty(&Deleted { deleted: id.clone() }).unwrap(),
            format!("{{\n  \"deleted\": \"{id}\"\n}}")
        );
        let exported = Exported {
            encrypted: true,
            key_id: id.clone(),
            out: Path::new("key.pem"),
        };
        assert_eq!(
            serde_json::to_string_pretty(&exported).unwrap(),
            format!("{{\n  \"encrypted\": true,\n  \"keyId\": \"{id}\",\n  \"out\": \"key.pem\"\n}}")
        );
        assert_eq!(
            serde_json::to_string_pretty(&Encrypted { encrypted: vec![] }).unwrap(),
            "{\n  \"encrypted\": []\n}"
        );
        assert_eq!(
            serde_json::to_string_pretty(&Encrypted {
                encrypted: vec![id.clone()]
            })
            .unwrap(),
            format!("{{\n  \"encrypted\": [\n    \"{id}\"\n  ]\n}}")
        );
    }
}
