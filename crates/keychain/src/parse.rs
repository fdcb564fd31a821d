//! Reading what `security` prints. The formats come from Apple's `SecurityTool` sources:
//! `keychain_list.c` (`    "PATH"` per keychain), `identity_find.m` (`  1) SHA1 "NAME" (PROBLEM)`)
//! and `keychain_utilities.c` (item attributes such as `    0x00000006 <blob>=0xHEX  "..."`).

use std::path::PathBuf;

/// One identity as `security find-identity -p codesigning` lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ListedIdentity {
    /// The certificate's SHA-1.
    pub sha1: [u8; 20],
    /// The name `security` shows (the certificate's label, usually its common name).
    pub name: String,
    /// Whether it is in the "valid identities" list (trusted, in date, usable for code signing).
    pub valid: bool,
    /// Why it is not valid, as `security` says it (such as `CSSMERR_TP_NOT_TRUSTED`).
    pub problem: Option<String>,
}

/// The keychains of `security list-keychains` or `default-keychain`, one quoted path a line.
pub(crate) fn keychain_paths(stdout: &str) -> Vec<PathBuf> {
    stdout
        .lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .map(|l| {
            let l = l.strip_prefix('"').unwrap_or(l);
            PathBuf::from(l.strip_suffix('"').unwrap_or(l))
        })
        .collect()
}

/// The identities of `security find-identity` without `-v`: the "Matching identities" section,
/// each marked valid when it is also in the "Valid identities only" section.
pub(crate) fn identities(stdout: &str) -> Vec<ListedIdentity> {
    let mut all: Vec<ListedIdentity> = Vec::new();
    let mut valid: Vec<[u8; 20]> = Vec::new();
    let mut in_valid_section = false;
    for line in stdout.lines() {
        let trimmed = line.trim();
        if trimmed.starts_with("Valid identities only") {
            in_valid_section = true;
            continue;
        }
        if trimmed.starts_with("Matching identities") || trimmed.starts_with("Policy:") {
            in_valid_section = false;
            continue;
        }
        let Some(found) = identity_line(trimmed) else {
            continue;
        };
        if in_valid_section {
            valid.push(found.sha1);
        } else if !all.iter().any(|i| i.sha1 == found.sha1) {
            all.push(found);
        }
    }
    // `-v` output has only the valid section: those identities are all there is.
    for sha1 in &valid {
        if !all.iter().any(|i| &i.sha1 == sha1) {
            all.push(ListedIdentity {
                sha1: *sha1,
                name: String::new(),
                valid: true,
                problem: None,
            });
        }
    }
    for identity in &mut all {
        identity.valid = valid.contains(&identity.sha1);
    }
    all
}

/// `1) 3C1B…(40 hex) "Apple Development: Jane (TEAM)" (CSSMERR_TP_NOT_TRUSTED)`.
fn identity_line(line: &str) -> Option<ListedIdentity> {
    let (number, rest) = line.split_once(") ")?;
    if number.is_empty() || !number.chars().all(|c| c.is_ascii_digit()) {
        return None;
    }
    let hex = rest.get(..40)?;
    let sha1 = crate::identity::parse_sha1(hex).ok()?;
    let rest = rest.get(40..)?.trim();
    let (name, problem) = match rest.rfind("\" (") {
        Some(end) if rest.ends_with(')') => (
            rest.get(1..end).unwrap_or_default(),
            Some(rest[end + 3..rest.len() - 1].to_owned()),
        ),
        _ => (rest.trim_matches('"'), None),
    };
    Some(ListedIdentity {
        sha1,
        name: name.to_owned(),
        valid: false,
        problem,
    })
}

/// The key hashes (the `Label` attribute, `0x00000006`, which the importer sets to the SHA-1 of
/// the public key) of the items `set-key-partition-list` printed as it updated them.
pub(crate) fn key_hashes(stdout: &str) -> Vec<[u8; 20]> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("0x00000006 <blob>=0x"))
        .filter_map(|hex| crate::identity::parse_sha1(hex.get(..40)?).ok())
        .collect()
}

/// The certificates' SHA-1s that `security find-certificate -a -Z` printed: a `SHA-1 hash: HEX`
/// line before each certificate's attributes (`keychain_find.c`, `do_keychain_find_certificate`;
/// a fixed English label, never translated, beside `SHA-256 hash:` on recent macOS).
pub(crate) fn certificate_sha1s(stdout: &str) -> Vec<[u8; 20]> {
    stdout
        .lines()
        .filter_map(|l| l.trim().strip_prefix("SHA-1 hash:"))
        .filter_map(|hex| crate::identity::parse_sha1(hex.trim()).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn search_lists_are_quoted_paths() {
        let out = "    \"/Users/ci/Library/Keychains/login.keychain-db\"\n    \"/Library/Keychains/System.keychain\"\n";
        assert_eq!(
            keychain_paths(out),
            [
                PathBuf::from("/Users/ci/Library/Keychains/login.keychain-db"),
                PathBuf::from("/Library/Keychains/System.keychain")
            ]
        );
        assert!(keychain_paths("").is_empty());
    }

    const A: &str = "3C1B9F3F7E0F1A2B3C4D5E6F708192A3B4C5D6E7";
    const B: &str = "00112233445566778899AABBCCDDEEFF00112233";

    #[test]
    fn find_identity_output_marks_valid_and_untrusted_identities() {
        let out = format!(
            "\nPolicy: Code Signing\n  Matching identities\n  1) {A} \"Apple Development: Jane (Doe) (TEAM123)\"\n  \
             2) {B} \"ascert test\" (CSSMERR_TP_NOT_TRUSTED)\n     2 identities found\n\n  \
             Valid identities only\n  1) {A} \"Apple Development: Jane (Doe) (TEAM123)\"\n     1 valid identities found\n"
        );
        let found = identities(&out);
        assert_eq!(found.len(), 2, "{found:?}");
        assert_eq!(found[0].name, "Apple Development: Jane (Doe) (TEAM123)");
        assert!(found[0].valid);
        assert_eq!(found[0].problem, None);
        assert_eq!(found[1].name, "ascert test");
        assert!(!found[1].valid);
        assert_eq!(found[1].problem.as_deref(), Some("CSSMERR_TP_NOT_TRUSTED"));
        let none = "\nPolicy: Code Signing\n  Matching identities\n     0 identities found\n\n  Valid identities only\n     0 valid identities found\n";
        assert!(identities(none).is_empty());
        let only_valid = format!("  1) {A} \"X\"\n     1 valid identities found\n");
        assert_eq!(
            identities(&format!("  Valid identities only\n{only_valid}")).len(),
            1
        );
    }

    #[test]
    fn find_certificate_gives_each_certificates_sha1() {
        let out = format!(
            "SHA-256 hash: 0011223344556677889900112233445566778899001122334455667788990011\n\
             SHA-1 hash: {A}\nkeychain: \"/k.keychain-db\"\nversion: 512\nclass: 0x80001000 \n\
             SHA-1 hash: {B}\nkeychain: \"/k.keychain-db\"\n"
        );
        let found = certificate_sha1s(&out);
        assert_eq!(
            found,
            [
                crate::identity::parse_sha1(A).unwrap(),
                crate::identity::parse_sha1(B).unwrap()
            ]
        );
        assert!(certificate_sha1s("").is_empty());
    }

    /// The item dump `set-key-partition-list` prints for each key it changes (fastlane's logs
    /// show the same layout).
    #[test]
    fn partition_list_output_gives_the_key_hashes() {
        let out = format!(
            "keychain: \"/k.keychain-db\"\nversion: 512\nclass: 0x00000010 \nattributes:\n    \
             0x00000000 <uint32>=0x00000010 \n    0x00000001 <blob>=\"Imported Private Key\"\n    \
             0x00000002 <blob>=<NULL>\n    0x00000006 <blob>=0x{A}  \"<\\033...\"\n    \
             0x00000007 <blob>=0x00000000\n"
        );
        assert_eq!(key_hashes(&out), [crate::identity::parse_sha1(A).unwrap()]);
        assert!(key_hashes("0x00000006 <blob>=0x1234\n").is_empty());
    }
}
