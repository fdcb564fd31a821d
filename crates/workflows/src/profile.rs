//! Ensure a provisioning profile: reuse the profile of a bundle ID and type that App Store Connect
//! still lists as active, far enough from expiring, naming the certificate of the identity in use
//! and (development, ad hoc) every enabled device of its platform; otherwise make it again under
//! the same name, as fastlane match does. The seam to App Store Connect is [`Provisioning`],
//! implemented by [`ProfilesApi`] and by whatever fake a test needs.

use std::future::Future;

use ascert_models::jsonapi::{Included, ListQuery};
use ascert_models::{
    BundleId, BundleIdPlatform, CertificateType, Device, DeviceStatus, Profile, ProfileCreateRequest,
    ProfileType,
};
use ascert_profiles::ProfilesApi;
use futures::TryStreamExt as _;
use time::{Duration, OffsetDateTime};

use crate::error::{Error, Result};
use crate::events::{Event, Events};
pub use crate::misfit::Misfit;

/// What the profile flow asks of App Store Connect.
pub trait Provisioning: Sync {
    /// Every profile of `profile_type` (every page), with the bundle IDs they are for (`include`).
    fn profiles_of_type(
        &self,
        profile_type: &ProfileType,
    ) -> impl Future<Output = Result<Listed, ascert_profiles::Error>> + Send;

    /// The bundle ID registered as exactly `identifier`, if any.
    fn bundle_id(
        &self,
        identifier: &str,
    ) -> impl Future<Output = Result<Option<BundleId>, ascert_profiles::Error>> + Send;

    /// Every enabled device of `platform`.
    fn enabled_devices(
        &self,
        platform: &BundleIdPlatform,
    ) -> impl Future<Output = Result<Vec<Device>, ascert_profiles::Error>> + Send;

    /// Every device a profile names, for one whose linkage in a list was cut short.
    fn profile_device_ids(
        &self,
        profile_id: &str,
    ) -> impl Future<Output = Result<Vec<String>, ascert_profiles::Error>> + Send;

    /// Every certificate a profile names, for one whose linkage in a list was cut short.
    fn profile_certificate_ids(
        &self,
        profile_id: &str,
    ) -> impl Future<Output = Result<Vec<String>, ascert_profiles::Error>> + Send;

    /// Makes a profile, reconciling an ambiguous failure (see
    /// [`ProfilesApi::create_profile_reconciled`]).
    fn create_profile(
        &self,
        request: ProfileCreateRequest,
    ) -> impl Future<Output = Result<Profile, ascert_profiles::Error>> + Send;

    /// Deletes a profile.
    fn delete_profile(&self, id: &str) -> impl Future<Output = Result<(), ascert_profiles::Error>> + Send;
}

/// The profiles of one type App Store Connect lists, and the bundle IDs they are for.
#[derive(Debug, Clone, Default)]
#[non_exhaustive]
pub struct Listed {
    /// The profiles.
    pub profiles: Vec<Profile>,
    /// The bundle IDs included with them.
    pub bundle_ids: Vec<BundleId>,
}

/// The most devices or certificates a list includes per profile (`limit[devices]`): a profile
/// with more is asked for them on its own.
const LINKAGE_LIMIT: u32 = 50;

impl Provisioning for ProfilesApi {
    async fn profiles_of_type(&self, profile_type: &ProfileType) -> Result<Listed, ascert_profiles::Error> {
        let query = ListQuery::<Profile>::new()
            .filter("profileType", profile_type.as_str())?
            .include("bundleId")?
            .include("certificates")?
            .include("devices")?
            .include_limit("certificates", LINKAGE_LIMIT)?
            .include_limit("devices", LINKAGE_LIMIT)?
            .fields("bundleIds", ["identifier", "platform", "name", "seedId"])?
            .fields("certificates", ["certificateType"])?
            .fields("devices", ["udid"])?
            .limit(200)?;
        let pages: Vec<_> = self.profiles(query).pages().try_collect().await?;
        let mut listed = Listed::default();
        for page in pages {
            listed.profiles.extend(page.data);
            for included in page.included.unwrap_or_default() {
                if let Included::BundleId(bundle) = included {
                    listed.bundle_ids.push(*bundle);
                }
            }
        }
        Ok(listed)
    }

    async fn bundle_id(&self, identifier: &str) -> Result<Option<BundleId>, ascert_profiles::Error> {
        self.find_bundle_id(identifier).await
    }

    async fn enabled_devices(
        &self,
        platform: &BundleIdPlatform,
    ) -> Result<Vec<Device>, ascert_profiles::Error> {
        let query = ListQuery::<Device>::new()
            .filter("platform", platform.as_str())?
            .filter("status", DeviceStatus::Enabled.as_str())?
            .limit(200)?;
        Ok(self.devices(query).all().await?)
    }

    async fn profile_device_ids(&self, profile_id: &str) -> Result<Vec<String>, ascert_profiles::Error> {
        Ok(self
            .profile_devices(profile_id)
            .await?
            .into_iter()
            .map(|d| d.id)
            .collect())
    }

    async fn profile_certificate_ids(&self, profile_id: &str) -> Result<Vec<String>, ascert_profiles::Error> {
        Ok(self
            .profile_certificates(profile_id)
            .await?
            .into_iter()
            .map(|c| c.id)
            .collect())
    }

    async fn create_profile(&self, request: ProfileCreateRequest) -> Result<Profile, ascert_profiles::Error> {
        Ok(self.create_profile_reconciled(request).await?.profile)
    }

    async fn delete_profile(&self, id: &str) -> Result<(), ascert_profiles::Error> {
        ProfilesApi::delete_profile(self, id).await
    }
}

/// The profile to ensure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct ProfileRequest {
    /// The bundle identifier, such as `com.example.app`.
    pub bundle_identifier: String,
    /// The profile type.
    pub profile_type: ProfileType,
    /// The certificate the profile must name: the one of the identity that signs.
    pub certificate_id: String,
    /// Its type, checked against the profile type before anything is asked.
    pub certificate_type: CertificateType,
    /// The profile must be valid for at least this many days more.
    pub min_days_left: u32,
    /// The profile's name; [`ProfileRequest::default_name`] when not set.
    pub name: Option<String>,
    /// Use what is there, create nothing.
    pub readonly: bool,
}

impl ProfileRequest {
    /// A profile of `profile_type` for `bundle_identifier` that names the certificate
    /// `certificate_id` (of `certificate_type`).
    pub fn new(
        bundle_identifier: impl Into<String>,
        profile_type: ProfileType,
        certificate_id: impl Into<String>,
        certificate_type: CertificateType,
    ) -> Self {
        Self {
            bundle_identifier: bundle_identifier.into(),
            profile_type,
            certificate_id: certificate_id.into(),
            certificate_type,
            min_days_left: 0,
            name: None,
            readonly: false,
        }
    }

    /// With the days it must still be valid for.
    #[must_use]
    pub fn with_min_days_left(mut self, days: u32) -> Self {
        self.min_days_left = days;
        self
    }

    /// With a name of its own.
    #[must_use]
    pub fn with_name(mut self, name: Option<String>) -> Self {
        self.name = name;
        self
    }

    /// Read-only: use what is there, create nothing.
    #[must_use]
    pub fn read_only(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }

    /// The name ascert gives the profile: `ascert IOS_APP_STORE com.example.app`. One name per
    /// bundle ID and type, so that a rerun finds (and replaces) its own profile and leaves those
    /// made by people or by Xcode alone.
    pub fn default_name(&self) -> String {
        format!("ascert {} {}", self.profile_type, self.bundle_identifier)
    }

    /// The name the profile has or gets.
    pub fn name(&self) -> String {
        self.name.clone().unwrap_or_else(|| self.default_name())
    }
}

/// How the profile was obtained.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProfileOutcome {
    /// A listed profile fit and was reused.
    Reused,
    /// A new profile was made.
    Created,
}

impl ProfileOutcome {
    /// `reused` or `created`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reused => "reused",
            Self::Created => "created",
        }
    }
}

/// The profile ensured, and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct EnsuredProfile {
    /// Reused or created.
    pub outcome: ProfileOutcome,
    /// The profile, with its content (the `.mobileprovision` file).
    pub profile: Profile,
    /// The bundle ID it is for.
    pub bundle_id: BundleId,
    /// The profiles of the same name it replaced (deleted at App Store Connect), with why.
    pub replaced: Vec<(Profile, Misfit)>,
}

/// Ensures the profile of `request`: reused when one of its name, bundle ID and type fits, made
/// otherwise (after deleting the misfits of the same name, whose name the new one takes).
///
/// Asks App Store Connect for the profiles of the type (one call on the fast path of a
/// distribution profile; a development or ad hoc one also lists the enabled devices).
///
/// # Errors
/// [`Error::CertificateDoesNotFit`] before anything is asked; [`Error::UnknownBundleId`],
/// [`Error::BundleIdPlatform`], [`Error::NoDevices`]; [`Error::NoProfileUsable`] for a read-only
/// run; App Store Connect's ([`Error::Provisioning`]).
pub async fn ensure_profile<P: Provisioning>(
    apple: &P,
    request: &ProfileRequest,
    events: &dyn Events,
) -> Result<EnsuredProfile> {
    let profile_type = &request.profile_type;
    if !profile_type
        .certificate_types()
        .contains(&request.certificate_type)
    {
        return Err(Error::CertificateDoesNotFit {
            certificate_id: request.certificate_id.clone(),
            certificate_type: request.certificate_type.clone(),
            profile_type: profile_type.clone(),
        });
    }
    let device_platform = profile_type.device_platform();
    let devices = async {
        match device_platform.as_ref().filter(|_| profile_type.needs_devices()) {
            Some(platform) => apple.enabled_devices(platform).await.map(Some),
            None => Ok(None),
        }
    };
    let (listed, devices) = futures::try_join!(apple.profiles_of_type(profile_type), devices)
        .map_err(|e| Error::Provisioning(Box::new(e)))?;
    let devices = devices.map(|all| fitting(profile_type, all));
    let name = request.name();
    let bundle = listed
        .bundle_ids
        .iter()
        .find(|b| b.attributes.identifier.as_deref() == Some(request.bundle_identifier.as_str()))
        .cloned();
    let mine: Vec<&Profile> = listed
        .profiles
        .iter()
        .filter(|p| {
            bundle
                .as_ref()
                .is_some_and(|b| p.bundle_id_id() == Some(b.id.as_str()))
        })
        .filter(|p| p.attributes.name.as_deref() == Some(name.as_str()))
        .collect();
    let now = OffsetDateTime::now_utc();
    let mut misfits = Vec::new();
    let mut best: Option<&Profile> = None;
    for profile in mine {
        match misfit(apple, profile, request, devices.as_deref(), now).await? {
            None if best
                .is_none_or(|b| b.attributes.expiration_date < profile.attributes.expiration_date) =>
            {
                best = Some(profile);
            }
            None => {}
            Some(why) => misfits.push((profile.clone(), why)),
        }
    }
    if let (Some(profile), Some(bundle)) = (best, &bundle) {
        return Ok(EnsuredProfile {
            outcome: ProfileOutcome::Reused,
            profile: profile.clone(),
            bundle_id: bundle.clone(),
            replaced: Vec::new(),
        });
    }
    if request.readonly {
        return Err(Error::NoProfileUsable {
            name,
            profile_type: profile_type.clone(),
            misfits: misfits.into_iter().map(|(_, why)| why).collect(),
        });
    }
    create(apple, request, bundle, devices, misfits, events).await
}

/// The devices of `all` whose class a profile of `profile_type` can hold (a class this version
/// does not know is let through: Apple decides).
fn fitting(profile_type: &ProfileType, all: Vec<Device>) -> Vec<Device> {
    all.into_iter()
        .filter(|d| {
            d.attributes
                .device_class
                .as_ref()
                .is_none_or(|class| profile_type.fits_device(class))
        })
        .collect()
}

/// Whether `profile` fits `request`: `None` when it does, else why not.
async fn misfit<P: Provisioning>(
    apple: &P,
    profile: &Profile,
    request: &ProfileRequest,
    devices: Option<&[Device]>,
    now: OffsetDateTime,
) -> Result<Option<Misfit>> {
    if !profile.is_active() {
        return Ok(Some(Misfit::Invalid));
    }
    let not_before = now + Duration::days(i64::from(request.min_days_left));
    if profile.attributes.expiration_date.is_none_or(|e| e < not_before) {
        return Ok(Some(Misfit::ExpiresTooSoon {
            days_left: profile.days_left(now).unwrap_or(0),
        }));
    }
    if profile.attributes.profile_content.is_none() {
        return Ok(Some(Misfit::NoContent));
    }
    let relationships = profile.relationships.as_ref();
    let mut certificates: Vec<String> = profile.certificate_ids().map(str::to_owned).collect();
    if cut_short(
        relationships.and_then(|r| r.certificates.as_ref()),
        certificates.len(),
    ) {
        certificates = apple
            .profile_certificate_ids(&profile.id)
            .await
            .map_err(|e| Error::Provisioning(Box::new(e)))?;
    }
    if !certificates.contains(&request.certificate_id) {
        return Ok(Some(Misfit::MissingCertificate));
    }
    if let Some(devices) = devices {
        let mut named: Vec<String> = profile.device_ids().map(str::to_owned).collect();
        if cut_short(relationships.and_then(|r| r.devices.as_ref()), named.len()) {
            named = apple
                .profile_device_ids(&profile.id)
                .await
                .map_err(|e| Error::Provisioning(Box::new(e)))?;
        }
        let missing = devices.iter().filter(|d| !named.contains(&d.id)).count();
        if missing > 0 {
            return Ok(Some(Misfit::MissingDevices { count: missing }));
        }
    }
    Ok(None)
}

/// Whether a to-many linkage in a list holds fewer resources than the relationship has.
fn cut_short<K>(relationship: Option<&ascert_models::jsonapi::ToMany<K>>, shown: usize) -> bool {
    relationship
        .and_then(|r| r.meta.as_ref())
        .and_then(|m| m.paging.total)
        .is_some_and(|total| usize::try_from(total).unwrap_or(usize::MAX) > shown)
}

/// Makes the profile: the bundle ID looked up if the list did not include it, the misfits of the
/// same name deleted (the name is unique in a team), then the create.
async fn create<P: Provisioning>(
    apple: &P,
    request: &ProfileRequest,
    bundle: Option<BundleId>,
    devices: Option<Vec<Device>>,
    misfits: Vec<(Profile, Misfit)>,
    events: &dyn Events,
) -> Result<EnsuredProfile> {
    let provisioning = |e| Error::Provisioning(Box::new(e));
    let profile_type = &request.profile_type;
    let bundle = match bundle {
        Some(bundle) => bundle,
        None => apple
            .bundle_id(&request.bundle_identifier)
            .await
            .map_err(provisioning)?
            .ok_or_else(|| Error::UnknownBundleId {
                identifier: request.bundle_identifier.clone(),
                profile_type: profile_type.clone(),
            })?,
    };
    if let Some(platform) = &bundle.attributes.platform
        && platform.is_known()
        && !profile_type.bundle_id_platforms().contains(platform)
    {
        return Err(Error::BundleIdPlatform {
            identifier: request.bundle_identifier.clone(),
            platform: platform.clone(),
            profile_type: profile_type.clone(),
        });
    }
    let mut create = ProfileCreateRequest::new(
        request.name(),
        profile_type.clone(),
        &bundle.id,
        [&request.certificate_id],
    );
    if let Some(devices) = devices {
        if devices.is_empty() {
            return Err(Error::NoDevices {
                profile_type: profile_type.clone(),
            });
        }
        create = create.with_devices(devices.iter().map(|d| d.id.as_str()));
    }
    for (old, why) in &misfits {
        events.event(Event::ProfileReplaced {
            id: old.id.clone(),
            name: request.name(),
            why: why.clone(),
        });
        match apple.delete_profile(&old.id).await {
            // Another runner replacing the same profile deleted it first.
            Err(err) if err.is_not_found() => {}
            other => other.map_err(provisioning)?,
        }
    }
    match apple.create_profile(create).await {
        Ok(profile) => Ok(EnsuredProfile {
            outcome: ProfileOutcome::Created,
            profile,
            bundle_id: bundle,
            replaced: misfits,
        }),
        // The name is taken: another runner made the profile since the listing (App Store Connect
        // keeps names unique, which arbitrates between runners). Its profile is looked for once.
        Err(err) if err.is_conflict() => match made_meanwhile(apple, request).await? {
            Some(profile) => Ok(EnsuredProfile {
                outcome: ProfileOutcome::Reused,
                profile,
                bundle_id: bundle,
                replaced: misfits,
            }),
            None => Err(provisioning(err)),
        },
        Err(err) => Err(provisioning(err)),
    }
}

/// The profile of `request`'s name that another runner made while this one was making it, if it
/// fits.
async fn made_meanwhile<P: Provisioning>(apple: &P, request: &ProfileRequest) -> Result<Option<Profile>> {
    let provisioning = |e| Error::Provisioning(Box::new(e));
    let profile_type = &request.profile_type;
    let devices = match profile_type
        .device_platform()
        .filter(|_| profile_type.needs_devices())
    {
        Some(platform) => Some(fitting(
            profile_type,
            apple.enabled_devices(&platform).await.map_err(provisioning)?,
        )),
        None => None,
    };
    let listed = apple.profiles_of_type(profile_type).await.map_err(provisioning)?;
    let name = request.name();
    let now = OffsetDateTime::now_utc();
    for profile in listed
        .profiles
        .iter()
        .filter(|p| p.attributes.name.as_deref() == Some(name.as_str()))
    {
        if misfit(apple, profile, request, devices.as_deref(), now)
            .await?
            .is_none()
        {
            return Ok(Some(profile.clone()));
        }
    }
    Ok(None)
}
