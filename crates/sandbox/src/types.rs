//! What the sandbox knows about each certificate type: the common-name prefix Apple prints, the label
//! of its 409 message, its platform, which per-type limit applies, and whether the API may create
//! it at all.

use ascert_models::{BundleIdPlatform, CertificateType};

/// The certificate limit a type falls under.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LimitGroup {
    /// Development certificates: counted per type and per key owner.
    Development,
    /// Distribution certificates: counted per type for the whole team.
    Distribution,
    /// Developer ID Application (both generations together), counted for the whole team.
    DeveloperIdApplication,
    /// No limit.
    None,
}

/// The prefix of the certificate's common name, such as `Apple Distribution`.
pub(crate) fn common_name_prefix(certificate_type: &CertificateType) -> &'static str {
    match certificate_type {
        CertificateType::Development => "Apple Development",
        CertificateType::Distribution => "Apple Distribution",
        CertificateType::IosDevelopment => "iPhone Developer",
        CertificateType::IosDistribution => "iPhone Distribution",
        CertificateType::MacAppDevelopment => "Mac Developer",
        CertificateType::MacAppDistribution => "3rd Party Mac Developer Application",
        CertificateType::MacInstallerDistribution => "3rd Party Mac Developer Installer",
        CertificateType::DeveloperIdApplication | CertificateType::DeveloperIdApplicationG2 => {
            "Developer ID Application"
        }
        CertificateType::DeveloperIdKext | CertificateType::DeveloperIdKextG2 => {
            "Developer ID Kernel Extension"
        }
        CertificateType::PassTypeId | CertificateType::PassTypeIdWithNfc => "Pass Type ID",
        CertificateType::ApplePay | CertificateType::ApplePayRsa => "Apple Pay Payment Processing",
        CertificateType::ApplePayMerchantIdentity => "Apple Pay Merchant Identity",
        CertificateType::ApplePayPspIdentity => "Apple Pay Payment Service Provider Identity",
        CertificateType::IdentityAccess => "Identity Access",
        _ => "Apple Certificate",
    }
}

/// How Apple names the type in its 409 message ("You already have a current … certificate").
pub(crate) fn conflict_label(certificate_type: &CertificateType) -> &'static str {
    match certificate_type {
        CertificateType::Development => "Development",
        CertificateType::Distribution => "Distribution",
        CertificateType::IosDevelopment => "iOS Development",
        CertificateType::IosDistribution => "iOS Distribution",
        CertificateType::MacAppDevelopment => "Mac Development",
        CertificateType::MacAppDistribution => "Mac App Distribution",
        CertificateType::MacInstallerDistribution => "Mac Installer Distribution",
        CertificateType::DeveloperIdApplication | CertificateType::DeveloperIdApplicationG2 => {
            "Developer ID Application"
        }
        _ => "",
    }
}

/// The `platform` attribute Apple reports for the type; `None` is sent as `"platform": null`, which
/// Apple answers for the cross-platform DEVELOPMENT and DISTRIBUTION types and for the pass, Pay and
/// identity types.
pub(crate) fn platform(certificate_type: &CertificateType) -> Option<BundleIdPlatform> {
    match certificate_type {
        CertificateType::IosDevelopment | CertificateType::IosDistribution => Some(BundleIdPlatform::Ios),
        CertificateType::MacAppDevelopment
        | CertificateType::MacAppDistribution
        | CertificateType::MacInstallerDistribution
        | CertificateType::DeveloperIdApplication
        | CertificateType::DeveloperIdApplicationG2
        | CertificateType::DeveloperIdKext
        | CertificateType::DeveloperIdKextG2 => Some(BundleIdPlatform::MacOs),
        _ => None,
    }
}

/// The limit group of the type.
pub(crate) fn limit_group(certificate_type: &CertificateType) -> LimitGroup {
    match certificate_type {
        CertificateType::Development
        | CertificateType::IosDevelopment
        | CertificateType::MacAppDevelopment => LimitGroup::Development,
        CertificateType::Distribution
        | CertificateType::IosDistribution
        | CertificateType::MacAppDistribution
        | CertificateType::MacInstallerDistribution => LimitGroup::Distribution,
        CertificateType::DeveloperIdApplication | CertificateType::DeveloperIdApplicationG2 => {
            LimitGroup::DeveloperIdApplication
        }
        _ => LimitGroup::None,
    }
}

/// Whether the type is a Developer ID type, which Apple makes only for the Account Holder on the
/// developer website or in Xcode, never through the API.
pub(crate) fn is_developer_id(certificate_type: &CertificateType) -> bool {
    matches!(
        certificate_type,
        CertificateType::DeveloperIdApplication
            | CertificateType::DeveloperIdApplicationG2
            | CertificateType::DeveloperIdKext
            | CertificateType::DeveloperIdKextG2
    )
}

/// Whether the type needs a `passTypeId` relationship when created.
pub(crate) fn needs_pass_type_id(certificate_type: &CertificateType) -> bool {
    matches!(
        certificate_type,
        CertificateType::PassTypeId | CertificateType::PassTypeIdWithNfc
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platform_is_reported_as_apple_reports_it() {
        use BundleIdPlatform::{Ios, MacOs};
        use CertificateType as T;
        for (certificate_type, expected) in [
            // Apple answers null for the cross-platform types (public SDK bug reports).
            (T::Development, None),
            (T::Distribution, None),
            (T::IosDevelopment, Some(Ios)),
            (T::IosDistribution, Some(Ios)),
            (T::MacAppDevelopment, Some(MacOs)),
            (T::MacAppDistribution, Some(MacOs)),
            (T::MacInstallerDistribution, Some(MacOs)),
            (T::DeveloperIdApplication, Some(MacOs)),
            (T::DeveloperIdApplicationG2, Some(MacOs)),
            (T::DeveloperIdKext, Some(MacOs)),
            (T::DeveloperIdKextG2, Some(MacOs)),
            (T::PassTypeId, None),
            (T::PassTypeIdWithNfc, None),
            (T::ApplePay, None),
            (T::ApplePayRsa, None),
            (T::ApplePayMerchantIdentity, None),
            (T::ApplePayPspIdentity, None),
            (T::IdentityAccess, None),
        ] {
            assert_eq!(platform(&certificate_type), expected, "{certificate_type}");
        }
    }

    #[test]
    fn every_limited_type_has_a_conflict_label() {
        for t in CertificateType::KNOWN {
            assert_eq!(
                limit_group(t) != LimitGroup::None,
                !conflict_label(t).is_empty(),
                "{t}"
            );
            assert_ne!(common_name_prefix(t), "Apple Certificate", "{t}");
        }
    }
}
