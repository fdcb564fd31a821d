//! [`BundleId`]: an app identifier registered with Apple (the "App ID" of the developer
//! website), with its profiles, capabilities and app.

use serde::{Deserialize, Serialize};

use crate::jsonapi::{Included, QuerySpec, Resource, ToMany, ToOne};
use crate::{
    AppsKind, BundleIdCapabilitiesKind, BundleIdPlatform, BundleIdsKind, ProfilesKind, ResourceLinks,
};

/// A bundle ID (`type: "bundleIds"`).
///
/// ```
/// use ascert_models::{BundleId, BundleIdPlatform};
///
/// let bundle: BundleId = serde_json::from_str(r#"{
///   "type": "bundleIds", "id": "B1",
///   "attributes": {"name": "Example", "platform": "IOS", "identifier": "com.example.app", "seedId": "TEAM123456"}
/// }"#)?;
/// assert_eq!(bundle.attributes.identifier.as_deref(), Some("com.example.app"));
/// assert_eq!(bundle.attributes.platform, Some(BundleIdPlatform::Ios));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleId {
    /// Always `"bundleIds"`.
    #[serde(rename = "type")]
    pub kind: BundleIdsKind,
    /// The opaque id, used in `/v1/bundleIds/{id}` (not the identifier).
    pub id: String,
    /// The attributes; with a sparse fieldset only those asked for are present.
    #[serde(default, skip_serializing_if = "BundleIdAttributes::is_empty")]
    pub attributes: BundleIdAttributes,
    /// Relationships to its profiles, capabilities and app.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<BundleIdRelationships>,
    /// The resource's own link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
}

/// The attributes of a [`BundleId`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdAttributes {
    /// The name shown on the developer website.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `IOS`, `MAC_OS` or `UNIVERSAL`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<BundleIdPlatform>,
    /// The reverse-DNS identifier, such as `com.example.app` (or a wildcard, `com.example.*`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identifier: Option<String>,
    /// The App ID prefix: the team id, or a legacy seed id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_id: Option<String>,
    /// Attributes this type does not model, as App Store Connect sent them.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The relationships of a [`BundleId`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdRelationships {
    /// The profiles made for it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profiles: Option<ToMany<ProfilesKind>>,
    /// The capabilities it has.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id_capabilities: Option<ToMany<BundleIdCapabilitiesKind>>,
    /// The App Store Connect app that uses it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub app: Option<ToOne<AppsKind>>,
}

impl BundleId {
    /// A bundle ID resource with this `id` and nothing else; set the other fields afterwards.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Whether its identifier is a wildcard (`*` or ending in `.*`).
    pub fn is_wildcard(&self) -> bool {
        self.attributes
            .identifier
            .as_deref()
            .is_some_and(|i| i == "*" || i.ends_with(".*"))
    }
}

/// Every field of `fields[bundleIds]`.
pub(crate) const BUNDLE_ID_FIELDS: &[&str] = &[
    "name",
    "platform",
    "identifier",
    "seedId",
    "profiles",
    "bundleIdCapabilities",
    "app",
];

impl Resource for BundleId {
    const TYPE: &'static str = BundleIdsKind::VALUE;
    const PATH: &'static str = "v1/bundleIds";
    /// What `GET /v1/bundleIds` accepts (the `apps` fieldset is left out: ascert never asks for
    /// an app's fields).
    const QUERY: QuerySpec = QuerySpec::new(
        &["name", "platform", "identifier", "seedId", "id"],
        &["name", "platform", "identifier", "seedId", "id"],
    )
    .with_fields(&[
        (BundleIdsKind::VALUE, BUNDLE_ID_FIELDS),
        (ProfilesKind::VALUE, super::profile::PROFILE_FIELDS),
        (BundleIdCapabilitiesKind::VALUE, &["capabilityType", "settings"]),
    ])
    .with_include(&["profiles", "bundleIdCapabilities", "app"])
    .with_include_limits(&[("bundleIdCapabilities", 50), ("profiles", 50)]);
    type Included = Included;

    fn id(&self) -> &str {
        &self.id
    }
}

impl BundleIdAttributes {
    /// Whether no attribute is set (a document that left `attributes` out).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
