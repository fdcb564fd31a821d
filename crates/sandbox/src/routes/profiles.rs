//! `POST /v1/profiles` (create, checked as Apple checks it), `DELETE /v1/profiles/{id}`, and the
//! related `/v1/profiles/{id}/certificates`, `/devices` and `/bundleId`.

use std::sync::Arc;

use ascert_models::{BundleIdPlatform, Distribution, ProfileCreateRequest, ProfileState, ProfileType};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::apple_error::{ApiFailure, internal};
use crate::body::{parse_body, request_body};
use crate::provisioning::content::{ContentSpec, content};
use crate::provisioning::render;
use crate::query::{Endpoint, Query};
use crate::resource::{self, Resource};
use crate::state::Shared;
use crate::store::provisioning::{StoredBundleId, StoredDevice, StoredProfile};
use crate::store::{Resources, StoredCertificate};
use crate::sync::lock;
use crate::table::{BUNDLE_IDS, CERTIFICATES, DEVICES, PROFILES};

use super::generic::{Shown, document, page};
use super::{Reply, bundle_ids::no_app_id, self_link};

/// How long a profile is valid at most: a year, cut short by its certificates.
const PROFILE_VALIDITY: Duration = Duration::days(365);

/// What a create request names, once checked.
struct Checked {
    name: String,
    profile_type: ProfileType,
    bundle_index: usize,
    certificate_indices: Vec<usize>,
    device_ids: Vec<String>,
}

/// The words Apple's answer gives a distribution that takes no devices.
fn no_devices_wording(distribution: Option<Distribution>) -> &'static str {
    match distribution {
        Some(Distribution::InHouse) => "In House distribution",
        Some(Distribution::Direct) => "Developer ID distribution",
        _ => "the App Store",
    }
}

/// Checks `request` against the team's resources, in Apple's order: the name, the type, the
/// bundle ID and its platform, the certificates, then the devices.
fn check(
    resources: &Resources,
    request: ProfileCreateRequest,
    now: OffsetDateTime,
) -> Result<Checked, ApiFailure> {
    let data = request.data;
    let name = data.attributes.name;
    let profile_type = data.attributes.profile_type;
    if resources.profiles.iter().any(|p| p.name == name) {
        // The developer website's words (fastlane issue 13629), two spaces included.
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!(
                "Multiple profiles found with the name '{name}'.  Please remove the duplicate profiles and try again."
            ),
            "/data/attributes/name",
        ));
    }
    if !profile_type.is_known() {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!("An invalid value '{profile_type}' was provided for the parameter 'profileType'."),
            "/data/attributes/profileType",
        ));
    }
    let bundle_id = data.relationships.bundle_id.data.id;
    let bundle_index =
        resource::position::<StoredBundleId>(resources, &bundle_id).map_err(|_| no_app_id(&bundle_id))?;
    let bundle = &resources.bundle_ids[bundle_index];
    if !profile_type.bundle_id_platforms().contains(&bundle.platform) {
        return Err(ApiFailure::invalid_relationship(
            format!(
                "The App ID '{}' is for {}; a {profile_type} profile needs one for {}.",
                bundle.identifier,
                bundle.platform,
                profile_type.bundle_id_platforms()[0]
            ),
            "bundleId",
        ));
    }
    let certificate_indices = data
        .relationships
        .certificates
        .data
        .iter()
        .map(|c| {
            resources
                .certificate_index(&c.id)
                .filter(|&i| fits(&resources.certificates[i], &profile_type, now))
        })
        .collect::<Option<Vec<usize>>>()
        .filter(|found| !found.is_empty())
        .ok_or_else(|| {
            ApiFailure::invalid_relationship(
                "There are no current certificates on this team matching the provided certificate IDs.",
                "certificates",
            )
        })?;
    let device_ids: Vec<String> = data
        .relationships
        .devices
        .map(|d| d.data.into_iter().map(|d| d.id).collect())
        .unwrap_or_default();
    check_devices(resources, &profile_type, &device_ids)?;
    Ok(Checked {
        name,
        profile_type,
        bundle_index,
        certificate_indices,
        device_ids,
    })
}

/// Whether `certificate` can sign with a profile of `profile_type` at `now`: of a type it takes,
/// and not expired.
fn fits(certificate: &StoredCertificate, profile_type: &ProfileType, now: OffsetDateTime) -> bool {
    profile_type
        .certificate_types()
        .contains(&certificate.certificate_type)
        && certificate.expiration_date > now
}

/// Development and ad hoc profiles need enabled devices of a class they run on; the others take
/// none.
fn check_devices(
    resources: &Resources,
    profile_type: &ProfileType,
    device_ids: &[String],
) -> Result<(), ApiFailure> {
    if !profile_type.needs_devices() {
        if device_ids.is_empty() {
            return Ok(());
        }
        return Err(ApiFailure::relationship_not_allowed(
            format!(
                "No devices can be associated to Provisioning Profiles for {}.",
                no_devices_wording(profile_type.distribution())
            ),
            "devices",
        ));
    }
    if device_ids.is_empty() {
        return Err(ApiFailure::required_relationship("devices"));
    }
    let devices = device_ids
        .iter()
        .map(|id| {
            resources
                .device(id)
                .filter(|d| d.status == ascert_models::DeviceStatus::Enabled)
        })
        .collect::<Option<Vec<&StoredDevice>>>()
        .ok_or_else(|| {
            ApiFailure::invalid_relationship(
                "There are no current devices on this team matching the provided device IDs.",
                "devices",
            )
        })?;
    if devices.iter().any(|d| !profile_type.fits_device(&d.device_class)) {
        // Apple's words for an Apple TV in an iOS profile (codemagic-cli-tools PR 200).
        return Err(ApiFailure::entity_error("Invalid deviceClass for profile type."));
    }
    Ok(())
}

/// A new profile UUID: random, upper-case, as Xcode names profiles by.
fn profile_uuid() -> String {
    crate::ids::uuid().to_ascii_uppercase()
}

/// Makes the profile `checked` describes, with its content, and stores it.
fn make(
    shared: &Shared,
    resources: &mut Resources,
    checked: Checked,
    now: OffsetDateTime,
) -> Result<usize, ApiFailure> {
    let context = shared.context();
    for &index in &checked.certificate_indices {
        resources
            .ensure_content(index, context.ca, context.team, context.base_url)
            .map_err(internal)?;
    }
    let bundle = &resources.bundle_ids[checked.bundle_index];
    let certificates: Vec<&StoredCertificate> = checked
        .certificate_indices
        .iter()
        .map(|&i| &resources.certificates[i])
        .collect();
    let earliest = certificates
        .iter()
        .map(|c| c.expiration_date)
        .min()
        .unwrap_or(now);
    let expiration_date = (now + PROFILE_VALIDITY).min(earliest);
    // A UNIVERSAL App ID's profile is for the platform its type runs on; a Mac Catalyst profile
    // keeps its iOS App ID's platform.
    let platform = match &bundle.platform {
        BundleIdPlatform::Universal => checked
            .profile_type
            .device_platform()
            .unwrap_or(BundleIdPlatform::Ios),
        other => other.clone(),
    };
    let uuid = profile_uuid();
    let der = |c: &&StoredCertificate| c.content.as_deref().and_then(|b| STANDARD.decode(b).ok());
    let spec = ContentSpec {
        name: &checked.name,
        uuid: &uuid,
        team: context.team,
        app_id_name: &bundle.name,
        bundle_identifier: &bundle.identifier,
        profile_type: &checked.profile_type,
        certificates: certificates.iter().filter_map(der).collect(),
        devices: checked
            .device_ids
            .iter()
            .filter_map(|id| resources.device(id).map(|d| d.udid.clone()))
            .collect(),
        created: now,
        expires: expiration_date,
    };
    let signed = content(context.ca, spec).map_err(internal)?;
    let profile = StoredProfile {
        id: crate::ids::apple_id(),
        name: checked.name,
        platform,
        uuid,
        bundle_id: bundle.id.clone(),
        certificates: certificates.iter().map(|c| c.id.clone()).collect(),
        devices: checked.device_ids,
        profile_type: checked.profile_type,
        state: ProfileState::Active,
        created_date: now,
        expiration_date,
        content: Some(signed),
    };
    resources.profiles.push(profile);
    Ok(resources.profiles.len() - 1)
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: ProfileCreateRequest = parse_body(&request_body(body)?)?;
    // Made before the resources are locked: the first signing chain's RSA keys take a while.
    shared.ca.profile_signing().map_err(internal)?;
    let now = OffsetDateTime::now_utc();
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let mut resources = lock(&shared.resources);
    let checked = check(&resources, request, now)?;
    let index = make(&shared, &mut resources, checked, now)?;
    shared.save(&resources).map_err(internal)?;
    let document = document::<StoredProfile>(&shared, &resources, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<StoredProfile>(&resources, &id)?;
    resources.profiles.remove(index);
    shared.save(&resources).map_err(internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A related list of the profile `id`: the resources of type `R` among `ids`, paged.
fn related<R: Resource>(
    shared: &Shared,
    id: &str,
    raw: Option<&str>,
    name: &str,
    ids: fn(&StoredProfile) -> &[String],
) -> Reply {
    let page_size = lock(&shared.settings).page_size;
    let query = Query::parse(raw, Endpoint::RelatedList(R::SPEC), None)?;
    let mut resources = lock(&shared.resources);
    let profile = &resources.profiles[resource::position::<StoredProfile>(&resources, id)?];
    let all = R::all(&resources);
    let indices: Vec<usize> = ids(profile)
        .iter()
        .filter_map(|linked| all.iter().position(|r| r.id() == linked))
        .collect();
    let path = format!("{}/{id}/{name}", PROFILES.path);
    let shown = Shown {
        indices: &indices,
        path: &path,
        raw,
        page_size,
    };
    page::<R>(shared, &mut resources, &query, &shown)
}

pub(super) async fn certificates(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    related::<StoredCertificate>(&shared, &id, raw.as_deref(), CERTIFICATES.type_name, |p| {
        &p.certificates
    })
}

pub(super) async fn devices(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    related::<StoredDevice>(&shared, &id, raw.as_deref(), DEVICES.type_name, |p| &p.devices)
}

/// `GET /v1/profiles/{id}/bundleId`: the bundle ID, with `fields[bundleIds]` only.
pub(super) async fn bundle_id(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let query = Query::parse(raw.as_deref(), Endpoint::RelatedFields(&BUNDLE_IDS), None)?;
    let resources = lock(&shared.resources);
    let profile = &resources.profiles[resource::position::<StoredProfile>(&resources, &id)?];
    let bundle = resources
        .bundle_id(&profile.bundle_id)
        .ok_or_else(|| ApiFailure::not_found(BUNDLE_IDS.type_name, &profile.bundle_id))?;
    let path = format!("{}/{id}/bundleId", PROFILES.path);
    Ok(Json(json!({
        "data": render::bundle_id(&shared.base_url, bundle, query.fields(BUNDLE_IDS.type_name), &Vec::new()),
        "links": { "self": self_link(&shared, &path, raw.as_deref()) },
    }))
    .into_response())
}
