//! [`Certificate`]: the signing-certificate resource, with helpers for its content and expiry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::jsonapi::{QuerySpec, Resource, ToOne};
use crate::{
    BundleIdPlatform, CertificateType, CertificatesKind, ModelError, PassTypeId, PassTypeIdsKind,
    ResourceLinks,
};

/// A signing certificate (`type: "certificates"`).
///
/// Apple also sends `"csrContent": null` among the attributes, which its specification does not list;
/// like every field this type does not know, it is accepted and ignored.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct Certificate {
    /// Always `"certificates"`.
    #[serde(rename = "type")]
    pub kind: CertificatesKind,
    /// The opaque id, used in `/v1/certificates/{id}`.
    pub id: String,
    /// The attributes; with a sparse fieldset (`fields[certificates]`) only those asked for are present.
    #[serde(default, skip_serializing_if = "CertificateAttributes::is_empty")]
    pub attributes: CertificateAttributes,
    /// Relationships to other resources.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub relationships: Option<CertificateRelationships>,
    /// The resource's own link.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<ResourceLinks>,
}

/// The attributes of a [`Certificate`]. Every one is optional in Apple's specification.
///
/// Written back as they were read: an attribute Apple sent as `null` (`"platform": null` for
/// DEVELOPMENT certificates) is written as `null`, one it left out (a sparse fieldset) is left out,
/// and attributes this type does not model (Apple's `"csrContent": null`, fields Apple adds later)
/// are kept in [`other`](Self::other).
///
/// ```
/// use ascert_models::CertificateAttributes;
/// let json = r#"{"name":"Apple Development: Example","platform":null,"csrContent":null}"#;
/// let attributes: CertificateAttributes = serde_json::from_str(json).unwrap();
/// assert_eq!(attributes.platform, None);
/// assert_eq!(serde_json::to_string(&attributes).unwrap(), json);
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateAttributes {
    /// The certificate's common name, such as `iOS Distribution: Example Ltd`.
    pub name: Option<String>,
    /// The kind of certificate.
    pub certificate_type: Option<CertificateType>,
    /// The name shown in the developer portal.
    pub display_name: Option<String>,
    /// The serial number, upper-case hexadecimal.
    pub serial_number: Option<String>,
    /// The platform the certificate is for.
    pub platform: Option<BundleIdPlatform>,
    /// When the certificate expires.
    pub expiration_date: Option<OffsetDateTime>,
    /// The DER certificate, base64-encoded. See [`Certificate::content_der`].
    pub certificate_content: Option<String>,
    /// Whether the certificate is active.
    pub activated: Option<bool>,
    /// Attributes this type does not model, as App Store Connect sent them.
    pub other: serde_json::Map<String, serde_json::Value>,
    /// The modelled attributes that were sent as `null`, written back as `null` while still `None`.
    nulls: Nulls,
}

/// Which modelled attributes were `null` in the document read, one bit per attribute.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Nulls(u8);

/// The modelled attributes, in the order they are written.
const NAME: u8 = 1;
const CERTIFICATE_TYPE: u8 = 1 << 1;
const DISPLAY_NAME: u8 = 1 << 2;
const SERIAL_NUMBER: u8 = 1 << 3;
const PLATFORM: u8 = 1 << 4;
const EXPIRATION_DATE: u8 = 1 << 5;
const CERTIFICATE_CONTENT: u8 = 1 << 6;
const ACTIVATED: u8 = 1 << 7;

impl Nulls {
    fn has(self, bit: u8) -> bool {
        self.0 & bit != 0
    }
}

impl Serialize for CertificateAttributes {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeMap as _;
        /// An attribute's entry: its value, `null` if Apple sent null, nothing if it was absent.
        fn entry<M: serde::ser::SerializeMap, T: Serialize>(
            map: &mut M,
            key: &str,
            value: Option<&T>,
            was_null: bool,
        ) -> Result<(), M::Error> {
            match value {
                Some(value) => map.serialize_entry(key, value),
                None if was_null => map.serialize_entry(key, &()),
                None => Ok(()),
            }
        }
        let n = self.nulls;
        let mut map = serializer.serialize_map(None)?;
        entry(&mut map, "name", self.name.as_ref(), n.has(NAME))?;
        entry(
            &mut map,
            "certificateType",
            self.certificate_type.as_ref(),
            n.has(CERTIFICATE_TYPE),
        )?;
        entry(
            &mut map,
            "displayName",
            self.display_name.as_ref(),
            n.has(DISPLAY_NAME),
        )?;
        entry(
            &mut map,
            "serialNumber",
            self.serial_number.as_ref(),
            n.has(SERIAL_NUMBER),
        )?;
        entry(&mut map, "platform", self.platform.as_ref(), n.has(PLATFORM))?;
        let expiration = self.expiration_date.map(crate::date::format);
        entry(
            &mut map,
            "expirationDate",
            expiration.as_ref(),
            n.has(EXPIRATION_DATE),
        )?;
        entry(
            &mut map,
            "certificateContent",
            self.certificate_content.as_ref(),
            n.has(CERTIFICATE_CONTENT),
        )?;
        entry(&mut map, "activated", self.activated.as_ref(), n.has(ACTIVATED))?;
        for (key, value) in &self.other {
            map.serialize_entry(key, value)?;
        }
        map.end()
    }
}

impl<'de> Deserialize<'de> for CertificateAttributes {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Visitor;
        impl<'de> serde::de::Visitor<'de> for Visitor {
            type Value = CertificateAttributes;

            fn expecting(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str("a certificate's attributes object")
            }

            fn visit_map<A: serde::de::MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                use serde::de::Error as _;
                /// Reads an attribute; a `null` sets its bit.
                fn read<'de, A: serde::de::MapAccess<'de>, T: Deserialize<'de>>(
                    map: &mut A,
                    nulls: &mut Nulls,
                    bit: u8,
                ) -> Result<Option<T>, A::Error> {
                    let value = map.next_value::<Option<T>>()?;
                    if value.is_none() {
                        nulls.0 |= bit;
                    }
                    Ok(value)
                }
                let mut a = CertificateAttributes::default();
                let mut nulls = Nulls::default();
                while let Some(key) = map.next_key::<std::borrow::Cow<'de, str>>()? {
                    match key.as_ref() {
                        "name" => a.name = read(&mut map, &mut nulls, NAME)?,
                        "certificateType" => {
                            a.certificate_type = read(&mut map, &mut nulls, CERTIFICATE_TYPE)?;
                        }
                        "displayName" => a.display_name = read(&mut map, &mut nulls, DISPLAY_NAME)?,
                        "serialNumber" => a.serial_number = read(&mut map, &mut nulls, SERIAL_NUMBER)?,
                        "platform" => a.platform = read(&mut map, &mut nulls, PLATFORM)?,
                        "expirationDate" => {
                            let text: Option<std::borrow::Cow<'de, str>> =
                                read(&mut map, &mut nulls, EXPIRATION_DATE)?;
                            a.expiration_date = text
                                .map(|t| crate::date::parse(&t).map_err(A::Error::custom))
                                .transpose()?;
                        }
                        "certificateContent" => {
                            a.certificate_content = read(&mut map, &mut nulls, CERTIFICATE_CONTENT)?;
                        }
                        "activated" => a.activated = read(&mut map, &mut nulls, ACTIVATED)?,
                        _ => {
                            let value = map.next_value::<serde_json::Value>()?;
                            a.other.insert(key.into_owned(), value);
                        }
                    }
                }
                a.nulls = nulls;
                Ok(a)
            }
        }
        deserializer.deserialize_map(Visitor)
    }
}

impl CertificateAttributes {
    /// Whether no attribute is present.
    pub fn is_empty(&self) -> bool {
        *self == Self::default()
    }
}

/// The relationships of a [`Certificate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateRelationships {
    /// The pass type ID of a `PASS_TYPE_ID` certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pass_type_id: Option<PassTypeIdRelationship>,
}

/// The to-one `passTypeId` relationship of a [`Certificate`]: its links, and the linked pass type ID
/// when Apple includes the linkage.
pub type PassTypeIdRelationship = ToOne<PassTypeIdsKind>;

/// The Certificates resource, for the generic documents, queries and requests.
impl Resource for Certificate {
    const TYPE: &'static str = CertificatesKind::VALUE;
    const PATH: &'static str = "v1/certificates";
    /// What `GET /v1/certificates` accepts; the sparse fields are those of
    /// [`CertificateField`](crate::CertificateField) and [`PassTypeIdField`](crate::PassTypeIdField),
    /// in the same order.
    const QUERY: QuerySpec = QuerySpec::new(
        &["displayName", "certificateType", "serialNumber", "id"],
        &["displayName", "certificateType", "serialNumber", "id"],
    )
    .with_fields(&[
        (
            CertificatesKind::VALUE,
            &[
                "name",
                "certificateType",
                "displayName",
                "serialNumber",
                "platform",
                "expirationDate",
                "certificateContent",
                "activated",
                "passTypeId",
            ],
        ),
        (PassTypeIdsKind::VALUE, &["name", "identifier", "certificates"]),
    ])
    .with_include(&["passTypeId"]);
    type Included = PassTypeId;

    fn id(&self) -> &str {
        &self.id
    }
}

const SECONDS_PER_DAY: i64 = 86_400;

impl Certificate {
    /// A certificate resource with this `id` and nothing else; set the other fields afterwards.
    ///
    /// ```
    /// use ascert_models::{Certificate, CertificateType};
    ///
    /// let mut certificate = Certificate::new("ABC123");
    /// certificate.attributes.certificate_type = Some(CertificateType::Distribution);
    /// assert_eq!(certificate.id, "ABC123");
    /// ```
    pub fn new(id: impl Into<String>) -> Self {
        Self {
            id: id.into(),
            ..Self::default()
        }
    }

    /// The certificate as DER bytes, decoded from `certificateContent`.
    ///
    /// # Errors
    /// [`ModelError::MissingContent`] when the attribute is absent (a sparse fieldset left it out) and
    /// [`ModelError::InvalidContent`] when it is not base64.
    pub fn content_der(&self) -> Result<Vec<u8>, ModelError> {
        let content = self
            .attributes
            .certificate_content
            .as_deref()
            .ok_or_else(|| ModelError::MissingContent { id: self.id.clone() })?;
        decode_content(content).map_err(|source| ModelError::InvalidContent {
            id: self.id.clone(),
            source,
        })
    }

    /// The certificate as a PEM `CERTIFICATE` block with 64-character lines.
    ///
    /// # Errors
    /// As [`Certificate::content_der`].
    pub fn content_pem(&self) -> Result<String, ModelError> {
        Ok(der_to_pem("CERTIFICATE", &self.content_der()?))
    }

    /// Whether the certificate has expired at `now`; `None` when the expiration date is not known.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> Option<bool> {
        self.attributes.expiration_date.map(|expiry| expiry <= now)
    }

    /// Whole days from `now` until expiry (negative once expired, rounded towards the past);
    /// `None` when the expiration date is not known.
    pub fn days_left(&self, now: OffsetDateTime) -> Option<i64> {
        self.attributes
            .expiration_date
            .map(|expiry| (expiry - now).whole_seconds().div_euclid(SECONDS_PER_DAY))
    }
}

/// Wraps DER bytes in a PEM block with the given label and 64-character lines.
/// Base64 content as Apple sends it (one unbroken line), tolerating the line breaks of a file pasted
/// by hand.
pub(crate) fn decode_content(content: &str) -> Result<Vec<u8>, crate::BoxedSource> {
    let compact: String = content.chars().filter(|c| !c.is_ascii_whitespace()).collect();
    STANDARD
        .decode(compact)
        .map_err(|source| -> crate::BoxedSource { std::sync::Arc::new(source) })
}

fn der_to_pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let mut pem = format!("-----BEGIN {label}-----\n");
    for line in body.as_bytes().chunks(64) {
        // Base64 output is ASCII, so every chunk is valid UTF-8.
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END ");
    pem.push_str(label);
    pem.push_str("-----\n");
    pem
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn certificate(content: Option<&str>, expiry: Option<OffsetDateTime>) -> Certificate {
        Certificate {
            id: "C1".into(),
            attributes: CertificateAttributes {
                certificate_content: content.map(str::to_owned),
                expiration_date: expiry,
                ..CertificateAttributes::default()
            },
            ..Certificate::default()
        }
    }

    #[test]
    fn content_decodes_to_der_and_pem() {
        let der: Vec<u8> = (0..=255u8).collect();
        let cert = certificate(Some(&STANDARD.encode(&der)), None);
        assert_eq!(cert.content_der().unwrap(), der);
        let pem = cert.content_pem().unwrap();
        assert!(pem.starts_with("-----BEGIN CERTIFICATE-----\n"));
        assert!(pem.ends_with("-----END CERTIFICATE-----\n"));
        assert!(pem.lines().all(|l| l.len() <= 64));
        let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert_eq!(STANDARD.decode(body).unwrap(), der);
    }

    #[test]
    fn content_errors_name_the_certificate() {
        assert_eq!(
            certificate(None, None).content_der().unwrap_err().to_string(),
            "certificate C1 has no certificateContent; fetch it without a fields[certificates] filter"
        );
        let err = certificate(Some("not base64!"), None).content_der().unwrap_err();
        assert!(
            matches!(err, ModelError::InvalidContent { ref id, .. } if id == "C1"),
            "{err}"
        );
    }

    #[test]
    fn expiry_and_days_left() {
        let now = datetime!(2026-01-01 12:00 UTC);
        let cert = certificate(None, Some(datetime!(2026-01-11 11:00 UTC)));
        assert_eq!(cert.is_expired_at(now), Some(false));
        assert_eq!(cert.days_left(now), Some(9));
        let expired = certificate(None, Some(datetime!(2025-12-31 13:00 UTC)));
        assert_eq!(expired.is_expired_at(now), Some(true));
        assert_eq!(expired.days_left(now), Some(-1));
        assert_eq!(certificate(None, None).is_expired_at(now), None);
        assert_eq!(certificate(None, None).days_left(now), None);
    }
}
