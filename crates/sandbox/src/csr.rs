//! Checking a submitted certificate signing request as Apple does: it must parse, its signature must
//! verify, and its key must be the one the certificate type takes: EC P-256 for Apple Pay payment
//! processing (`APPLE_PAY`), RSA 2048 for every other type.

use ascert_models::CertificateType;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use x509_parser::certification_request::X509CertificationRequest;
use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::ca::{KeyAlgorithm, is_p256};

/// The RSA key size Apple accepts in a CSR.
const RSA_BITS: usize = 2048;

/// What the sandbox keeps from a valid CSR.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CheckedCsr {
    /// The request's `SubjectPublicKeyInfo`, DER: the key the certificate is issued for.
    pub(crate) spki_der: Vec<u8>,
}

/// Why a CSR was refused; the text becomes the `detail` of the error Apple-style.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CsrProblem(pub(crate) String);

/// The key a CSR for `certificate_type` must carry.
pub(crate) fn required_key(certificate_type: &CertificateType) -> KeyAlgorithm {
    match certificate_type {
        CertificateType::ApplePay => KeyAlgorithm::EcdsaP256,
        _ => KeyAlgorithm::Rsa2048,
    }
}

/// What the key of `spki` is, in words: "RSA 4096-bit", "EC P-256", "EC (curve 1.3.132.0.34)".
fn describe(spki: &SubjectPublicKeyInfo<'_>) -> String {
    match spki.parsed() {
        Ok(PublicKey::RSA(rsa)) => format!("RSA {}-bit", rsa.key_size()),
        Ok(PublicKey::EC(_)) if is_p256(spki) => "EC P-256".to_owned(),
        Ok(PublicKey::EC(_)) => match spki.algorithm.parameters.as_ref().and_then(|p| p.as_oid().ok()) {
            Some(curve) => format!("EC (curve {curve})"),
            None => "EC without a named curve".to_owned(),
        },
        _ => format!("of algorithm {}", spki.algorithm.algorithm),
    }
}

/// The key a type takes, in words.
fn wanted(key: KeyAlgorithm) -> &'static str {
    match key {
        KeyAlgorithm::Rsa2048 => "an RSA 2048-bit key",
        KeyAlgorithm::EcdsaP256 => "an EC P-256 (prime256v1) key",
    }
}

/// Decodes `csr_content` (PEM, or bare base64 DER) and checks it for a certificate of
/// `certificate_type`.
pub(crate) fn check(csr_content: &str, certificate_type: &CertificateType) -> Result<CheckedCsr, CsrProblem> {
    let der = decode(csr_content).ok_or_else(|| {
        CsrProblem("Invalid CSR: the content is not a PEM or base64 certificate signing request".into())
    })?;
    let (_, csr) = X509CertificationRequest::from_der(&der)
        .map_err(|_| CsrProblem("Invalid CSR: the certificate signing request could not be parsed".into()))?;
    csr.verify_signature().map_err(|_| {
        CsrProblem("Invalid CSR: the signature of the certificate signing request does not verify".into())
    })?;
    let spki = &csr.certification_request_info.subject_pki;
    let required = required_key(certificate_type);
    let fits = match (required, spki.parsed()) {
        (KeyAlgorithm::Rsa2048, Ok(PublicKey::RSA(rsa))) => rsa.key_size() == RSA_BITS,
        (KeyAlgorithm::EcdsaP256, Ok(PublicKey::EC(_))) => is_p256(spki),
        _ => false,
    };
    if !fits {
        return Err(CsrProblem(format!(
            "Invalid CSR: the key is {}; {certificate_type} certificates need {}",
            describe(spki),
            wanted(required)
        )));
    }
    Ok(CheckedCsr {
        spki_der: spki.raw.to_vec(),
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
    use rcgen::{
        CertificateParams, DnType, KeyPair, PKCS_ECDSA_P256_SHA256, PKCS_ECDSA_P384_SHA384, PKCS_ED25519,
        PKCS_RSA_SHA256, PublicKeyData as _, RsaKeySize,
    };

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
    fn accepts_rsa_2048_for_every_type_but_apple_pay_and_keeps_its_key() {
        let key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
        for certificate_type in CertificateType::KNOWN {
            let checked = check(&csr_for(&key), certificate_type);
            if *certificate_type == CertificateType::ApplePay {
                let problem = checked.unwrap_err().0;
                assert_eq!(
                    problem,
                    "Invalid CSR: the key is RSA 2048-bit; APPLE_PAY certificates need an EC P-256 \
                     (prime256v1) key"
                );
            } else {
                assert_eq!(
                    checked.unwrap().spki_der,
                    key.subject_public_key_info(),
                    "{certificate_type}"
                );
            }
        }
        // Bare base64 (no PEM armour) is accepted too.
        let pem = csr_for(&key);
        let bare: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
        assert!(check(&bare, &CertificateType::Development).is_ok());
    }

    #[test]
    fn apple_pay_takes_ec_p256_only() {
        let p256 = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        let checked = check(&csr_for(&p256), &CertificateType::ApplePay).unwrap();
        assert_eq!(checked.spki_der, p256.subject_public_key_info());
        let p384 = KeyPair::generate_for(&PKCS_ECDSA_P384_SHA384).unwrap();
        let problem = check(&csr_for(&p384), &CertificateType::ApplePay).unwrap_err().0;
        assert!(
            problem.contains("the key is EC (curve 1.3.132.0.34)"),
            "{problem}"
        );
        // The RSA Apple Pay type takes RSA, like the rest.
        assert!(
            check(&csr_for(&p256), &CertificateType::ApplePayRsa)
                .unwrap_err()
                .0
                .contains("the key is EC P-256; APPLE_PAY_RSA certificates need an RSA 2048-bit key")
        );
    }

    #[test]
    fn refuses_other_keys_garbage_and_bad_signatures() {
        let ec = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).unwrap();
        assert_eq!(
            check(&csr_for(&ec), &CertificateType::Distribution)
                .unwrap_err()
                .0,
            "Invalid CSR: the key is EC P-256; DISTRIBUTION certificates need an RSA 2048-bit key"
        );
        let rsa4096 = KeyPair::generate_rsa_for(&PKCS_RSA_SHA256, RsaKeySize::_4096).unwrap();
        assert!(
            check(&csr_for(&rsa4096), &CertificateType::Development)
                .unwrap_err()
                .0
                .contains("the key is RSA 4096-bit")
        );
        let ed = KeyPair::generate_for(&PKCS_ED25519).unwrap();
        assert!(
            check(&csr_for(&ed), &CertificateType::Development)
                .unwrap_err()
                .0
                .contains("the key is of algorithm 1.3.101.112")
        );
        assert!(
            check("hello", &CertificateType::Development)
                .unwrap_err()
                .0
                .starts_with("Invalid CSR")
        );
        assert!(check("", &CertificateType::Development).is_err());
        let key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
        let pem = csr_for(&key);
        let mut der = decode(&pem).unwrap();
        // Flip a bit in the signature, which is the last element of the request.
        let last = der.len() - 1;
        der[last] ^= 1;
        assert!(
            check(&STANDARD.encode(der), &CertificateType::Development)
                .unwrap_err()
                .0
                .contains("signature")
        );
    }
}
