//! Response documents of the provisioning resources — Apple's names for the generic
//! [`jsonapi`](crate::jsonapi) documents.

use crate::jsonapi::{Document, Included, Page, UnknownResource};
use crate::{BundleId, BundleIdCapability, Device, Profile};

/// One page of `GET /v1/profiles`, with the bundle IDs, certificates and devices asked for with
/// `include`.
pub type ProfilesResponse = Page<Profile, Included>;
/// The document of `GET` and `POST` on one profile.
pub type ProfileResponse = Document<Profile, Included>;
/// One page of `GET /v1/bundleIds`, with the profiles, capabilities and apps asked for with
/// `include`.
pub type BundleIdsResponse = Page<BundleId, Included>;
/// The document of `GET`, `POST` and `PATCH` on one bundle ID.
pub type BundleIdResponse = Document<BundleId, Included>;
/// One page of `GET /v1/devices`.
pub type DevicesResponse = Page<Device, UnknownResource>;
/// The document of `GET`, `POST` and `PATCH` on one device.
pub type DeviceResponse = Document<Device, UnknownResource>;
/// One page of `GET /v1/bundleIds/{id}/bundleIdCapabilities`.
pub type BundleIdCapabilitiesResponse = Page<BundleIdCapability, UnknownResource>;
/// The document of `POST` and `PATCH` on one capability.
pub type BundleIdCapabilityResponse = Document<BundleIdCapability, UnknownResource>;
