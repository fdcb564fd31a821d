//! [`Document`], [`Page`] and [`LinkageDocument`]: the top-level documents of JSON:API responses,
//! for any resource.

use serde::{Deserialize, Serialize};

use crate::jsonapi::Included;
use crate::{DocumentLinks, Paged, PagedDocumentLinks, PagingInformation, ResourceIdentifier};

/// The document of one resource (`GET`, `POST` or `PATCH` on `/v1/{type}/{id}`): the resource `T`,
/// the related resources asked for with `include` (of type `I`), and the document's link.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Document<T, I = Included> {
    /// The resource.
    pub data: T,
    /// Related resources asked for with `include`.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<I>>,
    /// This document's link.
    pub links: DocumentLinks,
}

impl<T: Default, I> Default for Document<T, I> {
    fn default() -> Self {
        Self {
            data: T::default(),
            included: None,
            links: DocumentLinks::default(),
        }
    }
}

impl<T, I> Document<T, I> {
    /// The document of `data` at `self_link`, without included resources.
    pub fn new(data: T, self_link: impl Into<String>) -> Self {
        Self {
            data,
            included: None,
            links: DocumentLinks::new(self_link),
        }
    }
}

/// One page of a list (`GET /v1/{type}`): the resources `T` on it, the related resources asked for
/// with `include` (of type `I`), the links of this page, the first and the next one, and the paging
/// figures.
///
/// A list is complete only when `links.next` is absent ([`Paged::next_link`]): follow it to the end.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Page<T, I = Included> {
    /// The resources on this page.
    pub data: Vec<T>,
    /// Related resources asked for with `include`.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub included: Option<Vec<I>>,
    /// This page, the first one and the next one.
    pub links: PagedDocumentLinks,
    /// Paging figures.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<PagingInformation>,
}

/// `None`, without asking `I` for `Default` as `#[serde(default)]` on a generic field would.
fn none<I>() -> Option<I> {
    None
}

impl<T, I> Default for Page<T, I> {
    fn default() -> Self {
        Self {
            data: Vec::new(),
            included: None,
            links: PagedDocumentLinks::default(),
            meta: None,
        }
    }
}

impl<T, I> Page<T, I> {
    /// A page at `self_link` holding `data`, the last of its list (no next link).
    pub fn new(data: Vec<T>, self_link: impl Into<String>) -> Self {
        Self {
            data,
            links: PagedDocumentLinks::new(self_link),
            ..Self::default()
        }
    }

    /// The total number of resources in the list, when Apple says.
    pub fn total(&self) -> Option<u64> {
        self.meta.as_ref().and_then(|m| m.paging.total)
    }
}

impl<T, I> Paged for Page<T, I>
where
    T: for<'de> Deserialize<'de> + Send + 'static,
    I: for<'de> Deserialize<'de> + Send + 'static,
{
    type Item = T;

    fn next_link(&self) -> Option<&str> {
        self.links.next.as_deref()
    }

    fn into_items(self) -> Vec<T> {
        self.data
    }
}

/// The document of a to-one relationship's linkage (`GET /v1/{type}/{id}/relationships/{name}`):
/// the identifier of the related resource, of type `K`, and the document's link.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct LinkageDocument<K> {
    /// The linked resource.
    pub data: ResourceIdentifier<K>,
    /// This document's link.
    pub links: DocumentLinks,
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Certificate, PassTypeId};

    #[test]
    fn a_page_of_any_resource_pages_and_round_trips() {
        let json = serde_json::json!({
            "data": [{"type": "certificates", "id": "C1"}],
            "included": [{"type": "passTypeIds", "id": "P1"}],
            "links": {"self": "https://h/v1/certificates", "next": "https://h/v1/certificates?cursor=Mg"},
            "meta": {"paging": {"total": 30, "limit": 1}}
        });
        let page: Page<Certificate, PassTypeId> = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(page.next_link(), Some("https://h/v1/certificates?cursor=Mg"));
        assert_eq!(page.total(), Some(30));
        assert_eq!(serde_json::to_value(&page).unwrap(), json);
        let generic: Page<Certificate> = serde_json::from_value(json).unwrap();
        assert!(matches!(&generic.included.unwrap()[0], Included::PassTypeId(p) if p.id == "P1"));
        assert_eq!(page.into_items()[0].id, "C1");
    }

    #[test]
    fn documents_need_no_default_of_their_included_type() {
        struct NoDefault;
        let page: Page<u8, NoDefault> = Page::new(vec![1], "https://h/v1/x");
        assert!(page.included.is_none() && page.links.next.is_none());
        let document: Document<u8, NoDefault> = Document::new(1, "https://h/v1/x/1");
        assert_eq!(document.links.self_link, "https://h/v1/x/1");
    }
}
