//! Installing, listing and removing profiles in the folders where Xcode looks for them.

use std::fs;
use std::path::{Path, PathBuf};

use time::OffsetDateTime;

use crate::error::{ProfileError, Result};
use crate::files;
use crate::profile::Profile;

/// Where Xcode 16 and later read profiles, relative to the home folder.
pub const XCODE_16_FOLDER: &str = "Library/Developer/Xcode/UserData/Provisioning Profiles";

/// Where Xcode 15 and earlier (and tools built for them) read profiles, relative to the home
/// folder.
pub const LEGACY_FOLDER: &str = "Library/MobileDevice/Provisioning Profiles";

/// The extensions of profile files: `mobileprovision` (iOS, tvOS, visionOS, watchOS) and
/// `provisionprofile` (macOS).
pub const EXTENSIONS: [&str; 2] = ["mobileprovision", "provisionprofile"];

/// The folders profiles are installed into and listed from.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileDirs {
    /// The folders, each written on install and read when listing.
    pub folders: Vec<PathBuf>,
}

impl ProfileDirs {
    /// The given folders.
    pub fn new(folders: Vec<PathBuf>) -> Self {
        Self { folders }
    }

    /// Xcode's two folders under `home`: [`XCODE_16_FOLDER`] and [`LEGACY_FOLDER`].
    pub fn for_home(home: &Path) -> Self {
        Self::new(vec![home.join(XCODE_16_FOLDER), home.join(LEGACY_FOLDER)])
    }

    /// Xcode's two folders under the user's home folder (`HOME`).
    ///
    /// # Errors
    ///
    /// [`ProfileError::NoHome`] if the home folder is unknown.
    pub fn default_for_user() -> Result<Self> {
        let dirs = directories::BaseDirs::new().ok_or(ProfileError::NoHome)?;
        Ok(Self::for_home(dirs.home_dir()))
    }
}

/// A profile file found by [`installed`], read or not.
#[derive(Debug)]
#[non_exhaustive]
pub struct InstalledProfile {
    /// The file.
    pub path: PathBuf,
    /// The profile, or why the file is not one (it is listed, not skipped silently).
    pub profile: Result<Profile>,
}

/// An installed profile that [`install`] replaced.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Replaced {
    /// The file, now overwritten (same UUID) or removed (an older profile of the same name).
    pub path: PathBuf,
    /// The replaced profile's UUID.
    pub uuid: String,
    /// The replaced profile's creation date.
    pub creation_date: Option<OffsetDateTime>,
}

/// What [`install`] did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Installation {
    /// The files written, one per folder.
    pub paths: Vec<PathBuf>,
    /// The installed profiles it replaced: older copies of the same profile (same UUID) and older
    /// profiles of the same name, team and application identifier.
    pub replaced: Vec<Replaced>,
}

/// Installs `profile` into each folder of `dirs` as `UUID.mobileprovision` (or
/// `UUID.provisionprofile` for a macOS profile), creating missing folders.
///
/// Each file is written atomically. An installed copy of the same profile (same UUID) is
/// replaced, and so is an older profile (earlier creation date) with the same name, team and
/// application identifier, as Xcode and fastlane do when a profile is regenerated; files that
/// are not readable profiles are left alone. The signature is not checked here: call
/// [`Profile::verify`] first to install only profiles from a trusted signer.
///
/// # Errors
///
/// [`ProfileError::Io`] if a folder cannot be created or read, or a file written or removed.
///
/// ```no_run
/// use ascert_mobileprovision::{install, Profile, ProfileDirs};
/// let profile = Profile::read("App.mobileprovision".as_ref())?;
/// let done = install(&profile, &ProfileDirs::default_for_user()?)?;
/// for replaced in &done.replaced {
///     println!("replaced {}", replaced.path.display());
/// }
/// # Ok::<(), ascert_mobileprovision::ProfileError>(())
/// ```
pub fn install(profile: &Profile, dirs: &ProfileDirs) -> Result<Installation> {
    let mut installation = Installation {
        paths: Vec::new(),
        replaced: Vec::new(),
    };
    for folder in &dirs.folders {
        fs::create_dir_all(folder).map_err(|e| ProfileError::io("create the folder", folder, e))?;
        let target = folder.join(profile.file_name());
        let existing = list_folder(folder)?;
        files::write_atomic(&target, profile.as_bytes())?;
        for entry in existing {
            let Ok(old) = &entry.profile else { continue };
            let same_profile = old.uuid().eq_ignore_ascii_case(profile.uuid());
            if !(same_profile || supersedes(profile, old)) {
                continue;
            }
            if entry.path != target {
                fs::remove_file(&entry.path).map_err(|e| ProfileError::io("remove", &entry.path, e))?;
            }
            installation.replaced.push(Replaced {
                path: entry.path.clone(),
                uuid: old.uuid().to_owned(),
                creation_date: old.creation_date(),
            });
        }
        installation.paths.push(target);
    }
    Ok(installation)
}

/// Whether `new` is a regenerated version of `old`: another UUID, the same name, team and
/// application identifier, created later — or in the same second: Apple's dates count whole
/// seconds, and a profile deleted and made again at once (as `profiles ensure` does) has the date
/// of the one it replaces; the one being installed is the one asked for.
fn supersedes(new: &Profile, old: &Profile) -> bool {
    !old.uuid().eq_ignore_ascii_case(new.uuid())
        && old.name() == new.name()
        && old.team_id() == new.team_id()
        && old.application_identifier() == new.application_identifier()
        && old.creation_date() <= new.creation_date()
}

/// Lists the profile files (`*.mobileprovision`, `*.provisionprofile`) in each folder of `dirs`,
/// sorted by path within each folder. A file that cannot be read as a profile is listed with its
/// error; a missing folder lists nothing.
///
/// # Errors
///
/// [`ProfileError::Io`] if a folder exists but cannot be read.
pub fn installed(dirs: &ProfileDirs) -> Result<Vec<InstalledProfile>> {
    let mut all = Vec::new();
    for folder in &dirs.folders {
        all.extend(list_folder(folder)?);
    }
    Ok(all)
}

/// Removes every installed file of the profile `uuid` (named after it, or holding it) from each
/// folder of `dirs`; returns the files removed, none if it was not installed.
///
/// # Errors
///
/// [`ProfileError::InvalidUuid`] if `uuid` is not a UUID; [`ProfileError::Io`] if a folder
/// cannot be read or a file removed.
pub fn remove(uuid: &str, dirs: &ProfileDirs) -> Result<Vec<PathBuf>> {
    if uuid.is_empty() || !uuid.bytes().all(|b| b.is_ascii_hexdigit() || b == b'-') {
        return Err(ProfileError::InvalidUuid {
            uuid: uuid.to_owned(),
        });
    }
    let mut removed = Vec::new();
    for entry in installed(dirs)? {
        let named = entry
            .path
            .file_stem()
            .is_some_and(|stem| stem.to_string_lossy().eq_ignore_ascii_case(uuid));
        let holds = entry
            .profile
            .as_ref()
            .is_ok_and(|p| p.uuid().eq_ignore_ascii_case(uuid));
        if named || holds {
            fs::remove_file(&entry.path).map_err(|e| ProfileError::io("remove", &entry.path, e))?;
            removed.push(entry.path);
        }
    }
    Ok(removed)
}

fn list_folder(folder: &Path) -> Result<Vec<InstalledProfile>> {
    let entries = match fs::read_dir(folder) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(ProfileError::io("read the folder", folder, e)),
    };
    let mut paths = Vec::new();
    for entry in entries {
        let entry = entry.map_err(|e| ProfileError::io("read the folder", folder, e))?;
        let name = entry.file_name().to_string_lossy().into_owned();
        let is_profile = Path::new(&name)
            .extension()
            .is_some_and(|ext| EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)));
        if is_profile && !files::is_temp_name(&name) {
            paths.push(entry.path());
        }
    }
    paths.sort();
    Ok(paths
        .into_iter()
        .map(|path| InstalledProfile {
            profile: Profile::read(&path),
            path,
        })
        .collect())
}
