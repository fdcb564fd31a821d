//! `check` against the fake App Store Connect, a keystore and a `memory://` team store: what is
//! found, how urgent, in which order.

use std::time::Duration;

use ascert_keystore::CsrSubject;
use ascert_models::CertificateType;
use ascert_team::LeaseAttempt;
use ascert_workflows::{
    CheckOptions, Finding, IdentityRequest, MembersAnchor, Severity, check, create_identity, push,
};

use crate::support::{FakeApple, Machine, Recorder, keystore, member_key, team_store};

fn request(certificate_type: CertificateType, name: &str) -> IdentityRequest {
    IdentityRequest::new(certificate_type, CsrSubject::new(name, ""), "check test")
}

#[tokio::test]
async fn expiries_are_failures_within_fail_days_and_warnings_within_warn_days_most_urgent_first() {
    let (_d, keys) = keystore();
    let apple = FakeApple::new();
    for (days, name) in [(400, "far"), (20, "soon"), (3, "now")] {
        apple.valid_for(time::Duration::days(days));
        create_identity(
            &apple,
            &keys,
            &request(CertificateType::Development, name),
            &Recorder::default(),
        )
        .await
        .unwrap();
    }
    let options = CheckOptions::new(30, 7);
    let found = check(&apple, &keys, None, &options).await.unwrap();
    let expiring: Vec<(i64, Severity)> = found
        .iter()
        .filter_map(|f| match f {
            Finding::Expiring {
                days_left, key_here, ..
            } => {
                assert!(key_here);
                Some((*days_left, f.severity(&options)))
            }
            _ => None,
        })
        .collect();
    assert_eq!(expiring.len(), 2, "{found:?}");
    assert!(
        expiring[0].0 <= 3 && expiring[0].1 == Severity::Failure,
        "{expiring:?}"
    );
    assert!(
        expiring[1].0 <= 20 && expiring[1].1 == Severity::Warning,
        "{expiring:?}"
    );
    assert_eq!(
        found[0].severity(&options),
        Severity::Failure,
        "the most urgent comes first"
    );
}

#[tokio::test]
async fn both_developer_id_application_generations_fill_one_set_of_slots() {
    let (_d, keys) = keystore();
    let apple = FakeApple::new();
    for (i, certificate_type) in [
        CertificateType::DeveloperIdApplication,
        CertificateType::DeveloperIdApplication,
        CertificateType::DeveloperIdApplicationG2,
        CertificateType::DeveloperIdApplicationG2,
    ]
    .into_iter()
    .enumerate()
    {
        create_identity(
            &apple,
            &keys,
            &request(certificate_type, &format!("id{i}")),
            &Recorder::default(),
        )
        .await
        .unwrap();
    }
    let options = CheckOptions::new(30, 7);
    let found = check(&apple, &keys, None, &options).await.unwrap();
    let slots: Vec<_> = found
        .iter()
        .filter_map(|f| match f {
            Finding::Slots { used, limit, .. } => Some((*used, *limit, f.severity(&options))),
            _ => None,
        })
        .collect();
    assert_eq!(slots, vec![(4, 5, Severity::Info)], "one left of five: {found:?}");
}

#[tokio::test]
async fn through_a_store_a_key_nowhere_a_stale_lease_and_the_member_list_are_found() {
    let me = member_key();
    let (laptop, checker) = (Machine::new("laptop"), Machine::new("checker"));
    let url = team_store(&laptop, &me).await;
    let apple = FakeApple::new();
    let ((_dl, keys_laptop), (_do, keys_other), (_dc, keys_checker)) = (keystore(), keystore(), keystore());
    // Shared: found nowhere else but fine. Someone else's: its key is nowhere.
    create_identity(
        &apple,
        &keys_laptop,
        &request(CertificateType::Development, "shared"),
        &Recorder::default(),
    )
    .await
    .unwrap();
    push(
        &apple,
        &keys_laptop,
        &laptop.open(&url).await,
        &me,
        &[],
        &Recorder::default(),
    )
    .await
    .unwrap();
    let theirs = create_identity(
        &apple,
        &keys_other,
        &request(CertificateType::Development, "theirs"),
        &Recorder::default(),
    )
    .await
    .unwrap();
    // A runner took the lease and stopped renewing it.
    let holder = laptop.open(&url).await;
    let LeaseAttempt::Acquired(_lease) = holder
        .take_lease(&CertificateType::Distribution, Duration::from_secs(1))
        .await
        .unwrap()
    else {
        panic!("the lease was free")
    };
    tokio::time::sleep(Duration::from_millis(1200)).await;

    let options = CheckOptions::new(30, 7);
    let found = check(&apple, &keys_checker, Some(&checker.open(&url).await), &options)
        .await
        .unwrap();
    let nowhere: Vec<&str> = found
        .iter()
        .filter_map(|f| match f {
            Finding::KeyNowhere { certificate } => Some(certificate.id.as_str()),
            _ => None,
        })
        .collect();
    assert_eq!(nowhere, vec![theirs.certificate.id.as_str()], "{found:?}");
    assert!(
        found.iter().any(|f| matches!(
            f,
            Finding::StaleLease {
                certificate_type: CertificateType::Distribution,
                ..
            }
        )),
        "{found:?}"
    );
    assert!(
        found.iter().any(|f| matches!(
            f,
            Finding::Members {
                anchor: MembersAnchor::FirstUse,
                ..
            }
        )),
        "{found:?}"
    );
    // Without the store, someone else's certificate is not this machine's business.
    let alone = check(&apple, &keys_checker, None, &options).await.unwrap();
    assert!(
        !alone.iter().any(|f| matches!(f, Finding::KeyNowhere { .. })),
        "{alone:?}"
    );
}
