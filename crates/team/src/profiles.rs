//! Shared provisioning profiles: one per profile type and bundle identifier
//! (`profiles/<PROFILE_TYPE>/<bundle id>/`), the file as Apple made it and a record signed by the
//! team key, so that a runner without an App Store Connect key (a fork's build) installs the
//! profile a member shared, and nothing a bucket writer planted.

use object_store::PutMode;

use crate::crypto::MemberKey;
use crate::error::{Result, TeamError};
use crate::layout;
use crate::records::{self, ProfileRecord};
use crate::store::TeamStore;
use crate::trust;
use crate::wire::{self, FORMAT_VERSION};

/// The largest profile file shared or read (2 MiB): Apple's are a few KiB to a few hundred (one
/// certificate and up to a few hundred devices each). The same bound as
/// `ascert_mobileprovision::MAX_PROFILE_SIZE`.
pub const MAX_PROFILE_SIZE: u64 = 2 * 1024 * 1024;

/// A profile to share: what names it in the store, and its file.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ProfileUpload {
    /// The profile type, such as `IOS_APP_STORE`.
    pub profile_type: String,
    /// The bundle identifier, such as `com.example.app`.
    pub bundle_identifier: String,
    /// The profile's UUID (inside the file).
    pub uuid: String,
    /// The App Store Connect id of the certificate the profile names.
    pub certificate_id: String,
    /// The `.mobileprovision` file, as App Store Connect sent it.
    pub der: Vec<u8>,
}

impl ProfileUpload {
    /// A profile to share.
    pub fn new(
        profile_type: impl Into<String>,
        bundle_identifier: impl Into<String>,
        uuid: impl Into<String>,
        certificate_id: impl Into<String>,
        der: Vec<u8>,
    ) -> Self {
        Self {
            profile_type: profile_type.into(),
            bundle_identifier: bundle_identifier.into(),
            uuid: uuid.into(),
            certificate_id: certificate_id.into(),
            der,
        }
    }
}

/// A shared profile as read back: its record, signed by the team key, and the file whose SHA-256
/// the record names. Its content is whatever a member shared: check it (team, bundle identifier,
/// certificate, dates) before installing it.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct SharedProfile {
    /// The record.
    pub record: ProfileRecord,
    /// The `.mobileprovision` file.
    pub der: Vec<u8>,
}

impl TeamStore {
    /// Shares a provisioning profile: the file, then its record (written last, signed by the team
    /// key, which `member` unlocks), replacing the profile shared before for the same type and
    /// bundle identifier.
    ///
    /// # Errors
    ///
    /// [`TeamError::InvalidInput`] for a type, bundle identifier, UUID or certificate id that cannot
    /// name an object, or a file over [`MAX_PROFILE_SIZE`] (nothing is written);
    /// [`TeamError::WrongIdentity`] if `member` is not a member; the verification errors of
    /// [`TeamStore::open`], and storage errors.
    pub async fn share_profile(&self, profile: &ProfileUpload, member: &MemberKey) -> Result<()> {
        let (profile_type, identifier) = names(&profile.profile_type, &profile.bundle_identifier)?;
        layout::certificate_id(&profile.certificate_id)?;
        check_uuid(&profile.uuid)?;
        if u64::try_from(profile.der.len()).unwrap_or(u64::MAX) > MAX_PROFILE_SIZE {
            return Err(TeamError::InvalidInput {
                what: "provisioning profile",
                reason: format!("it is larger than {MAX_PROFILE_SIZE} bytes"),
            });
        }
        let verified = self.verified_now().await?;
        if !verified.is_recipient(member) {
            return Err(TeamError::WrongIdentity {
                object: format!("the member list of {}", self.shown),
                recipients: member.describe(),
            });
        }
        let team_key = verified.team_key(member, &self.layout.name(&self.layout.header()))?;
        let mut record = ProfileRecord {
            format: FORMAT_VERSION,
            profile_type: profile_type.to_owned(),
            bundle_identifier: identifier.to_owned(),
            uuid: profile.uuid.clone(),
            certificate_id: profile.certificate_id.clone(),
            profile_sha256: trust::certificate_digest(&profile.der),
            shared_by: self.actor.clone(),
            shared_at: records::now(),
            signatures: Vec::new(),
        };
        team_key.sign_profile(&verified.info.store_id, &mut record);
        let file = self.layout.profile(profile_type, identifier, layout::PROFILE);
        let record_path = self.layout.profile(profile_type, identifier, layout::RECORD);
        self.put(&file, profile.der.clone(), PutMode::Overwrite)
            .await
            .map_err(|e| self.error(&file, "write", e))?;
        self.put(&record_path, wire::write(&record), PutMode::Overwrite)
            .await
            .map_err(|e| self.error(&record_path, "write", e))?;
        // A member change that replaced the team key meanwhile may not have seen this record: sign
        // it again with the key of now.
        let current = self.after_member_changes().await?;
        if !current.check_profile(&record) {
            current
                .team_key(member, &self.layout.name(&self.layout.header()))?
                .sign_profile(&current.info.store_id, &mut record);
            self.put(&record_path, wire::write(&record), PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&record_path, "write", e))?;
        }
        Ok(())
    }

    /// The profile shared for a type and bundle identifier, if any: its record must be signed by the
    /// current team key for this store and name this type and identifier, and the file must be the
    /// one it names (SHA-256), at most [`MAX_PROFILE_SIZE`] bytes.
    ///
    /// # Errors
    ///
    /// [`TeamError::Tampered`] for a record no member signed (for this store), one moved from
    /// another type or bundle identifier, or a file missing or not the one signed;
    /// [`TeamError::TooLarge`]; [`TeamError::Corrupt`] and [`TeamError::NewerFormat`] for a record
    /// that cannot be read; [`TeamError::InvalidInput`] for names that cannot name an object;
    /// storage errors.
    pub async fn profile(&self, profile_type: &str, identifier: &str) -> Result<Option<SharedProfile>> {
        let (profile_type, identifier) = names(profile_type, identifier)?;
        let record_path = self.layout.profile(profile_type, identifier, layout::RECORD);
        let Some((bytes, _)) = self.get(&record_path).await? else {
            return Ok(None);
        };
        let name = self.layout.name(&record_path);
        let tampered = |reason: String| TeamError::Tampered {
            object: name.clone(),
            reason,
        };
        let record: ProfileRecord = wire::read(&bytes, &name)?;
        if record.profile_type != profile_type || record.bundle_identifier != identifier {
            return Err(tampered(format!(
                "it is for {} {} but is stored as {profile_type} {identifier}",
                crate::text::printable(&record.profile_type),
                crate::text::printable(&record.bundle_identifier)
            )));
        }
        if !self.verified().check_profile(&record) {
            return Err(tampered(
                "it is not signed by the team key of this store: no member shared it (or a member change \
                 that replaced the team key did not finish)"
                    .to_owned(),
            ));
        }
        let file = self.layout.profile(profile_type, identifier, layout::PROFILE);
        let der = self
            .get_limited(&file, MAX_PROFILE_SIZE)
            .await?
            .map(|(der, _)| der)
            .ok_or_else(|| tampered("the profile file it names is missing".to_owned()))?;
        if trust::certificate_digest(&der) != record.profile_sha256 {
            return Err(TeamError::Tampered {
                object: self.layout.name(&file),
                reason: "it is not the profile file its signed record names (SHA-256)".to_owned(),
            });
        }
        Ok(Some(SharedProfile { record, der }))
    }
}

impl TeamStore {
    /// Adds `signer`'s signature (a member change's new team key) to every profile record that the
    /// team key of `before` signed, so that the profiles stay readable once the new member list is.
    pub(crate) async fn sign_profiles_again(
        &self,
        before: &trust::Verified,
        signer: &trust::TeamKey,
        store_id: &str,
    ) -> Result<()> {
        for meta in self.list(&self.layout.profiles()).await? {
            if meta.location.filename() != Some(layout::RECORD) {
                continue;
            }
            let Some((bytes, _)) = self.get(&meta.location).await? else {
                continue;
            };
            let Ok(mut record) = wire::read::<ProfileRecord>(&bytes, &self.layout.name(&meta.location))
            else {
                continue;
            };
            if !before.check_profile(&record) {
                continue;
            }
            signer.sign_profile(store_id, &mut record);
            self.put(&meta.location, wire::write(&record), PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&meta.location, "write", e))?;
        }
        Ok(())
    }
}

/// Checks a type and identifier before they name objects.
fn names<'a>(profile_type: &'a str, identifier: &'a str) -> Result<(&'a str, &'a str)> {
    Ok((
        layout::profile_type(profile_type)?,
        layout::bundle_identifier(identifier)?,
    ))
}

/// A profile's UUID: hex digits and `-`, at most 64.
fn check_uuid(uuid: &str) -> Result<()> {
    if !uuid.is_empty() && uuid.len() <= 64 && uuid.chars().all(|c| c.is_ascii_hexdigit() || c == '-') {
        Ok(())
    } else {
        Err(TeamError::InvalidInput {
            what: "profile UUID",
            reason: format!("{:?} is not a UUID", crate::text::shorten(uuid)),
        })
    }
}
