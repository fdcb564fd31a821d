//! Writing the provisioning resources as Apple sends them: every attribute key asked for (`null`
//! where there is no value), dates like `2026-02-12T13:17:50.000+0000`, each relationship with its
//! `self` and `related` links, and — when included — its linkage, with `meta.paging` on to-many
//! ones.

use ascert_models::date;
use serde_json::{Map, Value, json};

use crate::store::provisioning::{StoredBundleId, StoredCapability, StoredDevice, StoredProfile};
use crate::table::{BUNDLE_ID_CAPABILITIES, BUNDLE_IDS, DEVICES, PROFILES};

/// The linkage of one to-many relationship: the ids shown (at most its limit) and how many there
/// are in all.
pub(crate) struct Linkage<'a> {
    pub(crate) ids: Vec<&'a str>,
    pub(crate) total: usize,
    pub(crate) limit: u32,
}

/// The linkages a resource's relationships carry, by relationship name; a relationship not named
/// carries only its links.
pub(crate) type Linkages<'a> = Vec<(&'static str, Linkage<'a>)>;

/// A resource object: `type`, `id`, the `attributes` of `fields` (all when `None`), the
/// relationships among `relationships` that `fields` names, and `links.self`.
fn resource(
    base_url: &str,
    path: &str,
    type_name: &str,
    id: &str,
    attributes: Vec<(&'static str, Value)>,
    relationships: Vec<(&'static str, Option<Value>)>,
    fields: Option<&[&str]>,
) -> Value {
    let wants = |field: &str| fields.is_none_or(|f| f.contains(&field));
    let self_link = format!("{base_url}{path}/{id}");
    let mut object = Map::new();
    object.insert("type".into(), json!(type_name));
    object.insert("id".into(), json!(id));
    let attributes: Map<String, Value> = attributes
        .into_iter()
        .filter(|(name, _)| wants(name))
        .map(|(name, value)| (name.to_owned(), value))
        .collect();
    if !attributes.is_empty() {
        object.insert("attributes".into(), Value::Object(attributes));
    }
    let relationships: Map<String, Value> = relationships
        .into_iter()
        .filter(|(name, _)| wants(name))
        .map(|(name, data)| {
            let mut relationship = json!({
                "links": {
                    "self": format!("{self_link}/relationships/{name}"),
                    "related": format!("{self_link}/{name}"),
                }
            });
            if let (Some(Value::Object(data)), Some(object)) = (data, relationship.as_object_mut()) {
                object.extend(data);
            }
            (name.to_owned(), relationship)
        })
        .collect();
    if !relationships.is_empty() {
        object.insert("relationships".into(), Value::Object(relationships));
    }
    object.insert("links".into(), json!({ "self": self_link }));
    Value::Object(object)
}

/// The `data` (and `meta`) of a to-many relationship with `linkage`, identifiers of `type_name`.
fn to_many(type_name: &str, linkage: &Linkage<'_>) -> Value {
    json!({
        "meta": { "paging": { "total": linkage.total, "limit": linkage.limit } },
        "data": linkage.ids.iter().map(|id| json!({ "type": type_name, "id": id })).collect::<Vec<_>>(),
    })
}

fn linkage_of<'l>(linkages: &'l Linkages<'_>, name: &str) -> Option<&'l Linkage<'l>> {
    linkages.iter().find(|(n, _)| *n == name).map(|(_, l)| l)
}

/// The profile resource as `fields` asks, with the linkages included; `bundle_id` linkage when
/// `link_bundle_id`.
pub(crate) fn profile(
    base_url: &str,
    stored: &StoredProfile,
    fields: Option<&[&str]>,
    link_bundle_id: bool,
    linkages: &Linkages<'_>,
) -> Value {
    let attributes = vec![
        ("name", json!(stored.name)),
        ("platform", json!(stored.platform.as_str())),
        ("profileType", json!(stored.profile_type.as_str())),
        ("profileState", json!(stored.state.as_str())),
        ("profileContent", json!(stored.content)),
        ("uuid", json!(stored.uuid)),
        ("createdDate", json!(date::format(stored.created_date))),
        ("expirationDate", json!(date::format(stored.expiration_date))),
    ];
    let bundle_id =
        link_bundle_id.then(|| json!({ "data": { "type": BUNDLE_IDS.type_name, "id": stored.bundle_id } }));
    let relationships = vec![
        ("bundleId", bundle_id),
        (
            "devices",
            linkage_of(linkages, "devices").map(|l| to_many(DEVICES.type_name, l)),
        ),
        (
            "certificates",
            linkage_of(linkages, "certificates").map(|l| to_many("certificates", l)),
        ),
    ];
    resource(
        base_url,
        PROFILES.path,
        PROFILES.type_name,
        &stored.id,
        attributes,
        relationships,
        fields,
    )
}

/// The bundle ID resource as `fields` asks, with the linkages included.
pub(crate) fn bundle_id(
    base_url: &str,
    stored: &StoredBundleId,
    fields: Option<&[&str]>,
    linkages: &Linkages<'_>,
) -> Value {
    let attributes = vec![
        ("name", json!(stored.name)),
        ("platform", json!(stored.platform.as_str())),
        ("identifier", json!(stored.identifier)),
        ("seedId", json!(stored.seed_id)),
    ];
    let relationships = vec![
        (
            "profiles",
            linkage_of(linkages, "profiles").map(|l| to_many(PROFILES.type_name, l)),
        ),
        (
            "bundleIdCapabilities",
            linkage_of(linkages, "bundleIdCapabilities")
                .map(|l| to_many(BUNDLE_ID_CAPABILITIES.type_name, l)),
        ),
        ("app", None),
    ];
    resource(
        base_url,
        BUNDLE_IDS.path,
        BUNDLE_IDS.type_name,
        &stored.id,
        attributes,
        relationships,
        fields,
    )
}

/// The device resource as `fields` asks.
pub(crate) fn device(base_url: &str, stored: &StoredDevice, fields: Option<&[&str]>) -> Value {
    let attributes = vec![
        ("name", json!(stored.name)),
        ("platform", json!(stored.platform.as_str())),
        ("udid", json!(stored.udid)),
        ("deviceClass", json!(stored.device_class.as_str())),
        ("status", json!(stored.status.as_str())),
        ("model", json!(stored.model)),
        ("addedDate", json!(date::format(stored.added_date))),
    ];
    resource(
        base_url,
        DEVICES.path,
        DEVICES.type_name,
        &stored.id,
        attributes,
        Vec::new(),
        fields,
    )
}

/// The capability resource as `fields` asks.
pub(crate) fn capability(base_url: &str, stored: &StoredCapability, fields: Option<&[&str]>) -> Value {
    let attributes = vec![
        ("capabilityType", json!(stored.capability_type.as_str())),
        ("settings", json!(stored.settings)),
    ];
    resource(
        base_url,
        BUNDLE_ID_CAPABILITIES.path,
        BUNDLE_ID_CAPABILITIES.type_name,
        &stored.id,
        attributes,
        Vec::new(),
        fields,
    )
}
