//! Rust types for the App Store Connect API **Certificates** resource.
//!
//! Every schema of Apple's OpenAPI description of `/v1/certificates*` has a type here, shaped as the
//! JSON:API documents Apple actually sends:
//!
//! - resources: [`Certificate`] and [`PassTypeId`];
//! - documents: [`CertificatesResponse`] (one page of a list), [`CertificateResponse`],
//!   [`PassTypeIdResponse`] and [`CertificatePassTypeIdLinkageResponse`];
//! - requests: [`CertificateCreateRequest`] and [`CertificateUpdateRequest`];
//! - errors: [`ErrorResponse`] with every [`ApiError`] Apple returned;
//! - links and paging: [`PagedDocumentLinks`], [`PagingInformation`], [`DocumentLinks`],
//!   [`ResourceLinks`], [`RelationshipLinks`];
//! - enumerations: [`CertificateType`] and [`BundleIdPlatform`];
//! - the list query: [`ListCertificatesQuery`], which renders the exact query string Apple expects.
//!
//! The types are lenient where Apple is: unknown fields are ignored, `"csrContent": null` (sent by
//! Apple, absent from the specification) is accepted, enumeration values added after this crate was
//! written are kept as `Unknown` and written back unchanged, and dates parse in Apple's
//! `2020-02-12T13:17:50.000+0000` form as well as RFC 3339.
//!
//! This crate does no I/O and depends on no HTTP, crypto or command-line crate.
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
mod kind;
mod links;
mod pass_type_id;
mod query;
mod requests;

pub use api_error::{
    ApiError, AssociatedErrorLink, AssociatedErrorLinkMeta, ErrorLinks, ErrorLinksAssociated, ErrorMeta,
    ErrorResponse, ErrorSource, ErrorSourceParameter, ErrorSourcePointer,
};
pub use certificate::{Certificate, CertificateAttributes, CertificateRelationships, PassTypeIdRelationship};
pub use documents::{
    CertificatePassTypeIdLinkageResponse, CertificateResponse, CertificatesResponse, PassTypeIdResponse,
};
pub use enums::{BundleIdPlatform, CertificateType};
pub use error::ModelError;
pub use kind::{CertificatesKind, MerchantIdsKind, PassTypeIdsKind, ResourceIdentifier};
pub use links::{
    DocumentLinks, PagedDocumentLinks, Paging, PagingInformation, RelationshipLinks, ResourceLinks,
};
pub use pass_type_id::{
    PassTypeId, PassTypeIdAttributes, PassTypeIdCertificatesRelationship, PassTypeIdRelationships,
};
pub use query::{
    CertificateField, Include, ListCertificatesQuery, MAX_LIMIT, PassTypeIdField, SortField, SortKey,
    SortOrder,
};
pub use requests::{
    CertificateCreateAttributes, CertificateCreateData, CertificateCreateRelationships,
    CertificateCreateRequest, CertificateUpdateAttributes, CertificateUpdateData, CertificateUpdateRequest,
    RelationshipData,
};
