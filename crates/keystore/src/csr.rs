//! Certificate signing requests as Keychain Access makes them for Apple: subject with
//! `emailAddress` (`IA5String`), common name and country; an RSA key signed SHA-256 with RSA, or
//! an EC P-256 key (Apple Pay payment processing) signed ECDSA with SHA-256.

use rcgen::{CertificateParams, DistinguishedName, DnType, DnValue};

use crate::algorithm::KeyAlgorithm;
use crate::error::{KeystoreError, Result};
use crate::key::PrivateKey;

/// The OID of PKCS#9 emailAddress (1.2.840.113549.1.9.1), which Apple's CSR form uses.
const EMAIL_ADDRESS_OID: [u64; 7] = [1, 2, 840, 113_549, 1, 9, 1];

/// The subject of a CSR: who the certificate is for. Made with [`CsrSubject::new`] and
/// [`CsrSubject::with_country`].
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct CsrSubject {
    /// The common name, usually the developer's or team's name.
    pub common_name: String,
    /// The e-mail address of the Apple account holder; encoded as an `IA5String` (ASCII only).
    /// Empty leaves `emailAddress` out of the subject: Apple takes the certificate's subject from
    /// the account, not from the request.
    pub email: String,
    /// Two-letter ISO 3166 country code, such as `US`; omitted from the subject when `None`.
    pub country: Option<String>,
}

impl CsrSubject {
    /// A subject with a common name and e-mail and no country.
    pub fn new(common_name: impl Into<String>, email: impl Into<String>) -> Self {
        Self {
            common_name: common_name.into(),
            email: email.into(),
            country: None,
        }
    }

    /// The same subject with a country code.
    #[must_use]
    pub fn with_country(mut self, country: impl Into<String>) -> Self {
        self.country = Some(country.into());
        self
    }

    fn to_distinguished_name(&self) -> Result<DistinguishedName> {
        let invalid = |reason: String| KeystoreError::InvalidSubject { reason };
        if self.common_name.trim().is_empty() {
            return Err(invalid("the common name is empty".into()));
        }
        if !self.email.is_empty() && (!self.email.contains('@') || !self.email.is_ascii()) {
            return Err(invalid(format!(
                "{:?} is not an ASCII e-mail address",
                self.email
            )));
        }
        let mut name = DistinguishedName::new();
        // Keychain Access writes emailAddress, CN, C in this order; Apple's portal accepts it.
        if !self.email.is_empty() {
            let email = rcgen::string::Ia5String::try_from(self.email.clone())
                .map_err(|e| invalid(format!("e-mail address: {e}")))?;
            name.push(
                DnType::CustomDnType(EMAIL_ADDRESS_OID.to_vec()),
                DnValue::Ia5String(email),
            );
        }
        name.push(DnType::CommonName, DnValue::Utf8String(self.common_name.clone()));
        if let Some(country) = &self.country {
            if country.len() != 2 || !country.chars().all(|c| c.is_ascii_uppercase()) {
                return Err(invalid(format!(
                    "{country:?} is not a two-letter upper-case country code"
                )));
            }
            let country = rcgen::string::PrintableString::try_from(country.clone())
                .map_err(|e| invalid(format!("country: {e}")))?;
            name.push(DnType::CountryName, DnValue::PrintableString(country));
        }
        Ok(name)
    }
}

/// A PKCS#10 certificate signing request.
#[derive(Clone, PartialEq, Eq)]
pub struct Csr {
    pem: String,
    der: Vec<u8>,
}

impl Csr {
    /// The request as PEM (`-----BEGIN CERTIFICATE REQUEST-----`), as App Store Connect takes it
    /// in `csrContent`.
    pub fn pem(&self) -> &str {
        &self.pem
    }

    /// The request as DER.
    pub fn der(&self) -> &[u8] {
        &self.der
    }
}

impl std::fmt::Debug for Csr {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Csr")
            .field("der_len", &self.der.len())
            .finish_non_exhaustive()
    }
}

/// Makes a CSR for `key` with `subject`: signed `sha256WithRSAEncryption` for an RSA key,
/// `ecdsa-with-SHA256` for an EC P-256 key.
///
/// # Errors
///
/// [`KeystoreError::InvalidSubject`] if the subject cannot be encoded (empty common name,
/// non-ASCII e-mail, bad country code), [`KeystoreError::Crypto`] if signing fails.
///
/// ```no_run
/// use ascert_keystore::{create_csr, CsrSubject, PrivateKey};
/// let key = PrivateKey::generate_rsa_2048()?;
/// let csr = create_csr(&key, &CsrSubject::new("Jane Doe", "jane@example.com").with_country("US"))?;
/// println!("{}", csr.pem());
/// # Ok::<(), ascert_keystore::KeystoreError>(())
/// ```
pub fn create_csr(key: &PrivateKey, subject: &CsrSubject) -> Result<Csr> {
    let mut params = CertificateParams::default();
    params.distinguished_name = subject.to_distinguished_name()?;
    let pair = key.rcgen_key_pair()?;
    let request = params
        .serialize_request(&pair)
        .map_err(KeystoreError::crypto("signing the CSR"))?;
    let pem = request.pem().map_err(KeystoreError::crypto("encoding the CSR"))?;
    Ok(Csr {
        pem,
        der: request.der().to_vec(),
    })
}

/// The algorithm of the public key in a PEM CSR, if it is one [`KeyAlgorithm`] names.
pub(crate) fn public_key_algorithm(csr_pem: &str) -> Option<KeyAlgorithm> {
    use x509_parser::prelude::FromDer as _;
    let der = pem::parse(csr_pem).ok()?.into_contents();
    let (_, request) = x509_parser::certification_request::X509CertificationRequest::from_der(&der).ok()?;
    KeyAlgorithm::of_public_key(request.certification_request_info.subject_pki.raw)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::key::tests::test_key;
    use std::process::{Command, Stdio};

    fn openssl_req(args: &[&str], csr_pem: &str) -> (bool, String, String) {
        use std::io::Write as _;
        let mut child = Command::new("openssl")
            .arg("req")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .spawn()
            .expect("openssl is installed");
        child.stdin.take().unwrap().write_all(csr_pem.as_bytes()).unwrap();
        let out = child.wait_with_output().unwrap();
        (
            out.status.success(),
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    }

    #[test]
    fn openssl_verifies_the_csr_and_sees_a_2048_bit_rsa_key_signed_sha256() {
        let subject = CsrSubject::new("Jane Doe", "jane@example.com").with_country("US");
        let csr = create_csr(test_key(), &subject).unwrap();
        assert!(csr.pem().starts_with("-----BEGIN CERTIFICATE REQUEST-----"));
        let (ok, out, err) = openssl_req(&["-verify", "-noout", "-text"], csr.pem());
        assert!(ok, "{err}");
        // OpenSSL 3 prints the verification result on stderr ("Certificate request self-signature verify OK").
        assert!(format!("{out}{err}").contains("verify OK"), "{out}{err}");
        assert!(out.contains("Public-Key: (2048 bit)"), "{out}");
        assert!(out.contains("rsaEncryption"), "{out}");
        assert!(
            out.contains("Signature Algorithm: sha256WithRSAEncryption"),
            "{out}"
        );
        assert!(
            out.contains("Subject: emailAddress = jane@example.com, CN = Jane Doe, C = US"),
            "{out}"
        );
    }

    #[test]
    fn openssl_verifies_an_ec_keys_csr_signed_ecdsa_with_sha256() {
        let key = crate::key::tests::test_ec_key();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com").with_country("US");
        let csr = create_csr(key, &subject).unwrap();
        let (ok, out, err) = openssl_req(&["-verify", "-noout", "-text"], csr.pem());
        assert!(ok, "{err}");
        assert!(format!("{out}{err}").contains("verify OK"), "{out}{err}");
        assert!(out.contains("Public Key Algorithm: id-ecPublicKey"), "{out}");
        assert!(out.contains("Public-Key: (256 bit)"), "{out}");
        assert!(
            out.contains("ASN1 OID: prime256v1") && out.contains("NIST CURVE: P-256"),
            "{out}"
        );
        assert!(out.contains("Signature Algorithm: ecdsa-with-SHA256"), "{out}");
        assert!(
            out.contains("Subject: emailAddress = jane@example.com, CN = Jane Doe, C = US"),
            "{out}"
        );
        assert_eq!(public_key_algorithm(csr.pem()), Some(KeyAlgorithm::EcP256));
        assert_eq!(
            public_key_algorithm(create_csr(test_key(), &subject).unwrap().pem()),
            Some(KeyAlgorithm::RSA_2048)
        );
    }

    #[test]
    fn an_ec_csr_carries_the_keys_public_key_and_a_signature_it_verifies() {
        use x509_parser::prelude::FromDer as _;
        let key = crate::key::tests::test_ec_key();
        let csr = create_csr(key, &CsrSubject::new("A", "a@b.c")).unwrap();
        let (_, parsed) =
            x509_parser::certification_request::X509CertificationRequest::from_der(csr.der()).unwrap();
        assert_eq!(
            parsed.certification_request_info.subject_pki.raw,
            key.public_key_der()
        );
        parsed.verify_signature().unwrap();
        assert_eq!(
            parsed.signature_algorithm.algorithm,
            x509_parser::oid_registry::OID_SIG_ECDSA_WITH_SHA256
        );
    }

    #[test]
    fn the_email_address_is_an_ia5string_and_the_country_printable() {
        let subject = CsrSubject::new("Jane Doe", "jane@example.com").with_country("GB");
        let csr = create_csr(test_key(), &subject).unwrap();
        let (ok, out, err) = openssl_req(
            &["-noout", "-subject", "-nameopt", "multiline,show_type"],
            csr.pem(),
        );
        assert!(ok, "{err}");
        assert!(
            out.contains("emailAddress") && out.contains("IA5STRING:jane@example.com"),
            "{out}"
        );
        assert!(out.contains("PRINTABLESTRING:GB"), "{out}");
        assert!(out.contains("UTF8STRING:Jane Doe"), "{out}");
    }

    #[test]
    fn an_empty_email_is_left_out_of_the_subject() {
        let csr = create_csr(test_key(), &CsrSubject::new("ascert", "")).unwrap();
        let (ok, out, err) = openssl_req(&["-verify", "-noout", "-subject"], csr.pem());
        assert!(ok, "{err}");
        assert!(out.contains("subject=CN = ascert"), "{out}");
        assert!(!out.contains("emailAddress"), "{out}");
    }

    #[test]
    fn the_csr_carries_the_keys_public_key() {
        use x509_parser::prelude::FromDer as _;
        let csr = create_csr(test_key(), &CsrSubject::new("A", "a@b.c")).unwrap();
        let (_, parsed) =
            x509_parser::certification_request::X509CertificationRequest::from_der(csr.der()).unwrap();
        assert_eq!(
            parsed.certification_request_info.subject_pki.raw,
            test_key().public_key_der()
        );
    }

    #[test]
    fn bad_subjects_are_refused_before_signing() {
        let key = test_key();
        for (subject, needle) in [
            (CsrSubject::new(" ", "a@b.c"), "common name is empty"),
            (CsrSubject::new("A", "not-an-email"), "not an ASCII e-mail"),
            (CsrSubject::new("A", "jöns@example.com"), "not an ASCII e-mail"),
            (CsrSubject::new("A", "a@b.c").with_country("USA"), "two-letter"),
        ] {
            let err = create_csr(key, &subject).unwrap_err();
            assert!(err.to_string().contains(needle), "{err}");
        }
    }
}
