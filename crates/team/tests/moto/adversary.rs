//! A bucket writer who is not a member, against each real server (moto and Azurite): the member
//! list edited in place, an old one put back after a removal, a pending key planted, and two member
//! changes at once. What the writer does goes through the server's own API (`raw`), as it would for
//! anyone holding the bucket's credentials.

use std::time::Duration;

use ascert_models::CertificateType;
use ascert_team::{InitOptions, LeaseAttempt, MemberKey, TeamError, TeamStore};
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutPayload};

use crate::backends::{TestBackend, against_each_backend};
use crate::{identity, member};

/// A store with alice and bob, one identity pushed; `trust` is where alice's machine keeps what it saw.
async fn team<B: TestBackend>(
    server: &B,
    bucket: &str,
    alice: &MemberKey,
    bob: &MemberKey,
    trust: &std::path::Path,
) -> TeamStore {
    server.create_bucket(bucket).await;
    let store = TeamStore::init(
        &server.url(bucket, "team"),
        &server.options("alice").with_trust_folder(trust),
        InitOptions::new()
            .member(member("alice", alice))
            .member(member("bob", bob)),
    )
    .await
    .unwrap();
    let (key, certificate) = identity("Adversary");
    store
        .push("ID1", &CertificateType::Distribution, &certificate, &key, alice)
        .await
        .unwrap();
    store
}

against_each_backend!(
    an_edited_or_rolled_back_member_list_is_refused,
    worker_threads = 2
);

async fn an_edited_or_rolled_back_member_list_is_refused<B: TestBackend>() {
    let server = B::start().await;
    let (alice, bob, mallory) = (
        MemberKey::generate(),
        MemberKey::generate(),
        MemberKey::generate(),
    );
    let folder = tempfile::tempdir().unwrap();
    let trust = folder.path().join("trust");
    let store = team(&server, "edited", &alice, &bob, &trust).await;
    let raw = server.raw("edited");
    let header = Path::from("team/ascert-team.json");
    let original = raw.get(&header).await.unwrap().bytes().await.unwrap().to_vec();

    // Edited in place: one more recipient, the revision as it was.
    let mut json: serde_json::Value = serde_json::from_slice(&original).unwrap();
    json["members"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "mallory", "recipient": mallory.recipients()[0].to_string(),
        "added": "2026-12-01T00:00:00Z", "addedBy": "alice",
    }));
    raw.put(&header, PutPayload::from(serde_json::to_vec(&json).unwrap()))
        .await
        .unwrap();
    let error = TeamStore::open(&server.url("edited", "team"), &server.options("runner"))
        .await
        .unwrap_err();
    assert!(
        matches!(error, TeamError::Tampered { .. }),
        "{}: {error:?}",
        B::NAME
    );
    raw.put(&header, PutPayload::from(original.clone()))
        .await
        .unwrap();

    // Bob removed, then the list from before put back.
    let change = store.remove_members(&["bob"], &alice).await.unwrap();
    raw.put(&header, PutPayload::from(original)).await.unwrap();
    let error = TeamStore::open(
        &server.url("edited", "team"),
        &server.options("alice").with_trust_folder(&trust),
    )
    .await
    .unwrap_err();
    assert!(
        error.to_string().contains("an old version was put back"),
        "{}: {error}",
        B::NAME
    );
    let error = TeamStore::open(
        &server.url("edited", "team"),
        &server
            .options("pinned")
            .with_members_sha256(change.members_sha256),
    )
    .await
    .unwrap_err();
    assert!(
        matches!(error, TeamError::UntrustedMembers { .. }),
        "{}: the pin refuses the old list: {error:?}",
        B::NAME
    );
    let (key, certificate) = identity("After");
    let error = store
        .push("ID2", &CertificateType::Distribution, &certificate, &key, &alice)
        .await
        .unwrap_err();
    assert!(
        matches!(error, TeamError::UntrustedMembers { .. }),
        "{}: {error:?}",
        B::NAME
    );
}

against_each_backend!(
    member_changes_at_once_leave_keys_to_exactly_the_final_members,
    worker_threads = 4
);

async fn member_changes_at_once_leave_keys_to_exactly_the_final_members<B: TestBackend>() {
    let server = B::start().await;
    let (alice, bob, carol) = (
        MemberKey::generate(),
        MemberKey::generate(),
        MemberKey::generate(),
    );
    let folder = tempfile::tempdir().unwrap();
    let store = team(&server, "changes", &alice, &bob, &folder.path().join("trust")).await;
    let url = server.url("changes", "team");
    let other = TeamStore::open(&url, &server.options("bob")).await.unwrap();
    let (added, removed) = tokio::join!(
        store.add_members(vec![member("carol", &carol)], &alice),
        other.remove_members(&["bob"], &bob)
    );
    assert!(
        added.is_ok() || removed.is_ok(),
        "{}: {added:?} {removed:?}",
        B::NAME
    );
    let members = TeamStore::open(&url, &server.options("check"))
        .await
        .unwrap()
        .info()
        .members;
    for (name, key) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
        let is_member = members.iter().any(|m| key.recipients().contains(&m.recipient));
        assert_eq!(
            store.fetch("ID1", key).await.is_ok(),
            is_member,
            "{}: {name} reads the key exactly when a member",
            B::NAME
        );
    }
}

against_each_backend!(
    a_planted_pending_key_is_listed_but_only_adoptable,
    worker_threads = 2
);

async fn a_planted_pending_key_is_listed_but_only_adoptable<B: TestBackend>() {
    let server = B::start().await;
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let folder = tempfile::tempdir().unwrap();
    let store = team(&server, "planted", &alice, &bob, &folder.path().join("trust")).await;
    // The writer: no member key, the store opened like anyone with the bucket's credentials.
    let writer = TeamStore::open(&server.url("planted", "team"), &server.options("mallory"))
        .await
        .unwrap();
    let LeaseAttempt::Acquired(lease) = writer
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("{}: the lease is free", B::NAME)
    };
    let (planted, _) = identity("Planted");
    let pending = writer.write_pending(&lease, &planted).await.unwrap();
    writer.release_lease(lease).await.unwrap();
    // Any member reads it (age proves nothing of its author): which is why ascert never certifies it.
    let listed = store.pending(&CertificateType::Distribution).await.unwrap();
    assert_eq!(listed, std::slice::from_ref(&pending), "{}", B::NAME);
    assert_eq!(
        store.read_pending(&pending, &alice).await.unwrap().id(),
        planted.id()
    );
    assert_eq!(
        listed[0].written_by.as_deref(),
        Some(pending.written_by.as_deref().unwrap()),
        "its record says what the writer wrote, nothing more"
    );
}
