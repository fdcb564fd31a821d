//! Inputs of any size or without end: every kind of input the CLI reads — API key files by each
//! route, the config file, password and passphrase files and standard input, private keys and .p12
//! bundles to import, CSRs, `ASCERT_CA_CERT`, CA folders — fed `/dev/zero`, `/dev/urandom`, a
//! 100 MB file, and a FIFO (or, for standard input, a pipe) that nobody writes to.
//!
//! Each run must give its documented exit code and message within 2 seconds, with a peak resident
//! memory under 64 MB, measured by GNU time from the kernel's own account of the child (`wait4`'s
//! `ru_maxrss`, `%M`), and leave the keystore as it was. A FIFO nobody writes to is waited on, as
//! `cat` waits (there is no overall deadline to end it): the test checks that ascert is still
//! waiting after a while, then opens and closes the writing end without a byte, and the 2 seconds
//! run from that close. The figures are printed (`cargo nextest run -p ascert --test e2e sizes
//! --no-capture`).

use std::ffi::OsString;
use std::fs::File;
use std::io::{BufWriter, Read as _, Write as _};
use std::os::unix::process::CommandExt as _;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use futures::StreamExt as _;

use super::{Case, MAX_STDERR, Stocked, copy_tree, snapshot};
use crate::support::Run;

/// GNU time: its `%M` is the child's peak resident set, from `wait4`.
const GNU_TIME: &str = "/usr/bin/time";
/// The most memory one run may reach.
const PEAK_RSS_BOUND_KIB: u64 = 64 * 1024;
/// The longest one run may take (for a FIFO: from the writer's close).
const TIME_BOUND: Duration = Duration::from_secs(2);
/// How long a reader of a silent FIFO or pipe is watched waiting before the writer closes it.
const WATCHED_WAITING: Duration = Duration::from_millis(500);
/// A run still going after this is killed and reported as a hang.
const HANG_BOUND: Duration = Duration::from_secs(30);
/// A run whose resident memory passes this is killed at once: a regression must fail the test, not
/// the machine it runs on.
const RUNAWAY_RSS_KIB: u64 = 512 * 1024;
/// Runs at the same time.
const PARALLEL: usize = 4;

/// What a hostile input reads as.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Source {
    Zero,
    Random,
    Big,
    Fifo,
}

impl Source {
    const ALL: [Source; 4] = [Source::Zero, Source::Random, Source::Big, Source::Fifo];

    fn label(self) -> &'static str {
        match self {
            Source::Zero => "/dev/zero",
            Source::Random => "/dev/urandom",
            Source::Big => "a 100 MB file",
            Source::Fifo => "a FIFO nobody writes to",
        }
    }
}

/// Makes paths that read as a [`Source`], each in a folder of its own.
struct Hostile {
    dir: PathBuf,
    /// The 100 MB file (text lines, as a key or a password file would have).
    big: PathBuf,
    next: AtomicUsize,
}

impl Hostile {
    fn new(stocked: &Stocked) -> Hostile {
        let dir = stocked.env.path("hostile");
        std::fs::create_dir_all(&dir).unwrap();
        let big = dir.join("big.bin");
        let mut file = BufWriter::new(File::create(&big).unwrap());
        let line = "QUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFBQUFB\n";
        for _ in 0..100_000_000 / line.len() {
            file.write_all(line.as_bytes()).unwrap();
        }
        file.into_inner().unwrap().sync_all().unwrap();
        Hostile {
            dir,
            big,
            next: AtomicUsize::new(0),
        }
    }

    /// A new path named `name` that reads as `source`: a link to the device or to the 100 MB file,
    /// or a FIFO of its own.
    fn path(&self, source: Source, name: &str) -> PathBuf {
        let folder = self
            .dir
            .join(self.next.fetch_add(1, Ordering::SeqCst).to_string());
        let path = folder.join(name);
        std::fs::create_dir_all(path.parent().unwrap()).unwrap();
        match source {
            Source::Zero => std::os::unix::fs::symlink("/dev/zero", &path).unwrap(),
            Source::Random => std::os::unix::fs::symlink("/dev/urandom", &path).unwrap(),
            Source::Big => std::os::unix::fs::symlink(&self.big, &path).unwrap(),
            Source::Fifo => {
                let made = Command::new("mkfifo").arg(&path).status().unwrap();
                assert!(made.success(), "mkfifo {}", path.display());
            }
        }
        path
    }

    /// What standard input reads for `source`; a FIFO is a pipe whose writer stays silent.
    fn stdin(&self, source: Source) -> Stdio {
        match source {
            Source::Zero => File::open("/dev/zero").unwrap().into(),
            Source::Random => File::open("/dev/urandom").unwrap().into(),
            Source::Big => File::open(&self.big).unwrap().into(),
            Source::Fifo => Stdio::piped(),
        }
    }
}

/// One kind of input fed one source, and what the user must see.
struct SizeCase {
    kind: &'static str,
    source: Source,
    /// What the figures say it was fed, when not one source.
    fed: Option<&'static str>,
    args: Vec<OsString>,
    env: Vec<(String, OsString)>,
    /// `--api-key <the sandbox's key>` before the arguments.
    credentials: bool,
    /// Standard input reads the source (else `/dev/null`).
    stdin: bool,
    /// The FIFO the command opens, for `Source::Fifo`.
    fifo: Option<PathBuf>,
    /// ascert opens the FIFO or pipe and waits for its writer, as `cat` would.
    waits: bool,
    exit: i32,
    says: Vec<String>,
}

impl SizeCase {
    fn new<S: Into<OsString>>(kind: &'static str, source: Source, args: impl IntoIterator<Item = S>) -> Self {
        SizeCase {
            kind,
            source,
            fed: None,
            args: args.into_iter().map(Into::into).collect(),
            env: Vec::new(),
            credentials: true,
            stdin: false,
            fifo: None,
            waits: false,
            exit: 1,
            says: Vec::new(),
        }
    }

    fn env(mut self, name: &str, value: impl Into<OsString>) -> Self {
        self.env.push((name.to_owned(), value.into()));
        self
    }

    fn without_credentials(mut self) -> Self {
        self.credentials = false;
        self
    }

    /// The command reads `path` (made by [`Hostile::path`]); a FIFO is waited on.
    fn reads(mut self, path: &Path) -> Self {
        if self.source == Source::Fifo {
            self.fifo = Some(path.to_owned());
            self.waits = true;
        }
        self
    }

    /// The command reads standard input; a silent pipe is waited on.
    fn reads_stdin(mut self) -> Self {
        self.stdin = true;
        self.waits = self.source == Source::Fifo;
        self
    }

    /// The command never opens the FIFO (it is not a regular file where one is looked for).
    fn skips_fifo(mut self) -> Self {
        self.waits = false;
        self
    }

    /// The folder holds every source at once.
    fn fed_all(mut self) -> Self {
        self.fed = Some("all four, as .cer .pem .der .crt");
        self
    }

    fn exit(mut self, code: i32) -> Self {
        self.exit = code;
        self
    }

    fn says(mut self, text: &str) -> Self {
        self.says.push(text.to_owned());
        self
    }

    /// Past the limit for every source but the FIFO, which ends empty: `too_large` then, else
    /// `empty` (exit code and text).
    fn sized(self, too_large: (i32, &str), empty: (i32, &str)) -> Self {
        let (exit, text) = if self.source == Source::Fifo {
            empty
        } else {
            too_large
        };
        self.exit(exit).says(text)
    }

    fn fed(&self) -> &'static str {
        self.fed.unwrap_or_else(|| self.source.label())
    }

    fn name(&self) -> String {
        format!("{} fed {}", self.kind, self.fed())
    }
}

fn s(path: &Path) -> &str {
    path.to_str().unwrap()
}

const LARGER_64K: &str = "is larger than 64 KiB";
const LARGER_4M: &str = "is larger than 4 MiB";

/// Every kind of input the CLI reads, fed `source`.
#[allow(clippy::too_many_lines, reason = "a table of cases, one kind each")]
fn cases(stocked: &Stocked, hostile: &Hostile, source: Source) -> Vec<SizeCase> {
    let key_id = stocked.env.sandbox.api_key().key_id.clone();
    let issuer = stocked.env.sandbox.issuer_id().to_owned();
    let cert = stocked.certificate_id.clone();
    let key = stocked.key_id.clone();
    let out = |name: &str| {
        stocked.env.path(&format!(
            "out-{}-{name}",
            hostile.next.fetch_add(1, Ordering::SeqCst)
        ))
    };
    let mut cases = Vec::new();

    let p = hostile.path(source, "key.p8");
    cases.push(
        SizeCase::new(
            "--api-key FILE",
            source,
            [
                "--api-key",
                s(&p),
                "--key-id",
                &key_id,
                "--issuer-id",
                &issuer,
                "certificates",
                "list",
            ],
        )
        .without_credentials()
        .reads(&p)
        .sized((3, LARGER_64K), (3, "is empty")),
    );
    let p = hostile.path(source, "key.p8");
    cases.push(
        SizeCase::new(
            "--private-key FILE",
            source,
            [
                "--private-key",
                s(&p),
                "--key-id",
                &key_id,
                "--issuer-id",
                &issuer,
                "certificates",
                "list",
            ],
        )
        .without_credentials()
        .reads(&p)
        .sized((3, LARGER_64K), (3, "is empty")),
    );
    let p = hostile.path(source, "AuthKey.p8");
    cases.push(
        SizeCase::new("ASC_PRIVATE_KEY_PATH", source, ["certificates", "list"])
            .without_credentials()
            .env("ASC_KEY_ID", &key_id)
            .env("ASC_ISSUER_ID", &issuer)
            .env("ASC_PRIVATE_KEY_PATH", &p)
            .reads(&p)
            .sized((3, LARGER_64K), (3, "is empty")),
    );
    let p = hostile.path(source, "fastlane.json");
    cases.push(
        SizeCase::new(
            "APP_STORE_CONNECT_API_KEY_PATH (fastlane JSON)",
            source,
            ["certificates", "list"],
        )
        .without_credentials()
        .env("APP_STORE_CONNECT_API_KEY_PATH", &p)
        .reads(&p)
        .sized((3, LARGER_64K), (3, "is not a valid fastlane JSON key")),
    );
    let p = hostile.path(source, "codemagic.p8");
    let mut reference = OsString::from("@file:");
    reference.push(&p);
    cases.push(
        SizeCase::new(
            "APP_STORE_CONNECT_PRIVATE_KEY=@file:PATH (codemagic)",
            source,
            ["certificates", "list"],
        )
        .without_credentials()
        .env("APP_STORE_CONNECT_KEY_IDENTIFIER", &key_id)
        .env("APP_STORE_CONNECT_ISSUER_ID", &issuer)
        .env("APP_STORE_CONNECT_PRIVATE_KEY", reference)
        .reads(&p)
        .sized((3, LARGER_64K), (3, "is empty")),
    );
    // AuthKey_<KEY_ID>.p8 looked up in ~/.appstoreconnect/private_keys: only a regular file is
    // taken, so a device or a FIFO there is no key at all.
    let p = hostile.path(
        source,
        &format!(".appstoreconnect/private_keys/AuthKey_{key_id}.p8"),
    );
    let home = p.ancestors().nth(3).unwrap().to_owned();
    let lookup = SizeCase::new(
        "AuthKey_<KEY_ID>.p8 in ~/.appstoreconnect/private_keys",
        source,
        ["certificates", "list"],
    )
    .without_credentials()
    .env("HOME", &home)
    .env("ASC_KEY_ID", &key_id)
    .env("ASC_ISSUER_ID", &issuer)
    .skips_fifo();
    cases.push(if source == Source::Big {
        lookup.exit(3).says(LARGER_64K)
    } else {
        lookup.exit(3).says("no AuthKey_")
    });
    let p = hostile.path(source, "config.toml");
    cases.push(
        SizeCase::new("ASCERT_CONFIG", source, ["certificates", "list"])
            .without_credentials()
            .env("ASCERT_CONFIG", &p)
            .reads(&p)
            .sized((2, LARGER_64K), (3, "no App Store Connect API key found")),
    );
    let p = hostile.path(source, "profile.p8");
    let config = stocked.env.path(&format!(
        "config-{}.toml",
        hostile.next.fetch_add(1, Ordering::SeqCst)
    ));
    std::fs::write(
        &config,
        format!(
            "[profiles.default]\nkey_id = \"{key_id}\"\nissuer_id = \"{issuer}\"\nprivate_key = \"{}\"\n",
            s(&p)
        ),
    )
    .unwrap();
    cases.push(
        SizeCase::new(
            "the config profile's private_key",
            source,
            ["certificates", "list"],
        )
        .without_credentials()
        .env("ASCERT_CONFIG", &config)
        .reads(&p)
        .sized((3, LARGER_64K), (3, "is empty")),
    );
    let p = hostile.path(source, "password.txt");
    let p12 = out("a.p12");
    cases.push(
        SizeCase::new(
            "--password-file FILE",
            source,
            [
                "identities",
                "export",
                &cert,
                "--p12",
                s(&p12),
                "--password-file",
                s(&p),
            ],
        )
        .reads(&p)
        .sized((2, LARGER_64K), (2, "is empty")),
    );
    let p12 = out("b.p12");
    cases.push(
        SizeCase::new(
            "--password-stdin",
            source,
            [
                "identities",
                "export",
                &cert,
                "--p12",
                s(&p12),
                "--password-stdin",
            ],
        )
        .reads_stdin()
        .sized((2, LARGER_64K), (2, "is empty")),
    );
    let p = hostile.path(source, "passphrase.txt");
    let pem = out("key.pem");
    cases.push(
        SizeCase::new(
            "--passphrase-file FILE",
            source,
            [
                "keys",
                "export",
                &key,
                "--out",
                s(&pem),
                "--encrypt",
                "--passphrase-file",
                s(&p),
            ],
        )
        .reads(&p)
        .sized((2, LARGER_64K), (2, "is empty")),
    );
    let pem = out("key.pem");
    cases.push(
        SizeCase::new(
            "--passphrase-stdin",
            source,
            [
                "keys",
                "export",
                &key,
                "--out",
                s(&pem),
                "--encrypt",
                "--passphrase-stdin",
            ],
        )
        .reads_stdin()
        .sized((2, LARGER_64K), (2, "is empty")),
    );
    // The keychain's password is read before `security` runs; `false` stands in for it, so an
    // accepted (empty) password ends with the tool's failure.
    let p = hostile.path(source, "keychain-password.txt");
    let keychain = out("ci.keychain-db");
    cases.push(
        SizeCase::new(
            "keychain create --password-file FILE",
            source,
            ["keychain", "create", s(&keychain), "--password-file", s(&p)],
        )
        .env("ASCERT_SECURITY_TOOL", "/bin/false")
        .reads(&p)
        .sized((2, LARGER_64K), (1, "security")),
    );
    let keychain = out("ci.keychain-db");
    cases.push(
        SizeCase::new(
            "keychain create --password-stdin",
            source,
            ["keychain", "create", s(&keychain), "--password-stdin"],
        )
        .env("ASCERT_SECURITY_TOOL", "/bin/false")
        .reads_stdin()
        .sized((2, LARGER_64K), (1, "security")),
    );
    let p = hostile.path(source, "key.pem");
    cases.push(
        SizeCase::new("keys import FILE.pem", source, ["keys", "import", s(&p)])
            .reads(&p)
            .sized((2, LARGER_64K), (1, "not a usable private key")),
    );
    let p = hostile.path(source, "identity.p12");
    cases.push(
        SizeCase::new("keys import FILE.p12", source, ["keys", "import", s(&p)])
            .env("ASCERT_P12_PASSWORD", "correct horse battery")
            .reads(&p)
            .sized((2, LARGER_4M), (1, "PKCS#12")),
    );
    let p = hostile.path(source, "request.csr");
    cases.push(
        SizeCase::new(
            "certificates create --csr FILE",
            source,
            ["certificates", "create", "--type", "DEVELOPMENT", "--csr", s(&p)],
        )
        .reads(&p)
        .sized((2, LARGER_64K), (2, "is not a PEM certificate signing request")),
    );
    let p = hostile.path(source, "ca.pem");
    cases.push(
        SizeCase::new("ASCERT_CA_CERT", source, ["certificates", "list"])
            .env("ASCERT_CA_CERT", &p)
            .reads(&p)
            .sized((2, LARGER_4M), (2, "holds no PEM certificate")),
    );
    // A team member's keys: the private one that opens a store, the public one that joins it.
    let store = team_store(stocked, &out("team-store"));
    let p = hostile.path(source, "member.agekey");
    cases.push(
        SizeCase::new(
            "team pull --identity FILE",
            source,
            ["team", "pull", "--store", &store, "--identity", s(&p)],
        )
        .reads(&p)
        .sized((3, LARGER_64K), (3, "not a usable member key")),
    );
    let p = hostile.path(source, "member.pub");
    let member = format!("x={}", s(&p));
    let new_store = format!("file://{}", s(&out("new-store")));
    cases.push(
        SizeCase::new(
            "team init --member NAME=FILE.pub",
            source,
            ["team", "init", "--store", &new_store, "--member", &member],
        )
        .reads(&p)
        .sized((2, LARGER_64K), (2, "holds no public key for member")),
    );
    cases
}

/// A team store in the folder `dir` (`file://`), with one member; its URL.
fn team_store(stocked: &Stocked, dir: &Path) -> String {
    let key = dir.with_extension("agekey");
    let keygen = stocked
        .env
        .bare()
        .args(["team", "keygen", "--out", s(&key)])
        .output()
        .unwrap();
    assert!(keygen.status.success(), "{keygen:?}");
    let member = format!("ci={}", String::from_utf8_lossy(&keygen.stdout).trim());
    let url = format!("file://{}", s(dir));
    let init = stocked
        .env
        .bare()
        .args(["team", "init", "--store", &url, "--member", &member])
        .output()
        .unwrap();
    assert!(init.status.success(), "{init:?}");
    url
}

/// `--ca-dir DIR` with every source in it, as certificate files: only regular files of at most
/// 4 MiB are read, so the others are skipped (a FIFO is never opened) and the export succeeds with
/// the intermediate found elsewhere.
fn ca_folder_case(stocked: &Stocked, hostile: &Hostile) -> SizeCase {
    let dir = stocked.env.path("hostile-ca-dir");
    std::fs::create_dir_all(&dir).unwrap();
    for (source, name) in Source::ALL
        .iter()
        .zip(["zero.cer", "random.pem", "big.der", "fifo.crt"])
    {
        std::fs::rename(hostile.path(*source, name), dir.join(name)).unwrap();
    }
    let p12 = stocked.env.path("ca-dir.p12");
    SizeCase::new(
        "identities export --ca-dir DIR",
        Source::Fifo,
        [
            "identities",
            "export",
            &stocked.certificate_id,
            "--p12",
            s(&p12),
            "--ca-dir",
            s(&dir),
        ],
    )
    .env("ASCERT_P12_PASSWORD", "correct horse battery")
    .exit(0)
    .fed_all()
}

/// KiB as MB with one decimal: "16.4 MB".
fn shown_mb(kib: u64) -> String {
    format!("{}.{} MB", kib / 1024, kib % 1024 * 10 / 1024)
}

/// GNU time's account of a run: the peak resident set in KiB.
fn peak_rss_kib(report: &Path) -> Result<u64, String> {
    let text = std::fs::read_to_string(report).map_err(|e| format!("no report from GNU time: {e}"))?;
    text.lines()
        .last()
        .and_then(|line| line.trim().parse().ok())
        .ok_or_else(|| format!("GNU time reported {text:?}"))
}

/// The processes whose parent is `pid` (GNU time's child: ascert).
fn children(pid: u32) -> Vec<u32> {
    let path = format!("/proc/{pid}/task/{pid}/children");
    std::fs::read_to_string(path)
        .unwrap_or_default()
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect()
}

/// Whether process `pid` has `path` open.
fn has_open(pid: u32, path: &Path) -> bool {
    let Ok(entries) = std::fs::read_dir(format!("/proc/{pid}/fd")) else {
        return false;
    };
    entries
        .filter_map(Result::ok)
        .any(|e| std::fs::read_link(e.path()).is_ok_and(|target| target == path))
}

fn kill_group(child: &mut Child) {
    // The child leads its own process group: GNU time and ascert under it go together.
    let group = rustix::process::Pid::from_raw(child.id().try_into().unwrap()).unwrap();
    let _ = rustix::process::kill_process_group(group, rustix::process::Signal::KILL);
    let _ = child.wait();
}

/// A field of `/proc/PID/status` in KiB, such as `VmRSS` (now) or `VmHWM` (the peak so far); 0
/// when the process is gone.
fn status_kib(pid: u32, field: &str) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse().ok())
        .unwrap_or(0)
}

/// Polls the child until it ends, at most `bound`; kills it if it runs away with memory. Also
/// returns the highest `VmHWM` seen while sampling, a cross-check of GNU time's figure.
fn wait_bounded(child: &mut Child, bound: Duration) -> Result<(std::process::ExitStatus, u64), String> {
    let deadline = Instant::now() + bound;
    let mut sampled_peak = 0;
    loop {
        if let Some(status) = child.try_wait().unwrap() {
            return Ok((status, sampled_peak));
        }
        if Instant::now() >= deadline {
            kill_group(child);
            return Err(format!("still running after {bound:?}: a hang"));
        }
        for pid in children(child.id()) {
            sampled_peak = sampled_peak.max(status_kib(pid, "VmHWM"));
            let rss = status_kib(pid, "VmRSS");
            if rss > RUNAWAY_RSS_KIB {
                kill_group(child);
                return Err(format!("its resident memory reached {rss} KiB: killed"));
            }
        }
        // Polling the child's exit; nothing here waits on a server.
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// What one run showed.
struct Measured {
    run: Run,
    peak_rss_kib: u64,
    /// The highest `VmHWM` sampled while it ran (may miss the last moments).
    sampled_peak_kib: u64,
    /// From the start (for a silent FIFO or pipe: from the writer's close) to the end.
    elapsed: Duration,
}

/// Runs `command` (GNU time over ascert), feeding and closing a silent FIFO or pipe as the case
/// says, and measures it.
fn run_measured(
    mut command: Command,
    case: &SizeCase,
    stdin: Stdio,
    report: &Path,
) -> Result<Measured, String> {
    command
        .stdin(stdin)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .process_group(0);
    let mut child = command
        .spawn()
        .map_err(|e| format!("cannot start {GNU_TIME}: {e}"))?;
    let mut stdout = child.stdout.take().unwrap();
    let mut stderr = child.stderr.take().unwrap();
    let out = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stdout.read_to_end(&mut buffer);
        buffer
    });
    let err = std::thread::spawn(move || {
        let mut buffer = Vec::new();
        let _ = stderr.read_to_end(&mut buffer);
        buffer
    });
    let mut start = Instant::now();
    if case.waits {
        // It waits for a writer, as `cat` would: still running after a while.
        while start.elapsed() < WATCHED_WAITING {
            if child.try_wait().unwrap().is_some() {
                return Err("it ended instead of waiting for the writer".into());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        if let Some(fifo) = &case.fifo {
            // Open for reading and writing (which never blocks on a FIFO on Linux), wait until
            // ascert has it open too, then close without a byte written: ascert reads the end.
            let writer = std::fs::OpenOptions::new()
                .read(true)
                .write(true)
                .open(fifo)
                .unwrap();
            let opened = Instant::now();
            while !children(child.id()).iter().any(|pid| has_open(*pid, fifo)) {
                if child.try_wait().unwrap().is_some() || opened.elapsed() > HANG_BOUND {
                    break;
                }
                std::thread::sleep(Duration::from_millis(5));
            }
            drop(writer);
        } else {
            drop(child.stdin.take());
        }
        start = Instant::now();
    }
    let (status, sampled_peak_kib) = wait_bounded(&mut child, HANG_BOUND)?;
    let elapsed = start.elapsed();
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&out.join().unwrap()).into_owned(),
        stderr: String::from_utf8_lossy(&err.join().unwrap()).into_owned(),
    };
    Ok(Measured {
        peak_rss_kib: peak_rss_kib(report)?,
        sampled_peak_kib,
        run,
        elapsed,
    })
}

impl Stocked {
    /// Runs one size case against a copy of the stocked keystore; `Ok` carries its figures.
    fn check_size(&self, index: usize, case: &SizeCase, hostile: &Hostile) -> Result<String, String> {
        let home = self.env.path(&format!("size-case-{index}-home"));
        copy_tree(&self.env.home(), &home);
        let before = snapshot(&home);
        let report = self.env.path(&format!("size-case-{index}-time.txt"));
        let mut command = like(&self.env.bare(), GNU_TIME);
        command
            .env("ASCERT_HOME", &home)
            .args(["-f", "%M", "-o"])
            .arg(&report)
            .arg(env!("CARGO_BIN_EXE_ascert"));
        for (name, value) in &case.env {
            command.env(name, value);
        }
        if case.credentials {
            command.arg("--api-key").arg(&self.env.api_key_json);
        }
        command.args(&case.args);
        let stdin = if case.stdin {
            hostile.stdin(case.source)
        } else {
            Stdio::null()
        };
        let measured =
            run_measured(command, case, stdin, &report).map_err(|e| format!("{}: {e}", case.name()))?;
        let run = &measured.run;
        let as_case = Case {
            name: case.name(),
            args: case.args.clone(),
            env: case.env.clone(),
            credentials: case.credentials,
            base_url: None,
            exit: Some(case.exit),
            says: case.says.clone(),
        };
        let mut problems = Vec::new();
        if case.exit == 0 {
            if run.code != 0 {
                problems.push(format!("exit {} instead of success", run.code));
            }
        } else if let Err(problem) = super::judge(&as_case, run, &before, &snapshot(&home)) {
            problems.push(problem);
        }
        if measured.peak_rss_kib >= PEAK_RSS_BOUND_KIB {
            problems.push(format!(
                "its peak resident memory was {} KiB (GNU time; VmHWM sampled while it ran: {} KiB)",
                measured.peak_rss_kib, measured.sampled_peak_kib
            ));
        }
        if measured.elapsed >= TIME_BOUND {
            problems.push(format!("it took {:?}", measured.elapsed));
        }
        let figures = format!(
            "{:<58} {:<34} exit {}  {:>7}  {:>5} ms",
            case.kind,
            case.fed(),
            run.code,
            shown_mb(measured.peak_rss_kib),
            measured.elapsed.as_millis()
        );
        if problems.is_empty() {
            Ok(figures)
        } else {
            Err(format!(
                "case {:?}: {}\n  {figures}\n  stdout: {}\n  stderr: {}",
                case.name(),
                problems.join("; "),
                super::truncate(&run.stdout),
                super::truncate(&run.stderr)
                    .chars()
                    .take(MAX_STDERR)
                    .collect::<String>()
            ))
        }
    }
}

#[tokio::test(flavor = "multi_thread")]
async fn every_input_has_a_size() {
    assert!(
        Path::new(GNU_TIME).is_file(),
        "{GNU_TIME} (GNU time) measures the peak memory of each run: apt-get install time (.ci/run does)"
    );
    let stocked = std::sync::Arc::new(Stocked::start().await);
    let hostile = std::sync::Arc::new(Hostile::new(&stocked));
    let mut cases: Vec<SizeCase> = Source::ALL
        .iter()
        .flat_map(|source| cases(&stocked, &hostile, *source))
        .collect();
    cases.push(ca_folder_case(&stocked, &hostile));
    let total = cases.len();
    let results: Vec<Result<String, String>> = futures::stream::iter(cases.into_iter().enumerate())
        .map(|(index, case)| {
            let (stocked, hostile) = (stocked.clone(), hostile.clone());
            async move {
                tokio::task::spawn_blocking(move || stocked.check_size(index, &case, &hostile))
                    .await
                    .unwrap()
            }
        })
        .buffered(PARALLEL)
        .collect()
        .await;
    #[allow(
        clippy::print_stdout,
        reason = "the catalogue's figures, shown with --no-capture (reliability.md quotes them)"
    )]
    for figures in results.iter().flatten() {
        println!("{figures}");
    }
    let failures: Vec<&String> = results.iter().filter_map(|r| r.as_ref().err()).collect();
    assert!(
        failures.is_empty(),
        "{} of {total} size cases misbehaved:\n\n{}",
        failures.len(),
        failures
            .iter()
            .map(|f| f.as_str())
            .collect::<Vec<_>>()
            .join("\n\n")
    );
}

/// `command`'s environment and folder, with another program.
fn like(template: &Command, program: &str) -> Command {
    let mut command = Command::new(program);
    for (name, value) in template.get_envs() {
        match value {
            Some(value) => command.env(name, value),
            None => command.env_remove(name),
        };
    }
    command.current_dir(template.get_current_dir().unwrap());
    command
}

/// Within the limits, streams still work: an API key through a shell's process substitution
/// (`--api-key <(cat AuthKey_X.p8)`, as `<(vault read …)` would hand it), in both the .p8 and the
/// fastlane JSON form, and a .p12 password through `--password-stdin`, read to the pipe's end.
#[tokio::test(flavor = "multi_thread")]
async fn process_substitution_and_password_stdin_still_work() {
    let env = crate::support::Env::start().await;
    let key_id = env.sandbox.api_key().key_id.clone();
    let issuer = env.sandbox.issuer_id().to_owned();
    let substituted = |key_file: &Path, extra: &[&str]| {
        let mut command = like(&env.bare(), "bash");
        command
            .arg("-c")
            .arg(r#"exec "$0" --api-key <(cat "$1") "${@:2}" certificates list --json"#)
            .arg(env!("CARGO_BIN_EXE_ascert"))
            .arg(key_file)
            .args(extra);
        command
    };
    let p8 = crate::support::run(substituted(
        &env.private_key,
        &["--key-id", &key_id, "--issuer-id", &issuer],
    ))
    .await;
    p8.ok();
    assert!(p8.json().is_array(), "{}", p8.stdout);
    let json = crate::support::run(substituted(&env.api_key_json, &[])).await;
    json.ok();
    assert!(json.json().is_array(), "{}", json.stdout);

    let created = env
        .run(&[
            "certificates",
            "create",
            "--type",
            "DEVELOPMENT",
            "--common-name",
            "Piped",
            "--email",
            "piped@example.com",
            "--json",
        ])
        .await;
    let certificate_id = created.json()["certificate"]["id"].as_str().unwrap().to_owned();
    let p12 = env.path("piped.p12");
    let password = "a password through a pipe";
    let mut command = env.bare();
    command
        .arg("--api-key")
        .arg(&env.api_key_json)
        .args([
            "identities",
            "export",
            &certificate_id,
            "--p12",
            s(&p12),
            "--password-stdin",
        ])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn().unwrap();
    // The password, its line end, and the end of the stream.
    child
        .stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let output = tokio::task::spawn_blocking(move || child.wait_with_output().unwrap())
        .await
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let certificate = crate::support::openssl(&[
        "pkcs12",
        "-in",
        s(&p12),
        "-passin",
        &format!("pass:{password}"),
        "-clcerts",
        "-nokeys",
    ]);
    assert!(
        certificate.contains("-----BEGIN CERTIFICATE-----"),
        "{certificate}"
    );
}
