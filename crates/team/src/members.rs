//! Adding and removing members: every key object (identities and pending keys) is decrypted with the
//! acting member's key and encrypted again to the new member set, then the header is replaced.
//!
//! Removing a member stops it from decrypting what the store holds from now on; it does not undo
//! what it could read before (docs/team.md says what to revoke).

use object_store::PutMode;
use object_store::path::Path;
use zeroize::Zeroizing;

use crate::crypto::{self, MemberKey};
use crate::error::{Result, TeamError};
use crate::layout;
use crate::records::{self, IdentityRecord, Member, PendingKey, StoreInfo};
use crate::store::{TeamStore, check_members, stamp};

/// How many times the final pass looks for keys that concurrent pushes encrypted to the old members.
const CATCH_UP_ROUNDS: usize = 3;

/// What a membership change did.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct MembershipChange {
    /// The new membership revision.
    pub revision: u64,
    /// The members now.
    pub members: Vec<Member>,
    /// How many key objects were encrypted again.
    pub reencrypted: usize,
}

/// One encrypted key object and the record that names its membership revision.
struct KeyObject {
    key: Path,
    record: Path,
    pending: bool,
}

impl TeamStore {
    /// Adds members and encrypts every key object to the new set. `by` is a current member's key,
    /// which must decrypt every key object.
    ///
    /// # Errors
    ///
    /// [`TeamError::AlreadyExists`] for a name or key that is already a member,
    /// [`TeamError::WrongIdentity`] / [`TeamError::Tampered`] if `by` cannot decrypt a key object
    /// (then nothing is written), [`TeamError::ConcurrentChange`] if the members changed meanwhile,
    /// and storage errors.
    pub async fn add_members(&self, members: Vec<Member>, by: &MemberKey) -> Result<MembershipChange> {
        let actor = self.actor.clone();
        let added = stamp(members, &actor, records::now());
        self.change_members(by, move |current| {
            for member in &added {
                if let Some(existing) = current
                    .iter()
                    .find(|m| m.name == member.name || m.recipient == member.recipient)
                {
                    return Err(TeamError::AlreadyExists {
                        store: String::new(),
                        what: format!("the member {} ({})", existing.name, existing.recipient.kind()),
                    });
                }
            }
            current.extend(added);
            Ok(())
        })
        .await
    }

    /// Removes members, named by name or by recipient, and encrypts every key object to the rest.
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`] for a name that is not a member, [`TeamError::InvalidInput`] if no
    /// member (and no passphrase) would be left, and the errors of [`TeamStore::add_members`].
    pub async fn remove_members(&self, which: &[&str], by: &MemberKey) -> Result<MembershipChange> {
        let which: Vec<String> = which.iter().map(|w| w.trim().to_owned()).collect();
        self.change_members(by, move |current| {
            for name in &which {
                let before = current.len();
                current.retain(|m| m.name != *name && m.recipient.to_string() != *name);
                if current.len() == before {
                    return Err(TeamError::NotFound {
                        store: String::new(),
                        what: format!("the member {name:?}"),
                    });
                }
            }
            Ok(())
        })
        .await
    }

    async fn change_members(
        &self,
        by: &MemberKey,
        edit: impl FnOnce(&mut Vec<Member>) -> Result<()>,
    ) -> Result<MembershipChange> {
        let (info, version) = self.read_info().await?;
        let mut next = info.clone();
        edit(&mut next.members).map_err(|e| self.with_store(e))?;
        check_members(&next.members, next.passphrase_recipient.is_some())?;
        next.revision = info.revision + 1;

        // Everything is decrypted before anything is written: a key `by` cannot read stops the change.
        let objects = self.key_objects().await?;
        let mut plain = Vec::with_capacity(objects.len());
        for object in &objects {
            plain.push(self.decrypt_object(&object.key, by).await?);
        }
        let mut reencrypted = 0;
        for (object, plaintext) in objects.iter().zip(&plain) {
            if let Some(plaintext) = plaintext {
                self.reseal(object, plaintext, &next).await?;
                reencrypted += 1;
            }
        }
        drop(plain);

        let header = self.layout.header();
        let mode = if self.conditional_update {
            PutMode::Update(version)
        } else {
            // A local folder cannot compare-and-swap; docs/team.md says to change members from one place.
            PutMode::Overwrite
        };
        match self.put(&header, records::to_json(&next), mode).await {
            Ok(_) => {}
            Err(object_store::Error::Precondition { .. }) => {
                return Err(TeamError::ConcurrentChange {
                    store: self.shown.clone(),
                    what: "the member list".to_owned(),
                });
            }
            Err(e) => return Err(self.error(&header, "write", e)),
        }
        self.remember(next.clone());

        // A push that read the old header may have landed meanwhile: encrypt its key again too.
        for _ in 0..CATCH_UP_ROUNDS {
            let late = self.stale_objects(next.revision).await?;
            if late.is_empty() {
                break;
            }
            for object in &late {
                if let Some(plaintext) = self.decrypt_object(&object.key, by).await? {
                    self.reseal(object, &plaintext, &next).await?;
                    reencrypted += 1;
                }
            }
        }
        Ok(MembershipChange {
            revision: next.revision,
            members: next.members,
            reencrypted,
        })
    }

    /// Every key object of the store: identities' and pending keys.
    async fn key_objects(&self) -> Result<Vec<KeyObject>> {
        let mut out = Vec::new();
        for meta in self.list(&self.layout.identities()).await? {
            let parts = self.layout.parts(&meta.location);
            if parts.len() == 3 && parts[2] == layout::KEY {
                out.push(KeyObject {
                    record: self.layout.identity(&parts[1], layout::RECORD),
                    key: meta.location,
                    pending: false,
                });
            }
        }
        for meta in self.list(&self.layout.pending_root()).await? {
            if meta.location.extension() == Some("age") {
                let record = Path::from(format!(
                    "{}.json",
                    meta.location.as_ref().trim_end_matches(".age")
                ));
                out.push(KeyObject {
                    key: meta.location,
                    record,
                    pending: true,
                });
            }
        }
        Ok(out)
    }

    /// Key objects whose records say they are encrypted for an older membership revision.
    async fn stale_objects(&self, revision: u64) -> Result<Vec<KeyObject>> {
        let mut out = Vec::new();
        for object in self.key_objects().await? {
            let Some((bytes, _)) = self.get(&object.record).await? else {
                continue;
            };
            let name = self.layout.name(&object.record);
            let old = if object.pending {
                records::from_json::<PendingKey>(&bytes, &name, "pending-key record")?.members_revision
            } else {
                records::from_json::<IdentityRecord>(&bytes, &name, "identity record")?.members_revision
            };
            if old < revision {
                out.push(object);
            }
        }
        Ok(out)
    }

    /// The plaintext of a key object; `None` if it was removed meanwhile.
    async fn decrypt_object(&self, path: &Path, by: &MemberKey) -> Result<Option<Zeroizing<Vec<u8>>>> {
        let Some((sealed, _)) = self.get(path).await? else {
            return Ok(None);
        };
        crypto::decrypt(&sealed, by, &self.layout.name(path)).map(Some)
    }

    /// Writes a key object encrypted to `info`'s recipients, and its record's revision.
    async fn reseal(&self, object: &KeyObject, plaintext: &[u8], info: &StoreInfo) -> Result<()> {
        let sealed = crypto::encrypt(plaintext, &info.recipients())?;
        self.put(&object.key, sealed, PutMode::Overwrite)
            .await
            .map_err(|e| self.error(&object.key, "write", e))?;
        let Some((bytes, _)) = self.get(&object.record).await? else {
            return Ok(());
        };
        let name = self.layout.name(&object.record);
        let updated = if object.pending {
            let mut record: PendingKey = records::from_json(&bytes, &name, "pending-key record")?;
            record.members_revision = info.revision;
            records::to_json(&record)
        } else {
            let mut record: IdentityRecord = records::from_json(&bytes, &name, "identity record")?;
            record.members_revision = info.revision;
            records::to_json(&record)
        };
        self.put(&object.record, updated, PutMode::Overwrite)
            .await
            .map_err(|e| self.error(&object.record, "write", e))?;
        Ok(())
    }

    /// Fills in the store of an error made before the store was known.
    fn with_store(&self, error: TeamError) -> TeamError {
        match error {
            TeamError::AlreadyExists { what, .. } => self.already_exists(&what),
            TeamError::NotFound { what, .. } => self.not_found(&what),
            other => other,
        }
    }
}
