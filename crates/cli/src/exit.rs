//! The documented exit codes (docs/cli.md, "Exit codes"): a leaf that the failure report, Apple's
//! error table and the commands share.

/// The documented exit codes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Exit {
    /// 1: any other failure.
    Failure = 1,
    /// 2: the command line is wrong.
    Usage = 2,
    /// 3: authentication: a missing or bad API key, a 401 or 403.
    Auth = 3,
    /// 4: something asked for does not exist.
    NotFound = 4,
    /// 5: a conflict or a limit (409).
    Conflict = 5,
    /// 6: rate limited (429).
    RateLimited = 6,
    /// 7: the deadline (`--timeout`) passed before the command was done.
    Timeout = 7,
    /// 8: `ascert check` found something that fails within `--fail-days`.
    Findings = 8,
    /// 130: interrupted by SIGINT (Ctrl-C), 128 + 2 as shells report it.
    Interrupted = 130,
    /// 143: terminated by SIGTERM, 128 + 15.
    Terminated = 143,
}
