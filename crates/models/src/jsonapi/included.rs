//! [`Included`]: a resource of a document's `included` array, read by its `type`; and
//! [`UnknownResource`], any resource kept as it was sent.

use serde::de::{self, Deserializer};
use serde::{Deserialize, Serialize, Serializer};

use crate::{
    BundleId, BundleIdCapabilitiesKind, BundleIdCapability, BundleIdsKind, Certificate, CertificatesKind,
    Device, DevicesKind, PassTypeId, PassTypeIdsKind, Profile, ProfilesKind,
};

/// A resource of a document's `included` array, chosen by its `type`.
///
/// App Store Connect includes resources of several types in one document (a profile's page holds
/// bundle IDs, certificates and devices). The types this crate models are read into their own
/// variant; any other type is kept whole as [`Included::Unknown`] and written back unchanged, so
/// a document with a resource type added by Apple (or not modelled yet) still reads.
///
/// A resource of a modelled type that does not fit its model is an error, not an
/// [`Included::Unknown`]: only the `type` decides.
///
/// ```
/// use ascert_models::jsonapi::Included;
///
/// let included: Included = serde_json::from_str(r#"{"type": "apps", "id": "A1"}"#)?;
/// assert_eq!((included.type_name(), included.id()), ("apps", "A1"));
/// assert!(matches!(included, Included::Unknown(_)));
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Included {
    /// A certificate (`"certificates"`).
    Certificate(Box<Certificate>),
    /// A pass type ID (`"passTypeIds"`).
    PassTypeId(Box<PassTypeId>),
    /// A provisioning profile (`"profiles"`).
    Profile(Box<Profile>),
    /// A bundle ID (`"bundleIds"`).
    BundleId(Box<BundleId>),
    /// A device (`"devices"`).
    Device(Box<Device>),
    /// A bundle ID capability (`"bundleIdCapabilities"`).
    BundleIdCapability(Box<BundleIdCapability>),
    /// A resource of a type this crate does not model, as it was sent.
    Unknown(UnknownResource),
}

impl Included {
    /// The resource's JSON:API `type`, such as `"certificates"`.
    pub fn type_name(&self) -> &str {
        match self {
            Self::Certificate(_) => CertificatesKind::VALUE,
            Self::PassTypeId(_) => PassTypeIdsKind::VALUE,
            Self::Profile(_) => ProfilesKind::VALUE,
            Self::BundleId(_) => BundleIdsKind::VALUE,
            Self::Device(_) => DevicesKind::VALUE,
            Self::BundleIdCapability(_) => BundleIdCapabilitiesKind::VALUE,
            Self::Unknown(other) => &other.type_name,
        }
    }

    /// The resource's id.
    pub fn id(&self) -> &str {
        match self {
            Self::Certificate(c) => &c.id,
            Self::PassTypeId(p) => &p.id,
            Self::Profile(p) => &p.id,
            Self::BundleId(b) => &b.id,
            Self::Device(d) => &d.id,
            Self::BundleIdCapability(c) => &c.id,
            Self::Unknown(other) => &other.id,
        }
    }

    /// The certificate, if this is one.
    pub fn as_certificate(&self) -> Option<&Certificate> {
        match self {
            Self::Certificate(c) => Some(c),
            _ => None,
        }
    }

    /// The pass type ID, if this is one.
    pub fn as_pass_type_id(&self) -> Option<&PassTypeId> {
        match self {
            Self::PassTypeId(p) => Some(p),
            _ => None,
        }
    }

    /// The profile, if this is one.
    pub fn as_profile(&self) -> Option<&Profile> {
        match self {
            Self::Profile(p) => Some(p),
            _ => None,
        }
    }

    /// The bundle ID, if this is one.
    pub fn as_bundle_id(&self) -> Option<&BundleId> {
        match self {
            Self::BundleId(b) => Some(b),
            _ => None,
        }
    }

    /// The device, if this is one.
    pub fn as_device(&self) -> Option<&Device> {
        match self {
            Self::Device(d) => Some(d),
            _ => None,
        }
    }

    /// The capability, if this is one.
    pub fn as_bundle_id_capability(&self) -> Option<&BundleIdCapability> {
        match self {
            Self::BundleIdCapability(c) => Some(c),
            _ => None,
        }
    }
}

impl Serialize for Included {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match self {
            Self::Certificate(c) => c.serialize(serializer),
            Self::PassTypeId(p) => p.serialize(serializer),
            Self::Profile(p) => p.serialize(serializer),
            Self::BundleId(b) => b.serialize(serializer),
            Self::Device(d) => d.serialize(serializer),
            Self::BundleIdCapability(c) => c.serialize(serializer),
            Self::Unknown(other) => other.serialize(serializer),
        }
    }
}

impl<'de> Deserialize<'de> for Included {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        // The `type` decides; the resource is read as a whole afterwards, because the modelled
        // resources check their own `type` field.
        let value = serde_json::Value::deserialize(deserializer)?;
        let type_name = value
            .get("type")
            .and_then(serde_json::Value::as_str)
            .ok_or_else(|| de::Error::missing_field("type"))?;
        match type_name {
            CertificatesKind::VALUE => serde_json::from_value(value)
                .map(|c| Self::Certificate(Box::new(c)))
                .map_err(de::Error::custom),
            PassTypeIdsKind::VALUE => serde_json::from_value(value)
                .map(|p| Self::PassTypeId(Box::new(p)))
                .map_err(de::Error::custom),
            ProfilesKind::VALUE => serde_json::from_value(value)
                .map(|p| Self::Profile(Box::new(p)))
                .map_err(de::Error::custom),
            BundleIdsKind::VALUE => serde_json::from_value(value)
                .map(|b| Self::BundleId(Box::new(b)))
                .map_err(de::Error::custom),
            DevicesKind::VALUE => serde_json::from_value(value)
                .map(|d| Self::Device(Box::new(d)))
                .map_err(de::Error::custom),
            BundleIdCapabilitiesKind::VALUE => serde_json::from_value(value)
                .map(|c| Self::BundleIdCapability(Box::new(c)))
                .map_err(de::Error::custom),
            _ => serde_json::from_value(value)
                .map(Self::Unknown)
                .map_err(de::Error::custom),
        }
    }
}

/// A resource of any type, kept as it was sent: its `type`, its `id`, and every other member
/// (`attributes`, `relationships`, `links`) as JSON. Written back unchanged.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct UnknownResource {
    /// The JSON:API `type`, such as `"bundleIds"`.
    #[serde(rename = "type")]
    pub type_name: String,
    /// The resource's id.
    pub id: String,
    /// Every other member of the resource object.
    #[serde(flatten)]
    pub rest: serde_json::Map<String, serde_json::Value>,
}

impl UnknownResource {
    /// A resource of `type_name` with this `id` and no other member.
    pub fn new(type_name: impl Into<String>, id: impl Into<String>) -> Self {
        Self {
            type_name: type_name.into(),
            id: id.into(),
            rest: serde_json::Map::new(),
        }
    }

    /// The resource's `attributes`, if it has any.
    pub fn attributes(&self) -> Option<&serde_json::Map<String, serde_json::Value>> {
        self.rest.get("attributes").and_then(serde_json::Value::as_object)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn included_resources_are_read_by_type_and_written_back_unchanged() {
        let json = serde_json::json!([
            {"type": "certificates", "id": "C1", "attributes": {"certificateType": "DISTRIBUTION"}},
            {"type": "passTypeIds", "id": "P1", "attributes": {"identifier": "pass.com.example"}},
            {"type": "bundleIds", "id": "B1", "attributes": {"identifier": "com.example", "platform": "IOS"},
             "relationships": {"profiles": {"meta": {"paging": {"limit": 50}}}}},
            {"type": "apps", "id": "A1", "attributes": {"bundleId": "com.example"}}
        ]);
        let included: Vec<Included> = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(
            included
                .iter()
                .map(|i| (i.type_name(), i.id()))
                .collect::<Vec<_>>(),
            [
                ("certificates", "C1"),
                ("passTypeIds", "P1"),
                ("bundleIds", "B1"),
                ("apps", "A1")
            ]
        );
        assert!(included[0].as_certificate().is_some() && included[1].as_pass_type_id().is_some());
        let bundle = included[2].as_bundle_id().unwrap();
        assert_eq!(bundle.attributes.identifier.as_deref(), Some("com.example"));
        let Included::Unknown(app) = &included[3] else {
            panic!("{:?}", included[3])
        };
        assert_eq!(app.attributes().unwrap()["bundleId"], "com.example");
        assert_eq!(serde_json::to_value(&included).unwrap(), json);
    }

    #[test]
    fn a_modelled_type_that_does_not_fit_is_an_error() {
        let err = serde_json::from_str::<Included>(
            r#"{"type": "certificates", "id": "C1", "attributes": {"expirationDate": "soon"}}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("soon"), "{err}");
        assert!(serde_json::from_str::<Included>(r#"{"id": "C1"}"#).is_err());
    }
}
