//! The sandbox certificate authority: a root, an intermediate named like Apple's Worldwide Developer
//! Relations CA (its `O` and `OU` marked sandbox), and the issuing of leaf certificates from CSR
//! public keys. Every name attribute the CA writes is within X.520's bounds except, like Apple's,
//! the common name of a leaf whose type prefix and team name are long.

use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, PublicKeyData,
    SerialNumber, SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime};

use crate::SandboxError;

/// Common name of the sandbox root.
pub const ROOT_COMMON_NAME: &str = "Apple Root CA (ascert Sandbox)";
/// Common name of the sandbox intermediate: exactly Apple's WWDR intermediate's (59 characters,
/// within X.520's 64). The subject says "sandbox" in its `OU` ([`INTERMEDIATE_UNIT`]) and `O`
/// ([`CA_ORGANIZATION`]); the latter also keeps it from passing for one of Apple's pinned CAs,
/// which all have `O=Apple Inc.`.
pub const INTERMEDIATE_COMMON_NAME: &str = "Apple Worldwide Developer Relations Certification Authority";
/// The `OU` of the sandbox intermediate; Apple's G3 intermediate has `OU=G3`.
pub const INTERMEDIATE_UNIT: &str = "G3 (ascert Sandbox)";
/// The `O` of the sandbox root and intermediate; Apple's have `O=Apple Inc.`.
pub const CA_ORGANIZATION: &str = "Apple Inc. (ascert Sandbox)";
/// The path at which the sandbox serves its intermediate (DER), named in every issued certificate's
/// Authority Information Access extension.
pub const INTERMEDIATE_PATH: &str = "/sandbox/ca/intermediate.cer";
/// The path at which the sandbox serves its root (DER).
pub const ROOT_PATH: &str = "/sandbox/ca/root.cer";

/// OID of the `UID` (userId) attribute Apple puts first in a subject.
const UID_OID: &[u64] = &[0, 9, 2342, 19_200_300, 100, 1, 1];
/// OID of the Authority Information Access extension.
const AIA_OID: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];

/// The public certificates of the sandbox CA, for building and checking chains.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaCertificates {
    /// The root, PEM.
    pub root_pem: String,
    /// The root, DER.
    pub root_der: Vec<u8>,
    /// The intermediate that signs issued certificates, PEM.
    pub intermediate_pem: String,
    /// The intermediate, DER.
    pub intermediate_der: Vec<u8>,
}

impl CaCertificates {
    /// The intermediate then the root, PEM, as `openssl verify -untrusted`/`-CAfile` want them.
    pub fn chain_pem(&self) -> String {
        format!("{}{}", self.intermediate_pem, self.root_pem)
    }
}

/// The CA: public certificates plus the intermediate's signing key.
pub(crate) struct SandboxCa {
    certificates: CaCertificates,
    issuer: Issuer<'static, KeyPair>,
}

/// What a leaf certificate says about its owner.
pub(crate) struct LeafSpec<'a> {
    /// The common name, such as `Apple Distribution: Sandbox Team (SBX0TEAM01)`.
    pub(crate) common_name: &'a str,
    /// The team id (subject `OU`, and `UID`).
    pub(crate) team_id: &'a str,
    /// The team name (subject `O`).
    pub(crate) team_name: &'a str,
    /// The serial number's bytes.
    pub(crate) serial: &'a [u8],
    /// Start of validity.
    pub(crate) not_before: OffsetDateTime,
    /// End of validity.
    pub(crate) not_after: OffsetDateTime,
    /// The absolute URL of the intermediate (AIA caIssuers).
    pub(crate) ca_issuers_url: &'a str,
}

/// An RSA public key taken from a CSR, in the shape rcgen signs for.
pub(crate) struct RsaPublicKey<'a>(pub(crate) &'a [u8]);

impl PublicKeyData for RsaPublicKey<'_> {
    fn der_bytes(&self) -> &[u8] {
        self.0
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        &PKCS_RSA_SHA256
    }
}

fn crypto(action: &'static str) -> impl FnOnce(rcgen::Error) -> SandboxError {
    move |source| SandboxError::Crypto {
        action,
        source: Box::new(source),
    }
}

fn ca_name(common_name: &str, unit: &str) -> DistinguishedName {
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, common_name);
    name.push(DnType::OrganizationalUnitName, unit);
    name.push(DnType::OrganizationName, CA_ORGANIZATION);
    name.push(DnType::CountryName, "US");
    name
}

fn ca_params(name: DistinguishedName, path_len: u8, now: OffsetDateTime, years: i64) -> CertificateParams {
    let mut params = CertificateParams::default();
    params.distinguished_name = name;
    params.is_ca = IsCa::Ca(BasicConstraints::Constrained(path_len));
    params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    params.not_before = now - Duration::days(1);
    params.not_after = now + Duration::days(365 * years);
    params.serial_number = Some(SerialNumber::from_slice(&crate::ids::serial_bytes()));
    params.use_authority_key_identifier_extension = true;
    params
}

impl SandboxCa {
    /// Generates a fresh root and intermediate (P-256 keys, which are quick to make).
    pub(crate) fn generate() -> Result<Self, SandboxError> {
        let now = OffsetDateTime::now_utc()
            .replace_nanosecond(0)
            .unwrap_or_else(|_| OffsetDateTime::now_utc());
        let root_key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(crypto("generate the root key"))?;
        let root_params = ca_params(
            ca_name(ROOT_COMMON_NAME, "Apple Certification Authority"),
            1,
            now,
            20,
        );
        let root_cert = root_params
            .self_signed(&root_key)
            .map_err(crypto("sign the root"))?;
        let root_issuer = Issuer::new(root_params, root_key);

        let key = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256)
            .map_err(crypto("generate the intermediate key"))?;
        let params = ca_params(ca_name(INTERMEDIATE_COMMON_NAME, INTERMEDIATE_UNIT), 0, now, 10);
        let cert = params
            .signed_by(&key, &root_issuer)
            .map_err(crypto("sign the intermediate"))?;
        Ok(Self {
            certificates: CaCertificates {
                root_pem: root_cert.pem(),
                root_der: root_cert.der().to_vec(),
                intermediate_pem: cert.pem(),
                intermediate_der: cert.der().to_vec(),
            },
            issuer: Issuer::new(params, key),
        })
    }

    /// Rebuilds the CA from saved certificates and the intermediate's PKCS#8 PEM key.
    pub(crate) fn restore(
        certificates: CaCertificates,
        intermediate_key_pem: &str,
    ) -> Result<Self, SandboxError> {
        let key =
            KeyPair::from_pem(intermediate_key_pem).map_err(crypto("read the saved intermediate key"))?;
        let issuer = Issuer::from_ca_cert_der(&certificates.intermediate_der.as_slice().into(), key)
            .map_err(crypto("read the saved intermediate certificate"))?;
        Ok(Self { certificates, issuer })
    }

    /// The public certificates.
    pub(crate) fn certificates(&self) -> &CaCertificates {
        &self.certificates
    }

    /// The intermediate's private key, PKCS#8 PEM, for saving state.
    pub(crate) fn intermediate_key_pem(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(self.issuer.key().serialize_pem())
    }

    /// Issues a code-signing certificate for `public_key` (an `RSAPublicKey` DER) as `spec` says.
    pub(crate) fn issue(&self, public_key: &[u8], spec: &LeafSpec<'_>) -> Result<Vec<u8>, SandboxError> {
        let mut params = CertificateParams::default();
        let mut name = DistinguishedName::new();
        name.push(DnType::CustomDnType(UID_OID.to_vec()), spec.team_id);
        name.push(DnType::CommonName, spec.common_name);
        name.push(DnType::OrganizationalUnitName, spec.team_id);
        name.push(DnType::OrganizationName, spec.team_name);
        name.push(DnType::CountryName, "US");
        params.distinguished_name = name;
        params.serial_number = Some(SerialNumber::from_slice(spec.serial));
        params.not_before = spec.not_before;
        params.not_after = spec.not_after;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.extended_key_usages = vec![ExtendedKeyUsagePurpose::CodeSigning];
        params.use_authority_key_identifier_extension = true;
        let mut aia = CustomExtension::from_oid_content(AIA_OID, aia_ca_issuers(spec.ca_issuers_url));
        aia.set_criticality(false);
        params.custom_extensions = vec![aia];
        let cert = params
            .signed_by(&RsaPublicKey(public_key), &self.issuer)
            .map_err(crypto("issue a certificate"))?;
        Ok(cert.der().to_vec())
    }
}

/// DER of `AuthorityInfoAccessSyntax` with one `caIssuers` URI.
fn aia_ca_issuers(url: &str) -> Vec<u8> {
    // id-ad-caIssuers, 1.3.6.1.5.5.7.48.2.
    const CA_ISSUERS: &[u8] = &[0x06, 0x08, 0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x30, 0x02];
    let uri = der_tlv(0x86, url.as_bytes());
    let description = der_tlv(0x30, &[CA_ISSUERS, uri.as_slice()].concat());
    der_tlv(0x30, &description)
}

/// One DER type-length-value.
fn der_tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = vec![tag];
    let len = content.len();
    if len < 0x80 {
        out.push(u8::try_from(len).unwrap_or_default());
    } else {
        let bytes: Vec<u8> = len.to_be_bytes().into_iter().skip_while(|b| *b == 0).collect();
        out.push(0x80 | u8::try_from(bytes.len()).unwrap_or_default());
        out.extend(bytes);
    }
    out.extend_from_slice(content);
    out
}

/// A process-wide RSA 2048 public key for seeded certificates, generated once: seeding thousands of
/// certificates must not cost an RSA key generation each. Nobody holds its private key, just as
/// nobody on this machine holds the keys of certificates created elsewhere.
pub(crate) fn seed_public_key() -> Result<&'static [u8], SandboxError> {
    static KEY: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    if let Some(key) = KEY.get() {
        return Ok(key);
    }
    let pair = KeyPair::generate_for(&PKCS_RSA_SHA256).map_err(crypto("generate the seed key"))?;
    Ok(KEY.get_or_init(|| pair.public_key_raw().to_vec()))
}

#[cfg(test)]
pub(crate) mod tests {
    use x509_parser::prelude::*;

    use super::*;

    #[test]
    fn issued_certificate_has_apples_shape() {
        let ca = SandboxCa::generate().unwrap();
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let der = ca
            .issue(
                seed_public_key().unwrap(),
                &LeafSpec {
                    common_name: "Apple Distribution: Sandbox Team (SBXTEAM001)",
                    team_id: "SBXTEAM001",
                    team_name: "Sandbox Team",
                    serial: &[0x12, 0x34, 0x56],
                    not_before: now,
                    not_after: now + Duration::days(365),
                    ca_issuers_url: "http://127.0.0.1:1/sandbox/ca/intermediate.cer",
                },
            )
            .unwrap();
        let (_, cert) = X509Certificate::from_der(&der).unwrap();
        assert_eq!(cert.raw_serial(), &[0x12, 0x34, 0x56]);
        assert_eq!(
            cert.subject()
                .iter_common_name()
                .next()
                .unwrap()
                .as_str()
                .unwrap(),
            "Apple Distribution: Sandbox Team (SBXTEAM001)"
        );
        assert_eq!(
            cert.issuer().iter_common_name().next().unwrap().as_str().unwrap(),
            INTERMEDIATE_COMMON_NAME
        );
        assert!(cert.extended_key_usage().unwrap().unwrap().value.code_signing);
        let aia = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
                _ => None,
            })
            .unwrap();
        let uri = match &aia.accessdescs[0].access_location {
            GeneralName::URI(uri) => *uri,
            other => panic!("{other:?}"),
        };
        assert_eq!(uri, "http://127.0.0.1:1/sandbox/ca/intermediate.cer");
        let (_, intermediate) = X509Certificate::from_der(&ca.certificates().intermediate_der).unwrap();
        cert.verify_signature(Some(intermediate.public_key())).unwrap();
    }

    /// X.520's upper bounds (RFC 5280 appendix A.1) of the attributes the sandbox writes, in
    /// characters: common name, organization, organizational unit, country; `UID` (RFC 4519) has
    /// none in X.520, 256 in RFC 1274.
    fn upper_bound(oid: &str) -> usize {
        match oid {
            "2.5.4.3" | "2.5.4.10" | "2.5.4.11" => 64,
            "2.5.4.6" => 2,
            "0.9.2342.19200300.100.1.1" => 256,
            other => panic!("the sandbox wrote an unexpected name attribute {other}"),
        }
    }

    /// Every attribute of `name` with its length, checked against its upper bound.
    pub(crate) fn assert_name_within_bounds(name: &X509Name<'_>, what: &str) {
        for attribute in name.iter_attributes() {
            let oid = attribute.attr_type().to_id_string();
            let value = attribute.as_str().unwrap();
            let length = value.chars().count();
            assert!(
                (1..=upper_bound(&oid)).contains(&length),
                "{what}: {oid} {value:?} has {length} characters, over {}",
                upper_bound(&oid)
            );
        }
    }

    #[test]
    fn every_name_the_ca_writes_is_within_x520_bounds() {
        let ca = SandboxCa::generate().unwrap();
        let certificates = ca.certificates();
        for (der, what) in [
            (&certificates.root_der, "root"),
            (&certificates.intermediate_der, "intermediate"),
        ] {
            let (_, cert) = X509Certificate::from_der(der).unwrap();
            assert_name_within_bounds(cert.subject(), what);
            assert_name_within_bounds(cert.issuer(), what);
        }
        let team = crate::Team::default();
        let now = OffsetDateTime::now_utc().replace_nanosecond(0).unwrap();
        let leaf = ca
            .issue(
                seed_public_key().unwrap(),
                &LeafSpec {
                    common_name: "Apple Distribution: ascert Sandbox Team (SBXTEAM001)",
                    team_id: &team.id,
                    team_name: &team.name,
                    serial: &[1],
                    not_before: now,
                    not_after: now + Duration::days(1),
                    ca_issuers_url: "http://127.0.0.1:1/sandbox/ca/intermediate.cer",
                },
            )
            .unwrap();
        let (_, leaf) = X509Certificate::from_der(&leaf).unwrap();
        assert_name_within_bounds(leaf.subject(), "leaf");
        assert_name_within_bounds(leaf.issuer(), "leaf issuer");
    }

    #[test]
    fn the_intermediate_is_named_like_apples_and_marked_sandbox() {
        let ca = SandboxCa::generate().unwrap();
        let (_, cert) = X509Certificate::from_der(&ca.certificates().intermediate_der).unwrap();
        let value = |oid: &[u64]| {
            let oid = x509_parser::oid_registry::Oid::from(oid).unwrap();
            cert.subject()
                .iter_by_oid(&oid)
                .map(|a| a.as_str().unwrap().to_owned())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            value(&[2, 5, 4, 3]),
            ["Apple Worldwide Developer Relations Certification Authority"]
        );
        assert_eq!(value(&[2, 5, 4, 11]), ["G3 (ascert Sandbox)"]);
        assert_eq!(value(&[2, 5, 4, 10]), ["Apple Inc. (ascert Sandbox)"]);
        assert_eq!(value(&[2, 5, 4, 6]), ["US"]);
    }

    #[test]
    fn a_restored_ca_issues_under_the_same_intermediate() {
        let ca = SandboxCa::generate().unwrap();
        let restored = SandboxCa::restore(ca.certificates().clone(), &ca.intermediate_key_pem()).unwrap();
        assert_eq!(restored.certificates(), ca.certificates());
    }
}
