//! [`ListQuery`] and [`ResourceQuery`]: the query string of any resource's list and of one
//! resource, checked against the resource's [`QuerySpec`] and rendered as Apple expects it.

use std::fmt;
use std::marker::PhantomData;

use percent_encoding::{AsciiSet, NON_ALPHANUMERIC, utf8_percent_encode};

use crate::ModelError;
use crate::jsonapi::Resource;

/// The largest page Apple serves (`limit`); without a limit Apple sends 20.
pub const MAX_LIMIT: u32 = 200;

/// Ascending or descending order.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum SortOrder {
    /// Smallest first.
    #[default]
    Ascending,
    /// Largest first; written with a leading `-`.
    Descending,
}

/// Characters escaped in a query value: everything but RFC 3986's unreserved set. Commas in a value
/// are escaped too, since an unescaped comma separates the values of one parameter.
const VALUE: &AsciiSet = &NON_ALPHANUMERIC
    .remove(b'-')
    .remove(b'.')
    .remove(b'_')
    .remove(b'~');

/// Writes `name=v1,v2` parameters joined by `&`, leaving out those without values.
struct Params {
    first: bool,
}

impl Params {
    fn write<'v>(
        &mut self,
        f: &mut fmt::Formatter<'_>,
        name: fmt::Arguments<'_>,
        values: impl IntoIterator<Item = &'v str>,
    ) -> fmt::Result {
        let mut values = values.into_iter().peekable();
        if values.peek().is_none() {
            return Ok(());
        }
        if !std::mem::take(&mut self.first) {
            f.write_str("&")?;
        }
        write!(f, "{name}=")?;
        for (i, value) in values.enumerate() {
            if i > 0 {
                f.write_str(",")?;
            }
            write!(f, "{}", utf8_percent_encode(value, VALUE))?;
        }
        Ok(())
    }
}

/// `word` as the table's own `&'static str`, or the error naming the choices.
fn lookup(what: &'static str, word: &str, table: &[&'static str]) -> Result<&'static str, ModelError> {
    table
        .iter()
        .copied()
        .find(|known| *known == word)
        .ok_or_else(|| ModelError::UnknownValue {
            what,
            value: word.chars().take(64).collect(),
            expected: table.join(", "),
        })
}

/// The entry of `key` in `entries`, added (empty) if missing.
fn entry<K: PartialEq + Copy, V: Default>(entries: &mut Vec<(K, V)>, key: K) -> &mut V {
    let at = entries.iter().position(|(k, _)| *k == key).unwrap_or_else(|| {
        entries.push((key, V::default()));
        entries.len() - 1
    });
    &mut entries[at].1
}

/// The sparse fieldsets, includes and included limits of a request for one resource `R`
/// (`GET /v1/{type}/{id}`), checked against [`R::QUERY`](Resource::QUERY).
///
/// ```
/// use ascert_models::Certificate;
/// use ascert_models::jsonapi::ResourceQuery;
///
/// let query = ResourceQuery::<Certificate>::new()
///     .fields("certificates", ["serialNumber", "passTypeId"])?
///     .include("passTypeId")?;
/// assert_eq!(query.to_string(), "fields[certificates]=serialNumber,passTypeId&include=passTypeId");
/// assert!(ResourceQuery::<Certificate>::new().include("devices").is_err());
/// # Ok::<(), ascert_models::ModelError>(())
/// ```
#[non_exhaustive]
pub struct ResourceQuery<R> {
    fields: Vec<(&'static str, Vec<&'static str>)>,
    include: Vec<&'static str>,
    include_limits: Vec<(&'static str, u32)>,
    resource: PhantomData<fn() -> R>,
}

impl<R: Resource> ResourceQuery<R> {
    /// No sparse fieldset and no include: every attribute, no related resource.
    pub fn new() -> Self {
        Self::default()
    }

    /// Asks only for these fields of the resources of `type_name` (`fields[type_name]`, the
    /// resource's own type or an included one); repeated calls add fields.
    ///
    /// # Errors
    /// [`ModelError::UnknownValue`] for a type or a field that `R::QUERY` does not list.
    pub fn fields<'a>(
        mut self,
        type_name: &str,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ModelError> {
        let types: Vec<&'static str> = R::QUERY.fields.iter().map(|(t, _)| *t).collect();
        let type_name = lookup("fields type", type_name, &types)?;
        let known = R::QUERY
            .fields
            .iter()
            .find_map(|(t, known)| (*t == type_name).then_some(*known))
            .unwrap_or_default();
        let mut checked = Vec::new();
        for field in fields {
            checked.push(lookup("field", field, known)?);
        }
        entry(&mut self.fields, type_name).extend(checked);
        Ok(self)
    }

    /// Includes the related resources of `relationship` (`include`); once is enough.
    ///
    /// # Errors
    /// [`ModelError::UnknownValue`] for a relationship that `R::QUERY` does not list.
    pub fn include(mut self, relationship: &str) -> Result<Self, ModelError> {
        let relationship = lookup("include", relationship, R::QUERY.include)?;
        if !self.include.contains(&relationship) {
            self.include.push(relationship);
        }
        Ok(self)
    }

    /// Sets how many related resources of `relationship` are included (`limit[relationship]`).
    ///
    /// # Errors
    /// [`ModelError::UnknownValue`] for a relationship without such a limit,
    /// [`ModelError::LimitOutOfRange`] for a limit of 0 or above the relationship's largest.
    pub fn include_limit(mut self, relationship: &str, limit: u32) -> Result<Self, ModelError> {
        let names: Vec<&'static str> = R::QUERY.include_limits.iter().map(|(r, _)| *r).collect();
        let relationship = lookup("included limit", relationship, &names)?;
        let max = R::QUERY
            .include_limits
            .iter()
            .find_map(|(r, max)| (*r == relationship).then_some(*max))
            .unwrap_or_default();
        if !(1..=max).contains(&limit) {
            return Err(ModelError::LimitOutOfRange { limit, max });
        }
        *entry(&mut self.include_limits, relationship) = limit;
        Ok(self)
    }

    /// Adds a field the caller's own table vouches for (a typed wrapper's).
    pub(crate) fn push_field(&mut self, type_name: &'static str, field: &'static str) {
        entry(&mut self.fields, type_name).push(field);
    }

    /// Adds an include the caller's own table vouches for (a typed wrapper's).
    pub(crate) fn push_include(&mut self, relationship: &'static str) {
        if !self.include.contains(&relationship) {
            self.include.push(relationship);
        }
    }

    /// The query string, without a leading `?`; empty when nothing is set.
    pub fn to_query_string(&self) -> String {
        self.to_string()
    }

    /// `fields[…]` in the table's order, then `include`.
    fn write_fields_and_include(&self, f: &mut fmt::Formatter<'_>, params: &mut Params) -> fmt::Result {
        for (type_name, _) in R::QUERY.fields {
            if let Some((_, fields)) = self.fields.iter().find(|(t, _)| t == type_name) {
                params.write(f, format_args!("fields[{type_name}]"), fields.iter().copied())?;
            }
        }
        params.write(f, format_args!("include"), self.include.iter().copied())
    }

    /// `limit[…]` in the table's order.
    fn write_include_limits(&self, f: &mut fmt::Formatter<'_>, params: &mut Params) -> fmt::Result {
        for (relationship, _) in R::QUERY.include_limits {
            if let Some((_, limit)) = self.include_limits.iter().find(|(r, _)| r == relationship) {
                params.write(
                    f,
                    format_args!("limit[{relationship}]"),
                    [limit.to_string().as_str()],
                )?;
            }
        }
        Ok(())
    }
}

impl<R: Resource> fmt::Display for ResourceQuery<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut params = Params { first: true };
        self.write_fields_and_include(f, &mut params)?;
        self.write_include_limits(f, &mut params)
    }
}

impl<R> Default for ResourceQuery<R> {
    fn default() -> Self {
        Self {
            fields: Vec::new(),
            include: Vec::new(),
            include_limits: Vec::new(),
            resource: PhantomData,
        }
    }
}

impl<R> Clone for ResourceQuery<R> {
    fn clone(&self) -> Self {
        Self {
            fields: self.fields.clone(),
            include: self.include.clone(),
            include_limits: self.include_limits.clone(),
            resource: PhantomData,
        }
    }
}

impl<R> PartialEq for ResourceQuery<R> {
    fn eq(&self, other: &Self) -> bool {
        self.fields == other.fields
            && self.include == other.include
            && self.include_limits == other.include_limits
    }
}

impl<R> Eq for ResourceQuery<R> {}

impl<R> fmt::Debug for ResourceQuery<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ResourceQuery")
            .field("fields", &self.fields)
            .field("include", &self.include)
            .field("include_limits", &self.include_limits)
            .finish()
    }
}

/// The query of a list of `R` (`GET /v1/{type}`): filters, sort, sparse fieldsets, includes, page
/// size and included limits, each checked against [`R::QUERY`](Resource::QUERY).
///
/// Each filter takes several values (Apple matches any of them); the filters combine with AND. The
/// parameters are written in a fixed order — the filters, `sort`, `fields[…]` and `limit[…]` in
/// the order of the table — whatever the order of the calls.
///
/// ```
/// use ascert_models::Certificate;
/// use ascert_models::jsonapi::{ListQuery, SortOrder};
///
/// let query = ListQuery::<Certificate>::new()
///     .filter("certificateType", "IOS_DISTRIBUTION")?
///     .sort("displayName", SortOrder::Descending)?
///     .limit(200)?;
/// assert_eq!(query.to_string(), "filter[certificateType]=IOS_DISTRIBUTION&sort=-displayName&limit=200");
/// assert_eq!(
///     ListQuery::<Certificate>::new().filter("udid", "x").unwrap_err().to_string(),
///     "\"udid\" is not a valid filter; expected one of: displayName, certificateType, serialNumber, id"
/// );
/// # Ok::<(), ascert_models::ModelError>(())
/// ```
#[non_exhaustive]
pub struct ListQuery<R> {
    filters: Vec<(&'static str, Vec<String>)>,
    sort: Vec<(&'static str, SortOrder)>,
    resource: ResourceQuery<R>,
    limit: Option<u32>,
}

impl<R: Resource> ListQuery<R> {
    /// A query with no filter, Apple's default order and page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds `value` to `filter[name]`.
    ///
    /// # Errors
    /// [`ModelError::UnknownValue`] for a filter that `R::QUERY` does not list.
    pub fn filter(mut self, name: &str, value: impl Into<String>) -> Result<Self, ModelError> {
        let name = lookup("filter", name, R::QUERY.filters)?;
        self.push_filter(name, value.into());
        Ok(self)
    }

    /// Adds a sort criterion; earlier criteria take precedence.
    ///
    /// # Errors
    /// [`ModelError::UnknownValue`] for a key that `R::QUERY` does not list.
    pub fn sort(mut self, key: &str, order: SortOrder) -> Result<Self, ModelError> {
        let key = lookup("sort key", key, R::QUERY.sort)?;
        self.sort.push((key, order));
        Ok(self)
    }

    /// Asks only for these fields of the resources of `type_name`; see [`ResourceQuery::fields`].
    ///
    /// # Errors
    /// As [`ResourceQuery::fields`].
    pub fn fields<'a>(
        mut self,
        type_name: &str,
        fields: impl IntoIterator<Item = &'a str>,
    ) -> Result<Self, ModelError> {
        self.resource = self.resource.fields(type_name, fields)?;
        Ok(self)
    }

    /// Includes related resources; see [`ResourceQuery::include`].
    ///
    /// # Errors
    /// As [`ResourceQuery::include`].
    pub fn include(mut self, relationship: &str) -> Result<Self, ModelError> {
        self.resource = self.resource.include(relationship)?;
        Ok(self)
    }

    /// Sets how many related resources are included; see [`ResourceQuery::include_limit`].
    ///
    /// # Errors
    /// As [`ResourceQuery::include_limit`].
    pub fn include_limit(mut self, relationship: &str, limit: u32) -> Result<Self, ModelError> {
        self.resource = self.resource.include_limit(relationship, limit)?;
        Ok(self)
    }

    /// Sets the page size.
    ///
    /// # Errors
    /// [`ModelError::LimitOutOfRange`] unless `1 <= limit <= R::QUERY.max_limit`.
    pub fn limit(mut self, limit: u32) -> Result<Self, ModelError> {
        let max = R::QUERY.max_limit;
        if !(1..=max).contains(&limit) {
            return Err(ModelError::LimitOutOfRange { limit, max });
        }
        self.limit = Some(limit);
        Ok(self)
    }

    /// The page size asked for, if any.
    pub fn page_size(&self) -> Option<u32> {
        self.limit
    }

    /// The values of `filter[name]`; empty when it is not set.
    pub fn filter_values(&self, name: &str) -> &[String] {
        self.filters
            .iter()
            .find(|(n, _)| *n == name)
            .map_or(&[], |(_, values)| values.as_slice())
    }

    /// The same query without `filter[name]`, for when the server refuses one of its values and
    /// the caller filters locally instead.
    #[must_use]
    pub fn without_filter(&self, name: &str) -> Self {
        let mut query = self.clone();
        query.filters.retain(|(n, _)| *n != name);
        query
    }

    /// Adds a filter value the caller's own table vouches for (a typed wrapper's).
    pub(crate) fn push_filter(&mut self, name: &'static str, value: String) {
        entry(&mut self.filters, name).push(value);
    }

    /// Adds a sort key the caller's own table vouches for (a typed wrapper's).
    pub(crate) fn push_sort(&mut self, key: &'static str, order: SortOrder) {
        self.sort.push((key, order));
    }

    /// The sparse fieldsets and includes, for a typed wrapper to add to.
    pub(crate) fn resource_mut(&mut self) -> &mut ResourceQuery<R> {
        &mut self.resource
    }

    /// Sets a page size the caller has checked.
    pub(crate) fn set_limit(&mut self, limit: Option<u32>) {
        self.limit = limit;
    }

    /// The query string, without a leading `?`; empty when nothing is set.
    pub fn to_query_string(&self) -> String {
        self.to_string()
    }
}

impl<R: Resource> fmt::Display for ListQuery<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut params = Params { first: true };
        for name in R::QUERY.filters {
            if let Some((_, values)) = self.filters.iter().find(|(n, _)| n == name) {
                params.write(
                    f,
                    format_args!("filter[{name}]"),
                    values.iter().map(String::as_str),
                )?;
            }
        }
        let sort: Vec<String> = self
            .sort
            .iter()
            .map(|(key, order)| match order {
                SortOrder::Descending => format!("-{key}"),
                SortOrder::Ascending => (*key).to_owned(),
            })
            .collect();
        params.write(f, format_args!("sort"), sort.iter().map(String::as_str))?;
        self.resource.write_fields_and_include(f, &mut params)?;
        let limit = self.limit.map(|l| l.to_string());
        params.write(f, format_args!("limit"), limit.as_deref())?;
        self.resource.write_include_limits(f, &mut params)
    }
}

impl<R> Default for ListQuery<R> {
    fn default() -> Self {
        Self {
            filters: Vec::new(),
            sort: Vec::new(),
            resource: ResourceQuery::default(),
            limit: None,
        }
    }
}

impl<R> Clone for ListQuery<R> {
    fn clone(&self) -> Self {
        Self {
            filters: self.filters.clone(),
            sort: self.sort.clone(),
            resource: self.resource.clone(),
            limit: self.limit,
        }
    }
}

impl<R> PartialEq for ListQuery<R> {
    fn eq(&self, other: &Self) -> bool {
        self.filters == other.filters
            && self.sort == other.sort
            && self.resource == other.resource
            && self.limit == other.limit
    }
}

impl<R> Eq for ListQuery<R> {}

impl<R> fmt::Debug for ListQuery<R> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ListQuery")
            .field("filters", &self.filters)
            .field("sort", &self.sort)
            .field("resource", &self.resource)
            .field("limit", &self.limit)
            .finish()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::jsonapi::{QuerySpec, UnknownResource};

    /// A resource shaped like Apple's profiles, whose list has included limits: the table must fit
    /// it without this module naming it.
    struct Profile(UnknownResource);

    impl<'de> serde::Deserialize<'de> for Profile {
        fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
            UnknownResource::deserialize(d).map(Profile)
        }
    }

    impl Resource for Profile {
        const TYPE: &'static str = "profiles";
        const PATH: &'static str = "v1/profiles";
        const QUERY: QuerySpec = QuerySpec::new(
            &["name", "profileType", "profileState", "id"],
            &["name", "profileType", "profileState", "id"],
        )
        .with_fields(&[
            (
                "profiles",
                &[
                    "name",
                    "platform",
                    "profileType",
                    "bundleId",
                    "devices",
                    "certificates",
                ],
            ),
            ("bundleIds", &["name", "identifier"]),
            ("devices", &["name", "udid"]),
            ("certificates", &["serialNumber"]),
        ])
        .with_include(&["bundleId", "devices", "certificates"])
        .with_include_limits(&[("certificates", 50), ("devices", 50)]);
        type Included = crate::jsonapi::Included;

        fn id(&self) -> &str {
            &self.0.id
        }
    }

    #[test]
    fn a_profiles_query_renders_every_parameter_in_the_tables_order() {
        let query = ListQuery::<Profile>::new()
            .include_limit("devices", 50)
            .unwrap()
            .limit(10)
            .unwrap()
            .include("devices")
            .unwrap()
            .include("bundleId")
            .unwrap()
            .include("devices")
            .unwrap()
            .fields("devices", ["udid"])
            .unwrap()
            .fields("profiles", ["name", "devices"])
            .unwrap()
            .sort("name", SortOrder::Ascending)
            .unwrap()
            .filter("profileState", "ACTIVE")
            .unwrap()
            .filter("name", "CI, macOS")
            .unwrap()
            .filter("name", "Jane Doe")
            .unwrap();
        assert_eq!(
            query.to_string(),
            "filter[name]=CI%2C%20macOS,Jane%20Doe&filter[profileState]=ACTIVE&sort=name\
             &fields[profiles]=name,devices&fields[devices]=udid&include=devices,bundleId&limit=10&limit[devices]=50"
        );
        assert_eq!(query.filter_values("name"), ["CI, macOS", "Jane Doe"]);
        assert_eq!(
            query
                .without_filter("name")
                .without_filter("profileState")
                .to_string(),
            "sort=name&fields[profiles]=name,devices&fields[devices]=udid&include=devices,bundleId&limit=10\
             &limit[devices]=50"
        );
        assert!(query.filter_values("id").is_empty());
    }

    #[test]
    fn words_outside_the_table_are_refused_with_the_choices() {
        let err = |r: Result<ListQuery<Profile>, ModelError>| r.unwrap_err().to_string();
        assert_eq!(
            err(ListQuery::new().sort("udid", SortOrder::Ascending)),
            "\"udid\" is not a valid sort key; expected one of: name, profileType, profileState, id"
        );
        assert_eq!(
            err(ListQuery::new().fields("apps", ["name"])),
            "\"apps\" is not a valid fields type; expected one of: profiles, bundleIds, devices, certificates"
        );
        assert_eq!(
            err(ListQuery::new().fields("devices", ["model"])),
            "\"model\" is not a valid field; expected one of: name, udid"
        );
        assert_eq!(
            err(ListQuery::new().include_limit("devices", 51)),
            "limit 51 is out of range: Apple accepts 1 to 50 resources per page"
        );
        assert!(ListQuery::<Profile>::new().include_limit("bundleId", 1).is_err());
        assert!(ListQuery::<Profile>::new().limit(201).is_err());
        assert_eq!(ListQuery::<Profile>::new().to_query_string(), "");
    }

    #[test]
    fn a_query_for_one_resource_has_no_filter_sort_or_page_size() {
        let query = ResourceQuery::<Profile>::new()
            .include("certificates")
            .unwrap()
            .include_limit("certificates", 5)
            .unwrap();
        assert_eq!(query.to_string(), "include=certificates&limit[certificates]=5");
        assert_eq!(query.clone(), query);
    }
}
