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

/// A CA of the test's own, as the developer website's "Developer ID" CA stands in for here: its
/// PEM certificate in `dir/ca.pem`, and what signs with it.
fn website_ca(dir: &std::path::Path) -> rcgen::Issuer<'static, rcgen::KeyPair> {
    let key = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.is_ca = rcgen::IsCa::Ca(rcgen::BasicConstraints::Unconstrained);
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Test Developer ID Certification Authority",
    );
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "Example CA");
    params.key_usages = vec![rcgen::KeyUsagePurpose::KeyCertSign];
    let ca = params.self_signed(&key).unwrap();
    std::fs::create_dir_all(dir).unwrap();
    std::fs::write(dir.join("ca.pem"), ca.pem()).unwrap();
    rcgen::Issuer::new(params, key)
}

#[tokio::test(flavor = "multi_thread")]
async fn a_certificate_from_the_website_is_imported_and_exported_by_its_key_id() {
    // A Developer ID Installer certificate: the API neither makes nor lists it, so the website
    // signs the CSR of a key kept here, and `identities import` pairs what it downloads.
    let env = Env::start().await;
    let generated = env
        .run(&[
            "keys",
            "generate",
            "--common-name",
            "Installer",
            "--email",
            "i@example.com",
            "--label",
            "installer",
            "--csr-out",
            "installer.csr",
            "--json",
        ])
        .await;
    generated.ok();
    let key_id = generated.json()["keyId"].as_str().unwrap().to_owned();
    let ca_dir = env.path("ca");
    let ca = website_ca(&ca_dir);
    let csr = std::fs::read_to_string(env.path("installer.csr")).unwrap();
    let mut request = rcgen::CertificateSigningRequestParams::from_pem(&csr).unwrap();
    request.params.distinguished_name = rcgen::DistinguishedName::new();
    request.params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Developer ID Installer: Example Ltd (Q4R7T2W9XZ)",
    );
    request.params.use_authority_key_identifier_extension = true;
    let issued = request.signed_by(&ca).unwrap();
    std::fs::write(env.path("developerID_installer.cer"), issued.der()).unwrap();

    let imported = env
        .run(&["identities", "import", "developerID_installer.cer", "--json"])
        .await;
    imported.ok();
    let json = imported.json();
    assert_eq!(json["keyId"], key_id.as_str());
    assert_eq!(json["listed"], false, "App Store Connect does not list it");
    assert_eq!(json["name"], "Developer ID Installer: Example Ltd (Q4R7T2W9XZ)");

    let p12 = env.path("installer.p12");
    env.run_with(
        &[("P12_PASSWORD", "correct horse battery")],
        &[
            "identities",
            "export",
            &key_id[..12],
            "--p12",
            p12.to_str().unwrap(),
            "--password-env",
            "P12_PASSWORD",
            "--ca-dir",
            ca_dir.to_str().unwrap(),
        ],
    )
    .await
    .ok();
    assert_eq!(mode(&p12), 0o600);
    let info = openssl(&[
        "pkcs12",
        "-in",
        p12.to_str().unwrap(),
        "-nokeys",
        "-passin",
        "pass:correct horse battery",
        "-legacy",
    ]);
    assert!(info.contains("Developer ID Installer: Example Ltd"), "{info}");
    assert!(
        info.contains("Test Developer ID Certification Authority"),
        "the intermediate: {info}"
    );

    // A certificate for a key that is not here is refused, and nothing is recorded.
    let stranger = rcgen::KeyPair::generate().unwrap();
    let mut params = rcgen::CertificateParams::new(Vec::<String>::new()).unwrap();
    params.distinguished_name.push(
        rcgen::DnType::CommonName,
        "Developer ID Installer: Someone Else (ZZZZZZZZZZ)",
    );
    let foreign = params.signed_by(&stranger, &ca).unwrap();
    std::fs::write(env.path("foreign.cer"), foreign.pem()).unwrap();
    let refused = env.run(&["identities", "import", "foreign.cer"]).await;
    let stderr = refused.fails_with(4);
    assert!(
        stderr.contains("no key in") && stderr.contains("keys import"),
        "{stderr}"
    );
}

/// The rows of `identities list --json ARGS`.
async fn listed(env: &Env, args: &[&str]) -> Vec<serde_json::Value> {
    let run = env.run(&[&["identities", "list", "--json"], args].concat()).await;
    run.ok();
    run.json().as_array().unwrap().clone()
}

#[tokio::test(flavor = "multi_thread")]
async fn list_finds_my_identity_among_the_teams_by_type_state_and_expiry() {
    let env = Env::with(Sandbox::builder().seed_certificates(30)).await;
    env.run(&["identities", "ensure", "--type", "DISTRIBUTION"])
        .await
        .ok();
    env.run(&[
        "keys",
        "generate",
        "--common-name",
        "P",
        "--email",
        "p@example.com",
    ])
    .await
    .ok();
    let all = listed(&env, &[]).await;
    assert!(all.len() > 30, "{all:?}");

    // My one paired row, out of more than 30.
    let paired = listed(&env, &["--state", "paired"]).await;
    assert_eq!(paired.len(), 1, "{paired:?}");
    assert_eq!(paired[0]["certificateType"], "DISTRIBUTION");
    let mine = listed(&env, &["--state", "paired", "--state", "key-only"]).await;
    assert_eq!(mine.len(), 2, "{mine:?}");

    let distribution = listed(&env, &["--type", "DISTRIBUTION"]).await;
    assert!(!distribution.is_empty());
    assert!(
        distribution
            .iter()
            .all(|r| r["certificateType"] == "DISTRIBUTION"),
        "{distribution:?}"
    );
    let expected = all
        .iter()
        .filter(|r| r["certificateType"] == "DISTRIBUTION")
        .count();
    assert_eq!(distribution.len(), expected);

    // Sorted by expiry: soonest first, rows without a certificate last; -expires the reverse.
    let by_expiry = listed(&env, &["--sort", "expires"]).await;
    let expires: Vec<Option<&str>> = by_expiry.iter().map(|r| r["expires"].as_str()).collect();
    let dated: Vec<&str> = expires.iter().map_while(|e| *e).collect();
    assert!(dated.is_sorted(), "{expires:?}");
    assert!(
        expires[dated.len()..].iter().all(Option::is_none),
        "undated rows last: {expires:?}"
    );
    assert!(
        dated.iter().all(|e| e.ends_with('Z')),
        "RFC 3339 in UTC: {dated:?}"
    );
    let latest_first = listed(&env, &["--sort", "-expires"]).await;
    let dated_down: Vec<&str> = latest_first.iter().map_while(|r| r["expires"].as_str()).collect();
    assert!(dated_down.iter().rev().is_sorted(), "{dated_down:?}");

    // Expiring within DAYS: not expired, at most DAYS days left; every row with fewer is there.
    let soonest = all
        .iter()
        .filter_map(|r| r["daysLeft"].as_i64())
        .filter(|d| *d > 0)
        .min()
        .unwrap();
    let days = soonest + 10;
    let expiring = listed(&env, &["--expiring-within", &days.to_string()]).await;
    assert!(!expiring.is_empty());
    for row in &expiring {
        let left = row["daysLeft"].as_i64().unwrap();
        assert!((0..=days).contains(&left), "{row}");
    }
    let fewer = all
        .iter()
        .filter(|r| r["daysLeft"].as_i64().is_some_and(|d| d > 0 && d < days))
        .count();
    assert!(expiring.len() >= fewer, "{expiring:?}");

    let none = env
        .run(&["identities", "list", "--state", "paired", "--type", "DEVELOPMENT"])
        .await;
    none.ok();
    assert!(none.stderr.contains("matches the filters"), "{}", none.stderr);
    let refused = env.run(&["identities", "list", "--state", "lost"]).await;
    refused.fails_with(2);
}

#[tokio::test(flavor = "multi_thread")]
async fn name_is_the_display_name_as_in_certificates_list_and_the_label_has_its_own_column() {
    let env = Env::start().await;
    let ensured = env
        .run(&["identities", "ensure", "--type", "DISTRIBUTION", "--json"])
        .await;
    ensured.ok();
    let id = ensured.json()["certificateId"].as_str().unwrap().to_owned();
    let certificate = env.run(&["certificates", "get", &id, "--json"]).await.json();
    let display_name = certificate["attributes"]["displayName"].as_str().unwrap();
    let rows = listed(&env, &[]).await;
    assert_eq!(rows[0]["displayName"], display_name, "{rows:?}");

    // Piped, the table is in full: NAME is the display name, LABEL the key's.
    let table = env.run(&["identities", "list"]).await;
    let text = table.ok();
    let header = text.lines().next().unwrap();
    assert!(
        header.starts_with("STATUS  CERTIFICATE  TYPE")
            && header.contains("NAME")
            && header.contains("LABEL"),
        "{text}"
    );
    let certificates = env.run(&["certificates", "list"]).await;
    assert!(certificates.ok().contains(display_name));
    let row = text.lines().nth(1).unwrap();
    assert!(row.contains(display_name), "{text}");
    assert!(row.contains(rows[0]["keyLabel"].as_str().unwrap()), "{text}");
}

#[tokio::test(flavor = "multi_thread")]
async fn export_works_offline_from_the_cached_certificate_and_says_so() {
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
    let password = [("ASCERT_P12_PASSWORD", "a long p12 password")];

    // Nothing listens there: Apple cannot be asked, and the cached certificate is exported.
    let offline = env
        .run_with(
            &[password[0], ("ASCERT_BASE_URL", "http://127.0.0.1:1")],
            &["identities", "export", &id, "--p12", "offline.p12"],
        )
        .await;
    offline.ok();
    assert!(
        offline.stderr.contains("offline") && offline.stderr.contains("cached in the local keystore"),
        "{}",
        offline.stderr
    );
    assert!(
        !offline.stderr.contains("retry"),
        "asked once, not retried: {}",
        offline.stderr
    );
    let info = openssl(&[
        "pkcs12",
        "-in",
        env.path("offline.p12").to_str().unwrap(),
        "-nokeys",
        "-passin",
        "pass:a long p12 password",
        "-legacy",
    ]);
    assert!(info.contains("BEGIN CERTIFICATE"), "{info}");

    // Without an API key at all, the same.
    let mut bare = env.bare();
    bare.envs(password)
        .args(["identities", "export", &id, "--p12", "no-key.p12"]);
    let no_key = crate::support::run(bare).await;
    no_key.ok();
    assert!(
        no_key.stderr.contains("no App Store Connect API key"),
        "{}",
        no_key.stderr
    );

    // Online, Apple is asked, and a certificate it no longer lists is not exported from the cache.
    let online = env
        .run_with(&password, &["identities", "export", &id, "--p12", "online.p12"])
        .await;
    online.ok();
    assert!(!online.stderr.contains("offline"), "{}", online.stderr);
    env.run(&["certificates", "revoke", &id, "--yes"]).await.ok();
    let revoked = env
        .run_with(&password, &["identities", "export", &id, "--p12", "revoked.p12"])
        .await;
    revoked.fails_with(4);
    assert!(!env.path("revoked.p12").exists());
}
