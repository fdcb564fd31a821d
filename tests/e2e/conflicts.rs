//! Every 409 explained for what it is. Only Apple's "You already have a current … certificate" is a
//! full slot, and its hint is the way out that breaks nobody's signing; a CSR Apple refuses, a pass
//! type id left out and a relationship Apple refuses are explained from Apple's own code, with no
//! word of revoking; a 409 without `detail` (Apple sends those: FB12292035) still says what Apple
//! sent. What the CLI can know before it asks (a pass type id missing) it says before making a key.

use crate::hostile_server::{Answer, HostileServer, http};
use crate::support::{Env, openssl, run};

/// An empty page of certificates, as the create flow's first look (for one to adopt) gets it.
fn empty_page(base: &str) -> Answer {
    http(
        "200 OK",
        &[("Content-Type", "application/json")],
        format!(
            r#"{{"data":[],"links":{{"self":"{base}/v1/certificates"}},"meta":{{"paging":{{"total":0,"limit":200}}}}}}"#
        )
        .as_bytes(),
    )
}

/// A server that answers every list with an empty page and every create with `status` and `body`.
async fn answering_create_with(status: &'static str, body: &'static str) -> HostileServer {
    HostileServer::start(move |request, base| {
        if request.method == "POST" {
            http(status, &[("Content-Type", "application/json")], body.as_bytes())
        } else {
            empty_page(base)
        }
    })
    .await
}

fn against(env: &Env, server: &HostileServer, args: &[&str]) -> std::process::Command {
    let mut command = env.bare();
    command
        .env("ASCERT_BASE_URL", server.base_url())
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args(args);
    command
}

/// An RSA-2048 CSR made by OpenSSL, at `name` in the test's folder.
fn rsa_csr(env: &Env, name: &str) -> String {
    let key = env.path(&format!("{name}.key"));
    let csr = env.path(name);
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-subj",
        "/CN=ascert test",
        "-out",
        csr.to_str().unwrap(),
    ]);
    csr.to_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread")]
async fn a_csr_apple_refuses_is_explained_as_the_csr_not_as_a_full_slot() {
    let env = Env::start().await;
    // An EC P-256 CSR for a DEVELOPMENT certificate: Apple takes RSA-2048 for every type but APPLE_PAY.
    let key = env.path("ec.key");
    let csr = env.path("ec.csr");
    openssl(&[
        "req",
        "-new",
        "-newkey",
        "ec",
        "-pkeyopt",
        "ec_paramgen_curve:P-256",
        "-nodes",
        "-keyout",
        key.to_str().unwrap(),
        "-subj",
        "/CN=ascert test",
        "-out",
        csr.to_str().unwrap(),
    ]);
    let args = [
        "certificates",
        "create",
        "--type",
        "DEVELOPMENT",
        "--csr",
        csr.to_str().unwrap(),
    ];
    let refused = env.run(&args).await;
    let stderr = refused.fails_with(5);
    assert!(
        stderr.contains("ENTITY_ERROR.ATTRIBUTE.INVALID"),
        "Apple's code: {stderr}"
    );
    assert!(
        stderr.contains("  why: App Store Connect refused a value"),
        "{stderr}"
    );
    assert!(
        stderr.contains("an EC P-256 key for APPLE_PAY, an RSA-2048 key for every other type"),
        "{stderr}"
    );
    assert!(!stderr.contains("slot"), "not a full slot: {stderr}");
    assert!(!stderr.contains("revoke"), "no revoke hint: {stderr}");
    assert_eq!(env.sandbox.certificate_count(), 0);

    let mut json_args = args.to_vec();
    json_args.push("--json");
    let refused = env.run(&json_args).await;
    let error: serde_json::Value = serde_json::from_str(refused.fails_with(5).trim()).unwrap();
    assert_eq!(error["status"], 409);
    assert_eq!(error["errors"][0]["code"], "ENTITY_ERROR.ATTRIBUTE.INVALID");
    assert_eq!(
        error["errors"][0]["source"]["pointer"],
        "/data/attributes/csrContent"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_pass_type_id_left_out_is_said_before_a_key_is_made() {
    let env = Env::start().await;
    let refused = env
        .run(&["certificates", "create", "--type", "PASS_TYPE_ID"])
        .await;
    let stderr = refused.fails_with(2);
    assert!(
        stderr.contains("a PASS_TYPE_ID certificate belongs to one pass type id")
            && stderr.contains("--pass-type-id ID"),
        "{stderr}"
    );
    assert!(!stderr.contains("revoke"), "{stderr}");
    assert!(env.key_records().is_empty(), "no key was made");
    assert!(env.sandbox.exchanges().is_empty(), "nothing was asked of Apple");

    // An id that belongs to another type is refused the same way.
    let misplaced = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--merchant-id",
            "merchant.com.example",
        ])
        .await;
    let stderr = misplaced.fails_with(2);
    assert!(
        stderr.contains("--merchant-id does not apply to a DEVELOPMENT certificate"),
        "{stderr}"
    );
    assert!(env.key_records().is_empty());
}

#[tokio::test(flavor = "multi_thread")]
async fn apples_missing_relationship_answer_is_explained_without_a_revoke_hint() {
    // What Apple answers when the relationship is missing after all (a CSR sent by another tool's
    // request shape, or a rule ascert does not know yet): the sandbox's answer, taken from Apple's.
    let env = Env::start().await;
    let csr = rsa_csr(&env, "pass.csr");
    let server = answering_create_with(
        "409 Conflict",
        r#"{"errors":[{"id":"8c2f","status":"409","code":"ENTITY_ERROR.RELATIONSHIP.REQUIRED","title":"The provided entity is missing a required relationship","detail":"You must provide a value for the relationship 'passTypeId' with this request","source":{"pointer":"/data/relationships/passTypeId"}}]}"#,
    )
    .await;
    let refused = run(against(
        &env,
        &server,
        &[
            "certificates",
            "create",
            "--type",
            "PASS_TYPE_ID",
            "--pass-type-id",
            "PT5R6Q7W8E",
            "--csr",
            &csr,
        ],
    ))
    .await;
    let stderr = refused.fails_with(5);
    assert!(stderr.contains("ENTITY_ERROR.RELATIONSHIP.REQUIRED"), "{stderr}");
    assert!(
        stderr.contains("  why: the certificate type needs a pass type ID or a merchant ID"),
        "{stderr}"
    );
    assert!(!stderr.contains("slot") && !stderr.contains("revoke"), "{stderr}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_relationship_apple_refuses_is_explained_without_a_revoke_hint() {
    let env = Env::start().await;
    let csr = rsa_csr(&env, "pay.csr");
    let server = answering_create_with(
        "409 Conflict",
        r#"{"errors":[{"id":"1a2b","status":"409","code":"ENTITY_ERROR.RELATIONSHIP.INVALID","title":"The provided entity includes a relationship with an invalid value","detail":"'merchant.com.example.none' is not a valid id for this relationship","source":{"pointer":"/data/relationships/merchantId"}}]}"#,
    )
    .await;
    let refused = run(against(
        &env,
        &server,
        &[
            "certificates",
            "create",
            "--type",
            "APPLE_PAY_MERCHANT_IDENTITY",
            "--merchant-id",
            "merchant.com.example.none",
            "--csr",
            &csr,
            "--json",
        ],
    ))
    .await;
    let error: serde_json::Value = serde_json::from_str(refused.fails_with(5).trim()).unwrap();
    assert_eq!(error["errors"][0]["code"], "ENTITY_ERROR.RELATIONSHIP.INVALID");
    let why = error["why"].as_str().unwrap();
    assert!(why.contains("the one given does not exist"), "{error}");
    let all = error.to_string();
    assert!(!all.contains("slot") && !all.contains("revoke"), "{all}");
}

#[tokio::test(flavor = "multi_thread")]
async fn a_409_without_detail_exits_5_with_apples_code_and_title() {
    let env = Env::start().await;
    let server = answering_create_with(
        "409 Conflict",
        r#"{"errors":[{"status":"409","code":"ENTITY_ERROR","title":"There is a problem with the request entity"}]}"#,
    )
    .await;
    let refused = run(against(
        &env,
        &server,
        &["certificates", "create", "--type", "DISTRIBUTION"],
    ))
    .await;
    let stderr = refused.fails_with(5);
    assert!(
        stderr.contains("There is a problem with the request entity (ENTITY_ERROR)"),
        "Apple's title and code: {stderr}"
    );
    assert!(
        !stderr.contains("no free slot") && !stderr.contains("revoke"),
        "{stderr}"
    );
    // The key made for it is kept.
    assert_eq!(env.key_records().len(), 1);
    assert!(stderr.contains("is kept"), "{stderr}");

    let refused = run(against(
        &env,
        &server,
        &["certificates", "create", "--type", "DISTRIBUTION", "--json"],
    ))
    .await;
    let error: serde_json::Value = serde_json::from_str(refused.fails_with(5).trim()).unwrap();
    assert_eq!(
        error["errors"],
        serde_json::json!([{"status":"409","code":"ENTITY_ERROR","title":"There is a problem with the request entity"}]),
        "Apple's errors, as Apple sent them"
    );
    assert_eq!(error["exitCode"], 5);
}
