//! The provisioning resources as the sandbox keeps them, and what a change to one does to the
//! others: revoking a certificate or changing a bundle ID's capabilities turns the profiles naming
//! it `INVALID`, deleting a bundle ID deletes its capabilities and profiles.

use ascert_models::{
    BundleIdPlatform, CapabilitySetting, CapabilityType, DeviceClass, DeviceStatus, ProfileState, ProfileType,
};
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use super::Resources;

/// One bundle ID (App ID).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredBundleId {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) platform: BundleIdPlatform,
    /// The reverse-DNS identifier, possibly a wildcard (`com.example.*`).
    pub(crate) identifier: String,
    /// The App ID prefix: the team id.
    pub(crate) seed_id: String,
}

/// One capability of a bundle ID.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredCapability {
    /// `<bundle ID id>_<capability type>`, the shape of Apple's capability ids.
    pub(crate) id: String,
    /// The id of its bundle ID.
    pub(crate) bundle_id: String,
    pub(crate) capability_type: CapabilityType,
    pub(crate) settings: Option<Vec<CapabilitySetting>>,
}

/// One registered device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredDevice {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) platform: BundleIdPlatform,
    pub(crate) udid: String,
    pub(crate) device_class: DeviceClass,
    pub(crate) status: DeviceStatus,
    /// Apple learns the model when the device first meets Xcode; a device registered through the
    /// API has none until then.
    pub(crate) model: Option<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) added_date: OffsetDateTime,
}

/// One provisioning profile.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredProfile {
    pub(crate) id: String,
    pub(crate) name: String,
    pub(crate) profile_type: ProfileType,
    pub(crate) state: ProfileState,
    pub(crate) platform: BundleIdPlatform,
    /// Upper-case, as Apple writes profile UUIDs.
    pub(crate) uuid: String,
    /// The id of its bundle ID.
    pub(crate) bundle_id: String,
    /// The ids of its certificates (a revoked one leaves the list).
    pub(crate) certificates: Vec<String>,
    /// The ids of its devices.
    pub(crate) devices: Vec<String>,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) created_date: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expiration_date: OffsetDateTime,
    /// Base64 of the signed profile; `None` where it could not be made.
    pub(crate) content: Option<String>,
}

impl Resources {
    /// The bundle ID `id`.
    pub(crate) fn bundle_id(&self, id: &str) -> Option<&StoredBundleId> {
        self.bundle_ids.iter().find(|b| b.id == id)
    }

    /// The device `id`.
    pub(crate) fn device(&self, id: &str) -> Option<&StoredDevice> {
        self.devices.iter().find(|d| d.id == id)
    }

    /// The index of the certificate `id`.
    pub(crate) fn certificate_index(&self, id: &str) -> Option<usize> {
        self.certificates.iter().position(|c| c.id == id)
    }

    /// The capabilities of the bundle ID `bundle_id`, in the order they were added.
    pub(crate) fn capabilities_of(&self, bundle_id: &str) -> Vec<usize> {
        indices(&self.bundle_id_capabilities, |c| c.bundle_id == bundle_id)
    }

    /// The profiles of the bundle ID `bundle_id`, in creation order.
    pub(crate) fn profiles_of(&self, bundle_id: &str) -> Vec<usize> {
        indices(&self.profiles, |p| p.bundle_id == bundle_id)
    }

    /// Turns the profiles that name the certificate `id` `INVALID` and takes it out of them: a
    /// revoked certificate can no longer sign with them, as at Apple.
    pub(crate) fn invalidate_profiles_of_certificate(&mut self, id: &str) {
        for profile in &mut self.profiles {
            if profile.certificates.iter().any(|c| c == id) {
                profile.state = ProfileState::Invalid;
                profile.certificates.retain(|c| c != id);
            }
        }
    }

    /// Turns the profiles of the bundle ID `bundle_id` `INVALID`: their entitlements no longer
    /// match its capabilities, as Apple's do after a capability changes.
    pub(crate) fn invalidate_profiles_of_bundle_id(&mut self, bundle_id: &str) {
        for profile in self.profiles.iter_mut().filter(|p| p.bundle_id == bundle_id) {
            profile.state = ProfileState::Invalid;
        }
    }

    /// Deletes the bundle ID at `index` with its capabilities and profiles.
    pub(crate) fn delete_bundle_id(&mut self, index: usize) {
        let removed = self.bundle_ids.remove(index);
        self.bundle_id_capabilities.retain(|c| c.bundle_id != removed.id);
        self.profiles.retain(|p| p.bundle_id != removed.id);
    }
}

fn indices<T>(all: &[T], keep: impl Fn(&T) -> bool) -> Vec<usize> {
    all.iter()
        .enumerate()
        .filter(|(_, item)| keep(item))
        .map(|(i, _)| i)
        .collect()
}
