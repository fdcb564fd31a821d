//! Encryption at rest as a property of the keystore: the first key written with a passphrase marks
//! the store, after which plaintext writes are refused; `keys encrypt` converts a plaintext store,
//! and a SIGKILL at any point of it loses no key; `keys export --encrypt` writes encrypted PKCS#8.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::{Duration, Instant};

use crate::support::{Env, Run, mode, openssl, run};

const PASSPHRASE: &str = "keystore passphrase 7c2e";

async fn generate(env: &Env, label: &str, passphrase: Option<&str>) -> Run {
    let mut command = env.bare();
    if let Some(passphrase) = passphrase {
        command.env("ASCERT_KEY_PASSPHRASE", passphrase);
    }
    command.args([
        "keys",
        "generate",
        "--common-name",
        label,
        "--email",
        "a@example.com",
        "--json",
    ]);
    run(command).await
}

/// The key files of the keystore.
fn key_files(env: &Env) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(env.home().join("keys"))
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| {
            p.to_string_lossy().ends_with(".key.pem")
                && !p.file_name().unwrap().to_string_lossy().starts_with('.')
        })
        .collect();
    files.sort();
    files
}

fn is_encrypted(path: &Path) -> bool {
    std::fs::read_to_string(path)
        .unwrap()
        .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
}

/// The public key of a key file, as openssl reads it: plain, or decrypted with the passphrase.
fn public_key(path: &Path) -> String {
    let pass = format!("pass:{PASSPHRASE}");
    let mut args = vec!["pkey", "-in", path.to_str().unwrap(), "-pubout"];
    if is_encrypted(path) {
        args.extend(["-passin", &pass]);
    }
    openssl(&args)
}

#[tokio::test(flavor = "multi_thread")]
async fn an_encrypted_store_refuses_plaintext_writes_and_says_which_keys_are_plain() {
    let env = Env::start().await;
    generate(&env, "plain", None).await.ok();
    generate(&env, "encrypted", Some(PASSPHRASE)).await.ok();
    let marker = env.home().join("keys/keystore.json");
    assert_eq!(mode(&marker), 0o600);

    let refused = generate(&env, "plain again", None).await;
    let stderr = refused.fails_with(1);
    assert!(
        stderr.contains("keeps its keys encrypted: set ASCERT_KEY_PASSPHRASE"),
        "{stderr}"
    );
    assert_eq!(key_files(&env).len(), 2, "no key written");

    let list = env.run(&["keys", "list", "--json"]).await;
    let listed = list.json();
    let encrypted: Vec<bool> = listed
        .as_array()
        .unwrap()
        .iter()
        .map(|k| k["encrypted"].as_bool().unwrap())
        .collect();
    assert_eq!(encrypted, [false, true]);
    assert!(
        list.stderr.contains(r#"{"warning":"1 key in"#) && list.stderr.contains("run `ascert keys encrypt`"),
        "{}",
        list.stderr
    );

    let convert = env
        .run_with(
            &[("ASCERT_KEY_PASSPHRASE", PASSPHRASE)],
            &["keys", "encrypt", "--json"],
        )
        .await;
    convert.ok();
    assert_eq!(convert.json()["encrypted"].as_array().unwrap().len(), 1);
    let list = env.run(&["keys", "list"]).await;
    assert!(!list.stderr.contains("warning"), "{}", list.stderr);
    assert!(key_files(&env).iter().all(|f| is_encrypted(f)));

    // Without the passphrase there is nothing to encrypt with.
    let no_passphrase = env.run(&["keys", "encrypt"]).await;
    assert!(
        no_passphrase
            .fails_with(2)
            .contains("needs the passphrase in ASCERT_KEY_PASSPHRASE")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_kill_during_keys_encrypt_loses_no_key() {
    const KEYS: usize = 20;
    let env = Env::start().await;
    for i in 0..KEYS {
        generate(&env, &format!("key {i}"), None).await.ok();
    }
    let files = key_files(&env);
    assert_eq!(files.len(), KEYS);
    let public: Vec<String> = files.iter().map(|f| public_key(f)).collect();

    // Kill the conversion three times, each time once more keys are encrypted.
    let mut kills = 0;
    for wanted in [1, 7, 14] {
        let mut command = env.bare();
        command
            .env("ASCERT_KEY_PASSPHRASE", PASSPHRASE)
            .args(["keys", "encrypt"])
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        let mut child = command.spawn().unwrap();
        let deadline = Instant::now() + Duration::from_secs(120);
        loop {
            let done = key_files(&env).iter().filter(|f| is_encrypted(f)).count();
            if done >= wanted || child.try_wait().unwrap().is_some() || Instant::now() > deadline {
                break;
            }
            std::thread::sleep(Duration::from_millis(5));
        }
        if child.try_wait().unwrap().is_none() {
            child.kill().unwrap();
            kills += 1;
        }
        child.wait().unwrap();

        // Every key is whole: the same 20 keys, each readable, encrypted or not.
        let now = key_files(&env);
        assert_eq!(now, files, "no key file lost or added after the kill at {wanted}");
        let after: Vec<String> = now.iter().map(|f| public_key(f)).collect();
        assert_eq!(after, public, "every key is readable and unchanged");
    }
    assert!(kills >= 2, "the conversion was interrupted ({kills} kills)");

    // The rerun finishes the work.
    let finish = env
        .run_with(
            &[("ASCERT_KEY_PASSPHRASE", PASSPHRASE)],
            &["keys", "encrypt", "--json"],
        )
        .await;
    finish.ok();
    assert!(key_files(&env).iter().all(|f| is_encrypted(f)));
    let after: Vec<String> = key_files(&env).iter().map(|f| public_key(f)).collect();
    assert_eq!(after, public);
    let leftovers: Vec<_> = std::fs::read_dir(env.home().join("keys"))
        .unwrap()
        .filter_map(|e| {
            let name = e.unwrap().file_name().to_string_lossy().into_owned();
            name.contains(".tmp-").then_some(name)
        })
        .collect();
    assert!(
        leftovers.is_empty(),
        "the next run removed the killed writers' temporary files: {leftovers:?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn keys_export_encrypt_writes_encrypted_pkcs8() {
    let env = Env::start().await;
    let key_id = generate(&env, "exported", None).await.json()["keyId"]
        .as_str()
        .unwrap()
        .to_owned();
    let out = env.path("exported.key.pem");
    let export = env
        .run_with(
            &[("EXPORT_PASSPHRASE", "export passphrase 99")],
            &[
                "keys",
                "export",
                &key_id,
                "--out",
                out.to_str().unwrap(),
                "--encrypt",
                "--passphrase-env",
                "EXPORT_PASSPHRASE",
            ],
        )
        .await;
    export.ok();
    assert_eq!(mode(&out), 0o600);
    assert!(is_encrypted(&out));
    let text = openssl(&[
        "pkey",
        "-in",
        out.to_str().unwrap(),
        "-passin",
        "pass:export passphrase 99",
        "-noout",
        "-text",
    ]);
    assert!(text.contains("Private-Key: (2048 bit"), "{text}");

    // --passphrase-* means nothing without --encrypt.
    let refused = env
        .run(&[
            "keys",
            "export",
            &key_id,
            "--out",
            "x.pem",
            "--passphrase-env",
            "X",
        ])
        .await;
    refused.fails_with(2);
}
