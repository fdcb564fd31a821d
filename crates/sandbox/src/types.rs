//! What the sandbox knows about each certificate type: the common-name prefix Apple prints, the label
//! of its 409 message, its platform, which per-type limit applies, how long it is valid, and whether
//! the API may create it at all.

use ascert_models::{BundleIdPlatform, CertificateType};
use time::{Duration, Month, OffsetDateTime};

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

/// Whether the type is one of the Apple Pay types (payment processing, with an EC or an RSA key,
/// and the merchant and payment service provider identities).
fn is_apple_pay(certificate_type: &CertificateType) -> bool {
    matches!(
        certificate_type,
        CertificateType::ApplePay
            | CertificateType::ApplePayRsa
            | CertificateType::ApplePayMerchantIdentity
            | CertificateType::ApplePayPspIdentity
    )
}

/// The end of validity of a certificate of the type that starts at `not_before`: Developer ID five
/// years, Apple Pay 25 months (both calendar months), every other type 365 days, as an iOS
/// development certificate Apple issued through the API shows (see docs/sandbox.md).
pub(crate) fn expiry(certificate_type: &CertificateType, not_before: OffsetDateTime) -> OffsetDateTime {
    if is_developer_id(certificate_type) {
        add_months(not_before, 60)
    } else if is_apple_pay(certificate_type) {
        add_months(not_before, 25)
    } else {
        not_before + Duration::days(365)
    }
}

/// A start of validity such that a certificate of the type that starts then ends at `not_after`, for
/// seeding expired certificates. Calendar months are counted back like [`expiry`] counts them
/// forward, so `expiry(type, start_for_expiry(type, t))` is `t` but for a clamped month end.
pub(crate) fn start_for_expiry(
    certificate_type: &CertificateType,
    not_after: OffsetDateTime,
) -> OffsetDateTime {
    if is_developer_id(certificate_type) {
        add_months(not_after, -60)
    } else if is_apple_pay(certificate_type) {
        add_months(not_after, -25)
    } else {
        not_after - Duration::days(365)
    }
}

/// `start` plus `months` calendar months, at the same time of day; a day the target month lacks
/// (the 31st, or February's 29th) becomes that month's last.
fn add_months(start: OffsetDateTime, months: i32) -> OffsetDateTime {
    let index = i64::from(start.year()) * 12 + i64::from(u8::from(start.month())) - 1 + i64::from(months);
    let year = i32::try_from(index.div_euclid(12)).unwrap_or(i32::MAX);
    let month = u8::try_from(index.rem_euclid(12) + 1)
        .ok()
        .and_then(|m| Month::try_from(m).ok())
        .unwrap_or(Month::December);
    let day = start.day().min(time::util::days_in_month(month, year));
    time::Date::from_calendar_date(year, month, day).map_or(start, |date| start.replace_date(date))
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
    fn validity_depends_on_the_type() {
        use time::macros::datetime;
        let start = datetime!(2026-01-31 10:20:30 UTC);
        assert_eq!(
            expiry(&CertificateType::Development, start),
            datetime!(2027-01-31 10:20:30 UTC)
        );
        // Apple's 2019 development certificate: 365 days across a leap day.
        assert_eq!(
            expiry(
                &CertificateType::IosDevelopment,
                datetime!(2019-11-29 11:37:45 UTC)
            ),
            datetime!(2020-11-28 11:37:45 UTC)
        );
        assert_eq!(
            expiry(&CertificateType::ApplePay, start),
            datetime!(2028-02-29 10:20:30 UTC)
        );
        assert_eq!(
            expiry(
                &CertificateType::ApplePayMerchantIdentity,
                datetime!(2026-03-15 00:00 UTC)
            ),
            datetime!(2028-04-15 00:00 UTC)
        );
        assert_eq!(
            expiry(&CertificateType::DeveloperIdApplicationG2, start),
            datetime!(2031-01-31 10:20:30 UTC)
        );
        assert_eq!(
            expiry(&CertificateType::PassTypeId, start),
            start + Duration::days(365)
        );
        let developer_id: Vec<_> = CertificateType::KNOWN
            .iter()
            .filter(|t| is_developer_id(t))
            .collect();
        assert_eq!(developer_id.len(), 4);
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
