//! [`CertificateType`] and [`BundleIdPlatform`]: Apple's enumerations, open to values Apple adds later.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Declares an enumeration of Apple string constants that keeps values it does not know.
macro_rules! apple_enum {
    (
        $(#[$doc:meta])*
        $name:ident { $( $(#[$vdoc:meta])* $variant:ident => $value:literal, )+ }
    ) => {
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum $name {
            $( $(#[$vdoc])* $variant, )+
            /// A value this version of ascert does not know; kept as Apple sent it and written back unchanged.
            Unknown(String),
        }

        impl $name {
            /// Every value this version knows, in the order of Apple's specification.
            pub const KNOWN: &'static [$name] = &[ $( $name::$variant, )+ ];

            /// Apple's name for this value, as it appears on the wire.
            pub fn as_str(&self) -> &str {
                match self {
                    $( $name::$variant => $value, )+
                    $name::Unknown(other) => other,
                }
            }

            /// Whether this value is one this version of ascert knows.
            pub fn is_known(&self) -> bool {
                !matches!(self, $name::Unknown(_))
            }
        }

        impl FromStr for $name {
            type Err = Infallible;

            /// Parses Apple's name; any other string becomes `Unknown`. Use [`Self::is_known`] to reject those.
            fn from_str(s: &str) -> Result<Self, Infallible> {
                Ok(match s {
                    $( $value => $name::$variant, )+
                    other => $name::Unknown(other.to_owned()),
                })
            }
        }

        impl From<&str> for $name {
            fn from(s: &str) -> Self {
                match s.parse() {
                    Ok(v) => v,
                    Err(never) => match never {},
                }
            }
        }

        impl fmt::Display for $name {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl Serialize for $name {
            fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }

        impl<'de> Deserialize<'de> for $name {
            fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
                let s = String::deserialize(deserializer)?;
                Ok(Self::from(s.as_str()))
            }
        }
    };
}
pub(crate) use apple_enum;

apple_enum! {
    /// The kind of a signing certificate (`certificateType`).
    ///
    /// Apple adds kinds from time to time; a value not listed here parses as
    /// [`CertificateType::Unknown`] and is written back exactly as received.
    ///
    /// ```
    /// use ascert_models::CertificateType;
    /// let t: CertificateType = "DEVELOPER_ID_APPLICATION_G2".parse().unwrap();
    /// assert_eq!(t, CertificateType::DeveloperIdApplicationG2);
    /// assert_eq!(t.to_string(), "DEVELOPER_ID_APPLICATION_G2");
    /// assert!(!CertificateType::from("SOMETHING_NEW").is_known());
    /// ```
    CertificateType {
        /// Apple Pay payment processing.
        ApplePay => "APPLE_PAY",
        /// Apple Pay merchant identity.
        ApplePayMerchantIdentity => "APPLE_PAY_MERCHANT_IDENTITY",
        /// Apple Pay payment service provider identity.
        ApplePayPspIdentity => "APPLE_PAY_PSP_IDENTITY",
        /// Apple Pay payment processing with an RSA key.
        ApplePayRsa => "APPLE_PAY_RSA",
        /// Developer ID kernel extension signing.
        DeveloperIdKext => "DEVELOPER_ID_KEXT",
        /// Developer ID kernel extension signing, G2 intermediate.
        DeveloperIdKextG2 => "DEVELOPER_ID_KEXT_G2",
        /// Developer ID application signing.
        DeveloperIdApplication => "DEVELOPER_ID_APPLICATION",
        /// Developer ID application signing, G2 intermediate.
        DeveloperIdApplicationG2 => "DEVELOPER_ID_APPLICATION_G2",
        /// Apple Development (all platforms).
        Development => "DEVELOPMENT",
        /// Apple Distribution (all platforms).
        Distribution => "DISTRIBUTION",
        /// Identity access.
        IdentityAccess => "IDENTITY_ACCESS",
        /// iOS development (legacy).
        IosDevelopment => "IOS_DEVELOPMENT",
        /// iOS distribution (legacy).
        IosDistribution => "IOS_DISTRIBUTION",
        /// Mac App Store application distribution.
        MacAppDistribution => "MAC_APP_DISTRIBUTION",
        /// Mac installer package distribution.
        MacInstallerDistribution => "MAC_INSTALLER_DISTRIBUTION",
        /// Mac development (legacy).
        MacAppDevelopment => "MAC_APP_DEVELOPMENT",
        /// Wallet pass type ID signing.
        PassTypeId => "PASS_TYPE_ID",
        /// Wallet pass type ID signing with NFC.
        PassTypeIdWithNfc => "PASS_TYPE_ID_WITH_NFC",
    }
}

/// The relationship a create request of some certificate types must carry: the pass type id or
/// merchant id the certificate belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum RequiredRelationship {
    /// `passTypeId`: Wallet pass certificates (`PASS_TYPE_ID`, `PASS_TYPE_ID_WITH_NFC`).
    PassTypeId,
    /// `merchantId`: Apple Pay certificates (`APPLE_PAY`, `APPLE_PAY_RSA`,
    /// `APPLE_PAY_MERCHANT_IDENTITY`, `APPLE_PAY_PSP_IDENTITY`).
    MerchantId,
}

impl RequiredRelationship {
    /// The relationship's name in the request document (`passTypeId`, `merchantId`).
    pub fn as_str(self) -> &'static str {
        match self {
            Self::PassTypeId => "passTypeId",
            Self::MerchantId => "merchantId",
        }
    }
}

impl CertificateType {
    /// The relationship a create of this type needs, if any: a Wallet pass certificate belongs to one
    /// pass type id, an Apple Pay certificate to one merchant id.
    ///
    /// ```
    /// use ascert_models::{CertificateType, RequiredRelationship};
    /// assert_eq!(CertificateType::PassTypeId.required_relationship(), Some(RequiredRelationship::PassTypeId));
    /// assert_eq!(CertificateType::ApplePay.required_relationship(), Some(RequiredRelationship::MerchantId));
    /// assert_eq!(CertificateType::Distribution.required_relationship(), None);
    /// ```
    pub fn required_relationship(&self) -> Option<RequiredRelationship> {
        match self {
            Self::PassTypeId | Self::PassTypeIdWithNfc => Some(RequiredRelationship::PassTypeId),
            Self::ApplePay
            | Self::ApplePayRsa
            | Self::ApplePayMerchantIdentity
            | Self::ApplePayPspIdentity => Some(RequiredRelationship::MerchantId),
            _ => None,
        }
    }

    /// Whether this is a Developer ID type (`DEVELOPER_ID_APPLICATION`, `…_G2`, `DEVELOPER_ID_KEXT`,
    /// `…_G2`). App Store Connect's API lists them but does not create them: the Account Holder makes
    /// them on the developer website or in Xcode.
    ///
    /// ```
    /// use ascert_models::CertificateType;
    /// assert!(CertificateType::DeveloperIdApplicationG2.is_developer_id());
    /// assert!(!CertificateType::MacInstallerDistribution.is_developer_id());
    /// ```
    pub fn is_developer_id(&self) -> bool {
        matches!(
            self,
            Self::DeveloperIdApplication
                | Self::DeveloperIdApplicationG2
                | Self::DeveloperIdKext
                | Self::DeveloperIdKextG2
        )
    }
}

apple_enum! {
    /// The platform a certificate or bundle ID is for (`platform`).
    BundleIdPlatform {
        /// iOS, iPadOS, tvOS, watchOS and visionOS.
        Ios => "IOS",
        /// macOS.
        MacOs => "MAC_OS",
        /// Every platform.
        Universal => "UNIVERSAL",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_values_round_trip_by_name() {
        for t in CertificateType::KNOWN {
            assert_eq!(&t.as_str().parse::<CertificateType>().unwrap(), t);
            let json = serde_json::to_string(t).unwrap();
            assert_eq!(json, format!("\"{t}\""));
        }
        assert_eq!(CertificateType::KNOWN.len(), 18);
        assert_eq!(BundleIdPlatform::KNOWN.len(), 3);
    }

    #[test]
    fn unknown_values_are_kept_and_written_back() {
        let t: CertificateType = serde_json::from_str(r#""VISION_PRO_DISTRIBUTION""#).unwrap();
        assert_eq!(t, CertificateType::Unknown("VISION_PRO_DISTRIBUTION".into()));
        assert!(!t.is_known());
        assert_eq!(serde_json::to_string(&t).unwrap(), r#""VISION_PRO_DISTRIBUTION""#);
        let p: BundleIdPlatform = serde_json::from_str(r#""SERVICES""#).unwrap();
        assert_eq!(p.to_string(), "SERVICES");
    }
}
