//! A fleet of CI runners on an Azure team store: `identities ensure --store az://…` started together
//! against the in-process sandbox and Azurite (Microsoft's Azure Blob Storage emulator, started per
//! test on loopback; `.ci/run` installs it, and without it this test fails with the install
//! command, never skips) makes exactly one certificate, and every runner gets its key.
//!
//! The S3 counterpart, and the team commands, are in team.rs; this file checks that Azure's
//! conditional writes arbitrate the lease as S3's do, through the CLI as a user runs it.

#[allow(
    dead_code,
    reason = "the Azurite harness is shared with ascert-team's own tests; each binary uses part of it"
)]
#[path = "../../crates/team/tests/moto/azurite.rs"]
mod azurite;

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::process::{Command, Stdio};
use std::time::Instant;

use ascert_sandbox::Sandbox;

use crate::support::{Env, Run, run};
use crate::team::P12_PASSWORD;
use azurite::Azurite;

const CONTAINER: &str = "signing";
const STORE: &str = "az://signing/team-a";
/// Runners started at once: as many as a CI fleet's burst, and still reliable on a 2-core machine.
const RUNNERS: usize = 16;

/// A sandbox, Azurite with a container holding a team store, and the member key of the CI runners.
struct AzureTeam {
    env: Env,
    azurite: Azurite,
    /// The CI runners' age identity file.
    identity: PathBuf,
}

impl AzureTeam {
    async fn start() -> AzureTeam {
        let env = Env::with(Sandbox::builder()).await;
        let azurite = Azurite::start().await;
        azurite.create_container(CONTAINER).await;
        let identity = env.path("ci.agekey");
        let team = AzureTeam {
            env,
            azurite,
            identity,
        };
        let keygen = team
            .run(&["team", "keygen", "--out", team.identity.to_str().unwrap()])
            .await;
        let recipient = keygen.ok().trim().to_owned();
        assert!(recipient.starts_with("age1"), "{recipient}");
        let member = format!("ci={recipient}");
        team.run(&["team", "init", "--store", STORE, "--member", &member])
            .await
            .ok();
        team
    }

    /// `ascert` with this sandbox's API key, Azurite's settings (`AZURE_STORAGE_*`) and `args`.
    fn command(&self, args: &[&str]) -> Command {
        let mut command = self.env.bare();
        command
            .envs(self.azurite.env())
            .env("ASCERT_P12_PASSWORD", P12_PASSWORD)
            .arg("--api-key")
            .arg(&self.env.api_key_json)
            .args(args);
        command
    }

    async fn run(&self, args: &[&str]) -> Run {
        run(self.command(args)).await
    }

    /// `identities ensure --store az://… --identity ci.agekey --json ARGS` in its own runner folder.
    fn ensure(&self, runner: &str, extra: &[&str]) -> (PathBuf, Command) {
        let home = self.env.path(runner);
        std::fs::create_dir_all(&home).unwrap();
        let mut args = vec![
            "identities",
            "ensure",
            "--store",
            STORE,
            "--identity",
            self.identity.to_str().unwrap(),
            "--json",
        ];
        args.extend_from_slice(extra);
        let mut command = self.command(&args);
        command.env("ASCERT_HOME", &home).current_dir(&home);
        (home, command)
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn sixteen_runners_on_an_azure_store_make_one_certificate() {
    let team = AzureTeam::start().await;
    let started = Instant::now();
    let children: Vec<_> = (0..RUNNERS)
        .map(|i| {
            let (home, mut command) = team.ensure(
                &format!("runner-{i}"),
                &["--type", "DISTRIBUTION", "--p12", "dist.p12"],
            );
            command.stdout(Stdio::piped()).stderr(Stdio::piped());
            (home, command.spawn().unwrap())
        })
        .collect();
    let reports: Vec<serde_json::Value> = crate::team::finish_fleet(children)
        .await
        .into_iter()
        .map(|(json, _)| json)
        .collect();
    let elapsed = started.elapsed();
    assert_eq!(
        team.env.sandbox.certificate_count(),
        1,
        "exactly one certificate at Apple"
    );
    let ids: BTreeSet<&str> = reports
        .iter()
        .map(|j| j["certificateId"].as_str().unwrap())
        .collect();
    let keys: BTreeSet<&str> = reports.iter().map(|j| j["keyId"].as_str().unwrap()).collect();
    assert_eq!(ids.len(), 1, "{ids:?}");
    assert_eq!(keys.len(), 1, "one key across runners: {keys:?}");
    let created = reports.iter().filter(|j| j["outcome"] == "created").count();
    assert_eq!(created, 1, "one runner created, the others reused");
    assert!(
        reports
            .iter()
            .any(|json| json["waitedFor"].as_array().is_some_and(|w| !w.is_empty())),
        "runners that found the lease held said whom they waited for"
    );
    let blobs = team.azurite.blobs(CONTAINER).await;
    let id = ids.first().unwrap();
    assert!(
        blobs
            .iter()
            .any(|b| b.starts_with(&format!("team-a/identities/{id}/key.age "))),
        "{blobs:?}"
    );
    assert!(
        !blobs.iter().any(|b| b.contains("/pending/")),
        "no pending key left: {blobs:?}"
    );
    #[allow(
        clippy::print_stderr,
        reason = "the figure for docs/team.md, with --no-capture"
    )]
    {
        eprintln!("{RUNNERS} runners against Azurite and the sandbox: one certificate in {elapsed:?}");
    }

    // The fast path afterwards: reused from the store, no lease taken, no new key.
    let before = team.azurite.blobs(CONTAINER).await;
    let (_, command) = team.ensure("late-runner", &["--type", "DISTRIBUTION"]);
    let late = run(command).await;
    late.ok();
    assert_eq!(late.json()["outcome"], "reused");
    assert_eq!(late.json()["certificateId"], *id);
    assert_eq!(team.azurite.blobs(CONTAINER).await, before, "nothing written");
}
