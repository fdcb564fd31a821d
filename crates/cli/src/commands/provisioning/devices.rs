//! `ascert devices list | register | enable | disable`.

use anyhow::Result;
use ascert_models::jsonapi::ListQuery;
use ascert_models::{BundleIdPlatform, Device, DeviceStatus, DeviceUpdateRequest};
use futures::TryStreamExt as _;

use super::view;
use crate::cli::DevicesCommand;
use crate::commands::Context;
use crate::exit::Exit;
use crate::failure::UserError;
use crate::output::Table;

pub(crate) async fn run(ctx: &Context, command: DevicesCommand) -> Result<()> {
    match command {
        DevicesCommand::List { platform, status } => list(ctx, platform, status).await,
        DevicesCommand::Register { udid, name, platform } => register(ctx, &udid, &name, platform).await,
        DevicesCommand::Enable { device } => set_status(ctx, &device, DeviceStatus::Enabled).await,
        DevicesCommand::Disable { device } => set_status(ctx, &device, DeviceStatus::Disabled).await,
    }
}

async fn list(ctx: &Context, platform: Option<BundleIdPlatform>, status: Option<DeviceStatus>) -> Result<()> {
    let api = ctx.profiles_api()?;
    let filtered = platform.is_some() || status.is_some();
    let mut query = ListQuery::<Device>::new().limit(200)?;
    if let Some(platform) = &platform {
        query = query.filter("platform", platform.as_str())?;
    }
    if let Some(status) = &status {
        query = query.filter("status", status.as_str())?;
    }
    let spinner = ctx.out.spinner("Listing devices…");
    let devices: Vec<Device> = api.devices(query).stream().try_collect().await?;
    spinner.finish_and_clear();
    if ctx.out.json {
        return ctx.out.json(&devices);
    }
    if devices.is_empty() {
        ctx.out.note(if filtered {
            "No devices match these filters; `ascert devices list` shows them all."
        } else {
            "The team has no devices yet; `ascert devices register --udid UDID --name NAME` registers one."
        });
        return Ok(());
    }
    let mut table = Table::new(&view::DEVICE_COLUMNS);
    for device in &devices {
        table.push(view::device_row(device));
    }
    ctx.out.table(&table)?;
    ctx.out.note(format!(
        "{} device{}",
        devices.len(),
        if devices.len() == 1 { "" } else { "s" }
    ));
    Ok(())
}

/// Refuses a UDID Apple would refuse, before asking: 40 hexadecimal digits (older devices), or
/// 8, a hyphen and 16 (iPhone XS and later, Apple silicon Macs), or a Mac's provisioning UUID.
fn check_udid(udid: &str) -> Result<()> {
    let hex = |s: &str, n: usize| s.len() == n && s.chars().all(|c| c.is_ascii_hexdigit());
    let parts: Vec<&str> = udid.split('-').collect();
    let fine = hex(udid, 40)
        || (parts.len() == 2 && hex(parts[0], 8) && hex(parts[1], 16))
        || (parts.len() == 5 && [8, 4, 4, 4, 12].iter().zip(&parts).all(|(n, part)| hex(part, *n)));
    if fine {
        Ok(())
    } else {
        Err(UserError::usage(format!(
            "{:?} is not a device UDID: 40 hexadecimal digits, or 8 and 16 joined by a hyphen \
             (00008110-000A1B2C3D4E801E), or a Mac's provisioning UUID; Finder, Xcode's Devices window \
             or `system_profiler SPHardwareDataType` (Provisioning UDID) show it",
            udid.chars().take(80).collect::<String>()
        ))
        .into())
    }
}

async fn register(ctx: &Context, udid: &str, name: &str, platform: BundleIdPlatform) -> Result<()> {
    check_udid(udid)?;
    let api = ctx.profiles_api()?;
    if let Some(existing) = api.find_device(udid).await? {
        return Err(UserError::new(
            Exit::Conflict,
            format!(
                "device {udid} is registered already, as {:?} (id {}, {})",
                existing.attributes.name.as_deref().unwrap_or(""),
                existing.id,
                existing
                    .attributes
                    .status
                    .as_ref()
                    .map_or("", DeviceStatus::as_str)
            ),
        )
        .hint(format!(
            "`ascert devices enable {}` enables a disabled one",
            existing.id
        ))
        .into());
    }
    let device = api.register_device(name, platform, udid).await?;
    if ctx.out.json {
        return ctx.out.json(&device);
    }
    ctx.out.note(format!(
        "Registered device {udid} as {name:?} (id {}). Profiles made before do not hold it: `ascert profiles \
         ensure` makes them again.",
        device.id
    ));
    Ok(())
}

async fn set_status(ctx: &Context, device: &str, status: DeviceStatus) -> Result<()> {
    let api = ctx.profiles_api()?;
    // A UDID is longer than any id Apple gives a device; look it up.
    let id = if device.len() > 20 {
        api.find_device(device)
            .await?
            .ok_or_else(|| {
                UserError::new(Exit::NotFound, format!("no device {device} is registered"))
                    .hint("`ascert devices list` shows the registered devices")
            })?
            .id
    } else {
        device.to_owned()
    };
    let device = api
        .update_device(&DeviceUpdateRequest::new(&id).with_status(status.clone()))
        .await?;
    if ctx.out.json {
        return ctx.out.json(&device);
    }
    ctx.out.note(format!(
        "Device {} ({}) is {}.",
        device.id,
        device.attributes.name.as_deref().unwrap_or(""),
        status.as_str().to_ascii_lowercase()
    ));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::check_udid;

    #[test]
    fn udids_of_every_generation_pass_and_others_are_refused() {
        for good in [
            "00008110-000A1B2C3D4E801E",
            "a1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
            "01234567-89AB-CDEF-0123-456789ABCDEF",
        ] {
            assert!(check_udid(good).is_ok(), "{good}");
        }
        for bad in [
            "",
            "iPhone",
            "00008110_000A1B2C3D4E801E",
            "00008110-000A1B2C3D4E801",
            "g1b2c3d4e5f60718293a4b5c6d7e8f9012345678",
        ] {
            assert!(check_udid(bad).is_err(), "{bad}");
        }
    }
}
