//! The certificates a sandbox holds, in creation order, with their issued content.

use ascert_models::CertificateType;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::SandboxError;
use crate::ca::{LeafSpec, SandboxCa};
use crate::config::{Limits, Team};
use crate::types::{self, LimitGroup};

/// The owner recorded for seeded certificates.
pub(crate) const SEED_OWNER: &str = "seed";

/// One certificate as the sandbox keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredCertificate {
    pub(crate) id: String,
    pub(crate) certificate_type: CertificateType,
    pub(crate) name: String,
    pub(crate) display_name: String,
    pub(crate) serial_number: String,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) not_before: OffsetDateTime,
    #[serde(with = "time::serde::rfc3339")]
    pub(crate) expiration_date: OffsetDateTime,
    pub(crate) activated: bool,
    /// Base64 DER; `None` until first needed for seeded certificates, which are issued lazily.
    pub(crate) content: Option<String>,
    pub(crate) pass_type_id: Option<String>,
    /// The key id that created it, or [`SEED_OWNER`].
    pub(crate) owner: String,
}

impl StoredCertificate {
    /// Whether the certificate fills a slot of its type's limit at `now`: every unexpired one,
    /// deactivated or not, seeded or not, as at Apple. A deactivated certificate still fills its
    /// slot: only revoking (or expiry) frees one (see docs/sandbox.md for the evidence).
    fn fills_a_slot(&self, now: OffsetDateTime) -> bool {
        self.expiration_date > now
    }
}

/// All certificates, in creation order.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Store {
    pub(crate) certificates: Vec<StoredCertificate>,
}

impl Store {
    pub(crate) fn position(&self, id: &str) -> Option<usize> {
        self.certificates.iter().position(|c| c.id == id)
    }

    pub(crate) fn get(&self, id: &str) -> Option<&StoredCertificate> {
        self.certificates.iter().find(|c| c.id == id)
    }

    /// Whether creating one more `certificate_type` for `owner` would exceed `limits`.
    pub(crate) fn limit_reached(
        &self,
        certificate_type: &CertificateType,
        owner: &str,
        limits: &Limits,
        now: OffsetDateTime,
    ) -> bool {
        let group = types::limit_group(certificate_type);
        let max = match group {
            LimitGroup::None => return false,
            LimitGroup::Development => limits.development_per_owner,
            LimitGroup::Distribution => limits.distribution_per_team,
            LimitGroup::DeveloperIdApplication => limits.developer_id_application,
        };
        let same_slot = |c: &StoredCertificate| match group {
            LimitGroup::Development => c.certificate_type == *certificate_type && c.owner == owner,
            LimitGroup::Distribution => c.certificate_type == *certificate_type,
            LimitGroup::DeveloperIdApplication | LimitGroup::None => {
                types::limit_group(&c.certificate_type) == group
            }
        };
        let used = self
            .certificates
            .iter()
            .filter(|c| c.fills_a_slot(now) && same_slot(c))
            .count();
        used >= max
    }

    /// Issues the content of the certificate at `index` if it has none yet (seeded certificates),
    /// under its type's intermediate, for the seed key its type takes.
    pub(crate) fn ensure_content(
        &mut self,
        index: usize,
        ca: &SandboxCa,
        team: &Team,
        base_url: &str,
    ) -> Result<(), SandboxError> {
        let Some(cert) = self.certificates.get_mut(index) else {
            return Ok(());
        };
        if cert.content.is_some() {
            return Ok(());
        }
        let serial = hex_to_bytes(&cert.serial_number);
        let key = crate::ca::seed_public_key(crate::csr::required_key(&cert.certificate_type))?;
        let der = ca.issue(
            &cert.certificate_type,
            key,
            &LeafSpec {
                common_name: &cert.name,
                team_id: &team.id,
                team_name: &team.name,
                serial: &serial,
                not_before: cert.not_before,
                not_after: cert.expiration_date,
                base_url,
            },
        )?;
        cert.content = Some(STANDARD.encode(der));
        Ok(())
    }
}

/// Upper-case hexadecimal back to bytes (serials are always an even number of hex digits here).
fn hex_to_bytes(hex: &str) -> Vec<u8> {
    hex.as_bytes()
        .chunks(2)
        .filter_map(|pair| {
            std::str::from_utf8(pair)
                .ok()
                .and_then(|s| u8::from_str_radix(s, 16).ok())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use time::Duration;

    use super::*;

    fn cert(certificate_type: CertificateType, owner: &str, activated: bool) -> StoredCertificate {
        let now = OffsetDateTime::now_utc();
        StoredCertificate {
            id: crate::ids::apple_id(),
            certificate_type,
            name: "n".into(),
            display_name: "d".into(),
            serial_number: "0A".into(),
            not_before: now,
            expiration_date: now + Duration::days(1),
            activated,
            content: None,
            pass_type_id: None,
            owner: owner.into(),
        }
    }

    #[test]
    fn limits_count_current_certificates_per_slot() {
        let now = OffsetDateTime::now_utc();
        let limits = Limits::default();
        let mut store = Store::default();
        let dev = CertificateType::Development;
        store.certificates.push(cert(dev.clone(), "K1", true));
        store.certificates.push(cert(dev.clone(), SEED_OWNER, true));
        assert!(!store.limit_reached(&dev, "K1", &limits, now));
        // A deactivated certificate still fills its slot.
        store.certificates.push(cert(dev.clone(), "K1", false));
        assert!(store.limit_reached(&dev, "K1", &limits, now));
        // An expired one does not.
        let mut expired = cert(dev.clone(), "K2", true);
        expired.expiration_date = now - Duration::days(1);
        store.certificates.push(expired.clone());
        store.certificates.push(expired);
        assert!(!store.limit_reached(&dev, "K2", &limits, now));
        assert!(!store.limit_reached(&dev, "K2", &limits, now));
        assert!(!store.limit_reached(&CertificateType::PassTypeId, "K1", &limits, now));
        for _ in 0..5 {
            store
                .certificates
                .push(cert(CertificateType::DeveloperIdApplicationG2, "K9", true));
        }
        assert!(store.limit_reached(&CertificateType::DeveloperIdApplication, "K1", &limits, now));
        assert_eq!(hex_to_bytes("0A1B"), [0x0a, 0x1b]);
    }
}
