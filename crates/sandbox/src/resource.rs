//! [`Resource`]: what the generic list and get handlers need of a resource — where its values are
//! kept, how each filter and sort key of its table entry reads them, and how it is shown — with the
//! certificates' implementation. A new resource is a table entry (`table.rs`), an implementation
//! of this trait, and handlers for its own writes.

use std::cmp::Ordering;

use ascert_models::{CertificateField, PassTypeIdField};
use serde_json::Value;

use crate::apple_error::ApiFailure;
use crate::ca::SandboxCa;
use crate::config::Team;
use crate::query::Query;
use crate::store::{Resources, StoredCertificate};
use crate::table::{CERTIFICATES, PASS_TYPE_IDS, ResourceSpec};

/// What showing a resource needs besides the resources: the base URL of links, and the team and
/// CA that issue the content of seeded certificates on first sight.
#[derive(Clone, Copy)]
pub(crate) struct Context<'a> {
    /// `http://127.0.0.1:PORT` (or `https://…`), without a trailing slash.
    pub(crate) base_url: &'a str,
    pub(crate) team: &'a Team,
    pub(crate) ca: &'a SandboxCa,
}

/// A resource the generic handlers serve.
pub(crate) trait Resource: Sized + 'static {
    /// Its entry in the resource table.
    const SPEC: &'static ResourceSpec;

    /// All of them, in creation order.
    fn all(resources: &Resources) -> &[Self];

    /// Its id.
    fn id(&self) -> &str;

    /// Whether its value of filter `filter` (a name of [`ResourceSpec::filters`]) is one of
    /// `values`.
    fn matches(&self, filter: &str, values: &[String]) -> bool;

    /// Orders two by `field` (a name of [`ResourceSpec::sort_keys`]), ascending.
    fn compare(&self, other: &Self, field: &str) -> Ordering;

    /// Gets the ones at `indices` ready to be shown as `query` asks, before they are rendered.
    ///
    /// # Errors
    /// Apple's 500 when that fails.
    fn prepare(
        _resources: &mut Resources,
        _indices: &[usize],
        _query: &Query,
        _context: &Context<'_>,
    ) -> Result<(), ApiFailure> {
        Ok(())
    }

    /// Its resource object, as `query` asks (sparse fieldsets, linkage of included relationships
    /// it holds itself).
    fn render(&self, context: &Context<'_>, query: &Query) -> Value;

    /// Its resource object as the generic handlers show it: [`render`](Self::render), with the
    /// linkage of included relationships that only the other resources know (a bundle ID's
    /// profiles, a profile's existing devices).
    fn render_with(&self, _resources: &Resources, context: &Context<'_>, query: &Query) -> Value {
        self.render(context, query)
    }

    /// The `included` resources of `shown`, when `query` asks for any.
    fn included(
        resources: &Resources,
        shown: &[&Self],
        context: &Context<'_>,
        query: &Query,
    ) -> Option<Vec<Value>>;
}

/// The indices of the resources that pass every filter of `query`, in its sort order (creation
/// order for ties).
pub(crate) fn matching<R: Resource>(resources: &Resources, query: &Query) -> Vec<usize> {
    let all = R::all(resources);
    let mut indices: Vec<usize> = (0..all.len())
        .filter(|&i| {
            query
                .filters()
                .all(|(filter, values)| all[i].matches(filter, values))
        })
        .collect();
    indices.sort_by(|&a, &b| {
        query
            .sort
            .iter()
            .map(|key| {
                let ordering = all[a].compare(&all[b], key.field);
                if key.descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(Ordering::Equal)
    });
    indices
}

/// The index of the resource `id`, or Apple's 404.
pub(crate) fn position<R: Resource>(resources: &Resources, id: &str) -> Result<usize, ApiFailure> {
    R::all(resources)
        .iter()
        .position(|r| r.id() == id)
        .ok_or_else(|| ApiFailure::not_found(R::SPEC.type_name, id))
}

/// The typed sparse fieldset of `fields[certificates]` (the table's names are the models').
pub(crate) fn certificate_fields(query: &Query) -> Option<Vec<CertificateField>> {
    typed(query.fields(CERTIFICATES.type_name))
}

/// The typed sparse fieldset of `fields[passTypeIds]`.
pub(crate) fn pass_type_id_fields(query: &Query) -> Option<Vec<PassTypeIdField>> {
    typed(query.fields(PASS_TYPE_IDS.type_name))
}

fn typed<T: std::str::FromStr>(fields: Option<&[&str]>) -> Option<Vec<T>> {
    fields.map(|names| names.iter().filter_map(|name| name.parse().ok()).collect())
}

/// Issues the content of the certificates at `indices` when `fields` shows it (seeded certificates
/// get theirs the first time it is shown).
pub(crate) fn issue_contents(
    resources: &mut Resources,
    indices: &[usize],
    fields: Option<&[CertificateField]>,
    context: &Context<'_>,
) -> Result<(), ApiFailure> {
    if fields.is_some_and(|f| !f.contains(&CertificateField::CertificateContent)) {
        return Ok(());
    }
    for &index in indices {
        resources
            .ensure_content(index, context.ca, context.team, context.base_url)
            .map_err(crate::apple_error::internal)?;
    }
    Ok(())
}

impl Resource for StoredCertificate {
    const SPEC: &'static ResourceSpec = &CERTIFICATES;

    fn all(resources: &Resources) -> &[Self] {
        &resources.certificates
    }

    fn id(&self) -> &str {
        &self.id
    }

    fn matches(&self, filter: &str, values: &[String]) -> bool {
        match filter {
            "displayName" => values.contains(&self.display_name),
            "certificateType" => values.iter().any(|v| v == self.certificate_type.as_str()),
            "serialNumber" => values.iter().any(|v| v.eq_ignore_ascii_case(&self.serial_number)),
            "id" => values.contains(&self.id),
            _ => true,
        }
    }

    fn compare(&self, other: &Self, field: &str) -> Ordering {
        match field {
            "displayName" => self.display_name.cmp(&other.display_name),
            "certificateType" => self
                .certificate_type
                .as_str()
                .cmp(other.certificate_type.as_str()),
            "serialNumber" => self.serial_number.cmp(&other.serial_number),
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
        issue_contents(resources, indices, certificate_fields(query).as_deref(), context)
    }

    fn render(&self, context: &Context<'_>, query: &Query) -> Value {
        crate::render::certificate(
            context.base_url,
            self,
            certificate_fields(query).as_deref(),
            query.includes("passTypeId"),
        )
    }

    fn included(
        resources: &Resources,
        shown: &[&Self],
        context: &Context<'_>,
        query: &Query,
    ) -> Option<Vec<Value>> {
        query.includes("passTypeId").then(|| {
            crate::render::included_pass_type_ids(
                context.base_url,
                resources,
                shown,
                pass_type_id_fields(query).as_deref(),
            )
        })
    }
}

#[cfg(test)]
mod tests {
    use ascert_models::CertificateType;
    use time::OffsetDateTime;

    use super::*;
    use crate::query::Endpoint;

    fn certificate(id: &str, display_name: &str, serial: &str) -> StoredCertificate {
        StoredCertificate {
            id: id.into(),
            certificate_type: CertificateType::Development,
            name: "n".into(),
            display_name: display_name.into(),
            serial_number: serial.into(),
            not_before: OffsetDateTime::UNIX_EPOCH,
            expiration_date: OffsetDateTime::UNIX_EPOCH,
            activated: true,
            content: None,
            pass_type_id: None,
            owner: "K".into(),
        }
    }

    #[test]
    fn every_filter_and_sort_key_of_the_table_reads_a_certificate() {
        let resources = Resources {
            certificates: vec![
                certificate("C", "Jane", "0A"),
                StoredCertificate {
                    certificate_type: CertificateType::Distribution,
                    ..certificate("A", "John", "0B")
                },
                certificate("B", "Jane", "0C"),
            ],
            ..Resources::default()
        };
        let list = |raw: &str| {
            let query = Query::parse(Some(raw), Endpoint::List(&CERTIFICATES), None).unwrap();
            matching::<StoredCertificate>(&resources, &query)
        };
        assert_eq!(list(""), [0, 1, 2]);
        assert_eq!(list("filter[displayName]=Jane"), [0, 2]);
        assert_eq!(list("filter[serialNumber]=0b,0c&filter[displayName]=Jane"), [2]);
        assert_eq!(list("filter[id]=A,B"), [1, 2]);
        assert_eq!(list("filter[certificateType]=DISTRIBUTION"), [1]);
        assert_eq!(
            list("filter[certificateType]=IOS_DEVELOPMENT"),
            Vec::<usize>::new()
        );
        assert_eq!(list("sort=id"), [1, 2, 0]);
        // Ties keep creation order; a later key breaks them.
        assert_eq!(list("sort=displayName"), [0, 2, 1]);
        assert_eq!(list("sort=displayName,-id"), [0, 2, 1]);
        assert_eq!(list("sort=-displayName,id"), [1, 2, 0]);
        assert_eq!(list("sort=-serialNumber"), [2, 1, 0]);
        // Every name the table declares is one the implementation reads.
        for filter in CERTIFICATES.filters {
            let matched = resources.certificates[0].matches(filter.name, &[]);
            assert!(!matched, "filter {} matches nothing on no values", filter.name);
        }
        for key in CERTIFICATES.sort_keys {
            assert_ne!(
                resources.certificates[0].compare(&resources.certificates[1], key),
                Ordering::Equal,
                "{key}"
            );
        }
        assert_eq!(
            position::<StoredCertificate>(&resources, "nope")
                .unwrap_err()
                .error
                .detail,
            "There is no resource of type 'certificates' with id 'nope'"
        );
    }
}
