//! The whole round trip against each server (moto, Azurite): init, push, list, fetch and decrypt with
//! an X25519 key, an ssh-ed25519 key and the team passphrase; the stored objects decrypted with the
//! age crate exactly as the stock `age -d -i IDENTITY` / `rage -d -i IDENTITY` tools do; and a
//! missing bucket or container told apart from a missing store.

use std::io::Read as _;
use std::time::Instant;

use age::secrecy::ExposeSecret as _;
use ascert_models::CertificateType;
use ascert_team::{InitOptions, MemberKey, SecretString, TeamError, TeamStore};
use object_store::ObjectStoreExt as _;
use object_store::path::Path;

use crate::backends::{TestBackend, against_each_backend};
use crate::{SSH_ED25519, identity, member};

/// What `age -d -i FILE` does with an identity file: every identity in it, tried in turn.
fn stock_age_decrypt(sealed: &[u8], identity_file: &str) -> Vec<u8> {
    let identities = match age::IdentityFile::from_buffer(identity_file.as_bytes()) {
        Ok(file) if identity_file.contains("AGE-SECRET-KEY-") => file.into_identities().unwrap(),
        _ => vec![
            Box::new(age::ssh::Identity::from_buffer(identity_file.as_bytes(), None).unwrap())
                as Box<dyn age::Identity + Send + Sync>,
        ],
    };
    let decryptor = age::Decryptor::new(sealed).unwrap();
    let mut reader = decryptor
        .decrypt(identities.iter().map(|i| i.as_ref() as &dyn age::Identity))
        .unwrap();
    let mut out = Vec::new();
    reader.read_to_end(&mut out).unwrap();
    out
}

/// What `age -d passphrase.age` does after asking for the passphrase.
fn stock_age_decrypt_passphrase(sealed: &[u8], passphrase: &str) -> String {
    let identity = age::scrypt::Identity::new(SecretString::from(passphrase));
    let decryptor = age::Decryptor::new(sealed).unwrap();
    let mut reader = decryptor
        .decrypt(std::iter::once(&identity as &dyn age::Identity))
        .unwrap();
    let mut out = String::new();
    reader.read_to_string(&mut out).unwrap();
    out
}

against_each_backend!(
    round_trip_with_x25519_ssh_ed25519_and_the_passphrase,
    worker_threads = 2
);
async fn round_trip_with_x25519_ssh_ed25519_and_the_passphrase<B: TestBackend>() {
    let server = B::start().await;
    server.create_bucket("signing").await;
    let url = server.url("signing", "team-a");
    let alice = MemberKey::generate();
    let ci = MemberKey::parse(SSH_ED25519, None).unwrap();
    let passphrase = "correct horse battery staple";
    let store = TeamStore::init(
        &url,
        &server.options("alice@laptop"),
        InitOptions::new()
            .member(member("alice", &alice))
            .member(member("ci", &ci))
            .passphrase(SecretString::from(passphrase))
            .passphrase_work_factor(12),
    )
    .await
    .unwrap();
    let (key, certificate) = identity("Example Ltd (TEAM123456)");
    let pushed = store
        .push(
            "8K2N7Q9X4M",
            &CertificateType::Distribution,
            &certificate,
            &key,
            &alice,
        )
        .await
        .unwrap()
        .record;

    // Another runner opens the store from its own process state.
    let runner = TeamStore::open(&url, &server.options("ci-runner")).await.unwrap();
    assert_eq!(runner.info().members.len(), 2);
    assert_eq!(
        runner.identities().await.unwrap().records,
        std::slice::from_ref(&pushed)
    );
    let unlocked = runner
        .unlock_passphrase(&SecretString::from(passphrase))
        .await
        .unwrap();
    for (who, member_key) in [
        ("X25519", &alice),
        ("ssh-ed25519", &ci),
        ("passphrase", &unlocked),
    ] {
        let started = Instant::now();
        let fetched = runner.fetch("8K2N7Q9X4M", member_key).await.unwrap();
        crate::report(&format!(
            "fetch + decrypt with the {who} key against {}: {:?}",
            B::NAME,
            started.elapsed()
        ));
        assert_eq!(fetched.key.pkcs8_der(), key.pkcs8_der(), "{who}");
        assert_eq!(fetched.certificate.der(), certificate.der(), "{who}");
        assert_eq!(fetched.record, pushed, "{who}");
    }

    // No lock-in: the objects are plain age files that the stock tool decrypts.
    let raw = server.raw("signing");
    let sealed = raw
        .get(&Path::from("team-a/identities/8K2N7Q9X4M/key.age"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let pem = key.to_pkcs8_pem();
    let alice_file = alice.to_identity_file().unwrap();
    assert_eq!(
        stock_age_decrypt(&sealed, alice_file.expose_secret()),
        pem.as_bytes()
    );
    assert_eq!(stock_age_decrypt(&sealed, SSH_ED25519), pem.as_bytes());
    let passphrase_object = raw
        .get(&Path::from("team-a/passphrase.age"))
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    let team_identity = stock_age_decrypt_passphrase(&passphrase_object, passphrase);
    assert!(team_identity.contains("AGE-SECRET-KEY-1"));
    assert_eq!(stock_age_decrypt(&sealed, &team_identity), pem.as_bytes());
}

against_each_backend!(a_missing_bucket_is_its_own_error, worker_threads = 2);
async fn a_missing_bucket_is_its_own_error<B: TestBackend>() {
    let server = B::start().await;
    let url = server.url("no-such-bucket", "team");
    let error = TeamStore::open(&url, &server.options("a")).await.unwrap_err();
    assert!(matches!(error, TeamError::BucketNotFound { .. }), "{error:?}");
    assert_eq!(error.kind(), ascert_team::ErrorKind::NotFound);
    assert!(error.to_string().contains("never creates one"), "{error}");
    let alice = MemberKey::generate();
    let error = TeamStore::init(
        &url,
        &server.options("a"),
        InitOptions::new().member(member("alice", &alice)),
    )
    .await
    .unwrap_err();
    assert!(matches!(error, TeamError::BucketNotFound { .. }), "{error:?}");
    // A bucket that exists but holds no store is another error.
    server.create_bucket("empty").await;
    let error = TeamStore::open(&server.url("empty", "team"), &server.options("a"))
        .await
        .unwrap_err();
    assert!(matches!(error, TeamError::NoStore { .. }), "{error:?}");
}
