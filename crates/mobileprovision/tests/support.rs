//! Test support: certificate chains like Apple's (root, intermediate, profile signer) and
//! profiles signed with them, built field by field so that tests can break any one of them.

use std::sync::OnceLock;

use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode as _, Encode as _};
use plist::{Dictionary, Value};
use rcgen::{
    BasicConstraints, CertificateParams, DistinguishedName, DnType, IsCa, Issuer, KeyPair, KeyUsagePurpose,
    SigningKey as _,
};
use time::{Duration, OffsetDateTime};
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
const SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");
const ECDSA_WITH_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.10045.4.3.2");

/// The signer's key type.
#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub(crate) enum Alg {
    /// RSA 2048 with SHA-256, as Apple signs.
    Rsa,
    /// ECDSA P-256 with SHA-256.
    Ecdsa,
}

/// A root, an intermediate and a profile signer, each as DER and PEM.
pub(crate) struct Chain {
    pub alg: Alg,
    pub root: Vec<u8>,
    pub intermediate: Vec<u8>,
    pub signer: Vec<u8>,
    pub signer_key: KeyPair,
    pub cas_pem: String,
    pub signer_pem: String,
    /// The signer is valid from a year ago to a year from now; the CAs for ten years either side.
    pub signer_not_after: OffsetDateTime,
}

fn params(cn: &str, ca: bool, not_before: OffsetDateTime, not_after: OffsetDateTime) -> CertificateParams {
    let mut params = CertificateParams::new(Vec::<String>::new()).unwrap();
    let mut name = DistinguishedName::new();
    name.push(DnType::CommonName, cn);
    name.push(DnType::OrganizationName, "Test Apple Inc.");
    params.distinguished_name = name;
    params.not_before = not_before;
    params.not_after = not_after;
    if ca {
        params.is_ca = IsCa::Ca(BasicConstraints::Unconstrained);
        params.key_usages = vec![KeyUsagePurpose::KeyCertSign, KeyUsagePurpose::CrlSign];
    } else {
        params.key_usages = vec![KeyUsagePurpose::DigitalSignature];
    }
    params
}

fn make_chain(alg: Alg) -> Chain {
    let algorithm = match alg {
        Alg::Rsa => &rcgen::PKCS_RSA_SHA256,
        Alg::Ecdsa => &rcgen::PKCS_ECDSA_P256_SHA256,
    };
    let now = OffsetDateTime::now_utc();
    let (ca_from, ca_to) = (now - Duration::days(3650), now + Duration::days(3650));
    let root_key = KeyPair::generate_for(algorithm).unwrap();
    let root_params = params("Test Apple Root CA", true, ca_from, ca_to);
    let root = root_params.self_signed(&root_key).unwrap();
    let inter_key = KeyPair::generate_for(algorithm).unwrap();
    let inter_params = params(
        "Test Apple Worldwide Developer Relations CA",
        true,
        ca_from,
        ca_to,
    );
    let inter = inter_params
        .signed_by(&inter_key, &Issuer::from_params(&root_params, &root_key))
        .unwrap();
    let signer_key = KeyPair::generate_for(algorithm).unwrap();
    let signer_not_after = (now + Duration::days(365)).replace_nanosecond(0).unwrap();
    let signer_params = params(
        "Test Apple iPhone OS Provisioning Profile Signing",
        false,
        now - Duration::days(365),
        signer_not_after,
    );
    let signer = signer_params
        .signed_by(&signer_key, &Issuer::from_params(&inter_params, &inter_key))
        .unwrap();
    Chain {
        alg,
        cas_pem: format!("{}{}", inter.pem(), root.pem()),
        signer_pem: signer.pem(),
        root: root.der().to_vec(),
        intermediate: inter.der().to_vec(),
        signer: signer.der().to_vec(),
        signer_key,
        signer_not_after,
    }
}

/// One chain per algorithm for the whole test binary: RSA key generation takes a while.
pub(crate) fn chain(alg: Alg) -> &'static Chain {
    static RSA: OnceLock<Chain> = OnceLock::new();
    static ECDSA: OnceLock<Chain> = OnceLock::new();
    match alg {
        Alg::Rsa => RSA.get_or_init(|| make_chain(Alg::Rsa)),
        Alg::Ecdsa => ECDSA.get_or_init(|| make_chain(Alg::Ecdsa)),
    }
}

/// A second, unrelated RSA chain: its root must not accept the first chain's profiles.
pub(crate) fn other_chain() -> &'static Chain {
    static OTHER: OnceLock<Chain> = OnceLock::new();
    OTHER.get_or_init(|| make_chain(Alg::Ecdsa))
}

/// How to sign; the defaults are Apple's shape.
pub(crate) struct Sign {
    /// Whether signed attributes (content type, signing time, message digest) are used.
    pub signed_attributes: bool,
    /// Whether the signer certificate is in the `certificates` set.
    pub include_signer: bool,
    /// Sign a different signing time than the one recorded (the signature covers other bytes).
    pub over_other_attributes: bool,
}

impl Default for Sign {
    fn default() -> Self {
        Self {
            signed_attributes: true,
            include_signer: true,
            over_other_attributes: false,
        }
    }
}

fn attribute(oid: ObjectIdentifier, value: Any) -> Attribute {
    Attribute {
        oid,
        values: SetOfVec::try_from(vec![value]).unwrap(),
    }
}

fn signed_attributes(content: &[u8], signing_time: std::time::SystemTime) -> SetOfVec<Attribute> {
    let digest = aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA256, content);
    SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA).unwrap()),
        attribute(
            ID_SIGNING_TIME,
            Any::encode_from(&UtcTime::from_system_time(signing_time).unwrap()).unwrap(),
        ),
        attribute(
            ID_MESSAGE_DIGEST,
            Any::encode_from(&OctetString::new(digest.as_ref()).unwrap()).unwrap(),
        ),
    ])
    .unwrap()
}

/// A DER `ContentInfo` with `SignedData` of `content`, signed by `chain`'s signer.
pub(crate) fn sign(chain: &Chain, content: &[u8], how: &Sign) -> Vec<u8> {
    let signer_cert = x509_cert::Certificate::from_der(&chain.signer).unwrap();
    let tbs = signer_cert.tbs_certificate();
    let sid = SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
        issuer: tbs.issuer().clone(),
        serial_number: tbs.serial_number().clone(),
    });
    let signing_time = std::time::SystemTime::now();
    let (signed_attrs, message) = if how.signed_attributes {
        let attrs = signed_attributes(content, signing_time);
        let message = if how.over_other_attributes {
            let later = signing_time + std::time::Duration::from_secs(3600);
            signed_attributes(content, later).to_der().unwrap()
        } else {
            attrs.to_der().unwrap()
        };
        (Some(attrs), message)
    } else {
        (None, content.to_vec())
    };
    let signature = chain.signer_key.sign(&message).unwrap();
    let signature_algorithm = match chain.alg {
        Alg::Rsa => AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        Alg::Ecdsa => AlgorithmIdentifierOwned {
            oid: ECDSA_WITH_SHA256,
            parameters: None,
        },
    };
    let sha256 = AlgorithmIdentifierOwned {
        oid: SHA256,
        parameters: None,
    };
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid,
        digest_alg: sha256.clone(),
        signed_attrs,
        signature_algorithm,
        signature: OctetString::new(signature).unwrap(),
        unsigned_attrs: None,
    };
    let mut certificates = vec![&chain.intermediate, &chain.root];
    if how.include_signer {
        certificates.push(&chain.signer);
    }
    let certificates = certificates
        .into_iter()
        .map(|der| CertificateChoices::Certificate(x509_cert::Certificate::from_der(der).unwrap()))
        .collect::<Vec<_>>();
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256]).unwrap(),
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: Some(Any::encode_from(&OctetString::new(content).unwrap()).unwrap()),
        },
        certificates: Some(CertificateSet::from(SetOfVec::try_from(certificates).unwrap())),
        crls: None,
        signer_infos: SignerInfos::from(SetOfVec::try_from(vec![signer_info]).unwrap()),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data).unwrap(),
    }
    .to_der()
    .unwrap()
}

/// The fields a test profile varies.
pub(crate) struct Fields {
    pub name: &'static str,
    pub uuid: &'static str,
    pub created: OffsetDateTime,
    pub platform: &'static str,
    pub app_id: &'static str,
    pub get_task_allow: bool,
    pub devices: Vec<&'static str>,
    pub all_devices: bool,
}

impl Default for Fields {
    fn default() -> Self {
        Self {
            name: "Example Development",
            uuid: "0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F",
            created: OffsetDateTime::now_utc().replace_nanosecond(0).unwrap() - Duration::days(1),
            platform: "iOS",
            app_id: "A1B2C3D4E5.com.example.app",
            get_task_allow: true,
            devices: vec![
                "00008110-001A2B3C4D5E801E",
                "f0e1d2c3b4a5968778695a4b3c2d1e0f12345678",
            ],
            all_devices: false,
        }
    }
}

/// The developer certificate listed in every test profile (any DER certificate will do).
pub(crate) fn developer_certificate() -> &'static [u8] {
    &chain(Alg::Ecdsa).signer
}

/// A property list like Apple's, with `fields`.
pub(crate) fn dictionary(fields: &Fields) -> Dictionary {
    let date = |t: OffsetDateTime| Value::Date(std::time::SystemTime::from(t).into());
    let strings = |v: &[&str]| Value::Array(v.iter().map(|s| Value::String((*s).into())).collect());
    let mut entitlements = Dictionary::new();
    let app_id_key = if fields.platform == "OSX" {
        "com.apple.application-identifier"
    } else {
        "application-identifier"
    };
    entitlements.insert(app_id_key.into(), Value::String(fields.app_id.into()));
    entitlements.insert("get-task-allow".into(), Value::Boolean(fields.get_task_allow));
    entitlements.insert("aps-environment".into(), Value::String("development".into()));
    entitlements.insert(
        "com.apple.developer.team-identifier".into(),
        Value::String("A1B2C3D4E5".into()),
    );
    let mut plist = Dictionary::new();
    plist.insert("AppIDName".into(), Value::String("Example App".into()));
    plist.insert("ApplicationIdentifierPrefix".into(), strings(&["A1B2C3D4E5"]));
    plist.insert("CreationDate".into(), date(fields.created));
    plist.insert("Platform".into(), strings(&[fields.platform]));
    plist.insert("IsXcodeManaged".into(), Value::Boolean(false));
    plist.insert(
        "DeveloperCertificates".into(),
        Value::Array(vec![Value::Data(developer_certificate().to_vec())]),
    );
    plist.insert("DER-Encoded-Profile".into(), Value::Data(vec![0x30, 0x00]));
    plist.insert("Entitlements".into(), Value::Dictionary(entitlements));
    plist.insert(
        "ExpirationDate".into(),
        date(fields.created + Duration::days(365)),
    );
    plist.insert("Name".into(), Value::String(fields.name.into()));
    if !fields.devices.is_empty() {
        plist.insert("ProvisionedDevices".into(), strings(&fields.devices));
    }
    if fields.all_devices {
        plist.insert("ProvisionsAllDevices".into(), Value::Boolean(true));
    }
    plist.insert("TeamIdentifier".into(), strings(&["A1B2C3D4E5"]));
    plist.insert("TeamName".into(), Value::String("Example Corp".into()));
    plist.insert("TimeToLive".into(), Value::Integer(365.into()));
    plist.insert("UUID".into(), Value::String(fields.uuid.into()));
    plist.insert("Version".into(), Value::Integer(1.into()));
    plist
}

/// The XML of a property list.
pub(crate) fn xml(plist: Dictionary) -> Vec<u8> {
    let mut out = Vec::new();
    Value::Dictionary(plist).to_writer_xml(&mut out).unwrap();
    out
}

/// A signed profile (RSA chain, Apple's shape) with `fields`.
pub(crate) fn profile(fields: &Fields) -> Vec<u8> {
    sign(chain(Alg::Rsa), &xml(dictionary(fields)), &Sign::default())
}
