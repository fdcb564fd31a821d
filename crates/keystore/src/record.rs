//! [`KeyRecord`]: the metadata kept next to each key (label, creation time, the key's algorithm,
//! intended certificate type, CSR, and the certificate's id and serial once Apple has issued it).

use ascert_models::CertificateType;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::algorithm::KeyAlgorithm;
use crate::csr::CsrSubject;
use crate::key::KeyId;

/// What the keystore knows about one key, stored as `<key id>.json` beside the key file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
#[non_exhaustive]
pub struct KeyRecord {
    /// The key's id (SHA-256 of its public key).
    pub key_id: KeyId,
    /// A name chosen by the user, such as "CI distribution 2026".
    pub label: String,
    /// When the key was generated or imported.
    #[serde(with = "time::serde::rfc3339")]
    pub created: OffsetDateTime,
    /// The key's algorithm (`RSA-2048`, `EC P-256`), recorded when the key is written. Records
    /// written before this field existed have none: [`KeyRecord::algorithm`] then reads it from
    /// the record's CSR.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub key_algorithm: Option<KeyAlgorithm>,
    /// The certificate type the key was made for, if known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_type: Option<CertificateType>,
    /// The CSR made with the key, PEM, if one was made here.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub csr_pem: Option<String>,
    /// The App Store Connect id of the certificate issued for the key, once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub certificate_id: Option<String>,
    /// The serial number of that certificate (upper-case hex), once known.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub serial_number: Option<String>,
    /// Whether the key file is encrypted PKCS#8.
    #[serde(default)]
    pub encrypted: bool,
    /// For a key made for a certificate request about to be sent ([`Keystore::generate_pending`]):
    /// the subject of that request. A run that stopped before the certificate was recorded left
    /// such a key; a rerun with the same type and subject takes it up again. Keys generated or
    /// imported on purpose have none, and are never taken for a run's.
    ///
    /// [`Keystore::generate_pending`]: crate::Keystore::generate_pending
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pending_request: Option<CsrSubject>,
}

impl KeyRecord {
    /// A fresh record for a key with only a label.
    pub fn new(key_id: KeyId, label: impl Into<String>) -> Self {
        Self {
            key_id,
            label: label.into(),
            created: OffsetDateTime::now_utc(),
            key_algorithm: None,
            certificate_type: None,
            csr_pem: None,
            certificate_id: None,
            serial_number: None,
            encrypted: false,
            pending_request: None,
        }
    }

    /// Whether this key was made by an unfinished request for a `certificate_type` certificate
    /// with `subject`, no certificate has been recorded for it since, and it is the kind of key
    /// that type takes ([`KeyAlgorithm::for_certificate_type`]): an RSA key left pending for an
    /// `APPLE_PAY` request by an earlier version is not taken up for an EC one, nor the reverse.
    pub fn is_pending_for(&self, certificate_type: &CertificateType, subject: &CsrSubject) -> bool {
        !self.has_certificate()
            && self.certificate_type.as_ref() == Some(certificate_type)
            && self.pending_request.as_ref() == Some(subject)
            && self.algorithm() == Some(KeyAlgorithm::for_certificate_type(certificate_type))
    }

    /// The key's algorithm as the record tells it: [`KeyRecord::key_algorithm`], else the public
    /// key of the record's CSR; `None` when the record has neither (an older record of an imported
    /// key: [`Keystore::key_algorithm`](crate::Keystore::key_algorithm) looks further).
    pub fn algorithm(&self) -> Option<KeyAlgorithm> {
        self.key_algorithm
            .or_else(|| self.csr_pem.as_deref().and_then(crate::csr::public_key_algorithm))
    }

    /// Whether Apple issued a certificate for this key, as far as the keystore knows.
    pub fn has_certificate(&self) -> bool {
        self.certificate_id.is_some() || self.serial_number.is_some()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn records_are_camel_case_json_and_round_trip() {
        let mut record = KeyRecord::new(KeyId::of_spki(b"spki"), "CI key");
        record.certificate_type = Some(CertificateType::IosDistribution);
        record.created = time::macros::datetime!(2026-11-26 10:00 UTC);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["certificateType"], "IOS_DISTRIBUTION");
        assert_eq!(json["created"], "2026-11-26T10:00:00Z");
        assert_eq!(json["keyId"].as_str().unwrap().len(), 64);
        assert!(json.get("certificateId").is_none());
        assert!(
            json.get("keyAlgorithm").is_none(),
            "unknown algorithms are left out"
        );
        let back: KeyRecord = serde_json::from_value(json).unwrap();
        assert_eq!(back, record);
        assert!(!back.has_certificate());
    }

    #[test]
    fn the_algorithm_is_recorded_as_text_and_older_records_read_without_it() {
        let mut record = KeyRecord::new(KeyId::of_spki(b"spki"), "Apple Pay");
        record.key_algorithm = Some(KeyAlgorithm::EcP256);
        let json = serde_json::to_value(&record).unwrap();
        assert_eq!(json["keyAlgorithm"], "EC P-256");
        let older = serde_json::json!({
            "keyId": record.key_id, "label": "old", "created": "2026-01-01T00:00:00Z"
        });
        let older: KeyRecord = serde_json::from_value(older).unwrap();
        assert_eq!(older.key_algorithm, None);
        assert_eq!(older.algorithm(), None);
    }
}
