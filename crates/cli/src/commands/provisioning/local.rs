//! Profiles on this machine: reading and checking a `.mobileprovision` file, installing it where
//! Xcode looks, listing and removing installed ones.
//!
//! A profile from App Store Connect comes over the same authenticated channel as its certificates
//! and is read as it came. A profile from a file (a teammate's, an artifact's) is installed only
//! when its signature verifies and chains to Apple's root — the root the profile carries, taken
//! only if its SHA-256 is the one Apple publishes (`ascert_keystore::APPLE_CA_SHA256`) — or to a
//! root named with `--trust-root` (a sandbox's, an enterprise's).

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, apple_ca_name};
use ascert_mobileprovision::{Installation, Profile as ProfileFile, ProfileDirs};
use serde::Serialize;
use time::OffsetDateTime;

use crate::commands::Context;
use crate::exit::Exit;
use crate::failure::UserError;
use crate::output::{Column, Row, Table};

/// The folders to install into and list: those given, else Xcode's two under the home folder.
pub(crate) fn dirs(given: &[PathBuf]) -> Result<ProfileDirs> {
    if given.is_empty() {
        Ok(ProfileDirs::default_for_user()?)
    } else {
        Ok(ProfileDirs::new(given.to_vec()))
    }
}

/// Reads a profile's bytes, as App Store Connect sent them.
pub(crate) fn parse(bytes: &[u8]) -> Result<ProfileFile> {
    Ok(ProfileFile::from_der(bytes)?)
}

/// Reads the profile file at `path` and checks that Apple (or a root of `extra_roots`) signed it.
pub(crate) fn read_trusted(path: &Path, extra_roots: &[PathBuf]) -> Result<ProfileFile> {
    let file = ProfileFile::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut roots: Vec<Vec<u8>> = file
        .embedded_certificates()
        .iter()
        .filter(|der| {
            CertificateInfo::from_der(der).is_ok_and(|c| {
                apple_ca_name(&c.sha256_hex()).is_some_and(|name| name.starts_with("Apple Root CA"))
            })
        })
        .cloned()
        .collect();
    for root in extra_roots {
        let bytes = crate::input::read(root, crate::input::Input::Certificate)
            .with_context(|| format!("cannot read {}", root.display()))?;
        let certificate = CertificateInfo::from_der_or_pem(&bytes)
            .with_context(|| format!("{} is not a certificate", root.display()))?;
        roots.push(certificate.der().to_vec());
    }
    let roots: Vec<&[u8]> = roots.iter().map(Vec::as_slice).collect();
    file.verify(&roots, OffsetDateTime::now_utc()).map_err(|err| {
        UserError::new(
            Exit::Failure,
            format!("{} is not a profile Apple signed: {err}", path.display()),
        )
        .hint(
            "install profiles from App Store Connect (`ascert profiles install ID`); a profile of a sandbox or \
             another CA installs with --trust-root ROOT.cer",
        )
    })?;
    Ok(file)
}

/// The file name a profile is saved under: its name, made safe for a file system, and the
/// extension Xcode expects for its platform.
pub(crate) fn file_name(file: &ProfileFile) -> String {
    let safe: String = file
        .name()
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let safe = safe.trim_matches('.');
    let stem = if safe.is_empty() { file.uuid() } else { safe };
    format!("{stem}.{}", extension(file))
}

/// `provisionprofile` for a macOS-only profile, `mobileprovision` for the others.
fn extension(file: &ProfileFile) -> &'static str {
    let platforms = file.platforms();
    if !platforms.is_empty() && platforms.iter().all(|p| p.as_str() == "OSX") {
        "provisionprofile"
    } else {
        "mobileprovision"
    }
}

/// What the `--json` reports say of a profile file.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Summary {
    application_identifier: Option<String>,
    devices: usize,
    expires: String,
    name: String,
    path: Option<PathBuf>,
    team_id: String,
    uuid: String,
}

/// The summary of `file`, saved or installed at `path`.
pub(crate) fn summary(file: &ProfileFile, path: Option<&Path>) -> Summary {
    Summary {
        application_identifier: file.application_identifier().map(str::to_owned),
        devices: file.provisioned_devices().len(),
        expires: crate::output::date::format(file.expiration_date()),
        name: file.name().to_owned(),
        path: path.map(Path::to_path_buf),
        team_id: file.team_id().to_owned(),
        uuid: file.uuid().to_owned(),
    }
}

/// What `profiles install --json` reports of each profile.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct Installed {
    name: String,
    pub(crate) paths: Vec<PathBuf>,
    replaced: Vec<PathBuf>,
    uuid: String,
}

/// Installs `file` into `dirs` and says where.
pub(crate) fn install(ctx: &Context, file: &ProfileFile, dirs: &ProfileDirs) -> Result<Installed> {
    let Installation { paths, replaced, .. } = ascert_mobileprovision::install(file, dirs)
        .with_context(|| format!("cannot install profile {:?}", file.name()))?;
    ctx.out.note(format!(
        "Installed profile {:?} (UUID {}) in {}",
        file.name(),
        file.uuid(),
        paths
            .iter()
            .filter_map(|p| p.parent())
            .map(|p| p.display().to_string())
            .collect::<Vec<_>>()
            .join(" and ")
    ));
    let replaced: Vec<PathBuf> = replaced
        .into_iter()
        .filter(|r| r.uuid != file.uuid())
        .map(|r| r.path)
        .collect();
    for path in &replaced {
        ctx.out.note(format!("Removed the older copy {}", path.display()));
    }
    Ok(Installed {
        name: file.name().to_owned(),
        paths,
        replaced,
        uuid: file.uuid().to_owned(),
    })
}

/// `profiles installed`: every profile file in the folders, those that cannot be read included.
pub(crate) fn list_installed(ctx: &Context, given: &[PathBuf]) -> Result<()> {
    let dirs = dirs(given)?;
    let found = ascert_mobileprovision::installed(&dirs)?;
    if ctx.out.json {
        let report: Vec<serde_json::Value> = found
            .iter()
            .map(|i| match &i.profile {
                Ok(file) => serde_json::to_value(summary(file, Some(&i.path))).unwrap_or_default(),
                Err(err) => serde_json::json!({ "path": i.path, "error": err.to_string() }),
            })
            .collect();
        return ctx.out.json(&report);
    }
    if found.is_empty() {
        ctx.out.note(format!(
            "No profiles are installed in {}.",
            dirs.folders
                .iter()
                .map(|f| f.display().to_string())
                .collect::<Vec<_>>()
                .join(" or ")
        ));
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let mut table = Table::new(&[
        Column::keep("UUID"),
        Column::shorten("NAME"),
        Column::drop("APP ID", 1),
        Column::keep("EXPIRES"),
        Column::drop("FILE", 0),
    ]);
    for entry in &found {
        match &entry.profile {
            Ok(file) => {
                let row = Row::new(vec![
                    file.uuid().to_owned(),
                    file.name().to_owned(),
                    file.application_identifier().unwrap_or_default().to_owned(),
                    file.expiration_date().date().to_string(),
                    entry.path.display().to_string(),
                ]);
                table.push(if file.is_expired_at(now) {
                    row.tone(crate::output::color::Tone::Bad)
                } else {
                    row
                });
            }
            Err(err) => ctx.out.warn(format!(
                "{} is not a profile ascert can read: {err}",
                entry.path.display()
            )),
        }
    }
    ctx.out.table(&table)
}

/// `profiles uninstall`: removes each UUID from every folder.
pub(crate) fn uninstall(ctx: &Context, uuids: &[String], given: &[PathBuf]) -> Result<()> {
    let dirs = dirs(given)?;
    let mut removed = Vec::new();
    for uuid in uuids {
        let paths = ascert_mobileprovision::remove(uuid, &dirs)?;
        if paths.is_empty() {
            ctx.out.warn(format!("no profile {uuid} is installed"));
        }
        for path in paths {
            ctx.out.note(format!("Removed {}", path.display()));
            removed.push(path);
        }
    }
    if ctx.out.json {
        ctx.out.json(&serde_json::json!({ "removed": removed }))?;
    }
    Ok(())
}
