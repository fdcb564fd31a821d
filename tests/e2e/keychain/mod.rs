//! `ascert keychain …`, `identities install` and `certificates create --keychain` against a fake
//! `security` (`fixtures/fake_security.sh`, through `ASCERT_SECURITY_TOOL`) that records every call:
//! the whole CI flow — create, install, partition list, search list, delete and restore — runs here
//! on Linux. The fake blocks forever where the real tool would ask for a password, so a prompt
//! shows up as a timeout failure; `ASCERT_SECURITY_TIMEOUT` keeps that short.

mod ci;
pub(crate) mod fake;

use std::path::Path;

use self::fake::Fake;
use crate::support::{Env, Run, mode};

/// `certificates create` of a DISTRIBUTION identity, with extra arguments; returns its id.
async fn create_certificate(env: &Env, fake: &Fake, vars: &[(&str, &str)], extra: &[&str]) -> (Run, String) {
    let mut args = vec![
        "certificates",
        "create",
        "--type",
        "DISTRIBUTION",
        "--common-name",
        "Jane Doe",
        "--email",
        "jane@example.com",
        "--json",
    ];
    args.extend_from_slice(extra);
    let run = fake.run(env, vars, &args).await;
    let id = if run.code == 0 {
        run.json()["certificate"]["id"].as_str().unwrap().to_owned()
    } else {
        String::new()
    };
    (run, id)
}

fn ends_with(path: &str, suffix: &str) -> bool {
    Path::new(path).ends_with(suffix)
}

#[tokio::test(flavor = "multi_thread")]
#[allow(
    clippy::too_many_lines,
    reason = "one CI job from start to end, read top to bottom"
)]
async fn the_ci_flow_creates_installs_allows_codesign_and_restores_the_search_list() {
    let env = Env::start().await;
    let mut fake = Fake::new(&env, "friendly");
    fake.passphrase = true;
    let login = fake.login.display().to_string();

    // 1. A keychain for the job; ascert makes its password and prints it once, alone on stdout.
    let created = fake.run(&env, &[], &["keychain", "create", "ci"]).await;
    let password = created.ok().trim().to_owned();
    assert_eq!(password.len(), 32, "{}", created.stdout);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()));
    assert!(!created.stderr.contains(&password), "{}", created.stderr);
    let keychain = env.path("Library/Keychains/ci.keychain-db");
    let kc = keychain.display().to_string();
    assert!(keychain.is_file());
    assert_eq!(
        fake.search_list(),
        [login.clone(), kc.clone()],
        "appended, the login keychain kept"
    );
    let kc_file = std::fs::read_to_string(&keychain).unwrap();
    assert!(
        kc_file.contains("autolock\tnone"),
        "no auto-lock timeout:\n{kc_file}"
    );
    assert!(kc_file.contains("locked\t0"), "{kc_file}");
    assert_eq!(mode(&env.home().join("keychains.json")), 0o600);

    // 2. A new certificate straight into it, the password from the default variable.
    let (run, id) = create_certificate(
        &env,
        &fake,
        &[("ASCERT_KEYCHAIN_PASSWORD", &password)],
        &["--keychain", &kc],
    )
    .await;
    run.ok();
    let report = &run.json()["keychain"];
    assert_eq!(report["partitionList"], "set", "{report}");
    let name = report["name"].as_str().unwrap().to_owned();
    assert!(name.starts_with("Apple Distribution: "), "{report}");
    assert_eq!(
        report["partitionLabel"],
        name.as_str(),
        "security import without -f: the friendlyName: {report}"
    );
    assert_eq!(report["intermediate"], "added");
    assert_eq!(report["valid"], true);
    assert_eq!(report["inSearchList"], true);
    let sha1 = report["sha1"].as_str().unwrap().to_owned();
    assert_eq!(
        report["codesign"],
        format!("codesign --sign {sha1} --keychain {kc} FILE"),
        "the next step names the keychain, which is not the default"
    );

    // The import trusts Apple's tools; the partition list is fastlane's, with the keychain password.
    let imports = fake.args_of("import");
    assert_eq!(imports.len(), 1, "{imports:?}");
    let import = &imports[0];
    assert!(ends_with(&import[1], "identity.p12"), "{import:?}");
    assert_eq!(import[2..4], ["-k".to_owned(), kc.clone()]);
    assert_eq!(import[4], "-P");
    assert_eq!(import[5].len(), 48, "a one-time random password");
    assert_eq!(
        import[6..],
        [
            "-T",
            "/usr/bin/codesign",
            "-T",
            "/usr/bin/security",
            "-T",
            "/usr/bin/productbuild",
            "-T",
            "/usr/bin/productsign",
            "-T",
            "/usr/bin/pkgbuild"
        ]
    );
    assert!(!Path::new(&import[1]).exists(), "the temporary .p12 is gone");
    assert_eq!(
        fake.args_of("set-key-partition-list"),
        [vec![
            "set-key-partition-list".to_owned(),
            "-S".into(),
            "apple-tool:,apple:,codesign:".into(),
            "-s".into(),
            "-l".into(),
            name.clone(),
            "-k".into(),
            password.clone(),
            kc.clone(),
        ]]
    );
    assert_eq!(fake.args_of("add-certificates").len(), 1);
    let kc_file = std::fs::read_to_string(&keychain).unwrap();
    assert!(
        kc_file.contains("\tapple-tool:,apple:,codesign:"),
        "the key's partition list is set:\n{kc_file}"
    );

    // 3. Installing it again is idempotent; the password may come from any variable.
    let again = fake
        .run(
            &env,
            &[("MY_KC_PW", &password)],
            &[
                "identities",
                "install",
                &id,
                "--keychain",
                &kc,
                "--keychain-password-env",
                "MY_KC_PW",
            ],
        )
        .await;
    again.ok();
    assert!(again.stderr.contains("already in"), "{}", again.stderr);
    assert!(
        again.stderr.contains("Sign with: codesign --sign"),
        "{}",
        again.stderr
    );
    assert_eq!(fake.args_of("set-key-partition-list").len(), 2);

    // 4. `keychain list` marks it; `keychain identities` lists the identity.
    let listed = fake.run(&env, &[], &["keychain", "list", "--json"]).await;
    assert!(listed.ok().contains(&kc), "{}", listed.stdout);
    assert_eq!(listed.json()["createdByAscert"][0], kc.as_str());
    let identities = fake
        .run(&env, &[], &["keychain", "identities", &kc, "--json"])
        .await;
    identities.ok();
    assert_eq!(identities.json()[0]["sha1"], sha1.as_str());
    assert_eq!(identities.json()[0]["valid"], true);

    // 5. Done: delete it; the search list is as it was.
    let deleted = fake.run(&env, &[], &["keychain", "delete"]).await;
    deleted.ok();
    assert!(
        deleted.stderr.contains(&format!("Deleted {kc}.")),
        "{}",
        deleted.stderr
    );
    assert!(!keychain.exists());
    assert_eq!(fake.search_list(), [login]);
    let records = std::fs::read_to_string(env.home().join("keychains.json")).unwrap();
    assert!(!records.contains("ci.keychain-db"), "{records}");

    fake.assert_every_call_was_clean();
    for run in [&created, &run, &again, &deleted] {
        assert!(!run.stderr.contains(&password), "{}", run.stderr);
    }
}

/// A key the new importer put there (macOS 15 and later with `-f pkcs12`, Keychain Access) is
/// labelled "Imported Private Key": the certificate's name finds nothing, the second label finds
/// the key, and its public key hash proves it is the right one.
#[tokio::test(flavor = "multi_thread")]
async fn a_key_under_the_new_importers_label_is_found_and_checked_by_its_hash() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "imported");
    let pw = "chosen keychain password";
    fake.run(
        &env,
        &[("KC_PW", pw)],
        &[
            "keychain",
            "create",
            "mac15.keychain",
            "--password-env",
            "KC_PW",
            "--json",
        ],
    )
    .await
    .ok();
    let kc = env
        .path("Library/Keychains/mac15.keychain-db")
        .display()
        .to_string();
    let (run, _) = create_certificate(
        &env,
        &fake,
        &[("ASCERT_KEYCHAIN_PASSWORD", pw)],
        &["--keychain", &kc],
    )
    .await;
    run.ok();
    assert_eq!(run.json()["keychain"]["partitionLabel"], "Imported Private Key");
    let labels: Vec<String> = fake
        .args_of("set-key-partition-list")
        .into_iter()
        .map(|a| a[5].clone())
        .collect();
    let name = run.json()["keychain"]["name"].as_str().unwrap().to_owned();
    assert_eq!(labels, [name.as_str(), "Imported Private Key"]);
    fake.assert_every_call_was_clean();
}

/// An Apple Pay identity (an EC P-256 key) installs as an RSA one does: the key found under its label
/// is checked by the SHA-1 of its public point, the hash the keychain gives an EC key.
#[tokio::test(flavor = "multi_thread")]
async fn an_apple_pay_identity_with_an_ec_key_is_installed_and_checked_by_its_hash() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "imported");
    let pw = "chosen keychain password";
    fake.run(
        &env,
        &[("KC_PW", pw)],
        &[
            "keychain",
            "create",
            "pay.keychain",
            "--password-env",
            "KC_PW",
            "--json",
        ],
    )
    .await
    .ok();
    let kc = env
        .path("Library/Keychains/pay.keychain-db")
        .display()
        .to_string();
    let run = fake
        .run(
            &env,
            &[("ASCERT_KEYCHAIN_PASSWORD", pw)],
            &[
                "certificates",
                "create",
                "--type",
                "APPLE_PAY",
                "--merchant-id",
                "merchant.com.example",
                "--keychain",
                &kc,
                "--json",
            ],
        )
        .await;
    run.ok();
    assert_eq!(run.json()["keychain"]["partitionLabel"], "Imported Private Key");
    fake.assert_every_call_was_clean();
}

/// Another key already carries the new importer's label: the partition list output shows a hash that is
/// not the identity's, so ascert does not claim success.
#[tokio::test(flavor = "multi_thread")]
async fn a_label_that_finds_only_other_keys_is_not_taken_for_success() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "imported");
    let pw = "pw-for-this-test";
    fake.run(
        &env,
        &[("KC_PW", pw)],
        &["keychain", "create", "x", "--password-env", "KC_PW"],
    )
    .await
    .ok();
    let kc = env.path("Library/Keychains/x.keychain-db");
    let (run, id) = create_certificate(&env, &fake, &[], &["--keychain", &kc.display().to_string()]).await;
    run.ok();
    // Make the stored key hash someone else's: the label matches, the hash does not.
    let text = std::fs::read_to_string(&kc).unwrap();
    let line = text
        .lines()
        .find(|l| l.starts_with("identity\t"))
        .unwrap()
        .to_owned();
    let mut fields: Vec<&str> = line.split('\t').collect();
    fields[2] = "00112233445566778899AABBCCDDEEFF00112233";
    std::fs::write(&kc, text.replace(&line, &fields.join("\t"))).unwrap();
    let result = fake
        .run(
            &env,
            &[("ASCERT_KEYCHAIN_PASSWORD", pw)],
            &[
                "identities",
                "install",
                &id,
                "--keychain",
                &kc.display().to_string(),
            ],
        )
        .await;
    let stderr = result.fails_with(1);
    assert!(stderr.contains("found no key with public key hash"), "{stderr}");
    assert!(
        stderr.contains("security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k"),
        "{stderr}"
    );
    assert!(!stderr.contains(pw), "{stderr}");
}

/// Without a keychain password nothing can wait for input: no unlock, no partition list, and the
/// output says what to run.
#[tokio::test(flavor = "multi_thread")]
async fn without_a_keychain_password_nothing_waits_and_the_skipped_step_is_spelled_out() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let (run, _) = create_certificate(&env, &fake, &[], &["--keychain"]).await;
    run.ok();
    let report = &run.json()["keychain"];
    assert_eq!(report["keychain"], fake.login.display().to_string().as_str());
    assert_eq!(report["partitionList"], "skipped");
    assert_eq!(
        report["partitionCommand"],
        format!(
            "security set-key-partition-list -S apple-tool:,apple:,codesign: -s -k \"$KEYCHAIN_PASSWORD\" {}",
            fake.login.display()
        )
        .as_str()
    );
    assert_eq!(report["defaultKeychain"], true);
    assert!(
        report["codesign"].as_str().unwrap().ends_with(" FILE")
            && !report["codesign"].as_str().unwrap().contains("--keychain"),
        "the default keychain needs no --keychain: {report}"
    );
    assert!(fake.args_of("unlock-keychain").is_empty());
    assert!(fake.args_of("set-key-partition-list").is_empty());
    fake.assert_every_call_was_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn a_locked_keychain_or_a_wrong_password_is_a_clean_error() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let pw = "right-password-123";
    fake.run(
        &env,
        &[("KC_PW", pw)],
        &["keychain", "create", "locked", "--password-env", "KC_PW"],
    )
    .await
    .ok();
    let kc = env.path("Library/Keychains/locked.keychain-db");
    let text = std::fs::read_to_string(&kc)
        .unwrap()
        .replace("locked\t0", "locked\t1");
    std::fs::write(&kc, text).unwrap();
    let kc = kc.display().to_string();

    let (locked, _) = create_certificate(&env, &fake, &[], &["--keychain", &kc]).await;
    let stderr = locked.fails_with(1);
    assert!(stderr.contains("is locked"), "{stderr}");
    // The certificate is kept with its key and the way to finish is named.
    assert!(stderr.contains("ascert identities install"), "{stderr}");
    assert!(stderr.contains("--keychain-password-env"), "{stderr}");

    let wrong = "wrong-password-456";
    let (run, _) = create_certificate(
        &env,
        &fake,
        &[("ASCERT_KEYCHAIN_PASSWORD", wrong)],
        &["--keychain", &kc],
    )
    .await;
    let stderr = run.fails_with(1);
    assert!(stderr.contains("is not correct"), "{stderr}");
    assert!(!stderr.contains(wrong), "{stderr}");

    let (run, _) = create_certificate(
        &env,
        &fake,
        &[("ASCERT_KEYCHAIN_PASSWORD", pw)],
        &["--keychain", &kc],
    )
    .await;
    run.ok();
    assert_eq!(run.json()["keychain"]["partitionList"], "set");
    fake.assert_every_call_was_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn create_refuses_an_existing_keychain_and_use_login_restores_the_login_keychain() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    fake.run(&env, &[], &["keychain", "create", "job", "--default"])
        .await
        .ok();
    let kc = env
        .path("Library/Keychains/job.keychain-db")
        .display()
        .to_string();
    assert_eq!(
        std::fs::read_to_string(fake.dir.join("default")).unwrap().trim(),
        kc
    );
    let again = fake.run(&env, &[], &["keychain", "create", "job"]).await;
    assert!(again.fails_with(1).contains("already exists"), "{}", again.stderr);

    // Someone took the login keychain out of the search list; use-login puts it back, first.
    std::fs::write(fake.dir.join("search-list"), format!("{kc}\n")).unwrap();
    let used = fake.run(&env, &[], &["keychain", "use-login"]).await;
    used.ok();
    let login = fake.login.display().to_string();
    assert_eq!(
        std::fs::read_to_string(fake.dir.join("default")).unwrap().trim(),
        login
    );
    assert_eq!(fake.search_list(), [login.clone(), kc.clone()]);

    // The login keychain is never deleted, whatever it is called.
    for name in ["login", fake.login.to_str().unwrap()] {
        let refused = fake.run(&env, &[], &["keychain", "delete", name]).await;
        assert!(
            refused.fails_with(2).contains("(the login keychain)"),
            "{}",
            refused.stderr
        );
    }
    assert!(fake.login.exists());

    // delete restores what create saw: the login keychain alone, and the default it had.
    fake.run(&env, &[], &["keychain", "delete", &kc]).await.ok();
    assert_eq!(fake.search_list(), std::slice::from_ref(&login));
    assert_eq!(
        std::fs::read_to_string(fake.dir.join("default")).unwrap().trim(),
        login
    );
    fake.assert_every_call_was_clean();
}

/// A `security` that hangs (here: one that waits for a password it was not given) is stopped after
/// `ASCERT_SECURITY_TIMEOUT` and reported; ascert does not hang.
#[tokio::test(flavor = "multi_thread")]
async fn a_hanging_security_is_stopped_and_reported() {
    use std::os::unix::fs::PermissionsExt as _;
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let script = fake.dir.join("security");
    std::fs::write(&script, "#!/bin/sh\nwhile :; do sleep 1; done\n").unwrap();
    std::fs::set_permissions(&script, std::fs::Permissions::from_mode(0o755)).unwrap();
    let started = std::time::Instant::now();
    let run = fake
        .run(
            &env,
            &[("ASCERT_SECURITY_TIMEOUT", "1")],
            &["keychain", "create", "hang", "--password-env", "HOME"],
        )
        .await;
    let stderr = run.fails_with(1);
    assert!(stderr.contains("did not finish within 1 s"), "{stderr}");
    assert!(started.elapsed() < std::time::Duration::from_secs(20));
}

/// Off macOS, without a fake, every keychain command says so, before any work is done.
#[tokio::test(flavor = "multi_thread")]
async fn without_security_the_keychain_is_only_on_macos() {
    if Path::new("/usr/bin/security").exists() {
        return; // macOS: the real tool is there; tests/macos in ascert-keychain cover it.
    }
    let env = Env::start().await;
    let install = env.run(&["identities", "install", "ANY"]).await;
    assert!(
        install.fails_with(1).contains("only available on macOS"),
        "{}",
        install.stderr
    );
    let create = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "J",
            "--email",
            "j@example.com",
            "--keychain",
        ])
        .await;
    assert!(
        create.fails_with(1).contains("only available on macOS"),
        "{}",
        create.stderr
    );
    assert!(env.key_records().is_empty(), "no key was made");
    let keychain = env.run(&["keychain", "create"]).await;
    assert!(
        keychain.fails_with(1).contains("export a .p12"),
        "{}",
        keychain.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn ensure_installs_the_same_identity_on_every_run() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "imported");
    let created = fake.run(&env, &[], &["keychain", "create", "ci"]).await;
    let password = created.ok().trim().to_owned();
    let kc = env.path("Library/Keychains/ci.keychain-db").display().to_string();
    let ensure = [
        "identities",
        "ensure",
        "--type",
        "DEVELOPMENT",
        "--keychain",
        &kc,
        "--json",
    ];
    let vars = [("ASCERT_KEYCHAIN_PASSWORD", password.as_str())];

    let first = fake.run(&env, &vars, &ensure).await;
    first.ok();
    let first = first.json();
    assert_eq!(first["outcome"], "created");
    assert_eq!(first["keychain"]["imported"], true, "{first}");
    assert_eq!(
        first["keychain"]["partitionLabel"], "Imported Private Key",
        "the new importer's label: {first}"
    );

    let second = fake.run(&env, &vars, &ensure).await;
    second.ok();
    let second = second.json();
    assert_eq!(second["outcome"], "reused");
    assert_eq!(second["certificateId"], first["certificateId"]);
    assert_eq!(
        second["keychain"]["imported"], false,
        "already in the keychain: {second}"
    );
    assert_eq!(second["keychain"]["sha1"], first["keychain"]["sha1"]);
    assert_eq!(env.sandbox.certificate_count(), 1);
    fake.assert_every_call_was_clean();
}
