//! Request documents: [`CertificateCreateRequest`] for `POST` and [`CertificateUpdateRequest`] for `PATCH`.

use serde::{Deserialize, Serialize};

use crate::jsonapi::RelationshipData;
use crate::{CertificateType, CertificatesKind, MerchantIdsKind, PassTypeIdsKind, ResourceIdentifier};

/// The body of `POST /v1/certificates`: a CSR and the kind of certificate wanted.
///
/// ```
/// use ascert_models::{CertificateCreateRequest, CertificateType};
/// let request = CertificateCreateRequest::new("MIICq...", CertificateType::PassTypeId)
///     .with_pass_type_id("PASS123");
/// let json = serde_json::to_value(&request).unwrap();
/// assert_eq!(json["data"]["attributes"]["certificateType"], "PASS_TYPE_ID");
/// assert_eq!(json["data"]["relationships"]["passTypeId"]["data"]["id"], "PASS123");
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateCreateRequest {
    /// The resource to create.
    pub data: CertificateCreateData,
}

/// The `data` of a [`CertificateCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateCreateData {
    /// Always `"certificates"`.
    #[serde(rename = "type")]
    pub kind: CertificatesKind,
    /// The CSR and the certificate type.
    pub attributes: CertificateCreateAttributes,
    /// The pass type ID or merchant ID that pass-type and merchant certificates need.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<CertificateCreateRelationships>,
}

/// The attributes of a [`CertificateCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateCreateAttributes {
    /// The certificate signing request, PEM text.
    pub csr_content: String,
    /// The kind of certificate wanted.
    pub certificate_type: CertificateType,
}

/// The optional relationships of a [`CertificateCreateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateCreateRelationships {
    /// The merchant ID an Apple Pay certificate is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub merchant_id: Option<RelationshipData<MerchantIdsKind>>,
    /// The pass type ID a Wallet pass certificate is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_type_id: Option<RelationshipData<PassTypeIdsKind>>,
}

impl CertificateCreateRequest {
    /// A request for a certificate of `certificate_type` from the PEM CSR `csr_content`.
    pub fn new(csr_content: impl Into<String>, certificate_type: CertificateType) -> Self {
        Self {
            data: CertificateCreateData {
                kind: CertificatesKind,
                attributes: CertificateCreateAttributes {
                    csr_content: csr_content.into(),
                    certificate_type,
                },
                relationships: None,
            },
        }
    }

    /// The certificate signing request, PEM text.
    pub fn csr_content(&self) -> &str {
        &self.data.attributes.csr_content
    }

    /// The kind of certificate asked for.
    pub fn certificate_type(&self) -> &CertificateType {
        &self.data.attributes.certificate_type
    }

    /// Links the certificate to a pass type ID (for `PASS_TYPE_ID` and `PASS_TYPE_ID_WITH_NFC`).
    #[must_use]
    pub fn with_pass_type_id(mut self, id: impl Into<String>) -> Self {
        self.data
            .relationships
            .get_or_insert_with(Default::default)
            .pass_type_id = Some(RelationshipData {
            data: ResourceIdentifier::new(id),
        });
        self
    }

    /// Links the certificate to a merchant ID (for the Apple Pay types).
    #[must_use]
    pub fn with_merchant_id(mut self, id: impl Into<String>) -> Self {
        self.data
            .relationships
            .get_or_insert_with(Default::default)
            .merchant_id = Some(RelationshipData {
            data: ResourceIdentifier::new(id),
        });
        self
    }
}

/// The body of `PATCH /v1/certificates/{id}`: activate or deactivate a certificate.
///
/// ```
/// let body = ascert_models::CertificateUpdateRequest::new("ABC123").with_activated(false);
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"data":{"type":"certificates","id":"ABC123","attributes":{"activated":false}}}"#
/// );
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateUpdateRequest {
    /// The resource to change.
    pub data: CertificateUpdateData,
}

/// The `data` of a [`CertificateUpdateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateUpdateData {
    /// Always `"certificates"`.
    #[serde(rename = "type")]
    pub kind: CertificatesKind,
    /// The certificate's id.
    pub id: String,
    /// The attributes to change.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<CertificateUpdateAttributes>,
}

/// The attributes of a [`CertificateUpdateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateUpdateAttributes {
    /// The new activation state; `null` or absent leaves it as it is.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated: Option<bool>,
}

impl CertificateUpdateRequest {
    /// A request that changes nothing yet of the certificate `id`; add changes with the `with_`
    /// methods.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            data: CertificateUpdateData {
                kind: CertificatesKind,
                id: id.into(),
                attributes: None,
            },
        }
    }

    /// Sets the certificate active (`true`) or inactive (`false`).
    #[must_use]
    pub fn with_activated(mut self, activated: bool) -> Self {
        self.data
            .attributes
            .get_or_insert_with(Default::default)
            .activated = Some(activated);
        self
    }

    /// The id of the certificate to change.
    pub fn id(&self) -> &str {
        &self.data.id
    }
}
