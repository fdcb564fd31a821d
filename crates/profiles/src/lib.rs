//! The App Store Connect provisioning APIs: **Profiles**, **Bundle IDs** (and their
//! capabilities) and **Devices**.
//!
//! [`ProfilesApi`] is a thin layer over ascert-transport's generic list and get: each resource of
//! ascert-models describes its endpoints ([`Resource`](ascert_models::jsonapi::Resource)), so a
//! list is a [`ListQuery`](ascert_models::jsonapi::ListQuery) handed to [`ProfilesApi::profiles`], [`ProfilesApi::bundle_ids`] or
//! [`ProfilesApi::devices`], and every list follows `links.next` to the end.
//!
//! | call | request |
//! | --- | --- |
//! | [`profiles`](ProfilesApi::profiles), [`profile`](ProfilesApi::profile), [`download_profile`](ProfilesApi::download_profile) | `GET /v1/profiles[/{id}]` |
//! | [`create_profile`](ProfilesApi::create_profile), [`create_profile_reconciled`](ProfilesApi::create_profile_reconciled) | `POST /v1/profiles` |
//! | [`delete_profile`](ProfilesApi::delete_profile) | `DELETE /v1/profiles/{id}` |
//! | [`profile_certificates`](ProfilesApi::profile_certificates), [`profile_devices`](ProfilesApi::profile_devices) | `GET /v1/profiles/{id}/certificates`, `…/devices` |
//! | [`bundle_ids`](ProfilesApi::bundle_ids), [`find_bundle_id`](ProfilesApi::find_bundle_id), [`bundle_id`](ProfilesApi::bundle_id) | `GET /v1/bundleIds[/{id}]` |
//! | [`create_bundle_id`](ProfilesApi::create_bundle_id), [`delete_bundle_id`](ProfilesApi::delete_bundle_id) | `POST`, `DELETE /v1/bundleIds` |
//! | [`capabilities`](ProfilesApi::capabilities), [`enable_capability`](ProfilesApi::enable_capability) | `GET /v1/bundleIds/{id}/bundleIdCapabilities`, `POST /v1/bundleIdCapabilities` |
//! | [`devices`](ProfilesApi::devices), [`register_device`](ProfilesApi::register_device), [`update_device`](ProfilesApi::update_device) | `GET`, `POST /v1/devices`, `PATCH /v1/devices/{id}` |
//!
//! Creation is never duplicated by a retry: after an ambiguous failure (a timeout, a lost
//! connection, a 5xx) the `…_reconciled` calls and [`create_bundle_id`](ProfilesApi::create_bundle_id)
//! and [`register_device`](ProfilesApi::register_device) look for what the lost request made — a
//! profile by its name, a bundle ID by its identifier, a device by its UDID — and adopt it before
//! they post again.
//!
//! ```
//! use ascert_auth::{ApiKey, TokenProvider};
//! use ascert_models::jsonapi::ListQuery;
//! use ascert_models::{BundleIdPlatform, Profile, ProfileCreateRequest, ProfileType};
//! use ascert_profiles::ProfilesApi;
//! use ascert_transport::Client;
//!
//! # #[tokio::main]
//! # async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! # let sandbox = ascert_sandbox::Sandbox::builder().seed_certificates(3).start().await?;
//! # let sandbox_key = sandbox.api_key();
//! # let key = ApiKey::from_pem(&sandbox_key.key_id, Some(&sandbox_key.issuer_id), &sandbox_key.private_key_pem)?;
//! # let client = Client::builder(TokenProvider::new(key)).base_url(sandbox.base_url()).build()?;
//! # let certificates = ascert_certificates::CertificatesApi::new(client.clone());
//! # let distribution = certificates.list().certificate_type(ascert_models::CertificateType::Distribution).all().await?;
//! # let certificate_id = distribution[0].id.clone();
//! let api = ProfilesApi::new(client);
//! let bundle = match api.find_bundle_id("com.example.app").await? {
//!     Some(bundle) => bundle,
//!     None => api.create_bundle_id("Example", BundleIdPlatform::Ios, "com.example.app").await?,
//! };
//! let request = ProfileCreateRequest::new("CI App Store", ProfileType::IosAppStore, &bundle.id, [&certificate_id]);
//! let profile = api.create_profile_reconciled(request).await?.profile;
//! let file = profile.content_der()?; // the .mobileprovision
//! # assert!(!file.is_empty());
//! let active = api.profiles(ListQuery::<Profile>::new().filter("profileState", "ACTIVE")?).all().await?;
//! # assert_eq!(active.len(), 1);
//! # Ok(()) }
//! ```

mod bundle_ids;
mod devices;
mod error;
mod profiles;

use ascert_transport::Client;

/// The layers below, re-exported: `ascert_profiles::models`, `ascert_profiles::transport`.
pub use ascert_transport::{self as transport, models};

pub use error::Error;
pub use profiles::{Outcome, ReconciledProfile};

/// The provisioning resources of App Store Connect, over a [`Client`]. Cheap to clone.
#[derive(Debug, Clone)]
pub struct ProfilesApi {
    client: Client,
}

impl ProfilesApi {
    /// The API over `client`.
    pub fn new(client: Client) -> Self {
        Self { client }
    }

    /// The API over a client from the process environment (see
    /// [`Client::from_env`](ascert_transport::Client::from_env)); `Ok(None)` when no key is set.
    ///
    /// # Errors
    /// [`Error::Transport`] for a key that is half set or cannot be read.
    pub fn from_env() -> Result<Option<Self>, Error> {
        Ok(Client::from_env()?.map(Self::new))
    }

    /// The client underneath.
    pub fn client(&self) -> &Client {
        &self.client
    }
}
