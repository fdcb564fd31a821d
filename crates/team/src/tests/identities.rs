//! Opening and creating stores, and the identities in them: push, list, fetch (with every kind of
//! member key), prune, and each refusal with nothing written.

use ascert_models::CertificateType;
use object_store::{ObjectStoreExt as _, PutPayload};

use super::{identity, member, memory_url, options, shared_identity, snapshot, store_with};
use crate::crypto::tests::SSH_ED25519;
use crate::{ErrorKind, InitOptions, MemberKey, SecretString, StoreOptions, TeamError, TeamStore};

#[tokio::test]
async fn a_store_is_created_once_and_opened_by_others() {
    let alice = MemberKey::generate();
    let url = memory_url();
    let created = TeamStore::init(
        &url,
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let info = created.info();
    assert_eq!(
        (info.format, info.revision, info.created_by.as_str()),
        (2, 1, "alice")
    );
    assert_eq!(info.members[0].name, "alice");
    assert_eq!(info.members[0].added_by, "alice");

    let opened = TeamStore::open(&url, &StoreOptions::new()).await.unwrap();
    assert_eq!(opened.info(), info);

    let again = TeamStore::init(
        &url,
        &options("bob"),
        InitOptions::new().member(member("bob", &MemberKey::generate())),
    )
    .await
    .unwrap_err();
    assert!(matches!(again, TeamError::AlreadyExists { .. }), "{again:?}");
    assert_eq!(
        TeamStore::open(&url, &StoreOptions::new()).await.unwrap().info(),
        info
    );

    let missing = TeamStore::open(&memory_url(), &StoreOptions::new())
        .await
        .unwrap_err();
    assert!(matches!(missing, TeamError::NoStore { .. }), "{missing:?}");
    assert_eq!(missing.kind(), ErrorKind::NotFound);
    // What to run about it is the program's to say: the message names no command.
    assert!(!missing.to_string().contains("ascert team"), "{missing}");
}

#[tokio::test]
async fn init_refuses_a_store_nobody_could_read_or_with_a_member_twice() {
    let error = TeamStore::init(&memory_url(), &StoreOptions::new(), InitOptions::new())
        .await
        .unwrap_err();
    assert!(
        error.to_string().contains("at least one member or a passphrase"),
        "{error}"
    );
    let key = MemberKey::generate();
    let error = TeamStore::init(
        &memory_url(),
        &StoreOptions::new(),
        InitOptions::new()
            .member(member("a", &key))
            .member(member("b", &key)),
    )
    .await
    .unwrap_err();
    assert!(error.to_string().contains("a and b have the same key"), "{error}");
}

#[tokio::test]
async fn a_store_of_a_newer_format_is_refused() {
    let url = memory_url();
    let alice = MemberKey::generate();
    TeamStore::init(
        &url,
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let connection = crate::backend::connect(&url, &StoreOptions::new(), false).unwrap();
    let header = crate::layout::Layout::new(connection.prefix).header();
    connection
        .objects
        .put(
            &header,
            PutPayload::from(br#"{"format": 3, "members": {"new": "shape"}}"#.to_vec()),
        )
        .await
        .unwrap();
    let error = TeamStore::open(&url, &StoreOptions::new()).await.unwrap_err();
    assert!(
        matches!(&error, TeamError::NewerFormat { object, found: 3, supported: 2 } if object == "ascert-team.json"),
        "{error:?}"
    );
}

#[tokio::test]
async fn identities_round_trip_for_x25519_ssh_and_passphrase_members() {
    let alice = MemberKey::generate();
    let ci = MemberKey::parse(SSH_ED25519, None).unwrap();
    let passphrase = SecretString::from("team passphrase");
    let store = TeamStore::init(
        &memory_url(),
        &options("alice@laptop"),
        InitOptions::new()
            .member(member("alice", &alice))
            .member(member("ci", &ci))
            .passphrase(passphrase.clone())
            .passphrase_work_factor(10),
    )
    .await
    .unwrap();
    let (key, certificate) = shared_identity();
    let pushed = store
        .push(
            "8K2N7Q9X4M",
            &CertificateType::Distribution,
            certificate,
            key,
            &alice,
        )
        .await
        .unwrap();
    assert_eq!(pushed.outcome, crate::PushOutcome::Shared);
    let pushed = pushed.record;
    assert_eq!(pushed.certificate_id, "8K2N7Q9X4M");
    assert_eq!(pushed.serial_number, "5A1701");
    assert_eq!(pushed.public_key_sha256, key.id());
    assert_eq!(pushed.expires, certificate.not_after());
    assert_eq!(pushed.pushed_by, "alice@laptop");
    assert_eq!(
        pushed.common_name.as_deref(),
        Some("Apple Distribution: Example Ltd (TEAM123456)")
    );

    assert_eq!(
        store.identities().await.unwrap().records,
        std::slice::from_ref(&pushed)
    );
    let unlocked = store.unlock_passphrase(&passphrase).await.unwrap();
    for member in [&alice, &ci, &unlocked] {
        let fetched = store.fetch("8K2N7Q9X4M", member).await.unwrap();
        assert_eq!(fetched.key.pkcs8_der(), key.pkcs8_der());
        assert_eq!(fetched.certificate.der(), certificate.der());
        assert_eq!(fetched.record, pushed);
        // From a listed record: the same identity, one read fewer.
        let listed = store.fetch_listed(pushed.clone(), member).await.unwrap();
        assert_eq!(listed.key.pkcs8_der(), key.pkcs8_der());
        assert_eq!(listed.certificate.der(), certificate.der());
    }
    // A record that names another key than the one stored is refused: the team key did not sign it.
    let mut forged = pushed.clone();
    forged.public_key_sha256 = ascert_keystore::KeyId::of_spki(b"another key");
    let error = store.fetch_listed(forged, &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(
        error.to_string().contains("not signed by the team key"),
        "{error}"
    );
    // Pushing the same identity again is a no-op; the same id with another key is refused.
    let again = store
        .push(
            "8K2N7Q9X4M",
            &CertificateType::Distribution,
            certificate,
            key,
            &alice,
        )
        .await
        .unwrap();
    assert_eq!(
        (again.record, again.outcome),
        (pushed, crate::PushOutcome::AlreadyShared)
    );
    let (other_key, other_certificate) = identity("Other");
    let error = store
        .push(
            "8K2N7Q9X4M",
            &CertificateType::Distribution,
            &other_certificate,
            &other_key,
            &alice,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::AlreadyExists { .. }), "{error:?}");
}

#[tokio::test]
async fn each_failure_to_fetch_is_its_own_error_and_writes_nothing() {
    let alice = MemberKey::generate();
    let passphrase = SecretString::from("right");
    let store = TeamStore::init(
        &memory_url(),
        &options("alice"),
        InitOptions::new()
            .member(member("alice", &alice))
            .passphrase(passphrase)
            .passphrase_work_factor(10),
    )
    .await
    .unwrap();
    let (key, certificate) = shared_identity();
    store
        .push("GOOD1", &CertificateType::Development, certificate, key, &alice)
        .await
        .unwrap();
    let before = snapshot(&store).await;

    let error = store.fetch("GOOD1", &MemberKey::generate()).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    let error = store
        .unlock_passphrase(&SecretString::from("wrong"))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::WrongPassphrase { .. }), "{error:?}");
    let error = store.fetch("NOPE", &alice).await.unwrap_err();
    assert!(
        matches!(&error, TeamError::NotFound { what, .. } if what == "identity NOPE"),
        "{error:?}"
    );
    let error = store.fetch("../x", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::InvalidInput { .. }), "{error:?}");
    assert_eq!(snapshot(&store).await, before);

    // A flipped byte in the key object.
    let key_path = store.layout.identity("GOOD1", crate::layout::KEY);
    let mut sealed = store.get(&key_path).await.unwrap().unwrap().0;
    let last = sealed.len() - 1;
    sealed[last] ^= 0x80;
    store.objects.put(&key_path, sealed.into()).await.unwrap();
    let before = snapshot(&store).await;
    let error = store.fetch("GOOD1", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(error.to_string().contains("identities/GOOD1/key.age"), "{error}");
    assert_eq!(snapshot(&store).await, before);
}

#[tokio::test]
async fn a_key_that_does_not_match_its_certificate_is_refused_both_ways() {
    let alice = MemberKey::generate();
    let store = store_with(&alice).await;
    let (key, certificate) = shared_identity();
    let (other_key, other_certificate) = identity("Other");
    let empty = snapshot(&store).await;
    let error = store
        .push(
            "MISMATCH",
            &CertificateType::Distribution,
            certificate,
            &other_key,
            &alice,
        )
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::KeyMismatch { .. }), "{error:?}");
    assert_eq!(snapshot(&store).await, empty, "a refused push writes nothing");

    // Someone with write access swaps the certificate: the decrypted key no longer matches.
    store
        .push(
            "SWAPPED",
            &CertificateType::Distribution,
            certificate,
            key,
            &alice,
        )
        .await
        .unwrap();
    let path = store.layout.identity("SWAPPED", crate::layout::CERTIFICATE);
    store
        .objects
        .put(&path, other_certificate.der().to_vec().into())
        .await
        .unwrap();
    let error = store.fetch("SWAPPED", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(
        error
            .to_string()
            .contains("not signed by the team key for this certificate"),
        "{error}"
    );
}

#[tokio::test]
async fn a_shared_folder_holds_identities_but_refuses_leases() {
    let folder = tempfile::tempdir().unwrap();
    let url: crate::StoreUrl = format!("file://{}/store", folder.path().display())
        .parse()
        .unwrap();
    let alice = MemberKey::generate();
    let error = TeamStore::open(&url, &StoreOptions::new()).await.unwrap_err();
    assert!(matches!(error, TeamError::NoStore { .. }), "{error:?}");
    let store = TeamStore::init(
        &url,
        &options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let (key, certificate) = shared_identity();
    store
        .push(
            "FOLDER1",
            &CertificateType::Distribution,
            certificate,
            key,
            &alice,
        )
        .await
        .unwrap();
    let reopened = TeamStore::open(&url, &StoreOptions::new()).await.unwrap();
    assert_eq!(
        reopened.fetch("FOLDER1", &alice).await.unwrap().key.id(),
        key.id()
    );
    assert!(folder.path().join("store/identities/FOLDER1/key.age").is_file());

    // Members can change (no compare-and-swap: the header is overwritten).
    let bob = MemberKey::generate();
    reopened
        .add_members(vec![member("bob", &bob)], &alice)
        .await
        .unwrap();
    assert_eq!(reopened.fetch("FOLDER1", &bob).await.unwrap().key.id(), key.id());

    let error = reopened
        .take_lease(&CertificateType::Distribution, std::time::Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::UnsupportedBackend { .. }), "{error:?}");
    assert!(error.to_string().contains("cannot compare-and-swap"), "{error}");
    assert!(!folder.path().join("store/leases").exists(), "nothing written");
}
