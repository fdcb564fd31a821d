//! `ascert sandbox serve`: the ready line, the key files, serving, signals, --state and --tls.

use std::io::{BufRead as _, BufReader};
use std::os::unix::fs::PermissionsExt as _;
use std::path::Path;
use std::process::{Child, Command, Stdio};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::{Value, json};

/// A running `ascert sandbox serve` and its ready line.
struct Server {
    child: Child,
    ready: Value,
}

impl Server {
    fn start(key_out: &Path, extra: &[&str]) -> Self {
        let mut child = Command::new(env!("CARGO_BIN_EXE_ascert"))
            .args(["sandbox", "serve", "--key-out"])
            .arg(key_out)
            .args(extra)
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        // The ready line is the readiness signal: the server accepts connections once it is printed.
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ready = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        Self { child, ready }
    }

    fn token(&self) -> String {
        let key = std::fs::read(self.ready["privateKeyPath"].as_str().unwrap()).unwrap();
        let mut header = Header::new(Algorithm::ES256);
        header.kid = Some(self.ready["keyId"].as_str().unwrap().to_owned());
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs();
        let claims =
            json!({"iss": self.ready["issuerId"], "aud": "appstoreconnect-v1", "iat": now, "exp": now + 600});
        jsonwebtoken::encode(&header, &claims, &EncodingKey::from_ec_pem(&key).unwrap()).unwrap()
    }

    async fn list(&self, client: &reqwest::Client) -> Value {
        let url = format!("{}/v1/certificates", self.ready["baseUrl"].as_str().unwrap());
        let response = client.get(url).bearer_auth(self.token()).send().await.unwrap();
        assert_eq!(response.status(), 200);
        assert!(response.headers().contains_key("x-rate-limit"));
        response.json().await.unwrap()
    }

    /// Sends `signal` and returns whether the server exited successfully.
    fn stop(mut self, signal: &str) -> bool {
        let status = Command::new("kill")
            .args([signal, &self.child.id().to_string()])
            .status()
            .unwrap();
        assert!(status.success());
        self.child.wait().unwrap().success()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        // Only reached when a test failed before stopping its server.
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::builder().no_proxy().build().unwrap()
}

#[tokio::test]
async fn serve_announces_itself_writes_keys_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let keys = dir.path().join("keys");
    let server = Server::start(&keys, &["--seed-certificates", "25", "--page-size", "10"]);
    let ready = &server.ready;
    let mut fields: Vec<&str> = ready.as_object().unwrap().keys().map(String::as_str).collect();
    fields.sort_unstable();
    assert_eq!(
        fields,
        ["apiKeyJson", "baseUrl", "issuerId", "keyId", "privateKeyPath"]
    );
    assert!(
        ready["baseUrl"]
            .as_str()
            .unwrap()
            .starts_with("http://127.0.0.1:")
    );
    let key_path = Path::new(ready["privateKeyPath"].as_str().unwrap());
    assert_eq!(
        key_path.file_name().unwrap().to_string_lossy(),
        format!("AuthKey_{}.p8", ready["keyId"].as_str().unwrap())
    );
    let fastlane: Value =
        serde_json::from_str(&std::fs::read_to_string(ready["apiKeyJson"].as_str().unwrap()).unwrap())
            .unwrap();
    assert_eq!(fastlane["key_id"], ready["keyId"]);
    assert_eq!(fastlane["issuer_id"], ready["issuerId"]);
    assert_eq!(fastlane["in_house"], false);
    assert_eq!(
        std::fs::metadata(key_path).unwrap().permissions().mode() & 0o777,
        0o600
    );

    let page = server.list(&client()).await;
    assert_eq!(page["meta"]["paging"]["total"], 25);
    assert_eq!(page["data"].as_array().unwrap().len(), 10);
    assert!(server.stop("-TERM"));
}

#[tokio::test]
async fn state_survives_a_restart_and_sigint_stops_cleanly() {
    let dir = tempfile::tempdir().unwrap();
    let state = dir.path().join("state.json");
    let state_arg = state.to_str().unwrap();
    let first = Server::start(dir.path(), &["--state", state_arg, "--seed-certificates", "3"]);
    assert_eq!(first.list(&client()).await["meta"]["paging"]["total"], 3);
    assert!(first.stop("-INT"));
    let second = Server::start(dir.path(), &["--state", state_arg, "--seed-certificates", "50"]);
    assert_eq!(second.list(&client()).await["meta"]["paging"]["total"], 3);
    assert!(second.stop("-TERM"));
}

#[tokio::test(flavor = "multi_thread")]
async fn tls_writes_the_ca_and_serves_https_that_ascert_trusts_with_a_warning() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(dir.path(), &["--tls"]);
    let base_url = server.ready["baseUrl"].as_str().unwrap();
    assert!(base_url.starts_with("https://127.0.0.1:"), "{base_url}");
    let ca_path = dir.path().join("ca.pem");
    assert_eq!(
        server.ready["caPem"],
        std::path::absolute(&ca_path).unwrap().to_str().unwrap()
    );
    let ca = reqwest::Certificate::from_pem(&std::fs::read(&ca_path).unwrap()).unwrap();
    let https = reqwest::Client::builder()
        .no_proxy()
        .tls_certs_only([ca])
        .build()
        .unwrap();
    server.list(&https).await;

    let env = crate::support::Env::start().await;
    // Without its CA, the sandbox's certificate is refused at once (no retry) with a hint that names
    // the two ways to trust it.
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", base_url)
        .arg("--api-key")
        .arg(server.ready["apiKeyJson"].as_str().unwrap())
        // Retried, it would outlive this deadline and end with exit 7.
        .args(["--timeout", "3s", "certificates", "list"]);
    let refused = crate::support::run(command).await;
    let stderr = refused.fails_with(1);
    assert!(stderr.contains("UnknownIssuer"), "{stderr}");
    assert!(stderr.contains("ASCERT_CA_CERT=<its ca.pem>"), "{stderr}");
    assert!(stderr.contains("SSL_CERT_FILE"), "{stderr}");
    // SSL_CERT_FILE works as the hint says.
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", base_url)
        .env("SSL_CERT_FILE", &ca_path)
        .arg("--api-key")
        .arg(server.ready["apiKeyJson"].as_str().unwrap())
        .args(["certificates", "list", "--json"]);
    crate::support::run(command).await.ok();

    // ascert itself trusts the sandbox's CA through ASCERT_CA_CERT, and warns that it does.
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", base_url)
        .env("ASCERT_CA_CERT", &ca_path)
        .arg("--api-key")
        .arg(server.ready["apiKeyJson"].as_str().unwrap())
        .args(["certificates", "list", "--json"]);
    let listed = crate::support::run(command).await;
    listed.ok();
    assert!(
        listed.stderr.contains("is trusted as a root certificate authority for every host ascert connects to: 127.0.0.1 and api.appstoreconnect.apple.com alike"),
        "{}",
        listed.stderr
    );
    assert!(server.stop("-TERM"));
}

#[tokio::test]
async fn options_reach_the_server() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--rate-limit",
            "2",
            "--reject-type-filter",
            "DEVELOPER_ID_APPLICATION_G2",
        ],
    );
    let base_url = server.ready["baseUrl"].as_str().unwrap();
    let response = client()
        .get(format!(
            "{base_url}/v1/certificates?filter[certificateType]=DEVELOPER_ID_APPLICATION_G2"
        ))
        .bearer_auth(server.token())
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
    assert_eq!(
        response.headers()["x-rate-limit"],
        "user-hour-lim:2;user-hour-rem:1;"
    );
    let body: Value = response.json().await.unwrap();
    assert_eq!(body["errors"][0]["code"], "PARAMETER_ERROR.INVALID");
    assert_eq!(
        body["errors"][0]["source"]["parameter"],
        "filter[certificateType]"
    );
    assert!(server.stop("-TERM"));
}

/// `--seed-certificate TYPE:DAYS` starts the server with certificates of chosen expiry, as users'
/// tests of expiry logic need: one that expires in 20 days, one that expired 3 days ago.
#[tokio::test]
async fn seeded_certificates_expire_when_asked() {
    let dir = tempfile::tempdir().unwrap();
    let server = Server::start(
        dir.path(),
        &[
            "--seed-certificate",
            "DISTRIBUTION:20",
            "--seed-certificate",
            "development:-3",
        ],
    );
    let listed = server.list(&client()).await;
    let data = listed["data"].as_array().unwrap();
    assert_eq!(data.len(), 2, "{listed}");
    let today = time::OffsetDateTime::now_utc().date();
    for (certificate_type, days) in [("DISTRIBUTION", 20), ("DEVELOPMENT", -3)] {
        let certificate = data
            .iter()
            .find(|c| c["attributes"]["certificateType"] == certificate_type)
            .unwrap_or_else(|| panic!("no {certificate_type}: {listed}"));
        // Apple's form, `2026-12-27T10:00:00.000+0000`: the day is what matters here.
        let expires = certificate["attributes"]["expirationDate"].as_str().unwrap();
        let day = time::Date::parse(
            &expires[..10],
            time::macros::format_description!("[year]-[month]-[day]"),
        )
        .unwrap();
        let off = (day - today - time::Duration::days(days)).whole_days().abs();
        assert!(
            off <= 1,
            "{certificate_type} expires {expires}, wanted in {days} days"
        );
    }
    assert!(server.stop("-TERM"));
}

#[test]
fn bad_options_fail_with_a_message() {
    let dir = tempfile::tempdir().unwrap();
    let serve = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_ascert"))
            .args(["sandbox", "serve", "--key-out"])
            .arg(dir.path())
            .args(args)
            .output()
            .unwrap()
    };
    // A value the command line cannot use is a usage error (2), as an unknown option is.
    let output = serve(&["--reject-type-filter", "NOT_A_TYPE"]);
    assert_eq!(output.status.code(), Some(2));
    assert!(output.stdout.is_empty());
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(
        stderr.starts_with("error: --reject-type-filter \"NOT_A_TYPE\""),
        "{stderr}"
    );
    let output = serve(&["--page-size", "500"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("500 is not in 1..=200"), "{stderr}");
    let output = serve(&["--fault-rate", "1.5"]);
    assert_eq!(output.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(stderr.contains("not a probability from 0 to 1"), "{stderr}");
    for (bad, says) in [
        ("DISTRIBUTION", "is not TYPE:DAYS"),
        ("DISTRIBUTON:20", "unknown certificate type"),
        ("DISTRIBUTION:soon", "is not a number of days"),
        ("DISTRIBUTION:99999", "is not a number of days"),
    ] {
        let output = serve(&["--seed-certificate", bad]);
        assert_eq!(output.status.code(), Some(2), "{bad}");
        let stderr = String::from_utf8_lossy(&output.stderr);
        assert!(stderr.contains(says), "{bad}: {stderr}");
    }
    let output = serve(&["--no-such-option"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn a_failure_to_start_exits_1() {
    // The key folder's place is taken by a file: the server cannot write its key.
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("taken");
    std::fs::write(&file, "").unwrap();
    let output = Command::new(env!("CARGO_BIN_EXE_ascert"))
        .args(["sandbox", "serve", "--key-out"])
        .arg(&file)
        .output()
        .unwrap();
    assert_eq!(output.status.code(), Some(1));
    assert!(output.stdout.is_empty());
    assert!(String::from_utf8_lossy(&output.stderr).starts_with("error: "));
}
