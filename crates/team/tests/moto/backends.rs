//! The servers the backend-neutral tests run against, behind one trait: moto (S3) and Azurite
//! (Azure Blob Storage). A test written once as `async fn name<B: TestBackend>()` runs against each
//! through [`against_each_backend!`], as `name::moto` and `name::azurite`.

use std::sync::Arc;

use ascert_team::{StoreOptions, StoreUrl};
use object_store::ObjectStore;

use crate::azurite::{self, Azurite};
use crate::server::Moto;

/// A storage server started for one test.
pub(crate) trait TestBackend: Sized + Send + Sync + 'static {
    /// The server's name, for the figures the tests print.
    const NAME: &'static str;

    /// Starts a server (failing, never skipping, when it is not installed).
    async fn start() -> Self;

    /// Creates a bucket (S3) or container (Azure): ascert never creates one.
    async fn create_bucket(&self, bucket: &str);

    /// The URL of a store in `bucket` under `prefix`.
    fn url(&self, bucket: &str, prefix: &str) -> StoreUrl;

    /// Store options that reach this server, for a runner named `actor`.
    fn options(&self, actor: &str) -> StoreOptions;

    /// Environment variables that point a child process at this server.
    fn env(&self) -> Vec<(&'static str, String)>;

    /// An `object_store` client of `bucket`, for reading and changing objects behind the crate's back.
    fn raw(&self, bucket: &str) -> Arc<dyn ObjectStore>;
}

impl TestBackend for Moto {
    const NAME: &'static str = "moto";

    async fn start() -> Self {
        Moto::start().await
    }

    async fn create_bucket(&self, bucket: &str) {
        Moto::create_bucket(self, bucket).await;
    }

    fn url(&self, bucket: &str, prefix: &str) -> StoreUrl {
        Moto::url(bucket, prefix)
    }

    fn options(&self, actor: &str) -> StoreOptions {
        self.open_options(actor)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        Moto::env(self)
    }

    fn raw(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        Arc::new(Moto::raw(self, bucket))
    }
}

impl TestBackend for Azurite {
    const NAME: &'static str = "Azurite";

    async fn start() -> Self {
        Azurite::start().await
    }

    async fn create_bucket(&self, bucket: &str) {
        self.create_container(bucket).await;
    }

    fn url(&self, bucket: &str, prefix: &str) -> StoreUrl {
        Azurite::url(bucket, prefix)
    }

    fn options(&self, actor: &str) -> StoreOptions {
        Azurite::options(self, actor)
    }

    fn env(&self) -> Vec<(&'static str, String)> {
        Azurite::env(self)
    }

    fn raw(&self, bucket: &str) -> Arc<dyn ObjectStore> {
        Arc::new(
            object_store::azure::MicrosoftAzureBuilder::new()
                .with_account(azurite::ACCOUNT)
                .with_access_key(azurite::ACCOUNT_KEY)
                .with_endpoint(self.endpoint.clone())
                .with_allow_http(true)
                .with_container_name(bucket)
                .build()
                .unwrap(),
        )
    }
}

/// Runs the backend-neutral test `async fn $test<B: TestBackend>()` against each server, as the
/// tests `$test::moto` and `$test::azurite` (filter by either name).
macro_rules! against_each_backend {
    ($test:ident, worker_threads = $threads:literal) => {
        mod $test {
            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn moto() {
                super::$test::<crate::server::Moto>().await;
            }

            #[tokio::test(flavor = "multi_thread", worker_threads = $threads)]
            async fn azurite() {
                super::$test::<crate::azurite::Azurite>().await;
            }
        }
    };
}
pub(crate) use against_each_backend;

/// The harness's SAS constant is what Azure's account-SAS rules make of its fields with the
/// built-in key: so anyone can check it, or make another, without trusting a pasted string.
#[test]
fn sas_is_signed_with_the_built_in_key() {
    use base64::Engine as _;
    let fields: std::collections::HashMap<String, String> =
        url::form_urlencoded::parse(azurite::SAS.as_bytes())
            .into_owned()
            .collect();
    let field = |name: &str| fields.get(name).map_or("", String::as_str);
    // Account SAS, version 2020-12-06 and later: account, permissions, services, resource types,
    // start, expiry, IP range, protocol, version, encryption scope, each followed by a newline.
    let string_to_sign = [
        azurite::ACCOUNT,
        field("sp"),
        field("ss"),
        field("srt"),
        field("st"),
        field("se"),
        field("sip"),
        field("spr"),
        field("sv"),
        field("ses"),
        "",
    ]
    .join("\n");
    let key = base64::engine::general_purpose::STANDARD
        .decode(azurite::ACCOUNT_KEY)
        .unwrap();
    let tag = aws_lc_rs::hmac::sign(
        &aws_lc_rs::hmac::Key::new(aws_lc_rs::hmac::HMAC_SHA256, &key),
        string_to_sign.as_bytes(),
    );
    assert_eq!(
        field("sig"),
        base64::engine::general_purpose::STANDARD.encode(tag.as_ref())
    );
}
