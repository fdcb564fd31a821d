//! Reading profiles: every field, the kind inferred, and the errors of malformed input.

use ascert_mobileprovision::{MAX_PROFILE_SIZE, Platform, Profile, ProfileError, ProfileKind};
use time::Duration;

use crate::support::{self, Alg, Fields, Sign};

#[test]
fn every_field_is_read() {
    let fields = Fields::default();
    let bytes = support::profile(&fields);
    let profile = Profile::from_der(&bytes).unwrap();
    assert_eq!(profile.name(), "Example Development");
    assert_eq!(profile.uuid(), "0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F");
    assert_eq!(profile.team_id(), "A1B2C3D4E5");
    assert_eq!(profile.team_name(), Some("Example Corp"));
    assert_eq!(profile.app_id_name(), Some("Example App"));
    assert_eq!(
        profile.application_identifier(),
        Some("A1B2C3D4E5.com.example.app")
    );
    assert_eq!(profile.bundle_id(), Some("com.example.app"));
    assert_eq!(profile.platforms(), [Platform::Ios]);
    assert!(profile.get_task_allow());
    assert_eq!(profile.aps_environment(), Some("development"));
    assert_eq!(
        profile
            .entitlements()
            .get("com.apple.developer.team-identifier")
            .and_then(|v| v.as_string()),
        Some("A1B2C3D4E5")
    );
    assert_eq!(
        profile.developer_certificates(),
        [support::developer_certificate().to_vec()]
    );
    let sha1 = profile.developer_certificate_sha1s();
    assert_eq!(sha1.len(), 1);
    assert_eq!(sha1[0].len(), 40);
    assert!(
        sha1[0]
            .bytes()
            .all(|b| b.is_ascii_digit() || b.is_ascii_uppercase()),
        "{sha1:?}"
    );
    assert_eq!(
        profile.provisioned_devices(),
        [
            "00008110-001A2B3C4D5E801E",
            "f0e1d2c3b4a5968778695a4b3c2d1e0f12345678"
        ]
    );
    assert!(!profile.provisions_all_devices());
    assert_eq!(profile.creation_date(), Some(fields.created));
    assert_eq!(profile.expiration_date(), fields.created + Duration::days(365));
    assert_eq!(profile.time_to_live(), Some(365));
    assert!(!profile.is_xcode_managed());
    assert_eq!(profile.kind(), ProfileKind::Development);
    assert_eq!(profile.as_bytes(), bytes);
    assert_eq!(profile.raw_plist(), support::xml(support::dictionary(&fields)));
    assert_eq!(
        profile
            .plist()
            .get("Version")
            .and_then(plist::Value::as_signed_integer),
        Some(1)
    );
    assert_eq!(
        profile.file_name(),
        "0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F.mobileprovision"
    );
    assert!(!profile.is_expired_at(fields.created + Duration::days(364)));
    assert!(profile.is_expired_at(fields.created + Duration::days(365)));
    let debug = format!("{profile:?}");
    assert!(
        debug.starts_with("Profile { name: \"Example Development\""),
        "{debug}"
    );
}

#[test]
fn the_kind_is_inferred_as_xcode_does() {
    let kind = |fields: Fields| Profile::from_der(&support::profile(&fields)).unwrap().kind();
    assert_eq!(kind(Fields::default()), ProfileKind::Development);
    let ad_hoc = Fields {
        get_task_allow: false,
        ..Fields::default()
    };
    assert_eq!(kind(ad_hoc), ProfileKind::AdHoc);
    let app_store = Fields {
        get_task_allow: false,
        devices: vec![],
        ..Fields::default()
    };
    assert_eq!(kind(app_store), ProfileKind::AppStore);
    let in_house = Fields {
        get_task_allow: false,
        devices: vec![],
        all_devices: true,
        ..Fields::default()
    };
    assert_eq!(kind(in_house), ProfileKind::Enterprise);
    let developer_id = Fields {
        get_task_allow: false,
        devices: vec![],
        all_devices: true,
        platform: "OSX",
        ..Fields::default()
    };
    assert_eq!(kind(developer_id), ProfileKind::DeveloperId);
}

#[test]
fn macos_profiles_read_the_macos_keys_and_get_their_own_extension() {
    let fields = Fields {
        platform: "OSX",
        app_id: "A1B2C3D4E5.com.example.*",
        ..Fields::default()
    };
    let profile = Profile::from_der(&support::profile(&fields)).unwrap();
    assert_eq!(profile.platforms(), [Platform::MacOs]);
    assert_eq!(profile.application_identifier(), Some("A1B2C3D4E5.com.example.*"));
    assert_eq!(profile.bundle_id(), Some("com.example.*"));
    assert_eq!(profile.file_extension(), "provisionprofile");
    let wildcard = Fields {
        app_id: "A1B2C3D4E5.*",
        platform: "xrOS",
        ..Fields::default()
    };
    let profile = Profile::from_der(&support::profile(&wildcard)).unwrap();
    assert_eq!(profile.bundle_id(), Some("*"));
    assert_eq!(profile.platforms(), [Platform::VisionOs]);
    assert_eq!(profile.file_extension(), "mobileprovision");
    assert_eq!(Platform::from_apple("newOS"), Platform::Other("newOS".into()));
    assert_eq!(Platform::from_apple("newOS").to_string(), "newOS");
}

#[test]
fn a_missing_required_key_is_named() {
    for key in ["Name", "UUID", "ExpirationDate", "TeamIdentifier"] {
        let mut plist = support::dictionary(&Fields::default());
        plist.remove(key);
        let bytes = support::sign(support::chain(Alg::Rsa), &support::xml(plist), &Sign::default());
        let err = Profile::from_der(&bytes).unwrap_err();
        assert!(
            matches!(err, ProfileError::MissingKey { key: k } if k == key),
            "{err}"
        );
        assert_eq!(err.to_string(), format!("the profile has no {key}"));
    }
}

#[test]
fn a_key_of_the_wrong_type_is_named_and_unknown_keys_are_ignored() {
    let mut plist = support::dictionary(&Fields::default());
    plist.insert("SomethingNew".into(), plist::Value::Real(1.5));
    let bytes = support::sign(
        support::chain(Alg::Rsa),
        &support::xml(plist.clone()),
        &Sign::default(),
    );
    Profile::from_der(&bytes).unwrap();

    plist.insert("ExpirationDate".into(), plist::Value::String("tomorrow".into()));
    let bytes = support::sign(support::chain(Alg::Rsa), &support::xml(plist), &Sign::default());
    let err = Profile::from_der(&bytes).unwrap_err();
    assert_eq!(err.to_string(), "the profile's ExpirationDate is not a date");
}

#[test]
fn a_uuid_that_could_be_a_path_is_refused() {
    let fields = Fields {
        uuid: "../../../etc/passwd",
        ..Fields::default()
    };
    let err = Profile::from_der(&support::profile(&fields)).unwrap_err();
    assert!(matches!(err, ProfileError::InvalidUuid { .. }), "{err}");
}

#[test]
fn content_that_is_not_a_property_list_is_refused() {
    let bytes = support::sign(
        support::chain(Alg::Rsa),
        b"not a plist <at all>",
        &Sign::default(),
    );
    let err = Profile::from_der(&bytes).unwrap_err();
    assert!(matches!(err, ProfileError::NotPlist(_)), "{err}");
}

#[test]
fn bytes_that_are_not_cms_are_refused() {
    let err = Profile::from_der(b"<?xml version=\"1.0\"?><plist/>").unwrap_err();
    assert!(matches!(err, ProfileError::NotCms(_)), "{err}");
    // A certificate is DER, but not a ContentInfo of signed data.
    let err = Profile::from_der(support::developer_certificate()).unwrap_err();
    assert!(
        matches!(err, ProfileError::NotCms(_) | ProfileError::NotSignedData { .. }),
        "{err}"
    );
}

#[test]
fn a_file_larger_than_any_profile_is_refused_from_its_size() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("huge.mobileprovision");
    // A sparse 3 MiB file: refused from its metadata, so its bytes are never read.
    std::fs::File::create(&path)
        .unwrap()
        .set_len(3 * 1024 * 1024)
        .unwrap();
    let err = Profile::read(&path).unwrap_err();
    assert!(
        matches!(err, ProfileError::TooLarge { size, limit, .. } if size == 3 * 1024 * 1024 && limit == MAX_PROFILE_SIZE),
        "{err}"
    );

    let ok = dir.path().join("ok.mobileprovision");
    std::fs::write(&ok, support::profile(&Fields::default())).unwrap();
    assert_eq!(Profile::read(&ok).unwrap().name(), "Example Development");
}
