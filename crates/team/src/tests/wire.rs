//! Golden files of every stored object kind (`tests/fixtures/wire/`, written by the code before the
//! wire types existed): the same input is written to the same bytes, the bytes read back to the same
//! value, format 1 reads where it did (its header is refused), and format 3 is refused as newer.

use ascert_keystore::KeyId;
use ascert_models::CertificateType;
use time::macros::datetime;

use crate::header::{HeaderObject, KeyLink};
use crate::holder::{LeaseObject, LeaseState};
use crate::records::{IdentityRecord, Member, PendingKey, ProfileRecord, RecordSignature};
use crate::trust::{self, Pins};
use crate::wire::{self, FORMAT_VERSION, Stored};
use crate::{LeaseHolder, MembersDigest, SeenHeader, SeenMember, TeamError};

const AGE: &str = "age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p";
const SSH: &str = "ssh-ed25519 AAAAC3NzaC1lZDI1NTE5AAAAIOLo8y7uOokzKe97Ew0MLWTskXJ22VKWbvBnH1D7ZF9a";

macro_rules! fixture {
    ($name:literal) => {
        include_bytes!(concat!("../../tests/fixtures/wire/", $name)).as_slice()
    };
}

fn members() -> Vec<Member> {
    ["ci", "jane"]
        .into_iter()
        .zip([AGE, SSH])
        .map(|(name, recipient)| Member {
            name: name.into(),
            recipient: recipient.parse().unwrap(),
            added: datetime!(2026-01-02 03:04:05 UTC),
            added_by: "jane@laptop".into(),
        })
        .collect()
}

fn header(passphrase: bool) -> HeaderObject {
    HeaderObject {
        format: FORMAT_VERSION,
        store_id: "0f3a9c1e55aa4b6c8d7e9f0011223344".into(),
        created: datetime!(2026-01-02 03:04:05 UTC),
        created_by: "jane@laptop".into(),
        revision: 3,
        changed: datetime!(2026-02-03 04:05:06 UTC),
        changed_by: "ci@runner-7".into(),
        members: members(),
        passphrase_recipient: passphrase.then(|| AGE.parse().unwrap()),
        team_keys: vec![
            KeyLink {
                public_key: "Zmlyc3Qga2V5".into(),
                revision: 1,
                endorsement: None,
            },
            KeyLink {
                public_key: "c2Vjb25kIGtleQ==".into(),
                revision: 3,
                endorsement: Some("ZW5kb3JzZWQ=".into()),
            },
        ],
        sealed_team_key: "c2VhbGVkIHRlYW0ga2V5".into(),
        signature: "c2lnbmF0dXJl".into(),
    }
}

fn identity_record() -> IdentityRecord {
    IdentityRecord {
        format: FORMAT_VERSION,
        certificate_id: "8K2N7Q9X4M".into(),
        certificate_type: CertificateType::Distribution,
        serial_number: "5A1701".into(),
        common_name: Some("Apple Distribution: Example Ltd (TEAM123456)".into()),
        expires: datetime!(2030-01-02 00:00 UTC),
        public_key_sha256: KeyId::of_spki(b"spki"),
        pushed_by: "jane@laptop".into(),
        pushed_at: datetime!(2026-02-03 04:05:06 UTC),
        members_revision: 3,
        certificate_sha256: Some("ab".repeat(32)),
        signatures: vec![
            RecordSignature {
                public_key: "Zmlyc3Qga2V5".into(),
                signature: "c2lnIDE=".into(),
            },
            RecordSignature {
                public_key: "c2Vjb25kIGtleQ==".into(),
                signature: "c2lnIDI=".into(),
            },
        ],
    }
}

fn profile_record() -> ProfileRecord {
    ProfileRecord {
        format: FORMAT_VERSION,
        profile_type: "IOS_APP_STORE".into(),
        bundle_identifier: "com.example.app".into(),
        uuid: "0f9c2d4e-5a6b-4c7d-8e9f-0a1b2c3d4e5f".into(),
        certificate_id: "8K2N7Q9X4M".into(),
        profile_sha256: "cd".repeat(32),
        shared_by: "jane@laptop".into(),
        shared_at: datetime!(2026-02-03 04:05:06 UTC),
        signatures: vec![RecordSignature {
            public_key: "Zmlyc3Qga2V5".into(),
            signature: "c2lnIDE=".into(),
        }],
    }
}

fn bare_record() -> IdentityRecord {
    IdentityRecord {
        common_name: None,
        certificate_sha256: None,
        signatures: Vec::new(),
        certificate_type: CertificateType::Development,
        ..identity_record()
    }
}

fn pending_key() -> PendingKey {
    PendingKey {
        format: FORMAT_VERSION,
        certificate_type: CertificateType::Distribution,
        key_id: KeyId::of_spki(b"pending spki"),
        written_by: Some("ci on runner-7 (pid 4242, lease 0f3a9c1e)".into()),
        written_at: datetime!(2026-02-03 04:05:06 UTC),
        members_revision: 3,
    }
}

fn held_lease() -> LeaseObject {
    LeaseObject {
        format: FORMAT_VERSION,
        certificate_type: CertificateType::Distribution,
        state: LeaseState::Held,
        holder: LeaseHolder {
            actor: "ci".into(),
            host: "runner-7".into(),
            pid: 4242,
            id: "0f3a9c1e55aa4b6c8d7e9f0011223344".into(),
        },
        acquired: datetime!(2026-02-03 04:05:06 UTC),
        written: datetime!(2026-02-03 04:06:06 UTC),
        expires: datetime!(2026-02-03 04:11:06 UTC),
        ttl_ms: 300_000,
        write: "99887766554433221100ffeeddccbbaa".into(),
    }
}

/// `value` is written as `golden`, byte for byte, and `golden` reads back as `value`.
#[track_caller]
fn golden<T: Stored + PartialEq + std::fmt::Debug>(value: &T, golden: &[u8]) {
    assert_eq!(
        String::from_utf8_lossy(&wire::write(value)),
        String::from_utf8_lossy(golden),
        "the bytes written"
    );
    assert_eq!(
        &wire::read::<T>(golden, "golden").unwrap(),
        value,
        "the value read"
    );
}

#[test]
fn every_format_2_object_is_written_as_before_and_reads_back() {
    golden(&header(true), fixture!("v2-header.json"));
    golden(&header(false), fixture!("v2-header-no-passphrase.json"));
    golden(&identity_record(), fixture!("v2-identity-record.json"));
    golden(&bare_record(), fixture!("v2-identity-record-bare.json"));
    golden(&profile_record(), fixture!("v2-profile-record.json"));
    golden(&pending_key(), fixture!("v2-pending-key.json"));
    let anonymous = PendingKey {
        written_by: None,
        ..pending_key()
    };
    golden(&anonymous, fixture!("v2-pending-key-anonymous.json"));
    golden(&held_lease(), fixture!("v2-lease-held.json"));
    let released = LeaseObject {
        state: LeaseState::Released,
        expires: held_lease().written,
        certificate_type: CertificateType::from("members"),
        ..held_lease()
    };
    golden(&released, fixture!("v2-lease-released.json"));
}

#[test]
fn the_bytes_a_header_signature_covers_are_as_before() {
    for (passphrase, signed) in [
        (true, fixture!("v2-header.signed")),
        (false, fixture!("v2-header-no-passphrase.signed")),
    ] {
        let mut bytes = b"ascert-team header v2\n".to_vec();
        bytes.extend(wire::signed_header_body(&header(passphrase)));
        assert_eq!(String::from_utf8_lossy(&bytes), String::from_utf8_lossy(signed));
    }
    // A header signed by a real team key before the wire types still verifies, and is written back
    // byte for byte.
    let genesis = fixture!("v2-header-genesis.json");
    let verified = trust::verify(
        genesis,
        "ascert-team.json",
        object_store::UpdateVersion {
            e_tag: None,
            version: None,
        },
        "memory://golden",
        &Pins::default(),
        None,
    )
    .unwrap();
    assert_eq!(verified.info.members, members());
    assert_eq!(wire::write(&verified.object), genesis);
}

#[test]
fn format_1_objects_read_where_they_did_and_its_header_is_refused() {
    let v1 = IdentityRecord {
        format: 1,
        ..bare_record()
    };
    golden(&v1, fixture!("v1-identity-record.json"));
    let named = IdentityRecord {
        format: 1,
        certificate_sha256: None,
        signatures: Vec::new(),
        ..identity_record()
    };
    golden(&named, fixture!("v1-identity-record-named.json"));
    let pending = PendingKey {
        format: 1,
        ..pending_key()
    };
    golden(&pending, fixture!("v1-pending-key.json"));
    let lease = LeaseObject {
        format: 1,
        ..held_lease()
    };
    golden(&lease, fixture!("v1-lease-held.json"));
    let error = wire::read::<HeaderObject>(fixture!("v1-header.json"), "ascert-team.json").unwrap_err();
    assert!(
        matches!(error, TeamError::UnsupportedFormat { found: 1, .. }),
        "{error:?}"
    );
    assert!(error.to_string().contains("must be made again"), "{error}");
}

/// `bytes`, with its format raised to 3, is refused as newer by the reader of `T`.
#[track_caller]
fn refused_as_newer<T: Stored + std::fmt::Debug>(bytes: &[u8]) {
    let text = String::from_utf8_lossy(bytes).replacen("\"format\": 2", "\"format\": 3", 1);
    let error = wire::read::<T>(text.as_bytes(), "newer").unwrap_err();
    assert!(
        matches!(
            error,
            TeamError::NewerFormat {
                found: 3,
                supported: 2,
                ..
            }
        ),
        "{error:?}"
    );
    assert_eq!(
        error.to_string(),
        "newer has format version 3, newer than the 2 this version of ascert reads"
    );
}

#[test]
fn format_3_is_refused_as_newer_for_every_kind() {
    refused_as_newer::<HeaderObject>(fixture!("v2-header.json"));
    refused_as_newer::<IdentityRecord>(fixture!("v2-identity-record.json"));
    refused_as_newer::<PendingKey>(fixture!("v2-pending-key.json"));
    refused_as_newer::<ProfileRecord>(fixture!("v2-profile-record.json"));
    refused_as_newer::<LeaseObject>(fixture!("v2-lease-held.json"));
}

#[test]
fn the_trust_folder_files_are_written_as_before() {
    let temporary = tempfile::tempdir().unwrap();
    let folder = temporary.path().join("trust");
    let store = "s3://signing/team-a";
    let seen = SeenHeader {
        format: 1,
        store: store.into(),
        store_id: "0f3a9c1e55aa4b6c8d7e9f0011223344".into(),
        revision: 3,
        members_sha256: MembersDigest::of(&members(), None),
        team_key: "c2Vjb25kIGtleQ==".into(),
        members: members()
            .iter()
            .map(|m| SeenMember {
                name: m.name.clone(),
                recipient: m.recipient.to_string(),
            })
            .collect(),
        seen: datetime!(2026-02-03 04:05:06 UTC),
    };
    trust::write_seen(&folder, &seen).unwrap();
    let path = trust::seen_path(&folder, store);
    assert_eq!(std::fs::read(&path).unwrap(), fixture!("trust-seen.json"));
    assert_eq!(trust::read_seen(&folder, store).unwrap(), Some(seen));

    for (spki, certificate_type) in [
        (b"pending spki".as_slice(), CertificateType::Distribution),
        (b"another".as_slice(), CertificateType::Development),
    ] {
        trust::note_own_pending(&folder, store, KeyId::of_spki(spki), &certificate_type, true).unwrap();
    }
    let own = std::fs::read(path.with_extension("own.json")).unwrap();
    assert_eq!(own, fixture!("trust-own.json"));
}
