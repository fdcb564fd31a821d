//! Installing, listing and removing profiles in Xcode's folders under a temporary home.

use std::fs;
use std::path::{Path, PathBuf};

use ascert_mobileprovision::{
    LEGACY_FOLDER, Profile, ProfileDirs, ProfileError, XCODE_16_FOLDER, install, installed, remove,
};
use time::Duration;

use crate::support::{self, Fields};

fn names(folder: &Path) -> Vec<String> {
    let mut names: Vec<String> = fs::read_dir(folder)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    names
}

fn read(fields: &Fields) -> Profile {
    Profile::from_der(&support::profile(fields)).unwrap()
}

#[test]
fn install_writes_both_folders_under_the_uuid_and_reinstalling_overwrites() {
    let home = tempfile::tempdir().unwrap();
    let dirs = ProfileDirs::for_home(home.path());
    assert_eq!(
        dirs.folders,
        [home.path().join(XCODE_16_FOLDER), home.path().join(LEGACY_FOLDER)]
    );
    let profile = read(&Fields::default());
    let done = install(&profile, &dirs).unwrap();
    let expected: Vec<PathBuf> = dirs
        .folders
        .iter()
        .map(|f| f.join("0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F.mobileprovision"))
        .collect();
    assert_eq!(done.paths, expected);
    assert!(done.replaced.is_empty());
    for (folder, path) in dirs.folders.iter().zip(&expected) {
        assert_eq!(fs::read(path).unwrap(), profile.as_bytes());
        // No temporary file is left next to the profile.
        assert_eq!(
            names(folder),
            ["0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F.mobileprovision"]
        );
    }

    let again = install(&profile, &dirs).unwrap();
    assert_eq!(again.paths, expected);
    let replaced: Vec<_> = again.replaced.iter().map(|r| r.path.clone()).collect();
    assert_eq!(replaced, expected, "the same profile is overwritten in place");
    assert_eq!(fs::read(&expected[0]).unwrap(), profile.as_bytes());
}

#[test]
fn a_newer_profile_of_the_same_name_replaces_the_older_and_not_the_reverse() {
    let home = tempfile::tempdir().unwrap();
    let dirs = ProfileDirs::for_home(home.path());
    let older = Fields {
        created: Fields::default().created - Duration::days(30),
        ..Fields::default()
    };
    let older = read(&older);
    let newer = read(&Fields {
        uuid: "11111111-2222-4333-8444-555555555555",
        ..Fields::default()
    });
    let unrelated = read(&Fields {
        uuid: "99999999-2222-4333-8444-555555555555",
        name: "Another App",
        created: Fields::default().created - Duration::days(60),
        ..Fields::default()
    });
    install(&older, &dirs).unwrap();
    install(&unrelated, &dirs).unwrap();
    let done = install(&newer, &dirs).unwrap();
    assert_eq!(done.replaced.len(), 2, "{done:?}");
    assert!(
        done.replaced
            .iter()
            .all(|r| r.uuid == older.uuid() && r.creation_date == older.creation_date())
    );
    for folder in &dirs.folders {
        assert_eq!(
            names(folder),
            [
                "11111111-2222-4333-8444-555555555555.mobileprovision",
                "99999999-2222-4333-8444-555555555555.mobileprovision",
            ]
        );
    }

    // Installing the older one again keeps the newer: it is the user's choice, not a regeneration.
    let done = install(&older, &dirs).unwrap();
    assert!(done.replaced.is_empty(), "{done:?}");
    assert_eq!(names(&dirs.folders[0]).len(), 3);

    // Made again within the same second (Apple's dates count seconds): the one installed wins.
    let same_second = read(&Fields {
        uuid: "22222222-2222-4333-8444-555555555555",
        ..Fields::default()
    });
    let done = install(&same_second, &dirs).unwrap();
    assert!(done.replaced.iter().any(|r| r.uuid == newer.uuid()), "{done:?}");
    assert!(
        !names(&dirs.folders[0]).contains(&"11111111-2222-4333-8444-555555555555.mobileprovision".to_owned())
    );
}

#[test]
fn installed_lists_every_folder_and_reports_unreadable_files() {
    let home = tempfile::tempdir().unwrap();
    let dirs = ProfileDirs::for_home(home.path());
    assert!(
        installed(&dirs).unwrap().is_empty(),
        "missing folders list nothing"
    );
    let ios = read(&Fields::default());
    let mac = read(&Fields {
        uuid: "ABCDEF01-2222-4333-8444-555555555555",
        name: "Mac App",
        platform: "OSX",
        ..Fields::default()
    });
    install(&ios, &dirs).unwrap();
    install(&mac, &dirs).unwrap();
    let garbage = dirs.folders[1].join("garbage.mobileprovision");
    fs::write(&garbage, b"not a profile").unwrap();
    fs::write(
        dirs.folders[1].join("notes.txt"),
        b"ignored: not a profile's extension",
    )
    .unwrap();

    let listed = installed(&dirs).unwrap();
    let summary: Vec<(String, Result<String, String>)> = listed
        .iter()
        .map(|entry| {
            let name = entry.path.file_name().unwrap().to_string_lossy().into_owned();
            let uuid = entry
                .profile
                .as_ref()
                .map(|p| p.uuid().to_owned())
                .map_err(ToString::to_string);
            (name, uuid)
        })
        .collect();
    let ok = |name: &str, uuid: &str| (name.to_owned(), Ok(uuid.to_owned()));
    assert_eq!(summary.len(), 5, "{summary:?}");
    assert_eq!(
        summary[0],
        ok("0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F.mobileprovision", ios.uuid())
    );
    assert_eq!(
        summary[1],
        ok(
            "ABCDEF01-2222-4333-8444-555555555555.provisionprofile",
            mac.uuid()
        )
    );
    assert_eq!(
        summary[2],
        ok("0A1B2C3D-4E5F-4061-8273-9A8B7C6D5E4F.mobileprovision", ios.uuid())
    );
    assert_eq!(
        summary[3],
        ok(
            "ABCDEF01-2222-4333-8444-555555555555.provisionprofile",
            mac.uuid()
        )
    );
    assert_eq!(summary[4].0, "garbage.mobileprovision");
    assert!(
        matches!(listed[4].profile, Err(ProfileError::NotCms(_))),
        "{:?}",
        listed[4].profile
    );
    assert!(listed[0].path.starts_with(&dirs.folders[0]));
}

#[test]
fn remove_deletes_the_profile_from_every_folder() {
    let home = tempfile::tempdir().unwrap();
    let dirs = ProfileDirs::for_home(home.path());
    let profile = read(&Fields::default());
    let kept = read(&Fields {
        uuid: "11111111-2222-4333-8444-555555555555",
        name: "Kept",
        ..Fields::default()
    });
    install(&profile, &dirs).unwrap();
    install(&kept, &dirs).unwrap();
    // A copy under another name (as some tools save them) holds the same UUID: it goes too.
    let copy = dirs.folders[1].join("Example_Development.mobileprovision");
    fs::write(&copy, profile.as_bytes()).unwrap();

    let mut removed = remove(&profile.uuid().to_lowercase(), &dirs).unwrap();
    removed.sort();
    let mut expected = vec![
        dirs.folders[0].join(profile.file_name()),
        dirs.folders[1].join(profile.file_name()),
        copy,
    ];
    expected.sort();
    assert_eq!(removed, expected);
    for folder in &dirs.folders {
        assert_eq!(
            names(folder),
            ["11111111-2222-4333-8444-555555555555.mobileprovision"]
        );
    }
    assert!(remove(profile.uuid(), &dirs).unwrap().is_empty());
    let err = remove("../x", &dirs).unwrap_err();
    assert!(matches!(err, ProfileError::InvalidUuid { .. }), "{err}");
}
