//! Shared test helpers: an HTTP client that signs tokens, CSRs, and the OpenAPI schema validator.

use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use ascert_sandbox::{AUDIENCE, Sandbox, SandboxApiKey};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use rcgen::{CertificateParams, DnType, KeyPair, PKCS_RSA_SHA256};
use reqwest::{Method, StatusCode, header::HeaderMap};
use serde_json::{Value, json};

/// Seconds since the epoch.
pub(crate) fn now() -> i64 {
    i64::try_from(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_secs(),
    )
    .unwrap()
}

/// Signs `claims` with `key` the way a client signs App Store Connect tokens.
pub(crate) fn sign(key: &SandboxApiKey, claims: &Value) -> String {
    let mut header = Header::new(Algorithm::ES256);
    header.kid = Some(key.key_id.clone());
    header.typ = Some("JWT".into());
    let encoding = EncodingKey::from_ec_pem(key.private_key_pem.as_bytes()).unwrap();
    jsonwebtoken::encode(&header, claims, &encoding).unwrap()
}

/// A valid token for a team key.
pub(crate) fn team_token(key: &SandboxApiKey) -> String {
    let iat = now();
    sign(
        key,
        &json!({"iss": key.issuer_id, "aud": AUDIENCE, "iat": iat, "exp": iat + 1200}),
    )
}

/// One response: status, headers and the JSON body (`Null` when empty).
#[derive(Debug)]
pub(crate) struct Reply {
    pub(crate) status: StatusCode,
    pub(crate) headers: HeaderMap,
    pub(crate) body: Value,
}

/// A client bound to a sandbox and a token.
pub(crate) struct Client {
    pub(crate) http: reqwest::Client,
    pub(crate) base_url: String,
    pub(crate) token: Option<String>,
}

impl Client {
    pub(crate) fn new(sandbox: &Sandbox) -> Self {
        Self::with_key(sandbox, sandbox.api_key())
    }

    pub(crate) fn with_key(sandbox: &Sandbox, key: &SandboxApiKey) -> Self {
        Self {
            http: reqwest::Client::builder().no_proxy().build().unwrap(),
            base_url: sandbox.base_url().to_owned(),
            token: Some(team_token(key)),
        }
    }

    /// Sends a request to `path` (relative to the base URL, or absolute).
    pub(crate) async fn try_send(
        &self,
        method: Method,
        path: &str,
        body: Option<&Value>,
    ) -> reqwest::Result<Reply> {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base_url)
        };
        let mut request = self.http.request(method, url);
        if let Some(token) = &self.token {
            request = request.bearer_auth(token);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/json")
                .body(body.to_string());
        }
        let response = request.send().await?;
        let status = response.status();
        let headers = response.headers().clone();
        let bytes = response.bytes().await?;
        let body = if bytes.is_empty() {
            Value::Null
        } else {
            serde_json::from_slice(&bytes)
                .unwrap_or_else(|e| panic!("{e}: {}", String::from_utf8_lossy(&bytes)))
        };
        Ok(Reply {
            status,
            headers,
            body,
        })
    }

    pub(crate) async fn send(&self, method: Method, path: &str, body: Option<&Value>) -> Reply {
        self.try_send(method, path, body).await.unwrap()
    }

    pub(crate) async fn get(&self, path: &str) -> Reply {
        self.send(Method::GET, path, None).await
    }
}

/// A process-wide RSA 2048 key and its CSR, shared to keep key generation out of most tests.
pub(crate) fn rsa_key() -> &'static (KeyPair, String) {
    static KEY: OnceLock<(KeyPair, String)> = OnceLock::new();
    KEY.get_or_init(|| {
        let key = KeyPair::generate_for(&PKCS_RSA_SHA256).unwrap();
        let csr = csr_for(&key, "Jane Appleseed");
        (key, csr)
    })
}

/// A PEM CSR for `key` with common name `name`.
pub(crate) fn csr_for(key: &KeyPair, name: &str) -> String {
    let mut params = CertificateParams::default();
    params.distinguished_name = rcgen::DistinguishedName::new();
    params.distinguished_name.push(DnType::CommonName, name);
    params.serialize_request(key).unwrap().pem().unwrap()
}

/// The body of a create request.
pub(crate) fn create_body(certificate_type: &str, csr: &str) -> Value {
    json!({"data": {"type": "certificates", "attributes": {"certificateType": certificate_type, "csrContent": csr}}})
}

/// Whether this crate sits in the ascert workspace (its root `Cargo.toml` two folders up), rather
/// than unpacked from its published package, where the workspace's reference files do not travel.
pub(crate) fn in_workspace() -> bool {
    let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../Cargo.toml");
    std::fs::read_to_string(root)
        .is_ok_and(|text| text.contains("[workspace]") && text.contains("ascert-sandbox"))
}

/// The folder holding Apple's reference files: `$ASCERT_SHARED_DIR/reference`, else the first
/// ancestor's `shared/reference` that has the OpenAPI description.
///
/// Apple's files are not ours to ship, so they are not in this crate's package: outside the
/// workspace (a copy unpacked from crates.io) there is none, and the checks that need it say so and
/// are skipped. Inside the workspace, which is where CI runs, a missing folder fails the test.
#[allow(clippy::print_stderr, reason = "a test says why it is skipped")]
fn reference_dir() -> Option<PathBuf> {
    if let Some(shared) = std::env::var_os("ASCERT_SHARED_DIR") {
        return Some(PathBuf::from(shared).join("reference"));
    }
    let found = Path::new(env!("CARGO_MANIFEST_DIR"))
        .ancestors()
        .map(|dir| dir.join("shared").join("reference"))
        .find(|dir| dir.join("certificates-openapi.json").is_file());
    if found.is_none() {
        assert!(
            !in_workspace(),
            "shared/reference/certificates-openapi.json (Apple's OpenAPI description) is missing beside \
             the checkout: put the reference folder there or set ASCERT_SHARED_DIR"
        );
        eprintln!(
            "skipped: the OpenAPI schema checks need Apple's description (shared/reference/), which \
             is not part of this crate's package; run the tests in the ascert workspace"
        );
    }
    found
}

/// Apple's OpenAPI document (the Certificates subset), as published; `None` only outside the
/// workspace (see [`reference_dir`]).
pub(crate) fn spec() -> Option<&'static Value> {
    static SPEC: OnceLock<Option<Value>> = OnceLock::new();
    SPEC.get_or_init(|| {
        let dir = reference_dir()?;
        let text = std::fs::read_to_string(dir.join("certificates-openapi.json")).unwrap();
        Some(serde_json::from_str(&text).unwrap())
    })
    .as_ref()
}

/// Apple's full OpenAPI document (`asc-openapi.json`), for the provisioning paths and schemas the
/// Certificates subset lacks; `None` only outside the workspace (see [`reference_dir`]).
pub(crate) fn full_spec() -> Option<&'static Value> {
    static FULL: OnceLock<Option<Value>> = OnceLock::new();
    FULL.get_or_init(|| {
        let dir = reference_dir()?;
        let text = std::fs::read_to_string(dir.join("asc-openapi.json")).unwrap();
        Some(serde_json::from_str(&text).unwrap())
    })
    .as_ref()
}

/// The response documents of the provisioning resources, which the Certificates subset lacks: read
/// from Apple's full description (`asc-openapi.json`) beside it, with every schema they name.
const PROVISIONING_SCHEMAS: [&str; 22] = [
    "ProfileResponse",
    "ProfilesResponse",
    "ProfilesWithoutIncludesResponse",
    "BundleIdResponse",
    "BundleIdsResponse",
    "BundleIdWithoutIncludesResponse",
    "BundleIdCapabilityResponse",
    "BundleIdCapabilitiesWithoutIncludesResponse",
    "DeviceResponse",
    "DevicesResponse",
    "DevicesWithoutIncludesResponse",
    "CertificatesWithoutIncludesResponse",
    "ProfileBundleIdLinkageResponse",
    "ProfileCertificatesLinkagesResponse",
    "ProfileDevicesLinkagesResponse",
    "BundleIdProfilesLinkagesResponse",
    "BundleIdBundleIdCapabilitiesLinkagesResponse",
    "BundleIdAppLinkageResponse",
    "ProfileCreateRequest",
    "BundleIdCreateRequest",
    "DeviceCreateRequest",
    "BundleIdCapabilityCreateRequest",
];

/// Adds to `schemas` the provisioning schemas of Apple's full description and every schema they
/// reference, leaving the ones already there as they are.
fn add_provisioning_schemas(schemas: &mut serde_json::Map<String, Value>) {
    let Some(full) = full_spec() else {
        return;
    };
    let all = full["components"]["schemas"].as_object().unwrap();
    let mut pending: Vec<String> = PROVISIONING_SCHEMAS.iter().map(|s| (*s).to_owned()).collect();
    while let Some(name) = pending.pop() {
        if schemas.contains_key(&name) {
            continue;
        }
        let schema = all[&name].clone();
        let text = schema.to_string();
        for reference in text.split("\"#/components/schemas/").skip(1) {
            pending.push(reference.split('"').next().unwrap().to_owned());
        }
        schemas.insert(name, schema);
    }
}

/// The spec's components, with one relaxation: an attribute may be `null`.
///
/// Apple sends every attribute key and `null` where there is no value (`"platform": null` for
/// DEVELOPMENT certificates), but its OpenAPI 3.0 document marks no attribute `nullable`. Only the
/// values inside `attributes` objects are relaxed; every other part is validated as published.
fn components() -> Option<&'static Value> {
    static COMPONENTS: OnceLock<Option<Value>> = OnceLock::new();
    COMPONENTS
        .get_or_init(|| {
            let mut components = spec()?["components"].clone();
            let schemas = components["schemas"].as_object_mut().unwrap();
            add_provisioning_schemas(schemas);
            for schema in schemas.values_mut() {
                let Some(attributes) = schema
                    .pointer_mut("/properties/attributes/properties")
                    .and_then(Value::as_object_mut)
                else {
                    continue;
                };
                for property in attributes.values_mut() {
                    *property = json!({"anyOf": [property.take(), {"type": "null"}]});
                }
            }
            Some(components)
        })
        .as_ref()
}

/// The errors of `document` against `schema` (a `$ref` into the spec's components), as
/// "message at path" lines; empty when it is valid.
///
/// Formats are not asserted: Apple's own dates (`+0000` offsets) are not RFC 3339 `date-time`.
/// Outside the workspace, where Apple's description is not at hand, nothing is checked (and
/// [`reference_dir`] has said so).
pub(crate) fn schema_errors(schema: &Value, document: &Value) -> Vec<String> {
    let Some(components) = components() else {
        return Vec::new();
    };
    let mut root = schema.clone();
    root["components"] = components.clone();
    let validator = jsonschema::options()
        .with_draft(jsonschema::Draft::Draft4)
        .should_validate_formats(false)
        .build(&root)
        .unwrap();
    validator
        .iter_errors(document)
        .map(|e| format!("{} at {}", e, e.instance_path()))
        .collect()
}

/// Asserts that `document` is valid against `#/components/schemas/<schema>` of Apple's spec.
pub(crate) fn assert_schema(schema: &str, document: &Value) {
    let reference = json!({"$ref": format!("#/components/schemas/{schema}")});
    let errors = schema_errors(&reference, document);
    assert!(errors.is_empty(), "{schema}: {errors:#?}\n{document:#}");
}

/// Asserts an Apple error document with `status` and `code`, valid against `ErrorResponse`.
pub(crate) fn assert_error(reply: &Reply, status: u16, code: &str) {
    assert_eq!(reply.status.as_u16(), status, "{:#}", reply.body);
    assert_schema("ErrorResponse", &reply.body);
    let error = &reply.body["errors"][0];
    assert_eq!(error["status"], status.to_string());
    assert_eq!(error["code"], code, "{:#}", reply.body);
    assert_eq!(
        reply.headers["content-type"].to_str().unwrap(),
        "application/json"
    );
}

/// The `user-hour-rem` of the `X-Rate-Limit` header.
pub(crate) fn remaining_quota(reply: &Reply) -> u32 {
    let header = reply.headers["x-rate-limit"].to_str().unwrap();
    header
        .split(';')
        .find_map(|part| part.strip_prefix("user-hour-rem:"))
        .unwrap()
        .parse()
        .unwrap()
}

/// Upper-case hexadecimal, as Apple writes serial numbers.
pub(crate) fn hex_upper(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::new(), |mut out, b| {
        let _ = write!(out, "{b:02X}");
        out
    })
}
