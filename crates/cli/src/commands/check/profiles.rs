//! The provisioning profiles of `ascert check`: one list of every profile (every page), and a
//! finding for each that is INVALID, expires within `--warn-days` (a failure within
//! `--fail-days`) or has expired, with the command that makes it again.

use ascert_models::jsonapi::{Included, ListQuery};
use ascert_models::{Profile, ProfileState};
use ascert_profiles::ProfilesApi;
use ascert_team::printable;
use ascert_workflows::CheckOptions;
use futures::TryStreamExt as _;

use super::words::{Level, Said};

/// The findings of every profile App Store Connect lists; a list that fails (a key without access
/// to profiles) is one finding that says so, not a failed check.
pub(crate) async fn findings(api: &ProfilesApi, options: &CheckOptions) -> Vec<Said> {
    match listed(api).await {
        Ok((profiles, included)) => profiles
            .iter()
            .filter_map(|p| said(p, identifier_of(p, &included), options))
            .collect(),
        Err(err) => vec![Said {
            days_left: None,
            finding: format!("the profiles were not checked: {err}"),
            kind: "profiles-unchecked",
            severity: Level::Info,
            subject: "provisioning profiles".to_owned(),
            todo: "an API key with access to Certificates, Identifiers & Profiles checks them".to_owned(),
        }],
    }
}

/// Every profile, without its content, with the bundle IDs they are for.
async fn listed(api: &ProfilesApi) -> Result<(Vec<Profile>, Vec<Included>), ascert_profiles::Error> {
    let query = ListQuery::<Profile>::new()
        .include("bundleId")?
        .fields(
            "profiles",
            [
                "name",
                "profileType",
                "profileState",
                "expirationDate",
                "bundleId",
            ],
        )?
        .fields("bundleIds", ["identifier"])?
        .limit(200)?;
    let pages: Vec<_> = api.profiles(query).pages().try_collect().await?;
    let mut profiles = Vec::new();
    let mut included = Vec::new();
    for page in pages {
        profiles.extend(page.data);
        included.extend(page.included.unwrap_or_default());
    }
    Ok((profiles, included))
}

fn identifier_of<'a>(profile: &Profile, included: &'a [Included]) -> Option<&'a str> {
    crate::commands::provisioning::view::identifier_of(profile, included)
}

/// The finding of one profile, if it has one.
fn said(profile: &Profile, identifier: Option<&str>, options: &CheckOptions) -> Option<Said> {
    let a = &profile.attributes;
    let name = printable(a.name.as_deref().unwrap_or(&profile.id)).into_owned();
    let profile_type = a
        .profile_type
        .as_ref()
        .map(ToString::to_string)
        .unwrap_or_default();
    let subject = format!("profile {} ({profile_type}, \"{name}\")", printable(&profile.id));
    let ensure = identifier.map_or_else(
        || format!("`ascert profiles delete {}` if nothing uses it", printable(&profile.id)),
        |identifier| {
            format!(
                "`ascert profiles ensure --bundle-id {} --type {profile_type} --name \"{name}\"` makes it again",
                printable(identifier)
            )
        },
    );
    let days_left = profile.days_left(options.now);
    if a.profile_state == Some(ProfileState::Invalid) {
        return Some(Said {
            days_left,
            finding: "INVALID: a certificate in it was revoked or its bundle ID changed; builds cannot sign with it"
                .to_owned(),
            kind: "profile-invalid",
            severity: Level::Warning,
            subject,
            todo: ensure,
        });
    }
    let days = days_left?;
    if days < 0 {
        return Some(Said {
            days_left,
            finding: format!("expired {} days ago", -days),
            kind: "profile-expired",
            severity: Level::Warning,
            subject,
            todo: ensure,
        });
    }
    if days > i64::from(options.warn_days) {
        return None;
    }
    Some(Said {
        days_left,
        finding: format!("expires in {days} days"),
        kind: "profile-expiring",
        severity: if days <= i64::from(options.fail_days) {
            Level::Failure
        } else {
            Level::Warning
        },
        subject,
        todo: ensure,
    })
}

#[cfg(test)]
mod tests {
    use time::macros::datetime;

    use super::*;

    fn profile(state: ProfileState, days: i64) -> Profile {
        let now = datetime!(2026-12-07 12:00 UTC);
        let mut profile = Profile::new("P1");
        profile.attributes.name = Some("CI\u{1b}[31m".to_owned());
        profile.attributes.profile_type = Some(ascert_models::ProfileType::IosAppStore);
        profile.attributes.profile_state = Some(state);
        profile.attributes.expiration_date =
            Some(now + time::Duration::days(days) + time::Duration::hours(1));
        profile
    }

    #[test]
    fn each_profile_finding_with_its_severity_and_what_to_do() {
        let options = CheckOptions::new(30, 7).at(datetime!(2026-12-07 12:00 UTC));
        assert!(
            said(
                &profile(ProfileState::Active, 200),
                Some("com.example.app"),
                &options
            )
            .is_none()
        );
        let soon = said(
            &profile(ProfileState::Active, 3),
            Some("com.example.app"),
            &options,
        )
        .unwrap();
        assert_eq!(
            (soon.kind, soon.severity, soon.days_left),
            ("profile-expiring", Level::Failure, Some(3))
        );
        assert!(
            soon.todo
                .contains("--bundle-id com.example.app --type IOS_APP_STORE"),
            "{}",
            soon.todo
        );
        assert!(
            !soon.subject.contains('\u{1b}'),
            "a name from App Store Connect is printed safely"
        );
        let later = said(&profile(ProfileState::Active, 20), None, &options).unwrap();
        assert_eq!(later.severity, Level::Warning);
        assert!(later.todo.contains("ascert profiles delete P1"), "{}", later.todo);
        let invalid = said(
            &profile(ProfileState::Invalid, 200),
            Some("com.example.app"),
            &options,
        )
        .unwrap();
        assert_eq!(
            (invalid.kind, invalid.severity),
            ("profile-invalid", Level::Warning)
        );
        let expired = said(&profile(ProfileState::Active, -3), None, &options).unwrap();
        assert_eq!(expired.kind, "profile-expired");
    }
}
