//! Issuing a certificate: what the API's create and the developer website have in common — the
//! type's intermediate, the team's limits, the leaf, and storing it with the state saved.

use std::sync::MutexGuard;

use ascert_models::CertificateType;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::apple_error::{ApiFailure, internal};
use crate::ca::{Intermediate, LeafSpec};
use crate::state::Shared;
use crate::store::{Resources, StoredCertificate};
use crate::sync::lock;
use crate::types;

/// A certificate to issue.
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
/// the resources (still locked) with the new certificate's index.
///
/// # Errors
/// Apple's 409 when the type's limit is reached, its 500 when issuing or saving fails.
pub(crate) fn issue<'s>(
    shared: &'s Shared,
    issued: Issue<'_>,
) -> Result<(MutexGuard<'s, Resources>, usize), ApiFailure> {
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
    // Made before the resources are locked: a first RSA intermediate key takes a while to generate.
    shared
        .ca
        .intermediate(Intermediate::for_type(&certificate_type))
        .map_err(internal)?;
    let limits = lock(&shared.settings).limits;
    let mut resources = lock(&shared.resources);
    if resources.limit_reached(&certificate_type, &owner, &limits, now) {
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
    let index = resources.add_certificate(StoredCertificate {
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
    shared.save(&resources).map_err(internal)?;
    Ok((resources, index))
}
