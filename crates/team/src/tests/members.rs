//! Adding and removing members: every key object is encrypted again, a removed member can no longer
//! decrypt, and refusals write nothing.

use std::time::Duration;

use ascert_models::CertificateType;

use super::{member, shared_identity, snapshot, store_with};
use crate::{LeaseAttempt, MemberKey, TeamError};

#[tokio::test]
async fn added_members_read_everything_and_removed_ones_nothing() {
    let alice = MemberKey::generate();
    let bob = MemberKey::generate();
    let store = store_with(&alice).await;
    let (key, certificate) = shared_identity();
    store
        .push("ID1", &CertificateType::Distribution, certificate, key, &alice)
        .await
        .unwrap();
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Development, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    let pending = store.write_pending(&lease, key).await.unwrap();

    let error = store.fetch("ID1", &bob).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");

    let change = store
        .add_members(vec![member("bob", &bob)], &alice)
        .await
        .unwrap();
    assert_eq!(change.revision, 2);
    assert_eq!(change.reencrypted, 2, "the identity's key and the pending key");
    assert_eq!(change.members.len(), 2);
    assert_eq!(store.fetch("ID1", &bob).await.unwrap().key.id(), key.id());
    assert_eq!(store.read_pending(&pending, &bob).await.unwrap().id(), key.id());
    assert_eq!(store.identities().await.unwrap().records[0].members_revision, 2);

    let change = store.remove_members(&["alice"], &bob).await.unwrap();
    assert_eq!(change.revision, 3);
    assert_eq!(
        change.members.iter().map(|m| m.name.as_str()).collect::<Vec<_>>(),
        ["bob"]
    );
    let error = store.fetch("ID1", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    let pending_now = store.pending(&CertificateType::Development).await.unwrap();
    let error = store.read_pending(&pending_now[0], &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    assert_eq!(store.fetch("ID1", &bob).await.unwrap().key.id(), key.id());
    // Removal by public key works as well as by name.
    let carol = MemberKey::generate();
    store
        .add_members(vec![member("carol", &carol)], &bob)
        .await
        .unwrap();
    let change = store
        .remove_members(&[&carol.recipients()[0].to_string()], &bob)
        .await
        .unwrap();
    assert_eq!(change.members.len(), 1);
}

#[tokio::test]
async fn member_changes_that_cannot_be_made_write_nothing() {
    let alice = MemberKey::generate();
    let store = store_with(&alice).await;
    let (key, certificate) = shared_identity();
    store
        .push("ID1", &CertificateType::Distribution, certificate, key, &alice)
        .await
        .unwrap();
    let before = snapshot(&store).await;

    let stranger = MemberKey::generate();
    let error = store
        .add_members(vec![member("mallory", &stranger)], &stranger)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    let error = store
        .add_members(vec![member("alice", &MemberKey::generate())], &alice)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::AlreadyExists { .. }), "{error:?}");
    assert!(
        error.to_string().contains("memory://"),
        "the store is named: {error}"
    );
    let error = store.remove_members(&["nobody"], &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::NotFound { .. }), "{error:?}");
    let error = store.remove_members(&["alice"], &alice).await.unwrap_err();
    assert!(
        error.to_string().contains("at least one member or a passphrase"),
        "{error}"
    );
    assert_eq!(snapshot(&store).await, before);
}
