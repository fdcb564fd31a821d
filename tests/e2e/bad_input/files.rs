//! Broken or hostile files: API keys (.p8 and JSON), private keys to import, CSRs, certificates and
//! PKCS#12 bundles.

use std::path::{Path, PathBuf};

use super::{Case, Stocked};
use crate::support::openssl;

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// `ascert --private-key FILE --key-id KEYID --issuer-id ISSUER certificates list`.
fn with_p8(name: &str, stocked: &Stocked, p8: &Path) -> Case {
    let issuer = stocked.env.sandbox.issuer_id().to_owned();
    let key_id = stocked.env.sandbox.api_key().key_id.clone();
    Case::new(
        name,
        [
            "--private-key",
            s(p8),
            "--key-id",
            &key_id,
            "--issuer-id",
            &issuer,
            "certificates",
            "list",
        ],
    )
    .without_credentials()
    .exit(3)
}

/// `ascert --api-key FILE certificates list`.
fn with_api_key(name: &str, file: &Path) -> Case {
    Case::new(name, ["--api-key", s(file), "certificates", "list"])
        .without_credentials()
        .exit(3)
}

#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::too_many_lines, reason = "a table of cases, one per line")]
async fn broken_key_files_fail_cleanly() {
    let stocked = Stocked::start().await;
    let dir = stocked.env.dir.path();
    let path = |name: &str| dir.join(name);
    let rsa = rsa_key(&path("rsa.key"), 2048);
    let p384 = ec_key(&path("p384.p8"), "P-384", &[]);
    let encrypted = ec_key(&path("encrypted.p8"), "P-256", &["-aes256", "-pass", "pass:x"]);
    let cert = self_signed(&rsa, &path("self.pem"));
    let real_p8 = std::fs::read_to_string(&stocked.env.private_key).unwrap();
    let body: Vec<&str> = real_p8.lines().filter(|l| !l.starts_with("-----")).collect();
    let truncated_p8 = format!(
        "-----BEGIN PRIVATE KEY-----\n{}\n-----END PRIVATE KEY-----\n",
        &body.concat()[..40]
    );
    let fastlane = std::fs::read_to_string(&stocked.env.api_key_json).unwrap();
    let fastlane_json: serde_json::Value = serde_json::from_str(&fastlane).unwrap();
    let with_key = |key: &str| {
        let mut json = fastlane_json.clone();
        json["key"] = key.into();
        json.to_string()
    };
    let with_key_id = |key_id: &str| {
        let mut json = fastlane_json.clone();
        json["key_id"] = key_id.into();
        json.to_string()
    };

    let cases = vec![
        with_p8("a .p8 that does not exist", &stocked, &path("missing.p8")),
        with_p8("an empty .p8", &stocked, &stocked.file("empty.p8", "")),
        with_p8(
            "a .p8 of random bytes",
            &stocked,
            &stocked.file("random.p8", random_bytes(4096)),
        ),
        with_p8(
            "a .p8 cut short",
            &stocked,
            &stocked.file("short.p8", &truncated_p8),
        ),
        with_p8("a .p8 holding an RSA key", &stocked, &rsa),
        with_p8("a .p8 holding a P-384 key", &stocked, &p384),
        with_p8("an encrypted .p8", &stocked, &encrypted),
        with_p8("a .p8 holding a certificate", &stocked, &cert),
        with_p8("a folder given as the .p8", &stocked, dir),
        with_p8(
            "a .p8 of 10 MB",
            &stocked,
            &stocked.file(
                "huge.p8",
                "-----BEGIN PRIVATE KEY-----\n".to_owned() + &"QUFB\n".repeat(2_500_000),
            ),
        ),
        Case::new(
            "a key id of the wrong length",
            [
                "--private-key",
                s(&stocked.env.private_key),
                "--key-id",
                "SHORT",
                "certificates",
                "list",
            ],
        )
        .without_credentials(),
        Case::new(
            "an issuer id that is not a UUID",
            [
                "--private-key",
                s(&stocked.env.private_key),
                "--key-id",
                &stocked.env.sandbox.api_key().key_id,
                "--issuer-id",
                "not-a-uuid",
                "certificates",
                "list",
            ],
        )
        .without_credentials(),
        with_api_key("an empty JSON key file", &stocked.file("empty.json", "")).any_exit(),
        with_api_key(
            "a truncated JSON key file",
            &stocked.file("cut.json", &fastlane[..fastlane.len() / 2]),
        ),
        with_api_key(
            "a JSON key file that is an array",
            &stocked.file("array.json", "[1,2,3]"),
        )
        .any_exit(),
        with_api_key(
            "a JSON key file whose key is not PEM",
            &stocked.file("notpem.json", with_key("hello")),
        ),
        with_api_key(
            "a JSON key file whose key is RSA",
            &stocked.file("rsa.json", with_key(&std::fs::read_to_string(&rsa).unwrap())),
        ),
        with_api_key(
            "a JSON key file whose key id climbs folders",
            &stocked.file("climb.json", with_key_id("../../../x")),
        ),
        with_api_key(
            "a JSON key file nested 100,000 deep",
            &stocked.file("deep.json", "[".repeat(100_000)),
        )
        .any_exit(),
        with_api_key(
            "a JSON object nested 100,000 deep",
            &stocked.file("deep-object.json", "{\"a\":".repeat(100_000)),
        ),
        with_api_key(
            "a key file of random bytes",
            &stocked.file("random.json", random_bytes(4096)),
        ),
    ];
    stocked.check(cases).await;
}

#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::too_many_lines, reason = "a table of cases, one per line")]
async fn broken_imports_csrs_and_bundles_fail_cleanly() {
    let stocked = Stocked::start().await;
    let dir = stocked.env.dir.path();
    let path = |name: &str| dir.join(name);
    let rsa = rsa_key(&path("rsa.key"), 2048);
    let ec = ec_key(&path("ec.key"), "P-256", &[]);
    // EC P-256 keys import (Apple Pay payment processing); other curves and algorithms do not.
    let p384 = ec_key(&path("p384.key"), "P-384", &[]);
    let ed25519 = path("ed25519.key");
    openssl(&["genpkey", "-algorithm", "ED25519", "-out", s(&ed25519)]);
    let cert = self_signed(&rsa, &path("self.pem"));
    let p12 = path("good.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        s(&rsa),
        "-in",
        s(&cert),
        "-out",
        s(&p12),
        "-passout",
        "pass:right",
        "-certpbe",
        "PBE-SHA1-3DES",
        "-keypbe",
        "PBE-SHA1-3DES",
        "-macalg",
        "sha1",
    ]);
    let p12_bytes = std::fs::read(&p12).unwrap();
    let ec_csr = path("ec.csr");
    openssl(&[
        "req",
        "-new",
        "-key",
        s(&ec),
        "-out",
        s(&ec_csr),
        "-subj",
        "/CN=EC/emailAddress=e@example.com",
    ]);
    let small_key = rsa_key(&path("small.key"), 1024);
    let small_csr = path("small.csr");
    openssl(&[
        "req",
        "-new",
        "-key",
        s(&small_key),
        "-out",
        s(&small_csr),
        "-subj",
        "/CN=Small/emailAddress=s@example.com",
    ]);
    // A key encrypted by openssl with 8,388,608 PBKDF2 iterations, then edited to ask for
    // 2,147,483,647: the decryption would run for many minutes if it were started.
    let costly = path("costly.pem");
    openssl(&[
        "pkcs8",
        "-topk8",
        "-v2",
        "aes-256-cbc",
        "-iter",
        "8388608",
        "-passout",
        "pass:x",
        "-in",
        s(&rsa),
        "-out",
        s(&costly),
    ]);
    let costly = stocked.file(
        "costly.pem",
        raise_iterations(&std::fs::read_to_string(&costly).unwrap()),
    );
    let import = |name: &str, file: &Path| Case::new(name, ["keys", "import", s(file)]);
    let import_p12 = |name: &str, file: &Path, password: &str| {
        Case::new(name, ["keys", "import", s(file)]).env("ASCERT_P12_PASSWORD", password)
    };
    let csr = |name: &str, file: &Path| {
        Case::new(
            name,
            [
                "certificates",
                "create",
                "--type",
                "DEVELOPMENT",
                "--csr",
                s(file),
            ],
        )
    };

    let cases = vec![
        import("an import of an empty file", &stocked.file("empty.pem", "")),
        import(
            "an import of random bytes",
            &stocked.file("random.pem", random_bytes(4096)),
        ),
        import("an import of an EC P-384 key", &p384).says("EC P-384 keys cannot be used"),
        import("an import of an Ed25519 key", &ed25519).says("Ed25519 keys cannot be used"),
        import("an import of a certificate", &cert),
        import(
            "an import of a PEM with a bad body",
            &stocked.file(
                "bad.pem",
                "-----BEGIN RSA PRIVATE KEY-----\n!!!!\n-----END RSA PRIVATE KEY-----\n",
            ),
        ),
        import("an import of a folder", dir),
        import(
            "an import of an encrypted key asking for 2 billion PBKDF2 iterations",
            &costly,
        )
        .env("ASCERT_KEY_PASSPHRASE", "x")
        .says("2147483647 PBKDF2 iterations"),
        import_p12("a .p12 with the wrong password", &p12, "wrong"),
        import_p12(
            "a .p12 cut in half",
            &stocked.file("half.p12", &p12_bytes[..p12_bytes.len() / 2]),
            "right",
        ),
        import_p12(
            "a .p12 with one byte flipped",
            &stocked.file("flipped.p12", flip(&p12_bytes)),
            "right",
        ),
        import_p12(
            "a .p12 of random bytes",
            &stocked.file("random.p12", random_bytes(4096)),
            "right",
        ),
        csr(
            "a CSR of random bytes",
            &stocked.file("random.csr", random_bytes(4096)),
        ),
        csr(
            "a CSR header around garbage",
            &stocked.file(
                "garbage.csr",
                "-----BEGIN CERTIFICATE REQUEST-----\nAAAA!!!!\n-----END CERTIFICATE REQUEST-----\n",
            ),
        ),
        import("an import of an RSA-1024 key", &small_key).says("RSA-1024 keys cannot be used"),
        csr("a CSR with an EC key", &ec_csr).exit(5),
        csr("a CSR with an RSA-1024 key", &small_csr).exit(5),
        csr(
            "a CSR of 10 MB",
            &stocked.file(
                "huge.csr",
                "-----BEGIN CERTIFICATE REQUEST-----\n".to_owned()
                    + &"QUFB\n".repeat(2_500_000)
                    + "-----END CERTIFICATE REQUEST-----\n",
            ),
        ),
    ];
    stocked.check(cases).await;
}

/// `openssl genrsa`: an RSA key of `bits` at `path`, which it returns.
fn rsa_key(path: &Path, bits: u32) -> PathBuf {
    openssl(&["genrsa", "-out", s(path), &bits.to_string()]);
    path.to_owned()
}

/// `openssl genpkey`: an EC key on `curve` at `path` (with `extra` options, such as encryption).
fn ec_key(path: &Path, curve: &str, extra: &[&str]) -> PathBuf {
    let curve = format!("ec_paramgen_curve:{curve}");
    let mut args = vec!["genpkey", "-algorithm", "EC", "-pkeyopt", &curve];
    args.extend_from_slice(extra);
    args.extend(["-out", s(path)]);
    openssl(&args);
    path.to_owned()
}

/// `openssl req -x509`: a one-day self-signed certificate for `key`, CN=Self, at `path`.
fn self_signed(key: &Path, path: &Path) -> PathBuf {
    openssl(&[
        "req",
        "-x509",
        "-key",
        s(key),
        "-out",
        s(path),
        "-subj",
        "/CN=Self",
        "-days",
        "1",
    ]);
    path.to_owned()
}

/// Bytes from a fixed xorshift sequence: the same garbage every run.
pub(crate) fn random_bytes(len: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    (0..len)
        .map(|_| {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            state.to_le_bytes()[0]
        })
        .collect()
}

/// `bytes` with one bit in the middle flipped.
fn flip(bytes: &[u8]) -> Vec<u8> {
    let mut flipped = bytes.to_vec();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x01;
    flipped
}

/// An encrypted PEM key made with 8,388,608 (DER `02 04 00 80 00 00`) PBKDF2 iterations, edited to
/// ask for 2,147,483,647 (`02 04 7f ff ff ff`): same length, so the rest of the DER stays valid.
fn raise_iterations(pem: &str) -> String {
    use base64::Engine as _;
    let engine = base64::engine::general_purpose::STANDARD;
    let body: String = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let mut der = engine.decode(body).unwrap();
    let from = [0x02, 0x04, 0x00, 0x80, 0x00, 0x00];
    let at = der
        .windows(from.len())
        .position(|w| w == from)
        .expect("openssl's iteration count");
    der[at..at + from.len()].copy_from_slice(&[0x02, 0x04, 0x7f, 0xff, 0xff, 0xff]);
    format!(
        "-----BEGIN ENCRYPTED PRIVATE KEY-----\n{}\n-----END ENCRYPTED PRIVATE KEY-----\n",
        engine.encode(der)
    )
}
