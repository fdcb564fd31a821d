//! The resource table: for each resource the sandbox knows, its path, JSON:API type, filters, sort
//! keys, includes, sparse-fieldset fields and page limit. The one query parser (`query.rs`) reads
//! its rules from here, so a new resource is a new entry, not a new parser.

use ascert_models::{BundleIdPlatform, CertificateType, DeviceStatus, MAX_LIMIT, ProfileState, ProfileType};

/// One resource type: what its endpoints accept in a query.
#[derive(Debug)]
pub(crate) struct ResourceSpec {
    /// The collection's path, such as `/v1/certificates`.
    pub(crate) path: &'static str,
    /// The JSON:API type, such as `certificates`; also the name of its `fields[…]` parameter.
    pub(crate) type_name: &'static str,
    /// The `filter[…]` parameters of its list.
    pub(crate) filters: &'static [Filter],
    /// The fields its list can be sorted on (each also with a leading `-`).
    pub(crate) sort_keys: &'static [&'static str],
    /// The relationships `include` may name.
    pub(crate) includes: &'static [Include],
    /// Every field of `fields[type_name]`: attributes and relationships.
    pub(crate) fields: &'static [&'static str],
    /// The largest `limit` of its list.
    pub(crate) max_limit: u32,
}

/// One `filter[…]` parameter.
#[derive(Debug)]
pub(crate) struct Filter {
    /// The name inside the brackets, such as `certificateType`.
    pub(crate) name: &'static str,
    /// The values it takes.
    pub(crate) values: FilterValues,
}

/// The values a filter takes.
#[derive(Debug)]
pub(crate) enum FilterValues {
    /// Any text.
    Any,
    /// One of a closed list, in the order Apple lists them in its 400 answer.
    OneOf(fn() -> Vec<&'static str>),
}

/// A relationship that `include` may name.
#[derive(Debug)]
pub(crate) struct Include {
    /// The relationship's name, such as `passTypeId`.
    pub(crate) name: &'static str,
    /// The JSON:API type of the related resources (whose `fields[…]` the same query may carry).
    pub(crate) type_name: &'static str,
    /// For a to-many relationship, the largest `limit[name]` (on the endpoints that take it).
    pub(crate) max_limit: Option<u32>,
}

/// `certificates`.
pub(crate) static CERTIFICATES: ResourceSpec = ResourceSpec {
    path: "/v1/certificates",
    type_name: "certificates",
    filters: &[
        Filter {
            name: "displayName",
            values: FilterValues::Any,
        },
        Filter {
            name: "certificateType",
            values: FilterValues::OneOf(certificate_types),
        },
        Filter {
            name: "serialNumber",
            values: FilterValues::Any,
        },
        Filter {
            name: "id",
            values: FilterValues::Any,
        },
    ],
    sort_keys: &["displayName", "certificateType", "serialNumber", "id"],
    includes: &[Include {
        name: "passTypeId",
        type_name: "passTypeIds",
        max_limit: None,
    }],
    fields: &[
        "name",
        "certificateType",
        "displayName",
        "serialNumber",
        "platform",
        "expirationDate",
        "certificateContent",
        "activated",
        "passTypeId",
    ],
    max_limit: MAX_LIMIT,
};

/// `passTypeIds`: served only as the related resource of a certificate
/// (`/v1/certificates/{id}/passTypeId`), so it has no list filters or sort keys here.
pub(crate) static PASS_TYPE_IDS: ResourceSpec = ResourceSpec {
    path: "/v1/passTypeIds",
    type_name: "passTypeIds",
    filters: &[],
    sort_keys: &[],
    includes: &[Include {
        name: "certificates",
        type_name: "certificates",
        max_limit: Some(50),
    }],
    fields: &["name", "identifier", "certificates"],
    max_limit: MAX_LIMIT,
};

/// `profiles`: Apple's filters, sort keys, includes (with `limit[certificates]` and
/// `limit[devices]` up to 50) and fields of `GET /v1/profiles`.
pub(crate) static PROFILES: ResourceSpec = ResourceSpec {
    path: "/v1/profiles",
    type_name: "profiles",
    filters: &[
        Filter {
            name: "name",
            values: FilterValues::Any,
        },
        Filter {
            name: "profileType",
            values: FilterValues::OneOf(profile_types),
        },
        Filter {
            name: "profileState",
            values: FilterValues::OneOf(profile_states),
        },
        Filter {
            name: "id",
            values: FilterValues::Any,
        },
    ],
    sort_keys: &["name", "profileType", "profileState", "id"],
    includes: &[
        Include {
            name: "bundleId",
            type_name: "bundleIds",
            max_limit: None,
        },
        Include {
            name: "devices",
            type_name: "devices",
            max_limit: Some(50),
        },
        Include {
            name: "certificates",
            type_name: "certificates",
            max_limit: Some(50),
        },
    ],
    fields: &[
        "name",
        "platform",
        "profileType",
        "profileState",
        "profileContent",
        "uuid",
        "createdDate",
        "expirationDate",
        "bundleId",
        "devices",
        "certificates",
    ],
    max_limit: MAX_LIMIT,
};

/// `bundleIds`. Apple's `include=app` (and `fields[apps]`) is left out: the sandbox has no apps.
pub(crate) static BUNDLE_IDS: ResourceSpec = ResourceSpec {
    path: "/v1/bundleIds",
    type_name: "bundleIds",
    filters: &[
        Filter {
            name: "name",
            values: FilterValues::Any,
        },
        Filter {
            name: "platform",
            values: FilterValues::OneOf(platforms),
        },
        Filter {
            name: "identifier",
            values: FilterValues::Any,
        },
        Filter {
            name: "seedId",
            values: FilterValues::Any,
        },
        Filter {
            name: "id",
            values: FilterValues::Any,
        },
    ],
    sort_keys: &["name", "platform", "identifier", "seedId", "id"],
    includes: &[
        Include {
            name: "profiles",
            type_name: "profiles",
            max_limit: Some(50),
        },
        Include {
            name: "bundleIdCapabilities",
            type_name: "bundleIdCapabilities",
            max_limit: Some(50),
        },
    ],
    fields: &[
        "name",
        "platform",
        "identifier",
        "seedId",
        "profiles",
        "bundleIdCapabilities",
        "app",
    ],
    max_limit: MAX_LIMIT,
};

/// `bundleIdCapabilities`: listed only below their bundle ID
/// (`/v1/bundleIds/{id}/bundleIdCapabilities`), so no filters or sort keys.
pub(crate) static BUNDLE_ID_CAPABILITIES: ResourceSpec = ResourceSpec {
    path: "/v1/bundleIdCapabilities",
    type_name: "bundleIdCapabilities",
    filters: &[],
    sort_keys: &[],
    includes: &[],
    fields: &["capabilityType", "settings"],
    max_limit: MAX_LIMIT,
};

/// `devices`.
pub(crate) static DEVICES: ResourceSpec = ResourceSpec {
    path: "/v1/devices",
    type_name: "devices",
    filters: &[
        Filter {
            name: "name",
            values: FilterValues::Any,
        },
        Filter {
            name: "platform",
            values: FilterValues::OneOf(platforms),
        },
        Filter {
            name: "udid",
            values: FilterValues::Any,
        },
        Filter {
            name: "status",
            values: FilterValues::OneOf(device_statuses),
        },
        Filter {
            name: "id",
            values: FilterValues::Any,
        },
    ],
    sort_keys: &["name", "platform", "udid", "status", "id"],
    includes: &[],
    fields: &[
        "name",
        "platform",
        "udid",
        "deviceClass",
        "status",
        "model",
        "addedDate",
    ],
    max_limit: MAX_LIMIT,
};

/// Every resource, for looking one up by its JSON:API type.
static TABLE: [&ResourceSpec; 6] = [
    &CERTIFICATES,
    &PASS_TYPE_IDS,
    &PROFILES,
    &BUNDLE_IDS,
    &BUNDLE_ID_CAPABILITIES,
    &DEVICES,
];

/// The resource of JSON:API type `type_name`.
pub(crate) fn by_type(type_name: &str) -> Option<&'static ResourceSpec> {
    TABLE.iter().copied().find(|spec| spec.type_name == type_name)
}

/// The certificate types `filter[certificateType]` takes, in the specification's order.
fn certificate_types() -> Vec<&'static str> {
    CertificateType::KNOWN
        .iter()
        .map(CertificateType::as_str)
        .collect()
}

/// The profile types `filter[profileType]` takes.
fn profile_types() -> Vec<&'static str> {
    ProfileType::KNOWN.iter().map(ProfileType::as_str).collect()
}

/// The states `filter[profileState]` takes.
fn profile_states() -> Vec<&'static str> {
    ProfileState::KNOWN.iter().map(ProfileState::as_str).collect()
}

/// The platforms `filter[platform]` of bundle IDs and devices takes.
fn platforms() -> Vec<&'static str> {
    BundleIdPlatform::KNOWN
        .iter()
        .map(BundleIdPlatform::as_str)
        .collect()
}

/// The statuses `filter[status]` of devices takes.
fn device_statuses() -> Vec<&'static str> {
    DeviceStatus::KNOWN.iter().map(DeviceStatus::as_str).collect()
}

#[cfg(test)]
mod tests {
    use ascert_models::{CertificateField, PassTypeIdField, SortField};

    use super::*;

    #[test]
    fn the_table_names_what_the_models_name() {
        let names = |all: Vec<&'static str>| all;
        assert_eq!(
            CERTIFICATES.fields,
            names(CertificateField::ALL.iter().map(|f| f.as_str()).collect())
        );
        assert_eq!(
            PASS_TYPE_IDS.fields,
            names(PassTypeIdField::ALL.iter().map(|f| f.as_str()).collect())
        );
        assert_eq!(
            CERTIFICATES.sort_keys,
            names(SortField::ALL.iter().map(|f| f.as_str()).collect())
        );
        for spec in TABLE {
            assert!(std::ptr::eq(by_type(spec.type_name).unwrap(), spec));
            for include in spec.includes {
                assert!(by_type(include.type_name).is_some(), "{}", include.name);
            }
        }
    }
}
