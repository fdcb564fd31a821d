//! Conformance with Apple's OpenAPI description of the Certificates resource and of the
//! provisioning resources (profiles, bundle IDs and their capabilities, devices).
//!
//! For every schema of `certificates-openapi.json` this test builds JSON instances from the schema
//! itself — one with every property filled, one with only the required ones, and one per `oneOf`
//! alternative — reads each into the Rust type, writes it back and compares. A model that drops a
//! property, or a specification that gains one, makes the comparison fail and names the schema.
//! Enumerations are compared value for value in both directions.
//!
//! The specification is read from `shared/reference/` beside the checkout (the first ancestor
//! folder that has it, or `$ASCERT_SHARED_DIR/reference`). Apple's file is not ours to ship, so it
//! is not in this crate's package: outside the ascert workspace (a copy unpacked from crates.io)
//! these tests say why and are skipped; inside it, where CI runs, a missing file fails them.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

use ascert_models::{
    BundleIdPlatform, Certificate, CertificateCreateRequest, CertificatePassTypeIdLinkageResponse,
    CertificateResponse, CertificateType, CertificateUpdateRequest, CertificatesResponse, DocumentLinks,
    ErrorLinks, ErrorResponse, ErrorSourceParameter, ErrorSourcePointer, Paged as _, PagedDocumentLinks,
    PagingInformation, PassTypeId, PassTypeIdResponse, RelationshipLinks, ResourceLinks,
};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Map, Value, json};

/// Whether this crate sits in the ascert workspace (its root `Cargo.toml` two folders up), rather
/// than unpacked from its published package.
fn in_workspace() -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    std::fs::read_to_string(root)
        .is_ok_and(|text| text.contains("[workspace]") && text.contains("ascert-models"))
}

/// Apple's OpenAPI description of the Certificates resource, or `None` (said on stderr) outside the
/// workspace only.
fn spec() -> Option<Value> {
    spec_file("certificates-openapi.json")
}

/// Apple's OpenAPI description in `file` of `shared/reference/`, or `None` outside the workspace.
#[allow(clippy::print_stderr, reason = "a test says why it is skipped")]
fn spec_file(file: &str) -> Option<Value> {
    let path = if let Some(shared) = std::env::var_os("ASCERT_SHARED_DIR") {
        PathBuf::from(shared).join("reference").join(file)
    } else {
        let found = Path::new(env!("CARGO_MANIFEST_DIR"))
            .ancestors()
            .map(|dir| dir.join("shared/reference").join(file))
            .find(|path| path.is_file());
        let Some(path) = found else {
            assert!(
                !in_workspace(),
                "shared/reference/{file} (Apple's OpenAPI description) is missing \
                 beside the checkout: put the reference folder there or set ASCERT_SHARED_DIR"
            );
            eprintln!(
                "skipped: this test needs Apple's OpenAPI description (shared/reference/), which is not \
                 part of this crate's package; run it in the ascert workspace"
            );
            return None;
        };
        path
    };
    let text = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("cannot read the OpenAPI spec at {}: {e}", path.display()));
    Some(serde_json::from_str(&text).expect("the spec is JSON"))
}

fn schemas(spec: &Value) -> &Map<String, Value> {
    spec["components"]["schemas"]
        .as_object()
        .expect("components.schemas")
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
enum Fill {
    Every,
    RequiredOnly,
}

/// Builds one instance of `schema`; `choice` picks the alternative of every `oneOf`.
fn instance(spec: &Value, schema: &Value, fill: Fill, choice: usize, name: &str) -> Value {
    if let Some(reference) = schema.get("$ref").and_then(Value::as_str) {
        let target = reference
            .strip_prefix("#/components/schemas/")
            .expect("local schema reference");
        return instance(spec, &schemas(spec)[target], fill, choice, target);
    }
    if let Some(alternatives) = schema.get("oneOf").and_then(Value::as_array) {
        return instance(
            spec,
            &alternatives[choice % alternatives.len()],
            fill,
            choice,
            name,
        );
    }
    if let Some(values) = schema.get("enum").and_then(Value::as_array) {
        return values[choice % values.len()].clone();
    }
    match schema.get("type").and_then(Value::as_str) {
        Some("object") => {
            let required: BTreeSet<&str> = schema
                .get("required")
                .and_then(Value::as_array)
                .map(|r| r.iter().filter_map(Value::as_str).collect())
                .unwrap_or_default();
            let mut object = Map::new();
            if let Some(properties) = schema.get("properties").and_then(Value::as_object) {
                for (key, property) in properties {
                    if fill == Fill::Every || required.contains(key.as_str()) {
                        object.insert(key.clone(), instance(spec, property, fill, choice, key));
                    }
                }
            } else if schema.get("additionalProperties").is_some() && fill == Fill::Every {
                object.insert("extraDetail".into(), json!("kept as sent"));
            }
            Value::Object(object)
        }
        Some("array") => json!([instance(spec, &schema["items"], fill, choice, name)]),
        Some("string") => match schema.get("format").and_then(Value::as_str) {
            Some("date-time") => json!("2026-02-12T13:17:50.000+0000"),
            Some("uri-reference") => json!(format!(
                "https://api.appstoreconnect.apple.com/v1/{name}?cursor=Mg"
            )),
            _ => json!(format!("{name}-value")),
        },
        Some("integer") => json!(42),
        Some("boolean") => json!(true),
        other => panic!("schema {name}: type {other:?} is not handled by the generator"),
    }
}

/// Reads `value` as `T` (naming the failing path) and writes it back.
fn round_trip<T: DeserializeOwned + Serialize>(value: &Value) -> Result<Value, String> {
    let parsed: T = serde_path_to_error::deserialize(value.clone()).map_err(|e| e.to_string())?;
    serde_json::to_value(&parsed).map_err(|e| e.to_string())
}

/// The Rust type for each schema name of the specification.
fn round_trip_as(schema: &str, value: &Value) -> Result<Value, String> {
    match schema {
        "Certificate" => round_trip::<Certificate>(value),
        "CertificatesResponse" => round_trip::<CertificatesResponse>(value),
        "CertificateResponse" => round_trip::<CertificateResponse>(value),
        "CertificateCreateRequest" => round_trip::<CertificateCreateRequest>(value),
        "CertificateUpdateRequest" => round_trip::<CertificateUpdateRequest>(value),
        "CertificateType" => round_trip::<CertificateType>(value),
        "BundleIdPlatform" => round_trip::<BundleIdPlatform>(value),
        "PassTypeId" => round_trip::<PassTypeId>(value),
        "PassTypeIdResponse" => round_trip::<PassTypeIdResponse>(value),
        "CertificatePassTypeIdLinkageResponse" => round_trip::<CertificatePassTypeIdLinkageResponse>(value),
        "ErrorResponse" => round_trip::<ErrorResponse>(value),
        "ErrorSourceParameter" => round_trip::<ErrorSourceParameter>(value),
        "ErrorSourcePointer" => round_trip::<ErrorSourcePointer>(value),
        "ErrorLinks" => round_trip::<ErrorLinks>(value),
        "PagedDocumentLinks" => round_trip::<PagedDocumentLinks>(value),
        "PagingInformation" => round_trip::<PagingInformation>(value),
        "DocumentLinks" => round_trip::<DocumentLinks>(value),
        "ResourceLinks" => round_trip::<ResourceLinks>(value),
        "RelationshipLinks" => round_trip::<RelationshipLinks>(value),
        other => round_trip_provisioning(other, value),
    }
}

/// The provisioning schemas of the whole description (`asc-openapi.json`) this crate models.
const PROVISIONING: &[&str] = &[
    "Profile",
    "ProfilesResponse",
    "ProfileResponse",
    "ProfileCreateRequest",
    "BundleId",
    "BundleIdsResponse",
    "BundleIdResponse",
    "BundleIdCreateRequest",
    "BundleIdCapability",
    "BundleIdCapabilitiesResponse",
    "BundleIdCapabilityCreateRequest",
    "CapabilitySetting",
    "CapabilityOption",
    "Device",
    "DevicesResponse",
    "DeviceResponse",
    "DeviceCreateRequest",
    "DeviceUpdateRequest",
    "CapabilityType",
];

fn round_trip_provisioning(schema: &str, value: &Value) -> Result<Value, String> {
    use ascert_models as m;
    match schema {
        "Profile" => round_trip::<m::Profile>(value),
        "ProfilesResponse" => round_trip::<m::ProfilesResponse>(value),
        "ProfileResponse" => round_trip::<m::ProfileResponse>(value),
        "ProfileCreateRequest" => round_trip::<m::ProfileCreateRequest>(value),
        "BundleId" => round_trip::<m::BundleId>(value),
        "BundleIdsResponse" => round_trip::<m::BundleIdsResponse>(value),
        "BundleIdResponse" => round_trip::<m::BundleIdResponse>(value),
        "BundleIdCreateRequest" => round_trip::<m::BundleIdCreateRequest>(value),
        "BundleIdCapability" => round_trip::<m::BundleIdCapability>(value),
        "BundleIdCapabilitiesResponse" => round_trip::<m::BundleIdCapabilitiesResponse>(value),
        "BundleIdCapabilityCreateRequest" => round_trip::<m::BundleIdCapabilityCreateRequest>(value),
        "CapabilitySetting" => round_trip::<m::CapabilitySetting>(value),
        "CapabilityOption" => round_trip::<m::CapabilityOption>(value),
        "Device" => round_trip::<m::Device>(value),
        "DevicesResponse" => round_trip::<m::DevicesResponse>(value),
        "DeviceResponse" => round_trip::<m::DeviceResponse>(value),
        "DeviceCreateRequest" => round_trip::<m::DeviceCreateRequest>(value),
        "DeviceUpdateRequest" => round_trip::<m::DeviceUpdateRequest>(value),
        "CapabilityType" => round_trip::<m::CapabilityType>(value),
        other => Err(format!("no Rust type is mapped to the schema {other}")),
    }
}

/// How many `oneOf` and `enum` alternatives an instance can differ in, at most.
fn widest_choice(value: &Value) -> usize {
    match value {
        Value::Object(map) => {
            let own = ["oneOf", "enum"]
                .iter()
                .filter_map(|k| map.get(*k).and_then(Value::as_array).map(Vec::len))
                .max()
                .unwrap_or(1);
            map.values().map(widest_choice).fold(own, usize::max)
        }
        Value::Array(items) => items.iter().map(widest_choice).fold(1, usize::max),
        _ => 1,
    }
}

#[test]
fn every_schema_has_a_rust_type() {
    let Some(spec) = spec() else { return };
    let names: Vec<&String> = schemas(&spec).keys().collect();
    assert_eq!(
        names.len(),
        19,
        "the Certificates subset has 19 schemas: {names:?}"
    );
    for name in names {
        let instance = instance(&spec, &schemas(&spec)[name], Fill::RequiredOnly, 0, name);
        round_trip_as(name, &instance).unwrap_or_else(|e| panic!("schema {name}: {e}"));
    }
}

#[test]
fn every_schema_round_trips_with_every_and_with_required_properties() {
    let Some(spec) = spec() else { return };
    let mut failures = Vec::new();
    let mut checked = 0;
    for (name, schema) in schemas(&spec) {
        // Enough choices to visit every enum value and oneOf alternative reachable from this schema.
        let choices = widest_choice(&spec).min(32);
        for fill in [Fill::Every, Fill::RequiredOnly] {
            for choice in 0..choices {
                let original = instance(&spec, schema, fill, choice, name);
                checked += 1;
                match round_trip_as(name, &original) {
                    Ok(written) if written == original => {}
                    Ok(written) => failures.push(format!(
                        "{name} ({fill:?}, choice {choice}) changed in a round trip\n  sent:    {original}\n  written: {written}"
                    )),
                    Err(e) => failures.push(format!("{name} ({fill:?}, choice {choice}) did not parse: {e}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} instances failed:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[test]
fn provisioning_schemas_round_trip_with_every_and_with_required_properties() {
    let Some(spec) = spec_file("asc-openapi.json") else {
        return;
    };
    let mut failures = Vec::new();
    let mut checked = 0;
    for name in PROVISIONING {
        let schema = &schemas(&spec)[*name];
        // The responses include `App`, whose enumerations are not what this test is about: the
        // provisioning schemas' own ones have at most 28 values (capability types).
        for fill in [Fill::Every, Fill::RequiredOnly] {
            for choice in 0..28 {
                let original = instance(&spec, schema, fill, choice, name);
                checked += 1;
                match round_trip_as(name, &original) {
                    Ok(written) if written == original => {}
                    Ok(written) => failures.push(format!(
                        "{name} ({fill:?}, choice {choice}) changed in a round trip\n  sent:    {original}\n  written: {written}"
                    )),
                    Err(e) => failures.push(format!("{name} ({fill:?}, choice {choice}) did not parse: {e}")),
                }
            }
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {checked} instances failed:\n{}",
        failures.len(),
        failures.iter().take(8).cloned().collect::<Vec<_>>().join("\n")
    );
    let known = |values: Vec<String>| values.into_iter().collect::<BTreeSet<_>>();
    let profile_types = &schemas(&spec)["Profile"]["properties"]["attributes"]["properties"]["profileType"];
    let spec_values = |v: &Value| -> BTreeSet<String> {
        v["enum"]
            .as_array()
            .unwrap()
            .iter()
            .map(|s| s.as_str().unwrap().to_owned())
            .collect()
    };
    assert_eq!(
        known(
            ascert_models::ProfileType::KNOWN
                .iter()
                .map(ToString::to_string)
                .collect()
        ),
        spec_values(profile_types)
    );
    assert_eq!(
        known(
            ascert_models::CapabilityType::KNOWN
                .iter()
                .map(ToString::to_string)
                .collect()
        ),
        spec_enum(&spec, "CapabilityType")
    );
    let device = &schemas(&spec)["Device"]["properties"]["attributes"]["properties"];
    assert_eq!(
        known(
            ascert_models::DeviceClass::KNOWN
                .iter()
                .map(ToString::to_string)
                .collect()
        ),
        spec_values(&device["deviceClass"])
    );
    assert_eq!(
        known(
            ascert_models::DeviceStatus::KNOWN
                .iter()
                .map(ToString::to_string)
                .collect()
        ),
        spec_values(&device["status"])
    );
}

fn spec_enum(spec: &Value, name: &str) -> BTreeSet<String> {
    schemas(spec)[name]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect()
}

#[test]
fn enumerations_match_the_specification_value_for_value() {
    let Some(spec) = spec() else { return };
    let rust: BTreeSet<String> = CertificateType::KNOWN.iter().map(ToString::to_string).collect();
    assert_eq!(
        rust,
        spec_enum(&spec, "CertificateType"),
        "CertificateType differs from the spec"
    );
    let rust: BTreeSet<String> = BundleIdPlatform::KNOWN.iter().map(ToString::to_string).collect();
    assert_eq!(
        rust,
        spec_enum(&spec, "BundleIdPlatform"),
        "BundleIdPlatform differs from the spec"
    );
}

/// A list page shaped as Apple really sends it: `csrContent: null`, `+0000` dates, a field the spec
/// does not list, a certificate type newer than this crate, and a pass type ID included.
const REAL_PAGE: &str = r#"{
  "data": [
    {
      "type": "certificates",
      "id": "8HN7RB3U9Z",
      "attributes": {
        "serialNumber": "1A2B3C4D5E6F7081",
        "certificateContent": "MIIFxjCCBK6gAwIBAgIQ",
        "displayName": "Jane Appleseed",
        "name": "Apple Distribution: Example Ltd",
        "csrContent": null,
        "platform": null,
        "expirationDate": "2027-02-12T13:17:50.000+0000",
        "certificateType": "DISTRIBUTION",
        "activated": true,
        "requesterEmail": "jane@example.com"
      },
      "relationships": {"passTypeId": {"links": {"self": "https://api.appstoreconnect.apple.com/v1/certificates/8HN7RB3U9Z/relationships/passTypeId", "related": "https://api.appstoreconnect.apple.com/v1/certificates/8HN7RB3U9Z/passTypeId"}}},
      "links": {"self": "https://api.appstoreconnect.apple.com/v1/certificates/8HN7RB3U9Z"}
    },
    {
      "type": "certificates",
      "id": "Q2W3E4R5T6",
      "attributes": {
        "certificateType": "VISIONOS_DISTRIBUTION_2030",
        "platform": "SERVICES",
        "expirationDate": "2024-01-01T00:00:00Z",
        "csrContent": null
      }
    }
  ],
  "links": {
    "self": "https://api.appstoreconnect.apple.com/v1/certificates?limit=2",
    "next": "https://api.appstoreconnect.apple.com/v1/certificates?cursor=Ag.AAAA&limit=2"
  },
  "meta": {"paging": {"total": 5, "limit": 2}},
  "traceId": "unexpected top-level field"
}"#;

#[test]
fn documents_shaped_like_real_responses_parse() {
    let page: CertificatesResponse = serde_json::from_str(REAL_PAGE).unwrap();
    assert_eq!(page.data.len(), 2);
    let first = &page.data[0].attributes;
    assert_eq!(first.certificate_type, Some(CertificateType::Distribution));
    assert_eq!(
        first.expiration_date,
        Some(time::macros::datetime!(2027-02-12 13:17:50 UTC))
    );
    assert_eq!(first.platform, None, "platform: null reads as absent");
    let second = &page.data[1].attributes;
    assert_eq!(
        second.certificate_type,
        Some(CertificateType::Unknown("VISIONOS_DISTRIBUTION_2030".into()))
    );
    assert_eq!(
        second.platform,
        Some(BundleIdPlatform::Unknown("SERVICES".into()))
    );
    assert_eq!(
        page.next_link(),
        Some("https://api.appstoreconnect.apple.com/v1/certificates?cursor=Ag.AAAA&limit=2")
    );
    assert_eq!(page.total(), Some(5));

    // Unknown enumeration values are written back exactly as Apple sent them.
    let written = serde_json::to_value(&page).unwrap();
    assert_eq!(
        written["data"][1]["attributes"]["certificateType"],
        "VISIONOS_DISTRIBUTION_2030"
    );
    assert_eq!(
        written["data"][1]["attributes"]["expirationDate"],
        "2024-01-01T00:00:00.000+0000"
    );
}

#[test]
fn a_malformed_document_names_the_failing_path() {
    let broken = REAL_PAGE.replace(r#""activated": true"#, r#""activated": "yes""#);
    let err = serde_path_to_error::deserialize::<_, CertificatesResponse>(
        &mut serde_json::Deserializer::from_str(&broken),
    )
    .unwrap_err();
    assert_eq!(err.path().to_string(), "data[0].attributes.activated");
}
