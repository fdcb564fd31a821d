//! The generic list and get requests against a scripted server: the query string a resource's table
//! renders, every page followed, local filters, the fallback when Apple refuses a filter, and the
//! URL of one resource.

#[allow(
    dead_code,
    reason = "the scripted server is shared with client.rs; this file uses part of it"
)]
mod support;

use ascert_models::Certificate;
use ascert_models::jsonapi::{ListQuery, ResourceQuery, SortOrder};
use futures::TryStreamExt as _;
use support::{Mock, Reply, Tokens, apple_error, client, page};

fn ids(certificates: &[Certificate]) -> Vec<&str> {
    certificates.iter().map(|c| c.id.as_str()).collect()
}

#[tokio::test]
async fn a_list_follows_every_page_and_filters_locally() {
    let server = Mock::start(|seen, _| match seen.path_and_query.as_str() {
        "/v1/certificates?sort=-id&limit=2" => {
            Reply::json(200, page(&["D", "C"], Some("/v1/certificates?cursor=2")))
        }
        "/v1/certificates?cursor=2" => Reply::json(200, page(&["B", "A"], None)),
        other => Reply::json(404, apple_error(404, "NOT_FOUND", other)),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let query = ListQuery::<Certificate>::new()
        .sort("id", SortOrder::Descending)
        .unwrap()
        .limit(2)
        .unwrap();
    let request = client.list(query).filter_locally(|c: &Certificate| c.id != "C");
    assert_eq!(request.url().unwrap().query(), Some("sort=-id&limit=2"));

    let first = request.clone().page().await.unwrap();
    assert_eq!(ids(&first.data), ["D", "C"], "a page is what Apple sent");
    let pages: Vec<_> = request
        .clone()
        .prefetch(true)
        .pages()
        .try_collect()
        .await
        .unwrap();
    assert_eq!(pages.len(), 2);
    let all = request.all().await.unwrap();
    assert_eq!(ids(&all), ["D", "B", "A"]);
}

#[tokio::test]
async fn a_refused_filter_is_applied_locally_instead() {
    let server = Mock::start(|seen, _| match seen.path_and_query.as_str() {
        "/v1/certificates?filter[certificateType]=NEW_TYPE&filter[id]=A,B,C" => Reply::json(
            400,
            apple_error(
                400,
                "PARAMETER_ERROR.INVALID",
                "'NEW_TYPE' is not a valid filter value for filter[certificateType]",
            ),
        ),
        "/v1/certificates?filter[id]=A,B,C" => Reply::json(200, page(&["A", "B", "C"], None)),
        other => Reply::json(404, apple_error(404, "NOT_FOUND", other)),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let query = ListQuery::<Certificate>::new()
        .filter("id", "A")
        .and_then(|q| q.filter("id", "B"))
        .and_then(|q| q.filter("id", "C"))
        .and_then(|q| q.filter("certificateType", "NEW_TYPE"))
        .unwrap();

    // Without a fallback the refusal is the answer.
    let err = client.list(query.clone()).all().await.unwrap_err();
    assert!(err.rejects_parameter("filter[certificateType]"), "{err}");
    assert!(!err.rejects_parameter("filter[id]"));

    let kept = client
        .list(query)
        .filter_locally_if_refused("certificateType", |c: &Certificate| c.id == "B")
        .all()
        .await
        .unwrap();
    assert_eq!(ids(&kept), ["B"]);
}

#[tokio::test]
async fn one_resource_is_fetched_with_its_id_escaped_and_its_query() {
    let server = Mock::start(|seen, _| match seen.path_and_query.as_str() {
        "/v1/certificates/A%2FB?include=passTypeId" => Reply::json(
            200,
            r#"{"data":{"type":"certificates","id":"A/B"},
                "included":[{"type":"passTypeIds","id":"P1"}],
                "links":{"self":"https://example.invalid/v1/certificates/A%2FB"}}"#,
        ),
        other => Reply::json(404, apple_error(404, "NOT_FOUND", other)),
    })
    .await;
    let client = client(&server, Tokens::new(&["t1"]));
    let query = ResourceQuery::<Certificate>::new().include("passTypeId").unwrap();
    let document = client.get_resource("A/B", &query).await.unwrap();
    assert_eq!(document.data.id, "A/B");
    assert_eq!(document.included.unwrap()[0].id, "P1");
}
