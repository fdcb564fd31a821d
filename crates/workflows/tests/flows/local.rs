//! Ensure without a team store: reuse, create, read-only, Developer ID, renewal.

use ascert_keystore::CsrSubject;
use ascert_models::CertificateType;
use ascert_workflows::{Ensure, EnsureRequest, Error, KeyOrigin, NoEvents, Outcome, Place};
use time::Duration;

use crate::support::{FakeApple, Recorder, keystore};

fn request(certificate_type: CertificateType) -> EnsureRequest {
    EnsureRequest::new(certificate_type, CsrSubject::new("ci", ""))
}

#[tokio::test]
async fn the_first_run_creates_and_the_second_reuses() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    let events = Recorder::default();
    let ensure = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Development),
        &events,
    );
    let first = ensure.locally(&ensure.list().await.unwrap()).await.unwrap();
    assert_eq!(first.outcome, Outcome::Created);
    assert_eq!(first.key_origin, Some(KeyOrigin::New));
    let ensure = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Development),
        &events,
    );
    let second = ensure.locally(&ensure.list().await.unwrap()).await.unwrap();
    assert_eq!(second.outcome, Outcome::Reused);
    assert_eq!(second.certificate.id, first.certificate.id);
    assert_eq!(second.key, first.key);
    assert_eq!(apple.asked_for().len(), 1, "one certificate for two runs");
}

#[tokio::test]
async fn a_certificate_apple_no_longer_lists_as_active_is_not_reused() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    let ensure = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Development),
        &NoEvents,
    );
    let first = ensure.locally(&ensure.list().await.unwrap()).await.unwrap();
    let mut listed = ensure.list().await.unwrap();
    for certificate in &mut listed {
        certificate.attributes.activated = Some(false);
    }
    let second = ensure.locally(&listed).await.unwrap();
    assert_eq!(second.outcome, Outcome::Created);
    assert_ne!(second.certificate.id, first.certificate.id);
}

#[tokio::test]
async fn a_read_only_run_creates_nothing_and_says_where_it_looked() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    let ensure = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Distribution).read_only(true),
        &NoEvents,
    );
    let err = ensure.locally(&[]).await.unwrap_err();
    assert!(
        matches!(
            &err,
            Error::NoneUsable {
                place: Place::Keystore,
                ..
            }
        ),
        "{err:?}"
    );
    assert!(apple.asked_for().is_empty());
    assert!(store.records().unwrap().is_empty(), "no key made");
}

#[tokio::test]
async fn a_developer_id_identity_is_never_asked_of_the_api() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    let ensure = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::DeveloperIdApplication),
        &NoEvents,
    );
    let err = ensure.locally(&[]).await.unwrap_err();
    assert!(matches!(err, Error::DeveloperId { .. }), "{err:?}");
    assert!(apple.asked_for().is_empty());
    assert!(store.records().unwrap().is_empty(), "no key made");
}

#[tokio::test]
async fn an_identity_expiring_within_min_days_left_is_renewed_and_named_as_replaced() {
    let (_dir, store) = keystore();
    let apple = FakeApple::new();
    apple.valid_for(Duration::days(10));
    let events = Recorder::default();
    let ensure = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Development),
        &events,
    );
    let old = ensure.locally(&ensure.list().await.unwrap()).await.unwrap();
    apple.valid_for(Duration::days(365));
    let renewing = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Development).with_min_days_left(30),
        &events,
    );
    let new = renewing.locally(&renewing.list().await.unwrap()).await.unwrap();
    assert_eq!(new.outcome, Outcome::Created);
    let replaced: Vec<&str> = new.replaces.iter().map(|c| c.id.as_str()).collect();
    assert_eq!(replaced, vec![old.certificate.id.as_str()]);
    // A run that asks for fewer days left keeps the new one and replaces nothing.
    let again = Ensure::new(
        Some(&apple),
        &store,
        request(CertificateType::Development),
        &events,
    );
    let reused = again.locally(&again.list().await.unwrap()).await.unwrap();
    assert_eq!(reused.outcome, Outcome::Reused);
    assert_eq!(
        reused.certificate.id, new.certificate.id,
        "the one that expires last"
    );
    assert!(reused.replaces.is_empty());
}
