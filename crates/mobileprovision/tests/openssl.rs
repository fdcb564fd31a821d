//! A third party on both sides of the format: OpenSSL decodes the profiles built here, and
//! profiles OpenSSL signs (SHA-256 and the SHA-1 of old Apple profiles) are read and verified.

use std::path::Path;
use std::process::Command;

use ascert_mobileprovision::Profile;
use time::OffsetDateTime;

use crate::support::{self, Alg, Fields};

/// Runs `openssl` with `args`; fails with a clear message if it is not installed (it is on CI).
fn openssl(args: &[&str]) -> Vec<u8> {
    let output = Command::new("openssl")
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("these tests need the openssl command on PATH: {e}"));
    assert!(
        output.status.success(),
        "openssl {args:?} failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output.stdout
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn openssl_reads_the_content_our_parser_exposes() {
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("p.mobileprovision");
    let bytes = support::profile(&Fields::default());
    std::fs::write(&file, &bytes).unwrap();
    let content = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-noverify",
        "-in",
        path(&file),
    ]);
    assert_eq!(content, Profile::from_der(&bytes).unwrap().raw_plist());

    let root = dir.path().join("root.pem");
    let chain = support::chain(Alg::Rsa);
    let root_pem = chain
        .cas_pem
        .split_inclusive("-----END CERTIFICATE-----\n")
        .nth(1)
        .unwrap();
    std::fs::write(&root, root_pem).unwrap();
    // With the chain checked too (OpenSSL's own path building), the signer is accepted.
    let content = openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-in",
        path(&file),
        "-CAfile",
        path(&root),
        "-purpose",
        "any",
    ]);
    assert_eq!(content, Profile::from_der(&bytes).unwrap().raw_plist());
}

#[test]
fn fingerprints_match_openssls() {
    let dir = tempfile::tempdir().unwrap();
    let cert = dir.path().join("dev.cer");
    std::fs::write(&cert, support::developer_certificate()).unwrap();
    let out = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-in",
        path(&cert),
        "-noout",
        "-fingerprint",
        "-sha1",
    ]);
    let out = String::from_utf8(out).unwrap();
    let theirs = out.trim().rsplit('=').next().unwrap().replace(':', "");
    let profile = Profile::from_der(&support::profile(&Fields::default())).unwrap();
    assert_eq!(profile.developer_certificate_sha1s(), [theirs]);
}

#[test]
fn profiles_openssl_signs_are_read_and_verified() {
    let dir = tempfile::tempdir().unwrap();
    let chain = support::chain(Alg::Rsa);
    let write = |name: &str, contents: &[u8]| {
        let p = dir.path().join(name);
        std::fs::write(&p, contents).unwrap();
        p
    };
    let plist = write(
        "content.plist",
        &support::xml(support::dictionary(&Fields::default())),
    );
    let signer = write("signer.pem", chain.signer_pem.as_bytes());
    let key = write("signer.key", chain.signer_key.serialize_pem().as_bytes());
    let certs = write("chain.pem", chain.cas_pem.as_bytes());
    for digest in ["sha256", "sha1"] {
        let out = dir.path().join(format!("{digest}.mobileprovision"));
        openssl(&[
            "cms",
            "-sign",
            "-binary",
            "-nodetach",
            "-outform",
            "DER",
            "-md",
            digest,
            "-in",
            path(&plist),
            "-signer",
            path(&signer),
            "-inkey",
            path(&key),
            "-certfile",
            path(&certs),
            "-out",
            path(&out),
        ]);
        let profile = Profile::read(&out).unwrap();
        assert_eq!(profile.name(), "Example Development");
        let verified = profile.verify(&[&chain.root], OffsetDateTime::now_utc());
        let verified = verified.unwrap_or_else(|e| panic!("{digest}: {e}"));
        assert_eq!(verified.chain.len(), 3, "{digest}");
    }
}
