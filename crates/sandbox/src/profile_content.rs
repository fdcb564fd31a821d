//! A provisioning profile's `profileContent` as Apple issues it: an XML property list in Apple's
//! shape, attached to a DER CMS `SignedData` signed by the sandbox's "Apple iPhone OS Provisioning
//! Profile Signing" certificate, with that certificate, the "Apple iPhone Certification Authority"
//! above it and the root embedded. Base64 of the DER is the API's `profileContent`.
//!
//! Apple's profiles also carry `DER-Encoded-Profile`, a second, separately signed encoding of the
//! same profile in an undocumented format; the sandbox leaves it out, as clients read the plist.

use std::time::{Duration as StdDuration, SystemTime, UNIX_EPOCH};

use aws_lc_rs::digest::{SHA256, digest};
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::RSA_PKCS1_SHA256;
use cms::cert::{CertificateChoices, IssuerAndSerialNumber};
use cms::content_info::{CmsVersion, ContentInfo};
use cms::signed_data::{
    CertificateSet, EncapsulatedContentInfo, SignedData, SignerIdentifier, SignerInfo, SignerInfos,
};
use der::asn1::{ObjectIdentifier, OctetString, SetOfVec, UtcTime};
use der::{Any, Decode as _, Encode as _};
use plist::{Dictionary, Value};
use time::OffsetDateTime;
use x509_cert::Certificate;
use x509_cert::attr::Attribute;
use x509_cert::spki::AlgorithmIdentifierOwned;

use crate::SandboxError;
use crate::ca::SandboxCa;

/// `id-data`, the content type of the plist.
const ID_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.1");
/// `id-signedData`.
const ID_SIGNED_DATA: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.7.2");
/// The `contentType` signed attribute.
const ID_CONTENT_TYPE: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.3");
/// The `messageDigest` signed attribute.
const ID_MESSAGE_DIGEST: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.4");
/// The `signingTime` signed attribute.
const ID_SIGNING_TIME: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.9.5");
/// SHA-256.
const ID_SHA256: ObjectIdentifier = ObjectIdentifier::new_unwrap("2.16.840.1.101.3.4.2.1");
/// `rsaEncryption`, the signature algorithm CMS names for PKCS#1 v1.5 signatures.
const RSA_ENCRYPTION: ObjectIdentifier = ObjectIdentifier::new_unwrap("1.2.840.113549.1.1.1");

/// The platform of a profile, from the prefix of Apple's `profileType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfilePlatform {
    /// `IOS_…`.
    Ios,
    /// `MAC_…` (not Catalyst).
    MacOs,
    /// `TVOS_…`.
    TvOs,
    /// `MAC_CATALYST_…`.
    MacCatalyst,
}

impl ProfilePlatform {
    /// The platform of `profile_type`, such as `IOS_APP_STORE`; `None` for a type Apple does not have.
    pub fn from_profile_type(profile_type: &str) -> Option<Self> {
        ProfileDistribution::from_profile_type(profile_type)?;
        // MAC_CATALYST_ before MAC_, which it starts with.
        [
            ("IOS_APP_", Self::Ios),
            ("MAC_CATALYST_APP_", Self::MacCatalyst),
            ("MAC_APP_", Self::MacOs),
            ("TVOS_APP_", Self::TvOs),
        ]
        .into_iter()
        .find_map(|(prefix, platform)| profile_type.starts_with(prefix).then_some(platform))
    }

    /// The profile's `Platform` array as Apple writes it: iOS profiles since 2024 list visionOS
    /// (both its names) too, since iOS apps run there; macOS and Mac Catalyst say `OSX`.
    pub fn plist_names(self) -> &'static [&'static str] {
        match self {
            Self::Ios => &["iOS", "xrOS", "visionOS"],
            Self::MacOs | Self::MacCatalyst => &["OSX"],
            Self::TvOs => &["tvOS"],
        }
    }
}

/// How a profile distributes its app, from the suffix of Apple's `profileType`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileDistribution {
    /// `…_APP_DEVELOPMENT`: listed devices, debuggable (`get-task-allow`).
    Development,
    /// `…_APP_ADHOC`: listed devices.
    AdHoc,
    /// `…_APP_STORE`: no devices, `TestFlight` builds (`beta-reports-active` true).
    AppStore,
    /// `…_APP_INHOUSE` (enterprise): every device.
    InHouse,
    /// `MAC_APP_DIRECT`, `MAC_CATALYST_APP_DIRECT` (Developer ID): every device.
    Direct,
}

impl ProfileDistribution {
    /// The distribution of `profile_type`; `None` for a type Apple does not have.
    pub fn from_profile_type(profile_type: &str) -> Option<Self> {
        Some(match profile_type {
            "IOS_APP_DEVELOPMENT"
            | "MAC_APP_DEVELOPMENT"
            | "TVOS_APP_DEVELOPMENT"
            | "MAC_CATALYST_APP_DEVELOPMENT" => Self::Development,
            "IOS_APP_ADHOC" | "TVOS_APP_ADHOC" => Self::AdHoc,
            "IOS_APP_STORE" | "MAC_APP_STORE" | "TVOS_APP_STORE" | "MAC_CATALYST_APP_STORE" => Self::AppStore,
            "IOS_APP_INHOUSE" | "TVOS_APP_INHOUSE" => Self::InHouse,
            "MAC_APP_DIRECT" | "MAC_CATALYST_APP_DIRECT" => Self::Direct,
            _ => return None,
        })
    }
}

/// What a provisioning profile says: the input of [`ProfileContent::to_plist_xml`] and of
/// `Sandbox::sign_profile`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ProfileContent {
    /// The profile's name (`Name`).
    pub name: String,
    /// The profile's UUID (`UUID`), written as given.
    pub uuid: String,
    /// The team id (`TeamIdentifier`, `ApplicationIdentifierPrefix`, the entitlements' prefix).
    pub team_id: String,
    /// The team name (`TeamName`).
    pub team_name: String,
    /// The bundle id's name (`AppIDName`).
    pub app_id_name: String,
    /// The bundle identifier, such as `com.example.app` or the wildcard `com.example.*`.
    pub bundle_id: String,
    /// Apple's `profileType`, such as `IOS_APP_DEVELOPMENT`; it gives the platform and the
    /// distribution.
    pub profile_type: String,
    /// The certificates the profile allows to sign (`DeveloperCertificates`), DER each.
    pub developer_certificates: Vec<Vec<u8>>,
    /// The devices' UDIDs (`ProvisionedDevices`), written for development and ad hoc profiles only.
    pub devices: Vec<String>,
    /// When the profile was made (`CreationDate`).
    pub created: OffsetDateTime,
    /// When it expires (`ExpirationDate`).
    pub expires: OffsetDateTime,
}

impl ProfileContent {
    /// The platform of [`Self::profile_type`].
    pub fn platform(&self) -> Option<ProfilePlatform> {
        ProfilePlatform::from_profile_type(&self.profile_type)
    }

    /// The distribution of [`Self::profile_type`].
    pub fn distribution(&self) -> Option<ProfileDistribution> {
        ProfileDistribution::from_profile_type(&self.profile_type)
    }

    /// The profile as Apple writes it: an XML property list with Apple's keys in Apple's order.
    ///
    /// # Errors
    /// [`SandboxError::InvalidSetting`] for a profile type Apple does not have, or dates before
    /// 1970; [`SandboxError::Crypto`] if the plist cannot be written.
    pub fn to_plist_xml(&self) -> Result<Vec<u8>, SandboxError> {
        let (Some(platform), Some(distribution)) = (self.platform(), self.distribution()) else {
            return Err(SandboxError::InvalidSetting(format!(
                "unknown profile type {:?}",
                self.profile_type
            )));
        };
        let team = || Value::Array(vec![Value::from(self.team_id.as_str())]);
        let mut dict = Dictionary::new();
        dict.insert("AppIDName".into(), self.app_id_name.as_str().into());
        dict.insert("ApplicationIdentifierPrefix".into(), team());
        dict.insert("CreationDate".into(), plist_date(self.created)?);
        dict.insert("Platform".into(), strings(platform.plist_names().iter().copied()));
        dict.insert("IsXcodeManaged".into(), false.into());
        dict.insert(
            "DeveloperCertificates".into(),
            Value::Array(
                self.developer_certificates
                    .iter()
                    .cloned()
                    .map(Value::Data)
                    .collect(),
            ),
        );
        dict.insert("Entitlements".into(), self.entitlements(platform, distribution));
        dict.insert("ExpirationDate".into(), plist_date(self.expires)?);
        dict.insert("Name".into(), self.name.as_str().into());
        match distribution {
            ProfileDistribution::Development | ProfileDistribution::AdHoc => {
                dict.insert(
                    "ProvisionedDevices".into(),
                    strings(self.devices.iter().map(String::as_str)),
                );
            }
            ProfileDistribution::InHouse | ProfileDistribution::Direct => {
                dict.insert("ProvisionsAllDevices".into(), true.into());
            }
            ProfileDistribution::AppStore => {}
        }
        dict.insert("TeamIdentifier".into(), team());
        dict.insert("TeamName".into(), self.team_name.as_str().into());
        let days = (self.expires - self.created).whole_days();
        dict.insert("TimeToLive".into(), Value::Integer(days.into()));
        dict.insert("UUID".into(), self.uuid.as_str().into());
        dict.insert("Version".into(), Value::Integer(1.into()));
        let mut xml = Vec::new();
        Value::Dictionary(dict)
            .to_writer_xml(&mut xml)
            .map_err(|e| SandboxError::Crypto {
                action: "write the profile's property list",
                source: Box::new(e),
            })?;
        // Apple's file ends with a newline after `</plist>`.
        xml.push(b'\n');
        Ok(xml)
    }

    /// The `Entitlements` dictionary, in Apple's order. macOS names the application identifier
    /// `com.apple.application-identifier`; Mac Catalyst writes both names, as its apps run the iOS
    /// frameworks on macOS.
    fn entitlements(&self, platform: ProfilePlatform, distribution: ProfileDistribution) -> Value {
        let app_id = format!("{}.{}", self.team_id, self.bundle_id);
        let mut dict = Dictionary::new();
        if distribution == ProfileDistribution::AppStore {
            dict.insert("beta-reports-active".into(), true.into());
        }
        if platform != ProfilePlatform::MacOs {
            dict.insert("application-identifier".into(), app_id.clone().into());
        }
        if matches!(platform, ProfilePlatform::MacOs | ProfilePlatform::MacCatalyst) {
            dict.insert("com.apple.application-identifier".into(), app_id.into());
        }
        let team_wildcard = format!("{}.*", self.team_id);
        // `com.apple.token` (CryptoTokenKit's access group) is in Apple's profiles since 2022 but
        // for plain macOS ones.
        let groups: &[&str] = if platform == ProfilePlatform::MacOs {
            &[&team_wildcard]
        } else {
            &[&team_wildcard, "com.apple.token"]
        };
        dict.insert("keychain-access-groups".into(), strings(groups.iter().copied()));
        dict.insert(
            "get-task-allow".into(),
            (distribution == ProfileDistribution::Development).into(),
        );
        dict.insert(
            "com.apple.developer.team-identifier".into(),
            self.team_id.as_str().into(),
        );
        Value::Dictionary(dict)
    }
}

/// A plist array of strings.
fn strings<'a>(items: impl Iterator<Item = &'a str>) -> Value {
    Value::Array(items.map(Value::from).collect())
}

/// A plist date, to the second as Apple writes them.
fn plist_date(at: OffsetDateTime) -> Result<Value, SandboxError> {
    let seconds = u64::try_from(at.unix_timestamp())
        .map_err(|_| SandboxError::InvalidSetting(format!("a profile date before 1970: {at}")))?;
    let system: SystemTime = UNIX_EPOCH + StdDuration::from_secs(seconds);
    Ok(Value::Date(system.into()))
}

fn der_error(action: &'static str) -> impl FnOnce(der::Error) -> SandboxError {
    move |source| SandboxError::Crypto {
        action,
        source: Box::new(source),
    }
}

/// One signed attribute with one value.
fn attribute(oid: ObjectIdentifier, value: Any) -> Result<Attribute, der::Error> {
    Ok(Attribute {
        oid,
        values: SetOfVec::try_from(vec![value])?,
    })
}

/// Signs `content`'s plist under `ca`'s profile-signing chain: the DER `ContentInfo` whose base64 is
/// the API's `profileContent`.
///
/// The `SignedData` is Apple's: version 1, SHA-256, the plist attached as `id-data`, the signer,
/// the iPhone CA and the root as certificates, and one `SignerInfo` by issuer and serial number
/// whose signed attributes (`contentType`, `signingTime`, `messageDigest`) carry an RSA PKCS#1
/// v1.5 SHA-256 signature.
///
/// # Errors
/// As [`ProfileContent::to_plist_xml`]; [`SandboxError::Crypto`] when making the chain, encoding or
/// signing fails.
pub(crate) fn sign_profile(ca: &SandboxCa, content: &ProfileContent) -> Result<Vec<u8>, SandboxError> {
    let plist = content.to_plist_xml()?;
    let signing = ca.profile_signing()?;
    let now = SystemTime::now().duration_since(UNIX_EPOCH).unwrap_or_default();
    let signer = Certificate::from_der(&signing.certificates().signer_der)
        .map_err(der_error("read the profile signer"))?;
    let chain = [
        signer.clone(),
        Certificate::from_der(&signing.certificates().iphone_ca_der)
            .map_err(der_error("read the iPhone CA"))?,
        Certificate::from_der(ca.root_der()).map_err(der_error("read the root"))?,
    ];
    let signed_attrs = signed_attributes(&plist, now).map_err(der_error("encode the signed attributes"))?;
    // The signature covers the attributes' DER as a SET OF, not as the [0] IMPLICIT they are sent as.
    let to_sign = signed_attrs
        .to_der()
        .map_err(der_error("encode the signed attributes"))?;
    let mut signature = vec![0; signing.key().public_modulus_len()];
    signing
        .key()
        .sign(&RSA_PKCS1_SHA256, &SystemRandom::new(), &to_sign, &mut signature)
        .map_err(|e| SandboxError::Crypto {
            action: "sign a profile",
            source: Box::new(e),
        })?;
    assemble(&plist, &signer, chain, signed_attrs, signature).map_err(der_error("encode a profile"))
}

/// `contentType` (`id-data`), `signingTime` (`UTCTime`) and `messageDigest` (SHA-256 of `plist`).
fn signed_attributes(plist: &[u8], now: StdDuration) -> Result<SetOfVec<Attribute>, der::Error> {
    let digest = OctetString::new(digest(&SHA256, plist).as_ref())?;
    SetOfVec::try_from(vec![
        attribute(ID_CONTENT_TYPE, Any::encode_from(&ID_DATA)?)?,
        attribute(
            ID_SIGNING_TIME,
            Any::encode_from(&UtcTime::from_unix_duration(StdDuration::from_secs(
                now.as_secs(),
            ))?)?,
        )?,
        attribute(ID_MESSAGE_DIGEST, Any::encode_from(&digest)?)?,
    ])
}

/// The `ContentInfo` DER around a `SignedData` of `plist` signed by `signer`.
fn assemble(
    plist: &[u8],
    signer: &Certificate,
    chain: [Certificate; 3],
    signed_attrs: SetOfVec<Attribute>,
    signature: Vec<u8>,
) -> Result<Vec<u8>, der::Error> {
    let sha256 = AlgorithmIdentifierOwned {
        oid: ID_SHA256,
        parameters: None,
    };
    let tbs = signer.tbs_certificate();
    let signer_info = SignerInfo {
        version: CmsVersion::V1,
        sid: SignerIdentifier::IssuerAndSerialNumber(IssuerAndSerialNumber {
            issuer: tbs.issuer().clone(),
            serial_number: tbs.serial_number().clone(),
        }),
        digest_alg: sha256.clone(),
        signed_attrs: Some(signed_attrs),
        signature_algorithm: AlgorithmIdentifierOwned {
            oid: RSA_ENCRYPTION,
            parameters: Some(Any::null()),
        },
        signature: OctetString::new(signature)?,
        unsigned_attrs: None,
    };
    let signed_data = SignedData {
        version: CmsVersion::V1,
        digest_algorithms: SetOfVec::try_from(vec![sha256])?,
        encap_content_info: EncapsulatedContentInfo {
            econtent_type: ID_DATA,
            econtent: Some(Any::encode_from(&OctetString::new(plist)?)?),
        },
        certificates: Some(CertificateSet(SetOfVec::try_from(
            chain
                .into_iter()
                .map(CertificateChoices::Certificate)
                .collect::<Vec<_>>(),
        )?)),
        crls: None,
        signer_infos: SignerInfos(SetOfVec::try_from(vec![signer_info])?),
    };
    ContentInfo {
        content_type: ID_SIGNED_DATA,
        content: Any::encode_from(&signed_data)?,
    }
    .to_der()
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn content(profile_type: &str) -> ProfileContent {
        let created = OffsetDateTime::from_unix_timestamp(1_767_225_600).unwrap();
        ProfileContent {
            name: "Example <Dev> & Co".into(),
            uuid: "6A2B9C1E-0F3D-4E5A-8B7C-9D0E1F2A3B4C".into(),
            team_id: "SBXTEAM001".into(),
            team_name: "ascert Sandbox Team".into(),
            app_id_name: "Example App".into(),
            bundle_id: "com.example.app".into(),
            profile_type: profile_type.into(),
            developer_certificates: vec![vec![0x30, 0x03, 0x02, 0x01, 0x01]],
            devices: vec!["00008030-000A1B2C3D4E5F6A".into()],
            created,
            expires: created + Duration::days(365),
        }
    }

    fn parsed(profile_type: &str) -> Dictionary {
        let xml = content(profile_type).to_plist_xml().unwrap();
        Value::from_reader_xml(xml.as_slice())
            .unwrap()
            .into_dictionary()
            .unwrap()
    }

    fn entitlements(dict: &Dictionary) -> &Dictionary {
        dict["Entitlements"].as_dictionary().unwrap()
    }

    fn strings_of(value: &Value) -> Vec<&str> {
        value
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_string().unwrap())
            .collect()
    }

    #[test]
    fn development_has_devices_and_get_task_allow_in_apples_key_order() {
        let dict = parsed("IOS_APP_DEVELOPMENT");
        let keys: Vec<&str> = dict.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "AppIDName",
                "ApplicationIdentifierPrefix",
                "CreationDate",
                "Platform",
                "IsXcodeManaged",
                "DeveloperCertificates",
                "Entitlements",
                "ExpirationDate",
                "Name",
                "ProvisionedDevices",
                "TeamIdentifier",
                "TeamName",
                "TimeToLive",
                "UUID",
                "Version",
            ]
        );
        assert_eq!(
            strings_of(&dict["ProvisionedDevices"]),
            ["00008030-000A1B2C3D4E5F6A"]
        );
        assert_eq!(strings_of(&dict["Platform"]), ["iOS", "xrOS", "visionOS"]);
        assert_eq!(strings_of(&dict["ApplicationIdentifierPrefix"]), ["SBXTEAM001"]);
        assert_eq!(strings_of(&dict["TeamIdentifier"]), ["SBXTEAM001"]);
        assert_eq!(dict["TimeToLive"].as_signed_integer(), Some(365));
        assert_eq!(dict["Version"].as_signed_integer(), Some(1));
        assert_eq!(dict["IsXcodeManaged"].as_boolean(), Some(false));
        assert_eq!(dict["Name"].as_string(), Some("Example <Dev> & Co"));
        assert_eq!(
            dict["DeveloperCertificates"].as_array().unwrap()[0].as_data(),
            Some(&[0x30, 0x03, 0x02, 0x01, 0x01][..])
        );
        assert_eq!(
            dict["CreationDate"].as_date().map(|d| d.to_xml_format()),
            Some("2026-01-01T00:00:00Z".to_owned())
        );
        let entitlements = entitlements(&dict);
        let keys: Vec<&str> = entitlements.keys().map(String::as_str).collect();
        assert_eq!(
            keys,
            [
                "application-identifier",
                "keychain-access-groups",
                "get-task-allow",
                "com.apple.developer.team-identifier",
            ]
        );
        assert_eq!(
            entitlements["application-identifier"].as_string(),
            Some("SBXTEAM001.com.example.app")
        );
        assert_eq!(entitlements["get-task-allow"].as_boolean(), Some(true));
        assert_eq!(
            strings_of(&entitlements["keychain-access-groups"]),
            ["SBXTEAM001.*", "com.apple.token"]
        );
        assert!(!dict.contains_key("ProvisionsAllDevices"));
    }

    #[test]
    fn the_xml_is_apples_with_escaped_text() {
        let xml = String::from_utf8(content("IOS_APP_DEVELOPMENT").to_plist_xml().unwrap()).unwrap();
        assert!(xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist PUBLIC"));
        assert!(
            xml.contains("<string>Example &lt;Dev&gt; &amp; Co</string>"),
            "{xml}"
        );
        assert!(xml.ends_with("</plist>\n"));
    }

    #[test]
    fn app_store_has_no_devices_and_reports_betas() {
        for profile_type in ["IOS_APP_STORE", "TVOS_APP_STORE"] {
            let dict = parsed(profile_type);
            assert!(!dict.contains_key("ProvisionedDevices"), "{profile_type}");
            assert!(!dict.contains_key("ProvisionsAllDevices"), "{profile_type}");
            let entitlements = entitlements(&dict);
            assert_eq!(
                entitlements.keys().next().map(String::as_str),
                Some("beta-reports-active")
            );
            assert_eq!(entitlements["beta-reports-active"].as_boolean(), Some(true));
            assert_eq!(entitlements["get-task-allow"].as_boolean(), Some(false));
        }
        assert_eq!(strings_of(&parsed("TVOS_APP_STORE")["Platform"]), ["tvOS"]);
    }

    #[test]
    fn ad_hoc_lists_devices_without_get_task_allow() {
        let dict = parsed("IOS_APP_ADHOC");
        assert_eq!(strings_of(&dict["ProvisionedDevices"]).len(), 1);
        let entitlements = entitlements(&dict);
        assert_eq!(entitlements["get-task-allow"].as_boolean(), Some(false));
        assert!(!entitlements.contains_key("beta-reports-active"));
    }

    #[test]
    fn macos_uses_com_apple_application_identifier_and_osx() {
        let dict = parsed("MAC_APP_DEVELOPMENT");
        assert_eq!(strings_of(&dict["Platform"]), ["OSX"]);
        let entitlements = entitlements(&dict);
        assert_eq!(
            entitlements["com.apple.application-identifier"].as_string(),
            Some("SBXTEAM001.com.example.app")
        );
        assert!(!entitlements.contains_key("application-identifier"));
        assert_eq!(
            strings_of(&entitlements["keychain-access-groups"]),
            ["SBXTEAM001.*"]
        );
        // Mac Catalyst: both names of the application identifier.
        let catalyst = parsed("MAC_CATALYST_APP_DEVELOPMENT");
        assert_eq!(strings_of(&catalyst["Platform"]), ["OSX"]);
        let catalyst = self::entitlements(&catalyst);
        assert!(catalyst.contains_key("application-identifier"));
        assert!(catalyst.contains_key("com.apple.application-identifier"));
    }

    #[test]
    fn in_house_and_developer_id_provision_all_devices() {
        for profile_type in ["IOS_APP_INHOUSE", "MAC_APP_DIRECT", "MAC_CATALYST_APP_DIRECT"] {
            let dict = parsed(profile_type);
            assert_eq!(
                dict["ProvisionsAllDevices"].as_boolean(),
                Some(true),
                "{profile_type}"
            );
            assert!(!dict.contains_key("ProvisionedDevices"), "{profile_type}");
            assert_eq!(entitlements(&dict)["get-task-allow"].as_boolean(), Some(false));
        }
    }

    #[test]
    fn profile_types_map_to_platforms_and_unknown_ones_are_refused() {
        for (profile_type, platform) in [
            ("IOS_APP_STORE", ProfilePlatform::Ios),
            ("MAC_APP_DIRECT", ProfilePlatform::MacOs),
            ("TVOS_APP_ADHOC", ProfilePlatform::TvOs),
            ("MAC_CATALYST_APP_DEVELOPMENT", ProfilePlatform::MacCatalyst),
        ] {
            assert_eq!(ProfilePlatform::from_profile_type(profile_type), Some(platform));
        }
        assert_eq!(ProfilePlatform::from_profile_type("MAC_APP_ADHOC"), None);
        assert!(matches!(
            content("WATCH_APP_STORE").to_plist_xml(),
            Err(SandboxError::InvalidSetting(_))
        ));
    }

    #[test]
    fn a_signed_profile_carries_the_plist_and_the_chain_and_its_signature_verifies() {
        use x509_parser::prelude::{FromDer as _, X509Certificate};

        let ca = SandboxCa::generate().unwrap();
        let content = content("IOS_APP_DEVELOPMENT");
        let der = sign_profile(&ca, &content).unwrap();
        let info = ContentInfo::from_der(&der).unwrap();
        assert_eq!(info.content_type, ID_SIGNED_DATA);
        let signed_data: SignedData = info.content.decode_as().unwrap();
        assert_eq!(signed_data.version, CmsVersion::V1);
        let econtent = signed_data.encap_content_info.econtent.unwrap();
        let plist: OctetString = econtent.decode_as().unwrap();
        assert_eq!(plist.as_bytes(), content.to_plist_xml().unwrap());
        assert_eq!(signed_data.certificates.unwrap().0.len(), 3);
        let signer_info = signed_data.signer_infos.0.get(0).unwrap();
        let attrs = signer_info.signed_attrs.as_ref().unwrap().to_der().unwrap();
        let signer_der = ca.profile_signing().unwrap().certificates().signer_der.clone();
        let (_, signer) = X509Certificate::from_der(&signer_der).unwrap();
        let key = aws_lc_rs::signature::UnparsedPublicKey::new(
            &aws_lc_rs::signature::RSA_PKCS1_2048_8192_SHA256,
            signer.public_key().subject_public_key.data.as_ref(),
        );
        key.verify(&attrs, signer_info.signature.as_bytes()).unwrap();
        // The same chain signs the next profile.
        sign_profile(&ca, &content).unwrap();
        assert_eq!(
            ca.profile_signing().unwrap().certificates().signer_der,
            signer_der
        );
    }
}
