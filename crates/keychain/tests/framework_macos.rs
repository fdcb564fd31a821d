//! On a real Mac: the Security.framework backend (`ascert_keychain::framework`) creates, unlocks and
//! configures a keychain file, searches it and evaluates trust, with errors told apart by number.
//!
//! Each test makes its own keychain in a temporary folder and deletes it at the end, whatever
//! happens, with `security delete-keychain` (which also takes it out of the search list that
//! `SecKeychainCreate` added it to); the user's search list and default keychain are put back.
//! The settings are read back with `security show-keychain-info`, whose output is not localized.
//! CI on Linux type-checks this file for both macOS targets; a macOS runner runs it.
#![cfg(target_os = "macos")]

use std::num::NonZeroU32;
use std::os::unix::fs::PermissionsExt as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};

use ascert_keychain::framework::{
    TrustPolicy, TrustProblem, codesigning_trust, create_keychain, has_identity, set_lock_after,
    unlock_keychain,
};
use ascert_keychain::{
    KeychainError, SearchState, Secret, SecurityTool, search_state, take_out_of_search_list,
};

const SECURITY: &str = "/usr/bin/security";
const OPENSSL: &str = "/usr/bin/openssl";

/// Creating a keychain changes the user's search list: one test at a time.
static SEARCH_LIST: Mutex<()> = Mutex::new(());

/// Runs a program with stdin closed; returns (success, stdout + stderr).
fn run(program: &str, args: &[&str]) -> (bool, String) {
    let out = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .output()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

/// A keychain file in a temporary folder, deleted (and the search list put back) on drop.
struct TempKeychain {
    _serial: MutexGuard<'static, ()>,
    dir: tempfile::TempDir,
    path: PathBuf,
    password: Secret,
    before: Option<SearchState>,
}

impl TempKeychain {
    /// A path for a keychain that does not exist yet.
    fn new() -> Self {
        let serial = SEARCH_LIST.lock().unwrap_or_else(PoisonError::into_inner);
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ascert-framework-test.keychain-db");
        let before = SecurityTool::from_env()
            .ok()
            .and_then(|tool| search_state(&tool).ok());
        Self {
            _serial: serial,
            dir,
            path,
            password: Secret::new(format!("pw-{}-framework", std::process::id())),
            before,
        }
    }

    /// Creates it with `lock_after`.
    fn created(lock_after: Option<NonZeroU32>) -> Self {
        let kc = Self::new();
        create_keychain(&kc.path, &kc.password, lock_after).expect("create_keychain");
        kc
    }

    fn path_str(&self) -> &str {
        self.path.to_str().unwrap()
    }

    /// What `security show-keychain-info` prints (it needs the keychain unlocked).
    fn info(&self) -> String {
        let (ok, text) = run(SECURITY, &["show-keychain-info", self.path_str()]);
        assert!(ok, "show-keychain-info: {text}");
        text
    }
}

impl Drop for TempKeychain {
    /// Never panics: every step's failure is ignored, so a failing test shows its own message.
    fn drop(&mut self) {
        if self.path.exists() {
            let _ = Command::new(SECURITY)
                .args(["delete-keychain"])
                .arg(&self.path)
                .stdin(Stdio::null())
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .status();
        }
        let _ = std::fs::remove_file(&self.path);
        if let (Some(before), Ok(tool)) = (&self.before, SecurityTool::from_env()) {
            // SecKeychainCreate added it to the search list (and may have made it the default).
            let _ = take_out_of_search_list(&tool, &self.path, before.default.as_deref());
        }
    }
}

fn secs(n: u32) -> Option<NonZeroU32> {
    NonZeroU32::new(n)
}

#[test]
fn create_makes_a_private_unlocked_keychain_that_never_locks_by_itself() {
    let kc = TempKeychain::created(None);
    let mode = std::fs::metadata(&kc.path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
    // show-keychain-info reads the settings of an unlocked keychain without asking anything.
    let info = kc.info();
    assert!(info.contains("no-timeout"), "{info}");
    assert!(!info.contains("lock-on-sleep"), "{info}");
}

#[test]
fn lock_after_sets_a_timeout_and_lock_on_sleep_and_none_removes_both() {
    let kc = TempKeychain::created(secs(300));
    let info = kc.info();
    assert!(info.contains("timeout=300s"), "{info}");
    assert!(info.contains("lock-on-sleep"), "{info}");

    set_lock_after(&kc.path, None).unwrap();
    let info = kc.info();
    assert!(info.contains("no-timeout"), "{info}");
    assert!(!info.contains("lock-on-sleep"), "{info}");

    set_lock_after(&kc.path, secs(3600)).unwrap();
    let info = kc.info();
    assert!(info.contains("timeout=3600s"), "{info}");
    // The mode survives the framework's rewrite of the file.
    let mode = std::fs::metadata(&kc.path).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600, "mode {mode:o}");
}

#[test]
fn a_wrong_password_is_wrong_password_and_the_right_one_unlocks() {
    let kc = TempKeychain::created(None);
    let (ok, text) = run(SECURITY, &["lock-keychain", kc.path_str()]);
    assert!(ok, "lock-keychain: {text}");

    let wrong = Secret::new("not the password");
    let err = unlock_keychain(&kc.path, &wrong).unwrap_err();
    assert!(matches!(err, KeychainError::WrongPassword { .. }), "{err:?}");
    let shown = format!("{err} {err:?}");
    assert!(!shown.contains("not the password"), "{shown}");
    assert!(!shown.contains(kc.password.expose()), "{shown}");

    unlock_keychain(&kc.path, &kc.password).unwrap();
    // Unlocked: the settings can be read without a dialog.
    assert!(kc.info().contains("no-timeout"));
}

#[test]
fn an_empty_keychain_has_no_identity() {
    let kc = TempKeychain::created(None);
    assert!(!has_identity(&kc.path, &[0xAB; 20]).unwrap());
}

#[test]
fn create_refuses_an_existing_file_and_leaves_it_alone() {
    let kc = TempKeychain::created(None);
    let before = std::fs::read(&kc.path).unwrap();
    let err = create_keychain(&kc.path, &Secret::new("other"), None).unwrap_err();
    assert!(matches!(err, KeychainError::KeychainExists { .. }), "{err:?}");
    assert_eq!(std::fs::read(&kc.path).unwrap(), before);

    // Any file counts, not only a keychain.
    let other = kc.dir.path().join("plain.keychain-db");
    std::fs::write(&other, b"not a keychain").unwrap();
    let err = create_keychain(&other, &Secret::new("other"), None).unwrap_err();
    assert!(matches!(err, KeychainError::KeychainExists { .. }), "{err:?}");
    assert_eq!(std::fs::read(&other).unwrap(), b"not a keychain");
}

#[test]
fn a_missing_keychain_is_no_such_keychain_for_every_call() {
    let kc = TempKeychain::new();
    let missing: &Path = &kc.path;
    let errors = [
        unlock_keychain(missing, &kc.password).unwrap_err(),
        set_lock_after(missing, None).unwrap_err(),
        has_identity(missing, &[0; 20]).unwrap_err(),
    ];
    for err in errors {
        assert!(matches!(err, KeychainError::NoSuchKeychain { .. }), "{err:?}");
    }
    assert!(!missing.exists(), "no call may create the file");
}

/// A self-signed certificate made by /usr/bin/openssl (`LibreSSL` on macOS) with these X.509v3
/// extension lines, as DER; its key stays in `dir` as `NAME.key`.
fn self_signed(dir: &Path, name: &str, extensions: &[&str]) -> Vec<u8> {
    let file = |ext: &str| dir.join(format!("{name}.{ext}")).to_str().unwrap().to_owned();
    std::fs::write(
        file("cnf"),
        format!(
            "[req]\ndistinguished_name = dn\nprompt = no\nx509_extensions = ext\n\
             [dn]\nCN = ascert framework test {name}\n[ext]\n{}\n",
            extensions.join("\n")
        ),
    )
    .unwrap();
    let (ok, text) = run(
        OPENSSL,
        &[
            "req",
            "-x509",
            "-new",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-days",
            "2",
            "-config",
            &file("cnf"),
            "-keyout",
            &file("key"),
            "-out",
            &file("pem"),
        ],
    );
    assert!(ok, "openssl req: {text}");
    let (ok, text) = run(
        OPENSSL,
        &[
            "x509",
            "-in",
            &file("pem"),
            "-outform",
            "DER",
            "-out",
            &file("der"),
        ],
    );
    assert!(ok, "openssl x509: {text}");
    std::fs::read(file("der")).unwrap()
}

#[test]
fn an_imported_identity_is_found_by_its_certificate_sha1() {
    let kc = TempKeychain::created(None);
    let dir = kc.dir.path();
    let leaf = self_signed(
        dir,
        "identity",
        &[
            "keyUsage = critical,digitalSignature",
            "extendedKeyUsage = critical,codeSigning",
        ],
    );
    let p12 = dir.join("identity.p12");
    let p = |f: &str| dir.join(f).to_str().unwrap().to_owned();
    let (ok, text) = run(
        OPENSSL,
        &[
            "pkcs12",
            "-export",
            "-inkey",
            &p("identity.key"),
            "-in",
            &p("identity.pem"),
            "-out",
            p12.to_str().unwrap(),
            "-passout",
            "pass:test",
        ],
    );
    assert!(ok, "openssl pkcs12: {text}");
    let (ok, text) = run(
        SECURITY,
        &[
            "import",
            p12.to_str().unwrap(),
            "-k",
            kc.path_str(),
            "-f",
            "pkcs12",
            "-P",
            "test",
            "-T",
            "/usr/bin/codesign",
        ],
    );
    assert!(ok, "security import: {text}");

    let sha1 = ascert_keychain::Identity::from_certificate_der(&leaf)
        .unwrap()
        .sha1;
    assert!(has_identity(&kc.path, &sha1).unwrap());
    let mut other = sha1;
    other[0] ^= 0xFF;
    assert!(!has_identity(&kc.path, &other).unwrap());
}

#[test]
fn an_untrusted_self_signed_code_signing_certificate_is_not_trusted_by_number() {
    let dir = tempfile::tempdir().unwrap();
    let leaf = self_signed(
        dir.path(),
        "signer",
        &[
            "keyUsage = critical,digitalSignature",
            "extendedKeyUsage = critical,codeSigning",
        ],
    );
    let verdict = codesigning_trust(&leaf, &[]).unwrap();
    assert_eq!(verdict.policy, TrustPolicy::BasicX509WithCodeSigningUsage);
    assert!(!verdict.is_trusted(), "{verdict}");
    // Only the chain is at fault: its root is trusted by nobody. The reason is a number.
    assert_eq!(verdict.problems.len(), 1, "{verdict}");
    match &verdict.problems[0] {
        TrustProblem::Chain { code, .. } => assert_ne!(*code, 0, "{verdict}"),
        other => panic!("expected a chain problem, got {other:?}"),
    }
}

#[test]
fn a_certificate_without_code_signing_usage_says_so() {
    let dir = tempfile::tempdir().unwrap();
    let leaf = self_signed(
        dir.path(),
        "tls",
        &[
            "keyUsage = critical,keyEncipherment",
            "extendedKeyUsage = serverAuth",
        ],
    );
    let verdict = codesigning_trust(&leaf, &[]).unwrap();
    assert!(!verdict.is_trusted());
    assert!(
        verdict.problems.contains(&TrustProblem::NoCodeSigningUsage),
        "{verdict}"
    );
    assert!(
        verdict.problems.contains(&TrustProblem::NoSignatureKeyUsage),
        "{verdict}"
    );
}

#[test]
fn bytes_that_are_no_certificate_are_invalid_certificate() {
    let err = codesigning_trust(b"not a certificate", &[]).unwrap_err();
    assert!(matches!(err, KeychainError::InvalidCertificate { .. }), "{err:?}");
}
