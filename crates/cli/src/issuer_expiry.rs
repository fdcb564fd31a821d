//! Apple's intermediates that end before the certificates they issued: the original Developer ID
//! Certification Authority ends on 2027-02-01, and a Developer ID certificate issued under it
//! cannot sign after that, whatever its own expiry says (what was signed before with a secure
//! timestamp stays valid). `identities list`, `identities ensure` and `identities import` warn
//! about such certificates, so no release day finds out.

use ascert_keystore::CertificateInfo;
use time::macros::datetime;
use time::{Duration, OffsetDateTime};

/// An Apple intermediate that ends on a known date, and what to use instead.
struct Ending {
    /// Its name, as its subject's common name says.
    name: &'static str,
    /// Its subject's organizational unit, which tells it from its successor of the same name.
    unit: &'static str,
    /// Its subject key identifier, which the certificates it issued carry as their authority key
    /// identifier.
    subject_key_id: [u8; 20],
    /// Its `notAfter`.
    ends: OffsetDateTime,
    /// What to make instead.
    successor: &'static str,
}

/// The original Developer ID Certification Authority (OU "Apple Certification Authority"), whose
/// successor is the G2 CA (`DEVELOPER_ID_APPLICATION_G2`, `DEVELOPER_ID_KEXT_G2`).
const ENDING: &[Ending] = &[Ending {
    name: "Developer ID Certification Authority",
    unit: "Apple Certification Authority",
    subject_key_id: [
        0x57, 0x17, 0xED, 0xA2, 0xCF, 0xDC, 0x7C, 0x98, 0xA1, 0x10, 0xE0, 0xFC, 0xBE, 0x87, 0x2D, 0x2C, 0xF2,
        0xE3, 0x17, 0x54,
    ],
    ends: datetime!(2027-02-01 22:12:15 UTC),
    successor: "a G2 certificate (DEVELOPER_ID_APPLICATION_G2 or DEVELOPER_ID_KEXT_G2, made on the developer \
                website: see `ascert keys csr --help`)",
}];

/// Whether `leaf` was issued under `ending`: by its key identifier, or by its name (common name and
/// unit), which a leaf without the identifier, or the sandbox's stand-in for the CA, still carries.
fn issued_by(leaf: &CertificateInfo, ending: &Ending) -> bool {
    if leaf.authority_key_id() == Some(ending.subject_key_id.as_slice()) {
        return true;
    }
    let issuer = leaf.issuer();
    issuer
        .split(", ")
        .any(|part| part == format!("CN={}", ending.name))
        && issuer
            .split(", ")
            .any(|part| part == format!("OU={}", ending.unit))
}

/// How long before the end a warning is given: a year, as Developer ID certificates last five.
const WARN_WITHIN: Duration = Duration::days(365);

/// When the CA that issued `leaf` ends, if it ends before the leaf expires and within a year of
/// `now` (or has ended): the date [`warning`] warns about.
pub(crate) fn ends_first(leaf: &CertificateInfo, now: OffsetDateTime) -> Option<OffsetDateTime> {
    let ending = ENDING.iter().find(|e| issued_by(leaf, e))?;
    (leaf.not_after() > ending.ends && now + WARN_WITHIN >= ending.ends).then_some(ending.ends)
}

/// A warning about `leaf` (named `what`, such as "certificate 8HN7RB3U9Z") when its issuing CA ends
/// within a year of `now`, or has ended, before the leaf itself expires.
pub(crate) fn warning(leaf: &CertificateInfo, what: &str, now: OffsetDateTime) -> Option<String> {
    ends_first(leaf, now)?;
    let ending = ENDING.iter().find(|e| issued_by(leaf, e))?;
    let when = ending.ends.date();
    Some(if now >= ending.ends {
        format!(
            "{what} was issued under the {}, which ended on {when}: it can no longer sign, although it \
             expires only on {}; use {} instead",
            ending.name,
            leaf.not_after().date(),
            ending.successor
        )
    } else {
        format!(
            "{what} was issued under the {}, which ends on {when} ({} days from now): from then on it \
             cannot sign, although it expires only on {} (what was signed before with a secure timestamp \
             stays valid); make {} before then",
            ending.name,
            (ending.ends - now).whole_days(),
            leaf.not_after().date(),
            ending.successor
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A leaf "issued" by a CA with `authority_key_id`, valid until `not_after`, made with rcgen.
    fn leaf(authority_key_id: &[u8], not_after: OffsetDateTime) -> CertificateInfo {
        named_leaf(authority_key_id, &[], not_after)
    }

    /// The same, by a CA whose subject has the (type, value) attributes `name`.
    fn named_leaf(
        authority_key_id: &[u8],
        name: &[(rcgen::DnType, &str)],
        not_after: OffsetDateTime,
    ) -> CertificateInfo {
        let ca_key = rcgen::KeyPair::generate().unwrap();
        let mut ca_params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        for (kind, value) in name {
            ca_params.distinguished_name.push(kind.clone(), *value);
        }
        ca_params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
        ca_params.key_identifier_method = rcgen::KeyIdMethod::PreSpecified(authority_key_id.to_vec());
        let ca = ca_params.self_signed(&ca_key).unwrap();
        let issuer = rcgen::Issuer::new(ca_params, ca_key);
        let key = rcgen::KeyPair::generate().unwrap();
        let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
        params.not_after = not_after;
        params.use_authority_key_identifier_extension = true;
        let cert = params.signed_by(&key, &issuer).unwrap();
        drop(ca);
        CertificateInfo::from_der(cert.der()).unwrap()
    }

    #[test]
    fn a_leaf_of_the_ending_developer_id_ca_is_warned_about_within_a_year() {
        let old = ENDING[0].subject_key_id;
        let leaf = leaf(&old, datetime!(2030-06-01 0:00 UTC));
        let before = warning(&leaf, "certificate X", datetime!(2026-12-07 0:00 UTC)).unwrap();
        assert!(
            before.contains("ends on 2027-02-01") && before.contains("expires only on 2030-06-01"),
            "{before}"
        );
        let after = warning(&leaf, "certificate X", datetime!(2027-03-01 0:00 UTC)).unwrap();
        assert!(
            after.contains("ended on 2027-02-01") && after.contains("can no longer sign"),
            "{after}"
        );
        assert_eq!(
            warning(&leaf, "certificate X", datetime!(2025-06-01 0:00 UTC)),
            None,
            "too early to say"
        );
    }

    #[test]
    fn other_leaves_and_those_that_expire_first_are_not() {
        let g2 = [0xF8; 20];
        assert_eq!(
            warning(
                &leaf(&g2, datetime!(2030-06-01 0:00 UTC)),
                "c",
                datetime!(2026-12-07 0:00 UTC)
            ),
            None
        );
        let old = ENDING[0].subject_key_id;
        assert_eq!(
            warning(
                &leaf(&old, datetime!(2027-01-15 0:00 UTC)),
                "c",
                datetime!(2026-12-07 0:00 UTC)
            ),
            None,
            "it expires before its CA ends"
        );
    }

    #[test]
    fn the_ending_ca_is_known_by_its_name_too_and_its_successor_is_not() {
        let other_id = [0x11; 20];
        let cn = (rcgen::DnType::CommonName, "Developer ID Certification Authority");
        let old = named_leaf(
            &other_id,
            &[
                cn.clone(),
                (
                    rcgen::DnType::OrganizationalUnitName,
                    "Apple Certification Authority",
                ),
            ],
            datetime!(2030-06-01 0:00 UTC),
        );
        assert!(warning(&old, "c", datetime!(2026-12-07 0:00 UTC)).is_some());
        let g2 = named_leaf(
            &other_id,
            &[cn, (rcgen::DnType::OrganizationalUnitName, "G2")],
            datetime!(2030-06-01 0:00 UTC),
        );
        assert_eq!(warning(&g2, "c", datetime!(2026-12-07 0:00 UTC)), None);
    }
}
