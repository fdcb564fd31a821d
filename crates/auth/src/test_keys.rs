//! Keys generated at test time (never committed), in every shape the loaders must accept or refuse.

use aws_lc_rs::encoding::AsDer as _;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{
    ECDSA_P256_SHA256_FIXED_SIGNING, ECDSA_P384_SHA384_FIXED_SIGNING, EcdsaKeyPair, Ed25519KeyPair,
    KeyPair as _,
};
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;

/// A key id in Apple's form.
pub(crate) const KEY_ID: &str = "2X9R4HXF34";
/// An issuer id in Apple's form.
pub(crate) const ISSUER: &str = "57246542-96fe-1a63-e053-0824d011072a";

/// A fresh P-256 key as Apple's .p8 holds it.
pub(crate) struct TestKey {
    /// PKCS#8 DER.
    pub(crate) der: Vec<u8>,
    /// PKCS#8 PEM, the text of a .p8 file.
    pub(crate) pem: String,
    /// Uncompressed public point.
    pub(crate) public: Vec<u8>,
}

pub(crate) fn p256() -> TestKey {
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &SystemRandom::new()).unwrap();
    let der = doc.as_ref().to_vec();
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &der).unwrap();
    TestKey {
        pem: pem("PRIVATE KEY", &der),
        public: pair.public_key().as_ref().to_vec(),
        der,
    }
}

/// The same key as a SEC1 `EC PRIVATE KEY`, as `openssl ecparam -genkey` writes it.
pub(crate) fn sec1_pem(key: &TestKey) -> String {
    let pair = EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &key.der).unwrap();
    pem("EC PRIVATE KEY", pair.private_key().as_der().unwrap().as_ref())
}

pub(crate) fn p384_pem() -> String {
    let doc = EcdsaKeyPair::generate_pkcs8(&ECDSA_P384_SHA384_FIXED_SIGNING, &SystemRandom::new()).unwrap();
    pem("PRIVATE KEY", doc.as_ref())
}

fn rsa_pkcs8_der() -> Vec<u8> {
    let pair = aws_lc_rs::rsa::KeyPair::generate(aws_lc_rs::rsa::KeySize::Rsa2048).unwrap();
    pair.as_der().unwrap().as_ref().to_vec()
}

pub(crate) fn rsa_pem() -> String {
    pem("PRIVATE KEY", &rsa_pkcs8_der())
}

/// The PKCS#1 `RSA PRIVATE KEY` DER inside a PKCS#8 one, given a label-less PEM to show the DER check.
pub(crate) fn rsa_pkcs1_pem() -> String {
    let pkcs8 = rsa_pkcs8_der();
    let (_, info, _) = crate::key::material::read_tlv(&pkcs8).unwrap();
    let (_, _version, rest) = crate::key::material::read_tlv(info).unwrap();
    let (_, _algorithm, rest) = crate::key::material::read_tlv(rest).unwrap();
    let (_, pkcs1, _) = crate::key::material::read_tlv(rest).unwrap();
    // Labelled as a plain private key so that the DER, not the label, has to tell it is RSA.
    pem("PRIVATE KEY", pkcs1)
}

pub(crate) fn ed25519_pem() -> String {
    let doc = Ed25519KeyPair::generate_pkcs8(&SystemRandom::new()).unwrap();
    pem("PRIVATE KEY", doc.as_ref())
}

/// An `EncryptedPrivateKeyInfo` (PBES2) with random ciphertext: what `openssl pkcs8 -topk8` writes.
pub(crate) fn encrypted_der() -> Vec<u8> {
    let pbes2 = [
        0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x05, 0x0D, 0x30, 0x00,
    ];
    let mut algorithm = vec![0x30, u8::try_from(pbes2.len()).unwrap()];
    algorithm.extend_from_slice(&pbes2);
    let mut data = vec![0x04, 48];
    data.extend_from_slice(&random_bytes(48));
    let mut der = vec![0x30, u8::try_from(algorithm.len() + data.len()).unwrap()];
    der.extend_from_slice(&algorithm);
    der.extend_from_slice(&data);
    der
}

pub(crate) fn encrypted_pem() -> String {
    pem("ENCRYPTED PRIVATE KEY", &encrypted_der())
}

/// Random bytes that do not start like DER, so that the test is deterministic.
pub(crate) fn random_bytes(len: usize) -> Vec<u8> {
    let mut bytes = vec![0; len];
    aws_lc_rs::rand::fill(&mut bytes).unwrap();
    if bytes[0] == 0x30 {
        bytes[0] = 0x31;
    }
    bytes
}

pub(crate) fn b64(bytes: &[u8]) -> String {
    STANDARD.encode(bytes)
}

pub(crate) fn pem(label: &str, der: &[u8]) -> String {
    let body = STANDARD.encode(der);
    let lines: Vec<&str> = body
        .as_bytes()
        .chunks(64)
        .map(|c| std::str::from_utf8(c).unwrap())
        .collect();
    format!(
        "-----BEGIN {label}-----\n{}\n-----END {label}-----\n",
        lines.join("\n")
    )
}
