//! The ExportOptions.plist `xcodebuild -exportArchive -exportOptionsPlist` reads, for manual
//! signing with the identity and profile ascert ensured.

use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::{FileMode, write_atomic};
use ascert_mobileprovision::plist::{Dictionary, Value};
use ascert_models::{Distribution, ProfileType};

/// The `method` of a profile type, by the names Xcode 15.4 and later use (the older `app-store`,
/// `ad-hoc` and `development` still work, with a deprecation warning).
pub(crate) fn method(profile_type: &ProfileType) -> &'static str {
    match profile_type.distribution() {
        Some(Distribution::Development) => "debugging",
        Some(Distribution::AdHoc) => "release-testing",
        Some(Distribution::InHouse) => "enterprise",
        Some(Distribution::Direct) => "developer-id",
        _ => "app-store-connect",
    }
}

/// What goes into the file.
pub(crate) struct ExportOptions<'a> {
    pub(crate) profile_type: &'a ProfileType,
    pub(crate) team_id: &'a str,
    /// The signing certificate's SHA-1, upper-case hex: unambiguous where several identities of
    /// the team share a common name.
    pub(crate) certificate_sha1: &'a str,
    pub(crate) bundle_identifier: &'a str,
    pub(crate) profile_uuid: &'a str,
}

impl ExportOptions<'_> {
    /// The property list, XML.
    pub(crate) fn to_xml(&self) -> Result<Vec<u8>> {
        let mut profiles = Dictionary::new();
        profiles.insert(
            self.bundle_identifier.to_owned(),
            Value::String(self.profile_uuid.to_owned()),
        );
        let mut options = Dictionary::new();
        options.insert("destination".to_owned(), Value::String("export".to_owned()));
        options.insert(
            "method".to_owned(),
            Value::String(method(self.profile_type).to_owned()),
        );
        options.insert("provisioningProfiles".to_owned(), Value::Dictionary(profiles));
        options.insert(
            "signingCertificate".to_owned(),
            Value::String(self.certificate_sha1.to_owned()),
        );
        options.insert("signingStyle".to_owned(), Value::String("manual".to_owned()));
        options.insert("teamID".to_owned(), Value::String(self.team_id.to_owned()));
        let mut xml = Vec::new();
        Value::Dictionary(options)
            .to_writer_xml(&mut xml)
            .context("cannot write the export options")?;
        xml.push(b'\n');
        Ok(xml)
    }

    /// Writes the file (atomically; it holds nothing secret).
    pub(crate) fn write(&self, path: &Path) -> Result<()> {
        write_atomic(path, &self.to_xml()?, FileMode::Public)
            .with_context(|| format!("cannot write {}", path.display()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_file_is_what_xcodebuild_reads_for_manual_signing() {
        let options = ExportOptions {
            profile_type: &ProfileType::IosAppAdhoc,
            team_id: "ABCDE12345",
            certificate_sha1: "0123456789ABCDEF0123456789ABCDEF01234567",
            bundle_identifier: "com.example.app",
            profile_uuid: "9F3C2E1A-0000-4000-8000-000000000001",
        };
        let xml = String::from_utf8(options.to_xml().unwrap()).unwrap();
        assert!(
            xml.starts_with("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<!DOCTYPE plist"),
            "{xml}"
        );
        for expected in [
            "<key>method</key>\n\t<string>release-testing</string>",
            "<key>com.example.app</key>\n\t\t<string>9F3C2E1A-0000-4000-8000-000000000001</string>",
            "<key>signingStyle</key>\n\t<string>manual</string>",
            "<key>teamID</key>\n\t<string>ABCDE12345</string>",
        ] {
            assert!(xml.contains(expected), "{expected} in {xml}");
        }
        assert_eq!(method(&ProfileType::MacAppDirect), "developer-id");
        assert_eq!(method(&ProfileType::TvosAppStore), "app-store-connect");
        assert_eq!(method(&ProfileType::IosAppDevelopment), "debugging");
    }
}
