//! What `identities export | install | import --json` report. Each report's fields are in the
//! alphabetical order of their keys, the order the reports have always had; an absent value is
//! `null`, never a missing key.

use std::path::Path;

use ascert_models::CertificateType;
use serde::Serialize;

use crate::commands::keychain::KeychainInstall;

/// What `identities export --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Exported<'a> {
    /// Apple's id of the certificate; `null` for one App Store Connect does not list.
    pub(super) certificate_id: Option<&'a str>,
    /// The subject of the intermediate certificate put in the .p12.
    pub(super) intermediate: &'a str,
    /// The local key's id.
    pub(super) key_id: String,
    /// The .p12 written.
    pub(super) p12: &'a Path,
}

/// What `identities install --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Installed<'a> {
    /// Apple's id of the certificate; `null` for one App Store Connect does not list.
    pub(super) certificate_id: Option<&'a str>,
    /// The local key's id.
    pub(super) key_id: String,
    /// What the install did, its keys sorted as this report has always printed them (unlike
    /// `certificates create --keychain`, which prints the same install in its fields' order).
    #[serde(serialize_with = "crate::output::sorted")]
    pub(super) keychain: &'a KeychainInstall,
}

/// What `identities import --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub(super) struct Imported<'a> {
    /// Apple's id of the certificate; `null` when App Store Connect does not list it.
    pub(super) certificate_id: Option<&'a str>,
    /// Its type, as App Store Connect lists it; `null` when it does not.
    pub(super) certificate_type: Option<&'a CertificateType>,
    /// When it expires, in ascert's JSON date form.
    pub(super) expires: String,
    /// The local key it was recorded beside.
    pub(super) key_id: &'a str,
    /// Whether App Store Connect lists it.
    pub(super) listed: bool,
    /// The certificate's common name, if it has one.
    pub(super) name: Option<&'a str>,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn export_report_keys_in_order_with_a_null_id() {
        let report = Exported {
            certificate_id: None,
            intermediate: "CN=Apple Worldwide Developer Relations Certification Authority",
            key_id: "5f2a".to_owned(),
            p12: Path::new("ci.p12"),
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "certificateId": null,
  "intermediate": "CN=Apple Worldwide Developer Relations Certification Authority",
  "keyId": "5f2a",
  "p12": "ci.p12"
}"#
        );
    }

    #[test]
    fn import_report_keys_in_order_with_nulls() {
        let report = Imported {
            certificate_id: None,
            certificate_type: None,
            expires: "2027-12-07T15:37:37Z".to_owned(),
            key_id: "5f2a",
            listed: false,
            name: None,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "certificateId": null,
  "certificateType": null,
  "expires": "2027-12-07T15:37:37Z",
  "keyId": "5f2a",
  "listed": false,
  "name": null
}"#
        );
        let distribution = CertificateType::from("DISTRIBUTION");
        let report = Imported {
            certificate_id: Some("A1B2C3D4E5"),
            certificate_type: Some(&distribution),
            listed: true,
            name: Some("Apple Distribution: Example Ltd (ABCDE12345)"),
            ..report
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "certificateId": "A1B2C3D4E5",
  "certificateType": "DISTRIBUTION",
  "expires": "2027-12-07T15:37:37Z",
  "keyId": "5f2a",
  "listed": true,
  "name": "Apple Distribution: Example Ltd (ABCDE12345)"
}"#
        );
    }

    #[test]
    fn install_report_sorts_the_install_as_it_always_has() {
        let install = KeychainInstall {
            keychain: "/Users/ci/Library/Keychains/ci.keychain-db".into(),
            sha1: "AB".repeat(20),
            name: "Apple Distribution: Jane Doe (TEAM123)".into(),
            imported: true,
            intermediate: "added",
            intermediate_name: "Apple Worldwide Developer Relations Certification Authority".into(),
            partition_list: "set",
            partition_label: None,
            partition_command: None,
            valid: true,
            issued_by_apple: true,
            problem: None,
            in_search_list: true,
            default_keychain: false,
            codesign: "codesign --sign AB FILE".into(),
        };
        let report = Installed {
            certificate_id: Some("A1B2C3D4E5"),
            key_id: "5f2a".to_owned(),
            keychain: &install,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            format!(
                r#"{{
  "certificateId": "A1B2C3D4E5",
  "keyId": "5f2a",
  "keychain": {{
    "codesign": "codesign --sign AB FILE",
    "defaultKeychain": false,
    "imported": true,
    "inSearchList": true,
    "intermediate": "added",
    "intermediateName": "Apple Worldwide Developer Relations Certification Authority",
    "issuedByApple": true,
    "keychain": "/Users/ci/Library/Keychains/ci.keychain-db",
    "name": "Apple Distribution: Jane Doe (TEAM123)",
    "partitionList": "set",
    "sha1": "{}",
    "valid": true
  }}
}}"#,
                "AB".repeat(20)
            )
        );
    }
}
