//! [`PassTypeId`]: the Wallet pass type ID a `PASS_TYPE_ID` certificate belongs to.

use serde::{Deserialize, Serialize};

use crate::jsonapi::ToMany;
use crate::{CertificatesKind, PassTypeIdsKind, ResourceLinks};

/// A pass type ID resource (`type: "passTypeIds"`).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PassTypeId {
    /// Always `"passTypeIds"`.
    #[serde(rename = "type")]
    pub kind: PassTypeIdsKind,
    /// The opaque id.
    pub id: String,
    /// The attributes, all optional (sparse fieldsets leave some out).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<PassTypeIdAttributes>,
    /// Relationships to other resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<PassTypeIdRelationships>,
    /// The resource's own link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
}

impl PassTypeId {
    /// A pass type ID resource with this `id` and nothing else; set the other fields afterwards.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

/// The attributes of a [`PassTypeId`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PassTypeIdAttributes {
    /// The human-readable name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The reverse-DNS identifier, such as `pass.com.example.loyalty`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
}

/// The relationships of a [`PassTypeId`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PassTypeIdRelationships {
    /// The certificates issued for this pass type ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<PassTypeIdCertificatesRelationship>,
}

/// The to-many `certificates` relationship of a [`PassTypeId`]: its links, the paging of the
/// linkage, and the linked certificates when included.
pub type PassTypeIdCertificatesRelationship = ToMany<CertificatesKind>;
