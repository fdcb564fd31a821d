//! [`Certificate`]: the signing-certificate resource, with helpers for its content and expiry.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::{
    BundleIdPlatform, CertificateType, CertificatesKind, ModelError, PassTypeIdsKind, RelationshipLinks,
    ResourceIdentifier, ResourceLinks,
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CertificateAttributes {
    /// The certificate's common name, such as `iOS Distribution: Example Ltd`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The kind of certificate.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<CertificateType>,
    /// The name shown in the developer portal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub display_name: Option<String>,
    /// The serial number, upper-case hexadecimal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// The platform the certificate is for.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub platform: Option<BundleIdPlatform>,
    /// When the certificate expires.
    #[serde(
        default,
        skip_serializing_if = "Option::is_none",
        with = "crate::date::option"
    )]
    pub expiration_date: Option<OffsetDateTime>,
    /// The DER certificate, base64-encoded. See [`Certificate::content_der`].
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_content: Option<String>,
    /// Whether the certificate is active.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub activated: Option<bool>,
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

/// The to-one `passTypeId` relationship of a [`Certificate`].
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct PassTypeIdRelationship {
    /// The relationship's links.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub links: Option<RelationshipLinks>,
    /// The linked pass type ID, when Apple includes the linkage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub data: Option<ResourceIdentifier<PassTypeIdsKind>>,
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
        // Apple sends one unbroken line; tolerate line breaks from files pasted by hand.
        let compact: String = content.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD
            .decode(compact)
            .map_err(|source| ModelError::InvalidContent {
                id: self.id.clone(),
                source: std::sync::Arc::new(source),
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
