//! Turning the bytes users hold (PEM, base64 of PEM, raw DER) into a checked P-256 PKCS#8 key.
//!
//! The classification reads just enough DER to tell the user precisely what they gave instead of an
//! App Store Connect key (an RSA key, another curve, an encrypted key, a certificate). Every decoded
//! byte lives in a [`Zeroizing`] buffer.

use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair, KeyPair as _};
use base64::Engine as _;
use zeroize::Zeroizing;

use crate::error::AuthError;

/// A checked P-256 private key: PKCS#8 v1 DER and the matching public point.
pub(crate) struct P256Key {
    /// PKCS#8 v1 `PrivateKeyInfo`, as jsonwebtoken's aws-lc-rs signer expects it.
    pub(crate) pkcs8: Zeroizing<Vec<u8>>,
    /// The public key as an uncompressed SEC1 point (65 bytes).
    pub(crate) public: Vec<u8>,
}

const TAG_INTEGER: u8 = 0x02;
const TAG_OCTET_STRING: u8 = 0x04;
const TAG_OID: u8 = 0x06;
const TAG_SEQUENCE: u8 = 0x30;
const TAG_CONTEXT_0: u8 = 0xA0;

const OID_EC_PUBLIC_KEY: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x02, 0x01];
const OID_P256: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07];
const OID_P384: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x22];
const OID_P521: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x23];
const OID_SECP256K1: &[u8] = &[0x2B, 0x81, 0x04, 0x00, 0x0A];
const OID_RSA: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x01];
const OID_RSA_PSS: &[u8] = &[0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0A];
const OID_ED25519: &[u8] = &[0x2B, 0x65, 0x70];
const OID_ED448: &[u8] = &[0x2B, 0x65, 0x71];
const OID_X25519: &[u8] = &[0x2B, 0x65, 0x6E];
const OID_DSA: &[u8] = &[0x2A, 0x86, 0x48, 0xCE, 0x38, 0x04, 0x01];

/// Parses key text or bytes in any form Apple's users hold: PEM, or raw DER.
pub(crate) fn parse_key(bytes: &[u8], origin: &str) -> Result<P256Key, AuthError> {
    let trimmed = bytes.trim_ascii();
    if trimmed.is_empty() {
        return Err(AuthError::EmptyKey {
            origin: origin.to_owned(),
        });
    }
    if let Some(start) = find(trimmed, b"-----BEGIN ") {
        return parse_pem(&trimmed[start..], origin);
    }
    if trimmed[0] == TAG_SEQUENCE {
        return classify_der(bytes, origin);
    }
    Err(not_a_key(origin, ""))
}

/// Parses base64 of a PEM (or of a DER) key, as CI secrets and fastlane's `is_key_content_base64` hold it.
pub(crate) fn parse_base64_key(text: &str, origin: &str) -> Result<P256Key, AuthError> {
    let compact: Zeroizing<String> = Zeroizing::new(text.chars().filter(|c| !c.is_whitespace()).collect());
    if compact.is_empty() {
        return Err(AuthError::EmptyKey {
            origin: origin.to_owned(),
        });
    }
    let decoded = decode_base64(&compact).ok_or_else(|| AuthError::InvalidBase64 {
        origin: origin.to_owned(),
    })?;
    parse_key(&decoded, origin)
}

/// Parses key text that may be a PEM or base64 of one, for sources that do not say which.
pub(crate) fn parse_key_text(text: &str, origin: &str) -> Result<P256Key, AuthError> {
    if text.contains("-----BEGIN ") && text.contains("\\n") && !text.trim().contains('\n') {
        // A PEM kept on one line with `\n` escapes, as CI secret stores and .env files keep it.
        parse_key(unescape_newlines(text).as_bytes(), origin)
    } else if text.contains("-----BEGIN ") || text.trim().is_empty() {
        parse_key(text.as_bytes(), origin)
    } else {
        parse_base64_key(text, origin)
    }
}

/// `text` with each `\n` (and `\r\n`) escape turned into a line break, in one wiped buffer.
fn unescape_newlines(text: &str) -> Zeroizing<String> {
    let mut out = Zeroizing::new(String::with_capacity(text.len()));
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        out.push_str(&rest[..at]);
        let escape = &rest[at..];
        if let Some(after) = escape
            .strip_prefix("\\r\\n")
            .or_else(|| escape.strip_prefix("\\n"))
        {
            out.push('\n');
            rest = after;
        } else {
            out.push('\\');
            rest = &escape[1..];
        }
    }
    out.push_str(rest);
    out
}

/// Decodes standard base64 with or without padding.
pub(crate) fn decode_base64(text: &str) -> Option<Zeroizing<Vec<u8>>> {
    let engine = base64::engine::GeneralPurpose::new(
        &base64::alphabet::STANDARD,
        base64::engine::GeneralPurposeConfig::new()
            .with_decode_padding_mode(base64::engine::DecodePaddingMode::Indifferent),
    );
    // Decode into a zeroizing buffer, so that a partial result is wiped on failure too.
    let mut out = Zeroizing::new(Vec::with_capacity(text.len() / 4 * 3 + 3));
    engine.decode_vec(text.as_bytes(), &mut out).ok()?;
    Some(out)
}

fn parse_pem(text: &[u8], origin: &str) -> Result<P256Key, AuthError> {
    // `text` starts at "-----BEGIN ". `openssl ecparam -genkey` writes an "EC PARAMETERS" block
    // before the key, so such blocks are skipped.
    let mut rest = text;
    let (label, body) = loop {
        let (label, body, after) = next_pem_block(rest, origin)?;
        match find(after, b"-----BEGIN ") {
            Some(next) if label == "EC PARAMETERS" => rest = &after[next..],
            _ => break (label, body),
        }
    };
    if find(&body, b"ENCRYPTED").is_some() && find(&body, b"Proc-Type:").is_some() {
        // A legacy OpenSSL encrypted PEM ("Proc-Type: 4,ENCRYPTED" headers).
        return Err(AuthError::EncryptedKey {
            origin: origin.to_owned(),
        });
    }
    let body: Zeroizing<String> = Zeroizing::new(
        String::from_utf8_lossy(&body)
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect(),
    );
    match label.as_str() {
        "PRIVATE KEY" | "EC PRIVATE KEY" => {}
        "ENCRYPTED PRIVATE KEY" => {
            return Err(AuthError::EncryptedKey {
                origin: origin.to_owned(),
            });
        }
        "RSA PRIVATE KEY" => {
            return Err(AuthError::RsaKey {
                origin: origin.to_owned(),
            });
        }
        "CERTIFICATE" | "X509 CERTIFICATE" | "TRUSTED CERTIFICATE" => {
            return Err(AuthError::CertificateNotKey {
                origin: origin.to_owned(),
            });
        }
        "PUBLIC KEY" | "EC PUBLIC KEY" => {
            return Err(not_a_key(
                origin,
                "; it holds a public key, and the private key is needed",
            ));
        }
        other => {
            return Err(not_a_key(origin, &format!("; found a PEM labelled {other:?}")));
        }
    }
    let der = decode_base64(&body).ok_or_else(|| not_a_key(origin, "; its PEM body is not valid base64"))?;
    classify_der(&der, origin)
}

/// Reads the DER structure far enough to know what it is, and accepts only a P-256 private key.
fn classify_der(der: &[u8], origin: &str) -> Result<P256Key, AuthError> {
    let Some((TAG_SEQUENCE, outer, _)) = read_tlv(der) else {
        return Err(not_a_key(origin, ""));
    };
    let Some((first_tag, first, rest)) = read_tlv(outer) else {
        return Err(not_a_key(origin, ""));
    };
    match first_tag {
        TAG_INTEGER => match read_tlv(rest) {
            // PKCS#8 PrivateKeyInfo: version, AlgorithmIdentifier, privateKey.
            Some((TAG_SEQUENCE, algorithm, _)) => {
                check_algorithm(algorithm, origin).and_then(|()| accept(der, origin))
            }
            // SEC1 ECPrivateKey: version 1, privateKey, [0] parameters.
            Some((TAG_OCTET_STRING, _, after_key)) => match read_tlv(after_key) {
                Some((TAG_CONTEXT_0, params, _)) => {
                    check_curve(params, origin).and_then(|()| accept(der, origin))
                }
                _ => accept(der, origin),
            },
            // PKCS#1 RSAPrivateKey: version, modulus, ...
            Some((TAG_INTEGER, _, _)) if first == [0] => Err(AuthError::RsaKey {
                origin: origin.to_owned(),
            }),
            _ => Err(not_a_key(origin, "")),
        },
        TAG_SEQUENCE => match read_tlv(first) {
            // EncryptedPrivateKeyInfo: encryptionAlgorithm { OID, params }, encryptedData.
            Some((TAG_OID, _, _)) => Err(AuthError::EncryptedKey {
                origin: origin.to_owned(),
            }),
            // Certificate: tbsCertificate { [0] version, serialNumber, ... }.
            Some((TAG_CONTEXT_0 | TAG_INTEGER, _, _)) => Err(AuthError::CertificateNotKey {
                origin: origin.to_owned(),
            }),
            _ => Err(not_a_key(origin, "")),
        },
        _ => Err(not_a_key(origin, "")),
    }
}

fn check_algorithm(algorithm: &[u8], origin: &str) -> Result<(), AuthError> {
    let Some((TAG_OID, oid, params)) = read_tlv(algorithm) else {
        return Err(not_a_key(origin, ""));
    };
    match oid {
        OID_EC_PUBLIC_KEY => check_curve(params, origin),
        OID_RSA | OID_RSA_PSS => Err(AuthError::RsaKey {
            origin: origin.to_owned(),
        }),
        _ => {
            let algorithm = match oid {
                OID_ED25519 => "Ed25519".to_owned(),
                OID_ED448 => "Ed448".to_owned(),
                OID_X25519 => "X25519".to_owned(),
                OID_DSA => "DSA".to_owned(),
                other => format!("OID {}", dotted(other)),
            };
            Err(AuthError::UnsupportedKeyAlgorithm {
                origin: origin.to_owned(),
                algorithm,
            })
        }
    }
}

fn check_curve(params: &[u8], origin: &str) -> Result<(), AuthError> {
    let curve = match read_tlv(params) {
        Some((TAG_OID, OID_P256, _)) => return Ok(()),
        Some((TAG_OID, OID_P384, _)) => "P-384",
        Some((TAG_OID, OID_P521, _)) => "P-521",
        Some((TAG_OID, OID_SECP256K1, _)) => "secp256k1",
        _ => "non-P-256 elliptic-curve",
    };
    Err(AuthError::WrongCurve {
        origin: origin.to_owned(),
        curve,
    })
}

/// Lets aws-lc-rs check the key for real and re-encodes it as PKCS#8 v1.
fn accept(der: &[u8], origin: &str) -> Result<P256Key, AuthError> {
    let damaged = || not_a_key(origin, "; its P-256 key data is damaged");
    let pair =
        EcdsaKeyPair::from_private_key_der(&ECDSA_P256_SHA256_FIXED_SIGNING, der).map_err(|_| damaged())?;
    let document = pair.to_pkcs8v1().map_err(|_| damaged())?;
    Ok(P256Key {
        pkcs8: Zeroizing::new(document.as_ref().to_vec()),
        public: pair.public_key().as_ref().to_vec(),
    })
}

impl std::fmt::Debug for P256Key {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("P256Key")
            .field("pkcs8", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// One PEM block: its label, its body (still base64, with any headers) and what follows its end line.
type PemBlock<'a> = (String, Zeroizing<Vec<u8>>, &'a [u8]);

/// Splits the PEM block at the start of `text` (which starts at "-----BEGIN ") into its label, its
/// body and what follows its end line.
fn next_pem_block<'a>(text: &'a [u8], origin: &str) -> Result<PemBlock<'a>, AuthError> {
    let after_begin = &text[b"-----BEGIN ".len()..];
    // The label ends in "-----" on the BEGIN line itself. What follows a damaged BEGIN line is the
    // key, so nothing past that line may be taken for the label (or quoted in an error).
    let line_end = after_begin
        .iter()
        .position(|&b| b == b'\n' || b == b'\r')
        .unwrap_or(after_begin.len());
    let label_end = find(&after_begin[..line_end], b"-----").ok_or_else(|| {
        not_a_key(
            origin,
            "; its PEM BEGIN line is damaged (it does not end in \"-----\")",
        )
    })?;
    let label = String::from_utf8_lossy(&after_begin[..label_end])
        .trim()
        .to_owned();
    if !looks_like_label(&label) {
        return Err(not_a_key(
            origin,
            "; its PEM BEGIN line holds no label such as \"PRIVATE KEY\"",
        ));
    }
    let body_and_rest = &after_begin[label_end + 5..];
    let end_marker = format!("-----END {label}-----");
    let body_end = find(body_and_rest, end_marker.as_bytes())
        .ok_or_else(|| not_a_key(origin, &format!("; its PEM has no {end_marker:?} line")))?;
    let body = Zeroizing::new(body_and_rest[..body_end].to_vec());
    Ok((label, body, &body_and_rest[body_end + end_marker.len()..]))
}

/// The longest PEM label an error message quotes.
const MAX_LABEL: usize = 40;

/// Whether `label` (already cut at the BEGIN line's end) reads like a PEM label, such as "PRIVATE
/// KEY" or "X509 CRL": short, upper-case letters, digits, spaces and dashes. Only such a label is
/// ever quoted: anything else may be key material that a damaged line let through.
fn looks_like_label(label: &str) -> bool {
    !label.is_empty()
        && label.len() <= MAX_LABEL
        && label
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b' ' || b == b'-')
}

fn not_a_key(origin: &str, hint: &str) -> AuthError {
    AuthError::NotAKey {
        origin: origin.to_owned(),
        hint: hint.to_owned(),
    }
}

/// Reads one DER tag-length-value; returns the tag, the value and what follows it.
pub(crate) fn read_tlv(input: &[u8]) -> Option<(u8, &[u8], &[u8])> {
    let (&tag, rest) = input.split_first()?;
    let (&first_len, rest) = rest.split_first()?;
    let (len, rest) = if first_len < 0x80 {
        (usize::from(first_len), rest)
    } else {
        let count = usize::from(first_len & 0x7F);
        if count == 0 || count > 4 || rest.len() < count {
            return None;
        }
        let len = rest[..count]
            .iter()
            .fold(0usize, |acc, &b| (acc << 8) | usize::from(b));
        (len, &rest[count..])
    };
    (rest.len() >= len).then(|| (tag, &rest[..len], &rest[len..]))
}

/// Formats an object identifier's DER content as dotted decimal, for errors about unknown algorithms.
fn dotted(oid: &[u8]) -> String {
    let Some((&first, rest)) = oid.split_first() else {
        return String::new();
    };
    let mut parts = vec![u64::from(first / 40), u64::from(first % 40)];
    let mut value = 0u64;
    for &byte in rest {
        value = (value << 7) | u64::from(byte & 0x7F);
        if byte & 0x80 == 0 {
            parts.push(value);
            value = 0;
        }
    }
    parts.iter().map(u64::to_string).collect::<Vec<_>>().join(".")
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys;

    #[test]
    fn accepts_pkcs8_pem_der_and_sec1_of_the_same_key() {
        let key = test_keys::p256();
        let from_pem = parse_key(key.pem.as_bytes(), "test").unwrap();
        let from_der = parse_key(&key.der, "test").unwrap();
        let from_sec1 = parse_key(test_keys::sec1_pem(&key).as_bytes(), "test").unwrap();
        assert_eq!(from_pem.public, key.public);
        assert_eq!(from_der.public, key.public);
        assert_eq!(from_sec1.public, key.public);
        assert_eq!(*from_pem.pkcs8, *from_sec1.pkcs8);
    }

    #[test]
    fn accepts_base64_of_pem_with_line_breaks_and_without_padding() {
        let key = test_keys::p256();
        let b64 = test_keys::b64(key.pem.as_bytes());
        let wrapped: String = b64
            .trim_end_matches('=')
            .as_bytes()
            .chunks(64)
            .map(|c| String::from_utf8_lossy(c) + "\n")
            .collect();
        assert_eq!(parse_base64_key(&wrapped, "test").unwrap().public, key.public);
    }

    #[test]
    fn names_unknown_algorithms_by_dotted_oid() {
        assert_eq!(
            dotted(&[0x2A, 0x86, 0x48, 0xCE, 0x3D, 0x03, 0x01, 0x07]),
            "1.2.840.10045.3.1.7"
        );
    }

    #[test]
    fn ed25519_is_named() {
        let err = parse_key(test_keys::ed25519_pem().as_bytes(), "key.p8").unwrap_err();
        assert_eq!(
            err.to_string(),
            "key.p8 holds a key of type Ed25519: App Store Connect API keys are P-256 (ES256) keys"
        );
    }

    #[test]
    fn skips_the_ec_parameters_block_openssl_writes_first() {
        let key = test_keys::p256();
        let with_params = format!(
            "-----BEGIN EC PARAMETERS-----\nBggqhkjOPQMBBw==\n-----END EC PARAMETERS-----\n{}",
            test_keys::sec1_pem(&key)
        );
        assert_eq!(
            parse_key(with_params.as_bytes(), "test").unwrap().public,
            key.public
        );
    }

    #[test]
    fn legacy_encrypted_pem_is_named_as_encrypted() {
        let pem = "-----BEGIN EC PRIVATE KEY-----\nProc-Type: 4,ENCRYPTED\nDEK-Info: AES-128-CBC,00112233445566778899AABBCCDDEEFF\n\nq83vEjRWeJA=\n-----END EC PRIVATE KEY-----\n";
        let err = parse_key(pem.as_bytes(), "key.pem").unwrap_err();
        assert!(matches!(err, AuthError::EncryptedKey { .. }), "{err:?}");
    }

    #[test]
    fn a_public_key_is_told_apart() {
        let pem = test_keys::pem("PUBLIC KEY", &[0x30, 0x03, 0x02, 0x01, 0x00]);
        let err = parse_key(pem.as_bytes(), "key.p8").unwrap_err();
        assert!(err.to_string().contains("it holds a public key"), "{err}");
    }

    /// The body of the test key, without line breaks: what must never be printed.
    fn secret_body(pem: &str) -> String {
        pem.lines().filter(|l| !l.starts_with("-----")).collect()
    }

    /// Every 12-character run of `secret` that `text` contains.
    fn leaked_runs(text: &str, secret: &str) -> Vec<String> {
        let compact: String = text
            .chars()
            .filter(|c| !c.is_whitespace() && *c != '\\')
            .collect();
        (0..=secret.len().saturating_sub(12))
            .map(|i| &secret[i..i + 12])
            .filter(|run| compact.contains(run))
            .map(str::to_owned)
            .collect()
    }

    #[test]
    fn a_damaged_pem_never_quotes_the_key() {
        let key = test_keys::p256();
        let secret = secret_body(&key.pem);
        let begin = "-----BEGIN PRIVATE KEY-----";
        let end = "-----END PRIVATE KEY-----";
        let variants = [
            // The reported case: the BEGIN line lacks its closing dashes.
            key.pem.replace(begin, "-----BEGIN PRIVATE KEY"),
            key.pem.replace(begin, "-----BEGIN PRIVATE KEY----"),
            key.pem.replace(end, "-----END PRIVATE KEY"),
            key.pem.replace(end, "-----END EC PRIVATE KEY-----"),
            key.pem.replace(end, ""),
            // The body on the BEGIN line, then the END line's dashes close it.
            key.pem.replacen("-----\n", " ", 1),
            key.pem.replace(begin, "-----BEGIN PRIVATE KEY-----BEGIN"),
            key.pem.replace("KEY-----\n", "KEY"),
            key.pem
                .replace('\n', "\r\n")
                .replace(begin, "-----BEGIN PRIVATE KEY"),
            format!(
                "{}\n{}",
                key.pem.replace(begin, "-----BEGIN PRIVATE KEY"),
                key.pem.replace(begin, "-----BEGIN CERTIFICATE-----")
            ),
        ];
        for (i, variant) in variants.iter().enumerate() {
            let Err(err) = parse_key(variant.as_bytes(), "key.p8") else {
                continue;
            };
            for text in [err.to_string(), format!("{err:?}")] {
                let leaked = leaked_runs(&text, &secret);
                assert!(
                    leaked.is_empty(),
                    "variant {i} quotes the key ({leaked:?}): {text}"
                );
            }
        }
        let err = parse_key(variants[0].as_bytes(), "key.p8").unwrap_err();
        assert_eq!(
            err.to_string(),
            "key.p8 is not a private key: expected a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) as in \
             Apple's .p8 file; its PEM BEGIN line is damaged (it does not end in \"-----\")"
        );
    }

    #[test]
    fn only_label_like_text_is_quoted() {
        assert!(looks_like_label("PRIVATE KEY"));
        assert!(looks_like_label("X509 CRL"));
        assert!(looks_like_label("SSH2 ENCRYPTED PRIVATE KEY"));
        assert!(!looks_like_label(""));
        assert!(!looks_like_label("MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEH"));
        assert!(!looks_like_label(&"A".repeat(41)));
        let err = parse_key(b"-----BEGIN X509 CRL-----\nAAAA\n-----END X509 CRL-----", "k").unwrap_err();
        assert!(
            err.to_string().ends_with("; found a PEM labelled \"X509 CRL\""),
            "a label is named: {err}"
        );
    }
}
