//! Pending keys: the key of a certificate being created, written encrypted to the store by the
//! lease holder *before* its request goes to Apple, so that a runner that dies after Apple issued
//! the certificate loses nothing — the next holder finds the key and the certificate that matches it.
//!
//! Each pending key has its own objects (`pending/<TYPE>/<key id>.age` and `.json`), so a new one
//! never overwrites an older one that may already have a certificate.

use std::time::SystemTime;

use ascert_keystore::PrivateKey;
use ascert_models::CertificateType;
use futures::{StreamExt as _, TryStreamExt as _};
use object_store::PutMode;
use time::OffsetDateTime;

use crate::crypto;
use crate::error::{Result, TeamError};
use crate::layout;
use crate::lease::Lease;
use crate::records::{self, PendingKey};
use crate::store::{PARALLEL_READS, TeamStore, check_key};
use crate::wire::{self, FORMAT_VERSION};

impl TeamStore {
    /// Stores `key` as the pending key of the lease's certificate type, encrypted to every member of
    /// the verified member list. Call it before sending the key's CSR to Apple.
    ///
    /// After writing, the member list is verified again: if it changed meanwhile (a member removed
    /// while the key was being written), the key is encrypted again to the new list before this
    /// returns, so the CSR never leaves while a removed member can read its key.
    ///
    /// # Errors
    ///
    /// The verification errors of [`TeamStore::open`] and storage errors (then do not send the CSR).
    pub async fn write_pending(&self, lease: &Lease, key: &PrivateKey) -> Result<PendingKey> {
        self.write_pending_for(lease.certificate_type(), lease.holder(), key)
            .await
    }

    /// [`TeamStore::write_pending`] for the holder of a lease of `certificate_type`.
    pub(crate) async fn write_pending_for(
        &self,
        certificate_type: &CertificateType,
        holder: &crate::LeaseHolder,
        key: &PrivateKey,
    ) -> Result<PendingKey> {
        let key_path = self.layout.pending(certificate_type, &key.id(), "age");
        let record_path = self.layout.pending(certificate_type, &key.id(), "json");
        let pem = key.to_pkcs8_pem();
        let mut written: Option<PendingKey> = None;
        // A few rounds at most: each one means another member change landed while this one wrote.
        for _ in 0..4 {
            // After the first write, wait out a member change under way before the key is trusted
            // to its list: the CSR leaves only once the key is encrypted to the list that stands.
            let verified = if written.is_some() {
                self.after_member_changes().await?
            } else {
                self.verified_now().await?
            };
            let (recipients, revision) = (verified.recipients(), verified.info.revision);
            if let Some(record) = written.take_if(|r| r.members_revision == revision) {
                return Ok(record);
            }
            if written.is_none()
                && let Some(folder) = &self.pins.trust_folder
            {
                // Before the key leaves for the store: this machine made it, for this store and type.
                crate::trust::note_own_pending(folder, &self.shown, key.id(), certificate_type, true)?;
            }
            let sealed = crypto::encrypt(pem.as_bytes(), &recipients)?;
            let record = PendingKey {
                format: FORMAT_VERSION,
                certificate_type: certificate_type.clone(),
                key_id: key.id(),
                written_by: Some(holder.to_string()),
                written_at: records::now(),
                members_revision: revision,
            };
            // The key first: a pending key is listed from its key object; the record only adds details.
            self.put(&key_path, sealed, PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&key_path, "write", e))?;
            self.put(&record_path, wire::write(&record), PutMode::Overwrite)
                .await
                .map_err(|e| self.error(&record_path, "write", e))?;
            written = Some(record);
        }
        Err(TeamError::ConcurrentChange {
            store: self.shown.clone(),
            what: "the member list (it kept changing while the pending key was written)".to_owned(),
        })
    }

    /// The pending keys of a certificate type, without decrypting them, oldest first. A record that
    /// cannot be read, or that names another key, is set aside: the key object counts, with the
    /// store's time (a damaged record must not stop every runner).
    ///
    /// # Errors
    ///
    /// Storage errors.
    pub async fn pending(&self, certificate_type: &CertificateType) -> Result<Vec<PendingKey>> {
        layout::certificate_type(certificate_type)?;
        let keys: Vec<_> = self
            .list(&self.layout.pending_folder(certificate_type))
            .await?
            .into_iter()
            .filter(|meta| meta.location.extension() == Some("age"))
            .collect();
        let mut out: Vec<PendingKey> = futures::stream::iter(keys)
            .map(|meta| async move {
                let stem = meta
                    .location
                    .filename()
                    .unwrap_or_default()
                    .trim_end_matches(".age");
                let Ok(key_id) = stem.parse() else {
                    // Not a name this crate writes: ignore it rather than fail every listing.
                    return Ok(None);
                };
                let record_path = self.layout.pending(certificate_type, &key_id, "json");
                // A record too large to be one is as unreadable as a damaged one.
                let read = match self.get(&record_path).await {
                    Err(crate::TeamError::TooLarge { .. }) => None,
                    other => other?,
                };
                let record = read.and_then(|(bytes, _)| {
                    wire::read::<PendingKey>(&bytes, &self.layout.name(&record_path))
                        .ok()
                        // A record must describe the key it sits beside.
                        .filter(|r| r.key_id == key_id && &r.certificate_type == certificate_type)
                });
                Ok::<_, crate::TeamError>(Some(record.unwrap_or_else(|| PendingKey {
                    // The writer stopped between the key and its record, or the record cannot be read:
                    // the key object is what counts, with the store's time for it.
                    format: FORMAT_VERSION,
                    certificate_type: certificate_type.clone(),
                    key_id,
                    written_by: None,
                    written_at: OffsetDateTime::from(SystemTime::from(meta.last_modified)),
                    members_revision: 0,
                })))
            })
            .buffer_unordered(PARALLEL_READS)
            .try_filter_map(|pending| async move { Ok(pending) })
            .try_collect()
            .await?;
        out.sort_by_key(|p| p.written_at);
        Ok(out)
    }

    /// Decrypts a pending key.
    ///
    /// # Errors
    ///
    /// [`TeamError::NotFound`](crate::TeamError::NotFound) if it was removed,
    /// [`TeamError::WrongIdentity`](crate::TeamError::WrongIdentity),
    /// [`TeamError::Tampered`](crate::TeamError::Tampered),
    /// [`TeamError::KeyMismatch`](crate::TeamError::KeyMismatch) if the key is not the one named, and
    /// storage errors.
    pub async fn read_pending(&self, pending: &PendingKey, member: &crate::MemberKey) -> Result<PrivateKey> {
        layout::certificate_type(&pending.certificate_type)?;
        let path = self
            .layout
            .pending(&pending.certificate_type, &pending.key_id, "age");
        let (sealed, _) = self.get(&path).await?.ok_or_else(|| {
            self.not_found(&format!(
                "the pending {} key {}",
                pending.certificate_type, pending.key_id
            ))
        })?;
        let key = self.open_key(&sealed, &path, member)?;
        check_key(&format!("pending key {}", pending.key_id), &key, pending.key_id)?;
        Ok(key)
    }

    /// Whether this machine wrote `pending` to this store (recorded in the trust folder of
    /// [`StoreOptions::with_trust_folder`](crate::StoreOptions::with_trust_folder) by
    /// [`TeamStore::write_pending`]): the only pending keys a runner may resume and send to Apple.
    /// Without a trust folder, none is.
    ///
    /// # Errors
    ///
    /// A trust record that cannot be read.
    pub fn made_here(&self, pending: &PendingKey) -> Result<bool> {
        match &self.pins.trust_folder {
            Some(folder) => {
                crate::trust::is_own_pending(folder, &self.shown, pending.key_id, &pending.certificate_type)
            }
            None => Ok(false),
        }
    }

    /// Removes a pending key (its certificate was pushed, or it was never sent to Apple).
    ///
    /// # Errors
    ///
    /// Storage errors; a key already removed is fine.
    pub async fn remove_pending(&self, pending: &PendingKey) -> Result<()> {
        layout::certificate_type(&pending.certificate_type)?;
        if let Some(folder) = &self.pins.trust_folder {
            crate::trust::note_own_pending(
                folder,
                &self.shown,
                pending.key_id,
                &pending.certificate_type,
                false,
            )?;
        }
        for extension in ["json", "age"] {
            self.delete(
                &self
                    .layout
                    .pending(&pending.certificate_type, &pending.key_id, extension),
            )
            .await?;
        }
        Ok(())
    }
}
