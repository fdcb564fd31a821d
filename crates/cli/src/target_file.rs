//! Files the user names for ascert to write (`--p12`, `--out`, `--csr-out`): an existing file is
//! refused unless `--force`, checked before any work is done, so nothing is silently replaced and
//! no certificate is created only to fail at its export.

use std::path::Path;

use anyhow::Result;

use crate::failure::UserError;
use crate::redact::shown_path;

/// Refuses `path` when something exists there (a file, a folder or a symbolic link, even a
/// dangling one) and `force` is not set.
pub(crate) fn check_new(path: &Path, force: bool) -> Result<()> {
    let exists = std::fs::symlink_metadata(path).is_ok();
    if exists && !force {
        return Err(UserError::usage(format!("{} already exists", shown_path(path)))
            .hint("pass --force to replace it, or choose another name")
            .into());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_existing_file_or_link_is_refused_without_force() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dist.p12");
        check_new(&file, false).unwrap();
        std::fs::write(&file, b"old").unwrap();
        let err = check_new(&file, false).unwrap_err();
        assert_eq!(err.to_string(), format!("{} already exists", file.display()));
        check_new(&file, true).unwrap();
        let link = dir.path().join("dangling.p12");
        std::os::unix::fs::symlink(dir.path().join("nowhere"), &link).unwrap();
        assert!(
            check_new(&link, false).is_err(),
            "a dangling link is something too"
        );
    }
}
