//! File plumbing: bounded reads (a stray large file, a FIFO or a device in a profiles folder never
//! fills memory or hangs a listing) and atomic writes (a temporary file in the same folder, fsynced,
//! renamed over the target, so Xcode sees the old profile or the new one, never half of one).

use std::fs::{self, File, OpenOptions};
use std::io::{Read as _, Write as _};
use std::path::{Path, PathBuf};

use crate::error::{ProfileError, Result};

/// The largest provisioning profile read: 2 MiB. Real ones are 10 to 30 KiB, and even one listing
/// thousands of devices stays far below.
pub const MAX_PROFILE_SIZE: u64 = 2 * 1024 * 1024;

/// The contents of the regular file `path` (links followed) if it holds at most `limit` bytes.
/// Larger files are refused from their metadata, before any byte is read; anything but a regular
/// file is never opened (a FIFO would wait for a writer).
pub(crate) fn read_bounded(path: &Path, limit: u64) -> Result<Vec<u8>> {
    let metadata = fs::metadata(path).map_err(|e| ProfileError::io("read", path, e))?;
    if !metadata.is_file() {
        return Err(ProfileError::NotAFile {
            path: path.to_owned(),
        });
    }
    let too_large = |size| ProfileError::TooLarge {
        path: path.to_owned(),
        size,
        limit,
    };
    if metadata.len() > limit {
        return Err(too_large(metadata.len()));
    }
    let file = File::open(path).map_err(|e| ProfileError::io("open", path, e))?;
    // The file may have grown since its metadata was read: read one byte past the limit to know.
    let mut bytes = Vec::new();
    file.take(limit + 1)
        .read_to_end(&mut bytes)
        .map_err(|e| ProfileError::io("read", path, e))?;
    if bytes.len() as u64 > limit {
        return Err(too_large(bytes.len() as u64));
    }
    Ok(bytes)
}

/// Whether a file name is one of [`write_atomic`]'s temporary files (hidden, `.NAME.tmp-…`).
pub(crate) fn is_temp_name(name: &str) -> bool {
    name.starts_with('.') && name.contains(".tmp-")
}

/// Writes `contents` to `path` atomically, readable by everyone (0644: profiles are public).
///
/// The temporary file is created exclusively in the same folder, fsynced and renamed over `path`;
/// the folder is then fsynced so the rename survives a power cut. On failure the temporary file is
/// removed and `path` keeps its previous content (or stays absent).
pub(crate) fn write_atomic(path: &Path, contents: &[u8]) -> Result<()> {
    let folder = match path.parent() {
        Some(p) if !p.as_os_str().is_empty() => p.to_owned(),
        _ => PathBuf::from("."),
    };
    let temp = temp_path(path, &folder);
    let result = (|| {
        let mut file = create_new(&temp).map_err(|e| ProfileError::io("create", &temp, e))?;
        file.write_all(contents)
            .map_err(|e| ProfileError::io("write", &temp, e))?;
        file.sync_all()
            .map_err(|e| ProfileError::io("flush to disk", &temp, e))?;
        drop(file);
        fs::rename(&temp, path).map_err(|e| ProfileError::io("replace", path, e))?;
        sync_folder(&folder)
    })();
    if result.is_err() {
        // The temporary file is garbage once the write failed; the target is untouched.
        let _ = fs::remove_file(&temp);
    }
    result
}

fn temp_path(path: &Path, folder: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map_or_else(|| "profile".into(), |n| n.to_string_lossy().into_owned());
    let mut random = [0_u8; 8];
    // A random suffix keeps two concurrent writers of the same file apart; if the system RNG fails
    // the process id still separates processes.
    let _ = aws_lc_rs::rand::fill(&mut random);
    let suffix = format!("{:016x}", u64::from_le_bytes(random));
    folder.join(format!(".{name}.tmp-{}-{suffix}", std::process::id()))
}

fn create_new(path: &Path) -> std::io::Result<File> {
    let mut options = OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    {
        use std::os::unix::fs::OpenOptionsExt as _;
        options.mode(0o644);
    }
    options.open(path)
}

fn sync_folder(folder: &Path) -> Result<()> {
    // Only Unix lets a folder be opened and fsynced; elsewhere rename durability is the OS's.
    #[cfg(unix)]
    File::open(folder)
        .and_then(|f| f.sync_all())
        .map_err(|e| ProfileError::io("flush the folder", folder, e))?;
    #[cfg(not(unix))]
    let _ = folder;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn files_up_to_the_limit_are_read_larger_ones_refused() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("at.mobileprovision");
        fs::write(&at, [7_u8; 100]).unwrap();
        assert_eq!(read_bounded(&at, 100).unwrap().len(), 100);
        let err = read_bounded(&at, 99).unwrap_err();
        assert!(
            matches!(
                err,
                ProfileError::TooLarge {
                    size: 100,
                    limit: 99,
                    ..
                }
            ),
            "{err}"
        );
        let err = read_bounded(dir.path(), 100).unwrap_err();
        assert!(matches!(err, ProfileError::NotAFile { .. }), "{err}");
        let err = read_bounded(&dir.path().join("missing"), 100).unwrap_err();
        assert!(matches!(err, ProfileError::Io { .. }), "{err}");
    }

    #[cfg(unix)]
    #[test]
    fn devices_are_never_read() {
        let err = read_bounded(Path::new("/dev/zero"), 100).unwrap_err();
        assert!(matches!(err, ProfileError::NotAFile { .. }), "{err}");
    }

    #[test]
    fn an_atomic_write_replaces_the_file_and_leaves_no_temporary_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("A.mobileprovision");
        write_atomic(&path, b"old").unwrap();
        write_atomic(&path, b"new").unwrap();
        assert_eq!(fs::read(&path).unwrap(), b"new");
        let names: Vec<_> = fs::read_dir(dir.path())
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, ["A.mobileprovision"]);
        #[cfg(unix)]
        {
            use std::os::unix::fs::PermissionsExt as _;
            let mode = fs::metadata(&path).unwrap().permissions().mode() & 0o777;
            // The umask may take bits away from 0644 but never adds any.
            assert_eq!(mode & !0o644, 0, "{mode:o}");
        }
        assert!(is_temp_name(
            &temp_path(&path, dir.path())
                .file_name()
                .unwrap()
                .to_string_lossy()
        ));
    }

    #[test]
    fn a_write_into_a_missing_folder_fails_with_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let err = write_atomic(&dir.path().join("missing").join("a"), b"x").unwrap_err();
        assert!(err.to_string().contains("missing"), "{err}");
    }
}
