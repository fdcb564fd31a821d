//! The relationship linkages, the `links.self` of every relationship the sandbox renders:
//! `GET /v1/profiles/{id}/relationships/bundleId`, `/certificates` and `/devices`, and
//! `GET /v1/bundleIds/{id}/relationships/profiles`, `/bundleIdCapabilities` and `/app` (with the
//! `related` path of `app`, `GET /v1/bundleIds/{id}/app`).

use std::sync::Arc;

use axum::Json;
use axum::extract::{Path, RawQuery, State};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::apple_error::ApiFailure;
use crate::query::{Endpoint, Query};
use crate::resource;
use crate::state::Shared;
use crate::store::Resources;
use crate::store::provisioning::{StoredBundleId, StoredProfile};
use crate::sync::lock;
use crate::table::{BUNDLE_ID_CAPABILITIES, BUNDLE_IDS, CERTIFICATES, DEVICES, PROFILES};

use super::{Reply, self_link};

/// The relationship `name` of the resource at `owner` (such as `/v1/profiles/ABC`), linking
/// resources of `type_name`.
struct Relationship<'a> {
    owner: &'a str,
    name: &'a str,
    type_name: &'a str,
}

impl Relationship<'_> {
    fn self_path(&self) -> String {
        format!("{}/relationships/{}", self.owner, self.name)
    }

    fn related(&self, shared: &Shared) -> String {
        format!("{}{}/{}", shared.base_url, self.owner, self.name)
    }
}

/// A to-one linkage document: the identifier, `links.self` and `links.related`.
fn to_one(shared: &Shared, relationship: &Relationship<'_>, id: &str) -> Response {
    Json(json!({
        "data": { "type": relationship.type_name, "id": id },
        "links": {
            "self": self_link(shared, &relationship.self_path(), None),
            "related": relationship.related(shared),
        },
    }))
    .into_response()
}

/// One page of a to-many linkage document: the identifiers of the page, `links.self`, an absolute
/// `links.next` on every page but the last, and `meta.paging`, paged like the lists are.
fn to_many(
    shared: &Shared,
    relationship: &Relationship<'_>,
    query: &Query,
    raw: Option<&str>,
    ids: &[String],
    page_size: u32,
) -> Response {
    let limit = query.limit.unwrap_or(page_size);
    let page_len = usize::try_from(limit).unwrap_or(usize::MAX);
    let total = ids.len();
    let page: Vec<_> = ids
        .iter()
        .skip(query.offset)
        .take(page_len)
        .map(|id| json!({ "type": relationship.type_name, "id": id }))
        .collect();
    let next_offset = query.offset + page.len();
    let path = relationship.self_path();
    let mut links = json!({ "self": self_link(shared, &path, raw) });
    let mut paging = json!({ "total": total, "limit": limit });
    if next_offset < total {
        links["next"] = json!(format!(
            "{}{path}?{}",
            shared.base_url,
            query.page_query(next_offset, limit)
        ));
        paging["nextCursor"] = json!(crate::query::cursor(next_offset));
    }
    Json(json!({ "data": page, "links": links, "meta": { "paging": paging } })).into_response()
}

/// The to-many linkage `name` of the profile `id`: the ids `linked` lists that still exist, in the
/// order the related list shows them.
fn profile_linkages(
    shared: &Shared,
    id: &str,
    raw: Option<&str>,
    relationship: (&str, &str),
    linked: fn(&Resources, &StoredProfile) -> Vec<String>,
) -> Reply {
    let page_size = lock(&shared.settings).page_size;
    let query = Query::parse(raw, Endpoint::Linkages, None)?;
    let resources = lock(&shared.resources);
    let profile = &resources.profiles[resource::position::<StoredProfile>(&resources, id)?];
    let ids = linked(&resources, profile);
    let owner = format!("{}/{id}", PROFILES.path);
    let (name, type_name) = relationship;
    let relationship = Relationship {
        owner: &owner,
        name,
        type_name,
    };
    Ok(to_many(shared, &relationship, &query, raw, &ids, page_size))
}

pub(super) async fn profile_certificates(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let relationship = ("certificates", CERTIFICATES.type_name);
    profile_linkages(
        &shared,
        &id,
        raw.as_deref(),
        relationship,
        |resources, profile| {
            profile
                .certificates
                .iter()
                .filter(|c| resources.certificate_index(c).is_some())
                .cloned()
                .collect()
        },
    )
}

pub(super) async fn profile_devices(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let relationship = ("devices", DEVICES.type_name);
    profile_linkages(
        &shared,
        &id,
        raw.as_deref(),
        relationship,
        |resources, profile| {
            profile
                .devices
                .iter()
                .filter(|d| resources.device(d).is_some())
                .cloned()
                .collect()
        },
    )
}

pub(super) async fn profile_bundle_id(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    let bundle_id = {
        let resources = lock(&shared.resources);
        let index = resource::position::<StoredProfile>(&resources, &id)?;
        resources.profiles[index].bundle_id.clone()
    };
    let owner = format!("{}/{id}", PROFILES.path);
    let relationship = Relationship {
        owner: &owner,
        name: "bundleId",
        type_name: BUNDLE_IDS.type_name,
    };
    Ok(to_one(&shared, &relationship, &bundle_id))
}

/// The to-many linkage `name` of the bundle ID `id`: the resources `related` picks, by index.
fn bundle_id_linkages(
    shared: &Shared,
    id: &str,
    raw: Option<&str>,
    relationship: (&str, &str),
    related: fn(&Resources, &str) -> Vec<String>,
) -> Reply {
    let page_size = lock(&shared.settings).page_size;
    let query = Query::parse(raw, Endpoint::Linkages, None)?;
    let ids = {
        let resources = lock(&shared.resources);
        resource::position::<StoredBundleId>(&resources, id)?;
        related(&resources, id)
    };
    let owner = format!("{}/{id}", BUNDLE_IDS.path);
    let (name, type_name) = relationship;
    let relationship = Relationship {
        owner: &owner,
        name,
        type_name,
    };
    Ok(to_many(shared, &relationship, &query, raw, &ids, page_size))
}

pub(super) async fn bundle_id_profiles(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let relationship = ("profiles", PROFILES.type_name);
    bundle_id_linkages(&shared, &id, raw.as_deref(), relationship, |resources, id| {
        resources
            .profiles_of(id)
            .into_iter()
            .map(|i| resources.profiles[i].id.clone())
            .collect()
    })
}

pub(super) async fn bundle_id_capabilities(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let relationship = ("bundleIdCapabilities", BUNDLE_ID_CAPABILITIES.type_name);
    bundle_id_linkages(&shared, &id, raw.as_deref(), relationship, |resources, id| {
        resources
            .capabilities_of(id)
            .into_iter()
            .map(|i| resources.bundle_id_capabilities[i].id.clone())
            .collect()
    })
}

/// Apple's 404 for the app of the bundle ID `id`, which the sandbox never has: it has no apps.
/// `BundleIdAppLinkageResponse` requires a `data` object (no `null`), so a bundle ID without an app
/// has no linkage to answer with, as a certificate without a pass type ID has none.
fn no_app(shared: &Shared, id: &str) -> ApiFailure {
    let resources = lock(&shared.resources);
    if let Err(failure) = resource::position::<StoredBundleId>(&resources, id) {
        return failure;
    }
    let mut failure = ApiFailure::not_found("apps", id);
    failure.error.detail = format!("The bundle ID '{id}' has no related resource of type 'apps'");
    failure
}

/// `GET /v1/bundleIds/{id}/relationships/app`: never an app in the sandbox, so a 404.
pub(super) async fn bundle_id_app_linkage(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    Query::parse(raw.as_deref(), Endpoint::Bare, None)?;
    Err(no_app(&shared, &id))
}

/// `GET /v1/bundleIds/{id}/app`: never an app in the sandbox, so a 404. Apple takes `fields[apps]`
/// here; the sandbox knows no app attributes to check its values against, so it takes any.
pub(super) async fn bundle_id_app(
    State(shared): State<Arc<Shared>>,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Reply {
    let others: Vec<&str> = raw
        .as_deref()
        .unwrap_or_default()
        .split('&')
        .filter(|pair| {
            let name = pair.split_once('=').map_or(*pair, |(name, _)| name);
            name != "fields[apps]" && !name.eq_ignore_ascii_case("fields%5Bapps%5D")
        })
        .collect();
    Query::parse(Some(&others.join("&")), Endpoint::Bare, None)?;
    Err(no_app(&shared, &id))
}
