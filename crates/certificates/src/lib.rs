//! The App Store Connect **Certificates** API.
//!
//! [`CertificatesApi`] hands out a typed request for each operation:
//!
//! | call | request |
//! | --- | --- |
//! | [`list`](CertificatesApi::list) → [`ListRequest`] with `.page()`, `.stream()`, `.all()` | `GET /v1/certificates` (every page) |
//! | [`get`](CertificatesApi::get) → [`GetRequest`], [`download`](CertificatesApi::download) | `GET /v1/certificates/{id}` |
//! | [`create`](CertificatesApi::create) → [`CreateRequest`] with `.send()` or `.send_reconciled()` | `POST /v1/certificates` |
//! | [`activate`](CertificatesApi::activate), [`deactivate`](CertificatesApi::deactivate) | `PATCH /v1/certificates/{id}` |
//! | [`revoke`](CertificatesApi::revoke) | `DELETE /v1/certificates/{id}` |
//! | [`pass_type_id`](CertificatesApi::pass_type_id), [`pass_type_id_linkage`](CertificatesApi::pass_type_id_linkage) | the `passTypeId` relationship |
//!
//! Lists never stop at the first page by accident, and fall back to filtering locally when Apple
//! refuses a certificate-type filter value. Creation after an ambiguous failure adopts the certificate
//! the lost request made instead of asking for a second one.
//!
//! Every request builder ([`ListRequest`], [`GetRequest`], [`CreateRequest`]) is finished by a
//! method that takes it by value: `.send()`, `.page()`, `.all()`.
//!
//! # Public dependencies
//!
//! The types of [`ascert_models`] and [`ascert_transport`] appear throughout this API.
//! [`ListRequest::stream`] returns a `futures` [`BoxStream`], re-exported here. No HTTP crate is a
//! dependency: URLs are [`ascert_transport::Url`].
//!
//!
//! A complete example — key, client, every certificate of one type, a new certificate from a CSR.
//! It runs as a test against an in-process App Store Connect (ascert-sandbox, in the hidden lines);
//! against Apple, leave out the base URL and load your key with `ApiKey::from_p8_file` or
//! `ApiKey::from_env`:
//!
//! ```
//! use ascert_auth::{ApiKey, TokenProvider};
//! use ascert_certificates::CertificatesApi;
//! use ascert_models::CertificateType;
//! use ascert_transport::Client;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = ascert_sandbox::Sandbox::builder().seed_certificates(24).start().await?;
//! # let sandbox_key = sandbox.api_key();
//! # let (key_id, issuer_id, private_key_pem) =
//! #     (&sandbox_key.key_id, &sandbox_key.issuer_id, &sandbox_key.private_key_pem);
//! # let csr_pem = {
//! #     let key = rcgen::KeyPair::generate_for(&rcgen::PKCS_RSA_SHA256)?;
//! #     let params = rcgen::CertificateParams::new(Vec::<String>::new())?;
//! #     params.serialize_request(&key)?.pem()?
//! # };
//! let key = ApiKey::from_pem(key_id, Some(issuer_id), private_key_pem)?;
//! let client = Client::builder(TokenProvider::new(key))
//! #   .base_url(sandbox.base_url())
//!     .build()?;
//! let api = CertificatesApi::new(client);
//!
//! // Every page, not just the first.
//! let distribution = api.list().certificate_type(CertificateType::Distribution).limit(200)?.all().await?;
//! for certificate in &distribution {
//!     println!("{} {:?}", certificate.id, certificate.attributes.expiration_date);
//! }
//! # assert_eq!(distribution.len(), 2);
//!
//! // A certificate for a CSR made elsewhere (ascert-keystore makes keys and CSRs), then its DER.
//! let created = api.create(csr_pem, CertificateType::Development).send().await?;
//! let der = api.download(&created.id).await?;
//! # assert!(!der.is_empty());
//! # Ok(()) }
//! ```
//!
//! `examples/list.rs` and `examples/create.rs` do the same from the command line
//! (`cargo run -p ascert-certificates --example list`), against Apple when an API key is in the
//! environment and against a sandbox otherwise.

mod create;
mod error;
mod get;
mod list;
mod manage;
mod public_key;

use ascert_models::{Certificate, CertificateType};
use ascert_transport::Client;
use ascert_transport::Url;

pub use futures::stream::BoxStream;

/// The layers below, re-exported, so that this one dependency gives a program everything the
/// client side needs: `ascert_certificates::transport::auth::ApiKey`, `ascert_certificates::models`.
pub use ascert_transport::{self as transport, auth, models};

pub use create::{CreateRequest, Outcome, Reconciled};
pub use error::Error;
pub use get::GetRequest;
pub use list::ListRequest;

/// The Certificates resource of App Store Connect, over a [`Client`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct CertificatesApi {
    client: Client,
}

impl CertificatesApi {
    /// The API over `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The API over a client from the process environment, in one line: the API key of `ASC_*`
    /// (or fastlane's or codemagic's variables) and `ASCERT_BASE_URL` when set
    /// ([`Client::from_env`](ascert_transport::Client::from_env)). `Ok(None)` when no key is set.
    ///
    /// ```no_run
    /// # async fn run() -> Result<(), ascert_certificates::Error> {
    /// let api = ascert_certificates::CertificatesApi::from_env()?.expect("an API key in ASC_*");
    /// let all = api.list().all().await?;
    /// # let _ = all; Ok(()) }
    /// ```
    ///
    /// # Errors
    /// [`Error::Transport`] for a key that is half set or cannot be read, or a base URL that
    /// cannot be used.
    pub fn from_env() -> Result<Option<Self>, Error> {
        Ok(Client::from_env()?.map(Self::new))
    }

    /// The client underneath, for its rate-limit figures and request count.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// A list of certificates; add filters, then `.page()`, `.stream()` or `.all()`.
    pub fn list(&self) -> ListRequest {
        ListRequest::new(self.clone())
    }

    /// The certificate `id`; add fields or includes, then `.send()`.
    pub fn get(&self, id: impl Into<String>) -> GetRequest {
        GetRequest::new(self.clone(), id.into())
    }

    /// A new certificate of `certificate_type` from a PEM CSR; then `.send()` or `.send_reconciled()`.
    pub fn create(&self, csr_pem: impl Into<String>, certificate_type: CertificateType) -> CreateRequest {
        CreateRequest::new(self.clone(), csr_pem.into(), certificate_type)
    }

    /// Shorthand for `create(csr_pem, certificate_type).send_reconciled()`.
    ///
    /// # Errors
    /// As [`CreateRequest::send_reconciled`].
    pub async fn create_reconciled(
        &self,
        csr_pem: impl Into<String>,
        certificate_type: CertificateType,
    ) -> Result<Reconciled, Error> {
        self.create(csr_pem, certificate_type).send_reconciled().await
    }

    /// `v1/certificates/{id}/{suffix...}?{query}`, with the id escaped as one path segment.
    fn certificate_url(&self, id: &str, suffix: &[&str], query: &str) -> Result<Url, Error> {
        Ok(self.client.resource_url::<Certificate>(id, suffix, query)?)
    }
}
