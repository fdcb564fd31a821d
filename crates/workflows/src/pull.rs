//! Pull: the team store's identities (of the types asked for) into the local keystore. With App
//! Store Connect, only those it lists, each checked against Apple's copy of its certificate before
//! anything is written here; without it, from the member key alone, checked against themselves
//! (a revoked certificate is then not noticed: the caller says so).

use std::collections::BTreeMap;

use ascert_keystore::{KeyId, Keystore};
use ascert_models::{Certificate, CertificateType};
use ascert_team::{MemberKey, TeamStore};
use time::OffsetDateTime;

use crate::apple::Apple;
use crate::ensure::team::{check_member, keep_locally, unusable};
use crate::error::{Error, Result};
use crate::events::{Event, Events};

/// An identity a pull kept in the local keystore.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Pulled {
    /// The certificate's id at App Store Connect.
    pub certificate_id: String,
    /// Its type, as the store's record says (checked against Apple's certificate when asked).
    pub certificate_type: CertificateType,
    /// When the certificate expires.
    pub expires: OffsetDateTime,
    /// Its key, now in the local keystore.
    pub key: KeyId,
}

/// Fetches the identities of `team` (those of `types`; all when empty) that `me` can open into
/// `keystore`. A stored identity that cannot be used (changed in the store, not readable by this
/// member, not Apple's certificate) is reported as [`Event::NotFetched`] and stops no other.
///
/// # Errors
/// [`ascert_team::TeamError::WrongIdentity`] when `me` is not a member; App Store Connect's; the store's;
/// [`Error::NotKept`] when the keystore refuses one.
pub async fn pull(
    apple: Option<&impl Apple>,
    keystore: &Keystore,
    team: &TeamStore,
    me: &MemberKey,
    types: &[CertificateType],
    events: &dyn Events,
) -> Result<Vec<Pulled>> {
    check_member(team, me)?;
    let listing = team.identities().await?;
    for unreadable in listing.unreadable {
        events.event(Event::UnreadableRecord(unreadable));
    }
    let records: Vec<_> = listing
        .records
        .into_iter()
        .filter(|r| types.is_empty() || types.contains(&r.certificate_type))
        .collect();
    let listed: Option<BTreeMap<String, Certificate>> = if let Some(apple) = apple {
        let all = apple.all_certificates().await?;
        Some(all.into_iter().map(|c| (c.id.clone(), c)).collect())
    } else {
        events.event(Event::NotCheckedAtApple);
        None
    };
    let now = OffsetDateTime::now_utc();
    let mut pulled = Vec::new();
    for record in records {
        let id = record.certificate_id.clone();
        let fetched = if let Some(listed) = &listed {
            let Some(apple) = listed.get(&id) else {
                events.event(Event::NotListedAtApple {
                    certificate_id: id,
                    certificate_type: record.certificate_type,
                });
                continue;
            };
            team.fetch_confirmed(record, apple, me).await
        } else {
            team.fetch_listed(record, me).await
        };
        let shared = match fetched {
            Ok(shared) => shared,
            // One identity that cannot be used stops no other; nothing of it was written here.
            Err(err) if unusable(&err) => {
                events.event(Event::NotFetched {
                    certificate_id: id,
                    error: err,
                });
                continue;
            }
            Err(err) => return Err(err.into()),
        };
        if listed.is_none() && shared.certificate.not_after() <= now {
            events.event(Event::ExpiredSkipped {
                certificate_id: id,
                certificate_type: shared.record.certificate_type,
                expired: shared.certificate.not_after(),
            });
            continue;
        }
        keep_locally(keystore, &shared.key, &shared.certificate, &format!("team {id}")).map_err(
            |source| Error::NotKept {
                certificate_id: id.clone(),
                source: Box::new(source),
            },
        )?;
        pulled.push(Pulled {
            certificate_id: id,
            certificate_type: shared.record.certificate_type,
            expires: shared.certificate.not_after(),
            key: shared.key.id(),
        });
    }
    Ok(pulled)
}
