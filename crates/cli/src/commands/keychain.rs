//! `ascert keychain create | delete | use-login | list | identities`: keychains for CI jobs, and
//! the keychain side of `identities install` and `certificates create --keychain`
//! ([`install_paired_identity`]).
//!
//! Every `security` run goes through ascert-keychain's runner (stdin closed, environment cleared,
//! bounded in time); passwords come from a variable, a file or stdin, never from ascert's argv.

mod install;
mod lifecycle;
mod state;

use std::path::{Path, PathBuf};

use anyhow::{Context as _, Result};
use ascert_keychain::{
    Keychain, KeychainError, Secret, SecurityTool, list_codesigning_identities, search_state, use_login,
};
use ascert_keystore::Keystore;
use serde::Serialize;

pub(crate) use self::install::{KeychainInstall, KeychainOptions, install_paired_identity};
use self::state::Records;
use crate::cli::{KeychainCommand, KeychainPasswordArgs};
use crate::commands::Context;
use crate::failure::{Exit, UserError};
use crate::output::{Column, Output, Row, Table, Tone};

/// The variable read for a keychain password when no other source is named.
pub(crate) const PASSWORD_ENV: &str = "ASCERT_KEYCHAIN_PASSWORD";

pub(crate) fn run(ctx: &Context, command: KeychainCommand) -> Result<()> {
    match command {
        KeychainCommand::Create(args) => lifecycle::create(ctx, &args),
        KeychainCommand::Delete(args) => lifecycle::delete(ctx, &args),
        KeychainCommand::UseLogin => {
            let tool = security_tool(&ctx.out)?;
            let used = use_login(&tool).map_err(explain)?;
            if ctx.out.json {
                return ctx.out.json(&UsedLoginReport {
                    added_to_search_list: used.added_to_search_list,
                    default: &used.login,
                });
            }
            ctx.out.note(format!(
                "{} is the default keychain{}.",
                used.login.display(),
                if used.added_to_search_list {
                    " again, and back in the search list"
                } else {
                    " again"
                }
            ));
            Ok(())
        }
        KeychainCommand::List => list(ctx),
        KeychainCommand::Identities { keychain } => identities(ctx, keychain.as_deref()),
    }
}

/// The `security` program (`ASCERT_SECURITY_TOOL` for tests), checked to exist.
pub(crate) fn security_tool(out: &Output) -> Result<SecurityTool> {
    let tool = SecurityTool::from_env()?;
    tool.check_available().map_err(explain)?;
    if tool.is_override() {
        out.note(format!(
            "note: running {} instead of /usr/bin/security ({} is meant for tests)",
            tool.program().display(),
            ascert_keychain::TOOL_ENV
        ));
    }
    Ok(tool)
}

/// A keychain error with what to do about it, as a [`UserError`] where there is something to say.
pub(crate) fn explain(err: KeychainError) -> anyhow::Error {
    let hint = match &err {
        KeychainError::OnlyOnMacos { .. } => {
            Some("export a .p12 with `ascert identities export` and import it on the Mac".to_owned())
        }
        KeychainError::Locked { .. } => Some(format!(
            "give the keychain's password with --keychain-password-env VAR (or {PASSWORD_ENV}), \
             --keychain-password-file or --keychain-password-stdin"
        )),
        KeychainError::NoSuchKeychain { .. } => {
            Some("make one with `ascert keychain create PATH`, or name an existing keychain".to_owned())
        }
        KeychainError::KeychainExists { path } => Some(format!(
            "delete it with `ascert keychain delete {}`, or choose another path",
            ascert_keychain::command::shell_quote(&path.to_string_lossy())
        )),
        KeychainError::Protected { .. } => {
            Some("name a keychain made by `ascert keychain create`".to_owned())
        }
        KeychainError::WrongPassword { .. } => Some(format!(
            "give the password the keychain was created with (--keychain-password-env VAR, {PASSWORD_ENV}, \
             --keychain-password-file or --keychain-password-stdin)"
        )),
        _ => None,
    };
    let exit = if matches!(err, KeychainError::Protected { .. }) {
        Exit::Usage
    } else {
        Exit::Failure
    };
    match hint {
        // The message is the keychain error's own; as the root of the chain, the hint is found
        // by the exit-code logic and by callers that pass it on.
        Some(hint) => anyhow::Error::new(UserError::new(exit, err.to_string()).hint(hint)),
        None => anyhow::Error::new(err),
    }
}

/// The folder of ascert's own files: `--home` / `ASCERT_HOME`, else the platform data folder.
fn ascert_home(ctx: &Context) -> Result<PathBuf> {
    if let Some(home) = &ctx.global.home {
        return Ok(home.clone());
    }
    let keys = Keystore::default_folder().context("cannot find ascert's data folder")?;
    Ok(keys.parent().map_or(keys.clone(), Path::to_path_buf))
}

fn records(ctx: &Context) -> Result<Records> {
    Ok(Records::new(ascert_home(ctx)?))
}

/// The keychain password for installing: the named source, else `ASCERT_KEYCHAIN_PASSWORD`, else
/// none (the partition list is then skipped, with the command to run).
pub(crate) fn keychain_password(args: &KeychainPasswordArgs) -> Result<Option<Secret>> {
    Ok(read_password(
        args.keychain_password_env.as_deref(),
        args.keychain_password_file.as_deref(),
        args.keychain_password_stdin,
        "keychain-password",
    )?
    .or_else(|| std::env::var(PASSWORD_ENV).ok().map(Secret::new)))
}

/// Reads a keychain password from the source named (`--OPTION-env`, `--OPTION-file`,
/// `--OPTION-stdin`) by the rules every secret follows ([`crate::password::from_named_source`]).
fn read_password(
    env: Option<&str>,
    file: Option<&Path>,
    stdin: bool,
    option: &'static str,
) -> Result<Option<Secret>> {
    let secret = crate::password::Secret {
        name: "keychain password",
        default_env: PASSWORD_ENV,
        option,
        env,
        file,
        stdin,
    };
    Ok(crate::password::from_named_source(&secret)?.map(|value| Secret::new(value.as_str())))
}

/// What `keychain use-login --json` reports. The fields of this and the other reports here are in
/// the alphabetical order of their keys, the order the reports have always had.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct UsedLoginReport<'a> {
    /// Whether the login keychain had to be put back into the search list.
    added_to_search_list: bool,
    /// The login keychain, now the default one.
    default: &'a Path,
}

/// What `keychain list --json` reports.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct ListReport<'a> {
    /// Every keychain `keychain create` made and recorded, in the search list or not.
    created_by_ascert: Vec<&'a Path>,
    /// The default keychain, or `null` when there is none.
    default: Option<&'a Path>,
    /// The user's search list, in order.
    search_list: Vec<SearchListRow<'a>>,
}

/// One keychain of the search list, as `keychain list --json` shows it.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct SearchListRow<'a> {
    /// Whether `keychain create` made it.
    created_by_ascert: bool,
    /// Whether it is the default keychain.
    default: bool,
    /// Its path.
    keychain: &'a Path,
}

/// One code-signing identity, as `keychain identities --json` shows it.
#[derive(Debug, Serialize)]
struct IdentityRow<'a> {
    /// The name `security` shows (usually the certificate's common name).
    name: &'a str,
    /// Why it is not valid, as `security` says it; `null` when it is valid or `security` says nothing.
    problem: Option<&'a str>,
    /// The certificate's SHA-1, hex: what `codesign --sign` takes.
    sha1: String,
    /// Whether it can sign (trusted, in date, usable for code signing).
    valid: bool,
}

fn list(ctx: &Context) -> Result<()> {
    let tool = security_tool(&ctx.out)?;
    let state = search_state(&tool).map_err(explain)?;
    let created = records(ctx)?.all()?;
    let made_by_ascert = |p: &Path| created.iter().any(|c| c.path == p);
    if ctx.out.json {
        let search_list: Vec<SearchListRow<'_>> = state
            .search_list
            .iter()
            .map(|k| SearchListRow {
                created_by_ascert: made_by_ascert(k),
                default: state.default.as_deref() == Some(k.as_path()),
                keychain: k,
            })
            .collect();
        return ctx.out.json(&ListReport {
            created_by_ascert: created.iter().map(|c| c.path.as_path()).collect(),
            default: state.default.as_deref(),
            search_list,
        });
    }
    let mut table = Table::new(&[
        Column::shorten("KEYCHAIN"),
        Column::keep("DEFAULT"),
        Column::keep("CREATED BY ASCERT"),
    ]);
    for row in state.search_list.iter().map(|k| {
        vec![
            k.display().to_string(),
            if state.default.as_deref() == Some(k.as_path()) {
                "yes"
            } else {
                ""
            }
            .to_owned(),
            if made_by_ascert(k) { "yes" } else { "" }.to_owned(),
        ]
    }) {
        table.push(Row::new(row));
    }
    ctx.out.table(&table)
}

fn identities(ctx: &Context, keychain: Option<&str>) -> Result<()> {
    let tool = security_tool(&ctx.out)?;
    let keychain = match keychain {
        Some(name) => Keychain::named(name)?,
        None => Keychain::Login,
    };
    let found = list_codesigning_identities(&tool, &keychain).map_err(explain)?;
    if ctx.out.json {
        let rows: Vec<IdentityRow<'_>> = found
            .iter()
            .map(|i| IdentityRow {
                name: &i.name,
                problem: i.problem.as_deref(),
                sha1: ascert_keychain::sha1_hex(&i.sha1),
                valid: i.valid,
            })
            .collect();
        return ctx.out.json(&rows);
    }
    let mut table = Table::new(&[
        Column::keep("SHA-1"),
        Column::shorten("NAME"),
        Column::keep("STATUS"),
    ]);
    for i in &found {
        let (status, tone) = if i.valid {
            ("valid".to_owned(), Tone::Normal)
        } else {
            (
                i.problem.clone().unwrap_or_else(|| "not valid".to_owned()),
                Tone::Bad,
            )
        };
        table.push(Row::new(vec![ascert_keychain::sha1_hex(&i.sha1), i.name.clone(), status]).tone(tone));
    }
    ctx.out.table(&table)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn use_login_report_keys_in_order() {
        let report = UsedLoginReport {
            added_to_search_list: true,
            default: Path::new("/Users/ci/Library/Keychains/login.keychain-db"),
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "addedToSearchList": true,
  "default": "/Users/ci/Library/Keychains/login.keychain-db"
}"#
        );
    }

    #[test]
    fn list_report_keys_in_order_with_a_null_default() {
        let ci = Path::new("/Users/ci/Library/Keychains/ci.keychain-db");
        let report = ListReport {
            created_by_ascert: vec![ci],
            default: None,
            search_list: vec![SearchListRow {
                created_by_ascert: true,
                default: false,
                keychain: ci,
            }],
        };
        assert_eq!(
            serde_json::to_string_pretty(&report).unwrap(),
            r#"{
  "createdByAscert": [
    "/Users/ci/Library/Keychains/ci.keychain-db"
  ],
  "default": null,
  "searchList": [
    {
      "createdByAscert": true,
      "default": false,
      "keychain": "/Users/ci/Library/Keychains/ci.keychain-db"
    }
  ]
}"#
        );
    }

    #[test]
    fn identity_rows_keep_a_null_problem() {
        let rows = [
            IdentityRow {
                name: "Apple Development: Jane Doe (ABCDE12345)",
                problem: None,
                sha1: "AB".repeat(20),
                valid: true,
            },
            IdentityRow {
                name: "Apple Distribution: Example Ltd (ABCDE12345)",
                problem: Some("CSSMERR_TP_NOT_TRUSTED"),
                sha1: "CD".repeat(20),
                valid: false,
            },
        ];
        assert_eq!(
            serde_json::to_string_pretty(&rows).unwrap(),
            format!(
                r#"[
  {{
    "name": "Apple Development: Jane Doe (ABCDE12345)",
    "problem": null,
    "sha1": "{}",
    "valid": true
  }},
  {{
    "name": "Apple Distribution: Example Ltd (ABCDE12345)",
    "problem": "CSSMERR_TP_NOT_TRUSTED",
    "sha1": "{}",
    "valid": false
  }}
]"#,
                "AB".repeat(20),
                "CD".repeat(20)
            )
        );
    }
}
