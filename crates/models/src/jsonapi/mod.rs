//! JSON:API generics: the documents, relationships and queries every App Store Connect resource
//! shares, naming no resource.
//!
//! - documents: [`Document`] (one resource), [`Page`] (one page of a list: `data`, `included`,
//!   `links` and `meta.paging`), [`LinkageDocument`] (a relationship's linkage);
//! - relationships: [`ToOne`] and [`ToMany`] in responses, [`RelationshipData`] in requests;
//! - `included`: [`Included`], read by its `type`, which keeps resources of a type it does not know
//!   as [`UnknownResource`] instead of failing;
//! - queries: a resource describes what its endpoints accept with [`Resource`] and a [`QuerySpec`]
//!   table; [`ListQuery`] (filters, sort, sparse fields, include, limits) and [`ResourceQuery`]
//!   (sparse fields and include of one resource) check their words against that table and render
//!   the query string Apple expects.
//!
//! The Certificates resource is described here by [`Certificate`](crate::Certificate)'s
//! [`Resource`] implementation; its documents are [`Page`] and [`Document`] under their
//! specification names ([`CertificatesResponse`](crate::CertificatesResponse),
//! [`CertificateResponse`](crate::CertificateResponse)), and the typed
//! [`ListCertificatesQuery`](crate::ListCertificatesQuery) turns into a [`ListQuery`].
//!
//! ```
//! use ascert_models::jsonapi::{Included, Page, UnknownResource};
//!
//! // A page of a resource this crate does not model, with `included` resources of three types.
//! let page: Page<UnknownResource> = serde_json::from_str(r#"{
//!   "data": [{"type": "profiles", "id": "P1", "attributes": {"name": "CI"}}],
//!   "included": [
//!     {"type": "certificates", "id": "C1", "attributes": {"certificateType": "DISTRIBUTION"}},
//!     {"type": "bundleIds", "id": "B1", "attributes": {"identifier": "com.example.app"}}
//!   ],
//!   "links": {"self": "https://api.appstoreconnect.apple.com/v1/profiles"},
//!   "meta": {"paging": {"total": 1, "limit": 20}}
//! }"#)?;
//! assert_eq!(page.data[0].type_name, "profiles");
//! let included = page.included.as_deref().unwrap_or_default();
//! assert!(matches!(&included[0], Included::Certificate(c) if c.id == "C1"));
//! assert_eq!((included[1].type_name(), included[1].id()), ("bundleIds", "B1"));
//! assert_eq!(page.total(), Some(1));
//! # Ok::<(), serde_json::Error>(())
//! ```

mod document;
mod included;
mod query;
mod relationship;
mod resource;

pub use document::{Document, LinkageDocument, Page};
pub use included::{Included, UnknownResource};
pub use query::{ListQuery, MAX_LIMIT, ResourceQuery, SortOrder};
pub use relationship::{RelationshipData, RelationshipList, ToMany, ToOne};
pub use resource::{QuerySpec, Resource};

pub use crate::kind::ResourceIdentifier;
pub use crate::links::{
    DocumentLinks, PagedDocumentLinks, Paging, PagingInformation, RelationshipLinks, ResourceLinks,
};
