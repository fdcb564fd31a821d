//! A new profile's `profileContent`, made in this one place from what the sandbox keeps of the
//! profile: the signed property list of `profile_content.rs`, base64-encoded.

use ascert_models::ProfileType;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use time::OffsetDateTime;

use crate::SandboxError;
use crate::ca::SandboxCa;
use crate::config::Team;
use crate::profile_content::{ProfileContent, sign_profile};

/// What a profile's content says: who it is for, what may sign with it and where it runs.
pub(crate) struct ContentSpec<'a> {
    pub(crate) name: &'a str,
    pub(crate) uuid: &'a str,
    pub(crate) team: &'a Team,
    /// The bundle ID's name (the plist's `AppIDName`).
    pub(crate) app_id_name: &'a str,
    /// The bundle identifier, wildcard or not.
    pub(crate) bundle_identifier: &'a str,
    pub(crate) profile_type: &'a ProfileType,
    /// The DER of each certificate (`DeveloperCertificates`).
    pub(crate) certificates: Vec<Vec<u8>>,
    /// The UDIDs of its devices (`ProvisionedDevices`), empty for distribution profiles.
    pub(crate) devices: Vec<String>,
    pub(crate) created: OffsetDateTime,
    pub(crate) expires: OffsetDateTime,
}

/// The base64 `profileContent` of the profile `spec` describes: its property list, signed as a CMS
/// `SignedData` by `ca`'s profile-signing certificate (`profile_content.rs`).
///
/// # Errors
/// Signing errors, answered with Apple's 500 by the caller.
pub(crate) fn content(ca: &SandboxCa, spec: ContentSpec<'_>) -> Result<String, SandboxError> {
    let content = ProfileContent {
        name: spec.name.to_owned(),
        uuid: spec.uuid.to_owned(),
        team_id: spec.team.id.clone(),
        team_name: spec.team.name.clone(),
        app_id_name: spec.app_id_name.to_owned(),
        bundle_id: spec.bundle_identifier.to_owned(),
        profile_type: spec.profile_type.as_str().to_owned(),
        developer_certificates: spec.certificates,
        devices: spec.devices,
        created: spec.created,
        expires: spec.expires,
    };
    Ok(STANDARD.encode(sign_profile(ca, &content)?))
}
