//! Provisioning profiles against the sandbox (which issues them CMS-signed, as Apple does): the
//! one-step `identities ensure --provisioning-profile` of a CI job, a profile made again when its
//! certificate is revoked or a device is registered, the files installed where Xcode looks (read
//! back by openssl), a fleet of runners on one team store ending with one certificate and one
//! profile, and each bad input answered with what to do.

use std::path::Path;
use std::process::Stdio;

use ascert_models::BundleIdPlatform;
use ascert_sandbox::Sandbox;

use crate::support::{Env, openssl};
use crate::team::{Team, finish_fleet, runner_home};

const APP: &str = "com.example.app";
const IPHONE: &str = "00008110-000A1B2C3D4E801E";

/// A sandbox with the app's bundle ID and one iPhone registered.
async fn env() -> Env {
    Env::with(Sandbox::builder().bundle_id(APP, BundleIdPlatform::Ios).device(
        "QA iPhone",
        BundleIdPlatform::Ios,
        IPHONE,
    ))
    .await
}

/// The plist inside a profile file, as openssl (a third party) decodes the CMS envelope.
fn decoded(path: &Path) -> String {
    openssl(&[
        "cms",
        "-verify",
        "-inform",
        "DER",
        "-noverify",
        "-in",
        path.to_str().unwrap(),
    ])
}

/// The installed copies of the profile `uuid` under `home`: one per folder Xcode reads.
fn installed(home: &Path, uuid: &str) -> Vec<std::path::PathBuf> {
    [
        "Library/MobileDevice/Provisioning Profiles",
        "Library/Developer/Xcode/UserData/Provisioning Profiles",
    ]
    .iter()
    .map(|folder| home.join(folder).join(format!("{uuid}.mobileprovision")))
    .collect()
}

/// `ascert check` reports the INVALID profile, with the command that makes it again.
async fn check_says_the_profile_is_invalid(env: &Env) {
    let checked = env.run(&["check", "--json"]).await;
    let findings = checked.json()["findings"].as_array().unwrap().clone();
    let invalid: Vec<_> = findings
        .iter()
        .filter(|f| f["kind"] == "profile-invalid")
        .collect();
    assert_eq!(invalid.len(), 1, "{findings:#?}");
    assert!(
        invalid[0]["todo"]
            .as_str()
            .unwrap()
            .contains("ascert profiles ensure --bundle-id com.example.app --type IOS_APP_STORE"),
        "{findings:#?}"
    );
}

#[tokio::test]
async fn one_step_makes_the_identity_and_its_profile_reuses_both_and_remakes_the_profile_after_a_revoke() {
    let env = env().await;
    let first = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DISTRIBUTION",
            "--provisioning-profile",
            APP,
            "--export-options",
            "ExportOptions.plist",
            "--json",
        ])
        .await;
    first.ok();
    let report = first.json();
    let profile = &report["profile"];
    assert_eq!(report["outcome"], "created");
    assert_eq!(profile["outcome"], "created");
    assert_eq!(profile["name"], "ascert IOS_APP_STORE com.example.app");
    assert_eq!(profile["certificateId"], report["certificateId"]);
    let uuid = profile["uuid"].as_str().unwrap().to_owned();
    // Installed in both folders, and what openssl reads there is the profile ascert reported.
    for path in installed(&env.path(""), &uuid) {
        let plist = decoded(&path);
        assert!(plist.contains(&format!("<string>{uuid}</string>")), "{plist}");
        assert!(plist.contains("<key>DeveloperCertificates</key>"), "{plist}");
        let team = profile["teamId"].as_str().unwrap();
        assert!(
            plist.contains(&format!("<string>{team}.{APP}</string>")),
            "{plist}"
        );
    }
    assert_eq!(
        profile["xcodebuild"]["PROVISIONING_PROFILE_SPECIFIER"],
        uuid.as_str()
    );
    assert_eq!(profile["xcodebuild"]["CODE_SIGN_STYLE"], "Manual");
    let options = std::fs::read_to_string(env.path("ExportOptions.plist")).unwrap();
    assert!(
        options.contains("<string>app-store-connect</string>"),
        "{options}"
    );
    assert!(
        options.contains(&format!("<key>{APP}</key>\n\t\t<string>{uuid}</string>")),
        "{options}"
    );

    // The next job reuses both; `profiles ensure` alone finds the same profile.
    let again = env
        .run(&["profiles", "ensure", "--bundle-id", APP, "--json"])
        .await;
    again.ok();
    assert_eq!(
        (again.json()["outcome"].as_str(), again.json()["uuid"].as_str()),
        (Some("reused"), Some(uuid.as_str()))
    );
    let text = env.run(&["profiles", "ensure", "--bundle-id", APP]).await;
    let said = text.ok();
    assert!(
        said.starts_with("reused profile \"ascert IOS_APP_STORE com.example.app\""),
        "{said}"
    );
    assert!(
        said.contains(&format!("PROVISIONING_PROFILE_SPECIFIER={uuid}")),
        "{said}"
    );

    // Revoking the certificate turns the profile INVALID; the next job makes a new identity and a
    // new profile for it, under the same name, and the old one is gone.
    let certificate = report["certificateId"].as_str().unwrap();
    env.run(&["certificates", "revoke", certificate, "--yes"])
        .await
        .ok();
    let listed = env.run(&["profiles", "list", "--json"]).await;
    assert_eq!(
        listed.json()[0]["profile"]["attributes"]["profileState"],
        "INVALID"
    );
    check_says_the_profile_is_invalid(&env).await;
    let remade = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DISTRIBUTION",
            "--provisioning-profile",
            APP,
            "--json",
        ])
        .await;
    remade.ok();
    let remade = remade.json();
    assert_eq!(remade["profile"]["outcome"], "created");
    assert_eq!(remade["profile"]["replaced"][0], profile["profileId"]);
    assert_ne!(remade["profile"]["uuid"].as_str(), Some(uuid.as_str()));
    assert!(remade["profile"]["certificateId"] != report["certificateId"]);
    let listed = env.run(&["profiles", "list", "--json"]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed:#}");
    assert_eq!(listed[0]["profile"]["attributes"]["profileState"], "ACTIVE");
    // The older copy of the same name was removed from this machine.
    for path in installed(&env.path(""), &uuid) {
        assert!(!path.exists(), "{}", path.display());
    }
}

#[tokio::test]
async fn a_development_profile_holds_every_enabled_device_and_is_made_again_for_a_new_one() {
    let env = env().await;
    env.run(&["identities", "ensure", "--type", "DEVELOPMENT"])
        .await
        .ok();
    let first = env
        .run(&[
            "profiles",
            "ensure",
            "--bundle-id",
            APP,
            "--type",
            "IOS_APP_DEVELOPMENT",
            "--json",
        ])
        .await;
    first.ok();
    let uuid = first.json()["uuid"].as_str().unwrap().to_owned();
    let plist = decoded(&installed(&env.path(""), &uuid)[0]);
    assert!(plist.contains(&format!("<string>{IPHONE}</string>")), "{plist}");
    assert!(
        plist.contains("<key>get-task-allow</key>\n\t\t<true/>"),
        "{plist}"
    );

    let ipad = "00008103-001A2B3C4D5E6F70";
    env.run(&["devices", "register", "--udid", ipad, "--name", "QA iPad"])
        .await
        .ok();
    let again = env
        .run(&[
            "profiles",
            "ensure",
            "--bundle-id",
            APP,
            "--type",
            "IOS_APP_DEVELOPMENT",
            "--json",
        ])
        .await;
    again.ok();
    assert_eq!(again.json()["outcome"], "created");
    assert_eq!(again.json()["replaced"].as_array().unwrap().len(), 1);
    let plist = decoded(&installed(&env.path(""), again.json()["uuid"].as_str().unwrap())[1]);
    assert!(plist.contains(ipad) && plist.contains(IPHONE), "{plist}");

    // Without --json, the run says why it made the profile again.
    let phone = "00008101-000A1B2C3D4E5F60";
    env.run(&["devices", "register", "--udid", phone, "--name", "QA iPhone 2"])
        .await
        .ok();
    let said = env
        .run(&[
            "profiles",
            "ensure",
            "--bundle-id",
            APP,
            "--type",
            "IOS_APP_DEVELOPMENT",
        ])
        .await;
    said.ok();
    assert!(
        said.stderr
            .contains("lacks 1 enabled device of its platform: deleting it"),
        "{}",
        said.stderr
    );

    // A disabled device is left out, and does not make the profile again.
    env.run(&["devices", "disable", ipad]).await.ok();
    let kept = env
        .run(&[
            "profiles",
            "ensure",
            "--bundle-id",
            APP,
            "--type",
            "IOS_APP_DEVELOPMENT",
            "--json",
        ])
        .await;
    kept.ok();
    assert_eq!(kept.json()["outcome"], "reused");
}

#[tokio::test]
async fn bad_input_is_refused_with_what_to_do() {
    let env = env().await;
    env.run(&["identities", "ensure", "--type", "DISTRIBUTION"])
        .await
        .ok();

    let unknown = env
        .run(&["profiles", "ensure", "--bundle-id", "com.example.nope"])
        .await;
    let said = unknown.fails_with(4);
    assert!(
        said.contains("no bundle ID com.example.nope is registered"),
        "{said}"
    );
    assert!(
        said.contains("ascert bundle-ids create com.example.nope --platform IOS"),
        "{said}"
    );

    let no_identity = env
        .run(&[
            "profiles",
            "ensure",
            "--bundle-id",
            APP,
            "--type",
            "IOS_APP_DEVELOPMENT",
        ])
        .await;
    let said = no_identity.fails_with(4);
    assert!(
        said.contains("no usable identity a IOS_APP_DEVELOPMENT profile can name"),
        "{said}"
    );
    assert!(
        said.contains("--provisioning-profile com.example.app:IOS_APP_DEVELOPMENT"),
        "{said}"
    );

    let tv = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DEVELOPMENT",
            "--provisioning-profile",
            "com.example.app:TVOS_APP_DEVELOPMENT",
        ])
        .await;
    let said = tv.fails_with(4);
    assert!(said.contains("needs at least one enabled device"), "{said}");
    assert!(said.contains("Apple TVs"), "{said}");

    let mismatch = env
        .run(&[
            "identities",
            "ensure",
            "--type",
            "DEVELOPMENT",
            "--provisioning-profile",
            "com.example.app:IOS_APP_STORE",
        ])
        .await;
    let said = mismatch.fails_with(2);
    assert!(
        said.contains("a IOS_APP_STORE profile cannot name a DEVELOPMENT certificate"),
        "{said}"
    );

    let devices = env
        .run(&[
            "profiles",
            "create",
            "--name",
            "x",
            "--type",
            "IOS_APP_STORE",
            "--bundle-id",
            APP,
            "--device",
            IPHONE,
        ])
        .await;
    assert!(devices.fails_with(2).contains("holds no devices"));

    // Apple's 409 for a certificate the profile type does not take, told as a profile's refusal
    // (not as a certificate's missing pass type ID, which the same code means for certificates).
    let development = env
        .run(&["identities", "ensure", "--type", "DEVELOPMENT", "--json"])
        .await;
    development.ok();
    let development = development.json()["certificateId"].as_str().unwrap().to_owned();
    let wrong = env
        .run(&[
            "profiles",
            "create",
            "--name",
            "x",
            "--type",
            "IOS_APP_STORE",
            "--bundle-id",
            APP,
            "--certificate",
            &development,
        ])
        .await;
    let said = wrong.fails_with(5);
    assert!(said.contains("bundle ID, certificates or devices"), "{said}");
    assert!(!said.contains("pass type"), "{said}");
}

#[tokio::test]
async fn registrations_are_checked_before_apple_is_asked_and_apples_refusals_told() {
    let env = env().await;
    let identifier = env.run(&["bundle-ids", "create", "com.example app"]).await;
    assert!(identifier.fails_with(2).contains("is not a bundle identifier"));
    let udid = env
        .run(&["devices", "register", "--udid", "iPhone-15", "--name", "x"])
        .await;
    assert!(udid.fails_with(2).contains("is not a device UDID"));
    let twice = env
        .run(&["devices", "register", "--udid", IPHONE, "--name", "again"])
        .await;
    let said = twice.fails_with(5);
    assert!(said.contains("registered already, as \"QA iPhone\""), "{said}");
    let taken = env.run(&["bundle-ids", "create", APP]).await;
    let said = taken.fails_with(5);
    assert!(said.contains("is not available"), "{said}");
}

#[tokio::test]
async fn a_profile_file_installs_only_when_apple_or_a_named_root_signed_it() {
    let env = env().await;
    env.run(&[
        "identities",
        "ensure",
        "--type",
        "DISTRIBUTION",
        "--provisioning-profile",
        APP,
    ])
    .await
    .ok();
    let id = env.run(&["profiles", "list", "--json"]).await.json()[0]["profile"]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    env.run(&["profiles", "download", &id, "--out", "app.mobileprovision"])
        .await
        .ok();
    let file = env.path("app.mobileprovision");
    let root = env.path("root.cer");
    std::fs::write(&root, env.sandbox.ca_certificates().unwrap().root_der).unwrap();
    let elsewhere = env.path("elsewhere");

    // The sandbox's root is not Apple's: refused unless named.
    let refused = env
        .run(&[
            "profiles",
            "install",
            "--file",
            "app.mobileprovision",
            "--dir",
            elsewhere.to_str().unwrap(),
        ])
        .await;
    let said = refused.fails_with(1);
    assert!(said.contains("is not a profile Apple signed"), "{said}");
    assert!(!elsewhere.exists());
    let trusted = env
        .run(&[
            "profiles",
            "install",
            "--file",
            "app.mobileprovision",
            "--trust-root",
            "root.cer",
            "--dir",
            elsewhere.to_str().unwrap(),
            "--json",
        ])
        .await;
    trusted.ok();
    assert_eq!(trusted.json()[0]["paths"].as_array().unwrap().len(), 1);

    // One byte of the plist changed: the signature no longer holds, even under the named root.
    let mut bytes = std::fs::read(&file).unwrap();
    let at = bytes.windows(8).position(|w| w == b"<string>").unwrap() + 8;
    bytes[at] ^= 0x01;
    std::fs::write(env.path("tampered.mobileprovision"), &bytes).unwrap();
    let tampered = env
        .run(&[
            "profiles",
            "install",
            "--file",
            "tampered.mobileprovision",
            "--trust-root",
            "root.cer",
            "--dir",
            env.path("other").to_str().unwrap(),
        ])
        .await;
    assert!(tampered.fails_with(1).contains("is not a profile Apple signed"));
    std::fs::write(env.path("garbage.mobileprovision"), b"not a profile").unwrap();
    let garbage = env
        .run(&["profiles", "install", "--file", "garbage.mobileprovision"])
        .await;
    assert!(
        garbage.fails_with(1).contains("not a provisioning profile"),
        "{}",
        garbage.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn eight_runners_on_one_team_store_make_one_certificate_and_one_profile() {
    const RUNNERS: usize = 8;
    let team = Team::start(Sandbox::builder().bundle_id(APP, BundleIdPlatform::Ios)).await;
    let children: Vec<_> = (0..RUNNERS)
        .map(|i| {
            let home = runner_home(&team, &format!("runner-{i}"));
            let mut command = team.ensure(
                &home,
                &[
                    "--type",
                    "DISTRIBUTION",
                    "--p12",
                    "dist.p12",
                    "--provisioning-profile",
                    APP,
                ],
            );
            // Each runner is its own machine: its own home, its own Xcode folders.
            command
                .env("HOME", &home)
                .stdout(Stdio::piped())
                .stderr(Stdio::piped());
            (home, command.spawn().unwrap())
        })
        .collect();
    let reports = finish_fleet(children).await;
    let certificates: std::collections::BTreeSet<_> = reports
        .iter()
        .map(|(r, _)| r["certificateId"].as_str().unwrap().to_owned())
        .collect();
    let profiles: std::collections::BTreeSet<_> = reports
        .iter()
        .map(|(r, _)| r["profile"]["uuid"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(certificates.len(), 1, "{reports:#?}");
    assert_eq!(profiles.len(), 1, "{reports:#?}");
    let created = reports
        .iter()
        .filter(|(r, _)| r["profile"]["outcome"] == "created")
        .count();
    assert_eq!(created, 1, "{reports:#?}");
    let listed = team.run(&[], &["profiles", "list", "--json"]).await.json();
    assert_eq!(listed.as_array().unwrap().len(), 1, "{listed:#}");
    let uuid = profiles.first().unwrap();
    for i in 0..RUNNERS {
        let home = team.env.path(&format!("runner-{i}"));
        assert!(installed(&home, uuid).iter().all(|p| p.exists()), "runner {i}");
    }

    // A fork's build: the member key and no API key. The identity and the profile come from the
    // store (a runner with an API key shared the profile); it installs the profile as Apple's.
    let fork = runner_home(&team, "fork");
    let took = crate::support::run(fork_build(&team, &fork, APP)).await;
    assert_eq!(took.code, 0, "{}", took.stderr);
    let took = took.json();
    assert_eq!(took["profile"]["outcome"], "stored", "{took:#}");
    assert_eq!(took["profile"]["uuid"].as_str(), Some(uuid.as_str()), "{took:#}");
    assert_eq!(
        took["certificateId"].as_str(),
        certificates.first().map(String::as_str)
    );
    assert!(installed(&fork, uuid).iter().all(|p| p.exists()), "{took:#}");

    // A bundle ID whose profile no run with an API key shared: exit 4, saying how to share one.
    let home = runner_home(&team, "fork-other");
    let absent = crate::support::run(fork_build(&team, &home, "com.example.other")).await;
    let said = absent.fails_with(4);
    assert!(said.contains("the team store has no such profile"), "{said}");
    assert!(said.contains("once where there is an API key"), "{said}");

    // A bucket writer (the S3 credentials, no member key) who replaces the stored profile file, or
    // its record: the fork's build refuses it as tampering and installs nothing.
    let profile_type = took["profile"]["profileType"].as_str().unwrap().to_owned();
    let folder = format!("team-a/profiles/{profile_type}/{APP}");
    let file = format!("{folder}/profile.mobileprovision");
    let record = format!("{folder}/record.json");
    let (real_file, real_record) = (team.get_object(&file).unwrap(), team.get_object(&record).unwrap());
    let mut other = real_file.clone();
    other.extend_from_slice(b" ");
    let mut forged: serde_json::Value = serde_json::from_slice(&real_record).unwrap();
    forged["profileSha256"] = "00".repeat(32).into();
    for (name, key, bytes, restore) in [
        ("file", &file, other, &real_file),
        (
            "record",
            &record,
            serde_json::to_vec(&forged).unwrap(),
            &real_record,
        ),
    ] {
        team.put_object(key, &bytes);
        let home = runner_home(&team, &format!("fork-{name}"));
        let refused = crate::support::run(fork_build(&team, &home, APP)).await;
        let said = refused.fails_with(1);
        assert!(said.contains("profiles/"), "{name}: {said}");
        assert!(installed(&home, uuid).iter().all(|p| !p.exists()), "{name}");
        team.put_object(key, restore);
    }
}

/// A fork's `identities ensure --readonly --store … --provisioning-profile BUNDLE_ID` in `home`: the
/// member key, no App Store Connect API key.
fn fork_build(team: &Team, home: &Path, bundle_id: &str) -> std::process::Command {
    let mut command = team.env.bare();
    command
        .envs(team.moto.env())
        .env("ASCERT_HOME", home)
        .env("HOME", home)
        .args([
            "identities",
            "ensure",
            "--json",
            "--type",
            "DISTRIBUTION",
            "--readonly",
            "--store",
            &team.store,
        ])
        .args([
            "--identity",
            team.identity.to_str().unwrap(),
            "--provisioning-profile",
            bundle_id,
        ]);
    command
}

#[tokio::test]
async fn the_other_commands_show_delete_and_remove_what_they_say() {
    let env = env().await;
    env.run(&[
        "identities",
        "ensure",
        "--type",
        "DEVELOPMENT",
        "--provisioning-profile",
        APP,
    ])
    .await
    .ok();

    // bundle-ids list and get: the identifier, its capabilities and its profile.
    let bundles = env.run(&["bundle-ids", "list", "--json"]).await;
    assert_eq!(bundles.json()[0]["attributes"]["identifier"], APP);
    let bundle = env.run(&["bundle-ids", "get", APP, "--json"]).await;
    bundle.ok();
    let bundle = bundle.json();
    assert_eq!(bundle["bundleId"]["attributes"]["identifier"], APP);
    assert_eq!(
        bundle["profiles"][0]["attributes"]["name"],
        "ascert IOS_APP_DEVELOPMENT com.example.app"
    );
    let table = env.run(&["bundle-ids", "get", APP]).await;
    assert!(
        table.ok().contains("ascert IOS_APP_DEVELOPMENT com.example.app"),
        "{}",
        table.stdout
    );

    // devices list, disable and enable by UDID.
    let devices = env.run(&["devices", "list", "--json"]).await.json();
    assert_eq!(devices[0]["attributes"]["udid"], IPHONE);
    let id = devices[0]["id"].as_str().unwrap().to_owned();
    env.run(&["devices", "disable", IPHONE]).await.ok();
    let disabled = env
        .run(&["devices", "list", "--status", "DISABLED", "--json"])
        .await
        .json();
    assert_eq!(disabled[0]["id"], id.as_str());
    env.run(&["devices", "enable", &id]).await.ok();
    let enabled = env.run(&["devices", "list", "--status", "ENABLED"]).await;
    assert!(enabled.ok().contains(IPHONE), "{}", enabled.stdout);

    // profiles get shows its certificate and device; delete removes it at App Store Connect.
    let listed = env.run(&["profiles", "list", "--json"]).await.json();
    let profile = listed[0]["profile"]["id"].as_str().unwrap().to_owned();
    let uuid = listed[0]["profile"]["attributes"]["uuid"]
        .as_str()
        .unwrap()
        .to_owned();
    let shown = env.run(&["profiles", "get", &profile, "--json"]).await;
    shown.ok();
    let shown = shown.json();
    assert_eq!(shown["bundleIdentifier"], APP);
    assert_eq!(shown["devices"][0]["attributes"]["udid"], IPHONE);
    assert_eq!(shown["certificates"].as_array().unwrap().len(), 1);
    let sheet = env.run(&["profiles", "get", &profile]).await;
    assert!(sheet.ok().contains(&uuid), "{}", sheet.stdout);
    let unconfirmed = env.run(&["profiles", "delete", &profile]).await;
    unconfirmed.fails_with(2);
    env.run(&["profiles", "delete", &profile, "--yes"]).await.ok();
    let gone = env.run(&["profiles", "get", &profile]).await;
    let said = gone.fails_with(4);
    assert!(
        said.contains("`ascert profiles list` shows the ids that exist"),
        "{said}"
    );
    assert_eq!(
        env.run(&["profiles", "list", "--json"])
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        0
    );

    // installed and uninstall: the copy here stays until removed, from both folders.
    let here = env.run(&["profiles", "installed", "--json"]).await.json();
    assert_eq!(here.as_array().unwrap().len(), 2, "{here:#}");
    env.run(&["profiles", "uninstall", &uuid]).await.ok();
    assert!(installed(&env.path(""), &uuid).iter().all(|p| !p.exists()));
    let none = env.run(&["profiles", "installed"]).await;
    assert!(
        none.ok().is_empty() && none.stderr.contains("No profiles are installed"),
        "{}",
        none.stderr
    );
}
