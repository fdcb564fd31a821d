//! The grammar of `ascert profiles …`, `ascert bundle-ids …` and `ascert devices …`: the
//! provisioning side of signing.

use std::path::PathBuf;

use ascert_models::{BundleIdPlatform, DeviceStatus, ProfileState, ProfileType};
use clap::{Args, Subcommand};

/// `ascert profiles ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum ProfilesCommand {
    /// List provisioning profiles (every page)
    List(ProfilesListArgs),
    /// Show one profile: its bundle ID, certificates, devices and dates
    Get {
        /// The profile's id
        id: String,
    },
    /// Make a profile for a bundle ID, with certificates and (development, ad hoc) devices
    ///
    /// Without --certificate, every valid certificate of a type the profile takes is named; without
    /// --device, every enabled device of its platform (development and ad hoc only).
    Create(ProfilesCreateArgs),
    /// Delete profiles at App Store Connect (builds already signed keep working)
    Delete {
        /// The ids of the profiles to delete
        #[arg(required = true)]
        ids: Vec<String>,
        /// Do not ask for confirmation (required when stdin is not a terminal)
        #[arg(long, short)]
        yes: bool,
    },
    /// Save a profile's .mobileprovision file
    Download {
        /// The profile's id
        id: String,
        /// The file to write [default: NAME.mobileprovision, or .provisionprofile for macOS]
        #[arg(long, short, value_name = "FILE")]
        out: Option<PathBuf>,
        /// Replace FILE if it exists
        #[arg(long)]
        force: bool,
    },
    /// Install profiles where Xcode looks for them (both folders, Xcode 15 and 16+)
    ///
    /// ~/Library/MobileDevice/Provisioning Profiles and ~/Library/Developer/Xcode/UserData/
    /// Provisioning Profiles, as UUID.mobileprovision; an older copy of the same profile is replaced.
    Install(ProfilesInstallArgs),
    /// List the profiles installed on this machine
    Installed {
        /// Another folder instead of Xcode's (repeatable)
        #[arg(long, value_name = "DIR")]
        dir: Vec<PathBuf>,
    },
    /// Remove installed profiles by UUID (from every folder Xcode looks in)
    Uninstall {
        /// The profiles' UUIDs
        #[arg(required = true)]
        uuids: Vec<String>,
        /// Another folder instead of Xcode's (repeatable)
        #[arg(long, value_name = "DIR")]
        dir: Vec<PathBuf>,
    },
    /// Make sure a usable profile for a bundle ID and type exists and is installed: reuse or remake
    ///
    /// Reuses the profile named "ascert TYPE BUNDLE_ID" (or --name) when App Store Connect lists it
    /// as ACTIVE, it expires after --min-days-left days, it names the certificate of the identity
    /// `identities ensure` uses for the type, and (development, ad hoc) it holds every enabled
    /// device of its platform. Otherwise deletes it and makes it again. Then installs it and prints
    /// the settings for xcodebuild's manual signing. Safe to run in every CI job.
    Ensure(ProfilesEnsureArgs),
}

/// `ascert profiles list`.
#[derive(Debug, Args)]
pub(crate) struct ProfilesListArgs {
    /// Only this profile type (repeat for several), e.g. IOS_APP_STORE
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_profile_type)]
    pub(crate) types: Vec<ProfileType>,
    /// Only profiles in this state: ACTIVE or INVALID
    #[arg(long, value_name = "STATE", value_parser = parse_profile_state)]
    pub(crate) state: Option<ProfileState>,
    /// Only the profile with this name (repeatable)
    #[arg(long, value_name = "NAME")]
    pub(crate) name: Vec<String>,
    /// Only profiles for this bundle identifier, e.g. com.example.app
    #[arg(long, value_name = "IDENTIFIER")]
    pub(crate) bundle_id: Option<String>,
}

/// `ascert profiles create`.
#[derive(Debug, Args)]
pub(crate) struct ProfilesCreateArgs {
    /// The profile's name, unique in the team
    #[arg(long)]
    pub(crate) name: String,
    /// The profile type, e.g. IOS_APP_STORE, IOS_APP_DEVELOPMENT, MAC_APP_DIRECT
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_profile_type)]
    pub(crate) profile_type: ProfileType,
    /// The bundle identifier, e.g. com.example.app (`ascert bundle-ids create` registers one)
    #[arg(long, value_name = "IDENTIFIER")]
    pub(crate) bundle_id: String,
    /// A certificate id to name (repeatable) [default: every valid certificate the type takes]
    #[arg(long = "certificate", value_name = "ID")]
    pub(crate) certificates: Vec<String>,
    /// A device UDID to name (repeatable; development and ad hoc) [default: every enabled device of
    /// the platform]
    #[arg(long = "device", value_name = "UDID")]
    pub(crate) devices: Vec<String>,
}

/// `ascert profiles install`.
#[derive(Debug, Args)]
pub(crate) struct ProfilesInstallArgs {
    /// The ids of profiles at App Store Connect to download and install
    #[arg(required_unless_present = "file")]
    pub(crate) ids: Vec<String>,
    /// Install these .mobileprovision files instead (repeatable)
    #[arg(long, value_name = "FILE", conflicts_with = "ids")]
    pub(crate) file: Vec<PathBuf>,
    /// With --file: also trust profiles signed under this root CA certificate (DER or PEM), such as a
    /// sandbox's; Apple's root is always trusted
    #[arg(long, value_name = "CERT", requires = "file")]
    pub(crate) trust_root: Vec<PathBuf>,
    /// Another folder instead of Xcode's (repeatable)
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Vec<PathBuf>,
}

/// `ascert profiles ensure`.
#[derive(Debug, Args)]
pub(crate) struct ProfilesEnsureArgs {
    /// The bundle identifier, e.g. com.example.app
    #[arg(long, value_name = "IDENTIFIER")]
    pub(crate) bundle_id: String,
    /// The profile type [default: IOS_APP_STORE]
    #[arg(long = "type", value_name = "TYPE", value_parser = parse_profile_type, default_value = "IOS_APP_STORE")]
    pub(crate) profile_type: ProfileType,
    /// The profile (and the identity's certificate) must stay valid for at least DAYS more
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub(crate) min_days_left: u32,
    /// The profile's name [default: "ascert TYPE IDENTIFIER"]
    #[arg(long)]
    pub(crate) name: Option<String>,
    /// Name this certificate instead of the identity `identities ensure` would use
    #[arg(long = "certificate", value_name = "ID")]
    pub(crate) certificate: Option<String>,
    /// Use what App Store Connect has; make and delete nothing (exit 3 when nothing fits)
    #[arg(long)]
    pub(crate) readonly: bool,
    /// Also write the ExportOptions.plist for `xcodebuild -exportArchive` to FILE
    #[arg(long, value_name = "FILE")]
    pub(crate) export_options: Option<PathBuf>,
    /// Do not install the profile; with --out, only save it
    #[arg(long)]
    pub(crate) no_install: bool,
    /// Also save the .mobileprovision file to FILE
    #[arg(long, short, value_name = "FILE")]
    pub(crate) out: Option<PathBuf>,
    /// Another folder to install into instead of Xcode's (repeatable)
    #[arg(long, value_name = "DIR")]
    pub(crate) dir: Vec<PathBuf>,
}

/// `ascert bundle-ids ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum BundleIdsCommand {
    /// List registered bundle IDs (every page)
    List {
        /// Only this platform: IOS, MAC_OS or UNIVERSAL
        #[arg(long, value_name = "PLATFORM", value_parser = parse_platform)]
        platform: Option<BundleIdPlatform>,
        /// Only identifiers starting with this text (App Store Connect's filter)
        #[arg(long, value_name = "IDENTIFIER")]
        identifier: Option<String>,
    },
    /// Show a bundle ID by its identifier, with its capabilities and profiles
    Get {
        /// The identifier, e.g. com.example.app
        identifier: String,
    },
    /// Register a bundle ID (an explicit App ID, or a wildcard ending in .*)
    Create {
        /// The identifier, e.g. com.example.app
        identifier: String,
        /// The name shown on the developer website [default: the identifier]
        #[arg(long)]
        name: Option<String>,
        /// IOS (iOS, iPadOS, tvOS, watchOS, visionOS and Mac Catalyst apps), MAC_OS or UNIVERSAL
        #[arg(long, value_name = "PLATFORM", value_parser = parse_platform, default_value = "IOS")]
        platform: BundleIdPlatform,
    },
}

/// `ascert devices ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum DevicesCommand {
    /// List registered devices (every page)
    List {
        /// Only this platform: IOS or MAC_OS
        #[arg(long, value_name = "PLATFORM", value_parser = parse_platform)]
        platform: Option<BundleIdPlatform>,
        /// Only devices in this state: ENABLED or DISABLED
        #[arg(long, value_name = "STATUS", value_parser = parse_device_status)]
        status: Option<DeviceStatus>,
    },
    /// Register a device for development and ad hoc profiles
    ///
    /// Every registration counts against the yearly limit of 100 devices per kind, even once the
    /// device is disabled; profiles made before do not hold it until they are made again (`ascert
    /// profiles ensure` does).
    Register {
        /// The device's UDID (Finder or Xcode's Devices window shows it)
        #[arg(long)]
        udid: String,
        /// The name to show
        #[arg(long)]
        name: String,
        /// IOS (iPhone, iPad, Apple TV, Apple Watch, Vision Pro) or MAC_OS
        #[arg(long, value_name = "PLATFORM", value_parser = parse_platform, default_value = "IOS")]
        platform: BundleIdPlatform,
    },
    /// Enable a device again
    Enable {
        /// The device's id or UDID
        device: String,
    },
    /// Disable a device: new profiles leave it out (it still counts against the yearly limit)
    Disable {
        /// The device's id or UDID
        device: String,
    },
}

/// Parses an Apple word of `T` in any case, refusing words Apple does not use.
fn parse_known<T>(text: &str, what: &str, known: &[T], as_str: fn(&T) -> &str) -> Result<T, String>
where
    T: for<'a> From<&'a str> + PartialEq,
{
    let upper = text.trim().to_ascii_uppercase().replace('-', "_");
    let parsed = T::from(upper.as_str());
    if known.contains(&parsed) {
        Ok(parsed)
    } else {
        let names: Vec<&str> = known.iter().map(as_str).collect();
        Err(format!("unknown {what}; use one of: {}", names.join(", ")))
    }
}

/// Parses a profile type by Apple's name, in any case.
pub(crate) fn parse_profile_type(text: &str) -> Result<ProfileType, String> {
    parse_known(text, "profile type", ProfileType::KNOWN, ProfileType::as_str)
}

fn parse_profile_state(text: &str) -> Result<ProfileState, String> {
    parse_known(text, "profile state", ProfileState::KNOWN, ProfileState::as_str)
}

fn parse_platform(text: &str) -> Result<BundleIdPlatform, String> {
    parse_known(
        text,
        "platform",
        BundleIdPlatform::KNOWN,
        BundleIdPlatform::as_str,
    )
}

fn parse_device_status(text: &str) -> Result<DeviceStatus, String> {
    parse_known(text, "device status", DeviceStatus::KNOWN, DeviceStatus::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn apple_words_parse_in_any_case_and_typos_list_the_choices() {
        assert_eq!(
            parse_profile_type("ios-app-store").unwrap(),
            ProfileType::IosAppStore
        );
        assert_eq!(parse_platform("mac_os").unwrap(), BundleIdPlatform::MacOs);
        let err = parse_profile_type("IOS_APPSTORE").unwrap_err();
        assert!(
            err.starts_with("unknown profile type; use one of: IOS_APP_DEVELOPMENT, IOS_APP_STORE"),
            "{err}"
        );
        assert!(parse_device_status("gone").is_err());
    }
}
