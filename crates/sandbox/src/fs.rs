//! Atomic, private file writes: a temporary file in the same folder, created 0600, fsynced, renamed
//! over the target, then the folder fsynced, so a reader never sees half a file and a crash never
//! leaves a key readable by others.

use std::fs::{self, File, OpenOptions};
use std::io::Write as _;
use std::os::unix::fs::{DirBuilderExt as _, OpenOptionsExt as _};
use std::path::Path;

use crate::SandboxError;

/// Creates `dir` (and its parents) with mode 0700 when it does not exist; an existing one must be a
/// real folder (not a symbolic link), owned by this user, that group and others cannot write to:
/// whoever controls the folder controls what is read back from it. (Reading the folder gives nothing:
/// the files in it are 0600. The keystore asks more of its own folder: 0700.)
pub(crate) fn create_private_dir(dir: &Path) -> Result<(), SandboxError> {
    use std::os::unix::fs::{MetadataExt as _, PermissionsExt as _};
    make_dir(dir)?;
    let unsafe_folder = |reason: String| SandboxError::UnsafeFolder {
        path: dir.to_path_buf(),
        reason,
    };
    let metadata = fs::symlink_metadata(dir).map_err(|source| SandboxError::Io {
        action: "inspect the folder",
        path: dir.to_path_buf(),
        source,
    })?;
    if metadata.file_type().is_symlink() {
        return Err(unsafe_folder("it is a symbolic link".into()));
    }
    let me = rustix::process::geteuid().as_raw();
    if metadata.uid() != me {
        return Err(unsafe_folder(format!(
            "it is owned by user {}, not by you ({me})",
            metadata.uid()
        )));
    }
    let mode = metadata.permissions().mode() & 0o777;
    if mode & 0o022 != 0 {
        return Err(unsafe_folder(format!(
            "other users may write to it (mode {mode:o}); run `chmod go-w {}` or give a new folder",
            dir.display()
        )));
    }
    Ok(())
}

/// Creates `dir` (and its parents) with mode 0700 when it does not exist, for the state file. An
/// existing folder is left as it is: a state file may go anywhere its user can write, as before it
/// could be created there.
pub(crate) fn create_missing_dir(dir: &Path) -> Result<(), SandboxError> {
    if dir.is_dir() {
        return Ok(());
    }
    make_dir(dir)
}

/// `mkdir -p -m 0700 dir`: the folders made are private; an existing one is left as it is.
fn make_dir(dir: &Path) -> Result<(), SandboxError> {
    fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(dir)
        .map_err(|source| SandboxError::Io {
            action: "create the folder",
            path: dir.to_path_buf(),
            source,
        })
}

/// Writes `bytes` to `path` atomically with mode 0600.
pub(crate) fn write_private(path: &Path, bytes: &[u8]) -> Result<(), SandboxError> {
    let io_error = |action: &'static str, at: &Path| {
        let at = at.to_path_buf();
        move |source| SandboxError::Io {
            action,
            path: at,
            source,
        }
    };
    let dir = match path.parent() {
        Some(parent) if !parent.as_os_str().is_empty() => parent,
        _ => Path::new("."),
    };
    let file_name = path
        .file_name()
        .map_or_else(|| "file".into(), |n| n.to_string_lossy().into_owned());
    let temp = dir.join(format!(".{file_name}.tmp-{}", crate::ids::apple_id()));
    let result = (|| {
        let mut file = OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(0o600)
            .open(&temp)
            .map_err(io_error("create", &temp))?;
        file.write_all(bytes).map_err(io_error("write", &temp))?;
        file.sync_all().map_err(io_error("sync", &temp))?;
        fs::rename(&temp, path).map_err(io_error("rename into place", path))?;
        File::open(dir)
            .and_then(|d| d.sync_all())
            .map_err(io_error("sync the folder", dir))
    })();
    if result.is_err() {
        // Best effort: a failed write must not leave a stray temporary file behind.
        let _ = fs::remove_file(&temp);
    }
    result
}

#[cfg(test)]
mod tests {
    use std::os::unix::fs::PermissionsExt as _;

    use super::*;

    #[test]
    fn writes_are_private_and_replace_the_old_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("sub").join("secret.txt");
        create_private_dir(path.parent().unwrap()).unwrap();
        write_private(&path, b"one").unwrap();
        write_private(&path, b"two").unwrap();
        assert_eq!(fs::read_to_string(&path).unwrap(), "two");
        assert_eq!(fs::metadata(&path).unwrap().permissions().mode() & 0o777, 0o600);
        assert_eq!(
            fs::metadata(path.parent().unwrap()).unwrap().permissions().mode() & 0o777,
            0o700
        );
        assert_eq!(fs::read_dir(path.parent().unwrap()).unwrap().count(), 1);
    }

    #[test]
    fn an_open_linked_or_foreign_folder_is_refused() {
        let dir = tempfile::tempdir().unwrap();
        let open = dir.path().join("open");
        fs::create_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o755)).unwrap();
        create_private_dir(&open).unwrap();
        fs::set_permissions(&open, fs::Permissions::from_mode(0o775)).unwrap();
        let err = create_private_dir(&open).unwrap_err();
        assert!(
            err.to_string().contains("other users may write to it (mode 775)"),
            "{err}"
        );

        let real = dir.path().join("real");
        create_private_dir(&real).unwrap();
        let link = dir.path().join("link");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let err = create_private_dir(&link).unwrap_err();
        assert!(err.to_string().ends_with("it is a symbolic link"), "{err}");

        // Someone else's folder: as root (CI), one handed to another user; otherwise root's own.
        let me = rustix::process::geteuid().as_raw();
        let foreign = if me == 0 {
            let theirs = dir.path().join("theirs");
            create_private_dir(&theirs).unwrap();
            std::os::unix::fs::chown(&theirs, Some(4321), None).unwrap();
            theirs
        } else {
            std::path::PathBuf::from("/")
        };
        let err = create_private_dir(&foreign).unwrap_err();
        assert!(err.to_string().contains(&format!("not by you ({me})")), "{err}");
    }
}
