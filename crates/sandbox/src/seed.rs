//! Seeding: pre-existing certificates of mixed types, some expired, some deactivated, made without
//! any key generation or signing (their content is issued the first time a client asks for it).

use ascert_models::CertificateType;
use time::{Duration, OffsetDateTime};

use crate::config::Team;
use crate::store::{SEED_OWNER, StoredCertificate};
use crate::types;

/// The types seeded certificates cycle through.
const SEED_TYPES: &[CertificateType] = &[
    CertificateType::Distribution,
    CertificateType::Development,
    CertificateType::IosDistribution,
    CertificateType::IosDevelopment,
    CertificateType::DeveloperIdApplication,
    CertificateType::DeveloperIdApplicationG2,
    CertificateType::MacAppDistribution,
    CertificateType::MacInstallerDistribution,
    CertificateType::MacAppDevelopment,
    CertificateType::PassTypeId,
    CertificateType::DeveloperIdKext,
    CertificateType::ApplePay,
];

/// The display names seeded certificates cycle through.
const SEED_NAMES: &[&str] = &["Jane Appleseed", "John Appleseed", "CI Runner", "Build Server"];

/// `count` certificates: every 7th expired, every 5th deactivated, the rest current, with validity
/// spread over the past and next year.
pub(crate) fn certificates(count: usize, team: &Team, now: OffsetDateTime) -> Vec<StoredCertificate> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    (0..count)
        .map(|i| {
            let certificate_type = SEED_TYPES[i % SEED_TYPES.len()].clone();
            let expired = i % 7 == 6;
            let offset_days = i64::try_from(i % 300).unwrap_or_default();
            let not_before = if expired {
                now - Duration::days(400 + offset_days)
            } else {
                now - Duration::days(offset_days)
            };
            let display_name = SEED_NAMES[i % SEED_NAMES.len()];
            let holder = if types::limit_group(&certificate_type) == types::LimitGroup::Development {
                display_name
            } else {
                team.name.as_str()
            };
            let pass_type_id =
                types::needs_pass_type_id(&certificate_type).then(|| format!("SEEDPASS{:02}", i % 3));
            StoredCertificate {
                id: crate::ids::apple_id(),
                name: format!(
                    "{}: {holder} ({})",
                    types::common_name_prefix(&certificate_type),
                    team.id
                ),
                certificate_type,
                display_name: display_name.to_owned(),
                serial_number: crate::ids::hex_upper(&crate::ids::serial_bytes()),
                not_before,
                expiration_date: not_before + Duration::days(365),
                activated: i % 5 != 4,
                content: None,
                pass_type_id,
                owner: SEED_OWNER.to_owned(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_mixed() {
        let now = OffsetDateTime::now_utc();
        let seeded = certificates(5000, &Team::default(), now);
        assert_eq!(seeded.len(), 5000);
        assert!(seeded.iter().any(|c| c.expiration_date < now));
        assert!(seeded.iter().any(|c| !c.activated));
        assert!(seeded.iter().any(|c| c.activated && c.expiration_date > now));
        let types: std::collections::HashSet<_> = seeded.iter().map(|c| c.certificate_type.clone()).collect();
        assert_eq!(types.len(), SEED_TYPES.len());
        assert!(
            seeded
                .iter()
                .filter(|c| c.pass_type_id.is_some())
                .all(|c| c.certificate_type == CertificateType::PassTypeId)
        );
    }
}
