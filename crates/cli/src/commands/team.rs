//! `ascert team …`: signing identities shared by a team and its CI fleet through a team store
//! (ascert-team): opening a store and this member's key, shared by every team command and by
//! `identities ensure --store`. The commands themselves are in `team/members.rs` (init, keygen,
//! members) and `team/identities.rs` (push, pull, list, prune).

mod identities;
mod members;

use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::{CertificateInfo, KeyRecord, Keystore, PrivateKey};
use ascert_team::{MemberKey, Recipient, SecretString, StoreOptions, StoreUrl, TeamStore};
use zeroize::Zeroizing;

use crate::cli::{StoreArgs, TeamCommand};
use crate::commands::Context;
use crate::failure::UserError;
use crate::input::{self, Input};
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
        TeamCommand::Prune { store, yes } => identities::prune(ctx, &store, yes).await,
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

/// Opens the team store of `--store`.
pub(crate) async fn open(args: &StoreArgs) -> Result<TeamStore> {
    let url = store_url(args)?;
    let store = TeamStore::open(&url, &StoreOptions::new()).await?;
    Ok(store)
}

/// The team passphrase's sources: `--passphrase-env` (default `ASCERT_TEAM_PASSPHRASE`),
/// `--passphrase-file`, `--passphrase-stdin`, a prompt on a terminal.
fn passphrase_secret(args: &StoreArgs) -> Secret<'_> {
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
fn passphrase_named(args: &StoreArgs) -> bool {
    args.passphrase_env.is_some() || args.passphrase_file.is_some() || args.passphrase_stdin
}

/// Reads the team passphrase from its sources (`confirm`: ask twice at a prompt).
fn read_passphrase(ctx: &Context, args: &StoreArgs, confirm: bool) -> Result<SecretString> {
    let passphrase = password::read(&passphrase_secret(args), &ctx.out, confirm)?;
    Ok(SecretString::from(passphrase.as_str().to_owned()))
}

/// This member's key: `--identity FILE` (an age identity file, or an SSH private key whose
/// passphrase, if it has one, comes from the passphrase sources), else the team passphrase when
/// the store has a passphrase member.
pub(crate) async fn member_key(ctx: &Context, store: &TeamStore, args: &StoreArgs) -> Result<MemberKey> {
    if let Some(path) = &args.identity {
        let text = read_identity_file(path)?;
        let ssh_passphrase = if passphrase_named(args) {
            Some(read_passphrase(ctx, args, false)?)
        } else {
            None
        };
        return Ok(MemberKey::parse(&text, ssh_passphrase)?);
    }
    if store.info().passphrase_recipient.is_none() {
        return Err(UserError::usage("no member key was given for the team store")
            .hint("pass --identity FILE (an age identity or an SSH private key) or set ASCERT_TEAM_IDENTITY")
            .into());
    }
    let passphrase = read_passphrase(ctx, args, false).map_err(|err| {
        err.context(
            UserError::usage("no member key was given for the team store").hint(
                "pass --identity FILE (or ASCERT_TEAM_IDENTITY), or give the team passphrase with \
             --passphrase-env VAR, --passphrase-file FILE, --passphrase-stdin or ASCERT_TEAM_PASSPHRASE",
            ),
        )
    })?;
    Ok(store.unlock_passphrase(&passphrase).await?)
}

/// Reads a member's identity file (bounded) into memory that is wiped afterwards.
fn read_identity_file(path: &Path) -> Result<Zeroizing<String>> {
    input::read_secret_text(path, Input::MemberKey)
        .map_err(|e| e.explained(&format!("the member key {}", shown_path(path))))
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
        text.trim().parse()?
    };
    Ok(ascert_team::Member::new(name, recipient))
}

/// Puts a key and its certificate into the local keystore (the key's existing record is kept),
/// so `identities list/export/install` work with it as with any local identity.
pub(crate) fn keep_locally(
    keystore: &Keystore,
    key: &PrivateKey,
    certificate: &CertificateInfo,
    label: &str,
) -> Result<KeyRecord> {
    keystore
        .add(key, label)
        .context("cannot keep the team's key in the local keystore")?;
    keystore
        .set_certificate(&key.id(), certificate)
        .context("cannot record the certificate with its key")
}
