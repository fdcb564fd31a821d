//! [`SandboxApiKey`]: an App Store Connect API key the sandbox accepts, with its `.p8` private key,
//! and the files a client reads it from (`AuthKey_<KID>.p8`, fastlane's `api-key.json`).

use std::fmt;
use std::path::{Path, PathBuf};

use rcgen::{KeyPair, PKCS_ECDSA_P256_SHA256};
use zeroize::Zeroizing;

use crate::SandboxError;

/// What a key may do, like the role a key is created with in App Store Connect.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyRole {
    /// May do everything: list, read, create, modify and revoke certificates.
    #[default]
    Admin,
    /// May only read: creating, modifying or revoking answers `403 FORBIDDEN_ERROR`.
    Developer,
}

impl KeyRole {
    /// Whether the role may create, modify and revoke certificates.
    pub fn may_write(self) -> bool {
        matches!(self, Self::Admin)
    }
}

/// Whether a key belongs to a team (tokens carry `iss`) or to one person (tokens carry `sub: "user"`).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyKind {
    /// A team key: tokens must name the team's issuer id in `iss`.
    #[default]
    Team,
    /// An individual key: tokens carry `sub: "user"` and no `iss`.
    Individual,
}

/// An API key registered with a sandbox: its id, the team's issuer id and the ES256 private key.
///
/// `Debug` leaves the private key out.
#[derive(Clone)]
pub struct SandboxApiKey {
    /// The key id, the `kid` of the token header (ten upper-case letters and digits).
    pub key_id: String,
    /// The team's issuer id (a UUID), the `iss` claim of a team key's tokens.
    pub issuer_id: String,
    /// The PKCS#8 PEM private key, exactly what App Store Connect hands out as `AuthKey_<KID>.p8`.
    pub private_key_pem: Zeroizing<String>,
    /// What the key may do.
    pub role: KeyRole,
    /// Team or individual key.
    pub kind: KeyKind,
    /// The uncompressed P-256 public point the sandbox verifies signatures with.
    pub(crate) public_key: Vec<u8>,
}

impl fmt::Debug for SandboxApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SandboxApiKey")
            .field("key_id", &self.key_id)
            .field("issuer_id", &self.issuer_id)
            .field("private_key_pem", &"<redacted>")
            .field("role", &self.role)
            .field("kind", &self.kind)
            .finish_non_exhaustive()
    }
}

/// Where [`SandboxApiKey::write_files`] put the key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFiles {
    /// `AuthKey_<KID>.p8`: the PEM private key.
    pub private_key_path: PathBuf,
    /// `api-key.json` in fastlane's format (`key_id`, `issuer_id`, `key`, `in_house`).
    pub api_key_json_path: PathBuf,
}

impl SandboxApiKey {
    /// Generates a new P-256 key for the team with issuer id `issuer_id`.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when key generation fails.
    pub(crate) fn generate(issuer_id: &str, role: KeyRole, kind: KeyKind) -> Result<Self, SandboxError> {
        let pair = KeyPair::generate_for(&PKCS_ECDSA_P256_SHA256).map_err(|source| SandboxError::Crypto {
            action: "generate an API key",
            source: Box::new(source),
        })?;
        Ok(Self {
            key_id: crate::ids::apple_id(),
            issuer_id: issuer_id.to_owned(),
            private_key_pem: Zeroizing::new(pair.serialize_pem()),
            role,
            kind,
            public_key: pair.public_key_raw().to_vec(),
        })
    }

    /// The key `key_id` of issuer `issuer_id` from its PKCS#8 DER, as a state file keeps it.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when the DER is not a P-256 private key.
    pub(crate) fn restore(
        key_id: String,
        issuer_id: String,
        pkcs8_der: &[u8],
        role: KeyRole,
        kind: KeyKind,
    ) -> Result<Self, SandboxError> {
        let pair = KeyPair::try_from(pkcs8_der).map_err(|source| SandboxError::Crypto {
            action: "read the saved API key",
            source: Box::new(source),
        })?;
        if !pair.is_compatible(&PKCS_ECDSA_P256_SHA256) {
            return Err(SandboxError::Crypto {
                action: "read the saved API key",
                source: "it is not an EC P-256 key".into(),
            });
        }
        Ok(Self {
            key_id,
            issuer_id,
            private_key_pem: Zeroizing::new(pair.serialize_pem()),
            role,
            kind,
            public_key: pair.public_key_raw().to_vec(),
        })
    }

    /// The private key's PKCS#8 DER, what a state file keeps.
    ///
    /// # Errors
    /// [`SandboxError::Crypto`] when the PEM does not parse (the sandbox made it, so it does).
    pub(crate) fn pkcs8_der(&self) -> Result<Zeroizing<Vec<u8>>, SandboxError> {
        let pair = KeyPair::from_pem(&self.private_key_pem).map_err(|source| SandboxError::Crypto {
            action: "encode the API key",
            source: Box::new(source),
        })?;
        Ok(Zeroizing::new(pair.serialize_der()))
    }

    /// The file name App Store Connect gives the key: `AuthKey_<KID>.p8`.
    pub fn file_name(&self) -> String {
        format!("AuthKey_{}.p8", self.key_id)
    }

    /// The key in fastlane's `api-key.json` format. It holds the private key: keep it secret.
    pub fn fastlane_json(&self) -> Zeroizing<String> {
        let value = serde_json::json!({
            "key_id": self.key_id,
            "issuer_id": self.issuer_id,
            "key": self.private_key_pem.as_str(),
            "in_house": false,
        });
        Zeroizing::new(format!("{value:#}\n"))
    }

    /// Writes `AuthKey_<KID>.p8` and fastlane's `api-key.json` into `dir` (created 0700 when
    /// missing), each atomically with mode 0600.
    ///
    /// # Errors
    /// [`SandboxError::Io`] when a folder or file cannot be written.
    pub fn write_files(&self, dir: &Path) -> Result<KeyFiles, SandboxError> {
        crate::fs::create_private_dir(dir)?;
        let private_key_path = dir.join(self.file_name());
        crate::fs::write_private(&private_key_path, self.private_key_pem.as_bytes())?;
        let api_key_json_path = dir.join("api-key.json");
        crate::fs::write_private(&api_key_json_path, self.fastlane_json().as_bytes())?;
        Ok(KeyFiles {
            private_key_path,
            api_key_json_path,
        })
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn debug_redacts_the_private_key() {
        let key = SandboxApiKey::generate("issuer", KeyRole::Admin, KeyKind::Team).unwrap();
        let debug = format!("{key:?}");
        assert!(debug.contains(&key.key_id));
        assert!(!debug.contains("PRIVATE KEY"), "{debug}");
        assert!(debug.ends_with(".. }"), "{debug}");
    }

    #[test]
    fn a_restored_key_is_the_same_key() {
        let key = SandboxApiKey::generate("issuer", KeyRole::Admin, KeyKind::Team).unwrap();
        let restored = SandboxApiKey::restore(
            key.key_id.clone(),
            key.issuer_id.clone(),
            &key.pkcs8_der().unwrap(),
            KeyRole::Admin,
            KeyKind::Team,
        )
        .unwrap();
        assert_eq!(restored.public_key, key.public_key);
        assert_eq!(restored.private_key_pem, key.private_key_pem);
        assert_eq!(restored.fastlane_json(), key.fastlane_json());
        assert!(
            SandboxApiKey::restore("K".into(), "I".into(), b"nope", KeyRole::Admin, KeyKind::Team).is_err()
        );
    }

    #[test]
    fn files_are_written_in_apples_and_fastlanes_formats() {
        let key = SandboxApiKey::generate("issuer-1", KeyRole::Admin, KeyKind::Team).unwrap();
        let dir = tempfile::tempdir().unwrap();
        let files = key.write_files(&dir.path().join("keys")).unwrap();
        assert_eq!(
            files.private_key_path.file_name().unwrap().to_string_lossy(),
            format!("AuthKey_{}.p8", key.key_id)
        );
        let pem = std::fs::read_to_string(&files.private_key_path).unwrap();
        assert!(pem.starts_with("-----BEGIN PRIVATE KEY-----"));
        let json: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(&files.api_key_json_path).unwrap()).unwrap();
        assert_eq!(json["key_id"], key.key_id.as_str());
        assert_eq!(json["issuer_id"], "issuer-1");
        assert_eq!(json["key"], pem.as_str());
        assert_eq!(json["in_house"], false);
        for path in [&files.private_key_path, &files.api_key_json_path] {
            assert_eq!(
                std::fs::metadata(path).unwrap().permissions().mode() & 0o777,
                0o600
            );
        }
    }
}
