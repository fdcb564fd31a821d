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
            return Err(crate::inputs::stdin_twice(other, "--keychain-password-stdin").into());
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
    /// The key label the partition list matched: the certificate's name (what `security import`
    /// without `-f` gives the key), or "Imported Private Key" for a key the new importer of macOS
    /// 15 and later labelled (`-f pkcs12`, Keychain Access).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) partition_label: Option<String>,
    /// When skipped: the command that sets it.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) partition_command: Option<String>,
    /// Whether `security find-identity -v` counts it valid (trusted chain, in date).
    pub(crate) valid: bool,
    /// Whether the issuing intermediate is one of Apple's (pinned): only then should macOS trust it.
    pub(crate) issued_by_apple: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) problem: Option<String>,
    pub(crate) in_search_list: bool,
    pub(crate) default_keychain: bool,
    /// The command that signs with it.
    pub(crate) codesign: String,
}

impl KeychainInstall {
    fn new(installed: &Installed, intermediate: &CertificateInfo, issued_by_apple: bool) -> Self {
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
            issued_by_apple,
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
            notes.push(if self.issued_by_apple {
                format!("warning: {}", self.why_not_valid())
            } else {
                format!(
                    "warning: security does not count it valid for code signing ({}): its intermediate \"{}\" is \
                     not one of Apple's CAs (a sandbox's?), so no Mac trusts its chain; codesign still signs with it \
                     by SHA-1",
                    self.problem.as_deref().unwrap_or("no reason given"),
                    self.intermediate_name
                )
            });
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

    /// Why `security` does not count an Apple-issued identity valid, from its problem code (a
    /// CSSM error name, which `security` prints untranslated).
    fn why_not_valid(&self) -> String {
        let problem = self.problem.as_deref().unwrap_or("no reason given");
        let why = if problem.contains("NOT_TRUSTED") {
            format!(
                "its chain does not reach a root this Mac trusts, although the intermediate \"{}\" is in the \
                 keychain: Apple's root may be missing from the System Roots, or the Mac's clock may be wrong",
                self.intermediate_name
            )
        } else if problem.contains("EXPIRED") || problem.contains("NOT_VALID_YET") {
            "the certificate or its intermediate is out of date: check the Mac's clock, or make a new certificate \
             (`ascert identities ensure` renews it)"
                .to_owned()
        } else if problem.contains("REVOKED") {
            "Apple revoked the certificate: make a new one (`ascert identities ensure`)".to_owned()
        } else {
            "the chain to Apple's root may be incomplete or the certificate may have expired".to_owned()
        };
        format!(
            "security does not count \"{}\" (SHA-1 {}) valid for code signing ({problem}): {why}",
            self.name, self.sha1
        )
    }

    /// An Apple-issued identity that `security` does not count valid, in CI (`CI` set, or no
    /// terminal to read a warning on): codesign would fail later with a vaguer message, so the
    /// install fails now, saying why. Elsewhere, and for certificates of other CAs, a warning.
    fn not_valid_in_ci(&self, in_ci: bool) -> Option<UserError> {
        (in_ci && self.issued_by_apple && !self.valid).then(|| {
            UserError::new(Exit::Failure, self.why_not_valid()).hint(format!(
                "the identity is installed in {}; `ascert keychain identities {}` lists it with the problem",
                self.keychain,
                ascert_keychain::command::shell_quote(&self.keychain)
            ))
        })
    }
}

/// Whether this run is unattended: `CI` set (GitHub Actions, GitLab, Bitrise, `CircleCI` and
/// Codemagic all set it) or no terminal on stderr, where a warning is easily missed.
fn running_in_ci() -> bool {
    use std::io::IsTerminal as _;
    std::env::var_os("CI").is_some_and(|v| !v.is_empty() && v != "false") || !std::io::stderr().is_terminal()
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
    let report = KeychainInstall::new(
        &installed,
        &intermediate.certificate,
        intermediate.apple_name.is_some(),
    );
    if let Some(err) = report.not_valid_in_ci(running_in_ci()) {
        return Err(err.into());
    }
    Ok(report)
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

    fn report(valid: bool, issued_by_apple: bool, problem: Option<&str>) -> KeychainInstall {
        KeychainInstall {
            keychain: "/Users/ci/Library/Keychains/ascert-ci.keychain-db".into(),
            sha1: "AB".repeat(20),
            name: "Apple Distribution: Jane Doe (TEAM123)".into(),
            imported: true,
            intermediate: "added",
            intermediate_name: "Apple Worldwide Developer Relations Certification Authority".into(),
            partition_list: "set",
            partition_label: Some("Apple Distribution: Jane Doe (TEAM123)".into()),
            partition_command: None,
            valid,
            issued_by_apple,
            problem: problem.map(str::to_owned),
            in_search_list: true,
            default_keychain: true,
            codesign: "codesign --sign AB… FILE".into(),
        }
    }

    /// An Apple identity that macOS does not count valid fails the install in CI, saying why; on a
    /// terminal it is a warning; a sandbox's (not Apple's CA) never fails.
    #[test]
    fn an_invalid_apple_identity_fails_in_ci_and_says_why() {
        let untrusted = report(false, true, Some("CSSMERR_TP_NOT_TRUSTED"));
        let err = untrusted.not_valid_in_ci(true).expect("an error in CI");
        assert!(err.message.contains("CSSMERR_TP_NOT_TRUSTED"), "{}", err.message);
        assert!(
            err.message.contains("does not reach a root this Mac trusts"),
            "{}",
            err.message
        );
        assert!(
            untrusted.not_valid_in_ci(false).is_none(),
            "a warning at a terminal"
        );
        assert!(
            untrusted
                .notes()
                .iter()
                .any(|n| n.starts_with("warning: security does not count"))
        );
        let expired = report(false, true, Some("CSSMERR_TP_CERT_EXPIRED"));
        let text = expired.not_valid_in_ci(true).unwrap().message;
        assert!(text.contains("out of date"), "{text}");
        let sandbox = report(false, false, Some("CSSMERR_TP_NOT_TRUSTED"));
        assert!(sandbox.not_valid_in_ci(true).is_none());
        assert!(
            sandbox
                .notes()
                .iter()
                .any(|n| n.contains("not one of Apple's CAs"))
        );
        assert!(report(true, true, None).not_valid_in_ci(true).is_none());
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
