//! `cargo xtask release-check`: what of the release (`.github/workflows/release.yml`) can be checked
//! on this machine, against a binary built here. Part of `cargo xtask ci`, right after the install
//! step, whose release build it reuses (`cargo build --release` finds it fresh).
//!
//! - shellcheck on `install.sh`, `.github/scripts/package.sh` and `packaging/homebrew/render.sh`.
//! - `package.sh` packs the release build for the host target, and under the two macOS names as
//!   stand-ins for the formula's check, into a folder laid out as a release is served
//!   (`download/vVERSION/` and `latest/download/`); each archive holds exactly its folder, the binary
//!   (mode 755, the bytes built), README.md and both licenses, and its `.sha256` line is right.
//!   SHA256SUMS is made from those lines, as the publish job makes it.
//! - `install.sh`, under `sh`, `bash --posix` (the nearest to macOS's `/bin/sh`) and `dash`,
//!   against `file://` URLs of that folder: the latest and a named version install a binary that
//!   prints `ascert VERSION` and print only its path, into `--to DIR`, `ASCERT_INSTALL_DIR` (over an
//!   installed one) and `~/.local/bin`; a tampered archive, a SHA256SUMS without the archive's line,
//!   an `http://` URL and an unknown target are each refused with a message on stderr and nothing
//!   installed.
//! - The Homebrew formula rendered from that SHA256SUMS passes `ruby -c` and
//!   `packaging/homebrew/check_formula.rb` (its URLs and hashes match SHA256SUMS; installed from the
//!   stand-in archives, its test block passes); a SHA256SUMS without a macOS line renders nothing.
//!
//! shellcheck, ruby, sh, tar and curl must be installed: a missing one fails the check, never skips
//! it (`.ci/run` installs them). dash is required in CI (`CI` set); bash and dash are used wherever
//! they are present. What only GitHub can run (the builds on macOS and Debian 11, lipo,
//! `gh release create`, `brew install`) is not checked here.

use std::ffi::OsStr;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

use anyhow::{Context as _, Result, bail, ensure};
use sha2::{Digest as _, Sha256};

/// The workspace's version, which the release build prints and the release is tagged with.
const VERSION: &str = env!("CARGO_PKG_VERSION");

/// The targets release.yml builds, each one archive; the universal one is lipo's, macOS only.
pub(crate) const TARGETS: [&str; 5] = [
    "aarch64-apple-darwin",
    "x86_64-apple-darwin",
    "universal-apple-darwin",
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
];

/// The archives the Homebrew formula installs, by its `on_arm` and `on_intel` blocks.
const FORMULA_TARGETS: [&str; 2] = ["aarch64-apple-darwin", "x86_64-apple-darwin"];

/// The shell scripts of the release, checked with shellcheck.
const SCRIPTS: [&str; 3] = [
    "install.sh",
    ".github/scripts/package.sh",
    "packaging/homebrew/render.sh",
];

/// Runs every check of the module doc.
///
/// # Errors
/// When a tool is missing, the release build fails, or any check fails.
pub(crate) fn run(root: &Path) -> Result<()> {
    let shellcheck = require("shellcheck", "apt-get install shellcheck")?;
    let ruby = require("ruby", "apt-get install ruby")?;
    require("curl", "apt-get install curl")?;
    // Each shell install.sh runs under: its command line before the script, and a name for the log.
    let mut shells = vec![(vec![require("sh", "a POSIX shell")?.into_os_string()], "sh")];
    // macOS's /bin/sh is bash 3.2 in POSIX mode; bash's POSIX mode here is the nearest at hand.
    if let Some(bash) = on_path("bash") {
        shells.push((vec![bash.into_os_string(), "--posix".into()], "bash-posix"));
    }
    if let Some(dash) = on_path("dash") {
        shells.push((vec![dash.into_os_string()], "dash"));
    } else {
        // A CI machine must run it under dash, Debian's /bin/sh; a developer's Mac or
        // distribution may lack it.
        ensure!(
            std::env::var_os("CI").is_none(),
            "dash is not installed (apt-get install dash, or run .ci/run)"
        );
        progress("dash is not installed: install.sh runs under sh only");
    }

    progress(&format!("shellcheck {}", SCRIPTS.join(" ")));
    let status = Command::new(&shellcheck)
        .args(SCRIPTS)
        .current_dir(root)
        .status()
        .context("could not start shellcheck")?;
    ensure!(status.success(), "shellcheck found problems ({status})");

    // The build `cargo xtask install` made (the same profile and features): fresh, so no work.
    crate::step(
        root,
        "release build",
        &["build", "--release", "--locked", "-p", "ascert"],
        &[],
    )?;
    let binary = crate::bench::target_dir(root)?.join("release").join("ascert");
    let host = host_target()?;
    ensure!(
        TARGETS.contains(&host.as_str()),
        "the host {host} is not a release target ({})",
        TARGETS.join(", ")
    );

    let work = tempfile::tempdir()?;
    let site = work.path().join("site");
    let download = site.join("download").join(format!("v{VERSION}"));
    let mut targets = vec![host.as_str()];
    targets.extend(FORMULA_TARGETS.iter().filter(|t| **t != host));
    let mut sums = Vec::new();
    for target in &targets {
        progress(&format!("package.sh {} {target}", binary.display()));
        let status = Command::new("sh")
            .arg(root.join(".github/scripts/package.sh"))
            .arg(&binary)
            .arg(target)
            .arg(&download)
            .status()
            .context("could not run package.sh")?;
        ensure!(status.success(), "package.sh failed for {target} ({status})");
        sums.push(check_archive(root, &binary, &download, target, work.path())?);
    }
    sums.sort_by(|a, b| a.1.cmp(&b.1));
    let sha256sums = sums.iter().fold(String::new(), |mut text, (hash, name)| {
        let _ = writeln!(text, "{hash}  {name}");
        text
    });
    write(&download.join("SHA256SUMS"), sha256sums.as_bytes())?;
    std::fs::copy(root.join("install.sh"), download.join("install.sh"))?;
    copy_folder(&download, &site.join("latest").join("download"))?;

    let asset = format!("ascert-{host}.tar.gz");
    // The same release, its archive with one byte changed; and with SHA256SUMS missing its line.
    let tampered = work.path().join("tampered");
    copy_folder(&site, &tampered)?;
    let archive = tampered.join("download").join(format!("v{VERSION}")).join(&asset);
    let mut bytes = std::fs::read(&archive)?;
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0x01;
    write(&archive, &bytes)?;
    let unlisted = work.path().join("unlisted");
    copy_folder(&site, &unlisted)?;
    let without = without_line(&sha256sums, &asset);
    write(
        &unlisted
            .join("download")
            .join(format!("v{VERSION}"))
            .join("SHA256SUMS"),
        without.as_bytes(),
    )?;

    for (command, name) in &shells {
        let run = InstallSh {
            command,
            name,
            script: root.join("install.sh"),
            scratch: work.path().join(format!("{name}-runs")),
        };
        install_cases(&run, &site, &tampered, &unlisted, &asset)?;
    }

    formula(root, &ruby, &download, work.path(), &sha256sums)?;
    progress("release check passed");
    Ok(())
}

/// Checks one archive package.sh made: its `.sha256` line, its entries and their modes, and that
/// it unpacks to the binary and files it was made from. Returns its (hash, file name).
fn check_archive(
    root: &Path,
    binary: &Path,
    dir: &Path,
    target: &str,
    scratch: &Path,
) -> Result<(String, String)> {
    let folder = format!("ascert-{target}");
    let name = format!("{folder}.tar.gz");
    let archive = dir.join(&name);
    let hash = sha256(&std::fs::read(&archive).with_context(|| format!("no {name}"))?);
    let line = std::fs::read_to_string(dir.join(format!("{name}.sha256")))
        .with_context(|| format!("package.sh wrote no {name}.sha256"))?;
    ensure!(
        line == format!("{hash}  {name}\n"),
        "{name}.sha256 is {line:?}, not `{hash}  {name}`"
    );

    let listing = run_tool(Command::new("tar").arg("-tvzf").arg(&archive))?;
    let mut entries: Vec<(String, String)> = listing
        .lines()
        .filter_map(|line| {
            let mut words = line.split_whitespace();
            let mode = words.next()?.to_owned();
            let path = words.last()?.trim_end_matches('/').to_owned();
            Some((path, mode))
        })
        .collect();
    entries.sort();
    let mut expected: Vec<(String, String)> = [
        ("", "drwxr-xr-x"),
        ("/LICENSE-APACHE", "-rw-r--r--"),
        ("/LICENSE-MIT", "-rw-r--r--"),
        ("/README.md", "-rw-r--r--"),
        ("/ascert", "-rwxr-xr-x"),
    ]
    .iter()
    .map(|(path, mode)| (format!("{folder}{path}"), (*mode).to_owned()))
    .collect();
    expected.sort();
    ensure!(entries == expected, "{name} holds {entries:?}, not {expected:?}");

    let unpacked = scratch.join(format!("unpacked-{target}"));
    std::fs::create_dir_all(&unpacked)?;
    run_tool(
        Command::new("tar")
            .arg("-xzf")
            .arg(&archive)
            .arg("-C")
            .arg(&unpacked),
    )?;
    for (inside, original) in [
        ("ascert", binary.to_path_buf()),
        ("README.md", root.join("README.md")),
        ("LICENSE-APACHE", root.join("LICENSE-APACHE")),
        ("LICENSE-MIT", root.join("LICENSE-MIT")),
    ] {
        ensure!(
            std::fs::read(unpacked.join(&folder).join(inside))? == std::fs::read(&original)?,
            "{name}'s {inside} differs from {}",
            original.display()
        );
    }
    progress(&format!(
        "{name}: its entries, modes, contents and .sha256 line are right"
    ));
    Ok((hash, name))
}

/// install.sh under one shell, each run with a fresh home and without the caller's `ASCERT_*`.
struct InstallSh<'a> {
    /// The shell and its options.
    command: &'a [std::ffi::OsString],
    /// What the log calls it.
    name: &'a str,
    script: PathBuf,
    scratch: PathBuf,
}

impl InstallSh<'_> {
    /// Runs install.sh with `args` and `env`; `home` is its `HOME`.
    fn run(&self, args: &[&OsStr], env: &[(&str, &OsStr)], home: &Path) -> Result<Output> {
        std::fs::create_dir_all(home)?;
        let mut command = Command::new(&self.command[0]);
        command
            .args(&self.command[1..])
            .arg(&self.script)
            .args(args)
            .env("HOME", home);
        for (key, _) in std::env::vars_os() {
            if key.to_string_lossy().starts_with("ASCERT_") {
                command.env_remove(&key);
            }
        }
        command
            .envs(env.iter().map(|(k, v)| (*k, *v)))
            .output()
            .with_context(|| format!("could not run {:?}", self.command))
    }

    /// A run that must install: status 0, stdout exactly `DIR/ascert`, that binary printing
    /// `ascert VERSION`, and nothing else left in DIR.
    fn installs(
        &self,
        case: &str,
        args: &[&OsStr],
        env: &[(&str, &OsStr)],
        home: &Path,
        dir: &Path,
    ) -> Result<()> {
        let output = self.run(args, env, home)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        ensure!(
            output.status.success(),
            "{}: install.sh ({case}) failed ({}):\n{stderr}",
            self.name,
            output.status
        );
        let installed = dir.join("ascert");
        let stdout = String::from_utf8_lossy(&output.stdout);
        ensure!(
            stdout == format!("{}\n", installed.display()),
            "{}: install.sh ({case}) printed {stdout:?} on stdout, not the installed path {}",
            self.name,
            installed.display()
        );
        let version = run_tool(Command::new(&installed).arg("--version"))?;
        ensure!(
            version.trim_end() == format!("ascert {VERSION}"),
            "the binary install.sh ({case}) installed prints {version:?}"
        );
        let left = folder_names(dir)?;
        ensure!(
            left == ["ascert"],
            "install.sh ({case}) left {left:?} in {}",
            dir.display()
        );
        progress(&format!(
            "{}: install.sh {case}: installed {}",
            self.name,
            installed.display()
        ));
        Ok(())
    }

    /// A run that must be refused: a non-zero status, a message on stderr that contains `says`,
    /// nothing on stdout, and no `ascert` in DIR.
    fn refuses(&self, case: &str, args: &[&OsStr], says: &str, home: &Path, dir: &Path) -> Result<()> {
        let output = self.run(args, &[], home)?;
        let stderr = String::from_utf8_lossy(&output.stderr);
        let shell = self.name;
        ensure!(
            !output.status.success(),
            "{shell}: install.sh installed despite {case}:\n{stderr}"
        );
        ensure!(
            stderr.contains(says),
            "{shell}: install.sh ({case}) said {stderr:?}, which lacks {says:?}"
        );
        ensure!(
            output.stdout.is_empty(),
            "{shell}: install.sh ({case}) printed {:?} on stdout",
            String::from_utf8_lossy(&output.stdout)
        );
        ensure!(
            !dir.join("ascert").exists(),
            "{shell}: install.sh ({case}) left {}",
            dir.join("ascert").display()
        );
        let last = stderr.lines().last().unwrap_or_default();
        progress(&format!("{shell}: install.sh refuses {case}: {last}"));
        Ok(())
    }
}

/// A `&str` argument as a command's argument.
fn os(text: &str) -> &OsStr {
    OsStr::new(text)
}

/// The cases of the module doc, for one shell.
fn install_cases(
    run: &InstallSh<'_>,
    site: &Path,
    tampered: &Path,
    unlisted: &Path,
    asset: &str,
) -> Result<()> {
    let url = |folder: &Path| format!("file://{}", folder.display());
    let scratch = &run.scratch;
    let home = scratch.join("home");
    let to = scratch.join("bin");
    let (site_url, tampered_url, unlisted_url) = (url(site), url(tampered), url(unlisted));
    let tag = format!("v{VERSION}");

    run.installs(
        "latest, --base-url, --to",
        &[os("--base-url"), os(&site_url), os("--to"), to.as_os_str()],
        &[],
        &home,
        &to,
    )?;
    run.installs(
        &format!("{tag} from the environment, over the installed one"),
        &[],
        &[
            ("ASCERT_VERSION", os(&tag)),
            ("ASCERT_INSTALL_BASE_URL", os(&site_url)),
            ("ASCERT_INSTALL_DIR", to.as_os_str()),
        ],
        &home,
        &to,
    )?;
    run.installs(
        &format!("--version {VERSION} into ~/.local/bin"),
        &[os("--version"), os(VERSION), os("--base-url"), os(&site_url)],
        &[],
        &home,
        &home.join(".local").join("bin"),
    )?;

    let refused = scratch.join("refused");
    let dir = refused.as_os_str();
    run.refuses(
        "a tampered archive",
        &[
            os("--version"),
            os(&tag),
            os("--base-url"),
            os(&tampered_url),
            os("--to"),
            dir,
        ],
        "SHA256SUMS says",
        &home,
        &refused,
    )?;
    run.refuses(
        "a SHA256SUMS without the archive's line",
        &[
            os("--base-url"),
            os(&unlisted_url),
            os("--version"),
            os(&tag),
            os("--to"),
            dir,
        ],
        &format!("no line for {asset}"),
        &home,
        &refused,
    )?;
    run.refuses(
        "an http:// URL",
        &[
            os("--base-url"),
            os("http://127.0.0.1:9/releases"),
            os("--to"),
            dir,
        ],
        "refusing the plain http:// URL",
        &home,
        &refused,
    )?;
    run.refuses(
        "an unknown target",
        &[
            os("--target"),
            os("riscv64gc-unknown-linux-gnu"),
            os("--base-url"),
            os(&site_url),
            os("--to"),
            dir,
        ],
        "cargo install",
        &home,
        &refused,
    )?;
    ensure!(
        !refused.exists(),
        "the refused runs of install.sh created {}",
        refused.display()
    );
    Ok(())
}

/// The formula rendered from SHA256SUMS, checked by `ruby -c` and `check_formula.rb`, which also
/// installs it from the stand-in archives in `download` and runs its test block.
fn formula(root: &Path, ruby: &Path, download: &Path, scratch: &Path, sums: &str) -> Result<()> {
    let render = root.join("packaging/homebrew/render.sh");
    let sums_path = download.join("SHA256SUMS");
    let rendered = run_tool(
        Command::new("sh")
            .arg(&render)
            .arg(format!("v{VERSION}"))
            .arg(&sums_path),
    )?;
    let formula = scratch.join("ascert.rb");
    write(&formula, rendered.as_bytes())?;
    for hash_of in FORMULA_TARGETS {
        let line = sums
            .lines()
            .find(|line| line.ends_with(&format!("  ascert-{hash_of}.tar.gz")))
            .context("SHA256SUMS lacks a macOS archive")?;
        let hash = line.split_whitespace().next().unwrap_or_default();
        ensure!(
            rendered.contains(&format!("sha256 \"{hash}\"")),
            "the rendered formula lacks the hash of {hash_of}"
        );
    }
    progress(&format!("ruby -c {}", formula.display()));
    run_tool(Command::new(ruby).arg("-c").arg(&formula))?;
    let check = root.join("packaging/homebrew/check_formula.rb");
    for archives in [None, Some(download)] {
        let mut command = Command::new(ruby);
        command.arg(&check).arg(&formula).arg(&sums_path).arg(VERSION);
        if let Some(archives) = archives {
            command.arg(archives);
        }
        let said = run_tool(&mut command)?;
        progress(said.trim_end());
    }

    // render.sh renders nothing from a SHA256SUMS without a macOS archive.
    let partial = scratch.join("SHA256SUMS.partial");
    let kept = without_line(sums, "ascert-aarch64-apple-darwin.tar.gz");
    write(&partial, kept.as_bytes())?;
    let output = Command::new("sh")
        .arg(&render)
        .arg(VERSION)
        .arg(&partial)
        .output()
        .context("could not run render.sh")?;
    ensure!(
        !output.status.success() && output.stdout.is_empty(),
        "render.sh rendered a formula from a SHA256SUMS without the aarch64-apple-darwin archive"
    );
    progress("render.sh refuses a SHA256SUMS without a macOS archive");
    Ok(())
}

/// The host's target triple, from `rustc -vV`.
fn host_target() -> Result<String> {
    let rustc = std::env::var("RUSTC").unwrap_or_else(|_| "rustc".to_owned());
    let output = run_tool(Command::new(rustc).arg("-vV"))?;
    output
        .lines()
        .find_map(|line| line.strip_prefix("host: "))
        .map(str::to_owned)
        .context("rustc -vV names no host")
}

/// Runs a tool to completion; its stdout, or an error with its stderr.
fn run_tool(command: &mut Command) -> Result<String> {
    let shown = format!("{command:?}");
    let output = command
        .output()
        .with_context(|| format!("could not start {shown}"))?;
    if !output.status.success() {
        bail!(
            "{shown} failed ({}):\n{}{}",
            output.status,
            String::from_utf8_lossy(&output.stdout),
            String::from_utf8_lossy(&output.stderr)
        );
    }
    Ok(String::from_utf8_lossy(&output.stdout).into_owned())
}

/// The path of a tool that must be installed.
fn require(name: &str, install: &str) -> Result<PathBuf> {
    on_path(name).with_context(|| {
        format!("{name} is not installed ({install}, or run .ci/run); the release check needs it")
    })
}

/// `name` in a folder of `PATH`.
fn on_path(name: &str) -> Option<PathBuf> {
    let paths = std::env::var_os("PATH")?;
    std::env::split_paths(&paths)
        .map(|folder| folder.join(name))
        .find(|candidate| candidate.is_file())
}

/// The SHA-256 of `bytes` in lowercase hex, as sha256sum prints it.
fn sha256(bytes: &[u8]) -> String {
    Sha256::digest(bytes)
        .iter()
        .fold(String::with_capacity(64), |mut hex, byte| {
            let _ = write!(hex, "{byte:02x}");
            hex
        })
}

/// SHA256SUMS without the line of `name`.
fn without_line(sums: &str, name: &str) -> String {
    sums.lines()
        .filter(|line| !line.ends_with(&format!("  {name}")))
        .fold(String::new(), |mut text, line| {
            text.push_str(line);
            text.push('\n');
            text
        })
}

/// The sorted names in a folder.
fn folder_names(dir: &Path) -> Result<Vec<String>> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .with_context(|| format!("cannot read {}", dir.display()))?
        .filter_map(|entry| Some(entry.ok()?.file_name().to_string_lossy().into_owned()))
        .collect();
    names.sort();
    Ok(names)
}

/// Copies a folder of folders and files.
fn copy_folder(from: &Path, to: &Path) -> Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_folder(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), &target)?;
        }
    }
    Ok(())
}

fn write(path: &Path, bytes: &[u8]) -> Result<()> {
    std::fs::write(path, bytes).with_context(|| format!("cannot write {}", path.display()))
}

fn progress(message: &str) {
    #[allow(clippy::print_stderr, reason = "progress of the steps goes to stderr")]
    {
        eprintln!("==> release-check: {message}");
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every target is built by release.yml and named by install.sh; the formula's two are the
    /// template's. A target added in one place and not the others fails here.
    #[test]
    fn every_target_is_built_installed_and_documented() {
        let root = crate::workspace_root();
        let read = |path: &str| std::fs::read_to_string(root.join(path)).unwrap();
        let workflow = read(".github/workflows/release.yml");
        let install = read("install.sh");
        let docs = read("docs/install.md");
        for target in TARGETS {
            assert!(workflow.contains(target), "release.yml does not build {target}");
            assert!(install.contains(target), "install.sh does not know {target}");
            assert!(docs.contains(target), "docs/install.md does not list {target}");
        }
        let template = read("packaging/homebrew/ascert.rb.in");
        for target in FORMULA_TARGETS {
            assert!(template.contains(&format!("ascert-{target}.tar.gz")));
        }
    }

    #[test]
    fn hashes_as_sha256sum_does() {
        assert_eq!(
            sha256(b"abc"),
            "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
        );
    }
}
