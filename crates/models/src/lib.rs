//! Rust types for the App Store Connect API **Certificates** resource and the provisioning
//! resources beside it (**Profiles**, **Bundle IDs** and their capabilities, **Devices**).
//!
//! Every schema of Apple's OpenAPI description of `/v1/certificates*` has a type here, shaped as the
//! JSON:API documents Apple actually sends:
//!
//! - resources: [`Certificate`] and [`PassTypeId`];
//! - documents: [`CertificatesResponse`] (one page of a list), [`CertificateResponse`],
//!   [`PassTypeIdResponse`] and [`CertificatePassTypeIdLinkageResponse`];
//! - requests: [`CertificateCreateRequest`] and [`CertificateUpdateRequest`];
//! - errors: [`ErrorResponse`] with every [`ApiError`] Apple returned;
//! - links and paging: [`Paged`] (a page and its next link, for any list), [`PagedDocumentLinks`], [`PagingInformation`], [`DocumentLinks`],
//!   [`ResourceLinks`], [`RelationshipLinks`];
//! - enumerations: [`CertificateType`] and [`BundleIdPlatform`];
//! - the list query: [`ListCertificatesQuery`], which renders the exact query string Apple expects;
//! - provisioning: [`Profile`], [`BundleId`], [`BundleIdCapability`] and [`Device`], their
//!   enumerations ([`ProfileType`] knows which certificates, bundle ID platforms and devices each
//!   type takes), request bodies ([`ProfileCreateRequest`], …) and documents ([`ProfilesResponse`], …);
//! - the JSON:API generics underneath, naming no resource ([`jsonapi`]): [`jsonapi::Document`] and
//!   [`jsonapi::Page`] (the documents above are their aliases), [`jsonapi::ToOne`] and
//!   [`jsonapi::ToMany`] relationships, [`jsonapi::Included`] (read by `type`, keeping unknown
//!   types), and [`jsonapi::ListQuery`] and [`jsonapi::ResourceQuery`], checked against the table a
//!   [`jsonapi::Resource`] gives.
//!
//! The types are lenient where Apple is: unknown fields are ignored, `"csrContent": null` (sent by
//! Apple, absent from the specification) is accepted, enumeration values added after this crate was
//! written are kept as `Unknown` and written back unchanged, and dates parse in Apple's
//! `2020-02-12T13:17:50.000+0000` form as well as RFC 3339.
//!
//! This crate does no I/O and depends on no HTTP, crypto or command-line crate.
//!
//! # Stability
//!
//! Apple adds attributes, relationships and enumeration values over time. Every public struct and
//! enum here is `#[non_exhaustive]`, so adding a field or a variant is not a breaking change: build
//! values with their `new` constructors (and `Default` plus field assignment for the optional
//! fields) rather than struct literals, and give every `match` a wildcard arm. A test
//! (`xtask/tests/semver.rs`) keeps it that way.
//!
//! # Public dependencies
//!
//! Two third-party crates appear in this crate's API and are re-exported, so that a caller names
//! the versions this crate was built with: [`time`] (dates are [`time::OffsetDateTime`]) and
//! [`serde_json`] (the free-form entries of [`ErrorMeta`]). Every type implements serde's
//! `Serialize` and `Deserialize`. The base64 decoder's error is kept as a boxed source
//! ([`BoxedSource`]) of [`ModelError`], never as the type of its fields.
//!
//! ```
//! use ascert_models::{CertificateType, CertificatesResponse};
//!
//! let page: CertificatesResponse = serde_json::from_str(r#"{
//!   "data": [{
//!     "type": "certificates", "id": "ABC123",
//!     "attributes": {
//!       "certificateType": "IOS_DISTRIBUTION", "csrContent": null,
//!       "expirationDate": "2027-02-12T13:17:50.000+0000"
//!     }
//!   }],
//!   "links": {"self": "https://api.appstoreconnect.apple.com/v1/certificates"},
//!   "meta": {"paging": {"total": 1, "limit": 20}}
//! }"#)?;
//! assert_eq!(page.data[0].attributes.certificate_type, Some(CertificateType::IosDistribution));
//! # Ok::<(), serde_json::Error>(())
//! ```

mod api_error;
mod certificate;
pub mod date;
mod documents;
mod enums;
mod error;
pub mod jsonapi;
mod kind;
mod links;
mod paged;
mod pass_type_id;
mod provisioning;
mod query;
mod requests;

pub use serde_json;
pub use time;

pub use api_error::{
    ApiError, AssociatedErrorLink, AssociatedErrorLinkMeta, ErrorLinks, ErrorLinksAssociated, ErrorMeta,
    ErrorResponse, ErrorSource, ErrorSourceParameter, ErrorSourcePointer,
};
pub use certificate::{Certificate, CertificateAttributes, CertificateRelationships, PassTypeIdRelationship};
pub use documents::{
    CertificatePassTypeIdLinkageResponse, CertificateResponse, CertificatesResponse, PassTypeIdResponse,
};
pub use enums::{BundleIdPlatform, CertificateType, RequiredRelationship};
pub use error::{BoxedSource, ModelError};
pub use jsonapi::{MAX_LIMIT, RelationshipData, SortOrder};
pub use kind::{
    AppsKind, BundleIdCapabilitiesKind, BundleIdsKind, CertificatesKind, DevicesKind, MerchantIdsKind,
    PassTypeIdsKind, ProfilesKind, ResourceIdentifier,
};
pub use links::{
    DocumentLinks, PagedDocumentLinks, Paging, PagingInformation, RelationshipLinks, ResourceLinks,
};
pub use paged::Paged;
pub use pass_type_id::{
    PassTypeId, PassTypeIdAttributes, PassTypeIdCertificatesRelationship, PassTypeIdRelationships,
};
pub use provisioning::*;
pub use query::{CertificateField, Include, ListCertificatesQuery, PassTypeIdField, SortField, SortKey};
pub use requests::{
    CertificateCreateAttributes, CertificateCreateData, CertificateCreateRelationships,
    CertificateCreateRequest, CertificateUpdateAttributes, CertificateUpdateData, CertificateUpdateRequest,
};
