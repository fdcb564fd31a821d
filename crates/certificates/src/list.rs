//! [`ListRequest`]: `GET /v1/certificates` as one page, a stream, or everything: a typed builder
//! over ascert-transport's generic [`ListRequest`](ascert_transport::ListRequest).

use ascert_models::{
    Certificate, CertificateField, CertificateType, CertificatesResponse, Include, ListCertificatesQuery,
    SortField, SortOrder,
};
use futures::stream::{BoxStream, StreamExt as _, TryStreamExt as _};

use crate::{CertificatesApi, Error};

/// A list of certificates being set up; finish it with [`page`](Self::page), [`stream`](Self::stream)
/// or [`all`](Self::all).
#[derive(Debug, Clone)]
#[must_use]
pub struct ListRequest {
    api: CertificatesApi,
    query: ListCertificatesQuery,
    prefetch: bool,
}

impl ListRequest {
    pub(crate) fn new(api: CertificatesApi) -> Self {
        Self {
            api,
            query: ListCertificatesQuery::new(),
            prefetch: false,
        }
    }

    /// Whether [`stream`](Self::stream) fetches one page ahead (default: no). With `true`, the next
    /// page is requested as soon as a page arrives, on a task of its own, so it comes over the
    /// network while the caller handles the certificates of the page before: a caller that writes
    /// each certificate out as it comes spends less time waiting. Never more than one page ahead;
    /// dropping the stream stops the fetch. Needs a tokio runtime (see
    /// [`Client::pages_ahead`](ascert_transport::Client::pages_ahead)).
    pub fn prefetch(mut self, ahead: bool) -> Self {
        self.prefetch = ahead;
        self
    }

    /// Starts from a query built elsewhere.
    pub fn query(mut self, query: ListCertificatesQuery) -> Self {
        self.query = query;
        self
    }

    /// Only certificates of this type (repeat for several).
    pub fn certificate_type(mut self, certificate_type: CertificateType) -> Self {
        self.query = self.query.certificate_type(certificate_type);
        self
    }

    /// Only certificates with this display name (repeat for several).
    pub fn display_name(mut self, name: impl Into<String>) -> Self {
        self.query = self.query.display_name(name);
        self
    }

    /// Only the certificate with this serial number (repeat for several).
    pub fn serial_number(mut self, serial: impl Into<String>) -> Self {
        self.query = self.query.serial_number(serial);
        self
    }

    /// Only the certificate with this id (repeat for several).
    pub fn id(mut self, id: impl Into<String>) -> Self {
        self.query = self.query.id(id);
        self
    }

    /// Sorts on `field`; earlier sorts take precedence.
    pub fn sort(mut self, field: SortField, order: SortOrder) -> Self {
        self.query = self.query.sort(field, order);
        self
    }

    /// Asks only for these fields (a sparse fieldset).
    pub fn fields(mut self, fields: impl IntoIterator<Item = CertificateField>) -> Self {
        self.query = self.query.fields(fields);
        self
    }

    /// Includes related resources.
    pub fn include(mut self, include: Include) -> Self {
        self.query = self.query.include(include);
        self
    }

    /// Sets the page size.
    ///
    /// # Errors
    /// [`Error::Model`] unless `1 <= limit <= 200`.
    pub fn limit(mut self, limit: u32) -> Result<Self, Error> {
        self.query = self.query.limit(limit)?;
        Ok(self)
    }

    /// The generic request this list is: [`ascert_transport::ListRequest`] over the query, one
    /// page ahead if asked, falling back to filtering certificate types locally.
    fn request(self) -> ascert_transport::ListRequest<Certificate> {
        let Self { api, query, prefetch } = self;
        let wanted: Vec<CertificateType> = query.certificate_types().to_vec();
        api.client()
            .list(query.to_list_query())
            .prefetch(prefetch)
            .filter_locally_if_refused("certificateType", move |c: &Certificate| {
                c.attributes
                    .certificate_type
                    .as_ref()
                    .is_some_and(|t| wanted.contains(t))
            })
    }

    /// The first page only, exactly as App Store Connect sends it (with `included` and paging).
    /// Use [`stream`](Self::stream) or [`all`](Self::all) for the whole list.
    ///
    /// # Errors
    /// Any [`Error`].
    pub async fn page(self) -> Result<CertificatesResponse, Error> {
        Ok(self.request().page().await?)
    }

    /// Every matching certificate, page after page, to the end of the list.
    ///
    /// When App Store Connect refuses a `filter[certificateType]` value (it has answered
    /// `DEVELOPER_ID_APPLICATION_G2` with 400 `PARAMETER_ERROR.INVALID`), the list is fetched without
    /// that filter and filtered here instead.
    pub fn stream(self) -> BoxStream<'static, Result<Certificate, Error>> {
        self.request().stream().map_err(Error::from).boxed()
    }

    /// Every matching certificate, collected; see [`stream`](Self::stream).
    ///
    /// # Errors
    /// The first [`Error`] met; nothing is returned then, so a partial list is never mistaken for a whole one.
    pub async fn all(self) -> Result<Vec<Certificate>, Error> {
        self.stream().try_collect().await
    }
}
