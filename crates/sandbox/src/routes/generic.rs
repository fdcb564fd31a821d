//! `GET` of a resource's list and of one resource, for every resource of the table through the
//! [`Resource`] trait: the query checked against the table entry, filters, sort, paging with an
//! absolute `links.next`, sparse fieldsets and `included`.

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::IntoResponse;
use serde_json::{Value, json};

use crate::query::{Endpoint, Query, Refused};
use crate::resource::{self, Resource};
use crate::state::Shared;
use crate::store::Resources;
use crate::sync::lock;

use super::{Reply, self_link};

/// `GET /v1/<resources>`: one page of the filtered, sorted list.
pub(super) async fn list<R: Resource>(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Reply {
    let (page_size, rejected) = {
        let settings = lock(&shared.settings);
        (settings.page_size, settings.rejected_type_filter.clone())
    };
    let refused = rejected.as_ref().map(|t| Refused {
        filter: "certificateType",
        value: t.as_str(),
    });
    let query = Query::parse(raw.as_deref(), Endpoint::List(R::SPEC), refused)?;
    let limit = query.limit.unwrap_or(page_size);
    let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let context = shared.context();
    let mut resources = lock(&shared.resources);
    let matching = resource::matching::<R>(&resources, &query);
    let total = matching.len();
    let page: Vec<usize> = matching.into_iter().skip(query.offset).take(page_len).collect();
    R::prepare(&mut resources, &page, &query, &context)?;
    let all = R::all(&resources);
    let shown: Vec<&R> = page.iter().map(|&i| &all[i]).collect();
    let next_offset = query.offset + page.len();
    let mut links = json!({ "self": self_link(&shared, R::SPEC.path, raw.as_deref()) });
    let mut paging = json!({ "total": total, "limit": limit });
    if next_offset < total {
        links["next"] = json!(format!(
            "{}{}?{}",
            shared.base_url,
            R::SPEC.path,
            query.page_query(next_offset, limit)
        ));
        paging["nextCursor"] = json!(crate::query::cursor(next_offset));
    }
    let mut document = json!({
        "data": shown.iter().map(|r| r.render(&context, &query)).collect::<Vec<_>>(),
        "links": links,
        "meta": { "paging": paging },
    });
    if let Some(included) = R::included(&resources, &shown, &context, &query) {
        document["included"] = json!(included);
    }
    Ok(Json(document).into_response())
}

/// `GET /v1/<resources>/{id}`.
pub(super) async fn get<R: Resource>(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let query = Query::parse(raw.as_deref(), Endpoint::Get(R::SPEC), None)?;
    let mut resources = lock(&shared.resources);
    let index = resource::position::<R>(&resources, &id)?;
    R::prepare(&mut resources, &[index], &query, &shared.context())?;
    Ok(Json(document::<R>(&shared, &resources, index, &query, raw.as_deref())).into_response())
}

/// The single-resource document of the resource at `index`, as `query` (sent as `raw`) asks.
pub(super) fn document<R: Resource>(
    shared: &Shared,
    resources: &Resources,
    index: usize,
    query: &Query,
    raw: Option<&str>,
) -> Value {
    let context = shared.context();
    let shown = &R::all(resources)[index];
    let path = format!("{}/{}", R::SPEC.path, shown.id());
    let mut document = json!({
        "data": shown.render(&context, query),
        "links": { "self": self_link(shared, &path, raw) },
    });
    if let Some(included) = R::included(resources, &[shown], &context, query) {
        document["included"] = json!(included);
    }
    document
}
