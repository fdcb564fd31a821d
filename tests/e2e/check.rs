//! `ascert check` against the sandbox (certificates that expire in 3, 20 and 400 days, an inactive
//! one filling the last slot, a revoked one whose key is still here) and a team store on moto (a
//! lease its holder stopped renewing, a certificate whose key is pending there): each finding, each
//! output form and the exit codes.

use std::time::Duration;

use ascert_models::CertificateType;
use ascert_sandbox::{Sandbox, SeededCertificate};
use time::OffsetDateTime;

use crate::support::{Env, run};
use crate::team::{Team, kill_a_runner_once_apple_issued, runner_home};

fn seeded(certificate_type: CertificateType, days: i64) -> SeededCertificate {
    SeededCertificate::new(
        certificate_type,
        OffsetDateTime::now_utc() + time::Duration::days(days),
    )
}

/// A sandbox with the findings a team meets, and a key whose certificate was revoked.
async fn env() -> (Env, String) {
    let mut inactive = seeded(CertificateType::Distribution, 300);
    inactive.activated = false;
    let env = Env::with(
        Sandbox::builder()
            .seed_certificate(seeded(CertificateType::Distribution, 3))
            .seed_certificate(seeded(CertificateType::Development, 20))
            .seed_certificate(seeded(CertificateType::IosDistribution, 400))
            .seed_certificate(inactive)
            .seed_certificate(seeded(CertificateType::Distribution, 200))
            .seed_certificate(seeded(CertificateType::MacAppDevelopment, -5)),
    )
    .await;
    let created = env
        .run(&["certificates", "create", "--type", "IOS_DEVELOPMENT", "--json"])
        .await;
    created.ok();
    let id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    env.run(&["certificates", "revoke", &id, "--yes"]).await.ok();
    (env, id)
}

fn findings(json: &serde_json::Value) -> Vec<serde_json::Value> {
    json["findings"].as_array().unwrap().clone()
}

fn of_kind<'a>(findings: &'a [serde_json::Value], kind: &str) -> Vec<&'a serde_json::Value> {
    findings.iter().filter(|f| f["kind"] == kind).collect()
}

#[tokio::test]
async fn each_finding_most_urgent_first_and_exit_8_within_fail_days() {
    let (env, revoked) = env().await;
    let checked = env.run(&["check", "--json"]).await;
    checked.fails_with(8);
    assert!(
        checked.stderr.contains("within --fail-days 7"),
        "{}",
        checked.stderr
    );
    let report = checked.json();
    assert_eq!(report["failDays"], 7);
    assert_eq!(report["warnDays"], 30);
    let found = findings(&report);
    // Most urgent first: the certificate that expires in 3 days.
    assert_eq!(found[0]["severity"], "failure", "{found:#?}");
    assert_eq!(found[0]["kind"], "expiring");
    assert!(matches!(found[0]["daysLeft"].as_i64(), Some(2..=3)), "{found:#?}");
    let expiring = of_kind(&found, "expiring");
    assert_eq!(
        expiring.len(),
        2,
        "3 and 20 days; not 400, nor one that expired with no key here to clean up: {found:#?}"
    );
    assert_eq!(expiring[1]["severity"], "warning");
    assert!(
        expiring[1]["subject"].as_str().unwrap().contains("DEVELOPMENT"),
        "{found:#?}"
    );
    assert_eq!(of_kind(&found, "inactive").len(), 1, "{found:#?}");
    let slots = of_kind(&found, "slots");
    assert_eq!(slots.len(), 1, "{found:#?}");
    assert_eq!(slots[0]["subject"], "DISTRIBUTION certificates");
    assert!(
        slots[0]["finding"]
            .as_str()
            .unwrap()
            .starts_with("3 of Apple's 3 slots"),
        "{slots:#?}"
    );
    let gone = of_kind(&found, "certificate-gone");
    assert_eq!(gone.len(), 1, "{found:#?}");
    assert!(gone[0]["finding"].as_str().unwrap().contains(&revoked));
    assert!(gone[0]["todo"].as_str().unwrap().contains("ascert keys prune"));

    // A narrower fail window: the same findings, nothing fails.
    let calm = env.run(&["check", "--json", "--fail-days", "1"]).await;
    calm.ok();
    assert_eq!(findings(&calm.json())[0]["severity"], "warning");

    // Refused before anything is asked.
    env.run(&["check", "--fail-days", "40"]).await.fails_with(2);
}

#[tokio::test]
async fn a_table_for_people_and_annotations_for_github() {
    let (env, _) = env().await;
    let table = env.run(&["check", "--fail-days", "1"]).await;
    let out = table.ok();
    assert!(out.contains("SEVERITY"), "{out}");
    assert!(out.contains("What to do:"), "{out}");
    assert!(out.contains("ascert identities ensure --type"), "{out}");

    let github = env.run(&["check", "--format", "github"]).await;
    github.fails_with(8);
    let lines: Vec<&str> = github.stdout.lines().collect();
    assert!(
        lines[0].starts_with("::error title=ascert check%3A certificate "),
        "{lines:#?}"
    );
    assert!(
        lines.iter().any(|l| l.starts_with("::warning title=")),
        "{lines:#?}"
    );
    assert!(
        lines.iter().all(|l| l.starts_with("::") && !l.contains('\n')),
        "{lines:#?}"
    );
}

#[tokio::test(flavor = "multi_thread")]
async fn a_team_store_with_a_stale_lease_and_a_pending_key_is_reported() {
    let team = Team::start(Sandbox::builder()).await;
    // A runner dies after Apple issued its certificate: its lease is left held, its key pending.
    kill_a_runner_once_apple_issued(&team, "1s").await;
    tokio::time::sleep(Duration::from_millis(1500)).await;

    let home = runner_home(&team, "checker");
    let mut command = team.command(&[], &["check", "--json", "--store", &team.store]);
    command.env("ASCERT_HOME", &home);
    let done = run(command).await;
    done.ok();
    let report = done.json();
    assert_eq!(report["store"], team.store);
    let found = findings(&report);
    let stale = of_kind(&found, "stale-lease");
    assert_eq!(stale.len(), 1, "{found:#?}");
    assert_eq!(stale[0]["subject"], "the DEVELOPMENT lease");
    assert_eq!(of_kind(&found, "adoptable").len(), 1, "{found:#?}");
    assert!(of_kind(&found, "key-nowhere").is_empty(), "{found:#?}");
    let members = of_kind(&found, "members");
    assert_eq!(members.len(), 1, "{found:#?}");
    assert!(
        members[0]["todo"]
            .as_str()
            .unwrap()
            .contains("ASCERT_TEAM_MEMBERS_SHA256="),
        "{members:#?}"
    );
}

/// A webhook on loopback: answers 200 to one POST and hands back what it received.
async fn webhook() -> (String, tokio::task::JoinHandle<Vec<u8>>) {
    use tokio::io::{AsyncReadExt as _, AsyncWriteExt as _};
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/services/T000/B000/XXXXSECRET",
        listener.local_addr().unwrap()
    );
    let received = tokio::spawn(async move {
        let (mut stream, _) = listener.accept().await.unwrap();
        let mut request = Vec::new();
        let mut buffer = [0_u8; 8192];
        loop {
            let n = stream.read(&mut buffer).await.unwrap();
            request.extend_from_slice(&buffer[..n]);
            let text = String::from_utf8_lossy(&request);
            if let Some(end) = text.find("\r\n\r\n") {
                let length: usize = text
                    .lines()
                    .find_map(|l| {
                        l.to_ascii_lowercase()
                            .strip_prefix("content-length:")
                            .map(|v| v.trim().parse().unwrap())
                    })
                    .unwrap_or(0);
                if request.len() >= end + 4 + length {
                    break;
                }
            }
            if n == 0 {
                break;
            }
        }
        stream
            .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok")
            .await
            .unwrap();
        request
    });
    (url, received)
}

#[tokio::test]
async fn the_report_is_posted_to_the_webhook_and_its_url_never_shown() {
    let (env, _) = env().await;
    let (url, received) = webhook().await;
    let done = env
        .run(&["check", "--json", "--fail-days", "1", "--notify", &url])
        .await;
    done.ok();
    let request = String::from_utf8(received.await.unwrap()).unwrap();
    let body: serde_json::Value =
        serde_json::from_str(&request[request.find("\r\n\r\n").unwrap() + 4..]).unwrap();
    assert!(
        body["text"]
            .as_str()
            .unwrap()
            .starts_with("ascert check: 0 failing, "),
        "{body}"
    );
    assert_eq!(
        body["findings"],
        done.json()["findings"],
        "the webhook gets the report printed"
    );
    assert!(!done.stdout.contains("XXXXSECRET") && !done.stderr.contains("XXXXSECRET"));

    // A webhook that is not https (nor this machine) is refused before anything is asked.
    let refused = env
        .run(&[
            "check",
            "--notify",
            "http://hooks.example.com/services/T000/B000/XXXXSECRET",
        ])
        .await;
    refused.fails_with(2);
    assert!(!refused.stderr.contains("XXXXSECRET"), "{}", refused.stderr);
}

#[tokio::test]
async fn a_keychain_identity_security_does_not_count_valid_is_reported_with_why() {
    let (env, _) = env().await;
    let fake = crate::keychain::fake::Fake::new(&env, "friendly");
    // A job keychain holding an identity without its intermediate: `security` lists it, not valid.
    std::fs::write(
        env.path("Library/Keychains/job.keychain-db"),
        "password\tjob-pw\nlocked\t0\nidentity\t0A1B2C3D4E5F60718293A4B5C6D7E8F901234567\tkeyhash\tJane Doe\tApple Development: Jane Doe (TEAM123456)\t\n",
    )
    .unwrap();
    let done = fake
        .run(
            &env,
            &[],
            &["check", "--json", "--fail-days", "1", "--keychain", "job"],
        )
        .await;
    done.ok();
    let found = findings(&done.json());
    let invalid = of_kind(&found, "keychain-invalid");
    assert_eq!(invalid.len(), 1, "{found:#?}");
    let finding = invalid[0]["finding"].as_str().unwrap();
    assert!(
        finding.contains("CSSMERR_TP_NOT_TRUSTED") && finding.contains("intermediate"),
        "{finding}"
    );
    assert!(
        invalid[0]["subject"]
            .as_str()
            .unwrap()
            .contains("0A1B2C3D4E5F60718293A4B5C6D7E8F901234567"),
        "{invalid:#?}"
    );
    assert!(fake.log().contains("find-identity"), "{}", fake.log());
}
