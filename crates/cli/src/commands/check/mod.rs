//! `ascert check` (issue 31): looks at every certificate, key and team store and reports what needs
//! attention, as text or one JSON document; `--notify URL` posts that document to a webhook
//! ([`notify`]).

// The command itself is being written beside this module; until it calls the notifier, its items
// are unused.
#[allow(dead_code, reason = "wired by the check command")]
pub(crate) mod notify;
