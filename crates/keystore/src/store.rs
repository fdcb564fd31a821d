//! [`Keystore`]: the folder of private keys and their metadata records.
//!
//! Layout (see docs/keystore.md): one folder, 0700, holding for each key `<key id>.key.pem`
//! (PKCS#8 PEM, encrypted when a passphrase is set) and `<key id>.json` (its [`KeyRecord`]),
//! both 0600, and once Apple has issued it `<key id>.cer` (the certificate, DER, 0644); every file
//! is written atomically.

use std::fs;
use std::path::{Path, PathBuf};

use ascert_models::CertificateType;
use zeroize::Zeroizing;

use crate::algorithm::KeyAlgorithm;
use crate::atomic::{FileMode, ensure_private_folder, is_temp_name, remove_stale_temps, write_atomic};
use crate::cert::CertificateInfo;
use crate::csr::{Csr, CsrSubject, create_csr};
use crate::error::{KeystoreError, Result};
use crate::key::{KeyId, PrivateKey};
use crate::record::KeyRecord;

/// The environment variable naming ascert's home folder; keys live in its `keys` subfolder.
pub const HOME_ENV: &str = "ASCERT_HOME";
/// The environment variable holding the passphrase that encrypts keys at rest.
pub const PASSPHRASE_ENV: &str = "ASCERT_KEY_PASSPHRASE";

/// The file that marks a keystore whose keys are encrypted at rest (see [`Keystore::encrypts_at_rest`]).
const MARKER: &str = "keystore.json";
/// The version of the marker's format.
const MARKER_VERSION: u32 = 1;
const KEY_SUFFIX: &str = ".key.pem";
const RECORD_SUFFIX: &str = ".json";
const CERTIFICATE_SUFFIX: &str = ".cer";

/// A folder of private keys, each with its metadata record.
#[derive(Clone)]
pub struct Keystore {
    folder: PathBuf,
    passphrase: Option<Zeroizing<String>>,
}

impl std::fmt::Debug for Keystore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Keystore")
            .field("folder", &self.folder)
            .field("encrypts", &self.passphrase.is_some())
            .finish_non_exhaustive()
    }
}

impl Keystore {
    /// Opens (creating if needed, mode 0700) the keystore in `folder`, without a passphrase.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::Io`] if the folder cannot be created, [`KeystoreError::InsecureFolder`] if
    /// it exists and other users can access it.
    pub fn open(folder: impl Into<PathBuf>) -> Result<Self> {
        let folder = folder.into();
        ensure_private_folder(&folder)?;
        // Partial key or record files of a process killed mid-write are garbage (and may hold
        // part of a key): remove them.
        remove_stale_temps(&folder, None);
        Ok(Self {
            folder,
            passphrase: None,
        })
    }

    /// Opens the default keystore: `$ASCERT_HOME/keys`, else `keys` in the platform's data
    /// folder (`~/.local/share/ascert` on Linux, `~/Library/Application Support/ascert` on
    /// macOS); keys are encrypted with `$ASCERT_KEY_PASSPHRASE` when it is set and not empty.
    ///
    /// # Errors
    ///
    /// As [`Keystore::open`], and [`KeystoreError::NoHomeFolder`] if no folder can be found.
    ///
    /// ```no_run
    /// let store = ascert_keystore::Keystore::open_default()?;
    /// for record in store.records()? {
    ///     println!("{} {}", record.key_id, record.label);
    /// }
    /// # Ok::<(), ascert_keystore::KeystoreError>(())
    /// ```
    pub fn open_default() -> Result<Self> {
        Ok(Self::open(Self::default_folder()?)?.with_passphrase_from_env())
    }

    /// The folder [`Keystore::open_default`] uses.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::NoHomeFolder`] if `ASCERT_HOME` is unset and the platform has no data folder.
    pub fn default_folder() -> Result<PathBuf> {
        if let Some(home) = std::env::var_os(HOME_ENV).filter(|h| !h.is_empty()) {
            return Ok(PathBuf::from(home).join("keys"));
        }
        directories::ProjectDirs::from("", "", "ascert")
            .map(|dirs| dirs.data_dir().join("keys"))
            .ok_or(KeystoreError::NoHomeFolder)
    }

    /// Uses `$ASCERT_KEY_PASSPHRASE` as the passphrase when it is set and not empty.
    #[must_use]
    pub fn with_passphrase_from_env(self) -> Self {
        match std::env::var(PASSPHRASE_ENV) {
            Ok(p) if !p.is_empty() => self.with_passphrase(Zeroizing::new(p)),
            _ => self,
        }
    }

    /// Encrypts keys written from now on with `passphrase`, and decrypts encrypted keys with it.
    #[must_use]
    pub fn with_passphrase(mut self, passphrase: Zeroizing<String>) -> Self {
        self.passphrase = Some(passphrase);
        self
    }

    /// Whether a passphrase was given (to encrypt the keys written, and decrypt those read).
    pub fn has_passphrase(&self) -> bool {
        self.passphrase.is_some()
    }

    /// The keystore folder.
    pub fn folder(&self) -> &Path {
        &self.folder
    }

    /// Whether the keystore keeps its keys encrypted at rest: marked so the first time a key was
    /// written with a passphrase, or by [`Keystore::encrypt_all`]. Such a store refuses to write a
    /// key without the passphrase ([`KeystoreError::PassphraseRequiredToWrite`]).
    ///
    /// # Errors
    ///
    /// Errors reading the marker file, or a marker that cannot be parsed.
    pub fn encrypts_at_rest(&self) -> Result<bool> {
        let path = self.folder.join(MARKER);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice::<Marker>(&bytes)
                .map(|m| m.encrypted_at_rest)
                .map_err(|source| KeystoreError::Metadata {
                    path,
                    source: Box::new(source),
                }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(false),
            Err(e) => Err(KeystoreError::io("read", path, e)),
        }
    }

    /// Whether the stored key file is encrypted (read from the file itself, not its record).
    ///
    /// # Errors
    ///
    /// [`KeystoreError::KeyNotFound`], or the error reading the file.
    pub fn is_key_encrypted(&self, id: &KeyId) -> Result<bool> {
        let text = self.read_key_file(id)?;
        Ok(text
            .trim_start()
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"))
    }

    /// The text of a key's file, in memory that is wiped afterwards.
    fn read_key_file(&self, id: &KeyId) -> Result<Zeroizing<String>> {
        let path = self.key_path(id);
        read_secret(&path).map_err(|e| {
            if e.kind() == std::io::ErrorKind::NotFound {
                self.not_found(id)
            } else {
                KeystoreError::io("read", &path, e)
            }
        })
    }

    /// Encrypts every plaintext key with the passphrase and marks the store as encrypted at rest;
    /// returns the ids of the keys it encrypted.
    ///
    /// The mark comes first, so that from then on no run writes a plaintext key; then each key is
    /// replaced by its encrypted form with an atomic rename, one at a time: a crash at any point
    /// leaves every key whole, encrypted or not, and running it again finishes the work.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::PassphraseRequiredToWrite`] without a passphrase,
    /// [`KeystoreError::WrongPassphrase`] if it does not decrypt the keys already encrypted, and
    /// errors reading or writing the files.
    pub fn encrypt_all(&self) -> Result<Vec<KeyId>> {
        if self.passphrase.is_none() {
            return Err(KeystoreError::PassphraseRequiredToWrite {
                folder: self.folder.clone(),
            });
        }
        self.ready_to_write()?;
        let mut encrypted = Vec::new();
        for mut record in self.records()? {
            if self.is_key_encrypted(&record.key_id)? {
                continue;
            }
            let key = self.load_key(&record.key_id)?;
            self.write_key_file(&key, &mut record)?;
            encrypted.push(record.key_id);
        }
        Ok(encrypted)
    }

    /// Before a key is written encrypted into a store that holds encrypted keys: the passphrase
    /// must be theirs, or the store would end up with keys under two passphrases.
    fn check_passphrase(&self) -> Result<()> {
        let Some(passphrase) = &self.passphrase else {
            return Ok(());
        };
        let newest_encrypted = self
            .records()?
            .into_iter()
            .rev()
            .find(|r| self.is_key_encrypted(&r.key_id).unwrap_or(false));
        if let Some(record) = newest_encrypted {
            let text = self.read_key_file(&record.key_id)?;
            PrivateKey::from_pem_with_passphrase(&text, passphrase).map_err(|e| match e {
                KeystoreError::WrongPassphrase { .. } => KeystoreError::WrongPassphrase {
                    key_id: record.key_id.to_hex(),
                },
                other => other,
            })?;
        }
        Ok(())
    }

    fn mark_encrypted(&self) -> Result<()> {
        if self.encrypts_at_rest()? {
            return Ok(());
        }
        let marker = Marker {
            format_version: MARKER_VERSION,
            encrypted_at_rest: true,
        };
        let path = self.folder.join(MARKER);
        let mut json = serde_json::to_vec_pretty(&marker).map_err(|source| KeystoreError::Metadata {
            path: path.clone(),
            source: Box::new(source),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, FileMode::Secret)
    }

    /// Generates a key and its CSR, and stores both before returning, so the key is on disk before
    /// the CSR can leave the machine. The key is the one `certificate_type` takes
    /// ([`KeyAlgorithm::for_certificate_type`]: EC P-256 for `APPLE_PAY`, RSA-2048 for the other
    /// types), RSA-2048 without a type.
    ///
    /// # Errors
    ///
    /// Errors of [`PrivateKey::generate`], [`create_csr`] and writing the files.
    ///
    /// ```no_run
    /// use ascert_keystore::{CsrSubject, Keystore};
    /// let store = Keystore::open_default()?;
    /// let (record, csr) = store.generate("CI distribution", None, &CsrSubject::new("Jane Doe", "jane@example.com"))?;
    /// println!("key {} made; send this CSR:\n{}", record.key_id, csr.pem());
    /// # Ok::<(), ascert_keystore::KeystoreError>(())
    /// ```
    pub fn generate(
        &self,
        label: &str,
        certificate_type: Option<CertificateType>,
        subject: &CsrSubject,
    ) -> Result<(KeyRecord, Csr)> {
        self.generate_with(label, certificate_type, subject, false)
    }

    /// Like [`Keystore::generate`], for a certificate request that is about to be sent: the record
    /// keeps the request's type and subject ([`KeyRecord::pending_request`]), so that if the run
    /// stops before the certificate is recorded, a rerun for the same type and subject finds the key
    /// ([`KeyRecord::is_pending_for`]) instead of making a second one.
    ///
    /// # Errors
    ///
    /// As [`Keystore::generate`].
    pub fn generate_pending(
        &self,
        label: &str,
        certificate_type: CertificateType,
        subject: &CsrSubject,
    ) -> Result<(KeyRecord, Csr)> {
        self.generate_with(label, Some(certificate_type), subject, true)
    }

    fn generate_with(
        &self,
        label: &str,
        certificate_type: Option<CertificateType>,
        subject: &CsrSubject,
        pending: bool,
    ) -> Result<(KeyRecord, Csr)> {
        let algorithm = certificate_type
            .as_ref()
            .map_or(KeyAlgorithm::RSA_2048, KeyAlgorithm::for_certificate_type);
        let key = PrivateKey::generate(algorithm)?;
        let csr = create_csr(&key, subject)?;
        let mut record = KeyRecord::new(key.id(), label);
        record.certificate_type = certificate_type;
        record.csr_pem = Some(csr.pem().to_owned());
        record.pending_request = pending.then(|| subject.clone());
        self.write_key(&key, &mut record)?;
        Ok((record, csr))
    }

    /// Stores `key` with a new record labelled `label`; a key already in the store keeps its
    /// existing record, which is returned.
    ///
    /// # Errors
    ///
    /// Errors writing the files, or reading the existing record.
    pub fn add(&self, key: &PrivateKey, label: &str) -> Result<KeyRecord> {
        if self.key_path(&key.id()).exists() {
            return self.record(&key.id());
        }
        let mut record = KeyRecord::new(key.id(), label);
        self.write_key(key, &mut record)?;
        Ok(record)
    }

    /// Imports a PEM key (PKCS#1, PKCS#8, or encrypted PKCS#8 with the keystore's passphrase).
    ///
    /// # Errors
    ///
    /// As [`PrivateKey::from_pem_with_passphrase`] and [`Keystore::add`].
    pub fn import_pem(&self, pem_text: &str, label: &str) -> Result<KeyRecord> {
        let key = match &self.passphrase {
            Some(p) => PrivateKey::from_pem_with_passphrase(pem_text, p)?,
            None => PrivateKey::from_pem(pem_text)?,
        };
        self.add(&key, label)
    }

    /// Imports the key of a PKCS#12 file; the record takes the certificate's id-less facts
    /// (serial) when the file holds the key's certificate. The label defaults to the
    /// certificate's common name.
    ///
    /// # Errors
    ///
    /// As [`crate::read_pkcs12`] and [`Keystore::add`].
    pub fn import_pkcs12(&self, p12: &[u8], password: &str, label: Option<&str>) -> Result<KeyRecord> {
        let contents = crate::pkcs12::read_pkcs12(p12, password)?;
        let leaf = contents
            .certificates
            .iter()
            .find(|c| c.key_id() == contents.key.id());
        let label = label
            .map(str::to_owned)
            .or_else(|| leaf.and_then(|c| c.common_name().map(str::to_owned)))
            .unwrap_or_else(|| "imported from PKCS#12".to_owned());
        let record = self.add(&contents.key, &label)?;
        match leaf {
            Some(leaf) if record.serial_number.is_none() => self.set_certificate(&record.key_id, leaf),
            _ => Ok(record),
        }
    }

    /// Every key's record, oldest first. A key file without a record (copied in by hand) gets a
    /// stand-in record labelled "(no metadata)"; leftover temporary files are ignored.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::Io`] if the folder cannot be read, [`KeystoreError::Metadata`] for a
    /// damaged record.
    pub fn records(&self) -> Result<Vec<KeyRecord>> {
        let entries = fs::read_dir(&self.folder).map_err(|e| KeystoreError::io("read", &self.folder, e))?;
        let mut records = Vec::new();
        for entry in entries {
            let entry = entry.map_err(|e| KeystoreError::io("read", &self.folder, e))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if is_temp_name(&name) {
                continue;
            }
            if let Some(id) = name
                .strip_suffix(KEY_SUFFIX)
                .and_then(|id| id.parse::<KeyId>().ok())
            {
                records.push(self.record(&id)?);
            }
        }
        records.sort_by(|a, b| a.created.cmp(&b.created).then(a.key_id.cmp(&b.key_id)));
        Ok(records)
    }

    /// The record of one key.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::KeyNotFound`] if the key is not in the store, [`KeystoreError::Metadata`]
    /// for a damaged record.
    pub fn record(&self, id: &KeyId) -> Result<KeyRecord> {
        let key_path = self.key_path(id);
        if !key_path.exists() {
            return Err(self.not_found(id));
        }
        let path = self.record_path(id);
        match fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes).map_err(|source| KeystoreError::Metadata {
                path,
                source: Box::new(source),
            }),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {
                let mut record = KeyRecord::new(*id, "(no metadata)");
                if let Ok(modified) = fs::metadata(&key_path).and_then(|m| m.modified()) {
                    record.created = modified.into();
                }
                record.encrypted = fs::read_to_string(&key_path).is_ok_and(|t| t.contains("ENCRYPTED"));
                Ok(record)
            }
            Err(e) => Err(KeystoreError::io("read", path, e)),
        }
    }

    /// The algorithm of a stored key, found without decrypting anything: from its record
    /// ([`KeyRecord::algorithm`]), else from the certificate kept beside it, else from the key file
    /// if it is not encrypted. `None` for an encrypted key of an older record that holds neither.
    pub fn key_algorithm(&self, record: &KeyRecord) -> Option<KeyAlgorithm> {
        record
            .algorithm()
            .or_else(|| {
                self.certificate(&record.key_id)
                    .ok()
                    .flatten()
                    .and_then(|c| c.key_algorithm())
            })
            .or_else(|| {
                let text = self.read_key_file(&record.key_id).ok()?;
                PrivateKey::from_pem(&text).ok().map(|key| key.algorithm())
            })
    }

    /// Deletes a key and its record, for good: a certificate issued for the key can no longer be
    /// used from this machine. The record goes last, so an interrupted delete leaves a record whose
    /// key is gone, never a key without its record.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::KeyNotFound`], or the error removing a file.
    pub fn delete(&self, id: &KeyId) -> Result<()> {
        let key_path = self.key_path(id);
        if !key_path.exists() {
            return Err(self.not_found(id));
        }
        fs::remove_file(&key_path).map_err(|e| KeystoreError::io("remove", key_path, e))?;
        let record_path = self.record_path(id);
        match fs::remove_file(&record_path) {
            Ok(()) => {}
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => return Err(KeystoreError::io("remove", record_path, e)),
        }
        let _ = fs::remove_file(self.certificate_path(id));
        crate::atomic::sync_folder(self.folder())
    }

    /// Whether the store holds the private key with this id.
    pub fn contains(&self, id: &KeyId) -> bool {
        self.key_path(id).exists()
    }

    /// Loads a private key.
    ///
    /// # Errors
    ///
    /// [`KeystoreError::KeyNotFound`], [`KeystoreError::PassphraseRequired`] for an encrypted key
    /// without a passphrase, [`KeystoreError::WrongPassphrase`], or [`KeystoreError::InvalidKey`]
    /// if the file holds a different key than its name says.
    pub fn load_key(&self, id: &KeyId) -> Result<PrivateKey> {
        let path = self.key_path(id);
        let text = self.read_key_file(id)?;
        let key = match &self.passphrase {
            Some(p) => PrivateKey::from_pem_with_passphrase(&text, p),
            None => PrivateKey::from_pem(&text),
        }
        .map_err(|e| match e {
            KeystoreError::PassphraseRequired { .. } => {
                KeystoreError::PassphraseRequired { key_id: id.to_hex() }
            }
            KeystoreError::WrongPassphrase { .. } => KeystoreError::WrongPassphrase { key_id: id.to_hex() },
            other => other,
        })?;
        if key.id() != *id {
            return Err(KeystoreError::InvalidKey {
                reason: format!(
                    "{} holds key {}, not the key its name says",
                    path.display(),
                    key.id()
                ),
            });
        }
        Ok(key)
    }

    /// Records the certificate Apple issued for a key (its API id, if known, and serial).
    ///
    /// # Errors
    ///
    /// [`KeystoreError::KeyNotFound`] and errors writing the record; [`KeystoreError::KeyCertificateMismatch`]
    /// if the certificate is for another key.
    pub fn set_certificate(&self, id: &KeyId, certificate: &CertificateInfo) -> Result<KeyRecord> {
        if certificate.key_id() != *id {
            return Err(KeystoreError::KeyCertificateMismatch {
                subject: certificate.subject().to_owned(),
            });
        }
        let mut record = self.record(id)?;
        // Recording the same certificate again writes nothing (no fsyncs on a path every CI run takes).
        let unchanged = record.serial_number.as_deref() == Some(certificate.serial())
            && certificate
                .api_id()
                .is_none_or(|api_id| record.certificate_id.as_deref() == Some(api_id))
            && fs::read(self.certificate_path(id)).is_ok_and(|der| der == certificate.der());
        if unchanged {
            return Ok(record);
        }
        // The certificate goes beside its key before the record says it exists.
        write_atomic(&self.certificate_path(id), certificate.der(), FileMode::Public)?;
        if let Some(api_id) = certificate.api_id() {
            record.certificate_id = Some(api_id.to_owned());
        }
        record.serial_number = Some(certificate.serial().to_owned());
        self.write_record(&record)?;
        Ok(record)
    }

    /// Writes a key to `path` as PEM, atomically and 0600: encrypted PKCS#8 with `passphrase`,
    /// else plain PKCS#8.
    ///
    /// # Errors
    ///
    /// As [`Keystore::load_key`] and [`write_atomic`].
    pub fn export_pem(&self, id: &KeyId, path: &Path, passphrase: Option<&str>) -> Result<()> {
        let key = self.load_key(id)?;
        let text = match passphrase {
            Some(p) => key.to_encrypted_pem(p)?,
            None => key.to_pkcs8_pem(),
        };
        write_atomic(path, text.as_bytes(), FileMode::Secret)
    }

    /// The stored key whose public key is the certificate's, if any.
    ///
    /// # Errors
    ///
    /// As [`Keystore::record`].
    pub fn find_for_certificate(&self, certificate: &CertificateInfo) -> Result<Option<KeyRecord>> {
        let id = certificate.key_id();
        if self.contains(&id) {
            self.record(&id).map(Some)
        } else {
            Ok(None)
        }
    }

    /// The path of a key's PEM file.
    pub fn key_path(&self, id: &KeyId) -> PathBuf {
        self.folder.join(format!("{id}{KEY_SUFFIX}"))
    }

    /// The path of the certificate recorded for a key (DER), written by [`Keystore::set_certificate`].
    pub fn certificate_path(&self, id: &KeyId) -> PathBuf {
        self.folder.join(format!("{id}{CERTIFICATE_SUFFIX}"))
    }

    /// The certificate recorded for a key, if one was.
    ///
    /// # Errors
    ///
    /// Errors reading the file, or a file that is not a certificate.
    pub fn certificate(&self, id: &KeyId) -> Result<Option<CertificateInfo>> {
        match fs::read(self.certificate_path(id)) {
            Ok(der) => CertificateInfo::from_der(&der).map(Some),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(None),
            Err(e) => Err(KeystoreError::io("read", self.certificate_path(id), e)),
        }
    }

    /// The path of a key's metadata record.
    pub fn record_path(&self, id: &KeyId) -> PathBuf {
        self.folder.join(format!("{id}{RECORD_SUFFIX}"))
    }

    /// Writes a new key (and its record), as the store's encryption at rest requires.
    fn write_key(&self, key: &PrivateKey, record: &mut KeyRecord) -> Result<()> {
        self.ready_to_write()?;
        self.write_key_file(key, record)
    }

    /// Refuses a write without the passphrase into a store that encrypts at rest, and one with a
    /// passphrase that is not the store's; the first key written with a passphrase makes
    /// encryption a property of the store.
    fn ready_to_write(&self) -> Result<()> {
        if self.passphrase.is_none() {
            if self.encrypts_at_rest()? {
                return Err(KeystoreError::PassphraseRequiredToWrite {
                    folder: self.folder.clone(),
                });
            }
            return Ok(());
        }
        self.check_passphrase()?;
        self.mark_encrypted()
    }

    fn write_key_file(&self, key: &PrivateKey, record: &mut KeyRecord) -> Result<()> {
        let text = match &self.passphrase {
            Some(p) => key.to_encrypted_pem(p)?,
            None => key.to_pkcs8_pem(),
        };
        record.encrypted = self.passphrase.is_some();
        record.key_algorithm = Some(key.algorithm());
        // The key goes first: a record without its key would promise what the store cannot keep.
        write_atomic(&self.key_path(&key.id()), text.as_bytes(), FileMode::Secret)?;
        self.write_record(record)
    }

    fn write_record(&self, record: &KeyRecord) -> Result<()> {
        let path = self.record_path(&record.key_id);
        let mut json = serde_json::to_vec_pretty(record).map_err(|source| KeystoreError::Metadata {
            path: path.clone(),
            source: Box::new(source),
        })?;
        json.push(b'\n');
        write_atomic(&path, &json, FileMode::Secret)
    }

    fn not_found(&self, id: &KeyId) -> KeystoreError {
        KeystoreError::KeyNotFound {
            key_id: id.to_hex(),
            folder: self.folder.clone(),
        }
    }
}

/// Reads a secret file into one zeroizing buffer sized from the file, so reading leaves no
/// reallocated copies behind.
/// The marker file of a keystore (`keystore.json`).
#[derive(serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "camelCase")]
struct Marker {
    /// The format version ([`MARKER_VERSION`]).
    format_version: u32,
    /// Keys are written encrypted only.
    encrypted_at_rest: bool,
}

fn read_secret(path: &Path) -> std::io::Result<Zeroizing<String>> {
    use std::io::Read as _;
    let mut file = fs::File::open(path)?;
    let len = usize::try_from(file.metadata()?.len()).unwrap_or(0);
    let mut text = Zeroizing::new(String::with_capacity(len + 1));
    file.read_to_string(&mut text)?;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::tests::TestCa;
    use crate::key::tests::test_key;

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn store() -> (tempfile::TempDir, Keystore) {
        let dir = tempfile::tempdir().unwrap();
        let store = Keystore::open(dir.path().join("keys")).unwrap();
        (dir, store)
    }

    #[test]
    fn generate_writes_the_key_and_a_record_with_the_csr() {
        let (_dir, store) = store();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let (record, csr) = store
            .generate("CI", Some(CertificateType::Development), &subject)
            .unwrap();
        assert_eq!(record.label, "CI");
        assert_eq!(record.csr_pem.as_deref(), Some(csr.pem()));
        assert_eq!(record.certificate_type, Some(CertificateType::Development));
        let key = store.load_key(&record.key_id).unwrap();
        assert_eq!(key.bits(), 2048);
        assert_eq!(store.records().unwrap(), vec![record]);
    }

    #[test]
    fn the_certificate_type_decides_the_key() {
        let (_dir, store) = store();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        for (certificate_type, expected) in [
            (Some(CertificateType::ApplePay), KeyAlgorithm::EcP256),
            (Some(CertificateType::ApplePayRsa), KeyAlgorithm::RSA_2048),
            (
                Some(CertificateType::ApplePayMerchantIdentity),
                KeyAlgorithm::RSA_2048,
            ),
            (Some(CertificateType::Distribution), KeyAlgorithm::RSA_2048),
            (None, KeyAlgorithm::RSA_2048),
        ] {
            let (record, csr) = store.generate("k", certificate_type.clone(), &subject).unwrap();
            assert_eq!(record.key_algorithm, Some(expected), "{certificate_type:?}");
            assert_eq!(store.load_key(&record.key_id).unwrap().algorithm(), expected);
            assert_eq!(crate::csr::public_key_algorithm(csr.pem()), Some(expected));
            assert_eq!(store.record(&record.key_id).unwrap().algorithm(), Some(expected));
            assert_eq!(store.key_algorithm(&record), Some(expected));
        }
        let json: serde_json::Value = serde_json::from_slice(
            &fs::read(store.record_path(&store.records().unwrap()[0].key_id)).unwrap(),
        )
        .unwrap();
        assert_eq!(json["keyAlgorithm"], "EC P-256");
    }

    #[test]
    fn ec_keys_are_encrypted_at_rest_like_rsa_keys() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("keys");
        let store = Keystore::open(&folder)
            .unwrap()
            .with_passphrase(passphrase("correct horse battery"));
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let (record, _) = store
            .generate_pending("Apple Pay", CertificateType::ApplePay, &subject)
            .unwrap();
        assert!(record.encrypted);
        assert!(store.encrypts_at_rest().unwrap());
        let text = fs::read_to_string(store.key_path(&record.key_id)).unwrap();
        assert!(
            text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"),
            "{text}"
        );
        let key = store.load_key(&record.key_id).unwrap();
        assert_eq!(key.algorithm(), KeyAlgorithm::EcP256);
        // The algorithm shows without the passphrase, from the record.
        let without = Keystore::open(&folder).unwrap();
        assert_eq!(without.key_algorithm(&record), Some(KeyAlgorithm::EcP256));
        assert!(matches!(
            without.load_key(&record.key_id).unwrap_err(),
            KeystoreError::PassphraseRequired { .. }
        ));
        assert!(matches!(
            Keystore::open(&folder)
                .unwrap()
                .with_passphrase(passphrase("nope"))
                .load_key(&record.key_id)
                .unwrap_err(),
            KeystoreError::WrongPassphrase { .. }
        ));
        // And OpenSSL opens the file with the passphrase: PBES2, PBKDF2-SHA256, AES-256-CBC.
        let out = std::process::Command::new("openssl")
            .args([
                "pkey",
                "-noout",
                "-text",
                "-passin",
                "pass:correct horse battery",
                "-in",
            ])
            .arg(store.key_path(&record.key_id))
            .output()
            .unwrap();
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        assert!(String::from_utf8_lossy(&out.stdout).contains("NIST CURVE: P-256"));
        // A plaintext EC key written before the passphrase is encrypted by encrypt_all.
        let (_dir2, plain) = self::store();
        let added = plain.add(crate::key::tests::test_ec_key(), "ec").unwrap();
        let encrypting = plain.clone().with_passphrase(passphrase("p"));
        assert_eq!(encrypting.encrypt_all().unwrap(), vec![added.key_id]);
        assert_eq!(
            encrypting.load_key(&added.key_id).unwrap().algorithm(),
            KeyAlgorithm::EcP256
        );
    }

    #[test]
    fn a_pending_key_is_taken_up_only_by_a_request_of_its_algorithm() {
        let (_dir, store) = store();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let (ec, _) = store
            .generate_pending("pay", CertificateType::ApplePay, &subject)
            .unwrap();
        assert!(ec.is_pending_for(&CertificateType::ApplePay, &subject));
        assert!(!ec.is_pending_for(&CertificateType::ApplePayRsa, &subject));
        // An RSA key an earlier version left pending for APPLE_PAY (its record has no
        // keyAlgorithm: the CSR tells) is not taken for an EC request.
        let (rsa, _) = store
            .generate_pending("old", CertificateType::Development, &subject)
            .unwrap();
        let mut older = rsa.clone();
        older.certificate_type = Some(CertificateType::ApplePay);
        older.key_algorithm = None;
        assert_eq!(older.algorithm(), Some(KeyAlgorithm::RSA_2048));
        assert!(!older.is_pending_for(&CertificateType::ApplePay, &subject));
        let mut older_rsa = rsa.clone();
        older_rsa.key_algorithm = None;
        assert!(older_rsa.is_pending_for(&CertificateType::Development, &subject));
        // Nor an EC key for an RSA type.
        let mut ec_for_rsa = ec.clone();
        ec_for_rsa.certificate_type = Some(CertificateType::Development);
        assert!(!ec_for_rsa.is_pending_for(&CertificateType::Development, &subject));
    }

    #[test]
    fn an_older_records_algorithm_is_found_from_its_certificate_or_its_plain_key() {
        let (_dir, store) = store();
        let key = crate::key::tests::test_ec_key();
        let record = store.add(key, "imported").unwrap();
        assert_eq!(record.key_algorithm, Some(KeyAlgorithm::EcP256));
        // An older record: no keyAlgorithm, no CSR.
        let mut older = record.clone();
        older.key_algorithm = None;
        store.write_record(&older).unwrap();
        let older = store.record(&record.key_id).unwrap();
        assert_eq!(older.algorithm(), None);
        assert_eq!(
            store.key_algorithm(&older),
            Some(KeyAlgorithm::EcP256),
            "from the plain key"
        );
        let leaf = TestCa::new("Test CA").issue(key, "Apple Pay");
        assert_eq!(leaf.key_algorithm(), Some(KeyAlgorithm::EcP256));
        store.set_certificate(&record.key_id, &leaf).unwrap();
        fs::write(store.key_path(&record.key_id), "damaged").unwrap();
        assert_eq!(
            store.key_algorithm(&store.record(&record.key_id).unwrap()),
            Some(KeyAlgorithm::EcP256),
            "from the certificate"
        );
    }

    #[test]
    fn an_ec_key_pairs_with_its_certificate() {
        let (_dir, store) = store();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let (record, _) = store
            .generate("pay", Some(CertificateType::ApplePay), &subject)
            .unwrap();
        let key = store.load_key(&record.key_id).unwrap();
        let ca = TestCa::new("Test Apple Pay CA");
        let leaf = ca.issue(&key, "Apple Pay Payment Processing: merchant.com.example");
        assert_eq!(leaf.key_id(), record.key_id);
        let other = ca.issue(test_key(), "RSA");
        let lines = crate::pair(&store, &[leaf.clone(), other]).unwrap();
        assert_eq!(lines[0].status(), crate::PairingStatus::Paired);
        assert_eq!(lines[1].status(), crate::PairingStatus::CertificateOnly);
        store.set_certificate(&record.key_id, &leaf).unwrap();
        assert_eq!(
            store.find_for_certificate(&leaf).unwrap().unwrap().key_id,
            record.key_id
        );
    }

    #[test]
    #[cfg(unix)]
    fn the_folder_is_0700_and_every_key_and_record_file_0600() {
        let (_dir, store) = store();
        let record = store.add(test_key(), "imported").unwrap();
        assert_eq!(mode_of(store.folder()), 0o700);
        assert_eq!(mode_of(&store.key_path(&record.key_id)), 0o600);
        assert_eq!(mode_of(&store.record_path(&record.key_id)), 0o600);
        let exported = store.folder().parent().unwrap().join("exported.pem");
        store.export_pem(&record.key_id, &exported, None).unwrap();
        assert_eq!(mode_of(&exported), 0o600);
        let names: Vec<_> = fs::read_dir(store.folder())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names.len(), 2, "{names:?}");
    }

    fn passphrase(text: &str) -> Zeroizing<String> {
        Zeroizing::new(text.to_owned())
    }

    #[test]
    #[cfg(unix)]
    fn the_first_encrypted_write_makes_encryption_a_property_of_the_store() {
        let (_dir, plain) = store();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let (first, _) = plain.generate("plain", None, &subject).unwrap();
        assert!(!plain.encrypts_at_rest().unwrap());
        assert!(!plain.is_key_encrypted(&first.key_id).unwrap());

        let encrypting = plain.clone().with_passphrase(passphrase("correct horse battery"));
        let (second, _) = encrypting.generate("encrypted", None, &subject).unwrap();
        assert!(encrypting.is_key_encrypted(&second.key_id).unwrap());
        assert!(plain.encrypts_at_rest().unwrap(), "marked by the encrypted write");
        assert_eq!(mode_of(&plain.folder().join(MARKER)), 0o600);

        // From now on a run without the passphrase may read plaintext keys but write none.
        let err = plain.generate("plain again", None, &subject).unwrap_err();
        assert!(
            matches!(err, KeystoreError::PassphraseRequiredToWrite { .. }),
            "{err}"
        );
        assert_eq!(
            err.to_string(),
            format!(
                "the keystore {} keeps its keys encrypted: set ASCERT_KEY_PASSPHRASE to write a key into it",
                plain.folder().display()
            )
        );
        assert!(plain.add(test_key(), "import").is_err());
        assert_eq!(plain.records().unwrap().len(), 2, "nothing written");
        plain.load_key(&first.key_id).unwrap();

        // Nor may a run with another passphrase: the store would hold keys under two.
        let other = plain.clone().with_passphrase(passphrase("another passphrase"));
        let err = other.add(test_key(), "import").unwrap_err();
        assert!(matches!(err, KeystoreError::WrongPassphrase { .. }), "{err}");
    }

    #[test]
    fn encrypt_all_converts_every_plaintext_key_once() {
        let (_dir, plain) = store();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let ids: Vec<KeyId> = (0..3)
            .map(|i| plain.generate(&format!("k{i}"), None, &subject).unwrap().0.key_id)
            .collect();
        assert!(matches!(
            plain.encrypt_all().unwrap_err(),
            KeystoreError::PassphraseRequiredToWrite { .. }
        ));
        let encrypting = plain.clone().with_passphrase(passphrase("correct horse battery"));
        let converted = encrypting.encrypt_all().unwrap();
        assert_eq!(converted.len(), 3);
        for id in &ids {
            assert!(encrypting.is_key_encrypted(id).unwrap());
            assert!(encrypting.record(id).unwrap().encrypted);
            encrypting.load_key(id).unwrap();
            assert!(matches!(
                plain.load_key(id).unwrap_err(),
                KeystoreError::PassphraseRequired { .. }
            ));
        }
        assert!(encrypting.encrypt_all().unwrap().is_empty(), "nothing left to do");
    }

    #[test]
    fn keys_are_named_by_the_sha256_of_their_public_key() {
        let (_dir, store) = store();
        let record = store.add(test_key(), "a").unwrap();
        assert_eq!(record.key_id, test_key().id());
        assert!(
            store
                .key_path(&record.key_id)
                .ends_with(format!("{}.key.pem", test_key().id()))
        );
        // Adding the same key again keeps the first record.
        assert_eq!(store.add(test_key(), "b").unwrap().label, "a");
    }

    #[test]
    fn import_accepts_pkcs1_and_export_gives_pkcs8_back() {
        let (dir, store) = store();
        let pkcs8 = test_key().to_pkcs8_pem();
        let record = store.import_pem(&pkcs8, "from pem").unwrap();
        let out = dir.path().join("out.pem");
        store.export_pem(&record.key_id, &out, None).unwrap();
        assert_eq!(fs::read_to_string(&out).unwrap(), *pkcs8);
        store.export_pem(&record.key_id, &out, Some("pw")).unwrap();
        let text = fs::read_to_string(&out).unwrap();
        assert_eq!(
            PrivateKey::from_pem_with_passphrase(&text, "pw").unwrap().id(),
            record.key_id
        );
    }

    #[test]
    fn keys_are_encrypted_at_rest_with_a_passphrase() {
        let dir = tempfile::tempdir().unwrap();
        let folder = dir.path().join("keys");
        let store = Keystore::open(&folder)
            .unwrap()
            .with_passphrase(Zeroizing::new("s3cret".into()));
        let record = store.add(test_key(), "enc").unwrap();
        assert!(record.encrypted);
        let text = fs::read_to_string(store.key_path(&record.key_id)).unwrap();
        assert!(text.starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----"));
        assert_eq!(store.load_key(&record.key_id).unwrap().id(), record.key_id);

        let without = Keystore::open(&folder).unwrap();
        let err = without.load_key(&record.key_id).unwrap_err();
        assert!(err.to_string().contains("ASCERT_KEY_PASSPHRASE"), "{err}");
        let wrong = Keystore::open(&folder)
            .unwrap()
            .with_passphrase(Zeroizing::new("nope".into()));
        assert!(matches!(
            wrong.load_key(&record.key_id).unwrap_err(),
            KeystoreError::WrongPassphrase { .. }
        ));
    }

    #[test]
    fn set_certificate_records_id_and_serial_and_refuses_other_keys_certificates() {
        let (_dir, store) = store();
        let record = store.add(test_key(), "a").unwrap();
        let ca = TestCa::new("Test CA");
        let leaf = ca.issue(test_key(), "Jane");
        assert!(store.certificate(&record.key_id).unwrap().is_none());
        let updated = store.set_certificate(&record.key_id, &leaf).unwrap();
        assert_eq!(updated.serial_number.as_deref(), Some("9A0102"));
        let kept = store.certificate(&record.key_id).unwrap().unwrap();
        assert_eq!(kept.der(), leaf.der(), "the certificate is kept beside its key");
        #[cfg(unix)]
        assert_eq!(mode_of(&store.certificate_path(&record.key_id)), 0o644);
        assert_eq!(store.record(&record.key_id).unwrap(), updated);
        // Recording the same certificate again writes nothing: the files are the same inodes.
        #[cfg(unix)]
        {
            use std::os::unix::fs::MetadataExt as _;
            let inodes = || {
                [
                    store.record_path(&record.key_id),
                    store.certificate_path(&record.key_id),
                ]
                .map(|p| fs::metadata(p).unwrap().ino())
            };
            let before = inodes();
            assert_eq!(store.set_certificate(&record.key_id, &leaf).unwrap(), updated);
            assert_eq!(inodes(), before);
        }
        let other = KeyId::of_spki(b"other");
        assert!(matches!(
            store.set_certificate(&other, &leaf).unwrap_err(),
            KeystoreError::KeyCertificateMismatch { .. }
        ));
        assert_eq!(
            store.find_for_certificate(&leaf).unwrap().unwrap().key_id,
            record.key_id
        );
    }

    #[test]
    fn stray_files_do_not_break_listing_and_missing_records_get_a_stand_in() {
        let (_dir, store) = store();
        let record = store.add(test_key(), "a").unwrap();
        fs::remove_file(store.record_path(&record.key_id)).unwrap();
        fs::write(store.folder().join(".x.key.pem.tmp-1-ab"), "partial").unwrap();
        fs::write(store.folder().join("notes.txt"), "hello").unwrap();
        let records = store.records().unwrap();
        assert_eq!(records.len(), 1);
        assert_eq!(records[0].label, "(no metadata)");
        let err = store.load_key(&KeyId::of_spki(b"none")).unwrap_err();
        assert!(err.to_string().starts_with("no key "), "{err}");
    }

    #[test]
    fn delete_removes_the_key_and_its_record_and_nothing_else() {
        let (_dir, store) = store();
        let kept = store.add(test_key(), "kept").unwrap();
        let subject = CsrSubject::new("Jane Doe", "jane@example.com");
        let (gone, _) = store.generate("gone", None, &subject).unwrap();
        store.delete(&gone.key_id).unwrap();
        assert!(!store.contains(&gone.key_id));
        assert!(!store.record_path(&gone.key_id).exists());
        assert_eq!(store.records().unwrap().len(), 1);
        assert!(store.contains(&kept.key_id));
        let err = store.delete(&gone.key_id).unwrap_err();
        assert!(matches!(err, KeystoreError::KeyNotFound { .. }), "{err}");
    }

    #[test]
    fn the_default_folder_follows_ascert_home() {
        // `set_var` needs `unsafe` in edition 2024 (forbidden here), so a child process of this
        // test binary reads the folder with the variable set.
        let dir = tempfile::tempdir().unwrap();
        let out = std::process::Command::new(std::env::current_exe().unwrap())
            .args(["--exact", "store::tests::print_default_folder", "--nocapture"])
            .env(HOME_ENV, dir.path())
            .output()
            .unwrap();
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(
            text.contains(&format!("DEFAULT={}", dir.path().join("keys").display())),
            "{text}"
        );
    }

    #[test]
    #[allow(
        clippy::print_stdout,
        reason = "the parent test reads this line from the child's stdout"
    )]
    fn print_default_folder() {
        // Prints rather than unwraps: run on its own without HOME it must not fail.
        match Keystore::default_folder() {
            Ok(folder) => println!("DEFAULT={}", folder.display()),
            Err(e) => println!("NO DEFAULT: {e}"),
        }
    }
}
