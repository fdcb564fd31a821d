//! The JWT claims App Store Connect expects, as they are serialized.

use serde::Serialize;

/// The audience of App Store Connect team and individual keys.
pub const AUDIENCE: &str = "appstoreconnect-v1";
/// The audience of Apple Developer Enterprise Program keys.
pub const ENTERPRISE_AUDIENCE: &str = "apple-developer-enterprise-v1";

/// The claims: `iss` for a team key or `sub: "user"` for an individual key, times, audience, scope.
#[derive(Serialize)]
pub(crate) struct Claims<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) iss: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) sub: Option<&'static str>,
    pub(crate) iat: u64,
    pub(crate) exp: u64,
    pub(crate) aud: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub(crate) scope: Option<&'a [String]>,
}
