//! `cargo xtask bench`: ascert's own cost next to the network's, measured end to end against the
//! in-process sandbox on loopback, each figure beside a baseline measured in the same run.
//!
//! The debug `xtask` that `cargo xtask` runs only builds the release binaries (`ascert` and
//! `xtask` in one invocation, so they share their dependencies) and hands over to the release
//! `xtask bench`, which measures:
//!
//! - listing 10,000 certificates through ascert-certificates' stream (page by page and one page
//!   ahead) against a bare reqwest + `serde_json` loop over the same URLs ([`list`]);
//! - the CLI listing 1,000 and 10,000 certificates as JSON to /dev/null: wall time and peak RSS
//!   ([`process`]);
//! - token signing: signatures per run of requests, and one signature's cost ([`tokens`]);
//! - cold start: `ascert --version`, `ascert auth token` and a one-page list against a one-request
//!   floor;
//! - identity creation step by step ([`identity`]);
//! - `profiles ensure` when the profile is made already, beside the two list calls it needs
//!   ([`profiles`]);
//! - `identities ensure --store` when the team store has the identity, beside one list call and one
//!   store read ([`team`]);
//! - the size of the binary `cargo install` installs, against issue 29's 25 MB ([`binary`]).
//!
//! It prints a table and rewrites the generated part of docs/benchmarks.md ([`report`]). Numbers
//! on a shared machine are noisy: everything is a median, and goals are ratios to a baseline of the
//! same run or limits far from the figure, never timing assertions in tests.

mod binary;
mod identity;
mod list;
mod process;
mod profiles;
mod report;
mod stats;
mod team;
mod tokens;

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail, ensure};
use ascert_sandbox::{Limits, Sandbox};

use self::list::{Lister, PAGE_SIZE};
use self::process::{Ascert, RssMethod};
use self::report::{Figure, Machine, Verdict};
use self::stats::{Samples, mib, ms, ratio};

/// How many times each measurement runs.
#[derive(Debug, Clone, Copy)]
struct Plan {
    list_runs: usize,
    cli_runs: usize,
    version_runs: usize,
    page_runs: usize,
    requests: u64,
    signatures: usize,
    identities: usize,
}

impl Plan {
    fn new(quick: bool) -> Self {
        if quick {
            Self {
                list_runs: 3,
                cli_runs: 2,
                version_runs: 10,
                page_runs: 5,
                requests: 2_000,
                signatures: 50,
                identities: 3,
            }
        } else {
            Self {
                list_runs: 7,
                cli_runs: 5,
                version_runs: 30,
                page_runs: 15,
                requests: 10_000,
                signatures: 200,
                identities: 10,
            }
        }
    }
}

/// `cargo xtask bench [--quick]`.
///
/// # Errors
/// When a build, a sandbox or a measurement fails.
pub(crate) fn run(root: &Path, args: &[String]) -> Result<()> {
    let mut quick = false;
    for arg in args {
        match arg.as_str() {
            "--quick" => quick = true,
            other => bail!("unknown bench option {other:?}; the one option is --quick"),
        }
    }
    if cfg!(debug_assertions) {
        return relaunch_release(root, args);
    }
    let binary = std::env::current_exe()?
        .parent()
        .context("the xtask binary has no folder")?
        .join("ascert");
    ensure!(
        binary.exists(),
        "{} is missing: build it with `cargo build --release -p ascert`",
        binary.display()
    );
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    let figures = runtime.block_on(measure(binary, Plan::new(quick)))?;
    let machine = Machine::detect(quick, RssMethod::detect().describe().to_owned());
    let table = report::table(&figures.figures);
    #[allow(clippy::print_stdout, reason = "the table is what the task prints")]
    {
        println!("\n{table}");
    }
    let path = root.join("docs").join("benchmarks.md");
    report::write_into(&path, &report::markdown(&machine, &figures.figures), TEMPLATE)?;
    progress(&format!("wrote {}", path.display()));
    Ok(())
}

/// The start of docs/benchmarks.md when it does not exist yet.
const TEMPLATE: &str = "# Benchmarks\n\nMade by `cargo xtask bench`.\n\n";

/// Builds the release binaries in one cargo invocation and runs the release `xtask bench`.
fn relaunch_release(root: &Path, args: &[String]) -> Result<()> {
    progress("building the release binaries (ascert and xtask)");
    let status = Command::new(crate::cargo())
        .args(["build", "--release", "--locked", "-p", "ascert", "-p", "xtask"])
        .current_dir(root)
        .status()
        .context("could not start cargo")?;
    ensure!(status.success(), "the release build failed ({status})");
    let xtask = target_dir(root)?.join("release").join("xtask");
    let status = Command::new(&xtask)
        .arg("bench")
        .args(args)
        .current_dir(root)
        .status()
        .with_context(|| format!("could not start {}", xtask.display()))?;
    ensure!(status.success(), "the release bench failed ({status})");
    Ok(())
}

/// Cargo's target folder, as `cargo metadata` reports it (`CARGO_TARGET_DIR` included).
pub(crate) fn target_dir(root: &Path) -> Result<PathBuf> {
    let output = Command::new(crate::cargo())
        .args(["metadata", "--format-version", "1", "--no-deps"])
        .current_dir(root)
        .output()
        .context("could not run cargo metadata")?;
    ensure!(output.status.success(), "cargo metadata failed");
    let metadata: serde_json::Value = serde_json::from_slice(&output.stdout)?;
    metadata["target_directory"]
        .as_str()
        .map(PathBuf::from)
        .context("cargo metadata gave no target_directory")
}

fn progress(message: &str) {
    #[allow(clippy::print_stderr, reason = "progress goes to stderr")]
    {
        eprintln!("==> bench: {message}");
    }
}

struct Figures {
    figures: Vec<Figure>,
}

impl Figures {
    fn add(&mut self, figure: Figure) {
        progress(&format!("{}: {}", figure.what, figure.value));
        self.figures.push(figure);
    }
}

/// A sandbox with `count` certificates, no rate limit in the way and room to create certificates.
async fn sandbox(count: usize) -> Result<Sandbox> {
    Ok(Sandbox::builder()
        .seed_certificates(count)
        .page_size(PAGE_SIZE)
        .rate_limit(100_000_000)
        .limits(Limits {
            development_per_owner: 10_000,
            distribution_per_team: 10_000,
            developer_id_application: 10_000,
            ..Limits::default()
        })
        .start()
        .await?)
}

/// The CLI's arguments for listing `sandbox` as JSON.
fn list_args(key_file: &Path, sandbox: &Sandbox) -> Result<Vec<String>> {
    Ok(vec![
        "--api-key".to_owned(),
        key_file.to_str().context("key path is not UTF-8")?.to_owned(),
        "--base-url".to_owned(),
        sandbox.base_url().to_owned(),
        "certificates".to_owned(),
        "list".to_owned(),
        "--json".to_owned(),
    ])
}

/// Runs a blocking measurement of the CLI off the runtime's threads, so the sandbox keeps serving.
async fn blocking<T: Send + 'static>(work: impl FnOnce() -> Result<T> + Send + 'static) -> Result<T> {
    tokio::task::spawn_blocking(work).await?
}

/// The CLI's command for a figure, as a reader would type it.
const CLI_LIST: &str =
    "ascert --api-key api-key.json --base-url $SANDBOX certificates list --json > /dev/null";

/// Every section of the report, in its order: each section is a function that adds its figures,
/// and hands on what a later section compares with.
async fn measure(binary: PathBuf, plan: Plan) -> Result<Figures> {
    let mut out = Figures { figures: Vec::new() };
    let work = tempfile::tempdir()?;
    let rss = RssMethod::detect();
    let ascert = Ascert {
        binary,
        home: work.path().join("home"),
        rss,
    };
    progress("starting sandboxes with 10,000, 1,000 and 100 certificates");
    let big = sandbox(10_000).await?;
    let middle = sandbox(1_000).await?;
    let small = sandbox(100).await?;

    let big_floor = listing_in_process(&mut out, &big, plan).await?;
    cli_listing(&mut out, &ascert, work.path(), (&middle, &big), &big_floor, plan).await?;
    check_run(&mut out, &ascert, work.path(), &middle, plan).await?;
    let small_lister = Lister::new(&small)?;
    let signing = token_signing(&mut out, &small_lister, plan).await?;
    cold_start(
        &mut out,
        &ascert,
        work.path(),
        (&small, &small_lister),
        &signing,
        plan,
    )
    .await?;
    identity_creation(&mut out, work.path(), (&small, &small_lister), plan).await?;
    team::measure(&mut out, &ascert, &small, work.path(), plan).await?;
    profiles::measure(&mut out, &ascert, work.path(), plan).await?;
    binary::measure(&mut out, &ascert.binary)?;
    drop((big, middle, small));
    Ok(out)
}

/// Section 1, listing 10,000 certificates in process: ascert's stream against the floor. Returns
/// the floor, which section 2 compares the CLI with.
async fn listing_in_process(out: &mut Figures, big: &Sandbox, plan: Plan) -> Result<Samples> {
    let big_lister = Lister::new(big)?;
    progress("listing 10,000 certificates: ascert's stream against the floor");
    let big_list = list::compare(&big_lister, 10_000, plan.list_runs).await?;
    let section = "List 10,000 certificates (page size 200), in process";
    let list_ratio = ratio(big_list.ascert.median(), big_list.floor.median());
    out.add(Figure {
        section,
        what: "ascert-certificates stream".to_owned(),
        value: big_list.ascert.describe(),
        baseline: format!("floor {}", big_list.floor.describe()),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "CertificatesApi::list().limit(200)?.stream() against reqwest GET + \
                  serde_json::from_slice::<CertificatesResponse> following links.next \
                  (cargo xtask bench, bench/list.rs)"
            .to_owned(),
    });
    out.add(Figure {
        section,
        what: "ascert-transport `Client::pages` alone".to_owned(),
        value: big_list.transport.describe(),
        baseline: format!(
            "{:.3} × floor",
            ratio(big_list.transport.median(), big_list.floor.median())
        ),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "Client::pages::<CertificatesResponse>(v1/certificates?limit=200), run after each pair"
            .to_owned(),
    });
    out.add(Figure {
        section,
        what: "ascert-certificates stream, one page ahead".to_owned(),
        value: big_list.ahead.describe(),
        baseline: format!(
            "{:.3} × floor",
            ratio(big_list.ahead.median(), big_list.floor.median())
        ),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "CertificatesApi::list().limit(200)?.prefetch(true).stream(), run after each pair \
                  (nothing is done with a page, so there is nothing to overlap: this shows what reading \
                  ahead costs)"
            .to_owned(),
    });
    out.add(Figure {
        section,
        what: "stream written out as JSON, page by page".to_owned(),
        value: big_list.written.describe(),
        baseline: format!(
            "{:.3} × floor",
            ratio(big_list.written.median(), big_list.floor.median())
        ),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "each certificate of the stream through serde_json::to_writer into a 64 KB BufWriter \
                  over io::sink() (what the CLI does to stdout), run after each pair"
            .to_owned(),
    });
    let overlap = ratio(big_list.written_ahead.median(), big_list.written.median());
    out.add(Figure {
        section,
        what: "stream written out as JSON, one page ahead".to_owned(),
        value: big_list.written_ahead.describe(),
        baseline: format!("{overlap:.3} × page by page"),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "the same with prefetch(true); the two alternate which goes first".to_owned(),
    });
    out.add(Figure {
        section,
        what: "stream / floor (medians)".to_owned(),
        value: format!("{list_ratio:.3}"),
        baseline: "1.000 (the floor)".to_owned(),
        goal: "≤ 1.10".to_owned(),
        verdict: Verdict::of(list_ratio <= 1.10),
        command: "the two rows above, alternating which goes first".to_owned(),
    });

    Ok(big_list.floor)
}

/// Section 2, the CLI listing 1,000 and 10,000 certificates: wall time and peak RSS.
async fn cli_listing(
    out: &mut Figures,
    ascert: &Ascert,
    work: &Path,
    (middle, big): (&Sandbox, &Sandbox),
    big_floor: &Samples,
    plan: Plan,
) -> Result<()> {
    let middle_lister = Lister::new(middle)?;
    let middle_list = list::compare(&middle_lister, 1_000, plan.list_runs).await?;
    let version_run = {
        let ascert = ascert.clone();
        blocking(move || ascert.measure(&["--version"])).await?
    };
    let version_rss = version_run.peak_rss_kib.unwrap_or_default();
    let section = "The CLI: `certificates list --json` to /dev/null";
    let mut peaks = Vec::new();
    let mut cli_10k = Duration::ZERO;
    for (count, sandbox, floor) in [(1_000, middle, &middle_list.floor), (10_000, big, big_floor)] {
        progress(&format!("the CLI lists {count} certificates"));
        let keys = sandbox
            .api_key()
            .write_files(&work.join(format!("keys-{count}")))?;
        let args = list_args(&keys.api_key_json_path, sandbox)?;
        let (wall, peak) = {
            let ascert = ascert.clone();
            let runs = plan.cli_runs;
            blocking(move || {
                let args: Vec<&str> = args.iter().map(String::as_str).collect();
                ascert.measure(&args)?; // warm-up: page cache, the sandbox's lazy seeding
                let mut wall = Samples::default();
                let mut peak = 0;
                for _ in 0..runs {
                    let run = ascert.measure(&args)?;
                    wall.push(run.wall);
                    peak = peak.max(run.peak_rss_kib.unwrap_or_default());
                }
                Ok((wall, peak))
            })
            .await?
        };
        peaks.push(peak);
        cli_10k = wall.median();
        out.add(Figure {
            section,
            what: format!("wall time, {count} certificates"),
            value: wall.describe(),
            baseline: format!(
                "in-process floor {} ({:.2} ×)",
                ms(floor.median()),
                ratio(wall.median(), floor.median())
            ),
            goal: "-".to_owned(),
            verdict: Verdict::Info,
            command: CLI_LIST.replace("$SANDBOX", &format!("$SANDBOX_{count}")),
        });
        out.add(Figure {
            section,
            what: format!("peak RSS, {count} certificates"),
            value: mib(peak),
            baseline: format!("`ascert --version` {}", mib(version_rss)),
            goal: "< 30 MB".to_owned(),
            verdict: Verdict::of(peak < 30 * 1024),
            command: format!(
                "/usr/bin/time -f %M {}",
                CLI_LIST.replace("$SANDBOX", &format!("$SANDBOX_{count}"))
            ),
        });
    }
    let cli_ratio = ratio(cli_10k, big_floor.median());
    out.add(Figure {
        section,
        what: "CLI 10,000 / in-process floor (medians)".to_owned(),
        value: format!("{cli_ratio:.3}"),
        baseline: format!("in-process floor {}", ms(big_floor.median())),
        goal: "≤ 1.25".to_owned(),
        verdict: Verdict::of(cli_ratio <= 1.25),
        command: "the wall time row above and the floor of section 1, same run".to_owned(),
    });
    let growth = peaks[1].saturating_sub(peaks[0]);
    out.add(Figure {
        section,
        what: "peak RSS growth, 1,000 → 10,000".to_owned(),
        value: mib(growth),
        baseline: format!("1,000: {}", mib(peaks[0])),
        goal: "flat (≤ 2 MB for 10 × the certificates)".to_owned(),
        verdict: Verdict::of(growth <= 2 * 1024),
        command: "the two peak RSS rows above".to_owned(),
    });

    Ok(())
}

/// `ascert check` on a team of 1,000 certificates: one list call, the keystore, no request per
/// certificate; the goal is under a second, beside the CLI's own listing of the same team.
async fn check_run(
    out: &mut Figures,
    ascert: &Ascert,
    work: &Path,
    sandbox: &Sandbox,
    plan: Plan,
) -> Result<()> {
    progress("ascert check on 1,000 certificates");
    let section = "`ascert check`, 1,000 certificates";
    let keys = sandbox.api_key().write_files(&work.join("keys-check"))?;
    let list = list_args(&keys.api_key_json_path, sandbox)?;
    // No seeded certificate expires within a day, so nothing fails and the run exits 0.
    let mut check = list[..4].to_vec();
    check.extend(["check", "--json", "--warn-days", "0", "--fail-days", "0"].map(str::to_owned));
    let (checked, listed) = {
        let ascert = ascert.clone();
        let runs = plan.cli_runs;
        blocking(move || {
            let check: Vec<&str> = check.iter().map(String::as_str).collect();
            let list: Vec<&str> = list.iter().map(String::as_str).collect();
            ascert.measure(&check)?; // warm-up
            let (mut checked, mut listed) = (Samples::default(), Samples::default());
            for _ in 0..runs {
                checked.push(ascert.measure(&check)?.wall);
                listed.push(ascert.measure(&list)?.wall);
            }
            Ok((checked, listed))
        })
        .await?
    };
    out.add(Figure {
        section,
        what: "wall time of `ascert check --json`".to_owned(),
        value: checked.describe(),
        baseline: format!(
            "`certificates list --json` of the same team {} ({:.2} ×)",
            ms(listed.median()),
            ratio(checked.median(), listed.median())
        ),
        goal: "< 1 s".to_owned(),
        verdict: Verdict::of(checked.median() < Duration::from_secs(1)),
        command:
            "ascert --api-key api-key.json --base-url $SANDBOX_1000 check --json --warn-days 0 --fail-days 0"
                .to_owned(),
    });
    Ok(())
}

/// What section 3 measured that section 4 compares with.
struct Signing {
    /// One warm loopback round trip (median).
    round_trip: Duration,
    /// One ES256 signature in a warm process (median).
    signature: Duration,
}

/// Section 3, token signing: signatures per run of requests, and one signature's cost.
async fn token_signing(out: &mut Figures, small_lister: &Lister, plan: Plan) -> Result<Signing> {
    progress(&format!("{} requests through one client", plan.requests));
    let requests = tokens::requests(small_lister, plan.requests).await?;
    let signatures = tokens::signature_cost(small_lister, plan.signatures)?;
    let section = "Token signing";
    out.add(Figure {
        section,
        what: format!("signatures per {} requests", requests.requests),
        value: requests.signatures.to_string(),
        baseline: format!("{} requests sent", requests.requests),
        goal: "1 per token lifetime (20 min)".to_owned(),
        verdict: Verdict::of(requests.signatures <= 1),
        command: format!(
            "{} × Client::get(v1/certificates?limit=1) on one fresh TokenProvider; \
             TokenProvider::signatures()",
            plan.requests
        ),
    });
    out.add(Figure {
        section,
        what: "one ES256 signature".to_owned(),
        value: signatures.describe(),
        baseline: format!("one loopback request {}", ms(requests.round_trips.median())),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: format!("{} × TokenProvider::renew()", plan.signatures),
    });

    Ok(Signing {
        round_trip: requests.round_trips.median(),
        signature: signatures.median(),
    })
}

/// Section 4, cold start: `--version`, a one-page list and `auth token` against their floors.
#[allow(clippy::too_many_lines, reason = "one section's figures, in report order")]
async fn cold_start(
    out: &mut Figures,
    ascert: &Ascert,
    work: &Path,
    (small, small_lister): (&Sandbox, &Lister),
    signing: &Signing,
    plan: Plan,
) -> Result<()> {
    progress("cold start");
    let section = "Cold start";
    let keys = small.api_key().write_files(&work.join("keys-100"))?;
    let page_args = list_args(&keys.api_key_json_path, small)?;
    let token_args = [
        page_args[0].clone(),
        page_args[1].clone(),
        "auth".to_owned(),
        "token".to_owned(),
    ];
    let (version, true_runs, page, token) = {
        let ascert = ascert.clone();
        blocking(move || {
            let page_args: Vec<&str> = page_args.iter().map(String::as_str).collect();
            let token_args: Vec<&str> = token_args.iter().map(String::as_str).collect();
            ascert.time(&page_args)?;
            let mut version = Samples::default();
            let mut nothing = Samples::default();
            let mut page = Samples::default();
            let mut token = Samples::default();
            for _ in 0..plan.version_runs {
                version.push(ascert.time(&["--version"])?.wall);
                nothing.push(time_true()?);
            }
            for _ in 0..plan.page_runs {
                page.push(ascert.time(&page_args)?.wall);
                token.push(ascert.time(&token_args)?.wall);
            }
            Ok((version, nothing, page, token))
        })
        .await?
    };
    out.add(Figure {
        section,
        what: "`ascert --version`".to_owned(),
        value: version.describe(),
        baseline: format!("`true` {}", ms(true_runs.median())),
        goal: "< 10 ms".to_owned(),
        verdict: Verdict::of(version.median() < Duration::from_millis(10)),
        command: "ascert --version > /dev/null".to_owned(),
    });
    let floor = cold_floor(small_lister, plan.page_runs).await?;
    let round_trip = signing.round_trip;
    // The goal: within 10 ms of a process start (`--version`) plus the cold floor.
    let allowance = version.median() + floor.median();
    let within = |samples: &Samples| samples.median().saturating_sub(allowance) <= Duration::from_millis(10);
    out.add(Figure {
        section,
        what: "`ascert certificates list --json`, one page (100 certificates)".to_owned(),
        value: page.describe(),
        baseline: format!(
            "floor: new reqwest client + one GET {}; one warm round trip {}",
            ms(floor.median()),
            ms(round_trip)
        ),
        goal: "≤ `--version` + floor + 10 ms".to_owned(),
        verdict: Verdict::of(within(&page)),
        command: CLI_LIST.replace("$SANDBOX", "$SANDBOX_100"),
    });
    out.add(Figure {
        section,
        what: "`ascert auth token` (key file, first signature, no network)".to_owned(),
        value: token.describe(),
        baseline: format!(
            "`--version` {}; one signature in a warm process {}",
            ms(version.median()),
            ms(signing.signature)
        ),
        goal: "≤ `--version` + floor + 10 ms".to_owned(),
        verdict: Verdict::of(within(&token)),
        command: "ascert --api-key api-key.json auth token > /dev/null".to_owned(),
    });
    for (what, samples) in [("one page", &page), ("`auth token`", &token)] {
        let extra = samples.median().saturating_sub(allowance);
        // Under the allowance is shown as a negative difference, not as zero.
        let difference = if samples.median() >= allowance {
            ms(extra)
        } else {
            format!("−{}", ms(allowance.saturating_sub(samples.median())))
        };
        out.add(Figure {
            section,
            what: format!("{what} − (`--version` + floor)"),
            value: difference,
            baseline: format!(
                "`--version` {} + floor {} = {}; ratio {:.2}",
                ms(version.median()),
                ms(floor.median()),
                ms(allowance),
                ratio(samples.median(), allowance)
            ),
            goal: "≤ 10 ms".to_owned(),
            verdict: Verdict::of(extra <= Duration::from_millis(10)),
            command: "the rows above, medians of the same run".to_owned(),
        });
    }

    Ok(())
}

/// Section 5, identity creation step by step.
async fn identity_creation(
    out: &mut Figures,
    work: &Path,
    (small, small_lister): (&Sandbox, &Lister),
    plan: Plan,
) -> Result<()> {
    progress(&format!("creating {} identities", plan.identities));
    let section = "Identity creation, end to end";
    let identities_dir = work.join("identities");
    std::fs::create_dir(&identities_dir)?;
    let runs = identity::create(small, small_lister, &identities_dir, plan.identities).await?;
    out.add(Figure {
        section,
        what: "key, CSR, save, create, download, .p12".to_owned(),
        value: runs.total.describe(),
        baseline: format!("RSA-2048 key alone {}", ms(runs.steps[0].median())),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "PrivateKey::generate_rsa_2048, create_csr, write_atomic, \
                  CertificatesApi::create().send(), CertificatesApi::download, build_pkcs12 + write_atomic \
                  (bench/identity.rs)"
            .to_owned(),
    });
    out.add(Figure {
        section,
        what: "share spent on the RSA key".to_owned(),
        value: format!("{:.0} %", runs.key_share() * 100.0),
        baseline: "of the summed time of every run".to_owned(),
        goal: "-".to_owned(),
        verdict: Verdict::Info,
        command: "the same runs".to_owned(),
    });
    for (name, samples) in identity::STEPS.iter().zip(&runs.steps).skip(1) {
        out.add(Figure {
            section,
            what: format!("step: {name}"),
            value: samples.describe(),
            baseline: "-".to_owned(),
            goal: "-".to_owned(),
            verdict: Verdict::Info,
            command: "the same runs".to_owned(),
        });
    }
    Ok(())
}

/// The floor of a cold one-page list: a new reqwest client (so a new connection) and one `GET`.
async fn cold_floor(lister: &Lister, runs: usize) -> Result<Samples> {
    use ascert_auth::TokenSource as _;
    let token = lister.tokens.token()?;
    let url = lister.first_url()?;
    let mut samples = Samples::default();
    // The first run is a warm-up.
    for run in 0..=runs {
        let started = Instant::now();
        let http = list::floor_client()?;
        let page = list::floor_page(&http, &url, token.expose()).await?;
        let elapsed = started.elapsed();
        ensure!(
            page.data.len() == 100,
            "the floor's page held {}",
            page.data.len()
        );
        if run > 0 {
            samples.push(elapsed);
        }
    }
    Ok(samples)
}

/// How long starting a process that does nothing takes here.
fn time_true() -> Result<Duration> {
    let started = Instant::now();
    let status = Command::new("true").status()?;
    ensure!(status.success(), "`true` failed");
    Ok(started.elapsed())
}
