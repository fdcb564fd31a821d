//! Tests of the credential store against keyring-core's mock store.

use keyring_core::{Entry, Error as KeyringError, mock};

use super::*;
use crate::test_keys::{self, ISSUER, KEY_ID};

fn mock_store() -> (Arc<KeyringStore>, CredentialStore) {
    let store: Arc<KeyringStore> = mock::Store::new().unwrap();
    (store.clone(), CredentialStore::new(store))
}

/// Makes the next call on the mock credential for `profile` fail with `error`.
fn fail_next(store: &Arc<KeyringStore>, profile: &str, error: KeyringError) {
    let entry = Entry::new_in_store(store, DEFAULT_SERVICE, profile).unwrap();
    let cred: &mock::Cred = entry.as_any().downcast_ref().unwrap();
    cred.set_error(error);
}

#[test]
fn save_load_delete_round_trip() {
    let key = test_keys::p256();
    let store = CredentialStore::in_memory();
    let api = ApiKey::from_pem(KEY_ID, Some(ISSUER), &key.pem)
        .unwrap()
        .with_enterprise(true)
        .unwrap();
    api.save_to_store(&store, "work").unwrap();
    let loaded = ApiKey::from_store(&store, "work").unwrap();
    assert_eq!(loaded.key_id(), KEY_ID);
    assert_eq!(loaded.issuer_id(), Some(ISSUER));
    assert_eq!(loaded.public_key(), key.public.as_slice());
    assert!(loaded.is_enterprise());

    ApiKey::delete_from_store(&store, "work").unwrap();
    let err = store.load("work").unwrap_err();
    assert!(
        matches!(&err, AuthError::ProfileNotFound { profile } if profile == "work"),
        "{err:?}"
    );
    assert_eq!(
        err.to_string(),
        "no API key saved under profile \"work\" in the OS credential store"
    );
}

#[test]
fn profiles_are_separate_and_saving_replaces() {
    let (a, b) = (test_keys::p256(), test_keys::p256());
    let store = CredentialStore::in_memory();
    store
        .save("a", &ApiKey::from_pem(KEY_ID, None, &a.pem).unwrap())
        .unwrap();
    store
        .save("b", &ApiKey::from_pem(KEY_ID, None, &b.pem).unwrap())
        .unwrap();
    assert_eq!(store.load("a").unwrap().public_key(), a.public.as_slice());
    assert_eq!(store.load("b").unwrap().public_key(), b.public.as_slice());
    store
        .save("a", &ApiKey::from_pem(KEY_ID, None, &b.pem).unwrap())
        .unwrap();
    assert_eq!(store.load("a").unwrap().public_key(), b.public.as_slice());
    assert_eq!(store.load("a").unwrap().issuer_id(), None);
}

#[test]
fn deleting_a_missing_profile_says_so() {
    let err = CredentialStore::in_memory().delete("nothing").unwrap_err();
    assert!(matches!(err, AuthError::ProfileNotFound { .. }), "{err:?}");
}

#[test]
fn a_store_that_denies_access_is_unavailable() {
    let (raw, store) = mock_store();
    fail_next(
        &raw,
        "work",
        KeyringError::NoStorageAccess("org.freedesktop.secrets is locked".into()),
    );
    let err = store.load("work").unwrap_err();
    assert!(matches!(err, AuthError::StoreUnavailable { .. }), "{err:?}");
    assert_eq!(
        err.to_string(),
        "the OS credential store is not available: access was denied (is the keyring locked, or is there no \
         session keyring?)"
    );
    let source = std::error::Error::source(&err).expect("the platform error is chained");
    assert_eq!(source.to_string(), "org.freedesktop.secrets is locked");
}

#[test]
fn platform_failures_name_the_action_and_profile() {
    let (raw, store) = mock_store();
    let key = ApiKey::from_pem(KEY_ID, None, &test_keys::p256().pem).unwrap();
    fail_next(
        &raw,
        "work",
        KeyringError::PlatformFailure("dbus: connection reset".into()),
    );
    let err = store.save("work", &key).unwrap_err();
    assert_eq!(
        err.to_string(),
        "the OS credential store failed to save profile \"work\": the platform store reported a failure"
    );
}

#[test]
fn undecodable_secrets_are_not_echoed() {
    let (raw, store) = mock_store();
    let secret = b"MIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg".to_vec();
    fail_next(&raw, "work", KeyringError::BadEncoding(secret));
    let err = store.load("work").unwrap_err();
    assert!(!format!("{err} {err:?}").contains("MIGHAgEA"), "{err:?}");
    assert!(!format!("{err:?}").contains("77, 73, 71"), "{err:?}");
}

#[test]
fn damaged_entries_are_reported_without_their_content() {
    let (raw, store) = mock_store();
    Entry::new_in_store(&raw, DEFAULT_SERVICE, "work")
        .unwrap()
        .set_secret(b"{\"key_id\": \"MIGHAgEA")
        .unwrap();
    let err = store.load("work").unwrap_err();
    assert!(matches!(err, AuthError::InvalidJson { .. }), "{err:?}");
    assert!(!format!("{err} {err:?}").contains("MIGHAgEA"));
}

#[test]
fn profile_names_are_checked() {
    let store = CredentialStore::in_memory();
    for bad in ["", "has space", "a/b", &"x".repeat(65)] {
        assert!(
            matches!(store.load(bad), Err(AuthError::InvalidProfile { .. })),
            "{bad:?}"
        );
    }
}

#[test]
fn platform_store_is_either_usable_or_says_why() {
    // Nothing is written: this only shows that choosing the store never panics, on a desktop with a
    // keyring daemon as on a CI machine without one.
    match CredentialStore::platform() {
        Ok(store) => assert!(!store.vendor().is_empty()),
        Err(err) => assert!(matches!(err, AuthError::StoreUnavailable { .. }), "{err:?}"),
    }
}
