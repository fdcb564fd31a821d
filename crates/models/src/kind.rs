//! JSON:API `type` markers (`"certificates"`, `"passTypeIds"`, `"merchantIds"`, `"profiles"`,
//! `"bundleIds"`, `"devices"`, `"bundleIdCapabilities"`, `"apps"`) and resource identifiers.
//!
//! Each marker is a unit type that serializes as its fixed string and refuses any other, so a document
//! of the wrong resource type fails to parse instead of being read as a certificate.

use std::fmt;

use serde::de::{self, Deserializer, Visitor};
use serde::{Deserialize, Serialize, Serializer};

macro_rules! resource_kind {
    ($(#[$doc:meta])* $name:ident => $value:literal) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub struct $name;

        impl $name {
            /// The JSON:API `type` string this marker stands for.
            pub const VALUE: &'static str = $value;
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(Self::VALUE)
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(Self::VALUE)
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                struct Expect;
                impl Visitor<'_> for Expect {
                    type Value = $name;
                    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                        write!(f, "the resource type {:?}", $value)
                    }
                    fn visit_str<E: de::Error>(self, v: &str) -> Result<$name, E> {
                        if v == $value {
                            Ok($name)
                        } else {
                            Err(E::invalid_value(de::Unexpected::Str(v), &self))
                        }
                    }
                }
                deserializer.deserialize_str(Expect)
            }
        }
    };
}

resource_kind!(
    /// The `type` of a certificate resource: always `"certificates"`.
    CertificatesKind => "certificates"
);
resource_kind!(
    /// The `type` of a pass type ID resource: always `"passTypeIds"`.
    PassTypeIdsKind => "passTypeIds"
);
resource_kind!(
    /// The `type` of a merchant ID resource: always `"merchantIds"`.
    MerchantIdsKind => "merchantIds"
);

resource_kind!(
    /// The `type` of a provisioning profile resource: always `"profiles"`.
    ProfilesKind => "profiles"
);
resource_kind!(
    /// The `type` of a bundle ID resource: always `"bundleIds"`.
    BundleIdsKind => "bundleIds"
);
resource_kind!(
    /// The `type` of a device resource: always `"devices"`.
    DevicesKind => "devices"
);
resource_kind!(
    /// The `type` of a bundle ID capability resource: always `"bundleIdCapabilities"`.
    BundleIdCapabilitiesKind => "bundleIdCapabilities"
);
resource_kind!(
    /// The `type` of an app resource: always `"apps"`.
    AppsKind => "apps"
);

/// A JSON:API resource identifier `{"type": ..., "id": ...}` whose type is fixed by `K`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[non_exhaustive]
pub struct ResourceIdentifier<K> {
    /// The resource type marker.
    #[serde(rename = "type")]
    pub kind: K,
    /// The resource's opaque identifier.
    pub id: String,
}

impl<K: Default> ResourceIdentifier<K> {
    /// An identifier for the resource `id`.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            kind: K::default(),
            id: id.into(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markers_accept_only_their_own_type() {
        let id: ResourceIdentifier<PassTypeIdsKind> =
            serde_json::from_str(r#"{"type":"passTypeIds","id":"P1"}"#).unwrap();
        assert_eq!(id, ResourceIdentifier::new("P1"));
        let err = serde_json::from_str::<ResourceIdentifier<PassTypeIdsKind>>(
            r#"{"type":"certificates","id":"P1"}"#,
        )
        .unwrap_err();
        assert!(err.to_string().contains("passTypeIds"), "{err}");
        assert_eq!(
            serde_json::to_string(&CertificatesKind).unwrap(),
            r#""certificates""#
        );
    }
}
