//! The HTTP handlers of the `/v1` resources and of the CA download paths, and their router: the
//! generic list and get of every resource in `generic.rs`, each resource's own writes in a module
//! of its own (`certificates.rs`, `pass_type_id.rs`). The layers around them (the pipeline, the
//! exchange log, the body limit) are added by the composition root, `app.rs`.

mod certificates;
mod generic;
mod pass_type_id;

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
use crate::table::CERTIFICATES;

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
        .route(ROOT_PATH, get(root_certificate))
        .route(&format!("{CA_FOLDER}{{file}}"), get(intermediate_certificate))
        .fallback(path_not_found)
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
