//! The safe creation flow: the key is on disk (0600, fsynced) before its CSR leaves the machine; an
//! ambiguous failure is reconciled, not repeated; a rerun after a crash (or after App Store Connect
//! refused the request) reuses the pending key of that request and adopts a certificate already
//! issued for it. No certificate without its key, no key lost, no stray key per refusal.

use ascert_keystore::{CertificateInfo, CsrSubject, KeyAlgorithm, KeyId, KeyRecord, Keystore};
use ascert_models::{Certificate, CertificateType};

use crate::apple::{Apple, CertificateRequest};
use crate::error::{Error, Result};
use crate::events::{Event, Events, Running, Step};
use crate::slots::{Known, Renewal, slots};

/// What to ask App Store Connect for.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct IdentityRequest {
    /// The certificate type.
    pub certificate_type: CertificateType,
    /// The CSR's subject. Apple replaces it in the certificate; it tells keys apart here, and a
    /// pending key is reused only for the same subject.
    pub subject: CsrSubject,
    /// The label of a new key in the keystore.
    pub label: String,
    /// The pass type id (the Wallet pass types).
    pub pass_type_id: Option<String>,
    /// The merchant id (the Apple Pay types).
    pub merchant_id: Option<String>,
    /// For a renewal (`ensure` with a minimum of days left): explains a full slot by the certificate
    /// being renewed.
    pub renewal: Option<Renewal>,
}

impl IdentityRequest {
    /// A request for a certificate of `certificate_type`, its new key labelled `label`.
    pub fn new(certificate_type: CertificateType, subject: CsrSubject, label: impl Into<String>) -> Self {
        Self {
            certificate_type,
            subject,
            label: label.into(),
            pass_type_id: None,
            merchant_id: None,
            renewal: None,
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

    /// As a renewal of the run's own certificates that expire before `renewal.not_before`.
    #[must_use]
    pub fn with_renewal(mut self, renewal: Option<Renewal>) -> Self {
        self.renewal = renewal;
        self
    }
}

/// How a flow came by the identity it hands back.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Outcome {
    /// An identity already there (in the keystore or the team store) was used.
    Reused,
    /// App Store Connect issued a new certificate.
    Created,
    /// App Store Connect had already issued a certificate for the key (an earlier request went
    /// through although its answer was lost): it was adopted.
    Adopted,
}

impl Outcome {
    /// `reused`, `created` or `adopted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Reused => "reused",
            Self::Created => "created",
            Self::Adopted => "adopted",
        }
    }
}

/// A certificate just created (or adopted) with its local key.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct NewIdentity {
    /// The certificate as App Store Connect answered it.
    pub certificate: Certificate,
    /// The certificate, parsed.
    pub leaf: CertificateInfo,
    /// Its key in the local keystore.
    pub key: KeyId,
    /// [`Outcome::Created`] or [`Outcome::Adopted`].
    pub outcome: Outcome,
    /// Whether a key left by an earlier, unfinished run of the same request was used.
    pub reused_key: bool,
}

/// Creates a certificate with its key kept first, and records it with its key: see the module docs.
/// Holds the keystore's run lock meanwhile, so that no prune removes the pending key.
///
/// # Errors
/// [`Error::SlotsFull`] when every slot of the type is in use (with what fills them),
/// [`Error::CreateRefused`] for another refusal, [`Error::CreateFailed`] when the outcome is not
/// known; the key is kept in each case and the next call reuses it.
pub async fn create_identity(
    apple: &impl Apple,
    keystore: &Keystore,
    request: &IdentityRequest,
    events: &dyn Events,
) -> Result<NewIdentity> {
    let _lock = keystore.hold_run_lock()?;
    let created = obtain_identity(apple, keystore, request, events).await?;
    record(keystore, &created)?;
    Ok(created)
}

/// The key (a pending one of the same request, or a new one, on disk first) and its certificate
/// (created, or adopted after an ambiguous failure), not yet recorded together: the caller does
/// what the new identity is for (an export) and then [`record`]s it, so that a run stopped before
/// that leaves the key pending, and the same request again adopts the certificate and does it.
/// The caller holds the keystore's run lock ([`Keystore::hold_run_lock`]) until then.
///
/// # Errors
/// As [`create_identity`].
pub async fn obtain_identity(
    apple: &impl Apple,
    keystore: &Keystore,
    request: &IdentityRequest,
    events: &dyn Events,
) -> Result<NewIdentity> {
    let (key_id, csr_pem, reused_key) = if let Some(record) = pending_key(keystore, request)? {
        events.event(Event::ReusingPendingKey {
            key_id: record.key_id,
            made: record.created,
            certificate_type: request.certificate_type.clone(),
        });
        let csr = record.csr_pem.clone().unwrap_or_default();
        (record.key_id, csr, true)
    } else {
        let algorithm = KeyAlgorithm::for_certificate_type(&request.certificate_type);
        let running = Running::start(events, Step::GeneratingKey(algorithm));
        let (record, csr) = keystore
            .generate_pending(&request.label, request.certificate_type.clone(), &request.subject)
            .map_err(Error::keystore("cannot make and store a new key"))?;
        drop(running);
        (record.key_id, csr.pem().to_owned(), false)
    };
    let asked = CertificateRequest::new(csr_pem, request.certificate_type.clone())
        .with_pass_type_id(request.pass_type_id.clone())
        .with_merchant_id(request.merchant_id.clone());
    let running = Running::start(events, Step::AskingApple);
    let answer = apple.create_certificate(asked).await;
    drop(running);
    let (certificate, outcome) = match answer {
        Ok(answer) => answer,
        Err(err) if err.is_certificate_limit() => {
            let known = Known {
                keystore: Some(keystore),
                shared: &[],
                renewal: request.renewal,
            };
            return Err(Error::SlotsFull(Box::new(
                slots(apple, known, &request.certificate_type, err).await,
            )));
        }
        // Apple refused the request itself (its errors say why): this key's CSR is not the cause
        // unless Apple names it.
        Err(err) if err.is_conflict() => {
            return Err(Error::CreateRefused {
                certificate_type: request.certificate_type.clone(),
                key_id,
                through_store: false,
                source: Box::new(err),
            });
        }
        Err(err) => {
            return Err(Error::CreateFailed {
                key_id,
                through_store: false,
                source: Box::new(err),
            });
        }
    };
    let leaf = CertificateInfo::from_model(&certificate)
        .map_err(Error::keystore("the new certificate cannot be read"))?;
    Ok(NewIdentity {
        certificate,
        leaf,
        key: key_id,
        outcome: match outcome {
            ascert_certificates::Outcome::Created => Outcome::Created,
            ascert_certificates::Outcome::Adopted => Outcome::Adopted,
        },
        reused_key,
    })
}

/// Records the certificate of `created` with its key: from then on the key is no longer pending.
///
/// # Errors
/// The keystore's, as [`Error::KeystoreStep`].
pub fn record(keystore: &Keystore, created: &NewIdentity) -> Result<()> {
    keystore
        .set_certificate(&created.key, &created.leaf)
        .map_err(Error::keystore("cannot record the certificate with its key"))?;
    Ok(())
}

/// The newest key that an earlier run made for the same request (type and subject) and whose
/// certificate never arrived: that run stopped after persisting the key, or Apple refused it. A key
/// made on its own, for another subject, or of another algorithm than the type takes, is not one.
///
/// # Errors
/// The keystore's.
pub fn pending_key(keystore: &Keystore, request: &IdentityRequest) -> Result<Option<KeyRecord>> {
    let mut pending: Vec<KeyRecord> = keystore
        .records()?
        .into_iter()
        .filter(|r| r.csr_pem.is_some() && r.is_pending_for(&request.certificate_type, &request.subject))
        .collect();
    pending.sort_by_key(|r| r.created);
    Ok(pending.pop())
}

/// The label of a key made for `what` (a certificate type) when none is given: what it is for and
/// when it was made, "`IOS_DISTRIBUTION` 2026-12-07 15:04:05 UTC".
pub fn default_label(what: impl std::fmt::Display) -> String {
    let now = time::OffsetDateTime::now_utc();
    format!(
        "{what} {} {:02}:{:02}:{:02} UTC",
        now.date(),
        now.hour(),
        now.minute(),
        now.second()
    )
}
