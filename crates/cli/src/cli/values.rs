//! Value parsers the command groups share.

use ascert_models::CertificateType;

/// Parses a certificate type by Apple's name (any case), refusing names Apple does not use.
pub(crate) fn parse_certificate_type(text: &str) -> Result<CertificateType, String> {
    let upper = text.trim().to_ascii_uppercase().replace('-', "_");
    let parsed = CertificateType::from(upper.as_str());
    if parsed.is_known() {
        Ok(parsed)
    } else {
        let known: Vec<&str> = CertificateType::KNOWN
            .iter()
            .map(CertificateType::as_str)
            .collect();
        Err(format!(
            "unknown certificate type; use one of: {}",
            known.join(", ")
        ))
    }
}
