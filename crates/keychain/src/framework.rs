//! The keychain steps of a CI job through Security.framework itself (macOS only), by way of the
//! safe wrappers of the `security-framework` crate: create, unlock and set the auto-lock of a
//! keychain file, look for an identity in it, and ask whether a certificate chain is trusted.
//!
//! Two things make these calls better than `/usr/bin/security` for these steps: the keychain
//! password is handed to the framework in memory, never put on a command line where `ps` shows it;
//! and a failure is an `OSStatus` number, which means the same on every Mac, where `security`
//! prints a message in the user's language. Failures are mapped by number to the crate's own
//! variants ([`KeychainError::WrongPassword`], [`KeychainError::KeychainExists`],
//! [`KeychainError::NoSuchKeychain`], [`KeychainError::Locked`]); any other is a
//! [`KeychainError::Status`] that names the step, the keychain and the code.
//!
//! No call here shows a dialog: while one runs, keychain user interaction is turned off for the
//! process (the last call to finish turns it back on), so a step that would have asked for a
//! password fails with `errSecInteractionNotAllowed` instead of hanging a headless job.
//!
//! ```no_run
//! # fn main() -> ascert_keychain::Result<()> {
//! use std::num::NonZeroU32;
//! use ascert_keychain::Secret;
//! use ascert_keychain::framework::{create_keychain, has_identity, set_lock_after, unlock_keychain};
//!
//! let path = std::path::Path::new("/tmp/ci.keychain-db");
//! let password = Secret::new("keychain password");
//! create_keychain(path, &password, None)?; // never locks by itself
//! unlock_keychain(path, &password)?;
//! set_lock_after(path, NonZeroU32::new(3600))?; // locks after an idle hour and on sleep
//! assert!(!has_identity(path, &[0; 20])?);
//! # Ok(())
//! # }
//! ```

use std::fmt;
use std::num::NonZeroU32;
use std::os::unix::ffi::OsStrExt as _;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::sync::{Mutex, PoisonError};

use security_framework::base::Error as SecError;
use security_framework::certificate::SecCertificate;
use security_framework::item::{ItemClass, ItemSearchOptions, Limit, Reference, SearchResult};
use security_framework::os::macos::keychain::{
    CreateOptions, KeychainSettings, KeychainUserInteractionLock, SecKeychain,
};
use security_framework::policy::SecPolicy;
use security_framework::trust::SecTrust;
use sha1::{Digest as _, Sha1};
use x509_parser::prelude::{FromDer as _, X509Certificate};

use crate::command::Secret;
use crate::error::{KeychainError, Result};

/// `errSecIO`: an I/O error.
const ERR_SEC_IO: i32 = -36;
/// `errSecParam`: a parameter the framework cannot take; also what [`create_keychain`] and the
/// others report, before any call, for a path that no C call can take (empty, or with a NUL byte).
const ERR_SEC_PARAM: i32 = -50;
/// `errSecAuthFailed`: the password is not correct.
const ERR_SEC_AUTH_FAILED: i32 = -25293;
/// `errSecNoSuchKeychain`.
const ERR_SEC_NO_SUCH_KEYCHAIN: i32 = -25294;
/// `errSecDuplicateKeychain`: a keychain with this name already exists.
const ERR_SEC_DUPLICATE_KEYCHAIN: i32 = -25296;
/// `errSecItemNotFound`: a search found nothing.
const ERR_SEC_ITEM_NOT_FOUND: i32 = -25300;
/// `errSecInteractionNotAllowed`: the call would have shown a dialog (to unlock the keychain).
const ERR_SEC_INTERACTION_NOT_ALLOWED: i32 = -25308;
/// `errSecErrnoBase`: Apple reports a failed system call as this plus its errno
/// (`UnixError::osStatus` in Security's `security_utilities`), and so does this module.
const ERR_SEC_ERRNO_BASE: i32 = 100_000;

/// The `OSStatus` codes this module names in its messages, as Apple's `SecBase.h` spells them:
/// the keychain codes the steps here meet, and the trust codes an evaluation reports.
const KNOWN_STATUS: [(i32, &str); 16] = [
    (ERR_SEC_IO, "errSecIO"),
    (ERR_SEC_PARAM, "errSecParam"),
    (-61, "errSecWrPerm"),
    (-128, "errSecUserCanceled"),
    (ERR_SEC_AUTH_FAILED, "errSecAuthFailed"),
    (ERR_SEC_NO_SUCH_KEYCHAIN, "errSecNoSuchKeychain"),
    (ERR_SEC_DUPLICATE_KEYCHAIN, "errSecDuplicateKeychain"),
    (-25299, "errSecDuplicateItem"),
    (ERR_SEC_ITEM_NOT_FOUND, "errSecItemNotFound"),
    (ERR_SEC_INTERACTION_NOT_ALLOWED, "errSecInteractionNotAllowed"),
    (-25318, "errSecCreateChainFailed"),
    (-67609, "errSecInvalidExtendedKeyUsage"),
    (-67818, "errSecCertificateExpired"),
    (-67819, "errSecCertificateNotValidYet"),
    (-67820, "errSecCertificateRevoked"),
    (-67843, "errSecNotTrusted"),
];

/// The name of an `OSStatus` in Apple's `SecBase.h`, for the codes this module knows; a failed
/// system call's code (`errSecErrnoBase` + errno) is named as such.
pub fn status_name(code: i32) -> Option<&'static str> {
    if (ERR_SEC_ERRNO_BASE + 1..ERR_SEC_ERRNO_BASE + 1000).contains(&code) {
        return Some("errSecErrnoBase + errno");
    }
    KNOWN_STATUS
        .iter()
        .find(|(known, _)| *known == code)
        .map(|(_, name)| *name)
}

// The steps, as [`KeychainError::Status`] shows them: "could not {operation} the keychain PATH".
const OP_CREATE: &str = "create";
const OP_MODE: &str = "set mode 0600 on";
const OP_OPEN: &str = "open";
const OP_UNLOCK: &str = "unlock";
const OP_SETTINGS: &str = "change the auto-lock settings of";
const OP_SEARCH: &str = "search for identities in";
const OP_DIALOGS: &str = "turn off keychain dialogs";
const OP_TRUST: &str = "evaluate the trust of a certificate chain";

/// A [`KeychainError::Status`] for `code`.
fn status(operation: &'static str, path: Option<&Path>, code: i32) -> KeychainError {
    KeychainError::Status {
        operation,
        path: path.map(Path::to_path_buf),
        code,
        name: status_name(code),
    }
}

/// Maps a failure of a call on the existing keychain `path` by its number: the codes the crate
/// has a variant for become that variant, any other a [`KeychainError::Status`].
fn keychain_error(operation: &'static str, path: &Path, error: SecError) -> KeychainError {
    match error.code() {
        ERR_SEC_NO_SUCH_KEYCHAIN => KeychainError::NoSuchKeychain {
            path: path.to_path_buf(),
        },
        // With dialogs off (see `DialogsOff`), this is the framework declining to ask for the
        // password of a locked keychain: the caller unlocks it and tries again.
        ERR_SEC_INTERACTION_NOT_ALLOWED => KeychainError::Locked {
            keychain: path.to_path_buf(),
        },
        code => status(operation, Some(path), code),
    }
}

/// The keychain path as the framework gets it: absolute, because the framework's keychain cache
/// and `securityd` know a keychain by its name and a relative one would depend on the current
/// folder. A path that no C call can take (empty, or with a NUL byte, at which C would cut it and
/// so name another file) is refused before any call.
fn framework_path(operation: &'static str, path: &Path) -> Result<PathBuf> {
    let refuse = || status(operation, Some(path), ERR_SEC_PARAM);
    if path.as_os_str().as_bytes().contains(&0) {
        return Err(refuse());
    }
    std::path::absolute(path).map_err(|_| refuse())
}

/// The file the framework writes for `path` when it is in `~/Library/Keychains`: the name with
/// `-db` appended (`StorageManager::makeKeychainDbFilename`), as `security create-keychain
/// NAME.keychain` makes `NAME.keychain-db` there.
fn db_twin(path: &Path) -> PathBuf {
    if path.as_os_str().as_bytes().ends_with(b"-db") {
        return path.to_path_buf();
    }
    let mut twin = path.as_os_str().to_owned();
    twin.push("-db");
    PathBuf::from(twin)
}

/// Who holds keychain dialogs off: how many calls of this module are running, and the
/// framework's lock that turns them back on when dropped (`None` when they were off already).
static DIALOGS_OFF: Mutex<(usize, Option<KeychainUserInteractionLock>)> = Mutex::new((0, None));

/// While alive, keychain calls of this process fail with `errSecInteractionNotAllowed` instead of
/// showing a dialog. The switch (`SecKeychainSetUserInteractionAllowed`) is process-wide, so the
/// guards of this module count each other: the first turns dialogs off, the last turns them on
/// again, and if the program had turned them off itself they stay off.
struct DialogsOff(());

impl DialogsOff {
    /// Turns dialogs off unless they are already.
    fn new() -> Result<Self> {
        let mut state = DIALOGS_OFF.lock().unwrap_or_else(PoisonError::into_inner);
        if state.0 == 0 {
            let allowed =
                SecKeychain::user_interaction_allowed().map_err(|e| status(OP_DIALOGS, None, e.code()))?;
            if allowed {
                state.1 = Some(
                    SecKeychain::disable_user_interaction()
                        .map_err(|e| status(OP_DIALOGS, None, e.code()))?,
                );
            }
        }
        state.0 += 1;
        Ok(Self(()))
    }
}

impl Drop for DialogsOff {
    fn drop(&mut self) {
        let mut state = DIALOGS_OFF.lock().unwrap_or_else(PoisonError::into_inner);
        state.0 = state.0.saturating_sub(1);
        if state.0 == 0 {
            // Dropping the framework's lock turns dialogs back on.
            state.1 = None;
        }
    }
}

/// The framework's settings for `lock_after`: `None` never locks by itself (no timeout, not on
/// sleep), as `security set-keychain-settings KEYCHAIN` sets it; `Some(seconds)` locks after that
/// many idle seconds and on sleep (`security set-keychain-settings -l -u -t SECONDS`).
fn lock_settings(lock_after: Option<NonZeroU32>) -> KeychainSettings {
    let mut settings = KeychainSettings::new();
    settings.set_lock_on_sleep(lock_after.is_some());
    settings.set_lock_interval(lock_after.map(NonZeroU32::get));
    settings
}

/// Opens the existing keychain file `path` (already made absolute).
fn open_existing(path: &Path) -> Result<SecKeychain> {
    // `SecKeychainOpen` succeeds for a file that does not exist (the reference is resolved at the
    // first use), so a missing file is reported here, clearly, before any call.
    if !path.is_file() {
        return Err(KeychainError::NoSuchKeychain {
            path: path.to_path_buf(),
        });
    }
    SecKeychain::open(path).map_err(|e| keychain_error(OP_OPEN, path, e))
}

/// Unlocks an open keychain, mapping `errSecAuthFailed` to [`KeychainError::WrongPassword`].
fn unlock_open(keychain: &mut SecKeychain, path: &Path, password: &Secret) -> Result<()> {
    keychain
        .unlock(Some(password.expose()))
        .map_err(|e| match e.code() {
            ERR_SEC_AUTH_FAILED => KeychainError::WrongPassword {
                keychain: path.to_path_buf(),
            },
            _ => keychain_error(OP_UNLOCK, path, e),
        })
}

/// Creates the keychain file `path` protected by `password`, sets its auto-lock (see
/// [`set_lock_after`]: `None` never locks by itself) and leaves it unlocked, its file mode 0600.
///
/// The password goes to `SecKeychainCreate` in memory: it is on no command line. The
/// `security-framework` crate keeps a copy of it in a plain `String` for the duration of the call
/// (its `CreateOptions`), which is dropped, not wiped, when this returns.
///
/// Like `security create-keychain`, `SecKeychainCreate` adds the new keychain to the user's search
/// list (and makes it the default keychain if the user has none): a caller that must put the list
/// back reads [`crate::search_state`] first. In `~/Library/Keychains` the framework writes
/// `PATH-db` for a `PATH` that does not end in `-db`; elsewhere the file is `path` itself.
///
/// The framework creates the file with the mode of its own choosing; this narrows it to 0600 right
/// after (later writes keep it: the framework rewrites the file with the mode it has).
///
/// # Errors
///
/// [`KeychainError::KeychainExists`] if `path` (or `path` with `-db` appended) exists, or appears
/// meanwhile (`errSecDuplicateKeychain`); [`KeychainError::Status`] for any other failure, with
/// `errSecParam` for a path no C call can take. After a failure past the creation itself (the
/// mode, the settings, the unlock) the file stays where it is, as the error names it: delete it
/// with [`crate::delete_keychain`].
pub fn create_keychain(path: &Path, password: &Secret, lock_after: Option<NonZeroU32>) -> Result<()> {
    let path = framework_path(OP_CREATE, path)?;
    let twin = db_twin(&path);
    for candidate in [&path, &twin] {
        // A file we cannot even look at counts as there: never risk creating over it.
        if candidate.try_exists().unwrap_or(true) {
            return Err(KeychainError::KeychainExists {
                path: candidate.clone(),
            });
        }
    }
    let _dialogs = DialogsOff::new()?;
    let mut keychain = {
        let mut options = CreateOptions::new();
        options.password(password.expose());
        // `options` (and its copy of the password) is dropped at the end of this block.
        options.create(&path).map_err(|e| match e.code() {
            ERR_SEC_DUPLICATE_KEYCHAIN => KeychainError::KeychainExists { path: path.clone() },
            code => status(OP_CREATE, Some(&path), code),
        })?
    };
    let file = if path.is_file() { path.clone() } else { twin };
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o600)).map_err(|e| {
        let code = e
            .raw_os_error()
            .map_or(ERR_SEC_IO, |errno| ERR_SEC_ERRNO_BASE.saturating_add(errno));
        status(OP_MODE, Some(&file), code)
    })?;
    keychain
        .set_settings(&lock_settings(lock_after))
        .map_err(|e| keychain_error(OP_SETTINGS, &path, e))?;
    // A new keychain is unlocked already; unlocking it again makes "unlocked when this returns"
    // hold whatever the settings just set.
    unlock_open(&mut keychain, &path, password)?;
    tracing::debug!(keychain = %file.display(), ?lock_after, "created keychain through Security.framework");
    Ok(())
}

/// Unlocks the keychain file `path` with `password`, given to `SecKeychainUnlock` in memory.
///
/// # Errors
///
/// [`KeychainError::NoSuchKeychain`] if the file does not exist; [`KeychainError::WrongPassword`]
/// for `errSecAuthFailed`; [`KeychainError::Status`] for any other failure.
pub fn unlock_keychain(path: &Path, password: &Secret) -> Result<()> {
    let path = framework_path(OP_UNLOCK, path)?;
    let mut keychain = open_existing(&path)?;
    let _dialogs = DialogsOff::new()?;
    unlock_open(&mut keychain, &path, password)
}

/// Sets the auto-lock of the existing keychain file `path`: with `None` it never locks by itself
/// (no timeout, not on sleep), as a CI keychain should; with `Some(seconds)` it locks after that
/// many seconds without use and when the Mac sleeps. (Zero seconds, a keychain locked the moment
/// it is idle, cannot be asked for.)
///
/// # Errors
///
/// [`KeychainError::NoSuchKeychain`] if the file does not exist; [`KeychainError::Locked`] if the
/// framework needs the keychain unlocked first (`errSecInteractionNotAllowed`: it would have asked
/// for the password); [`KeychainError::Status`] for any other failure.
pub fn set_lock_after(path: &Path, lock_after: Option<NonZeroU32>) -> Result<()> {
    let path = framework_path(OP_SETTINGS, path)?;
    let mut keychain = open_existing(&path)?;
    let _dialogs = DialogsOff::new()?;
    keychain
        .set_settings(&lock_settings(lock_after))
        .map_err(|e| keychain_error(OP_SETTINGS, &path, e))
}

/// Whether the keychain file `path` holds an identity (a certificate with its private key) whose
/// certificate's DER has the SHA-1 `sha1`: `SecItemCopyMatching` for the identity class, searching
/// that keychain only, each certificate's DER hashed here. Unlock the keychain first: pairing a
/// certificate with its key may need it unlocked, and no dialog is shown to ask.
///
/// # Errors
///
/// [`KeychainError::NoSuchKeychain`] if the file does not exist; [`KeychainError::Locked`] if the
/// framework needs the keychain unlocked to search it; [`KeychainError::Status`] for any other
/// failure. Finding nothing (`errSecItemNotFound`) is `Ok(false)`.
pub fn has_identity(path: &Path, sha1: &[u8; 20]) -> Result<bool> {
    let path = framework_path(OP_SEARCH, path)?;
    let keychain = open_existing(&path)?;
    let _dialogs = DialogsOff::new()?;
    let found = ItemSearchOptions::new()
        .class(ItemClass::identity())
        .keychains(std::slice::from_ref(&keychain))
        .load_refs(true)
        .limit(Limit::All)
        .search();
    let found = match found {
        Ok(found) => found,
        Err(e) if e.code() == ERR_SEC_ITEM_NOT_FOUND => return Ok(false),
        Err(e) => return Err(keychain_error(OP_SEARCH, &path, e)),
    };
    for result in found {
        if let SearchResult::Ref(Reference::Identity(identity)) = result {
            let certificate = identity
                .certificate()
                .map_err(|e| keychain_error(OP_SEARCH, &path, e))?;
            let digest: [u8; 20] = Sha1::digest(certificate.to_der()).into();
            if &digest == sha1 {
                return Ok(true);
            }
        }
    }
    Ok(false)
}

/// The `SecPolicy` a [`TrustVerdict`] was reached with.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustPolicy {
    /// Basic X.509 (`SecPolicyCreateBasicX509`: signatures, validity dates, basic constraints, a
    /// trusted anchor), plus ascert's own check of the leaf's key usages against what Apple's
    /// code-signing policy asks. The `security-framework` crate has no safe constructor for the
    /// code-signing policy itself (`SecPolicyCreateWithProperties` with
    /// `kSecPolicyAppleCodeSigning`), and this workspace forbids `unsafe`.
    BasicX509WithCodeSigningUsage,
}

impl fmt::Display for TrustPolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::BasicX509WithCodeSigningUsage => {
                f.write_str("basic X.509 policy with the code-signing key usages checked by ascert")
            }
        }
    }
}

/// One reason a leaf cannot sign code, as [`codesigning_trust`] found it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum TrustProblem {
    /// `SecTrustEvaluateWithError` did not trust the chain.
    Chain {
        /// The error's code: an `OSStatus` when `domain` is `NSOSStatusErrorDomain`, such as
        /// -67843 (`errSecNotTrusted`) or -67818 (`errSecCertificateExpired`).
        code: i64,
        /// Its name in Apple's `SecBase.h`, for the codes ascert knows.
        name: Option<&'static str>,
        /// The error's domain.
        domain: String,
        /// Apple's description, localized to the user's language: for people, never to decide by.
        localized_description: String,
    },
    /// The leaf has no extended key usage `codeSigning` (1.3.6.1.5.5.7.3.3), which Apple's
    /// code-signing policy requires on macOS.
    NoCodeSigningUsage,
    /// The leaf has a key usage extension with neither `digitalSignature` nor `nonRepudiation`,
    /// one of which Apple's code-signing policy requires when the extension is there.
    NoSignatureKeyUsage,
}

impl fmt::Display for TrustProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Chain {
                code,
                name,
                domain,
                localized_description,
            } => {
                write!(f, "the chain is not trusted: {domain} {code}")?;
                if let Some(name) = name {
                    write!(f, " ({name})")?;
                }
                write!(f, "; Apple says (localized): {localized_description}")
            }
            Self::NoCodeSigningUsage => f.write_str(
                "the certificate has no extended key usage codeSigning (1.3.6.1.5.5.7.3.3), which code signing requires",
            ),
            Self::NoSignatureKeyUsage => f.write_str(
                "the certificate's key usage allows neither digitalSignature nor nonRepudiation, one of which code \
                 signing requires",
            ),
        }
    }
}

/// Whether a certificate may sign code, and why not.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct TrustVerdict {
    /// What the chain was evaluated with.
    pub policy: TrustPolicy,
    /// Why the leaf cannot sign code, the chain's verdict first; empty when it can.
    pub problems: Vec<TrustProblem>,
}

impl TrustVerdict {
    /// Whether the leaf may sign code: the chain is trusted and the leaf's usages allow it.
    pub fn is_trusted(&self) -> bool {
        self.problems.is_empty()
    }
}

impl fmt::Display for TrustVerdict {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.is_trusted() {
            return write!(f, "trusted for code signing ({})", self.policy);
        }
        write!(f, "not trusted for code signing ({}): ", self.policy)?;
        for (i, problem) in self.problems.iter().enumerate() {
            if i > 0 {
                f.write_str("; ")?;
            }
            write!(f, "{problem}")?;
        }
        Ok(())
    }
}

/// What the leaf's own extensions say against code signing, as Apple's code-signing policy
/// (`SecPolicyCreateCodeSigning`) checks them on macOS.
fn usage_problems(leaf_der: &[u8]) -> Result<Vec<TrustProblem>> {
    let (_, leaf) = X509Certificate::from_der(leaf_der).map_err(|e| KeychainError::InvalidCertificate {
        reason: e.to_string(),
    })?;
    let invalid = |e: x509_parser::error::X509Error| KeychainError::InvalidCertificate {
        reason: e.to_string(),
    };
    let mut problems = Vec::new();
    let code_signing = leaf
        .extended_key_usage()
        .map_err(invalid)?
        .is_some_and(|eku| eku.value.code_signing);
    if !code_signing {
        problems.push(TrustProblem::NoCodeSigningUsage);
    }
    if let Some(usage) = leaf.key_usage().map_err(invalid)?
        && !usage.value.digital_signature()
        && !usage.value.non_repudiation()
    {
        problems.push(TrustProblem::NoSignatureKeyUsage);
    }
    Ok(problems)
}

/// The framework's certificate for `der`; `which` names it in the error.
fn sec_certificate(der: &[u8], which: &str) -> Result<SecCertificate> {
    SecCertificate::from_der(der).map_err(|e| KeychainError::InvalidCertificate {
        reason: format!(
            "Security.framework does not read {which} as a DER certificate (OSStatus {})",
            e.code()
        ),
    })
}

/// Whether `leaf_der` may sign code, its chain built from `intermediates` (DER) and the anchors
/// the system and the user trust, evaluated now, without the network: no missing issuer is
/// downloaded and no revocation server asked.
///
/// The chain is evaluated with the basic X.509 policy, because the `security-framework` crate has
/// no safe constructor for Apple's code-signing policy; what that policy asks of the leaf beyond
/// basic X.509 (extended key usage codeSigning; a key usage, when present, that allows signatures)
/// is checked here from the certificate itself. [`TrustVerdict::policy`] says so.
///
/// # Errors
///
/// [`KeychainError::InvalidCertificate`] if the leaf or an intermediate is not a certificate;
/// [`KeychainError::Status`] if the evaluation could not be set up. An untrusted chain is not an
/// error: it is a verdict with a [`TrustProblem::Chain`] reason.
pub fn codesigning_trust(leaf_der: &[u8], intermediates: &[&[u8]]) -> Result<TrustVerdict> {
    let usage = usage_problems(leaf_der)?;
    let mut certificates = vec![sec_certificate(leaf_der, "the leaf")?];
    for (i, der) in intermediates.iter().enumerate() {
        certificates.push(sec_certificate(der, &format!("intermediate #{}", i + 1))?);
    }
    let policy = SecPolicy::create_x509();
    let mut trust = SecTrust::create_with_certificates(&certificates, &[policy])
        .map_err(|e| status(OP_TRUST, None, e.code()))?;
    trust
        .set_network_fetch_allowed(false)
        .map_err(|e| status(OP_TRUST, None, e.code()))?;
    let mut problems = Vec::new();
    if let Err(error) = trust.evaluate_with_error() {
        let code = i64::try_from(error.code()).unwrap_or(i64::MIN);
        problems.push(TrustProblem::Chain {
            code,
            name: i32::try_from(code).ok().and_then(status_name),
            domain: error.domain().to_string(),
            localized_description: error.description().to_string(),
        });
    }
    problems.extend(usage);
    Ok(TrustVerdict {
        policy: TrustPolicy::BasicX509WithCodeSigningUsage,
        problems,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn status_names_come_from_the_table_and_errno_codes_say_so() {
        assert_eq!(status_name(-25293), Some("errSecAuthFailed"));
        assert_eq!(status_name(-25296), Some("errSecDuplicateKeychain"));
        assert_eq!(status_name(-25294), Some("errSecNoSuchKeychain"));
        assert_eq!(status_name(-25308), Some("errSecInteractionNotAllowed"));
        assert_eq!(status_name(-25300), Some("errSecItemNotFound"));
        assert_eq!(status_name(-25299), Some("errSecDuplicateItem"));
        assert_eq!(status_name(100_013), Some("errSecErrnoBase + errno"));
        assert_eq!(status_name(-1), None);
    }

    #[test]
    fn a_status_error_names_the_step_the_keychain_and_the_code() {
        let err = status(OP_SETTINGS, Some(Path::new("/tmp/ci.keychain-db")), -25308);
        assert_eq!(
            err.to_string(),
            "could not change the auto-lock settings of the keychain /tmp/ci.keychain-db: OSStatus -25308 \
             (errSecInteractionNotAllowed)"
        );
        assert_eq!(
            status(OP_TRUST, None, -4).to_string(),
            "could not evaluate the trust of a certificate chain: OSStatus -4"
        );
    }

    #[test]
    fn paths_no_c_call_can_take_are_refused_before_any_call() {
        let err =
            create_keychain(Path::new("/tmp/a\0b.keychain-db"), &Secret::new("hunter2"), None).unwrap_err();
        assert!(
            matches!(
                err,
                KeychainError::Status {
                    code: ERR_SEC_PARAM,
                    ..
                }
            ),
            "{err}"
        );
        assert!(!format!("{err} {err:?}").contains("hunter2"));
    }

    #[test]
    fn the_db_twin_appends_db_once() {
        assert_eq!(
            db_twin(Path::new("/k/ci.keychain")),
            Path::new("/k/ci.keychain-db")
        );
        assert_eq!(
            db_twin(Path::new("/k/ci.keychain-db")),
            Path::new("/k/ci.keychain-db")
        );
    }
}
