//! Checking a submitted certificate signing request as Apple does: it must parse, its signature must
//! verify, and its key must be RSA 2048.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::PublicKey;

/// The RSA key size Apple accepts in a CSR.
const RSA_BITS: usize = 2048;

/// What the sandbox keeps from a valid CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedCsr {
    /// The `RSAPublicKey` DER (the subject public key bit string's content).
    pub(crate) rsa_public_key: Vec<u8>,
}

/// Why a CSR was refused; the text becomes the `detail` of the error Apple-style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsrProblem(pub(crate) String);

/// Decodes `csr_content` (PEM, or bare base64 DER) and checks it.
pub(crate) fn check(csr_content: &str) -> Result<CheckedCsr, CsrProblem> {
    let der = decode(csr_content).ok_or_else(|| {
        CsrProblem("Invalid CSR: the content is not a PEM or base64 certificate signing request".into())
    })?;
    let (_, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|_| CsrProblem("Invalid CSR: the certificate signing request could not be parsed".into()))?;
    csr.verify_signature().map_err(|_| {
        CsrProblem("Invalid CSR: the signature of the certificate signing request does not verify".into())
    })?;
    let info = &csr.certification_request_info;
    match info.subject_pki.parsed() {
        Ok(PublicKey::RSA(rsa)) if rsa.key_size() == RSA_BITS => {}
        Ok(PublicKey::RSA(rsa)) => {
            return Err(CsrProblem(format!(
                "Invalid CSR: the key is RSA {} bits; an RSA 2048-bit key is required",
                rsa.key_size()
            )));
        }
        _ => {
            return Err(CsrProblem(
                "Invalid CSR: the key is not RSA; an RSA 2048-bit key is required".into(),
            ));
        }
    }
    Ok(CheckedCsr {
        rsa_public_key: info.subject_pki.subject_public_key.data.to_vec(),
    })
}

/// PEM (any `-----BEGIN …-----` label) or bare base64 to DER.
fn decode(text: &str) -> Option<Vec<u8>> {
    let body: String = text
        .lines()
        .filter(|line| !line.trim_start().starts_with("-----"))
        .flat_map(|line| line.chars().filter(|c| !c.is_ascii_whitespace()))
        .collect();
    if body.is_empty() {
        return None;
    }
    STANDARD.decode(body).ok()
}

#[cfg(test)]
mod tests {
    use rcgen::{CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256};

    use super::*;

    fn csr_for(key: &KeyPair) -> String {
        let mut params = CertificateParams::default();
        params.distinguished_name = rcgen::DistinguishedName::new();
        params
            .distinguished_name
            .push(DnType::CommonName, "Jane Appleseed");
        params.serialize_request(key).unwrap().pem().unwrap()
    }

    #[test]
    fn accepts_rsa_2048() {
        let key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
        assert!(check(&csr_for(&key)).is_ok());
        // Bare base64 (no PEM armour) is accepted too.
        let pem = csr_for(&key);
        let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(check(&bare).is_ok());
    }

    #[test]
    fn refuses_other_keys_garbage_and_bad_signatures() {
        let ec = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        assert!(check(&csr_for(&ec)).unwrap_err().0.contains("not RSA"));
        assert!(check("hello").unwrap_err().0.starts_with("Invalid CSR"));
        assert!(check("").is_err());
        let key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
        let pem = csr_for(&key);
        let mut der = decode(&pem).unwrap();
        // Flip a bit in the signature, which is the last element of the request.
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(check(&STANDARD.encode(der)).unwrap_err().0.contains("signature"));
    }
}
