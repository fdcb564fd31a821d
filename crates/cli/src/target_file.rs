//! Files the user names for ascert to write (`--p12`, `--out`, `--csr-out`): an existing file is
//! refused unless `--force`, checked before any work is done, so nothing is silently replaced and
//! no certificate is created only to fail at its export.

use std::path::Path;

use anyhow::Result;
use time::OffsetDateTime;

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
    check_folder(path)
}

/// Refuses `path` when the folder it goes into does not exist: found
/// before a key is made or a certificate created, not when the file is written at the end.
fn check_folder(path: &Path) -> Result<()> {
    let folder = match path.parent() {
        Some(folder) if !folder.as_os_str().is_empty() => folder,
        _ => Path::new("."),
    };
    if !folder.is_dir() {
        return Err(UserError::usage(format!(
            "cannot write {}: the folder {} does not exist",
            shown_path(path),
            shown_path(folder)
        ))
        .hint("create the folder first, or choose another path")
        .into());
    }
    Ok(())
}

/// Like [`check_new`], but a rerun of an interrupted run that began at `rerun_of` may replace a
/// file written since then: it is that run's unfinished output, not something of the user's.
pub(crate) fn check_new_or_rerun(path: &Path, force: bool, rerun_of: Option<OffsetDateTime>) -> Result<()> {
    let written_since = rerun_of.is_some_and(|began| {
        std::fs::symlink_metadata(path)
            .and_then(|m| m.modified())
            .is_ok_and(|modified| OffsetDateTime::from(modified) >= began)
    });
    check_new(path, force || written_since)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_file_in_a_folder_that_does_not_exist_is_refused_before_any_work() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("missing").join("dist.p12");
        let err = check_new(&file, false).unwrap_err();
        assert!(err.to_string().contains("does not exist"), "{err}");
        check_new(Path::new("relative.p12"), false).unwrap();
    }

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

    #[test]
    fn a_rerun_may_replace_only_what_was_written_since_its_interrupted_run_began() {
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("dist.p12");
        std::fs::write(&file, b"from the interrupted run").unwrap();
        let modified = OffsetDateTime::from(std::fs::metadata(&file).unwrap().modified().unwrap());
        check_new_or_rerun(&file, false, Some(modified - time::Duration::seconds(5))).unwrap();
        let err = check_new_or_rerun(&file, false, Some(modified + time::Duration::seconds(5))).unwrap_err();
        assert!(
            err.to_string().ends_with("already exists"),
            "older than the run: the user's file"
        );
        assert!(
            check_new_or_rerun(&file, false, None).is_err(),
            "no interrupted run"
        );
    }
}
