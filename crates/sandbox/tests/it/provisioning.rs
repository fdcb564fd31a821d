//! Bundle IDs, capabilities, devices and profiles over HTTP: Apple's documents (each validated
//! against its schema in Apple's description), its checks and error answers, and what a change to
//! one resource does to the others.

use std::process::Command;

use ascert_models::BundleIdPlatform;
use ascert_sandbox::{Limits, Sandbox};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Client, Reply, assert_error, assert_schema, create_body, rsa_key};

const IPHONE: &str = "00008110-000A1B2C3D4E801E";

fn bundle_body(identifier: &str, platform: &str) -> Value {
    json!({"data": {"type": "bundleIds", "attributes": {"name": "Example", "platform": platform, "identifier": identifier}}})
}

fn device_body(udid: &str, platform: &str) -> Value {
    json!({"data": {"type": "devices", "attributes": {"name": "QA iPhone", "platform": platform, "udid": udid}}})
}

pub(crate) fn profile_body(
    name: &str,
    profile_type: &str,
    bundle_id: &str,
    certificates: &[&str],
    devices: Option<&[&str]>,
) -> Value {
    let linkage = |type_name: &str, ids: &[&str]| json!({"data": ids.iter().map(|id| json!({"type": type_name, "id": id})).collect::<Vec<_>>()});
    let mut body = json!({"data": {"type": "profiles",
    "attributes": {"name": name, "profileType": profile_type},
    "relationships": {
        "bundleId": {"data": {"type": "bundleIds", "id": bundle_id}},
        "certificates": linkage("certificates", certificates),
    }}});
    if let Some(devices) = devices {
        body["data"]["relationships"]["devices"] = linkage("devices", devices);
    }
    body
}

pub(crate) fn id(reply: &Reply) -> String {
    reply.body["data"]["id"].as_str().unwrap().to_owned()
}

pub(crate) async fn post(client: &Client, path: &str, body: &Value) -> Reply {
    client.send(Method::POST, path, Some(body)).await
}

/// Creates a certificate of `certificate_type` and returns its id.
async fn certificate(client: &Client, certificate_type: &str) -> String {
    let reply = post(
        client,
        "/v1/certificates",
        &create_body(certificate_type, &rsa_key().1),
    )
    .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    id(&reply)
}

#[tokio::test]
async fn bundle_ids_register_once_with_their_capabilities() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let reply = post(&client, "/v1/bundleIds", &bundle_body("com.example.app", "IOS")).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_schema("BundleIdResponse", &reply.body);
    let attributes = &reply.body["data"]["attributes"];
    assert_eq!(attributes["seedId"], "SBXTEAM001");
    assert_eq!(attributes["identifier"], "com.example.app");
    let bundle = id(&reply);
    assert_eq!(
        reply.body["data"]["relationships"]["profiles"]["links"]["related"],
        format!("{}/v1/bundleIds/{bundle}/profiles", sandbox.base_url())
    );

    let again = post(
        &client,
        "/v1/bundleIds",
        &bundle_body("COM.example.APP", "MAC_OS"),
    )
    .await;
    assert_error(&again, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
    assert_eq!(
        again.body["errors"][0]["detail"],
        "An App ID with Identifier 'COM.example.APP' is not available. Please enter a different string."
    );
    for bad in ["com.exa_mple", "com..x", "com.*.x"] {
        let reply = post(&client, "/v1/bundleIds", &bundle_body(bad, "IOS")).await;
        assert_error(&reply, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
    }
    let wildcard = post(
        &client,
        "/v1/bundleIds",
        &bundle_body("com.example.*", "UNIVERSAL"),
    )
    .await;
    assert_eq!(wildcard.status, 201);

    // An explicit App ID starts with In-App Purchase and Game Center; a wildcard with none.
    let path = format!("/v1/bundleIds/{bundle}/bundleIdCapabilities");
    let reply = client.get(&path).await;
    assert_schema("BundleIdCapabilitiesWithoutIncludesResponse", &reply.body);
    let types: Vec<&str> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c["attributes"]["capabilityType"].as_str().unwrap())
        .collect();
    assert_eq!(types, ["IN_APP_PURCHASE", "GAME_CENTER"]);
    let reply = client
        .get(&format!("/v1/bundleIds/{}/bundleIdCapabilities", id(&wildcard)))
        .await;
    assert_eq!(reply.body["meta"]["paging"]["total"], 0);

    let push = json!({"data": {"type": "bundleIdCapabilities", "attributes": {"capabilityType": "PUSH_NOTIFICATIONS"},
        "relationships": {"bundleId": {"data": {"type": "bundleIds", "id": bundle}}}}});
    let reply = post(&client, "/v1/bundleIdCapabilities", &push).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_schema("BundleIdCapabilityResponse", &reply.body);
    assert_error(
        &post(&client, "/v1/bundleIdCapabilities", &push).await,
        409,
        "ENTITY_ERROR",
    );
    let reply = client
        .send(
            Method::DELETE,
            &format!("/v1/bundleIdCapabilities/{}", id(&reply)),
            None,
        )
        .await;
    assert_eq!(reply.status, 204);

    // Filters, sort and include, as the list takes them.
    let reply = client
        .get("/v1/bundleIds?filter[platform]=IOS,UNIVERSAL&sort=-identifier&include=bundleIdCapabilities&limit[bundleIdCapabilities]=1")
        .await;
    assert_schema("BundleIdsResponse", &reply.body);
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data[0]["attributes"]["identifier"], "com.example.app");
    assert_eq!(data[1]["attributes"]["identifier"], "com.example.*");
    let capabilities = &data[0]["relationships"]["bundleIdCapabilities"];
    assert_eq!(capabilities["meta"]["paging"], json!({"total": 2, "limit": 1}));
    assert_eq!(reply.body["included"].as_array().unwrap().len(), 1);
    let reply = client.get("/v1/bundleIds?filter[identifier]=com.example.*").await;
    assert_eq!(reply.body["data"].as_array().unwrap().len(), 1);
    assert_error(
        &client.get("/v1/bundleIds?filter[platform]=TVOS").await,
        400,
        "PARAMETER_ERROR.INVALID",
    );
    assert_error(
        &client.get("/v1/bundleIds?sort=udid").await,
        400,
        "PARAMETER_ERROR.INVALID",
    );
}

#[tokio::test]
async fn devices_register_with_checked_udids_within_the_limit() {
    let limits = Limits {
        devices_per_family: 2,
        ..Limits::default()
    };
    let sandbox = Sandbox::builder().limits(limits).start().await.unwrap();
    let client = Client::new(&sandbox);
    let reply = post(&client, "/v1/devices", &device_body(IPHONE, "IOS")).await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_schema("DeviceResponse", &reply.body);
    let attributes = &reply.body["data"]["attributes"];
    assert_eq!(attributes["deviceClass"], "IPHONE");
    assert_eq!(attributes["status"], "ENABLED");
    assert!(attributes["model"].is_null());
    let device = id(&reply);

    let again = post(
        &client,
        "/v1/devices",
        &device_body(&IPHONE.to_lowercase(), "IOS"),
    )
    .await;
    assert_error(&again, 409, "ENTITY_ERROR");
    assert_eq!(
        again.body["errors"][0]["detail"],
        format!(
            "A device with number '{}' already exists on this team.",
            IPHONE.to_lowercase()
        )
    );
    let bad = post(
        &client,
        "/v1/devices",
        &device_body("3D7FADF5-D61B-5F6B-A254-0123456789AB", "IOS"),
    )
    .await;
    assert_error(&bad, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
    assert_eq!(
        bad.body["errors"][0]["detail"],
        "An invalid value '3D7FADF5-D61B-5F6B-A254-0123456789AB' was provided for the parameter 'udid'."
    );
    let mac = post(
        &client,
        "/v1/devices",
        &device_body("3D7FADF5-D61B-5F6B-A254-0123456789AB", "MAC_OS"),
    )
    .await;
    assert_eq!(mac.body["data"]["attributes"]["deviceClass"], "MAC");

    // Disabled devices still fill their family's slots.
    let disable = json!({"data": {"type": "devices", "id": device, "attributes": {"status": "DISABLED", "name": "Old"}}});
    let reply = client
        .send(Method::PATCH, &format!("/v1/devices/{device}"), Some(&disable))
        .await;
    assert_eq!(reply.status, 200);
    assert_schema("DeviceResponse", &reply.body);
    assert_eq!(reply.body["data"]["attributes"]["status"], "DISABLED");
    assert_eq!(
        post(&client, "/v1/devices", &device_body(&"0b".repeat(20), "IOS"))
            .await
            .status,
        201
    );
    let over = post(&client, "/v1/devices", &device_body(&"0c".repeat(20), "IOS")).await;
    assert_error(&over, 403, "FORBIDDEN_ERROR");
    assert_eq!(
        over.body["errors"][0]["detail"],
        "Your development team has reached the maximum number of registered iPhone devices."
    );

    let reply = client
        .get("/v1/devices?filter[status]=ENABLED&filter[platform]=IOS&fields[devices]=udid")
        .await;
    assert_schema("DevicesResponse", &reply.body);
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 1);
    assert_eq!(data[0]["attributes"].as_object().unwrap().len(), 1);
    let reply = client
        .get(&format!("/v1/devices?filter[udid]={}", IPHONE.to_lowercase()))
        .await;
    assert_eq!(reply.body["data"][0]["id"], device.as_str());
    assert_error(
        &client
            .send(Method::DELETE, &format!("/v1/devices/{device}"), None)
            .await,
        405,
        "METHOD_NOT_ALLOWED",
    );
}

/// A sandbox with an iOS App ID, an iPhone, and a Distribution and a Development certificate.
pub(crate) struct Team {
    pub(crate) sandbox: Sandbox,
    pub(crate) client: Client,
    pub(crate) bundle: String,
    pub(crate) device: String,
    pub(crate) distribution: String,
    pub(crate) development: String,
}

pub(crate) async fn team() -> Team {
    let sandbox = Sandbox::builder()
        .bundle_id("com.example.app", BundleIdPlatform::Ios)
        .device("QA iPhone", BundleIdPlatform::Ios, IPHONE)
        .start()
        .await
        .unwrap();
    let client = Client::new(&sandbox);
    let bundle = client.get("/v1/bundleIds").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let device = client.get("/v1/devices").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let distribution = certificate(&client, "DISTRIBUTION").await;
    let development = certificate(&client, "DEVELOPMENT").await;
    Team {
        sandbox,
        client,
        bundle,
        device,
        distribution,
        development,
    }
}

/// The property list inside `content`, read by `openssl cms -verify` (the signature checked, the
/// chain not: it is the sandbox's).
fn plist_of(content: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("profile.der");
    std::fs::write(&path, STANDARD.decode(content).unwrap()).unwrap();
    let output = Command::new("openssl")
        .args(["cms", "-verify", "-inform", "DER", "-noverify", "-in"])
        .arg(&path)
        .output()
        .expect("openssl must be installed to run this test");
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8(output.stdout).unwrap()
}

#[tokio::test]
async fn an_app_store_profile_is_made_as_apple_makes_it() {
    let Team {
        sandbox,
        client,
        bundle,
        distribution,
        ..
    } = team().await;
    let reply = post(
        &client,
        "/v1/profiles",
        &profile_body("CI App Store", "IOS_APP_STORE", &bundle, &[&distribution], None),
    )
    .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_schema("ProfileResponse", &reply.body);
    let profile = &reply.body["data"];
    let attributes = &profile["attributes"];
    assert_eq!(attributes["profileState"], "ACTIVE");
    assert_eq!(attributes["platform"], "IOS");
    assert_eq!(attributes["profileType"], "IOS_APP_STORE");
    let uuid = attributes["uuid"].as_str().unwrap();
    assert_eq!(uuid, uuid.to_uppercase());
    assert_eq!(uuid.len(), 36);
    let plist = plist_of(attributes["profileContent"].as_str().unwrap());
    assert!(plist.contains(uuid), "{plist}");
    assert!(plist.contains("<string>CI App Store</string>"), "{plist}");
    assert!(plist.contains("SBXTEAM001.com.example.app"), "{plist}");
    let id = profile["id"].as_str().unwrap();
    assert_eq!(
        profile["relationships"]["certificates"]["links"]["related"],
        format!("{}/v1/profiles/{id}/certificates", sandbox.base_url())
    );

    let reply = client.get(&format!("/v1/profiles/{id}?include=bundleId,certificates&fields[certificates]=serialNumber,certificateType")).await;
    assert_eq!(reply.status, 200, "{:#}", reply.body);
    assert_schema("ProfileResponse", &reply.body);
    let relationships = &reply.body["data"]["relationships"];
    assert_eq!(relationships["bundleId"]["data"]["id"], bundle.as_str());
    assert_eq!(
        relationships["certificates"]["data"][0]["id"],
        distribution.as_str()
    );
    assert_eq!(
        relationships["certificates"]["meta"]["paging"],
        json!({"total": 1, "limit": 50})
    );
    let included: Vec<&str> = reply.body["included"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["type"].as_str().unwrap())
        .collect();
    assert_eq!(included, ["bundleIds", "certificates"]);
    assert_eq!(
        reply.body["included"][1]["attributes"].as_object().unwrap().len(),
        2
    );

    let reply = client.get(&format!("/v1/profiles/{id}/certificates")).await;
    assert_schema("CertificatesWithoutIncludesResponse", &reply.body);
    assert_eq!(reply.body["data"][0]["id"], distribution.as_str());
    let reply = client
        .get(&format!(
            "/v1/profiles/{id}/bundleId?fields[bundleIds]=identifier"
        ))
        .await;
    assert_schema("BundleIdWithoutIncludesResponse", &reply.body);
    assert_eq!(
        reply.body["data"]["attributes"],
        json!({"identifier": "com.example.app"})
    );
    let reply = client.get(&format!("/v1/profiles/{id}/devices")).await;
    assert_schema("DevicesWithoutIncludesResponse", &reply.body);
    assert_eq!(reply.body["meta"]["paging"]["total"], 0);
    let reply = client.get(&format!("/v1/bundleIds/{bundle}/profiles")).await;
    assert_schema("ProfilesWithoutIncludesResponse", &reply.body);
    assert_eq!(reply.body["data"][0]["id"], id);
    assert_error(
        &client
            .get(&format!("/v1/profiles/{id}/bundleId?include=profiles"))
            .await,
        400,
        "PARAMETER_ERROR.ILLEGAL",
    );
}

#[tokio::test]
async fn profiles_are_refused_as_apple_refuses_them() {
    let Team {
        // Kept to the end: dropping the sandbox stops it.
        sandbox: _sandbox,
        client,
        bundle,
        device,
        distribution,
        development,
        ..
    } = team().await;
    let create = |body: Value| {
        let client = &client;
        async move { post(client, "/v1/profiles", &body).await }
    };
    let reply = create(profile_body("A", "IOS_APP_STORE", &bundle, &[&development], None)).await;
    assert_error(&reply, 409, "ENTITY_ERROR.RELATIONSHIP.INVALID");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "There are no current certificates on this team matching the provided certificate IDs."
    );
    let reply = create(profile_body(
        "A",
        "IOS_APP_DEVELOPMENT",
        &bundle,
        &[&development],
        None,
    ))
    .await;
    assert_error(&reply, 409, "ENTITY_ERROR.RELATIONSHIP.REQUIRED");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "The relationship 'devices' is required but was not provided with this request."
    );
    let reply = create(profile_body("A", "IOS_APP_STORE", "NOPE", &[&distribution], None)).await;
    assert_error(&reply, 409, "ENTITY_ERROR");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "There is no App ID with ID 'NOPE' on this team."
    );
    let reply = create(profile_body(
        "A",
        "IOS_APP_STORE",
        &bundle,
        &[&distribution],
        Some(&[&device]),
    ))
    .await;
    assert_error(&reply, 409, "ENTITY_ERROR.RELATIONSHIP.NOT_ALLOWED");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "No devices can be associated to Provisioning Profiles for the App Store."
    );
    let reply = create(profile_body(
        "A",
        "MAC_APP_STORE",
        &bundle,
        &[&distribution],
        None,
    ))
    .await;
    assert_error(&reply, 409, "ENTITY_ERROR.RELATIONSHIP.INVALID");
    let reply = create(profile_body(
        "A",
        "IOS_APP_ADHOC",
        &bundle,
        &[&distribution],
        Some(&["NOPE"]),
    ))
    .await;
    assert_error(&reply, 409, "ENTITY_ERROR.RELATIONSHIP.INVALID");
    let reply = create(profile_body(
        "A",
        "TVOS_APP_ADHOC",
        &bundle,
        &[&distribution],
        Some(&[&device]),
    ))
    .await;
    assert_error(&reply, 409, "ENTITY_ERROR");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "Invalid deviceClass for profile type."
    );
}

#[tokio::test]
async fn a_profile_name_is_taken_once_and_unknown_ids_are_answered_404() {
    let Team {
        sandbox: _sandbox,
        client,
        bundle,
        device,
        distribution,
        development,
        ..
    } = team().await;
    let create = |body: Value| {
        let client = &client;
        async move { post(client, "/v1/profiles", &body).await }
    };
    let reply = create(profile_body(
        "Dev",
        "IOS_APP_DEVELOPMENT",
        &bundle,
        &[&development],
        Some(&[&device]),
    ))
    .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    assert_schema("ProfileResponse", &reply.body);
    let reply = create(profile_body(
        "Dev",
        "IOS_APP_ADHOC",
        &bundle,
        &[&distribution],
        Some(&[&device]),
    ))
    .await;
    assert_error(&reply, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "Multiple profiles found with the name 'Dev'.  Please remove the duplicate profiles and try again."
    );
    let reply = client.get("/v1/profiles/NOPE").await;
    assert_error(&reply, 404, "NOT_FOUND");
    assert_eq!(
        reply.body["errors"][0]["detail"],
        "There is no resource of type 'profiles' with id 'NOPE'"
    );
    assert_error(
        &client
            .send(Method::PATCH, "/v1/profiles/NOPE", Some(&json!({})))
            .await,
        405,
        "METHOD_NOT_ALLOWED",
    );
    assert_error(
        &client.get("/v1/profiles?filter[profileType]=IOS").await,
        400,
        "PARAMETER_ERROR.INVALID",
    );
    assert_error(
        &client.get("/v1/profiles?limit[devices]=51&include=devices").await,
        400,
        "PARAMETER_ERROR.INVALID",
    );
}

#[tokio::test]
async fn revoking_a_certificate_invalidates_its_profiles_and_deleting_an_app_id_deletes_them() {
    let Team {
        // Kept to the end: dropping the sandbox stops it.
        sandbox: _sandbox,
        client,
        bundle,
        device,
        distribution,
        development,
        ..
    } = team().await;
    for (name, profile_type, certificate, devices) in [
        ("B store", "IOS_APP_STORE", &distribution, None),
        (
            "A ad hoc",
            "IOS_APP_ADHOC",
            &distribution,
            Some(&[device.as_str()][..]),
        ),
        (
            "C dev",
            "IOS_APP_DEVELOPMENT",
            &development,
            Some(&[device.as_str()][..]),
        ),
    ] {
        let reply = post(
            &client,
            "/v1/profiles",
            &profile_body(name, profile_type, &bundle, &[certificate], devices),
        )
        .await;
        assert_eq!(reply.status, 201, "{:#}", reply.body);
    }
    let reply = client
        .get("/v1/profiles?sort=-name&include=devices,certificates&limit[devices]=1")
        .await;
    assert_schema("ProfilesResponse", &reply.body);
    let names: Vec<&str> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["attributes"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["C dev", "B store", "A ad hoc"]);
    let included = reply.body["included"].as_array().unwrap();
    assert_eq!(included.iter().filter(|r| r["type"] == "devices").count(), 1);
    assert_eq!(included.iter().filter(|r| r["type"] == "certificates").count(), 2);
    let reply = client
        .get("/v1/profiles?filter[profileType]=IOS_APP_STORE,IOS_APP_ADHOC&fields[profiles]=name")
        .await;
    assert_eq!(reply.body["data"].as_array().unwrap().len(), 2);
    assert_eq!(reply.body["data"][0]["attributes"], json!({"name": "B store"}));

    let reply = client
        .send(Method::DELETE, &format!("/v1/certificates/{distribution}"), None)
        .await;
    assert_eq!(reply.status, 204);
    let reply = client
        .get("/v1/profiles?filter[profileState]=INVALID&sort=name")
        .await;
    assert_schema("ProfilesResponse", &reply.body);
    let names: Vec<&str> = reply.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["attributes"]["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, ["A ad hoc", "B store"]);
    let reply = client.get("/v1/profiles?filter[profileState]=ACTIVE").await;
    assert_eq!(reply.body["data"][0]["attributes"]["name"], "C dev");

    // Disabling a device leaves its profiles as they are.
    let disable = json!({"data": {"type": "devices", "id": device, "attributes": {"status": "DISABLED"}}});
    client
        .send(Method::PATCH, &format!("/v1/devices/{device}"), Some(&disable))
        .await;
    assert_eq!(
        client.get("/v1/profiles?filter[profileState]=ACTIVE").await.body["data"]
            .as_array()
            .unwrap()
            .len(),
        1
    );

    let reply = client
        .send(Method::DELETE, &format!("/v1/bundleIds/{bundle}"), None)
        .await;
    assert_eq!(reply.status, 204);
    assert_eq!(
        client.get("/v1/profiles").await.body["meta"]["paging"]["total"],
        0
    );
    assert_error(
        &client.get(&format!("/v1/bundleIds/{bundle}")).await,
        404,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn provisioning_resources_survive_a_restart_with_a_state_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("state.json");
    let sandbox = Sandbox::builder()
        .bundle_id("com.example.app", BundleIdPlatform::Ios)
        .device("QA iPhone", BundleIdPlatform::Ios, IPHONE)
        .state_file(&path)
        .start()
        .await
        .unwrap();
    let client = Client::new(&sandbox);
    let bundle = client.get("/v1/bundleIds").await.body["data"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let distribution = certificate(&client, "DISTRIBUTION").await;
    let created = post(
        &client,
        "/v1/profiles",
        &profile_body("Kept", "IOS_APP_STORE", &bundle, &[&distribution], None),
    )
    .await;
    assert_eq!(created.status, 201);
    sandbox.shutdown().await;

    // The seeds are ignored when the state file is loaded.
    let sandbox = Sandbox::builder()
        .bundle_id("com.example.other", BundleIdPlatform::Ios)
        .state_file(&path)
        .start()
        .await
        .unwrap();
    let client = Client::new(&sandbox);
    let reply = client.get(&format!("/v1/profiles/{}", id(&created))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(
        reply.body["data"]["attributes"],
        created.body["data"]["attributes"]
    );
    let bundles = client.get("/v1/bundleIds").await;
    assert_eq!(bundles.body["meta"]["paging"]["total"], 1);
    assert_eq!(
        client.get("/v1/devices").await.body["data"][0]["attributes"]["udid"],
        IPHONE
    );
    assert_eq!(
        client
            .get(&format!("/v1/bundleIds/{bundle}/bundleIdCapabilities"))
            .await
            .body["meta"]["paging"]["total"],
        2
    );
}
