//! Query parameters as Apple reads them: comma lists, filters, sort, sparse fieldsets, include,
//! limit and the paging cursor, each checked with Apple's 400 answers.

use ascert_models::{
    CertificateField, CertificateType, MAX_LIMIT, PassTypeIdField, SortField, SortKey, SortOrder,
};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use percent_encoding::percent_decode_str;

use crate::apple_error::ApiFailure;
use crate::store::StoredCertificate;

/// The largest `limit[certificates]` of the related pass type ID endpoint.
const MAX_RELATED_LIMIT: u32 = 50;

/// Which endpoint a query belongs to; each accepts its own parameters.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Endpoint {
    /// `GET /v1/certificates`.
    List,
    /// `GET /v1/certificates/{id}`.
    Get,
    /// `GET /v1/certificates/{id}/passTypeId`.
    RelatedPassTypeId,
    /// Endpoints without query parameters.
    Bare,
}

impl Endpoint {
    fn accepts(self, name: &str) -> bool {
        match self {
            Self::List => matches!(
                name,
                "filter[displayName]"
                    | "filter[certificateType]"
                    | "filter[serialNumber]"
                    | "filter[id]"
                    | "sort"
                    | "fields[certificates]"
                    | "fields[passTypeIds]"
                    | "limit"
                    | "include"
                    | "cursor"
            ),
            Self::Get => matches!(name, "fields[certificates]" | "fields[passTypeIds]" | "include"),
            Self::RelatedPassTypeId => matches!(
                name,
                "fields[certificates]" | "fields[passTypeIds]" | "include" | "limit[certificates]"
            ),
            Self::Bare => false,
        }
    }
}

/// A parsed, checked query.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Query {
    pub(crate) display_names: Vec<String>,
    pub(crate) certificate_types: Vec<CertificateType>,
    pub(crate) serial_numbers: Vec<String>,
    pub(crate) ids: Vec<String>,
    pub(crate) sort: Vec<SortKey>,
    /// `None` when no sparse fieldset was asked for.
    pub(crate) certificate_fields: Option<Vec<CertificateField>>,
    pub(crate) pass_type_id_fields: Option<Vec<PassTypeIdField>>,
    /// `include=passTypeId` (or `include=certificates` on the related endpoint).
    pub(crate) include: bool,
    pub(crate) limit: Option<u32>,
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

fn parse_words<T: std::str::FromStr>(name: &str, raw: &str) -> Result<Vec<T>, ApiFailure> {
    values(raw)
        .iter()
        .map(|v| v.parse().map_err(|_| ApiFailure::invalid_parameter(name, v)))
        .collect()
}

fn parse_limit(name: &str, raw: &str, max: u32) -> Result<u32, ApiFailure> {
    let value = decode(raw);
    match value.parse::<u32>() {
        Ok(limit) if (1..=max).contains(&limit) => Ok(limit),
        _ => Err(ApiFailure::invalid_limit(name, &value, max)),
    }
}

/// The `filter[certificateType]` values the sandbox takes, in the order Apple lists them in its 400
/// answer (the order of the specification's `CertificateType`), without the rejected type.
fn filter_types(rejected_type: Option<&CertificateType>) -> Vec<&'static str> {
    CertificateType::KNOWN
        .iter()
        .filter(|t| Some(*t) != rejected_type)
        .map(CertificateType::as_str)
        .collect()
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
    /// `rejected_type` is a `filter[certificateType]` value to refuse as Apple has refused
    /// `DEVELOPER_ID_APPLICATION_G2`.
    pub(crate) fn parse(
        raw: Option<&str>,
        endpoint: Endpoint,
        rejected_type: Option<&CertificateType>,
    ) -> Result<Self, ApiFailure> {
        let mut query = Self::default();
        for pair in raw.unwrap_or_default().split('&').filter(|p| !p.is_empty()) {
            let (raw_name, raw_value) = pair.split_once('=').unwrap_or((pair, ""));
            let name = decode(raw_name);
            if !endpoint.accepts(&name) {
                return Err(ApiFailure::illegal_parameter(&name));
            }
            if name != "cursor" {
                query.raw_without_cursor.push(pair.to_owned());
            }
            match name.as_str() {
                "filter[displayName]" => query.display_names.extend(values(raw_value)),
                "filter[serialNumber]" => query.serial_numbers.extend(values(raw_value)),
                "filter[id]" => query.ids.extend(values(raw_value)),
                "filter[certificateType]" => {
                    for value in values(raw_value) {
                        let certificate_type = CertificateType::from(value.as_str());
                        if !certificate_type.is_known() || Some(&certificate_type) == rejected_type {
                            return Err(ApiFailure::invalid_filter_value(
                                &name,
                                &value,
                                &filter_types(rejected_type),
                            ));
                        }
                        query.certificate_types.push(certificate_type);
                    }
                }
                "sort" => query.sort.extend(parse_words::<SortKey>(&name, raw_value)?),
                "fields[certificates]" => {
                    query
                        .certificate_fields
                        .get_or_insert_with(Vec::new)
                        .extend(parse_words::<CertificateField>(&name, raw_value)?);
                }
                "fields[passTypeIds]" => {
                    query
                        .pass_type_id_fields
                        .get_or_insert_with(Vec::new)
                        .extend(parse_words::<PassTypeIdField>(&name, raw_value)?);
                }
                "include" => {
                    let expected = if endpoint == Endpoint::RelatedPassTypeId {
                        "certificates"
                    } else {
                        "passTypeId"
                    };
                    for value in values(raw_value) {
                        if value != expected {
                            return Err(ApiFailure::invalid_parameter(&name, &value));
                        }
                        query.include = true;
                    }
                }
                "limit" => query.limit = Some(parse_limit(&name, raw_value, MAX_LIMIT)?),
                "limit[certificates]" => {
                    query.limit = Some(parse_limit(&name, raw_value, MAX_RELATED_LIMIT)?);
                }
                "cursor" => {
                    query.offset = parse_cursor(raw_value)
                        .ok_or_else(|| ApiFailure::invalid_parameter(&name, &decode(raw_value)))?;
                }
                _ => return Err(ApiFailure::illegal_parameter(&name)),
            }
        }
        Ok(query)
    }

    /// Whether `certificate` passes every filter.
    pub(crate) fn matches(&self, certificate: &StoredCertificate) -> bool {
        (self.display_names.is_empty() || self.display_names.contains(&certificate.display_name))
            && (self.certificate_types.is_empty()
                || self.certificate_types.contains(&certificate.certificate_type))
            && (self.serial_numbers.is_empty()
                || self
                    .serial_numbers
                    .iter()
                    .any(|s| s.eq_ignore_ascii_case(&certificate.serial_number)))
            && (self.ids.is_empty() || self.ids.contains(&certificate.id))
    }

    /// Orders two certificates by the sort keys, earlier keys first; `Equal` when no key tells them
    /// apart, so a stable sort keeps creation order for ties.
    pub(crate) fn compare(&self, a: &StoredCertificate, b: &StoredCertificate) -> std::cmp::Ordering {
        self.sort
            .iter()
            .map(|key| {
                let ordering = match key.field {
                    SortField::DisplayName => a.display_name.cmp(&b.display_name),
                    SortField::CertificateType => {
                        a.certificate_type.as_str().cmp(b.certificate_type.as_str())
                    }
                    SortField::SerialNumber => a.serial_number.cmp(&b.serial_number),
                    SortField::Id => a.id.cmp(&b.id),
                    // A field added to the models later: the sandbox keeps creation order for it.
                    _ => std::cmp::Ordering::Equal,
                };
                if key.order == SortOrder::Descending {
                    ordering.reverse()
                } else {
                    ordering
                }
            })
            .find(|o| o.is_ne())
            .unwrap_or(std::cmp::Ordering::Equal)
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

#[cfg(test)]
mod tests {
    use super::*;

    fn failure_parameter(failure: &ApiFailure) -> String {
        serde_json::to_value(failure.document()).unwrap()["errors"][0]["source"]["parameter"]
            .as_str()
            .unwrap()
            .to_owned()
    }

    #[test]
    fn parses_apples_comma_lists_and_escapes() {
        let query = Query::parse(
            Some("filter[displayName]=Jane%20Doe,CI%20macOS&filter%5BcertificateType%5D=DISTRIBUTION,IOS_DEVELOPMENT&sort=-id,displayName&fields[certificates]=serialNumber&include=passTypeId&limit=5"),
            Endpoint::List,
            None,
        )
        .unwrap();
        assert_eq!(query.display_names, ["Jane Doe", "CI macOS"]);
        assert_eq!(
            query.certificate_types,
            [CertificateType::Distribution, CertificateType::IosDevelopment]
        );
        assert_eq!(query.sort.len(), 2);
        assert_eq!(
            query.certificate_fields,
            Some(vec![CertificateField::SerialNumber])
        );
        assert!(query.include);
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
            Endpoint::List,
            None,
        )
        .unwrap();
        assert_eq!(
            query.certificate_types,
            [CertificateType::IosDistribution, CertificateType::Distribution]
        );
        assert_eq!(
            query.certificate_fields,
            Some(vec![CertificateField::Name, CertificateField::SerialNumber])
        );
        assert_eq!(query.sort.len(), 2);
    }

    #[test]
    fn names_and_values_are_form_decoded() {
        // `+` is a space, `%2B` a plus, hex digits in either case, and UTF-8 throughout.
        let query = Query::parse(
            Some("filter[displayName]=Jane+Doe,C%2B%2B+Team,J%C3%BCrgen&&filter[serialNumber]=%61bc"),
            Endpoint::List,
            None,
        )
        .unwrap();
        assert_eq!(query.display_names, ["Jane Doe", "C++ Team", "Jürgen"]);
        assert_eq!(query.serial_numbers, ["abc"]);
        // An escaped name is the same parameter.
        let failure = Query::parse(Some("fil%74er%5Bbogus%5D=1"), Endpoint::List, None).unwrap_err();
        assert_eq!(failure_parameter(&failure), "filter[bogus]");
    }

    #[test]
    fn bad_values_name_their_parameter() {
        for (raw, parameter) in [
            ("limit=0", "limit"),
            ("limit=201", "limit"),
            ("limit=ten", "limit"),
            ("sort=expiry", "sort"),
            ("filter[certificateType]=NOPE", "filter[certificateType]"),
            ("fields[certificates]=csr", "fields[certificates]"),
            ("include=certificates", "include"),
            ("cursor=%%%", "cursor"),
            ("bogus=1", "bogus"),
        ] {
            let failure = Query::parse(Some(raw), Endpoint::List, None).unwrap_err();
            assert_eq!(failure_parameter(&failure), parameter, "{raw}");
        }
        let rejected = CertificateType::DeveloperIdApplicationG2;
        let failure = Query::parse(
            Some("filter[certificateType]=DEVELOPER_ID_APPLICATION_G2"),
            Endpoint::List,
            Some(&rejected),
        )
        .unwrap_err();
        assert_eq!(failure.error.code, "PARAMETER_ERROR.INVALID");
        assert!(Query::parse(Some("limit=5"), Endpoint::Get, None).is_err());
    }

    #[test]
    fn a_rejected_type_filter_gets_apples_400_text() {
        let rejected = CertificateType::DeveloperIdApplicationG2;
        let failure = Query::parse(
            Some("filter[certificateType]=DEVELOPER_ID_APPLICATION_G2"),
            Endpoint::List,
            Some(&rejected),
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
    }

    #[test]
    fn cursors_round_trip() {
        assert_eq!(parse_cursor(&cursor(40)), Some(40));
        assert_eq!(parse_cursor("nope"), None);
    }
}
