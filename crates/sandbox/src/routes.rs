//! The HTTP handlers of `/v1/certificates*` and of the CA download paths.

use std::sync::Arc;

use ascert_models::{CertificateCreateRequest, CertificateField, CertificateUpdateRequest};
use axum::body::Bytes;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};
use time::{Duration, OffsetDateTime};

use crate::apple_error::ApiFailure;
use crate::auth::Caller;
use crate::ca::{INTERMEDIATE_PATH, LeafSpec, ROOT_PATH};
use crate::query::{Endpoint, Query};
use crate::render::{self, CERTIFICATES_PATH};
use crate::state::{Shared, lock};
use crate::store::StoredCertificate;
use crate::types;

/// How long issued certificates are valid.
const VALIDITY_DAYS: i64 = 365;

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
    let id_routes = get(get_certificate)
        .patch(update_certificate)
        .delete(delete_certificate)
        .fallback(method_not_allowed);
    Router::new()
        .route(
            CERTIFICATES_PATH,
            get(list_certificates)
                .post(create_certificate)
                .fallback(method_not_allowed),
        )
        .route("/v1/certificates/{id}", id_routes)
        .route(
            "/v1/certificates/{id}/passTypeId",
            get(related_pass_type_id).fallback(method_not_allowed),
        )
        .route(
            "/v1/certificates/{id}/relationships/passTypeId",
            get(pass_type_id_linkage).fallback(method_not_allowed),
        )
        .route(INTERMEDIATE_PATH, get(intermediate_certificate))
        .route(ROOT_PATH, get(root_certificate))
        .fallback(path_not_found)
        .layer(axum::middleware::from_fn_with_state(
            shared.clone(),
            crate::pipeline::pipeline,
        ))
        .with_state(shared)
}

async fn method_not_allowed(method: axum::http::Method) -> ApiFailure {
    ApiFailure::method_not_allowed(method.as_str())
}

async fn path_not_found(uri: axum::http::Uri) -> ApiFailure {
    ApiFailure::path_not_found(uri.path())
}

async fn intermediate_certificate(State(shared): State<Arc<Shared>>) -> Response {
    der_response(shared.ca.certificates().intermediate_der.clone())
}

async fn root_certificate(State(shared): State<Arc<Shared>>) -> Response {
    der_response(shared.ca.certificates().root_der.clone())
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
    let url = shared.ca_issuers_url();
    for &index in indices {
        store
            .ensure_content(index, &shared.ca, &shared.team, &url)
            .map_err(internal)?;
    }
    Ok(())
}

async fn list_certificates(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Reply {
    let (page_size, rejected) = {
        let settings = lock(&shared.settings);
        (settings.page_size, settings.rejected_type_filter.clone())
    };
    let query = Query::parse(raw.as_deref(), Endpoint::List, rejected.as_ref())?;
    let limit = query.limit.unwrap_or(page_size);
    let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut store = lock(&shared.store);
    let mut matching: Vec<(usize, &StoredCertificate)> = store
        .certificates
        .iter()
        .enumerate()
        .filter(|(_, c)| query.matches(c))
        .collect();
    matching.sort_by(|(_, a), (_, b)| query.compare(a, b));
    let total = matching.len();
    let page: Vec<usize> = matching
        .iter()
        .skip(query.offset)
        .take(page_len)
        .map(|(i, _)| *i)
        .collect();
    let fields = query.certificate_fields.as_deref();
    ensure_contents(&shared, &mut store, &page, fields)?;
    let certificates: Vec<&StoredCertificate> = page.iter().map(|&i| &store.certificates[i]).collect();
    let next_offset = query.offset + page.len();
    let mut links = json!({ "self": self_link(&shared, CERTIFICATES_PATH, raw.as_deref()) });
    let mut paging = json!({ "total": total, "limit": limit });
    if next_offset < total {
        links["next"] = json!(format!(
            "{}{CERTIFICATES_PATH}?{}",
            shared.base_url,
            query.page_query(next_offset, limit)
        ));
        paging["nextCursor"] = json!(crate::query::cursor(next_offset));
    }
    let mut document = json!({
        "data": certificates
            .iter()
            .map(|c| render::certificate(&shared.base_url, c, fields, query.include))
            .collect::<Vec<_>>(),
        "links": links,
        "meta": { "paging": paging },
    });
    if query.include {
        document["included"] = json!(render::included_pass_type_ids(
            &shared.base_url,
            &certificates,
            query.pass_type_id_fields.as_deref()
        ));
    }
    Ok(Json(document).into_response())
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

async fn get_certificate(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let query = Query::parse(raw.as_deref(), Endpoint::Get, None)?;
    let mut store = lock(&shared.store);
    let index = store
        .position(&id)
        .ok_or_else(|| ApiFailure::not_found("certificates", &id))?;
    ensure_contents(&shared, &mut store, &[index], query.certificate_fields.as_deref())?;
    Ok(Json(certificate_document(
        &shared,
        &store,
        index,
        &query,
        raw.as_deref(),
    ))
    .into_response())
}

/// Parses a JSON body: 400 when it is not JSON, 422 (with a pointer) when it is not the document.
fn parse_body<T: DeserializeOwned>(body: &Bytes) -> Result<T, ApiFailure> {
    let value: Value =
        serde_json::from_slice(body).map_err(|e| ApiFailure::malformed_body(&e.to_string()))?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let pointer = format!("/{}", e.path().to_string().replace('.', "/"));
        let pointer = if pointer == "/." { "/".to_owned() } else { pointer };
        ApiFailure::unprocessable(&e.inner().to_string(), &pointer)
    })
}

async fn create_certificate(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: CertificateCreateRequest = parse_body(&body)?;
    let attributes = request.data.attributes;
    let certificate_type = attributes.certificate_type;
    if !certificate_type.is_known() {
        return Err(ApiFailure::invalid_attribute(
            format!("'{certificate_type}' is not a valid certificate type"),
            "/data/attributes/certificateType",
        ));
    }
    let pass_type_id = request
        .data
        .relationships
        .and_then(|r| r.pass_type_id)
        .map(|r| r.data.id);
    if types::needs_pass_type_id(&certificate_type) && pass_type_id.is_none() {
        return Err(ApiFailure::missing_relationship("passTypeId"));
    }
    let csr = crate::csr::check(&attributes.csr_content)
        .map_err(|p| ApiFailure::invalid_attribute(p.0, "/data/attributes/csrContent"))?;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    let limits = lock(&shared.settings).limits;
    let mut store = lock(&shared.store);
    if store.limit_reached(&certificate_type, &caller.key_id, &limits, now) {
        return Err(ApiFailure::limit_reached(types::conflict_label(
            &certificate_type,
        )));
    }
    let serial = crate::ids::serial_bytes();
    let prefix = types::common_name_prefix(&certificate_type);
    let common_name = format!("{prefix}: {} ({})", shared.team.name, shared.team.id);
    let not_after = now + Duration::days(VALIDITY_DAYS);
    let der = shared
        .ca
        .issue(
            &csr.rsa_public_key,
            &LeafSpec {
                common_name: &common_name,
                team_id: &shared.team.id,
                team_name: &shared.team.name,
                serial: &serial,
                not_before: now,
                not_after,
                ca_issuers_url: &shared.ca_issuers_url(),
            },
        )
        .map_err(internal)?;
    store.certificates.push(StoredCertificate {
        id: crate::ids::apple_id(),
        name: common_name,
        display_name: csr.common_name.unwrap_or_else(|| shared.team.name.clone()),
        serial_number: crate::ids::hex_upper(&serial),
        platform: types::platform(&certificate_type),
        certificate_type,
        not_before: now,
        expiration_date: not_after,
        activated: true,
        content: Some(STANDARD.encode(der)),
        pass_type_id,
        owner: caller.key_id,
    });
    shared.save(&store).map_err(internal)?;
    let index = store.certificates.len() - 1;
    let document = certificate_document(&shared, &store, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

async fn update_certificate(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Bytes,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: CertificateUpdateRequest = parse_body(&body)?;
    let mut store = lock(&shared.store);
    let index = store
        .position(&id)
        .ok_or_else(|| ApiFailure::not_found("certificates", &id))?;
    if request.data.id != id {
        return Err(ApiFailure::id_mismatch());
    }
    if let Some(activated) = request.data.attributes.and_then(|a| a.activated) {
        store.certificates[index].activated = activated;
        shared.save(&store).map_err(internal)?;
    }
    ensure_contents(&shared, &mut store, &[index], None)?;
    Ok(Json(certificate_document(
        &shared,
        &store,
        index,
        &Query::default(),
        None,
    ))
    .into_response())
}

async fn delete_certificate(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let mut store = lock(&shared.store);
    let index = store
        .position(&id)
        .ok_or_else(|| ApiFailure::not_found("certificates", &id))?;
    store.certificates.remove(index);
    shared.save(&store).map_err(internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// The pass type ID of certificate `id`: 404 when the certificate does not exist or has none.
fn pass_type_id_of(shared: &Shared, id: &str) -> Result<String, ApiFailure> {
    let store = lock(&shared.store);
    let certificate = store
        .get(id)
        .ok_or_else(|| ApiFailure::not_found("certificates", id))?;
    certificate.pass_type_id.clone().ok_or_else(|| {
        let mut failure = ApiFailure::not_found("passTypeIds", id);
        failure.error.detail =
            format!("The certificate '{id}' has no related resource of type 'passTypeIds'");
        failure
    })
}

async fn pass_type_id_linkage(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let pass_type_id = pass_type_id_of(&shared, &id)?;
    let path = format!("{CERTIFICATES_PATH}/{id}/relationships/passTypeId");
    Ok(Json(json!({
        "data": { "type": "passTypeIds", "id": pass_type_id },
        "links": { "self": self_link(&shared, &path, None) },
    }))
    .into_response())
}

async fn related_pass_type_id(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let query = Query::parse(raw.as_deref(), Endpoint::RelatedPassTypeId, None)?;
    let pass_type_id = pass_type_id_of(&shared, &id)?;
    let mut store = lock(&shared.store);
    let limit = usize::try_from(query.limit.unwrap_or(50)).unwrap_or(usize::MAX);
    let indices: Vec<usize> = store
        .certificates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pass_type_id.as_deref() == Some(pass_type_id.as_str()))
        .map(|(i, _)| i)
        .take(limit)
        .collect();
    let fields = query.certificate_fields.as_deref();
    if query.include {
        ensure_contents(&shared, &mut store, &indices, fields)?;
    }
    let certificates: Vec<&StoredCertificate> = indices.iter().map(|&i| &store.certificates[i]).collect();
    let path = format!("{CERTIFICATES_PATH}/{id}/passTypeId");
    let mut document = json!({
        "data": render::pass_type_id(
            &shared.base_url,
            &pass_type_id,
            query.pass_type_id_fields.as_deref(),
            query.include.then_some(certificates.as_slice()),
        ),
        "links": { "self": self_link(&shared, &path, raw.as_deref()) },
    });
    if query.include {
        document["included"] = json!(
            certificates
                .iter()
                .map(|c| render::certificate(&shared.base_url, c, fields, false))
                .collect::<Vec<_>>()
        );
    }
    Ok(Json(document).into_response())
}
