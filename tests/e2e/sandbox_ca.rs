//! The sandbox's intermediate CAs against the Apple CAs ascert pins (ascert-keystore's
//! `APPLE_CA_SHA256`): each is one of Apple's by name (every subject attribute but `O`, which says
//! sandbox) and by key algorithm, chains to the sandbox root, and is never taken for Apple's own.

use std::path::{Path, PathBuf};

use ascert_keystore::{APPLE_CA_SHA256, CertificateInfo, apple_ca_name};
use ascert_sandbox::{CA_ORGANIZATION, Intermediate, Sandbox};

use crate::support::openssl;

/// `shared/reference/apple-ca` beside the checkout (or under `$ASCERT_SHARED_DIR`): Apple's published
/// CA certificates. The end-to-end tests run only inside the workspace, where it must be present.
fn apple_ca_folder() -> PathBuf {
    if let Some(shared) = std::env::var_os("ASCERT_SHARED_DIR") {
        return PathBuf::from(shared).join("reference/apple-ca");
    }
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared/reference/apple-ca"))
        .find(|dir| dir.is_dir())
        .expect(
            "shared/reference/apple-ca (Apple's public CA certificates) is missing beside the checkout: \
             put the reference folder there or set ASCERT_SHARED_DIR",
        )
}

/// The key algorithm of a DER certificate as OpenSSL names it: "rsaEncryption 2048" or
/// "id-ecPublicKey 256 prime256v1".
fn key_algorithm(dir: &Path, der: &[u8]) -> String {
    let path = dir.join("certificate.der");
    std::fs::write(&path, der).unwrap();
    let text = openssl(&[
        "x509",
        "-inform",
        "DER",
        "-noout",
        "-text",
        "-in",
        path.to_str().unwrap(),
    ]);
    let value = |prefix: &str| {
        text.lines()
            .find_map(|line| line.trim().strip_prefix(prefix).map(str::trim))
            .map(|v| v.trim_end_matches(" bit)").to_owned())
    };
    [
        value("Public Key Algorithm:"),
        value("Public-Key: ("),
        value("ASN1 OID:"),
    ]
    .into_iter()
    .flatten()
    .collect::<Vec<_>>()
    .join(" ")
}

#[tokio::test]
async fn the_sandbox_intermediates_are_apples_pinned_cas_by_name_and_key_algorithm() {
    let sandbox = Sandbox::builder().start().await.unwrap();
    let ca = sandbox.ca_certificates().unwrap();
    let root = CertificateInfo::from_der(&ca.root_der).unwrap();
    let dir = tempfile::tempdir().unwrap();

    // Apple's published CAs, each under the name ascert pins it by.
    let mut apple = Vec::new();
    for entry in std::fs::read_dir(apple_ca_folder()).unwrap() {
        let der = std::fs::read(entry.unwrap().path()).unwrap();
        let info = CertificateInfo::from_der(&der).unwrap();
        let pinned =
            apple_ca_name(&info.sha256_hex()).unwrap_or_else(|| panic!("{} is not pinned", info.subject()));
        apple.push((info, pinned, der));
    }
    assert_eq!(apple.len(), APPLE_CA_SHA256.len());

    for (which, pinned) in [
        (Intermediate::WwdrG2, "Apple WWDR CA - G2"),
        (Intermediate::WwdrG3, "Apple WWDR CA - G3"),
        (Intermediate::WwdrG4, "Apple WWDR CA - G4"),
        (Intermediate::DeveloperId, "Developer ID CA"),
        (Intermediate::DeveloperIdG2, "Developer ID CA - G2"),
    ] {
        let der = &ca.intermediate(which).unwrap().der;
        let ours = CertificateInfo::from_der(der).unwrap();
        // Apple's subject, but for the organization that marks the sandbox.
        let as_apple = ours
            .subject()
            .replace(&format!("O={CA_ORGANIZATION}"), "O=Apple Inc.");
        assert_ne!(as_apple, ours.subject(), "{which:?} does not say sandbox in O");
        let matching: Vec<_> = apple
            .iter()
            .filter(|(info, _, _)| info.subject() == as_apple)
            .collect();
        assert_eq!(
            matching.len(),
            1,
            "{which:?}: {as_apple} is none of Apple's pinned CAs"
        );
        let (_, name, apple_der) = matching[0];
        assert_eq!(*name, pinned, "{which:?}");
        assert_eq!(
            key_algorithm(dir.path(), der),
            key_algorithm(dir.path(), apple_der),
            "{which:?} ({pinned})"
        );

        // The sandbox's own: not Apple-named, not pinned, and issued by the sandbox root.
        assert!(!ours.is_apple_named(), "{which:?}");
        assert_eq!(apple_ca_name(&ours.sha256_hex()), None);
        ours.verify_issued_by(&root).unwrap();
    }
}
