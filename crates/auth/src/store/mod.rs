//! [`CredentialStore`]: API keys saved in the OS credential store under a profile name, through keyring-core.
//!
//! Not to be confused with `ascert_keystore::Keystore`, the folder of signing-certificate keys:
//! this store holds App Store Connect API keys only.
//!
//! The store is passed explicitly rather than set as keyring-core's process-wide default, so that a
//! library using this crate never changes where the rest of the process keeps its secrets, and tests
//! each get their own in-memory store.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use keyring_core::{CredentialStore as KeyringStore, Entry};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

use crate::ApiKey;
use crate::error::{AuthError, shown_id};
use crate::key::json::{SecretText, from_json};
use crate::key::{check_ids, material};

mod platform;

/// keyring-core, whose store type [`CredentialStore::new`] takes: re-exported so that a caller
/// names the same version this crate was built with.
pub use keyring_core;

/// The keyring-core service name ascert saves keys under; the profile is the user name.
pub const DEFAULT_SERVICE: &str = "ascert";

/// A credential store holding API keys by profile name: the OS store
/// ([`CredentialStore::platform`]), an in-memory one for tests ([`CredentialStore::in_memory`]), or
/// any keyring-core store ([`CredentialStore::new`]).
///
/// Each key is one secret: a small JSON document with the key id, issuer id and the PKCS#8 key in
/// base64, like rcodesign's format, plus the enterprise flag and token lifetime.
///
/// ```
/// use ascert_auth::{ApiKey, AuthError, CredentialStore};
/// # use aws_lc_rs::signature::{ECDSA_P256_SHA256_FIXED_SIGNING, EcdsaKeyPair};
/// # let der = EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &aws_lc_rs::rand::SystemRandom::new()).unwrap();
///
/// let key = ApiKey::from_der("2X9R4HXF34", Some("57246542-96fe-1a63-e053-0824d011072a"), der.as_ref())?;
/// let store = CredentialStore::in_memory(); // CredentialStore::platform()? for the OS store
/// store.save("work", &key)?;
/// assert_eq!(store.load("work")?.public_key(), key.public_key());
/// store.delete("work")?;
/// assert!(matches!(store.load("work"), Err(AuthError::ProfileNotFound { .. })));
/// # Ok::<(), AuthError>(())
/// ```
#[derive(Clone)]
pub struct CredentialStore {
    store: Arc<KeyringStore>,
    service: String,
}

/// The document saved as the secret.
#[derive(Serialize)]
struct StoredKeyOut<'a> {
    key_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    issuer_id: Option<&'a str>,
    private_key: &'a str,
    in_house: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    duration: Option<u64>,
}

#[derive(Deserialize)]
struct StoredKeyIn {
    key_id: String,
    issuer_id: Option<String>,
    private_key: SecretText,
    #[serde(default)]
    in_house: bool,
    duration: Option<u64>,
}

impl CredentialStore {
    /// A credential store over any keyring-core store.
    pub fn new(store: Arc<KeyringStore>) -> CredentialStore {
        CredentialStore {
            store,
            service: DEFAULT_SERVICE.to_owned(),
        }
    }

    /// A fresh in-memory store (keyring-core's mock store): nothing persists, nothing touches the OS.
    pub fn in_memory() -> CredentialStore {
        // The mock store's constructor cannot fail; the error type is only there for other stores.
        let store: Arc<KeyringStore> = match keyring_core::mock::Store::new() {
            Ok(store) => store,
            Err(_) => unreachable!("keyring-core's mock store is always available"),
        };
        CredentialStore::new(store)
    }

    /// The OS credential store: the login keychain on macOS; on Linux the Secret Service (GNOME
    /// Keyring, `KWallet`) when a session bus offers it, else the kernel keyring (keyutils), attaching a
    /// session keyring first because in containers every keyutils call is denied without one.
    ///
    /// # Errors
    /// [`AuthError::StoreUnavailable`] when no store can be used on this machine.
    pub fn platform() -> Result<CredentialStore, AuthError> {
        platform::default_store().map(CredentialStore::new)
    }

    /// Uses `service` instead of [`DEFAULT_SERVICE`] as the keyring service name.
    #[must_use]
    pub fn with_service(mut self, service: &str) -> CredentialStore {
        service.clone_into(&mut self.service);
        self
    }

    /// The store's vendor, as keyring-core names it (for `ascert auth status` and the like).
    pub fn vendor(&self) -> String {
        self.store.vendor()
    }

    /// The store as people know it ("the macOS keychain", "the Secret Service (desktop keyring)",
    /// "the Linux kernel keyring"), for messages; [`CredentialStore::vendor`] is keyring-core's
    /// name, which ends in its crate's web address.
    pub fn display_name(&self) -> String {
        let vendor = self.vendor();
        let name = vendor.split(", http").next().unwrap_or(&vendor);
        if name.starts_with("Linux keyutils") {
            "the Linux kernel keyring".to_owned()
        } else if name.starts_with("Secret Service") {
            "the Secret Service (desktop keyring)".to_owned()
        } else if name.to_ascii_lowercase().contains("keychain")
            || name.starts_with("Apple")
            || name.starts_with("macOS")
        {
            "the macOS keychain".to_owned()
        } else {
            name.to_owned()
        }
    }

    /// Whether keys saved here do not last: the Linux kernel keyring (the fallback without a
    /// Secret Service) keeps them in the user's persistent keyring, which the kernel forgets after
    /// three days without use (`/proc/sys/kernel/keys/persistent_keyring_expiry`) and at a reboot.
    pub fn is_volatile(&self) -> bool {
        self.vendor().starts_with("Linux keyutils")
    }

    /// Saves `key` under `profile`, replacing what was there.
    ///
    /// # Errors
    /// [`AuthError::InvalidProfile`], [`AuthError::StoreUnavailable`] or [`AuthError::StoreFailed`].
    pub fn save(&self, profile: &str, key: &ApiKey) -> Result<(), AuthError> {
        let entry = self.entry(profile, "save")?;
        let private_key = Zeroizing::new(STANDARD.encode(key.pkcs8_der()));
        let document = StoredKeyOut {
            key_id: key.key_id(),
            issuer_id: key.issuer_id(),
            private_key: &private_key,
            in_house: key.is_enterprise(),
            duration: key.token_lifetime().map(|d| d.as_secs()),
        };
        let bytes = Zeroizing::new(serde_json::to_vec(&document).map_err(|_| AuthError::StoreFailed {
            action: "save",
            profile: profile.to_owned(),
            reason: "the key could not be encoded".to_owned(),
            source: None,
        })?);
        entry
            .set_secret(&bytes)
            .map_err(|e| store_error(e, "save", profile))
    }

    /// Loads the key saved under `profile`.
    ///
    /// # Errors
    /// [`AuthError::ProfileNotFound`], [`AuthError::InvalidProfile`], [`AuthError::StoreUnavailable`],
    /// [`AuthError::StoreFailed`], or [`AuthError::InvalidJson`] and key errors for a damaged entry.
    pub fn load(&self, profile: &str) -> Result<ApiKey, AuthError> {
        let entry = self.entry(profile, "load")?;
        let bytes = Zeroizing::new(entry.get_secret().map_err(|e| store_error(e, "load", profile))?);
        let origin = format!("profile {profile:?} in the OS credential store");
        let doc: StoredKeyIn = from_json(&bytes, &origin, "ascert stored key")?;
        let (key_id, issuer_id) = check_ids(&doc.key_id, doc.issuer_id.as_deref())?;
        let parsed = material::parse_base64_key(&doc.private_key.0, &origin)?;
        let lifetime = doc
            .duration
            .map(|s| crate::lifetime::check_lifetime(Duration::from_secs(s)))
            .transpose()?;
        let mut key = ApiKey::assemble(key_id, issuer_id, parsed);
        key.set_enterprise_unchecked(doc.in_house);
        key.set_lifetime_unchecked(lifetime);
        Ok(key)
    }

    /// Deletes the key saved under `profile`.
    ///
    /// # Errors
    /// [`AuthError::ProfileNotFound`] when nothing is saved there, otherwise as [`CredentialStore::save`].
    pub fn delete(&self, profile: &str) -> Result<(), AuthError> {
        let entry = self.entry(profile, "delete")?;
        entry
            .delete_credential()
            .map_err(|e| store_error(e, "delete", profile))
    }

    fn entry(&self, profile: &str, action: &'static str) -> Result<Entry, AuthError> {
        let valid = !profile.is_empty()
            && profile.len() <= 64
            && profile
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b));
        if !valid {
            return Err(AuthError::InvalidProfile {
                profile: shown_id(profile, 64),
            });
        }
        Entry::new_in_store(&self.store, &self.service, profile).map_err(|e| store_error(e, action, profile))
    }
}

impl ApiKey {
    /// Loads the key saved under `profile` in `store`; see [`CredentialStore::load`].
    ///
    /// # Errors
    /// As [`CredentialStore::load`].
    pub fn from_store(store: &CredentialStore, profile: &str) -> Result<ApiKey, AuthError> {
        store.load(profile)
    }

    /// Saves this key under `profile` in `store`; see [`CredentialStore::save`].
    ///
    /// # Errors
    /// As [`CredentialStore::save`].
    pub fn save_to_store(&self, store: &CredentialStore, profile: &str) -> Result<(), AuthError> {
        store.save(profile, self)
    }

    /// Deletes the key saved under `profile` in `store`; see [`CredentialStore::delete`].
    ///
    /// # Errors
    /// As [`CredentialStore::delete`].
    pub fn delete_from_store(store: &CredentialStore, profile: &str) -> Result<(), AuthError> {
        store.delete(profile)
    }
}

impl fmt::Debug for CredentialStore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("CredentialStore")
            .field("vendor", &self.store.vendor())
            .field("service", &self.service)
            .finish_non_exhaustive()
    }
}

/// Maps keyring-core's error to ours. Its `BadEncoding` and `BadDataFormat` carry the stored secret's
/// bytes, so they are reduced to words and never chained.
fn store_error(error: keyring_core::Error, action: &'static str, profile: &str) -> AuthError {
    use keyring_core::Error as E;
    let failed = |reason: String, source| AuthError::StoreFailed {
        action,
        profile: profile.to_owned(),
        reason,
        source,
    };
    match error {
        E::NoEntry => AuthError::ProfileNotFound {
            profile: profile.to_owned(),
        },
        E::NoStorageAccess(source) => AuthError::StoreUnavailable {
            reason: "access was denied (is the keyring locked, or is there no session keyring?)".to_owned(),
            source: Some(source),
        },
        E::NoDefaultStore => AuthError::StoreUnavailable {
            reason: "no store is configured".to_owned(),
            source: None,
        },
        E::NotSupportedByStore(why) => AuthError::StoreUnavailable {
            reason: why,
            source: None,
        },
        E::PlatformFailure(source) => {
            failed("the platform store reported a failure".to_owned(), Some(source))
        }
        E::BadEncoding(_) | E::BadDataFormat(..) => {
            failed("the stored data is not in the expected format".to_owned(), None)
        }
        E::BadStoreFormat(why) => failed(format!("the store is damaged: {why}"), None),
        E::TooLong(attribute, limit) => failed(
            format!("{attribute} is longer than the store's limit of {limit}"),
            None,
        ),
        E::Invalid(parameter, why) => failed(format!("{parameter} is invalid: {why}"), None),
        E::Ambiguous(entries) => failed(
            format!("{} entries match; delete the extra ones", entries.len()),
            None,
        ),
        _ => failed("an unexpected error occurred".to_owned(), None),
    }
}

#[cfg(test)]
mod tests;
