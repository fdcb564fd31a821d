//! [`CertificateInfo`]: the facts about an X.509 certificate that pairing, PKCS#12 export and
//! intermediate lookup need, read once from its DER.

use sha1::Sha1;
use sha2::{Digest as _, Sha256};
use time::OffsetDateTime;
use x509_parser::extensions::{GeneralName, ParsedExtension};
use x509_parser::oid_registry::OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS;
use x509_parser::prelude::{FromDer as _, X509Certificate};

use crate::algorithm::KeyAlgorithm;
use crate::error::{KeystoreError, Result};
use crate::key::{KeyId, hex};

/// A parsed certificate with the fields this crate uses.
#[derive(Clone, PartialEq, Eq)]
pub struct CertificateInfo {
    der: Vec<u8>,
    api_id: Option<String>,
    subject: String,
    common_name: Option<String>,
    issuer: String,
    serial: String,
    key_id: KeyId,
    key_algorithm: Option<KeyAlgorithm>,
    subject_key_id: Option<Vec<u8>>,
    authority_key_id: Option<Vec<u8>>,
    ca_issuers_urls: Vec<String>,
    not_after: OffsetDateTime,
    apple_named: bool,
}

impl CertificateInfo {
    /// Parses a DER certificate.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::InvalidCertificate`] if the bytes are not one whole X.509 certificate.
    pub fn from_der(der: &[u8]) -> Result<Self> {
        let cert = parse(der)?;
        let mut info = Self {
            der: der.to_vec(),
            api_id: None,
            subject: cert.subject().to_string(),
            common_name: cert
                .subject()
                .iter_common_name()
                .next()
                .and_then(|cn| cn.as_str().ok())
                .map(String::from),
            issuer: cert.issuer().to_string(),
            serial: serial_hex(cert.raw_serial()),
            key_id: KeyId::of_spki(cert.public_key().raw),
            key_algorithm: KeyAlgorithm::of_public_key(cert.public_key().raw),
            subject_key_id: None,
            authority_key_id: None,
            ca_issuers_urls: Vec::new(),
            not_after: cert.validity().not_after.to_datetime(),
            apple_named: cert
                .subject()
                .iter_organization()
                .any(|o| o.as_str().is_ok_and(|o| o == "Apple Inc.")),
        };
        for ext in cert.extensions() {
            match ext.parsed_extension() {
                ParsedExtension::SubjectKeyIdentifier(id) => info.subject_key_id = Some(id.0.to_vec()),
                ParsedExtension::AuthorityKeyIdentifier(aki) => {
                    info.authority_key_id = aki.key_identifier.as_ref().map(|id| id.0.to_vec());
                }
                ParsedExtension::AuthorityInfoAccess(aia) => {
                    for desc in &aia.accessdescs {
                        if desc.access_method == OID_PKIX_ACCESS_DESCRIPTOR_CA_ISSUERS
                            && let GeneralName::URI(url) = desc.access_location
                        {
                            info.ca_issuers_urls.push(url.to_owned());
                        }
                    }
                }
                _ => {}
            }
        }
        Ok(info)
    }

    /// Parses a certificate in DER or PEM form (the first `CERTIFICATE` block of PEM text).
    ///
    /// # Errors
    ///
    /// [`KeystoreError::InvalidCertificate`] if no certificate can be read.
    pub fn from_der_or_pem(bytes: &[u8]) -> Result<Self> {
        match pem_certificates(bytes).into_iter().next() {
            Some(der) => Self::from_der(&der),
            None => Self::from_der(bytes),
        }
    }

    /// Reads the `certificateContent` of a certificate from the App Store Connect API, keeping
    /// its resource id.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::Model`] if the resource has no content, [`KeystoreError::InvalidCertificate`]
    /// if the content is not a certificate.
    pub fn from_model(certificate: &ascert_models::Certificate) -> Result<Self> {
        let mut info = Self::from_der(&certificate.content_der()?)?;
        info.api_id = Some(certificate.id.clone());
        Ok(info)
    }

    /// The certificate as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }

    /// The certificate as PEM.
    pub fn to_pem(&self) -> String {
        let config = pem::EncodeConfig::new().set_line_ending(pem::LineEnding::LF);
        pem::encode_config(&pem::Pem::new("CERTIFICATE", self.der.clone()), config)
    }

    /// The App Store Connect resource id, when the certificate came from the API.
    pub fn api_id(&self) -> Option<&str> {
        self.api_id.as_deref()
    }

    /// The subject in RFC 4514-like form, such as `CN=Apple Development: Jane Doe (ABC), O=…`.
    pub fn subject(&self) -> &str {
        &self.subject
    }

    /// The subject's common name.
    pub fn common_name(&self) -> Option<&str> {
        self.common_name.as_deref()
    }

    /// The issuer's name.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    /// The serial number as upper-case hex without leading zero bytes, as Apple's API shows it.
    pub fn serial(&self) -> &str {
        &self.serial
    }

    /// The [`KeyId`] of the certificate's public key: equal to the id of its private key.
    pub fn key_id(&self) -> KeyId {
        self.key_id
    }

    /// The algorithm of the certificate's public key (`RSA-2048`, `EC P-256`), or `None` for a key
    /// of another kind (an Apple CA's P-384 key, say).
    pub fn key_algorithm(&self) -> Option<KeyAlgorithm> {
        self.key_algorithm
    }

    /// The SHA-1 fingerprint, as macOS `security find-identity` and codesign show it.
    pub fn sha1(&self) -> [u8; 20] {
        Sha1::digest(&self.der).into()
    }

    /// The SHA-1 fingerprint as upper-case hex.
    pub fn sha1_hex(&self) -> String {
        hex(&self.sha1()).to_uppercase()
    }

    /// The SHA-256 fingerprint as lower-case hex.
    pub fn sha256_hex(&self) -> String {
        hex(&Sha256::digest(&self.der))
    }

    /// The subject key identifier extension, if present.
    pub fn subject_key_id(&self) -> Option<&[u8]> {
        self.subject_key_id.as_deref()
    }

    /// The key identifier of the authority key identifier extension, if present.
    pub fn authority_key_id(&self) -> Option<&[u8]> {
        self.authority_key_id.as_deref()
    }

    /// The `caIssuers` URLs of the authority information access extension.
    pub fn ca_issuers_urls(&self) -> &[String] {
        &self.ca_issuers_urls
    }

    /// When the certificate expires.
    pub fn not_after(&self) -> OffsetDateTime {
        self.not_after
    }

    /// Whether the subject's organisation is "Apple Inc.", as in every Apple CA certificate.
    pub fn is_apple_named(&self) -> bool {
        self.apple_named
    }

    /// Whether `issuer` signed this certificate.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::IntermediateDoesNotVerify`] saying why the signature does not verify.
    pub fn verify_issued_by(&self, issuer: &CertificateInfo) -> Result<()> {
        let leaf = parse(&self.der)?;
        let ca = parse(&issuer.der)?;
        leaf.verify_signature(Some(ca.public_key()))
            .map_err(|e| KeystoreError::IntermediateDoesNotVerify {
                subject: issuer.subject.clone(),
                reason: e.to_string(),
            })
    }
}

impl std::fmt::Debug for CertificateInfo {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CertificateInfo")
            .field("api_id", &self.api_id)
            .field("subject", &self.subject)
            .field("serial", &self.serial)
            .field("key_id", &self.key_id)
            .finish_non_exhaustive()
    }
}

fn parse(der: &[u8]) -> Result<X509Certificate<'_>> {
    let (rest, cert) = X509Certificate::from_der(der).map_err(KeystoreError::certificate)?;
    if !rest.is_empty() {
        return Err(KeystoreError::certificate(format!(
            "{} bytes after the certificate",
            rest.len()
        )));
    }
    Ok(cert)
}

fn serial_hex(raw: &[u8]) -> String {
    let trimmed = match raw {
        [0, rest @ ..] if !rest.is_empty() => rest,
        other => other,
    };
    hex(trimmed).to_uppercase()
}

/// Every `CERTIFICATE` block of PEM text, as DER; empty when the bytes are not PEM.
pub(crate) fn pem_certificates(bytes: &[u8]) -> Vec<Vec<u8>> {
    pem::parse_many(bytes)
        .map(|blocks| {
            blocks
                .into_iter()
                .filter(|b| b.tag() == "CERTIFICATE")
                .map(pem::Pem::into_contents)
                .collect()
        })
        .unwrap_or_default()
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::key::PrivateKey;
    use crate::{CsrSubject, create_csr};
    use rcgen::{BasicConstraints, CertificateParams, DnType, IsCa, Issuer, KeyPair};

    /// A throwaway CA for tests: its certificate and the key that signs with it.
    pub(crate) struct TestCa {
        pub(crate) params: CertificateParams,
        pub(crate) key: KeyPair,
        pub(crate) cert: CertificateInfo,
    }

    impl TestCa {
        pub(crate) fn new(common_name: &str) -> Self {
            let mut params = CertificateParams::default();
            params.distinguished_name = rcgen::DistinguishedName::new();
            params.distinguished_name.push(DnType::CommonName, common_name);
            params
                .distinguished_name
                .push(DnType::OrganizationName, "ascert tests");
            params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
            let key = KeyPair::generate().unwrap();
            let cert = params.self_signed(&key).unwrap();
            let cert = CertificateInfo::from_der(cert.der()).unwrap();
            Self { params, key, cert }
        }

        /// Issues a leaf for `key` from a CSR, as Apple does.
        pub(crate) fn issue(&self, key: &PrivateKey, common_name: &str) -> CertificateInfo {
            self.issue_with(key, common_name, |_| {})
        }

        pub(crate) fn issue_with(
            &self,
            key: &PrivateKey,
            common_name: &str,
            tweak: impl FnOnce(&mut rcgen::CertificateSigningRequestParams),
        ) -> CertificateInfo {
            let csr = create_csr(key, &CsrSubject::new(common_name, "dev@example.com")).unwrap();
            let mut request = rcgen::CertificateSigningRequestParams::from_pem(csr.pem()).unwrap();
            request.params.serial_number = Some(rcgen::SerialNumber::from_slice(&[0x00, 0x9a, 0x01, 0x02]));
            // Apple's leaves name their issuer's key, as intermediate lookup expects.
            request.params.use_authority_key_identifier_extension = true;
            tweak(&mut request);
            let issuer = Issuer::from_params(&self.params, &self.key);
            let leaf = request.signed_by(&issuer).unwrap();
            CertificateInfo::from_der(leaf.der()).unwrap()
        }
    }

    #[test]
    fn a_leaf_issued_from_our_csr_carries_our_key_id_and_names() {
        let ca = TestCa::new("Test WWDR CA");
        let key = crate::key::tests::test_key();
        let leaf = ca.issue(key, "Apple Development: Jane Doe (TEAM123)");
        assert_eq!(leaf.key_id(), key.id());
        assert_eq!(leaf.common_name(), Some("Apple Development: Jane Doe (TEAM123)"));
        assert_eq!(leaf.issuer(), ca.cert.subject());
        assert_eq!(leaf.serial(), "9A0102");
        assert_eq!(leaf.authority_key_id(), ca.cert.subject_key_id());
        assert!(leaf.verify_issued_by(&ca.cert).is_ok());
        assert!(leaf.verify_issued_by(&TestCa::new("Other").cert).is_err());
        assert_eq!(leaf.sha1_hex().len(), 40);
    }

    #[test]
    fn certificates_from_the_api_keep_their_id() {
        use base64::Engine as _;
        let ca = TestCa::new("Test WWDR CA");
        let leaf = ca.issue(crate::key::tests::test_key(), "Jane");
        let json = serde_json::json!({
            "type": "certificates", "id": "CERT1",
            "attributes": {"certificateContent": base64::engine::general_purpose::STANDARD.encode(leaf.der())}
        });
        let model: ascert_models::Certificate = serde_json::from_value(json).unwrap();
        let info = CertificateInfo::from_model(&model).unwrap();
        assert_eq!(info.api_id(), Some("CERT1"));
        assert_eq!(info.der(), leaf.der());
        assert_eq!(
            CertificateInfo::from_der_or_pem(leaf.to_pem().as_bytes())
                .unwrap()
                .der(),
            leaf.der()
        );
    }

    #[test]
    fn garbage_is_not_a_certificate() {
        let err = CertificateInfo::from_der(b"not a certificate").unwrap_err();
        assert!(
            err.to_string().starts_with("not a valid X.509 certificate"),
            "{err}"
        );
    }
}
