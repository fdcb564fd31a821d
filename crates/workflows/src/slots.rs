//! A full slot, explained: App Store Connect's 409 "You already have a current … certificate or a
//! pending certificate request". Which certificates fill the slots of the type, and where each
//! one's key is as far as this machine can tell, so that the caller can offer the way out that
//! breaks nobody's signing (renew the run's own, use one whose key is here or in the team store,
//! and only then revoke one).

use ascert_keystore::{CertificateInfo, Keystore};
use ascert_models::{Certificate, CertificateType};
use time::OffsetDateTime;

use crate::apple::Apple;

/// Why `ensure` asked for a new certificate although it has one: its own expires too soon.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct Renewal {
    /// Its own certificates that expire before this are renewed.
    pub not_before: OffsetDateTime,
    /// The number of days that set it (`not_before` is that many days from the start of the run).
    pub min_days_left: u32,
}

impl Renewal {
    /// Certificates must be valid at `not_before`, `min_days_left` days from now.
    pub fn new(not_before: OffsetDateTime, min_days_left: u32) -> Self {
        Self {
            not_before,
            min_days_left,
        }
    }
}

/// Where a certificate's key is, as far as this machine can tell.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
#[non_exhaustive]
pub enum Holder {
    /// The run's own certificate, expiring before the renewal's date: the one being renewed.
    Renewing,
    /// Its key is in the local keystore.
    Here,
    /// Its key is in the team store.
    Team,
    /// Its key is nowhere this machine can see: someone else's, or lost.
    Elsewhere,
}

/// A certificate that fills a slot, and where its key is.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct InUse {
    /// The certificate as App Store Connect lists it.
    pub certificate: Certificate,
    /// Where its key is.
    pub holder: Holder,
}

/// The slots of a type, full: App Store Connect's refusal and what fills them.
#[derive(Debug, thiserror::Error)]
#[error("App Store Connect has no free slot for another {certificate_type} certificate")]
#[non_exhaustive]
pub struct FullSlots {
    /// The type.
    pub certificate_type: CertificateType,
    /// The certificates listed of the type that have not expired (empty when the listing failed:
    /// Apple also counts a pending request, which no listing shows).
    pub in_use: Vec<InUse>,
    /// The renewal the run was making, if it was one.
    pub renewal: Option<Renewal>,
    /// Apple's answer.
    #[source]
    pub source: ascert_certificates::Error,
}

/// What the run knows of where keys are.
#[derive(Debug, Default, Clone, Copy)]
pub(crate) struct Known<'a> {
    /// The local keystore.
    pub(crate) keystore: Option<&'a Keystore>,
    /// The certificate ids the team store holds identities for.
    pub(crate) shared: &'a [String],
    /// The renewal the run makes, if any.
    pub(crate) renewal: Option<Renewal>,
}

/// Explains a create of `certificate_type` that App Store Connect refused because its slots are full
/// (`source`, for which [`ascert_certificates::Error::is_certificate_limit`] holds): lists the
/// certificates of the type and tells, for each, whether its key is in `keystore`. The flows do this
/// themselves; this is for a create made outside them (from a CSR whose key is kept elsewhere).
pub async fn explain_full_slots(
    apple: &impl Apple,
    keystore: Option<&Keystore>,
    certificate_type: &CertificateType,
    source: ascert_certificates::Error,
) -> FullSlots {
    let known = Known {
        keystore,
        ..Known::default()
    };
    slots(apple, known, certificate_type, source).await
}

/// The slots of `certificate_type`, full: what fills them and where each one's key is.
pub(crate) async fn slots(
    apple: &impl Apple,
    known: Known<'_>,
    certificate_type: &CertificateType,
    source: ascert_certificates::Error,
) -> FullSlots {
    let now = OffsetDateTime::now_utc();
    let listed = apple
        .certificates_of_type(certificate_type)
        .await
        .unwrap_or_default();
    let in_use = listed
        .into_iter()
        .filter(|c| c.is_expired_at(now) != Some(true))
        .map(|certificate| InUse {
            holder: holder(&certificate, known),
            certificate,
        })
        .collect();
    FullSlots {
        certificate_type: certificate_type.clone(),
        in_use,
        renewal: known.renewal,
        source,
    }
}

/// Where the key of `certificate` is.
fn holder(certificate: &Certificate, known: Known<'_>) -> Holder {
    let here = known
        .keystore
        .zip(CertificateInfo::from_model(certificate).ok())
        .is_some_and(|(store, info)| store.find_for_certificate(&info).ok().flatten().is_some());
    let shared = known.shared.contains(&certificate.id);
    let expiring = known.renewal.is_some_and(|renewal| {
        certificate
            .attributes
            .expiration_date
            .is_some_and(|expires| expires < renewal.not_before)
    });
    match (here || shared, expiring, here) {
        (true, true, _) => Holder::Renewing,
        (true, false, true) => Holder::Here,
        (true, false, false) => Holder::Team,
        (false, _, _) => Holder::Elsewhere,
    }
}
