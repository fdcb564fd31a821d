//! `ascert keys generate | list | csr | import | export | delete`.

use crate::support::{Env, mode, openssl, run_in_terminal};

#[tokio::test(flavor = "multi_thread")]
async fn generate_list_csr_export_and_delete() {
    let env = Env::start().await;
    let generated = env
        .run(&[
            "keys",
            "generate",
            "--label",
            "ci",
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "CI",
            "--email",
            "ci@example.com",
        ])
        .await;
    let csr_text = generated.ok().to_owned();
    assert!(
        csr_text.starts_with("-----BEGIN CERTIFICATE REQUEST-----"),
        "{csr_text}"
    );
    let csr_path = env.path("ci.csr");
    std::fs::write(&csr_path, &csr_text).unwrap();
    let verified = openssl(&[
        "req",
        "-in",
        csr_path.to_str().unwrap(),
        "-verify",
        "-noout",
        "-text",
    ]);
    assert!(verified.contains("Public-Key: (2048 bit)"), "{verified}");
    assert!(
        verified.contains("emailAddress") || verified.contains("ci@example.com"),
        "{verified}"
    );

    let list = env.run(&["keys", "list", "--json"]).await;
    list.ok();
    let key_id = list.json()[0]["keyId"].as_str().unwrap().to_owned();
    assert_eq!(list.json()[0]["label"], "ci");
    assert!(
        !list.stdout.contains("PRIVATE KEY"),
        "a listing never shows key material"
    );

    let csr_again = env.run(&["keys", "csr", &key_id[..8]]).await;
    assert_eq!(csr_again.ok(), csr_text);

    let exported = env.path("exported.pem");
    env.run(&[
        "keys",
        "export",
        &key_id[..10],
        "--out",
        exported.to_str().unwrap(),
    ])
    .await
    .ok();
    assert_eq!(mode(&exported), 0o600);
    openssl(&["pkey", "-in", exported.to_str().unwrap(), "-noout"]);

    let refused = env.run(&["keys", "delete", &key_id]).await;
    refused.fails_with(2);
    // At a terminal the question is asked; "n" is a refused confirmation too: exit 2, key kept.
    let mut at_terminal = env.bare();
    at_terminal.args(["keys", "delete", &key_id]);
    let answered_no = run_in_terminal(&at_terminal, "n").await;
    assert_eq!(answered_no.code, 2, "{answered_no:?}");
    assert!(
        answered_no.stdout.contains("Delete this private key?"),
        "{answered_no:?}"
    );
    assert!(answered_no.stdout.contains("cancelled"), "{answered_no:?}");
    env.run(&["keys", "csr", &key_id]).await.ok();
    env.run(&["keys", "delete", &key_id, "--yes"]).await.ok();
    let empty = env.run(&["keys", "list", "--json"]).await;
    assert_eq!(empty.json(), serde_json::json!([]));
    env.run(&["keys", "csr", &key_id]).await.fails_with(4);
}

#[tokio::test(flavor = "multi_thread")]
async fn import_a_pem_key_made_elsewhere() {
    let env = Env::start().await;
    let pem = env.path("rsa.pem");
    openssl(&["genrsa", "-traditional", "-out", pem.to_str().unwrap(), "2048"]);
    let imported = env
        .run(&[
            "keys",
            "import",
            pem.to_str().unwrap(),
            "--label",
            "from openssl",
            "--json",
        ])
        .await;
    imported.ok();
    assert_eq!(imported.json()["label"], "from openssl");
    let garbage = env.path("garbage.pem");
    std::fs::write(&garbage, "not a key").unwrap();
    let refused = env.run(&["keys", "import", garbage.to_str().unwrap()]).await;
    assert_ne!(refused.code, 0);
    assert!(refused.stderr.starts_with("error: "), "{}", refused.stderr);
    assert_eq!(
        env.run(&["keys", "list", "--json"])
            .await
            .json()
            .as_array()
            .unwrap()
            .len(),
        1
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ambiguous_or_short_key_prefix_is_refused() {
    let env = Env::start().await;
    let short = env.run(&["keys", "csr", "ab"]).await;
    assert!(
        short.fails_with(2).contains("at least 4 characters"),
        "{}",
        short.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_p12_import_is_labelled_with_the_common_name_and_export_dash_is_stdout() {
    let env = Env::start().await;
    let created = env
        .run(&[
            "--json",
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "Jane Appleseed",
            "--email",
            "jane@example.com",
        ])
        .await;
    created.ok();
    let cert_id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let key_id = created.json()["keyId"].as_str().unwrap().to_owned();

    // `--out -` into a pipe: the key on stdout, no file named "-".
    let piped = env.run(&["keys", "export", &key_id, "--out", "-"]).await;
    assert!(piped.ok().starts_with("-----BEGIN PRIVATE KEY-----"), "{piped:?}");
    assert!(!env.path("-").exists());
    let pem = env.path("piped.pem");
    std::fs::write(&pem, &piped.stdout).unwrap();
    openssl(&["pkey", "-in", pem.to_str().unwrap(), "-noout"]);
    env.run(&["--json", "keys", "export", &key_id, "--out", "-"])
        .await
        .fails_with(2);

    let p12 = env.path("jane.p12");
    let vars = [("P12_PASSWORD", "a long enough password")];
    env.run_with(
        &vars,
        &[
            "identities",
            "export",
            &cert_id,
            "--password-env",
            "P12_PASSWORD",
            "--p12",
            p12.to_str().unwrap(),
        ],
    )
    .await
    .ok();
    let cer = env.path("jane.cer");
    env.run(&[
        "certificates",
        "get",
        &cert_id,
        "--out",
        cer.to_str().unwrap(),
        "--pem",
    ])
    .await
    .ok();
    env.run(&["keys", "delete", &key_id, "--yes"]).await.ok();
    let imported = env
        .run_with(
            &vars,
            &[
                "--json",
                "keys",
                "import",
                p12.to_str().unwrap(),
                "--password-env",
                "P12_PASSWORD",
            ],
        )
        .await;
    imported.ok();
    // Apple names the certificate after the team, not the CSR: the label is its common name.
    let subject = openssl(&[
        "x509",
        "-in",
        cer.to_str().unwrap(),
        "-noout",
        "-subject",
        "-nameopt",
        "multiline",
    ]);
    let common_name = subject
        .lines()
        .find_map(|l| l.trim().strip_prefix("commonName"))
        .map(|v| v.trim_start().trim_start_matches('=').trim())
        .unwrap();
    assert_eq!(imported.json()["label"], common_name, "{imported:?}");
    assert!(!imported.stdout.contains("jane.p12"), "{imported:?}");
}

/// The public key of a PEM key or CSR file, as OpenSSL writes it.
fn public_key(kind: &str, file: &std::path::Path) -> String {
    let file = file.to_str().unwrap();
    match kind {
        "req" => openssl(&["req", "-in", file, "-noout", "-pubkey"]),
        _ => openssl(&["pkey", "-in", file, "-pubout"]),
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_certificate_type_decides_the_key_ec_p256_for_apple_pay() {
    let env = Env::start().await;
    let identity = ["--common-name", "CI", "--email", "ci@example.com"];
    let pay_csr = env.path("pay.csr");
    let mut args = vec![
        "keys",
        "generate",
        "--type",
        "APPLE_PAY",
        "--csr-out",
        pay_csr.to_str().unwrap(),
    ];
    args.extend(identity);
    env.run(&args).await.ok();
    let verified = openssl(&[
        "req",
        "-in",
        pay_csr.to_str().unwrap(),
        "-verify",
        "-noout",
        "-text",
    ]);
    assert!(verified.contains("verify OK"), "{verified}");
    assert!(verified.contains("NIST CURVE: P-256"), "{verified}");
    assert!(
        verified.contains("Signature Algorithm: ecdsa-with-SHA256"),
        "{verified}"
    );
    let mut args = vec!["keys", "generate", "--type", "APPLE_PAY_RSA"];
    args.extend(identity);
    assert!(
        env.run(&args)
            .await
            .ok()
            .starts_with("-----BEGIN CERTIFICATE REQUEST-----")
    );

    // `keys csr --type` without a key makes one of the kind the type takes.
    let csr = env.run(&["keys", "csr", "--type", "APPLE_PAY"]).await;
    let csr_file = env.path("made.csr");
    std::fs::write(&csr_file, csr.ok()).unwrap();
    assert!(
        openssl(&["req", "-in", csr_file.to_str().unwrap(), "-noout", "-text"]).contains("NIST CURVE: P-256")
    );
    let dist = env.path("dist.csr");
    env.run(&[
        "keys",
        "csr",
        "--type",
        "DISTRIBUTION",
        "--out",
        dist.to_str().unwrap(),
    ])
    .await
    .ok();
    assert!(
        openssl(&["req", "-in", dist.to_str().unwrap(), "-noout", "-text"])
            .contains("Public-Key: (2048 bit)")
    );

    let list = env.run(&["keys", "list", "--json"]).await.json();
    let algorithms: Vec<(&str, &str)> = list
        .as_array()
        .unwrap()
        .iter()
        .map(|k| {
            (
                k["certificateType"].as_str().unwrap(),
                k["keyAlgorithm"].as_str().unwrap(),
            )
        })
        .collect();
    assert_eq!(
        algorithms,
        [
            ("APPLE_PAY", "EC P-256"),
            ("APPLE_PAY_RSA", "RSA-2048"),
            ("APPLE_PAY", "EC P-256"),
            ("DISTRIBUTION", "RSA-2048")
        ]
    );
    let table = env.run(&["keys", "list"]).await;
    let header = table.ok().lines().next().unwrap().to_owned();
    assert!(header.contains("ALGORITHM"), "{header}");
    assert_eq!(table.stdout.matches("EC P-256").count(), 2, "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn a_keys_csr_for_a_type_that_takes_another_kind_of_key_is_refused() {
    let env = Env::start().await;
    let pay_csr = env.path("pay.csr");
    env.run(&[
        "keys",
        "generate",
        "--type",
        "APPLE_PAY",
        "--common-name",
        "CI",
        "--email",
        "ci@example.com",
        "--csr-out",
        pay_csr.to_str().unwrap(),
    ])
    .await
    .ok();
    let list = env.run(&["keys", "list", "--json"]).await.json();
    // A key's CSR is refused for a type that takes another kind of key, and given for its own.
    let ec_key = list[0]["keyId"].as_str().unwrap();
    let refused = env.run(&["keys", "csr", ec_key, "--type", "DEVELOPMENT"]).await;
    let stderr = refused.fails_with(2);
    assert!(
        stderr.contains("is an EC P-256 key; DEVELOPMENT certificates take an RSA-2048 key"),
        "{stderr}"
    );
    assert!(stderr.contains("ascert keys csr --type DEVELOPMENT"), "{stderr}");
    let again_path = env.path("again.csr");
    let again = env
        .run(&[
            "keys",
            "csr",
            ec_key,
            "--type",
            "APPLE_PAY",
            "--out",
            again_path.to_str().unwrap(),
        ])
        .await;
    again.ok();
    assert_eq!(public_key("req", &again_path), public_key("req", &pay_csr));
    let neither = env.run(&["keys", "csr"]).await;
    assert!(neither.fails_with(2).contains("--type"), "{}", neither.stderr);
}

#[tokio::test(flavor = "multi_thread")]
async fn ec_keys_are_encrypted_at_rest_and_still_listed_as_ec_without_the_passphrase() {
    let env = Env::start().await;
    let passphrase = [("ASCERT_KEY_PASSPHRASE", "a passphrase for the keys")];
    let generated = env
        .run_with(
            &passphrase,
            &[
                "--json",
                "keys",
                "generate",
                "--type",
                "APPLE_PAY",
                "--common-name",
                "CI",
                "--email",
                "ci@example.com",
            ],
        )
        .await;
    generated.ok();
    assert_eq!(generated.json()["encrypted"], true);
    assert_eq!(generated.json()["keyAlgorithm"], "EC P-256");
    let key_id = generated.json()["keyId"].as_str().unwrap().to_owned();
    let file = env.home().join("keys").join(format!("{key_id}.key.pem"));
    assert_eq!(mode(&file), 0o600);
    assert!(
        std::fs::read_to_string(&file)
            .unwrap()
            .starts_with("-----BEGIN ENCRYPTED PRIVATE KEY-----")
    );
    let text = openssl(&[
        "pkey",
        "-in",
        file.to_str().unwrap(),
        "-passin",
        "pass:a passphrase for the keys",
        "-noout",
        "-text",
    ]);
    assert!(text.contains("NIST CURVE: P-256"), "{text}");
    let listed = env.run(&["keys", "list", "--json"]).await.json();
    assert_eq!(listed[0]["keyAlgorithm"], "EC P-256");
    assert_eq!(listed[0]["encrypted"], true);
}

#[tokio::test(flavor = "multi_thread")]
async fn ec_keys_import_from_openssl_sec1_pem_and_p12() {
    let env = Env::start().await;
    // `openssl ecparam -genkey` writes EC PARAMETERS, then the key as SEC1.
    let sec1 = env.path("ec.pem");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-out",
        sec1.to_str().unwrap(),
    ]);
    let imported = env
        .run(&["--json", "keys", "import", sec1.to_str().unwrap()])
        .await;
    imported.ok();
    assert_eq!(imported.json()["keyAlgorithm"], "EC P-256");
    let key_id = imported.json()["keyId"].as_str().unwrap().to_owned();
    let exported = env.path("exported.pem");
    env.run(&["keys", "export", &key_id, "--out", exported.to_str().unwrap()])
        .await
        .ok();
    assert!(
        std::fs::read_to_string(&exported)
            .unwrap()
            .starts_with("-----BEGIN PRIVATE KEY-----"),
        "kept and exported as PKCS#8"
    );
    assert_eq!(public_key("pkey", &exported), public_key("pkey", &sec1));

    // A .p12 that OpenSSL made of another EC key and a certificate, in its default (modern) form
    // and with -legacy.
    let key = env.path("p12-key.pem");
    let cert = env.path("p12-cert.pem");
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-subj",
        "/CN=Apple Pay Test",
        "-days",
        "1",
    ]);
    for (name, legacy) in [("modern.p12", false), ("legacy.p12", true)] {
        let p12 = env.path(name);
        let mut args = vec![
            "pkcs12",
            "-export",
            "-inkey",
            key.to_str().unwrap(),
            "-in",
            cert.to_str().unwrap(),
            "-out",
            p12.to_str().unwrap(),
            "-passout",
            "pass:a long enough password",
        ];
        if legacy {
            args.push("-legacy");
        }
        openssl(&args);
        let home = env.path(&format!("home-{name}"));
        let mut command = env.bare();
        command
            .env("ASCERT_HOME", &home)
            .env("ASCERT_P12_PASSWORD", "a long enough password")
            .args(["--json", "keys", "import", p12.to_str().unwrap()]);
        let imported = crate::support::run(command).await;
        imported.ok();
        assert_eq!(imported.json()["keyAlgorithm"], "EC P-256", "{name}");
        assert_eq!(imported.json()["label"], "Apple Pay Test", "{name}");
        assert!(imported.json()["serialNumber"].is_string(), "{name}");
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn imports_say_what_the_file_is_when_it_is_not_a_key_to_import() {
    let env = Env::start().await;
    let import = |file: std::path::PathBuf, vars: Vec<(&'static str, &'static str)>| {
        let mut command = env.bare();
        command
            .envs(vars)
            .args(["keys", "import"])
            .arg(file)
            .args(["--password-env", "P12_PASSWORD"]);
        crate::support::run(command)
    };
    // An EC key encrypted in OpenSSL's old form: said so, not aws-lc's "UnexpectedError".
    let sec1 = env.path("ec.pem");
    openssl(&[
        "ecparam",
        "-name",
        "prime256v1",
        "-genkey",
        "-noout",
        "-out",
        sec1.to_str().unwrap(),
    ]);
    let legacy = env.path("ec-legacy-encrypted.pem");
    openssl(&[
        "ec",
        "-in",
        sec1.to_str().unwrap(),
        "-aes256",
        "-passout",
        "pass:a long enough password",
        "-out",
        legacy.to_str().unwrap(),
    ]);
    let refused = import(legacy, vec![]).await;
    let stderr = refused.fails_with(1);
    assert!(!stderr.contains("UnexpectedError"), "{stderr}");
    assert!(stderr.contains("OpenSSL's old form"), "{stderr}");

    // An App Store Connect API key, as a .p8 or as fastlane's JSON.
    let refused = import(env.private_key.clone(), vec![]).await;
    let stderr = refused.fails_with(2);
    assert!(stderr.contains("is an App Store Connect API key"), "{stderr}");
    assert!(stderr.contains("--api-key"), "{stderr}");
    let refused = import(env.api_key_json.clone(), vec![]).await;
    let stderr = refused.fails_with(2);
    assert!(
        stderr.contains("is JSON: an App Store Connect API key file"),
        "{stderr}"
    );

    // Text that is not PEM at all.
    let text = env.path("notes.txt");
    std::fs::write(&text, "hello world\n").unwrap();
    let refused = import(text, vec![]).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("no -----BEGIN line"), "{stderr}");
    assert!(!stderr.contains("damaged"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_wrong_p12_password_is_said_in_words_and_a_key_only_p12_is_imported() {
    let env = Env::start().await;
    let import = |file: std::path::PathBuf, vars: Vec<(&'static str, &'static str)>| {
        let mut command = env.bare();
        command
            .envs(vars)
            .args(["keys", "import"])
            .arg(file)
            .args(["--password-env", "P12_PASSWORD"]);
        crate::support::run(command)
    };
    // A .p12 with a wrong password: what is likely, in words.
    let key = env.path("p12-key.pem");
    openssl(&["genrsa", "-out", key.to_str().unwrap(), "2048"]);
    let cert = env.path("p12-cert.pem");
    openssl(&[
        "req",
        "-x509",
        "-key",
        key.to_str().unwrap(),
        "-out",
        cert.to_str().unwrap(),
        "-subj",
        "/CN=Jane",
        "-days",
        "1",
    ]);
    let p12 = env.path("jane.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        key.to_str().unwrap(),
        "-in",
        cert.to_str().unwrap(),
        "-out",
        p12.to_str().unwrap(),
        "-passout",
        "pass:a long enough password",
    ]);
    let refused = import(p12, vec![("P12_PASSWORD", "not the password")]).await;
    let stderr = refused.fails_with(1);
    assert!(
        stderr.contains("wrong password, or the PKCS#12 file is damaged"),
        "{stderr}"
    );
    assert!(!stderr.contains("MAC"), "{stderr}");

    // A .p12 that holds the key alone: its key is imported.
    let key_only = env.path("key-only.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-nocerts",
        "-inkey",
        key.to_str().unwrap(),
        "-out",
        key_only.to_str().unwrap(),
        "-passout",
        "pass:a long enough password",
    ]);
    let imported = import(key_only, vec![("P12_PASSWORD", "a long enough password")]).await;
    imported.ok();
    assert!(imported.stderr.contains("Imported key"), "{imported:?}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_passphrase_set_for_one_command_says_the_keystore_is_now_encrypted_only() {
    let env = Env::start().await;
    env.run(&["keys", "generate", "--label", "plain"]).await.ok();
    let generated = env
        .run_with(
            &[("ASCERT_KEY_PASSPHRASE", "a long enough passphrase")],
            &["keys", "generate", "--label", "encrypted"],
        )
        .await;
    generated.ok();
    assert!(
        generated.stderr.contains("now keeps its keys encrypted")
            && generated
                .stderr
                .contains("refuses to write a key without that passphrase")
            && generated.stderr.contains("1 key written before is not encrypted"),
        "{}",
        generated.stderr
    );
    // Said once, when it happens.
    let again = env
        .run_with(
            &[("ASCERT_KEY_PASSPHRASE", "a long enough passphrase")],
            &["keys", "generate", "--label", "another"],
        )
        .await;
    again.ok();
    assert!(
        !again.stderr.contains("now keeps its keys encrypted"),
        "{}",
        again.stderr
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_exported_keys_passphrase_needs_12_characters_as_every_other() {
    let env = Env::start().await;
    let generated = env.run(&["--json", "keys", "generate"]).await;
    generated.ok();
    let key_id = generated.json()["keyId"].as_str().unwrap().to_owned();
    let out = env.path("key.pem");
    let refused = env
        .run_with(
            &[("EXPORT_PASSPHRASE", "abc")],
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
    let stderr = refused.fails_with(2);
    assert!(stderr.contains("shorter than 12 characters"), "{stderr}");
    assert!(!out.exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csr_file_in_a_missing_folder_is_refused_before_a_key_is_made() {
    let env = Env::start().await;
    let out = env.path("no-such-folder").join("ci.csr");
    let refused = env
        .run(&["keys", "generate", "--csr-out", out.to_str().unwrap()])
        .await;
    let stderr = refused.fails_with(2);
    assert!(stderr.contains("does not exist"), "{stderr}");
    assert!(env.key_records().is_empty(), "no key was made");
}
