//! The provisioning resources — [`Profile`], [`BundleId`], [`BundleIdCapability`] and [`Device`] —
//! with their enumerations, request bodies and response documents, as Apple's OpenAPI description
//! of `/v1/profiles`, `/v1/bundleIds`, `/v1/bundleIdCapabilities` and `/v1/devices` has them.
//!
//! Each resource implements [`Resource`](crate::jsonapi::Resource), so the generic
//! [`ListQuery`](crate::jsonapi::ListQuery) and [`ResourceQuery`](crate::jsonapi::ResourceQuery)
//! check their filters, sort keys, sparse fieldsets and includes against Apple's tables.
//!
//! ```
//! use ascert_models::jsonapi::ListQuery;
//! use ascert_models::Profile;
//!
//! let query = ListQuery::<Profile>::new()
//!     .filter("profileType", "IOS_APP_STORE")?
//!     .filter("profileState", "ACTIVE")?
//!     .include("bundleId")?
//!     .include("certificates")?;
//! assert_eq!(
//!     query.to_string(),
//!     "filter[profileType]=IOS_APP_STORE&filter[profileState]=ACTIVE&include=bundleId,certificates"
//! );
//! assert!(ListQuery::<Profile>::new().filter("udid", "X").is_err());
//! # Ok::<(), ascert_models::ModelError>(())
//! ```

mod bundle_id;
mod capability;
mod device;
mod documents;
mod enums;
mod profile;
mod requests;

pub use bundle_id::{BundleId, BundleIdAttributes, BundleIdRelationships};
pub use capability::{BundleIdCapability, BundleIdCapabilityAttributes, CapabilityOption, CapabilitySetting};
pub use device::{Device, DeviceAttributes};
pub use documents::{
    BundleIdCapabilitiesResponse, BundleIdCapabilityResponse, BundleIdResponse, BundleIdsResponse,
    DeviceResponse, DevicesResponse, ProfileResponse, ProfilesResponse,
};
pub use enums::{
    CapabilityType, DeviceClass, DeviceStatus, Distribution, ProfileOs, ProfileState, ProfileType,
};
pub use profile::{Profile, ProfileAttributes, ProfileRelationships};
pub use requests::{
    BundleIdCapabilityCreateAttributes, BundleIdCapabilityCreateData, BundleIdCapabilityCreateRelationships,
    BundleIdCapabilityCreateRequest, BundleIdCreateAttributes, BundleIdCreateData, BundleIdCreateRequest,
    DeviceCreateAttributes, DeviceCreateData, DeviceCreateRequest, DeviceUpdateAttributes, DeviceUpdateData,
    DeviceUpdateRequest, ProfileCreateAttributes, ProfileCreateData, ProfileCreateRelationships,
    ProfileCreateRequest,
};
