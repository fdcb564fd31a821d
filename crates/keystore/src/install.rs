//! Installing an identity straight into the macOS keychain: a compatible PKCS#12 with a one-time
//! random password, handed to ascert-keychain, which runs `security` (and answers "only on
//! macOS" where there is none).

use zeroize::Zeroizing;

use crate::cert::CertificateInfo;
use crate::error::{KeystoreError, Result};
use crate::key::{PrivateKey, hex};
use crate::pkcs12::{Pkcs12Options, build_pkcs12};

pub use ascert_keychain::{Identity, Installed, Keychain, Secret, SecurityTool};

/// Installs `key` with its certificate `leaf` into `keychain`, after the CA certificate
/// `intermediate` that issued it (codesign needs it to build the chain), and returns what
/// happened (see [`ascert_keychain::install_pkcs12`]: Apple's signing tools trusted, the key's
/// partition list set when `keychain_password` is given, and the identity checked with
/// `security find-identity`).
///
/// The PKCS#12 bundle is protected by a random one-time password and lives only in a private
/// temporary folder for the moment `security import` reads it. Its key bag's friendlyName is the
/// leaf's common name, the label `security import` (no `-f`) gives the key.
///
/// # Errors
///
/// [`KeystoreError::KeyCertificateMismatch`] if the key is not the leaf's,
/// [`KeystoreError::Keychain`] if the keychain step fails, or off macOS
/// ([`ascert_keychain::KeychainError::OnlyOnMacos`]).
///
/// ```no_run
/// use ascert_keystore::{install_identity, CertificateInfo, Keychain, PrivateKey, Secret, SecurityTool};
/// # fn f(key: PrivateKey, leaf: CertificateInfo, wwdr: CertificateInfo) -> Result<(), Box<dyn std::error::Error>> {
/// let tool = SecurityTool::from_env()?;
/// let keychain = Keychain::named("/tmp/ci.keychain-db")?;
/// let password = Secret::new("keychain password");
/// let installed = install_identity(&tool, &keychain, &key, &leaf, &wwdr, Some(&password))?;
/// println!("{}", installed.codesign_command());
/// # Ok(()) }
/// ```
pub fn install_identity(
    tool: &SecurityTool,
    keychain: &Keychain,
    key: &PrivateKey,
    leaf: &CertificateInfo,
    intermediate: &CertificateInfo,
    keychain_password: Option<&Secret>,
) -> Result<Installed> {
    let mut random = Zeroizing::new([0u8; 24]);
    aws_lc_rs::rand::fill(random.as_mut()).map_err(|_| KeystoreError::Random {
        what: "the one-time PKCS#12 password",
    })?;
    let password = Secret::new(hex(random.as_ref()));
    let p12 = keychain_bundle(key, leaf, password.expose())?;
    Ok(ascert_keychain::install_pkcs12(
        tool,
        &ascert_keychain::InstallRequest::new(keychain, &p12, &password, leaf.der())
            .with_friendly_name(leaf.common_name().unwrap_or(leaf.subject()))
            .with_intermediate(intermediate.der())
            .with_keychain_password(keychain_password),
    )?)
}

/// The PKCS#12 bundle [`install_identity`] hands to `security import`: the key and the leaf only
/// (the intermediate is added to the keychain on its own, `security add-certificates`), in the
/// compatible form every macOS reads, the key bag named after the leaf's common name. Tests that
/// prove the install on a Mac import exactly this bundle.
///
/// # Errors
///
/// As [`build_pkcs12`]: [`KeystoreError::KeyCertificateMismatch`] if the key is not the leaf's.
pub fn keychain_bundle(
    key: &PrivateKey,
    leaf: &CertificateInfo,
    password: &str,
) -> Result<Zeroizing<Vec<u8>>> {
    build_pkcs12(key, leaf, &[], password, Pkcs12Options::compatible())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::tests::TestCa;
    use crate::key::tests::test_key;

    #[test]
    fn without_security_installing_says_only_on_macos_after_checking_the_pair() {
        let tool = SecurityTool::at("/nonexistent/usr/bin/security");
        let missing = SecurityTool::system();
        let ca = TestCa::new("CA");
        let leaf = ca.issue(test_key(), "Jane");
        let keychain = Keychain::Path("/nonexistent/ci.keychain-db".into());
        if !missing.program().exists() {
            let err = install_identity(&missing, &keychain, test_key(), &leaf, &ca.cert, None).unwrap_err();
            assert!(
                matches!(
                    err,
                    KeystoreError::Keychain(ascert_keychain::KeychainError::OnlyOnMacos { .. })
                ),
                "{err}"
            );
            assert!(err.to_string().contains("only available on macOS"), "{err}");
        }

        let other = ca.issue(&PrivateKey::generate_rsa_2048().unwrap(), "Other");
        let err = install_identity(&tool, &keychain, test_key(), &other, &ca.cert, None).unwrap_err();
        assert!(
            matches!(err, KeystoreError::KeyCertificateMismatch { .. }),
            "{err}"
        );
    }
}
