//! Installing a signing identity so codesign can use it without a prompt: unlock, add the issuing
//! intermediate, import the PKCS#12 with Apple's tools trusted, set the key's partition list
//! (matched by the label the importer really gave, checked by the key's public key hash), and
//! check that `security find-identity` lists it. docs/keychain.md says why each step is there.
//!
//! Nothing here reads `security`'s error messages to decide what happened: they are localized
//! (`sec_perror` prints the framework's translated text, without the status number), so on a
//! German or Japanese Mac any English phrase would never match. What is already in the keychain is
//! looked up by SHA-1 before adding it (`find-certificate -Z`, `find-identity`: fixed, untranslated
//! formats), and a partition-list run that printed no key found none. The text is only shown.

use std::path::{Path, PathBuf};

use crate::command::{self, IMPORTED_KEY_LABEL, Invocation, Secret};
use crate::error::{KeychainError, Result};
use crate::identity::Identity;
use crate::keychain::{Keychain, same_file, unlock};
use crate::parse::{self, ListedIdentity};
use crate::runner::{Output, SecurityTool, failed};

/// What to install: [`InstallRequest::new`] with what every install needs, then `with_` methods for
/// the rest.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub struct InstallRequest<'a> {
    /// The keychain; it must exist.
    pub keychain: &'a Keychain,
    /// The PKCS#12 bundle (key and leaf), in the form `security import` accepts (3DES, SHA-1 MAC).
    pub p12: &'a [u8],
    /// Its password (not empty: macOS refuses password-less bundles).
    pub p12_password: &'a Secret,
    /// The key bag's friendlyName, which macOS 13 and 14 give the imported key as its label.
    pub friendly_name: Option<&'a str>,
    /// The leaf certificate, DER (the one in the bundle).
    pub leaf_der: &'a [u8],
    /// The CA certificate that issued the leaf, DER, added to the keychain first.
    pub intermediate_der: Option<&'a [u8]>,
    /// The keychain's password: unlocks it and authorises the partition list. Without it the
    /// partition list is skipped (and reported with the command to run).
    pub keychain_password: Option<&'a Secret>,
}

impl<'a> InstallRequest<'a> {
    /// A request to import `p12` (opened with `p12_password`), whose leaf certificate is
    /// `leaf_der`, into `keychain`; without a friendly name, an intermediate or the keychain's
    /// password until given.
    pub fn new(keychain: &'a Keychain, p12: &'a [u8], p12_password: &'a Secret, leaf_der: &'a [u8]) -> Self {
        Self {
            keychain,
            p12,
            p12_password,
            friendly_name: None,
            leaf_der,
            intermediate_der: None,
            keychain_password: None,
        }
    }

    /// The key bag's friendlyName (the label macOS 13 and 14 give the imported key).
    #[must_use]
    pub fn with_friendly_name(mut self, friendly_name: &'a str) -> Self {
        self.friendly_name = Some(friendly_name);
        self
    }

    /// The CA certificate that issued the leaf (DER), added to the keychain first.
    #[must_use]
    pub fn with_intermediate(mut self, intermediate_der: &'a [u8]) -> Self {
        self.intermediate_der = Some(intermediate_der);
        self
    }

    /// The keychain's password, or `None` to skip the partition list (reported with the command to
    /// run).
    #[must_use]
    pub fn with_keychain_password(mut self, keychain_password: Option<&'a Secret>) -> Self {
        self.keychain_password = keychain_password;
        self
    }
}

/// What happened to the intermediate certificate.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum CertificateOutcome {
    /// Added now.
    Added,
    /// The keychain had it.
    AlreadyPresent,
    /// None was given.
    NotGiven,
}

/// What happened to the key's partition list.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PartitionOutcome {
    /// Set on the key found under this label (its public key hash checked).
    Set {
        /// The label that matched: the friendlyName (macOS 13, 14) or "Imported Private Key" (15+).
        label: String,
    },
    /// Skipped: no keychain password was given. `command` sets it by hand.
    Skipped {
        /// What to run, with `$KEYCHAIN_PASSWORD` standing for the password.
        command: String,
    },
}

/// The result of [`install_pkcs12`].
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Installed {
    /// The identity.
    pub identity: Identity,
    /// The keychain file.
    pub keychain: PathBuf,
    /// False when the keychain already had the identity (found by its SHA-1 before importing).
    pub imported: bool,
    /// The intermediate certificate.
    pub intermediate: CertificateOutcome,
    /// The partition list.
    pub partition: PartitionOutcome,
    /// How `security find-identity -p codesigning` lists the identity now.
    pub listed: ListedIdentity,
    /// Whether the keychain is in the user's search list (codesign and Xcode search only there
    /// unless given `--keychain`).
    pub in_search_list: bool,
    /// Whether it is the user's default keychain.
    pub is_default: bool,
}

impl Installed {
    /// The command that signs with this identity: `codesign --sign SHA1 FILE`, with `--keychain`
    /// when the keychain is not the default one.
    pub fn codesign_command(&self) -> String {
        let sha1 = self.identity.sha1_hex();
        if self.is_default {
            format!("codesign --sign {sha1} FILE")
        } else {
            format!(
                "codesign --sign {sha1} --keychain {} FILE",
                command::shell_quote(&self.keychain.to_string_lossy())
            )
        }
    }
}

/// Installs the identity of `request` into its keychain. Nothing here can wait for input: every
/// password is passed, stdin is `/dev/null`, and each `security` run is bounded by the tool's
/// timeout.
///
/// # Errors
///
/// [`KeychainError::OnlyOnMacos`] without `/usr/bin/security`; [`KeychainError::NoSuchKeychain`];
/// [`KeychainError::WrongPassword`]; [`KeychainError::Locked`] when the keychain is locked and
/// no password was given; [`KeychainError::PartitionKeyNotFound`];
/// [`KeychainError::NotListed`]; [`KeychainError::Failed`] / [`KeychainError::TimedOut`] for any
/// other `security` failure; [`KeychainError::InvalidCertificate`] for a bad leaf.
pub fn install_pkcs12(tool: &SecurityTool, request: &InstallRequest<'_>) -> Result<Installed> {
    tool.check_available()?;
    let identity = Identity::from_certificate_der(request.leaf_der)?;
    let keychain = request.keychain.existing_path()?;
    if let Some(password) = request.keychain_password {
        unlock(tool, &keychain, password)?;
    }
    let locked_hint = request.keychain_password.is_none();
    let scratch = Scratch::new()?;
    let intermediate = match request.intermediate_der {
        Some(der) => add_certificate(tool, &keychain, der, &scratch, locked_hint)?,
        None => CertificateOutcome::NotGiven,
    };
    let imported = if has_identity(tool, &keychain, &identity.sha1)? {
        false
    } else {
        let p12_file = scratch.write("identity.p12", request.p12)?;
        import(tool, &keychain, &p12_file, request.p12_password, locked_hint)?;
        true
    };
    drop(scratch);
    let partition = match request.keychain_password {
        Some(password) => PartitionOutcome::Set {
            label: set_partition_list(tool, &keychain, &identity, request.friendly_name, password)?,
        },
        None => PartitionOutcome::Skipped {
            command: command::partition_list_for_every_key(&keychain),
        },
    };
    let listed = crate::list_codesigning_identities(tool, &Keychain::Path(keychain.clone()))?
        .into_iter()
        .find(|l| l.sha1 == identity.sha1)
        .ok_or_else(|| KeychainError::NotListed {
            sha1: identity.sha1_hex(),
            keychain: keychain.clone(),
        })?;
    let state = crate::lifecycle::search_state(tool)?;
    Ok(Installed {
        in_search_list: state.search_list.iter().any(|k| same_file(k, &keychain)),
        is_default: state.default.as_deref().is_some_and(|d| same_file(d, &keychain)),
        identity,
        keychain,
        imported,
        intermediate,
        partition,
        listed,
    })
}

/// A failed add or import. Without a keychain password the likely cause is a locked keychain
/// (errSecInteractionNotAllowed: `security` may not ask): that is the error then, with what
/// `security` said kept in the log; with a password the keychain was unlocked first, so the
/// failure is shown as it is.
fn add_failed(invocation: &Invocation, output: &Output, keychain: &Path, locked_hint: bool) -> KeychainError {
    if locked_hint {
        tracing::debug!(command = %invocation, stderr = %output.stderr.trim(), "failed without a keychain password");
        KeychainError::Locked {
            keychain: keychain.to_path_buf(),
        }
    } else {
        failed(invocation, output)
    }
}

/// Adds the CA certificate `der` unless the keychain has it (looked up by SHA-1 first, rather
/// than by reading `security`'s localized "already in").
fn add_certificate(
    tool: &SecurityTool,
    keychain: &Path,
    der: &[u8],
    scratch: &Scratch,
    locked_hint: bool,
) -> Result<CertificateOutcome> {
    use sha1::Digest as _;
    let sha1: [u8; 20] = sha1::Sha1::digest(der).into();
    let listed = tool.run_ok(&command::find_certificates(keychain))?;
    if parse::certificate_sha1s(listed.raw_stdout()).contains(&sha1) {
        return Ok(CertificateOutcome::AlreadyPresent);
    }
    let invocation = command::add_certificate(keychain, &scratch.write("intermediate.cer", der)?);
    let output = tool.run(&invocation)?;
    if output.status.success() {
        Ok(CertificateOutcome::Added)
    } else {
        Err(add_failed(&invocation, &output, keychain, locked_hint))
    }
}

/// Whether the keychain holds an identity (certificate and key) whose certificate has this SHA-1:
/// `security find-identity KEYCHAIN`, every identity whatever its use.
fn has_identity(tool: &SecurityTool, keychain: &Path, sha1: &[u8; 20]) -> Result<bool> {
    #[cfg(target_os = "macos")]
    if tool.uses_framework() {
        // SecItemCopyMatching for identities of this keychain, compared by SHA-1.
        return crate::framework::has_identity(keychain, sha1);
    }
    let output = tool.run_ok(&command::find_all_identities(keychain))?;
    Ok(parse::identities(output.raw_stdout())
        .iter()
        .any(|i| &i.sha1 == sha1))
}

/// Imports the bundle (the keychain does not have it: [`has_identity`] looked first).
fn import(
    tool: &SecurityTool,
    keychain: &Path,
    p12_file: &Path,
    password: &Secret,
    locked_hint: bool,
) -> Result<()> {
    let invocation = command::import_pkcs12(p12_file, keychain, password);
    let output = tool.run(&invocation)?;
    if output.status.success() {
        Ok(())
    } else {
        Err(add_failed(&invocation, &output, keychain, locked_hint))
    }
}

/// Sets the partition list of the identity's key and returns the label that found it.
///
/// `set-key-partition-list` selects keys by attributes; the hash attribute (`-a`) takes a string
/// and cannot hold a binary SHA-1, so the key is selected by label — the friendlyName, which
/// `security import` without `-f` gives it; "Imported Private Key" for a key the new importer put
/// there (macOS 15 and later, `-f pkcs12`, Keychain Access) — and the keys it printed are checked
/// for the identity's public key hash before a label counts as the right one. A run that fails
/// without printing a key found none under that label (`SecItemCopyMatching` →
/// errSecItemNotFound, said in the Mac's language): the next label is tried. The output is read
/// raw: scrubbing the password out of it could cut into a hash.
fn set_partition_list(
    tool: &SecurityTool,
    keychain: &Path,
    identity: &Identity,
    friendly_name: Option<&str>,
    password: &Secret,
) -> Result<String> {
    let mut labels: Vec<&str> = friendly_name.into_iter().collect();
    if !labels.contains(&IMPORTED_KEY_LABEL) {
        labels.push(IMPORTED_KEY_LABEL);
    }
    for label in &labels {
        let invocation = command::set_key_partition_list(keychain, label, password);
        let output = tool.run(&invocation)?;
        let hashes = parse::key_hashes(output.raw_stdout());
        if hashes.contains(&identity.public_key_hash) {
            if !output.status.success() {
                // The key was printed (found), then changing its access failed.
                return Err(failed(&invocation, &output));
            }
            return Ok((*label).to_owned());
        }
        if !output.status.success() && !output.raw_stdout().trim().is_empty() {
            // Keys were found and something failed on them: not "none under this label".
            return Err(failed(&invocation, &output));
        }
        tracing::debug!(
            label,
            found = hashes.len(),
            "no key with the identity's hash under this label"
        );
    }
    Err(KeychainError::PartitionKeyNotFound {
        keychain: keychain.to_path_buf(),
        key_hash: identity.public_key_hash_hex(),
        labels: labels.iter().map(|l| (*l).to_owned()).collect(),
        command: command::partition_list_for_every_key(keychain),
    })
}

/// A private temporary folder (0700) for the files `security` reads; removed when dropped.
struct Scratch(tempfile::TempDir);

impl Scratch {
    fn new() -> Result<Self> {
        tempfile::Builder::new()
            .prefix("ascert-keychain-")
            .tempdir()
            .map(Self)
            .map_err(|source| KeychainError::TempFile {
                what: "folder",
                source,
            })
    }

    /// Writes `bytes` to `name` in the folder, created 0600.
    fn write(&self, name: &'static str, bytes: &[u8]) -> Result<PathBuf> {
        use std::io::Write as _;
        let path = self.0.path().join(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        options
            .open(&path)
            .and_then(|mut f| f.write_all(bytes))
            .map_err(|source| KeychainError::TempFile { what: name, source })?;
        Ok(path)
    }
}

/// The invocations [`install_pkcs12`] runs, in order, for documentation and tests: the partition
/// list once per label tried.
pub fn install_sequence(
    keychain: &Path,
    p12_file: &Path,
    intermediate_file: &Path,
    labels: &[&str],
    keychain_password: &Secret,
    p12_password: &Secret,
) -> Vec<Invocation> {
    let mut sequence = vec![
        command::unlock_keychain(keychain, keychain_password),
        command::find_certificates(keychain),
        command::add_certificate(keychain, intermediate_file),
        command::find_all_identities(keychain),
        command::import_pkcs12(p12_file, keychain, p12_password),
    ];
    sequence.extend(
        labels
            .iter()
            .map(|l| command::set_key_partition_list(keychain, l, keychain_password)),
    );
    sequence.push(command::find_identities(keychain));
    sequence.push(command::list_keychains());
    sequence.push(command::default_keychain());
    sequence
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Golden: the whole install as ascert runs it for a key that the friendlyName label does not
    /// find and "Imported Private Key" does (one the new importer put there).
    #[test]
    fn the_install_sequence_when_the_key_has_the_new_importers_label() {
        let lines: Vec<String> = install_sequence(
            Path::new("/k.keychain-db"),
            Path::new("/t/identity.p12"),
            Path::new("/t/intermediate.cer"),
            &["Apple Distribution: Jane (TEAM)", IMPORTED_KEY_LABEL],
            &Secret::new("kcpw"),
            &Secret::new("p12pw"),
        )
        .iter()
        .map(ToString::to_string)
        .collect();
        assert_eq!(
            lines,
            [
                "security unlock-keychain -p ******** /k.keychain-db",
                "security find-certificate -a -Z /k.keychain-db",
                "security add-certificates -k /k.keychain-db /t/intermediate.cer",
                "security find-identity /k.keychain-db",
                "security import /t/identity.p12 -k /k.keychain-db -P ******** -T /usr/bin/codesign \
                 -T /usr/bin/security -T /usr/bin/productbuild -T /usr/bin/productsign -T /usr/bin/pkgbuild",
                "security set-key-partition-list -S apple-tool:,apple:,codesign: -s \
                 -l 'Apple Distribution: Jane (TEAM)' -k ******** /k.keychain-db",
                "security set-key-partition-list -S apple-tool:,apple:,codesign: -s \
                 -l 'Imported Private Key' -k ******** /k.keychain-db",
                "security find-identity -p codesigning /k.keychain-db",
                "security list-keychains -d user",
                "security default-keychain -d user",
            ]
        );
    }
}
