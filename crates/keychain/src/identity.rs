//! [`Identity`]: a certificate with a private key in a keychain, described by what users look
//! for (common name, SHA-1 as `security find-identity` prints it, code-signing use).

use sha1::{Digest as _, Sha1};
use x509_parser::prelude::{FromDer as _, X509Certificate};

use crate::error::{KeychainError, Result};

/// A signing identity found in or imported into a keychain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Identity {
    /// The certificate's common name, such as `Apple Development: Jane Doe (ABCDE12345)`.
    pub common_name: String,
    /// The SHA-1 of the certificate's DER, as codesign and `security find-identity` show it.
    pub sha1: [u8; 20],
    /// Whether the certificate allows code signing (extended key usage codeSigning).
    pub code_signing: bool,
    /// The SHA-1 of the certificate's public key (the PKCS#1 `RSAPublicKey` for RSA, the uncompressed
    /// point `04 || X || Y` for EC P-256): the hash the
    /// keychain stores as the private key's `Label` attribute and pairs identities by.
    pub public_key_hash: [u8; 20],
    /// The certificate, DER.
    pub certificate_der: Vec<u8>,
}

impl Identity {
    /// Describes the identity whose certificate is `der`.
    ///
    /// # Errors
    ///
    /// [`KeychainError::InvalidCertificate`] if `der` is not a certificate.
    pub fn from_certificate_der(der: &[u8]) -> Result<Self> {
        let (_, cert) = X509Certificate::from_der(der).map_err(|e| KeychainError::InvalidCertificate {
            reason: e.to_string(),
        })?;
        let common_name = cert
            .subject()
            .iter_common_name()
            .next()
            .and_then(|cn| cn.as_str().ok())
            .map_or_else(|| cert.subject().to_string(), str::to_owned);
        let code_signing = cert
            .extended_key_usage()
            .ok()
            .flatten()
            .is_some_and(|eku| eku.value.code_signing);
        Ok(Self {
            common_name,
            sha1: Sha1::digest(der).into(),
            code_signing,
            public_key_hash: Sha1::digest(cert.public_key().subject_public_key.data.as_ref()).into(),
            certificate_der: der.to_vec(),
        })
    }

    /// The SHA-1 as 40 upper-case hex digits, the form `codesign --sign` accepts.
    pub fn sha1_hex(&self) -> String {
        sha1_hex(&self.sha1)
    }

    /// The public key hash as 40 upper-case hex digits.
    pub fn public_key_hash_hex(&self) -> String {
        sha1_hex(&self.public_key_hash)
    }
}

/// A SHA-1 as 40 upper-case hex digits, the form `security` prints and `codesign` accepts.
pub fn sha1_hex(sha1: &[u8; 20]) -> String {
    use std::fmt::Write as _;
    sha1.iter().fold(String::with_capacity(40), |mut s, b| {
        let _ = write!(s, "{b:02X}");
        s
    })
}

/// Parses a SHA-1 fingerprint: 40 hex digits, optionally with colons or spaces between bytes.
///
/// # Errors
///
/// [`KeychainError::InvalidSha1`] for anything else.
pub fn parse_sha1(text: &str) -> Result<[u8; 20]> {
    let digits: String = text.chars().filter(|c| !matches!(c, ':' | ' ')).collect();
    let bad = || KeychainError::InvalidSha1 {
        value: text.chars().take(80).collect(),
    };
    if digits.len() != 40 || !digits.is_ascii() {
        return Err(bad());
    }
    let mut out = [0u8; 20];
    for (i, byte) in out.iter_mut().enumerate() {
        *byte = u8::from_str_radix(&digits[2 * i..2 * i + 2], 16).map_err(|_| bad())?;
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A self-signed certificate with the codeSigning extended key usage (made once with openssl
    /// in the test, so the crate needs no certificate-making dependency).
    fn certificate(eku: &str) -> Vec<u8> {
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new("openssl")
            .args([
                "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1", "-outform", "DER",
            ])
            .args(["-subj", "/CN=Apple Development: Jane Doe (TEAM123)/O=Example"])
            .args(["-addext", &format!("extendedKeyUsage={eku}")])
            .args(["-keyout", dir.path().join("k.pem").to_str().unwrap()])
            .output()
            .expect("openssl is installed");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        out.stdout
    }

    #[test]
    fn identities_show_common_name_sha1_and_code_signing_use() {
        let der = certificate("codeSigning");
        let identity = Identity::from_certificate_der(&der).unwrap();
        assert_eq!(identity.common_name, "Apple Development: Jane Doe (TEAM123)");
        assert!(identity.code_signing);
        assert_eq!(identity.sha1_hex().len(), 40);
        assert_eq!(parse_sha1(&identity.sha1_hex()).unwrap(), identity.sha1);
        let server = Identity::from_certificate_der(&certificate("serverAuth")).unwrap();
        assert!(!server.code_signing);
        // The public key hash is what openssl prints for `-pubkey | rsa -RSAPublicKey_out | sha1`:
        // checked against an independent computation of the PKCS#1 public key's SHA-1.
        let dir = tempfile::tempdir().unwrap();
        let cert_path = dir.path().join("c.der");
        std::fs::write(&cert_path, &der).unwrap();
        let pubkey = std::process::Command::new("openssl")
            .args(["x509", "-inform", "DER", "-noout", "-pubkey", "-in"])
            .arg(&cert_path)
            .output()
            .unwrap();
        let pub_path = dir.path().join("p.pem");
        std::fs::write(&pub_path, &pubkey.stdout).unwrap();
        let pkcs1 = std::process::Command::new("openssl")
            .args(["rsa", "-pubin", "-RSAPublicKey_out", "-outform", "DER", "-in"])
            .arg(&pub_path)
            .output()
            .unwrap();
        assert!(
            pkcs1.status.success(),
            "{}",
            String::from_utf8_lossy(&pkcs1.stderr)
        );
        let expected: [u8; 20] = Sha1::digest(&pkcs1.stdout).into();
        assert_eq!(identity.public_key_hash, expected);
        assert_eq!(identity.public_key_hash_hex().len(), 40);
    }

    #[test]
    fn sha1_fingerprints_accept_colons_and_refuse_garbage() {
        let colons = "AB:".repeat(19) + "AB";
        assert_eq!(parse_sha1(&colons).unwrap(), [0xAB; 20]);
        assert!(
            parse_sha1("xyz")
                .unwrap_err()
                .to_string()
                .contains("40 hex digits")
        );
        assert!(Identity::from_certificate_der(b"junk").is_err());
    }
}
