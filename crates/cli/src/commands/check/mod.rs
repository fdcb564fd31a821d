//! `ascert check`: ascert-workflows' `check` (App Store Connect, the local keystore, a team store)
//! plus the chains of the identities kept here (Apple intermediates that end first) and the
//! provisioning profiles (INVALID, expiring, expired), each finding
//! worded with what to do, printed as a table, one JSON document or GitHub Actions annotations, and
//! posted to a webhook with `--notify`. Exit 8 when one fails within `--fail-days`.

mod keychain;
mod notify;
mod profiles;
mod words;

use std::fmt::Write as _;

use anyhow::Result;
use ascert_workflows::{CheckOptions, Severity, check};
use serde::Serialize;
use time::OffsetDateTime;

use crate::cli::{CheckArgs, CheckFormat};
use crate::commands::{Context, flows, team};
use crate::failure::{Exit, UserError};
use crate::output::{self, Column, Table, Tone};

pub(crate) use words::Said;

/// The whole report, for `--json` and the webhook.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct Report<'a> {
    /// The fail window, in days.
    fail_days: u32,
    /// What was found, most urgent first.
    findings: &'a [Said],
    /// The team store looked at, if any (as it may be shown).
    store: Option<String>,
    /// The warn window, in days.
    warn_days: u32,
}

/// Runs `ascert check`.
pub(crate) async fn run(ctx: &Context, args: CheckArgs) -> Result<()> {
    if args.fail_days > args.warn_days {
        return Err(UserError::usage(format!(
            "--fail-days {} is more than --warn-days {}",
            args.fail_days, args.warn_days
        ))
        .hint("a certificate fails the check within --fail-days and is warned about before that, within --warn-days")
        .into());
    }
    // The webhook's URL is checked before anything is asked (and never shown: it holds a token).
    let webhook = args
        .notify
        .as_deref()
        .map(str::parse::<notify::Webhook>)
        .transpose()?;
    let format = args.format.unwrap_or(if ctx.out.json {
        CheckFormat::Json
    } else {
        CheckFormat::Table
    });
    let store_url = args
        .store
        .as_deref()
        .map(str::parse::<ascert_team::StoreUrl>)
        .transpose()?;
    let api = ctx.api()?;
    let keystore = ctx.keystore()?;
    let team = match &store_url {
        Some(url) => Some(team::open_at(ctx, url, args.members_sha256).await?),
        None => None,
    };
    let options = CheckOptions::new(args.warn_days, args.fail_days);
    let spinner = ctx.out.spinner("Checking…");
    let found = check(&api, &keystore, team.as_ref(), &options).await;
    spinner.finish_and_clear();
    let found = found.map_err(flows::explain)?;
    let mut said: Vec<Said> = found.iter().map(|f| words::say(f, &options)).collect();
    said.extend(words::chains(&keystore, &options));
    let provisioning = ascert_profiles::ProfilesApi::new(api.client().clone());
    said.extend(profiles::findings(&provisioning, &options).await);
    if let Some(name) = &args.keychain {
        said.extend(keychain::findings(name)?);
    }
    said.sort_by(|a, b| {
        b.severity.cmp(&a.severity).then_with(|| {
            a.days_left
                .unwrap_or(i64::MAX)
                .cmp(&b.days_left.unwrap_or(i64::MAX))
        })
    });
    let report = Report {
        fail_days: args.fail_days,
        findings: &said,
        store: team.as_ref().map(|t| t.url().to_string()),
        warn_days: args.warn_days,
    };
    match format {
        CheckFormat::Json => ctx.out.json(&report)?,
        CheckFormat::Github => ctx.out.text(&github(&said))?,
        CheckFormat::Table => table(ctx, &said, options.now)?,
    }
    let failing = said
        .iter()
        .filter(|s| s.severity == words::Level::Failure)
        .count();
    if let Some(webhook) = &webhook {
        let document = serde_json::to_value(&report)?;
        notify::notify(webhook, &document, &summary(&said, failing), &ctx.deadline).await?;
        ctx.out.note(format!("Posted the report to {webhook}."));
    }
    if failing > 0 {
        return Err(UserError::new(
            Exit::Findings,
            format!(
                "{failing} finding{} fail{} within --fail-days {}: {}",
                if failing == 1 { "" } else { "s" },
                if failing == 1 { "s" } else { "" },
                args.fail_days,
                said[0].subject
            ),
        )
        .into());
    }
    Ok(())
}

/// One line for people: how many findings of each severity.
fn summary(said: &[Said], failing: usize) -> String {
    let warnings = said
        .iter()
        .filter(|s| s.severity == words::Level::Warning)
        .count();
    if said.is_empty() {
        return "ascert check: nothing to report".to_owned();
    }
    let first = &said[0];
    format!(
        "ascert check: {failing} failing, {warnings} warning{}; first: {}: {}",
        if warnings == 1 { "" } else { "s" },
        first.subject,
        first.finding
    )
}

/// The table, and what to do below it.
fn table(ctx: &Context, said: &[Said], now: OffsetDateTime) -> Result<()> {
    if said.is_empty() {
        ctx.out.text(&format!(
            "Nothing to report on {}: no certificate expires soon, every key is where it should be.\n",
            now.date()
        ))?;
        return Ok(());
    }
    let mut rows = Table::new(&[
        Column::keep("SEVERITY"),
        Column::drop("DAYS", 0),
        Column::keep("SUBJECT"),
        Column::shorten("FINDING"),
    ]);
    for s in said {
        let tone = match s.severity {
            words::Level::Failure => Tone::Bad,
            words::Level::Warning => Tone::Warning,
            words::Level::Info => Tone::Normal,
        };
        rows.push(
            output::Row::new(vec![
                s.severity.as_str().to_owned(),
                s.days_left.map(|d| d.to_string()).unwrap_or_default(),
                s.subject.clone(),
                s.finding.clone(),
            ])
            .tone(tone),
        );
    }
    ctx.out.table(&rows)?;
    let mut todo = String::from("\nWhat to do:\n");
    for s in said.iter().filter(|s| !s.todo.is_empty()) {
        let _ = writeln!(todo, "  {}: {}", s.subject, s.todo);
    }
    ctx.out.text(&todo)
}

/// GitHub Actions workflow commands, one per finding: `::error title=…::…`.
fn github(said: &[Said]) -> String {
    let mut out = String::new();
    for s in said {
        let command = match s.severity {
            words::Level::Failure => "error",
            words::Level::Warning => "warning",
            words::Level::Info => "notice",
        };
        let message = if s.todo.is_empty() {
            s.finding.clone()
        } else {
            format!("{}. {}", s.finding, s.todo)
        };
        let _ = writeln!(
            out,
            "::{command} title={}::{}",
            escape_property(&format!("ascert check: {}", s.subject)),
            escape_data(&message)
        );
    }
    out
}

/// A workflow command's message, escaped as the runner reads it.
fn escape_data(text: &str) -> String {
    text.replace('%', "%25").replace('\r', "%0D").replace('\n', "%0A")
}

/// A workflow command's property value (such as `title`), escaped.
fn escape_property(text: &str) -> String {
    escape_data(text).replace(':', "%3A").replace(',', "%2C")
}

/// Which severity a finding has, as the report says it.
impl From<Severity> for words::Level {
    fn from(severity: Severity) -> Self {
        match severity {
            Severity::Failure => Self::Failure,
            Severity::Warning => Self::Warning,
            _ => Self::Info,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn workflow_commands_are_escaped_as_the_runner_reads_them() {
        assert_eq!(escape_data("50% done\nnext"), "50%25 done%0Anext");
        assert_eq!(escape_property("a: b, c"), "a%3A b%2C c");
    }
}
