//! [`ApiKey`]: an App Store Connect API key (key id, issuer id, P-256 private key) and its loaders.
//!
//! The loaders for each format live beside this file: [`material`] (PEM, DER, base64), `files` (.p8
//! files and the `AuthKey_<KEYID>.p8` search), `json` (fastlane and rcodesign) and `env` (CI variables).

use std::fmt;
use std::path::Path;
use std::time::Duration;

use zeroize::Zeroizing;

use crate::error::{AuthError, shown_id};

pub(crate) mod env;
pub(crate) mod files;
pub(crate) mod json;
pub(crate) mod material;

/// An App Store Connect API key: key id, issuer id (for a team key) and the P-256 private key.
///
/// The private key is kept as PKCS#8 DER in a buffer that is zeroed on drop; [`fmt::Debug`] shows the
/// ids only. Keys are loaded from every format users hold: [`ApiKey::from_p8_file`],
/// [`ApiKey::from_pem`], [`ApiKey::from_base64_pem`], fastlane's and rcodesign's JSON, the
/// environment ([`ApiKey::from_env`]), the `AuthKey_<KEYID>.p8` folders ([`ApiKey::from_key_folders`])
/// and the OS credential store (`CredentialStore`, with the `credential-store` feature).
///
/// ```no_run
/// use ascert_auth::ApiKey;
///
/// let key = ApiKey::from_p8_file(
///     "2X9R4HXF34",
///     Some("57246542-96fe-1a63-e053-0824d011072a"),
///     "AuthKey_2X9R4HXF34.p8".as_ref(),
/// )?;
/// assert_eq!(key.key_id(), "2X9R4HXF34");
/// # Ok::<(), ascert_auth::AuthError>(())
/// ```
#[derive(Clone)]
pub struct ApiKey {
    key_id: String,
    issuer_id: Option<String>,
    pkcs8: Zeroizing<Vec<u8>>,
    public_key: Vec<u8>,
    enterprise: bool,
    lifetime: Option<Duration>,
}

impl ApiKey {
    /// Builds a key from the PEM text of a .p8 file (PKCS#8, as Apple hands it out).
    ///
    /// `issuer_id` is `None` for an individual key (its tokens carry `sub: "user"` instead of `iss`).
    /// A SEC1 `EC PRIVATE KEY` PEM of a P-256 key is accepted too.
    ///
    /// # Errors
    /// [`AuthError::InvalidKeyId`] or [`AuthError::InvalidIssuerId`] for malformed ids, and a key error
    /// ([`AuthError::RsaKey`], [`AuthError::WrongCurve`], [`AuthError::EncryptedKey`],
    /// [`AuthError::CertificateNotKey`], [`AuthError::NotAKey`], [`AuthError::EmptyKey`]) when the text
    /// is not a P-256 private key.
    pub fn from_pem(key_id: &str, issuer_id: Option<&str>, pem: &str) -> Result<ApiKey, AuthError> {
        Self::from_bytes(key_id, issuer_id, pem.as_bytes(), "the PEM text")
    }

    /// Builds a key from the base64 of a .p8 file, as CI secrets usually hold it (`base64 -i AuthKey.p8`).
    ///
    /// # Errors
    /// [`AuthError::InvalidBase64`] when the text is not base64, otherwise as [`ApiKey::from_pem`].
    pub fn from_base64_pem(key_id: &str, issuer_id: Option<&str>, base64: &str) -> Result<ApiKey, AuthError> {
        let (key_id, issuer_id) = check_ids(key_id, issuer_id)?;
        let key = material::parse_base64_key(base64, "the base64 key text")?;
        Ok(Self::assemble(key_id, issuer_id, key))
    }

    /// Builds a key from a .p8 file (PEM, or DER) at `path`.
    ///
    /// # Errors
    /// [`AuthError::KeyFileMissing`] or [`AuthError::KeyFileUnreadable`] (with the path) when the file
    /// cannot be read, [`AuthError::KeyFileTooLarge`] past [`crate::MAX_KEY_FILE`] (the file is read
    /// no further: `/dev/zero` ends at once; a pipe is read to its end up to the limit), otherwise as
    /// [`ApiKey::from_pem`].
    pub fn from_p8_file(key_id: &str, issuer_id: Option<&str>, path: &Path) -> Result<ApiKey, AuthError> {
        let (key_id, issuer_id) = check_ids(key_id, issuer_id)?;
        let bytes = files::read_secret_file(path)?;
        let key = material::parse_key(&bytes, &format!("file {}", path.display()))?;
        Ok(Self::assemble(key_id, issuer_id, key))
    }

    /// Builds a key from PKCS#8 (or SEC1) DER bytes, as rcodesign and key-generation libraries hold them.
    ///
    /// # Errors
    /// As [`ApiKey::from_pem`].
    pub fn from_der(key_id: &str, issuer_id: Option<&str>, der: &[u8]) -> Result<ApiKey, AuthError> {
        Self::from_bytes(key_id, issuer_id, der, "the DER key")
    }

    fn from_bytes(
        key_id: &str,
        issuer_id: Option<&str>,
        bytes: &[u8],
        origin: &str,
    ) -> Result<ApiKey, AuthError> {
        let (key_id, issuer_id) = check_ids(key_id, issuer_id)?;
        let key = material::parse_key(bytes, origin)?;
        Ok(Self::assemble(key_id, issuer_id, key))
    }

    pub(crate) fn assemble(key_id: String, issuer_id: Option<String>, key: material::P256Key) -> ApiKey {
        ApiKey {
            key_id,
            issuer_id,
            pkcs8: key.pkcs8,
            public_key: key.public,
            enterprise: false,
            lifetime: None,
        }
    }

    /// The key id (10 upper-case letters and digits), sent as the token's `kid`.
    pub fn key_id(&self) -> &str {
        &self.key_id
    }

    /// The issuer id of a team key, or `None` for an individual key.
    pub fn issuer_id(&self) -> Option<&str> {
        self.issuer_id.as_deref()
    }

    /// Whether the key's source marked it as an enterprise (in-house) key, such as fastlane's
    /// `in_house: true`. [`crate::TokenProvider::new`] then uses the enterprise audience.
    pub fn is_enterprise(&self) -> bool {
        self.enterprise
    }

    /// The token lifetime the key's source asked for (fastlane's `duration`), if any.
    pub fn token_lifetime(&self) -> Option<Duration> {
        self.lifetime
    }

    /// Marks the key as an enterprise (in-house) key, or not.
    ///
    /// # Errors
    /// [`AuthError::MissingIssuerId`] when marking an individual key: enterprise keys are team keys.
    pub fn with_enterprise(mut self, enterprise: bool) -> Result<ApiKey, AuthError> {
        if enterprise && self.issuer_id.is_none() {
            return Err(AuthError::MissingIssuerId {
                origin: format!("enterprise key {}", self.key_id),
            });
        }
        self.enterprise = enterprise;
        Ok(self)
    }

    /// Sets the token lifetime this key's tokens should have by default.
    ///
    /// # Errors
    /// [`AuthError::LifetimeTooLong`] over 20 minutes, [`AuthError::LifetimeTooShort`] under 3 minutes.
    pub fn with_token_lifetime(mut self, lifetime: Duration) -> Result<ApiKey, AuthError> {
        self.lifetime = Some(crate::lifetime::check_lifetime(lifetime)?);
        Ok(self)
    }

    /// The public key, as an uncompressed SEC1 point (65 bytes: `04 || x || y`).
    ///
    /// This is what a server needs to verify the key's tokens; it is not secret.
    pub fn public_key(&self) -> &[u8] {
        &self.public_key
    }

    /// The private key as PKCS#8 v1 DER, for signing inside this crate and for saving to a store.
    pub(crate) fn pkcs8_der(&self) -> &[u8] {
        &self.pkcs8
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ApiKey")
            .field("key_id", &self.key_id)
            .field("issuer_id", &self.issuer_id)
            .field("enterprise", &self.enterprise)
            .field("private_key", &"[redacted]")
            .finish_non_exhaustive()
    }
}

/// Checks the key id and issuer id, returning them owned.
pub(crate) fn check_ids(
    key_id: &str,
    issuer_id: Option<&str>,
) -> Result<(String, Option<String>), AuthError> {
    let key_id = key_id.trim();
    if key_id.len() != 10
        || !key_id
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit())
    {
        return Err(AuthError::InvalidKeyId {
            key_id: shown_id(key_id, 24),
        });
    }
    let issuer_id = match issuer_id.map(str::trim) {
        None => None,
        Some(issuer) if is_uuid(issuer) => Some(issuer.to_owned()),
        Some(issuer) => {
            return Err(AuthError::InvalidIssuerId {
                issuer_id: shown_id(issuer, 48),
            });
        }
    };
    Ok((key_id.to_owned(), issuer_id))
}

/// A UUID in its 8-4-4-4-12 hexadecimal form, either case.
fn is_uuid(text: &str) -> bool {
    let groups: Vec<&str> = text.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

impl ApiKey {
    pub(crate) fn set_enterprise_unchecked(&mut self, enterprise: bool) {
        self.enterprise = enterprise;
    }

    pub(crate) fn set_lifetime_unchecked(&mut self, lifetime: Option<Duration>) {
        self.lifetime = lifetime;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{self, ISSUER, KEY_ID};

    #[test]
    fn loads_pem_and_base64_of_pem_alike() {
        let key = test_keys::p256();
        let a = ApiKey::from_pem(KEY_ID, Some(ISSUER), &key.pem).unwrap();
        let b = ApiKey::from_base64_pem(KEY_ID, Some(ISSUER), &test_keys::b64(key.pem.as_bytes())).unwrap();
        assert_eq!(a.public_key(), key.public.as_slice());
        assert_eq!(b.public_key(), key.public.as_slice());
        let c = ApiKey::from_der(KEY_ID, Some(ISSUER), &key.der).unwrap();
        assert_eq!(c.public_key(), key.public.as_slice());
        assert_eq!(a.key_id(), KEY_ID);
        assert_eq!(a.issuer_id(), Some(ISSUER));
    }

    #[test]
    fn individual_key_has_no_issuer() {
        let key = ApiKey::from_pem(KEY_ID, None, &test_keys::p256().pem).unwrap();
        assert_eq!(key.issuer_id(), None);
        assert!(matches!(
            key.with_enterprise(true),
            Err(AuthError::MissingIssuerId { .. })
        ));
    }

    #[test]
    fn key_id_must_be_ten_upper_case_letters_and_digits() {
        let pem = test_keys::p256().pem;
        for bad in ["2x9r4hxf34", "2X9R4HXF3", "2X9R4HXF345", "2X9R4-XF34", ""] {
            let err = ApiKey::from_pem(bad, Some(ISSUER), &pem).unwrap_err();
            assert!(
                matches!(&err, AuthError::InvalidKeyId { key_id } if *key_id == format!("{bad:?}")),
                "{bad}: {err:?}"
            );
        }
        let err = ApiKey::from_pem("2x9r4hxf34", None, &pem).unwrap_err();
        assert_eq!(
            err.to_string(),
            "\"2x9r4hxf34\" is not an App Store Connect key id: expected 10 upper-case letters and digits, \
             such as 2X9R4HXF34 (see Users and Access > Integrations)"
        );
    }

    #[test]
    fn issuer_id_must_be_a_uuid() {
        let pem = test_keys::p256().pem;
        assert!(ApiKey::from_pem(KEY_ID, Some("57246542-96FE-1A63-E053-0824D011072A"), &pem).is_ok());
        for bad in [
            "57246542-96fe-1a63-e053",
            "not-a-uuid",
            "57246542x96fe-1a63-e053-0824d011072a",
            "",
        ] {
            let err = ApiKey::from_pem(KEY_ID, Some(bad), &pem).unwrap_err();
            assert!(
                matches!(&err, AuthError::InvalidIssuerId { issuer_id } if *issuer_id == format!("{bad:?}")),
                "{bad}: {err:?}"
            );
        }
        let err = ApiKey::from_pem(KEY_ID, Some("not-a-uuid"), &pem).unwrap_err();
        assert!(
            err.to_string()
                .starts_with("\"not-a-uuid\" is not an App Store Connect issuer id: expected a UUID")
        );
    }

    #[test]
    fn token_lifetime_is_bounded() {
        let key = ApiKey::from_pem(KEY_ID, Some(ISSUER), &test_keys::p256().pem).unwrap();
        assert!(matches!(
            key.clone().with_token_lifetime(Duration::from_secs(1201)),
            Err(AuthError::LifetimeTooLong { .. })
        ));
        assert_eq!(
            key.with_token_lifetime(Duration::from_secs(600))
                .unwrap()
                .token_lifetime(),
            Some(Duration::from_secs(600))
        );
    }
}
