//! Tests of the environment loader: each family loads the same key, and the documented precedence holds.

use std::collections::HashMap;
use std::path::PathBuf;

use super::*;
use crate::test_keys::{self, ISSUER, KEY_ID};

/// A fake environment, and folders that hold no key unless a test puts one there.
struct Env {
    vars: HashMap<String, String>,
    cwd: tempfile::TempDir,
    home: tempfile::TempDir,
}

impl Env {
    fn new(pairs: &[(&str, &str)]) -> Env {
        Env {
            vars: pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
            cwd: tempfile::tempdir().unwrap(),
            home: tempfile::tempdir().unwrap(),
        }
    }

    fn folders(&self) -> KeyFolders {
        KeyFolders::new(self.cwd.path(), Some(self.home.path().to_owned()))
    }

    fn load(&self) -> Result<Option<ApiKey>, AuthError> {
        ApiKey::from_env_with(&|name| self.vars.get(name).cloned(), &self.folders())
    }

    /// Writes a file in the fake home folder and returns its path.
    fn file(&self, relative: &str, bytes: &[u8]) -> PathBuf {
        let path = self.home.path().join(relative);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        std::fs::write(&path, bytes).unwrap();
        path
    }
}

fn assert_same(loaded: &ApiKey, key: &test_keys::TestKey, issuer: Option<&str>) {
    assert_eq!(loaded.key_id(), KEY_ID);
    assert_eq!(loaded.issuer_id(), issuer);
    assert_eq!(loaded.public_key(), key.public.as_slice());
}

#[test]
fn nothing_set_is_none() {
    assert!(
        Env::new(&[("PATH", "/usr/bin"), (ASC_KEY_ID, "")])
            .load()
            .unwrap()
            .is_none()
    );
}

#[test]
fn asc_family_with_path_pem_or_base64() {
    let key = test_keys::p256();
    let mut env = Env::new(&[(ASC_KEY_ID, KEY_ID), (ASC_ISSUER_ID, ISSUER)]);
    let path = env.file("keys/k.p8", key.pem.as_bytes());
    env.vars
        .insert(ASC_PRIVATE_KEY_PATH.into(), path.display().to_string());
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let env = Env::new(&[
        (ASC_KEY_ID, KEY_ID),
        (ASC_ISSUER_ID, ISSUER),
        (ASC_PRIVATE_KEY, &key.pem),
    ]);
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let b64 = test_keys::b64(key.pem.as_bytes());
    let env = Env::new(&[
        (ASC_KEY_ID, KEY_ID),
        (ASC_INDIVIDUAL_KEY, "1"),
        (ASC_PRIVATE_KEY_B64, &b64),
    ]);
    assert_same(&env.load().unwrap().unwrap(), &key, None);
}

#[test]
fn an_asc_key_without_issuer_id_must_be_said_to_be_an_individual_key() {
    let key = test_keys::p256();
    let env = Env::new(&[(ASC_KEY_ID, KEY_ID), (ASC_PRIVATE_KEY, &key.pem)]);
    let err = env.load().unwrap_err();
    assert!(matches!(&err, AuthError::IssuerIdOrIndividual { .. }), "{err:?}");
    let message = err.to_string();
    assert!(message.contains("has no issuer id"), "{message}");
    assert!(message.contains("ASC_INDIVIDUAL_KEY=1"), "{message}");
    let env = Env::new(&[
        (ASC_KEY_ID, KEY_ID),
        (ASC_INDIVIDUAL_KEY, "true"),
        (ASC_PRIVATE_KEY, &key.pem),
    ]);
    assert_same(&env.load().unwrap().unwrap(), &key, None);
    // fastlane's variables leave the issuer id out for an individual key, as fastlane documents.
    let env = Env::new(&[(FL_KEY_ID, KEY_ID), (FL_KEY, &key.pem)]);
    assert_same(&env.load().unwrap().unwrap(), &key, None);
}

#[test]
fn a_pem_with_escaped_line_breaks_is_accepted() {
    let key = test_keys::p256();
    for newline in ["\\n", "\\r\\n"] {
        let one_line = key.pem.trim_end().replace('\n', newline);
        assert!(!one_line.contains('\n'));
        let env = Env::new(&[
            (ASC_KEY_ID, KEY_ID),
            (ASC_ISSUER_ID, ISSUER),
            (ASC_PRIVATE_KEY, &one_line),
        ]);
        assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));
    }
}

#[test]
fn asc_family_path_beats_inline_key() {
    let key = test_keys::p256();
    let other = test_keys::p256();
    let mut env = Env::new(&[
        (ASC_KEY_ID, KEY_ID),
        (ASC_INDIVIDUAL_KEY, "1"),
        (ASC_PRIVATE_KEY, &other.pem),
    ]);
    let path = env.file("k.p8", key.pem.as_bytes());
    env.vars
        .insert(ASC_PRIVATE_KEY_PATH.into(), path.display().to_string());
    assert_same(&env.load().unwrap().unwrap(), &key, None);
}

#[test]
fn fastlane_family_with_filepath_key_and_base64_key() {
    let key = test_keys::p256();
    let mut env = Env::new(&[(FL_KEY_ID, KEY_ID), (FL_ISSUER_ID, ISSUER)]);
    let path = env.file("k.p8", key.pem.as_bytes());
    env.vars
        .insert(FL_KEY_FILEPATH.into(), path.display().to_string());
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let env = Env::new(&[(FL_KEY_ID, KEY_ID), (FL_ISSUER_ID, ISSUER), (FL_KEY, &key.pem)]);
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let b64 = test_keys::b64(key.pem.as_bytes());
    let env = Env::new(&[
        (FL_KEY_ID, KEY_ID),
        (FL_ISSUER_ID, ISSUER),
        (FL_KEY, &b64),
        (FL_IS_BASE64, "true"),
        (FL_IN_HOUSE, "true"),
        (FL_DURATION, "600"),
    ]);
    let loaded = env.load().unwrap().unwrap();
    assert_same(&loaded, &key, Some(ISSUER));
    assert!(loaded.is_enterprise());
    assert_eq!(loaded.token_lifetime(), Some(Duration::from_secs(600)));
}

#[test]
fn fastlane_json_path_variable() {
    let key = test_keys::p256();
    let mut env = Env::new(&[]);
    let json = serde_json::json!({"key_id": KEY_ID, "issuer_id": ISSUER, "key": key.pem}).to_string();
    let path = env.file("api_key.json", json.as_bytes());
    env.vars.insert(FL_JSON_PATH.into(), path.display().to_string());
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));
}

#[test]
fn codemagic_family_with_pem_base64_and_file_reference() {
    let key = test_keys::p256();
    let env = Env::new(&[
        (CM_KEY_ID, KEY_ID),
        (CM_ISSUER_ID, ISSUER),
        (CM_PRIVATE_KEY, &key.pem),
    ]);
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let b64 = test_keys::b64(key.pem.as_bytes());
    let env = Env::new(&[
        (CM_KEY_ID, KEY_ID),
        (CM_ISSUER_ID, ISSUER),
        (CM_PRIVATE_KEY, &b64),
    ]);
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let mut env = Env::new(&[(CM_KEY_ID, KEY_ID), (CM_ISSUER_ID, ISSUER)]);
    let path = env.file("k.p8", key.pem.as_bytes());
    env.vars
        .insert(CM_PRIVATE_KEY.into(), format!("@file:{}", path.display()));
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let env = Env::new(&[
        (CM_KEY_ID, KEY_ID),
        (CM_ISSUER_ID, ISSUER),
        (CM_PRIVATE_KEY, "@env:MY_KEY"),
        ("MY_KEY", &key.pem),
    ]);
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));
}

#[test]
fn codemagic_without_issuer_names_the_variable() {
    let env = Env::new(&[(CM_KEY_ID, KEY_ID), (CM_PRIVATE_KEY, &test_keys::p256().pem)]);
    let err = env.load().unwrap_err();
    assert_eq!(
        err.to_string(),
        "APP_STORE_CONNECT_KEY_IDENTIFIER is set but APP_STORE_CONNECT_ISSUER_ID is not: set \
         APP_STORE_CONNECT_ISSUER_ID too, or unset the APP_STORE_CONNECT_* (codemagic) variables"
    );
}

#[test]
fn key_id_without_key_falls_back_to_the_key_folders() {
    let key = test_keys::p256();
    let env = Env::new(&[(ASC_KEY_ID, KEY_ID), (ASC_ISSUER_ID, ISSUER)]);
    env.file(
        ".appstoreconnect/private_keys/AuthKey_2X9R4HXF34.p8",
        key.pem.as_bytes(),
    );
    assert_same(&env.load().unwrap().unwrap(), &key, Some(ISSUER));

    let env = Env::new(&[(FL_KEY_ID, KEY_ID)]);
    let err = env.load().unwrap_err();
    assert!(
        matches!(&err, AuthError::KeyNotFound { searched, .. } if searched.len() == 4),
        "{err:?}"
    );
}

#[test]
fn families_are_tried_in_documented_order() {
    let [asc, fl, fl_json, cm] = [
        test_keys::p256(),
        test_keys::p256(),
        test_keys::p256(),
        test_keys::p256(),
    ];
    let mut env = Env::new(&[
        (ASC_KEY_ID, KEY_ID),
        (ASC_INDIVIDUAL_KEY, "1"),
        (ASC_PRIVATE_KEY, &asc.pem),
        (FL_KEY_ID, KEY_ID),
        (FL_KEY, &fl.pem),
        (CM_KEY_ID, KEY_ID),
        (CM_ISSUER_ID, ISSUER),
        (CM_PRIVATE_KEY, &cm.pem),
    ]);
    let json = serde_json::json!({"key_id": KEY_ID, "key": fl_json.pem}).to_string();
    let path = env.file("api_key.json", json.as_bytes());
    env.vars.insert(FL_JSON_PATH.into(), path.display().to_string());

    assert_same(&env.load().unwrap().unwrap(), &asc, None);
    env.vars.retain(|k, _| !k.starts_with("ASC_"));
    assert_same(&env.load().unwrap().unwrap(), &fl, None);
    env.vars.remove(FL_KEY_ID);
    env.vars.remove(FL_KEY);
    assert_same(&env.load().unwrap().unwrap(), &fl_json, None);
    env.vars.remove(FL_JSON_PATH);
    assert_same(&env.load().unwrap().unwrap(), &cm, Some(ISSUER));
}

#[test]
fn a_half_set_family_is_an_error_not_a_fall_through() {
    let env = Env::new(&[
        (ASC_ISSUER_ID, ISSUER),
        (CM_KEY_ID, KEY_ID),
        (CM_ISSUER_ID, ISSUER),
    ]);
    let err = env.load().unwrap_err();
    assert!(
        matches!(
            err,
            AuthError::MissingEnv {
                missing: ASC_KEY_ID,
                present: ASC_ISSUER_ID,
                ..
            }
        ),
        "{err:?}"
    );
}

#[test]
fn flags_must_be_booleans() {
    let env = Env::new(&[
        (FL_KEY_ID, KEY_ID),
        (FL_KEY, &test_keys::p256().pem),
        (FL_IN_HOUSE, "maybe"),
    ]);
    let err = env.load().unwrap_err();
    assert_eq!(
        err.to_string(),
        "environment variable APP_STORE_CONNECT_API_KEY_IN_HOUSE is not true or false"
    );
}

#[test]
fn in_house_key_without_issuer_is_refused() {
    let env = Env::new(&[
        (FL_KEY_ID, KEY_ID),
        (FL_KEY, &test_keys::p256().pem),
        (FL_IN_HOUSE, "true"),
    ]);
    assert!(matches!(
        env.load().unwrap_err(),
        AuthError::MissingIssuerId { .. }
    ));
}
