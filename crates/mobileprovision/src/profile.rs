//! A provisioning profile's fields, read from the property list inside its CMS envelope.

use std::fmt;
use std::path::Path;

use plist::{Dictionary, Value};
use time::OffsetDateTime;

use crate::envelope::{self, Envelope, VerifiedSigner};
use crate::error::{ProfileError, Result};
use crate::files;

/// A platform a profile is for, as Apple spells it in the profile's `Platform` array.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Platform {
    /// `iOS` (iPhone and iPad; also the platform of watchOS apps' profiles).
    Ios,
    /// `OSX` (macOS).
    MacOs,
    /// `tvOS`.
    TvOs,
    /// `xrOS` (visionOS).
    VisionOs,
    /// `watchOS`.
    WatchOs,
    /// A name this crate does not know yet, kept as written.
    Other(String),
}

impl Platform {
    /// The platform named as in a profile (`iOS`, `OSX`, `tvOS`, `xrOS`, `watchOS`).
    pub fn from_apple(name: &str) -> Self {
        match name {
            "iOS" => Self::Ios,
            "OSX" => Self::MacOs,
            "tvOS" => Self::TvOs,
            "xrOS" => Self::VisionOs,
            "watchOS" => Self::WatchOs,
            other => Self::Other(other.to_owned()),
        }
    }

    /// The name as a profile writes it.
    pub fn as_str(&self) -> &str {
        match self {
            Self::Ios => "iOS",
            Self::MacOs => "OSX",
            Self::TvOs => "tvOS",
            Self::VisionOs => "xrOS",
            Self::WatchOs => "watchOS",
            Self::Other(name) => name,
        }
    }
}

impl fmt::Display for Platform {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a profile is for. Apple does not write the type into the profile; it is inferred from the
/// keys, as Xcode and fastlane do (see [`Profile::kind`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum ProfileKind {
    /// Development: the entitlements allow a debugger (`get-task-allow`).
    Development,
    /// Ad hoc distribution: listed devices, no debugger.
    AdHoc,
    /// App Store (and `TestFlight`) distribution: no devices.
    AppStore,
    /// In-house (Enterprise program) distribution: every device (`ProvisionsAllDevices`).
    Enterprise,
    /// Developer ID distribution of a macOS app: every Mac (`ProvisionsAllDevices`, macOS only).
    DeveloperId,
}

/// A provisioning profile: the signed property list Xcode reads to know which certificates may
/// sign which app, with which entitlements, for which devices.
///
/// Reading a profile checks only its shape; [`Profile::verify`] checks its signature against the
/// roots a caller trusts.
#[derive(Clone)]
pub struct Profile {
    bytes: Vec<u8>,
    envelope: Envelope,
    plist: Dictionary,
    name: String,
    uuid: String,
    team_id: String,
    expiration_date: OffsetDateTime,
    creation_date: Option<OffsetDateTime>,
    platforms: Vec<Platform>,
    entitlements: Dictionary,
    developer_certificates: Vec<Vec<u8>>,
    provisioned_devices: Vec<String>,
}

impl fmt::Debug for Profile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Profile")
            .field("name", &self.name)
            .field("uuid", &self.uuid)
            .field("team_id", &self.team_id)
            .field("application_identifier", &self.application_identifier())
            .field("kind", &self.kind())
            .field("expiration_date", &self.expiration_date)
            .finish_non_exhaustive()
    }
}

impl Profile {
    /// Reads a profile from its bytes (DER CMS `SignedData` around an XML property list), without
    /// verifying its signature.
    ///
    /// # Errors
    ///
    /// [`ProfileError::NotCms`], [`ProfileError::NotSignedData`] or
    /// [`ProfileError::BadSignedData`] if the envelope is not a profile's;
    /// [`ProfileError::NotPlist`] if the content is not a property list;
    /// [`ProfileError::MissingKey`] or [`ProfileError::WrongType`] if `Name`, `UUID`,
    /// `TeamIdentifier` or `ExpirationDate` is missing or a known key has the wrong type;
    /// [`ProfileError::InvalidUuid`] if the UUID could not name a file.
    pub fn from_der(bytes: &[u8]) -> Result<Self> {
        let envelope = envelope::open(bytes)?;
        let plist = Value::from_reader_xml(envelope.content.as_slice())
            .map_err(ProfileError::NotPlist)?
            .into_dictionary()
            .ok_or(ProfileError::WrongType {
                key: "property list",
                expected: "a dictionary",
            })?;
        let name = required(&plist, "Name", string)?;
        let uuid = required(&plist, "UUID", string)?;
        if uuid.is_empty() || uuid.len() > 64 || !uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
            return Err(ProfileError::InvalidUuid { uuid });
        }
        let team_id = required(&plist, "TeamIdentifier", strings)?
            .into_iter()
            .next()
            .ok_or(ProfileError::MissingKey {
                key: "TeamIdentifier",
            })?;
        let expiration_date = required(&plist, "ExpirationDate", date)?;
        let creation_date = optional(&plist, "CreationDate", date)?;
        let platforms = optional(&plist, "Platform", strings)?
            .unwrap_or_default()
            .iter()
            .map(|p| Platform::from_apple(p))
            .collect();
        let entitlements =
            optional(&plist, "Entitlements", |v| v.as_dictionary().cloned())?.unwrap_or_default();
        let developer_certificates = optional(&plist, "DeveloperCertificates", |v| {
            v.as_array()?
                .iter()
                .map(|c| c.as_data().map(<[u8]>::to_vec))
                .collect()
        })?
        .unwrap_or_default();
        let provisioned_devices = optional(&plist, "ProvisionedDevices", strings)?.unwrap_or_default();
        // Known optional keys of the wrong type are errors too, found now rather than when asked.
        optional(&plist, "TeamName", string)?;
        optional(&plist, "AppIDName", string)?;
        optional(&plist, "ProvisionsAllDevices", Value::as_boolean)?;
        optional(&plist, "IsXcodeManaged", Value::as_boolean)?;
        optional(&plist, "TimeToLive", Value::as_unsigned_integer)?;
        Ok(Self {
            bytes: bytes.to_vec(),
            envelope,
            plist,
            name,
            uuid,
            team_id,
            expiration_date,
            creation_date,
            platforms,
            entitlements,
            developer_certificates,
            provisioned_devices,
        })
    }

    /// Reads the profile file at `path` (at most [`MAX_PROFILE_SIZE`](crate::MAX_PROFILE_SIZE)
    /// bytes; a larger file is refused before it is read), without verifying its signature.
    ///
    /// # Errors
    ///
    /// [`ProfileError::Io`], [`ProfileError::NotAFile`] or [`ProfileError::TooLarge`] if the file
    /// cannot be read; the errors of [`Profile::from_der`] otherwise.
    ///
    /// ```no_run
    /// let profile = ascert_mobileprovision::Profile::read("App.mobileprovision".as_ref())?;
    /// println!("{} ({}) expires {}", profile.name(), profile.uuid(), profile.expiration_date());
    /// # Ok::<(), ascert_mobileprovision::ProfileError>(())
    /// ```
    pub fn read(path: &Path) -> Result<Self> {
        Self::from_der(&files::read_bounded(path, files::MAX_PROFILE_SIZE)?)
    }

    /// Verifies the profile's signature: the signed digest matches the content, the signature is
    /// valid for the signer's certificate, and that certificate chains through the profile's
    /// certificates to one of `roots` (DER), every certificate valid at `now`.
    ///
    /// No root is built in: pass Apple's (Apple Inc. Root and Apple Root CA - G3, from
    /// <https://www.apple.com/certificateauthority/>) to accept profiles from Apple.
    ///
    /// # Errors
    ///
    /// [`ProfileError::SignerCount`], [`ProfileError::UnsupportedAlgorithm`],
    /// [`ProfileError::BadSignedAttribute`], [`ProfileError::DigestMismatch`],
    /// [`ProfileError::BadSignature`], [`ProfileError::SignerCertificateMissing`],
    /// [`ProfileError::BadCertificate`], [`ProfileError::UntrustedChain`],
    /// [`ProfileError::CertificateExpired`] or [`ProfileError::CertificateNotYetValid`].
    ///
    /// ```no_run
    /// let profile = ascert_mobileprovision::Profile::read("App.mobileprovision".as_ref())?;
    /// let root = std::fs::read("AppleIncRootCertificate.cer")?;
    /// let signer = profile.verify(&[&root], time::OffsetDateTime::now_utc())?;
    /// println!("signed by {}", signer.subject);
    /// # Ok::<(), Box<dyn std::error::Error>>(())
    /// ```
    pub fn verify(&self, roots: &[&[u8]], now: OffsetDateTime) -> Result<VerifiedSigner> {
        envelope::verify(&self.envelope, roots, now)
    }

    /// The profile's name (`Name`), as shown in Xcode and the developer portal.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The profile's UUID (`UUID`), which Xcode uses as its file name. Only hexadecimal digits
    /// and dashes: [`Profile::from_der`] refuses anything else.
    pub fn uuid(&self) -> &str {
        &self.uuid
    }

    /// The team's identifier (the first of `TeamIdentifier`), such as `A1B2C3D4E5`.
    pub fn team_id(&self) -> &str {
        &self.team_id
    }

    /// The team's name (`TeamName`).
    pub fn team_name(&self) -> Option<&str> {
        self.plist.get("TeamName").and_then(Value::as_string)
    }

    /// The name of the App ID (`AppIDName`).
    pub fn app_id_name(&self) -> Option<&str> {
        self.plist.get("AppIDName").and_then(Value::as_string)
    }

    /// The application identifier entitlement, `TEAMID.com.example.app` (`application-identifier`,
    /// or `com.apple.application-identifier` in macOS profiles).
    pub fn application_identifier(&self) -> Option<&str> {
        ["application-identifier", "com.apple.application-identifier"]
            .iter()
            .find_map(|key| self.entitlements.get(key).and_then(Value::as_string))
    }

    /// The bundle identifier the profile covers: the application identifier without its prefix,
    /// such as `com.example.app`, or a wildcard (`*`, `com.example.*`).
    pub fn bundle_id(&self) -> Option<&str> {
        // The prefix (team or App ID prefix) is ten characters without a dot.
        self.application_identifier()
            .and_then(|id| id.split_once('.'))
            .map(|(_, bundle)| bundle)
    }

    /// The platforms the profile is for (`Platform`).
    pub fn platforms(&self) -> &[Platform] {
        &self.platforms
    }

    /// The entitlements the profile grants (`Entitlements`), as in the property list.
    pub fn entitlements(&self) -> &Dictionary {
        &self.entitlements
    }

    /// Whether the entitlements allow a debugger to attach (`get-task-allow`, or
    /// `com.apple.security.get-task-allow` on macOS): a development profile.
    pub fn get_task_allow(&self) -> bool {
        ["get-task-allow", "com.apple.security.get-task-allow"]
            .iter()
            .any(|key| self.entitlements.get(key).and_then(Value::as_boolean) == Some(true))
    }

    /// The push notification environment (`aps-environment`, or
    /// `com.apple.developer.aps-environment` on macOS): `development` or `production`.
    pub fn aps_environment(&self) -> Option<&str> {
        ["aps-environment", "com.apple.developer.aps-environment"]
            .iter()
            .find_map(|key| self.entitlements.get(key).and_then(Value::as_string))
    }

    /// The certificates (DER) whose identities may sign with this profile
    /// (`DeveloperCertificates`).
    pub fn developer_certificates(&self) -> &[Vec<u8>] {
        &self.developer_certificates
    }

    /// The SHA-1 fingerprints of [`developer_certificates`](Self::developer_certificates), in
    /// uppercase hexadecimal as the keychain and `security find-identity` show them.
    pub fn developer_certificate_sha1s(&self) -> Vec<String> {
        self.developer_certificates
            .iter()
            .map(|der| {
                hex_upper(
                    aws_lc_rs::digest::digest(&aws_lc_rs::digest::SHA1_FOR_LEGACY_USE_ONLY, der).as_ref(),
                )
            })
            .collect()
    }

    /// The UDIDs of the devices the profile allows (`ProvisionedDevices`); empty for App Store,
    /// in-house and Developer ID profiles.
    pub fn provisioned_devices(&self) -> &[String] {
        &self.provisioned_devices
    }

    /// Whether the profile allows every device (`ProvisionsAllDevices`): in-house and Developer ID.
    pub fn provisions_all_devices(&self) -> bool {
        self.flag("ProvisionsAllDevices")
    }

    /// When the profile was created (`CreationDate`).
    pub fn creation_date(&self) -> Option<OffsetDateTime> {
        self.creation_date
    }

    /// When the profile expires (`ExpirationDate`).
    pub fn expiration_date(&self) -> OffsetDateTime {
        self.expiration_date
    }

    /// Whether the profile has expired at `now`.
    pub fn is_expired_at(&self, now: OffsetDateTime) -> bool {
        now >= self.expiration_date
    }

    /// The profile's lifetime in days (`TimeToLive`).
    pub fn time_to_live(&self) -> Option<u64> {
        self.plist.get("TimeToLive").and_then(Value::as_unsigned_integer)
    }

    /// Whether Xcode created and manages the profile (`IsXcodeManaged`).
    pub fn is_xcode_managed(&self) -> bool {
        self.flag("IsXcodeManaged")
    }

    /// What the profile is for, inferred as Xcode and fastlane do: `get-task-allow` makes it
    /// development; `ProvisionsAllDevices` in-house, or Developer ID for a macOS-only profile;
    /// listed devices ad hoc; none App Store.
    pub fn kind(&self) -> ProfileKind {
        if self.get_task_allow() {
            ProfileKind::Development
        } else if self.provisions_all_devices() {
            if self.platforms == [Platform::MacOs] {
                ProfileKind::DeveloperId
            } else {
                ProfileKind::Enterprise
            }
        } else if self.provisioned_devices.is_empty() {
            ProfileKind::AppStore
        } else {
            ProfileKind::AdHoc
        }
    }

    /// The whole property list, for keys this type has no accessor for.
    pub fn plist(&self) -> &Dictionary {
        &self.plist
    }

    /// The certificates the profile carries for its signature (the signer, Apple's iPhone CA and,
    /// in Apple's profiles, the root), as DER, in the envelope's order. Not to be trusted for
    /// being here: a caller that takes a root from them checks it against a root it knows, by
    /// fingerprint, before passing it to [`verify`](Self::verify).
    pub fn embedded_certificates(&self) -> Vec<Vec<u8>> {
        crate::envelope::embedded_certificates(&self.envelope)
    }

    /// The property list's bytes, exactly as signed.
    pub fn raw_plist(&self) -> &[u8] {
        &self.envelope.content
    }

    /// The profile's bytes (the CMS envelope), as read: what [`install`](crate::install) writes.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The extension Xcode and fastlane give the profile's file: `provisionprofile` for a
    /// macOS-only profile, `mobileprovision` otherwise.
    pub fn file_extension(&self) -> &'static str {
        if self.platforms == [Platform::MacOs] {
            "provisionprofile"
        } else {
            "mobileprovision"
        }
    }

    /// The name of the profile's file when installed: `UUID.mobileprovision` or
    /// `UUID.provisionprofile`.
    pub fn file_name(&self) -> String {
        format!("{}.{}", self.uuid, self.file_extension())
    }

    fn flag(&self, key: &str) -> bool {
        self.plist.get(key).and_then(Value::as_boolean) == Some(true)
    }
}

fn string(value: &Value) -> Option<String> {
    value.as_string().map(str::to_owned)
}

fn strings(value: &Value) -> Option<Vec<String>> {
    value.as_array()?.iter().map(string).collect()
}

fn date(value: &Value) -> Option<OffsetDateTime> {
    value
        .as_date()
        .map(|d| OffsetDateTime::from(std::time::SystemTime::from(d)))
}

/// The type each known key must have, for [`ProfileError::WrongType`].
fn expected(key: &str) -> &'static str {
    match key {
        "TeamIdentifier" | "Platform" | "ProvisionedDevices" => "an array of strings",
        "ExpirationDate" | "CreationDate" => "a date",
        "Entitlements" => "a dictionary",
        "DeveloperCertificates" => "an array of data",
        "ProvisionsAllDevices" | "IsXcodeManaged" => "a boolean",
        "TimeToLive" => "a non-negative integer",
        _ => "a string",
    }
}

fn optional<T>(
    plist: &Dictionary,
    key: &'static str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Result<Option<T>> {
    plist
        .get(key)
        .map(|value| {
            convert(value).ok_or(ProfileError::WrongType {
                key,
                expected: expected(key),
            })
        })
        .transpose()
}

fn required<T>(
    plist: &Dictionary,
    key: &'static str,
    convert: impl FnOnce(&Value) -> Option<T>,
) -> Result<T> {
    optional(plist, key, convert)?.ok_or(ProfileError::MissingKey { key })
}

/// Bytes as uppercase hexadecimal.
fn hex_upper(bytes: &[u8]) -> String {
    use fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02X}");
        out
    })
}
