//! Push: identities of the local keystore into the team store, encrypted to every member: those
//! named (each asked of App Store Connect by id), or every one whose certificate App Store Connect
//! lists as active and that has not expired. Only an identity whose key is here can be shared, and
//! the type stored is Apple's.

use std::collections::BTreeMap;

use ascert_keystore::{CertificateInfo, KeyId, Keystore, Pairing, pair};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{Anchor, MemberKey, PushOutcome, TeamStore};
use time::OffsetDateTime;

use crate::apple::Apple;
use crate::error::{Error, Result};
use crate::events::{Event, Events};

/// An identity a push put in the store (or found whole there).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Shared {
    /// The certificate's id at App Store Connect.
    pub certificate_id: String,
    /// Its type, as App Store Connect lists it.
    pub certificate_type: CertificateType,
    /// When the certificate expires.
    pub expires: OffsetDateTime,
    /// Its key (the SHA-256 of its public key).
    pub key: KeyId,
    /// Shared now, already there and whole, or written again over a damaged copy.
    pub outcome: PushOutcome,
}

/// Shares the identities `certificate_ids` names (all of them when empty) from `keystore` through
/// `team`, as member `me`.
///
/// # Errors
/// [`Error::KeyNotHere`] when a named certificate's key is not in the keystore (nothing is
/// shared then); App Store Connect's (an unknown id); the store's; the keystore's.
pub async fn push(
    apple: &impl Apple,
    keystore: &Keystore,
    team: &TeamStore,
    me: &MemberKey,
    certificate_ids: &[String],
    events: &dyn Events,
) -> Result<Vec<Shared>> {
    let certificates: Vec<Certificate> = if certificate_ids.is_empty() {
        apple
            .all_certificates()
            .await?
            .into_iter()
            .filter(|c| c.attributes.activated != Some(false))
            .collect()
    } else {
        let mut named = Vec::new();
        for id in certificate_ids {
            named.push(apple.certificate(id).await?);
        }
        named
    };
    let by_id: BTreeMap<&str, &Certificate> = certificates.iter().map(|c| (c.id.as_str(), c)).collect();
    let infos: Vec<CertificateInfo> = certificates
        .iter()
        .filter_map(|c| CertificateInfo::from_model(c).ok())
        .collect();
    let mut paired = BTreeMap::new();
    for pairing in pair(keystore, &infos)? {
        if let Pairing::Paired { key, certificate } = pairing
            && let Some(id) = certificate.api_id().map(str::to_owned)
        {
            paired.insert(id, (certificate, key));
        }
    }
    if let Some(missing) = certificate_ids
        .iter()
        .find(|id| !paired.contains_key(id.as_str()))
    {
        return Err(Error::KeyNotHere {
            certificate_id: missing.clone(),
        });
    }
    // Before anything is encrypted to the member list: a list nothing pins is trusted on first use.
    let trust = team.trust();
    if trust.anchor == Anchor::FirstUse {
        events.event(Event::UnpinnedMemberList {
            store: team.url().to_string(),
            members_sha256: trust.members_sha256.to_string(),
        });
    }
    let now = OffsetDateTime::now_utc();
    let mut shared = Vec::new();
    for (id, (certificate, record)) in paired {
        let Some(certificate_type) = by_id
            .get(id.as_str())
            .and_then(|c| c.attributes.certificate_type.clone())
        else {
            continue;
        };
        // Everything that has expired stays home, unless it was named.
        if certificate.not_after() <= now && certificate_ids.is_empty() {
            continue;
        }
        let key = keystore.load_key(&record.key_id)?;
        let stored = team.push(&id, &certificate_type, &certificate, &key, me).await?;
        shared.push(Shared {
            certificate_id: stored.record.certificate_id,
            certificate_type: stored.record.certificate_type,
            expires: stored.record.expires,
            key: stored.record.public_key_sha256,
            outcome: stored.outcome,
        });
    }
    Ok(shared)
}
