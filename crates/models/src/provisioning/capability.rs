//! [`BundleIdCapability`]: a capability (push, iCloud, App Groups, …) enabled on a bundle ID, with
//! its settings.

use serde::{Deserialize, Serialize};

use crate::jsonapi::{QuerySpec, Resource};
use crate::{BundleIdCapabilitiesKind, CapabilityType, ResourceLinks};

/// A capability of a bundle ID (`type: "bundleIdCapabilities"`), read through
/// `GET /v1/bundleIds/{id}/bundleIdCapabilities`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdCapability {
    /// Always `"bundleIdCapabilities"`.
    #[serde(rename = "type")]
    pub kind: BundleIdCapabilitiesKind,
    /// The opaque id.
    pub id: String,
    /// The attributes.
    #[serde(default, skip_serializing_if = "BundleIdCapabilityAttributes::is_empty")]
    pub attributes: BundleIdCapabilityAttributes,
    /// The resource's own link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
}

/// The attributes of a [`BundleIdCapability`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdCapabilityAttributes {
    /// The capability.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub capability_type: Option<CapabilityType>,
    /// Its settings, such as the iCloud version or the data protection level.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Vec<CapabilitySetting>>,
    /// Attributes this type does not model, as App Store Connect sent them.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// One setting of a capability (`CapabilitySetting`). The keys are Apple's strings
/// (`ICLOUD_VERSION`, `DATA_PROTECTION_PERMISSION_LEVEL`, `APPLE_ID_AUTH_APP_CONSENT`, and those it
/// adds later).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CapabilitySetting {
    /// The setting's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it is on by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_by_default: Option<bool>,
    /// Whether it is shown.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub visible: Option<bool>,
    /// `ENTRY`, `SINGLE` or `MULTIPLE`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub allowed_instances: Option<String>,
    /// The fewest instances.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min_instances: Option<i64>,
    /// The options, of which the enabled ones apply.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub options: Option<Vec<CapabilityOption>>,
}

/// One option of a [`CapabilitySetting`] (`CapabilityOption`), such as `COMPLETE_PROTECTION`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CapabilityOption {
    /// The option's key.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key: Option<String>,
    /// Its name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Its description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Whether it is on by default.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled_by_default: Option<bool>,
    /// Whether it is on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub enabled: Option<bool>,
    /// Whether a wildcard bundle ID may have it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supports_wildcard: Option<bool>,
}

impl BundleIdCapability {
    /// A capability resource with this `id` and nothing else; set the other fields afterwards.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }
}

impl Resource for BundleIdCapability {
    const TYPE: &'static str = BundleIdCapabilitiesKind::VALUE;
    /// Capabilities are listed below their bundle ID (`/v1/bundleIds/{id}/bundleIdCapabilities`);
    /// this collection takes only `POST`.
    const PATH: &'static str = "v1/bundleIdCapabilities";
    /// What `GET /v1/bundleIds/{id}/bundleIdCapabilities` accepts.
    const QUERY: QuerySpec = QuerySpec::new(&[], &[])
        .with_fields(&[(BundleIdCapabilitiesKind::VALUE, &["capabilityType", "settings"])]);
    /// Capability documents include nothing.
    type Included = crate::jsonapi::UnknownResource;

    fn id(&self) -> &str {
        &self.id
    }
}

impl BundleIdCapabilityAttributes {
    /// Whether no attribute is set (a document that left `attributes` out).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
