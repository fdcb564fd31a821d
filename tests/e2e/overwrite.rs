//! Files the user names are never replaced silently: every command that writes one refuses an
//! existing file unless `--force`, before doing any work; and .p12 passwords are held to a policy.

use crate::support::{Env, mode, openssl};

const PASSWORD: (&str, &str) = ("ASCERT_P12_PASSWORD", "a long p12 password");

/// An identity made in the sandbox: its certificate id and key id.
async fn identity(env: &Env) -> (String, String) {
    let created = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "Jane",
            "--email",
            "jane@example.com",
            "--json",
        ])
        .await
        .json();
    (
        created["certificate"]["id"].as_str().unwrap().to_owned(),
        created["keyId"].as_str().unwrap().to_owned(),
    )
}

#[tokio::test(flavor = "multi_thread")]
async fn every_written_file_is_refused_when_it_exists_unless_forced() {
    let env = Env::start().await;
    let (cert_id, key_id) = identity(&env).await;
    let existing = env.path("existing");
    let path = existing.to_str().unwrap();
    let commands: [Vec<&str>; 6] = [
        vec!["identities", "export", &cert_id, "--p12", path],
        vec!["keys", "export", &key_id, "--out", path],
        vec!["keys", "csr", &key_id, "--out", path],
        vec!["certificates", "get", &cert_id, "--out", path],
        vec![
            "keys",
            "generate",
            "--common-name",
            "A",
            "--email",
            "a@example.com",
            "--csr-out",
            path,
        ],
        vec![
            "certificates",
            "create",
            "--type",
            "DISTRIBUTION",
            "--common-name",
            "A",
            "--email",
            "a@example.com",
            "--p12",
            path,
        ],
    ];
    for command in commands {
        std::fs::write(&existing, b"keep me").unwrap();
        let keys_before = env.key_records().len();
        let certificates_before = env.sandbox.certificate_count();
        let refused = env.run_with(&[PASSWORD], &command).await;
        let stderr = refused.fails_with(2);
        assert!(
            stderr.contains(&format!("{path} already exists")),
            "{command:?}: {stderr}"
        );
        assert!(stderr.contains("--force"), "{stderr}");
        assert_eq!(
            std::fs::read(&existing).unwrap(),
            b"keep me",
            "{command:?} left the file alone"
        );
        assert_eq!(env.key_records().len(), keys_before, "{command:?} made no key");
        assert_eq!(
            env.sandbox.certificate_count(),
            certificates_before,
            "{command:?} asked Apple for nothing"
        );

        let mut forced = command.clone();
        forced.push("--force");
        env.run_with(&[PASSWORD], &forced).await.ok();
        assert_ne!(
            std::fs::read(&existing).unwrap(),
            b"keep me",
            "{command:?} --force replaced it"
        );
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn short_p12_passwords_are_refused_unless_allowed() {
    let env = Env::start().await;
    let (cert_id, _) = identity(&env).await;
    let p12 = env.path("short.p12");
    let export = ["identities", "export", &cert_id, "--p12", p12.to_str().unwrap()];
    let refused = env.run_with(&[("ASCERT_P12_PASSWORD", "hunter2")], &export).await;
    let stderr = refused.fails_with(2);
    assert!(stderr.contains("shorter than 12 characters"), "{stderr}");
    assert!(!stderr.contains("hunter2"), "{stderr}");
    assert!(!p12.exists());

    let mut allowed = export.to_vec();
    allowed.push("--allow-weak-password");
    env.run_with(&[("ASCERT_P12_PASSWORD", "hunter2")], &allowed)
        .await
        .ok();
    let info = openssl(&[
        "pkcs12",
        "-in",
        p12.to_str().unwrap(),
        "-nokeys",
        "-passin",
        "pass:hunter2",
        "-legacy",
    ]);
    assert!(info.contains("BEGIN CERTIFICATE"), "{info}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_generated_password_goes_to_its_file_and_nowhere_else() {
    let env = Env::start().await;
    let (cert_id, _) = identity(&env).await;
    let p12 = env.path("generated.p12");
    let secret = env.path("generated.password");
    let base = [
        "identities",
        "export",
        &cert_id,
        "--p12",
        p12.to_str().unwrap(),
        "--generate-password",
    ];

    // No terminal and no file: the password would land in a log, so nothing is made.
    let refused = env.run(&base).await;
    assert!(
        refused.fails_with(2).contains("--password-out FILE"),
        "{}",
        refused.stderr
    );
    assert!(!p12.exists());

    let mut args = base.to_vec();
    args.extend(["--password-out", secret.to_str().unwrap()]);
    let run = env.run(&args).await;
    run.ok();
    assert_eq!(mode(&secret), 0o600);
    let password = std::fs::read_to_string(&secret).unwrap().trim_end().to_owned();
    assert_eq!(password.len(), 24);
    assert!(password.chars().all(|c| c.is_ascii_alphanumeric()), "{password}");
    assert!(
        !run.stdout.contains(&password) && !run.stderr.contains(&password),
        "shown nowhere"
    );
    let info = openssl(&[
        "pkcs12",
        "-in",
        p12.to_str().unwrap(),
        "-nokeys",
        "-passin",
        &format!("file:{}", secret.display()),
        "-legacy",
    ]);
    assert!(info.contains("BEGIN CERTIFICATE"), "{info}");
}
