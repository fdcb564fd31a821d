//! `GET /v1/certificates/{id}/passTypeId` and `/relationships/passTypeId`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use serde_json::json;

use crate::apple_error::ApiFailure;
use crate::query::{Endpoint, Query};
use crate::render;
use crate::resource::{certificate_fields, issue_contents, pass_type_id_fields};
use crate::state::Shared;
use crate::store::{Resources, StoredCertificate, StoredPassTypeId};
use crate::sync::lock;
use crate::table::{CERTIFICATES, PASS_TYPE_IDS};

use super::{Reply, self_link};

/// How many related certificates are shown without `limit[certificates]`, as at Apple.
const DEFAULT_RELATED_LIMIT: u32 = 50;

/// The pass type ID of certificate `id`: 404 when the certificate does not exist or has none.
fn pass_type_id_of(resources: &Resources, id: &str) -> Result<StoredPassTypeId, ApiFailure> {
    let certificate = resources
        .certificate(id)
        .ok_or_else(|| ApiFailure::not_found(CERTIFICATES.type_name, id))?;
    let pass_type_id = certificate.pass_type_id.as_deref().ok_or_else(|| {
        let mut failure = ApiFailure::not_found(PASS_TYPE_IDS.type_name, id);
        failure.error.detail =
            format!("The certificate '{id}' has no related resource of type 'passTypeIds'");
        failure
    })?;
    Ok(resources
        .pass_type_id(pass_type_id)
        .cloned()
        .unwrap_or_else(|| StoredPassTypeId::named(pass_type_id)))
}

pub(super) async fn pass_type_id_linkage(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let pass_type_id = pass_type_id_of(&lock(&shared.resources), &id)?;
    let path = format!("{}/{id}/relationships/passTypeId", CERTIFICATES.path);
    Ok(Json(json!({
        "data": { "type": PASS_TYPE_IDS.type_name, "id": pass_type_id.id },
        "links": { "self": self_link(&shared, &path, None) },
    }))
    .into_response())
}

pub(super) async fn related_pass_type_id(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let query = Query::parse(raw.as_deref(), Endpoint::Related(&PASS_TYPE_IDS), None)?;
    let mut resources = lock(&shared.resources);
    let pass_type_id = pass_type_id_of(&resources, &id)?;
    let include = query.includes("certificates");
    let limit = query
        .include_limit("certificates")
        .unwrap_or(DEFAULT_RELATED_LIMIT);
    let limit = usize::try_from(limit).unwrap_or(usize::MAX);
    let indices: Vec<usize> = resources
        .certificates
        .iter()
        .enumerate()
        .filter(|(_, c)| c.pass_type_id.as_deref() == Some(pass_type_id.id.as_str()))
        .map(|(i, _)| i)
        .take(limit)
        .collect();
    let fields = certificate_fields(&query);
    if include {
        issue_contents(&mut resources, &indices, fields.as_deref(), &shared.context())?;
    }
    let certificates: Vec<&StoredCertificate> = indices.iter().map(|&i| &resources.certificates[i]).collect();
    let path = format!("{}/{id}/passTypeId", CERTIFICATES.path);
    let mut document = json!({
        "data": render::pass_type_id(
            &shared.base_url,
            &pass_type_id,
            pass_type_id_fields(&query).as_deref(),
            include.then_some(certificates.as_slice()),
        ),
        "links": { "self": self_link(&shared, &path, raw.as_deref()) },
    });
    if include {
        document["included"] = json!(
            certificates
                .iter()
                .map(|c| render::certificate(&shared.base_url, c, fields.as_deref(), false))
                .collect::<Vec<_>>()
        );
    }
    Ok(Json(document).into_response())
}
