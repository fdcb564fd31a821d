//! `ascert demo`: the main job, end to end, without credentials.

use crate::support::{Env, mode, openssl, run};

/// The password the demo prints for its .p12.
fn password_from(stdout: &str) -> String {
    let line = stdout
        .lines()
        .find(|l| l.contains("Its password"))
        .expect("the demo shows the password");
    line.rsplit(": ").next().unwrap().trim().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_writes_a_p12_that_openssl_reads() {
    let env = Env::start().await;
    let out = env.path("out");
    let mut command = env.bare();
    command.args(["demo", "--out-dir"]).arg(&out);
    let result = run(command).await;
    let stdout = result.ok();
    assert!(
        stdout.contains("Started an App Store Connect sandbox"),
        "{stdout}"
    );
    assert!(
        stdout.contains("ascert certificates create --type DISTRIBUTION"),
        "{stdout}"
    );
    let p12 = out.join("ascert-demo.p12");
    assert_eq!(mode(&p12), 0o600);
    let password = format!("pass:{}", password_from(stdout));
    let p12 = p12.to_str().unwrap();
    let info = openssl(&["pkcs12", "-info", "-in", p12, "-passin", &password, "-noenc"]);
    assert!(info.contains("pbeWithSHA1And3-KeyTripleDES-CBC"), "{info}");
    assert!(info.contains("MAC: sha1"), "{info}");
    assert!(
        info.contains("Apple Distribution: "),
        "the leaf is there:\n{info}"
    );
    assert!(
        info.contains("Worldwide Developer Relations"),
        "the intermediate is there:\n{info}"
    );
    assert!(info.contains("BEGIN PRIVATE KEY"), "the key is there");
    // The key matches the certificate: the same public key from both.
    let certificate = openssl(&["pkcs12", "-in", p12, "-passin", &password, "-clcerts", "-nokeys"]);
    let key = openssl(&["pkcs12", "-in", p12, "-passin", &password, "-nocerts", "-noenc"]);
    let cert_path = env.path("leaf.pem");
    let key_path = env.path("key.pem");
    std::fs::write(&cert_path, certificate).unwrap();
    std::fs::write(&key_path, key).unwrap();
    let from_cert = openssl(&["x509", "-in", cert_path.to_str().unwrap(), "-noout", "-pubkey"]);
    let from_key = openssl(&["pkey", "-in", key_path.to_str().unwrap(), "-pubout"]);
    assert_eq!(from_cert, from_key);
}

#[tokio::test(flavor = "multi_thread")]
async fn demo_json_reports_what_it_made() {
    let env = Env::start().await;
    let mut command = env.bare();
    command.args(["demo", "--json", "--out-dir"]).arg(env.path("out"));
    let result = run(command).await;
    result.ok();
    let json = result.json();
    assert_eq!(
        json["certificate"]["attributes"]["certificateType"],
        "DISTRIBUTION"
    );
    assert!(json["p12"].as_str().unwrap().ends_with("ascert-demo.p12"));
    assert!(json["certificatesListed"].as_u64().unwrap() >= 1);
}
