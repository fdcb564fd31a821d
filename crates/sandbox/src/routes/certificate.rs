//! `GET`, `PATCH` and `DELETE /v1/certificates/{id}`.

use std::sync::Arc;

use ascert_models::CertificateUpdateRequest;
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::apple_error::ApiFailure;
use crate::query::{Endpoint, Query};
use crate::state::{Shared, lock};

use super::{Reply, certificate_document, ensure_contents, internal, parse_body, request_body};

pub(super) async fn get_certificate(
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

pub(super) async fn update_certificate(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: CertificateUpdateRequest = parse_body(&request_body(body)?)?;
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

pub(super) async fn delete_certificate(
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
