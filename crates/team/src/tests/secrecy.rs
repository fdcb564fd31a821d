//! Nothing unencrypted leaves the crate toward storage: every payload written during a full session
//! (init with a passphrase, push, lease, pending keys, member changes, prune) is scanned for the keys'
//! bytes in every form, for the secrets of the member keys and for the team keys that sign the member
//! list.

use std::time::Duration;

use age::secrecy::ExposeSecret as _;
use ascert_models::CertificateType;

use super::{Behaviour, TestObjects, identity, member, options, shared_identity};
use crate::{InitOptions, LeaseAttempt, MemberKey, SecretString, TeamStore};

/// Whether `needle` occurs in `haystack`.
fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    needle.len() <= haystack.len() && haystack.windows(needle.len()).any(|w| w == needle)
}

#[tokio::test]
async fn no_key_or_member_secret_is_ever_written_in_the_clear() {
    let (objects, url) = TestObjects::register(Behaviour::Honest);
    let alice = MemberKey::generate();
    let bob = MemberKey::generate();
    let passphrase = SecretString::from("a team passphrase nobody may see");
    let store = TeamStore::init(
        &url,
        &options("alice"),
        InitOptions::new()
            .member(member("alice", &alice))
            .passphrase(passphrase.clone())
            .passphrase_work_factor(10),
    )
    .await
    .unwrap();
    let passphrase_key = store.unlock_passphrase(&passphrase).await.unwrap();
    let first_team_key = store.verified().team_key(&alice, "h").unwrap();
    let (key, certificate) = shared_identity();
    let (pending_key, _) = identity("Pending");
    store
        .push(
            "SECRET1",
            &CertificateType::Distribution,
            certificate,
            key,
            &alice,
        )
        .await
        .unwrap();
    let LeaseAttempt::Acquired(mut lease) = store
        .take_lease(&CertificateType::Distribution, Duration::from_secs(60))
        .await
        .unwrap()
    else {
        panic!("no lease")
    };
    store.renew_lease(&mut lease).await.unwrap();
    let pending = store.write_pending(&lease, &pending_key).await.unwrap();
    store
        .add_members(vec![member("bob", &bob)], &alice)
        .await
        .unwrap();
    store.remove_members(&["alice"], &bob).await.unwrap();
    store.remove_pending(&pending).await.unwrap();
    store.release_lease(lease).await.unwrap();
    let facts = crate::AppleFacts::new(std::collections::BTreeMap::new(), ["SECRET1".to_owned()].into());
    let plan = store
        .plan_prune(&facts, time::OffsetDateTime::now_utc(), true)
        .await
        .unwrap();
    assert_eq!(plan.remove.len(), 1);
    store.prune(&plan).await.unwrap();
    store.purge_trash().await.unwrap();
    let team_keys =
        [&first_team_key, &store.verified().team_key(&bob, "h").unwrap()].map(|k| k.pkcs8().to_vec());
    assert_ne!(
        team_keys[0], team_keys[1],
        "removing a member replaced the team key"
    );

    let written = objects.written.lock().unwrap().clone();
    assert!(written.len() > 15, "the session wrote {} objects", written.len());

    let secrets = secrets(
        &[("pushed key", key), ("pending key", &pending_key)],
        &[&alice, &bob, &passphrase_key],
        &team_keys,
        &passphrase,
    );

    for (object, bytes) in &written {
        for (what, secret) in &secrets {
            assert!(!contains(bytes, secret), "{object} holds {what} in the clear");
        }
        if std::path::Path::new(object)
            .extension()
            .is_some_and(|e| e == "age")
        {
            assert!(
                bytes.starts_with(b"age-encryption.org/v1\n"),
                "{object} is not an age file"
            );
        }
    }
    // The scan would have seen a key written in the clear.
    assert!(contains(key.to_pkcs8_pem().as_bytes(), &secrets[2].1));
}

/// Every secret that must never be written in the clear, with what it is.
fn secrets(
    keys: &[(&str, &ascert_keystore::PrivateKey)],
    members: &[&MemberKey],
    team_keys: &[Vec<u8>],
    passphrase: &SecretString,
) -> Vec<(String, Vec<u8>)> {
    let mut secrets: Vec<(String, Vec<u8>)> = Vec::new();
    for (name, private) in keys {
        let der = private.pkcs8_der();
        secrets.push((format!("{name}: PKCS#8 DER"), der.to_vec()));
        secrets.push((
            format!("{name}: 32 bytes from the middle of the DER"),
            der[600..632].to_vec(),
        ));
        for (number, line) in private.to_pkcs8_pem().lines().enumerate() {
            if !line.starts_with("-----") {
                secrets.push((format!("{name}: PEM line {number}"), line.as_bytes().to_vec()));
            }
        }
    }
    secrets.push(("a PEM private key marker".into(), b"PRIVATE KEY".to_vec()));
    secrets.push(("an age secret key".into(), b"AGE-SECRET-KEY-1".to_vec()));
    for member_key in members {
        let file = member_key.to_identity_file().unwrap();
        let secret = file.expose_secret().lines().nth(1).unwrap().to_owned();
        secrets.push(("a member's identity".into(), secret.into_bytes()));
    }
    for (number, team_key) in team_keys.iter().enumerate() {
        secrets.push((format!("team key {number} (PKCS#8)"), team_key.clone()));
        // The Ed25519 seed: the 32 bytes after the PKCS#8 prefix.
        secrets.push((format!("team key {number} (seed)"), team_key[16..48].to_vec()));
    }
    secrets.push((
        "the passphrase".into(),
        passphrase.expose_secret().as_bytes().to_vec(),
    ));

    secrets
}
