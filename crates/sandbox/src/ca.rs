//! The sandbox certificate authority: a root, and one intermediate for each of Apple's issuing CAs
//! (WWDR G2, G3 and G4, Developer ID and Developer ID G2), each named as Apple names it but for its
//! `O`, which says sandbox, and with Apple's key algorithm; and the issuing of leaf certificates for
//! the RSA or EC public keys of CSRs. Intermediates are made the first time they are needed (an
//! RSA 2048 key takes a noticeable fraction of a second), so a sandbox that issues development
//! certificates only never pays for the others. Every name attribute the CA writes is within
//! X.520's bounds except, like Apple's, the common name of a leaf whose type prefix and team name
//! are long.

use std::collections::BTreeMap;
use std::sync::{Arc, Mutex, PoisonError};

use ascert_models::CertificateType;
use rcgen::{
    BasicConstraints, CertificateParams, CustomExtension, DistinguishedName, DnType, ExtendedKeyUsagePurpose,
    IsCa, Issuer, KeyPair, KeyUsagePurpose, PKCS_ECDSA_P256_SHA256, PKCS_RSA_SHA256, PublicKeyData,
    SerialNumber, SignatureAlgorithm,
};
use time::{Duration, OffsetDateTime};
use x509_parser::oid_registry::{OID_EC_P256, OID_KEY_TYPE_EC_PUBLIC_KEY};
use x509_parser::prelude::FromDer as _;
use x509_parser::public_key::PublicKey;
use x509_parser::x509::SubjectPublicKeyInfo;

use crate::SandboxError;

/// Common name of the sandbox root.
pub const ROOT_COMMON_NAME: &str = "Apple Root CA (ascert Sandbox)";
/// The `O` of the sandbox root and intermediates, where Apple's say `O=Apple Inc.`: the one
/// attribute in which the sandbox's CA names differ from Apple's. It keeps a sandbox CA from
/// passing for one of Apple's pinned CAs, which all have `O=Apple Inc.`.
pub const CA_ORGANIZATION: &str = "Apple Inc. (ascert Sandbox)";
/// The folder under which the sandbox serves its CA certificates (DER), without authentication.
pub const CA_FOLDER: &str = "/sandbox/ca/";
/// The path at which the sandbox serves its root (DER).
pub const ROOT_PATH: &str = "/sandbox/ca/root.cer";
/// Common name of the intermediate that issues the provisioning-profile signer, Apple's "Apple
/// iPhone Certification Authority".
pub const IPHONE_CA_COMMON_NAME: &str = "Apple iPhone Certification Authority";
/// The `OU` of Apple's iPhone Certification Authority: "Certification Authority", as the certificate
/// list of Apple-issued profiles shows (the device and activation CAs under it say `Apple iPhone`).
pub const IPHONE_CA_ORGANIZATIONAL_UNIT: &str = "Certification Authority";
/// Common name of the certificate that signs provisioning profiles, Apple's.
pub const PROFILE_SIGNER_COMMON_NAME: &str = "Apple iPhone OS Provisioning Profile Signing";

/// OID of the `UID` (userId) attribute Apple puts first in a subject.
const UID_OID: &[u64] = &[0, 9, 2342, 19_200_300, 100, 1, 1];
/// OID of the Authority Information Access extension.
const AIA_OID: &[u64] = &[1, 3, 6, 1, 5, 5, 7, 1, 1];

/// A key algorithm of a CA or of a CSR, as far as Apple's certificates use them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyAlgorithm {
    /// RSA with a 2048-bit modulus.
    Rsa2048,
    /// ECDSA on the NIST P-256 curve (`prime256v1`).
    EcdsaP256,
}

impl KeyAlgorithm {
    fn rcgen(self) -> &'static SignatureAlgorithm {
        match self {
            Self::Rsa2048 => &PKCS_RSA_SHA256,
            Self::EcdsaP256 => &PKCS_ECDSA_P256_SHA256,
        }
    }
}

/// One of Apple's intermediate CAs that issue the certificates of the Certificates API, as the
/// sandbox imitates it. Apple's "WWDR intermediate certificates" page says which issues what.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Intermediate {
    /// "Apple Worldwide Developer Relations CA - G2" (ECDSA P-256): Apple Pay payment processing
    /// (`APPLE_PAY`).
    WwdrG2,
    /// "Apple Worldwide Developer Relations Certification Authority", `OU=G3` (RSA 2048): the
    /// development and distribution types, Mac installer, Apple Pay merchant identity, and every
    /// type no other intermediate is named for.
    WwdrG3,
    /// "Apple Worldwide Developer Relations Certification Authority", `OU=G4` (RSA 2048): pass
    /// type ids (`PASS_TYPE_ID`, `PASS_TYPE_ID_WITH_NFC`).
    WwdrG4,
    /// "Developer ID Certification Authority", `OU=Apple Certification Authority` (RSA 2048), the
    /// original Developer ID CA, Apple's "previous Sub-CA" (`DEVELOPER_ID_APPLICATION`,
    /// `DEVELOPER_ID_KEXT`). Apple's ends on 2027-02-01; the sandbox's does not (see docs/sandbox.md).
    DeveloperId,
    /// "Developer ID Certification Authority", `OU=G2` (RSA 2048), the "G2 Sub-CA"
    /// (`DEVELOPER_ID_APPLICATION_G2`, `DEVELOPER_ID_KEXT_G2`).
    DeveloperIdG2,
}

impl Intermediate {
    /// Every intermediate, in this order wherever the sandbox lists them.
    pub const ALL: [Self; 5] = [
        Self::WwdrG2,
        Self::WwdrG3,
        Self::WwdrG4,
        Self::DeveloperId,
        Self::DeveloperIdG2,
    ];

    /// The intermediate that issues certificates of `certificate_type`.
    pub fn for_type(certificate_type: &CertificateType) -> Self {
        match certificate_type {
            CertificateType::ApplePay => Self::WwdrG2,
            CertificateType::PassTypeId | CertificateType::PassTypeIdWithNfc => Self::WwdrG4,
            CertificateType::DeveloperIdApplication | CertificateType::DeveloperIdKext => Self::DeveloperId,
            CertificateType::DeveloperIdApplicationG2 | CertificateType::DeveloperIdKextG2 => {
                Self::DeveloperIdG2
            }
            _ => Self::WwdrG3,
        }
    }

    /// Apple's common name (`CN`) of this intermediate.
    pub fn common_name(self) -> &'static str {
        match self {
            Self::WwdrG2 => "Apple Worldwide Developer Relations CA - G2",
            Self::WwdrG3 | Self::WwdrG4 => "Apple Worldwide Developer Relations Certification Authority",
            Self::DeveloperId | Self::DeveloperIdG2 => "Developer ID Certification Authority",
        }
    }

    /// Apple's organizational unit (`OU`) of this intermediate.
    pub fn organizational_unit(self) -> &'static str {
        match self {
            Self::WwdrG2 | Self::DeveloperId => "Apple Certification Authority",
            Self::WwdrG3 => "G3",
            Self::WwdrG4 => "G4",
            Self::DeveloperIdG2 => "G2",
        }
    }

    /// The algorithm of this intermediate's key, Apple's.
    pub fn key_algorithm(self) -> KeyAlgorithm {
        match self {
            Self::WwdrG2 => KeyAlgorithm::EcdsaP256,
            Self::WwdrG3 | Self::WwdrG4 | Self::DeveloperId | Self::DeveloperIdG2 => KeyAlgorithm::Rsa2048,
        }
    }

    /// The file name Apple publishes this intermediate under at apple.com/certificateauthority,
    /// such as `AppleWWDRCAG3.cer`; the sandbox serves it under [`CA_FOLDER`] by the same name.
    pub fn file_name(self) -> &'static str {
        match self {
            Self::WwdrG2 => "AppleWWDRCAG2.cer",
            Self::WwdrG3 => "AppleWWDRCAG3.cer",
            Self::WwdrG4 => "AppleWWDRCAG4.cer",
            Self::DeveloperId => "DeveloperIDCA.cer",
            Self::DeveloperIdG2 => "DeveloperIDG2CA.cer",
        }
    }

    /// The path at which the sandbox serves this intermediate (DER), named in the Authority
    /// Information Access extension of every certificate it issues: [`CA_FOLDER`] and
    /// [`Self::file_name`].
    pub fn path(self) -> String {
        format!("{CA_FOLDER}{}", self.file_name())
    }

    /// The intermediate served under `file_name` (see [`Self::file_name`]).
    pub fn from_file_name(file_name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|i| i.file_name() == file_name)
    }
}

/// The public certificate of one sandbox intermediate.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IntermediateCertificate {
    /// Which of Apple's intermediates it stands for.
    pub intermediate: Intermediate,
    /// The certificate, PEM.
    pub pem: String,
    /// The certificate, DER.
    pub der: Vec<u8>,
}

/// The public certificates of the sandbox CA, for building and checking chains: the root, and
/// every intermediate (each one chains to the root).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CaCertificates {
    /// The root, PEM.
    pub root_pem: String,
    /// The root, DER.
    pub root_der: Vec<u8>,
    /// Every intermediate, in the order of [`Intermediate::ALL`].
    intermediates: Vec<IntermediateCertificate>,
    /// The provisioning-profile signing chain, once a profile has been signed.
    profile_signing: Option<ProfileSigningCertificates>,
}

impl CaCertificates {
    /// Every intermediate, in the order of [`Intermediate::ALL`].
    pub fn intermediates(&self) -> &[IntermediateCertificate] {
        &self.intermediates
    }

    /// The sandbox's certificate of `which`.
    pub fn intermediate(&self, which: Intermediate) -> Option<&IntermediateCertificate> {
        self.intermediates.iter().find(|i| i.intermediate == which)
    }

    /// The intermediate that issues certificates of `certificate_type`.
    pub fn issuer_of(&self, certificate_type: &CertificateType) -> Option<&IntermediateCertificate> {
        self.intermediate(Intermediate::for_type(certificate_type))
    }

    /// Every intermediate, PEM, one after the other: what `openssl verify -untrusted` wants.
    pub fn intermediates_pem(&self) -> String {
        self.intermediates.iter().map(|i| i.pem.as_str()).collect()
    }

    /// Every intermediate then the root, PEM.
    pub fn chain_pem(&self) -> String {
        format!("{}{}", self.intermediates_pem(), self.root_pem)
    }
}

/// The public certificates of the sandbox's provisioning-profile signing chain: Apple's "Apple
/// iPhone Certification Authority" under the root, and under it the "Apple iPhone OS Provisioning
/// Profile Signing" certificate that signs every profile. Both are in every signed profile too,
/// with the root, as in Apple's.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileSigningCertificates {
    /// The iPhone Certification Authority, DER.
    pub iphone_ca_der: Vec<u8>,
    /// The iPhone Certification Authority, PEM.
    pub iphone_ca_pem: String,
    /// The profile signer, DER.
    pub signer_der: Vec<u8>,
    /// The profile signer, PEM.
    pub signer_pem: String,
}

impl CaCertificates {
    /// The provisioning-profile signing chain, if the sandbox has signed a profile (it is made on
    /// first use, two RSA keys; `Sandbox::profile_signing_certificates` makes it on demand).
    pub fn profile_signing(&self) -> Option<&ProfileSigningCertificates> {
        self.profile_signing.as_ref()
    }
}

/// The provisioning-profile signer with its key; the iPhone CA's key is dropped once the signer is
/// issued, since the sandbox never issues a second signer under it.
pub(crate) struct ProfileSigning {
    certificates: ProfileSigningCertificates,
    key: aws_lc_rs::signature::RsaKeyPair,
}

impl ProfileSigning {
    /// The public certificates.
    pub(crate) fn certificates(&self) -> &ProfileSigningCertificates {
        &self.certificates
    }

    /// The signer's key, for RSA PKCS#1 v1.5 signatures.
    pub(crate) fn key(&self) -> &aws_lc_rs::signature::RsaKeyPair {
        &self.key
    }
}

/// One intermediate with its signing key.
pub(crate) struct IssuingCa {
    certificate: IntermediateCertificate,
    issuer: Issuer<'static, KeyPair>,
}

impl IssuingCa {
    /// The public certificate.
    pub(crate) fn certificate(&self) -> &IntermediateCertificate {
        &self.certificate
    }

    /// The private key, PKCS#8 PEM, for saving state.
    pub(crate) fn key_pem(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(self.issuer.key().serialize_pem())
    }
}

/// The CA: the root with its key, and the intermediates made so far with theirs.
pub(crate) struct SandboxCa {
    root_pem: String,
    root_der: Vec<u8>,
    root: Issuer<'static, KeyPair>,
    intermediates: Mutex<BTreeMap<Intermediate, Arc<IssuingCa>>>,
    /// The profile-signing chain, made on first use. Not saved with the state: a restored sandbox
    /// makes a new one, and the profiles signed before still verify, as they carry their chain.
    profile_signing: Mutex<Option<Arc<ProfileSigning>>>,
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
    /// The sandbox's base URL, for the AIA caIssuers URL of the issuing intermediate.
    pub(crate) base_url: &'a str,
}

/// The public key of a leaf, read from a `SubjectPublicKeyInfo`: the algorithm rcgen writes into the
/// certificate and the key's bits.
struct LeafPublicKey {
    algorithm: &'static SignatureAlgorithm,
    key: Vec<u8>,
}

impl LeafPublicKey {
    /// Reads an RSA or P-256 `SubjectPublicKeyInfo` (DER). The algorithm identifier is written
    /// anew from the key kind, so a CSR's unusual but valid encoding of it cannot fail issuance.
    fn from_spki(spki_der: &[u8]) -> Result<Self, SandboxError> {
        let unsupported = |what: &str| SandboxError::Crypto {
            action: "read the public key to certify",
            source: what.to_owned().into(),
        };
        let (_, spki) = SubjectPublicKeyInfo::from_der(spki_der)
            .map_err(|_| unsupported("not a SubjectPublicKeyInfo"))?;
        let algorithm = match spki.parsed() {
            Ok(PublicKey::RSA(_)) => KeyAlgorithm::Rsa2048,
            Ok(PublicKey::EC(_)) if is_p256(&spki) => KeyAlgorithm::EcdsaP256,
            _ => return Err(unsupported("neither RSA nor EC P-256")),
        };
        Ok(Self {
            algorithm: algorithm.rcgen(),
            key: spki.subject_public_key.data.to_vec(),
        })
    }
}

impl PublicKeyData for LeafPublicKey {
    fn der_bytes(&self) -> &[u8] {
        &self.key
    }

    fn algorithm(&self) -> &'static SignatureAlgorithm {
        self.algorithm
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

fn now_seconds() -> OffsetDateTime {
    OffsetDateTime::now_utc()
        .replace_nanosecond(0)
        .unwrap_or_else(|_| OffsetDateTime::now_utc())
}

impl SandboxCa {
    /// Generates a fresh root (a P-256 key, which is quick to make); the intermediates follow when
    /// first needed.
    pub(crate) fn generate() -> Result<Self, SandboxError> {
        let root_key =
            KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(crypto("generate the root key"))?;
        let params = ca_params(
            ca_name(ROOT_COMMON_NAME, "Apple Certification Authority"),
            1,
            now_seconds(),
            20,
        );
        let cert = params.self_signed(&root_key).map_err(crypto("sign the root"))?;
        Ok(Self {
            root_pem: cert.pem(),
            root_der: cert.der().to_vec(),
            root: Issuer::new(params, root_key),
            intermediates: Mutex::new(BTreeMap::new()),
            profile_signing: Mutex::new(None),
        })
    }

    /// Rebuilds the CA from a saved root (certificate and PKCS#8 PEM key) and the intermediates made
    /// under it, each with its key.
    pub(crate) fn restore(
        root_der: Vec<u8>,
        root_key_pem: &str,
        intermediates: Vec<(Intermediate, Vec<u8>, zeroize::Zeroizing<String>)>,
    ) -> Result<Self, SandboxError> {
        let root_key = KeyPair::from_pem(root_key_pem).map_err(crypto("read the saved root key"))?;
        let root = Issuer::from_ca_cert_der(&root_der.as_slice().into(), root_key)
            .map_err(crypto("read the saved root certificate"))?;
        let mut restored = BTreeMap::new();
        for (which, der, key_pem) in intermediates {
            let key = KeyPair::from_pem(&key_pem).map_err(crypto("read a saved intermediate key"))?;
            let issuer = Issuer::from_ca_cert_der(&der.as_slice().into(), key)
                .map_err(crypto("read a saved intermediate certificate"))?;
            let certificate = IntermediateCertificate {
                intermediate: which,
                pem: pem_of(&der),
                der,
            };
            restored.insert(which, Arc::new(IssuingCa { certificate, issuer }));
        }
        Ok(Self {
            root_pem: pem_of(&root_der),
            root_der,
            root,
            intermediates: Mutex::new(restored),
            profile_signing: Mutex::new(None),
        })
    }

    /// The root, DER.
    pub(crate) fn root_der(&self) -> &[u8] {
        &self.root_der
    }

    /// The root's private key, PKCS#8 PEM, for saving state.
    pub(crate) fn root_key_pem(&self) -> zeroize::Zeroizing<String> {
        zeroize::Zeroizing::new(self.root.key().serialize_pem())
    }

    /// The intermediates made so far, for saving state.
    pub(crate) fn made_intermediates(&self) -> Vec<Arc<IssuingCa>> {
        self.intermediates
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .values()
            .cloned()
            .collect()
    }

    /// The intermediate `which`, made (and signed by the root) the first time it is asked for.
    pub(crate) fn intermediate(&self, which: Intermediate) -> Result<Arc<IssuingCa>, SandboxError> {
        // Held while a first key is generated, so two requests never make two intermediates.
        let mut made = self.intermediates.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = made.get(&which) {
            return Ok(found.clone());
        }
        let key = KeyPair::generate_for(which.key_algorithm().rcgen())
            .map_err(crypto("generate an intermediate key"))?;
        let params = ca_params(
            ca_name(which.common_name(), which.organizational_unit()),
            0,
            now_seconds(),
            10,
        );
        let cert = params
            .signed_by(&key, &self.root)
            .map_err(crypto("sign an intermediate"))?;
        let issuing = Arc::new(IssuingCa {
            certificate: IntermediateCertificate {
                intermediate: which,
                pem: cert.pem(),
                der: cert.der().to_vec(),
            },
            issuer: Issuer::new(params, key),
        });
        made.insert(which, issuing.clone());
        Ok(issuing)
    }

    /// The public certificates, every intermediate made if it was not yet.
    pub(crate) fn certificates(&self) -> Result<CaCertificates, SandboxError> {
        let intermediates = Intermediate::ALL
            .into_iter()
            .map(|which| Ok(self.intermediate(which)?.certificate.clone()))
            .collect::<Result<_, SandboxError>>()?;
        let profile_signing = self
            .profile_signing
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .map(|made| made.certificates.clone());
        Ok(CaCertificates {
            root_pem: self.root_pem.clone(),
            root_der: self.root_der.clone(),
            intermediates,
            profile_signing,
        })
    }

    /// The provisioning-profile signing chain, made (an RSA 2048 intermediate under the root, and an
    /// RSA 2048 signer under it) the first time it is asked for.
    pub(crate) fn profile_signing(&self) -> Result<Arc<ProfileSigning>, SandboxError> {
        // Held while the keys are generated, so two requests never make two chains.
        let mut made = self
            .profile_signing
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(found) = made.as_ref() {
            return Ok(found.clone());
        }
        let now = now_seconds();
        let ca_key = KeyPair::generate_for(&PKCS_RSA_SHA256).map_err(crypto("generate the iPhone CA key"))?;
        let ca_params = ca_params(
            ca_name(IPHONE_CA_COMMON_NAME, IPHONE_CA_ORGANIZATIONAL_UNIT),
            0,
            now,
            10,
        );
        let ca_cert = ca_params
            .signed_by(&ca_key, &self.root)
            .map_err(crypto("sign the iPhone CA"))?;
        let ca = Issuer::new(ca_params, ca_key);
        let signer_key =
            KeyPair::generate_for(&PKCS_RSA_SHA256).map_err(crypto("generate the profile signer key"))?;
        // Apple's signer is named `CN, O, C`, without the `OU` of its CAs.
        let mut name = DistinguishedName::new();
        name.push(DnType::CommonName, PROFILE_SIGNER_COMMON_NAME);
        name.push(DnType::OrganizationName, CA_ORGANIZATION);
        name.push(DnType::CountryName, "US");
        let mut params = CertificateParams::default();
        params.distinguished_name = name;
        params.is_ca = IsCa::ExplicitNoCa;
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
        params.not_before = now - Duration::days(1);
        params.not_after = now + Duration::days(365 * 5);
        params.serial_number = Some(SerialNumber::from_slice(&crate::ids::serial_bytes()));
        params.use_authority_key_identifier_extension = true;
        let signer_cert = params
            .signed_by(&signer_key, &ca)
            .map_err(crypto("sign the profile signer"))?;
        let pkcs8 = zeroize::Zeroizing::new(signer_key.serialize_der());
        let key = aws_lc_rs::signature::RsaKeyPair::from_pkcs8(&pkcs8).map_err(|e| SandboxError::Crypto {
            action: "load the profile signer key",
            source: Box::new(e),
        })?;
        let signing = Arc::new(ProfileSigning {
            certificates: ProfileSigningCertificates {
                iphone_ca_der: ca_cert.der().to_vec(),
                iphone_ca_pem: ca_cert.pem(),
                signer_der: signer_cert.der().to_vec(),
                signer_pem: signer_cert.pem(),
            },
            key,
        });
        *made = Some(signing.clone());
        Ok(signing)
    }

    /// Issues a code-signing certificate of `certificate_type` for `spki_der` (an RSA or P-256
    /// `SubjectPublicKeyInfo`, DER) as `spec` says, under the type's intermediate.
    pub(crate) fn issue(
        &self,
        certificate_type: &CertificateType,
        spki_der: &[u8],
        spec: &LeafSpec<'_>,
    ) -> Result<Vec<u8>, SandboxError> {
        let which = Intermediate::for_type(certificate_type);
        let issuing = self.intermediate(which)?;
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
        let url = format!("{}{}", spec.base_url, which.path());
        let mut aia = CustomExtension::from_oid_content(AIA_OID, aia_ca_issuers(&url));
        aia.set_criticality(false);
        params.custom_extensions = vec![aia];
        let cert = params
            .signed_by(&LeafPublicKey::from_spki(spki_der)?, &issuing.issuer)
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

/// A process-wide public key (`SubjectPublicKeyInfo` DER) of `algorithm` for seeded certificates,
/// generated once: seeding thousands of certificates must not cost a key generation each. Nobody
/// holds its private key, just as nobody on this machine holds the keys of certificates created
/// elsewhere.
pub(crate) fn seed_public_key(algorithm: KeyAlgorithm) -> Result<&'static [u8], SandboxError> {
    static RSA: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    static EC: std::sync::OnceLock<Vec<u8>> = std::sync::OnceLock::new();
    let cell = match algorithm {
        KeyAlgorithm::Rsa2048 => &RSA,
        KeyAlgorithm::EcdsaP256 => &EC,
    };
    if let Some(key) = cell.get() {
        return Ok(key);
    }
    let pair = KeyPair::generate_for(algorithm.rcgen()).map_err(crypto("generate the seed key"))?;
    Ok(cell.get_or_init(|| pair.subject_public_key_info()))
}

/// Whether `spki` is an EC key on the P-256 curve (`prime256v1`).
pub(crate) fn is_p256(spki: &SubjectPublicKeyInfo<'_>) -> bool {
    spki.algorithm.algorithm == OID_KEY_TYPE_EC_PUBLIC_KEY
        && spki
            .algorithm
            .parameters
            .as_ref()
            .and_then(|p| p.as_oid().ok())
            .is_some_and(|curve| curve == OID_EC_P256)
}

/// A PEM `CERTIFICATE` block.
pub(crate) fn pem_of(der: &[u8]) -> String {
    use base64::Engine as _;
    let body = base64::engine::general_purpose::STANDARD.encode(der);
    let mut pem = String::from("-----BEGIN CERTIFICATE-----\n");
    for line in body.as_bytes().chunks(64) {
        pem.push_str(std::str::from_utf8(line).unwrap_or_default());
        pem.push('\n');
    }
    pem.push_str("-----END CERTIFICATE-----\n");
    pem
}

#[cfg(test)]
pub(crate) mod tests {
    use x509_parser::prelude::*;

    use super::*;

    fn leaf(ca: &SandboxCa, certificate_type: &CertificateType, algorithm: KeyAlgorithm) -> Vec<u8> {
        let now = now_seconds();
        ca.issue(
            certificate_type,
            seed_public_key(algorithm).unwrap(),
            &LeafSpec {
                common_name: "Apple Distribution: Sandbox Team (SBXTEAM001)",
                team_id: "SBXTEAM001",
                team_name: "Sandbox Team",
                serial: &[0x12, 0x34, 0x56],
                not_before: now,
                not_after: now + Duration::days(365),
                base_url: "http://127.0.0.1:1",
            },
        )
        .unwrap()
    }

    fn aia_uri(cert: &X509Certificate<'_>) -> String {
        let aia = cert
            .extensions()
            .iter()
            .find_map(|e| match e.parsed_extension() {
                ParsedExtension::AuthorityInfoAccess(aia) => Some(aia),
                _ => None,
            })
            .unwrap();
        match &aia.accessdescs[0].access_location {
            GeneralName::URI(uri) => (*uri).to_owned(),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn issued_certificate_has_apples_shape() {
        let ca = SandboxCa::generate().unwrap();
        let der = leaf(&ca, &CertificateType::Distribution, KeyAlgorithm::Rsa2048);
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
        assert!(cert.extended_key_usage().unwrap().unwrap().value.code_signing);
        assert_eq!(aia_uri(&cert), "http://127.0.0.1:1/sandbox/ca/AppleWWDRCAG3.cer");
        let g3 = ca.intermediate(Intermediate::WwdrG3).unwrap();
        let (_, intermediate) = X509Certificate::from_der(&g3.certificate().der).unwrap();
        assert_eq!(cert.issuer(), intermediate.subject());
        cert.verify_signature(Some(intermediate.public_key())).unwrap();
    }

    #[test]
    fn each_type_is_issued_by_its_intermediate_with_apples_key_algorithm() {
        let ca = SandboxCa::generate().unwrap();
        for (certificate_type, which, key) in [
            (
                CertificateType::Development,
                Intermediate::WwdrG3,
                KeyAlgorithm::Rsa2048,
            ),
            (
                CertificateType::ApplePay,
                Intermediate::WwdrG2,
                KeyAlgorithm::EcdsaP256,
            ),
            (
                CertificateType::PassTypeId,
                Intermediate::WwdrG4,
                KeyAlgorithm::Rsa2048,
            ),
            (
                CertificateType::DeveloperIdApplication,
                Intermediate::DeveloperId,
                KeyAlgorithm::Rsa2048,
            ),
            (
                CertificateType::DeveloperIdApplicationG2,
                Intermediate::DeveloperIdG2,
                KeyAlgorithm::Rsa2048,
            ),
        ] {
            assert_eq!(Intermediate::for_type(&certificate_type), which);
            let der = leaf(&ca, &certificate_type, key);
            let (_, cert) = X509Certificate::from_der(&der).unwrap();
            let issuing = ca.intermediate(which).unwrap();
            let (_, intermediate) = X509Certificate::from_der(&issuing.certificate().der).unwrap();
            assert_eq!(cert.issuer(), intermediate.subject(), "{certificate_type}");
            cert.verify_signature(Some(intermediate.public_key())).unwrap();
            assert_eq!(aia_uri(&cert), format!("http://127.0.0.1:1{}", which.path()));
            let expected_key = match which.key_algorithm() {
                KeyAlgorithm::Rsa2048 => "RSA",
                KeyAlgorithm::EcdsaP256 => "EC",
            };
            let found_key = match intermediate.public_key().parsed().unwrap() {
                PublicKey::RSA(rsa) => {
                    assert_eq!(rsa.key_size(), 2048);
                    "RSA"
                }
                PublicKey::EC(_) => {
                    assert!(is_p256(intermediate.public_key()));
                    "EC"
                }
                other => panic!("{other:?}"),
            };
            assert_eq!(found_key, expected_key, "{which:?}");
        }
        // Only the intermediates asked for were made.
        assert_eq!(ca.made_intermediates().len(), 5);
        let fresh = SandboxCa::generate().unwrap();
        leaf(&fresh, &CertificateType::Development, KeyAlgorithm::Rsa2048);
        assert_eq!(fresh.made_intermediates().len(), 1);
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
        let certificates = ca.certificates().unwrap();
        let mut ders = vec![(certificates.root_der.clone(), "root".to_owned())];
        ders.extend(
            certificates
                .intermediates()
                .iter()
                .map(|i| (i.der.clone(), format!("{:?}", i.intermediate))),
        );
        for (der, what) in &ders {
            let (_, cert) = X509Certificate::from_der(der).unwrap();
            assert_name_within_bounds(cert.subject(), what);
            assert_name_within_bounds(cert.issuer(), what);
        }
        let team = crate::Team::default();
        let now = now_seconds();
        let leaf = ca
            .issue(
                &CertificateType::Distribution,
                seed_public_key(KeyAlgorithm::Rsa2048).unwrap(),
                &LeafSpec {
                    common_name: "Apple Distribution: ascert Sandbox Team (SBXTEAM001)",
                    team_id: &team.id,
                    team_name: &team.name,
                    serial: &[1],
                    not_before: now,
                    not_after: now + Duration::days(1),
                    base_url: "http://127.0.0.1:1",
                },
            )
            .unwrap();
        let (_, leaf) = X509Certificate::from_der(&leaf).unwrap();
        assert_name_within_bounds(leaf.subject(), "leaf");
        assert_name_within_bounds(leaf.issuer(), "leaf issuer");
    }

    #[test]
    fn intermediates_are_named_like_apples_and_marked_sandbox_in_o() {
        let ca = SandboxCa::generate().unwrap();
        let certificates = ca.certificates().unwrap();
        for which in Intermediate::ALL {
            let der = &certificates.intermediate(which).unwrap().der;
            let (_, cert) = X509Certificate::from_der(der).unwrap();
            let value = |oid: &[u64]| {
                let oid = x509_parser::oid_registry::Oid::from(oid).unwrap();
                cert.subject()
                    .iter_by_oid(&oid)
                    .map(|a| a.as_str().unwrap().to_owned())
                    .collect::<Vec<_>>()
            };
            assert_eq!(value(&[2, 5, 4, 3]), [which.common_name()]);
            assert_eq!(value(&[2, 5, 4, 11]), [which.organizational_unit()]);
            assert_eq!(value(&[2, 5, 4, 10]), ["Apple Inc. (ascert Sandbox)"]);
            assert_eq!(value(&[2, 5, 4, 6]), ["US"]);
            assert_eq!(Intermediate::from_file_name(which.file_name()), Some(which));
        }
        assert_eq!(
            Intermediate::WwdrG3.common_name(),
            "Apple Worldwide Developer Relations Certification Authority"
        );
    }

    #[test]
    fn a_restored_ca_issues_under_the_same_intermediates_and_makes_the_missing_ones() {
        let ca = SandboxCa::generate().unwrap();
        let g3 = ca.intermediate(Intermediate::WwdrG3).unwrap();
        let restored = SandboxCa::restore(
            ca.root_der().to_vec(),
            &ca.root_key_pem(),
            vec![(Intermediate::WwdrG3, g3.certificate().der.clone(), g3.key_pem())],
        )
        .unwrap();
        assert_eq!(
            restored.intermediate(Intermediate::WwdrG3).unwrap().certificate(),
            g3.certificate()
        );
        // An intermediate made after the restore chains to the same root.
        let g2 = restored.intermediate(Intermediate::WwdrG2).unwrap();
        let (_, g2) = X509Certificate::from_der(&g2.certificate().der).unwrap();
        let (_, root) = X509Certificate::from_der(ca.root_der()).unwrap();
        g2.verify_signature(Some(root.public_key())).unwrap();
    }
}
