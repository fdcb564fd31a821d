//! [`KeyAlgorithm`]: which kind of key a certificate type takes (RSA-2048 for signing
//! certificates, EC P-256 for Apple Pay payment processing), and what kind of key a DER structure
//! holds, read from its algorithm identifier without touching any secret.

use std::fmt;

use ascert_models::CertificateType;
use pkcs8::ObjectIdentifier;
use pkcs8::der::asn1::UintRef;
use pkcs8::der::{Decode as _, Reader as _, SliceReader};

/// The RSA key size Apple requires for signing-certificate requests.
pub const RSA_BITS: usize = 2048;

/// `rsaEncryption` (PKCS#1).
pub(crate) const OID_RSA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
/// `id-ecPublicKey` (RFC 5480), whose parameters name the curve.
pub(crate) const OID_EC: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.2.1");
/// `prime256v1` / `secp256r1`: NIST P-256.
pub(crate) const OID_P256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.3.1.7");

/// Other algorithms and curves a key may come with, named in refusals.
const OTHER_NAMES: &[(&str, &str)] = &[
    ("1.3.132.0.34", "EC P-384"),
    ("1.3.132.0.35", "EC P-521"),
    ("1.3.132.0.10", "EC secp256k1"),
    ("1.3.36.3.3.2.8.1.1.7", "EC brainpoolP256r1"),
    ("1.3.101.110", "X25519"),
    ("1.3.101.111", "X448"),
    ("1.3.101.112", "Ed25519"),
    ("1.3.101.113", "Ed448"),
    ("1.2.840.10040.4.1", "DSA"),
    ("1.2.840.113549.1.1.10", "RSASSA-PSS"),
];

/// The kind of a private key: what Apple's certificate types take.
///
/// Apple's signing certificates (development, distribution, Developer ID, pass type ids, …) take
/// an RSA-2048 key; Apple Pay payment processing certificates (`APPLE_PAY`) an EC P-256 key
/// (Apple's TN3206). [`KeyAlgorithm::for_certificate_type`] says which; this crate generates
/// exactly these two.
///
/// It reads and writes as `RSA-2048` and `EC P-256` (its `Display`, and its JSON form in key
/// records). An imported RSA key may be larger: `RSA-4096`.
///
/// ```
/// use ascert_keystore::KeyAlgorithm;
/// use ascert_models::CertificateType;
/// assert_eq!(KeyAlgorithm::for_certificate_type(&CertificateType::ApplePay), KeyAlgorithm::EcP256);
/// assert_eq!(KeyAlgorithm::for_certificate_type(&CertificateType::Distribution).to_string(), "RSA-2048");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA with a modulus of `bits` bits. Apple takes 2048 ([`KeyAlgorithm::RSA_2048`]), the only
    /// size this crate generates; imports accept 2048 to 8192 bits.
    Rsa {
        /// The modulus size in bits.
        bits: usize,
    },
    /// ECDSA on NIST P-256 (`prime256v1`, `secp256r1`): Apple Pay payment processing.
    EcP256,
}

impl KeyAlgorithm {
    /// RSA with a 2048-bit modulus: every certificate type but Apple Pay payment processing.
    pub const RSA_2048: Self = Self::Rsa { bits: RSA_BITS };

    /// The key a certificate of `certificate_type` is made for: EC P-256 for `APPLE_PAY` (Apple Pay
    /// payment processing), RSA-2048 for every other type, `APPLE_PAY_RSA` (the RSA form of payment
    /// processing), `APPLE_PAY_MERCHANT_IDENTITY` and `APPLE_PAY_PSP_IDENTITY` (TLS client
    /// certificates) and types Apple adds later included.
    pub fn for_certificate_type(certificate_type: &CertificateType) -> Self {
        match certificate_type {
            CertificateType::ApplePay => Self::EcP256,
            _ => Self::RSA_2048,
        }
    }

    /// The key size in bits: the RSA modulus, or 256 for P-256.
    pub fn bits(self) -> usize {
        match self {
            Self::Rsa { bits } => bits,
            Self::EcP256 => 256,
        }
    }

    /// The algorithm of a DER `SubjectPublicKeyInfo` (a certificate's or a CSR's public key), if
    /// it is one of this type's: `None` for any other key, or bytes that are not a public key.
    pub fn of_public_key(spki_der: &[u8]) -> Option<Self> {
        let spki = pkcs8::SubjectPublicKeyInfoRef::from_der(spki_der).ok()?;
        match Kind::of(spki.algorithm.oid, spki.algorithm.parameters_oid().ok()) {
            Kind::Rsa => {
                rsa_public_modulus_bits(spki.subject_public_key.as_bytes()?).map(|bits| Self::Rsa { bits })
            }
            Kind::EcP256 => Some(Self::EcP256),
            Kind::Other(_) => None,
        }
    }
}

impl fmt::Display for KeyAlgorithm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Rsa { bits } => write!(f, "RSA-{bits}"),
            Self::EcP256 => f.write_str("EC P-256"),
        }
    }
}

impl std::str::FromStr for KeyAlgorithm {
    type Err = String;

    /// Reads `RSA-<bits>` or `EC P-256`, as `Display` writes them.
    fn from_str(s: &str) -> Result<Self, String> {
        if s == "EC P-256" {
            return Ok(Self::EcP256);
        }
        s.strip_prefix("RSA-")
            .and_then(|bits| bits.parse().ok())
            .map(|bits| Self::Rsa { bits })
            .ok_or_else(|| format!("{s:?} is not a key algorithm (expected RSA-2048 or EC P-256)"))
    }
}

impl serde::Serialize for KeyAlgorithm {
    fn serialize<S: serde::Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.collect_str(self)
    }
}

impl<'de> serde::Deserialize<'de> for KeyAlgorithm {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let s = String::deserialize(deserializer)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// What an algorithm identifier (of a PKCS#8 key or a public key) names.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Kind {
    Rsa,
    EcP256,
    /// Anything else, named for a refusal: "EC P-384", "Ed25519", "OID 1.2.3".
    Other(String),
}

impl Kind {
    /// The kind named by an algorithm OID and, for EC keys, the curve OID of its parameters.
    pub(crate) fn of(algorithm: ObjectIdentifier, parameters: Option<ObjectIdentifier>) -> Self {
        let named = |oid: ObjectIdentifier| {
            let text = oid.to_string();
            OTHER_NAMES
                .iter()
                .find(|(known, _)| *known == text)
                .map(|(_, name)| (*name).to_owned())
        };
        if algorithm == OID_RSA {
            return Self::Rsa;
        }
        if algorithm == OID_EC {
            return match parameters {
                Some(curve) if curve == OID_P256 => Self::EcP256,
                Some(curve) => Self::Other(named(curve).unwrap_or_else(|| format!("EC (curve {curve})"))),
                None => Self::Other("EC (no named curve)".into()),
            };
        }
        Self::Other(named(algorithm).unwrap_or_else(|| format!("OID {algorithm}")))
    }
}

/// The modulus size of a PKCS#1 `RSAPublicKey` (`SEQUENCE { modulus, publicExponent }`).
fn rsa_public_modulus_bits(der: &[u8]) -> Option<usize> {
    let mut reader = SliceReader::new(der).ok()?;
    reader
        .sequence(|r| {
            let modulus = UintRef::decode(r)?;
            let _exponent = UintRef::decode(r)?;
            Ok::<_, pkcs8::der::Error>(modulus)
        })
        .ok()
        .map(|modulus| uint_bits(modulus.as_bytes()))
}

/// The modulus size of a PKCS#1 `RSAPrivateKey` (`SEQUENCE { version, modulus, … }`), read
/// without decoding anything secret, so a refusal can say "RSA-1024".
pub(crate) fn rsa_private_modulus_bits(der: &[u8]) -> Option<usize> {
    let mut reader = SliceReader::new(der).ok()?;
    reader
        .sequence(|r| {
            let _version = u8::decode(r)?;
            let modulus = UintRef::decode(r)?;
            // The rest (exponents, primes) is secret and not looked at.
            let rest = r.remaining_len();
            r.read_slice(rest)?;
            Ok::<_, pkcs8::der::Error>(modulus)
        })
        .ok()
        .map(|modulus| uint_bits(modulus.as_bytes()))
}

/// The number of significant bits of a big-endian unsigned integer.
fn uint_bits(bytes: &[u8]) -> usize {
    let bytes = match bytes.iter().position(|b| *b != 0) {
        Some(first) => &bytes[first..],
        None => return 0,
    };
    bytes.len() * 8 - bytes[0].leading_zeros() as usize
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_pay_processing_takes_ec_p256_and_every_other_type_rsa_2048() {
        assert_eq!(
            KeyAlgorithm::for_certificate_type(&CertificateType::ApplePay),
            KeyAlgorithm::EcP256
        );
        for name in [
            "APPLE_PAY_RSA",
            "APPLE_PAY_MERCHANT_IDENTITY",
            "APPLE_PAY_PSP_IDENTITY",
            "DEVELOPMENT",
            "DISTRIBUTION",
            "DEVELOPER_ID_APPLICATION_G2",
            "PASS_TYPE_ID_WITH_NFC",
            "A_TYPE_APPLE_ADDS_LATER",
        ] {
            let certificate_type: CertificateType = serde_json::from_value(serde_json::json!(name)).unwrap();
            assert_eq!(
                KeyAlgorithm::for_certificate_type(&certificate_type),
                KeyAlgorithm::RSA_2048,
                "{name}"
            );
        }
    }

    #[test]
    fn names_read_back_and_serialize_as_strings() {
        for (algorithm, text) in [
            (KeyAlgorithm::RSA_2048, "RSA-2048"),
            (KeyAlgorithm::Rsa { bits: 4096 }, "RSA-4096"),
            (KeyAlgorithm::EcP256, "EC P-256"),
        ] {
            assert_eq!(algorithm.to_string(), text);
            assert_eq!(text.parse::<KeyAlgorithm>().unwrap(), algorithm);
            assert_eq!(serde_json::to_value(algorithm).unwrap(), text);
            assert_eq!(
                serde_json::from_value::<KeyAlgorithm>(serde_json::json!(text)).unwrap(),
                algorithm
            );
        }
        assert!("EC P-384".parse::<KeyAlgorithm>().is_err());
        assert_eq!(KeyAlgorithm::EcP256.bits(), 256);
    }

    #[test]
    fn curves_and_algorithms_are_named() {
        let oid = ObjectIdentifier::new_unwrap;
        assert_eq!(
            Kind::of(OID_EC, Some(oid("1.3.132.0.34"))),
            Kind::Other("EC P-384".into())
        );
        assert_eq!(Kind::of(oid("1.3.101.112"), None), Kind::Other("Ed25519".into()));
        assert_eq!(Kind::of(OID_EC, Some(OID_P256)), Kind::EcP256);
        assert_eq!(Kind::of(oid("1.2.3.4"), None), Kind::Other("OID 1.2.3.4".into()));
        assert_eq!(uint_bits(&[0x00, 0x80, 0x00]), 16);
        assert_eq!(uint_bits(&[0x01, 0xff]), 9);
    }
}
