//! Seeding: pre-existing certificates of mixed types, some expired, some deactivated, made without
//! any key generation or signing (their content is issued the first time a client asks for it).

use ascert_models::CertificateType;
use time::{Duration, OffsetDateTime};

use std::collections::HashMap;

use crate::config::{Limits, SeededCertificate, Team};
use crate::store::{SEED_OWNER, StoredCertificate};
use crate::types::{self, LimitGroup};

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

/// `count` certificates: every 7th expired, every 5th deactivated, the rest current, each valid as
/// long as its type is (see `types::expiry`), with their dates spread over the past year. Seeded
/// certificates count toward the limits as Apple's all do, deactivated ones too, so the unexpired
/// ones stay one below each limit (`limits`): a certificate that would fill its type's last slot is
/// seeded expired instead, and a client can always create one of each type.
pub(crate) fn certificates(
    count: usize,
    team: &Team,
    limits: &Limits,
    now: OffsetDateTime,
) -> Vec<StoredCertificate> {
    let now = now.replace_nanosecond(0).unwrap_or(now);
    let mut current_per_slot: HashMap<String, usize> = HashMap::new();
    (0..count)
        .map(|i| {
            let certificate_type = SEED_TYPES[i % SEED_TYPES.len()].clone();
            let activated = i % 5 != 4;
            let mut expired = i % 7 == 6;
            if !expired {
                expired = !below_limit_after_one_more(&certificate_type, limits, &mut current_per_slot);
            }
            let offset_days = i64::try_from(i % 300).unwrap_or_default();
            // A current certificate started up to 299 days ago, within the shortest validity (365
            // days); an expired one ended 1 to 300 days ago, its start one validity earlier.
            let (not_before, expiration_date) = if expired {
                let ended = now - Duration::days(1 + offset_days);
                let start = types::start_for_expiry(&certificate_type, ended);
                (start, ended)
            } else {
                let start = now - Duration::days(offset_days);
                (start, types::expiry(&certificate_type, start))
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
                expiration_date,
                activated,
                content: None,
                pass_type_id,
                owner: SEED_OWNER.to_owned(),
            }
        })
        .collect()
}

/// The certificate `seeded` asks for, issued (lazily) for `team`.
pub(crate) fn chosen(seeded: &SeededCertificate, team: &Team) -> StoredCertificate {
    let certificate_type = seeded.certificate_type.clone();
    let expiration_date = seeded
        .expiration_date
        .replace_nanosecond(0)
        .unwrap_or(seeded.expiration_date);
    let holder = if types::limit_group(&certificate_type) == LimitGroup::Development {
        seeded.display_name.as_str()
    } else {
        team.name.as_str()
    };
    StoredCertificate {
        id: crate::ids::apple_id(),
        name: format!(
            "{}: {holder} ({})",
            types::common_name_prefix(&certificate_type),
            team.id
        ),
        not_before: types::start_for_expiry(&certificate_type, expiration_date),
        pass_type_id: types::needs_pass_type_id(&certificate_type).then(|| "SEEDPASS00".to_owned()),
        certificate_type,
        display_name: seeded.display_name.clone(),
        serial_number: crate::ids::hex_upper(&crate::ids::serial_bytes()),
        expiration_date,
        activated: seeded.activated,
        content: None,
        owner: SEED_OWNER.to_owned(),
    }
}

/// Whether one more current certificate of `certificate_type` still leaves a free slot under
/// `limits`; counts it if so. Development certificates are seeded for one owner, so their
/// per-owner limit is a per-type one here.
fn below_limit_after_one_more(
    certificate_type: &CertificateType,
    limits: &Limits,
    current_per_slot: &mut HashMap<String, usize>,
) -> bool {
    let (slot, max) = match types::limit_group(certificate_type) {
        LimitGroup::None => return true,
        LimitGroup::Development => (certificate_type.to_string(), limits.development_per_owner),
        LimitGroup::Distribution => (certificate_type.to_string(), limits.distribution_per_team),
        LimitGroup::DeveloperIdApplication => (
            "DEVELOPER_ID_APPLICATION*".to_owned(),
            limits.developer_id_application,
        ),
    };
    let used = current_per_slot.entry(slot).or_default();
    if *used + 1 < max {
        *used += 1;
        true
    } else {
        false
    }
}

/// Registers the bundle ID `identifier` for `platform`, named after it, as
/// [`SandboxBuilder::bundle_id`](crate::SandboxBuilder::bundle_id) asks.
pub(crate) fn bundle_id(
    resources: &mut crate::store::Resources,
    identifier: &str,
    platform: &ascert_models::BundleIdPlatform,
    team: &Team,
) -> Result<usize, crate::apple_error::ApiFailure> {
    crate::routes::bundle_ids::register(
        resources,
        crate::store::provisioning::StoredBundleId {
            id: crate::ids::apple_id(),
            name: identifier.replace('.', " "),
            platform: platform.clone(),
            identifier: identifier.to_owned(),
            seed_id: team.id.clone(),
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn seeds_are_mixed() {
        let now = OffsetDateTime::now_utc();
        let seeded = certificates(5000, &Team::default(), &Limits::default(), now);
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

    #[test]
    fn seeding_leaves_a_free_slot_under_every_limit() {
        let now = OffsetDateTime::now_utc();
        let limits = Limits::default();
        let seeded = certificates(5000, &Team::default(), &limits, now);
        let store = crate::store::Resources {
            certificates: seeded,
            ..crate::store::Resources::default()
        };
        for certificate_type in SEED_TYPES {
            assert!(
                !store.limit_reached(certificate_type, SEED_OWNER, &limits, now),
                "{certificate_type} has no free slot"
            );
        }
        // ... and fills each slot but that one: the seeds count.
        let tight = Limits {
            distribution_per_team: 2,
            ..limits
        };
        assert!(store.limit_reached(&CertificateType::Distribution, "anyone", &tight, now));
    }

    #[test]
    fn a_chosen_expiry_is_kept_and_the_start_is_one_validity_earlier() {
        let expiry = OffsetDateTime::now_utc() + Duration::days(10);
        let seeded = SeededCertificate::new(CertificateType::PassTypeId, expiry).with_activated(false);
        let stored = chosen(&seeded, &Team::default());
        assert_eq!(stored.expiration_date, expiry.replace_nanosecond(0).unwrap());
        assert_eq!(
            types::expiry(&stored.certificate_type, stored.not_before),
            stored.expiration_date
        );
        assert!(!stored.activated);
        assert_eq!(stored.pass_type_id.as_deref(), Some("SEEDPASS00"));
        assert_eq!(stored.name, "Pass Type ID: ascert Sandbox Team (SBXTEAM001)");
        assert_eq!(stored.display_name, "Jane Appleseed");
    }
}
