//! Reading certificate files from a folder the user names (`--ca-dir`) or the intermediates cache,
//! with a size limit, so that a stray download, a device or a FIFO in the folder cannot fill memory
//! or hang the search.

use std::fs::File;
use std::io::Read as _;
use std::path::Path;

/// The most read of one certificate file: a certificate is about 2 KiB, and a PEM bundle of every
/// public CA under 1 MiB. Larger files in a CA folder are skipped, as other files are.
pub const MAX_CERTIFICATE_FILE: usize = 4 * 1024 * 1024;

/// The contents of `path` when it is a regular file (links followed) of at most `limit` bytes;
/// `None` for anything else — a larger file, a FIFO, a device, a folder — which is never opened
/// for reading (a FIFO would wait for a writer), or a file that cannot be read.
pub(crate) fn read_regular_file(path: &Path, limit: usize) -> Option<Vec<u8>> {
    let metadata = std::fs::metadata(path).ok()?;
    if !metadata.is_file() || metadata.len() > limit as u64 {
        return None;
    }
    let file = File::open(path).ok()?;
    // The file may have grown since, or been replaced by something endless: read one byte past the
    // limit to know.
    let mut bytes = Vec::new();
    file.take(limit as u64 + 1).read_to_end(&mut bytes).ok()?;
    (bytes.len() <= limit).then_some(bytes)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn regular_files_up_to_the_limit_are_read() {
        let dir = tempfile::tempdir().unwrap();
        let at = dir.path().join("at.cer");
        std::fs::write(&at, [7_u8; 100]).unwrap();
        assert_eq!(read_regular_file(&at, 100).unwrap().len(), 100);
        assert_eq!(read_regular_file(&at, 99), None);
        assert_eq!(read_regular_file(&dir.path().join("missing.cer"), 100), None);
        assert_eq!(read_regular_file(dir.path(), 100), None);
    }

    #[cfg(unix)]
    #[test]
    fn devices_and_fifos_are_skipped_without_waiting() {
        let dir = tempfile::tempdir().unwrap();
        let zero = dir.path().join("zero.cer");
        std::os::unix::fs::symlink("/dev/zero", &zero).unwrap();
        assert_eq!(read_regular_file(&zero, MAX_CERTIFICATE_FILE), None);
        let fifo = dir.path().join("fifo.cer");
        let made = std::process::Command::new("mkfifo").arg(&fifo).status().unwrap();
        assert!(made.success());
        // Opening a FIFO nobody writes to would block: it must not be opened at all.
        assert_eq!(read_regular_file(&fifo, MAX_CERTIFICATE_FILE), None);
    }
}
