//! The team-store part of a plan: the store URL parsed once, how long to wait for another runner
//! and how long a lease lasts, and this member's secret — its key file read and parsed, or the team
//! passphrase read from the source named — all before the store or Apple is asked anything.

use std::path::Path;
use std::time::Duration;

use anyhow::Result;
use ascert_team::{MemberKey, MembersDigest, SecretString, StoreUrl, TeamStore};
use ascert_workflows::{LEASE_TTL, LeaseOptions};

use crate::cli::StoreArgs;
use crate::commands::Context;
use crate::commands::team::{passphrase_named, passphrase_secret, store_url};
use crate::failure::UserError;
use crate::input::Input;
use crate::inputs::Inputs;
use crate::redact::shown_path;

/// Shortens the lease for tests (a holder that dies is taken over sooner). Not for normal use: a
/// lease shorter than a create's round trip would let two runners create.
pub(crate) const LEASE_TTL_ENV: &str = "ASCERT_TEAM_LEASE_TTL";

/// This member's secret for the store.
pub(crate) enum MemberSecret {
    /// `--identity FILE`: an age identity or an SSH private key (its passphrase read too), parsed.
    Key(MemberKey),
    /// The team passphrase, from the source named or `ASCERT_TEAM_PASSPHRASE`.
    Passphrase(SecretString),
    /// Neither: the passphrase is asked at the terminal if the store has a passphrase member.
    Ask,
}

/// A run through the team store of `--store`.
pub(crate) struct TeamPlan {
    /// The store.
    pub(crate) url: StoreUrl,
    /// The member list's pin (`--members-sha256`, `ASCERT_TEAM_MEMBERS_SHA256`).
    pub(crate) members_sha256: Option<MembersDigest>,
    /// This member's secret.
    pub(crate) member: MemberSecret,
    /// How long to wait for another runner, and how long a lease lasts.
    pub(crate) lease: LeaseOptions,
}

impl TeamPlan {
    /// Reads the store's options: the URL, the lease's time-to-live (`ASCERT_TEAM_LEASE_TTL`), and
    /// the member's secret; `wait` is `--wait`.
    pub(crate) fn resolve(args: &StoreArgs, wait: Duration, inputs: &Inputs<'_>) -> Result<Self> {
        let url = store_url(args)?;
        let ttl = lease_ttl(inputs)?;
        let member = member_secret(args, inputs)?;
        Ok(Self {
            url,
            members_sha256: args.members_sha256,
            member,
            lease: LeaseOptions::new(wait).with_ttl(ttl),
        })
    }
}

/// The lease's time-to-live: [`LEASE_TTL`], or `ASCERT_TEAM_LEASE_TTL` (for tests).
pub(crate) fn lease_ttl(inputs: &Inputs<'_>) -> Result<Duration> {
    match inputs.var(LEASE_TTL_ENV) {
        Some(text) => crate::duration::parse(&text)
            .ok()
            .filter(|ttl| *ttl >= Duration::from_secs(1))
            .ok_or_else(|| {
                UserError::usage(format!(
                    "{LEASE_TTL_ENV} must be a duration of 1 s or more, such as 2s"
                ))
                .into()
            }),
        None => Ok(LEASE_TTL),
    }
}

/// The member's secret: `--identity FILE` read and parsed, else the team passphrase if one was
/// given; else asked later, if the store has a passphrase member.
fn member_secret(args: &StoreArgs, inputs: &Inputs<'_>) -> Result<MemberSecret> {
    if let Some(path) = &args.identity {
        return identity_key(path, args, inputs).map(MemberSecret::Key);
    }
    let given = inputs
        .given_secret(&passphrase_secret(args))
        .map_err(|err| err.context(no_member_key_given()))?;
    Ok(match given {
        Some(passphrase) if passphrase.is_empty() => {
            return Err(anyhow::Error::new(
                UserError::usage("the team passphrase is empty")
                    .hint("an empty one protects nothing (and macOS refuses .p12 files without a password)"),
            )
            .context(no_member_key_given()));
        }
        Some(passphrase) => MemberSecret::Passphrase(SecretString::from(passphrase.as_str().to_owned())),
        None => MemberSecret::Ask,
    })
}

/// The error for a store opened with no member key and no passphrase.
pub(crate) fn no_member_key_given() -> UserError {
    UserError::usage("no member key was given for the team store").hint(
        "pass --identity FILE (or ASCERT_TEAM_IDENTITY), or give the team passphrase with \
         --passphrase-env VAR, --passphrase-file FILE, --passphrase-stdin or ASCERT_TEAM_PASSPHRASE",
    )
}

/// The error for a store opened without a member key whose member list has no passphrase member.
pub(crate) fn no_passphrase_member() -> UserError {
    UserError::usage("no member key was given for the team store")
        .hint("pass --identity FILE (an age identity or an SSH private key) or set ASCERT_TEAM_IDENTITY")
}

/// Reads the member key of `--identity`: an age identity file, or an SSH private key whose
/// passphrase (if it has one) comes from the passphrase sources, then `ASCERT_TEAM_PASSPHRASE`, then
/// a prompt at a terminal.
pub(crate) fn identity_key(path: &Path, args: &StoreArgs, inputs: &Inputs<'_>) -> Result<MemberKey> {
    let text = inputs.secret_text(
        path,
        Input::MemberKey,
        &format!("the member key {}", shown_path(path)),
    )?;
    // A named source is read for any key (an age identity simply does not use it); an SSH key that
    // needs a passphrase gets it from the default variable, then a prompt at a terminal.
    let ssh_passphrase = if passphrase_named(args) || MemberKey::needs_passphrase(&text) {
        let passphrase = inputs.secret(&passphrase_secret(args), false).map_err(|err| {
            err.context(format!(
                "the SSH key {} is protected by a passphrase",
                shown_path(path)
            ))
        })?;
        Some(SecretString::from(passphrase.as_str().to_owned()))
    } else {
        None
    };
    Ok(MemberKey::parse(&text, ssh_passphrase)?)
}

impl MemberSecret {
    /// This member's key for `store`, opened: the key read at planning, or the team passphrase
    /// (read then, or asked now at the terminal) when the store has a passphrase member.
    pub(crate) async fn unlock(self, ctx: &Context, store: &TeamStore) -> Result<MemberKey> {
        let passphrase = match self {
            MemberSecret::Key(key) => return Ok(key),
            _ if store.info().passphrase_recipient.is_none() => return Err(no_passphrase_member().into()),
            MemberSecret::Passphrase(passphrase) => passphrase,
            MemberSecret::Ask => {
                let asked = crate::password::read(
                    &passphrase_secret(&StoreArgs::default()),
                    &ctx.out,
                    false,
                    &ctx.deadline,
                )
                .map_err(|err| err.context(no_member_key_given()))?;
                SecretString::from(asked.as_str().to_owned())
            }
        };
        Ok(store.unlock_passphrase(&passphrase).await?)
    }
}
