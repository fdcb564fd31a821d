//! [`ListCertificatesQuery`]: the filters, sort, sparse fields, include and limit of
//! `GET /v1/certificates`, rendered exactly as Apple expects them.

use std::fmt;
use std::str::FromStr;

use crate::jsonapi::{ListQuery, MAX_LIMIT, SortOrder};
use crate::{Certificate, CertificateType, CertificatesKind, ModelError, PassTypeIdsKind};

/// Declares a closed enumeration of query words with its wire names and parser.
macro_rules! query_enum {
    ($(#[$doc:meta])* $name:ident, $what:literal { $( $(#[$vdoc:meta])* $variant:ident => $value:literal, )+ }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
        }

        impl $name {
            /// Every value, in Apple's order.
            pub const ALL: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// Apple's name for this value.
            pub fn as_str(self) -> &'static str {
                match self { $( $name::$variant => $value, )+ }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl FromStr for $name {
            type Err = ModelError;

            fn from_str(s: &str) -> Result<Self, ModelError> {
                match s {
                    $( $value => Ok($name::$variant), )+
                    other => Err(ModelError::UnknownValue {
                        what: $what,
                        value: other.chars().take(64).collect(),
                        expected: [$($value),+].join(", "),
                    }),
                }
            }
        }
    };
}

query_enum! {
    /// A field the certificate list can be sorted on.
    SortField, "sort field" {
        /// `displayName`.
        DisplayName => "displayName",
        /// `certificateType`.
        CertificateType => "certificateType",
        /// `serialNumber`.
        SerialNumber => "serialNumber",
        /// `id`.
        Id => "id",
    }
}

query_enum! {
    /// A certificate attribute or relationship for `fields[certificates]` (a sparse fieldset).
    CertificateField, "certificate field" {
        /// `name`.
        Name => "name",
        /// `certificateType`.
        CertificateType => "certificateType",
        /// `displayName`.
        DisplayName => "displayName",
        /// `serialNumber`.
        SerialNumber => "serialNumber",
        /// `platform`.
        Platform => "platform",
        /// `expirationDate`.
        ExpirationDate => "expirationDate",
        /// `certificateContent`.
        CertificateContent => "certificateContent",
        /// `activated`.
        Activated => "activated",
        /// `passTypeId`.
        PassTypeId => "passTypeId",
    }
}

query_enum! {
    /// A pass type ID attribute or relationship for `fields[passTypeIds]`.
    PassTypeIdField, "pass type ID field" {
        /// `name`.
        Name => "name",
        /// `identifier`.
        Identifier => "identifier",
        /// `certificates`.
        Certificates => "certificates",
    }
}

query_enum! {
    /// A related resource to include in the response (`include`).
    Include, "include" {
        /// `passTypeId`.
        PassTypeId => "passTypeId",
    }
}

/// One sort criterion, written `displayName` or `-displayName`; see [`SortKey::new`].
///
/// ```
/// use ascert_models::{SortField, SortKey, SortOrder};
/// let key: SortKey = "-serialNumber".parse().unwrap();
/// assert_eq!(key, SortKey::new(SortField::SerialNumber, SortOrder::Descending));
/// assert_eq!(key.to_string(), "-serialNumber");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub struct SortKey {
    /// The field.
    pub field: SortField,
    /// The direction.
    pub order: SortOrder,
}

impl SortKey {
    /// Sorting on `field` in `order`.
    pub fn new(field: SortField, order: SortOrder) -> Self {
        Self { field, order }
    }
}

impl fmt::Display for SortKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.order == SortOrder::Descending {
            f.write_str("-")?;
        }
        f.write_str(self.field.as_str())
    }
}

impl FromStr for SortKey {
    type Err = ModelError;

    fn from_str(s: &str) -> Result<Self, ModelError> {
        match s.strip_prefix('-') {
            Some(field) => Ok(Self {
                field: field.parse()?,
                order: SortOrder::Descending,
            }),
            None => Ok(Self {
                field: s.parse()?,
                order: SortOrder::Ascending,
            }),
        }
    }
}

/// The query of `GET /v1/certificates`.
///
/// Each filter takes several values (Apple matches any of them); the filters combine with AND.
///
/// ```
/// use ascert_models::{CertificateType, ListCertificatesQuery, SortField, SortOrder};
///
/// let query = ListCertificatesQuery::new()
///     .certificate_type(CertificateType::IosDistribution)
///     .certificate_type(CertificateType::Distribution)
///     .sort(SortField::DisplayName, SortOrder::Descending)
///     .limit(200)?;
/// assert_eq!(
///     query.to_string(),
///     "filter[certificateType]=IOS_DISTRIBUTION,DISTRIBUTION&sort=-displayName&limit=200"
/// );
/// assert!(ListCertificatesQuery::new().limit(0).is_err());
/// # Ok::<(), ascert_models::ModelError>(())
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct ListCertificatesQuery {
    display_names: Vec<String>,
    certificate_types: Vec<CertificateType>,
    serial_numbers: Vec<String>,
    ids: Vec<String>,
    sort: Vec<SortKey>,
    certificate_fields: Vec<CertificateField>,
    pass_type_id_fields: Vec<PassTypeIdField>,
    include: Vec<Include>,
    limit: Option<u32>,
}

impl ListCertificatesQuery {
    /// A query with no filter, Apple's default order and page size.
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a value to `filter[displayName]`.
    #[must_use]
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.display_names.push(name.into());
        self
    }

    /// Adds a value to `filter[certificateType]`.
    #[must_use]
    pub fn certificate_type(mut self, certificate_type: CertificateType) -> Self {
        self.certificate_types.push(certificate_type);
        self
    }

    /// Adds a value to `filter[serialNumber]`.
    #[must_use]
    pub fn serial_number(mut self, serial: impl Into<String>) -> Self {
        self.serial_numbers.push(serial.into());
        self
    }

    /// Adds a value to `filter[id]`.
    #[must_use]
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.ids.push(id.into());
        self
    }

    /// Adds a sort criterion; earlier criteria take precedence.
    #[must_use]
    pub fn sort(mut self, field: SortField, order: SortOrder) -> Self {
        self.sort.push(SortKey { field, order });
        self
    }

    /// Asks only for these certificate fields (`fields[certificates]`).
    #[must_use]
    pub fn fields(mut self, fields: impl IntoIterator<Item = CertificateField>) -> Self {
        self.certificate_fields.extend(fields);
        self
    }

    /// Asks only for these fields of included pass type IDs (`fields[passTypeIds]`).
    #[must_use]
    pub fn pass_type_id_fields(mut self, fields: impl IntoIterator<Item = PassTypeIdField>) -> Self {
        self.pass_type_id_fields.extend(fields);
        self
    }

    /// Includes related resources in the response (`include`).
    #[must_use]
    pub fn include(mut self, include: Include) -> Self {
        if !self.include.contains(&include) {
            self.include.push(include);
        }
        self
    }

    /// Sets the page size.
    ///
    /// # Errors
    /// [`ModelError::LimitOutOfRange`] unless `1 <= limit <= 200`.
    pub fn limit(mut self, limit: u32) -> Result<Self, ModelError> {
        if !(1..=MAX_LIMIT).contains(&limit) {
            return Err(ModelError::LimitOutOfRange {
                limit,
                max: MAX_LIMIT,
            });
        }
        self.limit = Some(limit);
        Ok(self)
    }

    /// The page size asked for, if any.
    pub fn page_size(&self) -> Option<u32> {
        self.limit
    }

    /// The values of `filter[certificateType]`.
    pub fn certificate_types(&self) -> &[CertificateType] {
        &self.certificate_types
    }

    /// The same query without `filter[certificateType]`, for when the server refuses one of its
    /// values and the caller filters locally instead.
    #[must_use]
    pub fn without_certificate_type_filter(&self) -> Self {
        Self {
            certificate_types: Vec::new(),
            ..self.clone()
        }
    }

    /// The query string, without a leading `?`; empty when nothing is set.
    pub fn to_query_string(&self) -> String {
        self.to_string()
    }
}

impl ListCertificatesQuery {
    /// The same query as a generic [`ListQuery`], which is what renders it and what
    /// ascert-transport's list request takes.
    pub fn to_list_query(&self) -> ListQuery<Certificate> {
        let mut query = ListQuery::new();
        let filters: [(&'static str, Vec<String>); 4] = [
            ("displayName", self.display_names.clone()),
            (
                "certificateType",
                self.certificate_types.iter().map(ToString::to_string).collect(),
            ),
            ("serialNumber", self.serial_numbers.clone()),
            ("id", self.ids.clone()),
        ];
        for (name, values) in filters {
            for value in values {
                query.push_filter(name, value);
            }
        }
        for key in &self.sort {
            query.push_sort(key.field.as_str(), key.order);
        }
        let resource = query.resource_mut();
        for field in &self.certificate_fields {
            resource.push_field(CertificatesKind::VALUE, field.as_str());
        }
        for field in &self.pass_type_id_fields {
            resource.push_field(PassTypeIdsKind::VALUE, field.as_str());
        }
        for include in &self.include {
            resource.push_include(include.as_str());
        }
        query.set_limit(self.limit);
        query
    }
}

impl From<&ListCertificatesQuery> for ListQuery<Certificate> {
    fn from(query: &ListCertificatesQuery) -> Self {
        query.to_list_query()
    }
}

impl fmt::Display for ListCertificatesQuery {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(&self.to_list_query(), f)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_query_renders_nothing() {
        assert_eq!(ListCertificatesQuery::new().to_query_string(), "");
    }

    #[test]
    fn every_parameter_renders_in_apples_form() {
        let query = ListCertificatesQuery::new()
            .display_name("Jane Doe")
            .display_name("CI, macOS")
            .certificate_type(CertificateType::DeveloperIdApplicationG2)
            .serial_number("6E2D")
            .id("A1")
            .id("B2")
            .sort(SortField::CertificateType, SortOrder::Ascending)
            .sort(SortField::Id, SortOrder::Descending)
            .fields([CertificateField::SerialNumber, CertificateField::ExpirationDate])
            .pass_type_id_fields([PassTypeIdField::Identifier])
            .include(Include::PassTypeId)
            .include(Include::PassTypeId)
            .limit(1)
            .unwrap();
        assert_eq!(
            query.to_string(),
            "filter[displayName]=Jane%20Doe,CI%2C%20macOS\
             &filter[certificateType]=DEVELOPER_ID_APPLICATION_G2\
             &filter[serialNumber]=6E2D&filter[id]=A1,B2&sort=certificateType,-id\
             &fields[certificates]=serialNumber,expirationDate&fields[passTypeIds]=identifier\
             &include=passTypeId&limit=1"
        );
    }

    #[test]
    fn limit_is_checked() {
        assert_eq!(
            ListCertificatesQuery::new().limit(0).unwrap_err().to_string(),
            "limit 0 is out of range: Apple accepts 1 to 200 resources per page"
        );
        assert!(ListCertificatesQuery::new().limit(201).is_err());
        assert_eq!(
            ListCertificatesQuery::new().limit(200).unwrap().page_size(),
            Some(200)
        );
    }

    #[test]
    fn type_filter_can_be_dropped_for_local_filtering() {
        let query = ListCertificatesQuery::new()
            .certificate_type(CertificateType::DeveloperIdApplicationG2)
            .limit(200)
            .unwrap();
        assert_eq!(
            query.certificate_types(),
            [CertificateType::DeveloperIdApplicationG2]
        );
        assert_eq!(query.without_certificate_type_filter().to_string(), "limit=200");
    }

    #[test]
    fn the_resource_table_lists_every_typed_word() {
        use crate::jsonapi::Resource as _;
        let table = Certificate::QUERY;
        let names = |all: &[&'static str]| all.to_vec();
        assert_eq!(
            names(table.fields[0].1),
            CertificateField::ALL
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            names(table.fields[1].1),
            PassTypeIdField::ALL
                .iter()
                .map(|f| f.as_str())
                .collect::<Vec<_>>()
        );
        assert_eq!(
            names(table.sort),
            SortField::ALL.iter().map(|f| f.as_str()).collect::<Vec<_>>()
        );
        assert_eq!(
            names(table.include),
            Include::ALL.iter().map(|i| i.as_str()).collect::<Vec<_>>()
        );
        // The typed query and the generic one built from the same words render alike.
        let generic = ListQuery::<Certificate>::new()
            .filter("certificateType", "DISTRIBUTION")
            .unwrap()
            .sort("id", SortOrder::Descending)
            .unwrap()
            .include("passTypeId")
            .unwrap();
        let typed = ListCertificatesQuery::new()
            .certificate_type(CertificateType::Distribution)
            .sort(SortField::Id, SortOrder::Descending)
            .include(Include::PassTypeId);
        assert_eq!(typed.to_list_query(), generic);
        assert_eq!(ListQuery::from(&typed).to_string(), typed.to_string());
    }

    #[test]
    fn words_parse_and_name_the_choices_on_error() {
        assert_eq!("-id".parse::<SortKey>().unwrap().to_string(), "-id");
        assert_eq!(
            "expiry".parse::<SortKey>().unwrap_err().to_string(),
            "\"expiry\" is not a valid sort field; expected one of: displayName, certificateType, serialNumber, id"
        );
        for field in CertificateField::ALL {
            assert_eq!(field.as_str().parse::<CertificateField>().unwrap(), *field);
        }
    }
}
