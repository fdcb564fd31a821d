//! `profiles ensure` when App Store Connect already has the profile (the path every CI job but the
//! first takes), beside the two calls it cannot avoid, measured in the same run: the CLI's list of
//! the certificates of the type (process start included) and, in process, the list of the profiles
//! of the type with their bundle IDs, certificates and devices.

use std::path::Path;
use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use ascert_auth::{ApiKey, TokenProvider};
use ascert_models::jsonapi::ListQuery;
use ascert_models::{BundleIdPlatform, Profile};
use ascert_sandbox::Sandbox;
use ascert_transport::Client;
use futures::TryStreamExt as _;

use super::process::{Ascert, strs};
use super::report::{Figure, Verdict};
use super::stats::{Samples, ms};
use super::{Figures, Plan, blocking, progress};

/// The goal's margin over the two calls.
const MARGIN: Duration = Duration::from_millis(20);

const BUNDLE: &str = "com.example.bench";

pub(super) async fn measure(out: &mut Figures, ascert: &Ascert, work: &Path, plan: Plan) -> Result<()> {
    progress("the profile's fast path: a sandbox with the bundle ID, the identity and its profile");
    let sandbox = Sandbox::builder()
        .seed_certificates(100)
        .bundle_id(BUNDLE, BundleIdPlatform::Ios)
        .start()
        .await?;
    let folder = work.join("profiles");
    std::fs::create_dir_all(&folder)?;
    let keys = sandbox.api_key().write_files(&folder.join("keys"))?;
    let key_file = keys
        .api_key_json_path
        .to_str()
        .context("key path is not UTF-8")?
        .to_owned();
    let xcode = folder.join("xcode");
    let xcode = xcode.to_str().context("path is not UTF-8")?.to_owned();
    let home = folder.join("home");
    let base = [
        "--api-key".to_owned(),
        key_file,
        "--base-url".to_owned(),
        sandbox.base_url().to_owned(),
    ];
    let (ensure_runs, list_runs) = {
        let ascert = ascert.clone();
        let runs = plan.page_runs;
        let env = vec![("ASCERT_HOME".to_owned(), home.to_string_lossy().into_owned())];
        blocking(move || {
            let with = |extra: &[&str]| -> Vec<String> {
                base.iter()
                    .cloned()
                    .chain(extra.iter().map(|s| (*s).to_owned()))
                    .collect()
            };
            let first = with(&[
                "identities",
                "ensure",
                "--type",
                "DISTRIBUTION",
                "--provisioning-profile",
                BUNDLE,
            ]);
            let ensure = with(&[
                "profiles",
                "ensure",
                "--bundle-id",
                BUNDLE,
                "--dir",
                &xcode,
                "--json",
            ]);
            let list = with(&["certificates", "list", "--type", "DISTRIBUTION", "--json"]);
            // The first run makes the identity and the profile; the runs after it take the fast path.
            ascert.time_with(&strs(&first), &env)?;
            let mut ensure_runs = Samples::default();
            let mut list_runs = Samples::default();
            for _ in 0..runs {
                ensure_runs.push(ascert.time_with(&strs(&ensure), &env)?.wall);
                list_runs.push(ascert.time_with(&strs(&list), &env)?.wall);
            }
            Ok((ensure_runs, list_runs))
        })
        .await?
    };
    let profiles = profile_list(&sandbox, plan.page_runs).await?;
    let allowed = list_runs.median() + profiles.median() + MARGIN;
    let section = "Provisioning: `profiles ensure`, the profile already made";
    out.add(Figure {
        section,
        what: "`profiles ensure` (fast path: reuse and install)".to_owned(),
        value: ensure_runs.describe(),
        baseline: format!(
            "the certificates' list call (CLI) {} + the profiles' list call {}",
            ms(list_runs.median()),
            ms(profiles.median())
        ),
        goal: format!("≤ those two + {} ({})", ms(MARGIN), ms(allowed)),
        verdict: Verdict::of(ensure_runs.median() <= allowed),
        command: "ascert profiles ensure --bundle-id com.example.bench --dir DIR --json (sandbox with 100 \
                  certificates, one profile)"
            .to_owned(),
    });
    out.add(Figure {
        section,
        what: "the profiles' list call (in process)".to_owned(),
        value: profiles.describe(),
        baseline: "-".to_owned(),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command:
            "GET /v1/profiles?filter[profileType]=IOS_APP_STORE&include=bundleId,certificates,devices …, \
                  a warm client"
                .to_owned(),
    });
    Ok(())
}

/// The list `profiles ensure` asks for, in process on a warm client: what the second call costs.
async fn profile_list(sandbox: &Sandbox, runs: usize) -> Result<Samples> {
    let key = sandbox.api_key();
    let api_key = ApiKey::from_pem(&key.key_id, Some(&key.issuer_id), &key.private_key_pem)?;
    let client = Client::builder_shared(Arc::new(TokenProvider::new(api_key)))
        .base_url(sandbox.base_url())
        .build()?;
    let query = || -> Result<ListQuery<Profile>> {
        Ok(ListQuery::<Profile>::new()
            .filter("profileType", "IOS_APP_STORE")?
            .include("bundleId")?
            .include("certificates")?
            .include("devices")?
            .include_limit("certificates", 50)?
            .include_limit("devices", 50)?
            .limit(200)?)
    };
    let mut samples = Samples::default();
    for run in 0..=runs {
        let started = Instant::now();
        let pages: Vec<_> = client.list(query()?).pages().try_collect().await?;
        let elapsed = started.elapsed();
        anyhow::ensure!(
            pages.iter().map(|p| p.data.len()).sum::<usize>() == 1,
            "one profile is listed"
        );
        if run > 0 {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}
