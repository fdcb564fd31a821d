//! Pending keys: written under a lease, listed without decryption, read back by any member, kept one
//! per key so none overwrites another, removed when done.

use std::time::Duration;

use ascert_models::CertificateType;
use object_store::ObjectStoreExt as _;

use super::{identity, shared_identity, store_with};
use crate::{LeaseAttempt, MemberKey, TeamError};

#[tokio::test]
async fn pending_keys_round_trip_and_never_overwrite_each_other() {
    let alice = MemberKey::generate();
    let store = store_with(&alice).await;
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    assert!(
        store
            .pending(&CertificateType::Distribution)
            .await
            .unwrap()
            .is_empty()
    );
    let (first, _) = shared_identity();
    let (second, _) = identity("Second");
    let one = store.write_pending(&lease, first).await.unwrap();
    let two = store.write_pending(&lease, &second).await.unwrap();
    assert_eq!(one.key_id, first.id());
    assert_eq!(
        one.written_by.as_deref(),
        Some(lease.holder().to_string().as_str())
    );

    let listed = store.pending(&CertificateType::Distribution).await.unwrap();
    assert_eq!(listed.len(), 2);
    assert!(listed.contains(&one) && listed.contains(&two));
    assert!(
        store
            .pending(&CertificateType::Development)
            .await
            .unwrap()
            .is_empty()
    );
    assert_eq!(
        store.read_pending(&one, &alice).await.unwrap().pkcs8_der(),
        first.pkcs8_der()
    );

    let error = store
        .read_pending(&one, &MemberKey::generate())
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");

    store.remove_pending(&one).await.unwrap();
    store.remove_pending(&one).await.unwrap();
    assert_eq!(
        store.pending(&CertificateType::Distribution).await.unwrap(),
        std::slice::from_ref(&two)
    );
    let error = store.read_pending(&one, &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::NotFound { .. }), "{error:?}");

    // A writer that stopped between the key and its record: the key is still listed and readable.
    let record = store
        .layout
        .pending(&CertificateType::Distribution, &two.key_id, "json");
    store.objects.delete(&record).await.unwrap();
    let listed = store.pending(&CertificateType::Distribution).await.unwrap();
    assert_eq!(listed[0].key_id, two.key_id);
    assert_eq!(listed[0].written_by, None);
    assert_eq!(
        store.read_pending(&listed[0], &alice).await.unwrap().id(),
        second.id()
    );
}

#[tokio::test]
async fn a_pending_key_stored_under_another_keys_name_is_refused() {
    let alice = MemberKey::generate();
    let store = store_with(&alice).await;
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    let (first, _) = shared_identity();
    let (second, _) = identity("Second");
    let one = store.write_pending(&lease, first).await.unwrap();
    let two = store.write_pending(&lease, &second).await.unwrap();
    // Move the second key's object over the first one's name.
    let from = store
        .layout
        .pending(&CertificateType::Distribution, &two.key_id, "age");
    let to = store
        .layout
        .pending(&CertificateType::Distribution, &one.key_id, "age");
    store.objects.copy(&from, &to).await.unwrap();
    let error = store.read_pending(&one, &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::KeyMismatch { .. }), "{error:?}");
}
