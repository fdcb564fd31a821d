//! Apple Pay payment processing (`APPLE_PAY`): Apple takes an EC P-256 CSR for it (TN3206), RSA-2048
//! for every other type. `certificates create --type APPLE_PAY` makes the EC key by itself; the
//! certificate carries that key; the .p12, in both forms, opens in OpenSSL, Python's `cryptography`
//! (the pinned one of `target/conformance-venv`, as the sandbox's conformance test finds it) and
//! Java's `keytool`, each with an EC private key. A key left pending by an unfinished run is taken
//! up only by a request of its own algorithm.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use base64::Engine as _;

use crate::support::{Env, mode, openssl};

const IDENTITY: [&str; 4] = ["--common-name", "Jane Appleseed", "--email", "jane@example.com"];
const PASSWORD: &str = "correct horse battery";
const MERCHANT: &str = "merchant.com.example";

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The interpreter of the conformance virtualenv (`ASCERT_CONFORMANCE_PYTHON` names another), or a
/// failure that says how to install it: this test never skips.
fn conformance_python() -> PathBuf {
    let python = std::env::var_os("ASCERT_CONFORMANCE_PYTHON").map_or_else(
        || workspace_root().join("target/conformance-venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        python.is_file(),
        "Python's cryptography is not installed ({} is missing); install it from the workspace root \
         with:\n  python3 -m venv target/conformance-venv && target/conformance-venv/bin/pip install \
         -r crates/sandbox/tests/third_party/requirements.txt\n(.ci/run does this)",
        python.display()
    );
    python
}

/// `keytool` from `PATH`, or a failure that says how to install it.
fn keytool() -> PathBuf {
    std::env::var_os("PATH")
        .and_then(|path| {
            std::env::split_paths(&path)
                .map(|dir| dir.join("keytool"))
                .find(|candidate| candidate.is_file())
        })
        .unwrap_or_else(|| {
            panic!(
                "keytool (Java's key and certificate tool) is not on PATH; install a Java runtime, \
                 e.g. `apt-get install default-jre-headless` (.ci/run does this)"
            )
        })
}

fn output(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// The DER of the first PEM block of `text`.
fn pem_der(text: &str) -> Vec<u8> {
    let body: String = text
        .lines()
        .skip_while(|l| !l.starts_with("-----BEGIN"))
        .skip(1)
        .take_while(|l| !l.starts_with("-----END"))
        .collect();
    base64::engine::general_purpose::STANDARD.decode(body).unwrap()
}

fn hex(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Loads a .p12 with `cryptography`, signs with its key and verifies with its certificate.
const PYTHON_READER: &str = r#"
import json, os, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12

p12 = pkcs12.load_pkcs12(open(sys.argv[1], "rb").read(), os.environ["P12_PASSWORD"].encode())
key, cert = p12.key, p12.cert.certificate
spki = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex()
signature = key.sign(b"ascert", ec.ECDSA(hashes.SHA256()))
cert.public_key().verify(signature, b"ascert", ec.ECDSA(hashes.SHA256()))
print(json.dumps({
    "ec": isinstance(key, ec.EllipticCurvePrivateKey),
    "curve": key.curve.name,
    "public_key": spki(key.public_key()),
    "certificate_public_key": spki(cert.public_key()),
    "additional_certificates": len(p12.additional_certs),
}))
"#;

/// Checks that OpenSSL, `cryptography` and `keytool` each open `p12` and find an EC P-256 private
/// key whose public key is `spki`, the certificate's.
fn check_p12_opens_everywhere_with_the_ec_key(p12: &Path, form: &str, spki: &[u8]) {
    // OpenSSL: the compatible form (3DES) needs -legacy, as OpenSSL 3's documentation says.
    let key_pem = p12.with_extension("key.pem");
    let mut args = vec![
        "pkcs12",
        "-in",
        s(p12),
        "-passin",
        "pass:correct horse battery",
        "-nocerts",
        "-nodes",
        "-out",
        s(&key_pem),
    ];
    if form == "compatible" {
        args.push("-legacy");
    }
    openssl(&args);
    let described = openssl(&["pkey", "-in", s(&key_pem), "-noout", "-text"]);
    assert!(
        described.contains("Private-Key: (256 bit)") && described.contains("NIST CURVE: P-256"),
        "{form}: {described}"
    );
    let public = openssl(&["pkey", "-in", s(&key_pem), "-pubout"]);
    assert_eq!(
        pem_der(&public),
        spki,
        "{form}: OpenSSL's key is the certificate's"
    );

    // Python's cryptography.
    let read = output(
        Command::new(conformance_python())
            .args(["-c", PYTHON_READER])
            .arg(p12)
            .env("P12_PASSWORD", PASSWORD)
            .env("PYTHONNOUSERSITE", "1"),
    );
    assert!(read.status.success(), "{form}: {}", text(&read));
    let seen: serde_json::Value = serde_json::from_slice(&read.stdout).unwrap();
    assert_eq!(seen["ec"], true, "{form}: {seen}");
    assert_eq!(seen["curve"], "secp256r1", "{form}: {seen}");
    assert_eq!(seen["public_key"], hex(spki), "{form}: {seen}");
    assert_eq!(seen["certificate_public_key"], hex(spki), "{form}: {seen}");
    assert_eq!(seen["additional_certificates"], 1, "{form}: the intermediate");

    // keytool: a private key entry with an EC key, which signs a CSR that OpenSSL verifies.
    let keytool = keytool();
    let listed = output(
        Command::new(&keytool)
            .args(["-list", "-v", "-storetype", "PKCS12", "-keystore", s(p12)])
            .args(["-storepass:env", "P12_PASSWORD"])
            .env("P12_PASSWORD", PASSWORD),
    );
    let out = text(&listed);
    assert!(listed.status.success(), "{form}: {out}");
    assert!(out.contains("Entry type: PrivateKeyEntry"), "{form}: {out}");
    assert!(out.contains("Certificate chain length: 2"), "{form}: {out}");
    assert!(
        out.contains("Subject Public Key Algorithm: 256-bit EC (secp256r1) key"),
        "{form}: {out}"
    );
    let alias = out
        .lines()
        .find_map(|l| l.strip_prefix("Alias name: "))
        .unwrap_or_else(|| panic!("{form}: no alias in {out}"))
        .to_owned();
    let csr = p12.with_extension("keytool.csr");
    let request = output(
        Command::new(&keytool)
            .args(["-certreq", "-storetype", "PKCS12", "-keystore", s(p12)])
            .args([
                "-storepass:env",
                "P12_PASSWORD",
                "-alias",
                &alias,
                "-file",
                s(&csr),
            ])
            .env("P12_PASSWORD", PASSWORD),
    );
    assert!(request.status.success(), "{form}: {}", text(&request));
    let verified = openssl(&["req", "-in", s(&csr), "-verify", "-noout", "-text"]);
    assert!(verified.contains("verify OK"), "{form}: {verified}");
    assert!(
        verified.contains("Signature Algorithm: ecdsa-with-SHA256"),
        "{form}: {verified}"
    );
    let public = openssl(&["req", "-in", s(&csr), "-noout", "-pubkey"]);
    assert_eq!(
        pem_der(&public),
        spki,
        "{form}: keytool's key is the certificate's"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn apple_pay_makes_an_ec_p256_key_whose_p12_opens_in_openssl_cryptography_and_keytool() {
    let env = Env::start().await;
    let p12 = env.path("pay.p12");
    let mut args = vec![
        "certificates",
        "create",
        "--type",
        "APPLE_PAY",
        "--merchant-id",
        MERCHANT,
        "--p12",
        s(&p12),
        "--json",
    ];
    args.extend(IDENTITY);
    let created = env.run_with(&[("ASCERT_P12_PASSWORD", PASSWORD)], &args).await;
    created.ok();
    let json = created.json();
    assert_eq!(json["outcome"], "created");
    assert_eq!(json["certificate"]["attributes"]["certificateType"], "APPLE_PAY");
    let key_id = json["keyId"].as_str().unwrap().to_owned();

    // The key ascert made by itself is EC P-256, kept 0600, and listed as such.
    let key_file = env.home().join("keys").join(format!("{key_id}.key.pem"));
    assert_eq!(mode(&key_file), 0o600);
    let described = openssl(&["pkey", "-in", s(&key_file), "-noout", "-text"]);
    assert!(
        described.contains("Private-Key: (256 bit)") && described.contains("NIST CURVE: P-256"),
        "{described}"
    );
    let spki = pem_der(&openssl(&["pkey", "-in", s(&key_file), "-pubout"]));
    let keys = env.run(&["keys", "list", "--json"]).await.json();
    assert_eq!(keys.as_array().unwrap().len(), 1, "{keys}");
    assert_eq!(keys[0]["keyId"], key_id.as_str());
    assert_eq!(keys[0]["keyAlgorithm"], "EC P-256");
    assert_eq!(keys[0]["certificateId"], json["certificate"]["id"]);

    // The certificate's public key is that key.
    let content = json["certificate"]["attributes"]["certificateContent"]
        .as_str()
        .unwrap();
    let der = env.path("pay.cer");
    std::fs::write(
        &der,
        base64::engine::general_purpose::STANDARD.decode(content).unwrap(),
    )
    .unwrap();
    let certificate_key = openssl(&["x509", "-inform", "DER", "-in", s(&der), "-noout", "-pubkey"]);
    assert_eq!(
        pem_der(&certificate_key),
        spki,
        "the certificate carries the new key"
    );
    assert_eq!(
        ascert_keystore::CertificateInfo::from_der(&std::fs::read(&der).unwrap())
            .unwrap()
            .key_id()
            .to_string(),
        key_id
    );

    // The .p12 create wrote (the compatible form), and the modern form from `identities export`.
    assert_eq!(mode(&p12), 0o600);
    check_p12_opens_everywhere_with_the_ec_key(&p12, "compatible", &spki);
    let modern = env.path("pay-modern.p12");
    let certificate_id = json["certificate"]["id"].as_str().unwrap();
    env.run_with(
        &[("ASCERT_P12_PASSWORD", PASSWORD)],
        &[
            "identities",
            "export",
            certificate_id,
            "--p12",
            s(&modern),
            "--modern",
        ],
    )
    .await
    .ok();
    check_p12_opens_everywhere_with_the_ec_key(&modern, "modern", &spki);

    // And `keys import` of the .p12 on another machine gets the same EC key back.
    let other = env.path("other-home");
    let mut command = env.bare();
    command
        .env("ASCERT_HOME", &other)
        .env("ASCERT_P12_PASSWORD", PASSWORD)
        .args(["keys", "import", s(&p12), "--json"]);
    let imported = crate::support::run(command).await;
    imported.ok();
    assert_eq!(imported.json()["keyId"], key_id.as_str());
    assert_eq!(imported.json()["keyAlgorithm"], "EC P-256");
}

/// Writes into the test's keystore a key left pending for a `certificate_type` request with the
/// subject of [`IDENTITY`], as a run that stopped before its certificate arrived leaves it; with
/// `older`, its record is the one an earlier version wrote (no `keyAlgorithm`).
fn plant_pending(env: &Env, made_for: &str, recorded_as: &str, older: bool) -> String {
    use ascert_keystore::{CsrSubject, Keystore};
    let store = Keystore::open(env.home().join("keys")).unwrap();
    let subject = CsrSubject::new(IDENTITY[1], IDENTITY[3]).with_country("US");
    let made_for = serde_json::from_value(serde_json::json!(made_for)).unwrap();
    let (record, _) = store.generate_pending("planted", made_for, &subject).unwrap();
    let path = store.record_path(&record.key_id);
    let mut json: serde_json::Value = serde_json::from_slice(&std::fs::read(&path).unwrap()).unwrap();
    json["certificateType"] = serde_json::json!(recorded_as);
    if older {
        json.as_object_mut().unwrap().remove("keyAlgorithm");
    }
    std::fs::write(&path, serde_json::to_vec_pretty(&json).unwrap()).unwrap();
    record.key_id.to_string()
}

#[tokio::test(flavor = "multi_thread")]
async fn an_rsa_key_left_pending_for_apple_pay_is_not_taken_for_its_ec_request() {
    let env = Env::start().await;
    // An earlier version made RSA-2048 keys for every type, APPLE_PAY too, and the run stopped.
    let planted = plant_pending(&env, "DEVELOPMENT", "APPLE_PAY", true);
    let mut args = vec![
        "certificates",
        "create",
        "--type",
        "APPLE_PAY",
        "--merchant-id",
        MERCHANT,
    ];
    args.extend(IDENTITY);
    // Whether App Store Connect answers or not, the request is made with a new EC key.
    let run = env.run(&args).await;
    assert!(!run.stderr.contains("Reusing key"), "{}", run.stderr);
    let records = env.key_records();
    assert_eq!(records.len(), 2, "a new key beside the planted one: {records:?}");
    let new = records.iter().find(|r| r["keyId"] != planted.as_str()).unwrap();
    assert_eq!(new["keyAlgorithm"], "EC P-256", "{new}");
    assert_eq!(new["certificateType"], "APPLE_PAY", "{new}");
    let old = records.iter().find(|r| r["keyId"] == planted.as_str()).unwrap();
    assert!(
        old.get("certificateId").is_none(),
        "the planted key is left alone: {old}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn an_ec_key_left_pending_is_not_taken_for_an_rsa_type() {
    let env = Env::start().await;
    let planted = plant_pending(&env, "APPLE_PAY", "DISTRIBUTION", false);
    let mut args = vec!["certificates", "create", "--type", "DISTRIBUTION", "--json"];
    args.extend(IDENTITY);
    let run = env.run(&args).await;
    run.ok();
    assert_eq!(run.json()["reusedKey"], false);
    let key_id = run.json()["keyId"].as_str().unwrap().to_owned();
    assert_ne!(key_id, planted);
    let keys = env.run(&["keys", "list", "--json"]).await.json();
    let new = keys
        .as_array()
        .unwrap()
        .iter()
        .find(|k| k["keyId"] == key_id.as_str())
        .unwrap();
    assert_eq!(new["keyAlgorithm"], "RSA-2048", "{new}");
    // The same request again, once more interrupted before its certificate: a pending RSA key of
    // the right kind is taken up (the planted EC one still is not).
    let again = plant_pending(&env, "DISTRIBUTION", "DISTRIBUTION", true);
    let run = env.run(&args).await;
    run.ok();
    assert_eq!(run.json()["reusedKey"], true, "{}", run.stderr);
    assert_eq!(run.json()["keyId"], again.as_str());
}
