//! Each way a fetch or a write can fail against a real server is its own error, says what to do,
//! and leaves the store exactly as it was: wrong identity, wrong passphrase, a flipped byte and a
//! newer format (against moto and Azurite), and credentials the server refuses (moto enforcing IAM
//! authentication; Azurite checking the account's shared key).

use std::time::Duration;

use ascert_models::CertificateType;
use ascert_team::{InitOptions, MemberKey, SecretString, TeamError, TeamStore};
use object_store::path::Path;
use object_store::{ObjectStoreExt as _, PutPayload};

use crate::azurite::Azurite;
use crate::backends::{TestBackend, against_each_backend};
use crate::server::Moto;
use crate::{identity, member, snapshot};

against_each_backend!(
    wrong_keys_tampering_and_newer_formats_are_told_apart_and_write_nothing,
    worker_threads = 2
);
async fn wrong_keys_tampering_and_newer_formats_are_told_apart_and_write_nothing<B: TestBackend>() {
    let server = B::start().await;
    server.create_bucket("signing").await;
    let url = server.url("signing", "team");
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &url,
        &server.options("alice"),
        InitOptions::new()
            .member(member("alice", &alice))
            .passphrase(SecretString::from("right passphrase"))
            .passphrase_work_factor(12),
    )
    .await
    .unwrap();
    let (key, certificate) = identity("Errors");
    store
        .push("ERR1", &CertificateType::Distribution, &certificate, &key, &alice)
        .await
        .unwrap();
    let raw = server.raw("signing");
    let before = snapshot(&raw).await;

    let error = store.fetch("ERR1", &MemberKey::generate()).await.unwrap_err();
    assert!(matches!(error, TeamError::WrongIdentity { .. }), "{error:?}");
    assert!(error.to_string().contains("is not a recipient of it"), "{error}");

    let error = store
        .unlock_passphrase(&SecretString::from("not-the-team-passphrase"))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::WrongPassphrase { .. }), "{error:?}");
    assert!(
        !format!("{error} {error:?}").contains("not-the-team-passphrase"),
        "{error}"
    );
    assert_eq!(snapshot(&raw).await, before);

    // One flipped bit in the key object, through the storage's own API.
    let key_path = Path::from("team/identities/ERR1/key.age");
    let mut sealed = raw.get(&key_path).await.unwrap().bytes().await.unwrap().to_vec();
    let middle = sealed.len() - 100;
    sealed[middle] ^= 0x04;
    raw.put(&key_path, PutPayload::from(sealed)).await.unwrap();
    let before = snapshot(&raw).await;
    let error = store.fetch("ERR1", &alice).await.unwrap_err();
    assert!(matches!(error, TeamError::Tampered { .. }), "{error:?}");
    assert!(error.to_string().contains("tampered with or damaged"), "{error}");
    assert_eq!(snapshot(&raw).await, before);

    // A header written by a future ascert.
    raw.put(
        &Path::from("team/ascert-team.json"),
        PutPayload::from(br#"{"format": 3, "created": "2030-01-01T00:00:00Z"}"#.to_vec()),
    )
    .await
    .unwrap();
    let before = snapshot(&raw).await;
    let error = TeamStore::open(&url, &server.options("bob")).await.unwrap_err();
    assert!(
        matches!(error, TeamError::NewerFormat { found: 3, .. }),
        "{error:?}"
    );
    assert_eq!(error.kind(), ascert_team::ErrorKind::Format);
    assert!(error.to_string().contains("newer than the 2"), "{error}");
    assert_eq!(snapshot(&raw).await, before);
}

/// moto enforces IAM after its first 7 requests, which make two users and the bucket: an admin
/// allowed everything on S3, and a reader allowed only to get and list.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn credentials_the_server_refuses_are_access_denied_and_write_nothing() {
    let moto = Moto::start_enforcing_auth(7).await;
    let admin = moto.create_user("admin", &["s3:*"]).await;
    let reader = moto
        .create_user("reader", &["s3:GetObject", "s3:ListBucket"])
        .await;
    moto.create_bucket("guarded").await;
    let url = Moto::url("guarded", "team");
    let admin_options = moto.options("admin", &admin.access_key_id, &admin.secret_access_key);
    let alice = MemberKey::generate();
    let store = TeamStore::init(
        &url,
        &admin_options,
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let (key, certificate) = identity("Guarded");
    store
        .push(
            "GUARD1",
            &CertificateType::Distribution,
            &certificate,
            &key,
            &alice,
        )
        .await
        .unwrap();
    let raw = moto.raw_as("guarded", &admin);
    let before = snapshot(&raw).await;

    // Keys the server does not know.
    let stranger = moto.options(
        "stranger",
        "AKIAIOSFODNN7EXAMPLE",
        "wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY",
    );
    let error = TeamStore::open(&url, &stranger).await.unwrap_err();
    assert!(
        matches!(&error, TeamError::AccessDenied { code: Some(code), .. } if code == "InvalidAccessKeyId"),
        "{error:?}"
    );
    let text = format!("{error}");
    assert!(text.contains("access denied by s3://guarded/team"), "{text}");
    assert!(
        !text.contains("wJalrXUtnFEMI") && !text.contains("AKIAIOSFODNN7EXAMPLE"),
        "{text}"
    );

    // A known user with the wrong secret.
    let forged = moto.options("forged", &reader.access_key_id, "not-the-secret");
    let error = TeamStore::open(&url, &forged).await.unwrap_err();
    assert!(
        matches!(&error, TeamError::AccessDenied { code: Some(code), .. } if code == "SignatureDoesNotMatch"),
        "{error:?}"
    );

    // A reader may fetch but not write.
    let reader_options = moto.options("reader", &reader.access_key_id, &reader.secret_access_key);
    let as_reader = TeamStore::open(&url, &reader_options).await.unwrap();
    assert_eq!(
        as_reader.fetch("GUARD1", &alice).await.unwrap().key.id(),
        key.id()
    );
    let (other_key, other_certificate) = identity("Other");
    let error = as_reader
        .push(
            "GUARD2",
            &CertificateType::Distribution,
            &other_certificate,
            &other_key,
            &alice,
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&error, TeamError::AccessDenied { code: Some(code), .. } if code == "AccessDenied"),
        "{error:?}"
    );
    let error = as_reader
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::AccessDenied { .. }), "{error:?}");
    assert_eq!(snapshot(&raw).await, before);
}

/// Azurite checks every request's shared-key signature against the account's key: a runner with a
/// wrong key is refused with Azure's code, before it reads or writes anything, and no part of the key
/// is shown.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_azure_account_key_is_access_denied_and_writes_nothing() {
    let azurite = Azurite::start().await;
    azurite.create_container("guarded").await;
    let url = azurite.url("guarded", "team");
    let alice = MemberKey::generate();
    TeamStore::init(
        &url,
        &azurite.options("alice"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap();
    let raw = azurite.raw("guarded");
    let before = snapshot(&raw).await;

    // A well-formed key (base64 of 64 bytes) that is not the account's.
    let wrong_key = "V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZ0tleVdyb25nS2V5V3JvbmdLZXlXcm9uZw==";
    let wrong = azurite
        .options("stranger")
        .with_config("azure_storage_account_key", wrong_key);
    let error = TeamStore::open(&url, &wrong).await.unwrap_err();
    let text = format!("{error} {error:?}");
    assert!(
        matches!(&error, TeamError::AccessDenied { code: Some(code), .. } if code == "AuthorizationFailure"),
        "{text}"
    );
    assert!(text.contains("access denied by az://guarded/team"), "{text}");
    assert!(!text.contains("V3JvbmdLZXlX"), "{text}");
    let error = TeamStore::init(
        &url.clone(),
        &wrong,
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TeamError::AccessDenied { .. }), "{error:?}");
    assert_eq!(snapshot(&raw).await, before);
}
