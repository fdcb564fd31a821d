//! The macOS implementation, on the Security framework (`security-framework`).

use security_framework::base::Error as SecError;
use security_framework::certificate::SecCertificate;
use security_framework::identity::SecIdentity;
use security_framework::import_export::Pkcs12ImportOptions;
use security_framework::item::{ItemClass, ItemSearchOptions, Limit, Reference, SearchResult};
use security_framework::os::macos::keychain::SecKeychain;

use crate::error::{KeychainError, Result};
use crate::identity::Identity;
use crate::keychain::Keychain;

/// `errSecDuplicateItem`: the keychain already has the item.
const ERR_SEC_DUPLICATE_ITEM: i32 = -25299;
/// `errSecItemNotFound`: a search found nothing.
const ERR_SEC_ITEM_NOT_FOUND: i32 = -25300;

fn security(what: &'static str) -> impl FnOnce(SecError) -> KeychainError {
    move |e| KeychainError::Security {
        what,
        code: e.code(),
        message: e.message().unwrap_or_default(),
    }
}

fn open(keychain: &Keychain) -> Result<SecKeychain> {
    SecKeychain::open(keychain.path()?).map_err(security("opening the keychain"))
}

pub(crate) fn import_pkcs12(
    keychain: &Keychain,
    p12: &[u8],
    password: &str,
    intermediate_der: Option<&[u8]>,
) -> Result<Identity> {
    let kc = open(keychain)?;
    let imported = Pkcs12ImportOptions::new()
        .passphrase(password)
        .keychain(kc.clone())
        .import(p12)
        .map_err(security("PKCS#12 import"))?;
    let identity = imported
        .into_iter()
        .find_map(|item| item.identity)
        .ok_or(KeychainError::NoIdentityInPkcs12)?;
    let certificate = identity
        .certificate()
        .map_err(security("reading the imported certificate"))?;
    let info = Identity::from_certificate_der(&certificate.to_der())?;
    if let Some(der) = intermediate_der {
        add_certificate(&kc, der)?;
    }
    Ok(info)
}

/// Adds a CA certificate unless the keychain already has it.
fn add_certificate(kc: &SecKeychain, der: &[u8]) -> Result<()> {
    let certificate =
        SecCertificate::from_der(der).map_err(security("reading the intermediate certificate"))?;
    match certificate.add_to_keychain(Some(kc.clone())) {
        Err(e) if e.code() == ERR_SEC_DUPLICATE_ITEM => Ok(()),
        other => other.map_err(security("adding the intermediate certificate")),
    }
}

fn identities(keychain: &Keychain) -> Result<Vec<(SecIdentity, Identity)>> {
    let kc = open(keychain)?;
    let results = match ItemSearchOptions::new()
        .class(ItemClass::identity())
        .keychains(std::slice::from_ref(&kc))
        .load_refs(true)
        .limit(Limit::All)
        .search()
    {
        Ok(results) => results,
        Err(e) if e.code() == ERR_SEC_ITEM_NOT_FOUND => Vec::new(),
        Err(e) => return Err(security("listing identities")(e)),
    };
    let mut out = Vec::new();
    for result in results {
        if let SearchResult::Ref(Reference::Identity(identity)) = result {
            let certificate = identity
                .certificate()
                .map_err(security("reading an identity's certificate"))?;
            // A certificate the parser cannot read is not one ascert made; skip it.
            if let Ok(info) = Identity::from_certificate_der(&certificate.to_der()) {
                out.push((identity, info));
            }
        }
    }
    Ok(out)
}

pub(crate) fn list_codesigning_identities(keychain: &Keychain) -> Result<Vec<Identity>> {
    Ok(identities(keychain)?
        .into_iter()
        .map(|(_, info)| info)
        .filter(|info| info.code_signing)
        .collect())
}

pub(crate) fn find_identity(keychain: &Keychain, sha1: &[u8; 20]) -> Result<Option<Identity>> {
    Ok(identities(keychain)?
        .into_iter()
        .map(|(_, info)| info)
        .find(|info| &info.sha1 == sha1))
}

pub(crate) fn delete_identity(keychain: &Keychain, sha1: &[u8; 20]) -> Result<()> {
    let found = identities(keychain)?
        .into_iter()
        .find(|(_, info)| &info.sha1 == sha1);
    let Some((identity, _)) = found else {
        return Err(KeychainError::NotFound {
            sha1: crate::identity::sha1_hex(sha1),
            keychain: keychain.path()?.display().to_string(),
        });
    };
    identity.delete().map_err(security("deleting the identity"))
}

pub(crate) fn allow_codesign(
    keychain: &Keychain,
    identity: &Identity,
    keychain_password: Option<&str>,
) -> Result<()> {
    crate::partition::set_codesign_partition_list(
        &keychain.path()?,
        Some(&identity.common_name),
        keychain_password,
    )
}
