//! Profiles: list, get, download, create (reconciled by name after an ambiguous failure), delete,
//! and the certificates and devices a profile names.

use ascert_models::jsonapi::{ListQuery, Page, ResourceQuery, UnknownResource};
use ascert_models::{Certificate, Device, Profile, ProfileCreateRequest, ProfileResponse};
use ascert_transport::ListRequest;
use futures::TryStreamExt as _;

use crate::{Error, ProfilesApi};

/// How many times [`ProfilesApi::create_profile_reconciled`] posts before it gives up on
/// ambiguous failures.
const MAX_POSTS: usize = 3;

/// Whether a reconciled create made the resource or found it made by an earlier request whose
/// answer was lost.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// App Store Connect made it now.
    Created,
    /// It existed already (an earlier request went through) and was adopted.
    Adopted,
}

/// The profile of [`ProfilesApi::create_profile_reconciled`], and how it was obtained.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct ReconciledProfile {
    /// The profile, with its content.
    pub profile: Profile,
    /// Created or adopted.
    pub outcome: Outcome,
}

impl ProfilesApi {
    /// The profiles `query` selects; then `.page()`, `.stream()` or `.all()` (every page).
    pub fn profiles(&self, query: ListQuery<Profile>) -> ListRequest<Profile> {
        self.client.list(query)
    }

    /// The profile `id` with the fields and includes of `query`.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404 ([`Error::is_not_found`]).
    pub async fn profile(&self, id: &str, query: &ResourceQuery<Profile>) -> Result<ProfileResponse, Error> {
        Ok(self.client.get_resource::<Profile>(id, query).await?)
    }

    /// The `.mobileprovision` file of the profile `id`.
    ///
    /// # Errors
    /// Any [`Error`]; [`Error::Model`] when the content is missing or not base64.
    pub async fn download_profile(&self, id: &str) -> Result<Vec<u8>, Error> {
        let document = self.profile(id, &ResourceQuery::new()).await?;
        Ok(document.data.content_der()?)
    }

    /// Posts `request` once. A `POST` is not idempotent: after an ambiguous failure the profile may
    /// exist; [`create_profile_reconciled`](Self::create_profile_reconciled) finds out.
    ///
    /// # Errors
    /// Any [`Error`]; a 409 ([`Error::is_conflict`]) for a name taken or a relationship that does
    /// not fit the type.
    pub async fn create_profile(&self, request: &ProfileCreateRequest) -> Result<Profile, Error> {
        let url = self.client.url("v1/profiles")?;
        let response: ProfileResponse = self.client.post(url, request).await?;
        Ok(response.data)
    }

    /// Creates the profile without ever making two: after an ambiguous failure it looks for a
    /// profile of the request's name and type (names are unique in a team) and adopts it; only
    /// when there is none does it post again, at most three times in all.
    ///
    /// # Errors
    /// As [`create_profile`](Self::create_profile); the last ambiguous failure when every post
    /// failed so.
    pub async fn create_profile_reconciled(
        &self,
        request: ProfileCreateRequest,
    ) -> Result<ReconciledProfile, Error> {
        let mut posts = 0;
        loop {
            posts += 1;
            match self.create_profile(&request).await {
                Ok(profile) => {
                    return Ok(ReconciledProfile {
                        profile,
                        outcome: Outcome::Created,
                    });
                }
                Err(err) if err.is_deadline() => return Err(err),
                Err(err) if err.is_ambiguous() => {
                    tracing::debug!(error = %err, "the profile create failed ambiguously; looking for it");
                    if let Some(profile) = self.find_created(&request).await? {
                        return Ok(ReconciledProfile {
                            profile,
                            outcome: Outcome::Adopted,
                        });
                    }
                    if posts >= MAX_POSTS {
                        return Err(err);
                    }
                }
                Err(err) => return Err(err),
            }
        }
    }

    /// The profile a lost `request` made: one of its name and type, for its bundle ID.
    async fn find_created(&self, request: &ProfileCreateRequest) -> Result<Option<Profile>, Error> {
        let attributes = &request.data.attributes;
        let bundle_id = request.data.relationships.bundle_id.data.id.clone();
        let query = ListQuery::<Profile>::new()
            .filter("name", attributes.name.clone())?
            .include("bundleId")?;
        let name = attributes.name.clone();
        let profile_type = attributes.profile_type.clone();
        let mut found = self
            .profiles(query)
            .filter_locally(move |p: &Profile| {
                // Apple's name filter may match more than the exact name.
                p.attributes.name.as_deref() == Some(name.as_str())
                    && p.attributes.profile_type.as_ref() == Some(&profile_type)
                    && p.bundle_id_id().is_none_or(|id| id == bundle_id)
            })
            .stream();
        Ok(found.try_next().await?)
    }

    /// Deletes the profile `id`. Builds already signed keep working; Xcode and the machines it is
    /// installed on keep their copy until it is removed.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404.
    pub async fn delete_profile(&self, id: &str) -> Result<(), Error> {
        let url = self.client.resource_url::<Profile>(id, &[], "")?;
        Ok(self.client.delete(url).await?)
    }

    /// Every certificate the profile `id` names (`GET /v1/profiles/{id}/certificates`, every page).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn profile_certificates(&self, id: &str) -> Result<Vec<Certificate>, Error> {
        let url = self
            .client
            .resource_url::<Profile>(id, &["certificates"], "limit=200")?;
        let pages = self.client.pages::<Page<Certificate, UnknownResource>>(url);
        let pages: Vec<_> = pages.try_collect().await?;
        Ok(pages.into_iter().flat_map(|p| p.data).collect())
    }

    /// Every device the profile `id` names (`GET /v1/profiles/{id}/devices`, every page).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn profile_devices(&self, id: &str) -> Result<Vec<Device>, Error> {
        let url = self
            .client
            .resource_url::<Profile>(id, &["devices"], "limit=200")?;
        let pages = self.client.pages::<Page<Device, UnknownResource>>(url);
        let pages: Vec<_> = pages.try_collect().await?;
        Ok(pages.into_iter().flat_map(|p| p.data).collect())
    }
}
