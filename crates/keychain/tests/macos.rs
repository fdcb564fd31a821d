//! On a real Mac: an identity installed by ascert-keychain signs with codesign, headless, and
//! nobody has to trust its root for that.
//!
//! Each test makes its own keychain in a temporary folder (added to the search list, which is put
//! back afterwards) and a code-signing identity: with /usr/bin/openssl, a self-made root CA and a
//! leaf with the codeSigning extended key usage; or made by the sandbox (`cargo xtask
//! keychain-identity`, in another process, because this crate's tests must build for macOS without
//! C code), a DEVELOPMENT certificate with the sandbox's intermediate. Neither chains to an Apple
//! root, and the tests trust neither: since macOS 15 changing admin trust settings takes an
//! entitlement or an administrator's password (Security-61439, the fix of CVE-2024-44123;
//! actions/runner-images #11893 and #12438 show `sudo security add-trusted-cert -d` failing on
//! GitHub's runners, #12116 its removal hanging). What the tests assert instead is what codesign
//! does with an identity whose root is not trusted, which is also what a developer sees with a
//! sandbox-made identity:
//!
//! - signing by SHA-1 works: codesign's identity search does not ask for valid identities
//!   (`SecIdentitySearchCreateWithPolicy(…, returnOnlyValidIdentities = false)` in `findIdentity`,
//!   security_systemkeychain-55202 `src/cs_utils.cpp`, the last published codesign), but the
//!   signature must carry the chain up to a self-signed root (`kCMSCertificateChainWithRootOrFail`,
//!   Security `OSX/libsecurity_codesigning/lib/signer.cpp`; `CERT_CertChainFromCert` fails with
//!   errSecCreateChainFailed without one, `OSX/libsecurity_smime/lib/cert.c`), so the root is added
//!   to the keychain as a plain certificate, as Apple's root sits in the System Roots keychain;
//! - `codesign --verify --strict` passes: `SecStaticCode::verifySignature` evaluates the chain with
//!   no anchors and `CSSM_TP_ACTION_IMPLICIT_ANCHORS` unless `kSecCSCheckTrustedAnchors` is set
//!   (`OSX/libsecurity_codesigning/lib/StaticCode.cpp`), which `SecTrustSetOptions` turns into an
//!   exception for `kSecPolicyCheckAnchorTrusted` (`OSX/sec/Security/SecTrust.c`);
//!   `SecStaticCodeCheckValidityWithErrors` does not even accept that flag (`SecStaticCode.cpp`),
//!   codesign passes `kSecCSCheckAllArchitectures | kSecCSStrictValidate` and no requirement
//!   (security_systemkeychain-55202 `src/codesign.cpp`, `src/cs_verify.cpp`), and the designated
//!   requirement made for a non-Apple anchor names certificates by hash (`DRMaker::nonAppleAnchor`,
//!   `drmaker.cpp`). Anchor trust is for requirements such as `anchor apple generic` and for
//!   Gatekeeper, not for `--verify`;
//! - `security find-identity -v` does not count it valid, and the listing without `-v` says
//!   `CSSMERR_TP_NOT_TRUSTED` (the `AnchorTrusted` check fails with 0x8001212A, that error, in
//!   `OSX/sec/Security/SecPolicyChecks.list`; printed by `SecurityTool/macOS/identity_find.m`).
//!
//! Nothing needs sudo, and nothing a test leaves behind when it fails can outlive it but its
//! temporary keychain, which the guard deletes (a guard's `Drop` logs a failure and goes on: a panic
//! there while unwinding would abort the test binary).
//!
//! `.github/workflows/macos.yml` runs these on macos-15 and macos-26, Apple silicon and Intel; CI
//! on Linux type-checks them for both macOS targets (`cargo xtask ci`).
#![cfg(target_os = "macos")]

use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::sync::{Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use ascert_keychain::{
    InstallRequest, Installed, Keychain, KeychainError, PartitionOutcome, SearchState, Secret, SecurityTool,
    add_to_search_list, create_keychain, delete_keychain, install_pkcs12, list_codesigning_identities,
    search_state, take_out_of_search_list,
};

const OPENSSL: &str = "/usr/bin/openssl";

/// The tests change the user's search list: one at a time.
static SEARCH_LIST: Mutex<()> = Mutex::new(());

/// Runs a program with stdin closed, killing it after `timeout`; returns (success, stdout+stderr).
fn run(program: &str, args: &[&str], timeout: Duration) -> (bool, String) {
    let mut child = Command::new(program)
        .args(args)
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap_or_else(|e| panic!("{program}: {e}"));
    let started = Instant::now();
    loop {
        if child.try_wait().unwrap().is_some() {
            break;
        }
        if started.elapsed() > timeout {
            let _ = child.kill();
            panic!("{program} {args:?} did not finish within {timeout:?}: it waited for input");
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    let out = child.wait_with_output().unwrap();
    let text = String::from_utf8_lossy(&out.stdout).into_owned() + &String::from_utf8_lossy(&out.stderr);
    (out.status.success(), text)
}

fn ok(program: &str, args: &[&str]) -> String {
    let (success, text) = run(program, args, Duration::from_secs(60));
    assert!(success, "{program} {args:?}:\n{text}");
    text
}

/// A root CA and a code-signing leaf, and the leaf with its key as a PKCS#12 bundle.
struct TestIdentity {
    dir: tempfile::TempDir,
    name: String,
    p12: Vec<u8>,
    p12_password: Secret,
    leaf_der: Vec<u8>,
    /// The certificate that issued the leaf: the self-made root, or the sandbox's intermediate.
    issuer_der: Vec<u8>,
    /// The common names of the chain, leaf first and root last: the `Authority=` lines of
    /// `codesign -dvv` for a signature made with it.
    authorities: Vec<String>,
}

impl TestIdentity {
    #[allow(
        clippy::too_many_lines,
        reason = "one openssl recipe, read from top to bottom"
    )]
    fn new() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let name = format!("ascert test signing {}", std::process::id());
        let p = |f: &str| dir.path().join(f).display().to_string();
        std::fs::write(
            p("openssl.cnf"),
            format!(
                "[req]\ndistinguished_name = dn\nprompt = no\n[dn]\nCN = {name}\n\
                 [root]\nbasicConstraints = critical,CA:TRUE\nkeyUsage = critical,keyCertSign,cRLSign\n\
                 subjectKeyIdentifier = hash\n\
                 [leaf]\nbasicConstraints = critical,CA:FALSE\nkeyUsage = critical,digitalSignature\n\
                 extendedKeyUsage = critical,codeSigning\nsubjectKeyIdentifier = hash\n\
                 authorityKeyIdentifier = keyid\n"
            ),
        )
        .unwrap();
        let cnf = p("openssl.cnf");
        ok(OPENSSL, &["genrsa", "-out", &p("root.key"), "2048"]);
        ok(
            OPENSSL,
            &[
                "req",
                "-x509",
                "-new",
                "-key",
                &p("root.key"),
                "-days",
                "2",
                "-config",
                &cnf,
                "-extensions",
                "root",
                "-subj",
                &format!("/CN={name} CA"),
                "-out",
                &p("root.pem"),
            ],
        );
        ok(OPENSSL, &["genrsa", "-out", &p("leaf.key"), "2048"]);
        ok(
            OPENSSL,
            &[
                "req",
                "-new",
                "-key",
                &p("leaf.key"),
                "-config",
                &cnf,
                "-out",
                &p("leaf.csr"),
            ],
        );
        ok(
            OPENSSL,
            &[
                "x509",
                "-req",
                "-in",
                &p("leaf.csr"),
                "-CA",
                &p("root.pem"),
                "-CAkey",
                &p("root.key"),
                "-set_serial",
                "2",
                "-days",
                "2",
                "-extfile",
                &cnf,
                "-extensions",
                "leaf",
                "-out",
                &p("leaf.pem"),
            ],
        );
        let password = format!("p12-{}", std::process::id());
        // 3DES for the key and the certificate, SHA-1 MAC: the form `security import` reads on
        // every macOS version.
        ok(
            OPENSSL,
            &[
                "pkcs12",
                "-export",
                "-descert",
                "-inkey",
                &p("leaf.key"),
                "-in",
                &p("leaf.pem"),
                "-name",
                &name,
                "-passout",
                &format!("pass:{password}"),
                "-out",
                &p("id.p12"),
            ],
        );
        for c in ["leaf", "root"] {
            ok(
                OPENSSL,
                &[
                    "x509",
                    "-in",
                    &p(&format!("{c}.pem")),
                    "-outform",
                    "DER",
                    "-out",
                    &p(&format!("{c}.der")),
                ],
            );
        }
        Self {
            p12: std::fs::read(p("id.p12")).unwrap(),
            leaf_der: std::fs::read(p("leaf.der")).unwrap(),
            issuer_der: std::fs::read(p("root.der")).unwrap(),
            p12_password: Secret::new(password),
            authorities: vec![name.clone(), format!("{name} CA")],
            name,
            dir,
        }
    }

    /// A DEVELOPMENT identity made by the sandbox as a user makes one against Apple — key and CSR
    /// by ascert-keystore, the certificate created and downloaded by ascert-certificates, a .p12 in
    /// the form macOS imports — with the sandbox's intermediate, which issued it. This crate's
    /// tests cannot link the sandbox (C code), so `cargo xtask keychain-identity` makes the files
    /// in another process (it is built on the first run, hence the long timeout).
    fn from_sandbox() -> Self {
        let dir = tempfile::tempdir().unwrap();
        let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
        let out = dir.path().display().to_string();
        let (success, text) = run(
            &cargo,
            &[
                "run",
                "--quiet",
                "--locked",
                "-p",
                "xtask",
                "--",
                "keychain-identity",
                &out,
            ],
            Duration::from_secs(1800),
        );
        assert!(success, "cargo xtask keychain-identity failed:\n{text}");
        let read = |f: &str| std::fs::read(dir.path().join(f)).unwrap();
        let text = |f: &str| String::from_utf8(read(f)).unwrap();
        Self {
            name: text("name.txt"),
            p12: read("identity.p12"),
            p12_password: Secret::new(text("password.txt")),
            leaf_der: read("leaf.der"),
            issuer_der: read("intermediate.der"),
            authorities: text("authorities.txt").lines().map(str::to_owned).collect(),
            dir,
        }
    }

    /// The root the chain ends in (self-signed, not trusted by this Mac).
    fn root_pem(&self) -> PathBuf {
        self.dir.path().join("root.pem")
    }
}

/// A keychain in a temporary folder, in the search list; deleted and the search list restored
/// when dropped (the tests also check the restore explicitly).
struct TempKeychain {
    tool: SecurityTool,
    path: PathBuf,
    password: Secret,
    before: SearchState,
    _dir: tempfile::TempDir,
    _one_at_a_time: MutexGuard<'static, ()>,
}

impl TempKeychain {
    fn new() -> Self {
        let guard = SEARCH_LIST.lock().unwrap_or_else(PoisonError::into_inner);
        let tool = SecurityTool::system().with_timeout(Duration::from_secs(60));
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("ascert-test.keychain-db");
        let password = Secret::new(format!("kc-{}", std::process::id()));
        let before = search_state(&tool).unwrap();
        create_keychain(&tool, &path, &password, None).unwrap();
        add_to_search_list(&tool, &path, &before.search_list, false).unwrap();
        Self {
            tool,
            path,
            password,
            before,
            _dir: dir,
            _one_at_a_time: guard,
        }
    }

    fn keychain(&self) -> Keychain {
        Keychain::Path(self.path.clone())
    }

    fn install(
        &self,
        identity: &TestIdentity,
        password: Option<&Secret>,
    ) -> Result<Installed, KeychainError> {
        install_pkcs12(
            &self.tool,
            &InstallRequest::new(
                &self.keychain(),
                &identity.p12,
                &identity.p12_password,
                &identity.leaf_der,
            )
            .with_friendly_name(&identity.name)
            .with_intermediate(&identity.issuer_der)
            .with_keychain_password(password),
        )
    }

    /// Adds the identity's root as a plain certificate, trusted for nothing. codesign puts the
    /// whole chain, root included, into a signature and fails without a self-signed root
    /// (`kCMSCertificateChainWithRootOrFail`): the root must be in a keychain of the search list,
    /// as Apple's is in the System Roots keychain. Adding a certificate needs no administrator;
    /// trusting it would.
    fn add_root(&self, identity: &TestIdentity) {
        ok(
            "/usr/bin/security",
            &[
                "add-certificates",
                "-k",
                &self.path.display().to_string(),
                &identity.root_pem().display().to_string(),
            ],
        );
    }

    /// Deletes it and checks that the search list is what it was.
    fn delete_and_check_restore(&self) {
        assert!(delete_keychain(&self.tool, &self.path).unwrap());
        take_out_of_search_list(&self.tool, &self.path, self.before.default.as_deref()).unwrap();
        assert_eq!(
            search_state(&self.tool).unwrap().search_list,
            self.before.search_list
        );
    }
}

impl Drop for TempKeychain {
    /// Runs after a failed assertion too, while the test unwinds: a panic here would abort the whole
    /// test binary and leave the search list changed, so a failure is logged and the rest goes on.
    #[allow(
        clippy::print_stderr,
        reason = "a clean-up that failed is said in the test's log, never by a panic"
    )]
    fn drop(&mut self) {
        if let Err(err) = delete_keychain(&self.tool, &self.path) {
            eprintln!("clean-up: cannot delete {}: {err}", self.path.display());
        }
        if let Err(err) = take_out_of_search_list(&self.tool, &self.path, self.before.default.as_deref()) {
            eprintln!("clean-up: cannot put the keychain search list back: {err}");
        }
    }
}

#[test]
fn an_installed_identity_signs_with_codesign_without_a_prompt() {
    let identity = TestIdentity::new();
    let kc = TempKeychain::new();
    let installed = kc.install(&identity, Some(&kc.password)).unwrap();
    let PartitionOutcome::Set { label } = &installed.partition else {
        panic!("the partition list was not set: {installed:?}");
    };
    // What only a Mac can tell: the label the importer gave the key on this macOS version.
    #[allow(
        clippy::print_stderr,
        reason = "the label is what the macOS CI log is read for"
    )]
    {
        eprintln!("the key was found under the label {label:?}");
    }
    assert!(
        label == &identity.name || label == "Imported Private Key",
        "{label}"
    );
    assert!(installed.imported);
    assert!(installed.in_search_list);
    assert!(
        !installed.listed.valid,
        "a self-made CA is not trusted: {:?}",
        installed.listed
    );

    kc.add_root(&identity);
    codesign_untrusted(&kc, &installed, &identity);
    kc.delete_and_check_restore();
}

/// The identity a user gets from ascert, issued by a WWDR-like intermediate: imported with that
/// intermediate, found by its SHA-1, and signing with codesign although the sandbox root is trusted
/// by nobody.
#[test]
fn a_sandbox_identity_with_its_intermediate_signs_with_codesign() {
    let identity = TestIdentity::from_sandbox();
    assert_eq!(
        identity.authorities.len(),
        3,
        "leaf, intermediate, root: {:?}",
        identity.authorities
    );
    let kc = TempKeychain::new();
    let installed = kc.install(&identity, Some(&kc.password)).unwrap();
    assert!(
        matches!(installed.partition, PartitionOutcome::Set { .. }),
        "the partition list was not set: {installed:?}"
    );
    assert!(installed.imported);

    kc.add_root(&identity);
    let listed = list_codesigning_identities(&kc.tool, &kc.keychain()).unwrap();
    let ours = listed
        .iter()
        .find(|l| l.sha1 == installed.identity.sha1)
        .unwrap_or_else(|| panic!("no identity with the leaf's SHA-1 among {listed:?}"));
    assert!(!ours.valid, "the sandbox root is trusted by nobody: {ours:?}");

    codesign_untrusted(&kc, &installed, &identity);
    kc.delete_and_check_restore();
}

/// What codesign does with an identity whose chain ends in a root this Mac does not trust (the
/// sources behind each assertion are in this file's header): it signs a copy of /usr/bin/true by
/// SHA-1, stdin closed, under a timeout (a prompt or an "Allow" dialog would hang it and fail the
/// test); the signature names the whole chain; `--verify --strict` passes; `find-identity -v`
/// does not count the identity valid, and the full listing says why.
fn codesign_untrusted(kc: &TempKeychain, installed: &Installed, identity: &TestIdentity) {
    let work = tempfile::tempdir().unwrap();
    let binary = work.path().join("true");
    std::fs::copy("/usr/bin/true", &binary).unwrap();
    let binary = binary.display().to_string();
    let keychain = kc.path.display().to_string();
    let sha1 = installed.identity.sha1_hex();
    let (success, text) = run(
        "/usr/bin/codesign",
        &[
            "--force",
            "--sign",
            &sha1,
            "--keychain",
            &keychain,
            // No request to Apple's timestamp server: the test proves the keychain, not the network.
            "--timestamp=none",
            &binary,
        ],
        Duration::from_secs(120),
    );
    assert!(success, "codesign failed:\n{text}");

    // The chain in the signature, leaf first; the root is there because codesign requires it.
    let shown = ok("/usr/bin/codesign", &["-dvv", &binary]);
    let authorities: Vec<&str> = shown
        .lines()
        .filter_map(|l| l.strip_prefix("Authority="))
        .collect();
    assert_eq!(authorities, identity.authorities, "{shown}");

    let (verified, text) = run(
        "/usr/bin/codesign",
        &["--verify", "--strict", "--verbose=2", &binary],
        Duration::from_secs(60),
    );
    assert!(
        verified,
        "codesign --verify does not ask for a trusted anchor without a requirement:\n{text}"
    );
    assert!(text.contains("valid on disk"), "{text}");
    assert!(text.contains("satisfies its Designated Requirement"), "{text}");

    let valid_only = ok(
        "/usr/bin/security",
        &["find-identity", "-v", "-p", "codesigning", &keychain],
    );
    assert!(
        !valid_only.contains(&sha1),
        "an untrusted root makes no valid identity:\n{valid_only}"
    );
    let all = ok(
        "/usr/bin/security",
        &["find-identity", "-p", "codesigning", &keychain],
    );
    let line = all
        .lines()
        .find(|l| l.contains(&sha1))
        .unwrap_or_else(|| panic!("the identity is not listed at all:\n{all}"));
    assert!(line.contains("CSSMERR_TP_NOT_TRUSTED"), "{line}");
}

#[test]
fn reinstalling_is_idempotent_and_a_locked_keychain_is_a_clean_error() {
    let identity = TestIdentity::new();
    let kc = TempKeychain::new();
    let first = kc.install(&identity, Some(&kc.password)).unwrap();
    assert!(first.imported);
    let again = kc.install(&identity, Some(&kc.password)).unwrap();
    assert!(!again.imported, "already there: {again:?}");
    assert_eq!(again.identity.sha1, first.identity.sha1);
    assert!(matches!(again.partition, PartitionOutcome::Set { .. }));

    ok(
        "/usr/bin/security",
        &["lock-keychain", &kc.path.display().to_string()],
    );
    let tool = SecurityTool::system().with_timeout(Duration::from_secs(30));
    let err = install_pkcs12(
        &tool,
        &InstallRequest::new(
            &kc.keychain(),
            &identity.p12,
            &identity.p12_password,
            &identity.leaf_der,
        )
        .with_friendly_name(&identity.name)
        .with_intermediate(&identity.issuer_der),
    );
    // Over SSH or in CI `security` answers "User interaction is not allowed"; in a GUI session it
    // may wait for the unlock dialog, which the timeout stops. Either way: an error, no hang.
    match err {
        Err(KeychainError::Locked { .. } | KeychainError::TimedOut { .. }) => {}
        // The keychain may already hold everything (the identity was installed above): then
        // nothing needed the unlocked keychain but the listing.
        Ok(installed) => assert!(!installed.imported, "{installed:?}"),
        Err(other) => panic!("not a clean locked-keychain error: {other}"),
    }
    let wrong = kc.install(&identity, Some(&Secret::new("not the password")));
    assert!(
        matches!(wrong, Err(KeychainError::WrongPassword { .. })),
        "{wrong:?}"
    );
    assert!(!format!("{wrong:?}").contains(kc.password.expose()));
    // The right password unlocks it again.
    kc.install(&identity, Some(&kc.password)).unwrap();
    kc.delete_and_check_restore();
}

#[test]
fn without_the_keychain_password_the_partition_list_is_skipped_not_prompted() {
    let identity = TestIdentity::new();
    let kc = TempKeychain::new();
    let installed = kc.install(&identity, None).unwrap();
    let PartitionOutcome::Skipped { command } = &installed.partition else {
        panic!("{installed:?}");
    };
    assert!(
        command.contains("set-key-partition-list -S apple-tool:,apple:,codesign:"),
        "{command}"
    );
    kc.delete_and_check_restore();
}
