//! The HTTP handlers of `/v1/certificates*` and of the CA download paths, one module per group of
//! operations, and what they share: the router, error answers, links and body parsing.

mod certificate;
pub(crate) mod create;
mod list;
mod pass_type_id;

use std::sync::Arc;

use ascert_models::CertificateField;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{DefaultBodyLimit, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use crate::apple_error::ApiFailure;
use crate::ca::{CA_FOLDER, Intermediate, ROOT_PATH};
use crate::query::Query;
use crate::render::{self, CERTIFICATES_PATH};
use crate::state::Shared;

type Reply = Result<Response, ApiFailure>;

impl IntoResponse for ApiFailure {
    fn into_response(self) -> Response {
        let mut response = (self.status, Json(self.document())).into_response();
        if let Some(seconds) = self.retry_after {
            response
                .headers_mut()
                .insert(header::RETRY_AFTER, header::HeaderValue::from(seconds));
        }
        response
    }
}

/// The router of every sandbox path, with the request pipeline around it.
pub(crate) fn router(shared: Arc<Shared>) -> Router {
    let id_routes = get(certificate::get_certificate)
        .patch(certificate::update_certificate)
        .delete(certificate::delete_certificate)
        .fallback(method_not_allowed);
    Router::new()
        .route(
            CERTIFICATES_PATH,
            get(list::list_certificates)
                .post(create::create_certificate)
                .fallback(method_not_allowed),
        )
        .route("/v1/certificates/{id}", id_routes)
        .route(
            "/v1/certificates/{id}/passTypeId",
            get(pass_type_id::related_pass_type_id).fallback(method_not_allowed),
        )
        .route(
            "/v1/certificates/{id}/relationships/passTypeId",
            get(pass_type_id::pass_type_id_linkage).fallback(method_not_allowed),
        )
        .route(ROOT_PATH, get(root_certificate))
        .route(&format!("{CA_FOLDER}{{file}}"), get(intermediate_certificate))
        .fallback(path_not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            crate::pipeline::pipeline,
        ))
        // Outermost, so the log sees what the client sees, faults included.
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            crate::record::record,
        ))
        // Around everything that reads a body, the exchange log included.
        .layer(DefaultBodyLimit::max(MAX_REQUEST_BODY))
        .with_state(shared)
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

/// A failure inside the sandbox (issuing, saving state) answers Apple's generic 500: the client
/// cannot act on the cause, and a library has nowhere to print it.
#[allow(clippy::needless_pass_by_value, reason = "used as a `map_err` function")]
fn internal(_: crate::SandboxError) -> ApiFailure {
    ApiFailure::unexpected()
}

/// Issues the content of the certificates at `indices` when the response shows it.
fn ensure_contents(
    shared: &Shared,
    store: &mut crate::store::Store,
    indices: &[usize],
    fields: Option<&[CertificateField]>,
) -> Result<(), ApiFailure> {
    if fields.is_some_and(|f| !f.contains(&CertificateField::CertificateContent)) {
        return Ok(());
    }
    for &index in indices {
        store
            .ensure_content(index, &shared.ca, &shared.team, &shared.base_url)
            .map_err(internal)?;
    }
    Ok(())
}

/// The single-certificate document of the certificate at `index`.
fn certificate_document(
    shared: &Shared,
    store: &crate::store::Store,
    index: usize,
    query: &Query,
    raw: Option<&str>,
) -> Value {
    let certificate = &store.certificates[index];
    let fields = query.certificate_fields.as_deref();
    let path = format!("{CERTIFICATES_PATH}/{}", certificate.id);
    let mut document = json!({
        "data": render::certificate(&shared.base_url, certificate, fields, query.include),
        "links": { "self": self_link(shared, &path, raw) },
    });
    if query.include {
        document["included"] = json!(render::included_pass_type_ids(
            &shared.base_url,
            &[certificate],
            query.pass_type_id_fields.as_deref()
        ));
    }
    document
}

/// Parses a JSON body: 400 when it is not JSON, 422 (with a pointer) when it is not the document.
/// The largest request body the sandbox reads: a create request with its CSR is about 2 KiB. Apple
/// documents no limit and no answer for a larger body; the sandbox answers 413 with an error
/// document (`ApiFailure::body_too_large`) and reads no further, so a client that streams without
/// end cannot fill the sandbox's memory.
pub const MAX_REQUEST_BODY: usize = 1024 * 1024;

/// A request body as the handlers and the exchange log take it: at most [`MAX_REQUEST_BODY`] bytes
/// (the router's `DefaultBodyLimit`), else 413; a body that breaks off is a 400.
pub(crate) fn request_body(body: Result<Bytes, BytesRejection>) -> Result<Bytes, ApiFailure> {
    body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            ApiFailure::body_too_large(MAX_REQUEST_BODY)
        } else {
            ApiFailure::malformed_body("the request body could not be read")
        }
    })
}

fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiFailure> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiFailure::malformed_body(&e.to_string()))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = format!("/{}", e.path().to_string().replace('.', "/"));
        let pointer = if pointer == "/." { "/".to_owned() } else { pointer };
        ApiFailure::unprocessable(&e.inner().to_string(), &pointer)
    })
}
