//! The keystore's run lock: how `keys prune` knows that no run which may make or resume a pending
//! key is under way.
//!
//! A run that creates a certificate (`certificates create`, `identities ensure`) holds a shared
//! lock on `.runs.lock` in the keystore folder from before it looks for a pending key until after
//! it has recorded the certificate with its key; several such runs share it. A prune takes the
//! lock exclusively, without waiting: if it gets it, no such run is under way, and none can start
//! until the prune lets go. The lock is an advisory `flock(2)`, released by the kernel when its
//! holder exits, however it exits: a killed run leaves no stale lock behind.

use std::fs::{File, OpenOptions};
use std::path::PathBuf;

use crate::error::{KeystoreError, Result};
use crate::store::Keystore;

/// The lock file's name in the keystore folder (a dot file: never taken for a key).
const RUNS_LOCK: &str = ".runs.lock";

/// A hold on the keystore's run lock, shared or exclusive; released when dropped.
#[derive(Debug)]
pub struct RunLock {
    // The open file is the lock: closing it (on drop) releases the flock.
    _file: File,
}

impl Keystore {
    fn runs_lock_path(&self) -> PathBuf {
        self.folder().join(RUNS_LOCK)
    }

    fn open_runs_lock(&self) -> Result<File> {
        let path = self.runs_lock_path();
        let mut options = OpenOptions::new();
        options.read(true).write(true).create(true).truncate(false);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .map_err(|e| KeystoreError::io("open", path, e))
    }

    /// Holds the run lock shared, for a run that may make a pending key or resume one, until the
    /// returned [`RunLock`] is dropped. Waits while a prune holds it (a prune holds it only while it
    /// deletes files).
    ///
    /// # Errors
    ///
    /// Errors opening or locking `.runs.lock` in the keystore folder.
    pub fn hold_run_lock(&self) -> Result<RunLock> {
        let file = self.open_runs_lock()?;
        #[cfg(unix)]
        rustix::fs::flock(&file, rustix::fs::FlockOperation::LockShared)
            .map_err(|e| KeystoreError::io("lock", self.runs_lock_path(), e.into()))?;
        Ok(RunLock { _file: file })
    }

    /// Takes the run lock exclusively if no run holds it: `None` when one does (a `certificates
    /// create` or `identities ensure` is under way, and may be using a pending key).
    ///
    /// # Errors
    ///
    /// Errors opening or locking `.runs.lock` other than its being held.
    pub fn try_exclusive_run_lock(&self) -> Result<Option<RunLock>> {
        let file = self.open_runs_lock()?;
        #[cfg(unix)]
        match rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive) {
            Ok(()) => {}
            Err(rustix::io::Errno::WOULDBLOCK) => return Ok(None),
            Err(e) => return Err(KeystoreError::io("lock", self.runs_lock_path(), e.into())),
        }
        Ok(Some(RunLock { _file: file }))
    }
}

#[cfg(test)]
mod tests {
    use crate::store::Keystore;

    #[test]
    fn a_run_in_progress_keeps_the_exclusive_lock_from_a_prune() {
        let dir = tempfile::tempdir().unwrap();
        let store = Keystore::open(dir.path().join("keys")).unwrap();
        let run = store.hold_run_lock().unwrap();
        let another_run = store.hold_run_lock().unwrap();
        assert!(store.try_exclusive_run_lock().unwrap().is_none());
        drop(run);
        assert!(
            store.try_exclusive_run_lock().unwrap().is_none(),
            "one run still holds it"
        );
        drop(another_run);
        let prune = store.try_exclusive_run_lock().unwrap();
        assert!(prune.is_some());
        assert!(store.try_exclusive_run_lock().unwrap().is_none());
        drop(prune);
        assert!(store.records().unwrap().is_empty(), "the lock file is no key");
    }
}
