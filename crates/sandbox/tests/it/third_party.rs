//! Conformance with a client we did not write: codemagic-cli-tools' App Store Connect client (from
//! `PyPI`, pinned in `tests/third_party/requirements.txt`) runs a full certificates session against
//! an HTTPS sandbox with only its base URL changed: every page of the list, a two-type filter,
//! a read, a create from a CSR and a revoke (`tests/third_party/codemagic_client.py`), and a
//! provisioning session: a bundle ID, a device, App Store and development profiles, their
//! relationships and linkages, their content read by codemagic, a revoke that invalidates one and a
//! delete (`tests/third_party/codemagic_profiles.py`). The sandbox
//! records every exchange; each request body and each answer is validated against the schema
//! Apple's OpenAPI document declares for that operation and status.
//!
//! The client lives in a virtualenv that `.ci/run` creates at `target/conformance-venv`
//! (`ASCERT_CONFORMANCE_PYTHON` names another interpreter). Without it this test fails, naming the
//! command that installs it.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use ascert_sandbox::{Exchange, Sandbox};
use serde_json::{Value, json};

use crate::common::{full_spec, schema_errors, spec};

/// Certificates seeded: more than two of the client's 100-certificate pages.
const SEEDED: usize = 230;
/// How long the client may take; a normal run takes a few seconds.
const CLIENT_TIMEOUT: Duration = Duration::from_secs(180);

fn workspace_root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../..")
}

fn third_party_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/third_party")
}

/// The interpreter of the conformance virtualenv, or a failure that says how to install it.
fn conformance_python() -> PathBuf {
    let python = std::env::var_os("ASCERT_CONFORMANCE_PYTHON").map_or_else(
        || workspace_root().join("target/conformance-venv/bin/python"),
        PathBuf::from,
    );
    assert!(
        python.is_file(),
        "the third-party client is not installed ({} is missing); install it from the workspace root \
         with:\n  python3 -m venv target/conformance-venv && target/conformance-venv/bin/pip install \
         -r crates/sandbox/tests/third_party/requirements.txt\n(.ci/run does this)",
        python.display()
    );
    python
}

/// The version of `package` pinned in requirements.txt.
fn pinned(package: &str) -> String {
    let text = std::fs::read_to_string(third_party_dir().join("requirements.txt")).unwrap();
    text.lines()
        .find_map(|line| line.strip_prefix(&format!("{package}==")))
        .unwrap_or_else(|| panic!("{package} is not pinned in requirements.txt"))
        .to_owned()
}

/// Runs the client script to its end; returns its summary line.
async fn run_client(python: &Path, sandbox: &Sandbox, dir: &Path, script: &str) -> Value {
    let key_files = sandbox.api_key().write_files(&dir.join("keys")).unwrap();
    let ca = dir.join("sandbox-tls-ca.pem");
    std::fs::write(&ca, sandbox.tls_ca_pem().unwrap()).unwrap();
    let (stdout, stderr) = (dir.join("stdout"), dir.join("stderr"));
    let started = Instant::now();
    let mut child = Command::new(python)
        .arg(third_party_dir().join(script))
        // A clean environment: no proxy, no user site, logs and caches in the test's folder.
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("HOME", dir)
        .env("TMPDIR", dir)
        .env("PYTHONNOUSERSITE", "1")
        .env("PYTHONDONTWRITEBYTECODE", "1")
        .env("NO_PROXY", "127.0.0.1,localhost")
        // The sandbox's TLS CA, trusted the way requests trusts any private CA.
        .env("REQUESTS_CA_BUNDLE", &ca)
        .env("ASC_BASE_URL", sandbox.base_url())
        .env("ASC_KEY_ID", &sandbox.api_key().key_id)
        .env("ASC_ISSUER_ID", sandbox.issuer_id())
        .env("ASC_PRIVATE_KEY_PATH", &key_files.private_key_path)
        .env("ASC_EXPECTED_TOTAL", SEEDED.to_string())
        .stdin(Stdio::null())
        .stdout(std::fs::File::create(&stdout).unwrap())
        .stderr(std::fs::File::create(&stderr).unwrap())
        .spawn()
        .unwrap_or_else(|e| panic!("cannot start {}: {e}", python.display()));
    // The sandbox answers on this runtime's other threads while the client runs.
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if started.elapsed() > CLIENT_TIMEOUT {
            let _ = child.kill();
            let _ = child.wait();
            panic!(
                "the client did not finish in {CLIENT_TIMEOUT:?}:\n{}",
                std::fs::read_to_string(&stderr).unwrap_or_default()
            );
        }
        tokio::time::sleep(Duration::from_millis(20)).await;
    };
    let out = std::fs::read_to_string(&stdout).unwrap();
    let err = std::fs::read_to_string(&stderr).unwrap();
    assert!(
        status.success(),
        "codemagic-cli-tools failed against the sandbox ({status}):\n{err}{out}"
    );
    #[allow(
        clippy::print_stderr,
        reason = "the run time is worth seeing in the test's output"
    )]
    {
        eprintln!("the client's run took {:?}", started.elapsed());
    }
    serde_json::from_str(out.trim()).unwrap_or_else(|e| panic!("{e}: {out}"))
}

/// The spec's path template that `path` matches, such as `/v1/certificates/{id}`, with the
/// document that has it: the Certificates subset, else Apple's full description (the provisioning
/// paths).
fn path_template(path: &str) -> Option<(&'static Value, String)> {
    let segments: Vec<&str> = path.split('/').collect();
    let documents = [spec(), full_spec()];
    documents.into_iter().flatten().find_map(|document| {
        document["paths"]
            .as_object()
            .unwrap()
            .keys()
            .find(|template| {
                let parts: Vec<&str> = template.split('/').collect();
                parts.len() == segments.len()
                    && parts
                        .iter()
                        .zip(&segments)
                        .all(|(p, s)| p == s || (p.starts_with('{') && !s.is_empty()))
            })
            .map(|template| (document, template.clone()))
    })
}

/// What is wrong with `exchange` by Apple's specification; empty when nothing is.
fn violations(exchange: &Exchange) -> Vec<String> {
    let path = exchange.path_and_query.split('?').next().unwrap_or_default();
    let Some((document, template)) = path_template(path) else {
        return vec!["the specification has no such path".into()];
    };
    let Some(operation) = document["paths"][&template].get(exchange.method.to_ascii_lowercase()) else {
        return vec![format!("the specification has no {} {template}", exchange.method)];
    };
    let mut problems = Vec::new();
    if let Some(schema) = operation.pointer("/requestBody/content/application~1json/schema") {
        match serde_json::from_slice::<Value>(&exchange.request_body) {
            Ok(body) => problems.extend(
                schema_errors(schema, &body)
                    .into_iter()
                    .map(|e| format!("request body: {e}")),
            ),
            Err(e) => problems.push(format!("request body is not JSON: {e}")),
        }
    }
    let Some(response) = operation["responses"].get(exchange.status.to_string()) else {
        problems.push(format!(
            "the specification declares no {} answer",
            exchange.status
        ));
        return problems;
    };
    match response.pointer("/content/application~1json/schema") {
        Some(schema) => {
            if exchange.content_type.as_deref() != Some("application/json") {
                problems.push(format!("Content-Type {:?}", exchange.content_type));
            }
            match serde_json::from_slice::<Value>(&exchange.response_body) {
                Ok(body) => problems.extend(schema_errors(schema, &body)),
                Err(e) => problems.push(format!("the answer is not JSON: {e}")),
            }
        }
        None if !exchange.response_body.is_empty() => {
            problems.push("the specification declares no body, and the answer has one".into());
        }
        None => {}
    }
    problems
}

/// Asserts that no exchange breaks Apple's specification, naming every one that does.
fn assert_every_exchange_matches_the_spec(exchanges: &[Exchange]) {
    let mut failures = Vec::new();
    for exchange in exchanges {
        for problem in violations(exchange) {
            failures.push(format!(
                "{} {} -> {}: {problem}",
                exchange.method, exchange.path_and_query, exchange.status
            ));
        }
    }
    assert!(
        failures.is_empty(),
        "{} of {} exchanges break Apple's specification:\n{}",
        failures.len(),
        exchanges.len(),
        failures.join("\n")
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn codemagic_cli_tools_runs_a_full_session_and_every_exchange_matches_apples_spec() {
    // Only outside the workspace, where Apple's description does not travel (common::reference_dir
    // says so); inside it a missing spec fails.
    if spec().is_none() {
        return;
    }
    let python = conformance_python();
    let sandbox = Sandbox::builder()
        .tls(true)
        .seed_certificates(SEEDED)
        .record_exchanges(true)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = run_client(&python, &sandbox, dir.path(), "codemagic_client.py").await;

    assert_eq!(summary["client_version"], pinned("codemagic-cli-tools"));
    assert_eq!(summary["listed"], SEEDED);
    assert_eq!(summary["created"], summary["revoked"]);
    // What codemagic's own live test against Apple asserts of a certificate made through the API.
    assert_eq!(summary["created_display_name"], "Created via API");
    assert_eq!(
        summary["issuer"],
        json!({"CN": "Apple Worldwide Developer Relations Certification Authority",
               "OU": "G3", "O": "Apple Inc. (ascert Sandbox)", "C": "US"})
    );
    assert_eq!(sandbox.certificate_count(), SEEDED);

    let exchanges = sandbox.exchanges();
    assert_every_exchange_matches_the_spec(&exchanges);

    // The run covered every operation it claims to, as the client really sent them.
    let count = |f: &dyn Fn(&Exchange) -> bool| exchanges.iter().filter(|e| f(e)).count();
    let lists = |e: &Exchange| e.method == "GET" && e.path_and_query.starts_with("/v1/certificates?");
    let mut by_operation = BTreeMap::new();
    for e in &exchanges {
        *by_operation.entry((e.method.as_str(), e.status)).or_insert(0) += 1;
    }
    // Two full listings of three pages (100 a page) and one filtered listing.
    assert_eq!(
        count(&|e| lists(e) && e.path_and_query.contains("cursor=")),
        4,
        "{by_operation:?}"
    );
    assert_eq!(
        count(&|e| lists(e)
            && e.path_and_query
                .contains("filter%5BcertificateType%5D=IOS_DISTRIBUTION%2CDISTRIBUTION")),
        1,
        "the two-type filter, percent-encoded as requests sends it"
    );
    assert_eq!(
        by_operation,
        BTreeMap::from([
            (("GET", 200), 8),
            (("GET", 404), 1),
            (("POST", 201), 1),
            (("DELETE", 204), 1)
        ]),
        "every exchange of the run"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn codemagic_cli_tools_runs_a_provisioning_session_and_every_exchange_matches_apples_spec() {
    if spec().is_none() {
        return;
    }
    let python = conformance_python();
    let sandbox = Sandbox::builder()
        .tls(true)
        .record_exchanges(true)
        .start()
        .await
        .unwrap();
    let dir = tempfile::tempdir().unwrap();
    let summary = run_client(&python, &sandbox, dir.path(), "codemagic_profiles.py").await;

    // What a user of codemagic sees: the profiles made, and their content as codemagic reads it.
    assert_eq!(summary["client_version"], pinned("codemagic-cli-tools"));
    assert_eq!(summary["bundle_id"], "io.codemagic.sandbox.app");
    assert_eq!(summary["capabilities"], 2);
    assert_eq!(
        summary["profiles_created"],
        json!(["IOS_APP_STORE", "IOS_APP_DEVELOPMENT"])
    );
    assert_eq!(summary["filtered"], 1);
    assert_eq!(
        summary["store_content"],
        json!({"name": "Sandbox App Store", "team": "SBXTEAM001",
               "bundle_id": "io.codemagic.sandbox.app", "devices": 0})
    );
    assert_eq!(
        summary["dev_content"],
        json!({"name": "Sandbox Development", "devices": ["00008110-000A1B2C3D4E801E"],
               "certificates": 1})
    );
    assert_eq!(summary["store_state_after_revoke"], "INVALID");
    assert_eq!(summary["remaining"].as_array().unwrap().len(), 1);
    // The development certificate stays; the distribution one was revoked.
    assert_eq!(sandbox.certificate_count(), 1);

    let exchanges = sandbox.exchanges();
    assert_every_exchange_matches_the_spec(&exchanges);
    // codemagic followed the linkages it reads through `links.self`, and each answered. (Its
    // `list_certificate_ids` and `list_device_ids` follow `links.related`; its `list_certificates`
    // and `list_devices` of a profile object follow `links.self` but read full resources from the
    // linkage, which fails against Apple too, so the script passes the profile's id there.)
    for linkage in [
        "/relationships/bundleId",
        "/relationships/profiles",
        "/relationships/bundleIdCapabilities",
    ] {
        assert!(
            exchanges
                .iter()
                .any(|e| e.method == "GET" && e.status == 200 && e.path_and_query.contains(linkage)),
            "codemagic did not follow {linkage}"
        );
    }
    let failed: Vec<_> = exchanges
        .iter()
        .filter(|e| e.status >= 400 && !(e.method == "GET" && e.status == 404))
        .map(|e| format!("{} {} -> {}", e.method, e.path_and_query, e.status))
        .collect();
    assert!(failed.is_empty(), "{failed:?}");
}

#[test]
fn the_spec_check_allows_null_for_attributes_and_nothing_else() {
    let certificate = |attributes: Value, id: Value| {
        json!({"data": {"type": "certificates", "id": id, "attributes": attributes,
            "links": {"self": "https://api.appstoreconnect.apple.com/v1/certificates/A"}},
            "links": {"self": "https://api.appstoreconnect.apple.com/v1/certificates/A"}})
    };
    let schema = json!({"$ref": "#/components/schemas/CertificateResponse"});
    let valid = |document: &Value| schema_errors(&schema, document).is_empty();
    assert!(valid(&certificate(
        json!({"platform": null, "name": null}),
        json!("A")
    )));
    assert!(valid(&certificate(json!({"platform": "MAC_OS"}), json!("A"))));
    assert!(!valid(&certificate(json!({"platform": "WINDOWS"}), json!("A"))));
    assert!(!valid(&certificate(json!({"activated": "yes"}), json!("A"))));
    assert!(!valid(&certificate(json!({}), Value::Null)));
}
