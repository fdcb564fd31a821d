//! Installing a paired identity into a keychain: the one function `identities install`,
//! `certificates create --keychain` (and `identities ensure --keychain`) call, and the report it
//! returns for them to print.

use anyhow::{Context as _, Result};
use ascert_keychain::{CertificateOutcome, Installed, Keychain, PartitionOutcome, Secret, SecurityTool};
use ascert_keystore::{CertificateInfo, KeystoreError, PrivateKey, install_identity};
use serde::Serialize;

use crate::cli::KeychainPasswordArgs;
use crate::commands::keychain::{explain, keychain_password, security_tool};
use crate::commands::pkcs12::{CaSources, find_intermediate};
use crate::failure::{Exit, UserError};
use crate::output::Output;

/// Where and how to install: checked before any other work is done (a missing `security`, a
/// password that cannot be read).
#[derive(Debug)]
pub(crate) struct KeychainOptions {
    /// The keychain as the user named it (`None`: the login keychain).
    pub(crate) keychain: Option<String>,
    /// Its password, if one was given.
    pub(crate) password: Option<Secret>,
    /// The `security` program.
    pub(crate) tool: SecurityTool,
}

impl KeychainOptions {
    /// Checks that `security` is there and reads the keychain password from its source.
    pub(crate) fn resolve(
        keychain: Option<String>,
        password: &KeychainPasswordArgs,
        out: &Output,
    ) -> Result<Self> {
        let tool = security_tool(out)?;
        Ok(Self {
            keychain: keychain.filter(|k| !k.is_empty()),
            password: keychain_password(password)?,
            tool,
        })
    }

    /// The options of `--keychain [NAME]` when it is given (checked before any other work), else
    /// `None`. `other_stdin` names the command's other options that read standard input, with
    /// whether each is set: only one may.
    pub(crate) fn requested(
        keychain: Option<&String>,
        password: &KeychainPasswordArgs,
        other_stdin: &[(&str, bool)],
        out: &Output,
    ) -> Result<Option<Self>> {
        if password.keychain_password_stdin
            && let Some((other, _)) = other_stdin.iter().find(|(_, set)| *set)
        {
            return Err(stdin_twice(other, "--keychain-password-stdin").into());
        }
        keychain
            .map(|name| Self::resolve(Some(name.clone()), password, out))
            .transpose()
    }

    fn keychain(&self) -> Result<Keychain> {
        Ok(match &self.keychain {
            None => Keychain::Login,
            Some(name) => Keychain::named(name)?,
        })
    }
}

/// What an install did, for people (`notes`) and for `--json`.
#[derive(Debug, Clone, Serialize)]
#[serde(rename_all = "camelCase")]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each is a yes/no field of the --json output"
)]
pub(crate) struct KeychainInstall {
    pub(crate) keychain: String,
    pub(crate) sha1: String,
    pub(crate) name: String,
    /// False when the keychain already had the identity.
    pub(crate) imported: bool,
    /// `added` or `already-present`.
    pub(crate) intermediate: &'static str,
    pub(crate) intermediate_name: String,
    /// `set` or `skipped`.
    pub(crate) partition_list: &'static str,
    /// The key label the partition list matched (the certificate's name on macOS 13 and 14,
    /// "Imported Private Key" on 15 and later).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) partition_label: Option<String>,
    /// When skipped: the command that sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) partition_command: Option<String>,
    /// Whether `security find-identity -v` counts it valid (trusted chain, in date).
    pub(crate) valid: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) problem: Option<String>,
    pub(crate) in_search_list: bool,
    pub(crate) default_keychain: bool,
    /// The command that signs with it.
    pub(crate) codesign: String,
}

impl KeychainInstall {
    fn new(installed: &Installed, intermediate: &CertificateInfo) -> Self {
        let (partition_list, partition_label, partition_command) = match &installed.partition {
            PartitionOutcome::Set { label } => ("set", Some(label.clone()), None),
            PartitionOutcome::Skipped { command } => ("skipped", None, Some(command.clone())),
            _ => ("unknown", None, None),
        };
        Self {
            keychain: installed.keychain.display().to_string(),
            sha1: installed.identity.sha1_hex(),
            name: installed.identity.common_name.clone(),
            imported: installed.imported,
            intermediate: match installed.intermediate {
                CertificateOutcome::Added => "added",
                _ => "already-present",
            },
            intermediate_name: intermediate
                .common_name()
                .unwrap_or(intermediate.subject())
                .to_owned(),
            partition_list,
            partition_label,
            partition_command,
            valid: installed.listed.valid,
            problem: installed.listed.problem.clone(),
            in_search_list: installed.in_search_list,
            default_keychain: installed.is_default,
            codesign: installed.codesign_command(),
        }
    }

    /// The lines to print on stderr, the last one the next step.
    pub(crate) fn notes(&self) -> Vec<String> {
        let mut notes = vec![format!(
            "{} \"{}\" (SHA-1 {}) {} {}.",
            if self.imported { "Installed" } else { "Kept" },
            self.name,
            self.sha1,
            if self.imported { "in" } else { "already in" },
            self.keychain
        )];
        notes.push(format!(
            "Intermediate \"{}\": {}.",
            self.intermediate_name,
            if self.intermediate == "added" {
                "added"
            } else {
                "already there"
            }
        ));
        match (&self.partition_label, &self.partition_command) {
            (Some(label), _) => notes.push(format!(
                "codesign, productsign, pkgbuild and Xcode may use the key without a prompt (partition list set on the key \
                 labelled \"{label}\")."
            )),
            (None, Some(command)) => notes.push(format!(
                "warning: no keychain password was given, so the key's partition list is not set: codesign may ask \
                 for the keychain password, and fails in CI (errSecInternalComponent). Run this again with \
                 --keychain-password-env VAR (or ASCERT_KEYCHAIN_PASSWORD), or run: {command}"
            )),
            (None, None) => {}
        }
        if !self.valid {
            notes.push(format!(
                "warning: security does not count it valid for code signing ({}); the certificate's chain to \
                 Apple's root may be incomplete or it may have expired",
                self.problem.as_deref().unwrap_or("no reason given")
            ));
        }
        if !self.in_search_list {
            notes.push(format!(
                "warning: {} is not in the keychain search list: Xcode will not find the identity there \
                 (`ascert keychain create` adds the keychains it makes; `security list-keychains -d user -s …` \
                 does it by hand)",
                self.keychain
            ));
        }
        notes.push(format!("Sign with: {}", self.codesign));
        notes
    }
}

/// Installs the identity of `key` and its certificate `leaf` into the keychain of `options`,
/// with the intermediate that issued it (found in `sources`; a clear error when it cannot be).
pub(crate) fn install_paired_identity(
    key: &PrivateKey,
    leaf: &CertificateInfo,
    sources: &CaSources,
    options: &KeychainOptions,
) -> Result<KeychainInstall> {
    let intermediate = find_intermediate(leaf, sources).map_err(|err| {
        err.context(
            UserError::new(
                Exit::Failure,
                "the keychain needs the certificate's issuing intermediate (codesign builds the chain with it), \
                 and it cannot be found",
            )
            .hint(
                "download it from https://www.apple.com/certificateauthority/ into a folder and pass --ca-dir DIR",
            ),
        )
    })?;
    let keychain = options.keychain()?;
    let installed = install_identity(
        &options.tool,
        &keychain,
        key,
        leaf,
        &intermediate.certificate,
        options.password.as_ref(),
    )
    .map_err(|err| match err {
        KeystoreError::Keychain(err) => explain(err),
        other => anyhow::Error::new(other),
    })
    .context("cannot install the identity in the keychain")?;
    Ok(KeychainInstall::new(&installed, &intermediate.certificate))
}

/// Two options that would both read standard input.
pub(crate) fn stdin_twice(first: &str, second: &str) -> crate::failure::UserError {
    crate::failure::UserError::usage(format!("{first} and {second} cannot both read standard input"))
        .hint("give one of them through a variable or a file")
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A key and a self-signed code-signing certificate without an AIA URL, made with openssl.
    fn identity_without_issuer() -> (PrivateKey, CertificateInfo) {
        let dir = tempfile::tempdir().unwrap();
        let (key, cert) = (dir.path().join("k.pem"), dir.path().join("c.pem"));
        let out = std::process::Command::new("openssl")
            .args(["req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"])
            .args(["-subj", "/CN=Apple Development: Nobody (TEAM000000)"])
            .arg("-keyout")
            .arg(&key)
            .arg("-out")
            .arg(&cert)
            .output()
            .expect("openssl is installed");
        assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
        (
            PrivateKey::from_pem(&std::fs::read_to_string(key).unwrap()).unwrap(),
            CertificateInfo::from_der_or_pem(&std::fs::read(cert).unwrap()).unwrap(),
        )
    }

    #[test]
    fn a_missing_intermediate_is_a_clear_error_before_the_keychain_is_touched() {
        let (key, leaf) = identity_without_issuer();
        let options = KeychainOptions {
            keychain: Some("/nonexistent/ci.keychain-db".into()),
            password: None,
            tool: SecurityTool::at("/nonexistent/security"),
        };
        let err = install_paired_identity(&key, &leaf, &CaSources::default(), &options).unwrap_err();
        let text = format!("{err:#}");
        assert!(text.contains("issuing intermediate"), "{text}");
        let user = err.downcast_ref::<UserError>().expect("a user error with a hint");
        assert!(
            user.hint.as_deref().unwrap_or_default().contains("--ca-dir"),
            "{text}"
        );
    }
}
