//! JSON:API links and paging: [`PagedDocumentLinks`], [`PagingInformation`], [`DocumentLinks`],
//! [`ResourceLinks`] and [`RelationshipLinks`].

use serde::{Deserialize, Serialize};

/// The links of one page of a list: where it is, where the list starts, and the next page.
///
/// `next` is an absolute URL and is absent on the last page; follow it until it is.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PagedDocumentLinks {
    /// This page.
    #[serde(rename = "self")]
    pub self_link: String,
    /// The first page.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub first: Option<String>,
    /// The next page, absent on the last one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next: Option<String>,
}

impl PagedDocumentLinks {
    /// The links of a page at `self_link`, without a first or next page.
    pub fn new(self_link: impl Into<String>) -> Self {
        Self {
            self_link: self_link.into(),
            ..Self::default()
        }
    }
}

/// The `meta` of a list page.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PagingInformation {
    /// Paging figures.
    pub paging: Paging,
}

/// Paging figures: how many resources there are and how many a page holds.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Paging {
    /// The number of resources in the whole list, when Apple says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub total: Option<u64>,
    /// The page size in force.
    pub limit: u32,
    /// An opaque cursor for the next page, when Apple says.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub next_cursor: Option<String>,
}

/// The links of a single-resource document.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct DocumentLinks {
    /// This document.
    #[serde(rename = "self")]
    pub self_link: String,
}

impl DocumentLinks {
    /// The links of the document at `self_link`.
    pub fn new(self_link: impl Into<String>) -> Self {
        Self {
            self_link: self_link.into(),
        }
    }
}

/// The links of a resource object.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ResourceLinks {
    /// The resource.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
}

impl ResourceLinks {
    /// The links of the resource at `self_link`.
    pub fn new(self_link: impl Into<String>) -> Self {
        Self {
            self_link: Some(self_link.into()),
        }
    }
}

/// The links of a relationship: the linkage itself and the related resource.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct RelationshipLinks {
    /// The relationship (linkage) endpoint.
    #[serde(rename = "self", default, skip_serializing_if = "Option::is_none")]
    pub self_link: Option<String>,
    /// The related resource's endpoint.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub related: Option<String>,
}

impl RelationshipLinks {
    /// The links of a relationship whose linkage is at `self_link` and whose related resource is
    /// at `related`.
    pub fn new(self_link: impl Into<String>, related: impl Into<String>) -> Self {
        Self {
            self_link: Some(self_link.into()),
            related: Some(related.into()),
        }
    }
}
