//! Malformed secrets: every input that carries a key or a password, fed damaged variants built
//! around a known secret. Whatever ascert answers (usually an error), no 12-character run of the
//! secret may appear on stdout or stderr, with or without `--json`, quiet or at `-vvv` with
//! `RUST_LOG=trace`.
//!
//! The inputs: the API key as a .p8 (`--api-key`, `--private-key`), in fastlane's and rcodesign's
//! JSON, in each family of environment variables, in the config file, and pasted where a path is
//! expected; private keys for `keys import` (plain, PKCS#1, EC P-256 as PKCS#8 and SEC1, encrypted
//! with a wrong passphrase); .p12 files (damaged, or with a wrong password from each password
//! source); a private key given as a CSR; and every team input: an age secret key or an SSH private key given where a member's
//! public key belongs (inline or as a file), damaged member keys given as `--identity`, and the team
//! passphrase from each source, wrong or pasted where a variable's name belongs.

use std::ffi::OsString;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::Stdio;

use base64::Engine as _;
use futures::StreamExt as _;

use super::pem_body_lines;
use crate::support::{Env, openssl};

/// The length of the runs of a secret that must not be printed.
const RUN: usize = 12;
/// Runs at the same time.
const PARALLEL: usize = 4;
/// The .p12 password and the key passphrase of the inputs (long, so they have runs to look for).
const P12_PASSWORD: &str = "malformed-p12-Password-55c1e9";
const WRONG_PASSWORD: &str = "wrong-p12-Password-for-the-bundle-0a7d";
const WRONG_PASSPHRASE: &str = "wrong-key-Passphrase-3e8b21f04c";

/// One input: how to run ascert with it, and the secrets it carries.
struct Input {
    name: String,
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    stdin: Option<String>,
    secrets: Vec<String>,
}

impl Input {
    fn new<S: Into<OsString>>(name: impl Into<String>, args: impl IntoIterator<Item = S>) -> Input {
        Input {
            name: name.into(),
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            stdin: None,
            secrets: Vec::new(),
        }
    }

    fn env(mut self, name: &str, value: impl Into<OsString>) -> Input {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    fn stdin(mut self, text: &str) -> Input {
        self.stdin = Some(text.to_owned());
        self
    }

    fn secrets(mut self, secrets: &[String]) -> Input {
        self.secrets.extend_from_slice(secrets);
        self
    }
}

/// Damaged forms of a PEM private key: armour lines cut or mislabelled, the body moved, broken,
/// shortened or bare, a key-and-certificate bundle with a damaged key, CRLF line ends.
fn damaged(pem: &str) -> Vec<(&'static str, String)> {
    let begin = pem.lines().next().unwrap().to_owned();
    let end = pem
        .lines()
        .rfind(|l| l.starts_with("-----END"))
        .unwrap()
        .to_owned();
    let label = begin.trim_start_matches("-----BEGIN ").trim_end_matches("-----");
    let body: Vec<&str> = pem.lines().filter(|l| !l.starts_with("-----")).collect();
    let certificate = "-----BEGIN CERTIFICATE-----\nMAMCAQA=\n-----END CERTIFICATE-----\n";
    let mut broken_char = body.clone();
    let third = broken_char[2.min(body.len() - 1)].replacen(|c: char| c.is_ascii_alphanumeric(), "!", 1);
    broken_char[2.min(body.len() - 1)] = &third;
    vec![
        (
            "BEGIN line without closing dashes",
            pem.replace(&begin, &format!("-----BEGIN {label}")),
        ),
        (
            "BEGIN line with three closing dashes",
            pem.replace(&begin, &format!("-----BEGIN {label}---")),
        ),
        (
            "END line without closing dashes",
            pem.replace(&end, &format!("-----END {label}")),
        ),
        (
            "END line with another label",
            pem.replace(&end, "-----END EC PRIVATE KEY-----"),
        ),
        ("no END line", pem.replace(&end, "")),
        ("body on the BEGIN line", pem.replacen("-----\n", " ", 1)),
        (
            "a character that is not base64",
            format!("{begin}\n{}\n{end}\n", broken_char.join("\n")),
        ),
        (
            "the last body lines cut",
            format!("{begin}\n{}\n{end}\n", body[..body.len() / 2].join("\n")),
        ),
        ("no armour lines", body.join("\n")),
        (
            "a key-and-certificate bundle whose BEGIN line is damaged",
            format!(
                "{}{certificate}",
                pem.replace(&begin, &format!("-----BEGIN {label}"))
            ),
        ),
        (
            "CRLF line ends and a damaged BEGIN line",
            pem.replace('\n', "\r\n")
                .replace(&begin, &format!("-----BEGIN {label}")),
        ),
    ]
}

fn b64(text: &str) -> String {
    base64::engine::general_purpose::STANDARD.encode(text)
}

/// The 12-character runs of every secret that `printed` holds, ignoring whitespace and the
/// backslashes of JSON escapes.
fn leaked(printed: &str, secrets: &[String]) -> Vec<String> {
    let compact: String = printed
        .chars()
        .filter(|c| !c.is_whitespace() && *c != '\\')
        .collect();
    let mut found = Vec::new();
    for secret in secrets {
        let chars: Vec<char> = secret.chars().collect();
        for window in chars.windows(RUN) {
            let run: String = window.iter().collect();
            if compact.contains(&run) {
                found.push(run);
                break;
            }
        }
    }
    found
}

/// Runs every input in every output mode and returns each leak as a line of the failure report.
async fn leaks(env: &Env, inputs: Vec<Input>) -> (usize, Vec<String>) {
    let modes: [(&str, &[&str], bool); 4] = [
        ("plain", &[], false),
        ("--json", &["--json"], false),
        ("-vvv", &["-vvv"], true),
        ("--json -vvv", &["--json", "-vvv"], true),
    ];
    let mut runs = Vec::new();
    for input in &inputs {
        assert!(
            input.secrets.iter().all(|s| s.chars().count() >= RUN),
            "{}: every secret has runs to look for",
            input.name
        );
        for (mode, flags, trace) in modes {
            let mut command = env.bare();
            command.args(flags).args(&input.args);
            for (name, value) in &input.env {
                command.env(name, value);
            }
            if trace {
                command.env("RUST_LOG", "trace");
            }
            let stdin = input.stdin.clone();
            if stdin.is_some() {
                command.stdin(Stdio::piped());
            }
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
            let label = format!("{} ({mode})", input.name);
            let secrets = input.secrets.clone();
            runs.push(async move {
                let output = tokio::task::spawn_blocking(move || {
                    let mut child = command.spawn().unwrap();
                    if let Some(text) = stdin {
                        child.stdin.take().unwrap().write_all(text.as_bytes()).unwrap();
                    }
                    child.wait_with_output().unwrap()
                })
                .await
                .unwrap();
                let printed = format!(
                    "{}{}",
                    String::from_utf8_lossy(&output.stdout),
                    String::from_utf8_lossy(&output.stderr)
                );
                let found = leaked(&printed, &secrets);
                (!found.is_empty()).then(|| format!("{label} printed {found:?}:\n{printed}"))
            });
        }
    }
    let count = runs.len();
    let reports: Vec<String> = futures::stream::iter(runs)
        .buffer_unordered(PARALLEL)
        .filter_map(|report| async move { report })
        .collect()
        .await;
    (count, reports)
}

fn write(dir: &Path, name: &str, contents: impl AsRef<[u8]>) -> PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, contents).unwrap();
    path
}

/// The API key in every form and place ascert reads it from: intact where it is pasted in the wrong
/// place, damaged everywhere.
fn api_key_inputs(env: &Env, dir: &Path) -> Vec<Input> {
    let pem = std::fs::read_to_string(&env.private_key).unwrap();
    let secrets = pem_body_lines(&pem);
    assert!(!secrets.is_empty(), "the API key has secret lines");
    let mut variants = damaged(&pem);
    variants.push(("intact", pem.clone()));
    let mut inputs = Vec::new();
    for (i, (variant, text)) in variants.into_iter().enumerate() {
        // The base64 forms are secrets too, past the part that encodes the armour line.
        let mut with_b64 = secrets.clone();
        with_b64.push(b64(&text).chars().skip(40).collect());
        for mut input in api_key_forms(env, &dir.join(i.to_string()), &text) {
            let encoded = ["base64", "rcodesign", "_B64"]
                .iter()
                .any(|form| input.name.contains(form));
            input.name = format!("API key, {}: {variant}", input.name);
            input.secrets = if encoded {
                with_b64.clone()
            } else {
                secrets.clone()
            };
            inputs.push(input);
        }
    }
    let api_key = env.sandbox.api_key();
    inputs.push(
        Input::new(
            "API key pasted as --key-id",
            ["--key-id", &pem, "--issuer-id", &api_key.issuer_id],
        )
        .args_then(&["--private-key", path(&env.private_key), "auth", "token"])
        .secrets(&secrets),
    );
    inputs
}

/// `ascert auth token` with the API key `text` in each form, written under `dir`.
fn api_key_forms(env: &Env, dir: &Path, text: &str) -> Vec<Input> {
    let api_key = env.sandbox.api_key();
    let (key_id, issuer) = (api_key.key_id.as_str(), api_key.issuer_id.as_str());
    std::fs::create_dir_all(dir).unwrap();
    let named = write(dir, &format!("AuthKey_{key_id}.p8"), text);
    let p8 = write(dir, "key.p8", text);
    let fastlane = serde_json::json!({"key_id": key_id, "issuer_id": issuer, "key": text});
    let fastlane_b64 = serde_json::json!({
        "key_id": key_id, "issuer_id": issuer, "key": b64(text), "is_key_content_base64": true,
    });
    let rcodesign = serde_json::json!({"key_id": key_id, "issuer_id": issuer, "private_key": b64(text)});
    let fastlane = write(dir, "fastlane.json", fastlane.to_string());
    let fastlane_b64 = write(dir, "fastlane-b64.json", fastlane_b64.to_string());
    let rcodesign = write(dir, "rcodesign.json", rcodesign.to_string());
    let config = format!(
        "[profiles.default]\nkey_id = \"{key_id}\"\nissuer_id = \"{issuer}\"\nprivate_key = {text:?}\n"
    );
    let config = write(dir, "config.toml", config);
    let token = ["auth", "token"];
    let ids = |input: Input| input.env("ASC_KEY_ID", key_id).env("ASC_ISSUER_ID", issuer);
    let with_ids = ["--key-id", key_id, "--issuer-id", issuer, "auth", "token"];
    vec![
        Input::new(
            "--api-key AuthKey_<id>.p8",
            ["--api-key", path(&named), "--issuer-id", issuer],
        )
        .args_then(&token),
        Input::new("--private-key", ["--private-key", path(&p8)]).args_then(&with_ids),
        Input::new("fastlane JSON", ["--api-key", path(&fastlane)]).args_then(&token),
        Input::new("fastlane JSON, base64", ["--api-key", path(&fastlane_b64)]).args_then(&token),
        Input::new("rcodesign JSON", ["--api-key", path(&rcodesign)]).args_then(&token),
        ids(Input::new("ASC_PRIVATE_KEY", token)).env("ASC_PRIVATE_KEY", text),
        ids(Input::new("ASC_PRIVATE_KEY_B64", token)).env("ASC_PRIVATE_KEY_B64", b64(text)),
        ids(Input::new("ASC_PRIVATE_KEY_PATH", token)).env("ASC_PRIVATE_KEY_PATH", &p8),
        Input::new("fastlane's variables", token)
            .env("APP_STORE_CONNECT_API_KEY_KEY_ID", key_id)
            .env("APP_STORE_CONNECT_API_KEY_ISSUER_ID", issuer)
            .env("APP_STORE_CONNECT_API_KEY_KEY", text),
        Input::new("codemagic's variables", token)
            .env("APP_STORE_CONNECT_KEY_IDENTIFIER", key_id)
            .env("APP_STORE_CONNECT_ISSUER_ID", issuer)
            .env("APP_STORE_CONNECT_PRIVATE_KEY", text),
        // The key text pasted where a path belongs.
        Input::new("pasted as --private-key", ["--private-key", text]).args_then(&with_ids),
        Input::new("pasted as --api-key", ["--api-key", text]).args_then(&token),
        ids(Input::new("pasted as ASC_PRIVATE_KEY_PATH", token)).env("ASC_PRIVATE_KEY_PATH", text),
        Input::new("pasted as the config file's private_key", token).env("ASCERT_CONFIG", &config),
    ]
}

/// Private keys, .p12 files and passwords for `keys import`, and a key given as a CSR.
fn keystore_inputs(env: &Env, dir: &Path) -> Vec<Input> {
    let pkcs8 = openssl(&["genpkey", "-algorithm", "RSA", "-pkeyopt", "rsa_keygen_bits:2048"]);
    let pkcs8_path = write(dir, "rsa.pem", &pkcs8);
    let pkcs1 = openssl(&["rsa", "-in", path(&pkcs8_path), "-traditional"]);
    let secrets = pem_body_lines(&pkcs8);
    let mut pkcs1_secrets = pem_body_lines(&pkcs1);
    pkcs1_secrets.extend(secrets.iter().cloned());
    assert!(secrets.len() > 10, "the RSA key has secret lines");
    let mut inputs = Vec::new();
    for (i, (variant, text)) in damaged(&pkcs8).into_iter().enumerate() {
        let file = write(dir, &format!("import-{i}.pem"), &text);
        let csr = write(
            dir,
            &format!("csr-{i}.pem"),
            text.replace("PRIVATE KEY", "CERTIFICATE REQUEST"),
        );
        inputs.extend([
            Input::new(format!("keys import: {variant}"), ["keys", "import", path(&file)]).secrets(&secrets),
            Input::new(
                format!("a private key as --csr: {variant}"),
                [
                    "--api-key",
                    path(&env.api_key_json),
                    "certificates",
                    "create",
                    "--type",
                    "DEVELOPMENT",
                ],
            )
            .args_then(&["--csr", path(&csr)])
            .secrets(&secrets),
        ]);
    }
    for (i, (variant, text)) in damaged(&pkcs1).into_iter().enumerate() {
        let file = write(dir, &format!("import-pkcs1-{i}.pem"), &text);
        inputs.push(
            Input::new(
                format!("keys import, PKCS#1: {variant}"),
                ["keys", "import", path(&file)],
            )
            .secrets(&pkcs1_secrets),
        );
    }
    inputs.push(
        Input::new(
            "keys import: the key text as the path",
            ["keys", "import", &pkcs8],
        )
        .secrets(&secrets),
    );
    // EC P-256 keys (Apple Pay payment processing), as PKCS#8 and as the SEC1 that openssl writes.
    let ec = openssl(&[
        "genpkey",
        "-algorithm",
        "EC",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
    ]);
    let ec_path = write(dir, "ec.pem", &ec);
    let sec1 = openssl(&["pkey", "-in", path(&ec_path), "-traditional"]);
    assert!(sec1.starts_with("-----BEGIN EC PRIVATE KEY-----"), "{sec1}");
    let mut ec_secrets = pem_body_lines(&ec);
    ec_secrets.extend(pem_body_lines(&sec1));
    assert!(ec_secrets.len() >= 4, "the EC key has secret lines");
    for (form, text) in [("EC PKCS#8", &ec), ("EC SEC1", &sec1)] {
        for (i, (variant, damaged_text)) in damaged(text).into_iter().enumerate() {
            let file = write(
                dir,
                &format!("import-{form}-{i}.pem").replace([' ', '#'], "-"),
                &damaged_text,
            );
            inputs.push(
                Input::new(
                    format!("keys import, {form}: {variant}"),
                    ["keys", "import", path(&file)],
                )
                .secrets(&ec_secrets),
            );
        }
    }

    // An encrypted key and a wrong passphrase.
    let encrypted = openssl(&[
        "pkcs8",
        "-topk8",
        "-in",
        path(&pkcs8_path),
        "-v2",
        "aes-256-cbc",
        "-passout",
        "pass:right-passphrase",
    ]);
    let encrypted_path = write(dir, "encrypted.pem", &encrypted);
    let passphrase = vec![WRONG_PASSPHRASE.to_owned()];
    inputs.push(
        Input::new(
            "keys import: an encrypted key and a wrong passphrase",
            ["keys", "import", path(&encrypted_path)],
        )
        .env("ASCERT_KEY_PASSPHRASE", WRONG_PASSPHRASE)
        .secrets(&passphrase),
    );

    inputs.extend(p12_inputs(dir, &pkcs8_path, &secrets));
    inputs
}

/// A .p12 of the key at `key`: damaged, or opened with a wrong password from each source.
fn p12_inputs(dir: &Path, key: &Path, secrets: &[String]) -> Vec<Input> {
    let mut inputs = Vec::new();
    let cert = write(
        dir,
        "self.pem",
        openssl(&[
            "req",
            "-x509",
            "-key",
            path(key),
            "-subj",
            "/CN=Malformed",
            "-days",
            "30",
        ]),
    );
    let p12 = dir.join("bundle.p12");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        path(key),
        "-in",
        path(&cert),
        "-out",
        path(&p12),
        "-passout",
        &format!("pass:{P12_PASSWORD}"),
    ]);
    let bundle = std::fs::read(&p12).unwrap();
    let mut flipped = bundle.clone();
    let middle = flipped.len() / 2;
    flipped[middle] ^= 0x5A;
    let truncated = &bundle[..bundle.len() * 2 / 3];
    let mut p12_secrets = secrets.to_vec();
    p12_secrets.push(P12_PASSWORD.to_owned());
    for (variant, bytes) in [("a flipped byte", flipped.as_slice()), ("cut short", truncated)] {
        let file = write(dir, &format!("{}.p12", variant.replace(' ', "-")), bytes);
        inputs.push(
            Input::new(
                format!("keys import .p12: {variant}"),
                ["keys", "import", path(&file)],
            )
            .env("ASCERT_P12_PASSWORD", P12_PASSWORD)
            .secrets(&p12_secrets),
        );
    }
    let mut wrong = secrets.to_vec();
    wrong.extend([P12_PASSWORD.to_owned(), WRONG_PASSWORD.to_owned()]);
    let password_file = write(dir, "password.txt", format!("{WRONG_PASSWORD}\n"));
    let import = ["keys", "import", path(&p12)];
    inputs.extend([
        Input::new("keys import .p12: wrong ASCERT_P12_PASSWORD", import)
            .env("ASCERT_P12_PASSWORD", WRONG_PASSWORD)
            .secrets(&wrong),
        Input::new("keys import .p12: wrong --password-env", import)
            .args_then(&["--password-env", "MY_P12_PASSWORD"])
            .env("MY_P12_PASSWORD", WRONG_PASSWORD)
            .secrets(&wrong),
        Input::new("keys import .p12: wrong --password-file", import)
            .args_then(&["--password-file", path(&password_file)])
            .secrets(&wrong),
        Input::new("keys import .p12: wrong --password-stdin", import)
            .args_then(&["--password-stdin"])
            .stdin(&format!("{WRONG_PASSWORD}\n"))
            .secrets(&wrong),
        Input::new("keys import .p12: the password given as --password-file", import)
            .args_then(&["--password-file", WRONG_PASSWORD])
            .secrets(&wrong),
        Input::new("keys import .p12: the password given as --password-env", import)
            .args_then(&["--password-env", WRONG_PASSWORD])
            .secrets(&wrong),
    ]);
    inputs
}

fn path(path: &Path) -> &str {
    path.to_str().unwrap()
}

/// The team passphrase of the team inputs, and a wrong one.
const TEAM_PASSPHRASE: &str = "team-Passphrase-of-the-store-91c4";
const WRONG_TEAM_PASSPHRASE: &str = "not-the-team-Passphrase-7d02be";

/// Member keys where public keys belong, damaged member keys, and the team passphrase from each
/// source: against a `file://` store made with a member and the passphrase.
async fn team_inputs(env: &Env, dir: &Path) -> Vec<Input> {
    let store = format!("file://{}", path(&dir.join("team-store")));
    let member_file = dir.join("member.agekey");
    let mut keygen = env.bare();
    keygen.args(["team", "keygen", "--out", path(&member_file)]);
    let recipient = crate::support::run(keygen).await.ok().trim().to_owned();
    let mut init = env.bare();
    init.env("ASCERT_TEAM_PASSPHRASE", TEAM_PASSPHRASE).args([
        "team",
        "init",
        "--store",
        &store,
        "--member",
        &format!("ci={recipient}"),
        "--with-passphrase",
    ]);
    crate::support::run(init).await.ok();
    let age_file = std::fs::read_to_string(&member_file).unwrap();
    let age_secret = age_file
        .lines()
        .find(|l| l.starts_with("AGE-SECRET-KEY-1"))
        .unwrap()
        .to_owned();
    let ssh_key = include_str!("../../../crates/team/tests/fixtures/ssh_ed25519");
    // The secret is what follows the public prefix `AGE-SECRET-KEY-1`, which error messages name.
    let body = age_secret.trim_start_matches("AGE-SECRET-KEY-1").to_owned();
    let mut secrets = vec![body.clone(), body.to_ascii_lowercase()];
    secrets.extend(pem_body_lines(ssh_key));
    secrets.extend(
        ssh_key
            .lines()
            .filter(|l| !l.starts_with("-----") && l.len() >= 40)
            .map(str::to_owned),
    );
    let age_forms = [
        ("intact", age_secret.clone()),
        ("lower case", age_secret.to_ascii_lowercase()),
        (
            "without its prefix",
            age_secret.trim_start_matches("AGE-SECRET-KEY-1").to_owned(),
        ),
        ("one character changed", age_secret.replacen('Q', "P", 1)),
        ("with a comment", format!("# created: today\n{age_secret}\n")),
    ];
    let mut inputs = member_inputs(dir, &store, &member_file, &age_forms, &secrets);
    let ssh_file = write(dir, "member-ssh-private.pub", ssh_key);
    inputs.push(
        Input::new(
            "team init --member x=FILE: an SSH private key",
            [
                "team",
                "init",
                "--store",
                &format!("file://{}", path(&dir.join("ssh-store"))),
                "--member",
                &format!("x={}", path(&ssh_file)),
            ],
        )
        .secrets(&secrets),
    );
    inputs.extend(identity_and_passphrase_inputs(
        dir, &store, ssh_key, &age_forms, &secrets,
    ));
    inputs
}

/// An age secret key where a member's public key belongs: in a file for `team init` and `team
/// members add`, and inline, intact and damaged.
fn member_inputs(
    dir: &Path,
    store: &str,
    member_file: &Path,
    age_forms: &[(&str, String)],
    secrets: &[String],
) -> Vec<Input> {
    let mut inputs = Vec::new();
    for (variant, text) in age_forms {
        let file = write(dir, &format!("member-{}.pub", variant.replace(' ', "-")), text);
        for (command, extra) in [
            ("team init", vec!["team", "init", "--store"]),
            ("team members add", vec!["team", "members", "add"]),
        ] {
            let new_store = format!(
                "file://{}",
                path(&dir.join(format!("new-{}", variant.replace(' ', "-"))))
            );
            let member = format!("x={}", path(&file));
            let mut args: Vec<&str> = extra.clone();
            if command == "team init" {
                args.extend([new_store.as_str(), "--member", member.as_str()]);
            } else {
                args.extend([member.as_str(), "--store", store, "--identity", path(member_file)]);
            }
            inputs.push(
                Input::new(
                    format!("{command} --member x=FILE: an age secret key, {variant}"),
                    args,
                )
                .secrets(secrets),
            );
        }
        if !text.contains('\n') {
            let new_store = format!("file://{}", path(&dir.join("inline-store")));
            inputs.push(
                Input::new(
                    format!("team init --member x=KEY: an age secret key, {variant}"),
                    [
                        "team",
                        "init",
                        "--store",
                        &new_store,
                        "--member",
                        &format!("x={text}"),
                    ],
                )
                .secrets(secrets),
            );
        }
    }
    inputs
}

/// Damaged member keys given as `--identity`, and the team passphrase from each source: wrong, or
/// pasted where a variable's name belongs.
fn identity_and_passphrase_inputs(
    dir: &Path,
    store: &str,
    ssh_key: &str,
    age_forms: &[(&str, String)],
    secrets: &[String],
) -> Vec<Input> {
    let mut inputs = Vec::new();
    // Damaged member keys given as --identity.
    for (variant, text) in damaged(ssh_key)
        .into_iter()
        .map(|(v, t)| (format!("an SSH key, {v}"), t))
        .chain(
            age_forms
                .iter()
                .map(|(v, t)| (format!("an age identity, {v}"), t.clone())),
        )
    {
        let file = write(
            dir,
            &format!("identity-{}.key", variant.replace([' ', ','], "-")),
            &text,
        );
        inputs.push(
            Input::new(
                format!("team members list --identity FILE: {variant}"),
                ["team", "pull", "--store", store, "--identity", path(&file)],
            )
            .secrets(secrets),
        );
    }
    // The team passphrase: wrong from each source, and pasted where a variable's name belongs.
    let passphrases = vec![TEAM_PASSPHRASE.to_owned(), WRONG_TEAM_PASSPHRASE.to_owned()];
    let passphrase_file = write(dir, "team-passphrase.txt", format!("{WRONG_TEAM_PASSPHRASE}\n"));
    let pull = ["team", "pull", "--store", store];
    inputs.extend([
        Input::new("team pull: wrong ASCERT_TEAM_PASSPHRASE", pull)
            .env("ASCERT_TEAM_PASSPHRASE", WRONG_TEAM_PASSPHRASE)
            .secrets(&passphrases),
        Input::new("team pull: wrong --passphrase-file", pull)
            .args_then(&["--passphrase-file", path(&passphrase_file)])
            .secrets(&passphrases),
        Input::new("team pull: wrong --passphrase-stdin", pull)
            .args_then(&["--passphrase-stdin"])
            .stdin(&format!("{WRONG_TEAM_PASSPHRASE}\n"))
            .secrets(&passphrases),
        Input::new("team pull: the passphrase given as --passphrase-env", pull)
            .args_then(&["--passphrase-env", TEAM_PASSPHRASE])
            .secrets(&passphrases),
        Input::new("team pull: the passphrase given as --passphrase-file", pull)
            .args_then(&["--passphrase-file", TEAM_PASSPHRASE])
            .secrets(&passphrases),
    ]);
    inputs
}

impl Input {
    /// Appends arguments after those given to [`Input::new`].
    fn args_then(mut self, args: &[&str]) -> Input {
        self.args.extend(args.iter().map(OsString::from));
        self
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn no_malformed_input_prints_its_secret() {
    let env = Env::start().await;
    let dir = env.path("malformed");
    std::fs::create_dir_all(&dir).unwrap();
    let mut inputs = api_key_inputs(&env, &dir);
    inputs.extend(keystore_inputs(&env, &dir));
    inputs.extend(team_inputs(&env, &dir).await);
    let (runs, reports) = leaks(&env, inputs).await;
    assert!(runs > 500, "every input in every mode: {runs} runs");
    assert!(
        reports.is_empty(),
        "{} of {runs} runs printed a secret:\n\n{}",
        reports.len(),
        reports.join("\n\n")
    );
}
