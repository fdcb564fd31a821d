//! How profiles, bundle IDs and devices look to people: table rows, two-column sheets, and the
//! `--json` reports that hold more than one resource.

use ascert_models::jsonapi::Included;
use ascert_models::{
    BundleId, BundleIdCapability, BundleIdPlatform, BundleIdResponse, Device, Profile, ProfileState,
};
use serde::Serialize;
use time::OffsetDateTime;

use crate::output::color::{Tone, validity_tone};
use crate::output::{Column, Output, Row, Table};

/// The columns of a profile list: NAME shortened first, then UUID and EXPIRES left out.
pub(crate) const PROFILE_COLUMNS: [Column; 7] = [
    Column::keep("ID"),
    Column::shorten("NAME"),
    Column::keep("TYPE"),
    Column::keep("STATE"),
    Column::drop("BUNDLE ID", 2),
    Column::drop("EXPIRES", 1),
    Column::keep("DAYS LEFT"),
];

/// One profile's row; `identifier` is its bundle ID's, when known.
pub(crate) fn profile_row(profile: &Profile, identifier: Option<&str>, now: OffsetDateTime) -> Row {
    let a = &profile.attributes;
    let days = profile.days_left(now);
    let invalid = a.profile_state == Some(ProfileState::Invalid);
    let row = Row::new(vec![
        profile.id.clone(),
        a.name.clone().unwrap_or_default(),
        a.profile_type
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        a.profile_state
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        identifier.unwrap_or_default().to_owned(),
        a.expiration_date
            .map(|d| d.date().to_string())
            .unwrap_or_default(),
        days.map(|d| d.to_string()).unwrap_or_default(),
    ]);
    if invalid {
        row.tone(Tone::Bad)
    } else {
        row.tone(validity_tone(days, None))
    }
}

/// The identifier of the bundle ID `profile` is for, among the `included` resources.
pub(crate) fn identifier_of<'a>(profile: &Profile, included: &'a [Included]) -> Option<&'a str> {
    let id = profile.bundle_id_id()?;
    included
        .iter()
        .filter_map(Included::as_bundle_id)
        .find(|b| b.id == id)
        .and_then(|b| b.attributes.identifier.as_deref())
}

/// The columns of a bundle ID list.
pub(crate) const BUNDLE_ID_COLUMNS: [Column; 5] = [
    Column::keep("ID"),
    Column::keep("IDENTIFIER"),
    Column::shorten("NAME"),
    Column::keep("PLATFORM"),
    Column::drop("PREFIX", 0),
];

/// One bundle ID's row.
pub(crate) fn bundle_id_row(bundle: &BundleId) -> Row {
    let a = &bundle.attributes;
    Row::new(vec![
        bundle.id.clone(),
        a.identifier.clone().unwrap_or_default(),
        a.name.clone().unwrap_or_default(),
        a.platform
            .as_ref()
            .map(BundleIdPlatform::to_string)
            .unwrap_or_default(),
        a.seed_id.clone().unwrap_or_default(),
    ])
}

/// The columns of a device list.
pub(crate) const DEVICE_COLUMNS: [Column; 6] = [
    Column::keep("ID"),
    Column::shorten("NAME"),
    Column::keep("UDID"),
    Column::keep("CLASS"),
    Column::keep("STATUS"),
    Column::drop("MODEL", 0),
];

/// One device's row; a disabled one dim.
pub(crate) fn device_row(device: &Device) -> Row {
    let a = &device.attributes;
    let row = Row::new(vec![
        device.id.clone(),
        a.name.clone().unwrap_or_default(),
        a.udid.clone().unwrap_or_default(),
        a.device_class
            .as_ref()
            .map(ToString::to_string)
            .unwrap_or_default(),
        a.status.as_ref().map(ToString::to_string).unwrap_or_default(),
        a.model.clone().unwrap_or_default(),
    ]);
    if device.is_enabled() {
        row
    } else {
        row.tone(Tone::Faint)
    }
}

/// A two-column sheet, FIELD and VALUE, every value in full.
pub(crate) fn sheet(rows: Vec<(&str, String)>) -> Table {
    let mut sheet = Table::new(&[Column::keep("FIELD"), Column::keep("VALUE")]);
    for (field, value) in rows {
        sheet.push(Row::new(vec![field.to_owned(), value]));
    }
    sheet
}

/// What `bundle-ids get --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(crate) struct BundleIdReport<'a> {
    /// The bundle ID.
    pub(crate) bundle_id: &'a BundleId,
    /// Its capabilities.
    pub(crate) capabilities: &'a [BundleIdCapability],
    /// Its profiles.
    pub(crate) profiles: Vec<&'a Profile>,
}

/// A bundle ID as a sheet, with its capabilities and profiles.
pub(crate) fn show_bundle_id(
    out: &Output,
    document: &BundleIdResponse,
    capabilities: &[BundleIdCapability],
) -> anyhow::Result<()> {
    let bundle = &document.data;
    let a = &bundle.attributes;
    let capabilities: Vec<String> = capabilities
        .iter()
        .filter_map(|c| c.attributes.capability_type.as_ref().map(ToString::to_string))
        .collect();
    let profiles: Vec<String> = document
        .included
        .iter()
        .flatten()
        .filter_map(Included::as_profile)
        .map(|p| {
            format!(
                "{} ({}, {})",
                p.attributes.name.as_deref().unwrap_or(&p.id),
                p.attributes
                    .profile_type
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default(),
                p.attributes
                    .profile_state
                    .as_ref()
                    .map(ToString::to_string)
                    .unwrap_or_default()
            )
        })
        .collect();
    out.table(&sheet(vec![
        ("ID", bundle.id.clone()),
        ("IDENTIFIER", a.identifier.clone().unwrap_or_default()),
        ("NAME", a.name.clone().unwrap_or_default()),
        (
            "PLATFORM",
            a.platform.as_ref().map(ToString::to_string).unwrap_or_default(),
        ),
        ("PREFIX", a.seed_id.clone().unwrap_or_default()),
        ("CAPABILITIES", list_or_none(&capabilities)),
        ("PROFILES", list_or_none(&profiles)),
    ]))
}

/// The items joined with " or ": `DISTRIBUTION or IOS_DISTRIBUTION`.
pub(crate) fn or_list<T: std::fmt::Display>(items: &[T]) -> String {
    items
        .iter()
        .map(ToString::to_string)
        .collect::<Vec<_>>()
        .join(" or ")
}

/// The items joined with commas, or "none".
pub(crate) fn list_or_none(items: &[String]) -> String {
    if items.is_empty() {
        "none".to_owned()
    } else {
        items.join(", ")
    }
}
