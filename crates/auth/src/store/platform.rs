//! Choosing the OS credential store for this platform.

use std::sync::Arc;

use keyring_core::CredentialStore;

use crate::error::AuthError;

/// macOS: the login keychain.
#[cfg(target_os = "macos")]
pub(super) fn default_store() -> Result<Arc<CredentialStore>, AuthError> {
    apple_native_keyring_store::keychain::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| unavailable("the macOS keychain cannot be opened", e))
}

/// Linux: the Secret Service when a session bus offers one, else the kernel keyring.
#[cfg(target_os = "linux")]
pub(super) fn default_store() -> Result<Arc<CredentialStore>, AuthError> {
    use linux_keyutils::{KeyRing, KeyRingIdentifier};

    if let Ok(store) = dbus_secret_service_keyring_store::Store::new() {
        return Ok(store);
    }
    // Without a session keyring (the usual case in containers and CI jobs) every keyutils call is
    // denied; asking for it with `create` attaches a fresh one to this process.
    KeyRing::from_special_id(KeyRingIdentifier::Session, true).map_err(|e| AuthError::StoreUnavailable {
        reason: "neither the Secret Service (no session bus or keyring daemon) nor the kernel keyring \
                 (no session keyring could be attached) can be used"
            .to_owned(),
        source: Some(Box::new(e)),
    })?;
    linux_keyutils_keyring_store::Store::new()
        .map(|s| s as Arc<CredentialStore>)
        .map_err(|e| unavailable("the kernel keyring cannot be used", e))
}

/// Other platforms have no store wired in yet.
#[cfg(not(any(target_os = "macos", target_os = "linux")))]
pub(super) fn default_store() -> Result<Arc<CredentialStore>, AuthError> {
    Err(AuthError::StoreUnavailable {
        reason: "no OS credential store is supported on this platform yet; use a key file or variables"
            .to_owned(),
        source: None,
    })
}

#[cfg(any(target_os = "macos", target_os = "linux"))]
fn unavailable(reason: &str, error: keyring_core::Error) -> AuthError {
    let source: Option<crate::error::StoreSource> = match error {
        keyring_core::Error::PlatformFailure(e) | keyring_core::Error::NoStorageAccess(e) => Some(e),
        _ => None,
    };
    AuthError::StoreUnavailable {
        reason: reason.to_owned(),
        source,
    }
}
