//! The grammar of `ascert sandbox serve` and `ascert demo`.

use std::path::PathBuf;

use ascert_models::CertificateType;
use clap::{Args, Subcommand};

use super::values::parse_certificate_type;

/// `ascert sandbox ...`.
#[derive(Debug, Subcommand)]
pub(crate) enum SandboxCommand {
    /// Serve the sandbox on 127.0.0.1 until interrupted.
    Serve(ServeArgs),
}

/// The options of `ascert sandbox serve`.
#[derive(Debug, Args)]
pub(crate) struct ServeArgs {
    /// The port to listen on; by default the system picks a free one.
    #[arg(long, default_value_t = 0)]
    pub(crate) port: u16,
    /// The folder for the key files.
    #[arg(
        long,
        value_name = "DIR",
        help = "Folder for AuthKey_<KID>.p8 and fastlane's api-key.json (created 0700 if missing)"
    )]
    pub(crate) key_out: PathBuf,
    /// Keep the certificates in FILE across restarts (rewritten atomically after each change).
    #[arg(long, value_name = "FILE")]
    pub(crate) state: Option<PathBuf>,
    /// Start with N existing certificates of mixed types (ignored when --state loads some).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) seed_certificates: usize,
    /// Also start with a TYPE certificate that expires in DAYS days (negative: expired that long
    /// ago), for tests of expiry logic; repeat it for more (ignored when --state loads some).
    #[arg(long, value_name = "TYPE:DAYS", value_parser = parse_seeded)]
    pub(crate) seed_certificate: Vec<(CertificateType, i64)>,
    /// The page size of lists that ask for none (1 to 200).
    #[arg(
        long,
        value_name = "N",
        default_value_t = ascert_sandbox::DEFAULT_PAGE_SIZE,
        value_parser = clap::value_parser!(u32).range(1..=200)
    )]
    pub(crate) page_size: u32,
    /// Probability (0 to 1) that a request meets an injected fault.
    #[arg(long, value_name = "F", default_value_t = 0.0, value_parser = parse_probability)]
    pub(crate) fault_rate: f64,
    /// Seed of the fault sequence; the same seed gives the same faults.
    #[arg(long, value_name = "S", default_value_t = 0)]
    pub(crate) fault_seed: u64,
    /// Milliseconds added to every request.
    #[arg(long, value_name = "MS", default_value_t = 0)]
    pub(crate) latency_ms: u64,
    /// Drop the responses of the next N successful creates (the certificates are stored).
    #[arg(long, value_name = "N", default_value_t = 0)]
    pub(crate) drop_create_responses: u32,
    /// Requests per key per rolling hour.
    #[arg(long, value_name = "N", default_value_t = ascert_sandbox::DEFAULT_RATE_LIMIT)]
    pub(crate) rate_limit: u32,
    /// A certificate type whose filter is refused.
    #[arg(
        long,
        value_name = "TYPE",
        help = "Answer filter[certificateType]=TYPE with 400 PARAMETER_ERROR.INVALID, as Apple has done \
                for DEVELOPER_ID_APPLICATION_G2"
    )]
    pub(crate) reject_type_filter: Option<String>,
    /// Serve HTTPS with a generated CA, written to DIR/ca.pem.
    #[arg(long)]
    pub(crate) tls: bool,
}

/// `ascert demo`.
#[derive(Debug, Args)]
pub(crate) struct DemoArgs {
    /// Folder to write the demo's .p12 into
    #[arg(long, value_name = "DIR", default_value = ".")]
    pub(crate) out_dir: PathBuf,
    /// The certificate type of the demo identity
    #[arg(long = "type", value_name = "TYPE", default_value = "DISTRIBUTION", value_parser = parse_certificate_type)]
    pub(crate) certificate_type: CertificateType,
}

/// Parses a probability, 0 to 1.
pub(crate) fn parse_probability(text: &str) -> Result<f64, String> {
    match text.trim().parse::<f64>() {
        Ok(p) if (0.0..=1.0).contains(&p) => Ok(p),
        _ => Err(format!("{text:?} is not a probability from 0 to 1")),
    }
}

/// Parses `--seed-certificate TYPE:DAYS`: a certificate type by Apple's name and a whole number of
/// days from now, at most ten years either way.
pub(crate) fn parse_seeded(text: &str) -> Result<(CertificateType, i64), String> {
    let (name, days) = text
        .rsplit_once(':')
        .ok_or_else(|| format!("{text:?} is not TYPE:DAYS, such as DISTRIBUTION:20 or DEVELOPMENT:-3"))?;
    let certificate_type = parse_certificate_type(name)?;
    let days: i64 = days
        .trim()
        .parse()
        .ok()
        .filter(|d: &i64| d.abs() <= 3650)
        .ok_or_else(|| format!("{days:?} is not a number of days from -3650 to 3650"))?;
    Ok((certificate_type, days))
}
