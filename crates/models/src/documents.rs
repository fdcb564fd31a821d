//! Response documents: a page of certificates, one certificate, a pass type ID and its linkage.

use serde::{Deserialize, Serialize};

use crate::{
    Certificate, DocumentLinks, PagedDocumentLinks, PagingInformation, PassTypeId, PassTypeIdsKind,
    ResourceIdentifier,
};

/// One page of `GET /v1/certificates`.
///
/// A list is complete only when `links.next` is absent ([`Paged::next_link`](crate::Paged::next_link)):
/// follow it to the end.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificatesResponse {
    /// The certificates on this page.
    pub data: Vec<Certificate>,
    /// Pass type IDs asked for with `include=passTypeId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<PassTypeId>>,
    /// This page, the first one and the next one.
    pub links: PagedDocumentLinks,
    /// Paging figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<PagingInformation>,
}

impl CertificatesResponse {
    /// The total number of certificates in the list, when Apple says.
    pub fn total(&self) -> Option<u64> {
        self.meta.as_ref().and_then(|m| m.paging.total)
    }
}

/// The document of `GET`, `POST` and `PATCH` on one certificate.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateResponse {
    /// The certificate.
    pub data: Certificate,
    /// Pass type IDs asked for with `include=passTypeId`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<PassTypeId>>,
    /// This document's link.
    pub links: DocumentLinks,
}

/// The document of `GET /v1/certificates/{id}/passTypeId`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PassTypeIdResponse {
    /// The pass type ID.
    pub data: PassTypeId,
    /// Certificates asked for with `include=certificates`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<Certificate>>,
    /// This document's link.
    pub links: DocumentLinks,
}

/// The document of `GET /v1/certificates/{id}/relationships/passTypeId`: just the linkage.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificatePassTypeIdLinkageResponse {
    /// The linked pass type ID.
    pub data: ResourceIdentifier<PassTypeIdsKind>,
    /// This document's link.
    pub links: DocumentLinks,
}
