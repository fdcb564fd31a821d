//! Ensure: make sure a valid signing identity of a type is here, the one step a CI job or a new
//! laptop needs. An identity whose certificate App Store Connect still lists as active, and that is
//! far enough from expiring, is reused; one is created only when there is none. Without a team
//! store the local keystore is the source (here, through the safe flow of
//! [`crate::create_identity`]); with one, the team store is ([`team`]).

pub mod team;

use ascert_keystore::{CertificateInfo, CsrSubject, KeyId, Keystore, Pairing, pair};
use ascert_models::{Certificate, CertificateType};
use ascert_team::LeaseHolder;
use time::{Duration, OffsetDateTime};

use crate::apple::Apple;
use crate::create::{IdentityRequest, Outcome, create_identity, default_label};
use crate::error::{Error, Place, Result};
use crate::events::Events;
use crate::slots::Renewal;

/// What to ensure.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct EnsureRequest {
    /// The certificate type (not one that belongs to a pass type or merchant id).
    pub certificate_type: CertificateType,
    /// The subject of the CSR of a new key.
    pub subject: CsrSubject,
    /// A certificate must be valid for at least this many days more; one that is not is renewed.
    pub min_days_left: u32,
    /// Use what is there, create nothing.
    pub readonly: bool,
}

impl EnsureRequest {
    /// An identity of `certificate_type`, a new key's CSR made for `subject`; any days left will
    /// do, and one is created if need be.
    pub fn new(certificate_type: CertificateType, subject: CsrSubject) -> Self {
        Self {
            certificate_type,
            subject,
            min_days_left: 0,
            readonly: false,
        }
    }

    /// With the days its certificate must still be valid for.
    #[must_use]
    pub fn with_min_days_left(mut self, days: u32) -> Self {
        self.min_days_left = days;
        self
    }

    /// Read-only: use what is there, create nothing.
    #[must_use]
    pub fn read_only(mut self, readonly: bool) -> Self {
        self.readonly = readonly;
        self
    }
}

/// Where the key of a certificate a run created or adopted came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum KeyOrigin {
    /// Made by this run.
    New,
    /// A pending key this machine made in an earlier run, taken from its own keystore.
    LocalPending,
    /// A pending key whose certificate Apple had already issued: the certificate was adopted.
    Adopted,
}

impl KeyOrigin {
    /// `new`, `local-pending` or `adopted`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::New => "new",
            Self::LocalPending => "local-pending",
            Self::Adopted => "adopted",
        }
    }
}

/// The identity ensured, and how.
#[derive(Debug, Clone)]
#[non_exhaustive]
pub struct Ensured {
    /// Reused, created or adopted.
    pub outcome: Outcome,
    /// The certificate as App Store Connect lists it (without an API key, as far as the
    /// certificate itself tells).
    pub certificate: Certificate,
    /// The certificate, parsed.
    pub leaf: CertificateInfo,
    /// Its key, in the local keystore.
    pub key: KeyId,
    /// For a certificate the run created or adopted: where its key came from.
    pub key_origin: Option<KeyOrigin>,
    /// Through a team store: the runners whose lease this one waited out, in order.
    pub waited_for: Vec<LeaseHolder>,
    /// For a new certificate made because this machine's own expires too soon: the certificates
    /// it replaces, still valid, to revoke once every machine has the new identity.
    pub replaces: Vec<Certificate>,
}

/// One run of ensure: list what App Store Connect has ([`Ensure::list`]), then find or make the
/// identity [`locally`](Ensure::locally) or [`through a team store`](Ensure::through_store). The
/// listing is its own step so that a caller can open the team store while Apple answers.
pub struct Ensure<'a, A> {
    apple: Option<&'a A>,
    keystore: &'a Keystore,
    request: EnsureRequest,
    events: &'a dyn Events,
    now: OffsetDateTime,
}

impl<'a, A: Apple> Ensure<'a, A> {
    /// A run against `apple` (`None`: only a read-only run through a team store can do without it)
    /// and the local `keystore`.
    pub fn new(
        apple: Option<&'a A>,
        keystore: &'a Keystore,
        request: EnsureRequest,
        events: &'a dyn Events,
    ) -> Self {
        Self {
            apple,
            keystore,
            request,
            events,
            now: OffsetDateTime::now_utc(),
        }
    }

    /// The request.
    pub fn request(&self) -> &EnsureRequest {
        &self.request
    }

    /// The moment the certificate must still be valid at: `min_days_left` from the start of the run.
    pub fn not_before(&self) -> OffsetDateTime {
        self.now + Duration::days(i64::from(self.request.min_days_left))
    }

    fn renewal(&self) -> Renewal {
        Renewal::new(self.not_before(), self.request.min_days_left)
    }

    fn certificate_type(&self) -> &CertificateType {
        &self.request.certificate_type
    }

    fn apple(&self) -> Result<&'a A> {
        self.apple.ok_or(Error::NoApiKey)
    }

    /// Every certificate of the type App Store Connect lists (none without an API key).
    ///
    /// # Errors
    /// App Store Connect's.
    pub async fn list(&self) -> Result<Vec<Certificate>> {
        match self.apple {
            Some(apple) => Ok(apple.certificates_of_type(self.certificate_type()).await?),
            None => Ok(Vec::new()),
        }
    }

    /// Without a team store: the local identity (of those `listed` as active, the one that expires
    /// last and is valid at [`Ensure::not_before`]), or a new one through the safe flow.
    ///
    /// # Errors
    /// [`Error::NoneUsable`] for a read-only run that finds none, [`Error::DeveloperId`] for a
    /// Developer ID type it would have to create, and those of [`create_identity`].
    pub async fn locally(&self, listed: &[Certificate]) -> Result<Ensured> {
        // No lock here: a pending key is looked for and used only inside `create_identity`, which
        // holds the keystore's run lock.
        if let Some(found) = usable(self.keystore, listed, self.certificate_type(), self.not_before())? {
            return Ok(self.ensured(Outcome::Reused, found, None, Vec::new(), listed));
        }
        if self.request.readonly {
            return Err(Error::NoneUsable {
                certificate_type: self.certificate_type().clone(),
                place: Place::Keystore,
            });
        }
        if self.certificate_type().is_developer_id() {
            return Err(Error::DeveloperId {
                certificate_type: self.certificate_type().clone(),
                place: Place::Keystore,
            });
        }
        let apple = self.apple()?;
        let request = IdentityRequest::new(
            self.certificate_type().clone(),
            self.request.subject.clone(),
            format!("{} (ensure)", default_label(self.certificate_type())),
        )
        .with_renewal(Some(self.renewal()));
        let created = create_identity(apple, self.keystore, &request, self.events).await?;
        let origin = match (created.outcome, created.reused_key) {
            (Outcome::Adopted, _) => KeyOrigin::Adopted,
            (_, true) => KeyOrigin::LocalPending,
            (_, false) => KeyOrigin::New,
        };
        let found = Found {
            certificate: created.certificate,
            leaf: created.leaf,
            key: created.key,
        };
        Ok(self.ensured(created.outcome, found, Some(origin), Vec::new(), listed))
    }

    /// What the run hands back; for a new certificate, with the ones it replaces.
    fn ensured(
        &self,
        outcome: Outcome,
        found: Found,
        key_origin: Option<KeyOrigin>,
        waited_for: Vec<LeaseHolder>,
        listed: &[Certificate],
    ) -> Ensured {
        let replaces = if outcome == Outcome::Reused {
            Vec::new()
        } else {
            replaced(
                self.keystore,
                listed,
                &found.certificate.id,
                self.now,
                self.not_before(),
            )
        };
        Ensured {
            outcome,
            certificate: found.certificate,
            leaf: found.leaf,
            key: found.key,
            key_origin,
            waited_for,
            replaces,
        }
    }
}

/// A usable identity: the certificate as Apple lists it, parsed, and its key (in the local
/// keystore).
pub(crate) struct Found {
    pub(crate) certificate: Certificate,
    pub(crate) leaf: CertificateInfo,
    pub(crate) key: KeyId,
}

/// The certificates a new one replaces: listed (of the type), active, still valid at `now` but not at
/// `not_before`, with their key in the local keystore — this machine's own, renewed by this run.
fn replaced(
    keystore: &Keystore,
    listed: &[Certificate],
    new_id: &str,
    now: OffsetDateTime,
    not_before: OffsetDateTime,
) -> Vec<Certificate> {
    listed
        .iter()
        .filter(|c| {
            c.id != new_id
                && c.attributes.activated != Some(false)
                && c.attributes
                    .expiration_date
                    .is_some_and(|expires| expires > now && expires <= not_before)
                && CertificateInfo::from_model(c)
                    .ok()
                    .and_then(|info| keystore.find_for_certificate(&info).ok().flatten())
                    .is_some()
        })
        .cloned()
        .collect()
}

/// The paired identity of `certificate_type` that expires last, among those Apple lists as active
/// that are still valid at `not_before`.
fn usable(
    keystore: &Keystore,
    listed: &[Certificate],
    certificate_type: &CertificateType,
    not_before: OffsetDateTime,
) -> Result<Option<Found>> {
    let active: Vec<&Certificate> = listed
        .iter()
        .filter(|c| {
            c.attributes.certificate_type.as_ref() == Some(certificate_type)
                && c.attributes.activated != Some(false)
        })
        .collect();
    let infos: Vec<CertificateInfo> = active
        .iter()
        .filter_map(|c| CertificateInfo::from_model(c).ok())
        .collect();
    let best = pair(keystore, &infos)?
        .into_iter()
        .filter_map(|pairing| match pairing {
            Pairing::Paired { key, certificate } if certificate.not_after() > not_before => {
                Some((key.key_id, certificate))
            }
            _ => None,
        })
        .max_by_key(|(_, certificate)| certificate.not_after());
    Ok(best.and_then(|(key, leaf)| {
        let certificate = active.iter().find(|c| Some(c.id.as_str()) == leaf.api_id())?;
        Some(Found {
            certificate: (*certificate).clone(),
            leaf,
            key,
        })
    }))
}
