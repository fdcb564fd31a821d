//! `POST /v1/bundleIds` (register), `DELETE /v1/bundleIds/{id}`, the related lists
//! `/v1/bundleIds/{id}/profiles` and `/bundleIdCapabilities`, and `POST` and `DELETE` of
//! `/v1/bundleIdCapabilities`.

use std::sync::Arc;

use ascert_models::{BundleIdCapabilityCreateRequest, BundleIdCreateRequest, CapabilityType};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::apple_error::{ApiFailure, internal};
use crate::body::{parse_body, request_body};
use crate::provisioning::rules;
use crate::query::{Endpoint, Query};
use crate::resource::{self, Resource};
use crate::state::Shared;
use crate::store::Resources;
use crate::store::provisioning::{StoredBundleId, StoredCapability, StoredProfile};
use crate::sync::lock;
use crate::table::{BUNDLE_ID_CAPABILITIES, BUNDLE_IDS, PROFILES};

use super::Reply;
use super::generic::{Shown, document, page};

/// The capabilities the developer website turns on for a new explicit App ID: In-App Purchase and
/// Game Center, which every explicit App ID has and a wildcard one cannot.
const DEFAULT_CAPABILITIES: [CapabilityType; 2] = [CapabilityType::InAppPurchase, CapabilityType::GameCenter];

/// Apple's answer to a bundle ID that does not exist, where a request names it.
pub(super) fn no_app_id(id: &str) -> ApiFailure {
    ApiFailure::entity_error(format!("There is no App ID with ID '{id}' on this team."))
}

/// Registers `bundle` with the capabilities every explicit App ID starts with, after checking its
/// platform and identifier as Apple does.
///
/// # Errors
/// Apple's 409 for an unknown platform, a malformed identifier, or one already registered.
pub(crate) fn register(resources: &mut Resources, bundle: StoredBundleId) -> Result<usize, ApiFailure> {
    if !bundle.platform.is_known() {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!(
                "An invalid value '{}' was provided for the parameter 'platform'.",
                bundle.platform
            ),
            "/data/attributes/platform",
        ));
    }
    let identifier = &bundle.identifier;
    if !rules::valid_identifier(identifier) {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!("An invalid value '{identifier}' was provided for the parameter 'identifier'."),
            "/data/attributes/identifier",
        ));
    }
    // Identifiers are unique without regard to case, as bundle identifiers are on Apple's devices.
    if resources
        .bundle_ids
        .iter()
        .any(|b| b.identifier.eq_ignore_ascii_case(identifier))
    {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!(
                "An App ID with Identifier '{identifier}' is not available. Please enter a different string."
            ),
            "/data/attributes/identifier",
        ));
    }
    if !bundle.identifier.ends_with('*') {
        for capability_type in DEFAULT_CAPABILITIES {
            resources.bundle_id_capabilities.push(StoredCapability {
                id: format!("{}_{}", bundle.id, capability_type.as_str()),
                bundle_id: bundle.id.clone(),
                capability_type,
                settings: None,
            });
        }
    }
    resources.bundle_ids.push(bundle);
    Ok(resources.bundle_ids.len() - 1)
}

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: BundleIdCreateRequest = parse_body(&request_body(body)?)?;
    let attributes = request.data.attributes;
    let mut resources = lock(&shared.resources);
    let bundle = StoredBundleId {
        id: crate::ids::apple_id(),
        name: attributes.name,
        platform: attributes.platform,
        identifier: attributes.identifier,
        seed_id: attributes.seed_id.unwrap_or_else(|| shared.team.id.clone()),
    };
    let index = register(&mut resources, bundle)?;
    shared.save(&resources).map_err(internal)?;
    let document = document::<StoredBundleId>(&shared, &resources, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<StoredBundleId>(&resources, &id)?;
    resources.delete_bundle_id(index);
    shared.save(&resources).map_err(internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// A related list of the bundle ID `id`: the resources `related` picks, paged.
fn related<R: Resource>(
    shared: &Shared,
    id: &str,
    raw: Option<&str>,
    name: &str,
    related: fn(&Resources, &str) -> Vec<usize>,
) -> Reply {
    let page_size = lock(&shared.settings).page_size;
    let query = Query::parse(raw, Endpoint::RelatedList(R::SPEC), None)?;
    let mut resources = lock(&shared.resources);
    resource::position::<StoredBundleId>(&resources, id)?;
    let indices = related(&resources, id);
    let path = format!("{}/{id}/{name}", BUNDLE_IDS.path);
    let shown = Shown {
        indices: &indices,
        path: &path,
        raw,
        page_size,
    };
    page::<R>(shared, &mut resources, &query, &shown)
}

pub(super) async fn profiles(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    related::<StoredProfile>(
        &shared,
        &id,
        raw.as_deref(),
        PROFILES.type_name,
        Resources::profiles_of,
    )
}

pub(super) async fn capabilities(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    related::<StoredCapability>(
        &shared,
        &id,
        raw.as_deref(),
        BUNDLE_ID_CAPABILITIES.type_name,
        Resources::capabilities_of,
    )
}

/// `POST /v1/bundleIdCapabilities`: a capability the bundle ID does not have yet. Its profiles turn
/// `INVALID`, as Apple's do when an App ID's capabilities change.
pub(super) async fn create_capability(
    State(shared): State<Arc<Shared>>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: BundleIdCapabilityCreateRequest = parse_body(&request_body(body)?)?;
    let capability_type = request.data.attributes.capability_type;
    if !capability_type.is_known() {
        return Err(ApiFailure::invalid_provisioning_attribute(
            format!("An invalid value '{capability_type}' was provided for the parameter 'capabilityType'."),
            "/data/attributes/capabilityType",
        ));
    }
    let bundle_id = request.data.relationships.bundle_id.data.id;
    let mut resources = lock(&shared.resources);
    if resources.bundle_id(&bundle_id).is_none() {
        return Err(no_app_id(&bundle_id));
    }
    let id = format!("{bundle_id}_{}", capability_type.as_str());
    if resources.bundle_id_capabilities.iter().any(|c| c.id == id) {
        return Err(ApiFailure::entity_error(format!(
            "The capability '{capability_type}' is already enabled for the App ID '{bundle_id}'."
        )));
    }
    resources.bundle_id_capabilities.push(StoredCapability {
        id,
        bundle_id: bundle_id.clone(),
        capability_type,
        settings: request.data.attributes.settings,
    });
    resources.invalidate_profiles_of_bundle_id(&bundle_id);
    shared.save(&resources).map_err(internal)?;
    let index = resources.bundle_id_capabilities.len() - 1;
    let document = document::<StoredCapability>(&shared, &resources, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

/// `DELETE /v1/bundleIdCapabilities/{id}`; the bundle ID's profiles turn `INVALID`.
pub(super) async fn delete_capability(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<StoredCapability>(&resources, &id)?;
    let removed = resources.bundle_id_capabilities.remove(index);
    resources.invalidate_profiles_of_bundle_id(&removed.bundle_id);
    shared.save(&resources).map_err(internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
