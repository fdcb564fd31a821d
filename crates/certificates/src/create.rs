//! [`CreateRequest`]: `POST /v1/certificates` from a CSR, and creation that survives an ambiguous
//! failure without making a second certificate.

use ascert_models::{Certificate, CertificateCreateRequest, CertificateResponse, CertificateType};
use futures::TryStreamExt as _;

use crate::public_key::{certificate_public_key, csr_public_key};
use crate::{CertificatesApi, Error};

/// How many times [`CreateRequest::send_reconciled`] posts before it gives up on ambiguous failures.
const MAX_POSTS: usize = 3;

/// A certificate request being set up; finish with [`send`](Self::send) or
/// [`send_reconciled`](Self::send_reconciled).
#[derive(Debug, Clone)]
#[must_use]
pub struct CreateRequest {
    api: CertificatesApi,
    body: CertificateCreateRequest,
}

/// Whether [`CreateRequest::send_reconciled`] made the certificate or found it already made.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// App Store Connect issued a new certificate.
    Created,
    /// A certificate for this CSR's key already existed (an earlier request went through although its
    /// response was lost) and was adopted instead of asking for another.
    Adopted,
}

/// The certificate of a reconciled create, and how it was obtained.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Reconciled {
    /// The certificate, with its content.
    pub certificate: Certificate,
    /// Created or adopted.
    pub outcome: Outcome,
}

impl CreateRequest {
    pub(crate) fn new(api: CertificatesApi, csr_pem: String, certificate_type: CertificateType) -> Self {
        Self {
            api,
            body: CertificateCreateRequest::new(csr_pem, certificate_type),
        }
    }

    /// Links the certificate to a pass type ID (for `PASS_TYPE_ID` and `PASS_TYPE_ID_WITH_NFC`).
    pub fn pass_type_id(mut self, id: impl Into<String>) -> Self {
        self.body = self.body.with_pass_type_id(id);
        self
    }

    /// Links the certificate to a merchant ID (for the Apple Pay types).
    pub fn merchant_id(mut self, id: impl Into<String>) -> Self {
        self.body = self.body.with_merchant_id(id);
        self
    }

    /// Posts the request once.
    ///
    /// A `POST` is not idempotent: after an error for which [`Error::is_ambiguous`] holds, the
    /// certificate may exist. Use [`send_reconciled`](Self::send_reconciled) to find out rather than
    /// posting again.
    ///
    /// # Errors
    /// Any [`Error`]; a full slot for this type is a 409 ([`Error::is_conflict`]).
    pub async fn send(self) -> Result<Certificate, Error> {
        self.post().await
    }

    /// One `POST` of the request.
    async fn post(&self) -> Result<Certificate, Error> {
        let url = self.api.client().url("v1/certificates")?;
        let response: CertificateResponse = self.api.client().post(url, &self.body).await?;
        Ok(response.data)
    }

    /// Creates the certificate without ever making two for one CSR.
    ///
    /// First it looks for an existing certificate of this type whose public key is the CSR's (a
    /// request that went through earlier although its answer was lost) and adopts it. Otherwise it
    /// posts; after an ambiguous failure (timeout, dropped connection, 5xx) it looks again and adopts
    /// what it finds, and only when nothing matches does it post again, at most three times in all.
    ///
    /// When the client's [`Deadline`](ascert_transport::Deadline) passes, the error is returned as
    /// it is, without a look for the certificate (there is no time left for one): the POST may have
    /// gone through, and a later call with the same CSR adopts its certificate before it posts.
    ///
    /// # Errors
    /// [`Error::InvalidCsr`] for a CSR that cannot be read, and any [`Error`] of the requests; the last
    /// ambiguous failure when every post failed that way; [`Error::is_deadline`] when the deadline
    /// passed.
    pub async fn send_reconciled(self) -> Result<Reconciled, Error> {
        let key = csr_public_key(self.body.csr_content())?;
        let certificate_type = self.body.certificate_type();
        if let Some(certificate) = self.find_by_key(certificate_type, &key).await? {
            tracing::debug!(id = %certificate.id, "a certificate for this key exists already; adopting it");
            return Ok(Reconciled {
                certificate,
                outcome: Outcome::Adopted,
            });
        }
        let mut posts = 0;
        loop {
            posts += 1;
            match self.post().await {
                Ok(certificate) => {
                    return Ok(Reconciled {
                        certificate,
                        outcome: Outcome::Created,
                    });
                }
                // Out of time: no reconciling now. The POST may have gone through; a later call
                // with the same CSR looks for its certificate before posting.
                Err(err) if err.is_deadline() => return Err(err),
                Err(err) if err.is_ambiguous() => {
                    tracing::debug!(error = %err, "the create failed ambiguously; looking for its certificate");
                    if let Some(certificate) = self.find_by_key(certificate_type, &key).await? {
                        return Ok(Reconciled {
                            certificate,
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

    async fn find_by_key(
        &self,
        certificate_type: &CertificateType,
        key: &[u8],
    ) -> Result<Option<Certificate>, Error> {
        let mut certificates = self
            .api
            .list()
            .certificate_type(certificate_type.clone())
            .limit(200)?
            .stream();
        while let Some(certificate) = certificates.try_next().await? {
            if certificate_public_key(&certificate).is_some_and(|k| k == key) {
                return Ok(Some(certificate));
            }
        }
        Ok(None)
    }
}
