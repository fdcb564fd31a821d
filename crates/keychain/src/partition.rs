//! The key partition list that lets codesign use an imported key without a prompt.
//!
//! macOS 10.12+ asks before any program outside a key's partition list uses it. The Security
//! framework has no public call to set that list (`SecKeychainItemSetAccessWithPassword` is not
//! exposed for it), so this runs `/usr/bin/security set-key-partition-list`, as Apple documents.

use std::path::Path;
use std::process::{Command, Stdio};

use crate::error::{KeychainError, Result};

/// The partitions codesign needs: Apple's tools, Apple-signed programs, and codesign itself.
pub const CODESIGN_PARTITIONS: &str = "apple-tool:,apple:,codesign:";

/// The `security` tool.
pub const SECURITY_TOOL: &str = "/usr/bin/security";

/// The arguments of `security set-key-partition-list` for the signing keys labelled `label`
/// (all signing keys when `None`) in `keychain`.
pub(crate) fn partition_list_args(
    keychain: &Path,
    label: Option<&str>,
    keychain_password: Option<&str>,
) -> Vec<String> {
    let mut args = vec![
        "set-key-partition-list".to_owned(),
        "-S".to_owned(),
        CODESIGN_PARTITIONS.to_owned(),
        "-s".to_owned(),
    ];
    if let Some(label) = label {
        args.extend(["-l".to_owned(), label.to_owned()]);
    }
    if let Some(password) = keychain_password {
        // `security` takes the password only as an argument (or asks on the terminal without one).
        args.extend(["-k".to_owned(), password.to_owned()]);
    }
    args.push(keychain.display().to_string());
    args
}

/// Runs `security set-key-partition-list` so codesign may use the matching keys.
pub(crate) fn set_codesign_partition_list(
    keychain: &Path,
    label: Option<&str>,
    keychain_password: Option<&str>,
) -> Result<()> {
    let command = format!("{SECURITY_TOOL} set-key-partition-list");
    let out = Command::new(SECURITY_TOOL)
        .args(partition_list_args(keychain, label, keychain_password))
        .stdin(if keychain_password.is_some() {
            Stdio::null()
        } else {
            Stdio::inherit()
        })
        .output()
        .map_err(|source| KeychainError::Command {
            command: command.clone(),
            source,
        })?;
    if out.status.success() {
        return Ok(());
    }
    Err(KeychainError::CommandFailed {
        command,
        status: out.status.to_string(),
        stderr: String::from_utf8_lossy(&out.stderr)
            .trim()
            .chars()
            .take(500)
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_partition_list_names_codesign_and_the_keychain_last() {
        let args = partition_list_args(
            Path::new("/tmp/ci.keychain-db"),
            Some("Apple Development: Jane"),
            Some("pw"),
        );
        assert_eq!(
            args,
            [
                "set-key-partition-list",
                "-S",
                "apple-tool:,apple:,codesign:",
                "-s",
                "-l",
                "Apple Development: Jane",
                "-k",
                "pw",
                "/tmp/ci.keychain-db"
            ]
        );
        let args = partition_list_args(Path::new("k"), None, None);
        assert_eq!(
            args,
            [
                "set-key-partition-list",
                "-S",
                "apple-tool:,apple:,codesign:",
                "-s",
                "k"
            ]
        );
    }

    #[test]
    fn a_failing_command_reports_without_its_arguments() {
        // Run where /usr/bin/security does not exist (Linux) or with a keychain that does not exist.
        let err =
            set_codesign_partition_list(Path::new("/nonexistent/ascert.keychain-db"), None, Some("secret"))
                .unwrap_err();
        let text = err.to_string();
        assert!(text.contains("set-key-partition-list"), "{text}");
        assert!(!text.contains("secret"), "the password never appears: {text}");
    }
}
