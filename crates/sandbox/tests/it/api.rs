//! The seven operations, queries, paging and Apple's error answers, each validated against the spec.

use std::collections::HashSet;

use ascert_models::{CertificateResponse, CertificateType, CertificatesResponse, Paged as _};
use ascert_sandbox::Sandbox;
use reqwest::Method;
use serde_json::{Value, json};

use crate::common::{Client, assert_error, assert_schema, create_body, remaining_quota, rsa_key};

#[tokio::test]
async fn lists_follow_absolute_next_links_to_the_end() {
    let sandbox = Sandbox::builder().seed_certificates(45).start().await.unwrap();
    let client = Client::new(&sandbox);
    let mut url = "/v1/certificates".to_owned();
    let mut ids = HashSet::new();
    let mut pages = 0;
    loop {
        let reply = client.get(&url).await;
        assert_eq!(reply.status, 200);
        assert_schema("CertificatesResponse", &reply.body);
        assert_eq!(reply.headers["content-type"], "application/json");
        let page: CertificatesResponse = serde_json::from_value(reply.body.clone()).unwrap();
        assert_eq!(page.total(), Some(45));
        assert_eq!(page.meta.as_ref().unwrap().paging.limit, 20);
        assert!(page.links.self_link.starts_with(sandbox.base_url()));
        // Apple's undocumented attribute is there, as null.
        assert!(reply.body["data"][0]["attributes"].as_object().unwrap()["csrContent"].is_null());
        ids.extend(page.data.iter().map(|c| c.id.clone()));
        pages += 1;
        match page.next_link() {
            Some(next) => {
                assert!(
                    next.starts_with(&format!("{}/v1/certificates?", sandbox.base_url())),
                    "{next}"
                );
                url = next.to_owned();
            }
            None => break,
        }
    }
    assert_eq!((pages, ids.len()), (3, 45));
}

#[tokio::test]
async fn filters_sort_sparse_fields_and_limit_work_together() {
    let sandbox = Sandbox::builder().seed_certificates(60).start().await.unwrap();
    let client = Client::new(&sandbox);
    let reply = client
        .get("/v1/certificates?filter[certificateType]=DISTRIBUTION,IOS_DISTRIBUTION&sort=-serialNumber&fields[certificates]=serialNumber,certificateType&limit=200")
        .await;
    assert_schema("CertificatesResponse", &reply.body);
    let data = reply.body["data"].as_array().unwrap();
    assert_eq!(data.len(), 10);
    let serials: Vec<&str> = data
        .iter()
        .map(|c| c["attributes"]["serialNumber"].as_str().unwrap())
        .collect();
    let mut sorted = serials.clone();
    sorted.sort_unstable_by(|a, b| b.cmp(a));
    assert_eq!(serials, sorted);
    for certificate in data {
        let attributes = certificate["attributes"].as_object().unwrap();
        assert_eq!(attributes.len(), 2, "{attributes:?}");
        assert!(
            ["DISTRIBUTION", "IOS_DISTRIBUTION"].contains(&attributes["certificateType"].as_str().unwrap())
        );
    }

    let one = &data[0]["attributes"]["serialNumber"];
    let reply = client
        .get(&format!(
            "/v1/certificates?filter[serialNumber]={}",
            one.as_str().unwrap()
        ))
        .await;
    assert_eq!(reply.body["data"].as_array().unwrap().len(), 1);

    let reply = client
        .get("/v1/certificates?filter[displayName]=John%20Appleseed&filter[certificateType]=PASS_TYPE_ID&include=passTypeId")
        .await;
    assert_schema("CertificatesResponse", &reply.body);
    let data = reply.body["data"].as_array().unwrap();
    assert!(!data.is_empty());
    assert!(
        data.iter()
            .all(|c| c["attributes"]["displayName"] == "John Appleseed")
    );
    let included = reply.body["included"].as_array().unwrap();
    assert_eq!(included[0]["type"], "passTypeIds");
    assert_eq!(
        data[0]["relationships"]["passTypeId"]["data"]["id"],
        included[0]["id"]
    );
}

#[tokio::test]
async fn percent_encoded_commas_in_filters_and_fields_answer_like_commas() {
    let sandbox = Sandbox::builder().seed_certificates(60).start().await.unwrap();
    let client = Client::new(&sandbox);
    let plain = client
        .get("/v1/certificates?filter[certificateType]=IOS_DISTRIBUTION,DISTRIBUTION&fields[certificates]=certificateType,serialNumber&limit=200")
        .await;
    // The same query as Python's requests and Go's url.Values encode it.
    let encoded = client
        .get("/v1/certificates?filter%5BcertificateType%5D=IOS_DISTRIBUTION%2CDISTRIBUTION&fields%5Bcertificates%5D=certificateType%2CserialNumber&limit=200")
        .await;
    assert_eq!(encoded.status, 200, "{:#}", encoded.body);
    assert_schema("CertificatesResponse", &encoded.body);
    assert_eq!(encoded.body["data"], plain.body["data"]);
    assert_eq!(encoded.body["data"].as_array().unwrap().len(), 10);
}

#[tokio::test]
async fn every_attribute_key_is_sent_with_null_where_apple_sends_null() {
    let sandbox = Sandbox::builder().seed_certificates(24).start().await.unwrap();
    let client = Client::new(&sandbox);
    let reply = client.get("/v1/certificates?limit=200").await;
    assert_schema("CertificatesResponse", &reply.body);
    let keys = [
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
    let mut platforms = std::collections::BTreeMap::new();
    for certificate in reply.body["data"].as_array().unwrap() {
        let attributes = certificate["attributes"].as_object().unwrap();
        for key in keys {
            assert!(attributes.contains_key(key), "{key} missing: {attributes:?}");
        }
        assert_eq!(attributes.len(), keys.len(), "{attributes:?}");
        platforms.insert(
            attributes["certificateType"].as_str().unwrap().to_owned(),
            attributes["platform"].clone(),
        );
    }
    for (certificate_type, platform) in [
        ("DEVELOPMENT", Value::Null),
        ("DISTRIBUTION", Value::Null),
        ("PASS_TYPE_ID", Value::Null),
        ("APPLE_PAY", Value::Null),
        ("IOS_DEVELOPMENT", json!("IOS")),
        ("IOS_DISTRIBUTION", json!("IOS")),
        ("MAC_APP_DISTRIBUTION", json!("MAC_OS")),
        ("MAC_INSTALLER_DISTRIBUTION", json!("MAC_OS")),
        ("DEVELOPER_ID_APPLICATION", json!("MAC_OS")),
    ] {
        assert_eq!(platforms[certificate_type], platform, "{certificate_type}");
    }

    // A sparse fieldset still answers only what it asked for, null included.
    let sparse = client
        .get(
            "/v1/certificates?filter[certificateType]=PASS_TYPE_ID&fields[certificates]=platform,displayName",
        )
        .await;
    assert_schema("CertificatesResponse", &sparse.body);
    for certificate in sparse.body["data"].as_array().unwrap() {
        assert_eq!(
            certificate["attributes"],
            json!({"platform": null, "displayName": certificate["attributes"]["displayName"]})
        );
    }
}

#[tokio::test]
async fn create_get_update_and_delete_a_certificate() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let created = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("DISTRIBUTION", &rsa_key().1)),
        )
        .await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    assert_schema("CertificateResponse", &created.body);
    let certificate: CertificateResponse = serde_json::from_value(created.body.clone()).unwrap();
    let id = certificate.data.id.clone();
    let attributes = &certificate.data.attributes;
    assert_eq!(attributes.certificate_type, Some(CertificateType::Distribution));
    // Apple's display name for certificates made through the API, whatever the CSR's subject says.
    assert_eq!(attributes.display_name.as_deref(), Some("Created via API"));
    assert_eq!(
        attributes.name.as_deref(),
        Some("Apple Distribution: ascert Sandbox Team (SBXTEAM001)")
    );
    assert_eq!(attributes.activated, Some(true));
    let date = created.body["data"]["attributes"]["expirationDate"]
        .as_str()
        .unwrap();
    assert!(date.ends_with(".000+0000"), "{date}");
    assert!(certificate.data.content_der().is_ok());

    let fetched = client.get(&format!("/v1/certificates/{id}")).await;
    assert_eq!(fetched.status, 200);
    assert_schema("CertificateResponse", &fetched.body);
    assert_eq!(fetched.body["data"], created.body["data"]);

    let sparse = client
        .get(&format!("/v1/certificates/{id}?fields[certificates]=activated"))
        .await;
    assert_schema("CertificateResponse", &sparse.body);
    assert_eq!(sparse.body["data"]["attributes"], json!({"activated": true}));

    let body = json!({"data": {"type": "certificates", "id": id, "attributes": {"activated": false}}});
    let updated = client
        .send(Method::PATCH, &format!("/v1/certificates/{id}"), Some(&body))
        .await;
    assert_eq!(updated.status, 200);
    assert_schema("CertificateResponse", &updated.body);
    assert_eq!(updated.body["data"]["attributes"]["activated"], false);

    let deleted = client
        .send(Method::DELETE, &format!("/v1/certificates/{id}"), None)
        .await;
    assert_eq!(deleted.status, 204);
    assert_eq!(deleted.body, Value::Null);
    assert!(remaining_quota(&deleted) < 3500);
    assert_error(
        &client.get(&format!("/v1/certificates/{id}")).await,
        404,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn pass_type_id_relationships_answer_both_endpoints() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    let mut body = create_body("PASS_TYPE_ID", &rsa_key().1);
    body["data"]["relationships"] = json!({"passTypeId": {"data": {"type": "passTypeIds", "id": "PASS42"}}});
    let created = client.send(Method::POST, "/v1/certificates", Some(&body)).await;
    assert_eq!(created.status, 201, "{:#}", created.body);
    let id = created.body["data"]["id"].as_str().unwrap().to_owned();

    let linkage = client
        .get(&format!("/v1/certificates/{id}/relationships/passTypeId"))
        .await;
    assert_eq!(linkage.status, 200);
    assert_schema("CertificatePassTypeIdLinkageResponse", &linkage.body);
    assert_eq!(
        linkage.body["data"],
        json!({"type": "passTypeIds", "id": "PASS42"})
    );

    let with_pass = client
        .get(&format!(
            "/v1/certificates/{id}?include=passTypeId&fields[passTypeIds]=identifier"
        ))
        .await;
    assert_schema("CertificateResponse", &with_pass.body);
    assert_eq!(
        with_pass.body["data"]["relationships"]["passTypeId"]["data"]["id"],
        "PASS42"
    );
    let included = &with_pass.body["included"][0];
    assert_eq!(included["id"], "PASS42");
    assert_eq!(included["attributes"].as_object().unwrap().len(), 1);
    assert!(
        included["attributes"]["identifier"]
            .as_str()
            .unwrap()
            .starts_with("pass.")
    );

    let related = client
        .get(&format!("/v1/certificates/{id}/passTypeId?include=certificates"))
        .await;
    assert_eq!(related.status, 200);
    assert_schema("PassTypeIdResponse", &related.body);
    assert_eq!(related.body["data"]["id"], "PASS42");
    assert_eq!(related.body["included"][0]["id"], id.as_str());

    // A pass certificate needs its pass type ID; another certificate has none to show.
    let missing = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("PASS_TYPE_ID", &rsa_key().1)),
        )
        .await;
    assert_error(&missing, 409, "ENTITY_ERROR.RELATIONSHIP.REQUIRED");
    let other = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("IOS_DEVELOPMENT", &rsa_key().1)),
        )
        .await;
    let other_id = other.body["data"]["id"].as_str().unwrap();
    assert_error(
        &client
            .get(&format!("/v1/certificates/{other_id}/passTypeId"))
            .await,
        404,
        "NOT_FOUND",
    );
}

#[tokio::test]
async fn bad_parameters_and_bodies_get_apples_errors() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let client = Client::new(&sandbox);
    for (query, parameter) in [
        ("limit=201", "limit"),
        ("limit=0", "limit"),
        ("sort=expirationDate", "sort"),
        ("filter[certificateType]=IOS_SOMETHING", "filter[certificateType]"),
        ("fields[certificates]=csrContent", "fields[certificates]"),
        ("include=certificates", "include"),
    ] {
        let reply = client.get(&format!("/v1/certificates?{query}")).await;
        assert_error(&reply, 400, "PARAMETER_ERROR.INVALID");
        assert_eq!(
            reply.body["errors"][0]["source"]["parameter"], parameter,
            "{query}"
        );
    }
    let illegal = client.get("/v1/certificates?filter[name]=x").await;
    assert_error(&illegal, 400, "PARAMETER_ERROR.ILLEGAL");

    let not_json = client
        .http
        .post(format!("{}/v1/certificates", sandbox.base_url()))
        .bearer_auth(client.token.as_deref().unwrap())
        .body("{not json")
        .send()
        .await
        .unwrap();
    let not_json = crate::common::Reply {
        status: not_json.status(),
        headers: not_json.headers().clone(),
        body: not_json.json().await.unwrap(),
    };
    assert_error(&not_json, 400, "PARAMETER_ERROR.INVALID");
    assert_error(
        &client.send(Method::PUT, "/v1/certificates", None).await,
        405,
        "METHOD_NOT_ALLOWED",
    );
    let wrong_shape = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&json!({"data": {"type": "certificates"}})),
        )
        .await;
    assert_error(&wrong_shape, 422, "ENTITY_UNPROCESSABLE");
    assert_eq!(wrong_shape.body["errors"][0]["source"]["pointer"], "/data");

    let bad_csr = client
        .send(
            Method::POST,
            "/v1/certificates",
            Some(&create_body("DEVELOPMENT", "garbage")),
        )
        .await;
    assert_error(&bad_csr, 409, "ENTITY_ERROR.ATTRIBUTE.INVALID");
    assert_eq!(
        bad_csr.body["errors"][0]["source"]["pointer"],
        "/data/attributes/csrContent"
    );

    let body = json!({"data": {"type": "certificates", "id": "OTHER", "attributes": {"activated": true}}});
    assert_error(
        &client
            .send(Method::PATCH, "/v1/certificates/NOPE", Some(&body))
            .await,
        404,
        "NOT_FOUND",
    );
    assert_error(
        &client.send(Method::DELETE, "/v1/certificates/NOPE", None).await,
        404,
        "NOT_FOUND",
    );
    assert_error(&client.get("/v1/nothing").await, 404, "NOT_FOUND");
}

#[tokio::test]
async fn per_type_limits_answer_409_with_apples_text() {
    let sandbox = Sandbox::builder().seed_certificates(30).start().await.unwrap();
    let client = Client::new(&sandbox);
    // Seeded certificates count, as every certificate of a team does at Apple; seeding leaves one
    // slot of each type free.
    let listed = client
        .get("/v1/certificates?filter[certificateType]=DISTRIBUTION&limit=200")
        .await;
    let now = time::OffsetDateTime::now_utc();
    let current = listed.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|c| {
            let a = &c["attributes"];
            let expires = time::OffsetDateTime::parse(
                &a["expirationDate"].as_str().unwrap().replace("+0000", "Z"),
                &time::format_description::well_known::Rfc3339,
            )
            .unwrap();
            // Deactivated certificates fill their slots too.
            expires > now
        })
        .count();
    assert!(
        (1..3).contains(&current),
        "seeded unexpired DISTRIBUTION certificates: {current}"
    );
    let body = create_body("DISTRIBUTION", &rsa_key().1);
    let mut created = Vec::new();
    for _ in current..3 {
        let reply = client.send(Method::POST, "/v1/certificates", Some(&body)).await;
        assert_eq!(reply.status, 201);
        created.push(reply.body["data"]["id"].as_str().unwrap().to_owned());
    }
    let refused = client.send(Method::POST, "/v1/certificates", Some(&body)).await;
    assert_error(&refused, 409, "ENTITY_ERROR");
    assert_eq!(
        refused.body["errors"][0]["detail"],
        "You already have a current Distribution certificate or a pending certificate request."
    );
    // Deactivating a certificate does not free its slot; revoking it does.
    let last = created.last().unwrap();
    let deactivate =
        json!({"data": {"type": "certificates", "id": last, "attributes": {"activated": false}}});
    let patched = client
        .send(
            Method::PATCH,
            &format!("/v1/certificates/{last}"),
            Some(&deactivate),
        )
        .await;
    assert_eq!(patched.status, 200);
    assert_error(
        &client.send(Method::POST, "/v1/certificates", Some(&body)).await,
        409,
        "ENTITY_ERROR",
    );
    let revoked = client
        .send(Method::DELETE, &format!("/v1/certificates/{last}"), None)
        .await;
    assert_eq!(revoked.status, 204);
    assert_eq!(
        client
            .send(Method::POST, "/v1/certificates", Some(&body))
            .await
            .status,
        201
    );
    // Development certificates are counted per key owner: two per key.
    let dev = create_body("DEVELOPMENT", &rsa_key().1);
    for _ in 0..2 {
        assert_eq!(
            client
                .send(Method::POST, "/v1/certificates", Some(&dev))
                .await
                .status,
            201
        );
    }
    assert_error(
        &client.send(Method::POST, "/v1/certificates", Some(&dev)).await,
        409,
        "ENTITY_ERROR",
    );
    let other_key = sandbox
        .add_key(ascert_sandbox::KeyRole::Admin, ascert_sandbox::KeyKind::Team)
        .unwrap();
    let other = Client::with_key(&sandbox, &other_key);
    assert_eq!(
        other
            .send(Method::POST, "/v1/certificates", Some(&dev))
            .await
            .status,
        201
    );
}

#[tokio::test]
async fn a_rejected_type_filter_and_the_rate_limit_answer_like_apple() {
    let sandbox = Sandbox::builder()
        .reject_type_filter(CertificateType::DeveloperIdApplicationG2)
        .rate_limit(3)
        .start()
        .await
        .unwrap();
    let client = Client::new(&sandbox);
    let rejected = client
        .get("/v1/certificates?filter[certificateType]=DEVELOPER_ID_APPLICATION_G2")
        .await;
    assert_error(&rejected, 400, "PARAMETER_ERROR.INVALID");
    assert_eq!(
        rejected.body["errors"][0]["source"]["parameter"],
        "filter[certificateType]"
    );
    assert_eq!(remaining_quota(&rejected), 2);
    assert_eq!(remaining_quota(&client.get("/v1/certificates").await), 1);
    assert_eq!(remaining_quota(&client.get("/v1/certificates").await), 0);
    let limited = client.get("/v1/certificates").await;
    assert_error(&limited, 429, "RATE_LIMIT_EXCEEDED");
    assert!(limited.headers.contains_key("retry-after"));
    assert_eq!(
        limited.headers["x-rate-limit"],
        "user-hour-lim:3;user-hour-rem:0;"
    );
}

#[tokio::test]
async fn seeding_thousands_is_immediate_and_content_is_issued_on_demand() {
    let sandbox = Sandbox::builder().seed_certificates(3000).start().await.unwrap();
    assert_eq!(sandbox.certificate_count(), 3000);
    let client = Client::new(&sandbox);
    let reply = client.get("/v1/certificates?limit=3").await;
    let page: CertificatesResponse = serde_json::from_value(reply.body).unwrap();
    assert_eq!(page.total(), Some(3000));
    for certificate in &page.data {
        let der = certificate.content_der().unwrap();
        let (_, parsed) = x509_parser::parse_x509_certificate(&der).unwrap();
        let serial = crate::common::hex_upper(parsed.raw_serial());
        assert_eq!(
            certificate.attributes.serial_number.as_deref(),
            Some(serial.as_str())
        );
    }
    let now = time::OffsetDateTime::now_utc();
    let all = client.get("/v1/certificates?limit=200").await;
    let page: CertificatesResponse = serde_json::from_value(all.body).unwrap();
    assert!(page.data.iter().any(|c| c.is_expired_at(now) == Some(true)));
    assert!(page.data.iter().any(|c| c.attributes.activated == Some(false)));
}
