//! Public keys of CSRs and certificates, compared as DER `SubjectPublicKeyInfo`: how a certificate is
//! matched to the request (and so the local key) it was issued for.

use ascert_models::Certificate;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer as _;

use crate::Error;

/// The DER `SubjectPublicKeyInfo` of a CSR given as PEM, or as the bare base64 of its DER.
pub(crate) fn csr_public_key(csr: &str) -> Result<Vec<u8>, Error> {
    let invalid = |reason: String| Error::InvalidCsr { reason };
    let der = if csr.trim_start().starts_with("-----BEGIN") {
        let (_, pem) = x509_parser::pem::parse_x509_pem(csr.trim_start().as_bytes())
            .map_err(|e| invalid(format!("not a PEM block ({e})")))?;
        if !pem.label.contains("CERTIFICATE REQUEST") {
            // Only a label-like text is quoted: a damaged BEGIN line may carry key material.
            let label_like = pem.label.len() <= 40
                && pem
                    .label
                    .bytes()
                    .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ');
            let what = if label_like {
                format!("a {:?}", pem.label)
            } else {
                "not labelled as one".to_owned()
            };
            return Err(invalid(format!(
                "the PEM block is {what}, not a CERTIFICATE REQUEST"
            )));
        }
        pem.contents
    } else {
        let compact: String = csr.chars().filter(|c| !c.is_ascii_whitespace()).collect();
        STANDARD
            .decode(compact)
            .map_err(|e| invalid(format!("neither PEM nor base64 ({e})")))?
    };
    let (_, request) = X509CertificationRequest::from_der(&der)
        .map_err(|e| invalid(format!("not a PKCS#10 request ({e})")))?;
    Ok(request.certification_request_info.subject_pki.raw.to_vec())
}

/// The DER `SubjectPublicKeyInfo` of a certificate resource; `None` when it has no readable content.
pub(crate) fn certificate_public_key(certificate: &Certificate) -> Option<Vec<u8>> {
    let der = certificate.content_der().ok()?;
    let (_, parsed) = x509_parser::parse_x509_certificate(&der).ok()?;
    Some(parsed.tbs_certificate.subject_pki.raw.to_vec())
}
