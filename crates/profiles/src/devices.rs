//! Devices: list, register (reconciled by UDID), rename, enable or disable.

use ascert_models::jsonapi::ListQuery;
use ascert_models::{BundleIdPlatform, Device, DeviceCreateRequest, DeviceResponse, DeviceUpdateRequest};
use ascert_transport::ListRequest;
use futures::TryStreamExt as _;

use crate::{Error, ProfilesApi};

impl ProfilesApi {
    /// The devices `query` selects; then `.page()`, `.stream()` or `.all()` (every page).
    pub fn devices(&self, query: ListQuery<Device>) -> ListRequest<Device> {
        self.client.list(query)
    }

    /// The registered device with this UDID (compared without regard to case), if any.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn find_device(&self, udid: &str) -> Result<Option<Device>, Error> {
        let wanted = udid.to_owned();
        let query = ListQuery::<Device>::new().filter("udid", udid)?.limit(200)?;
        let mut found = self
            .devices(query)
            .filter_locally(move |d: &Device| {
                d.attributes
                    .udid
                    .as_deref()
                    .is_some_and(|u| u.eq_ignore_ascii_case(&wanted))
            })
            .stream();
        Ok(found.try_next().await?)
    }

    /// Registers the device `udid` of `platform` as `name`. After an ambiguous failure it looks
    /// the UDID up and adopts what the lost request registered instead of posting again: a
    /// registration counts against the yearly device limit even once the device is disabled.
    ///
    /// # Errors
    /// Any [`Error`]; a 409 for a UDID that is malformed or registered already, or a full limit.
    pub async fn register_device(
        &self,
        name: &str,
        platform: BundleIdPlatform,
        udid: &str,
    ) -> Result<Device, Error> {
        let body = DeviceCreateRequest::new(name, platform, udid);
        let url = self.client.url("v1/devices")?;
        match self.client.post::<_, DeviceResponse>(url, &body).await {
            Ok(response) => Ok(response.data),
            Err(err) if err.is_ambiguous() && !err.is_deadline() => {
                let err = Error::from(err);
                match self.find_device(udid).await? {
                    Some(device) => Ok(device),
                    None => Err(err),
                }
            }
            Err(err) => Err(err.into()),
        }
    }

    /// Applies `request` (a new name, enabled or disabled) and returns the device as it is now.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404.
    pub async fn update_device(&self, request: &DeviceUpdateRequest) -> Result<Device, Error> {
        let url = self.client.resource_url::<Device>(&request.data.id, &[], "")?;
        let response: DeviceResponse = self.client.patch(url, request).await?;
        Ok(response.data)
    }
}
