//! A bucket writer who is not a member: everything here is done the way someone with write access
//! to the bucket can (objects written, old versions put back), and each test checks that no key
//! becomes readable to them, no identity of theirs is used, and what a member sees says why.

use std::time::Duration;

use ascert_models::{Certificate, CertificateType};
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutPayload};

use super::{
    Behaviour, Endless, Pause, TestObjects, identity, member, memory_url, options, shared_identity, snapshot,
};
use crate::{
    Anchor, ErrorKind, InitOptions, LeaseAttempt, MemberKey, MembersDigest, SecretString, StoreOptions,
    StoreUrl, TeamError, TeamStore,
};

/// A store of two members, alice and bob, with one identity pushed.
async fn team(
    url: &StoreUrl,
    alice: &MemberKey,
    bob: &MemberKey,
    trust: Option<&std::path::Path>,
) -> TeamStore {
    let store = TeamStore::init(
        url,
        &with_trust(options("alice"), trust),
        InitOptions::new()
            .member(member("alice", alice))
            .member(member("bob", bob)),
    )
    .await
    .unwrap();
    let (key, certificate) = shared_identity();
    store
        .push("ID1", &CertificateType::Distribution, certificate, key, alice)
        .await
        .unwrap();
    store
}

fn with_trust(options: StoreOptions, trust: Option<&std::path::Path>) -> StoreOptions {
    match trust {
        Some(folder) => options.with_trust_folder(folder),
        None => options,
    }
}

/// The header as JSON, to edit as a bucket writer would.
async fn header_json(store: &TeamStore) -> serde_json::Value {
    let bytes = store.get(&store.layout.header()).await.unwrap().unwrap().0;
    serde_json::from_slice(&bytes).unwrap()
}

async fn put_raw(store: &TeamStore, path: &Path, bytes: Vec<u8>) {
    store.objects.put(path, PutPayload::from(bytes)).await.unwrap();
}

/// Apple's answer for a certificate: what `GET /v1/certificates/{id}` returns.
pub(crate) fn apple(
    id: &str,
    certificate_type: CertificateType,
    certificate: &ascert_keystore::CertificateInfo,
) -> Certificate {
    use base64::Engine as _;
    let mut apple = Certificate::new(id);
    apple.attributes.certificate_type = Some(certificate_type);
    apple.attributes.expiration_date = Some(certificate.not_after());
    apple.attributes.activated = Some(true);
    apple.attributes.serial_number = Some(certificate.serial().to_owned());
    apple.attributes.certificate_content =
        Some(base64::engine::general_purpose::STANDARD.encode(certificate.der()));
    apple
}

#[tokio::test]
async fn a_recipient_added_to_the_header_by_a_bucket_writer_is_refused_and_nothing_is_encrypted_to_it() {
    let (alice, bob, mallory) = (
        MemberKey::generate(),
        MemberKey::generate(),
        MemberKey::generate(),
    );
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    // The writer adds their own recipient; the revision stays as it is.
    let mut header = header_json(&store).await;
    header["members"].as_array_mut().unwrap().push(serde_json::json!({
        "name": "mallory",
        "recipient": mallory.recipients()[0].to_string(),
        "added": "2026-12-01T00:00:00Z",
        "addedBy": "alice",
    }));
    put_raw(
        &store,
        &store.layout.header(),
        serde_json::to_vec(&header).unwrap(),
    )
    .await;
    let before = snapshot(&store).await;

    let error = TeamStore::open(&url, &options("runner")).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(error.to_string().contains("not by a member"), "{error}");
    // A store opened before the change verifies again before it encrypts anything.
    let (key, certificate) = identity("Later");
    let error = store
        .push("ID2", &CertificateType::Distribution, &certificate, &key, &alice)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    let error = store
        .add_members(vec![member("carol", &MemberKey::generate())], &alice)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert_eq!(snapshot(&store).await, before, "nothing was written");
    let error = store.fetch("ID1", &mallory).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
}

#[tokio::test]
async fn a_members_key_or_the_passphrase_recipient_swapped_in_the_header_is_refused() {
    let (alice, bob, mallory) = (
        MemberKey::generate(),
        MemberKey::generate(),
        MemberKey::generate(),
    );
    let url = memory_url();
    let store = TeamStore::init(
        &url,
        &options("alice"),
        InitOptions::new()
            .member(member("alice", &alice))
            .member(member("bob", &bob))
            .passphrase(SecretString::from("a passphrase of the team"))
            .passphrase_work_factor(10),
    )
    .await
    .unwrap();
    let original = header_json(&store).await;
    for field in ["members.1.recipient", "passphraseRecipient"] {
        let mut header = original.clone();
        let target = match field {
            "passphraseRecipient" => &mut header["passphraseRecipient"],
            _ => &mut header["members"][1]["recipient"],
        };
        *target = serde_json::json!(mallory.recipients()[0].to_string());
        put_raw(
            &store,
            &store.layout.header(),
            serde_json::to_vec(&header).unwrap(),
        )
        .await;
        let error = TeamStore::open(&url, &options("runner")).await.unwrap_err();
        assert!(matches!(error, TeamError::Tampered { .. }), "{field}: {error:?}");
    }
}

#[tokio::test]
async fn a_passphrase_file_a_writer_made_to_ask_for_a_terabyte_of_scrypt_is_refused_before_any() {
    use crate::crypto::tests::with_stanza_work_factor;
    let alice = MemberKey::generate();
    let passphrase = SecretString::from("a passphrase of the team");
    let store = TeamStore::init(
        &memory_url(),
        &options("alice"),
        InitOptions::new()
            .member(member("alice", &alice))
            .passphrase(passphrase.clone())
            .passphrase_work_factor(10),
    )
    .await
    .unwrap();
    let path = store.layout.passphrase();
    let sealed = store.get(&path).await.unwrap().unwrap().0;
    // 2^30: a terabyte of memory and an hour of scrypt, refused from the stanza before any.
    put_raw(&store, &path, with_stanza_work_factor(&sealed, 30)).await;
    let error = store.unlock_passphrase(&passphrase).await.unwrap_err();
    assert!(
        matches!(error, TeamError::ExcessiveWork { work_factor: 30, .. }),
        "{error:?}"
    );
    assert!(!error.to_string().contains("tampered"), "{error}");
    put_raw(&store, &path, sealed).await;
    store.unlock_passphrase(&passphrase).await.unwrap();
}

#[tokio::test]
async fn an_older_header_put_back_is_refused_where_the_newer_one_was_seen_or_pinned() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let trust = tempfile::tempdir().unwrap();
    let store = team(&url, &alice, &bob, Some(&trust.path().join("trust"))).await;
    let old_header = store.get(&store.layout.header()).await.unwrap().unwrap().0;
    // Bob leaves; a versioned bucket keeps the header that still names him.
    let change = store.remove_members(&["bob"], &alice).await.unwrap();
    assert_eq!(change.revision, 2);
    assert!(store.fetch("ID1", &bob).await.is_err());
    put_raw(&store, &store.layout.header(), old_header).await;

    // This machine saw revision 2: revision 1 back again is refused.
    let error = TeamStore::open(
        &url,
        &with_trust(options("alice"), Some(&trust.path().join("trust"))),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
    assert!(
        error.to_string().contains("an old version was put back"),
        "{error}"
    );
    // A runner that pins the member list after the removal refuses it too.
    let pinned = StoreOptions::new().with_members_sha256(change.members_sha256);
    let error = TeamStore::open(&url, &pinned).await.unwrap_err();
    assert!(error.to_string().contains("not the"), "{error}");
    // And the store already open refuses to encrypt to it: a push re-verifies.
    let (key, certificate) = identity("After");
    let error = store
        .push("ID2", &CertificateType::Distribution, &certificate, &key, &alice)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
}

#[tokio::test]
async fn a_header_forged_whole_with_a_writers_own_team_key_is_refused_by_the_pin_and_by_a_machine_that_saw_the_store()
 {
    let (alice, bob, mallory) = (
        MemberKey::generate(),
        MemberKey::generate(),
        MemberKey::generate(),
    );
    let url = memory_url();
    let trust = tempfile::tempdir().unwrap();
    let store = team(&url, &alice, &bob, Some(&trust.path().join("trust"))).await;
    let real = store.trust().members_sha256;
    // The writer makes a header of their own: the same store id, the members' public keys and theirs,
    // signed by a team key they made (age needs only public keys to seal it to everyone).
    let info = store.info();
    let mut members = info.members.clone();
    members.push(member("mallory", &mallory));
    let forged = crate::trust::genesis(
        info.store_id.clone(),
        "alice",
        crate::records::now(),
        members,
        None,
    )
    .unwrap();
    put_raw(&store, &store.layout.header(), forged.to_json()).await;

    let error = TeamStore::open(&url, &StoreOptions::new().with_members_sha256(real))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
    assert!(
        error.to_string().contains("mallory"),
        "the list it names is shown: {error}"
    );
    let error = TeamStore::open(
        &url,
        &with_trust(options("alice"), Some(&trust.path().join("trust"))),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
    let (key, certificate) = identity("X");
    let error = store
        .push("ID2", &CertificateType::Distribution, &certificate, &key, &alice)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
    // A machine with nothing pinned and no memory of the store cannot tell (docs/team.md says so),
    // and is told that it trusts on first use.
    let fresh = TeamStore::open(&url, &StoreOptions::new()).await.unwrap();
    assert_eq!(fresh.trust().anchor, Anchor::FirstUse);
    assert_ne!(fresh.trust().members_sha256, real);
}

#[tokio::test]
async fn member_changes_happen_one_at_a_time_and_a_refused_one_writes_nothing() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    // Another member's change holds the members lease.
    let LeaseAttempt::Acquired(held) = store
        .take_lease_named(&CertificateType::from("members"), Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    let before = snapshot(&store).await;
    let carol = MemberKey::generate();
    let error = store
        .add_members(vec![member("carol", &carol)], &alice)
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::ConcurrentChange { .. }), "{error:?}");
    assert!(error.to_string().contains("another change by"), "{error}");
    assert_eq!(snapshot(&store).await, before);
    assert!(
        store.fetch("ID1", &carol).await.is_err(),
        "the refused member reads nothing"
    );
    store.release_lease(held).await.unwrap();
    store
        .add_members(vec![member("carol", &carol)], &alice)
        .await
        .unwrap();
    assert!(store.fetch("ID1", &carol).await.is_ok());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn concurrent_adds_and_removes_leave_every_key_readable_by_exactly_the_final_members() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    let carol = MemberKey::generate();
    let other = TeamStore::open(&url, &options("bob")).await.unwrap();
    let add = store.add_members(vec![member("carol", &carol)], &alice);
    let remove = other.remove_members(&["bob"], &bob);
    let (added, removed) = tokio::join!(add, remove);
    let final_info = TeamStore::open(&url, &StoreOptions::new()).await.unwrap().info();
    let is_member = |key: &MemberKey| {
        final_info
            .members
            .iter()
            .any(|m| key.recipients().contains(&m.recipient))
    };
    assert!(added.is_ok() || removed.is_ok(), "{added:?} {removed:?}");
    for (name, key) in [("alice", &alice), ("bob", &bob), ("carol", &carol)] {
        assert_eq!(
            store.fetch("ID1", key).await.is_ok(),
            is_member(key),
            "{name} reads the key exactly when a member (add: {:?}, remove: {:?})",
            added.as_ref().err(),
            removed.as_ref().err()
        );
    }
}

#[tokio::test]
async fn a_pending_key_written_while_a_member_is_removed_is_not_left_readable_by_them() {
    let (objects, url) = TestObjects::register(Behaviour::Honest);
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let store = team(&url, &alice, &bob, None).await;
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Development, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    let (reached, reached_rx) = tokio::sync::oneshot::channel();
    let (resume_tx, resume) = tokio::sync::oneshot::channel();
    *objects.pause.lock().unwrap() = Some(Pause {
        pattern: "pending/DEVELOPMENT/".into(),
        reached,
        resume,
    });
    let (key, _) = identity("Pending during removal");
    let writer = {
        let store = store.clone();
        let key = key.clone();
        tokio::spawn(async move { store.write_pending(&lease, &key).await })
    };
    // The key is in the store, encrypted to alice and bob; now bob is removed.
    reached_rx.await.unwrap();
    let admin = TeamStore::open(&url, &options("alice")).await.unwrap();
    admin.remove_members(&["bob"], &alice).await.unwrap();
    resume_tx.send(()).unwrap();
    let pending = writer.await.unwrap().unwrap();
    assert_eq!(
        pending.members_revision, 2,
        "written again for the new member list"
    );
    let error = store.read_pending(&pending, &bob).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    assert_eq!(store.read_pending(&pending, &alice).await.unwrap().id(), key.id());
}

#[tokio::test]
async fn an_object_the_acting_member_cannot_read_does_not_block_a_removal() {
    let (alice, bob, mallory) = (
        MemberKey::generate(),
        MemberKey::generate(),
        MemberKey::generate(),
    );
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    // Bob, about to be removed, plants a key object only he can read; and one object is damaged.
    let planted =
        crate::crypto::encrypt(b"nothing", &crate::trust::Recipients::for_tests(bob.recipients())).unwrap();
    put_raw(
        &store,
        &store.layout.identity("PLANTED", crate::layout::KEY),
        planted,
    )
    .await;
    put_raw(
        &store,
        &store.layout.identity("DAMAGED", crate::layout::KEY),
        b"age-encryption.org/v1\n-> X25519 junk\n".to_vec(),
    )
    .await;
    let change = store.remove_members(&["bob"], &alice).await.unwrap();
    let skipped: Vec<&str> = change.skipped.iter().map(|s| s.object.as_str()).collect();
    assert_eq!(
        skipped,
        ["identities/DAMAGED/key.age", "identities/PLANTED/key.age"]
    );
    assert_eq!(change.reencrypted, 1, "the one real key");
    assert!(store.fetch("ID1", &bob).await.is_err());
    assert!(store.fetch("ID1", &mallory).await.is_err());
    assert!(store.fetch("ID1", &alice).await.is_ok());
}

#[tokio::test]
async fn a_relabelled_record_or_a_swapped_identity_is_refused_before_anything_is_used() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    let (key, certificate) = shared_identity();
    let (other_key, other_certificate) = identity("Other");
    store
        .push(
            "ID2",
            &CertificateType::Development,
            &other_certificate,
            &other_key,
            &alice,
        )
        .await
        .unwrap();
    let listing = store.identities().await.unwrap();
    let record = |id: &str| {
        listing
            .records
            .iter()
            .find(|r| r.certificate_id == id)
            .unwrap()
            .clone()
    };

    // What Apple says of ID1 is what the store holds: accepted, with Apple's copy.
    let shared = store
        .fetch_confirmed(
            record("ID1"),
            &apple("ID1", CertificateType::Distribution, certificate),
            &alice,
        )
        .await
        .unwrap();
    assert_eq!(shared.key.id(), key.id());
    assert_eq!(shared.certificate.api_id(), Some("ID1"));

    // The folder of ID1 now holds ID2's certificate and key (swapped by a writer): Apple's ID1 is not it.
    for file in [crate::layout::KEY, crate::layout::CERTIFICATE] {
        let bytes = store
            .get(&store.layout.identity("ID2", file))
            .await
            .unwrap()
            .unwrap()
            .0;
        put_raw(&store, &store.layout.identity("ID1", file), bytes).await;
    }
    let mut relabelled = record("ID1");
    relabelled.public_key_sha256 = other_key.id();
    relabelled.certificate_type = CertificateType::Development;
    let error = store
        .fetch_confirmed(
            relabelled,
            &apple("ID1", CertificateType::Distribution, certificate),
            &alice,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(
        error.to_string().contains("not signed by the team key"),
        "{error}"
    );
    // A member's own identity, but App Store Connect's certificate of that id is another one.
    let error = store
        .fetch_confirmed(
            record("ID2"),
            &apple("ID2", CertificateType::Development, certificate),
            &alice,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("not App Store Connect's certificate ID2"),
        "{error}"
    );
    // A record moved under another folder names another certificate: it is not listed as that one.
    let bytes = store
        .get(&store.layout.identity("ID2", crate::layout::RECORD))
        .await
        .unwrap()
        .unwrap()
        .0;
    put_raw(
        &store,
        &store.layout.identity("ID3", crate::layout::RECORD),
        bytes,
    )
    .await;
    let listing = store.identities().await.unwrap();
    assert!(listing.records.iter().all(|r| r.certificate_id != "ID3"));
    assert!(
        listing
            .unreadable
            .iter()
            .any(|u| u.certificate_id == "ID3" && matches!(u.error, TeamError::Tampered { .. }))
    );
}

#[tokio::test]
async fn a_push_repairs_a_stored_key_that_was_damaged() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    let (key, certificate) = shared_identity();
    let key_path = store.layout.identity("ID1", crate::layout::KEY);
    let mut sealed = store.get(&key_path).await.unwrap().unwrap().0;
    let last = sealed.len() - 1;
    sealed[last] ^= 1;
    put_raw(&store, &key_path, sealed).await;
    assert!(store.fetch("ID1", &bob).await.is_err());
    let pushed = store
        .push("ID1", &CertificateType::Distribution, certificate, key, &alice)
        .await
        .unwrap();
    assert_eq!(pushed.outcome, crate::PushOutcome::Repaired);
    assert_eq!(store.fetch("ID1", &bob).await.unwrap().key.id(), key.id());
    let again = store
        .push("ID1", &CertificateType::Distribution, certificate, key, &alice)
        .await
        .unwrap();
    assert_eq!(again.outcome, crate::PushOutcome::AlreadyShared);
}

#[tokio::test]
async fn an_unreadable_or_newer_record_does_not_stop_the_listing() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    put_raw(
        &store,
        &store.layout.identity("NEWER", crate::layout::RECORD),
        br#"{"format": 9, "certificateType": "DEVELOPMENT", "whatever": "a later ascert writes"}"#.to_vec(),
    )
    .await;
    put_raw(
        &store,
        &store.layout.identity("JUNK", crate::layout::RECORD),
        b"<html>".to_vec(),
    )
    .await;
    let listing = store.identities().await.unwrap();
    assert_eq!(listing.records.len(), 1);
    assert_eq!(listing.unreadable.len(), 2);
    let newer = listing
        .unreadable
        .iter()
        .find(|u| u.certificate_id == "NEWER")
        .unwrap();
    assert_eq!(newer.certificate_type, Some(CertificateType::Development));
    assert!(matches!(newer.error, TeamError::NewerFormat { found: 9, .. }));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_kept_lease_stays_alive_past_its_time_to_live_and_knows_when_it_is_taken_over() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    let ttl = Duration::from_secs(1);
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Distribution, ttl)
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    let kept = store.keep_lease(lease);
    // Another runner watches for three times the time-to-live: the renewals keep it from taking over.
    let other = TeamStore::open(&url, &options("other")).await.unwrap();
    for _ in 0..6 {
        tokio::time::sleep(ttl / 2).await;
        let attempt = other
            .take_lease(&CertificateType::Distribution, ttl)
            .await
            .unwrap();
        assert!(
            matches!(attempt, LeaseAttempt::Held(_)),
            "taken over while kept alive"
        );
    }
    assert!(kept.confirm(ttl / 4).await.is_ok());
    kept.release().await.unwrap();
    let LeaseAttempt::Acquired(second) = other
        .take_lease(&CertificateType::Distribution, ttl)
        .await
        .unwrap()
    else {
        panic!("released, so free")
    };

    // Someone releases it from under its holder (`team lease release`, on the version shown) and
    // another runner takes it: the holder's next check finds out, and it does not go on.
    let kept_by_other = other.keep_lease(second);
    let third = TeamStore::open(&url, &options("third")).await.unwrap();
    let shown = third.leases().await.unwrap();
    let lease = shown
        .iter()
        .find(|l| l.certificate_type == CertificateType::Distribution)
        .unwrap();
    assert!(lease.held && !lease.members);
    third
        .force_release(&CertificateType::Distribution, &lease.e_tag)
        .await
        .unwrap();
    let LeaseAttempt::Acquired(taken) = third
        .take_lease(&CertificateType::Distribution, ttl)
        .await
        .unwrap()
    else {
        panic!("released, so free")
    };
    let error = kept_by_other.confirm(Duration::ZERO).await.unwrap_err();
    assert!(matches!(error, TeamError::Conflict { .. }), "{error:?}");
    assert!(kept_by_other.lost_to().await.is_some());
    // Its releaser does not release the new holder's lease.
    let releaser = kept_by_other.releaser();
    assert!(matches!(
        releaser.release().await.unwrap(),
        Some(crate::Release::TakenOver { .. })
    ));
    let kept_by_third = third.keep_lease(taken);
    assert!(
        kept_by_third.confirm(Duration::ZERO).await.is_ok(),
        "the new holder still holds it"
    );
    let releaser = kept_by_third.releaser();
    assert_eq!(releaser.release().await.unwrap(), Some(crate::Release::Released));
    assert!(releaser.release().await.unwrap().is_none(), "at most once");
}

#[tokio::test]
async fn a_pinned_digest_that_matches_is_the_anchor_and_a_wrong_one_is_refused() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    let digest = store.trust().members_sha256;
    let pinned = TeamStore::open(&url, &StoreOptions::new().with_members_sha256(digest))
        .await
        .unwrap();
    assert_eq!(pinned.trust().anchor, Anchor::Pinned);
    let wrong: MembersDigest = "0".repeat(64).parse().unwrap();
    let error = TeamStore::open(&url, &StoreOptions::new().with_members_sha256(wrong))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::UntrustedMembers { .. }), "{error:?}");
}

#[tokio::test]
async fn a_damaged_lease_or_pending_record_does_not_stop_runners() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    // A lease object that is not one: it counts as released, and the next take replaces it.
    let lease_path = store.layout.lease(&CertificateType::Distribution);
    put_raw(&store, &lease_path, b"\x00not json".to_vec()).await;
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("a damaged lease is nobody's")
    };
    assert!(matches!(
        lease.acquisition(),
        crate::Acquisition::AfterRelease { .. }
    ));
    // A pending key whose record is garbage, or describes another key, is still listed by its key object.
    let (key, _) = identity("Pending");
    let pending = store.write_pending(&lease, &key).await.unwrap();
    let record = store
        .layout
        .pending(&CertificateType::Distribution, &key.id(), "json");
    put_raw(
        &store,
        &record,
        b"{\"format\": 1, \"certificateType\": \"DISTRIBUTION\"}".to_vec(),
    )
    .await;
    let listed = store.pending(&CertificateType::Distribution).await.unwrap();
    assert_eq!(listed.len(), 1);
    assert_eq!(listed[0].key_id, pending.key_id);
    assert_eq!(
        listed[0].written_by, None,
        "what the damaged record said is not taken"
    );
}

#[tokio::test]
async fn an_identity_planted_whole_by_a_bucket_writer_is_refused_even_without_apple() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    // The writer's own key and certificate, sealed to the members' public keys, with a record that
    // says what they like: everything a member's push writes, but the team key's signature.
    let (key, certificate) = identity("Planted");
    let recipients =
        crate::trust::Recipients::for_tests(&[alice.recipients()[0].clone(), bob.recipients()[0].clone()]);
    let sealed = crate::crypto::encrypt(key.to_pkcs8_pem().as_bytes(), &recipients).unwrap();
    put_raw(
        &store,
        &store.layout.identity("PLANTED", crate::layout::KEY),
        sealed,
    )
    .await;
    put_raw(
        &store,
        &store.layout.identity("PLANTED", crate::layout::CERTIFICATE),
        certificate.der().to_vec(),
    )
    .await;
    let record = serde_json::json!({
        "format": 2,
        "certificateId": "PLANTED",
        "certificateType": "DISTRIBUTION",
        "serialNumber": certificate.serial(),
        "expires": "2099-01-01T00:00:00Z",
        "publicKeySha256": key.id().to_string(),
        "pushedBy": "alice",
        "pushedAt": "2026-12-01T00:00:00Z",
        "membersRevision": 1,
        "certificateSha256": crate::trust::certificate_digest(certificate.der()),
        "signatures": [{"publicKey": store.verified().object_key(), "signature": "AAAA"}],
    });
    put_raw(
        &store,
        &store.layout.identity("PLANTED", crate::layout::RECORD),
        serde_json::to_vec(&record).unwrap(),
    )
    .await;
    let listing = store.identities().await.unwrap();
    let planted = listing
        .records
        .into_iter()
        .find(|r| r.certificate_id == "PLANTED")
        .unwrap();
    let error = store.fetch_listed(planted, &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(error.to_string().contains("no member shared it"), "{error}");
    // A member's own push of the same pair is signed, and used.
    store
        .push("MINE", &CertificateType::Distribution, &certificate, &key, &alice)
        .await
        .unwrap();
    assert_eq!(store.fetch("MINE", &bob).await.unwrap().key.id(), key.id());
}

#[tokio::test]
async fn a_record_a_writer_changed_before_a_member_change_is_not_signed_by_it() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    let path = store.layout.identity("ID1", crate::layout::RECORD);
    let mut record: serde_json::Value =
        serde_json::from_slice(&store.get(&path).await.unwrap().unwrap().0).unwrap();
    record["certificateType"] = serde_json::json!("DEVELOPMENT");
    put_raw(&store, &path, serde_json::to_vec(&record).unwrap()).await;
    // Removing bob replaces the team key and signs every record anew — but not this one.
    store.remove_members(&["bob"], &alice).await.unwrap();
    let error = store.fetch("ID1", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    // Pushed again by a member, it is whole again.
    let (key, certificate) = shared_identity();
    let pushed = store
        .push("ID1", &CertificateType::Distribution, certificate, key, &alice)
        .await
        .unwrap();
    assert_eq!(pushed.outcome, crate::PushOutcome::Repaired);
    assert!(store.fetch("ID1", &alice).await.is_ok());
}

#[tokio::test]
async fn a_damaged_record_is_repaired_by_a_push() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let store = team(&url, &alice, &bob, None).await;
    put_raw(
        &store,
        &store.layout.identity("ID1", crate::layout::RECORD),
        b"{not json".to_vec(),
    )
    .await;
    let (key, certificate) = shared_identity();
    let pushed = store
        .push("ID1", &CertificateType::Distribution, certificate, key, &alice)
        .await
        .unwrap();
    assert_eq!(pushed.outcome, crate::PushOutcome::Repaired);
    assert_eq!(store.fetch("ID1", &bob).await.unwrap().key.id(), key.id());
}

#[tokio::test]
async fn a_renewal_whose_answer_was_lost_is_not_taken_for_a_takeover() {
    let (objects, url) = TestObjects::register(Behaviour::Honest);
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let store = team(&url, &alice, &bob, None).await;
    let LeaseAttempt::Acquired(mut lease) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    // The renewal lands, but its answer times out: the holder still has the version before it.
    objects.set(Behaviour::TimesOutAfterNextWrite);
    assert!(store.renew_lease(&mut lease).await.is_err());
    // The next renewal finds its own earlier write, not another holder's.
    store.renew_lease(&mut lease).await.unwrap();
    objects.set(Behaviour::TimesOutAfterNextWrite);
    assert!(store.renew_lease(&mut lease).await.is_err());
    assert_eq!(
        store.release_lease(lease).await.unwrap(),
        crate::Release::Released
    );
    let LeaseAttempt::Acquired(_) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("released, so free")
    };
}

#[tokio::test]
async fn only_pending_keys_this_machine_wrote_count_as_its_own() {
    let (alice, bob) = (MemberKey::generate(), MemberKey::generate());
    let url = memory_url();
    let trust = tempfile::tempdir().unwrap();
    let folder = trust.path().join("trust");
    let store = team(&url, &alice, &bob, Some(&folder)).await;
    let LeaseAttempt::Acquired(lease) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    let (mine, _) = identity("Mine");
    let written = store.write_pending(&lease, &mine).await.unwrap();
    assert!(store.made_here(&written).unwrap());
    // Another machine (another trust folder), or anyone writing the same objects: not theirs.
    let elsewhere = tempfile::tempdir().unwrap();
    let other = TeamStore::open(
        &url,
        &options("other").with_trust_folder(elsewhere.path().join("trust")),
    )
    .await
    .unwrap();
    assert!(!other.made_here(&written).unwrap());
    let (theirs, _) = identity("Theirs");
    let planted = other.write_pending(&lease, &theirs).await.unwrap();
    assert!(!store.made_here(&planted).unwrap());
    // Of another type, the same key is not this machine's pending key of that type.
    let mut as_development = written.clone();
    as_development.certificate_type = CertificateType::Development;
    assert!(!store.made_here(&as_development).unwrap());
    store.remove_pending(&written).await.unwrap();
    assert!(!store.made_here(&written).unwrap());
}

#[tokio::test]
async fn an_oversized_object_planted_by_a_bucket_writer_is_refused_unread() {
    let (objects, url) = TestObjects::register(Behaviour::Honest);
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &url,
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let (key, certificate) = shared_identity();
    for id in ["ID1", "ID2"] {
        store
            .push(id, &CertificateType::Distribution, certificate, key, &alice)
            .await
            .unwrap();
    }
    let limit = usize::try_from(crate::MAX_OBJECT_SIZE).unwrap();

    // A record one byte past the limit, as anyone with write access can put it: the other identity
    // is still listed, and this one is said to be unreadable, for what it is.
    let record = store.layout.identity("ID1", crate::layout::RECORD);
    put_raw(&store, &record, vec![b' '; limit + 1]).await;
    let listing = store.identities().await.unwrap();
    assert_eq!(listing.records.len(), 1, "{listing:?}");
    assert_eq!(listing.records[0].certificate_id, "ID2");
    let [unreadable] = listing.unreadable.as_slice() else {
        panic!("{listing:?}");
    };
    assert!(
        matches!(unreadable.error, TeamError::TooLarge { .. }),
        "{:?}",
        unreadable.error
    );
    assert_eq!(unreadable.error.kind(), ErrorKind::Format);
    let error = store.fetch("ID1", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::TooLarge { .. }), "{error:?}");
    assert_eq!(
        error.to_string(),
        "identities/ID1/record.json is larger than the 4 MiB an object of a team store can be; it was not read"
    );

    // A key object announced as 10 GB is refused from its size, before any of it is read.
    let served = std::sync::Arc::new(std::sync::atomic::AtomicU64::new(0));
    *objects.endless.lock().unwrap() = Some(Endless {
        pattern: "ID2/key.age".to_owned(),
        announced: 10 << 30,
        served: served.clone(),
    });
    let error = store.fetch("ID2", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::TooLarge { .. }), "{error:?}");
    assert_eq!(served.load(std::sync::atomic::Ordering::Relaxed), 0);

    // One that announces a small size and streams without end is cut one chunk past the limit.
    *objects.endless.lock().unwrap() = Some(Endless {
        pattern: "ID2/key.age".to_owned(),
        announced: 1024,
        served: served.clone(),
    });
    let error = store.fetch("ID2", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::TooLarge { .. }), "{error:?}");
    let read = served.load(std::sync::atomic::Ordering::Relaxed);
    assert!(
        read > crate::MAX_OBJECT_SIZE && read <= crate::MAX_OBJECT_SIZE + 64 * 1024,
        "{read} bytes read"
    );

    // The header too: a store whose header is planted oversized does not open.
    put_raw(&store, &store.layout.header(), vec![b' '; limit + 1]).await;
    let error = TeamStore::open(&url, &options("bob")).await.unwrap_err();
    assert!(matches!(error, TeamError::TooLarge { .. }), "{error:?}");
}
