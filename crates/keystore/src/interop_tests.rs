//! Tests that tools written by others open the .p12 files of this crate with an EC P-256 key (Apple
//! Pay payment processing), in both forms: OpenSSL (the compatible form with `-legacy`, as its
//! documentation asks for 3DES files), Python's `cryptography` and Java's `keytool`. Each must find
//! an EC private key whose public key is the leaf's, and prove it by signing with it.
//!
//! `cryptography` is the one pinned for the sandbox's conformance test, in the virtualenv `.ci/run`
//! makes at `target/conformance-venv` (`ASCERT_CONFORMANCE_PYTHON` names another interpreter), found
//! as that test finds it; `keytool` is looked up on `PATH`. Without either the tests fail, saying how
//! to install it: they never skip.

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

use crate::key::hex;
use crate::key::tests::test_ec_key;
use crate::pkcs12::tests::{Fixture, fixture_of};
use crate::{KeyAlgorithm, Pkcs12Options};

/// The password of the fixtures' .p12 files.
const PASSWORD: &str = "pa ss";
/// The common name of the fixtures' leaf, the key bag's friendlyName.
const COMMON_NAME: &str = "Apple Pay Payment Processing: merchant.com.example";

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

/// The interpreter of the conformance virtualenv, or a failure that says how to install it.
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
    let found = std::env::var_os("PATH").and_then(|path| {
        std::env::split_paths(&path)
            .map(|dir| dir.join("keytool"))
            .find(|candidate| candidate.is_file())
    });
    found.unwrap_or_else(|| {
        panic!(
            "keytool (Java's key and certificate tool) is not on PATH; install a Java runtime, e.g. \
             `apt-get install default-jre-headless` (.ci/run does this)"
        )
    })
}

fn run(command: &mut Command) -> Output {
    command.stdin(Stdio::null()).output().unwrap()
}

fn text(output: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&output.stdout),
        String::from_utf8_lossy(&output.stderr)
    )
}

/// Both forms of .p12 for the shared EC key.
fn fixtures() -> Vec<(&'static str, Fixture)> {
    vec![
        (
            "compatible",
            fixture_of(test_ec_key(), COMMON_NAME, Pkcs12Options::compatible()),
        ),
        (
            "modern",
            fixture_of(test_ec_key(), COMMON_NAME, Pkcs12Options::modern()),
        ),
    ]
}

/// Loads the .p12 with `cryptography`, signs with its key and verifies with its certificate.
const PYTHON_READER: &str = r#"
import json, os, sys
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat, pkcs12
from cryptography.x509.oid import NameOID

data = open(sys.argv[1], "rb").read()
p12 = pkcs12.load_pkcs12(data, os.environ["P12_PASSWORD"].encode())
key, cert = p12.key, p12.cert.certificate
spki = lambda k: k.public_bytes(Encoding.DER, PublicFormat.SubjectPublicKeyInfo).hex()
signature = key.sign(b"ascert", ec.ECDSA(hashes.SHA256()))
cert.public_key().verify(signature, b"ascert", ec.ECDSA(hashes.SHA256()))
print(json.dumps({
    "ec": isinstance(key, ec.EllipticCurvePrivateKey),
    "curve": key.curve.name,
    "size": key.key_size,
    "public_key": spki(key.public_key()),
    "certificate_public_key": spki(cert.public_key()),
    "common_name": cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value,
    "additional_certificates": len(p12.additional_certs),
}))
"#;

#[test]
fn python_cryptography_opens_both_forms_with_the_ec_key() {
    let python = conformance_python();
    let key = test_ec_key();
    for (form, f) in fixtures() {
        let output = run(Command::new(&python)
            .args(["-c", PYTHON_READER])
            .arg(&f.p12)
            .env("P12_PASSWORD", PASSWORD)
            .env("PYTHONNOUSERSITE", "1"));
        assert!(output.status.success(), "{form}: {}", text(&output));
        let seen: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        assert_eq!(seen["ec"], true, "{form}: {seen}");
        assert_eq!(seen["curve"], "secp256r1", "{form}: {seen}");
        assert_eq!(seen["size"], 256, "{form}: {seen}");
        assert_eq!(seen["public_key"], hex(key.public_key_der()), "{form}");
        assert_eq!(
            seen["certificate_public_key"],
            hex(key.public_key_der()),
            "{form}"
        );
        assert_eq!(seen["common_name"], COMMON_NAME, "{form}");
        assert_eq!(seen["additional_certificates"], 1, "{form}: the intermediate");
    }
}

#[test]
fn keytool_lists_both_forms_as_an_ec_private_key_entry_and_signs_with_it() {
    let keytool = keytool();
    let key = test_ec_key();
    for (form, f) in fixtures() {
        let listed = run(Command::new(&keytool)
            .args(["-list", "-v", "-storetype", "PKCS12", "-keystore"])
            .arg(&f.p12)
            .args(["-storepass:env", "P12_PASSWORD"])
            .env("P12_PASSWORD", PASSWORD));
        let out = text(&listed);
        assert!(listed.status.success(), "{form}: {out}");
        assert!(out.contains("Your keystore contains 1 entry"), "{form}: {out}");
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
        assert!(alias.eq_ignore_ascii_case(COMMON_NAME), "{form}: {alias}");

        // keytool signs a CSR with the entry's private key and the public key of its certificate:
        // OpenSSL verifying it shows that the private key is EC and is the certificate's.
        let csr = f.p12.with_extension(format!("{form}.csr"));
        let request = run(Command::new(&keytool)
            .args(["-certreq", "-storetype", "PKCS12", "-keystore"])
            .arg(&f.p12)
            .args(["-storepass:env", "P12_PASSWORD", "-alias", &alias, "-file"])
            .arg(&csr)
            .env("P12_PASSWORD", PASSWORD));
        assert!(request.status.success(), "{form}: {}", text(&request));
        let verified = run(Command::new("openssl")
            .args(["req", "-verify", "-noout", "-text", "-in"])
            .arg(&csr));
        let out = text(&verified);
        assert!(
            verified.status.success() && out.contains("verify OK"),
            "{form}: {out}"
        );
        assert!(
            out.contains("Signature Algorithm: ecdsa-with-SHA256"),
            "{form}: {out}"
        );
        let public_key = run(Command::new("openssl")
            .args(["req", "-noout", "-pubkey", "-in"])
            .arg(&csr));
        let public_key = pem::parse(&public_key.stdout).unwrap().into_contents();
        assert_eq!(public_key, key.public_key_der(), "{form}");
    }
}

#[test]
fn openssl_opens_both_forms_with_the_ec_key_and_the_compatible_one_with_legacy() {
    let key = test_ec_key();
    for (form, f) in fixtures() {
        let mut command = Command::new("openssl");
        command
            .args(["pkcs12", "-nocerts", "-nodes", "-passin", "pass:pa ss", "-in"])
            .arg(&f.p12);
        if form == "compatible" {
            command.arg("-legacy");
        }
        let exported = run(&mut command);
        assert!(exported.status.success(), "{form}: {}", text(&exported));
        let key_text = String::from_utf8_lossy(&exported.stdout).into_owned();
        assert!(key_text.contains("-----BEGIN PRIVATE KEY-----"), "{form}");
        let key_file = f.p12.with_extension(format!("{form}.key.pem"));
        std::fs::write(&key_file, &key_text).unwrap();
        let described = run(Command::new("openssl")
            .args(["pkey", "-noout", "-text", "-in"])
            .arg(&key_file));
        let out = text(&described);
        assert!(described.status.success(), "{form}: {out}");
        assert!(
            out.contains("Private-Key: (256 bit)") && out.contains("NIST CURVE: P-256"),
            "{form}: {out}"
        );
        let from_openssl = crate::PrivateKey::from_pem(&key_text).unwrap();
        assert_eq!(from_openssl.algorithm(), KeyAlgorithm::EcP256, "{form}");
        assert_eq!(from_openssl.id(), key.id(), "{form}");
        assert_eq!(from_openssl.id(), f.leaf.key_id(), "{form}: the leaf's key");
    }
}
