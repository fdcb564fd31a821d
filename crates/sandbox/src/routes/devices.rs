//! `POST /v1/devices` (register) and `PATCH /v1/devices/{id}` (rename, enable, disable).

use std::sync::Arc;

use ascert_models::{BundleIdPlatform, DeviceCreateRequest, DeviceStatus, DeviceUpdateRequest};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use time::OffsetDateTime;

use crate::apple_error::{ApiFailure, internal};
use crate::body::{parse_body, request_body};
use crate::provisioning::rules;
use crate::query::{Endpoint, Query};
use crate::resource;
use crate::state::Shared;
use crate::store::Resources;
use crate::store::provisioning::StoredDevice;
use crate::sync::lock;

use super::Reply;
use super::generic::document;

/// A device to register: checked against the team's devices and `limit` devices per family, then
/// stored. Disabled devices count toward the limit, as at Apple, where only a new membership year
/// frees slots.
///
/// # Errors
/// Apple's 409 for a bad platform or UDID or one already registered, its 403 past the limit.
pub(crate) fn register(
    resources: &mut Resources,
    name: String,
    platform: BundleIdPlatform,
    udid: String,
    limit: usize,
) -> Result<usize, ApiFailure> {
    if !matches!(platform, BundleIdPlatform::Ios | BundleIdPlatform::MacOs) {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!("An invalid value '{platform}' was provided for the parameter 'platform'."),
            "/data/attributes/platform",
        ));
    }
    if !rules::valid_udid(&udid, &platform) {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!("An invalid value '{udid}' was provided for the parameter 'udid'."),
            "/data/attributes/udid",
        ));
    }
    // Apple compares UDIDs without regard to case (fastlane PR 17433).
    if resources
        .devices
        .iter()
        .any(|d| d.platform == platform && d.udid.eq_ignore_ascii_case(&udid))
    {
        return Err(ApiFailure::entity_error(format!(
            "A device with number '{udid}' already exists on this team."
        )));
    }
    let device_class = rules::device_class(&platform);
    if resources
        .devices
        .iter()
        .filter(|d| d.device_class == device_class)
        .count()
        >= limit
    {
        return Err(ApiFailure::device_limit_reached(rules::family_name(
            &device_class,
        )));
    }
    let now = OffsetDateTime::now_utc();
    resources.devices.push(StoredDevice {
        id: crate::ids::apple_id(),
        name,
        platform,
        udid,
        device_class,
        status: DeviceStatus::Enabled,
        model: None,
        added_date: now.replace_nanosecond(0).unwrap_or(now),
    });
    Ok(resources.devices.len() - 1)
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: DeviceCreateRequest = parse_body(&request_body(body)?)?;
    let attributes = request.data.attributes;
    let limit = lock(&shared.settings).limits.devices_per_family;
    let mut resources = lock(&shared.resources);
    let index = register(
        &mut resources,
        attributes.name,
        attributes.platform,
        attributes.udid,
        limit,
    )?;
    shared.save(&resources).map_err(internal)?;
    let document = document::<StoredDevice>(&shared, &resources, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

/// `PATCH /v1/devices/{id}`. Disabling a device leaves the profiles that hold it `ACTIVE`: Apple
/// documents no change to them, and a disabled device only stops being offered for new ones.
pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: DeviceUpdateRequest = parse_body(&request_body(body)?)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<StoredDevice>(&resources, &id)?;
    if request.data.id != id {
        return Err(ApiFailure::id_mismatch());
    }
    if let Some(attributes) = request.data.attributes {
        if let Some(status) = attributes.status {
            if !status.is_known() {
                return Err(ApiFailure::invalid_provisioning_attribute(
                    format!("An invalid value '{status}' was provided for the parameter 'status'."),
                    "/data/attributes/status",
                ));
            }
            resources.devices[index].status = status;
        }
        if let Some(name) = attributes.name {
            resources.devices[index].name = name;
        }
        shared.save(&resources).map_err(internal)?;
    }
    Ok(Json(document::<StoredDevice>(
        &shared,
        &resources,
        index,
        &Query::default(),
        None,
    ))
    .into_response())
}
