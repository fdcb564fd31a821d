//! Relationships: [`ToOne`] and [`ToMany`] in a resource of a response, [`RelationshipData`] and
//! [`RelationshipList`] in a request body.

use serde::{Deserialize, Serialize};

use crate::{PagingInformation, RelationshipLinks, ResourceIdentifier};

/// A to-one relationship of a resource in a response, such as a certificate's `passTypeId` or a
/// profile's `bundleId`: its links, and the linkage when Apple includes it.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToOne<K> {
    /// The relationship's links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<RelationshipLinks>,
    /// The linked resource, when Apple includes the linkage.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<ResourceIdentifier<K>>,
}

/// A to-many relationship of a resource in a response, such as a pass type ID's `certificates` or
/// a profile's `devices`: its links, the paging of the linkage, and the linkage when included.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct ToMany<K> {
    /// The relationship's links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<RelationshipLinks>,
    /// Paging of the included linkage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub meta: Option<PagingInformation>,
    /// The linked resources, when included.
    #[serde(default = "none", skip_serializing_if = "Option::is_none")]
    pub data: Option<Vec<ResourceIdentifier<K>>>,
}

/// `None`, without asking `K` for `Default`.
fn none<T>() -> Option<T> {
    None
}

impl<K> ToOne<K> {
    /// A relationship linked to `identifier`, without links.
    pub fn to(identifier: ResourceIdentifier<K>) -> Self {
        Self {
            links: None,
            data: Some(identifier),
        }
    }
}

impl<K> ToMany<K> {
    /// A relationship linked to `identifiers`, without links or paging.
    pub fn to(identifiers: Vec<ResourceIdentifier<K>>) -> Self {
        Self {
            links: None,
            meta: None,
            data: Some(identifiers),
        }
    }
}

/// A to-one relationship in a request: `{"data": {"type": ..., "id": ...}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RelationshipData<K> {
    /// The related resource.
    pub data: ResourceIdentifier<K>,
}

impl<K> RelationshipData<K> {
    /// The linkage to `identifier`.
    pub fn new(identifier: ResourceIdentifier<K>) -> Self {
        Self { data: identifier }
    }
}

/// A to-many relationship in a request: `{"data": [{"type": ..., "id": ...}, …]}`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[non_exhaustive]
pub struct RelationshipList<K> {
    /// The related resources.
    pub data: Vec<ResourceIdentifier<K>>,
}

impl<K: Default> RelationshipList<K> {
    /// The linkage to the resources with these ids.
    pub fn of<I: Into<String>>(ids: impl IntoIterator<Item = I>) -> Self {
        Self {
            data: ids.into_iter().map(ResourceIdentifier::new).collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{CertificatesKind, PassTypeIdsKind};

    #[test]
    fn relationships_round_trip_with_and_without_linkage() {
        let json = serde_json::json!({
            "links": {"self": "https://h/v1/certificates/C1/relationships/passTypeId"},
            "data": {"type": "passTypeIds", "id": "P1"}
        });
        let one: ToOne<PassTypeIdsKind> = serde_json::from_value(json.clone()).unwrap();
        assert_eq!(one.data, Some(ResourceIdentifier::new("P1")));
        assert_eq!(serde_json::to_value(&one).unwrap(), json);
        let many: ToMany<CertificatesKind> = serde_json::from_str(
            r#"{"meta":{"paging":{"limit":50}},"data":[{"type":"certificates","id":"C1"}]}"#,
        )
        .unwrap();
        assert_eq!(many, {
            let mut expected = ToMany::to(vec![ResourceIdentifier::new("C1")]);
            expected.meta = Some(serde_json::from_str(r#"{"paging":{"limit":50}}"#).unwrap());
            expected
        });
        assert_eq!(
            serde_json::to_string(&ToOne::<PassTypeIdsKind>::default()).unwrap(),
            "{}"
        );
    }
}
