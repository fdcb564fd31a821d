//! `ascert team init | keygen | members list/add/remove`: who can open a team store.

mod report;

use std::path::Path;

use anyhow::{Context as _, Result};
use ascert_keystore::{FileMode, write_atomic};
use ascert_team::{Anchor, InitOptions, Member, MemberKey, MembershipChange, TeamStore, printable};
use secrecy::ExposeSecret as _;

use self::report::{AnchorName, Changed, Initialized, KeyMade, MemberList, Skipped, rows};
use super::{member_key, note_unpinned, open, parse_member, read_passphrase, store_options, store_url};
use crate::cli::{MembersCommand, StoreArgs};
use crate::commands::Context;
use crate::failure::UserError;
use crate::output::{Column, Row, Table};
use crate::password::MIN_LENGTH;

/// `team init`: a new store with its first members, and the passphrase member if asked for.
pub(super) async fn init(
    ctx: &Context,
    args: &StoreArgs,
    members: &[String],
    with_passphrase: bool,
) -> Result<()> {
    let url = store_url(args)?;
    let members: Vec<Member> = members.iter().map(|m| parse_member(m)).collect::<Result<_>>()?;
    if members.is_empty() && !with_passphrase {
        return Err(UserError::usage("a team store needs at least one member")
            .hint("add --member NAME=KEY (an age recipient, an SSH public key or a .pub file), or --with-passphrase")
            .into());
    }
    let mut options = InitOptions::new();
    for member in &members {
        options = options.member(member.clone());
    }
    if with_passphrase {
        let passphrase = read_passphrase(ctx, args, true)?;
        if passphrase.expose_secret().chars().count() < MIN_LENGTH {
            return Err(UserError::usage(format!(
                "the team passphrase is shorter than {MIN_LENGTH} characters"
            ))
            .hint("anyone who can read the store can guess at it offline: use a long random one")
            .into());
        }
        options = options.passphrase(passphrase);
    }
    let spinner = ctx.out.spinner("Creating the team store…");
    let store = TeamStore::init(&url, &store_options(ctx, args)?, options).await?;
    spinner.finish_and_clear();
    let info = store.info();
    if ctx.out.json {
        return ctx.out.json(&Initialized {
            members: rows(&info.members),
            members_sha256: info.members_sha256().to_string(),
            passphrase: info.passphrase_recipient.is_some(),
            store: store.url().to_string(),
        });
    }
    ctx.out.note(format!(
        "Created the team store {} with {} member{}{}.",
        store.url(),
        info.members.len(),
        if info.members.len() == 1 { "" } else { "s" },
        if info.passphrase_recipient.is_some() {
            " and the team passphrase"
        } else {
            ""
        }
    ));
    ctx.out.note(format!(
        "Pin its member list in CI: ASCERT_TEAM_MEMBERS_SHA256={}",
        info.members_sha256()
    ));
    Ok(())
}

/// `team keygen`: a new age identity for a member, written 0600; its recipient on stdout.
pub(super) fn keygen(ctx: &Context, out: &Path, force: bool) -> Result<()> {
    crate::target_file::check_new(out, force)?;
    let key = MemberKey::generate();
    let identity = key
        .to_identity_file()
        .context("the new member key cannot be written as an identity file")?;
    write_atomic(out, identity.expose_secret().as_bytes(), FileMode::Secret)
        .with_context(|| format!("cannot write {}", out.display()))?;
    let recipient = key
        .recipients()
        .first()
        .map(ToString::to_string)
        .unwrap_or_default();
    if ctx.out.json {
        return ctx.out.json(&KeyMade {
            identity: out,
            recipient,
        });
    }
    ctx.out.note(format!(
        "Wrote a new age identity to {} (mode 0600); add it with `ascert team members add NAME={recipient}`.",
        out.display()
    ));
    ctx.out.text(&format!("{recipient}\n"))
}

/// `team members …`.
pub(super) async fn run(ctx: &Context, command: MembersCommand) -> Result<()> {
    match command {
        MembersCommand::List { store } => {
            let store = open(ctx, &store).await?;
            let info = store.info();
            let trust = store.trust();
            let rows = rows(&info.members);
            if ctx.out.json {
                return ctx.out.json(&MemberList {
                    anchor: AnchorName::from(&trust.anchor),
                    members: rows,
                    members_sha256: trust.members_sha256.to_string(),
                    passphrase: info.passphrase_recipient.is_some(),
                    revision: info.revision,
                });
            }
            let mut table = Table::new(&[Column::shorten("NAME"), Column::keep("KIND"), Column::keep("KEY")]);
            for r in rows {
                table.push(Row::new(vec![r.name, r.kind.to_owned(), r.recipient]));
            }
            ctx.out.table(&table)?;
            if info.passphrase_recipient.is_some() {
                ctx.out.note("The team passphrase opens the store too.");
            }
            ctx.out.note(format!(
                "Revision {}, changed by {} on {}. Pin this member list in CI: ASCERT_TEAM_MEMBERS_SHA256={}",
                info.revision,
                printable(&info.changed_by),
                info.changed.date(),
                trust.members_sha256
            ));
            if trust.anchor == Anchor::FirstUse {
                ctx.out.note(
                    "This machine has not seen this store before and nothing pins it: check that these are the members you expect before you pin the digest.",
                );
            }
            Ok(())
        }
        MembersCommand::Add { members, store } => {
            let members: Vec<Member> = members.iter().map(|m| parse_member(m)).collect::<Result<_>>()?;
            let team = open(ctx, &store).await?;
            let me = member_key(ctx, &team, &store).await?;
            let mut after = team.info().members;
            after.extend(members.iter().cloned());
            show_list(ctx, &team, &after, "added");
            let spinner = ctx.out.spinner("Re-encrypting every key to the new members…");
            let change = team.add_members(members, &me).await?;
            spinner.finish_and_clear();
            report(
                ctx,
                &change,
                if change.changed {
                    "Added"
                } else {
                    "Already members"
                },
            )
        }
        MembersCommand::Remove { members, store, yes } => {
            let team = open(ctx, &store).await?;
            let me = member_key(ctx, &team, &store).await?;
            let which: Vec<&str> = members.iter().map(String::as_str).collect();
            confirm_self_removal(ctx, &team, &me, &which, yes)?;
            let after: Vec<Member> = team
                .info()
                .members
                .into_iter()
                .filter(|m| {
                    !which
                        .iter()
                        .any(|w| *w == m.name || *w == m.recipient.to_string())
                })
                .collect();
            show_list(ctx, &team, &after, "removed");
            let spinner = ctx.out.spinner("Re-encrypting every key without them…");
            let change = team.remove_members(&which, &me).await?;
            spinner.finish_and_clear();
            report(ctx, &change, "Removed")?;
            ctx.out.note(
                "A removed member may have kept copies of every key they could read: revoke the certificates \
                 they should no longer sign with (`ascert certificates revoke ID`), let the next \
                 `identities ensure` create new ones, and `ascert team prune` the old ones. Rotate the bucket \
                 credentials they had, and expire old object versions if the bucket keeps them.",
            );
            Ok(())
        }
    }
}

/// Before `members remove` takes out the member whose key opens the store in this command: a
/// warning, and a question (`--yes` off a terminal), since that key loses its access.
fn confirm_self_removal(
    ctx: &Context,
    team: &TeamStore,
    me: &MemberKey,
    which: &[&str],
    yes: bool,
) -> Result<()> {
    let mine: Vec<String> = me.recipients().iter().map(ToString::to_string).collect();
    let myself: Vec<String> = team
        .info()
        .members
        .into_iter()
        .filter(|m| {
            mine.contains(&m.recipient.to_string())
                && which
                    .iter()
                    .any(|w| *w == m.name || *w == m.recipient.to_string())
        })
        .map(|m| m.name)
        .collect();
    if myself.is_empty() {
        return Ok(());
    }
    ctx.out.warn(format!(
        "{} the member whose key opens the store in this command: once removed, this key can no longer \
         read the store's keys, and only another member can add it back",
        myself
            .iter()
            .map(|n| format!("{:?} is", printable(n)))
            .collect::<Vec<_>>()
            .join(", ")
    ));
    ctx.confirm(yes, "Remove yourself from the team store?", &[])
}

/// Shows the member list a change is about to encrypt every key to, before it does.
fn show_list(ctx: &Context, team: &TeamStore, after: &[Member], verb: &str) {
    note_unpinned(ctx, team);
    let names: Vec<String> = after
        .iter()
        .map(|m| format!("{} ({})", printable(&m.name), m.recipient.kind()))
        .collect();
    ctx.out.note(format!(
        "With the members {verb}, every key of {} is encrypted to: {}{}.",
        team.url(),
        names.join(", "),
        if team.info().passphrase_recipient.is_some() {
            ", and the team passphrase"
        } else {
            ""
        }
    ));
}

fn report(ctx: &Context, change: &MembershipChange, verb: &str) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(&Changed {
            members: rows(&change.members),
            members_sha256: change.members_sha256.to_string(),
            reencrypted: change.reencrypted,
            revision: change.revision,
            skipped: change
                .skipped
                .iter()
                .map(|s| Skipped {
                    object: printable(&s.object).into_owned(),
                    reason: s.reason.clone(),
                })
                .collect(),
        });
    }
    for skipped in &change.skipped {
        ctx.out.warn(format!(
            "did not re-encrypt {}: {}. Every key the team wrote is encrypted to every member, so nobody who \
             remains wrote it; `ascert team prune` or deleting it removes it",
            printable(&skipped.object),
            skipped.reason
        ));
    }
    ctx.out.note(format!(
        "{verb}; the store has {} member{} (revision {}), and {} key{} were re-encrypted.",
        change.members.len(),
        if change.members.len() == 1 { "" } else { "s" },
        change.revision,
        change.reencrypted,
        if change.reencrypted == 1 { "" } else { "s" },
    ));
    ctx.out.note(format!(
        "Pin the new member list in CI: ASCERT_TEAM_MEMBERS_SHA256={}",
        change.members_sha256
    ));
    Ok(())
}
