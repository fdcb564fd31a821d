//! `ascert identities list | export` (`install`: keychain.rs).

use ascert_sandbox::Sandbox;

use crate::support::{Env, mode, openssl};

#[tokio::test(flavor = "multi_thread")]
async fn list_shows_paired_key_only_and_certificate_only() {
    let env = Env::with(Sandbox::builder().seed_certificates(2)).await;
    env.run(&[
        "certificates",
        "create",
        "--type",
        "DEVELOPMENT",
        "--common-name",
        "J",
        "--email",
        "j@example.com",
    ])
    .await
    .ok();
    env.run(&[
        "keys",
        "generate",
        "--common-name",
        "P",
        "--email",
        "p@example.com",
        "--csr-out",
        "p.csr",
    ])
    .await
    .ok();
    let result = env.run(&["identities", "list", "--json"]).await;
    result.ok();
    let rows = result.json();
    let statuses: Vec<&str> = rows
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["status"].as_str().unwrap())
        .collect();
    assert_eq!(statuses.iter().filter(|s| **s == "paired").count(), 1, "{rows}");
    assert_eq!(statuses.iter().filter(|s| **s == "key-only").count(), 1, "{rows}");
    assert_eq!(
        statuses.iter().filter(|s| **s == "certificate-only").count(),
        2,
        "{rows}"
    );
    let paired = rows
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["status"] == "paired")
        .unwrap();
    assert!(paired["daysLeft"].as_i64().unwrap() > 300);
    let table = env.run(&["identities", "list"]).await;
    assert!(table.ok().contains("key-only (pending)"), "{}", table.stdout);
}

#[tokio::test(flavor = "multi_thread")]
async fn export_writes_a_modern_p12_when_asked() {
    let env = Env::start().await;
    let created = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DISTRIBUTION",
            "--common-name",
            "J",
            "--email",
            "j@example.com",
            "--json",
        ])
        .await;
    created.ok();
    let id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let p12 = env.path("modern.p12");
    let args = [
        "identities",
        "export",
        &id,
        "--modern",
        "--password-env",
        "MY_PASSWORD",
        "--p12",
        p12.to_str().unwrap(),
    ];
    env.run_with(&[("MY_PASSWORD", "s3cret passphrase")], &args)
        .await
        .ok();
    assert_eq!(mode(&p12), 0o600);
    let info = openssl(&[
        "pkcs12",
        "-info",
        "-in",
        p12.to_str().unwrap(),
        "-passin",
        "pass:s3cret passphrase",
        "-noout",
    ]);
    assert!(info.contains("AES-256-CBC"), "{info}");
    assert!(info.contains("MAC: sha256"), "{info}");

    let no_password = env
        .run(&["identities", "export", &id, "--p12", "other.p12"])
        .await;
    no_password.fails_with(2);
    assert!(!env.path("other.p12").exists());
}

#[tokio::test(flavor = "multi_thread")]
async fn export_without_the_key_here_is_not_found() {
    let env = Env::with(Sandbox::builder().seed_certificates(1)).await;
    let list = env.run(&["certificates", "list", "--json"]).await.json();
    let id = list[0]["id"].as_str().unwrap().to_owned();
    let result = env
        .run_with(
            &[("ASCERT_P12_PASSWORD", "long-enough-pw")],
            &["identities", "export", &id, "--p12", "x.p12"],
        )
        .await;
    assert!(
        result.fails_with(4).contains("not on this machine"),
        "{}",
        result.stderr
    );
}
