//! The relationship linkages of profiles and bundle IDs over HTTP: each `links.self` of a rendered
//! relationship answers with the linkage document Apple's description declares (validated against
//! it), paged like the lists, with the 400, 404 and 405 answers of the other paths.

use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Client, assert_error, assert_schema};
use crate::provisioning::{Team, id, post, profile_body, team};

/// Follows the relationship `name` of `resource` (a rendered resource object) to its linkage.
async fn linkage_of(client: &Client, resource: &Value, name: &str) -> Value {
    let link = resource["relationships"][name]["links"]["self"].as_str().unwrap();
    let reply = client.get(link).await;
    assert_eq!(reply.status, 200, "{link}: {:#}", reply.body);
    reply.body
}

fn identifiers(type_name: &str, ids: &[&str]) -> Value {
    json!(
        ids.iter()
            .map(|id| json!({"type": type_name, "id": id}))
            .collect::<Vec<_>>()
    )
}

#[tokio::test]
async fn every_relationship_link_of_a_profile_and_a_bundle_id_answers_its_linkage() {
    let Team {
        sandbox,
        client,
        bundle,
        device,
        development,
        ..
    } = team().await;
    let base = sandbox.base_url();
    let reply = post(
        &client,
        "/v1/profiles",
        &profile_body(
            "Dev",
            "IOS_APP_DEVELOPMENT",
            &bundle,
            &[&development],
            Some(&[&device]),
        ),
    )
    .await;
    assert_eq!(reply.status, 201, "{:#}", reply.body);
    let profile = reply.body["data"].clone();
    let profile_id = id(&reply);

    let linkage = linkage_of(&client, &profile, "bundleId").await;
    assert_schema("ProfileBundleIdLinkageResponse", &linkage);
    assert_eq!(
        linkage,
        json!({"data": {"type": "bundleIds", "id": bundle},
               "links": {"self": format!("{base}/v1/profiles/{profile_id}/relationships/bundleId"),
                         "related": format!("{base}/v1/profiles/{profile_id}/bundleId")}})
    );
    let linkage = linkage_of(&client, &profile, "certificates").await;
    assert_schema("ProfileCertificatesLinkagesResponse", &linkage);
    assert_eq!(linkage["data"], identifiers("certificates", &[&development]));
    assert_eq!(linkage["meta"]["paging"]["total"], 1);
    assert!(linkage["links"].get("next").is_none(), "{linkage:#}");
    let linkage = linkage_of(&client, &profile, "devices").await;
    assert_schema("ProfileDevicesLinkagesResponse", &linkage);
    assert_eq!(linkage["data"], identifiers("devices", &[&device]));

    let bundle_id = client.get(&format!("/v1/bundleIds/{bundle}")).await.body["data"].clone();
    let linkage = linkage_of(&client, &bundle_id, "profiles").await;
    assert_schema("BundleIdProfilesLinkagesResponse", &linkage);
    assert_eq!(linkage["data"], identifiers("profiles", &[&profile_id]));
    let linkage = linkage_of(&client, &bundle_id, "bundleIdCapabilities").await;
    assert_schema("BundleIdBundleIdCapabilitiesLinkagesResponse", &linkage);
    let capabilities = client
        .get(&format!("/v1/bundleIds/{bundle}/bundleIdCapabilities"))
        .await;
    let expected: Vec<Value> = capabilities.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| json!({"type": "bundleIdCapabilities", "id": c["id"]}))
        .collect();
    assert_eq!(linkage["data"], json!(expected));
    assert_eq!(
        expected.len(),
        2,
        "an explicit App ID starts with two capabilities"
    );

    // The sandbox has no apps, and the linkage schema has no `null` data: the app is not found,
    // at both of its links.
    for name in ["self", "related"] {
        let link = bundle_id["relationships"]["app"]["links"][name].as_str().unwrap();
        assert_error(&client.get(link).await, 404, "NOT_FOUND");
    }
    assert_error(
        &client
            .get(&format!("/v1/bundleIds/{bundle}/app?fields[apps]=name"))
            .await,
        404,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn a_to_many_linkage_pages_with_limit_and_cursor() {
    let Team {
        sandbox,
        client,
        bundle,
        ..
    } = team().await;
    let path = format!("/v1/bundleIds/{bundle}/relationships/bundleIdCapabilities");
    let first = client.get(&format!("{path}?limit=1")).await;
    assert_eq!(first.status, 200, "{:#}", first.body);
    assert_schema("BundleIdBundleIdCapabilitiesLinkagesResponse", &first.body);
    assert_eq!(first.body["data"].as_array().unwrap().len(), 1);
    assert_eq!(
        first.body["meta"]["paging"],
        json!({"total": 2, "limit": 1, "nextCursor": first.body["meta"]["paging"]["nextCursor"]})
    );
    assert_eq!(
        first.body["links"]["self"],
        format!("{}{path}?limit=1", sandbox.base_url())
    );
    let next = first.body["links"]["next"].as_str().unwrap();
    assert!(next.starts_with(&format!("{}{path}?limit=1&cursor=", sandbox.base_url())));
    let second = client.get(next).await;
    assert_eq!(second.status, 200, "{:#}", second.body);
    assert_schema("BundleIdBundleIdCapabilitiesLinkagesResponse", &second.body);
    assert_eq!(second.body["data"].as_array().unwrap().len(), 1);
    assert_ne!(second.body["data"][0], first.body["data"][0]);
    assert!(second.body["links"].get("next").is_none());
    let all = client.get(&format!("{path}?limit=200")).await;
    assert_eq!(all.body["data"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn linkages_answer_400_404_and_405_as_the_other_paths_do() {
    let Team {
        sandbox: _sandbox,
        client,
        bundle,
        distribution,
        ..
    } = team().await;
    let reply = post(
        &client,
        "/v1/profiles",
        &profile_body("Store", "IOS_APP_STORE", &bundle, &[&distribution], None),
    )
    .await;
    let profile = id(&reply);
    let profiles = format!("/v1/profiles/{profile}/relationships");
    let bundles = format!("/v1/bundleIds/{bundle}/relationships");
    for path in [
        format!("{profiles}/certificates?limit=201"),
        format!("{profiles}/devices?limit=0"),
        format!("{bundles}/profiles?cursor=nonsense"),
    ] {
        assert_error(&client.get(&path).await, 400, "PARAMETER_ERROR.INVALID");
    }
    for path in [
        format!("{profiles}/certificates?fields[certificates]=name"),
        format!("{profiles}/bundleId?limit=1"),
        format!("{bundles}/app?include=app"),
        format!("{bundles}/bundleIdCapabilities?filter[id]=x"),
    ] {
        assert_error(&client.get(&path).await, 400, "PARAMETER_ERROR.ILLEGAL");
    }
    for name in ["bundleId", "certificates", "devices"] {
        let reply = client
            .get(&format!("/v1/profiles/NOPE/relationships/{name}"))
            .await;
        assert_error(&reply, 404, "NOT_FOUND");
        let reply = client
            .send(Method::PATCH, &format!("{profiles}/{name}"), None)
            .await;
        assert_error(&reply, 405, "METHOD_NOT_ALLOWED");
    }
    for name in ["profiles", "bundleIdCapabilities", "app"] {
        let reply = client
            .get(&format!("/v1/bundleIds/NOPE/relationships/{name}"))
            .await;
        assert_error(&reply, 404, "NOT_FOUND");
        assert!(
            reply.body["errors"][0]["detail"]
                .as_str()
                .unwrap()
                .contains("'bundleIds'"),
            "{:#}",
            reply.body
        );
        let reply = client
            .send(Method::POST, &format!("{bundles}/{name}"), None)
            .await;
        assert_error(&reply, 405, "METHOD_NOT_ALLOWED");
    }
    // The certificates of a profile go once they are revoked: the linkage drops them too.
    let reply = client
        .send(Method::DELETE, &format!("/v1/certificates/{distribution}"), None)
        .await;
    assert_eq!(reply.status, 204);
    let linkage = client.get(&format!("{profiles}/certificates")).await;
    assert_schema("ProfileCertificatesLinkagesResponse", &linkage.body);
    assert_eq!(linkage.body["data"], json!([]));
    assert_eq!(linkage.body["meta"]["paging"]["total"], 0);
}
