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
