//! A new profile's `profileContent`: the one place it is made, so the signed property list
//! (`profile_content.rs`, under the sandbox CA's profile-signing certificate) plugs in here.

use time::OffsetDateTime;

use ascert_models::ProfileType;

use crate::SandboxError;
use crate::ca::SandboxCa;
use crate::config::Team;

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

/// The base64 `profileContent` of the profile `spec` describes, signed by `ca`.
///
/// TODO(profile-content): the signer lands with `profile_content.rs` (branch wt-sbx); until it is
/// merged a profile has no content (`"profileContent": null`).
///
/// # Errors
/// Signing errors, answered with Apple's 500 by the caller.
#[allow(
    clippy::unnecessary_wraps,
    clippy::needless_pass_by_value,
    reason = "the signer's shape, which fails and takes the spec, plugs in here"
)]
pub(crate) fn content(ca: &SandboxCa, spec: ContentSpec<'_>) -> Result<Option<String>, SandboxError> {
    let _ = (ca, spec);
    Ok(None)
}
