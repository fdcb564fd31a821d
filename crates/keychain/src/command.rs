//! The `security` invocations ascert runs, built by pure functions so that tests compare them with
//! the sequences fastlane and codemagic run on real Macs (see docs/keychain.md for each source).
//!
//! A password is an argument of `security` (it takes keychain and PKCS#12 passwords only in argv,
//! or asks on the terminal): it is held as a [`Secret`], and everything that shows an invocation
//! shows `********` in its place.

use std::ffi::{OsStr, OsString};
use std::fmt;
use std::path::Path;

use zeroize::Zeroizing;

/// The partition list that lets Apple's tools use a key without a prompt: `apple-tool:` (the
/// command-line tools such as `/usr/bin/security`), `apple:` (Apple-signed programs such as Xcode)
/// and `codesign:` (codesign itself). fastlane sets exactly this list.
pub const CODESIGN_PARTITIONS: &str = "apple-tool:,apple:,codesign:";

/// The programs trusted (`security import -T`) to use an imported key without asking: fastlane's
/// keychain importer's four, and `pkgbuild` (as Apple-Actions/import-codesign-certs trusts it), which
/// signs installer packages with a Developer ID Installer identity.
pub const TRUSTED_APPLICATIONS: [&str; 5] = [
    "/usr/bin/codesign",
    "/usr/bin/security",
    "/usr/bin/productbuild",
    "/usr/bin/productsign",
    "/usr/bin/pkgbuild",
];

/// The label a private key gets on macOS 15 and later when its PKCS#12 goes through the new importer:
/// `SecPKCS12Import` (Keychain Access, `security import -f pkcs12`, programs that call it)
/// re-imports the bare key without its bag's friendlyName, and `SecKeychainItemImport` then names
/// it so (`SEC_PRIVKEY_PRINT_NAME_ATTR_VALUE` in Apple's SecImportExportCrypto.cpp). ascert's own
/// `security import` (no `-f`, as fastlane's) keeps the classic importer and the friendlyName; the
/// install still tries this label second, for a key an earlier import put there.
pub const IMPORTED_KEY_LABEL: &str = "Imported Private Key";

/// What replaces a secret wherever an invocation is shown.
pub const REDACTED: &str = "********";

/// A password: wiped from memory when dropped, never shown by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(Zeroizing<String>);

impl Secret {
    /// Wraps a password.
    pub fn new(value: impl Into<String>) -> Self {
        Self(Zeroizing::new(value.into()))
    }

    /// The password itself.
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(********)")
    }
}

/// One argument of an invocation.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Arg {
    /// Shown as it is.
    Plain(OsString),
    /// Shown as `********`.
    Secret(Secret),
}

/// One run of `security`: its arguments (the program is chosen by the runner).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Invocation {
    args: Vec<Arg>,
}

impl Invocation {
    fn new(subcommand: &str) -> Self {
        Self {
            args: vec![Arg::Plain(subcommand.into())],
        }
    }

    fn arg(mut self, arg: impl AsRef<OsStr>) -> Self {
        self.args.push(Arg::Plain(arg.as_ref().to_owned()));
        self
    }

    fn secret(mut self, secret: &Secret) -> Self {
        self.args.push(Arg::Secret(secret.clone()));
        self
    }

    /// The sub-command, such as `import`.
    pub fn subcommand(&self) -> String {
        self.redacted().into_iter().next().unwrap_or_default()
    }

    /// The arguments as passed to `security`, secrets included.
    pub(crate) fn argv(&self) -> impl Iterator<Item = &OsStr> {
        self.args.iter().map(|a| match a {
            Arg::Plain(s) => s.as_os_str(),
            Arg::Secret(s) => OsStr::new(s.expose()),
        })
    }

    /// The secrets among the arguments.
    pub(crate) fn secrets(&self) -> impl Iterator<Item = &Secret> {
        self.args.iter().filter_map(|a| match a {
            Arg::Secret(s) => Some(s),
            Arg::Plain(_) => None,
        })
    }

    /// The arguments with each secret replaced by `********`.
    pub fn redacted(&self) -> Vec<String> {
        self.args
            .iter()
            .map(|a| match a {
                Arg::Plain(s) => s.to_string_lossy().into_owned(),
                Arg::Secret(_) => REDACTED.to_owned(),
            })
            .collect()
    }
}

impl fmt::Display for Invocation {
    /// `security ARGS`, shell-quoted where needed, secrets as `********`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("security")?;
        for arg in &self.args {
            f.write_str(" ")?;
            match arg {
                Arg::Plain(s) => f.write_str(&shell_quote(&s.to_string_lossy()))?,
                Arg::Secret(_) => f.write_str(REDACTED)?,
            }
        }
        Ok(())
    }
}

/// Quotes `text` for a POSIX shell when it holds anything but safe characters.
pub fn shell_quote(text: &str) -> String {
    let safe = !text.is_empty()
        && text
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "/._-:,=+@%".contains(c));
    if safe {
        text.to_owned()
    } else {
        format!("'{}'", text.replace('\'', r"'\''"))
    }
}

/// `security create-keychain -p PASSWORD KEYCHAIN` (fastlane `create_keychain`, codemagic `create`).
pub fn create_keychain(keychain: &Path, password: &Secret) -> Invocation {
    Invocation::new("create-keychain")
        .arg("-p")
        .secret(password)
        .arg(keychain)
}

/// `security set-keychain-settings KEYCHAIN`: without `-t`, `-l` or `-u` the keychain never locks
/// by itself (no timeout, not on sleep), as fastlane's `unlock_keychain` and codemagic's
/// `set-timeout` without a value do.
pub fn set_keychain_no_autolock(keychain: &Path) -> Invocation {
    Invocation::new("set-keychain-settings").arg(keychain)
}

/// `security set-keychain-settings -l -u -t SECONDS KEYCHAIN`: the keychain locks itself after
/// `seconds` without use and when the Mac sleeps (fastlane's `create_keychain(timeout: 3600,
/// lock_when_sleeps: true, lock_after_timeout: true)`; `-u` is what makes `-t` count, Apple's
/// `keychain_set_settings.c`), so a job that dies before its clean-up leaves no signing keychain
/// open for long on a self-hosted runner.
pub fn set_keychain_lock_after(keychain: &Path, seconds: u32) -> Invocation {
    Invocation::new("set-keychain-settings")
        .arg("-l")
        .arg("-u")
        .arg("-t")
        .arg(seconds.to_string())
        .arg(keychain)
}

/// `security unlock-keychain -p PASSWORD KEYCHAIN`.
pub fn unlock_keychain(keychain: &Path, password: &Secret) -> Invocation {
    Invocation::new("unlock-keychain")
        .arg("-p")
        .secret(password)
        .arg(keychain)
}

/// `security lock-keychain KEYCHAIN`.
pub fn lock_keychain(keychain: &Path) -> Invocation {
    Invocation::new("lock-keychain").arg(keychain)
}

/// `security list-keychains -d user`: the user's keychain search list.
pub fn list_keychains() -> Invocation {
    Invocation::new("list-keychains").arg("-d").arg("user")
}

/// `security list-keychains -d user -s KEYCHAIN...`: replaces the user's search list.
pub fn set_search_list(keychains: &[impl AsRef<Path>]) -> Invocation {
    keychains.iter().fold(
        Invocation::new("list-keychains").arg("-d").arg("user").arg("-s"),
        |inv, k| inv.arg(k.as_ref()),
    )
}

/// `security default-keychain -d user`: the user's default keychain.
pub fn default_keychain() -> Invocation {
    Invocation::new("default-keychain").arg("-d").arg("user")
}

/// `security default-keychain -d user -s KEYCHAIN`.
pub fn set_default_keychain(keychain: &Path) -> Invocation {
    Invocation::new("default-keychain")
        .arg("-d")
        .arg("user")
        .arg("-s")
        .arg(keychain)
}

/// `security delete-keychain KEYCHAIN` (also removes it from the search list).
pub fn delete_keychain(keychain: &Path) -> Invocation {
    Invocation::new("delete-keychain").arg(keychain)
}

/// `security add-certificates -k KEYCHAIN FILE`: a CA certificate (DER or PEM file).
pub fn add_certificate(keychain: &Path, certificate_file: &Path) -> Invocation {
    Invocation::new("add-certificates")
        .arg("-k")
        .arg(keychain)
        .arg(certificate_file)
}

/// `security import FILE.p12 -k KEYCHAIN -P PASSWORD -T codesign -T security -T productbuild -T
/// productsign`: fastlane's import, which trusts Apple's signing tools in the key's access list.
/// No `-f`: the format comes from the `.p12` name, as in fastlane, and the classic importer keeps
/// the bag's friendlyName as the key's label (with `-f pkcs12` macOS 15 and later take the new
/// importer, which labels it "Imported Private Key").
pub fn import_pkcs12(p12_file: &Path, keychain: &Path, password: &Secret) -> Invocation {
    TRUSTED_APPLICATIONS.iter().fold(
        Invocation::new("import")
            .arg(p12_file)
            .arg("-k")
            .arg(keychain)
            .arg("-P")
            .secret(password),
        |inv, app| inv.arg("-T").arg(app),
    )
}

/// `security set-key-partition-list -S apple-tool:,apple:,codesign: -s -l LABEL -k PASSWORD
/// KEYCHAIN`: fastlane's partition list, limited to the signing keys labelled `label`.
pub fn set_key_partition_list(keychain: &Path, label: &str, password: &Secret) -> Invocation {
    Invocation::new("set-key-partition-list")
        .arg("-S")
        .arg(CODESIGN_PARTITIONS)
        .arg("-s")
        .arg("-l")
        .arg(label)
        .arg("-k")
        .secret(password)
        .arg(keychain)
}

/// fastlane's form of the partition list command (every signing key of the keychain), as text for
/// a person to run, with a placeholder for the password.
pub fn partition_list_for_every_key(keychain: &Path) -> String {
    format!(
        "security set-key-partition-list -S {CODESIGN_PARTITIONS} -s -k \"$KEYCHAIN_PASSWORD\" {}",
        shell_quote(&keychain.to_string_lossy())
    )
}

/// `security find-identity -p codesigning KEYCHAIN`: every identity for code signing, valid or
/// not (no `-v`), then the valid ones.
pub fn find_identities(keychain: &Path) -> Invocation {
    Invocation::new("find-identity")
        .arg("-p")
        .arg("codesigning")
        .arg(keychain)
}

/// `security find-identity KEYCHAIN`: every identity of the keychain, whatever it is for (no
/// policy), so that an install can see the identity is there before importing it again.
pub fn find_all_identities(keychain: &Path) -> Invocation {
    Invocation::new("find-identity").arg(keychain)
}

/// `security find-certificate -a -Z KEYCHAIN`: every certificate of the keychain, each with a
/// `SHA-1 hash:` line (Apple's `keychain_find.c`), so that an install adds an intermediate only
/// when it is not there.
pub fn find_certificates(keychain: &Path) -> Invocation {
    Invocation::new("find-certificate")
        .arg("-a")
        .arg("-Z")
        .arg(keychain)
}

/// `security delete-identity -Z SHA1 KEYCHAIN`: the certificate and its private key.
pub fn delete_identity(keychain: &Path, sha1_hex: &str) -> Invocation {
    Invocation::new("delete-identity")
        .arg("-Z")
        .arg(sha1_hex)
        .arg(keychain)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn kc() -> &'static Path {
        Path::new("/Users/ci/Library/Keychains/ascert.keychain-db")
    }

    fn pw() -> Secret {
        Secret::new("hunter2 pass")
    }

    /// Golden: fastlane's `security import` (`fastlane_core/lib/fastlane_core/keychain_importer.rb`).
    #[test]
    fn import_trusts_apples_signing_tools_like_fastlane() {
        let inv = import_pkcs12(Path::new("/tmp/x/identity.p12"), kc(), &pw());
        assert_eq!(
            inv.redacted(),
            [
                "import",
                "/tmp/x/identity.p12",
                "-k",
                "/Users/ci/Library/Keychains/ascert.keychain-db",
                "-P",
                "********",
                "-T",
                "/usr/bin/codesign",
                "-T",
                "/usr/bin/security",
                "-T",
                "/usr/bin/productbuild",
                "-T",
                "/usr/bin/productsign",
                "-T",
                "/usr/bin/pkgbuild",
            ]
        );
        let argv: Vec<&OsStr> = inv.argv().collect();
        assert_eq!(argv[5], "hunter2 pass", "the real argv carries the password");
        assert!(!inv.to_string().contains("hunter2"), "{inv}");
    }

    /// Golden: fastlane's partition list (`-S apple-tool:,apple:,codesign: -s -k PW KEYCHAIN`),
    /// narrowed by label; the macOS 15 label is Apple's constant.
    #[test]
    fn the_partition_list_is_fastlanes_narrowed_by_label() {
        let inv = set_key_partition_list(kc(), "Apple Distribution: Jane Doe (TEAM123)", &pw());
        assert_eq!(
            inv.to_string(),
            "security set-key-partition-list -S apple-tool:,apple:,codesign: -s \
             -l 'Apple Distribution: Jane Doe (TEAM123)' -k ******** \
             /Users/ci/Library/Keychains/ascert.keychain-db"
        );
        let macos15 = set_key_partition_list(kc(), IMPORTED_KEY_LABEL, &pw());
        assert_eq!(macos15.redacted()[5], "Imported Private Key");
        assert_eq!(
            partition_list_for_every_key(kc()),
            "security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k \"$KEYCHAIN_PASSWORD\" \
             /Users/ci/Library/Keychains/ascert.keychain-db"
        );
    }

    /// Golden: the CI keychain lifecycle (fastlane `create_keychain`/`unlock_keychain`/
    /// `delete_keychain`, codemagic `keychain initialize`/`use-login`).
    #[test]
    fn the_keychain_lifecycle_is_the_proven_sequence() {
        let lines: Vec<String> = [
            list_keychains(),
            default_keychain(),
            create_keychain(kc(), &pw()),
            set_keychain_no_autolock(kc()),
            set_keychain_lock_after(kc(), 3600),
            unlock_keychain(kc(), &pw()),
            set_search_list(&[Path::new("/Users/ci/Library/Keychains/login.keychain-db"), kc()]),
            set_default_keychain(kc()),
            delete_keychain(kc()),
            add_certificate(kc(), Path::new("/tmp/x/intermediate.cer")),
            find_identities(kc()),
            find_all_identities(kc()),
            find_certificates(kc()),
            delete_identity(kc(), "AB12"),
            lock_keychain(kc()),
        ]
        .iter()
        .map(ToString::to_string)
        .collect();
        let k = "/Users/ci/Library/Keychains/ascert.keychain-db";
        assert_eq!(
            lines,
            [
                "security list-keychains -d user".to_owned(),
                "security default-keychain -d user".to_owned(),
                format!("security create-keychain -p ******** {k}"),
                format!("security set-keychain-settings {k}"),
                format!("security set-keychain-settings -l -u -t 3600 {k}"),
                format!("security unlock-keychain -p ******** {k}"),
                format!(
                    "security list-keychains -d user -s /Users/ci/Library/Keychains/login.keychain-db {k}"
                ),
                format!("security default-keychain -d user -s {k}"),
                format!("security delete-keychain {k}"),
                format!("security add-certificates -k {k} /tmp/x/intermediate.cer"),
                format!("security find-identity -p codesigning {k}"),
                format!("security find-identity {k}"),
                format!("security find-certificate -a -Z {k}"),
                format!("security delete-identity -Z AB12 {k}"),
                format!("security lock-keychain {k}"),
            ]
        );
    }

    #[test]
    fn secrets_never_show_and_quoting_is_posix() {
        assert_eq!(format!("{:?}", pw()), "Secret(********)");
        let debug = format!("{:?}", create_keychain(kc(), &pw()));
        assert!(!debug.contains("hunter2"), "{debug}");
        assert_eq!(shell_quote("it's"), r"'it'\''s'");
        assert_eq!(shell_quote(""), "''");
        assert_eq!(shell_quote("/a/b.keychain-db"), "/a/b.keychain-db");
        assert_eq!(create_keychain(kc(), &pw()).subcommand(), "create-keychain");
    }
}
