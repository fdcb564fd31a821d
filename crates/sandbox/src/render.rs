//! Writing JSON:API documents as Apple sends them: resources with links and relationships, sparse
//! fieldsets, `included`, paging, every attribute key present (`null` where it has no value), and
//! the `"csrContent": null` that Apple adds to attributes.

use ascert_models::{
    Certificate, CertificateAttributes, CertificateField, CertificateRelationships, PassTypeId,
    PassTypeIdAttributes, PassTypeIdCertificatesRelationship, PassTypeIdField, PassTypeIdRelationship,
    PassTypeIdRelationships, RelationshipLinks, ResourceIdentifier, ResourceLinks,
};
use serde_json::{Value, json};

use crate::store::{Resources, StoredCertificate, StoredPassTypeId};
use crate::table::{CERTIFICATES, PASS_TYPE_IDS};

/// The certificate resource, limited to `fields` when a sparse fieldset was asked for; with
/// `linkage`, the `passTypeId` relationship carries its `data`.
pub(crate) fn certificate(
    base_url: &str,
    stored: &StoredCertificate,
    fields: Option<&[CertificateField]>,
    linkage: bool,
) -> Value {
    let wants = |field: CertificateField| fields.is_none_or(|f| f.contains(&field));
    let self_link = format!("{base_url}{}/{}", CERTIFICATES.path, stored.id);
    let mut attributes = CertificateAttributes::default();
    attributes.name = wants(CertificateField::Name).then(|| stored.name.clone());
    attributes.certificate_type =
        wants(CertificateField::CertificateType).then(|| stored.certificate_type.clone());
    attributes.display_name = wants(CertificateField::DisplayName).then(|| stored.display_name.clone());
    attributes.serial_number = wants(CertificateField::SerialNumber).then(|| stored.serial_number.clone());
    // Derived from the type, so state files written by older sandboxes answer like Apple too.
    attributes.platform = if wants(CertificateField::Platform) {
        crate::types::platform(&stored.certificate_type)
    } else {
        None
    };
    attributes.expiration_date = wants(CertificateField::ExpirationDate).then_some(stored.expiration_date);
    attributes.certificate_content = if wants(CertificateField::CertificateContent) {
        stored.content.clone()
    } else {
        None
    };
    attributes.activated = wants(CertificateField::Activated).then_some(stored.activated);
    let relationships = wants(CertificateField::PassTypeId).then(|| {
        let mut pass_type_id = PassTypeIdRelationship::default();
        pass_type_id.links = Some(RelationshipLinks::new(
            format!("{self_link}/relationships/passTypeId"),
            format!("{self_link}/passTypeId"),
        ));
        pass_type_id.data = stored
            .pass_type_id
            .as_ref()
            .filter(|_| linkage)
            .map(|id| ResourceIdentifier::new(id.clone()));
        let mut relationships = CertificateRelationships::default();
        relationships.pass_type_id = Some(pass_type_id);
        relationships
    });
    let mut resource = Certificate::new(stored.id.clone());
    resource.attributes = attributes;
    resource.relationships = relationships;
    resource.links = Some(ResourceLinks::new(self_link));
    let mut value = serde_json::to_value(resource).unwrap_or(Value::Null);
    // Apple sends every attribute key it was asked for, `null` where there is no value (`platform`
    // of a DEVELOPMENT or PASS_TYPE_ID certificate, say); the models leave absent values out.
    let mut nulls: Vec<&str> = ATTRIBUTES
        .iter()
        .filter(|field| wants(**field))
        .map(|field| field.as_str())
        .collect();
    if fields.is_none() {
        // Apple sends the CSR attribute back empty; its specification does not list it.
        nulls.push("csrContent");
    }
    if !nulls.is_empty()
        && let Some(object) = value.as_object_mut()
    {
        let attributes = object.entry("attributes").or_insert_with(|| json!({}));
        if let Some(attributes) = attributes.as_object_mut() {
            for key in nulls {
                attributes.entry(key).or_insert(Value::Null);
            }
        }
    }
    value
}

/// The certificate's attributes (the other fields of `fields[certificates]` are relationships).
const ATTRIBUTES: [CertificateField; 8] = [
    CertificateField::Name,
    CertificateField::CertificateType,
    CertificateField::DisplayName,
    CertificateField::SerialNumber,
    CertificateField::Platform,
    CertificateField::ExpirationDate,
    CertificateField::CertificateContent,
    CertificateField::Activated,
];

/// The pass type ID resource, limited to `fields` when a sparse fieldset was asked for; with
/// `certificates`, its `certificates` relationship carries their `data`.
pub(crate) fn pass_type_id(
    base_url: &str,
    stored: &StoredPassTypeId,
    fields: Option<&[PassTypeIdField]>,
    certificates: Option<&[&StoredCertificate]>,
) -> Value {
    let wants = |field: PassTypeIdField| fields.is_none_or(|f| f.contains(&field));
    let id = stored.id.as_str();
    let self_link = format!("{base_url}{}/{id}", PASS_TYPE_IDS.path);
    let mut attributes = PassTypeIdAttributes::default();
    attributes.name = wants(PassTypeIdField::Name).then(|| stored.name.clone());
    attributes.identifier = wants(PassTypeIdField::Identifier).then(|| stored.identifier.clone());
    let relationships = wants(PassTypeIdField::Certificates).then(|| {
        let mut linked = PassTypeIdCertificatesRelationship::default();
        linked.links = Some(RelationshipLinks::new(
            format!("{self_link}/relationships/certificates"),
            format!("{self_link}/certificates"),
        ));
        linked.data = certificates.map(|list| {
            list.iter()
                .map(|c| ResourceIdentifier::new(c.id.clone()))
                .collect()
        });
        let mut relationships = PassTypeIdRelationships::default();
        relationships.certificates = Some(linked);
        relationships
    });
    let mut resource = PassTypeId::new(id);
    resource.attributes = (attributes != PassTypeIdAttributes::default()).then_some(attributes);
    resource.relationships = relationships;
    resource.links = Some(ResourceLinks::new(self_link));
    serde_json::to_value(resource).unwrap_or(Value::Null)
}

/// The distinct pass type IDs of `certificates`, in order of first appearance.
pub(crate) fn included_pass_type_ids(
    base_url: &str,
    resources: &Resources,
    certificates: &[&StoredCertificate],
    fields: Option<&[PassTypeIdField]>,
) -> Vec<Value> {
    let mut seen: Vec<&str> = Vec::new();
    for id in certificates.iter().filter_map(|c| c.pass_type_id.as_deref()) {
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    seen.into_iter()
        .map(|id| {
            // Every named pass type ID is registered; the fallback only keeps this total.
            let stored = resources
                .pass_type_id(id)
                .cloned()
                .unwrap_or_else(|| StoredPassTypeId::named(id));
            pass_type_id(base_url, &stored, fields, None)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use ascert_models::CertificateType;
    use time::OffsetDateTime;

    use super::*;

    fn stored() -> StoredCertificate {
        StoredCertificate {
            id: "C1".into(),
            certificate_type: CertificateType::PassTypeId,
            name: "Pass Type ID: Team".into(),
            display_name: "Team".into(),
            serial_number: "1A2B".into(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            expiration_date: OffsetDateTime::UNIX_EPOCH,
            activated: true,
            content: Some("AAAA".into()),
            pass_type_id: Some("P1".into()),
            owner: "K".into(),
        }
    }

    #[test]
    fn full_resource_carries_csr_content_null_and_links() {
        let value = certificate("http://h", &stored(), None, true);
        assert_eq!(value["type"], "certificates");
        assert_eq!(value["attributes"]["csrContent"], Value::Null);
        assert!(
            value["attributes"]
                .as_object()
                .unwrap()
                .contains_key("csrContent")
        );
        assert_eq!(
            value["attributes"]["expirationDate"],
            "1970-01-01T00:00:00.000+0000"
        );
        assert_eq!(value["links"]["self"], "http://h/v1/certificates/C1");
        assert_eq!(value["relationships"]["passTypeId"]["data"]["id"], "P1");
        assert_eq!(
            value["relationships"]["passTypeId"]["links"]["related"],
            "http://h/v1/certificates/C1/passTypeId"
        );
    }

    /// Every attribute key Apple sends for a certificate, `csrContent` included.
    const EVERY_KEY: [&str; 9] = [
        "name",
        "certificateType",
        "displayName",
        "serialNumber",
        "platform",
        "expirationDate",
        "certificateContent",
        "activated",
        "csrContent",
    ];

    #[test]
    fn every_attribute_key_is_sent_with_null_where_empty() {
        let mut pass = stored();
        pass.content = None;
        let value = certificate("http://h", &pass, None, false);
        let attributes = value["attributes"].as_object().unwrap();
        let mut keys: Vec<&str> = attributes.keys().map(String::as_str).collect();
        keys.sort_unstable();
        let mut expected = EVERY_KEY.to_vec();
        expected.sort_unstable();
        assert_eq!(keys, expected);
        assert_eq!(attributes["platform"], Value::Null);
        assert_eq!(attributes["certificateContent"], Value::Null);
        assert_eq!(attributes["certificateType"], "PASS_TYPE_ID");
    }

    #[test]
    fn a_sparse_field_without_a_value_is_sent_as_null() {
        let value = certificate(
            "http://h",
            &stored(),
            Some(&[CertificateField::Platform, CertificateField::SerialNumber]),
            false,
        );
        let attributes = value["attributes"].as_object().unwrap();
        assert_eq!(attributes.len(), 2, "{attributes:?}");
        assert_eq!(attributes["platform"], Value::Null);
        assert_eq!(attributes["serialNumber"], "1A2B");
    }

    #[test]
    fn sparse_fields_leave_the_rest_out() {
        let value = certificate(
            "http://h",
            &stored(),
            Some(&[CertificateField::SerialNumber]),
            false,
        );
        let attributes = value["attributes"].as_object().unwrap();
        assert_eq!(attributes.keys().collect::<Vec<_>>(), ["serialNumber"]);
        assert!(value.get("relationships").is_none());
    }
}
