//! The resources a sandbox holds, all in one [`Resources`] under one lock: certificates in creation
//! order with their issued content, the pass type IDs they name, and the provisioning resources
//! (`store/provisioning.rs`). One value for all of them lets a change to one resource reach the
//! others in the same critical section (revoking a certificate invalidates its profiles).

use ascert_models::CertificateType;
use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;

use crate::SandboxError;
use crate::ca::{LeafSpec, SandboxCa};
use crate::config::{Limits, Team};
pub(crate) mod provisioning;

use crate::types::{self, LimitGroup};
use provisioning::{StoredBundleId, StoredCapability, StoredDevice, StoredProfile};

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

/// One pass type ID as the sandbox keeps it: registered when a certificate first names it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct StoredPassTypeId {
    pub(crate) id: String,
    pub(crate) name: String,
    /// The reverse-DNS identifier, such as `pass.dev.ascert.sandbox.pass1`.
    pub(crate) identifier: String,
}

impl StoredPassTypeId {
    /// The pass type ID `id` as the sandbox makes it up when a certificate names one it does not know.
    pub(crate) fn named(id: &str) -> Self {
        Self {
            id: id.to_owned(),
            name: format!("Sandbox pass {id}"),
            identifier: format!("pass.dev.ascert.sandbox.{}", id.to_ascii_lowercase()),
        }
    }
}

/// Every resource of the sandbox: what the state file keeps, and what one lock guards.
#[derive(Debug, Default, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub(crate) struct Resources {
    /// The certificates, in creation order.
    pub(crate) certificates: Vec<StoredCertificate>,
    /// The pass type IDs certificates have named, in order of first appearance. (State files of
    /// version 2 have none: [`Resources::register_pass_type_ids`] makes them up on load.)
    #[serde(default)]
    pub(crate) pass_type_ids: Vec<StoredPassTypeId>,
    /// The bundle IDs, in creation order (absent from state files written before the sandbox kept
    /// provisioning resources, like the three lists below).
    #[serde(default)]
    pub(crate) bundle_ids: Vec<StoredBundleId>,
    /// The capabilities of every bundle ID, in the order they were added.
    #[serde(default)]
    pub(crate) bundle_id_capabilities: Vec<StoredCapability>,
    /// The registered devices, in registration order.
    #[serde(default)]
    pub(crate) devices: Vec<StoredDevice>,
    /// The provisioning profiles, in creation order.
    #[serde(default)]
    pub(crate) profiles: Vec<StoredProfile>,
}

impl Resources {
    /// The certificate `id`.
    pub(crate) fn certificate(&self, id: &str) -> Option<&StoredCertificate> {
        self.certificates.iter().find(|c| c.id == id)
    }

    /// The pass type ID `id`.
    pub(crate) fn pass_type_id(&self, id: &str) -> Option<&StoredPassTypeId> {
        self.pass_type_ids.iter().find(|p| p.id == id)
    }

    /// Adds `certificate`, registering the pass type ID it names if it is new; returns its index.
    pub(crate) fn add_certificate(&mut self, certificate: StoredCertificate) -> usize {
        if let Some(id) = &certificate.pass_type_id {
            self.register_pass_type_id(id);
        }
        self.certificates.push(certificate);
        self.certificates.len() - 1
    }

    /// Registers every pass type ID that a certificate names and that is not registered yet.
    pub(crate) fn register_pass_type_ids(&mut self) {
        let named: Vec<String> = self
            .certificates
            .iter()
            .filter_map(|c| c.pass_type_id.clone())
            .collect();
        for id in named {
            self.register_pass_type_id(&id);
        }
    }

    fn register_pass_type_id(&mut self, id: &str) {
        if self.pass_type_id(id).is_none() {
            self.pass_type_ids.push(StoredPassTypeId::named(id));
        }
    }

    /// Revokes the certificate at `index`: it is gone, its slot is free, and the profiles that
    /// hold it turn `INVALID` under the same lock.
    pub(crate) fn revoke_certificate(&mut self, index: usize) {
        let revoked = self.certificates.remove(index);
        self.invalidate_profiles_of_certificate(&revoked.id);
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
        let mut store = Resources::default();
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

    #[test]
    fn certificates_register_the_pass_type_ids_they_name_once() {
        let mut resources = Resources::default();
        let mut pass = cert(CertificateType::PassTypeId, "K1", true);
        pass.pass_type_id = Some("PASS1".into());
        resources.add_certificate(pass.clone());
        resources.add_certificate(cert(CertificateType::Development, "K1", true));
        let index = resources.add_certificate(pass);
        assert_eq!(index, 2);
        assert_eq!(resources.pass_type_ids, [StoredPassTypeId::named("PASS1")]);
        assert_eq!(
            resources.pass_type_id("PASS1").unwrap().identifier,
            "pass.dev.ascert.sandbox.pass1"
        );
        // Revoking a certificate leaves its pass type ID, as at Apple.
        resources.revoke_certificate(0);
        resources.revoke_certificate(0);
        assert_eq!(resources.certificates.len(), 1);
        assert_eq!(resources.pass_type_ids.len(), 1);
        // A state file of version 2 has no pass type IDs: they are made up from the certificates.
        let saved = serde_json::json!({"certificates": resources.certificates});
        let mut loaded: Resources = serde_json::from_value(saved).unwrap();
        assert!(loaded.pass_type_ids.is_empty());
        loaded.register_pass_type_ids();
        assert_eq!(loaded, resources);
    }
}
