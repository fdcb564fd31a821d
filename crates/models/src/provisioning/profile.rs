//! [`Profile`]: the provisioning-profile resource, with its relationships to a bundle ID,
//! certificates and devices, and helpers for its content and state.

use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::jsonapi::{Included, QuerySpec, Resource, ToMany, ToOne};
use crate::{
    BundleIdPlatform, BundleIdsKind, CertificatesKind, DevicesKind, ModelError, ProfileState, ProfileType,
    ProfilesKind, ResourceLinks,
};

/// A provisioning profile (`type: "profiles"`).
///
/// ```
/// use ascert_models::{Profile, ProfileState, ProfileType};
///
/// let profile: Profile = serde_json::from_str(r#"{
///   "type": "profiles", "id": "P1",
///   "attributes": {"name": "CI App Store", "profileType": "IOS_APP_STORE", "profileState": "ACTIVE",
///                  "uuid": "0A1B2C3D-0000-4000-8000-000000000001",
///                  "expirationDate": "2027-02-12T13:17:50.000+0000"},
///   "relationships": {"certificates": {"data": [{"type": "certificates", "id": "C1"}]}}
/// }"#)?;
/// assert_eq!(profile.attributes.profile_type, Some(ProfileType::IosAppStore));
/// assert!(profile.is_active());
/// assert_eq!(profile.certificate_ids().collect::<Vec<_>>(), ["C1"]);
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Profile {
    /// Always `"profiles"`.
    #[serde(rename = "type")]
    pub kind: ProfilesKind,
    /// The opaque id, used in `/v1/profiles/{id}`.
    pub id: String,
    /// The attributes; with a sparse fieldset only those asked for are present.
    #[serde(default, skip_serializing_if = "ProfileAttributes::is_empty")]
    pub attributes: ProfileAttributes,
    /// Relationships to the bundle ID, certificates and devices.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<ProfileRelationships>,
    /// The resource's own link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
}

/// The attributes of a [`Profile`]. Every one is optional in Apple's specification.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProfileAttributes {
    /// The profile's name, unique within the team.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The platform of its bundle ID.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<BundleIdPlatform>,
    /// The kind of profile.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_type: Option<ProfileType>,
    /// Whether it can still be used.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_state: Option<ProfileState>,
    /// The `.mobileprovision` file (CMS-signed property list), base64-encoded. See
    /// [`Profile::content_der`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub profile_content: Option<String>,
    /// The UUID inside the profile, which Xcode names it by.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uuid: Option<String>,
    /// When it was made.
    #[serde(
        default,
        with = "crate::date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub created_date: Option<OffsetDateTime>,
    /// When it expires: a year after it was made, or earlier with its certificates.
    #[serde(
        default,
        with = "crate::date::option",
        skip_serializing_if = "Option::is_none"
    )]
    pub expiration_date: Option<OffsetDateTime>,
    /// Attributes this type does not model, as App Store Connect sent them.
    #[serde(flatten)]
    pub other: serde_json::Map<String, serde_json::Value>,
}

/// The relationships of a [`Profile`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ProfileRelationships {
    /// The bundle ID (app id) the profile is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub bundle_id: Option<ToOne<BundleIdsKind>>,
    /// The devices it runs on (development and ad hoc profiles).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub devices: Option<ToMany<DevicesKind>>,
    /// The certificates whose identities can sign with it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificates: Option<ToMany<CertificatesKind>>,
}

impl Resource for Profile {
    const TYPE: &'static str = ProfilesKind::VALUE;
    const PATH: &'static str = "v1/profiles";
    /// What `GET /v1/profiles` accepts.
    const QUERY: QuerySpec = QuerySpec::new(
        &["name", "profileType", "profileState", "id"],
        &["name", "profileType", "profileState", "id"],
    )
    .with_fields(&[
        (ProfilesKind::VALUE, PROFILE_FIELDS),
        (BundleIdsKind::VALUE, super::bundle_id::BUNDLE_ID_FIELDS),
        (DevicesKind::VALUE, super::device::DEVICE_FIELDS),
        (CertificatesKind::VALUE, CERTIFICATE_FIELDS),
    ])
    .with_include(&["bundleId", "devices", "certificates"])
    .with_include_limits(&[("certificates", 50), ("devices", 50)]);
    type Included = Included;

    fn id(&self) -> &str {
        &self.id
    }
}

/// Every field of `fields[profiles]`.
pub(crate) const PROFILE_FIELDS: &[&str] = &[
    "name",
    "platform",
    "profileType",
    "profileState",
    "profileContent",
    "uuid",
    "createdDate",
    "expirationDate",
    "bundleId",
    "devices",
    "certificates",
];

/// Every field of `fields[certificates]` on the profile endpoints.
const CERTIFICATE_FIELDS: &[&str] = &[
    "name",
    "certificateType",
    "displayName",
    "serialNumber",
    "platform",
    "expirationDate",
    "certificateContent",
    "activated",
    "passTypeId",
];

const SECONDS_PER_DAY: i64 = 86_400;

impl Profile {
    /// A profile resource with this `id` and nothing else; set the other fields afterwards.
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// The `.mobileprovision` file, decoded from `profileContent`.
    ///
    /// # Errors
    /// [`ModelError::MissingProfileContent`] when the attribute is absent (a sparse fieldset left
    /// it out) and [`ModelError::InvalidProfileContent`] when it is not base64.
    pub fn content_der(&self) -> Result<Vec<u8>, ModelError> {
        let content = self
            .attributes
            .profile_content
            .as_deref()
            .ok_or_else(|| ModelError::MissingProfileContent { id: self.id.clone() })?;
        crate::certificate::decode_content(content).map_err(|source| ModelError::InvalidProfileContent {
            id: self.id.clone(),
            source,
        })
    }

    /// Whether Apple says the profile is `ACTIVE`.
    pub fn is_active(&self) -> bool {
        self.attributes.profile_state == Some(ProfileState::Active)
    }

    /// Whole days from `now` until expiry (negative once expired, rounded towards the past);
    /// `None` when the expiration date is not known.
    pub fn days_left(&self, now: OffsetDateTime) -> Option<i64> {
        self.attributes
            .expiration_date
            .map(|expiry| (expiry - now).whole_seconds().div_euclid(SECONDS_PER_DAY))
    }

    /// The id of the bundle ID it is for, when the linkage was included.
    pub fn bundle_id_id(&self) -> Option<&str> {
        let linkage = self.relationships.as_ref()?.bundle_id.as_ref()?.data.as_ref()?;
        Some(&linkage.id)
    }

    /// The ids of its certificates, when the linkage was included.
    pub fn certificate_ids(&self) -> impl Iterator<Item = &str> {
        self.relationships
            .as_ref()
            .and_then(|r| r.certificates.as_ref())
            .and_then(|c| c.data.as_deref())
            .unwrap_or_default()
            .iter()
            .map(|c| c.id.as_str())
    }

    /// The ids of its devices, when the linkage was included.
    pub fn device_ids(&self) -> impl Iterator<Item = &str> {
        self.relationships
            .as_ref()
            .and_then(|r| r.devices.as_ref())
            .and_then(|d| d.data.as_deref())
            .unwrap_or_default()
            .iter()
            .map(|d| d.id.as_str())
    }
}

impl ProfileAttributes {
    /// Whether no attribute is set (a document that left `attributes` out).
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_profile_round_trips_with_unknown_attributes_and_decodes_its_content() {
        let json = serde_json::json!({
            "type": "profiles", "id": "P1",
            "attributes": {
                "name": "CI", "platform": "IOS", "profileType": "IOS_APP_ADHOC", "profileState": "INVALID",
                "profileContent": "AQID", "uuid": "U", "createdDate": "2026-01-01T00:00:00.000+0000",
                "expirationDate": "2027-01-01T00:00:00.000+0000", "offline": true
            },
            "relationships": {
                "bundleId": {"data": {"type": "bundleIds", "id": "B1"}},
                "devices": {"meta": {"paging": {"total": 2, "limit": 50}},
                            "data": [{"type": "devices", "id": "D1"}, {"type": "devices", "id": "D2"}]}
            }
        });
        let profile: Profile = serde_json::from_value(json.clone()).unwrap();
        assert!(!profile.is_active());
        assert_eq!(profile.bundle_id_id(), Some("B1"));
        assert_eq!(profile.device_ids().collect::<Vec<_>>(), ["D1", "D2"]);
        assert_eq!(profile.certificate_ids().count(), 0);
        assert_eq!(profile.content_der().unwrap(), [1, 2, 3]);
        assert_eq!(profile.attributes.other["offline"], true);
        assert_eq!(serde_json::to_value(&profile).unwrap(), json);
        let now = time::macros::datetime!(2026-12-31 12:00 UTC);
        assert_eq!(profile.days_left(now), Some(0));
        let err = Profile::new("P2").content_der().unwrap_err();
        assert!(
            err.to_string().contains("profile P2 has no profileContent"),
            "{err}"
        );
    }
}
