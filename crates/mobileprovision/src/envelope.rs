//! The CMS (PKCS#7) envelope around a profile's property list: opening it (no checks but its
//! shape) and verifying it (digest, signature, certificate chain to roots the caller trusts).

use aws_lc_rs::{digest, signature};
use cms::cert::CertificateChoices;
use cms::content_info::ContentInfo;
use cms::signed_data::{SignedData, SignerIdentifier};
use der::asn1::{ObjectIdentifier, OctetString};
use der::{Decode as _, Encode as _};
use time::OffsetDateTime;
use x509_cert::ext::pkix::SubjectKeyIdentifier;
use x509_parser::certificate::X509Certificate;
use x509_parser::prelude::FromDer as _;

use crate::error::{ProfileError, Result};

const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const SHA1: &str = "1.3.14.3.2.26";
const SHA256: &str = "2.16.840.1.101.3.4.2.1";
const RSA_ENCRYPTION: &str = "1.2.840.113549.1.1.1";
const SHA1_WITH_RSA: &str = "1.2.840.113549.1.1.5";
const SHA256_WITH_RSA: &str = "1.2.840.113549.1.1.11";
const EC_PUBLIC_KEY: &str = "1.2.840.10045.2.1";
const ECDSA_WITH_SHA256: &str = "1.2.840.10045.4.3.2";
const P256: &str = "1.2.840.10045.3.1.7";
const P384: &str = "1.3.132.0.34";

/// The longest chain followed from the signer to a root; Apple's is three certificates.
const MAX_CHAIN: usize = 8;

/// A decoded `SignedData` and the content it signs.
#[derive(Clone)]
pub(crate) struct Envelope {
    pub(crate) signed_data: SignedData,
    pub(crate) content: Vec<u8>,
}

/// Decodes a DER `ContentInfo` holding `SignedData` with encapsulated `id-data` content.
pub(crate) fn open(bytes: &[u8]) -> Result<Envelope> {
    let info = ContentInfo::from_der(bytes).map_err(ProfileError::NotCms)?;
    if info.content_type != ID_SIGNED_DATA {
        return Err(ProfileError::NotSignedData {
            content_type: info.content_type.to_string(),
        });
    }
    let signed_data: SignedData = info
        .content
        .decode_as()
        .map_err(|e| ProfileError::BadSignedData(format!("malformed signed data: {e}")))?;
    let encapsulated = &signed_data.encap_content_info;
    if encapsulated.econtent_type != ID_DATA {
        return Err(ProfileError::BadSignedData(format!(
            "the signed content is of type {}, not data",
            encapsulated.econtent_type
        )));
    }
    let Some(econtent) = &encapsulated.econtent else {
        return Err(ProfileError::BadSignedData(
            "the signature is detached: the profile holds no content".into(),
        ));
    };
    // eContent is an OCTET STRING inside the explicit [0]; its bytes are the property list.
    let content = econtent
        .decode_as::<OctetString>()
        .map_err(|e| ProfileError::BadSignedData(format!("the content is not an octet string: {e}")))?
        .into_bytes()
        .into_vec();
    Ok(Envelope { signed_data, content })
}

/// Who signed a profile, once [`Profile::verify`](crate::Profile::verify) has checked the
/// signature and its chain.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct VerifiedSigner {
    /// The signer certificate's subject, as `CN=…, O=…`.
    pub subject: String,
    /// The chain that was verified, DER certificates from the signer to the trusted root.
    pub chain: Vec<Vec<u8>>,
    /// The signing time the signer signed, if it signed one.
    pub signing_time: Option<OffsetDateTime>,
}

impl VerifiedSigner {
    /// The signer certificate (DER), the first of [`chain`](Self::chain).
    pub fn certificate(&self) -> &[u8] {
        &self.chain[0]
    }
}

#[derive(Clone, Copy)]
enum Digest {
    Sha1,
    Sha256,
}

impl Digest {
    fn of(oid: &ObjectIdentifier) -> Result<Self> {
        match oid.to_string().as_str() {
            SHA1 => Ok(Self::Sha1),
            SHA256 => Ok(Self::Sha256),
            other => Err(ProfileError::UnsupportedAlgorithm {
                what: "digest algorithm",
                oid: other.to_owned(),
            }),
        }
    }

    fn digest(self, data: &[u8]) -> digest::Digest {
        let algorithm = match self {
            Self::Sha1 => &digest::SHA1_FOR_LEGACY_USE_ONLY,
            Self::Sha256 => &digest::SHA256,
        };
        digest::digest(algorithm, data)
    }
}

/// Checks the envelope's one signer: digest, signature, and a chain to one of `roots` valid at
/// `now`.
pub(crate) fn verify(envelope: &Envelope, roots: &[&[u8]], now: OffsetDateTime) -> Result<VerifiedSigner> {
    let signers = envelope.signed_data.signer_infos.0.as_slice();
    let [signer] = signers else {
        return Err(ProfileError::SignerCount(signers.len()));
    };
    let digest = Digest::of(&signer.digest_alg.oid)?;
    let certificates = certificates(&envelope.signed_data)?;
    let signer_index = certificates
        .iter()
        .position(|(cert, _)| identifies(&signer.sid, cert))
        .ok_or(ProfileError::SignerCertificateMissing)?;
    let parsed = certificates
        .iter()
        .enumerate()
        .map(|(i, (_, der))| parse_certificate(der, || format!("certificate {} of the profile", i + 1)))
        .collect::<Result<Vec<_>>>()?;

    let (message, signing_time) = match &signer.signed_attrs {
        Some(attributes) => {
            let signing_time = check_attributes(attributes, digest, &envelope.content)?;
            // The signature covers the attributes' DER with the SET OF tag, not the [0] they are
            // stored under; encoding the decoded SET gives exactly that.
            let der = attributes.to_der().map_err(|e| {
                ProfileError::BadSignedData(format!("cannot encode the signed attributes: {e}"))
            })?;
            (der, signing_time)
        }
        None => (envelope.content.clone(), None),
    };
    check_signature(
        &parsed[signer_index],
        &signer.signature_algorithm.oid.to_string(),
        digest,
        &message,
        signer.signature.as_bytes(),
    )?;
    let roots = roots
        .iter()
        .enumerate()
        .map(|(i, der)| parse_certificate(der, || format!("trusted root {}", i + 1)))
        .collect::<Result<Vec<_>>>()?;
    let chain = chain_to_root(signer_index, &parsed, &roots, now)?;
    Ok(VerifiedSigner {
        subject: parsed[signer_index].subject().to_string(),
        chain,
        signing_time,
    })
}

/// The DER of each certificate of the envelope; those that cannot be encoded again are left out.
pub(crate) fn embedded_certificates(envelope: &Envelope) -> Vec<Vec<u8>> {
    certificates(&envelope.signed_data)
        .map(|all| all.into_iter().map(|(_, der)| der).collect())
        .unwrap_or_default()
}

/// The envelope's certificates, decoded and as DER.
fn certificates(signed_data: &SignedData) -> Result<Vec<(&x509_cert::Certificate, Vec<u8>)>> {
    let Some(set) = &signed_data.certificates else {
        return Ok(Vec::new());
    };
    set.0
        .iter()
        .filter_map(|choice| match choice {
            CertificateChoices::Certificate(cert) => Some(cert),
            CertificateChoices::Other(_) => None,
        })
        .map(|cert| {
            let der = cert.to_der().map_err(|e| ProfileError::BadCertificate {
                what: "a certificate of the profile".into(),
                reason: e.to_string(),
            })?;
            Ok((cert, der))
        })
        .collect()
}

fn identifies(sid: &SignerIdentifier, cert: &x509_cert::Certificate) -> bool {
    let tbs = cert.tbs_certificate();
    match sid {
        SignerIdentifier::IssuerAndSerialNumber(id) => {
            tbs.issuer() == &id.issuer && tbs.serial_number() == &id.serial_number
        }
        SignerIdentifier::SubjectKeyIdentifier(id) => matches!(
            tbs.get_extension::<SubjectKeyIdentifier>(),
            Ok(Some((_, ski))) if &ski == id
        ),
    }
}

fn parse_certificate(der: &[u8], what: impl FnOnce() -> String) -> Result<X509Certificate<'_>> {
    match X509Certificate::from_der(der) {
        Ok(([], cert)) => Ok(cert),
        Ok(_) => Err(ProfileError::BadCertificate {
            what: what(),
            reason: "trailing bytes after the certificate".into(),
        }),
        Err(e) => Err(ProfileError::BadCertificate {
            what: what(),
            reason: e.to_string(),
        }),
    }
}

/// Checks the content type and message digest attributes; returns the signing time, if any.
fn check_attributes(
    attributes: &x509_cert::attr::Attributes,
    digest: Digest,
    content: &[u8],
) -> Result<Option<OffsetDateTime>> {
    let single = |oid: ObjectIdentifier| {
        let mut found = attributes.iter().filter(|a| a.oid == oid);
        match (found.next(), found.next()) {
            (Some(attribute), None) if attribute.values.len() == 1 => attribute.values.iter().next(),
            _ => None,
        }
    };
    let content_type = single(ID_CONTENT_TYPE)
        .and_then(|v| v.decode_as::<ObjectIdentifier>().ok())
        .ok_or(ProfileError::BadSignedAttribute("content type"))?;
    if content_type != ID_DATA {
        return Err(ProfileError::BadSignedAttribute("content type"));
    }
    let signed_digest = single(ID_MESSAGE_DIGEST)
        .and_then(|v| v.decode_as::<OctetString>().ok())
        .ok_or(ProfileError::BadSignedAttribute("message digest"))?;
    if signed_digest.as_bytes() != digest.digest(content).as_ref() {
        return Err(ProfileError::DigestMismatch);
    }
    let signing_time = single(ID_SIGNING_TIME)
        .and_then(|v| v.decode_as::<x509_cert::time::Time>().ok())
        .and_then(|t| i64::try_from(t.to_unix_duration().as_secs()).ok())
        .and_then(|secs| OffsetDateTime::from_unix_timestamp(secs).ok());
    Ok(signing_time)
}

fn check_signature(
    signer: &X509Certificate<'_>,
    signature_algorithm: &str,
    digest: Digest,
    message: &[u8],
    signature: &[u8],
) -> Result<()> {
    let key = signer.public_key();
    let key_algorithm = key.algorithm.algorithm.to_id_string();
    let unsupported = || ProfileError::UnsupportedAlgorithm {
        what: "signature algorithm",
        oid: signature_algorithm.to_owned(),
    };
    let algorithm: &'static dyn signature::VerificationAlgorithm = match key_algorithm.as_str() {
        RSA_ENCRYPTION => match (signature_algorithm, digest) {
            (RSA_ENCRYPTION | SHA256_WITH_RSA, Digest::Sha256) => &signature::RSA_PKCS1_2048_8192_SHA256,
            (RSA_ENCRYPTION | SHA1_WITH_RSA, Digest::Sha1) => {
                &signature::RSA_PKCS1_2048_8192_SHA1_FOR_LEGACY_USE_ONLY
            }
            _ => return Err(unsupported()),
        },
        EC_PUBLIC_KEY => {
            let curve = key
                .algorithm
                .parameters
                .as_ref()
                .and_then(|p| p.as_oid().ok())
                .map(|oid| oid.to_id_string());
            match (signature_algorithm, digest, curve.as_deref()) {
                (ECDSA_WITH_SHA256 | EC_PUBLIC_KEY, Digest::Sha256, Some(P256)) => {
                    &signature::ECDSA_P256_SHA256_ASN1
                }
                (ECDSA_WITH_SHA256 | EC_PUBLIC_KEY, Digest::Sha256, Some(P384)) => {
                    &signature::ECDSA_P384_SHA256_ASN1
                }
                _ => return Err(unsupported()),
            }
        }
        other => {
            return Err(ProfileError::UnsupportedAlgorithm {
                what: "public key",
                oid: other.to_owned(),
            });
        }
    };
    signature::UnparsedPublicKey::new(algorithm, &key.subject_public_key.data)
        .verify(message, signature)
        .map_err(|_| ProfileError::BadSignature)
}

/// Follows issuers from the signer through the profile's CA certificates to one of `roots`,
/// checking each signature and each validity period at `now`; returns the chain's DER.
fn chain_to_root(
    signer: usize,
    certificates: &[X509Certificate<'_>],
    roots: &[X509Certificate<'_>],
    now: OffsetDateTime,
) -> Result<Vec<Vec<u8>>> {
    let mut current = &certificates[signer];
    let mut chain = vec![current.as_raw().to_vec()];
    check_validity(current, now)?;
    for _ in 0..MAX_CHAIN {
        // A trusted root may itself sign profiles (or be passed as the signer, pinned).
        if roots.iter().any(|root| root.as_raw() == current.as_raw()) {
            return Ok(chain);
        }
        if let Some(root) = roots.iter().find(|root| issued_by(current, root)) {
            check_validity(root, now)?;
            chain.push(root.as_raw().to_vec());
            return Ok(chain);
        }
        let next = certificates.iter().find(|candidate| {
            candidate.as_raw() != current.as_raw() && candidate.is_ca() && issued_by(current, candidate)
        });
        let Some(next) = next else { break };
        check_validity(next, now)?;
        chain.push(next.as_raw().to_vec());
        current = next;
    }
    Err(ProfileError::UntrustedChain {
        subject: current.subject().to_string(),
    })
}

fn issued_by(child: &X509Certificate<'_>, issuer: &X509Certificate<'_>) -> bool {
    child.issuer().as_raw() == issuer.subject().as_raw()
        && child.verify_signature(Some(issuer.public_key())).is_ok()
}

fn check_validity(cert: &X509Certificate<'_>, now: OffsetDateTime) -> Result<()> {
    let validity = cert.validity();
    let not_before = validity.not_before.to_datetime();
    let not_after = validity.not_after.to_datetime();
    if now < not_before {
        return Err(ProfileError::CertificateNotYetValid {
            subject: cert.subject().to_string(),
            not_before,
        });
    }
    if now > not_after {
        return Err(ProfileError::CertificateExpired {
            subject: cert.subject().to_string(),
            not_after,
        });
    }
    Ok(())
}
