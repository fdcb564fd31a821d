//! The CLI's side of ascert-workflows: its events said as notes, warnings and spinners on stderr
//! ([`Progress`]), and its errors given their exit code, message and the commands and flags to reach
//! for ([`explain`]). The flows decide; this file only words what they report.

use std::sync::Mutex;

use ascert_team::{LeaseHolder, printable};
use ascert_workflows::{Error, Event, Events, Place, Step};
use indicatif::ProgressBar;

use crate::commands::Context;
use crate::commands::creatable::{self, with_article};
use crate::commands::team::identities::unreadable_warning;
use crate::failure::{Exit, UserError, team_exit};

/// Says a flow's events on stderr, as the command's own notes and warnings.
pub(crate) struct Progress<'a> {
    ctx: &'a Context,
    spinner: Mutex<Option<ProgressBar>>,
    /// What [`Event::NotCheckedAtApple`] is said as.
    not_checked: &'static str,
}

impl<'a> Progress<'a> {
    pub(crate) fn new(ctx: &'a Context) -> Self {
        Self {
            ctx,
            spinner: Mutex::default(),
            not_checked: "no App Store Connect API key was given, so App Store Connect was not asked whether the \
                          certificate is still valid; a revoked one is not noticed here",
        }
    }

    /// Says [`Event::NotCheckedAtApple`] as `warning` (a command about many identities words it so).
    pub(crate) fn not_checked_said_as(mut self, warning: &'static str) -> Self {
        self.not_checked = warning;
        self
    }

    fn spinner(&self) -> std::sync::MutexGuard<'_, Option<ProgressBar>> {
        self.spinner
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

impl Events for Progress<'_> {
    fn event(&self, event: Event) {
        let out = &self.ctx.out;
        match event {
            Event::Started(step) => {
                let text = match step {
                    Step::GeneratingKey(algorithm) => format!("Generating an {algorithm} key…"),
                    Step::AskingApple => "Asking App Store Connect for the certificate…".to_owned(),
                    _ => return,
                };
                if let Some(earlier) = self.spinner().replace(out.spinner(&text)) {
                    earlier.finish_and_clear();
                }
            }
            Event::Finished(_) => {
                if let Some(spinner) = self.spinner().take() {
                    spinner.finish_and_clear();
                }
            }
            Event::ReusingPendingKey {
                key_id,
                made,
                certificate_type,
            } => out.note(format!(
                "Reusing key {key_id} made on {} for {} certificate that an earlier run did not get (it stopped, \
                 or App Store Connect refused its request).",
                made.date(),
                with_article(&certificate_type)
            )),
            other => self.say_store(other),
        }
    }
}

impl Progress<'_> {
    /// The events of a run through a team store (and of a pull), said.
    fn say_store(&self, event: Event) {
        let out = &self.ctx.out;
        match event {
            Event::StoredIdentitySkipped {
                certificate_id,
                error,
                checked_at_apple: true,
            } => out.warn(format!(
                "did not use the stored identity {}: {error}; nothing of it was written to this machine",
                printable(&certificate_id)
            )),
            Event::StoredIdentitySkipped {
                certificate_id, error, ..
            } => out.warn(format!(
                "did not use the stored identity {}: {error}",
                printable(&certificate_id)
            )),
            Event::UnreadableRecord(record) => out.warn(unreadable_warning(&record)),
            Event::NotCheckedAtApple => out.warn(self.not_checked),
            Event::UnpinnedMemberList {
                store,
                members_sha256,
            } => out.note(crate::commands::team::unpinned_note(&store, &members_sha256)),
            Event::LeaseTaken(releaser) => self.ctx.cleanup.hold(releaser),
            Event::WaitingForLease {
                holder,
                certificate_type,
                takeover_in,
            } => out.note(format!(
                "Waiting for {}, which is creating the {certificate_type} identity (if it stops, its lease is taken \
                 over in {} s)…",
                runner(&holder),
                takeover_in.as_secs()
            )),
            Event::PendingKeyLeftAlone(other) => out.warn(format!(
                "Left pending key {} ({}, written by {} on {}) alone: this machine did not make it, and App Store \
                 Connect issued no certificate for it, so it is never sent to Apple; `ascert team prune` removes \
                 it once it is stale",
                other.key_id,
                printable(other.certificate_type.as_str()),
                printable(other.written_by.as_deref().unwrap_or("an unknown runner")),
                other.written_at.date()
            )),
            Event::ResumingOwnPendingKey {
                key_id,
                certificate_type,
            } => out.note(format!(
                "Resuming key {key_id} that this machine made for {} certificate in an earlier run that did not get \
                 one (it stopped, or App Store Connect refused its request).",
                with_article(&certificate_type)
            )),
            Event::PendingKeyNotAdopted {
                certificate_id,
                error,
            } => out.warn(format!(
                "did not adopt certificate {certificate_id} with the pending key stored for it: {error}"
            )),
            Event::LeaseKeptInFlight {
                certificate_type,
                ttl,
            } => out.warn(format!(
                "kept the {certificate_type} lease: the request to App Store Connect may have gone through; the \
                 next run adopts its certificate once the lease runs out (in at most {} s)",
                ttl.as_secs()
            )),
            Event::LeaseTakenOverBeforeRelease { holder } => out.warn(format!(
                "the lease had run out and {holder} took it over before it was released"
            )),
            Event::NotListedAtApple {
                certificate_id,
                certificate_type,
            } => out.note(format!(
                "Skipped {} ({}): App Store Connect does not list it (revoked, or not this team's).",
                printable(&certificate_id),
                printable(certificate_type.as_str())
            )),
            Event::NotFetched {
                certificate_id,
                error,
            } => out.warn(format!(
                "did not fetch {}: {error}; nothing of it was written here",
                printable(&certificate_id)
            )),
            Event::ExpiredSkipped {
                certificate_id,
                certificate_type,
                expired,
            } => out.note(format!(
                "Skipped {} ({}): its certificate expired on {}.",
                printable(&certificate_id),
                printable(certificate_type.as_str()),
                expired.date()
            )),
            Event::ProfileReplaced { id, name, why } => out.note(format!(
                "Profile {:?} ({}) {}: deleting it at App Store Connect to make it again.",
                printable(&name),
                printable(&id),
                misfit_words(&why)
            )),
            // Events added later are not said.
            _ => {}
        }
    }
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if let Some(spinner) = self.spinner().take() {
            spinner.finish_and_clear();
        }
    }
}

/// Another runner as a person reads it: "the runner on HOST (pid N)", with its actor when that is
/// not just the host's name again ("the runner of ci on HOST (pid N)").
fn runner(holder: &LeaseHolder) -> String {
    let host = printable(&holder.host);
    if holder.actor == holder.host || holder.actor.is_empty() {
        format!("the runner on {host} (pid {})", holder.pid)
    } else {
        format!(
            "the runner of {} on {host} (pid {})",
            printable(&holder.actor),
            holder.pid
        )
    }
}

/// Why a listed profile was not reused, as a person reads it.
pub(crate) fn misfit_words(why: &ascert_workflows::Misfit) -> String {
    use ascert_workflows::Misfit;
    match why {
        Misfit::Invalid => {
            "is INVALID (a certificate in it was revoked, or its bundle ID changed)".to_owned()
        }
        Misfit::ExpiresTooSoon { days_left } => {
            format!("expires in {days_left} days, sooner than --min-days-left")
        }
        Misfit::MissingCertificate => "does not name the certificate of the identity in use".to_owned(),
        Misfit::MissingDevices { count } => {
            format!(
                "lacks {count} enabled device{} of its platform",
                if *count == 1 { "" } else { "s" }
            )
        }
        Misfit::NoContent => "has no content at App Store Connect".to_owned(),
        _ => "does not fit".to_owned(),
    }
}

/// A flow's error as the CLI reports it: the exit code, the message, and what to do.
pub(crate) fn explain(err: Error) -> anyhow::Error {
    let said = err.to_string();
    match err {
        Error::Apple(source) => source.into(),
        Error::Keystore(source) => source.into(),
        Error::Team(source) => source.into(),
        Error::KeystoreStep { step, source } => anyhow::Error::new(source).context(step),
        Error::NoneUsable {
            certificate_type,
            place: Place::Keystore,
        } => UserError::new(
            Exit::NotFound,
            format!("this machine has no usable {certificate_type} identity, and --readonly does not create one"),
        )
        .hint("run without --readonly to create one, or fetch one with `ascert team pull`")
        .into(),
        Error::NoneUsable {
            certificate_type,
            place,
        } => UserError::new(
            Exit::NotFound,
            format!("{place} holds no usable {certificate_type} identity, and --readonly does not create one"),
        )
        .hint(
            "run once without --readonly where the App Store Connect API key is available (or ask a member to), \
             then this command finds it; `ascert team list` shows what is stored",
        )
        .into(),
        Error::DeveloperId {
            certificate_type,
            place,
        } => creatable::no_developer_id(&certificate_type, &place.to_string()).into(),
        Error::NoApiKey => UserError::new(Exit::Auth, "creating a certificate needs an App Store Connect API key")
            .hint("give one (see `ascert --help`), or run with --readonly to use only what the store holds")
            .into(),
        Error::SlotsFull(slots) => crate::commands::conflict::explain_full_slot(*slots),
        Error::KeyNotHere { .. } => UserError::new(Exit::NotFound, said)
            .hint("only identities whose key is in the local keystore can be shared (`ascert identities list`)")
            .into(),
        Error::NotKept { source, .. } => explain(*source).context(said),
        Error::CreateRefused { source, .. } | Error::CreateFailed { source, .. } => {
            anyhow::Error::new(source).context(said)
        }
        other => explain_profile(other, said),
    }
}

/// [`explain`] for the errors of `ensure_profile`.
fn explain_profile(err: Error, said: String) -> anyhow::Error {
    match err {
        Error::Provisioning(source) => (*source).into(),
        Error::UnknownBundleId { identifier, .. } => {
            crate::commands::provisioning::bundle_ids::unknown(&identifier).into()
        }
        Error::CertificateDoesNotFit { profile_type, .. } => UserError::new(Exit::Conflict, said)
            .hint(format!(
                "a {profile_type} profile names a certificate of type {}; leave out --certificate to use the \
                 identity `identities ensure` picks",
                crate::commands::provisioning::view::or_list(profile_type.certificate_types())
            ))
            .into(),
        Error::BundleIdPlatform { profile_type, .. } => UserError::new(Exit::Conflict, said)
            .hint(format!(
                "a {profile_type} profile needs a bundle ID of platform {}: register the app's identifier for that \
                 platform, or pick the profile type of the bundle ID's platform",
                crate::commands::provisioning::view::or_list(profile_type.bundle_id_platforms())
            ))
            .into(),
        Error::NoDevices { profile_type } => {
            let (kinds, platform) = match profile_type.os() {
                Some(ascert_models::ProfileOs::Tvos) => ("Apple TVs", "IOS"),
                Some(ascert_models::ProfileOs::MacOs | ascert_models::ProfileOs::MacCatalyst) => ("Macs", "MAC_OS"),
                _ => ("iPhones, iPads, Apple Watches or Vision Pros", "IOS"),
            };
            UserError::new(Exit::NotFound, said)
                .hint(format!(
                    "a {profile_type} profile holds {kinds}: register one with `ascert devices register --udid UDID \
                     --name NAME --platform {platform}`, or enable one (`ascert devices list --status DISABLED`)"
                ))
                .into()
        }
        Error::NoProfileUsable { misfits, .. } => {
            let why: Vec<String> = misfits.iter().map(misfit_words).collect();
            UserError::new(
                Exit::NotFound,
                if why.is_empty() {
                    said
                } else {
                    format!("{said}: the one there {}", why.join("; "))
                },
            )
            .hint("run without --readonly (with an API key that may make profiles) to make it")
            .into()
        }
        other => explain_store(other, said),
    }
}

/// [`explain`] for the errors of a run through a team store.
fn explain_store(err: Error, said: String) -> anyhow::Error {
    match err {
        Error::StoredNewerFormat {
            certificate_type,
            certificate_id,
            source,
        } => UserError::new(
            Exit::Failure,
            format!(
                "the stored {certificate_type} identity {} was written by a newer ascert: {source}",
                printable(&certificate_id)
            ),
        )
        .hint("upgrade ascert on this runner")
        .into(),
        Error::NoArbitration {
            certificate_type,
            store,
            source,
        } => anyhow::Error::new(source).context(
            UserError::new(
                Exit::Failure,
                "this team store cannot arbitrate between runners, so ascert will not create a certificate \
                 through it",
            )
            .hint(format!(
                "create the identity where only one job runs, then share it: `ascert identities ensure --type \
                 {certificate_type}` (without --store), then `ascert team push CERTIFICATE_ID --store {store}` with \
                 the id it printed; runners then get it with this command and --readonly. Or use a store that \
                 supports conditional writes (S3, GCS, Azure)",
            )),
        ),
        Error::WaitedTooLong { .. } => UserError::new(Exit::Failure, said)
            .hint("run again later (a longer --wait), or see `ascert team status`")
            .into(),
        Error::LeaseLost { source, .. } => anyhow::Error::new(source).context(
            UserError::new(Exit::Conflict, said).hint(
                "another runner took the lease over (this one was stopped or slowed for longer than the lease \
                 lasts) and creates the certificate; run again to fetch it",
            ),
        ),
        Error::NotShared { key_id, source, .. } => {
            let exit = team_exit(source.kind());
            anyhow::Error::new(source).context(UserError::new(exit, said).hint(format!(
                "nothing is lost: its key is in this machine's keystore (key {key_id}) and in the team store as a \
                 pending key; the next `ascert identities ensure --store …` adopts the certificate"
            )))
        }
        Error::LeaseTakenOver {
            holder,
            certificate_id,
            certificate_type,
        } => UserError::new(
            Exit::Conflict,
            format!(
                "the lease was taken over by {holder} while App Store Connect created certificate {certificate_id}: \
                 another runner may have created {} certificate as well",
                with_article(&certificate_type)
            ),
        )
        .hint(format!(
            "the certificate and its key are shared in the team store; if `ascert certificates list --type \
             {certificate_type}` shows two new ones, revoke this one once no machine uses it: `ascert certificates \
             revoke {certificate_id}`"
        ))
        .into(),
        Error::LeaseNotRenewed { source } | Error::ReleaseFailed { source } => {
            anyhow::Error::new(source).context(said)
        }
        // The lease's unknown answer, and errors added later: said as the library says them.
        other => anyhow::Error::new(other),
    }
}

#[cfg(test)]
mod runner_tests {
    #[test]
    fn another_runner_is_named_once_by_its_host() {
        let holder = |actor: &str| -> ascert_team::LeaseHolder {
            serde_json::from_value(serde_json::json!({
                "actor": actor, "host": "vm", "pid": 4242, "id": "0f3a9c1e55"
            }))
            .unwrap()
        };
        assert_eq!(super::runner(&holder("vm")), "the runner on vm (pid 4242)");
        assert_eq!(super::runner(&holder("ci")), "the runner of ci on vm (pid 4242)");
    }
}
