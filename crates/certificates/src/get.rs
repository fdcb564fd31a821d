//! [`GetRequest`]: `GET /v1/certificates/{id}` (through ascert-transport's generic
//! [`Client::get_resource`](ascert_transport::Client::get_resource)), and the certificate's DER.

use ascert_models::jsonapi::ResourceQuery;
use ascert_models::{Certificate, CertificateField, CertificateResponse, CertificatesKind, Include};

use crate::{CertificatesApi, Error};

/// One certificate being fetched; finish with [`send`](Self::send) or [`document`](Self::document).
#[derive(Debug, Clone)]
#[must_use]
pub struct GetRequest {
    api: CertificatesApi,
    id: String,
    fields: Vec<CertificateField>,
    include: Vec<Include>,
}

impl GetRequest {
    pub(crate) fn new(api: CertificatesApi, id: String) -> Self {
        Self {
            api,
            id,
            fields: Vec::new(),
            include: Vec::new(),
        }
    }

    /// Asks only for these fields.
    pub fn fields(mut self, fields: impl IntoIterator<Item = CertificateField>) -> Self {
        self.fields.extend(fields);
        self
    }

    /// Includes related resources in the document.
    pub fn include(mut self, include: Include) -> Self {
        if !self.include.contains(&include) {
            self.include.push(include);
        }
        self
    }

    /// The whole document, with `included` resources.
    ///
    /// # Errors
    /// Any [`Error`]; an unknown id is a 404 from App Store Connect.
    pub async fn document(self) -> Result<CertificateResponse, Error> {
        let mut query = ResourceQuery::<Certificate>::new();
        for field in &self.fields {
            query = query.fields(CertificatesKind::VALUE, [field.as_str()])?;
        }
        for include in &self.include {
            query = query.include(include.as_str())?;
        }
        Ok(self.api.client().get_resource(&self.id, &query).await?)
    }

    /// The certificate.
    ///
    /// # Errors
    /// As [`document`](Self::document).
    pub async fn send(self) -> Result<Certificate, Error> {
        Ok(self.document().await?.data)
    }
}

impl CertificatesApi {
    /// The certificate `id` as DER bytes, ready to write to a `.cer` file.
    ///
    /// # Errors
    /// Any [`Error`] of the request, or [`Error::Model`] when its content is missing or not base64.
    pub async fn download(&self, id: &str) -> Result<Vec<u8>, Error> {
        let certificate = self.get(id).send().await?;
        Ok(certificate.content_der()?)
    }
}
