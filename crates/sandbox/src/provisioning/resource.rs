//! The provisioning resources as the generic list and get handlers serve them: how each filter and
//! sort key of their table entries reads them, and what `include` adds.

use std::cmp::Ordering;

use serde_json::Value;

use super::render::{self, Linkage, Linkages};
use crate::apple_error::ApiFailure;
use crate::query::Query;
use crate::resource::{Context, Resource, certificate_fields, issue_contents};
use crate::store::Resources;
use crate::store::provisioning::{StoredBundleId, StoredCapability, StoredDevice, StoredProfile};
use crate::table::{BUNDLE_ID_CAPABILITIES, BUNDLE_IDS, DEVICES, PROFILES, ResourceSpec};

/// How many related resources an included to-many relationship links without `limit[…]`, as for
/// a pass type ID's certificates.
pub(crate) const DEFAULT_INCLUDE_LIMIT: u32 = 50;

/// The linkage of the to-many relationship `name` holding `ids`, when `query` includes it.
fn linkage<'a>(
    query: &Query,
    name: &'static str,
    ids: impl Iterator<Item = &'a str>,
) -> Option<(&'static str, Linkage<'a>)> {
    if !query.includes(name) {
        return None;
    }
    let limit = query.include_limit(name).unwrap_or(DEFAULT_INCLUDE_LIMIT);
    let all: Vec<&str> = ids.collect();
    let total = all.len();
    let ids = all
        .into_iter()
        .take(usize::try_from(limit).unwrap_or(usize::MAX))
        .collect();
    Some((name, Linkage { ids, total, limit }))
}

/// The distinct ids of `linkages` named `name` across `shown`, in order of first appearance.
fn distinct<'a>(linkages: impl Iterator<Item = Vec<&'a str>>) -> Vec<&'a str> {
    let mut seen: Vec<&str> = Vec::new();
    for id in linkages.flatten() {
        if !seen.contains(&id) {
            seen.push(id);
        }
    }
    seen
}

fn text_matches(value: &str, values: &[String]) -> bool {
    values.iter().any(|v| v == value)
}

impl StoredProfile {
    /// The linkages `query` includes: existing devices and certificates, each up to its limit.
    fn linkages<'a>(&'a self, resources: &Resources, query: &Query) -> Linkages<'a> {
        let devices = self.devices.iter().filter(|id| resources.device(id).is_some());
        let certificates = self
            .certificates
            .iter()
            .filter(|id| resources.certificate(id).is_some());
        [
            linkage(query, "devices", devices.map(String::as_str)),
            linkage(query, "certificates", certificates.map(String::as_str)),
        ]
        .into_iter()
        .flatten()
        .collect()
    }

    fn linked<'a>(shown: &[&'a Self], resources: &Resources, query: &Query, name: &str) -> Vec<&'a str> {
        distinct(shown.iter().map(|p| {
            p.linkages(resources, query)
                .into_iter()
                .filter(|(n, _)| *n == name)
                .flat_map(|(_, l)| l.ids)
                .collect()
        }))
    }
}

impl Resource for StoredProfile {
    const SPEC: &'static ResourceSpec = &PROFILES;

    fn all(resources: &Resources) -> &[Self] {
        &resources.profiles
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn matches(&self, filter: &str, values: &[String]) -> bool {
        match filter {
            "name" => text_matches(&self.name, values),
            "profileType" => text_matches(self.profile_type.as_str(), values),
            "profileState" => text_matches(self.state.as_str(), values),
            "id" => text_matches(&self.id, values),
            _ => true,
        }
    }

    fn compare(&self, other: &Self, field: &str) -> Ordering {
        match field {
            "name" => self.name.cmp(&other.name),
            "profileType" => self.profile_type.as_str().cmp(other.profile_type.as_str()),
            "profileState" => self.state.as_str().cmp(other.state.as_str()),
            "id" => self.id.cmp(&other.id),
            _ => Ordering::Equal,
        }
    }

    fn prepare(
        resources: &mut Resources,
        indices: &[usize],
        query: &Query,
        context: &Context<'_>,
    ) -> Result<(), ApiFailure> {
        if !query.includes("certificates") {
            return Ok(());
        }
        let shown: Vec<&Self> = indices.iter().map(|&i| &resources.profiles[i]).collect();
        let certificates: Vec<usize> = Self::linked(&shown, resources, query, "certificates")
            .into_iter()
            .filter_map(|id| resources.certificate_index(id))
            .collect();
        issue_contents(
            resources,
            &certificates,
            certificate_fields(query).as_deref(),
            context,
        )
    }

    fn render(&self, context: &Context<'_>, query: &Query) -> Value {
        render::profile(
            context.base_url,
            self,
            query.fields(PROFILES.type_name),
            false,
            &Vec::new(),
        )
    }

    fn render_with(&self, resources: &Resources, context: &Context<'_>, query: &Query) -> Value {
        render::profile(
            context.base_url,
            self,
            query.fields(PROFILES.type_name),
            query.includes("bundleId"),
            &self.linkages(resources, query),
        )
    }

    fn included(
        resources: &Resources,
        shown: &[&Self],
        context: &Context<'_>,
        query: &Query,
    ) -> Option<Vec<Value>> {
        let mut included = Vec::new();
        if query.includes("bundleId") {
            let ids = distinct(shown.iter().map(|p| vec![p.bundle_id.as_str()]));
            included.extend(ids.into_iter().filter_map(|id| resources.bundle_id(id)).map(|b| {
                render::bundle_id(
                    context.base_url,
                    b,
                    query.fields(BUNDLE_IDS.type_name),
                    &Vec::new(),
                )
            }));
        }
        if query.includes("certificates") {
            let fields = certificate_fields(query);
            included.extend(
                Self::linked(shown, resources, query, "certificates")
                    .into_iter()
                    .filter_map(|id| resources.certificate(id))
                    .map(|c| crate::render::certificate(context.base_url, c, fields.as_deref(), false)),
            );
        }
        if query.includes("devices") {
            included.extend(
                Self::linked(shown, resources, query, "devices")
                    .into_iter()
                    .filter_map(|id| resources.device(id))
                    .map(|d| render::device(context.base_url, d, query.fields(DEVICES.type_name))),
            );
        }
        (query.includes("bundleId") || query.includes("certificates") || query.includes("devices"))
            .then_some(included)
    }
}

impl StoredBundleId {
    fn linkages<'a>(&self, resources: &'a Resources, query: &Query) -> Linkages<'a> {
        let profiles = resources
            .profiles_of(&self.id)
            .into_iter()
            .map(|i| resources.profiles[i].id.as_str());
        let capabilities = resources
            .capabilities_of(&self.id)
            .into_iter()
            .map(|i| resources.bundle_id_capabilities[i].id.as_str());
        [
            linkage(query, "profiles", profiles),
            linkage(query, "bundleIdCapabilities", capabilities),
        ]
        .into_iter()
        .flatten()
        .collect()
    }
}

impl Resource for StoredBundleId {
    const SPEC: &'static ResourceSpec = &BUNDLE_IDS;

    fn all(resources: &Resources) -> &[Self] {
        &resources.bundle_ids
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn matches(&self, filter: &str, values: &[String]) -> bool {
        match filter {
            "name" => text_matches(&self.name, values),
            "platform" => text_matches(self.platform.as_str(), values),
            "identifier" => text_matches(&self.identifier, values),
            "seedId" => text_matches(&self.seed_id, values),
            "id" => text_matches(&self.id, values),
            _ => true,
        }
    }

    fn compare(&self, other: &Self, field: &str) -> Ordering {
        match field {
            "name" => self.name.cmp(&other.name),
            "platform" => self.platform.as_str().cmp(other.platform.as_str()),
            "identifier" => self.identifier.cmp(&other.identifier),
            "seedId" => self.seed_id.cmp(&other.seed_id),
            "id" => self.id.cmp(&other.id),
            _ => Ordering::Equal,
        }
    }

    fn render(&self, context: &Context<'_>, query: &Query) -> Value {
        render::bundle_id(
            context.base_url,
            self,
            query.fields(BUNDLE_IDS.type_name),
            &Vec::new(),
        )
    }

    fn render_with(&self, resources: &Resources, context: &Context<'_>, query: &Query) -> Value {
        render::bundle_id(
            context.base_url,
            self,
            query.fields(BUNDLE_IDS.type_name),
            &self.linkages(resources, query),
        )
    }

    fn included(
        resources: &Resources,
        shown: &[&Self],
        context: &Context<'_>,
        query: &Query,
    ) -> Option<Vec<Value>> {
        let linked = |name: &str| {
            distinct(shown.iter().map(|b| {
                b.linkages(resources, query)
                    .into_iter()
                    .filter(|(n, _)| *n == name)
                    .flat_map(|(_, l)| l.ids)
                    .collect()
            }))
        };
        let mut included = Vec::new();
        if query.includes("profiles") {
            included.extend(
                linked("profiles")
                    .into_iter()
                    .filter_map(|id| resources.profiles.iter().find(|p| p.id == id))
                    .map(|p| {
                        render::profile(
                            context.base_url,
                            p,
                            query.fields(PROFILES.type_name),
                            false,
                            &Vec::new(),
                        )
                    }),
            );
        }
        if query.includes("bundleIdCapabilities") {
            included.extend(
                linked("bundleIdCapabilities")
                    .into_iter()
                    .filter_map(|id| resources.bundle_id_capabilities.iter().find(|c| c.id == id))
                    .map(|c| {
                        render::capability(
                            context.base_url,
                            c,
                            query.fields(BUNDLE_ID_CAPABILITIES.type_name),
                        )
                    }),
            );
        }
        (query.includes("profiles") || query.includes("bundleIdCapabilities")).then_some(included)
    }
}

impl Resource for StoredDevice {
    const SPEC: &'static ResourceSpec = &DEVICES;

    fn all(resources: &Resources) -> &[Self] {
        &resources.devices
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn matches(&self, filter: &str, values: &[String]) -> bool {
        match filter {
            "name" => text_matches(&self.name, values),
            "platform" => text_matches(self.platform.as_str(), values),
            // Apple's UDIDs come back in either case (fastlane PR 17433): compare without it.
            "udid" => values.iter().any(|v| v.eq_ignore_ascii_case(&self.udid)),
            "status" => text_matches(self.status.as_str(), values),
            "id" => text_matches(&self.id, values),
            _ => true,
        }
    }

    fn compare(&self, other: &Self, field: &str) -> Ordering {
        match field {
            "name" => self.name.cmp(&other.name),
            "platform" => self.platform.as_str().cmp(other.platform.as_str()),
            "udid" => self.udid.cmp(&other.udid),
            "status" => self.status.as_str().cmp(other.status.as_str()),
            "id" => self.id.cmp(&other.id),
            _ => Ordering::Equal,
        }
    }

    fn render(&self, context: &Context<'_>, query: &Query) -> Value {
        render::device(context.base_url, self, query.fields(DEVICES.type_name))
    }

    fn included(_: &Resources, _: &[&Self], _: &Context<'_>, _: &Query) -> Option<Vec<Value>> {
        None
    }
}

impl Resource for StoredCapability {
    const SPEC: &'static ResourceSpec = &BUNDLE_ID_CAPABILITIES;

    fn all(resources: &Resources) -> &[Self] {
        &resources.bundle_id_capabilities
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn matches(&self, _: &str, _: &[String]) -> bool {
        true
    }

    fn compare(&self, other: &Self, _: &str) -> Ordering {
        self.id.cmp(&other.id)
    }

    fn render(&self, context: &Context<'_>, query: &Query) -> Value {
        render::capability(
            context.base_url,
            self,
            query.fields(BUNDLE_ID_CAPABILITIES.type_name),
        )
    }

    fn included(_: &Resources, _: &[&Self], _: &Context<'_>, _: &Query) -> Option<Vec<Value>> {
        None
    }
}
