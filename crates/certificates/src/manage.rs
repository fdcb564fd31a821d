//! Changing a certificate: activate or deactivate, revoke; and its pass type ID relationship.

use ascert_models::{
    Certificate, CertificatePassTypeIdLinkageResponse, CertificateResponse, CertificateUpdateRequest,
    PassTypeIdResponse,
};

use crate::{CertificatesApi, Error};

impl CertificatesApi {
    /// Activates the certificate `id` and returns it as it is now.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404.
    pub async fn activate(&self, id: &str) -> Result<Certificate, Error> {
        self.update(CertificateUpdateRequest::new(id).with_activated(true))
            .await
    }

    /// Deactivates the certificate `id` and returns it as it is now.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404.
    pub async fn deactivate(&self, id: &str) -> Result<Certificate, Error> {
        self.update(CertificateUpdateRequest::new(id).with_activated(false))
            .await
    }

    /// `PATCH /v1/certificates/{id}` with `body`.
    async fn update(&self, body: CertificateUpdateRequest) -> Result<Certificate, Error> {
        let url = self.certificate_url(body.id(), &[], "")?;
        let response: CertificateResponse = self.client().patch(url, &body).await?;
        Ok(response.data)
    }

    /// Revokes the certificate `id`. Revocation cannot be undone: apps signed with it stop launching
    /// for distribution types once their provisioning profiles are invalidated.
    ///
    /// A retry after a lost connection that then finds the certificate gone counts as success.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404.
    pub async fn revoke(&self, id: &str) -> Result<(), Error> {
        let url = self.certificate_url(id, &[], "")?;
        Ok(self.client().delete(url).await?)
    }

    /// The pass type ID of a pass certificate (`GET /v1/certificates/{id}/passTypeId`).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn pass_type_id(&self, id: &str) -> Result<PassTypeIdResponse, Error> {
        let url = self.certificate_url(id, &["passTypeId"], "")?;
        Ok(self.client().get(url).await?)
    }

    /// The linkage to the pass type ID (`GET /v1/certificates/{id}/relationships/passTypeId`).
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn pass_type_id_linkage(
        &self,
        id: &str,
    ) -> Result<CertificatePassTypeIdLinkageResponse, Error> {
        let url = self.certificate_url(id, &["relationships", "passTypeId"], "")?;
        Ok(self.client().get(url).await?)
    }
}
