//! Verifying profiles: a good signature and chain pass; each way of breaking one is refused with
//! its own error.

use std::path::{Path, PathBuf};

use ascert_mobileprovision::{Profile, ProfileError};
use time::{Duration, OffsetDateTime};

use crate::support::{self, Alg, Fields, Sign};

fn now() -> OffsetDateTime {
    OffsetDateTime::now_utc()
}

fn signed(alg: Alg, how: &Sign) -> Profile {
    let content = support::xml(support::dictionary(&Fields::default()));
    Profile::from_der(&support::sign(support::chain(alg), &content, how)).unwrap()
}

#[test]
fn rsa_and_ecdsa_profiles_verify_against_their_root() {
    for alg in [Alg::Rsa, Alg::Ecdsa] {
        let chain = support::chain(alg);
        let signer = signed(alg, &Sign::default())
            .verify(&[&chain.root], now())
            .unwrap();
        assert_eq!(
            signer.chain,
            [
                chain.signer.clone(),
                chain.intermediate.clone(),
                chain.root.clone()
            ]
        );
        assert_eq!(signer.certificate(), chain.signer);
        assert!(
            signer
                .subject
                .contains("Test Apple iPhone OS Provisioning Profile Signing"),
            "{}",
            signer.subject
        );
        let signing_time = signer.signing_time.expect("a signing time");
        assert!(
            (now() - signing_time).abs() < Duration::minutes(5),
            "{signing_time}"
        );
    }
}

#[test]
fn a_profile_without_signed_attributes_verifies_over_its_content() {
    let how = Sign {
        signed_attributes: false,
        ..Sign::default()
    };
    let chain = support::chain(Alg::Ecdsa);
    let signer = signed(Alg::Ecdsa, &how).verify(&[&chain.root], now()).unwrap();
    assert_eq!(signer.signing_time, None);
}

#[test]
fn the_intermediate_may_be_the_trusted_root() {
    let chain = support::chain(Alg::Rsa);
    let signer = signed(Alg::Rsa, &Sign::default())
        .verify(&[&chain.intermediate], now())
        .unwrap();
    assert_eq!(signer.chain, [chain.signer.clone(), chain.intermediate.clone()]);
}

#[test]
fn another_root_is_refused() {
    let other = support::other_chain();
    let err = signed(Alg::Rsa, &Sign::default())
        .verify(&[&other.root], now())
        .unwrap_err();
    assert!(matches!(err, ProfileError::UntrustedChain { .. }), "{err}");
    let err = signed(Alg::Rsa, &Sign::default()).verify(&[], now()).unwrap_err();
    assert!(matches!(err, ProfileError::UntrustedChain { .. }), "{err}");
    assert!(
        err.to_string().contains("Test Apple Root CA"),
        "the walk ends at the included root: {err}"
    );
}

#[test]
fn a_changed_content_byte_is_a_digest_mismatch() {
    let chain = support::chain(Alg::Rsa);
    let mut bytes = support::profile(&Fields::default());
    let at = bytes
        .windows(19)
        .position(|w| w == b"Example Development")
        .unwrap();
    bytes[at] = b'X';
    let profile = Profile::from_der(&bytes).unwrap();
    assert_eq!(profile.name(), "Xxample Development");
    let err = profile.verify(&[&chain.root], now()).unwrap_err();
    assert!(matches!(err, ProfileError::DigestMismatch), "{err}");

    // Without signed attributes the signature itself covers the content.
    let how = Sign {
        signed_attributes: false,
        ..Sign::default()
    };
    let mut bytes = support::sign(
        chain,
        &support::xml(support::dictionary(&Fields::default())),
        &how,
    );
    let at = bytes
        .windows(19)
        .position(|w| w == b"Example Development")
        .unwrap();
    bytes[at] = b'X';
    let err = Profile::from_der(&bytes)
        .unwrap()
        .verify(&[&chain.root], now())
        .unwrap_err();
    assert!(matches!(err, ProfileError::BadSignature), "{err}");
}

#[test]
fn a_signature_over_other_attributes_is_refused() {
    for alg in [Alg::Rsa, Alg::Ecdsa] {
        let how = Sign {
            over_other_attributes: true,
            ..Sign::default()
        };
        let err = signed(alg, &how)
            .verify(&[&support::chain(alg).root], now())
            .unwrap_err();
        assert!(matches!(err, ProfileError::BadSignature), "{err}");
    }
}

#[test]
fn a_missing_signer_certificate_is_refused() {
    let how = Sign {
        include_signer: false,
        ..Sign::default()
    };
    let err = signed(Alg::Rsa, &how)
        .verify(&[&support::chain(Alg::Rsa).root], now())
        .unwrap_err();
    assert!(matches!(err, ProfileError::SignerCertificateMissing), "{err}");
}

#[test]
fn an_expired_or_not_yet_valid_signer_is_refused() {
    let chain = support::chain(Alg::Rsa);
    let profile = signed(Alg::Rsa, &Sign::default());
    let err = profile
        .verify(&[&chain.root], chain.signer_not_after + Duration::days(1))
        .unwrap_err();
    match &err {
        ProfileError::CertificateExpired { subject, not_after } => {
            assert!(subject.contains("Provisioning Profile Signing"), "{subject}");
            assert_eq!(*not_after, chain.signer_not_after);
        }
        other => panic!("{other}"),
    }
    let err = profile
        .verify(&[&chain.root], now() - Duration::days(400))
        .unwrap_err();
    assert!(
        matches!(err, ProfileError::CertificateNotYetValid { .. }),
        "{err}"
    );
}

#[test]
fn a_root_that_is_not_a_certificate_is_named() {
    let err = signed(Alg::Rsa, &Sign::default())
        .verify(&[b"garbage"], now())
        .unwrap_err();
    assert!(
        err.to_string().starts_with("cannot parse trusted root 1"),
        "{err}"
    );
}

/// Whether this test runs inside the ascert workspace rather than unpacked from the published
/// package, where the workspace's reference files do not travel.
fn in_workspace() -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    std::fs::read_to_string(root)
        .is_ok_and(|text| text.contains("[workspace]") && text.contains("ascert-mobileprovision"))
}

/// Apple's CA certificates: `$ASCERT_SHARED_DIR/reference/apple-ca`, else the first ancestor's
/// `shared/reference/apple-ca`. They are not ours to ship: outside the workspace the test says so
/// and is skipped; inside it, which is where CI runs, a missing folder fails it.
#[allow(clippy::print_stderr, reason = "a test says why it is skipped")]
fn apple_ca_dir() -> Option<PathBuf> {
    if let Some(shared) = std::env::var_os("ASCERT_SHARED_DIR") {
        return Some(PathBuf::from(shared).join("reference").join("apple-ca"));
    }
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("reference").join("apple-ca"))
        .find(|dir| dir.join("AppleIncRootCertificate.cer").is_file());
    if found.is_none() {
        assert!(
            !in_workspace(),
            "shared/reference/apple-ca (Apple's CA certificates) is missing beside the checkout: put \
             the reference folder there or set ASCERT_SHARED_DIR"
        );
        eprintln!(
            "skipped: the check against Apple's roots needs shared/reference/apple-ca, which is not \
             part of this crate's package; run the tests in the ascert workspace"
        );
    }
    found
}

#[test]
fn apples_real_roots_do_not_accept_a_test_profile() {
    let Some(folder) = apple_ca_dir() else { return };
    let roots: Vec<Vec<u8>> = [
        "AppleIncRootCertificate.cer",
        "AppleRootCA-G3.cer",
        "AppleWWDRCAG3.cer",
    ]
    .iter()
    .map(|name| std::fs::read(folder.join(name)).unwrap())
    .collect();
    let roots: Vec<&[u8]> = roots.iter().map(Vec::as_slice).collect();
    // Apple's roots parse and are used: the walk ends at the test root, which is none of them.
    let err = signed(Alg::Rsa, &Sign::default())
        .verify(&roots, now())
        .unwrap_err();
    assert!(matches!(err, ProfileError::UntrustedChain { .. }), "{err}");
    let chain = support::chain(Alg::Rsa);
    let with_ours: Vec<&[u8]> = roots.iter().copied().chain([chain.root.as_slice()]).collect();
    signed(Alg::Rsa, &Sign::default())
        .verify(&with_ours, now())
        .unwrap();
}
