//! `ascert check --keychain [NAME]`: the code-signing identities of a macOS keychain that
//! `security find-identity -v` does not count valid, and why (from the CSSM error `security`
//! prints untranslated, so a Mac in any language says the same).

use anyhow::Result;
use ascert_keychain::{Keychain, SecurityTool, list_codesigning_identities, sha1_hex};
use ascert_team::printable;

use super::words::{Level, Said};

/// The identities of the keychain named `name` (empty: the login keychain) that are not valid.
///
/// # Errors
/// Without `security` (not a Mac), an unknown keychain, a failed run of `security`.
pub(crate) fn findings(name: &str) -> Result<Vec<Said>> {
    let tool = SecurityTool::from_env()?;
    let keychain = if name.is_empty() {
        Keychain::Login
    } else {
        Keychain::named(name)?
    };
    let listed = list_codesigning_identities(&tool, &keychain)?;
    let shown = if name.is_empty() { "login" } else { name };
    Ok(listed
        .into_iter()
        .filter(|identity| !identity.valid)
        .map(|identity| {
            let problem = identity.problem.as_deref().unwrap_or("no reason given");
            Said {
                days_left: None,
                finding: format!(
                    "`security find-identity -v` does not count it valid ({}): {}",
                    printable(problem),
                    why(problem)
                ),
                kind: "keychain-invalid",
                severity: Level::Warning,
                subject: format!(
                    "\"{}\" (SHA-1 {}) in the {} keychain",
                    printable(&identity.name),
                    sha1_hex(&identity.sha1),
                    printable(shown)
                ),
                todo: format!(
                    "`ascert identities ensure --keychain {}` installs a valid identity with its intermediate; \
                     remove this one with `security delete-identity -Z {}`",
                    printable(shown),
                    sha1_hex(&identity.sha1)
                ),
            }
        })
        .collect())
}

/// What a CSSM problem code means for signing.
fn why(problem: &str) -> &'static str {
    if problem.contains("NOT_TRUSTED") {
        "its chain does not reach a root this Mac trusts (the Apple intermediate may be missing from the keychain)"
    } else if problem.contains("EXPIRED") || problem.contains("NOT_VALID_YET") {
        "the certificate or its intermediate is out of date (or the Mac's clock is wrong)"
    } else if problem.contains("REVOKED") {
        "Apple revoked the certificate"
    } else {
        "the chain may be incomplete or the certificate expired"
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn each_problem_is_said_for_what_it_means() {
        assert!(super::why("CSSMERR_TP_NOT_TRUSTED").contains("intermediate"));
        assert!(super::why("CSSMERR_TP_CERT_EXPIRED").contains("out of date"));
        assert!(super::why("CSSMERR_TP_CERT_REVOKED").contains("revoked"));
    }
}
