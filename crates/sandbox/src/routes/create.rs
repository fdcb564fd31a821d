//! `POST /v1/certificates`: checks the request, refuses Developer ID types as Apple does, checks the
//! CSR (its key by type) and the limits, then issues a certificate under the type's intermediate,
//! valid as long as its type is, with Apple's `displayName` for certificates made through the API.

use std::sync::Arc;

use ascert_models::{CertificateCreateRequest, CertificateType};
use axum::Json;
use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Extension, RawQuery, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::apple_error::ApiFailure;
use crate::auth::Caller;
use crate::ca::{Intermediate, LeafSpec};
use crate::query::{Endpoint, Query};
use crate::state::{Shared, lock};
use crate::store::StoredCertificate;
use crate::types;

use super::{Reply, certificate_document, internal, parse_body, request_body};

/// The `displayName` Apple gives a certificate made through the API, whatever the CSR's subject
/// says (codemagic-cli-tools' live tests assert it; see docs/sandbox.md).
pub(crate) const CREATED_VIA_API: &str = "Created via API";

pub(super) async fn create_certificate(
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
    let (store, index) = issue(&shared, issued)?;
    let document = certificate_document(&shared, &store, index, &Query::default(), None);
    Ok((StatusCode::CREATED, Json(document)).into_response())
}

/// A certificate to issue: what the API's create and the developer website have in common.
pub(crate) struct Issue<'a> {
    pub(crate) certificate_type: CertificateType,
    /// The key it certifies (the CSR's `SubjectPublicKeyInfo`, checked).
    pub(crate) spki_der: &'a [u8],
    pub(crate) pass_type_id: Option<String>,
    /// Who counts as making it, for the per-owner development limit.
    pub(crate) owner: String,
    /// The `displayName` it is listed with.
    pub(crate) display_name: String,
}

/// Issues `issued` under its type's intermediate within the team's limits, stores it, and returns
/// the store (still locked) with the new certificate's index.
pub(crate) fn issue<'s>(
    shared: &'s Shared,
    issued: Issue<'_>,
) -> Result<(std::sync::MutexGuard<'s, crate::store::Store>, usize), ApiFailure> {
    let Issue {
        certificate_type,
        spki_der,
        pass_type_id,
        owner,
        display_name,
    } = issued;
    let now = OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc());
    // Made before the store is locked: a first RSA intermediate key takes a while to generate.
    shared
        .ca
        .intermediate(Intermediate::for_type(&certificate_type))
        .map_err(internal)?;
    let limits = lock(&shared.settings).limits;
    let mut store = lock(&shared.store);
    if store.limit_reached(&certificate_type, &owner, &limits, now) {
        return Err(ApiFailure::limit_reached(types::conflict_label(
            &certificate_type,
        )));
    }
    let serial = crate::ids::serial_bytes();
    let prefix = types::common_name_prefix(&certificate_type);
    let common_name = format!("{prefix}: {} ({})", shared.team.name, shared.team.id);
    let not_after = types::expiry(&certificate_type, now);
    let der = shared
        .ca
        .issue(
            &certificate_type,
            spki_der,
            &LeafSpec {
                common_name: &common_name,
                team_id: &shared.team.id,
                team_name: &shared.team.name,
                serial: &serial,
                not_before: now,
                not_after,
                base_url: &shared.base_url,
            },
        )
        .map_err(internal)?;
    store.certificates.push(StoredCertificate {
        id: crate::ids::apple_id(),
        name: common_name,
        display_name,
        serial_number: crate::ids::hex_upper(&serial),
        certificate_type,
        not_before: now,
        expiration_date: not_after,
        activated: true,
        content: Some(STANDARD.encode(der)),
        pass_type_id,
        owner,
    });
    shared.save(&store).map_err(internal)?;
    let index = store.certificates.len() - 1;
    Ok((store, index))
}
