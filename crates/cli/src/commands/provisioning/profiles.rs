//! `ascert profiles list | get | create | delete | download | install | installed | uninstall`
//! (and `ensure`, in `ensure.rs`).

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ascert_keystore::{FileMode, write_atomic};
use ascert_models::jsonapi::{Included, ListQuery, ResourceQuery};
use ascert_models::{Certificate, DeviceStatus, Profile, ProfileCreateRequest, ProfileType};
use futures::TryStreamExt as _;
use serde::Serialize;
use time::OffsetDateTime;

use super::{bundle_ids, local, view};
use crate::cli::{ProfilesCommand, ProfilesCreateArgs, ProfilesInstallArgs, ProfilesListArgs};
use crate::commands::Context;
use crate::exit::Exit;
use crate::failure::UserError;
use crate::output::Table;

pub(crate) async fn run(ctx: &Context, command: ProfilesCommand) -> Result<()> {
    match command {
        ProfilesCommand::List(args) => list(ctx, args).await,
        ProfilesCommand::Get { id } => get(ctx, &id).await,
        ProfilesCommand::Create(args) => create(ctx, args).await,
        ProfilesCommand::Delete { ids, yes } => delete(ctx, &ids, yes).await,
        ProfilesCommand::Download { id, out, force } => download(ctx, &id, out, force).await,
        ProfilesCommand::Install(args) => install(ctx, args).await,
        ProfilesCommand::Installed { dir } => local::list_installed(ctx, &dir),
        ProfilesCommand::Uninstall { uuids, dir } => local::uninstall(ctx, &uuids, &dir),
        ProfilesCommand::Ensure(args) => super::ensure::run(ctx, args).await,
    }
}

/// What `profiles list --json` prints for each profile: the profile as Apple sent it, and the
/// identifier of its bundle ID.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Listed<'a> {
    bundle_identifier: Option<&'a str>,
    profile: &'a Profile,
}

async fn list(ctx: &Context, args: ProfilesListArgs) -> Result<()> {
    let api = ctx.profiles_api()?;
    let filtered =
        !args.types.is_empty() || args.state.is_some() || !args.name.is_empty() || args.bundle_id.is_some();
    // The content is left out: a list shows the profiles, `download` fetches one file.
    let mut query = ListQuery::<Profile>::new()
        .include("bundleId")?
        .fields(
            "profiles",
            [
                "name",
                "platform",
                "profileType",
                "profileState",
                "uuid",
                "createdDate",
                "expirationDate",
                "bundleId",
            ],
        )?
        .fields("bundleIds", ["identifier"])?
        .limit(200)?;
    for profile_type in &args.types {
        query = query.filter("profileType", profile_type.as_str())?;
    }
    if let Some(state) = &args.state {
        query = query.filter("profileState", state.as_str())?;
    }
    for name in &args.name {
        query = query.filter("name", name.clone())?;
    }
    let spinner = ctx.out.spinner("Listing profiles…");
    let pages: Vec<_> = api.profiles(query).pages().try_collect().await?;
    spinner.finish_and_clear();
    let mut included: Vec<Included> = Vec::new();
    let mut profiles: Vec<Profile> = Vec::new();
    for page in pages {
        profiles.extend(page.data);
        included.extend(page.included.unwrap_or_default());
    }
    let rows: Vec<(&Profile, Option<&str>)> = profiles
        .iter()
        .map(|p| (p, view::identifier_of(p, &included)))
        // Apple's name filter matches more than the exact name; the bundle ID has no filter.
        .filter(|(p, _)| {
            args.name.is_empty() || p.attributes.name.as_ref().is_some_and(|n| args.name.contains(n))
        })
        .filter(|(_, identifier)| args.bundle_id.is_none() || *identifier == args.bundle_id.as_deref())
        .collect();
    if ctx.out.json {
        let listed: Vec<Listed<'_>> = rows
            .iter()
            .map(|(profile, identifier)| Listed {
                bundle_identifier: *identifier,
                profile,
            })
            .collect();
        return ctx.out.json(&listed);
    }
    if rows.is_empty() {
        ctx.out.note(if filtered {
            "No profiles match these filters; `ascert profiles list` shows them all."
        } else {
            "The team has no profiles yet; `ascert profiles ensure --bundle-id com.example.app` makes one."
        });
        return Ok(());
    }
    let now = OffsetDateTime::now_utc();
    let mut table = Table::new(&view::PROFILE_COLUMNS);
    for (profile, identifier) in &rows {
        table.push(view::profile_row(profile, *identifier, now));
    }
    ctx.out.table(&table)?;
    ctx.out.note(format!(
        "{} profile{}",
        rows.len(),
        if rows.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// What `profiles get --json` prints.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Shown<'a> {
    bundle_identifier: Option<&'a str>,
    certificates: Vec<&'a Certificate>,
    devices: Vec<&'a ascert_models::Device>,
    profile: &'a Profile,
}

async fn get(ctx: &Context, id: &str) -> Result<()> {
    let api = ctx.profiles_api()?;
    let query = ResourceQuery::<Profile>::new()
        .include("bundleId")?
        .include("certificates")?
        .include("devices")?
        .include_limit("certificates", 50)?
        .include_limit("devices", 50)?;
    let document = api.profile(id, &query).await?;
    let included = document.included.as_deref().unwrap_or_default();
    let profile = &document.data;
    let shown = Shown {
        bundle_identifier: view::identifier_of(profile, included),
        certificates: included.iter().filter_map(Included::as_certificate).collect(),
        devices: included.iter().filter_map(Included::as_device).collect(),
        profile,
    };
    if ctx.out.json {
        return ctx.out.json(&shown);
    }
    let a = &profile.attributes;
    let now = OffsetDateTime::now_utc();
    let certificates: Vec<String> = shown
        .certificates
        .iter()
        .map(|c| crate::view::describe(c))
        .collect();
    let devices: Vec<String> = shown
        .devices
        .iter()
        .map(|d| {
            format!(
                "{} ({})",
                d.attributes.name.as_deref().unwrap_or(&d.id),
                d.attributes.udid.as_deref().unwrap_or_default()
            )
        })
        .collect();
    let mut device_count = devices.len().to_string();
    if profile.device_ids().count() > devices.len() {
        device_count = format!("{} (showing {})", profile.device_ids().count(), devices.len());
    }
    ctx.out.table(&view::sheet(vec![
        ("ID", profile.id.clone()),
        ("NAME", a.name.clone().unwrap_or_default()),
        (
            "TYPE",
            a.profile_type
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        (
            "STATE",
            a.profile_state
                .as_ref()
                .map(ToString::to_string)
                .unwrap_or_default(),
        ),
        ("UUID", a.uuid.clone().unwrap_or_default()),
        (
            "BUNDLE ID",
            shown.bundle_identifier.unwrap_or_default().to_owned(),
        ),
        (
            "CREATED",
            a.created_date.map(|d| d.date().to_string()).unwrap_or_default(),
        ),
        (
            "EXPIRES",
            a.expiration_date
                .map(|d| d.date().to_string())
                .unwrap_or_default(),
        ),
        (
            "DAYS LEFT",
            profile.days_left(now).map(|d| d.to_string()).unwrap_or_default(),
        ),
        ("CERTIFICATES", view::list_or_none(&certificates)),
        ("DEVICES", device_count),
        ("", view::list_or_none(&devices)),
    ]))
}

async fn create(ctx: &Context, args: ProfilesCreateArgs) -> Result<()> {
    let ProfilesCreateArgs {
        name,
        profile_type,
        bundle_id,
        certificates,
        devices,
    } = args;
    if !profile_type.needs_devices() && !devices.is_empty() {
        return Err(UserError::usage(format!(
            "a {profile_type} profile holds no devices: --device is for development and ad hoc profiles"
        ))
        .into());
    }
    let api = ctx.profiles_api()?;
    let certificates_api = ctx.api()?;
    let bundle = bundle_ids::find(&api, &bundle_id).await?;
    let certificate_ids = if certificates.is_empty() {
        fitting_certificates(&certificates_api, &profile_type).await?
    } else {
        certificates
    };
    let mut request = ProfileCreateRequest::new(&name, profile_type.clone(), &bundle.id, &certificate_ids);
    if profile_type.needs_devices() {
        let device_ids = device_ids(&api, &profile_type, &devices).await?;
        request = request.with_devices(&device_ids);
    }
    let profile = api
        .create_profile_reconciled(request)
        .await
        .with_context(|| format!("cannot make the {profile_type} profile {name:?}"))?
        .profile;
    if ctx.out.json {
        return ctx.out.json(&profile);
    }
    ctx.out.note(format!(
        "Made profile {:?} (id {}, UUID {}); `ascert profiles install {}` installs it.",
        name,
        profile.id,
        profile.attributes.uuid.as_deref().unwrap_or("?"),
        profile.id
    ));
    Ok(())
}

/// The ids of every valid certificate a profile of `profile_type` can name, or the error that
/// says which type to make.
async fn fitting_certificates(
    api: &ascert_certificates::CertificatesApi,
    profile_type: &ProfileType,
) -> Result<Vec<String>> {
    let now = OffsetDateTime::now_utc();
    let mut ids = Vec::new();
    for certificate_type in profile_type.certificate_types() {
        let listed = api
            .list()
            .certificate_type(certificate_type.clone())
            .limit(200)?
            .all()
            .await?;
        ids.extend(
            listed
                .into_iter()
                .filter(|c| c.is_expired_at(now) == Some(false) && c.attributes.activated != Some(false))
                .map(|c| c.id),
        );
    }
    if ids.is_empty() {
        let wanted = profile_type
            .certificate_types()
            .first()
            .map(ToString::to_string)
            .unwrap_or_default();
        return Err(UserError::new(
            Exit::NotFound,
            format!("the team has no valid certificate a {profile_type} profile can name"),
        )
        .hint(format!(
            "`ascert identities ensure --type {wanted}` makes one (and keeps its key here)"
        ))
        .into());
    }
    Ok(ids)
}

/// The ids of the devices to name: those of `udids`, or every enabled device that fits.
async fn device_ids(
    api: &ascert_profiles::ProfilesApi,
    profile_type: &ProfileType,
    udids: &[String],
) -> Result<Vec<String>> {
    let mut query = ListQuery::new().limit(200)?;
    if let Some(platform) = profile_type.device_platform() {
        query = query.filter("platform", platform.as_str())?;
    }
    let registered: Vec<ascert_models::Device> = api.devices(query).all().await?;
    if udids.is_empty() {
        let ids: Vec<String> = registered
            .into_iter()
            .filter(|d| d.attributes.status == Some(DeviceStatus::Enabled))
            .filter(|d| {
                d.attributes
                    .device_class
                    .as_ref()
                    .is_none_or(|c| profile_type.fits_device(c))
            })
            .map(|d| d.id)
            .collect();
        if ids.is_empty() {
            return Err(UserError::new(
                Exit::NotFound,
                format!("a {profile_type} profile needs devices, and no enabled device of its platform is registered"),
            )
            .hint("`ascert devices register --udid UDID --name NAME` registers one")
            .into());
        }
        return Ok(ids);
    }
    let mut ids = Vec::new();
    for udid in udids {
        let found = registered
            .iter()
            .find(|d| {
                d.attributes
                    .udid
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(udid))
            })
            .ok_or_else(|| {
                UserError::new(
                    Exit::NotFound,
                    format!("no device {udid} of the profile's platform is registered"),
                )
                .hint("`ascert devices register --udid UDID --name NAME` registers it")
            })?;
        ids.push(found.id.clone());
    }
    Ok(ids)
}

async fn delete(ctx: &Context, ids: &[String], yes: bool) -> Result<()> {
    let api = ctx.profiles_api()?;
    let mut targets = Vec::new();
    for id in ids {
        let document = api
            .profile(
                id,
                &ResourceQuery::new().fields("profiles", ["name", "profileType", "profileState"])?,
            )
            .await
            .with_context(|| format!("cannot read profile {id}; nothing was deleted"))?;
        let a = &document.data.attributes;
        targets.push((
            id.clone(),
            format!(
                "{id} ({:?}, {}, {})",
                a.name.as_deref().unwrap_or(""),
                a.profile_type
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                a.profile_state
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            ),
        ));
    }
    ctx.confirm(
        yes,
        &format!("Delete {} profile(s) at App Store Connect?", targets.len()),
        &targets,
    )?;
    for (id, _) in &targets {
        api.delete_profile(id)
            .await
            .with_context(|| format!("cannot delete profile {id}"))?;
        ctx.out.note(format!("Deleted profile {id}."));
    }
    if ctx.out.json {
        let deleted: Vec<&String> = targets.iter().map(|(id, _)| id).collect();
        ctx.out.json(&serde_json::json!({ "deleted": deleted }))?;
    }
    Ok(())
}

async fn download(ctx: &Context, id: &str, out: Option<PathBuf>, force: bool) -> Result<()> {
    if let Some(path) = &out {
        crate::target_file::check_new(path, force)?;
    }
    let api = ctx.profiles_api()?;
    let bytes = api.download_profile(id).await?;
    let file = local::parse(&bytes)
        .with_context(|| format!("the content App Store Connect sent for profile {id}"))?;
    let path = if let Some(path) = out {
        path
    } else {
        let path = PathBuf::from(local::file_name(&file));
        crate::target_file::check_new(&path, force)?;
        path
    };
    write_atomic(&path, &bytes, FileMode::Public)
        .with_context(|| format!("cannot write {}", path.display()))?;
    if ctx.out.json {
        return ctx.out.json(&local::summary(&file, Some(&path)));
    }
    ctx.out.note(format!(
        "Saved profile {:?} (UUID {}) to {}",
        file.name(),
        file.uuid(),
        path.display()
    ));
    Ok(())
}

async fn install(ctx: &Context, args: ProfilesInstallArgs) -> Result<()> {
    let dirs = local::dirs(&args.dir)?;
    let mut installed = Vec::new();
    if args.file.is_empty() {
        let api = ctx.profiles_api()?;
        for id in &args.ids {
            let bytes = api.download_profile(id).await?;
            let file = local::parse(&bytes)
                .with_context(|| format!("the content App Store Connect sent for profile {id}"))?;
            installed.push(local::install(ctx, &file, &dirs)?);
        }
    } else {
        for path in &args.file {
            let file = local::read_trusted(path, &args.trust_root)?;
            installed.push(local::install(ctx, &file, &dirs)?);
        }
    }
    if ctx.out.json {
        return ctx.out.json(&installed);
    }
    Ok(())
}
