//! ascert-team against real storage servers on loopback: moto's S3 server mode and Azurite (Azure
//! Blob Storage). Round trips with every kind of member key, each failure told apart with nothing
//! written, and lease races between 16 tasks and between 4 processes, against each server
//! (backends.rs); what each server answers to conditional writes, and the S3-only IAM cases. One
//! test binary, a module per area; each test starts its own server (about half a second) and stops
//! it at the end.
//!
//! The binary needs ascert-team's `azure` feature, which the crate's dev-dependency on itself
//! (`ascert-team-with-azure`) turns on: `cargo test -p ascert-team` builds it as it is. Where that
//! dev-dependency is gone (the published package drops it), the build stops with the reason.

#[cfg(not(feature = "azure"))]
compile_error!(
    "tests/moto runs against Azurite too and needs ascert-team's `azure` feature: \
     run `cargo test -p ascert-team --features azure` (in the workspace, the dev-dependency \
     `ascert-team-with-azure` turns it on)"
);

mod admin;
mod adversary;
mod azurite;
mod backends;
mod conditions;
mod errors;
mod leases;
mod processes;
mod roundtrip;
mod server;

use ascert_keystore::{CertificateInfo, PrivateKey};
use ascert_team::{Member, MemberKey};

/// Test keys made by ssh-keygen (tests/fixtures/README.md).
pub(crate) const SSH_ED25519: &str = include_str!("../fixtures/ssh_ed25519");

/// A signing identity shaped like Apple's: an RSA-2048 key and a certificate for it.
pub(crate) fn identity(name: &str) -> (PrivateKey, CertificateInfo) {
    let key = PrivateKey::generate_rsa_2048().unwrap();
    let pair = rcgen::KeyPair::try_from(key.pkcs8_der()).unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, format!("Apple Distribution: {name}"));
    params.not_after = rcgen::date_time_ymd(2030, 1, 2);
    let certificate = params.self_signed(&pair).unwrap();
    (key, CertificateInfo::from_der(certificate.der()).unwrap())
}

/// Prints a measured figure (docs/team.md quotes them; `--no-capture` shows them).
#[allow(
    clippy::print_stderr,
    reason = "the figures a test measured, for people, on stderr"
)]
pub(crate) fn report(line: &str) {
    eprintln!("{line}");
}

/// A member named `name` for this key.
pub(crate) fn member(name: &str, key: &MemberKey) -> Member {
    Member::new(name, key.recipients()[0].clone())
}

/// Every object name and content under a bucket, for "nothing was written" comparisons.
pub(crate) async fn snapshot<S: object_store::ObjectStore + ?Sized>(objects: &S) -> Vec<(String, Vec<u8>)> {
    use futures::TryStreamExt as _;
    use object_store::ObjectStoreExt as _;
    let metas: Vec<object_store::ObjectMeta> = objects.list(None).try_collect().await.unwrap();
    let mut out = Vec::new();
    for meta in metas {
        let bytes = objects.get(&meta.location).await.unwrap().bytes().await.unwrap();
        out.push((meta.location.to_string(), bytes.to_vec()));
    }
    out.sort();
    out
}
