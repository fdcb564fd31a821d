//! Push and pull between keystores through a team store: only identities whose key is here are
//! shared, only what App Store Connect still lists is fetched, and one identity that cannot be used
//! stops no other.

use ascert_keystore::CsrSubject;
use ascert_models::CertificateType;
use ascert_team::PushOutcome;
use ascert_workflows::{Error, IdentityRequest, create_identity, pull, push};

use crate::support::{FakeApple, Machine, Recorder, keystore, member_key, team_store};

fn request(certificate_type: CertificateType) -> IdentityRequest {
    IdentityRequest::new(certificate_type, CsrSubject::new("laptop", ""), "share test")
}

#[tokio::test]
async fn what_one_machine_pushes_another_pulls_and_a_revoked_one_stays_behind() {
    let me = member_key();
    let (laptop, runner) = (Machine::new("laptop"), Machine::new("runner"));
    let url = team_store(&laptop, &me).await;
    let apple = FakeApple::new();
    let ((_dl, keys_laptop), (_dr, keys_runner)) = (keystore(), keystore());
    let events = Recorder::default();
    let development = create_identity(
        &apple,
        &keys_laptop,
        &request(CertificateType::Development),
        &events,
    )
    .await
    .unwrap();
    let distribution = create_identity(
        &apple,
        &keys_laptop,
        &request(CertificateType::Distribution),
        &events,
    )
    .await
    .unwrap();
    let team = laptop.open(&url).await;
    let shared = push(&apple, &keys_laptop, &team, &me, &[], &events)
        .await
        .unwrap();
    assert_eq!(shared.len(), 2);
    assert!(
        shared.iter().all(|s| s.outcome == PushOutcome::Shared),
        "{shared:?}"
    );
    // Pushing again finds them whole.
    let again = push(&apple, &keys_laptop, &team, &me, &[], &events)
        .await
        .unwrap();
    assert!(
        again.iter().all(|s| s.outcome == PushOutcome::AlreadyShared),
        "{again:?}"
    );

    apple.revoke(&development.certificate.id);
    let events = Recorder::default();
    let pulled = pull(
        Some(&apple),
        &keys_runner,
        &runner.open(&url).await,
        &me,
        &[],
        &events,
    )
    .await
    .unwrap();
    let ids: Vec<&str> = pulled.iter().map(|p| p.certificate_id.as_str()).collect();
    assert_eq!(ids, vec![distribution.certificate.id.as_str()]);
    assert_eq!(pulled[0].key, distribution.key);
    assert!(
        keys_runner.record(&distribution.key).is_ok(),
        "the key is kept on the runner"
    );
    assert!(
        keys_runner.record(&development.key).is_err(),
        "a revoked identity was fetched"
    );
    assert!(events.saw("NotListedAtApple"), "{:?}", events.said());
}

#[tokio::test]
async fn a_pull_without_apple_fetches_by_the_member_key_alone_and_says_so() {
    let me = member_key();
    let (laptop, runner) = (Machine::new("laptop"), Machine::new("runner"));
    let url = team_store(&laptop, &me).await;
    let apple = FakeApple::new();
    let ((_dl, keys_laptop), (_dr, keys_runner)) = (keystore(), keystore());
    let created = create_identity(
        &apple,
        &keys_laptop,
        &request(CertificateType::Development),
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
    let events = Recorder::default();
    let pulled = pull(
        None::<&FakeApple>,
        &keys_runner,
        &runner.open(&url).await,
        &me,
        &[CertificateType::Development],
        &events,
    )
    .await
    .unwrap();
    assert_eq!(pulled.len(), 1);
    assert_eq!(pulled[0].certificate_id, created.certificate.id);
    assert!(events.saw("NotCheckedAtApple"), "{:?}", events.said());
    // A type not asked for is not fetched.
    let none = pull(
        None::<&FakeApple>,
        &keys_runner,
        &runner.open(&url).await,
        &me,
        &[CertificateType::Distribution],
        &Recorder::default(),
    )
    .await
    .unwrap();
    assert!(none.is_empty());
}

#[tokio::test]
async fn a_certificate_whose_key_is_not_here_is_not_shared() {
    let me = member_key();
    let laptop = Machine::new("laptop");
    let url = team_store(&laptop, &me).await;
    let apple = FakeApple::new();
    let ((_de, elsewhere), (_dh, here)) = (keystore(), keystore());
    let theirs = create_identity(
        &apple,
        &elsewhere,
        &request(CertificateType::Development),
        &Recorder::default(),
    )
    .await
    .unwrap();
    let team = laptop.open(&url).await;
    let err = push(
        &apple,
        &here,
        &team,
        &me,
        std::slice::from_ref(&theirs.certificate.id),
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(&err, Error::KeyNotHere { certificate_id } if *certificate_id == theirs.certificate.id),
        "{err:?}"
    );
    assert!(
        team.identities().await.unwrap().records.is_empty(),
        "something was shared"
    );
}

#[tokio::test]
async fn a_stranger_pulls_nothing() {
    let me = member_key();
    let laptop = Machine::new("laptop");
    let url = team_store(&laptop, &me).await;
    let (_d, keys) = keystore();
    let err = pull(
        None::<&FakeApple>,
        &keys,
        &laptop.open(&url).await,
        &member_key(),
        &[],
        &Recorder::default(),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(err, Error::Team(ascert_team::TeamError::WrongIdentity { .. })),
        "{err:?}"
    );
}
