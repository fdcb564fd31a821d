//! Connecting a [`StoreUrl`] to an `object_store` backend: S3 (conditional writes set explicitly),
//! GCS and Azure behind features, a local folder, and named in-memory stores for tests; plus
//! [`StoreOptions`], the caller's settings.

use std::collections::HashMap;
use std::fmt;
use std::path::PathBuf;
use std::sync::{Arc, LazyLock, Mutex};
use std::time::Duration;

use age::secrecy::{ExposeSecret as _, SecretString};
use object_store::ObjectStore;
use object_store::memory::InMemory;
use object_store::path::Path;

use crate::digest::MembersDigest;
use crate::error::{Result, TeamError};
use crate::trust::Pins;
use crate::url::{Backend, StoreUrl};

/// How far apart the clocks of a runner and of the storage service can be, at most, when the
/// service still answers: S3 refuses requests signed more than 15 minutes off its clock
/// (`RequestTimeTooSkewed`), and so do Azure's shared keys. See [`StoreOptions::with_clock_tolerance`].
pub const DEFAULT_CLOCK_TOLERANCE: Duration = Duration::from_secs(15 * 60);

/// The caller's settings for opening a store.
///
/// Credentials and endpoints come from the provider's usual environment (`AWS_ACCESS_KEY_ID`,
/// `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, `AWS_REGION`, `AWS_ENDPOINT_URL`,
/// `AWS_ALLOW_HTTP`, web identity and instance credentials; `GOOGLE_*`; `AZURE_*`). Settings given
/// here with [`StoreOptions::with_config`] win over the environment. `Debug` never shows their values.
#[derive(Clone)]
pub struct StoreOptions {
    config: Vec<(String, SecretString)>,
    actor: Option<String>,
    clock_tolerance: Duration,
    members: Option<MembersDigest>,
    trust_folder: Option<PathBuf>,
    request_timeout: Option<Duration>,
    retry_budget: Option<Duration>,
}

impl Default for StoreOptions {
    fn default() -> Self {
        Self {
            config: Vec::new(),
            actor: None,
            clock_tolerance: DEFAULT_CLOCK_TOLERANCE,
            members: None,
            trust_folder: None,
            request_timeout: None,
            retry_budget: None,
        }
    }
}

impl StoreOptions {
    /// Settings from the environment only.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets one provider setting by `object_store`'s name for it, such as `aws_endpoint`,
    /// `aws_access_key_id`, `aws_allow_http` or `google_service_account`, over the environment.
    ///
    /// S3's conditional-put mode is not a setting: it is always `etag` (If-None-Match / If-Match),
    /// whatever the environment or this says, because leases depend on it.
    #[must_use]
    pub fn with_config(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.config.push((key.into(), SecretString::from(value.into())));
        self
    }

    /// Names who acts in records and leases ("pushed by", "held by"); by default `$USER@host`.
    #[must_use]
    pub fn with_actor(mut self, actor: impl Into<String>) -> Self {
        self.actor = Some(actor.into());
        self
    }

    /// How far this machine's clock may be from the storage service's, at most
    /// ([`DEFAULT_CLOCK_TOLERANCE`]). A lease whose last write (by the store's clock) is older than
    /// its time-to-live plus this tolerance (by the local clock) is expired at once; younger leases
    /// expire only after this process has watched them unchanged for a whole time-to-live.
    #[must_use]
    pub fn with_clock_tolerance(mut self, tolerance: Duration) -> Self {
        self.clock_tolerance = tolerance;
        self
    }

    /// Pins the member list: a header whose member list has another digest is refused
    /// ([`TeamError::UntrustedMembers`]), so nothing is ever encrypted to another list. CI sets this
    /// (`ASCERT_TEAM_MEMBERS_SHA256`, printed by `ascert team members list`).
    #[must_use]
    pub fn with_members_sha256(mut self, digest: MembersDigest) -> Self {
        self.members = Some(digest);
        self
    }

    /// Keeps what this machine saw of each store in `folder` (one small file per store URL, 0600): a
    /// later header must be of the same store, not of an older revision, and signed by a team key
    /// that descends from the one seen. Without it, only the pin and the header's own signature
    /// decide.
    #[must_use]
    pub fn with_trust_folder(mut self, folder: impl Into<PathBuf>) -> Self {
        self.trust_folder = Some(folder.into());
        self
    }

    /// Bounds each request to the service (connecting included) by `timeout`; by default
    /// `object_store`'s 30 s.
    #[must_use]
    pub fn with_request_timeout(mut self, timeout: Duration) -> Self {
        self.request_timeout = Some(timeout);
        self
    }

    /// Bounds the retries of a failed request by `budget` in all (by default `object_store`'s three
    /// minutes): a caller with a deadline gives what is left of it.
    #[must_use]
    pub fn with_retry_budget(mut self, budget: Duration) -> Self {
        self.retry_budget = Some(budget);
        self
    }

    pub(crate) fn pins(&self) -> Pins {
        Pins {
            members: self.members,
            trust_folder: self.trust_folder.clone(),
        }
    }

    pub(crate) fn actor(&self) -> String {
        self.actor.clone().unwrap_or_else(default_actor)
    }

    pub(crate) fn clock_tolerance(&self) -> Duration {
        self.clock_tolerance
    }
}

impl fmt::Debug for StoreOptions {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let keys: Vec<&str> = self.config.iter().map(|(k, _)| k.as_str()).collect();
        f.debug_struct("StoreOptions")
            .field("config_keys", &keys)
            .field("actor", &self.actor)
            .field("clock_tolerance", &self.clock_tolerance)
            .field("members", &self.members)
            .field("trust_folder", &self.trust_folder)
            .field("request_timeout", &self.request_timeout)
            .field("retry_budget", &self.retry_budget)
            .finish_non_exhaustive()
    }
}

/// `$USER@host` (or `$USERNAME`, or just the host).
fn default_actor() -> String {
    let host = crate::holder::host_name();
    match std::env::var("USER").or_else(|_| std::env::var("USERNAME")) {
        Ok(user) if !user.is_empty() => format!("{user}@{host}"),
        _ => host,
    }
}

/// An opened backend: the objects, the prefix every name lives under, and what it can arbitrate.
pub(crate) struct Connection {
    pub(crate) objects: Arc<dyn ObjectStore>,
    pub(crate) prefix: Path,
    /// Whether `PutMode::Update` (compare-and-swap on the `ETag`) is implemented.
    pub(crate) conditional_update: bool,
}

/// Opens the backend of a URL. `create_folder` makes a `file://` folder that is missing (for `init`).
pub(crate) fn connect(url: &StoreUrl, options: &StoreOptions, create_folder: bool) -> Result<Connection> {
    let shown = url.to_string();
    let prefix: Path = url.prefix().split('/').filter(|s| !s.is_empty()).collect();
    match url.backend() {
        Backend::S3 => Ok(Connection {
            objects: Arc::new(s3(url, &shown, options)?),
            prefix,
            conditional_update: true,
        }),
        Backend::Gcs => gcs(url, &shown, options).map(|objects| Connection {
            objects,
            prefix,
            conditional_update: true,
        }),
        Backend::Azure => azure(url, &shown, options).map(|objects| Connection {
            objects,
            prefix,
            conditional_update: true,
        }),
        Backend::Local => {
            let folder = std::path::Path::new(url.prefix());
            if create_folder {
                std::fs::create_dir_all(folder).map_err(|e| TeamError::Config {
                    store: shown.clone(),
                    reason: format!("cannot create the folder: {e}"),
                })?;
            } else if !folder.is_dir() {
                return Err(TeamError::NoStore {
                    store: shown,
                    object: "the folder".to_owned(),
                });
            }
            let local = object_store::local::LocalFileSystem::new_with_prefix(folder)
                .map_err(|e| TeamError::Config {
                    store: shown.clone(),
                    reason: e.to_string(),
                })?
                .with_fsync(true)
                .with_automatic_cleanup(true);
            // object_store's local backend implements create-if-absent (a hard link) but not
            // compare-and-swap: `PutMode::Update` answers NotImplemented.
            Ok(Connection {
                objects: Arc::new(local),
                prefix: Path::default(),
                conditional_update: false,
            })
        }
        Backend::Memory => Ok(Connection {
            objects: memory_store(url.bucket().unwrap_or("default")),
            prefix,
            conditional_update: true,
        }),
    }
}

/// The in-memory stores of this process, by name.
static MEMORY: LazyLock<Mutex<HashMap<String, Arc<dyn ObjectStore>>>> = LazyLock::new(Mutex::default);

/// One in-memory store per name, shared by every `memory://name` opened in this process.
fn memory_store(name: &str) -> Arc<dyn ObjectStore> {
    let mut stores = MEMORY.lock().unwrap_or_else(std::sync::PoisonError::into_inner);
    stores
        .entry(name.to_owned())
        .or_insert_with(|| Arc::new(InMemory::new()))
        .clone()
}

/// Puts a store of the test's making (one that records or misbehaves) behind `memory://name`.
#[cfg(test)]
pub(crate) fn register_memory(name: &str, store: Arc<dyn ObjectStore>) {
    MEMORY
        .lock()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .insert(name.to_owned(), store);
}

fn config_error(shown: &str, reason: String) -> TeamError {
    TeamError::Config {
        store: shown.to_owned(),
        reason,
    }
}

/// The request timeouts (`object_store` client settings) and retry policy a caller's limits ask for.
fn limits(
    options: &StoreOptions,
) -> (
    Vec<(object_store::ClientConfigKey, String)>,
    Option<object_store::RetryConfig>,
) {
    use object_store::ClientConfigKey;
    let mut client = Vec::new();
    if let Some(timeout) = options.request_timeout {
        let text = format!("{}ms", timeout.as_millis().max(1));
        client.push((ClientConfigKey::Timeout, text.clone()));
        client.push((ClientConfigKey::ConnectTimeout, text));
    }
    let retry = options.retry_budget.map(|budget| object_store::RetryConfig {
        retry_timeout: budget,
        // A few retries ride out a blip; object_store's ten (with backoff up to 15 s each) would
        // outlast any deadline a command has, and the budget bounds them anyway.
        max_retries: 4,
        ..object_store::RetryConfig::default()
    });
    (client, retry)
}

fn s3(url: &StoreUrl, shown: &str, options: &StoreOptions) -> Result<object_store::aws::AmazonS3> {
    use object_store::ClientConfigKey;
    use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey, S3ConditionalPut};

    let mut builder = AmazonS3Builder::from_env().with_url(url.bucket_url());
    for (key, value) in &options.config {
        let parsed: AmazonS3ConfigKey = key
            .parse()
            .map_err(|_| config_error(shown, format!("{key:?} is not an S3 setting of object_store")))?;
        builder = builder.with_config(parsed, value.expose_secret());
    }
    let endpoint = builder
        .get_config_value(&AmazonS3ConfigKey::S3Endpoint)
        .or_else(|| builder.get_config_value(&AmazonS3ConfigKey::Endpoint));
    let allow_http = builder
        .get_config_value(&AmazonS3ConfigKey::Client(ClientConfigKey::AllowHttp))
        .is_some_and(|v| v.eq_ignore_ascii_case("true"));
    if let Some(endpoint) = &endpoint
        && endpoint.to_ascii_lowercase().starts_with("http://")
        && !allow_http
    {
        return Err(config_error(
            shown,
            "the endpoint (AWS_ENDPOINT_URL) is plain http; set AWS_ALLOW_HTTP=true to use it anyway \
             (keys stay age-encrypted, but leases and records travel unprotected)"
                .to_owned(),
        ));
    }
    // Leases need If-None-Match and If-Match. object_store sends them by default, but the
    // environment can turn that off (AWS_CONDITIONAL_PUT=disabled): set it here, last, always.
    builder = builder.with_conditional_put(S3ConditionalPut::ETagMatch);
    let (client, retry) = limits(options);
    for (key, value) in client {
        builder = builder.with_config(AmazonS3ConfigKey::Client(key), value);
    }
    if let Some(retry) = retry {
        builder = builder.with_retry(retry);
    }
    builder.build().map_err(|e| config_error(shown, e.to_string()))
}

#[cfg(feature = "gcp")]
fn gcs(url: &StoreUrl, shown: &str, options: &StoreOptions) -> Result<Arc<dyn ObjectStore>> {
    use object_store::gcp::{GoogleCloudStorageBuilder, GoogleConfigKey};
    let mut builder = GoogleCloudStorageBuilder::from_env().with_url(url.bucket_url());
    for (key, value) in &options.config {
        let parsed: GoogleConfigKey = key.parse().map_err(|_| {
            config_error(
                shown,
                format!("{key:?} is not a Google Cloud Storage setting of object_store"),
            )
        })?;
        builder = builder.with_config(parsed, value.expose_secret());
    }
    let (client, retry) = limits(options);
    for (key, value) in client {
        builder = builder.with_config(GoogleConfigKey::Client(key), value);
    }
    if let Some(retry) = retry {
        builder = builder.with_retry(retry);
    }
    Ok(Arc::new(
        builder.build().map_err(|e| config_error(shown, e.to_string()))?,
    ))
}

#[cfg(not(feature = "gcp"))]
fn gcs(_: &StoreUrl, shown: &str, _: &StoreOptions) -> Result<Arc<dyn ObjectStore>> {
    Err(TeamError::UnsupportedBackend {
        store: shown.to_owned(),
        reason: "this build has no Google Cloud Storage support (ascert-team's `gcp` feature)".to_owned(),
    })
}

#[cfg(feature = "azure")]
fn azure(url: &StoreUrl, shown: &str, options: &StoreOptions) -> Result<Arc<dyn ObjectStore>> {
    use object_store::azure::{AzureConfigKey, MicrosoftAzureBuilder};
    let mut builder = MicrosoftAzureBuilder::from_env().with_url(url.bucket_url());
    for (key, value) in &options.config {
        let parsed: AzureConfigKey = key
            .parse()
            .map_err(|_| config_error(shown, format!("{key:?} is not an Azure setting of object_store")))?;
        builder = builder.with_config(parsed, value.expose_secret());
    }
    let (client, retry) = limits(options);
    for (key, value) in client {
        builder = builder.with_config(AzureConfigKey::Client(key), value);
    }
    if let Some(retry) = retry {
        builder = builder.with_retry(retry);
    }
    Ok(Arc::new(
        builder.build().map_err(|e| config_error(shown, e.to_string()))?,
    ))
}

#[cfg(not(feature = "azure"))]
fn azure(_: &StoreUrl, shown: &str, _: &StoreOptions) -> Result<Arc<dyn ObjectStore>> {
    Err(TeamError::UnsupportedBackend {
        store: shown.to_owned(),
        reason: "this build has no Azure Blob Storage support (ascert-team's `azure` feature)".to_owned(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_shows_setting_names_but_never_values() {
        let options = StoreOptions::new()
            .with_config("aws_secret_access_key", "wJalrXUtnFEMI-secret")
            .with_actor("ci");
        let debug = format!("{options:?}");
        assert!(debug.contains("aws_secret_access_key"), "{debug}");
        assert!(!debug.contains("wJalrXUtnFEMI"), "{debug}");
    }

    #[test]
    fn s3_settings_are_checked_and_plain_http_needs_consent() {
        let url: StoreUrl = "s3://bucket/prefix".parse().unwrap();
        let options = StoreOptions::new().with_config("aws_endpoint", "http://127.0.0.1:9");
        let Err(error) = connect(&url, &options, false) else {
            panic!("plain http accepted")
        };
        assert!(error.to_string().contains("set AWS_ALLOW_HTTP=true"), "{error}");
        let options = options.with_config("aws_allow_http", "true");
        assert!(connect(&url, &options, false).is_ok());
        let options = StoreOptions::new().with_config("aws_no_such_thing", "1");
        let Err(error) = connect(&url, &options, false) else {
            panic!("unknown key accepted")
        };
        assert!(
            error
                .to_string()
                .contains("\"aws_no_such_thing\" is not an S3 setting"),
            "{error}"
        );
    }

    #[test]
    fn the_conditional_put_mode_cannot_be_turned_off() {
        let url: StoreUrl = "s3://bucket".parse().unwrap();
        let options = StoreOptions::new().with_config("aws_conditional_put", "disabled");
        let s3 = s3(&url, "s3://bucket", &options).unwrap();
        // The built store reports its configuration through Debug; the mode must be ETagMatch.
        let debug = format!("{s3:?}");
        assert!(debug.contains("ETagMatch"), "{debug}");
        assert!(!debug.contains("Disabled"), "{debug}");
    }

    #[test]
    fn memory_stores_are_shared_by_name() {
        let a = memory_store("backend-test-a");
        let again = memory_store("backend-test-a");
        let b = memory_store("backend-test-b");
        assert!(Arc::ptr_eq(&a, &again));
        assert!(!Arc::ptr_eq(&a, &b));
    }

    #[test]
    fn gcs_and_azure_say_which_feature_they_need() {
        if cfg!(not(feature = "gcp")) {
            let url: StoreUrl = "gs://bucket".parse().unwrap();
            let Err(error) = connect(&url, &StoreOptions::new(), false) else {
                panic!()
            };
            assert!(error.to_string().contains("`gcp` feature"), "{error}");
        }
        if cfg!(not(feature = "azure")) {
            let url: StoreUrl = "az://container".parse().unwrap();
            let Err(error) = connect(&url, &StoreOptions::new(), false) else {
                panic!()
            };
            assert!(error.to_string().contains("`azure` feature"), "{error}");
        }
    }
}
