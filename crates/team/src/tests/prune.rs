//! Pruning decided from Apple's answers: what is expired or answered 404 goes to the trash; what is
//! another team's, still valid, of an unknown team, or everything at once stays without `force`.

use std::collections::{BTreeMap, BTreeSet};

use ascert_models::CertificateType;
use time::OffsetDateTime;

use super::adversary::apple;
use super::{member, memory_url, options, snapshot};
use crate::{AppleFacts, InitOptions, MemberKey, PruneReason, TeamStore};

/// A certificate of team `team`, valid until `year`.
fn certificate_of(team: &str, year: i32) -> (ascert_keystore::PrivateKey, ascert_keystore::CertificateInfo) {
    let key = ascert_keystore::PrivateKey::generate_rsa_2048().unwrap();
    let pair = rcgen::KeyPair::try_from(key.pkcs8_der()).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        format!("Apple Distribution: Example ({team})"),
    );
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationalUnitName, team);
    params.not_before = rcgen::date_time_ymd(year - 2, 1, 1);
    params.not_after = rcgen::date_time_ymd(year, 1, 2);
    let certificate = params.self_signed(&pair).unwrap();
    (
        key,
        ascert_keystore::CertificateInfo::from_der(certificate.der()).unwrap(),
    )
}

#[tokio::test]
async fn another_teams_key_prunes_nothing_and_the_store_empties_only_with_force() {
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &memory_url(),
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let (valid_key, valid) = certificate_of("TEAMA12345", 2030);
    let (old_key, old) = certificate_of("TEAMA12345", 2025);
    store
        .push(
            "VALID",
            &CertificateType::Distribution,
            &valid,
            &valid_key,
            &alice,
        )
        .await
        .unwrap();
    store
        .push("OLD", &CertificateType::Distribution, &old, &old_key, &alice)
        .await
        .unwrap();
    let now = OffsetDateTime::now_utc();
    let before = snapshot(&store).await;

    // Another team's API key: Apple lists only that team's certificates, and answers 404 for ours.
    let (_, theirs) = certificate_of("TEAMB67890", 2030);
    let other_team = AppleFacts::new(
        BTreeMap::from([(
            "THEIRS".to_owned(),
            apple("THEIRS", CertificateType::Distribution, &theirs),
        )]),
        BTreeSet::from(["VALID".to_owned(), "OLD".to_owned()]),
    );
    for force in [false, true] {
        let plan = store.plan_prune(&other_team, now, force).await.unwrap();
        assert!(plan.remove.is_empty(), "force {force}: {plan:?}");
        assert_eq!(plan.kept.len(), 2);
        assert!(
            plan.kept[0]
                .kept_because
                .as_deref()
                .unwrap()
                .contains("another team's key"),
            "{plan:?}"
        );
    }
    // An API key that lists nothing: its team is unknown, nothing goes without --force.
    let unknown = AppleFacts::new(
        BTreeMap::new(),
        BTreeSet::from(["VALID".to_owned(), "OLD".to_owned()]),
    );
    let plan = store.plan_prune(&unknown, now, false).await.unwrap();
    assert!(plan.remove.is_empty() && plan.kept.len() == 2, "{plan:?}");
    // This team's key: the expired one goes; the valid one Apple no longer knows stays without --force.
    let (_, ours) = certificate_of("TEAMA12345", 2031);
    let this_team = AppleFacts::new(
        BTreeMap::from([(
            "OURS".to_owned(),
            apple("OURS", CertificateType::Distribution, &ours),
        )]),
        BTreeSet::from(["VALID".to_owned(), "OLD".to_owned()]),
    );
    let plan = store.plan_prune(&this_team, now, false).await.unwrap();
    let removed: Vec<(&str, PruneReason)> = plan
        .remove
        .iter()
        .map(|i| (i.record.certificate_id.as_str(), i.reason))
        .collect();
    assert_eq!(removed, [("OLD", PruneReason::Expired)]);
    assert!(
        plan.kept[0]
            .kept_because
            .as_deref()
            .unwrap()
            .contains("valid until")
    );
    assert_eq!(snapshot(&store).await, before, "planning writes nothing");
    // Both at once would empty the store: refused without --force.
    let plan = store.plan_prune(&this_team, now, true).await.unwrap();
    assert_eq!(plan.remove.len(), 2);
    assert!(plan.refused.is_none());
    let only_old = AppleFacts::new(this_team.listed.clone(), BTreeSet::from(["OLD".to_owned()]));
    let refused = store.plan_prune(&only_old, now, false).await.unwrap();
    assert_eq!(refused.remove.len(), 1);
    assert!(refused.refused.is_none(), "one of two is not every identity");

    // Carried out: moved to the trash, then purged.
    let pruned = store.prune(&plan).await.unwrap();
    assert_eq!(pruned.identities.len(), 2);
    assert!(store.identities().await.unwrap().records.is_empty());
    let trash: Vec<String> = snapshot(&store)
        .await
        .into_iter()
        .map(|(name, _)| name)
        .filter(|name| name.contains("/trash/"))
        .collect();
    assert_eq!(trash.len(), 6, "{trash:?}");
    assert_eq!(store.purge_trash().await.unwrap(), 6);
    assert!(
        !snapshot(&store)
            .await
            .iter()
            .any(|(name, _)| name.contains("/trash/"))
    );
}

#[tokio::test]
async fn every_identity_at_once_is_refused_without_force() {
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &memory_url(),
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let (key, certificate) = certificate_of("TEAMA12345", 2025);
    store
        .push("ONLY", &CertificateType::Development, &certificate, &key, &alice)
        .await
        .unwrap();
    let (_, listed) = certificate_of("TEAMA12345", 2031);
    let facts = AppleFacts::new(
        BTreeMap::from([("L".to_owned(), apple("L", CertificateType::Development, &listed))]),
        BTreeSet::from(["ONLY".to_owned()]),
    );
    let plan = store
        .plan_prune(&facts, OffsetDateTime::now_utc(), false)
        .await
        .unwrap();
    assert!(
        plan.refused.as_deref().unwrap().contains("every identity"),
        "{plan:?}"
    );
    assert!(store.prune(&plan).await.is_err());
    assert_eq!(store.identities().await.unwrap().records.len(), 1);
}

#[test]
fn apples_answer_decides_whether_a_stored_identity_is_usable() {
    let (_, certificate) = certificate_of("TEAMA12345", 2031);
    let now = OffsetDateTime::now_utc();
    let distribution = apple("ID", CertificateType::Distribution, &certificate);
    assert!(crate::usable_at_apple(
        &distribution,
        &CertificateType::Distribution,
        now
    ));
    assert!(
        !crate::usable_at_apple(&distribution, &CertificateType::Development, now),
        "another type"
    );
    let mut inactive = distribution.clone();
    inactive.attributes.activated = Some(false);
    assert!(!crate::usable_at_apple(
        &inactive,
        &CertificateType::Distribution,
        now
    ));
    let later = time::macros::datetime!(2032-01-01 00:00 UTC);
    assert!(
        !crate::usable_at_apple(&distribution, &CertificateType::Distribution, later),
        "expires first"
    );
}

#[tokio::test]
async fn pending_keys_go_once_no_run_can_use_them() {
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &memory_url(),
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let (shared_key, shared) = certificate_of("TEAMA12345", 2031);
    let (issued_key, issued) = certificate_of("TEAMA12345", 2031);
    let (lost_key, _) = certificate_of("TEAMA12345", 2031);
    store
        .push(
            "SHARED",
            &CertificateType::Distribution,
            &shared,
            &shared_key,
            &alice,
        )
        .await
        .unwrap();
    let crate::LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Distribution, std::time::Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    // Left behind: one whose certificate is shared already, one whose certificate Apple issued and
    // nobody shared yet (a run adopts it), one Apple never certified.
    for key in [&shared_key, &issued_key, &lost_key] {
        store.write_pending(&lease, key).await.unwrap();
    }
    let facts = AppleFacts::new(
        BTreeMap::from([
            (
                "SHARED".to_owned(),
                apple("SHARED", CertificateType::Distribution, &shared),
            ),
            (
                "ISSUED".to_owned(),
                apple("ISSUED", CertificateType::Distribution, &issued),
            ),
        ]),
        BTreeSet::new(),
    );
    let now = OffsetDateTime::now_utc();
    let young = store.plan_prune(&facts, now, false).await.unwrap();
    assert!(young.pending.is_empty(), "none is an hour old: {young:?}");
    let later = now + time::Duration::hours(2);
    let plan = store.plan_prune(&facts, later, false).await.unwrap();
    let mut gone: Vec<_> = plan.pending.iter().map(|p| p.key_id).collect();
    gone.sort();
    let mut expected = vec![shared_key.id(), lost_key.id()];
    expected.sort();
    assert_eq!(gone, expected, "the adoptable one stays");
}
