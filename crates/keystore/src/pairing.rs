//! Pairing: which certificates have their private key here, which keys still wait for (or have
//! lost) their certificate, and which certificates have no key on this machine.

use std::collections::HashSet;
use std::fmt;

use crate::cert::CertificateInfo;
use crate::error::Result;
use crate::record::KeyRecord;
use crate::store::Keystore;

/// Why a key has no certificate among those given.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum KeyOnlyState {
    /// No certificate was ever recorded for the key: a CSR waiting to be sent or answered.
    Pending,
    /// The key's record names a certificate that is not among those given: revoked, expired or
    /// deleted (or filtered out of the list that was passed in).
    Orphaned,
}

impl KeyOnlyState {
    /// The word for this state, as `ascert identities list` prints it: `pending` or `orphaned`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Pending => "pending",
            Self::Orphaned => "orphaned",
        }
    }
}

impl fmt::Display for KeyOnlyState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Which kind of [`Pairing`] a line is, named as `ascert identities list` prints it.
///
/// ```
/// assert_eq!(ascert_keystore::PairingStatus::CertificateOnly.to_string(), "certificate-only");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum PairingStatus {
    /// The certificate's private key is here: `paired`.
    Paired,
    /// A key without a certificate among those given: `key-only` (see [`KeyOnlyState`] for why).
    KeyOnly,
    /// A certificate whose private key is not on this machine: `certificate-only`.
    CertificateOnly,
}

impl PairingStatus {
    /// The word for this status: `paired`, `key-only` or `certificate-only`.
    pub fn as_str(self) -> &'static str {
        match self {
            Self::Paired => "paired",
            Self::KeyOnly => "key-only",
            Self::CertificateOnly => "certificate-only",
        }
    }
}

impl fmt::Display for PairingStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One line of a pairing report.
#[derive(Debug, Clone)]
#[non_exhaustive]
#[allow(
    clippy::large_enum_variant,
    reason = "a report holds one line per key or certificate; boxing would only burden the callers' matches"
)]
pub enum Pairing {
    /// The certificate's private key is in the keystore: a usable identity.
    Paired {
        /// The key's record.
        key: KeyRecord,
        /// The certificate.
        certificate: CertificateInfo,
    },
    /// A key without a certificate among those given.
    KeyOnly {
        /// The key's record.
        key: KeyRecord,
        /// Pending or orphaned.
        state: KeyOnlyState,
    },
    /// A certificate whose private key is not on this machine.
    CertificateOnly {
        /// The certificate.
        certificate: CertificateInfo,
    },
}

impl Pairing {
    /// Which kind of line this is; its [`Display`](fmt::Display) is the word the CLI prints.
    pub fn status(&self) -> PairingStatus {
        match self {
            Self::Paired { .. } => PairingStatus::Paired,
            Self::KeyOnly { .. } => PairingStatus::KeyOnly,
            Self::CertificateOnly { .. } => PairingStatus::CertificateOnly,
        }
    }

    /// Why a key has no certificate, for a [`Pairing::KeyOnly`] line.
    pub fn key_only_state(&self) -> Option<KeyOnlyState> {
        match self {
            Self::KeyOnly { state, .. } => Some(*state),
            _ => None,
        }
    }
}

/// Matches `certificates` to the keys in `store` by public key.
///
/// The result lists the certificates in the order given (paired or certificate-only), then the
/// keys that matched none of them, oldest first. A key that matches several certificates (one CSR
/// submitted twice) is paired with each.
///
/// # Errors
///
/// Errors reading the keystore's records. Keys are not decrypted: the match uses the key ids.
///
/// ```no_run
/// use ascert_keystore::{pair, CertificateInfo, Keystore};
/// # fn f(certs: Vec<CertificateInfo>) -> ascert_keystore::Result<()> {
/// for line in pair(&Keystore::open_default()?, &certs)? {
///     println!("{}", line.status());
/// }
/// # Ok(()) }
/// ```
pub fn pair(store: &Keystore, certificates: &[CertificateInfo]) -> Result<Vec<Pairing>> {
    let records = store.records()?;
    let mut used = HashSet::new();
    let mut lines = Vec::with_capacity(records.len() + certificates.len());
    for certificate in certificates {
        match records.iter().find(|r| r.key_id == certificate.key_id()) {
            Some(record) => {
                used.insert(record.key_id);
                lines.push(Pairing::Paired {
                    key: record.clone(),
                    certificate: certificate.clone(),
                });
            }
            None => lines.push(Pairing::CertificateOnly {
                certificate: certificate.clone(),
            }),
        }
    }
    for record in records.into_iter().filter(|r| !used.contains(&r.key_id)) {
        let state = if record.has_certificate() {
            KeyOnlyState::Orphaned
        } else {
            KeyOnlyState::Pending
        };
        lines.push(Pairing::KeyOnly { key: record, state });
    }
    Ok(lines)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::cert::tests::TestCa;
    use crate::key::PrivateKey;
    use crate::key::tests::test_key;

    #[test]
    fn certificates_pair_with_their_keys_and_the_rest_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        let store = Keystore::open(dir.path().join("keys")).unwrap();
        let ca = TestCa::new("CA");

        // A key with its certificate.
        let paired = store.add(test_key(), "paired").unwrap();
        let paired_cert = ca.issue(test_key(), "Paired");
        // A key whose certificate was recorded but is gone (revoked).
        let gone_key = PrivateKey::generate_rsa_2048().unwrap();
        store.add(&gone_key, "revoked").unwrap();
        store
            .set_certificate(&gone_key.id(), &ca.issue(&gone_key, "Revoked"))
            .unwrap();
        // A key waiting for its certificate.
        let pending_key = PrivateKey::generate_rsa_2048().unwrap();
        store.add(&pending_key, "pending").unwrap();
        // A certificate made elsewhere.
        let elsewhere = ca.issue(&PrivateKey::generate_rsa_2048().unwrap(), "Elsewhere");

        let lines = pair(&store, &[paired_cert.clone(), elsewhere.clone()]).unwrap();
        let summary: Vec<(String, String)> = lines
            .iter()
            .map(|l| {
                let name = match l {
                    Pairing::Paired { key, .. } | Pairing::KeyOnly { key, .. } => key.label.clone(),
                    Pairing::CertificateOnly { certificate } => certificate.common_name().unwrap().to_owned(),
                };
                let status = match l.key_only_state() {
                    Some(state) => format!("{} ({state})", l.status()),
                    None => l.status().to_string(),
                };
                (status, name)
            })
            .collect();
        assert_eq!(summary[0], ("paired".into(), "paired".into()));
        assert_eq!(summary[1], ("certificate-only".into(), "Elsewhere".into()));
        let mut rest = summary[2..].to_vec();
        rest.sort();
        assert_eq!(
            rest,
            [
                ("key-only (orphaned)".into(), "revoked".into()),
                ("key-only (pending)".into(), "pending".into())
            ]
        );
        assert!(matches!(&lines[0], Pairing::Paired { key, certificate }
            if key.key_id == paired.key_id && certificate == &paired_cert));
    }

    #[test]
    fn an_empty_keystore_reports_every_certificate_as_keyless() {
        let dir = tempfile::tempdir().unwrap();
        let store = Keystore::open(dir.path().join("keys")).unwrap();
        let cert = TestCa::new("CA").issue(test_key(), "X");
        let lines = pair(&store, &[cert]).unwrap();
        assert_eq!(
            lines.iter().map(Pairing::status).collect::<Vec<_>>(),
            [PairingStatus::CertificateOnly]
        );
    }
}
