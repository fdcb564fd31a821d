//! The HTTP handlers of the `/v1` resources and of the CA download paths, and their router: the
//! generic list and get of every resource in `generic.rs`, each resource's own writes and related
//! paths in a module of its own (`certificates.rs`, `pass_type_id.rs`, `bundle_ids.rs`,
//! `devices.rs`, `profiles.rs`), and the relationship linkages of profiles and bundle IDs in
//! `linkages.rs`. The layers around them (the pipeline, the exchange log, the body
//! limit) are added by the composition root, `app.rs`.

pub(crate) mod bundle_ids;
mod certificates;
pub(crate) mod devices;
mod generic;
mod linkages;
mod pass_type_id;
mod profiles;

use std::sync::Arc;

use axum::Router;
use axum::extract::{Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;

use crate::apple_error::{ApiFailure, internal};
use crate::ca::{CA_FOLDER, Intermediate, ROOT_PATH};
use crate::state::Shared;
use crate::store::StoredCertificate;
use crate::store::provisioning::{StoredBundleId, StoredDevice, StoredProfile};
use crate::table::{BUNDLE_ID_CAPABILITIES, BUNDLE_IDS, CERTIFICATES, DEVICES, PROFILES};

type Reply = Result<Response, ApiFailure>;

/// Every sandbox path and its handlers.
pub(crate) fn routes() -> Router<Arc<Shared>> {
    let collection = get(generic::list::<StoredCertificate>)
        .post(certificates::create)
        .fallback(method_not_allowed);
    let item = get(generic::get::<StoredCertificate>)
        .patch(certificates::update)
        .delete(certificates::delete)
        .fallback(method_not_allowed);
    Router::new()
        .route(CERTIFICATES.path, collection)
        .route(&format!("{}/{{id}}", CERTIFICATES.path), item)
        .route(
            &format!("{}/{{id}}/passTypeId", CERTIFICATES.path),
            get(pass_type_id::related_pass_type_id).fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/relationships/passTypeId", CERTIFICATES.path),
            get(pass_type_id::pass_type_id_linkage).fallback(method_not_allowed),
        )
        .merge(provisioning_routes())
        .merge(linkage_routes())
        .route(ROOT_PATH, get(root_certificate))
        .route(&format!("{CA_FOLDER}{{file}}"), get(intermediate_certificate))
        .fallback(path_not_found)
}

/// The paths of bundle IDs and their capabilities, devices and profiles.
fn provisioning_routes() -> Router<Arc<Shared>> {
    Router::new()
        .route(
            BUNDLE_IDS.path,
            get(generic::list::<StoredBundleId>)
                .post(bundle_ids::create)
                .fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}", BUNDLE_IDS.path),
            get(generic::get::<StoredBundleId>)
                .delete(bundle_ids::delete)
                .fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/profiles", BUNDLE_IDS.path),
            get(bundle_ids::profiles).fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/bundleIdCapabilities", BUNDLE_IDS.path),
            get(bundle_ids::capabilities).fallback(method_not_allowed),
        )
        .route(
            BUNDLE_ID_CAPABILITIES.path,
            axum::routing::post(bundle_ids::create_capability).fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}", BUNDLE_ID_CAPABILITIES.path),
            axum::routing::delete(bundle_ids::delete_capability).fallback(method_not_allowed),
        )
        .route(
            DEVICES.path,
            get(generic::list::<StoredDevice>)
                .post(devices::create)
                .fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}", DEVICES.path),
            get(generic::get::<StoredDevice>)
                .patch(devices::update)
                .fallback(method_not_allowed),
        )
        .route(
            PROFILES.path,
            get(generic::list::<StoredProfile>)
                .post(profiles::create)
                .fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}", PROFILES.path),
            get(generic::get::<StoredProfile>)
                .delete(profiles::delete)
                .fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/certificates", PROFILES.path),
            get(profiles::certificates).fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/devices", PROFILES.path),
            get(profiles::devices).fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/bundleId", PROFILES.path),
            get(profiles::bundle_id).fallback(method_not_allowed),
        )
}

/// The relationship linkages of profiles and bundle IDs, and the app of a bundle ID: every
/// `links.self` and `links.related` the provisioning resources carry is served.
fn linkage_routes() -> Router<Arc<Shared>> {
    let profile = |name: &str| format!("{}/{{id}}/relationships/{name}", PROFILES.path);
    let bundle_id = |name: &str| format!("{}/{{id}}/relationships/{name}", BUNDLE_IDS.path);
    Router::new()
        .route(
            &profile("bundleId"),
            get(linkages::profile_bundle_id).fallback(method_not_allowed),
        )
        .route(
            &profile("certificates"),
            get(linkages::profile_certificates).fallback(method_not_allowed),
        )
        .route(
            &profile("devices"),
            get(linkages::profile_devices).fallback(method_not_allowed),
        )
        .route(
            &bundle_id("profiles"),
            get(linkages::bundle_id_profiles).fallback(method_not_allowed),
        )
        .route(
            &bundle_id("bundleIdCapabilities"),
            get(linkages::bundle_id_capabilities).fallback(method_not_allowed),
        )
        .route(
            &bundle_id("app"),
            get(linkages::bundle_id_app_linkage).fallback(method_not_allowed),
        )
        .route(
            &format!("{}/{{id}}/app", BUNDLE_IDS.path),
            get(linkages::bundle_id_app).fallback(method_not_allowed),
        )
}

async fn method_not_allowed(method: axum::http::Method) -> ApiFailure {
    ApiFailure::method_not_allowed(method.as_str())
}

async fn path_not_found(uri: axum::http::Uri) -> ApiFailure {
    ApiFailure::path_not_found(uri.path())
}

/// An intermediate by Apple's file name, such as `AppleWWDRCAG3.cer`; made now if it was not yet.
async fn intermediate_certificate(
    State(shared): State<Arc<Shared>>,
    Path(file): Path<String>,
    uri: axum::http::Uri,
) -> Result<Response, ApiFailure> {
    let which = Intermediate::from_file_name(&file).ok_or_else(|| ApiFailure::path_not_found(uri.path()))?;
    let issuing = shared.ca.intermediate(which).map_err(internal)?;
    Ok(der_response(issuing.certificate().der.clone()))
}

async fn root_certificate(State(shared): State<Arc<Shared>>) -> Response {
    der_response(shared.ca.root_der().to_vec())
}

fn der_response(der: Vec<u8>) -> Response {
    ([(header::CONTENT_TYPE, "application/pkix-cert")], der).into_response()
}

/// The absolute URL of this request, for `links.self`.
fn self_link(shared: &Shared, path: &str, raw: Option<&str>) -> String {
    match raw.filter(|q| !q.is_empty()) {
        Some(query) => format!("{}{path}?{query}", shared.base_url),
        None => format!("{}{path}", shared.base_url),
    }
}
