//! [`Device`]: a device registered for development and ad hoc profiles.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::jsonapi::{QuerySpec, Resource};
use crate::{BundleIdPlatform, DeviceClass, DeviceStatus, DevicesKind, ResourceLinks};

/// A registered device (`type: "devices"`).
///
/// ```
/// use ascert_models::{Device, DeviceClass};
///
/// let device: Device = serde_json::from_str(r#"{
///   "type": "devices", "id": "D1",
///   "attributes": {"name": "QA iPhone", "platform": "IOS", "udid": "00008110-000A1B2C3D4E801E",
///                  "deviceClass": "IPHONE", "status": "ENABLED", "model": "iPhone 15",
///                  "addedDate": "2026-01-02T03:04:05.000+0000"}
/// }"#)?;
/// assert!(device.is_enabled());
/// assert_eq!(device.attributes.device_class, Some(DeviceClass::Iphone));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Device {
    /// Always `"devices"`.
    #[serde(rename = "type")]
    pub kind: DevicesKind,
    /// The opaque id, used in `/v1/devices/{id}` (not the UDID).
    pub id: String,
    /// The attributes; with a sparse fieldset only those asked for are present.
    #[serde(default, skip_serializing_if = "DeviceAttributes::is_empty")]
    pub attributes: DeviceAttributes,
    /// The resource's own link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
}

/// The attributes of a [`Device`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DeviceAttributes {
    /// The name given when it was registered.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// `IOS` (iPhone, iPad, Apple TV, Apple Watch, Vision Pro) or `MAC_OS`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<BundleIdPlatform>,
    /// The device's UDID (or a Mac's provisioning UDID).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub udid: Option<String>,
    /// The kind of device.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub device_class: Option<DeviceClass>,
    /// Enabled or disabled.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<DeviceStatus>,
    /// The model, such as `iPhone 15`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub model: Option<String>,
    /// When it was registered.
    #[serde(
        default,
        with = "crate::date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub added_date: Option<OffsetDateTime>,
    /// Attributes this type does not model, as App Store Connect sent them.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// Every field of `fields[devices]`.
pub(crate) const DEVICE_FIELDS: &[&str] = &[
    "name",
    "platform",
    "udid",
    "deviceClass",
    "status",
    "model",
    "addedDate",
];

impl Device {
    /// A device resource with this `id` and nothing else; set the other fields afterwards.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// Whether Apple says it is `ENABLED`.
    pub fn is_enabled(&self) -> bool {
        self.attributes.status == Some(DeviceStatus::Enabled)
    }
}

impl Resource for Device {
    const TYPE: &'static str = DevicesKind::VALUE;
    const PATH: &'static str = "v1/devices";
    /// What `GET /v1/devices` accepts.
    const QUERY: QuerySpec = QuerySpec::new(
        &["name", "platform", "udid", "status", "id"],
        &["name", "platform", "udid", "status", "id"],
    )
    .with_fields(&[(DevicesKind::VALUE, DEVICE_FIELDS)]);
    /// Device documents include nothing.
    type Included = crate::jsonapi::UnknownResource;

    fn id(&self) -> &str {
        &self.id
    }
}

impl DeviceAttributes {
    /// Whether no attribute is set (a document that left `attributes` out).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}
