//! Failures: which exit code each one gets, what it means and what to do (Apple's error codes are
//! explained by the table in `apple_errors.rs`), and how it is printed (a few lines of text, or one
//! JSON object with `--json`). A broken pipe ends quietly.

use std::fmt;
use std::io::{self, Write as _};
use std::process::ExitCode;

use ascert_models::ApiError;
use serde::Serialize;

use crate::output::color::{ColorChoice, Paint, Tone};

pub(crate) use crate::exit::Exit;

/// What a run learned that its failure report needs: the run's own state, shared by `main` and
/// the command's context (no process-wide flag).
#[derive(Debug, Clone, Default)]
pub(crate) struct RunFacts {
    /// The API key the run resolved has no issuer id (an individual key, or a team key given
    /// without one), for the hint of a 401.
    individual_key: std::sync::Arc<std::sync::atomic::AtomicBool>,
}

impl RunFacts {
    /// Notes whether the key the run resolved is used without an issuer id.
    pub(crate) fn note_key(&self, individual: bool) {
        self.individual_key
            .store(individual, std::sync::atomic::Ordering::Relaxed);
    }

    fn individual_key(&self) -> bool {
        self.individual_key.load(std::sync::atomic::Ordering::Relaxed)
    }
}

/// A failure the CLI describes itself, with its exit code and what to do about it.
#[derive(Debug)]
pub(crate) struct UserError {
    pub(crate) exit: Exit,
    pub(crate) message: String,
    pub(crate) hint: Option<String>,
    /// The message already says what its cause says (Apple's answer, quoted): the causes below it
    /// are kept for `--json`'s `errors` but not printed again.
    pub(crate) quotes_cause: bool,
}

impl UserError {
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            hint: None,
            quotes_cause: false,
        }
    }

    /// Marks the message as one that already says what the error it is the context of says.
    pub(crate) fn quoting_cause(mut self) -> Self {
        self.quotes_cause = true;
        self
    }

    pub(crate) fn hint(mut self, hint: impl Into<String>) -> Self {
        self.hint = Some(hint.into());
        self
    }

    pub(crate) fn usage(message: impl Into<String>) -> Self {
        Self::new(Exit::Usage, message)
    }
}

impl fmt::Display for UserError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for UserError {}

/// What a failure means for the user: the exit code, what it means, a hint, the page of App Store
/// Connect to look at, and Apple's errors if any.
struct Diagnosis<'e> {
    exit: Exit,
    why: Option<String>,
    hint: Option<String>,
    see: Option<String>,
    status: Option<u16>,
    apple: &'e [ApiError],
}

fn diagnose(err: &anyhow::Error) -> Diagnosis<'_> {
    let mut diagnosis = Diagnosis {
        exit: Exit::Failure,
        why: None,
        hint: None,
        see: None,
        status: None,
        apple: &[],
    };
    // A `UserError` given as context (`.context(UserError::new(…))`) is not a link of the chain that
    // `downcast_ref` on a link finds; anyhow finds it from the error itself. Its exit code and hint
    // are ascert's own words; Apple's errors further down the chain are still reported with it.
    let user = err
        .downcast_ref::<UserError>()
        .or_else(|| err.chain().find_map(|cause| cause.downcast_ref::<UserError>()));
    if let Some(user) = user {
        diagnosis.exit = user.exit;
        diagnosis.hint.clone_from(&user.hint);
        if let Some(transport) = err.chain().find_map(transport_of) {
            diagnosis.status = transport.status();
            diagnosis.apple = transport.api_errors();
            diagnosis.see = crate::apple_errors::see_url(diagnosis.apple);
        }
        return diagnosis;
    }
    for cause in err.chain() {
        if let Some(transport) = transport_of(cause) {
            return transport_diagnosis(transport);
        }
        if cause.downcast_ref::<ascert_auth::AuthError>().is_some() {
            diagnosis.exit = Exit::Auth;
            diagnosis.hint = Some(
                "check the API key (ascert auth status shows which one is used; see `ascert --help` for where keys are read from)"
                    .into(),
            );
            return diagnosis;
        }
        if let Some(team) = cause.downcast_ref::<ascert_team::TeamError>() {
            let (exit, hint) = team_diagnosis(team);
            diagnosis.exit = exit;
            diagnosis.hint = hint.map(str::to_owned);
            return diagnosis;
        }
        if let Some(keystore) = cause.downcast_ref::<ascert_keystore::KeystoreError>() {
            if matches!(keystore, ascert_keystore::KeystoreError::KeyNotFound { .. }) {
                diagnosis.exit = Exit::NotFound;
                diagnosis.hint = Some("`ascert keys list` shows the keys kept here".into());
            }
            if matches!(keystore, ascert_keystore::KeystoreError::Pkcs12WrongPassword) {
                diagnosis.hint = Some(
                    "check the password given (of --password-file and --password-stdin the first line counts, of a \
                     variable all of it, spaces included); if it is right, the file was changed or cut short on its \
                     way: export or download it again"
                        .into(),
                );
            }
            return diagnosis;
        }
    }
    diagnosis
}

/// The transport's error in a link of the chain. The API crates (ascert-certificates and those
/// like it) keep it as the source of their own error, so it is a link of the chain itself, whichever
/// crate it came through: no arm per crate.
fn transport_of<'e>(cause: &'e (dyn std::error::Error + 'static)) -> Option<&'e ascert_transport::Error> {
    cause.downcast_ref::<ascert_transport::Error>()
}

/// The exit code of each category of a team store's failure: the one place that decides it.
pub(crate) fn team_exit(kind: ascert_team::ErrorKind) -> Exit {
    use ascert_team::ErrorKind as K;
    match kind {
        K::InvalidInput => Exit::Usage,
        K::StorageAccess | K::MemberKey => Exit::Auth,
        K::NotFound => Exit::NotFound,
        K::Conflict | K::Lease => Exit::Conflict,
        K::Timeout => Exit::Timeout,
        // Untrusted content, an unreadable format, an unsupported store, any other storage or crypto
        // failure, and categories added later.
        _ => Exit::Failure,
    }
}

/// The exit code of a team store's failure (from its category), and what to do about it: the
/// library's message says what happened; the commands, flags and variables to reach for are ours.
fn team_diagnosis(err: &ascert_team::TeamError) -> (Exit, Option<&'static str>) {
    use ascert_team::TeamError as E;
    let hint = match err {
        E::WrongIdentity { .. } => Some(
            "check --identity (or ASCERT_TEAM_IDENTITY); `ascert team members list` shows whose keys open the \
             store, and a member adds yours with `ascert team members add NAME=KEY`",
        ),
        E::WrongPassphrase { .. } | E::InvalidMemberKey { .. } => {
            Some("check the member key (--identity) or the team passphrase (--passphrase-env and the like)")
        }
        E::AccessDenied { .. } => Some(
            "check the storage credentials in the environment (AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, a \
             web identity or instance role; GOOGLE_*; AZURE_*) and that they may read and write under the \
             store's prefix",
        ),
        E::NoCloudCredentials { .. } => Some(
            "set GOOGLE_APPLICATION_CREDENTIALS (or GOOGLE_SERVICE_ACCOUNT) to a service account key file or \
             GOOGLE_SERVICE_ACCOUNT_KEY to its contents, or run `gcloud auth application-default login`; on \
             Google Cloud, give the machine a service account",
        ),
        E::NoStore { .. } => Some("create the store with `ascert team init --store URL --member NAME=KEY`"),
        E::BucketNotFound { .. } => Some(
            "check the store URL, or create the bucket (container, folder) first with the provider's tools: \
             ascert creates the objects of a store, never where they go",
        ),
        E::NotFound { .. } => Some("`ascert team list` shows what the store holds"),
        E::UntrustedMembers { .. } => Some(
            "nothing was encrypted to it. If the change is one your team made, a member shows the list with \
             `ascert team members list`: update ASCERT_TEAM_MEMBERS_SHA256 (or --members-sha256) to its digest; \
             otherwise someone with write access to the bucket changed it: restore the previous \
             ascert-team.json and rotate the bucket's credentials",
        ),
        E::Timeout { .. } => Some(
            "the team store did not answer in time: check the network and the endpoint, or give it more with --timeout",
        ),
        E::Tampered { .. } | E::KeyMismatch { .. } => Some(
            "nothing of it was written here. A damaged identity is repaired by a member who has it (`ascert team \
             push ID`); a member list changed by someone who is not a member is put back from the bucket's \
             previous version of ascert-team.json; then rotate the bucket's credentials",
        ),
        E::NewerFormat { .. } => Some("a newer ascert wrote this store: upgrade ascert"),
        E::ExcessiveWork { .. } => Some(
            "nothing was spent on it: open the store with a member key instead (--identity or \
             ASCERT_TEAM_IDENTITY). ascert writes the passphrase file at 2^18, so a larger one was written by \
             another tool or by someone who can write to the bucket",
        ),
        E::UnsupportedFormat { .. } => Some("`ascert team init` makes the store again"),
        _ => None,
    };
    (team_exit(err.kind()), hint)
}

fn transport_diagnosis(err: &ascert_transport::Error) -> Diagnosis<'_> {
    use ascert_transport::Error;
    let status = err.status();
    let apple = err.api_errors();
    let mut diagnosis = Diagnosis {
        exit: Exit::Failure,
        why: None,
        hint: None,
        see: crate::apple_errors::see_url(apple),
        status,
        apple,
    };
    let url = match err {
        Error::Api { url, .. } => Some(url.as_str()),
        _ => None,
    };
    if let Some((row, _)) = status.and_then(|status| crate::apple_errors::row_for(status, apple, url)) {
        diagnosis.exit = row.exit;
        diagnosis.why = Some(match (row.status, err.rate_limit()) {
            (429, Some(limit)) => format!(
                "{}: X-Rate-Limit says {} of {} requests are left this hour",
                row.why, limit.remaining, limit.limit
            ),
            _ => row.why.to_owned(),
        });
        diagnosis.hint = Some(row.action.to_owned());
        return diagnosis;
    }
    let (exit, hint) = match (status, err) {
        (_, Error::Auth(_)) | (Some(401), _) => (
            Exit::Auth,
            "App Store Connect refused the token: check the key id, the issuer id and that the key is not revoked \
             (ascert auth status)",
        ),
        (Some(403), _) => (
            Exit::Auth,
            "the API key's role may not do this: certificates need a team key with access to Certificates, \
             Identifiers & Profiles (Admin to create or revoke)",
        ),
        (Some(404), _) => (
            Exit::NotFound,
            "`ascert certificates list` shows the ids that exist",
        ),
        (Some(409), _) => (
            Exit::Conflict,
            "see `ascert certificates list` for what is in the way",
        ),
        (Some(429), _) => (
            Exit::RateLimited,
            "App Store Connect's hourly request quota is used up; wait and run the command again",
        ),
        (_, Error::DeadlineExceeded { .. }) => (
            Exit::Timeout,
            "check the network and any proxy between here and App Store Connect; give the command more time \
             with --timeout (or ASCERT_TIMEOUT), e.g. --timeout 5m",
        ),
        (_, Error::NoAnswer { .. } | Error::Stalled { .. }) => (
            Exit::Failure,
            "the server accepted the connection but did not answer in time: check the network, any proxy, and \
             the base URL (--base-url, ASCERT_BASE_URL)",
        ),
        (_, Error::Connection { .. }) => (Exit::Failure, connection_hint(err)),
        (_, Error::InvalidBaseUrl { .. }) => (Exit::Usage, "give an https:// URL"),
        (Some(500..), _) => (
            Exit::Failure,
            "App Store Connect is having trouble; try again in a few minutes",
        ),
        _ => (Exit::Failure, ""),
    };
    diagnosis.exit = exit;
    diagnosis.hint = (!hint.is_empty()).then(|| hint.to_owned());
    diagnosis
}

/// What to do about a request that got no complete response: the certificate, the protocol, the
/// address or the network.
fn connection_hint(err: &ascert_transport::Error) -> &'static str {
    use ascert_transport::{ConnectionFailure, Error};
    let Error::Connection { failure, .. } = err else {
        return "";
    };
    if err.is_untrusted_certificate() {
        return "the server's certificate does not chain to a root this machine trusts: a sandbox served with \
             --tls needs ASCERT_CA_CERT=<its ca.pem>; behind a TLS-inspecting proxy, point SSL_CERT_FILE at a \
             bundle that holds the proxy's root (ascert reads the system's roots and SSL_CERT_FILE)";
    }
    if err.is_plain_http() {
        return "the server answered in plain HTTP, not TLS: use an http:// base URL for it (a sandbox \
             started without --tls speaks http://), or check the port";
    }
    match failure {
        // Refused on this machine, so not retried (a remote refusal is, and gets the general hint).
        ConnectionFailure::Refused if !err.is_transient() => {
            "start the server there (for a sandbox: ascert sandbox serve --key-out DIR, then use the \
             baseUrl it prints), or fix the base URL (--base-url, ASCERT_BASE_URL, the profile's base_url)"
        }
        ConnectionFailure::UnknownHost => {
            "check the host name of the base URL (--base-url, ASCERT_BASE_URL, the profile's base_url) \
             and this machine's DNS settings"
        }
        _ => "check the network and the base URL (--base-url, ASCERT_BASE_URL)",
    }
}

/// Whether the failure is a closed stdout (`ascert ... | head`), which ends quietly.
fn is_broken_pipe(err: &anyhow::Error) -> bool {
    err.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|e| e.kind() == io::ErrorKind::BrokenPipe)
            || c.downcast_ref::<serde_json::Error>()
                .is_some_and(|e| e.io_error_kind() == Some(io::ErrorKind::BrokenPipe))
    })
}

/// The error and its causes on one line, `: ` between them, each cause once: a wrapper that already
/// quotes its source's message (`cannot read x: Not a directory`) is not followed by the source
/// again, nor is a [`UserError`] marked [`UserError::quoting_cause`].
fn chain_message(err: &anyhow::Error) -> String {
    let quoting = err
        .downcast_ref::<UserError>()
        .or_else(|| err.chain().find_map(|cause| cause.downcast_ref::<UserError>()))
        .filter(|user| user.quotes_cause);
    let mut message = String::new();
    let mut last = String::new();
    for cause in err.chain() {
        let text = cause.to_string();
        if text.is_empty() || last.contains(&text) {
            continue;
        }
        if !message.is_empty() {
            message.push_str(": ");
        }
        message.push_str(&text);
        // A `UserError` given as context is found from the error itself, not from its link.
        if quoting.is_some_and(|user| user.message == text) {
            break;
        }
        last = text;
    }
    message
}

/// A failure as `--json` prints it: one object on one line of stderr. The fields are in the
/// alphabetical order of their keys, the order the report has always had; an absent value is
/// `null`, never a missing key.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
struct FailureLine<'a> {
    /// The error chain, one message (redacted: a pasted key is never printed).
    error: &'a str,
    /// Apple's `errors[]`, as App Store Connect sent them (each one's keys sorted); empty for a
    /// failure of ascert's own.
    #[serde(serialize_with = "crate::output::sorted")]
    errors: &'a [ApiError],
    /// The exit code the run ends with.
    exit_code: u8,
    /// What to do about it.
    hint: Option<&'a str>,
    /// The page of App Store Connect to look at.
    see: Option<&'a str>,
    /// The HTTP status App Store Connect answered with.
    status: Option<u16>,
    /// What the failure means.
    why: Option<&'a str>,
}

/// Prints the failure once and returns its exit code.
pub(crate) fn report(err: &anyhow::Error, json: bool, color: ColorChoice, facts: &RunFacts) -> ExitCode {
    if is_broken_pipe(err) {
        return ExitCode::SUCCESS;
    }
    let mut diagnosis = diagnose(err);
    if diagnosis.status == Some(401) && facts.individual_key() {
        // The most common cause when no issuer id was given: a team key taken for an individual one.
        diagnosis.hint = Some(format!(
            "the key was used as an individual key, without an issuer id; if it is a team key, add \
             --issuer-id UUID (or ASC_ISSUER_ID), shown above the keys in App Store Connect → Users and \
             Access → Integrations{}",
            diagnosis
                .hint
                .map(|h| format!(". Otherwise: {h}"))
                .unwrap_or_default()
        ));
    }
    // A key pasted where a path or an id belongs may be quoted by the message: never print it.
    let message = crate::redact::redact_inputs(&chain_message(err));
    let hint = diagnosis.hint.as_deref().map(crate::redact::redact_inputs);
    let mut stderr = io::stderr().lock();
    if json {
        let object = FailureLine {
            error: &message,
            errors: diagnosis.apple,
            exit_code: diagnosis.exit as u8,
            hint: hint.as_deref(),
            see: diagnosis.see.as_deref(),
            status: diagnosis.status,
            why: diagnosis.why.as_deref(),
        };
        // Strings, numbers and Apple's errors as they were decoded: nothing here can fail to serialize.
        let line = serde_json::to_string(&object).expect("a failure report always serializes");
        let _ = writeln!(stderr, "{line}");
    } else {
        let paint = Paint::new(color.paints_stderr());
        let _ = writeln!(stderr, "{} {message}", paint.apply(Tone::Bad, "error:"));
        if let Some(why) = &diagnosis.why {
            let _ = writeln!(stderr, "  why: {why}");
        }
        if let Some(hint) = &hint {
            let _ = writeln!(stderr, "  {} {hint}", paint.apply(Tone::Hint, "hint:"));
        }
        if let Some(see) = &diagnosis.see {
            let _ = writeln!(stderr, "  see: {see}");
        }
    }
    ExitCode::from(diagnosis.exit as u8)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_failure_line_keeps_its_keys_in_order_nulls_included() {
        let line = FailureLine {
            error: "no such key",
            errors: &[],
            exit_code: 4,
            hint: None,
            see: None,
            status: None,
            why: None,
        };
        assert_eq!(
            serde_json::to_string(&line).unwrap(),
            r#"{"error":"no such key","errors":[],"exitCode":4,"hint":null,"see":null,"status":null,"why":null}"#
        );
        let mut apple = ApiError::new(
            404,
            "NOT_FOUND",
            "The specified resource does not exist",
            "no such id",
        );
        apple.id = Some("e1".to_owned());
        let apple = [apple];
        let line = FailureLine {
            errors: &apple,
            hint: Some("list them"),
            see: Some("https://appstoreconnect.apple.com"),
            status: Some(404),
            why: Some("the id is wrong"),
            ..line
        };
        // Apple's errors print with their keys sorted, as they always have.
        assert_eq!(
            serde_json::to_string(&line).unwrap(),
            r#"{"error":"no such key","errors":[{"code":"NOT_FOUND","detail":"no such id","id":"e1","status":"404","title":"The specified resource does not exist"}],"exitCode":4,"hint":"list them","see":"https://appstoreconnect.apple.com","status":404,"why":"the id is wrong"}"#
        );
    }

    #[test]
    fn user_errors_keep_their_exit_code_and_hint_under_context() {
        let err = anyhow::Error::new(UserError::new(Exit::Conflict, "slot full").hint("revoke one"))
            .context("cannot create the certificate");
        let diagnosis = diagnose(&err);
        assert_eq!(diagnosis.exit, Exit::Conflict);
        assert_eq!(diagnosis.hint.as_deref(), Some("revoke one"));
    }

    #[test]
    fn the_transport_error_is_found_under_an_api_crates_error() {
        let transport = ascert_transport::Error::Api {
            method: ascert_transport::Method::GET,
            url: "https://api.appstoreconnect.apple.com/v1/certificates/X".to_owned(),
            status: 404,
            errors: ascert_models::ErrorResponse::new(vec![ApiError::new(
                404,
                "NOT_FOUND",
                "Not found",
                "gone",
            )]),
            retry_after: None,
            rate_limit: None,
        };
        let message = transport.to_string();
        let err = anyhow::Error::new(ascert_certificates::Error::from(transport)).context("cannot fetch X");
        let diagnosis = diagnose(&err);
        assert_eq!((diagnosis.exit, diagnosis.status), (Exit::NotFound, Some(404)));
        assert_eq!(diagnosis.apple.len(), 1);
        // The API crate's error says what its source says: printed once.
        assert_eq!(chain_message(&err), format!("cannot fetch X: {message}"));
    }

    #[test]
    fn each_cause_is_printed_once() {
        // A wrapper that quotes its source, as many library errors do.
        #[derive(Debug)]
        struct Quoting(io::Error);
        impl fmt::Display for Quoting {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                write!(f, "{}", self.0)
            }
        }
        impl std::error::Error for Quoting {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let io = || io::Error::from_raw_os_error(20);
        let err = anyhow::Error::new(Quoting(io())).context("cannot open the keystore");
        assert_eq!(chain_message(&err), format!("cannot open the keystore: {}", io()));
        let plain = anyhow::Error::new(io()).context("cannot read key.pem");
        assert_eq!(chain_message(&plain), format!("cannot read key.pem: {}", io()));
    }

    #[test]
    fn a_broken_pipe_is_recognised_under_context() {
        let err = anyhow::Error::new(io::Error::from(io::ErrorKind::BrokenPipe)).context("writing the list");
        assert!(is_broken_pipe(&err));
        let json = serde_json::Error::io(io::Error::from(io::ErrorKind::BrokenPipe));
        assert!(is_broken_pipe(&anyhow::Error::new(json)));
        assert!(!is_broken_pipe(&anyhow::anyhow!("something else")));
    }
}
