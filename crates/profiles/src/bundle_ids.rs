//! Bundle IDs: list, find by identifier, get, register (reconciled by identifier), delete; and
//! their capabilities.

use ascert_models::jsonapi::{ListQuery, Page, ResourceQuery, UnknownResource};
use ascert_models::{
    BundleId, BundleIdCapability, BundleIdCapabilityCreateRequest, BundleIdCapabilityResponse,
    BundleIdCreateRequest, BundleIdPlatform, BundleIdResponse, CapabilityType,
};
use ascert_transport::ListRequest;
use futures::TryStreamExt as _;

use crate::{Error, ProfilesApi};

impl ProfilesApi {
    /// The bundle IDs `query` selects; then `.page()`, `.stream()` or `.all()` (every page).
    pub fn bundle_ids(&self, query: ListQuery<BundleId>) -> ListRequest<BundleId> {
        self.client.list(query)
    }

    /// The bundle ID whose identifier is exactly `identifier` (`com.example.app`), if registered.
    /// Apple's `filter[identifier]` also matches longer identifiers (`com.example.app.widget`);
    /// those are left out here.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn find_bundle_id(&self, identifier: &str) -> Result<Option<BundleId>, Error> {
        let wanted = identifier.to_owned();
        let query = ListQuery::<BundleId>::new()
            .filter("identifier", identifier)?
            .limit(200)?;
        let mut found = self
            .bundle_ids(query)
            .filter_locally(move |b: &BundleId| b.attributes.identifier.as_deref() == Some(wanted.as_str()))
            .stream();
        Ok(found.try_next().await?)
    }

    /// The bundle ID `id` (the opaque id) with the fields and includes of `query`.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404.
    pub async fn bundle_id(
        &self,
        id: &str,
        query: &ResourceQuery<BundleId>,
    ) -> Result<BundleIdResponse, Error> {
        Ok(self.client.get_resource::<BundleId>(id, query).await?)
    }

    /// Registers `identifier` for `platform` as `name`. After an ambiguous failure it looks the
    /// identifier up and adopts what the lost request registered instead of posting again.
    ///
    /// # Errors
    /// Any [`Error`]; a 409 for an identifier that is taken or malformed.
    pub async fn create_bundle_id(
        &self,
        name: &str,
        platform: BundleIdPlatform,
        identifier: &str,
    ) -> Result<BundleId, Error> {
        let body = BundleIdCreateRequest::new(name, platform, identifier);
        let url = self.client.url("v1/bundleIds")?;
        match self.client.post::<_, BundleIdResponse>(url, &body).await {
            Ok(response) => Ok(response.data),
            Err(err) if err.is_ambiguous() && !err.is_deadline() => {
                let err = Error::from(err);
                match self.find_bundle_id(identifier).await? {
                    Some(bundle) => Ok(bundle),
                    None => Err(err),
                }
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Deletes the bundle ID `id`; Apple deletes its profiles with it.
    ///
    /// # Errors
    /// Any [`Error`]; 409 when an app in App Store Connect uses it.
    pub async fn delete_bundle_id(&self, id: &str) -> Result<(), Error> {
        let url = self.client.resource_url::<BundleId>(id, &[], "")?;
        Ok(self.client.delete(url).await?)
    }

    /// Every capability of the bundle ID `id` (`GET /v1/bundleIds/{id}/bundleIdCapabilities`).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn capabilities(&self, id: &str) -> Result<Vec<BundleIdCapability>, Error> {
        let url = self
            .client
            .resource_url::<BundleId>(id, &["bundleIdCapabilities"], "limit=200")?;
        let pages = self
            .client
            .pages::<Page<BundleIdCapability, UnknownResource>>(url);
        let pages: Vec<_> = pages.try_collect().await?;
        Ok(pages.into_iter().flat_map(|p| p.data).collect())
    }

    /// Enables `capability` on the bundle ID `id`. Profiles made before keep their entitlements:
    /// make them again.
    ///
    /// # Errors
    /// Any [`Error`]; 409 when it is enabled already or the bundle ID cannot have it.
    pub async fn enable_capability(
        &self,
        id: &str,
        capability: CapabilityType,
    ) -> Result<BundleIdCapability, Error> {
        let body = BundleIdCapabilityCreateRequest::new(capability, id);
        let url = self.client.url("v1/bundleIdCapabilities")?;
        let response: BundleIdCapabilityResponse = self.client.post(url, &body).await?;
        Ok(response.data)
    }
}
