//! The enumerations of the provisioning resources — [`ProfileType`], [`ProfileState`],
//! [`DeviceClass`], [`DeviceStatus`], [`CapabilityType`] — open to values Apple adds later, and
//! what a profile type asks of its certificates, bundle ID and devices.

use std::convert::Infallible;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::enums::apple_enum;
use crate::{BundleIdPlatform, CertificateType};

apple_enum! {
    /// The kind of a provisioning profile (`profileType`).
    ///
    /// ```
    /// use ascert_models::{CertificateType, ProfileType};
    /// let t: ProfileType = "IOS_APP_STORE".parse().unwrap();
    /// assert!(t.certificate_types().contains(&CertificateType::Distribution));
    /// assert!(!t.needs_devices());
    /// assert!(ProfileType::IosAppDevelopment.needs_devices());
    /// ```
    ProfileType {
        /// iOS, iPadOS, watchOS and visionOS development.
        IosAppDevelopment => "IOS_APP_DEVELOPMENT",
        /// iOS App Store (and `TestFlight`) distribution.
        IosAppStore => "IOS_APP_STORE",
        /// iOS ad hoc distribution to registered devices.
        IosAppAdhoc => "IOS_APP_ADHOC",
        /// iOS in-house distribution (Enterprise Program).
        IosAppInhouse => "IOS_APP_INHOUSE",
        /// macOS development.
        MacAppDevelopment => "MAC_APP_DEVELOPMENT",
        /// Mac App Store distribution.
        MacAppStore => "MAC_APP_STORE",
        /// macOS distribution outside the Mac App Store (Developer ID).
        MacAppDirect => "MAC_APP_DIRECT",
        /// tvOS development.
        TvosAppDevelopment => "TVOS_APP_DEVELOPMENT",
        /// tvOS App Store distribution.
        TvosAppStore => "TVOS_APP_STORE",
        /// tvOS ad hoc distribution.
        TvosAppAdhoc => "TVOS_APP_ADHOC",
        /// tvOS in-house distribution (Enterprise Program).
        TvosAppInhouse => "TVOS_APP_INHOUSE",
        /// Mac Catalyst development.
        MacCatalystAppDevelopment => "MAC_CATALYST_APP_DEVELOPMENT",
        /// Mac Catalyst Mac App Store distribution.
        MacCatalystAppStore => "MAC_CATALYST_APP_STORE",
        /// Mac Catalyst distribution outside the Mac App Store (Developer ID).
        MacCatalystAppDirect => "MAC_CATALYST_APP_DIRECT",
    }
}

apple_enum! {
    /// Whether a profile can still be used (`profileState`): a profile turns `INVALID` when a
    /// certificate or the bundle ID it names is revoked, deleted or changed.
    ProfileState {
        /// Usable.
        Active => "ACTIVE",
        /// No longer usable; make a new one.
        Invalid => "INVALID",
    }
}

apple_enum! {
    /// The kind of a registered device (`deviceClass`).
    DeviceClass {
        /// Apple Vision Pro.
        AppleVisionPro => "APPLE_VISION_PRO",
        /// Apple Watch.
        AppleWatch => "APPLE_WATCH",
        /// iPad.
        Ipad => "IPAD",
        /// iPhone.
        Iphone => "IPHONE",
        /// iPod touch.
        Ipod => "IPOD",
        /// Apple TV.
        AppleTv => "APPLE_TV",
        /// Mac.
        Mac => "MAC",
    }
}

apple_enum! {
    /// Whether a registered device can be put in profiles (`status`).
    DeviceStatus {
        /// In use.
        Enabled => "ENABLED",
        /// Disabled; it still counts against the yearly device limit.
        Disabled => "DISABLED",
    }
}

apple_enum! {
    /// A capability a bundle ID can have (`capabilityType`).
    CapabilityType {
        /// iCloud.
        Icloud => "ICLOUD",
        /// In-App Purchase.
        InAppPurchase => "IN_APP_PURCHASE",
        /// Game Center.
        GameCenter => "GAME_CENTER",
        /// Push Notifications.
        PushNotifications => "PUSH_NOTIFICATIONS",
        /// Wallet.
        Wallet => "WALLET",
        /// Inter-App Audio.
        InterAppAudio => "INTER_APP_AUDIO",
        /// Maps.
        Maps => "MAPS",
        /// Associated Domains.
        AssociatedDomains => "ASSOCIATED_DOMAINS",
        /// Personal VPN.
        PersonalVpn => "PERSONAL_VPN",
        /// App Groups.
        AppGroups => "APP_GROUPS",
        /// `HealthKit`.
        Healthkit => "HEALTHKIT",
        /// `HomeKit`.
        Homekit => "HOMEKIT",
        /// Wireless Accessory Configuration.
        WirelessAccessoryConfiguration => "WIRELESS_ACCESSORY_CONFIGURATION",
        /// Apple Pay.
        ApplePay => "APPLE_PAY",
        /// Data Protection.
        DataProtection => "DATA_PROTECTION",
        /// `SiriKit`.
        Sirikit => "SIRIKIT",
        /// Network Extensions.
        NetworkExtensions => "NETWORK_EXTENSIONS",
        /// Multipath.
        Multipath => "MULTIPATH",
        /// Hotspot.
        HotSpot => "HOT_SPOT",
        /// NFC Tag Reading.
        NfcTagReading => "NFC_TAG_READING",
        /// `ClassKit`.
        Classkit => "CLASSKIT",
        /// `AutoFill` Credential Provider.
        AutofillCredentialProvider => "AUTOFILL_CREDENTIAL_PROVIDER",
        /// Access Wi-Fi Information.
        AccessWifiInformation => "ACCESS_WIFI_INFORMATION",
        /// Custom network protocol.
        NetworkCustomProtocol => "NETWORK_CUSTOM_PROTOCOL",
        /// Low-latency HLS.
        CoremediaHlsLowLatency => "COREMEDIA_HLS_LOW_LATENCY",
        /// System Extension installation.
        SystemExtensionInstall => "SYSTEM_EXTENSION_INSTALL",
        /// User management.
        UserManagement => "USER_MANAGEMENT",
        /// Sign in with Apple.
        AppleIdAuth => "APPLE_ID_AUTH",
    }
}

/// How a profile type distributes an app: what decides its certificates and whether it lists
/// devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Distribution {
    /// Development: a development certificate and the devices it runs on.
    Development,
    /// Ad hoc: a distribution certificate and the devices it runs on.
    AdHoc,
    /// The App Store (or TestFlight): a distribution certificate, no devices.
    AppStore,
    /// In-house (Enterprise Program): a distribution certificate, every device.
    InHouse,
    /// Outside the Mac App Store: a Developer ID Application certificate, no devices.
    Direct,
}

/// The operating system a profile type's app runs on, which decides the platform of its bundle ID
/// and the class of its devices.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileOs {
    /// iOS, iPadOS, watchOS, visionOS.
    Ios,
    /// tvOS.
    Tvos,
    /// macOS.
    MacOs,
    /// Mac Catalyst: an iOS app's bundle ID, run on a Mac.
    MacCatalyst,
}

impl ProfileType {
    /// How this type distributes its app; `None` for a type this version does not know.
    pub fn distribution(&self) -> Option<Distribution> {
        Some(match self {
            Self::IosAppDevelopment
            | Self::MacAppDevelopment
            | Self::TvosAppDevelopment
            | Self::MacCatalystAppDevelopment => Distribution::Development,
            Self::IosAppAdhoc | Self::TvosAppAdhoc => Distribution::AdHoc,
            Self::IosAppStore | Self::MacAppStore | Self::TvosAppStore | Self::MacCatalystAppStore => {
                Distribution::AppStore
            }
            Self::IosAppInhouse | Self::TvosAppInhouse => Distribution::InHouse,
            Self::MacAppDirect | Self::MacCatalystAppDirect => Distribution::Direct,
            Self::Unknown(_) => return None,
        })
    }

    /// The operating system of this type's app; `None` for a type this version does not know.
    pub fn os(&self) -> Option<ProfileOs> {
        Some(match self {
            Self::IosAppDevelopment | Self::IosAppStore | Self::IosAppAdhoc | Self::IosAppInhouse => {
                ProfileOs::Ios
            }
            Self::TvosAppDevelopment | Self::TvosAppStore | Self::TvosAppAdhoc | Self::TvosAppInhouse => {
                ProfileOs::Tvos
            }
            Self::MacAppDevelopment | Self::MacAppStore | Self::MacAppDirect => ProfileOs::MacOs,
            Self::MacCatalystAppDevelopment | Self::MacCatalystAppStore | Self::MacCatalystAppDirect => {
                ProfileOs::MacCatalyst
            }
            Self::Unknown(_) => return None,
        })
    }

    /// Whether a profile of this type lists devices (development and ad hoc).
    pub fn needs_devices(&self) -> bool {
        matches!(
            self.distribution(),
            Some(Distribution::Development | Distribution::AdHoc)
        )
    }

    /// The certificate types a profile of this type may name, the current one first: Apple
    /// Development or Distribution (and the legacy per-platform types they replaced), or Developer
    /// ID Application (both generations) for direct distribution. Empty for an unknown type.
    pub fn certificate_types(&self) -> &'static [CertificateType] {
        use CertificateType as C;
        match (self.distribution(), self.os()) {
            (Some(Distribution::Development), Some(ProfileOs::Ios | ProfileOs::Tvos)) => {
                &[C::Development, C::IosDevelopment]
            }
            (Some(Distribution::Development), Some(_)) => &[C::Development, C::MacAppDevelopment],
            (Some(Distribution::AppStore), Some(ProfileOs::MacOs | ProfileOs::MacCatalyst)) => {
                &[C::Distribution, C::MacAppDistribution]
            }
            (Some(Distribution::AppStore | Distribution::AdHoc | Distribution::InHouse), Some(_)) => {
                &[C::Distribution, C::IosDistribution]
            }
            (Some(Distribution::Direct), Some(_)) => {
                &[C::DeveloperIdApplicationG2, C::DeveloperIdApplication]
            }
            _ => &[],
        }
    }

    /// The bundle ID platforms a profile of this type may be made for: `IOS` (iOS, tvOS and Mac
    /// Catalyst apps) or `MAC_OS`, and `UNIVERSAL` for both.
    pub fn bundle_id_platforms(&self) -> &'static [BundleIdPlatform] {
        match self.os() {
            Some(ProfileOs::MacOs) => &[BundleIdPlatform::MacOs, BundleIdPlatform::Universal],
            Some(_) => &[BundleIdPlatform::Ios, BundleIdPlatform::Universal],
            None => &[],
        }
    }

    /// Whether a device of `class` can be in a profile of this type: iPhones, iPads, iPods,
    /// watches and Vision Pros in iOS profiles, Apple TVs in tvOS profiles, Macs in macOS and Mac
    /// Catalyst profiles. A class this version does not know is let through; Apple decides.
    pub fn fits_device(&self, class: &DeviceClass) -> bool {
        use DeviceClass as D;
        matches!(
            (self.os(), class),
            (_, D::Unknown(_))
                | (
                    Some(ProfileOs::Ios),
                    D::Iphone | D::Ipad | D::Ipod | D::AppleWatch | D::AppleVisionPro
                )
                | (Some(ProfileOs::Tvos), D::AppleTv)
                | (Some(ProfileOs::MacOs | ProfileOs::MacCatalyst), D::Mac)
        )
    }

    /// The device platform (`filter[platform]` of `/v1/devices`) of this type's devices.
    pub fn device_platform(&self) -> Option<BundleIdPlatform> {
        match self.os()? {
            ProfileOs::Ios | ProfileOs::Tvos => Some(BundleIdPlatform::Ios),
            ProfileOs::MacOs | ProfileOs::MacCatalyst => Some(BundleIdPlatform::MacOs),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_profile_type_knows_its_certificates_platforms_and_devices() {
        for t in ProfileType::KNOWN {
            assert!(!t.certificate_types().is_empty(), "{t}");
            assert!(!t.bundle_id_platforms().is_empty(), "{t}");
            assert!(t.device_platform().is_some(), "{t}");
            assert_eq!(t.as_str().parse::<ProfileType>().unwrap(), *t);
        }
        assert_eq!(ProfileType::KNOWN.len(), 14);
        assert_eq!(CapabilityType::KNOWN.len(), 28);
        assert_eq!(DeviceClass::KNOWN.len(), 7);
        assert_eq!(
            ProfileType::MacAppDirect.certificate_types()[0],
            CertificateType::DeveloperIdApplicationG2
        );
        assert_eq!(
            ProfileType::MacCatalystAppStore.certificate_types(),
            [CertificateType::Distribution, CertificateType::MacAppDistribution]
        );
        assert!(ProfileType::TvosAppAdhoc.fits_device(&DeviceClass::AppleTv));
        assert!(!ProfileType::IosAppAdhoc.fits_device(&DeviceClass::AppleTv));
        assert!(ProfileType::MacCatalystAppDevelopment.fits_device(&DeviceClass::Mac));
        assert!(!ProfileType::IosAppInhouse.needs_devices());
        let unknown = ProfileType::from("VISIONOS_APP_STORE");
        assert!(unknown.certificate_types().is_empty() && !unknown.needs_devices());
    }
}
