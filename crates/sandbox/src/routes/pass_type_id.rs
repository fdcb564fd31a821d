//! `GET /v1/certificates/{id}/passTypeId` and `/relationships/passTypeId`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use serde_json::json;

use crate::apple_error::ApiFailure;
use crate::query::{Endpoint, Query};
use crate::render::{self, CERTIFICATES_PATH};
use crate::state::{Shared, lock};
use crate::store::StoredCertificate;

use super::{Reply, ensure_contents, self_link};

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

pub(super) async fn pass_type_id_linkage(
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

pub(super) async fn related_pass_type_id(
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
