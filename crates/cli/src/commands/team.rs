//! `ascert team …`: signing identities shared by a team and its CI fleet through a team store
//! (ascert-team): opening a store (with this machine's pins: the member list it expects and what it
//! saw before) and this member's key, shared by every team command and by `identities ensure
//! --store`. The commands themselves are in `team/members.rs` (init, keygen, members),
//! `team/identities.rs` (push, pull, list, prune) and `team/status.rs` (status, lease release).

pub(crate) mod identities;
mod members;
mod status;

use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::Keystore;
use ascert_team::{Anchor, MemberKey, Recipient, SecretString, StoreOptions, StoreUrl, TeamStore, printable};
use zeroize::Zeroizing;

use crate::cli::{StoreArgs, TeamCommand};
use crate::commands::Context;
use crate::commands::plan;
use crate::failure::UserError;
use crate::input::{self, Input};
use crate::inputs::Inputs;
use crate::password::{self, Secret};
use crate::redact::shown_path;

/// The variable read for the team passphrase when no source is named.
pub(crate) const PASSPHRASE_ENV: &str = "ASCERT_TEAM_PASSPHRASE";

/// Runs `ascert team …`.
pub(crate) async fn run(ctx: &Context, command: TeamCommand) -> Result<()> {
    match command {
        TeamCommand::Init {
            store,
            members,
            with_passphrase,
        } => members::init(ctx, &store, &members, with_passphrase).await,
        TeamCommand::Keygen { out, force } => members::keygen(ctx, &out, force),
        TeamCommand::Members(command) => members::run(ctx, command).await,
        TeamCommand::Push { cert_ids, store } => identities::push(ctx, &store, &cert_ids).await,
        TeamCommand::Pull { types, store } => identities::pull(ctx, &store, &types).await,
        TeamCommand::List { store } => identities::list(ctx, &store).await,
        TeamCommand::Prune {
            store,
            yes,
            force,
            purge,
        } => {
            if purge {
                identities::purge(ctx, &store, yes).await
            } else {
                identities::prune(ctx, &store, yes, force).await
            }
        }
        TeamCommand::Status { store } => status::status(ctx, &store).await,
        TeamCommand::Lease(crate::cli::LeaseCommand::Release {
            lease,
            etag,
            store,
            yes,
        }) => status::release(ctx, &store, &lease, etag.as_deref(), yes).await,
    }
}

/// The store URL of `--store` (or `ASCERT_TEAM_STORE`).
pub(crate) fn store_url(args: &StoreArgs) -> Result<StoreUrl> {
    let text = args.store.as_deref().ok_or_else(|| {
        UserError::usage("no team store was given").hint(
            "pass --store URL (s3://BUCKET/PREFIX, gs://…, az://…, file:///FOLDER) or set ASCERT_TEAM_STORE",
        )
    })?;
    Ok(text.parse::<StoreUrl>()?)
}

/// The settings every command opens a store with: the pinned member list (`--members-sha256`,
/// `ASCERT_TEAM_MEMBERS_SHA256`), the folder where this machine keeps what it saw of each store, and
/// request limits taken from the command's deadline.
pub(crate) fn store_options(ctx: &Context, args: &StoreArgs) -> Result<StoreOptions> {
    store_options_pinned(ctx, args.members_sha256)
}

/// [`store_options`] with the member list's pin given.
fn store_options_pinned(
    ctx: &Context,
    members_sha256: Option<ascert_team::MembersDigest>,
) -> Result<StoreOptions> {
    let trust = trust_folder(ctx)?;
    // Checked before the store is touched: `team init` would otherwise create the store and only
    // then fail to keep its pin in a folder others can read.
    if trust.exists() {
        ascert_keystore::ensure_private_folder(&trust)
            .context("cannot keep what this machine knows of team stores")?;
    }
    let mut options = StoreOptions::new()
        .with_trust_folder(trust)
        .with_request_timeout(crate::stop::attempt_timeout(&ctx.deadline))
        .with_retry_budget(ctx.deadline.remaining());
    if let Some(digest) = members_sha256 {
        options = options.with_members_sha256(digest);
    }
    Ok(options)
}

/// Where this machine keeps what it saw of each team store: beside the keystore.
pub(crate) fn trust_folder(ctx: &Context) -> Result<std::path::PathBuf> {
    if let Some(home) = &ctx.global.home {
        return Ok(home.join("team-trust"));
    }
    let keys = Keystore::default_folder().context("cannot find the folder for ascert's data")?;
    Ok(keys.parent().unwrap_or(&keys).join("team-trust"))
}

/// Opens the team store of `--store`, verifying its member list against this machine's pins, and
/// says when the member list changed since this machine last saw it.
pub(crate) async fn open(ctx: &Context, args: &StoreArgs) -> Result<TeamStore> {
    open_at(ctx, &store_url(args)?, args.members_sha256).await
}

/// [`open`] for a URL already parsed, pinned to `members_sha256` if given.
pub(crate) async fn open_at(
    ctx: &Context,
    url: &StoreUrl,
    members_sha256: Option<ascert_team::MembersDigest>,
) -> Result<TeamStore> {
    let store = TeamStore::open(url, &store_options_pinned(ctx, members_sha256)?).await?;
    if let Anchor::Seen {
        changed_from: Some(seen),
    } = store.trust().anchor
    {
        let info = store.info();
        let added: Vec<String> = info
            .members
            .iter()
            .filter(|m| {
                !seen
                    .members
                    .iter()
                    .any(|s| s.recipient == m.recipient.to_string())
            })
            .map(|m| printable(&m.name).into_owned())
            .collect();
        let removed: Vec<String> = seen
            .members
            .iter()
            .filter(|s| {
                !info
                    .members
                    .iter()
                    .any(|m| m.recipient.to_string() == s.recipient)
            })
            .map(|s| printable(&s.name).into_owned())
            .collect();
        ctx.out.warn(format!(
            "the member list of {} changed since this machine last saw it (revision {} → {}; added: {}; removed: {}); it is signed by the team key, so a member made the change",
            store.url(),
            seen.revision,
            info.revision,
            if added.is_empty() { "none".to_owned() } else { added.join(", ") },
            if removed.is_empty() { "none".to_owned() } else { removed.join(", ") },
        ));
    }
    Ok(store)
}

/// Before anything is encrypted to the member list: a store that nothing pins is trusted on first
/// use, and CI should pin it. Said once per run, on stderr.
pub(crate) fn note_unpinned(ctx: &Context, store: &TeamStore) {
    if store.trust().anchor == Anchor::FirstUse {
        ctx.out.note(unpinned_note(
            &store.url().to_string(),
            &store.trust().members_sha256.to_string(),
        ));
    }
}

/// What [`note_unpinned`] says of the store at `url`, whose member list has `members_sha256`.
pub(crate) fn unpinned_note(url: &str, members_sha256: &str) -> String {
    format!(
        "The member list of {url} is not pinned on this machine: pin it in CI with ASCERT_TEAM_MEMBERS_SHA256={members_sha256} (`ascert team members list` prints it), so that someone who can write to the bucket cannot add a member."
    )
}

/// The team passphrase's sources: `--passphrase-env` (default `ASCERT_TEAM_PASSPHRASE`),
/// `--passphrase-file`, `--passphrase-stdin`, a prompt on a terminal.
pub(crate) fn passphrase_secret(args: &StoreArgs) -> Secret<'_> {
    Secret {
        name: "team passphrase",
        default_env: PASSPHRASE_ENV,
        option: "passphrase",
        env: args.passphrase_env.as_deref(),
        file: args.passphrase_file.as_deref(),
        stdin: args.passphrase_stdin,
    }
}

/// Whether a passphrase source was named on the command line.
pub(crate) fn passphrase_named(args: &StoreArgs) -> bool {
    args.passphrase_env.is_some() || args.passphrase_file.is_some() || args.passphrase_stdin
}

/// Reads the team passphrase from its sources (`confirm`: ask twice at a prompt).
fn read_passphrase(ctx: &Context, args: &StoreArgs, confirm: bool) -> Result<SecretString> {
    let passphrase = password::read(&passphrase_secret(args), &ctx.out, confirm, &ctx.deadline)?;
    Ok(SecretString::from(passphrase.as_str().to_owned()))
}

/// This member's key: `--identity FILE` (an age identity file, or an SSH private key whose
/// passphrase, if it has one, comes from the passphrase sources), else the team passphrase when
/// the store has a passphrase member; read by the rules of a plan's (`plan::team`).
pub(crate) async fn member_key(ctx: &Context, store: &TeamStore, args: &StoreArgs) -> Result<MemberKey> {
    let inputs = Inputs::system(&ctx.out, &ctx.deadline);
    if let Some(path) = &args.identity {
        return plan::team::identity_key(path, args, &inputs);
    }
    if store.info().passphrase_recipient.is_none() {
        return Err(plan::team::no_passphrase_member().into());
    }
    let passphrase = inputs
        .secret(&passphrase_secret(args), false)
        .map_err(|err| err.context(plan::team::no_member_key_given()))?;
    Ok(store
        .unlock_passphrase(&SecretString::from(passphrase.as_str().to_owned()))
        .await?)
}

/// Parses `NAME=KEY` of `--member` and `members add`: KEY is an age recipient, an SSH public key, or
/// the path of a `.pub` file holding one.
pub(crate) fn parse_member(text: &str) -> Result<ascert_team::Member> {
    let (name, key) = text.split_once('=').ok_or_else(|| {
        UserError::usage(format!("{text:?} is not NAME=KEY"))
            .hint("for example: --member ci=age1… or --member jane=~/.ssh/id_ed25519.pub")
    })?;
    let name = name.trim();
    if name.is_empty() {
        return Err(UserError::usage(format!("{text:?} has no name before \"=\"")).into());
    }
    let key = key.trim();
    if key.to_ascii_uppercase().starts_with("AGE-SECRET-KEY-") || key.contains("PRIVATE KEY") {
        return Err(UserError::usage(format!(
            "the key given for member {name:?} is a private key (not shown); a member is added by its public key"
        ))
        .hint("give the recipient instead: `age-keygen -y FILE` prints it, or the .pub file of an SSH key")
        .into());
    }
    let recipient: Recipient = if key.starts_with("age1") || key.starts_with("ssh-") {
        key.parse()?
    } else {
        let path = crate::config::expand_home(Path::new(key));
        let text = input::read_text(&path, Input::PublicKey)
            .map_err(|e| e.explained(&format!("the public key file {}", shown_path(&path))))?;
        let text = Zeroizing::new(text);
        let upper = text.to_ascii_uppercase();
        if upper.contains("AGE-SECRET-KEY-") || upper.contains("PRIVATE KEY") {
            return Err(UserError::usage(format!(
                "{} holds a private key (not shown), given for member {:?}; a member is added by its public key",
                shown_path(&path),
                printable(name)
            ))
            .hint("give the recipient instead: `age-keygen -y FILE` prints it, or the .pub file of an SSH key")
            .into());
        }
        // The file's content is not repeated in an error: it may be anything, a secret included.
        text.trim().parse().map_err(|_| {
            UserError::usage(format!(
                "{} holds no public key for member {:?}: expected one line, an age recipient (age1…) or an ssh-ed25519 / ssh-rsa public key",
                shown_path(&path),
                printable(name)
            ))
        })?
    };
    Ok(ascert_team::Member::new(name, recipient))
}
