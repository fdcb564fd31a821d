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
    let mut resources = lock(&shared.resources);
    let matching = resource::matching::<R>(&resources, &query);
    let shown = Shown {
        indices: &matching,
        path: R::SPEC.path,
        raw: raw.as_deref(),
        page_size,
    };
    page::<R>(&shared, &mut resources, &query, &shown)
}

/// What one page shows: the resources at `indices` (already filtered and sorted) of the list at
/// `path`, asked for with the query string `raw`, `page_size` at a time when the query gives no
/// `limit`.
#[derive(Clone, Copy)]
pub(super) struct Shown<'a> {
    pub(super) indices: &'a [usize],
    pub(super) path: &'a str,
    pub(super) raw: Option<&'a str>,
    /// Read from the settings before the resources were locked.
    pub(super) page_size: u32,
}

/// One page of `shown`: `links.self`, an absolute `links.next` on every page but the last,
/// `meta.paging` and `included`.
pub(super) fn page<R: Resource>(
    shared: &Shared,
    resources: &mut Resources,
    query: &Query,
    shown_page: &Shown<'_>,
) -> Reply {
    let Shown {
        indices,
        path,
        raw,
        page_size,
    } = *shown_page;
    let limit = query.limit.unwrap_or(page_size);
    let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let context = shared.context();
    let total = indices.len();
    let page: Vec<usize> = indices
        .iter()
        .copied()
        .skip(query.offset)
        .take(page_len)
        .collect();
    R::prepare(resources, &page, query, &context)?;
    let resources = &*resources;
    let all = R::all(resources);
    let shown: Vec<&R> = page.iter().map(|&i| &all[i]).collect();
    let next_offset = query.offset + page.len();
    let mut links = json!({ "self": self_link(shared, path, raw) });
    let mut paging = json!({ "total": total, "limit": limit });
    if next_offset < total {
        links["next"] = json!(format!(
            "{}{path}?{}",
            shared.base_url,
            query.page_query(next_offset, limit)
        ));
        paging["nextCursor"] = json!(crate::query::cursor(next_offset));
    }
    let mut document = json!({
        "data": shown.iter().map(|r| r.render_with(resources, &context, query)).collect::<Vec<_>>(),
        "links": links,
        "meta": { "paging": paging },
    });
    if let Some(included) = R::included(resources, &shown, &context, query) {
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
        "data": shown.render_with(resources, &context, query),
        "links": { "self": self_link(shared, &path, raw) },
    });
    if let Some(included) = R::included(resources, &[shown], &context, query) {
        document["included"] = json!(included);
    }
    document
}
