//! Shared provisioning profiles: a member shares, anyone who opens the store reads it back whole;
//! a bucket writer who is not a member (objects written, records copied or moved) gets nothing of
//! theirs read: each attempt is refused as tampering.

use object_store::{ObjectStoreExt as _, PutPayload};

use super::{member, memory_url, options, store_with};
use crate::layout::{self, Layout};
use crate::{ErrorKind, InitOptions, MemberKey, ProfileUpload, TeamError, TeamStore};

const TYPE: &str = "IOS_APP_STORE";
const BUNDLE: &str = "com.example.app";

fn upload(der: &[u8]) -> ProfileUpload {
    ProfileUpload::new(
        TYPE,
        BUNDLE,
        "0F9C2D4E-5A6B-4C7D-8E9F-0A1B2C3D4E5F",
        "ID1",
        der.to_vec(),
    )
}

async fn put_raw(store: &TeamStore, path: &object_store::path::Path, bytes: Vec<u8>) {
    store.objects.put(path, PutPayload::from(bytes)).await.unwrap();
}

async fn raw(store: &TeamStore, path: &object_store::path::Path) -> Vec<u8> {
    store.get(path).await.unwrap().unwrap().0
}

#[track_caller]
fn tampered(result: crate::Result<Option<crate::SharedProfile>>, what: &str) {
    let error = result.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{what}: {error:?}");
    assert_eq!(error.kind(), ErrorKind::Untrusted, "{what}");
}

#[tokio::test]
async fn a_shared_profile_reads_back_whole_and_a_new_one_replaces_it() {
    let alice = MemberKey::generate();
    let store = store_with(&alice).await;
    assert_eq!(store.profile(TYPE, BUNDLE).await.unwrap(), None);
    store
        .share_profile(&upload(b"profile one"), &alice)
        .await
        .unwrap();
    let shared = store.profile(TYPE, BUNDLE).await.unwrap().unwrap();
    assert_eq!(shared.der, b"profile one");
    assert_eq!(shared.record.certificate_id, "ID1");
    assert_eq!(shared.record.shared_by, "alice@laptop");
    assert_eq!(shared.record.signatures.len(), 1);
    store
        .share_profile(&upload(b"profile two"), &alice)
        .await
        .unwrap();
    assert_eq!(
        store.profile(TYPE, BUNDLE).await.unwrap().unwrap().der,
        b"profile two"
    );
    assert_eq!(store.profile("MAC_APP_STORE", BUNDLE).await.unwrap(), None);
    let error = store
        .share_profile(&upload(b"x"), &MemberKey::generate())
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    for (profile_type, bundle) in [("../x", BUNDLE), (TYPE, "../x"), (TYPE, "a/b")] {
        let error = store.profile(profile_type, bundle).await.unwrap_err();
        assert_eq!(error.kind(), ErrorKind::InvalidInput);
    }
    let large = vec![0; usize::try_from(crate::MAX_PROFILE_SIZE).unwrap() + 1];
    let error = store.share_profile(&upload(&large), &alice).await.unwrap_err();
    assert_eq!(error.kind(), ErrorKind::InvalidInput);
}

#[tokio::test]
async fn a_bucket_writers_profile_is_refused_however_it_is_planted() {
    let alice = MemberKey::generate();
    let store = store_with(&alice).await;
    let record = store.layout.profile(TYPE, BUNDLE, layout::RECORD);
    let file = store.layout.profile(TYPE, BUNDLE, layout::PROFILE);

    // A record of the writer's making: no signature, then another key's.
    put_raw(&store, &file, b"planted".to_vec()).await;
    let planted = serde_json::json!({
        "format": 2, "profileType": TYPE, "bundleIdentifier": BUNDLE,
        "uuid": "AAAA", "certificateId": "ID1",
        "profileSha256": crate::trust::certificate_digest(b"planted"),
        "sharedBy": "mallory", "sharedAt": "2026-01-01T00:00:00Z",
    });
    put_raw(&store, &record, serde_json::to_vec(&planted).unwrap()).await;
    tampered(store.profile(TYPE, BUNDLE).await, "unsigned");
    let mut forged = planted.clone();
    forged["signatures"] =
        serde_json::json!([{"publicKey": store.verified().object_key(), "signature": "c2ln"}]);
    put_raw(&store, &record, serde_json::to_vec(&forged).unwrap()).await;
    tampered(store.profile(TYPE, BUNDLE).await, "bad signature");

    // A member's signed record, with the file swapped.
    store.share_profile(&upload(b"real"), &alice).await.unwrap();
    put_raw(&store, &file, b"swapped".to_vec()).await;
    tampered(store.profile(TYPE, BUNDLE).await, "file swapped");
    store.objects.delete(&file).await.unwrap();
    tampered(store.profile(TYPE, BUNDLE).await, "file removed");

    // A signed record and file of another bundle identifier, and of another type, moved here.
    store.share_profile(&upload(b"real"), &alice).await.unwrap();
    for (other_type, other_bundle) in [(TYPE, "com.example.other"), ("IOS_APP_DEVELOPMENT", BUNDLE)] {
        let mut other = upload(b"other");
        other.profile_type = other_type.into();
        other.bundle_identifier = other_bundle.into();
        store.share_profile(&other, &alice).await.unwrap();
        let moved_record = raw(
            &store,
            &store.layout.profile(other_type, other_bundle, layout::RECORD),
        )
        .await;
        let moved_file = raw(
            &store,
            &store.layout.profile(other_type, other_bundle, layout::PROFILE),
        )
        .await;
        put_raw(&store, &file, moved_file).await;
        put_raw(&store, &record, moved_record).await;
        tampered(store.profile(TYPE, BUNDLE).await, "moved");
    }
}

#[tokio::test]
async fn a_profile_signed_for_another_store_is_refused() {
    let alice = MemberKey::generate();
    let ours = store_with(&alice).await;
    // Another store with the same member (so a writer could copy between them).
    let theirs = TeamStore::init(
        &memory_url(),
        &options("alice@laptop"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    theirs.share_profile(&upload(b"theirs"), &alice).await.unwrap();
    let at = |store: &TeamStore, file: &str| -> object_store::path::Path {
        Layout::profile(&store.layout, TYPE, BUNDLE, file)
    };
    put_raw(
        &ours,
        &at(&ours, layout::PROFILE),
        raw(&theirs, &at(&theirs, layout::PROFILE)).await,
    )
    .await;
    put_raw(
        &ours,
        &at(&ours, layout::RECORD),
        raw(&theirs, &at(&theirs, layout::RECORD)).await,
    )
    .await;
    tampered(ours.profile(TYPE, BUNDLE).await, "another store");
    assert!(theirs.profile(TYPE, BUNDLE).await.unwrap().is_some());
}

#[tokio::test]
async fn a_removal_that_replaces_the_team_key_signs_the_shared_profiles_again() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let store = TeamStore::init(
        &memory_url(),
        &options("alice"),
        InitOptions::new()
            .member(member("alice", &alice))
            .member(member("bob", &bob)),
    )
    .await
    .unwrap();
    store.share_profile(&upload(b"shared"), &alice).await.unwrap();
    store.remove_members(&["bob"], &alice).await.unwrap();
    let shared = store.profile(TYPE, BUNDLE).await.unwrap().unwrap();
    assert_eq!(shared.der, b"shared");
    assert_eq!(shared.record.signatures.len(), 2);
}
