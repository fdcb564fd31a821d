//! Request documents of the provisioning resources: [`ProfileCreateRequest`],
//! [`BundleIdCreateRequest`], [`DeviceCreateRequest`], [`DeviceUpdateRequest`] and
//! [`BundleIdCapabilityCreateRequest`].

use serde::{Deserialize, Serialize};

use crate::jsonapi::{RelationshipData, RelationshipList};
use crate::{
    BundleIdCapabilitiesKind, BundleIdPlatform, BundleIdsKind, CapabilitySetting, CapabilityType,
    CertificatesKind, DeviceStatus, DevicesKind, ProfileType, ProfilesKind, ResourceIdentifier,
};

/// The body of `POST /v1/profiles`: a name, a type, the bundle ID, the certificates and (for
/// development and ad hoc) the devices.
///
/// ```
/// use ascert_models::{ProfileCreateRequest, ProfileType};
/// let request = ProfileCreateRequest::new("CI App Store", ProfileType::IosAppStore, "B1", ["C1"]);
/// let json = serde_json::to_value(&request).unwrap();
/// assert_eq!(json["data"]["attributes"]["profileType"], "IOS_APP_STORE");
/// assert_eq!(json["data"]["relationships"]["bundleId"]["data"]["id"], "B1");
/// assert_eq!(json["data"]["relationships"]["certificates"]["data"][0]["type"], "certificates");
/// assert!(json["data"]["relationships"].get("devices").is_none());
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfileCreateRequest {
    /// The resource to create.
    pub data: ProfileCreateData,
}

/// The `data` of a [`ProfileCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ProfileCreateData {
    /// Always `"profiles"`.
    #[serde(rename = "type")]
    pub kind: ProfilesKind,
    /// The name and the type.
    pub attributes: ProfileCreateAttributes,
    /// The bundle ID, certificates and devices.
    pub relationships: ProfileCreateRelationships,
}

/// The attributes of a [`ProfileCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProfileCreateAttributes {
    /// The profile's name, unique within the team.
    pub name: String,
    /// The kind of profile.
    pub profile_type: ProfileType,
}

/// The relationships of a [`ProfileCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProfileCreateRelationships {
    /// The bundle ID the profile is for.
    pub bundle_id: RelationshipData<BundleIdsKind>,
    /// The devices (development and ad hoc profiles); absent for the others.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<RelationshipList<DevicesKind>>,
    /// The certificates whose identities can sign with it.
    pub certificates: RelationshipList<CertificatesKind>,
}

impl ProfileCreateRequest {
    /// A request for a profile named `name` of `profile_type` for the bundle ID `bundle_id` (its
    /// opaque id, not the identifier) with these certificates (ids).
    pub fn new<I: Into<String>>(
        name: impl Into<String>,
        profile_type: ProfileType,
        bundle_id: impl Into<String>,
        certificates: impl IntoIterator<Item = I>,
    ) -> Self {
        Self {
            data: ProfileCreateData {
                kind: ProfilesKind,
                attributes: ProfileCreateAttributes {
                    name: name.into(),
                    profile_type,
                },
                relationships: ProfileCreateRelationships {
                    bundle_id: RelationshipData::new(ResourceIdentifier::new(bundle_id)),
                    devices: None,
                    certificates: RelationshipList::of(certificates),
                },
            },
        }
    }

    /// With these devices (ids), for development and ad hoc profiles.
    #[must_use]
    pub fn with_devices<I: Into<String>>(mut self, devices: impl IntoIterator<Item = I>) -> Self {
        self.data.relationships.devices = Some(RelationshipList::of(devices));
        self
    }
}

/// The body of `POST /v1/bundleIds`: register an identifier.
///
/// ```
/// use ascert_models::{BundleIdCreateRequest, BundleIdPlatform};
/// let body = BundleIdCreateRequest::new("Example", BundleIdPlatform::Ios, "com.example.app");
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"data":{"type":"bundleIds","attributes":{"name":"Example","platform":"IOS","identifier":"com.example.app"}}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleIdCreateRequest {
    /// The resource to create.
    pub data: BundleIdCreateData,
}

/// The `data` of a [`BundleIdCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleIdCreateData {
    /// Always `"bundleIds"`.
    #[serde(rename = "type")]
    pub kind: BundleIdsKind,
    /// The name, platform and identifier.
    pub attributes: BundleIdCreateAttributes,
}

/// The attributes of a [`BundleIdCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdCreateAttributes {
    /// The name shown on the developer website.
    pub name: String,
    /// `IOS`, `MAC_OS` or `UNIVERSAL`.
    pub platform: BundleIdPlatform,
    /// The reverse-DNS identifier.
    pub identifier: String,
    /// A legacy App ID prefix; absent for the team id.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub seed_id: Option<String>,
}

impl BundleIdCreateRequest {
    /// A request to register `identifier` for `platform` under `name`.
    pub fn new(name: impl Into<String>, platform: BundleIdPlatform, identifier: impl Into<String>) -> Self {
        Self {
            data: BundleIdCreateData {
                kind: BundleIdsKind,
                attributes: BundleIdCreateAttributes {
                    name: name.into(),
                    platform,
                    identifier: identifier.into(),
                    seed_id: None,
                },
            },
        }
    }
}

/// The body of `POST /v1/devices`: register a device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceCreateRequest {
    /// The resource to create.
    pub data: DeviceCreateData,
}

/// The `data` of a [`DeviceCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceCreateData {
    /// Always `"devices"`.
    #[serde(rename = "type")]
    pub kind: DevicesKind,
    /// The name, platform and UDID.
    pub attributes: DeviceCreateAttributes,
}

/// The attributes of a [`DeviceCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceCreateAttributes {
    /// The name to show.
    pub name: String,
    /// `IOS` or `MAC_OS`.
    pub platform: BundleIdPlatform,
    /// The device's UDID.
    pub udid: String,
}

impl DeviceCreateRequest {
    /// A request to register the device `udid` of `platform` as `name`.
    pub fn new(name: impl Into<String>, platform: BundleIdPlatform, udid: impl Into<String>) -> Self {
        Self {
            data: DeviceCreateData {
                kind: DevicesKind,
                attributes: DeviceCreateAttributes {
                    name: name.into(),
                    platform,
                    udid: udid.into(),
                },
            },
        }
    }
}

/// The body of `PATCH /v1/devices/{id}`: rename, enable or disable a device.
///
/// ```
/// use ascert_models::{DeviceStatus, DeviceUpdateRequest};
/// let body = DeviceUpdateRequest::new("D1").with_status(DeviceStatus::Disabled);
/// assert_eq!(
///     serde_json::to_string(&body).unwrap(),
///     r#"{"data":{"type":"devices","id":"D1","attributes":{"status":"DISABLED"}}}"#
/// );
/// ```
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceUpdateRequest {
    /// The resource to change.
    pub data: DeviceUpdateData,
}

/// The `data` of a [`DeviceUpdateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct DeviceUpdateData {
    /// Always `"devices"`.
    #[serde(rename = "type")]
    pub kind: DevicesKind,
    /// The device's id.
    pub id: String,
    /// What changes.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub attributes: Option<DeviceUpdateAttributes>,
}

/// The attributes of a [`DeviceUpdateRequest`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceUpdateAttributes {
    /// A new name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Enabled or disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeviceStatus>,
}

impl DeviceUpdateRequest {
    /// A request that changes nothing yet on the device `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            data: DeviceUpdateData {
                kind: DevicesKind,
                id: id.into(),
                attributes: None,
            },
        }
    }

    /// Renames the device.
    #[must_use]
    pub fn with_name(mut self, name: impl Into<String>) -> Self {
        self.data.attributes.get_or_insert_with(Default::default).name = Some(name.into());
        self
    }

    /// Enables or disables the device.
    #[must_use]
    pub fn with_status(mut self, status: DeviceStatus) -> Self {
        self.data.attributes.get_or_insert_with(Default::default).status = Some(status);
        self
    }
}

/// The body of `POST /v1/bundleIdCapabilities`: enable a capability on a bundle ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleIdCapabilityCreateRequest {
    /// The resource to create.
    pub data: BundleIdCapabilityCreateData,
}

/// The `data` of a [`BundleIdCapabilityCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct BundleIdCapabilityCreateData {
    /// Always `"bundleIdCapabilities"`.
    #[serde(rename = "type")]
    pub kind: BundleIdCapabilitiesKind,
    /// The capability and its settings.
    pub attributes: BundleIdCapabilityCreateAttributes,
    /// The bundle ID.
    pub relationships: BundleIdCapabilityCreateRelationships,
}

/// The attributes of a [`BundleIdCapabilityCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdCapabilityCreateAttributes {
    /// The capability.
    pub capability_type: CapabilityType,
    /// Its settings, when it has some.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub settings: Option<Vec<CapabilitySetting>>,
}

/// The relationships of a [`BundleIdCapabilityCreateRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct BundleIdCapabilityCreateRelationships {
    /// The bundle ID that gets the capability.
    pub bundle_id: RelationshipData<BundleIdsKind>,
}

impl BundleIdCapabilityCreateRequest {
    /// A request to enable `capability` on the bundle ID `bundle_id` (its opaque id).
    pub fn new(capability: CapabilityType, bundle_id: impl Into<String>) -> Self {
        Self {
            data: BundleIdCapabilityCreateData {
                kind: BundleIdCapabilitiesKind,
                attributes: BundleIdCapabilityCreateAttributes {
                    capability_type: capability,
                    settings: None,
                },
                relationships: BundleIdCapabilityCreateRelationships {
                    bundle_id: RelationshipData::new(ResourceIdentifier::new(bundle_id)),
                },
            },
        }
    }
}
