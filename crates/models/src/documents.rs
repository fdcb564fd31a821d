//! Response documents of the Certificates resource: a page of certificates, one certificate, a pass
//! type ID and its linkage — Apple's names for the generic [`jsonapi`](crate::jsonapi) documents.

use crate::jsonapi::{Document, LinkageDocument, Page};
use crate::{Certificate, PassTypeId, PassTypeIdsKind};

/// One page of `GET /v1/certificates`: the certificates, the pass type IDs asked for with
/// `include=passTypeId`, the links and the paging figures.
///
/// A list is complete only when `links.next` is absent ([`Paged::next_link`](crate::Paged::next_link)):
/// follow it to the end.
pub type CertificatesResponse = Page<Certificate, PassTypeId>;

/// The document of `GET`, `POST` and `PATCH` on one certificate, with the pass type ID asked for
/// with `include=passTypeId`.
pub type CertificateResponse = Document<Certificate, PassTypeId>;

/// The document of `GET /v1/certificates/{id}/passTypeId`, with the certificates asked for with
/// `include=certificates`.
pub type PassTypeIdResponse = Document<PassTypeId, Certificate>;

/// The document of `GET /v1/certificates/{id}/relationships/passTypeId`: just the linkage.
pub type CertificatePassTypeIdLinkageResponse = LinkageDocument<PassTypeIdsKind>;
