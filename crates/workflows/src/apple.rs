//! The seam to App Store Connect: the two things the flows ask of Apple, implemented by
//! [`CertificatesApi`] and by whatever fake a test needs.

use std::future::Future;

use ascert_certificates::{CertificatesApi, Error, Outcome};
use ascert_models::{Certificate, CertificateType};

/// The certificate a flow asks App Store Connect for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct CertificateRequest {
    /// The CSR, PEM.
    pub csr_pem: String,
    /// The certificate type.
    pub certificate_type: CertificateType,
    /// The pass type id (for the Wallet pass types).
    pub pass_type_id: Option<String>,
    /// The merchant id (for the Apple Pay types).
    pub merchant_id: Option<String>,
}

impl CertificateRequest {
    /// A request for a certificate of `certificate_type` for the key of `csr_pem`.
    pub fn new(csr_pem: impl Into<String>, certificate_type: CertificateType) -> Self {
        Self {
            csr_pem: csr_pem.into(),
            certificate_type,
            pass_type_id: None,
            merchant_id: None,
        }
    }

    /// With the pass type id the certificate belongs to.
    #[must_use]
    pub fn with_pass_type_id(mut self, id: Option<String>) -> Self {
        self.pass_type_id = id;
        self
    }

    /// With the merchant id the certificate belongs to.
    #[must_use]
    pub fn with_merchant_id(mut self, id: Option<String>) -> Self {
        self.merchant_id = id;
        self
    }
}

/// What the flows ask of App Store Connect.
pub trait Apple: Sync {
    /// Every certificate App Store Connect lists (every page, every type): a store's record is
    /// matched with Apple's certificate by id, whatever type the record claims.
    fn all_certificates(&self) -> impl Future<Output = Result<Vec<Certificate>, Error>> + Send;

    /// One certificate, by its id.
    fn certificate(&self, id: &str) -> impl Future<Output = Result<Certificate, Error>> + Send;

    /// Every certificate of `certificate_type` App Store Connect lists (every page).
    fn certificates_of_type(
        &self,
        certificate_type: &CertificateType,
    ) -> impl Future<Output = Result<Vec<Certificate>, Error>> + Send;

    /// Asks for a certificate, reconciling an ambiguous failure: when the request's outcome is not
    /// known, the certificate issued for the CSR's key, if any, is found and adopted rather than
    /// asked for again (see [`ascert_certificates::CreateRequest::send_reconciled`]).
    fn create_certificate(
        &self,
        request: CertificateRequest,
    ) -> impl Future<Output = Result<(Certificate, Outcome), Error>> + Send;
}

impl Apple for CertificatesApi {
    async fn all_certificates(&self) -> Result<Vec<Certificate>, Error> {
        self.list().limit(200)?.all().await
    }

    async fn certificate(&self, id: &str) -> Result<Certificate, Error> {
        self.get(id).send().await
    }

    async fn certificates_of_type(
        &self,
        certificate_type: &CertificateType,
    ) -> Result<Vec<Certificate>, Error> {
        self.list()
            .certificate_type(certificate_type.clone())
            .limit(200)?
            .all()
            .await
    }

    async fn create_certificate(&self, request: CertificateRequest) -> Result<(Certificate, Outcome), Error> {
        let mut create = self.create(request.csr_pem, request.certificate_type);
        if let Some(id) = request.pass_type_id {
            create = create.pass_type_id(id);
        }
        if let Some(id) = request.merchant_id {
            create = create.merchant_id(id);
        }
        let reconciled = create.send_reconciled().await?;
        Ok((reconciled.certificate, reconciled.outcome))
    }
}
