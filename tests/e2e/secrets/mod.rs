//! Secret hygiene: every CLI flow, and the demo, at `-vvv` with `RUST_LOG=trace`. No private key
//! (the API key's or a generated signing key's), no token and no .p12 password may appear on stdout,
//! on stderr, or in any file but the 0600 files meant to hold it.
//!
//! The two deliberate exceptions: `ascert auth token` prints its token on stdout (that is its job),
//! and `ascert demo` prints the password of its sandbox .p12; each must appear nowhere else.

mod malformed;

use std::path::{Path, PathBuf};

use crate::bad_input::walk;
use crate::support::{Env, Run, mode, run};

const P12_PASSWORD: &str = "hygiene-p12-Password-7f3a9c";

/// The secret base64 body lines of every PEM private key in `text`.
///
/// An RSA key's first lines encode its modulus, which its certificate rightly shows too; only the
/// lines after them (the private exponent and the primes) are secret. A P-256 key's body is secret
/// from its first line.
pub(crate) fn pem_body_lines(text: &str) -> Vec<String> {
    let mut secret = Vec::new();
    let mut block: Vec<String> = Vec::new();
    let mut inside = false;
    for line in text.lines() {
        if line.starts_with("-----BEGIN") && line.contains("PRIVATE KEY") {
            inside = true;
            block.clear();
        } else if line.starts_with("-----END") && inside {
            inside = false;
            let public_lines = if block.len() >= 20 { 8 } else { 0 };
            secret.extend(block.drain(..).skip(public_lines).filter(|l| l.len() >= 40));
        } else if inside {
            block.push(line.trim().to_owned());
        }
    }
    secret
}

/// Every `eyJ…​.eyJ…​.…` JSON Web Token in `text`.
fn jwts(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    let mut rest = text;
    while let Some(start) = rest.find("eyJ") {
        let candidate: String = rest[start..]
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        let parts: Vec<&str> = candidate.split('.').collect();
        if parts.len() >= 3 && parts[..3].iter().all(|p| p.len() >= 8) && parts[1].starts_with("eyJ") {
            found.push(candidate.clone());
        }
        rest = &rest[start + candidate.len().max(3)..];
    }
    found
}

/// Runs `ascert -vvv --api-key … ARGS` with `RUST_LOG=trace` and the .p12 password in the
/// environment, asserting success.
async fn traced(env: &Env, args: &[&str]) -> Run {
    let mut command = env.bare();
    command
        .env("RUST_LOG", "trace")
        .env("ASCERT_P12_PASSWORD", P12_PASSWORD)
        .arg("-vvv")
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(args);
    let result = run(command).await;
    result.ok();
    result
}

/// Every regular file under `root`, with its text (lossy) and mode.
fn files(root: &Path) -> Vec<(PathBuf, String, u32)> {
    let mut all = Vec::new();
    walk(root, &mut |path| {
        let text = String::from_utf8_lossy(&std::fs::read(path).unwrap()).into_owned();
        all.push((path.to_path_buf(), text, mode(path)));
    });
    all
}

#[tokio::test(flavor = "multi_thread")]
#[allow(clippy::too_many_lines, reason = "one scenario: every flow, then every check")]
async fn no_flow_leaks_a_key_a_token_or_a_password() {
    let env = Env::start().await;
    let create = traced(
        &env,
        &[
            "certificates",
            "create",
            "--type",
            "DISTRIBUTION",
            "--common-name",
            "Hygiene",
            "--email",
            "hygiene@example.com",
            "--p12",
            "created.p12",
            "--json",
        ],
    )
    .await;
    let created = create.json();
    let cert_id = created["certificate"]["id"].as_str().unwrap().to_owned();
    let key_id = created["keyId"].as_str().unwrap().to_owned();
    let token_run = traced(&env, &["auth", "token"]).await;
    let token = token_run.stdout.trim().to_owned();
    assert_eq!(jwts(&token).len(), 1, "auth token prints a JWT: {token}");
    let mut runs = vec![create];
    for args in [
        vec!["auth", "status"],
        vec!["certificates", "list"],
        vec!["certificates", "list", "--json"],
        vec!["certificates", "get", &cert_id],
        vec!["certificates", "get", &cert_id, "--out", "cert.cer"],
        vec!["certificates", "deactivate", &cert_id],
        vec!["certificates", "activate", &cert_id],
        vec!["keys", "list"],
        vec!["keys", "csr", &key_id],
        vec![
            "keys",
            "generate",
            "--common-name",
            "Second",
            "--email",
            "s@example.com",
            "--csr-out",
            "second.csr",
        ],
        vec!["keys", "export", &key_id, "--out", "exported.key.pem"],
        vec!["keys", "import", "exported.key.pem", "--label", "reimported"],
        vec!["identities", "list"],
        vec!["identities", "export", &cert_id, "--p12", "exported.p12"],
        vec![
            "identities",
            "export",
            &cert_id,
            "--p12",
            "modern.p12",
            "--modern",
        ],
        vec!["keys", "import", "exported.p12", "--label", "from-p12"],
        vec!["certificates", "revoke", &cert_id, "--yes"],
    ] {
        runs.push(traced(&env, &args).await);
    }
    assert!(
        runs.iter()
            .any(|r| r.stderr.contains("TRACE") || r.stderr.contains("DEBUG")),
        "the logs were on: {}",
        runs[1].stderr
    );

    // The secrets: the API key, every key the keystore holds, the token and the password.
    let mut key_lines = pem_body_lines(&std::fs::read_to_string(&env.private_key).unwrap());
    let stored = files(&env.home());
    for (path, text, _) in &stored {
        if path.to_string_lossy().ends_with(".key.pem") {
            key_lines.extend(pem_body_lines(text));
        }
    }
    assert!(
        key_lines.len() > 30,
        "the API key and both signing keys were found: {}",
        key_lines.len()
    );

    let mut printed = token_run.stderr.clone();
    for run in &runs {
        printed.push_str(&run.stdout);
        printed.push_str(&run.stderr);
    }
    for line in &key_lines {
        for (i, run) in runs.iter().enumerate() {
            let out = format!("{}{}", run.stdout, run.stderr);
            assert!(
                !out.contains(line.as_str()),
                "run {i} printed a private key line {line}:\n{out}"
            );
        }
        assert!(
            !printed.contains(line.as_str()),
            "a private key line was printed: {line}"
        );
    }
    assert!(!printed.contains(P12_PASSWORD), "the .p12 password was printed");
    assert!(
        jwts(&printed).is_empty(),
        "a token was printed: {:?}",
        jwts(&printed)
    );
    assert!(
        !printed.contains(&token[..token.len() / 2]),
        "the token was printed again"
    );

    for (path, text, file_mode) in files(env.dir.path()) {
        let name = path.display();
        assert!(!text.contains(P12_PASSWORD), "{name} holds the .p12 password");
        assert!(
            !text.contains(&token[..token.len() / 2]),
            "{name} holds the token"
        );
        assert!(jwts(&text).is_empty(), "{name} holds a token");
        let holds_key = text.contains("PRIVATE KEY") || key_lines.iter().any(|l| text.contains(l.as_str()));
        let is_p12 = path.extension().is_some_and(|x| x == "p12");
        if holds_key || is_p12 {
            assert_eq!(
                file_mode, 0o600,
                "{name} holds a secret and is mode {file_mode:o}"
            );
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn the_demo_shows_its_password_once_and_leaks_nothing() {
    let env = Env::start().await;
    let out = env.path("demo-out");
    let mut command = env.bare();
    command
        .env("RUST_LOG", "trace")
        .args(["-vvv", "demo", "--out-dir"])
        .arg(&out);
    let result = run(command).await;
    result.ok();
    let line = result
        .stdout
        .lines()
        .find(|l| l.contains("Its password"))
        .expect("the demo shows the password");
    let password = line.rsplit(": ").next().unwrap().trim().to_owned();
    assert!(password.len() >= 12, "a strong password: {password:?}");
    assert_eq!(result.stdout.matches(password.as_str()).count(), 1, "shown once");
    assert!(!result.stderr.contains(password.as_str()), "not in the logs");
    let printed = format!("{}{}", result.stdout, result.stderr);
    assert!(
        jwts(&printed).is_empty(),
        "a token was printed: {:?}",
        jwts(&printed)
    );
    assert!(!printed.contains("PRIVATE KEY"), "a private key was printed");
    for (path, text, file_mode) in files(env.dir.path()) {
        assert!(
            !text.contains(password.as_str()),
            "{} holds the password",
            path.display()
        );
        assert!(jwts(&text).is_empty(), "{} holds a token", path.display());
        if text.contains("PRIVATE KEY") || path.extension().is_some_and(|x| x == "p12") {
            assert_eq!(file_mode, 0o600, "{} holds a secret", path.display());
        }
    }
}
