//! `identities ensure --store … --provisioning-profile`: the profile through the team store. A run
//! with an App Store Connect API key shares the profile it ensured (when the store's is another);
//! a read-only run without one (a fork's build) takes the store's, which ascert-team has checked
//! was shared by a member, checks that it is for this bundle identifier and names this identity's
//! certificate, and installs it as a profile from Apple is.

use anyhow::{Context as _, Result};
use ascert_keystore::CertificateInfo;
use ascert_mobileprovision::Profile as ProfileFile;
use ascert_team::{MemberKey, ProfileUpload, TeamStore};
use time::{Duration, OffsetDateTime};

use crate::commands::Context;
use crate::commands::provisioning::ensure::{Got, ProfileReport, ProfileTarget, deliver};
use crate::exit::Exit;
use crate::failure::UserError;

/// The team store and the member key that opened it, kept for the profile step.
pub(super) struct StoreProfiles {
    pub(super) store: TeamStore,
    pub(super) me: MemberKey,
}

impl StoreProfiles {
    /// Shares the profile of `report` unless the store holds it already. A failure is a warning:
    /// the profile is installed here and App Store Connect has it.
    pub(super) async fn share(&self, ctx: &Context, target: &ProfileTarget, report: &ProfileReport) {
        let profile_type = target.profile_type.to_string();
        if let Ok(Some(shared)) = self.store.profile(&profile_type, &target.bundle_identifier).await
            && shared.record.uuid == report.uuid()
            && shared.der == report.der
        {
            return;
        }
        let upload = ProfileUpload::new(
            profile_type,
            target.bundle_identifier.clone(),
            report.uuid(),
            report.certificate_id(),
            report.der.clone(),
        );
        if let Err(err) = self.store.share_profile(&upload, &self.me).await {
            ctx.out.warn(format!(
                "the profile was not shared through the team store ({err}): a build without an API key cannot \
                 get it from there until a run with one shares it"
            ));
        }
    }

    /// The store's profile for `target`, checked against the identity (`certificate_id`, `leaf`),
    /// installed and reported as `stored`.
    pub(super) async fn take(
        &self,
        ctx: &Context,
        target: &ProfileTarget,
        certificate_id: &str,
        leaf: &CertificateInfo,
    ) -> Result<ProfileReport> {
        let profile_type = target.profile_type.to_string();
        let shared = self
            .store
            .profile(&profile_type, &target.bundle_identifier)
            .await?
            .ok_or_else(|| unusable(target, "the team store has no such profile"))?;
        let file = ProfileFile::from_der(&shared.der).with_context(|| {
            format!(
                "the {profile_type} profile the team store holds for {}",
                target.bundle_identifier
            )
        })?;
        check(&file, target, leaf)?;
        let got = Got {
            outcome: "stored",
            profile_id: None,
            replaced: Vec::new(),
        };
        deliver(ctx, target, certificate_id, leaf, &file, shared.der, got)
    }
}

/// The stored profile must be for the bundle identifier, name the identity's certificate and be
/// valid for `--min-days-left` days.
fn check(file: &ProfileFile, target: &ProfileTarget, leaf: &CertificateInfo) -> Result<()> {
    let expected = format!("{}.{}", file.team_id(), target.bundle_identifier);
    if file.application_identifier() != Some(expected.as_str()) {
        return Err(unusable(
            target,
            &format!(
                "the team store's profile is for {}",
                file.application_identifier()
                    .unwrap_or("no application identifier")
            ),
        ));
    }
    if !file.developer_certificates().iter().any(|der| der == leaf.der()) {
        return Err(unusable(
            target,
            "the team store's profile does not name this identity's certificate",
        ));
    }
    let left = file.expiration_date() - OffsetDateTime::now_utc();
    if left < Duration::days(i64::from(target.min_days_left)) {
        return Err(unusable(
            target,
            &format!(
                "the team store's profile expires {} (within --min-days-left {})",
                file.expiration_date().date(),
                target.min_days_left
            ),
        ));
    }
    Ok(())
}

/// No usable profile in the store: a run with an API key makes and shares one.
fn unusable(target: &ProfileTarget, reason: &str) -> anyhow::Error {
    UserError::new(
        Exit::NotFound,
        format!(
            "no usable {} profile for {} without an App Store Connect API key: {reason}",
            target.profile_type, target.bundle_identifier
        ),
    )
    .hint(format!(
        "run `ascert identities ensure --store URL --provisioning-profile {}:{}` once where there is an API key: \
         it ensures the profile and shares it through the store",
        target.bundle_identifier, target.profile_type
    ))
    .into()
}
