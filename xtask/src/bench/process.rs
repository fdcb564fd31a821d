//! Runs the release `ascert` binary: wall time, and peak RSS from GNU time (`/usr/bin/time -f %M`)
//! or, without it, from `VmHWM` in `/proc/<pid>/status` read while the process runs.

use std::fs::File;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, bail};

const GNU_TIME: &str = "/usr/bin/time";

/// How peak RSS is measured on this machine.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum RssMethod {
    GnuTime,
    ProcStatus,
}

impl RssMethod {
    pub(crate) fn detect() -> Self {
        let works = Command::new(GNU_TIME)
            .args(["-f", "%M", "true"])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status()
            .is_ok_and(|status| status.success());
        if works { Self::GnuTime } else { Self::ProcStatus }
    }

    pub(crate) fn describe(self) -> &'static str {
        match self {
            Self::GnuTime => "GNU time (`/usr/bin/time -f %M`, the kernel's ru_maxrss)",
            Self::ProcStatus => "VmHWM from /proc/<pid>/status, sampled every millisecond",
        }
    }
}

/// The `ascert` binary and what every run of it shares.
#[derive(Debug, Clone)]
pub(crate) struct Ascert {
    pub(crate) binary: PathBuf,
    /// `ASCERT_HOME` for every run, so nothing touches the user's keystore.
    pub(crate) home: PathBuf,
    pub(crate) rss: RssMethod,
}

/// One finished run.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Run {
    pub(crate) wall: Duration,
    /// Peak resident set size in KiB, when measured.
    pub(crate) peak_rss_kib: Option<u64>,
}

impl Ascert {
    fn command(&self, program: &Path, args: &[&str]) -> Command {
        let mut command = Command::new(program);
        command
            .args(args)
            .env("ASCERT_HOME", &self.home)
            .env("NO_COLOR", "1")
            .env_remove("RUST_LOG")
            .stdin(Stdio::null())
            .stderr(Stdio::piped());
        command
    }

    /// Runs `ascert args…` with stdout to /dev/null and times it; no RSS.
    ///
    /// # Errors
    /// When it cannot start or fails.
    pub(crate) fn time(&self, args: &[&str]) -> Result<Run> {
        self.time_with(args, &[])
    }

    /// Like [`Ascert::time`], with these environment variables set too.
    ///
    /// # Errors
    /// When it cannot start or fails.
    pub(crate) fn time_with(&self, args: &[&str], env: &[(String, String)]) -> Result<Run> {
        let mut command = self.command(&self.binary, args);
        command.stdout(null()?).envs(env.iter().map(|(k, v)| (k, v)));
        let started = Instant::now();
        let output = command.output().context("cannot start ascert")?;
        let wall = started.elapsed();
        check(args, &output)?;
        Ok(Run {
            wall,
            peak_rss_kib: None,
        })
    }

    /// Runs `ascert args…` with stdout to /dev/null, timing it and measuring its peak RSS.
    ///
    /// # Errors
    /// When it cannot start or fails, or the RSS cannot be read.
    pub(crate) fn measure(&self, args: &[&str]) -> Result<Run> {
        match self.rss {
            RssMethod::GnuTime => self.measure_with_gnu_time(args),
            RssMethod::ProcStatus => self.measure_with_proc(args),
        }
    }

    fn measure_with_gnu_time(&self, args: &[&str]) -> Result<Run> {
        let report = tempfile::NamedTempFile::new()?;
        let report_path = report
            .path()
            .to_str()
            .context("temp path is not UTF-8")?
            .to_owned();
        let binary = self
            .binary
            .to_str()
            .context("binary path is not UTF-8")?
            .to_owned();
        let mut time_args = vec!["-f", "%M", "-o", &report_path, &binary];
        time_args.extend_from_slice(args);
        let mut command = self.command(Path::new(GNU_TIME), &time_args);
        command.stdout(null()?);
        let started = Instant::now();
        let output = command.output().context("cannot start GNU time")?;
        let wall = started.elapsed();
        check(args, &output)?;
        let text = std::fs::read_to_string(report.path())?;
        let kib = text
            .lines()
            .filter_map(|line| line.trim().parse::<u64>().ok())
            .next_back()
            .with_context(|| format!("GNU time wrote no RSS figure: {text:?}"))?;
        Ok(Run {
            wall,
            peak_rss_kib: Some(kib),
        })
    }

    fn measure_with_proc(&self, args: &[&str]) -> Result<Run> {
        let mut command = self.command(&self.binary, args);
        command.stdout(null()?).stderr(Stdio::null());
        let started = Instant::now();
        let mut child = command.spawn().context("cannot start ascert")?;
        let status_path = format!("/proc/{}/status", child.id());
        let mut peak = 0;
        let status = loop {
            if let Some(kib) = std::fs::read_to_string(&status_path)
                .ok()
                .as_deref()
                .and_then(vm_hwm)
            {
                peak = peak.max(kib);
            }
            if let Some(status) = child.try_wait()? {
                break status;
            }
            std::thread::sleep(Duration::from_millis(1));
        };
        let wall = started.elapsed();
        if !status.success() {
            bail!("ascert {} failed ({status})", args.join(" "));
        }
        Ok(Run {
            wall,
            peak_rss_kib: Some(peak),
        })
    }
}

/// The `VmHWM` line of `/proc/<pid>/status`, in KiB.
fn vm_hwm(status: &str) -> Option<u64> {
    status
        .lines()
        .find_map(|line| line.strip_prefix("VmHWM:"))
        .and_then(|rest| rest.split_whitespace().next())
        .and_then(|kib| kib.parse().ok())
}

fn null() -> Result<File> {
    File::create("/dev/null").context("cannot open /dev/null")
}

fn check(args: &[&str], output: &std::process::Output) -> Result<()> {
    if !output.status.success() {
        bail!(
            "ascert {} failed ({}): {}",
            args.join(" "),
            output.status,
            String::from_utf8_lossy(&output.stderr).trim()
        );
    }
    Ok(())
}

/// Arguments held as `String`s, as the `&str`s [`Ascert::time_with`] takes.
pub(crate) fn strs(args: &[String]) -> Vec<&str> {
    args.iter().map(String::as_str).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vm_hwm_is_read_in_kib() {
        let status = "Name:\tascert\nVmPeak:\t  20000 kB\nVmHWM:\t    7312 kB\nVmRSS:\t 7000 kB\n";
        assert_eq!(vm_hwm(status), Some(7312));
        assert_eq!(vm_hwm("Name:\tzombie\n"), None);
    }
}
