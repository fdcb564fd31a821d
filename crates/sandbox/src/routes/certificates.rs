//! The certificates' own writes: `POST /v1/certificates` (checks the request, refuses Developer ID
//! types as Apple does, checks the CSR — its key by type — then issues under the limits),
//! `PATCH /v1/certificates/{id}` (`activated`) and `DELETE /v1/certificates/{id}` (revoke).

use std::sync::Arc;

use ascert_models::{CertificateCreateRequest, CertificateUpdateRequest};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, Path, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;

use crate::apple_error::{ApiFailure, internal};
use crate::auth::Caller;
use crate::body::{parse_body, request_body};
use crate::issue::{Issue, issue};
use crate::query::{Endpoint, Query};
use crate::resource::{self, issue_contents};
use crate::state::Shared;
use crate::store::StoredCertificate;
use crate::sync::lock;
use crate::types;

use super::Reply;
use super::generic::document;

/// The `displayName` Apple gives a certificate made through the API, whatever the CSR's subject
/// says (codemagic-cli-tools' live tests assert it; see docs/sandbox.md).
const CREATED_VIA_API: &str = "Created via API";

pub(super) async fn create(
    State(shared): State<Arc<Shared>>,
    Extension(caller): Extension<Caller>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: CertificateCreateRequest = parse_body(&request_body(body)?)?;
    let attributes = request.data.attributes;
    let certificate_type = attributes.certificate_type;
    if !certificate_type.is_known() {
        return Err(ApiFailure::invalid_attribute(
            format!("'{certificate_type}' is not a valid certificate type"),
            "/data/attributes/certificateType",
        ));
    }
    // Apple refuses every API key here, whatever its role: only the Account Holder makes Developer
    // ID certificates, on the developer website or in Xcode.
    if types::is_developer_id(&certificate_type) {
        return Err(ApiFailure::account_holder_only());
    }
    let pass_type_id = request
        .data
        .relationships
        .and_then(|r| r.pass_type_id)
        .map(|r| r.data.id);
    if types::needs_pass_type_id(&certificate_type) && pass_type_id.is_none() {
        return Err(ApiFailure::missing_relationship("passTypeId"));
    }
    let csr = crate::csr::check(&attributes.csr_content, &certificate_type)
        .map_err(|p| ApiFailure::invalid_attribute(p.0, "/data/attributes/csrContent"))?;
    let issued = Issue {
        certificate_type,
        spki_der: &csr.spki_der,
        pass_type_id,
        owner: caller.key_id,
        display_name: CREATED_VIA_API.to_owned(),
    };
    let (resources, index) = issue(&shared, issued)?;
    let document = document::<StoredCertificate>(&shared, &resources, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

pub(super) async fn update(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
    body: Result<Bytes, BytesRejection>,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let request: CertificateUpdateRequest = parse_body(&request_body(body)?)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<StoredCertificate>(&resources, &id)?;
    if request.data.id != id {
        return Err(ApiFailure::id_mismatch());
    }
    if let Some(activated) = request.data.attributes.and_then(|a| a.activated) {
        resources.certificates[index].activated = activated;
        shared.save(&resources).map_err(internal)?;
    }
    issue_contents(&mut resources, &[index], None, &shared.context())?;
    Ok(Json(document::<StoredCertificate>(
        &shared,
        &resources,
        index,
        &Query::default(),
        None,
    ))
    .into_response())
}

pub(super) async fn delete(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<StoredCertificate>(&resources, &id)?;
    resources.revoke_certificate(index);
    shared.save(&resources).map_err(internal)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}
