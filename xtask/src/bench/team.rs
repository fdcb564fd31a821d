//! `identities ensure --store` when the team store already holds the identity (the fast path every
//! CI job but the first takes), against a real S3-protocol server (moto, as in the tests), beside
//! what it cannot avoid, measured in the same run: the CLI's one list call to App Store Connect
//! (`certificates list --type`, process start included) and one read of an object of the store.

#[allow(
    dead_code,
    reason = "the moto harness is shared with ascert-team's tests; the bench uses part of it"
)]
#[path = "../../../crates/team/tests/moto/server.rs"]
mod moto;

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use ascert_sandbox::Sandbox;

use super::process::{Ascert, strs};
use super::report::{Figure, Verdict};
use super::stats::{Samples, ms};
use super::{Figures, Plan, blocking, progress};

/// The goal's margin over the list call and the store read.
const MARGIN: Duration = Duration::from_millis(20);

pub(super) async fn measure(
    out: &mut Figures,
    ascert: &Ascert,
    sandbox: &Sandbox,
    work: &Path,
    plan: Plan,
) -> Result<()> {
    progress("the team store's fast path: moto, a store, one identity");
    let moto = moto::Moto::start().await;
    moto.create_bucket("bench").await;
    let env: Vec<(String, String)> = moto.env().into_iter().map(|(k, v)| (k.to_owned(), v)).collect();
    let folder = work.join("team");
    std::fs::create_dir_all(&folder)?;
    let keys = sandbox.api_key().write_files(&folder.join("keys"))?;
    let key_file = keys
        .api_key_json_path
        .to_str()
        .context("key path is not UTF-8")?
        .to_owned();
    let identity = folder.join("ci.agekey");
    let identity_arg = identity.to_str().context("path is not UTF-8")?.to_owned();
    let store = "s3://bench/team".to_owned();
    let base = [
        "--api-key".to_owned(),
        key_file,
        "--base-url".to_owned(),
        sandbox.base_url().to_owned(),
    ];

    let (ensure_runs, list_runs) = {
        let ascert = ascert.clone();
        let env = env.clone();
        let runs = plan.page_runs;
        blocking(move || {
            let with = |extra: &[&str]| -> Vec<String> {
                base.iter()
                    .cloned()
                    .chain(extra.iter().map(|s| (*s).to_owned()))
                    .collect()
            };
            let keygen = std::process::Command::new(&ascert.binary)
                .args(["team", "keygen", "--out", &identity_arg])
                .env("ASCERT_HOME", &ascert.home)
                .output()?;
            ensure!(keygen.status.success(), "team keygen failed");
            let recipient = String::from_utf8(keygen.stdout)?.trim().to_owned();
            let member = format!("ci={recipient}");
            let init = with(&["team", "init", "--store", &store, "--member", &member]);
            let ensure_args = with(&[
                "identities",
                "ensure",
                "--type",
                "DISTRIBUTION",
                "--store",
                &store,
                "--identity",
                &identity_arg,
                "--json",
            ]);
            let list_args = with(&["certificates", "list", "--type", "DISTRIBUTION", "--json"]);
            ascert.time_with(&strs(&init), &env)?;
            // The first ensure creates the identity; the runs after it take the fast path.
            ascert.time_with(&strs(&ensure_args), &env)?;
            let mut ensure_runs = Samples::default();
            let mut list_runs = Samples::default();
            for _ in 0..runs {
                ensure_runs.push(ascert.time_with(&strs(&ensure_args), &env)?.wall);
                list_runs.push(ascert.time_with(&strs(&list_args), &env)?.wall);
            }
            Ok((ensure_runs, list_runs))
        })
        .await?
    };
    let get = store_read(&moto, plan.page_runs).await?;
    let allowed = list_runs.median() + get.median() + MARGIN;
    let section = "Team store: `identities ensure --store`, the identity already shared";
    out.add(Figure {
        section,
        what: "`identities ensure --store` (fast path, X25519 member key)".to_owned(),
        value: ensure_runs.describe(),
        baseline: format!(
            "one list call (CLI) {} + one store read {}",
            ms(list_runs.median()),
            ms(get.median())
        ),
        goal: format!("≤ those two + {} ({})", ms(MARGIN), ms(allowed)),
        verdict: Verdict::of(ensure_runs.median() <= allowed),
        command: "ascert identities ensure --type DISTRIBUTION --store s3://bench/team --identity ci.agekey \
                  --json (moto on loopback, sandbox with 100 certificates)"
            .to_owned(),
    });
    out.add(Figure {
        section,
        what: "one store read (in process)".to_owned(),
        value: get.describe(),
        baseline: "-".to_owned(),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "TeamStore::open against moto: a new client and one GET of the header object".to_owned(),
    });
    Ok(())
}

/// One read of an object of the store, as a runner pays it: `TeamStore::open`, which makes a new
/// client (a new connection) and reads the store's header object.
async fn store_read(moto: &moto::Moto, runs: usize) -> Result<Samples> {
    let url: ascert_team::StoreUrl = "s3://bench/team".parse()?;
    let options = moto.open_options("bench");
    let mut samples = Samples::default();
    for run in 0..=runs {
        let started = Instant::now();
        let store = ascert_team::TeamStore::open(&url, &options).await?;
        let elapsed = started.elapsed();
        drop(store);
        if run > 0 {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}
