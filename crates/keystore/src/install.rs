//! Installing an identity straight into the macOS keychain: a compatible PKCS#12 with a one-time
//! random password, handed to ascert-keychain, which answers "only on macOS" elsewhere.

use zeroize::Zeroizing;

use crate::cert::CertificateInfo;
use crate::error::{KeystoreError, Result};
use crate::key::{PrivateKey, hex};
use crate::pkcs12::{Pkcs12Options, build_pkcs12};

pub use ascert_keychain::{Identity, Keychain};

/// Imports `key` with its certificate `leaf` (and `intermediate`, unless the keychain has it)
/// into `keychain`, and returns the identity as the keychain lists it.
///
/// The PKCS#12 in between never touches the disk; it is protected by a random one-time password,
/// since the Security framework refuses password-less files. To let codesign use the key without a
/// prompt, call [`ascert_keychain::allow_codesign`] afterwards.
///
/// # Errors
///
/// [`KeystoreError::KeyCertificateMismatch`] if the key is not the leaf's,
/// [`KeystoreError::Keychain`] if the keychain refuses, or off macOS
/// ([`ascert_keychain::KeychainError::OnlyOnMacos`]).
///
/// ```no_run
/// use ascert_keystore::{install_identity, CertificateInfo, Keychain, PrivateKey};
/// # fn f(key: PrivateKey, leaf: CertificateInfo, wwdr: CertificateInfo) -> ascert_keystore::Result<()> {
/// let identity = install_identity(&Keychain::Login, &key, &leaf, Some(&wwdr))?;
/// println!("codesign --sign {}", identity.sha1_hex());
/// # Ok(()) }
/// ```
pub fn install_identity(
    keychain: &Keychain,
    key: &PrivateKey,
    leaf: &CertificateInfo,
    intermediate: Option<&CertificateInfo>,
) -> Result<Identity> {
    let mut random = Zeroizing::new([0u8; 24]);
    aws_lc_rs::rand::fill(random.as_mut()).map_err(|_| KeystoreError::InvalidKey {
        reason: "the system random generator failed".into(),
    })?;
    let password = Zeroizing::new(hex(random.as_ref()));
    let chain: Vec<CertificateInfo> = intermediate.into_iter().cloned().collect();
    let p12 = build_pkcs12(key, leaf, &chain, &password, Pkcs12Options::compatible())?;
    Ok(ascert_keychain::import_pkcs12(
        keychain,
        &p12,
        &password,
        intermediate.map(CertificateInfo::der),
    )?)
}

#[cfg(all(test, not(target_os = "macos")))]
mod tests {
    use super::*;
    use crate::cert::tests::TestCa;
    use crate::key::tests::test_key;

    #[test]
    fn off_macos_installing_says_only_on_macos_after_checking_the_pair() {
        let ca = TestCa::new("CA");
        let leaf = ca.issue(test_key(), "Jane");
        let err = install_identity(&Keychain::Login, test_key(), &leaf, Some(&ca.cert)).unwrap_err();
        assert!(
            matches!(
                err,
                KeystoreError::Keychain(ascert_keychain::KeychainError::OnlyOnMacos { .. })
            ),
            "{err}"
        );
        assert!(err.to_string().contains("only available on macOS"), "{err}");

        let other = ca.issue(&PrivateKey::generate_rsa_2048().unwrap(), "Other");
        let err = install_identity(&Keychain::Login, test_key(), &other, None).unwrap_err();
        assert!(
            matches!(err, KeystoreError::KeyCertificateMismatch { .. }),
            "{err}"
        );
    }
}
