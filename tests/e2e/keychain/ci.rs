//! The CI keychain as a job uses it: the recipe of docs/keychain.md run as it stands (with bash,
//! against the fake `security` and a fake `codesign`), the same recipe on every page, and each
//! promise of `keychain create` / `delete` the recipe leans on — one name for one file, clean-up
//! that takes out only its own keychain, a lock timeout, a failed create that takes back what it
//! did, a Mac that speaks German, a short password, keychains never to delete.

use std::path::{Path, PathBuf};

use super::fake::Fake;
use crate::support::{Env, Run, mode, run};

/// The line that marks the CI recipe on every page that shows it; the block after it is the recipe.
const MARKER: &str = "<!-- ci-recipe: .github/workflows/macos.yml runs this block as it stands -->";

/// The repository's root (this crate is crates/cli).
fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The first fenced `sh` block after the marker in `page`, if the page shows the recipe.
fn recipe_in(page: &str) -> Option<String> {
    let after = page.split_once(MARKER)?.1;
    let body = after.trim_start().strip_prefix("```sh\n")?;
    Some(body.split_once("\n```")?.0.to_owned() + "\n")
}

fn read(path: &str) -> String {
    std::fs::read_to_string(repo().join(path)).unwrap_or_else(|e| panic!("{path}: {e}"))
}

#[test]
fn every_page_shows_the_same_recipe_and_none_the_old_one() {
    let pages = ["README.md", "docs/cli.md", "docs/keychain.md", "docs/team.md"];
    let reference = recipe_in(&read("docs/keychain.md")).expect("docs/keychain.md shows the recipe");
    for page in pages {
        let text = read(page);
        assert_eq!(
            recipe_in(&text).as_deref(),
            Some(reference.as_str()),
            "{page} must show the recipe of docs/keychain.md, unchanged"
        );
        // `export VAR="$(…)"` hides a failed create from `set -e`, and an inherited variable
        // made the old create print nothing.
        assert!(
            !text.contains("export ASCERT_KEYCHAIN_PASSWORD=\"$("),
            "{page} still shows the old capture"
        );
    }
}

/// A fake `codesign` on PATH: signs only with an identity (by SHA-1) of a keychain in the fake
/// search list whose key's partition list lets codesign in, as the real one needs headless;
/// `--verify` passes only for what it signed. It logs its arguments to `codesign.log`.
const FAKE_CODESIGN: &str = r#"#!/bin/sh
D=$(cd "$(dirname "$0")" && pwd)
echo "$*" >>"$D/codesign.log"
TAB=$(printf '\t')
for f in "$@"; do :; done
case " $* " in
*" --verify "*)
  [ -f "$f.signed" ] || { echo "$f: code object is not signed at all" >&2; exit 1; }
  exit 0 ;;
esac
[ -n "${FAIL_CODESIGN:-}" ] && { echo "codesign failed on purpose" >&2; exit 1; }
sha1=""
while [ $# -gt 0 ]; do
  case "$1" in --sign) sha1=$2; shift 2 ;; *) shift ;; esac
done
while IFS= read -r kc; do
  [ -f "$kc" ] || continue
  keyhash=$(grep "^identity$TAB$sha1$TAB" "$kc" | head -n 1 | cut -f3)
  [ -n "$keyhash" ] || continue
  if grep -q "^partition$TAB$keyhash$TAB.*codesign:" "$kc"; then
    echo "$sha1" >"$f.signed"
    exit 0
  fi
  echo "$f: errSecInternalComponent (the key's partition list does not allow codesign)" >&2
  exit 1
done <"$FAKE_SECURITY_DIR/search-list"
echo "error: $sha1: no identity found" >&2
exit 1
"#;

/// Runs the recipe with bash, as a CI step would: `ascert` and the fake `codesign` on PATH, the
/// fake `security` behind `ASCERT_SECURITY_TOOL`, the sandbox's API key in fastlane's variable.
async fn run_recipe(env: &Env, fake: &Fake, extra: &[(&str, &str)]) -> Run {
    use std::os::unix::fs::PermissionsExt as _;
    let recipe = recipe_in(&read("docs/keychain.md")).unwrap();
    let bin = env.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    let codesign = bin.join("codesign");
    std::fs::write(&codesign, FAKE_CODESIGN).unwrap();
    std::fs::set_permissions(&codesign, std::fs::Permissions::from_mode(0o755)).unwrap();
    let ascert = bin.join("ascert");
    if !ascert.exists() {
        std::os::unix::fs::symlink(env!("CARGO_BIN_EXE_ascert"), &ascert).unwrap();
    }
    std::fs::create_dir_all(env.path("MyApp.app/Contents/MacOS")).unwrap();
    let mut command = env.bare_program("bash");
    command
        .arg("-c")
        .arg(recipe)
        .env("PATH", format!("{}:/usr/bin:/bin", bin.display()))
        .env("APP_STORE_CONNECT_API_KEY_PATH", &env.api_key_json)
        .env("FAKE_SECURITY_DIR", &fake.dir);
    // The fake's variables, but not its stand-in API key: the recipe finds the sandbox's key
    // through fastlane's variable, as a CI job finds its own.
    for (name, value) in fake.vars().into_iter().filter(|(n, _)| n != "ASC_PRIVATE_KEY") {
        command.env(name, value);
    }
    command.envs(extra.iter().copied());
    run(command).await
}

#[tokio::test(flavor = "multi_thread")]
async fn the_recipe_runs_as_written_signs_and_leaves_nothing_behind() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let login = fake.login.display().to_string();
    let keychain = env.path("Library/Keychains/ascert-ci.keychain-db");
    // A value left from an earlier step: the recipe must still capture the new keychain's password.
    let stale = [("ASCERT_KEYCHAIN_PASSWORD", "left-from-an-earlier-step")];
    for round in ["creates", "reuses"] {
        let ran = run_recipe(&env, &fake, &stale).await;
        assert_eq!(ran.code, 0, "the recipe failed ({round}):\n{}", ran.stderr);
        let log = std::fs::read_to_string(env.path("bin/codesign.log")).unwrap();
        let signed = std::fs::read_to_string(env.path("MyApp.app.signed")).unwrap();
        assert!(
            log.contains(&format!(
                "--force --sign {} --timestamp=none MyApp.app",
                signed.trim()
            )),
            "{log}"
        );
        assert!(log.contains("--verify --strict --verbose=2 MyApp.app"), "{log}");
        // Cleaned up by the trap: the keychain, its place in the search list, the default, the record.
        assert!(!keychain.exists(), "{round}");
        assert_eq!(fake.search_list(), std::slice::from_ref(&login), "{round}");
        assert_eq!(fake.default_keychain(), login, "{round}");
        let records = std::fs::read_to_string(env.home().join("keychains.json")).unwrap();
        assert!(!records.contains("ascert-ci"), "{records}");
        // The keychain's password went only into the variable.
        let created = fake.args_of("create-keychain");
        let password = &created.last().unwrap()[2];
        assert_eq!(password.len(), 32);
        assert!(!ran.stdout.contains(password.as_str()) && !ran.stderr.contains(password.as_str()));
        std::fs::remove_file(env.path("MyApp.app.signed")).unwrap();
    }
    assert_eq!(
        env.sandbox.certificate_count(),
        1,
        "ensure made the identity once"
    );
    // create, settings, then `--lock-after 3600` and `--default` as written.
    let settings = fake.args_of("set-keychain-settings");
    assert_eq!(settings[0][1..5], ["-l", "-u", "-t", "3600"]);
    fake.assert_every_call_was_clean();
}

#[tokio::test(flavor = "multi_thread")]
async fn when_a_step_of_the_recipe_fails_the_trap_still_cleans_up() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let ran = run_recipe(&env, &fake, &[("FAIL_CODESIGN", "1")]).await;
    assert_ne!(ran.code, 0, "{}", ran.stderr);
    assert!(
        ran.stderr.contains("codesign failed on purpose"),
        "{}",
        ran.stderr
    );
    assert!(!env.path("Library/Keychains/ascert-ci.keychain-db").exists());
    assert_eq!(fake.search_list(), [fake.login.display().to_string()]);
    assert_eq!(fake.default_keychain(), fake.login.display().to_string());
}

#[tokio::test(flavor = "multi_thread")]
async fn create_prints_a_new_password_even_when_the_variable_is_set() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let created = fake
        .run(
            &env,
            &[("ASCERT_KEYCHAIN_PASSWORD", "inherited")],
            &["keychain", "create", "job"],
        )
        .await;
    let printed = created.ok().trim().to_owned();
    assert_eq!(printed.len(), 32, "a new password, printed: {}", created.stdout);
    assert!(
        created.stderr.contains("ASCERT_KEYCHAIN_PASSWORD is set"),
        "{}",
        created.stderr
    );
    assert_eq!(fake.args_of("create-keychain")[0][2], printed);
    // A source named on the command line is used, and nothing is printed.
    let named = fake
        .run(
            &env,
            &[("MY_PW", "chosen")],
            &["keychain", "create", "other", "--password-env", "MY_PW"],
        )
        .await;
    assert_eq!(named.ok(), "", "nothing on stdout for a password the user has");
    assert_eq!(fake.args_of("create-keychain")[1][2], "chosen");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_name_is_one_file_for_every_command_and_deleting_nothing_fails_unless_if_exists() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    fake.run(&env, &[], &["keychain", "create", "job"]).await.ok();
    let file = env.path("Library/Keychains/job.keychain-db");
    assert!(file.is_file());
    // `keychain identities job` finds the file `create job` made.
    fake.run(&env, &[], &["keychain", "identities", "job"]).await.ok();
    let deleted = fake.run(&env, &[], &["keychain", "delete", "job"]).await;
    deleted.ok();
    assert!(!file.exists(), "{}", deleted.stderr);
    assert_eq!(fake.search_list(), [fake.login.display().to_string()]);

    let again = fake.run(&env, &[], &["keychain", "delete", "job"]).await;
    let err = again.fails_with(4);
    assert!(
        err.contains(&format!("there is no keychain {}", file.display())),
        "{err}"
    );
    assert!(err.contains("--if-exists"), "{err}");
    let tolerant = fake
        .run(&env, &[], &["keychain", "delete", "job", "--if-exists"])
        .await;
    assert!(tolerant.ok().is_empty());
    assert!(tolerant.stderr.contains("nothing to do"), "{}", tolerant.stderr);
    fake.run(&env, &[], &["keychain", "delete", "--if-exists"])
        .await
        .ok();
    let nothing = fake.run(&env, &[], &["keychain", "delete"]).await;
    nothing.fails_with(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn delete_takes_out_only_its_keychain_and_leaves_another_jobs_default() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let login = fake.login.display().to_string();
    fake.run(&env, &[], &["keychain", "create", "mine", "--default"])
        .await
        .ok();
    let mine = env
        .path("Library/Keychains/mine.keychain-db")
        .display()
        .to_string();
    // Another runner instance of the same user adds its keychain and makes it the default.
    let theirs = env.path("Library/Keychains/theirs.keychain-db");
    std::fs::write(&theirs, "password\tx\nlocked\t0\n").unwrap();
    let theirs = theirs.display().to_string();
    std::fs::write(
        fake.dir.join("search-list"),
        format!("{login}\n{mine}\n{theirs}\n"),
    )
    .unwrap();
    std::fs::write(fake.dir.join("default"), format!("{theirs}\n")).unwrap();

    let deleted = fake
        .run(&env, &[], &["keychain", "delete", "mine", "--json"])
        .await;
    deleted.ok();
    assert_eq!(
        fake.search_list(),
        [login.clone(), theirs.clone()],
        "theirs is kept"
    );
    assert_eq!(fake.default_keychain(), theirs, "their default is kept");
    assert_eq!(deleted.json()["defaultRestored"], serde_json::Value::Null);

    // Alone, a keychain made the default hands the default back when it goes.
    std::fs::write(fake.dir.join("default"), format!("{login}\n")).unwrap();
    fake.run(&env, &[], &["keychain", "create", "solo", "--default"])
        .await
        .ok();
    let solo = env
        .path("Library/Keychains/solo.keychain-db")
        .display()
        .to_string();
    assert_eq!(fake.default_keychain(), solo);
    let deleted = fake
        .run(&env, &[], &["keychain", "delete", "solo", "--json"])
        .await;
    deleted.ok();
    assert_eq!(fake.default_keychain(), login);
    assert_eq!(deleted.json()["defaultRestored"], login.as_str());
    assert_eq!(fake.search_list(), [login, theirs]);
}

#[tokio::test(flavor = "multi_thread")]
async fn lock_after_first_and_a_private_file() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let created = fake
        .run(
            &env,
            &[],
            &["keychain", "create", "job", "--lock-after", "3600", "--first"],
        )
        .await;
    created.ok();
    let file = env.path("Library/Keychains/job.keychain-db");
    let kc = file.display().to_string();
    assert_eq!(
        fake.args_of("set-keychain-settings"),
        [vec![
            "set-keychain-settings".to_owned(),
            "-l".into(),
            "-u".into(),
            "-t".into(),
            "3600".into(),
            kc.clone()
        ]]
    );
    assert!(std::fs::read_to_string(&file).unwrap().contains("autolock\t3600"));
    assert_eq!(mode(&file), 0o600);
    assert_eq!(
        fake.search_list(),
        [kc, fake.login.display().to_string()],
        "first"
    );
    assert!(
        created.stderr.contains("locks after 3600 s"),
        "{}",
        created.stderr
    );
    let zero = fake
        .run(&env, &[], &["keychain", "create", "z", "--lock-after", "0"])
        .await;
    zero.fails_with(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_failed_step_of_create_takes_back_what_it_did() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let login = fake.login.display().to_string();
    let file = env.path("Library/Keychains/job.keychain-db");
    for step in ["set-keychain-settings", "unlock-keychain", "list-keychains -s"] {
        std::fs::write(fake.dir.join("fail-on"), format!("{step}\n")).unwrap();
        let failed = fake
            .run(&env, &[], &["keychain", "create", "job", "--default"])
            .await;
        assert_eq!(failed.code, 1, "{step}: {}", failed.stderr);
        assert!(
            failed.stdout.is_empty(),
            "no password for a keychain that is gone"
        );
        assert!(!file.exists(), "{step}: the half-made keychain is deleted");
        assert_eq!(fake.search_list(), std::slice::from_ref(&login), "{step}");
        assert_eq!(fake.default_keychain(), login, "{step}");
        let records = std::fs::read_to_string(env.home().join("keychains.json")).unwrap_or_default();
        assert!(!records.contains("job.keychain-db"), "{step}: {records}");
    }
    std::fs::remove_file(fake.dir.join("fail-on")).unwrap();
    fake.run(&env, &[], &["keychain", "create", "job"]).await.ok();
    assert!(file.is_file(), "a retry does not meet \"already exists\"");
}

/// On a Mac set to German, `security` says everything in German, without numbers: ascert installs,
/// re-installs and reports a wrong password or a locked keychain all the same.
#[tokio::test(flavor = "multi_thread")]
async fn a_german_mac_installs_reinstalls_and_reports_like_an_english_one() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "imported");
    std::fs::write(fake.dir.join("language"), "de").unwrap();
    let password = fake
        .run(&env, &[], &["keychain", "create", "job"])
        .await
        .ok()
        .trim()
        .to_owned();
    let ensure = [
        "identities",
        "ensure",
        "--type",
        "DEVELOPMENT",
        "--keychain",
        "job",
        "--json",
    ];
    let vars = [("ASCERT_KEYCHAIN_PASSWORD", password.as_str())];
    let first = fake.run(&env, &vars, &ensure).await;
    first.ok();
    let first = first.json();
    assert_eq!(first["keychain"]["imported"], true, "{first}");
    assert_eq!(
        first["keychain"]["partitionLabel"], "Imported Private Key",
        "{first}"
    );
    let second = fake.run(&env, &vars, &ensure).await;
    second.ok();
    let second = second.json();
    assert_eq!(second["keychain"]["imported"], false, "found by SHA-1: {second}");
    assert_eq!(second["keychain"]["intermediate"], "already-present", "{second}");
    assert_eq!(fake.args_of("import").len(), 1, "imported once");
    assert_eq!(fake.args_of("add-certificates").len(), 1, "added once");

    let wrong = fake
        .run(&env, &[("ASCERT_KEYCHAIN_PASSWORD", "falsch")], &ensure)
        .await;
    let err = wrong.fails_with(1);
    assert!(
        err.contains("keychain") && err.contains("is not correct"),
        "{err}"
    );

    // Locked, no password: said as such, in English, whatever the Mac's language.
    fake.run(&env, &[], &["keychain", "delete", "job"]).await.ok();
    fake.run(&env, &[], &["keychain", "create", "job2"]).await.ok();
    let file = env.path("Library/Keychains/job2.keychain-db");
    let text = std::fs::read_to_string(&file)
        .unwrap()
        .replace("locked\t0", "locked\t1");
    std::fs::write(&file, text).unwrap();
    let locked = fake
        .run(
            &env,
            &[],
            &[
                "identities",
                "ensure",
                "--type",
                "DEVELOPMENT",
                "--keychain",
                "job2",
            ],
        )
        .await;
    let err = locked.fails_with(1);
    assert!(err.contains("is locked"), "{err}");
}

/// A keychain password that is a digit: scrubbing it from what `security` printed would cut
/// into the key hash; the hash is read from the raw output.
#[tokio::test(flavor = "multi_thread")]
async fn a_one_character_keychain_password_still_sets_the_partition_list() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let vars = [("KC_PW", "0"), ("ASCERT_KEYCHAIN_PASSWORD", "0")];
    fake.run(
        &env,
        &vars,
        &["keychain", "create", "job", "--password-env", "KC_PW"],
    )
    .await
    .ok();
    let ensured = fake
        .run(
            &env,
            &vars,
            &[
                "identities",
                "ensure",
                "--type",
                "DEVELOPMENT",
                "--keychain",
                "job",
                "--json",
            ],
        )
        .await;
    ensured.ok();
    assert_eq!(
        ensured.json()["keychain"]["partitionList"],
        "set",
        "{}",
        ensured.stdout
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn system_keychains_and_keychains_ascert_did_not_make_are_not_deleted() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    for system in [
        "/Library/Keychains/System.keychain",
        "/System/Library/Keychains/SystemRootCertificates.keychain",
    ] {
        let refused = fake
            .run(&env, &[], &["keychain", "delete", system, "--force"])
            .await;
        let err = refused.fails_with(2);
        assert!(err.contains("a keychain of the system"), "{err}");
    }
    let refused = fake
        .run(&env, &[], &["keychain", "create", "/Library/Keychains/x"])
        .await;
    refused.fails_with(2);

    let other = env.path("Library/Keychains/someone.keychain-db");
    std::fs::write(&other, "password\tx\nlocked\t0\n").unwrap();
    let refused = fake.run(&env, &[], &["keychain", "delete", "someone"]).await;
    let err = refused.fails_with(2);
    assert!(err.contains("was not made by `ascert keychain create`"), "{err}");
    assert!(err.contains("--force"), "{err}");
    assert!(other.exists());
    fake.run(&env, &[], &["keychain", "delete", "someone", "--force"])
        .await
        .ok();
    assert!(!other.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_p12_password_beyond_ascii_is_warned_about() {
    let env = Env::start().await;
    let run = env
        .run_with(
            &[("ASCERT_P12_PASSWORD", "Kennwort-für-den-Schlüssel")],
            &[
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--p12",
                "dev.p12",
            ],
        )
        .await;
    run.ok();
    assert!(run.stderr.contains("characters beyond ASCII"), "{}", run.stderr);
    assert!(run.stderr.contains("security import -P"), "{}", run.stderr);
    let plain = env
        .run_with(
            &[("ASCERT_P12_PASSWORD", "an ascii password")],
            &[
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--p12",
                "dev2.p12",
            ],
        )
        .await;
    plain.ok();
    assert!(!plain.stderr.contains("beyond ASCII"), "{}", plain.stderr);
}

/// A password pasted where `--password-env` / `--keychain-password-env` wants a variable's name is
/// refused without being repeated, by every keychain command, as the .p12 password's reader does.
#[tokio::test(flavor = "multi_thread")]
async fn a_password_given_as_a_variable_name_is_refused_and_never_shown() {
    let env = Env::start().await;
    let fake = Fake::new(&env, "friendly");
    let pasted = "hunter2-Very-Secret-Pass";
    let keychain = env.path("ci.keychain-db");
    let keychain = keychain.to_str().unwrap();
    let cases: [&[&str]; 3] = [
        &["keychain", "create", keychain, "--password-env", pasted],
        &[
            "identities",
            "ensure",
            "--type",
            "DEVELOPMENT",
            "--keychain",
            keychain,
            "--keychain-password-env",
            pasted,
        ],
        &[
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--keychain",
            keychain,
            "--keychain-password-env",
            pasted,
        ],
    ];
    for args in cases {
        let ran = fake.run(&env, &[], args).await;
        let stderr = ran.fails_with(2);
        assert!(
            !stderr.contains(pasted) && !ran.stdout.contains(pasted),
            "{args:?} repeated it:\n{stderr}"
        );
        assert!(stderr.contains("is not one (not shown)"), "{args:?}:\n{stderr}");
    }
    assert!(fake.args_of("create-keychain").is_empty());
    assert_eq!(env.sandbox.certificate_count(), 0, "nothing was created");
}
