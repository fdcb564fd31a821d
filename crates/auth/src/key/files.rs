//! Reading key files, and finding `AuthKey_<KEYID>.p8` in the folders where Apple's own tools look.

use std::path::{Path, PathBuf};

use zeroize::Zeroizing;

use crate::ApiKey;
use crate::error::AuthError;

/// The folders searched for `AuthKey_<KEYID>.p8`, in order, as Apple's `altool` and `notarytool` do:
/// `./private_keys`, `~/private_keys`, `~/.private_keys` and `~/.appstoreconnect/private_keys`.
///
/// [`KeyFolders::system`] uses the process's working directory and `$HOME`; [`KeyFolders::new`] takes
/// both explicitly, for tests and for tools that run on behalf of another folder.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct KeyFolders {
    cwd: PathBuf,
    home: Option<PathBuf>,
}

impl KeyFolders {
    /// The folders relative to `cwd` and to `home` (no home folder: only `./private_keys` is searched).
    pub fn new(cwd: impl Into<PathBuf>, home: Option<PathBuf>) -> KeyFolders {
        KeyFolders {
            cwd: cwd.into(),
            home,
        }
    }

    /// The folders relative to the current directory and `$HOME` (`%USERPROFILE%` on Windows).
    pub fn system() -> KeyFolders {
        let cwd = std::env::current_dir().unwrap_or_else(|_| PathBuf::from("."));
        let home = std::env::var_os("HOME")
            .or_else(|| std::env::var_os("USERPROFILE"))
            .filter(|h| !h.is_empty())
            .map(PathBuf::from);
        KeyFolders { cwd, home }
    }

    /// The folders, in search order.
    pub fn folders(&self) -> Vec<PathBuf> {
        let mut folders = vec![self.cwd.join("private_keys")];
        if let Some(home) = &self.home {
            folders.push(home.join("private_keys"));
            folders.push(home.join(".private_keys"));
            folders.push(home.join(".appstoreconnect").join("private_keys"));
        }
        folders
    }

    /// Every path where `AuthKey_<key_id>.p8` is looked for, in order.
    pub fn candidates(&self, key_id: &str) -> Vec<PathBuf> {
        let name = format!("AuthKey_{key_id}.p8");
        self.folders()
            .into_iter()
            .map(|folder| folder.join(&name))
            .collect()
    }

    /// The first existing `AuthKey_<key_id>.p8`, if any.
    pub fn find(&self, key_id: &str) -> Option<PathBuf> {
        self.candidates(key_id).into_iter().find(|p| p.is_file())
    }
}

impl ApiKey {
    /// Loads `AuthKey_<key_id>.p8` from the first of the [`KeyFolders`] that holds it.
    ///
    /// # Errors
    /// [`AuthError::InvalidKeyId`] first (the id becomes part of a file name), then
    /// [`AuthError::KeyNotFound`] listing every path tried, or any error of [`ApiKey::from_p8_file`].
    pub fn from_key_folders(
        key_id: &str,
        issuer_id: Option<&str>,
        folders: &KeyFolders,
    ) -> Result<ApiKey, AuthError> {
        let (key_id, _) = super::check_ids(key_id, issuer_id)?;
        match folders.find(&key_id) {
            Some(path) => ApiKey::from_p8_file(&key_id, issuer_id, &path),
            None => Err(AuthError::KeyNotFound {
                searched: folders.candidates(&key_id),
                key_id,
            }),
        }
    }
}

/// The most read of a key file: an App Store Connect key, in any of its formats, is under 1 KiB.
pub const MAX_KEY_FILE: usize = 64 * 1024;

/// Reads a whole key file, at most [`MAX_KEY_FILE`] bytes, into a buffer that is zeroed on drop.
///
/// A regular file larger than the limit is refused from its size without reading it; anything else
/// (a pipe, `/dev/fd/N` from a shell's process substitution, a device) is read up to one byte past
/// the limit, so `/dev/zero` ends at once. The buffer is allocated once, at the limit's size, so a
/// growing buffer leaves no copy of the key behind.
pub(crate) fn read_secret_file(path: &Path) -> Result<Zeroizing<Vec<u8>>, AuthError> {
    let unreadable = |source: std::io::Error| {
        if source.kind() == std::io::ErrorKind::NotFound {
            AuthError::KeyFileMissing {
                path: path.to_owned(),
            }
        } else {
            AuthError::KeyFileUnreadable {
                path: path.to_owned(),
                source,
            }
        }
    };
    let too_large = || AuthError::KeyFileTooLarge {
        path: path.to_owned(),
        limit: MAX_KEY_FILE,
    };
    let mut file = std::fs::File::open(path).map_err(unreadable)?;
    let metadata = file.metadata().map_err(unreadable)?;
    if metadata.is_file() && metadata.len() > MAX_KEY_FILE as u64 {
        return Err(too_large());
    }
    let mut buffer = Zeroizing::new(vec![0_u8; MAX_KEY_FILE + 1]);
    let mut filled = 0;
    while filled < buffer.len() {
        match std::io::Read::read(&mut file, &mut buffer[filled..]) {
            Ok(0) => break,
            Ok(n) => filled += n,
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => {}
            Err(e) => return Err(unreadable(e)),
        }
    }
    if filled > MAX_KEY_FILE {
        return Err(too_large());
    }
    buffer.truncate(filled);
    Ok(buffer)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::test_keys::{self, ISSUER, KEY_ID};

    fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
        let path = dir.join(name);
        std::fs::write(&path, bytes).unwrap();
        path
    }

    fn load_file(bytes: &[u8]) -> (tempfile::TempDir, PathBuf, AuthError) {
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "AuthKey_2X9R4HXF34.p8", bytes);
        let err = ApiKey::from_p8_file(KEY_ID, Some(ISSUER), &path).unwrap_err();
        (dir, path, err)
    }

    #[test]
    fn loads_a_p8_file_in_pem_and_in_der() {
        let key = test_keys::p256();
        let dir = tempfile::tempdir().unwrap();
        let pem = write(dir.path(), "AuthKey_2X9R4HXF34.p8", key.pem.as_bytes());
        let der = write(dir.path(), "key.der", &key.der);
        assert_eq!(
            ApiKey::from_p8_file(KEY_ID, Some(ISSUER), &pem)
                .unwrap()
                .public_key(),
            key.public.as_slice()
        );
        assert_eq!(
            ApiKey::from_p8_file(KEY_ID, Some(ISSUER), &der)
                .unwrap()
                .public_key(),
            key.public.as_slice()
        );
    }

    #[test]
    fn rsa_key_file_is_named_as_rsa() {
        let (_dir, path, err) = load_file(test_keys::rsa_pem().as_bytes());
        assert!(matches!(err, AuthError::RsaKey { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "file {} holds an RSA private key, not an App Store Connect API key: API keys are P-256 \
                 (ES256) keys in a .p8 file; is this a certificate signing key?",
                path.display()
            )
        );
    }

    #[test]
    fn pkcs1_rsa_key_file_is_named_as_rsa() {
        let (_dir, _path, err) = load_file(test_keys::rsa_pkcs1_pem().as_bytes());
        assert!(matches!(err, AuthError::RsaKey { .. }), "{err:?}");
    }

    #[test]
    fn p384_key_file_names_the_curve() {
        let (_dir, path, err) = load_file(test_keys::p384_pem().as_bytes());
        assert!(
            matches!(err, AuthError::WrongCurve { curve: "P-384", .. }),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "file {} holds a P-384 key: App Store Connect API keys are P-256 (ES256) keys",
                path.display()
            )
        );
    }

    #[test]
    fn encrypted_pkcs8_file_says_to_decrypt_it() {
        let (_dir, _path, err) = load_file(test_keys::encrypted_pem().as_bytes());
        assert!(matches!(err, AuthError::EncryptedKey { .. }), "{err:?}");
        assert!(
            err.to_string()
                .contains("encrypted (password-protected) private key"),
            "{err}"
        );
        // The same structure without its PEM label is recognised from the DER alone.
        let (_dir, _path, err) = load_file(&test_keys::encrypted_der());
        assert!(matches!(err, AuthError::EncryptedKey { .. }), "{err:?}");
    }

    #[test]
    fn certificate_file_says_it_is_a_certificate() {
        let cert = include_bytes!("../../testdata/AppleWWDRCAG3.cer");
        let (_dir, _path, err) = load_file(cert);
        assert!(matches!(err, AuthError::CertificateNotKey { .. }), "{err:?}");
        let (_dir, _path, err) = load_file(test_keys::pem("CERTIFICATE", cert).as_bytes());
        assert!(matches!(err, AuthError::CertificateNotKey { .. }), "{err:?}");
        assert!(
            err.to_string().contains("holds a certificate, not a private key"),
            "{err}"
        );
    }

    #[test]
    fn random_bytes_are_not_a_key() {
        let (_dir, path, err) = load_file(&test_keys::random_bytes(256));
        assert!(matches!(err, AuthError::NotAKey { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "file {} is not a private key: expected a PKCS#8 PEM (-----BEGIN PRIVATE KEY-----) as in \
                 Apple's .p8 file",
                path.display()
            )
        );
    }

    #[test]
    fn empty_file_is_empty() {
        let (_dir, path, err) = load_file(b"\n  \n");
        assert!(matches!(err, AuthError::EmptyKey { .. }), "{err:?}");
        assert_eq!(
            err.to_string(),
            format!(
                "file {} is empty: it should hold the .p8 private key Apple let you download once",
                path.display()
            )
        );
    }

    #[test]
    fn missing_file_names_its_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("AuthKey_2X9R4HXF34.p8");
        let err = ApiKey::from_p8_file(KEY_ID, Some(ISSUER), &path).unwrap_err();
        assert!(
            matches!(&err, AuthError::KeyFileMissing { path: p } if *p == path),
            "{err:?}"
        );
        assert!(err.to_string().contains(&path.display().to_string()));
    }

    #[cfg(unix)]
    #[test]
    fn unreadable_file_names_its_path() {
        // A directory where a file is expected cannot be read on every Unix, even as root.
        let dir = tempfile::tempdir().unwrap();
        let err = ApiKey::from_p8_file(KEY_ID, Some(ISSUER), dir.path()).unwrap_err();
        assert!(
            matches!(&err, AuthError::KeyFileUnreadable { path, .. } if path == dir.path()),
            "{err:?}"
        );
        assert!(err.to_string().starts_with(&format!(
            "cannot read the API key file {}: ",
            dir.path().display()
        )));
    }

    #[test]
    fn a_key_file_past_64_kib_is_refused_without_reading_it_all() {
        let key = test_keys::p256();
        // A key followed by padding up to the limit still loads: only the size is bounded.
        let mut padded = key.pem.clone().into_bytes();
        padded.resize(MAX_KEY_FILE, b'\n');
        let dir = tempfile::tempdir().unwrap();
        let at_limit = write(dir.path(), "AuthKey_2X9R4HXF34.p8", &padded);
        let loaded = ApiKey::from_p8_file(KEY_ID, Some(ISSUER), &at_limit).unwrap();
        assert_eq!(loaded.public_key(), key.public.as_slice());
        padded.push(b'\n');
        let (_dir, path, err) = load_file(&padded);
        assert!(
            matches!(&err, AuthError::KeyFileTooLarge { limit, .. } if *limit == 64 * 1024),
            "{err:?}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "the API key file {} is larger than 64 KiB; an App Store Connect key is under 1 KiB",
                path.display()
            )
        );
    }

    #[cfg(target_os = "linux")]
    #[test]
    fn endless_devices_end_at_the_limit() {
        for device in ["/dev/zero", "/dev/urandom"] {
            let err = ApiKey::from_p8_file(KEY_ID, Some(ISSUER), Path::new(device)).unwrap_err();
            assert!(
                matches!(err, AuthError::KeyFileTooLarge { .. }),
                "{device}: {err:?}"
            );
            let err = ApiKey::from_fastlane_json_file(Path::new(device)).unwrap_err();
            assert!(
                matches!(err, AuthError::KeyFileTooLarge { .. }),
                "{device}: {err:?}"
            );
        }
    }

    #[cfg(unix)]
    #[test]
    fn a_pipe_is_read_to_its_end() {
        use std::io::Write as _;
        use std::os::fd::AsRawFd as _;
        // What a shell's process substitution hands over: /dev/fd/N, the read end of a pipe.
        let key = test_keys::p256();
        let (reader, mut writer) = std::io::pipe().unwrap();
        let pem = key.pem.clone();
        let feeder = std::thread::spawn(move || writer.write_all(pem.as_bytes()));
        let path = PathBuf::from(format!("/dev/fd/{}", reader.as_raw_fd()));
        let loaded = ApiKey::from_p8_file(KEY_ID, Some(ISSUER), &path).unwrap();
        feeder.join().unwrap().unwrap();
        assert_eq!(loaded.public_key(), key.public.as_slice());
    }

    #[test]
    fn key_folders_are_searched_in_apples_order() {
        let folders = KeyFolders::new("/work", Some("/home/me".into()));
        assert_eq!(
            folders.candidates(KEY_ID),
            [
                "/work/private_keys/AuthKey_2X9R4HXF34.p8",
                "/home/me/private_keys/AuthKey_2X9R4HXF34.p8",
                "/home/me/.private_keys/AuthKey_2X9R4HXF34.p8",
                "/home/me/.appstoreconnect/private_keys/AuthKey_2X9R4HXF34.p8",
            ]
            .map(PathBuf::from)
        );
    }

    #[test]
    fn finds_the_key_in_the_first_folder_that_has_it() {
        let key = test_keys::p256();
        let other = test_keys::p256();
        let cwd = tempfile::tempdir().unwrap();
        let home = tempfile::tempdir().unwrap();
        let folders = KeyFolders::new(cwd.path(), Some(home.path().to_owned()));
        let later = home.path().join(".appstoreconnect/private_keys");
        std::fs::create_dir_all(&later).unwrap();
        write(&later, "AuthKey_2X9R4HXF34.p8", other.pem.as_bytes());
        let loaded = ApiKey::from_key_folders(KEY_ID, Some(ISSUER), &folders).unwrap();
        assert_eq!(loaded.public_key(), other.public.as_slice());

        let earlier = home.path().join(".private_keys");
        std::fs::create_dir_all(&earlier).unwrap();
        write(&earlier, "AuthKey_2X9R4HXF34.p8", key.pem.as_bytes());
        let loaded = ApiKey::from_key_folders(KEY_ID, Some(ISSUER), &folders).unwrap();
        assert_eq!(loaded.public_key(), key.public.as_slice());
    }

    #[test]
    fn missing_key_lists_every_folder_tried() {
        let cwd = tempfile::tempdir().unwrap();
        let folders = KeyFolders::new(cwd.path(), None);
        let err = ApiKey::from_key_folders(KEY_ID, None, &folders).unwrap_err();
        let expected = cwd.path().join("private_keys/AuthKey_2X9R4HXF34.p8");
        assert!(matches!(&err, AuthError::KeyNotFound { searched, .. } if *searched == [expected.clone()]));
        assert!(err.to_string().contains(&expected.display().to_string()), "{err}");
    }
}
