//! Installing a signing identity so codesign can use it without a prompt: unlock, add the issuing
//! intermediate, import the PKCS#12 with Apple's tools trusted, set the key's partition list
//! (matched by the label the importer really gave, checked by the key's public key hash), and
//! check that `security find-identity` lists it. docs/keychain.md says why each step is there.

use std::path::{Path, PathBuf};

use crate::command::{self, IMPORTED_KEY_LABEL, Invocation, Secret};
use crate::error::{KeychainError, Result};
use crate::identity::Identity;
use crate::keychain::Keychain;
use crate::parse::{self, ListedIdentity};
use crate::runner::{Output, SecurityTool, failed};

/// What to install.
#[derive(Debug, Clone, Copy)]
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
    /// False when the keychain already had the identity (`security import` said it exists).
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
    let scratch = Scratch::new()?;
    let intermediate = match request.intermediate_der {
        Some(der) => add_certificate(tool, &keychain, &scratch.write("intermediate.cer", der)?)?,
        None => CertificateOutcome::NotGiven,
    };
    let p12_file = scratch.write("identity.p12", request.p12)?;
    let imported = import(tool, &keychain, &p12_file, request.p12_password)?;
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

/// Whether two keychain paths name the same file (the search list may spell it differently).
pub(crate) fn same_file(a: &Path, b: &Path) -> bool {
    a == b || matches!((a.canonicalize(), b.canonicalize()), (Ok(x), Ok(y)) if x == y)
}

/// `security unlock-keychain -p PASSWORD KEYCHAIN`.
pub(crate) fn unlock(tool: &SecurityTool, keychain: &Path, password: &Secret) -> Result<()> {
    let invocation = command::unlock_keychain(keychain, password);
    let output = tool.run(&invocation)?;
    if output.status.success() {
        return Ok(());
    }
    if is_wrong_password(&output) {
        return Err(KeychainError::WrongPassword {
            keychain: keychain.to_path_buf(),
        });
    }
    Err(failed(&invocation, &output))
}

/// `SecKeychainUnlock: The user name or passphrase you entered is not correct.`
fn is_wrong_password(output: &Output) -> bool {
    output.stderr.contains("passphrase you entered is not correct") || output.stderr.contains("-25293")
}

/// `errSecInteractionNotAllowed` (-25308): the keychain is locked and `security` may not ask.
fn is_locked(output: &Output) -> bool {
    output.stderr.contains("User interaction is not allowed") || output.stderr.contains("-25308")
}

fn add_certificate(tool: &SecurityTool, keychain: &Path, file: &Path) -> Result<CertificateOutcome> {
    let invocation = command::add_certificate(keychain, file);
    let output = tool.run(&invocation)?;
    if output.status.success() {
        Ok(CertificateOutcome::Added)
    } else if output.stderr.contains("already in") {
        // keychain_add.c: "FILE: already in KEYCHAIN" for errSecDuplicateItem.
        Ok(CertificateOutcome::AlreadyPresent)
    } else if is_locked(&output) {
        Err(KeychainError::Locked {
            keychain: keychain.to_path_buf(),
        })
    } else {
        Err(failed(&invocation, &output))
    }
}

/// Imports the bundle; false if the keychain already had it (fastlane and codemagic both treat
/// "already exists" as installed).
fn import(tool: &SecurityTool, keychain: &Path, p12_file: &Path, password: &Secret) -> Result<bool> {
    let invocation = command::import_pkcs12(p12_file, keychain, password);
    let output = tool.run(&invocation)?;
    if output.status.success() {
        Ok(true)
    } else if output.stderr.contains("already exists in the keychain") {
        Ok(false)
    } else if is_locked(&output) {
        Err(KeychainError::Locked {
            keychain: keychain.to_path_buf(),
        })
    } else {
        Err(failed(&invocation, &output))
    }
}

/// Sets the partition list of the identity's key and returns the label that found it.
///
/// `set-key-partition-list` selects keys by attributes; the hash attribute (`-a`) takes a string
/// and cannot hold a binary SHA-1, so the key is selected by label — the friendlyName on macOS 13
/// and 14, "Imported Private Key" on 15 and later — and the keys it printed are checked for the
/// identity's public key hash before a label counts as the right one.
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
        if output.status.success() {
            let hashes = parse::key_hashes(&output.stdout);
            if hashes.contains(&identity.public_key_hash) {
                return Ok((*label).to_owned());
            }
            tracing::debug!(
                label,
                found = hashes.len(),
                "no key with the identity's hash under this label"
            );
        } else if is_wrong_password(&output) {
            return Err(KeychainError::WrongPassword {
                keychain: keychain.to_path_buf(),
            });
        } else if !output.stderr.contains("could not be found") {
            // keychain_find.c: SecItemCopyMatching fails with errSecItemNotFound when no key has
            // the label; anything else is a real failure.
            return Err(failed(&invocation, &output));
        }
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
        command::add_certificate(keychain, intermediate_file),
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

    /// Golden: the whole install as ascert runs it on macOS 15, where the friendlyName label
    /// finds nothing and "Imported Private Key" does.
    #[test]
    fn the_install_sequence_on_macos_15() {
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
                "security add-certificates -k /k.keychain-db /t/intermediate.cer",
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
