//! `ascert keychain create` and `keychain delete`: a keychain for one CI job, and its clean-up.
//!
//! `create` records what it made before it changes anything the user sees (the search list, the
//! default keychain), and takes back what it did if a later step fails; `delete` removes only its
//! own keychain from the search list as it is now (other jobs of the same user may have added
//! theirs meanwhile) and makes the previous default the default again only if the default is still
//! the deleted keychain.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use anyhow::Result;
use ascert_keychain::command::shell_quote;
use ascert_keychain::{
    Keychain, Secret, SecurityTool, add_to_search_list, create_keychain, delete_keychain, discard,
    is_system_keychain, new_keychain_path, refuse_protected, search_state, set_default_keychain,
    take_out_of_search_list,
};
use rand::distr::{Alphanumeric, SampleString as _};
use serde::Serialize;

use super::state::{Created, Records};
use super::{PASSWORD_ENV, explain, read_password, records, security_tool};
use crate::cli::{KeychainCreateArgs, KeychainDeleteArgs, NewKeychainPasswordArgs};
use crate::commands::Context;
use crate::failure::{Exit, UserError};

/// The keychain `keychain create` makes without a name.
const DEFAULT_NAME: &str = "ascert.keychain-db";

/// Characters of a generated keychain password (letters and digits: safe in any shell).
const GENERATED_LENGTH: usize = 32;

/// What `keychain create` reports (for `--json` only: no `Debug`, it may hold the new password).
#[derive(Serialize)]
#[serde(rename_all = "camelCase")]
struct CreatedReport {
    keychain: PathBuf,
    /// Only when ascert made the password: the one time it is shown.
    #[serde(skip_serializing_if = "Option::is_none")]
    password: Option<String>,
    password_generated: bool,
    search_list: Vec<PathBuf>,
    default: bool,
    /// Seconds without use after which it locks itself (and on sleep); `None`: never.
    lock_after: Option<u32>,
}

pub(super) fn create(ctx: &Context, args: &KeychainCreateArgs) -> Result<()> {
    let tool = security_tool(&ctx.out)?;
    let path = new_keychain_path(args.keychain.as_deref().unwrap_or(DEFAULT_NAME))?;
    if is_system_keychain(&path) {
        return Err(UserError::usage(format!(
            "{} is where the system keeps its keychains; ascert makes keychains for users",
            path.display()
        ))
        .hint("name the keychain (it goes to ~/Library/Keychains) or give a path of your own")
        .into());
    }
    let password = new_password(ctx, &args.password)?;
    let records = records(ctx)?;
    let previous = search_state(&tool).map_err(explain)?;
    if path.exists() {
        return Err(explain(ascert_keychain::KeychainError::KeychainExists { path }));
    }
    // Recorded before the keychain exists: if ascert is stopped at any point from here on,
    // `keychain delete --if-exists` still knows the keychain is ascert's and cleans up.
    records.add(Created {
        path: path.clone(),
        previous_search_list: previous.search_list.clone(),
        previous_default: previous.default.clone(),
        made_default: args.default,
    })?;
    let lock_after = args.lock_after.and_then(std::num::NonZeroU32::new);
    if let Err(err) = create_keychain(&tool, &path, password.secret(), lock_after) {
        // The keychain's error is the one to report; a record left behind is only logged, and
        // `keychain delete --if-exists` forgets it.
        if let Err(forget) = records.remove(&path) {
            tracing::warn!(%forget, "could not forget the record of the keychain that was not made");
        }
        return Err(explain(err));
    }
    let search_list = match join_search_list(&tool, &path, &previous.search_list, args) {
        Ok(list) => list,
        Err(err) => {
            // Take back what this run did: the keychain, its place in the search list, its record.
            discard(&tool, &path);
            let _ = take_out_of_search_list(&tool, &path, previous.default.as_deref());
            let _ = records.remove(&path);
            return Err(err);
        }
    };
    let report = CreatedReport {
        keychain: path.clone(),
        password: password.shown().map(str::to_owned),
        password_generated: password.shown().is_some(),
        search_list,
        default: args.default,
        lock_after: args.lock_after,
    };
    if ctx.out.json {
        return ctx.out.json(&report);
    }
    ctx.out.note(format!(
        "Created {} ({}, unlocked, {} of the search list{}).",
        path.display(),
        match args.lock_after {
            Some(seconds) => format!("locks after {seconds} s without use and on sleep"),
            None => "never locks by itself".to_owned(),
        },
        if args.first { "first" } else { "last" },
        if args.default {
            ", the default keychain"
        } else {
            ""
        }
    ));
    if let Some(shown) = password.shown() {
        ctx.out.note(format!(
            "Its password is on stdout, shown this once (ascert does not keep it): capture it with \
             {PASSWORD_ENV}=\"$(ascert keychain create …)\", then export {PASSWORD_ENV}."
        ));
        ctx.out.text(&format!("{shown}\n"))?;
    }
    ctx.out.note(format!(
        "When the job is done (a trap or an `if: always()` step): ascert keychain delete {} --if-exists",
        shell_quote(&path.to_string_lossy())
    ));
    Ok(())
}

/// A new keychain's password: from the source named, or made here (and then printed).
enum NewPassword {
    Given(Secret),
    Generated(Secret),
}

impl NewPassword {
    fn secret(&self) -> &Secret {
        match self {
            Self::Given(s) | Self::Generated(s) => s,
        }
    }

    /// The password to print: only one ascert made.
    fn shown(&self) -> Option<&str> {
        match self {
            Self::Generated(s) => Some(s.expose()),
            Self::Given(_) => None,
        }
    }
}

/// Only a source named on the command line gives the password. `ASCERT_KEYCHAIN_PASSWORD` is not
/// read here: the recipe captures the printed password into it, and a value left from an earlier
/// step would make `create` print nothing and the capture blank it.
fn new_password(ctx: &Context, args: &NewKeychainPasswordArgs) -> Result<NewPassword> {
    let given = read_password(
        args.password_env.as_deref(),
        args.password_file.as_deref(),
        args.password_stdin,
        "password",
    )?;
    if let Some(given) = given {
        return Ok(NewPassword::Given(given));
    }
    if std::env::var_os(PASSWORD_ENV).is_some() {
        ctx.out.note(format!(
            "note: {PASSWORD_ENV} is set, but keychain create makes a new password (printed on stdout) \
             unless --password-env {PASSWORD_ENV} says to use it"
        ));
    }
    Ok(NewPassword::Generated(Secret::new(
        Alphanumeric.sample_string(&mut rand::rng(), GENERATED_LENGTH),
    )))
}

/// Puts the new keychain into the search list (and makes it the default, if asked).
fn join_search_list(
    tool: &SecurityTool,
    path: &std::path::Path,
    current: &[PathBuf],
    args: &KeychainCreateArgs,
) -> Result<Vec<PathBuf>> {
    let list = add_to_search_list(tool, path, current, args.first).map_err(explain)?;
    if args.default {
        set_default_keychain(tool, path).map_err(explain)?;
    }
    Ok(list)
}

/// What `keychain delete` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct DeletedReport {
    keychain: PathBuf,
    deleted: bool,
    created_by_ascert: bool,
    removed_from_search_list: bool,
    default_restored: Option<PathBuf>,
}

pub(super) fn delete(ctx: &Context, args: &KeychainDeleteArgs) -> Result<()> {
    let tool = security_tool(&ctx.out)?;
    let records = records(ctx)?;
    let Some((path, record)) = which_keychain(&records, args)? else {
        return nothing_to_do(ctx, None);
    };
    refuse_protected(&path).map_err(explain)?;
    let exists = path.is_file();
    if !exists && record.is_none() {
        if args.if_exists {
            return nothing_to_do(ctx, Some(path));
        }
        return Err(
            UserError::new(Exit::NotFound, format!("there is no keychain {}", path.display()))
                .hint("a clean-up step that runs whatever happened adds --if-exists")
                .into(),
        );
    }
    if exists && record.is_none() && !args.force {
        return Err(UserError::usage(format!(
            "{} was not made by `ascert keychain create` (in this ascert home)",
            path.display()
        ))
        .hint("add --force to delete it anyway")
        .into());
    }
    let deleted = delete_keychain(&tool, &path).map_err(explain)?;
    let default_before = record
        .as_ref()
        .filter(|r| r.made_default)
        .and_then(|r| r.previous_default.clone());
    let taken = take_out_of_search_list(&tool, &path, default_before.as_deref()).map_err(explain)?;
    if record.is_some() {
        records.remove(&path)?;
    }
    let report = DeletedReport {
        keychain: path.clone(),
        deleted,
        created_by_ascert: record.is_some(),
        removed_from_search_list: taken.removed_from_search_list,
        default_restored: taken.default_restored.clone(),
    };
    if ctx.out.json {
        return ctx.out.json(&report);
    }
    let mut note = if deleted {
        format!("Deleted {}", path.display())
    } else {
        format!("{} was already gone", path.display())
    };
    if let Some(default) = &taken.default_restored {
        let _ = write!(note, "; {} is the default keychain again", default.display());
    }
    note.push('.');
    ctx.out.note(note);
    Ok(())
}

/// The keychain to delete and ascert's record of it; `None` when none is named and ascert
/// recorded none, which `--if-exists` accepts.
fn which_keychain(
    records: &Records,
    args: &KeychainDeleteArgs,
) -> Result<Option<(PathBuf, Option<Created>)>> {
    if let Some(name) = &args.keychain {
        let named = Keychain::named(name)?;
        if named == Keychain::Login {
            return Err(explain(ascert_keychain::KeychainError::Protected {
                path: Keychain::Login.path()?,
                what: "the login keychain",
            }));
        }
        let path = named.path()?;
        let record = records.find(&path)?;
        return Ok(Some((path, record)));
    }
    let mut all = records.all()?;
    match all.len() {
        1 => {
            let record = all.remove(0);
            Ok(Some((record.path.clone(), Some(record))))
        }
        0 if args.if_exists => Ok(None),
        0 => Err(UserError::new(
            Exit::NotFound,
            "no keychain made by `ascert keychain create` is recorded",
        )
        .hint("name the keychain to delete: ascert keychain delete NAME (--if-exists for a clean-up step)")
        .into()),
        _ => {
            let paths: Vec<String> = all.iter().map(|c| c.path.display().to_string()).collect();
            Err(
                UserError::usage(format!("ascert created several keychains: {}", paths.join(", ")))
                    .hint("name the one to delete: ascert keychain delete NAME")
                    .into(),
            )
        }
    }
}

/// What `keychain delete --if-exists --json` reports when there is nothing to delete: its keys in
/// alphabetical order, the order the report has always had (unlike [`DeletedReport`]'s).
#[derive(Debug, Serialize)]
struct NothingDeleted<'a> {
    /// Always `false`.
    deleted: bool,
    /// The keychain named, or `null` when none was named and ascert recorded none.
    keychain: Option<&'a Path>,
}

fn nothing_to_do(ctx: &Context, path: Option<PathBuf>) -> Result<()> {
    if ctx.out.json {
        return ctx.out.json(&NothingDeleted {
            deleted: false,
            keychain: path.as_deref(),
        });
    }
    ctx.out.note(match path {
        Some(path) => format!("There is no keychain {}; nothing to do.", path.display()),
        None => "ascert recorded no keychain; nothing to do.".to_owned(),
    });
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nothing_deleted_keeps_a_null_keychain() {
        let report = NothingDeleted {
            deleted: false,
            keychain: None,
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            "{\n  \"deleted\": false,\n  \"keychain\": null\n}"
        );
        let report = NothingDeleted {
            deleted: false,
            keychain: Some(Path::new("/Users/ci/Library/Keychains/ci.keychain-db")),
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "deleted": false,
  "keychain": "/Users/ci/Library/Keychains/ci.keychain-db"
}"#
        );
    }
}
