//! `ascert check`: what will break, before it does.

use clap::{Args, ValueEnum};

/// How `check` prints its findings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// A table on stdout, what to do below it
    Table,
    /// One JSON document (as with --json)
    Json,
    /// GitHub Actions workflow commands (::error::, ::warning::, ::notice::): annotations on the run
    Github,
}

/// `ascert check` options.
#[derive(Debug, Args)]
#[command(
    after_help = "Exit codes: 0 when no finding reaches --fail-days, 8 when one does (a scheduled \
CI job goes red in time), and the usual codes when the check itself fails.

In a GitHub Actions workflow, on a schedule:
  on: { schedule: [{ cron: '0 7 * * 1' }] }
  ...
  - run: ascert check --format github --store \"$ASCERT_TEAM_STORE\""
)]
pub(crate) struct CheckArgs {
    /// A certificate that expires within DAYS is a warning
    #[arg(long, value_name = "DAYS", default_value_t = 30, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub(crate) warn_days: u32,
    /// A certificate that expires within DAYS (or has expired) fails the check (exit 8)
    #[arg(long, value_name = "DAYS", default_value_t = 7, value_parser = clap::value_parser!(u32).range(0..=3650))]
    pub(crate) fail_days: u32,
    /// How to print the findings [default: table; json with --json]
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<CheckFormat>,
    /// Also post the JSON report to this webhook (https; Slack-compatible `text` field); the URL is never printed
    #[arg(long, value_name = "URL", env = "ASCERT_CHECK_NOTIFY", hide_env_values = true)]
    pub(crate) notify: Option<String>,
    /// On a Mac: also the keychain's code-signing identities that `security find-identity -v` does
    /// not count valid, and why (without NAME: the login keychain)
    #[arg(long, value_name = "NAME", num_args = 0..=1, default_missing_value = "")]
    pub(crate) keychain: Option<String>,
    /// A team store to check too: identities App Store Connect no longer lists, stale leases,
    /// unreadable records, its member list (no member key needed)
    #[arg(long, value_name = "URL", env = "ASCERT_TEAM_STORE", hide_env_values = true)]
    pub(crate) store: Option<String>,
    /// The SHA-256 the store's member list must have
    #[arg(
        long,
        value_name = "SHA256",
        env = "ASCERT_TEAM_MEMBERS_SHA256",
        hide_env_values = true,
        value_parser = crate::cli::team::parse_members_sha256
    )]
    pub(crate) members_sha256: Option<ascert_team::MembersDigest>,
}
