//! The commands of the `ascert` binary, one module each, and the [`Context`] they share.

pub(crate) mod auth;
pub(crate) mod certificates;
pub(crate) mod check;
pub(crate) mod conflict;
pub(crate) mod creatable;
pub(crate) mod create;
pub(crate) mod demo;
pub(crate) mod ensure;
pub(crate) mod flows;
pub(crate) mod identities;
pub(crate) mod keychain;
pub(crate) mod keys;
pub(crate) mod keys_prune;
pub(crate) mod man;
pub(crate) mod pkcs12;
pub(crate) mod plan;
pub(crate) mod provisioning;
pub(crate) mod sandbox;
pub(crate) mod team;

use std::path::PathBuf;

use anyhow::{Context as _, Result};
use ascert_auth::TokenProvider;
use ascert_certificates::CertificatesApi;
use ascert_keystore::Keystore;
use ascert_transport::{APPLE_BASE_URL, Client, Deadline, ENTERPRISE_BASE_URL, RetryPolicy};

use crate::cli::{Cli, Command, GlobalArgs};
use crate::credentials::{self, Credentials};
use crate::failure::UserError;
use crate::input::{self, Input};
use crate::output::Output;

/// A PEM file of extra CA certificates to trust, for a sandbox served over TLS.
const CA_CERT_ENV: &str = "ASCERT_CA_CERT";

/// What every command needs: the global options, the output settings and the deadline.
#[derive(Debug)]
pub(crate) struct Context {
    pub(crate) global: GlobalArgs,
    pub(crate) out: Output,
    /// When the command must be done (`--timeout`); every client made by [`Context::client`] keeps
    /// it. A command that knowingly waits longer (for a person, for another runner) extends it by
    /// that wait: `ctx.deadline.extend(waited)`.
    pub(crate) deadline: Deadline,
    /// What must be undone however the run ends (the team-store leases it holds).
    pub(crate) cleanup: crate::stop::Cleanup,
    /// What the run learned that its failure report needs (whether its key is individual).
    pub(crate) facts: crate::failure::RunFacts,
    /// The keystore opened with a passphrase into a store that did not encrypt at rest yet: the
    /// first key written makes it encrypted-only, which the run says when it ends.
    pub(crate) may_start_encrypting: std::sync::Mutex<Option<Keystore>>,
}

impl Context {
    /// The API key, resolved in the documented order.
    pub(crate) fn credentials(&self) -> Result<Credentials> {
        let credentials = credentials::resolve(&self.global.key_flags())?;
        self.facts.note_key(credentials.is_individual());
        Ok(credentials)
    }

    /// The API key `auth login` saves: resolved like [`Context::credentials`], except that the
    /// environment's key counts even when a profile is named (the profile being made).
    pub(crate) fn credentials_to_save(&self) -> Result<Credentials> {
        let credentials = credentials::resolve_to_save(&self.global.key_flags())?;
        self.facts.note_key(credentials.is_individual());
        Ok(credentials)
    }

    /// The base URL: the flag (or `ASCERT_BASE_URL`), else the profile's, else Apple's (the
    /// enterprise host for an enterprise key).
    pub(crate) fn base_url(&self, credentials: &Credentials) -> String {
        self.global
            .base_url
            .clone()
            .or_else(|| credentials.base_url.clone())
            .unwrap_or_else(|| {
                if credentials.key.is_enterprise() {
                    ENTERPRISE_BASE_URL
                } else {
                    APPLE_BASE_URL
                }
                .to_owned()
            })
    }
}

impl Context {
    /// Asks before a destructive step: on a terminal a yes/no question after the list of `items`
    /// (id, description), elsewhere `--yes` is required. "n" is a usage exit (2), nothing changed.
    pub(crate) fn confirm(&self, yes: bool, question: &str, items: &[(String, String)]) -> Result<()> {
        if yes {
            return Ok(());
        }
        if !self.out.interactive() {
            return Err(UserError::usage("refusing to go on without confirmation")
                .hint("add --yes to confirm when not at a terminal")
                .into());
        }
        for (_, what) in items {
            self.out.note(format!("  {what}"));
        }
        // The time a person takes to answer does not count against the command's deadline.
        let asked = std::time::Instant::now();
        let go = dialoguer::Confirm::new()
            .with_prompt(question)
            .default(false)
            .interact();
        self.deadline.extend(asked.elapsed());
        if go? {
            Ok(())
        } else {
            // A refused confirmation is the documented usage exit (2), as `--yes` missing off a
            // terminal is.
            Err(UserError::usage("cancelled: nothing was changed").into())
        }
    }
}

/// The first line of a PEM certificate.
const PEM_CERTIFICATE: &str = "-----BEGIN CERTIFICATE-----";

impl Context {
    /// A client over `tokens` for `base_url`, under the command's deadline, trusting `ASCERT_CA_CERT`
    /// too when it is set (and saying so: an extra root is trusted for every host, Apple's
    /// included). Each attempt gets a quarter of the deadline (at most 30 s); retries are told on
    /// stderr (one line each, a JSON warning with `--json`), unless `--quiet`.
    pub(crate) fn client(&self, base_url: &str, tokens: TokenProvider) -> Result<Client> {
        self.client_with(base_url, tokens, RetryPolicy::default())
    }

    /// [`Context::client`] with `retry` instead of the default retries.
    fn client_with(&self, base_url: &str, tokens: TokenProvider, retry: RetryPolicy) -> Result<Client> {
        let attempt = crate::stop::attempt_timeout(&self.deadline);
        let mut builder = Client::builder(tokens)
            .base_url(base_url)
            .retry(retry)
            .attempt_timeout(attempt)
            .stall_timeout(attempt);
        // Told wherever stderr goes: a CI log that shows nothing for a minute of retries looks hung.
        if !self.global.quiet {
            let json = self.out.json;
            builder = builder.on_retry(move |notice| {
                let line = if json {
                    crate::output::warning_line(&notice.to_string())
                } else {
                    notice.to_string()
                };
                let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{line}\n").as_bytes());
            });
        }
        Ok(client_with_roots(builder, base_url, &self.out)?.with_deadline(self.deadline.clone()))
    }
}

/// Builds the client, trusting `ASCERT_CA_CERT` too when it is set.
fn client_with_roots(
    mut builder: ascert_transport::ClientBuilder,
    base_url: &str,
    out: &Output,
) -> Result<Client> {
    if let Some(path) = std::env::var_os(CA_CERT_ENV) {
        let path = PathBuf::from(path);
        let pem = input::read(&path, Input::Certificate)
            .map_err(|err| err.explained(&format!("{CA_CERT_ENV}={}", path.display())))?;
        // An empty or binary file would add no root at all, silently.
        if !pem
            .windows(PEM_CERTIFICATE.len())
            .any(|w| w == PEM_CERTIFICATE.as_bytes())
        {
            return Err(UserError::usage(format!(
                "{CA_CERT_ENV}={} holds no PEM certificate ({PEM_CERTIFICATE}…)",
                path.display()
            ))
            .into());
        }
        builder = builder.add_root_certificate_pem(&pem)?;
        let host = reqwest::Url::parse(base_url)
            .ok()
            .and_then(|u| u.host_str().map(str::to_owned))
            .unwrap_or_else(|| base_url.to_owned());
        out.warn(format!(
            "{CA_CERT_ENV}={} is trusted as a root certificate authority for every host ascert \
             connects to: {host} and api.appstoreconnect.apple.com alike; unset it unless you are testing \
             against a sandbox",
            path.display()
        ));
    }
    Ok(builder.build()?)
}

impl Context {
    /// The Certificates API with the resolved key.
    pub(crate) fn api(&self) -> Result<CertificatesApi> {
        let credentials = self.credentials()?;
        tracing::info!(source = %credentials.source, key_id = credentials.key.key_id(), "using API key");
        let base_url = self.base_url(&credentials);
        let client = self.client(&base_url, TokenProvider::new(credentials.key))?;
        Ok(CertificatesApi::new(client))
    }

    /// The provisioning APIs (profiles, bundle IDs, devices) with the resolved key, over the same
    /// client as [`Context::api`].
    pub(crate) fn profiles_api(&self) -> Result<ascert_profiles::ProfilesApi> {
        Ok(ascert_profiles::ProfilesApi::new(self.api()?.client().clone()))
    }

    /// The Certificates API asking each question once, without retries, if an API key is given
    /// anywhere: for a question a copy kept here can answer too, where retrying would only delay
    /// falling back on it.
    pub(crate) fn api_once_if_configured(&self) -> Result<Option<CertificatesApi>> {
        let credentials = match self.credentials() {
            Ok(credentials) => credentials,
            Err(err) if crate::credentials::is_missing_key(&err) => return Ok(None),
            Err(err) => return Err(err),
        };
        let base_url = self.base_url(&credentials);
        let client = self.client_with(
            &base_url,
            TokenProvider::new(credentials.key),
            RetryPolicy::never(),
        )?;
        Ok(Some(CertificatesApi::new(client)))
    }

    /// The Certificates API if an API key is given anywhere, `None` if none is (for what works from
    /// a team member's key alone); a key that is given but unusable is still an error.
    pub(crate) fn api_if_configured(&self) -> Result<Option<CertificatesApi>> {
        match self.api() {
            Ok(api) => Ok(Some(api)),
            Err(err) if crate::credentials::is_missing_key(&err) => Ok(None),
            Err(err) => Err(err),
        }
    }

    /// The local keystore: `--home` (or `ASCERT_HOME`), else the platform's data folder.
    pub(crate) fn keystore(&self) -> Result<Keystore> {
        let store = match &self.global.home {
            Some(home) => Keystore::open(home.join("keys")),
            None => Keystore::open_default(),
        }
        .context("cannot open the local keystore")?;
        let store = store.with_passphrase_from_env();
        self.warn_of_plaintext_keys(&store);
        if store.has_passphrase()
            && !store.encrypts_at_rest().unwrap_or(true)
            && let Ok(mut slot) = self.may_start_encrypting.lock()
        {
            *slot = Some(store.clone());
        }
        Ok(store)
    }

    /// Says so when this run made the keystore encrypted-only: a passphrase set for one command
    /// (`ASCERT_KEY_PASSPHRASE`) changes what every later command must be given.
    fn tell_if_now_encrypting(&self) {
        let Some(store) = self.may_start_encrypting.lock().ok().and_then(|mut s| s.take()) else {
            return;
        };
        if !store.encrypts_at_rest().unwrap_or(false) {
            return;
        }
        let plaintext = plaintext_keys(&store);
        self.out.warn(format!(
            "{} set: {} now keeps its keys encrypted, and from now on refuses to write a key without that \
             passphrase{}",
            ascert_keystore::PASSPHRASE_ENV,
            store.folder().display(),
            if plaintext == 0 {
                String::new()
            } else {
                format!(
                    "; {plaintext} key{} written before {} not encrypted: `ascert keys encrypt` encrypts {}",
                    if plaintext == 1 { "" } else { "s" },
                    if plaintext == 1 { "is" } else { "are" },
                    if plaintext == 1 { "it" } else { "them" },
                )
            }
        ));
    }

    /// A store that encrypts at rest but still holds plaintext keys (written before it did, or
    /// copied in) says so, rather than loading them silently.
    fn warn_of_plaintext_keys(&self, store: &Keystore) {
        if !store.encrypts_at_rest().unwrap_or(false) {
            return;
        }
        let plaintext = plaintext_keys(store);
        if plaintext > 0 {
            self.out.warn(format!(
                "{plaintext} key{} in {} {} not encrypted, though the keystore encrypts its keys at rest; \
                 run `ascert keys encrypt`",
                if plaintext == 1 { "" } else { "s" },
                store.folder().display(),
                if plaintext == 1 { "is" } else { "are" },
            ));
        }
    }

    /// Where to look for an issuing intermediate: `ca_dir` (`--ca-dir`), then the cache.
    pub(crate) fn ca_sources(&self, ca_dir: Option<PathBuf>) -> pkcs12::CaSources {
        pkcs12::CaSources {
            ca_dir,
            cache: self.ca_cache().ok(),
            extra_pins: Vec::new(),
        }
    }

    /// The folder for cached CA certificates, beside the keys.
    pub(crate) fn ca_cache(&self) -> Result<PathBuf> {
        match &self.global.home {
            Some(home) => Ok(home.join("ca-cache")),
            None => Ok(ascert_keystore::IntermediateFinder::default_cache_folder()?),
        }
    }
}

/// Whether a command runs under the deadline and stops on signals: all but `sandbox`, a server
/// that runs until it is stopped and handles SIGINT and SIGTERM itself.
pub(crate) fn stops_early(command: &Command) -> bool {
    !matches!(command, Command::Sandbox(_))
}

/// What a command does, for what an early stop means to the user.
pub(crate) fn activity(command: &Command, json: bool) -> crate::stop::Activity {
    use crate::cli::{CertificatesCommand, IdentitiesCommand};
    use crate::stop::Activity;
    match command {
        Command::Certificates(CertificatesCommand::Create(_))
        | Command::Identities(IdentitiesCommand::Ensure(_)) => Activity::Create,
        Command::Certificates(CertificatesCommand::List(_)) if json => Activity::JsonList,
        _ => Activity::Other,
    }
}

/// Runs the command the user asked for, under `deadline`.
pub(crate) async fn run(
    cli: Cli,
    deadline: Deadline,
    cleanup: crate::stop::Cleanup,
    facts: crate::failure::RunFacts,
) -> Result<()> {
    let ctx = Context {
        out: Output::new(cli.global.output_settings()),
        global: cli.global,
        deadline,
        cleanup,
        facts,
        may_start_encrypting: std::sync::Mutex::default(),
    };
    let result = run_command(&ctx, cli.command).await;
    ctx.tell_if_now_encrypting();
    result
}

async fn run_command(ctx: &Context, command: Command) -> Result<()> {
    match command {
        Command::Certificates(command) => certificates::run(ctx, command).await,
        Command::Keys(command) => keys::run(ctx, command).await,
        Command::Identities(command) => identities::run(ctx, command).await,
        Command::Keychain(command) => keychain::run(ctx, command),
        Command::Profiles(command) => provisioning::profiles::run(ctx, command).await,
        Command::BundleIds(command) => provisioning::bundle_ids::run(ctx, command).await,
        Command::Devices(command) => provisioning::devices::run(ctx, command).await,
        Command::Auth(command) => auth::run(ctx, command).await,
        Command::Team(command) => team::run(ctx, command).await,
        Command::Sandbox(command) => sandbox::run(command).await,
        Command::Demo(args) => demo::run(ctx, args).await,
        Command::Check(args) => check::run(ctx, args).await,
        Command::Completions { shell } => {
            // clap_complete panics when its writer fails: a closed pipe (`| head -1`) must instead
            // end quietly, as every other output does, so the script is made first, then written.
            let mut script = Vec::new();
            clap_complete::generate(shell, &mut crate::cli::command(), "ascert", &mut script);
            write_stdout(&script).context("cannot write the completion script")
        }
        Command::Man { out: None } => {
            write_stdout(&man::top_page(crate::cli::command())).context("cannot write the man page")
        }
        Command::Man { out: Some(dir) } => man_pages(ctx, &dir),
    }
}

/// `ascert man --out DIR`: the top page and one per subcommand, as the top page's SEE ALSO names
/// them.
fn man_pages(ctx: &Context, dir: &std::path::Path) -> Result<()> {
    std::fs::create_dir_all(dir).with_context(|| format!("cannot create {}", dir.display()))?;
    let mut pages = man::write_pages(crate::cli::command(), dir)
        .with_context(|| format!("cannot write the man pages into {}", dir.display()))?;
    pages.sort();
    if ctx.out.json {
        return ctx.out.json(&man::PagesWritten {
            folder: dir,
            pages: &pages,
        });
    }
    ctx.out.note(format!(
        "Wrote {} man pages into {} (ascert.1, ascert-certificates-list.1, …); `man -M {} ascert` or add the \
         folder to MANPATH.",
        pages.len(),
        dir.display(),
        dir.parent()
            .map_or_else(|| dir.display().to_string(), |p| p.display().to_string())
    ));
    Ok(())
}

/// Writes `bytes` to stdout and flushes; a closed pipe comes back as the error it is, which
/// `failure::report` treats as success.
fn write_stdout(bytes: &[u8]) -> std::io::Result<()> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    stdout.write_all(bytes)?;
    stdout.flush()
}

/// How many keys of `store` are kept unencrypted (a key whose state cannot be read counts as
/// encrypted: nothing is said of what is not known).
fn plaintext_keys(store: &Keystore) -> usize {
    store.records().map_or(0, |records| {
        records
            .iter()
            .filter(|r| !store.is_key_encrypted(&r.key_id).unwrap_or(true))
            .count()
    })
}
