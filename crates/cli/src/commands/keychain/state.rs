//! What `ascert keychain create` remembers for `keychain delete`: that the keychain is ascert's,
//! and the default keychain before it (and, for the record, the search list before it: `delete`
//! does not put that snapshot back, since other jobs may have changed the list since). One JSON file, `<ascert home>/keychains.json`,
//! written 0600 and atomically (temp file, fsync, rename) like the keystore's files.

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_keystore::{FileMode, ensure_private_folder, write_atomic};
use serde::{Deserialize, Serialize};

/// The file's name in the ascert home.
const FILE: &str = "keychains.json";

/// One keychain ascert created.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq, Eq)]
pub(crate) struct Created {
    /// The keychain file.
    pub(crate) path: PathBuf,
    /// The user's search list before it was added.
    pub(crate) previous_search_list: Vec<PathBuf>,
    /// The default keychain before (kept whether or not `--default` was given).
    pub(crate) previous_default: Option<PathBuf>,
    /// Whether `--default` made it the default keychain.
    pub(crate) made_default: bool,
}

#[derive(Debug, Default, Serialize, Deserialize)]
struct File {
    keychains: Vec<Created>,
}

/// The records of one ascert home.
#[derive(Debug, Clone)]
pub(crate) struct Records {
    home: PathBuf,
}

impl Records {
    pub(crate) fn new(home: PathBuf) -> Self {
        Self { home }
    }

    fn path(&self) -> PathBuf {
        self.home.join(FILE)
    }

    fn read(&self) -> Result<File> {
        let path = self.path();
        match std::fs::read(&path) {
            Ok(bytes) => serde_json::from_slice(&bytes)
                .with_context(|| format!("{} is not a keychain record file", path.display())),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(File::default()),
            Err(e) => Err(e).with_context(|| format!("cannot read {}", path.display())),
        }
    }

    fn write(&self, file: &File) -> Result<()> {
        ensure_private_folder(&self.home)
            .with_context(|| format!("cannot make the folder {}", self.home.display()))?;
        let json = serde_json::to_vec_pretty(file)?;
        write_atomic(&self.path(), &json, FileMode::Secret)
            .with_context(|| format!("cannot write {}", self.path().display()))
    }

    /// Every keychain recorded.
    pub(crate) fn all(&self) -> Result<Vec<Created>> {
        Ok(self.read()?.keychains)
    }

    /// The record of `path`, if any.
    pub(crate) fn find(&self, path: &Path) -> Result<Option<Created>> {
        Ok(self.all()?.into_iter().find(|c| c.path == path))
    }

    /// Records `created`, replacing an older record of the same path.
    pub(crate) fn add(&self, created: Created) -> Result<()> {
        let mut file = self.read()?;
        file.keychains.retain(|c| c.path != created.path);
        file.keychains.push(created);
        self.write(&file)
    }

    /// Forgets `path`.
    pub(crate) fn remove(&self, path: &Path) -> Result<()> {
        let mut file = self.read()?;
        let before = file.keychains.len();
        file.keychains.retain(|c| c.path != path);
        if file.keychains.len() != before {
            self.write(&file)?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn records_round_trip_in_a_private_file() {
        let dir = tempfile::tempdir().unwrap();
        let records = Records::new(dir.path().join("home"));
        assert!(records.all().unwrap().is_empty());
        let created = Created {
            path: "/k/ci.keychain-db".into(),
            previous_search_list: vec!["/k/login.keychain-db".into()],
            previous_default: Some("/k/login.keychain-db".into()),
            made_default: false,
        };
        records.add(created.clone()).unwrap();
        records.add(created.clone()).unwrap();
        assert_eq!(records.all().unwrap(), std::slice::from_ref(&created));
        let mode = std::fs::metadata(dir.path().join("home").join(FILE))
            .unwrap()
            .permissions()
            .mode();
        assert_eq!(mode & 0o777, 0o600);
        records.remove(Path::new("/k/ci.keychain-db")).unwrap();
        assert!(records.find(Path::new("/k/ci.keychain-db")).unwrap().is_none());
    }
}
