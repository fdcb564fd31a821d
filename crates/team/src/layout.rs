//! The names of a store's objects (format 1), in one place, and the checks on the ids that go into
//! them. docs/team.md shows the same layout.
//!
//! ```text
//! <prefix>/ascert-team.json                         header: members, team key chain, signature
//! <prefix>/passphrase.age                           the passphrase member's identity (scrypt)
//! <prefix>/identities/<certificate id>/certificate.der
//! <prefix>/identities/<certificate id>/key.age      PKCS#8 PEM, encrypted to every member
//! <prefix>/identities/<certificate id>/record.json  written last: an identity exists once it is there
//! <prefix>/profiles/<PROFILE_TYPE>/<bundle id>/profile.mobileprovision
//! <prefix>/profiles/<PROFILE_TYPE>/<bundle id>/record.json    written last, signed by the team key
//! <prefix>/pending/<TYPE>/<key id>.age              a key whose certificate is being created
//! <prefix>/pending/<TYPE>/<key id>.json
//! <prefix>/leases/<TYPE>.json                       who creates a certificate of TYPE now
//! <prefix>/leases/members.json                      who changes the member list now
//! <prefix>/probes/<random>.json                     short-lived: the conditional-write check
//! <prefix>/trash/<time>-<random>/…                  what `team prune` removed, until `--purge`
//! ```

use ascert_keystore::KeyId;
use ascert_models::CertificateType;
use object_store::path::Path;

use crate::error::{Result, TeamError};

pub(crate) const HEADER: &str = "ascert-team.json";
pub(crate) const PASSPHRASE: &str = "passphrase.age";
const IDENTITIES: &str = "identities";
const PENDING: &str = "pending";
const PROFILES: &str = "profiles";
pub(crate) const PROFILE: &str = "profile.mobileprovision";
const LEASES: &str = "leases";
const PROBES: &str = "probes";
const TRASH: &str = "trash";
pub(crate) const KEY: &str = "key.age";
pub(crate) const CERTIFICATE: &str = "certificate.der";
pub(crate) const RECORD: &str = "record.json";

/// Object names under one prefix.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    prefix: Path,
}

impl Layout {
    pub(crate) fn new(prefix: Path) -> Self {
        Self { prefix }
    }

    fn at<'a>(&self, parts: impl IntoIterator<Item = &'a str>) -> Path {
        parts.into_iter().fold(self.prefix.clone(), Path::join)
    }

    pub(crate) fn header(&self) -> Path {
        self.at([HEADER])
    }

    pub(crate) fn passphrase(&self) -> Path {
        self.at([PASSPHRASE])
    }

    pub(crate) fn identities(&self) -> Path {
        self.at([IDENTITIES])
    }

    /// `file` is [`KEY`], [`CERTIFICATE`] or [`RECORD`]; `id` must have passed [`certificate_id`].
    pub(crate) fn identity(&self, id: &str, file: &str) -> Path {
        self.at([IDENTITIES, id, file])
    }

    pub(crate) fn profiles(&self) -> Path {
        self.at([PROFILES])
    }

    /// `file` is [`PROFILE`] or [`RECORD`]; the type and identifier must have passed
    /// [`profile_type`] and [`bundle_identifier`].
    pub(crate) fn profile(&self, profile_type: &str, identifier: &str, file: &str) -> Path {
        self.at([PROFILES, profile_type, identifier, file])
    }

    pub(crate) fn pending_root(&self) -> Path {
        self.at([PENDING])
    }

    pub(crate) fn pending_folder(&self, certificate_type: &CertificateType) -> Path {
        self.at([PENDING, certificate_type.as_str()])
    }

    /// `extension` is `age` or `json`.
    pub(crate) fn pending(
        &self,
        certificate_type: &CertificateType,
        key_id: &KeyId,
        extension: &str,
    ) -> Path {
        self.at([
            PENDING,
            certificate_type.as_str(),
            &format!("{}.{extension}", key_id.to_hex()),
        ])
    }

    pub(crate) fn lease(&self, certificate_type: &CertificateType) -> Path {
        self.at([LEASES, &format!("{}.json", certificate_type.as_str())])
    }

    pub(crate) fn leases(&self) -> Path {
        self.at([LEASES])
    }

    pub(crate) fn trash_root(&self) -> Path {
        self.at([TRASH])
    }

    /// Where an object removed by a prune goes: `trash/<batch>/<its name under the prefix>`.
    pub(crate) fn trashed(&self, batch: &str, path: &Path) -> Path {
        let mut parts = vec![TRASH.to_owned(), batch.to_owned()];
        parts.extend(self.parts(path));
        self.at(parts.iter().map(String::as_str))
    }

    pub(crate) fn probe(&self, id: &str) -> Path {
        self.at([PROBES, &format!("{id}.json")])
    }

    /// The part of `path` after the prefix, for messages (`identities/ABC/key.age`).
    pub(crate) fn name(&self, path: &Path) -> String {
        path.prefix_match(&self.prefix).map_or_else(
            || path.to_string(),
            |parts| parts.map(|p| p.as_ref().to_owned()).collect::<Vec<_>>().join("/"),
        )
    }

    /// The parts of `path` after the prefix.
    pub(crate) fn parts(&self, path: &Path) -> Vec<String> {
        path.prefix_match(&self.prefix)
            .map(|parts| parts.map(|p| p.as_ref().to_owned()).collect())
            .unwrap_or_default()
    }
}

/// Checks an App Store Connect certificate id before it becomes part of an object name.
pub(crate) fn certificate_id(id: &str) -> Result<&str> {
    let ok = !id.is_empty()
        && id.len() <= 128
        && !id.starts_with('.')
        && id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'));
    if ok {
        Ok(id)
    } else {
        Err(TeamError::InvalidInput {
            what: "certificate id",
            reason: format!(
                "{:?} is not an App Store Connect id (letters, digits, `-`, `_` and `.`)",
                crate::text::shorten(id)
            ),
        })
    }
}

/// Checks a certificate type before it becomes part of an object name.
pub(crate) fn certificate_type(certificate_type: &CertificateType) -> Result<()> {
    let text = certificate_type.as_str();
    let ok = !text.is_empty()
        && text.len() <= 64
        && text
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(TeamError::InvalidInput {
            what: "certificate type",
            reason: format!(
                "{:?} is not an Apple certificate type",
                crate::text::shorten(text)
            ),
        })
    }
}

/// Checks a profile type (`IOS_APP_STORE`) before it becomes part of an object name.
pub(crate) fn profile_type(profile_type: &str) -> Result<&str> {
    let ok = !profile_type.is_empty()
        && profile_type.len() <= 64
        && profile_type
            .chars()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(profile_type)
    } else {
        Err(TeamError::InvalidInput {
            what: "profile type",
            reason: format!(
                "{:?} is not an App Store Connect profile type",
                crate::text::shorten(profile_type)
            ),
        })
    }
}

/// Checks a bundle identifier (`com.example.app`, `com.example.*`) before it becomes part of an
/// object name: letters, digits, `-`, `.` and `*`, no `..`, not starting with `.`, at most 255.
pub(crate) fn bundle_identifier(identifier: &str) -> Result<&str> {
    let ok = !identifier.is_empty()
        && identifier.len() <= 255
        && !identifier.starts_with('.')
        && !identifier.contains("..")
        && identifier
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '.' | '*'));
    if ok {
        Ok(identifier)
    } else {
        Err(TeamError::InvalidInput {
            what: "bundle identifier",
            reason: format!(
                "{:?} is not a bundle identifier (letters, digits, `-`, `.` and `*`)",
                crate::text::shorten(identifier)
            ),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_live_under_the_prefix_and_read_back() {
        let layout = Layout::new(Path::from("team/ios"));
        let key = layout.identity("ABC123", KEY);
        assert_eq!(key.as_ref(), "team/ios/identities/ABC123/key.age");
        assert_eq!(layout.name(&key), "identities/ABC123/key.age");
        assert_eq!(layout.parts(&key), ["identities", "ABC123", "key.age"]);
        assert_eq!(
            layout.lease(&CertificateType::Distribution).as_ref(),
            "team/ios/leases/DISTRIBUTION.json"
        );
        let id = KeyId::of_spki(b"k");
        assert_eq!(
            layout.pending(&CertificateType::Development, &id, "age").as_ref(),
            format!("team/ios/pending/DEVELOPMENT/{}.age", id.to_hex())
        );
        assert_eq!(Layout::new(Path::default()).header().as_ref(), "ascert-team.json");
        assert_eq!(
            layout
                .profile("IOS_APP_STORE", "com.example.app", PROFILE)
                .as_ref(),
            "team/ios/profiles/IOS_APP_STORE/com.example.app/profile.mobileprovision"
        );
    }

    #[test]
    fn ids_that_could_escape_their_folder_are_refused() {
        assert!(certificate_id("8K2N7Q9X4M").is_ok());
        for bad in [
            "",
            "..",
            ".hidden",
            "a/b",
            "a\\b",
            "id with space",
            &"x".repeat(129),
        ] {
            assert!(certificate_id(bad).is_err(), "{bad:?}");
        }
        assert!(certificate_type(&CertificateType::DeveloperIdApplicationG2).is_ok());
        assert!(profile_type("IOS_APP_STORE").is_ok());
        assert!(bundle_identifier("com.example.app").is_ok());
        assert!(bundle_identifier("com.example.*").is_ok());
        for bad in ["", "../x", "a/b", "lower", &"X".repeat(65)] {
            assert!(profile_type(bad).is_err(), "{bad:?}");
        }
        for bad in [
            "",
            ".",
            "..",
            "a..b",
            ".hidden",
            "a/b",
            "a\\b",
            "a b",
            &"x".repeat(256),
        ] {
            assert!(bundle_identifier(bad).is_err(), "{bad:?}");
        }
        assert!(certificate_type(&CertificateType::from("../../x")).is_err());
        assert!(certificate_type(&CertificateType::from("lower")).is_err());
    }
}
