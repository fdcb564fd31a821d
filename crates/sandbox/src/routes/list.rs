//! `GET /v1/certificates`: one page of the filtered, sorted list.

use std::sync::Arc;

use axum::Json;
use axum::extract::{RawQuery, State};
use axum::response::IntoResponse;
use serde_json::json;

use crate::query::{Endpoint, Query};
use crate::render::{self, CERTIFICATES_PATH};
use crate::state::{Shared, lock};
use crate::store::StoredCertificate;

use super::{Reply, ensure_contents, self_link};

pub(super) async fn list_certificates(State(shared): State<Arc<Shared>>, RawQuery(raw): RawQuery) -> Reply {
    let (page_size, rejected) = {
        let settings = lock(&shared.settings);
        (settings.page_size, settings.rejected_type_filter.clone())
    };
    let query = Query::parse(raw.as_deref(), Endpoint::List, rejected.as_ref())?;
    let limit = query.limit.unwrap_or(page_size);
    let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let mut store = lock(&shared.store);
    let mut matching: Vec<(usize, &StoredCertificate)> = store
        .certificates
        .iter()
        .enumerate()
        .filter(|(_, c)| query.matches(c))
        .collect();
    matching.sort_by(|(_, a), (_, b)| query.compare(a, b));
    let total = matching.len();
    let page: Vec<usize> = matching
        .iter()
        .skip(query.offset)
        .take(page_len)
        .map(|(i, _)| *i)
        .collect();
    let fields = query.certificate_fields.as_deref();
    ensure_contents(&shared, &mut store, &page, fields)?;
    let certificates: Vec<&StoredCertificate> = page.iter().map(|&i| &store.certificates[i]).collect();
    let next_offset = query.offset + page.len();
    let mut links = json!({ "self": self_link(&shared, CERTIFICATES_PATH, raw.as_deref()) });
    let mut paging = json!({ "total": total, "limit": limit });
    if next_offset < total {
        links["next"] = json!(format!(
            "{}{CERTIFICATES_PATH}?{}",
            shared.base_url,
            query.page_query(next_offset, limit)
        ));
        paging["nextCursor"] = json!(crate::query::cursor(next_offset));
    }
    let mut document = json!({
        "data": certificates
            .iter()
            .map(|c| render::certificate(&shared.base_url, c, fields, query.include))
            .collect::<Vec<_>>(),
        "links": links,
        "meta": { "paging": paging },
    });
    if query.include {
        document["included"] = json!(render::included_pass_type_ids(
            &shared.base_url,
            &certificates,
            query.pass_type_id_fields.as_deref()
        ));
    }
    Ok(Json(document).into_response())
}
