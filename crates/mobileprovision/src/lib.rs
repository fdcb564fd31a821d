//! Apple provisioning profiles (`.mobileprovision`, `.provisionprofile`): read their fields,
//! verify their signature against roots you trust, and install, list and remove them where Xcode
//! looks.
//!
//! A profile is a CMS (PKCS#7) `SignedData` whose content is an XML property list. Reading one
//! ([`Profile::from_der`], [`Profile::read`]) checks its shape only; [`Profile::verify`] checks
//! the signature and its certificate chain, and is never implied. No Apple certificate is built
//! in: callers pass the roots they trust.
//!
//! ```no_run
//! use ascert_mobileprovision::{install, installed, Profile, ProfileDirs};
//!
//! let profile = Profile::read("App.mobileprovision".as_ref())?;
//! let apple_root = std::fs::read("AppleIncRootCertificate.cer")?;
//! profile.verify(&[&apple_root], time::OffsetDateTime::now_utc())?;
//! println!("{} for {:?} ({:?})", profile.name(), profile.bundle_id(), profile.kind());
//!
//! let dirs = ProfileDirs::default_for_user()?;
//! install(&profile, &dirs)?;
//! for entry in installed(&dirs)? {
//!     match &entry.profile {
//!         Ok(p) => println!("{}  {}", p.uuid(), p.name()),
//!         Err(e) => println!("{}: {e}", entry.path.display()),
//!     }
//! }
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod envelope;
mod error;
mod files;
mod install;
mod profile;

pub use envelope::VerifiedSigner;
pub use error::{ProfileError, Result};
pub use files::MAX_PROFILE_SIZE;
pub use install::{
    EXTENSIONS, Installation, InstalledProfile, LEGACY_FOLDER, ProfileDirs, Replaced, XCODE_16_FOLDER,
    install, installed, remove,
};
/// The property list crate whose types [`Profile::entitlements`] and [`Profile::plist`] return.
pub use plist;
pub use profile::{Platform, Profile, ProfileKind};
/// The date type of the profile's dates and of verification's `now`.
pub use time;
