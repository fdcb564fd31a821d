//! The one query parser: comma lists, filters, sort, sparse fieldsets, include, limits and the
//! paging cursor, checked against the resource table (`table.rs`) with Apple's 400 answers, which
//! are all here.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::percent_decode_str;

use crate::apple_error::ApiFailure;
use crate::table::{Filter, FilterValues, ResourceSpec};

/// Which endpoint a query belongs to; each accepts its own parameters, read from the table.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Endpoint {
    /// The list of a resource, such as `GET /v1/certificates`: its filters, `sort`, `fields[…]`,
    /// `limit`, `include` and `cursor`.
    List(&'static ResourceSpec),
    /// One resource, such as `GET /v1/certificates/{id}`: `fields[…]` and `include`.
    Get(&'static ResourceSpec),
    /// The resource related to another, such as `GET /v1/certificates/{id}/passTypeId`: `fields[…]`,
    /// `include`, and `limit[…]` of its to-many includes.
    Related(&'static ResourceSpec),
    /// The resources related to another through a to-many relationship, such as
    /// `GET /v1/profiles/{id}/devices`: `fields[…]` of their own type, `limit` and `cursor`.
    RelatedList(&'static ResourceSpec),
    /// The resource related to another where Apple takes only its `fields[…]`, such as
    /// `GET /v1/profiles/{id}/bundleId`.
    RelatedFields(&'static ResourceSpec),
    /// The linkages of a to-many relationship, such as
    /// `GET /v1/profiles/{id}/relationships/devices`: `limit` (at most 200, as Apple's description
    /// has it for every linkage) and the `cursor` of its `links.next`.
    Linkages,
    /// Endpoints without query parameters (writes, to-one relationship linkages).
    Bare,
}

/// What a query parameter is, once its name is known to the endpoint.
enum Parameter {
    Filter(&'static Filter),
    Sort(&'static ResourceSpec),
    Fields(&'static ResourceSpec),
    Include(&'static ResourceSpec),
    Limit(u32),
    IncludeLimit(&'static str, u32),
    Cursor,
}

impl Endpoint {
    /// The parameter `name` is on this endpoint; `None` when the endpoint does not take it.
    fn parameter(self, name: &str) -> Option<Parameter> {
        let (spec, list) = match self {
            Self::List(spec) => (spec, true),
            Self::Get(spec) | Self::Related(spec) => (spec, false),
            Self::RelatedList(spec) | Self::RelatedFields(spec) => {
                if bracketed(name, "fields") == Some(spec.type_name) {
                    return Some(Parameter::Fields(spec));
                }
                let paged = matches!(self, Self::RelatedList(_));
                return match name {
                    "limit" if paged => Some(Parameter::Limit(spec.max_limit)),
                    "cursor" if paged => Some(Parameter::Cursor),
                    _ => None,
                };
            }
            Self::Linkages => {
                return match name {
                    "limit" => Some(Parameter::Limit(ascert_models::MAX_LIMIT)),
                    "cursor" => Some(Parameter::Cursor),
                    _ => None,
                };
            }
            Self::Bare => return None,
        };
        if let Some(inner) = bracketed(name, "fields") {
            let allowed = inner == spec.type_name || spec.includes.iter().any(|i| i.type_name == inner);
            return allowed
                .then(|| crate::table::by_type(inner))
                .flatten()
                .map(Parameter::Fields);
        }
        if name == "include" && !spec.includes.is_empty() {
            return Some(Parameter::Include(spec));
        }
        // `limit[…]` of a to-many include: on lists, single resources and related ones alike, as
        // Apple's description has it for profiles (`limit[devices]`) and bundle IDs.
        if let Some(inner) = bracketed(name, "limit") {
            return spec
                .includes
                .iter()
                .find(|i| i.name == inner)
                .and_then(|include| {
                    include
                        .max_limit
                        .map(|max| Parameter::IncludeLimit(include.name, max))
                });
        }
        if list {
            if let Some(inner) = bracketed(name, "filter") {
                return spec
                    .filters
                    .iter()
                    .find(|f| f.name == inner)
                    .map(Parameter::Filter);
            }
            return match name {
                "sort" if !spec.sort_keys.is_empty() => Some(Parameter::Sort(spec)),
                "limit" => Some(Parameter::Limit(spec.max_limit)),
                "cursor" => Some(Parameter::Cursor),
                _ => None,
            };
        }
        None
    }
}

/// `inner` of `prefix[inner]`.
fn bracketed<'n>(name: &'n str, prefix: &str) -> Option<&'n str> {
    name.strip_prefix(prefix)?.strip_prefix('[')?.strip_suffix(']')
}

/// One sort key: a field of the table's `sort_keys`, ascending or (written `-field`) descending.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct SortKey {
    pub(crate) field: &'static str,
    pub(crate) descending: bool,
}

/// A filter value Apple refuses although it is valid, as Apple has refused
/// `filter[certificateType]=DEVELOPER_ID_APPLICATION_G2`.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Refused<'a> {
    /// The filter's name inside the brackets, such as `certificateType`.
    pub(crate) filter: &'a str,
    /// The refused value.
    pub(crate) value: &'a str,
}

/// A parsed, checked query. Names are the table's, so they live as long as the program.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    /// The values of each `filter[…]` given, by the filter's name.
    filters: Vec<(&'static str, Vec<String>)>,
    pub(crate) sort: Vec<SortKey>,
    /// The sparse fieldsets asked for, by JSON:API type.
    fields: Vec<(&'static str, Vec<&'static str>)>,
    /// The relationships named by `include`.
    includes: Vec<&'static str>,
    pub(crate) limit: Option<u32>,
    /// `limit[…]` of to-many includes, by relationship.
    include_limits: Vec<(&'static str, u32)>,
    pub(crate) offset: usize,
    /// The raw `name=value` pairs other than `cursor`, to rebuild links.
    raw_without_cursor: Vec<String>,
}

/// Decodes one name or value of an `application/x-www-form-urlencoded` query, as servers do
/// (Apple's included): `+` is a space, then percent-escapes are decoded and the bytes read as UTF-8.
fn decode(text: &str) -> String {
    percent_decode_str(&text.replace('+', " "))
        .decode_utf8_lossy()
        .into_owned()
}

/// The values of a comma list. The value is decoded first and split afterwards, so `%2C` separates
/// values exactly like `,` (Apple answers `IOS_DISTRIBUTION%2CDISTRIBUTION`, which Python's requests
/// and Go's `url.Values` send, like `IOS_DISTRIBUTION,DISTRIBUTION`). A value cannot hold a comma.
fn values(raw: &str) -> Vec<String> {
    decode(raw).split(',').map(str::to_owned).collect()
}

/// The table's word equal to `value`, or Apple's 400 naming `parameter`.
fn word(words: &[&'static str], parameter: &str, value: &str) -> Result<&'static str, ApiFailure> {
    words
        .iter()
        .copied()
        .find(|w| *w == value)
        .ok_or_else(|| ApiFailure::invalid_parameter(parameter, value))
}

fn parse_limit(name: &str, raw: &str, max: u32) -> Result<u32, ApiFailure> {
    let value = decode(raw);
    match value.parse::<u32>() {
        Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
        _ => Err(ApiFailure::invalid_limit(name, &value, max)),
    }
}

/// The cursor of the page starting at `offset`.
pub(crate) fn cursor(offset: usize) -> String {
    URL_SAFE_NO_PAD.encode(format!("{{\"offset\":{offset}}}"))
}

fn parse_cursor(raw: &str) -> Option<usize> {
    let bytes = URL_SAFE_NO_PAD.decode(decode(raw)).ok()?;
    let json: serde_json::Value = serde_json::from_slice(&bytes).ok()?;
    usize::try_from(json.get("offset")?.as_u64()?).ok()
}

impl Query {
    /// Parses `raw` (the query string without `?`) for `endpoint`.
    ///
    /// `refused` is a filter value to answer with 400 although it is valid.
    pub(crate) fn parse(
        raw: Option<&str>,
        endpoint: Endpoint,
        refused: Option<Refused<'_>>,
    ) -> Result<Self, ApiFailure> {
        let mut query = Self::default();
        for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(raw_name);
            let Some(parameter) = endpoint.parameter(&name) else {
                return Err(ApiFailure::illegal_parameter(&name));
            };
            if !matches!(parameter, Parameter::Cursor) {
                query.raw_without_cursor.push(pair.to_owned());
            }
            match parameter {
                Parameter::Filter(filter) => {
                    let checked = values(raw_value)
                        .into_iter()
                        .map(|value| check_filter_value(filter, &name, value, refused))
                        .collect::<Result<Vec<_>, _>>()?;
                    match query.filters.iter_mut().find(|(f, _)| *f == filter.name) {
                        Some((_, given)) => given.extend(checked),
                        None => query.filters.push((filter.name, checked)),
                    }
                }
                Parameter::Sort(spec) => {
                    for value in values(raw_value) {
                        let (field, descending) = match value.strip_prefix('-') {
                            Some(field) => (field, true),
                            None => (value.as_str(), false),
                        };
                        let field = spec
                            .sort_keys
                            .iter()
                            .copied()
                            .find(|k| *k == field)
                            .ok_or_else(|| ApiFailure::invalid_parameter(&name, &value))?;
                        query.sort.push(SortKey { field, descending });
                    }
                }
                Parameter::Fields(spec) => {
                    let checked = values(raw_value)
                        .iter()
                        .map(|value| word(spec.fields, &name, value))
                        .collect::<Result<Vec<_>, _>>()?;
                    match query.fields.iter_mut().find(|(t, _)| *t == spec.type_name) {
                        Some((_, given)) => given.extend(checked),
                        None => query.fields.push((spec.type_name, checked)),
                    }
                }
                Parameter::Include(spec) => {
                    let names: Vec<&'static str> = spec.includes.iter().map(|i| i.name).collect();
                    for value in values(raw_value) {
                        let include = word(&names, &name, &value)?;
                        if !query.includes.contains(&include) {
                            query.includes.push(include);
                        }
                    }
                }
                Parameter::Limit(max) => query.limit = Some(parse_limit(&name, raw_value, max)?),
                Parameter::IncludeLimit(include, max) => {
                    let limit = parse_limit(&name, raw_value, max)?;
                    query.include_limits.retain(|(i, _)| *i != include);
                    query.include_limits.push((include, limit));
                }
                Parameter::Cursor => {
                    query.offset = parse_cursor(raw_value)
                        .ok_or_else(|| ApiFailure::invalid_parameter(&name, &decode(raw_value)))?;
                }
            }
        }
        Ok(query)
    }

    /// The values given for `filter[name]`; `None` when that filter was not given.
    #[cfg(test)]
    pub(crate) fn filter(&self, name: &str) -> Option<&[String]> {
        self.filters
            .iter()
            .find(|(f, _)| *f == name)
            .map(|(_, values)| values.as_slice())
    }

    /// The filters given, each with its values.
    pub(crate) fn filters(&self) -> impl Iterator<Item = (&'static str, &[String])> {
        self.filters
            .iter()
            .map(|(name, values)| (*name, values.as_slice()))
    }

    /// The sparse fieldset of JSON:API type `type_name`; `None` when none was asked for.
    pub(crate) fn fields(&self, type_name: &str) -> Option<&[&'static str]> {
        self.fields
            .iter()
            .find(|(t, _)| *t == type_name)
            .map(|(_, fields)| fields.as_slice())
    }

    /// Whether `include` names the relationship `name`.
    pub(crate) fn includes(&self, name: &str) -> bool {
        self.includes.contains(&name)
    }

    /// `limit[name]` of a to-many include, when given.
    pub(crate) fn include_limit(&self, name: &str) -> Option<u32> {
        self.include_limits
            .iter()
            .find(|(i, _)| *i == name)
            .map(|(_, limit)| *limit)
    }

    /// The query string of the page at `offset` with page size `limit`: the original parameters,
    /// a `limit` if none was given, and the cursor.
    pub(crate) fn page_query(&self, offset: usize, limit: u32) -> String {
        let mut parts = self.raw_without_cursor.clone();
        if self.limit.is_none() {
            parts.push(format!("limit={limit}"));
        }
        parts.push(format!("cursor={}", cursor(offset)));
        parts.join("&")
    }
}

/// Checks one value of `filter` against the values it takes and the refused one.
fn check_filter_value(
    filter: &Filter,
    parameter: &str,
    value: String,
    refused: Option<Refused<'_>>,
) -> Result<String, ApiFailure> {
    let is_refused = |v: &str| refused.is_some_and(|r| r.filter == filter.name && r.value == v);
    let FilterValues::OneOf(allowed) = &filter.values else {
        if is_refused(&value) {
            return Err(ApiFailure::invalid_filter_value(parameter, &value, &[]));
        }
        return Ok(value);
    };
    let allowed = allowed();
    if allowed.contains(&value.as_str()) && !is_refused(&value) {
        return Ok(value);
    }
    let expected: Vec<&str> = allowed.into_iter().filter(|v| !is_refused(v)).collect();
    Err(ApiFailure::invalid_filter_value(parameter, &value, &expected))
}

#[cfg(test)]
mod tests {
    use crate::table::{CERTIFICATES, PASS_TYPE_IDS};

    use super::*;

    const LIST: Endpoint = Endpoint::List(&CERTIFICATES);

    fn failure_parameter(failure: &ApiFailure) -> String {
        serde_json::to_value(failure.document()).unwrap()["errors"][0]["source"]["parameter"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    const G2: Refused<'static> = Refused {
        filter: "certificateType",
        value: "DEVELOPER_ID_APPLICATION_G2",
    };

    #[test]
    fn parses_apples_comma_lists_and_escapes() {
        let query = Query::parse(
            Some("filter[displayName]=Jane%20Doe,CI%20macOS&filter%5BcertificateType%5D=DISTRIBUTION,IOS_DEVELOPMENT&sort=-id,displayName&fields[certificates]=serialNumber&include=passTypeId&limit=5"),
            LIST,
            None,
        )
        .unwrap();
        assert_eq!(query.filter("displayName").unwrap(), ["Jane Doe", "CI macOS"]);
        assert_eq!(
            query.filter("certificateType").unwrap(),
            ["DISTRIBUTION", "IOS_DEVELOPMENT"]
        );
        assert_eq!(
            query.sort,
            [
                SortKey {
                    field: "id",
                    descending: true
                },
                SortKey {
                    field: "displayName",
                    descending: false
                }
            ]
        );
        assert_eq!(query.fields("certificates"), Some(&["serialNumber"][..]));
        assert_eq!(query.fields("passTypeIds"), None);
        assert!(query.includes("passTypeId"));
        assert_eq!(query.limit, Some(5));
        assert!(
            query
                .page_query(5, 5)
                .ends_with(&format!("limit=5&cursor={}", cursor(5)))
        );
    }

    #[test]
    fn percent_encoded_commas_separate_values_like_commas() {
        // What Python's requests and Go's url.Values send for a comma list.
        let query = Query::parse(
            Some("filter%5BcertificateType%5D=IOS_DISTRIBUTION%2CDISTRIBUTION&fields%5Bcertificates%5D=name%2cserialNumber&sort=displayName%2C-id"),
            LIST,
            None,
        )
        .unwrap();
        assert_eq!(
            query.filter("certificateType").unwrap(),
            ["IOS_DISTRIBUTION", "DISTRIBUTION"]
        );
        assert_eq!(query.fields("certificates"), Some(&["name", "serialNumber"][..]));
        assert_eq!(query.sort.len(), 2);
    }

    #[test]
    fn repeated_parameters_add_up() {
        let query = Query::parse(
            Some("filter[id]=A&filter[id]=B,C&fields[passTypeIds]=name&fields[passTypeIds]=identifier"),
            LIST,
            None,
        )
        .unwrap();
        assert_eq!(query.filter("id").unwrap(), ["A", "B", "C"]);
        assert_eq!(query.filters().count(), 1);
        assert_eq!(query.fields("passTypeIds"), Some(&["name", "identifier"][..]));
    }

    #[test]
    fn names_and_values_are_form_decoded() {
        // `+` is a space, `%2B` a plus, hex digits in either case, and UTF-8 throughout.
        let query = Query::parse(
            Some("filter[displayName]=Jane+Doe,C%2B%2B+Team,J%C3%BCrgen&&filter[serialNumber]=%61bc"),
            LIST,
            None,
        )
        .unwrap();
        assert_eq!(
            query.filter("displayName").unwrap(),
            ["Jane Doe", "C++ Team", "Jürgen"]
        );
        assert_eq!(query.filter("serialNumber").unwrap(), ["abc"]);
        // An escaped name is the same parameter.
        let failure = Query::parse(Some("fil%74er%5Bbogus%5D=1"), LIST, None).unwrap_err();
        assert_eq!(failure_parameter(&failure), "filter[bogus]");
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (raw, parameter) in [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=ten", "limit"),
            ("sort=expiry", "sort"),
            ("sort=-", "sort"),
            ("sort=--id", "sort"),
            ("filter[certificateType]=NOPE", "filter[certificateType]"),
            ("fields[certificates]=csr", "fields[certificates]"),
            ("fields[profiles]=name", "fields[profiles]"),
            ("include=certificates", "include"),
            ("include=", "include"),
            ("cursor=%%%", "cursor"),
            ("limit[certificates]=5", "limit[certificates]"),
            ("bogus=1", "bogus"),
        ] {
            let failure = Query::parse(Some(raw), LIST, None).unwrap_err();
            assert_eq!(failure_parameter(&failure), parameter, "{raw}");
        }
        let failure = Query::parse(
            Some("filter[certificateType]=DEVELOPER_ID_APPLICATION_G2"),
            LIST,
            Some(G2),
        )
        .unwrap_err();
        assert_eq!(failure.error.code, "PARAMETER_ERROR.INVALID");
        let get = Endpoint::Get(&CERTIFICATES);
        assert!(Query::parse(Some("limit=5"), get, None).is_err());
        assert!(Query::parse(Some("include=passTypeId&fields[passTypeIds]=name"), get, None).is_ok());
        assert!(Query::parse(Some("fields[certificates]=name"), Endpoint::Bare, None).is_err());
    }

    #[test]
    fn each_endpoint_takes_its_own_parameters() {
        let illegal = |endpoint: Endpoint, raw: &str| {
            Query::parse(Some(raw), endpoint, None)
                .is_err_and(|failure| failure.error.code == "PARAMETER_ERROR.ILLEGAL")
        };
        let related = Endpoint::Related(&PASS_TYPE_IDS);
        let query = Query::parse(
            Some("include=certificates&limit[certificates]=7&fields[certificates]=name&fields[passTypeIds]=identifier"),
            related,
            None,
        )
        .unwrap();
        assert!(query.includes("certificates"));
        assert_eq!(query.include_limit("certificates"), Some(7));
        assert_eq!(query.limit, None);
        let failure = Query::parse(Some("limit[certificates]=51"), related, None).unwrap_err();
        assert!(
            failure.error.detail.ends_with("it must be 1 to 50"),
            "{}",
            failure.error.detail
        );
        for raw in [
            "limit=5",
            "sort=id",
            "cursor=x",
            "filter[id]=1",
            "include=passTypeId",
        ] {
            let failure = Query::parse(Some(raw), related, None).unwrap_err();
            assert_eq!(
                failure.error.code,
                if raw.starts_with("include") {
                    "PARAMETER_ERROR.INVALID"
                } else {
                    "PARAMETER_ERROR.ILLEGAL"
                },
                "{raw}"
            );
        }
        for raw in ["sort=id", "cursor=x", "filter[id]=1", "limit[certificates]=5"] {
            assert!(illegal(Endpoint::Get(&CERTIFICATES), raw), "{raw}");
        }
        assert!(illegal(Endpoint::Bare, "include=passTypeId"));
    }

    #[test]
    fn a_rejected_type_filter_gets_apples_400_text() {
        let failure = Query::parse(
            Some("filter[certificateType]=DEVELOPER_ID_APPLICATION_G2"),
            LIST,
            Some(G2),
        )
        .unwrap_err();
        // Apple's answer of June 2025 (codemagic-cli-tools PR 467), with one difference: Apple's list
        // also lacked DEVELOPER_ID_KEXT_G2, and the sandbox rejects one type at a time.
        assert_eq!(
            failure.error.detail,
            "'DEVELOPER_ID_APPLICATION_G2' is not a valid filter value. Expected one of: APPLE_PAY, \
             APPLE_PAY_MERCHANT_IDENTITY, APPLE_PAY_PSP_IDENTITY, APPLE_PAY_RSA, DEVELOPER_ID_KEXT, \
             DEVELOPER_ID_KEXT_G2, DEVELOPER_ID_APPLICATION, DEVELOPMENT, DISTRIBUTION, IDENTITY_ACCESS, \
             IOS_DEVELOPMENT, IOS_DISTRIBUTION, MAC_APP_DISTRIBUTION, MAC_INSTALLER_DISTRIBUTION, \
             MAC_APP_DEVELOPMENT, PASS_TYPE_ID, PASS_TYPE_ID_WITH_NFC"
        );
        assert_eq!(failure.error.title, "A parameter has an invalid value");
        assert_eq!(failure_parameter(&failure), "filter[certificateType]");
        // Without the refusal the type is listed, and an unknown one names it among the rest.
        let failure = Query::parse(Some("filter[certificateType]=NOPE"), LIST, None).unwrap_err();
        assert!(failure.error.detail.contains("DEVELOPER_ID_APPLICATION_G2"));
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(parse_cursor(&cursor(40)), Some(40));
        assert_eq!(parse_cursor("nope"), None);
    }
}
