//! Atomic file writing: a temporary file in the same folder, fsynced, renamed over the target,
//! then the folder fsynced, so a reader (or a crash) sees the old file or the new one, never half.
//!
//! Files holding secrets are created 0600 by `OpenOptions::mode`, so they are never readable by
//! others, not even for an instant; key folders are created 0700.

use std::fs::{self, File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

use crate::error::{KeystoreError, Result};

/// Who may read a file written by [`write_atomic`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FileMode {
    /// Only the owner (0600): private keys, PKCS#12 files, metadata next to keys.
    Secret,
    /// Everyone may read (0644): certificates and CSRs.
    Public,
}

impl FileMode {
    /// The Unix permission bits.
    pub fn bits(self) -> u32 {
        match self {
            Self::Secret => 0o600,
            Self::Public => 0o644,
        }
    }
}

/// Writes `contents` to `path` atomically with the given mode.
///
/// The data goes to a hidden temporary file in the same folder (created exclusively, with the
/// final mode), which is fsynced and renamed over `path`; the folder is then fsynced so the
/// rename itself survives a power cut. If anything fails the temporary file is removed and
/// `path` keeps its previous content (or stays absent).
///
/// # Errors
///
/// [`KeystoreError::Io`] if the folder does not exist or any step fails.
///
/// ```no_run
/// use ascert_keystore::{write_atomic, FileMode};
/// write_atomic("identity.p12".as_ref(), b"...", FileMode::Secret)?;
/// # Ok::<(), ascert_keystore::KeystoreError>(())
/// ```
pub fn write_atomic(path: &Path, contents: &[u8], mode: FileMode) -> Result<()> {
    write_atomic_with(path, contents, mode, |_| Ok(()))
}

/// [`write_atomic`] with a hook run after the temporary file is complete and before the rename;
/// tests use it to simulate a failure at the worst moment.
pub(crate) fn write_atomic_with(
    path: &Path,
    contents: &[u8],
    mode: FileMode,
    before_rename: impl FnOnce(&Path) -> std::io::Result<()>,
) -> Result<()> {
    let folder = parent_folder(path);
    if let Some(name) = path.file_name() {
        // A writer killed mid-write (SIGKILL, power cut) leaves its partial temporary file behind.
        remove_stale_temps(&folder, Some(&name.to_string_lossy()));
    }
    let temp = temp_path(path, &folder);
    let result = (|| {
        let mut file = create_new(&temp, mode).map_err(|e| KeystoreError::io("create", &temp, e))?;
        file.write_all(contents)
            .map_err(|e| KeystoreError::io("write", &temp, e))?;
        file.sync_all()
            .map_err(|e| KeystoreError::io("flush to disk", &temp, e))?;
        drop(file);
        before_rename(&temp).map_err(|e| KeystoreError::io("write", &temp, e))?;
        fs::rename(&temp, path).map_err(|e| KeystoreError::io("replace", path, e))?;
        sync_folder(&folder)
    })();
    if result.is_err() {
        // The temporary file is garbage once the write failed; the target is untouched.
        let _ = fs::remove_file(&temp);
    }
    result
}

/// Creates `path` (and missing parents) as a folder only the owner may use (0700).
///
/// An existing folder is accepted only if neither group nor others have any access; it is not
/// silently changed, because a key folder that was open may already have leaked its keys.
///
/// # Errors
///
/// [`KeystoreError::ForeignFolder`] if it is a symbolic link or another user owns it;
/// [`KeystoreError::Io`] if the folder cannot be created, [`KeystoreError::InsecureFolder`] if it
/// exists with group or other permissions.
pub fn ensure_private_folder(path: &Path) -> Result<()> {
    let mut builder = fs::DirBuilder::new();
    builder.recursive(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::DirBuilderExt;
        builder.mode(0o700);
    }
    builder
        .create(path)
        .map_err(|e| KeystoreError::io("create the folder", path, e))?;
    #[cfg(unix)]
    {
        use std::os::unix::fs::{MetadataExt as _, PermissionsExt};
        // The folder itself, not what a link points to: a link planted in its place would send
        // keys wherever its maker chose.
        let metadata =
            fs::symlink_metadata(path).map_err(|e| KeystoreError::io("inspect the folder", path, e))?;
        if metadata.file_type().is_symlink() {
            return Err(KeystoreError::ForeignFolder {
                path: path.to_owned(),
                reason: "it is a symbolic link; use the folder it points to, if it is yours".into(),
            });
        }
        let me = rustix::process::geteuid().as_raw();
        if metadata.uid() != me {
            return Err(KeystoreError::ForeignFolder {
                path: path.to_owned(),
                reason: format!("it is owned by user {}, not by you ({me})", metadata.uid()),
            });
        }
        let mode = metadata.permissions().mode() & 0o777;
        if mode & 0o077 != 0 {
            return Err(KeystoreError::InsecureFolder {
                path: path.to_owned(),
                mode,
            });
        }
    }
    Ok(())
}

/// Creates `path` and missing parents as an ordinary folder (for certificate caches).
pub(crate) fn ensure_folder(path: &Path) -> Result<()> {
    fs::create_dir_all(path).map_err(|e| KeystoreError::io("create the folder", path, e))
}

/// Whether a file name is one of this module's temporary files (left over after a crash).
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// How old a temporary file must be before it counts as abandoned where the writer's liveness
/// cannot be checked (no `/proc`, as on macOS).
const ABANDONED_AFTER: std::time::Duration = std::time::Duration::from_secs(15 * 60);

/// Removes the temporary files in `folder` left by writers that died mid-write: of the file
/// `target` only, or of any file with `None`. A temporary file is abandoned when the process named
/// in it (`.NAME.tmp-PID-RANDOM`) is gone (checked in `/proc`), or, without `/proc`, when it is
/// older than 15 minutes; a live writer's file is never touched. Failures are ignored: this is
/// tidying, never needed for a write to succeed.
pub(crate) fn remove_stale_temps(folder: &Path, target: Option<&str>) {
    let Ok(entries) = fs::read_dir(folder) else {
        return;
    };
    for entry in entries.flatten() {
        let name = entry.file_name().to_string_lossy().into_owned();
        let Some(pid) = temp_owner(&name, target) else {
            continue;
        };
        if pid != std::process::id() && writer_is_gone(pid, &entry) {
            let _ = fs::remove_file(entry.path());
        }
    }
}

/// The writer's process id, if `name` is a temporary file (of `target`, when given).
fn temp_owner(name: &str, target: Option<&str>) -> Option<u32> {
    let rest = name.strip_prefix('.')?;
    let (stem, tail) = rest.rsplit_once(".tmp-")?;
    if target.is_some_and(|t| t != stem) {
        return None;
    }
    let (pid, random) = tail.split_once('-')?;
    if random.is_empty() || !random.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    pid.parse().ok()
}

fn writer_is_gone(pid: u32, entry: &fs::DirEntry) -> bool {
    let proc = Path::new("/proc");
    if proc.join("self").exists() {
        return !proc.join(pid.to_string()).exists();
    }
    entry
        .metadata()
        .and_then(|m| m.modified())
        .is_ok_and(|modified| modified.elapsed().is_ok_and(|age| age > ABANDONED_AFTER))
}

fn parent_folder(path: &Path) -> PathBuf {
    match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    }
}

fn temp_path(path: &Path, folder: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let mut random = [0u8; 8];
    // A random suffix keeps two concurrent writers of the same file from sharing a temp file;
    // if the system RNG fails the process id still separates processes.
    let _ = aws_lc_rs::rand::fill(&mut random);
    let suffix = crate::key::hex(&random);
    folder.join(format!(".{name}.tmp-{}-{suffix}", std::process::id()))
}

fn create_new(path: &Path, mode: FileMode) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt;
        options.mode(mode.bits());
    }
    #[cfg(not(unix))]
    let _ = mode;
    options.open(path)
}

pub(crate) fn sync_folder(folder: &Path) -> Result<()> {
    // Only Unix lets a folder be opened and fsynced; elsewhere rename durability is the OS's.
    #[cfg(unix)]
    File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(|e| KeystoreError::io("flush the folder", folder, e))?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[cfg(unix)]
    fn mode_of(path: &Path) -> u32 {
        use std::os::unix::fs::PermissionsExt;
        fs::metadata(path).unwrap().permissions().mode() & 0o777
    }

    fn names_in(folder: &Path) -> Vec<String> {
        let mut names: Vec<String> = fs::read_dir(folder)
            .unwrap()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect();
        names.sort();
        names
    }

    #[test]
    #[cfg(unix)]
    fn secret_files_are_0600_and_public_files_0644() {
        let dir = tempfile::tempdir().unwrap();
        let secret = dir.path().join("key.pem");
        let public = dir.path().join("leaf.cer");
        write_atomic(&secret, b"secret", FileMode::Secret).unwrap();
        write_atomic(&public, b"public", FileMode::Public).unwrap();
        assert_eq!(mode_of(&secret), 0o600);
        // The umask may take bits away from 0644 but never adds any.
        assert_eq!(mode_of(&public) & !0o644, 0);
        assert_eq!(fs::read(&secret).unwrap(), b"secret");
    }

    #[test]
    fn replacing_a_file_leaves_only_the_new_content() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pem");
        write_atomic(&path, b"old", FileMode::Secret).unwrap();
        write_atomic(&path, b"new", FileMode::Secret).unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        assert_eq!(names_in(dir.path()), ["a.pem"]);
    }

    #[test]
    fn a_write_interrupted_before_the_rename_keeps_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pem");
        write_atomic(&path, b"old content", FileMode::Secret).unwrap();
        let err = write_atomic_with(&path, b"new content that never lands", FileMode::Secret, |temp| {
            // The temporary file is complete at this point: prove it, then fail as a crash would.
            assert_eq!(fs::read(temp).unwrap(), b"new content that never lands");
            Err(std::io::Error::other("simulated power cut"))
        })
        .unwrap_err();
        assert!(err.to_string().contains("simulated power cut"), "{err}");
        assert_eq!(fs::read(&path).unwrap(), b"old content");
        assert_eq!(
            names_in(dir.path()),
            ["a.pem"],
            "no temporary file is left behind"
        );
    }

    #[test]
    fn a_write_interrupted_before_the_rename_creates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("new.p12");
        write_atomic_with(&path, b"partial", FileMode::Secret, |_| {
            Err(std::io::Error::other("killed"))
        })
        .unwrap_err();
        assert!(!path.exists());
        assert!(names_in(dir.path()).is_empty());
    }

    #[test]
    fn a_killed_process_leaves_at_most_a_hidden_temp_file() {
        // A process killed before the rename cannot clean up: its temp file stays, but the target
        // keeps its old content and readers recognise the leftover by name.
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("a.pem");
        write_atomic(&path, b"old", FileMode::Secret).unwrap();
        let mut leftover = None;
        let _ = write_atomic_with(&path, b"new", FileMode::Secret, |temp| {
            fs::copy(temp, dir.path().join(".copy")).unwrap();
            leftover = Some(temp.file_name().unwrap().to_string_lossy().into_owned());
            Err(std::io::Error::other("killed"))
        });
        assert!(is_temp_name(&leftover.unwrap()));
        assert!(!is_temp_name("a.pem"));
        assert_eq!(fs::read(&path).unwrap(), b"old");
    }

    #[test]
    #[cfg(unix)]
    fn links_and_folders_of_other_users_are_refused() {
        let dir = tempfile::tempdir().unwrap();
        let real = dir.path().join("real");
        ensure_private_folder(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = ensure_private_folder(&link).unwrap_err();
        assert!(
            err.to_string().ends_with(
                "cannot hold keys: it is a symbolic link; use the folder it points to, if it is yours"
            ),
            "{err}"
        );

        // Someone else's folder: as root (CI), one handed to another user; otherwise root's own.
        let me = rustix::process::geteuid().as_raw();
        let foreign = if me == 0 {
            let theirs = dir.path().join("theirs");
            ensure_private_folder(&theirs).unwrap();
            std::os::unix::fs::chown(&theirs, Some(4321), None).unwrap();
            theirs
        } else {
            PathBuf::from("/")
        };
        let err = ensure_private_folder(&foreign).unwrap_err();
        assert!(matches!(err, KeystoreError::ForeignFolder { .. }), "{err}");
        assert!(err.to_string().contains(&format!("not by you ({me})")), "{err}");
    }

    #[test]
    #[cfg(unix)]
    fn private_folders_are_0700_and_open_ones_are_refused() {
        use std::os::unix::fs::PermissionsExt;
        let dir = tempfile::tempdir().unwrap();
        let keys = dir.path().join("home").join("keys");
        ensure_private_folder(&keys).unwrap();
        assert_eq!(mode_of(&keys), 0o700);
        ensure_private_folder(&keys).unwrap();

        fs::set_permissions(&keys, fs::Permissions::from_mode(0o755)).unwrap();
        let err = ensure_private_folder(&keys).unwrap_err();
        assert!(
            matches!(err, KeystoreError::InsecureFolder { mode: 0o755, .. }),
            "{err}"
        );
        assert!(err.to_string().contains("chmod 700"), "{err}");
    }

    #[test]
    fn writing_into_a_missing_folder_fails_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("missing").join("a.pem");
        let err = write_atomic(&path, b"x", FileMode::Secret).unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }

    #[test]
    #[cfg(target_os = "linux")]
    fn a_killed_writers_temporary_file_is_removed_a_live_ones_kept() {
        let dir = tempfile::tempdir().unwrap();
        let target = dir.path().join("dist.p12");
        // No process has this id (Linux pids stop at 2^22); pid 1 is always alive.
        let dead = dir.path().join(".dist.p12.tmp-4000000000-00000000deadbeef");
        let live = dir.path().join(".dist.p12.tmp-1-00000000cafef00d");
        let other = dir.path().join(".other.p12.tmp-4000000000-00000000deadbeef");
        for path in [&dead, &live, &other] {
            fs::write(path, b"partial").unwrap();
        }
        write_atomic(&target, b"whole", FileMode::Secret).unwrap();
        assert!(!dead.exists(), "the dead writer's partial file is gone");
        assert!(live.exists(), "a live writer's file is left alone");
        assert!(
            other.exists(),
            "another file's temporary file waits for its own write"
        );
        remove_stale_temps(dir.path(), None);
        assert!(!other.exists(), "a sweep of the folder takes every abandoned one");
        assert!(live.exists());
        assert_eq!(fs::read(&target).unwrap(), b"whole");
    }

    #[test]
    fn only_this_modules_temporary_names_are_recognised() {
        assert_eq!(temp_owner(".a.pem.tmp-12-0a1b", Some("a.pem")), Some(12));
        assert_eq!(temp_owner(".a.pem.tmp-12-0a1b", Some("b.pem")), None);
        assert_eq!(temp_owner(".a.pem.tmp-12-0a1b", None), Some(12));
        assert_eq!(temp_owner("a.pem.tmp-12-0a1b", None), None);
        assert_eq!(temp_owner(".a.pem.tmp-x-0a1b", None), None);
        assert_eq!(temp_owner(".a.pem.tmp-12-notes", None), None);
    }
}
