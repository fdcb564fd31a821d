//! [`Resource`] and [`QuerySpec`]: how a resource tells the generic documents, queries and requests
//! where it lives and what its endpoints accept.

use serde::de::DeserializeOwned;

/// What a resource's endpoints accept in their query string, as Apple's specification lists it:
/// the filters and sort keys of the list, the sparse fieldsets (per resource type) and includes of
/// the list and of one resource, the limits of included relationships, and the largest page.
///
/// A `const` table, built with [`QuerySpec::new`] and the `with_` methods:
///
/// ```
/// use ascert_models::jsonapi::QuerySpec;
///
/// // What GET /v1/devices accepts.
/// const DEVICES: QuerySpec = QuerySpec::new(
///     &["name", "platform", "udid", "status", "id"],
///     &["name", "platform", "udid", "status", "id"],
/// )
/// .with_fields(&[("devices", &["name", "platform", "udid", "status", "model"])]);
/// assert_eq!(DEVICES.max_limit, 200);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct QuerySpec {
    /// The names of `filter[…]`, in the order they are written.
    pub filters: &'static [&'static str],
    /// The keys `sort` accepts (each also descending, with a leading `-`).
    pub sort: &'static [&'static str],
    /// The sparse fieldsets: for each resource type of `fields[type]`, its fields. The resource's
    /// own type comes first; they are written in this order.
    pub fields: &'static [(&'static str, &'static [&'static str])],
    /// The relationships `include` accepts.
    pub include: &'static [&'static str],
    /// The relationships with a `limit[relationship]`, and the largest it may be.
    pub include_limits: &'static [(&'static str, u32)],
    /// The largest page (`limit`); Apple's lists serve at most 200 resources a page.
    pub max_limit: u32,
}

impl QuerySpec {
    /// A table with these filters and sort keys; no sparse fieldset, include or included limit;
    /// pages of up to 200 resources.
    pub const fn new(filters: &'static [&'static str], sort: &'static [&'static str]) -> Self {
        Self {
            filters,
            sort,
            fields: &[],
            include: &[],
            include_limits: &[],
            max_limit: super::query::MAX_LIMIT,
        }
    }

    /// The same table with these sparse fieldsets.
    #[must_use]
    pub const fn with_fields(mut self, fields: &'static [(&'static str, &'static [&'static str])]) -> Self {
        self.fields = fields;
        self
    }

    /// The same table with these includes.
    #[must_use]
    pub const fn with_include(mut self, include: &'static [&'static str]) -> Self {
        self.include = include;
        self
    }

    /// The same table with these limits of included relationships (`limit[devices]` up to 50).
    #[must_use]
    pub const fn with_include_limits(mut self, limits: &'static [(&'static str, u32)]) -> Self {
        self.include_limits = limits;
        self
    }

    /// The same table with another largest page.
    #[must_use]
    pub const fn with_max_limit(mut self, max: u32) -> Self {
        self.max_limit = max;
        self
    }
}

/// A resource of the App Store Connect API, as the generic documents, queries and requests (those
/// of ascert-transport included) need to know it: its `type`, where its collection is, what its
/// endpoints accept, and what its documents include.
///
/// Implemented here by [`Certificate`](crate::Certificate); a resource added later (profiles,
/// bundle IDs, devices) implements it the same way and gets lists, pages and queries for free.
pub trait Resource: DeserializeOwned + Send + 'static {
    /// The JSON:API `type`, such as `"certificates"`.
    const TYPE: &'static str;
    /// The path of the collection below the base URL, such as `"v1/certificates"`; one resource is
    /// at `{PATH}/{id}`.
    const PATH: &'static str;
    /// What the resource's endpoints accept in their query string.
    const QUERY: QuerySpec;
    /// What the `included` array of this resource's documents holds: one resource type, or
    /// [`Included`](crate::jsonapi::Included) when there are several.
    type Included: DeserializeOwned + Send + 'static;

    /// The resource's id.
    fn id(&self) -> &str;
}
