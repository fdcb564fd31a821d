//! Identity creation end to end against the sandbox, step by step: RSA key, CSR, the key saved,
//! `POST /v1/certificates`, the certificate downloaded, and the .p12 built and written.

use std::path::Path;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result};
use ascert_keystore::{
    CertificateInfo, CsrSubject, FileMode, Pkcs12Options, PrivateKey, build_pkcs12, create_csr, write_atomic,
};
use ascert_models::CertificateType;
use ascert_sandbox::Sandbox;

use crate::bench::list::Lister;
use crate::bench::stats::Samples;

/// The steps, in order.
pub(crate) const STEPS: [&str; 6] = [
    "RSA-2048 key",
    "CSR",
    "key saved (0600, fsync)",
    "POST create",
    "GET download",
    ".p12 built and written",
];

/// The time of each step and of the whole, over every identity made.
pub(crate) struct IdentityRuns {
    pub(crate) steps: Vec<Samples>,
    pub(crate) total: Samples,
}

impl IdentityRuns {
    /// The RSA key's share of the summed time of every run.
    pub(crate) fn key_share(&self) -> f64 {
        let key: Duration = self.steps[0].iter().sum();
        let total: Duration = self.total.iter().sum();
        if total.is_zero() {
            0.0
        } else {
            key.as_secs_f64() / total.as_secs_f64()
        }
    }
}

/// Makes `count` development identities in `dir` against `sandbox`.
///
/// # Errors
/// When a step fails.
pub(crate) async fn create(
    sandbox: &Sandbox,
    lister: &Lister,
    dir: &Path,
    count: usize,
) -> Result<IdentityRuns> {
    let intermediate =
        CertificateInfo::from_der(&sandbox.intermediate_for(&CertificateType::Development)?.der)?;
    let mut runs = IdentityRuns {
        steps: vec![Samples::default(); STEPS.len()],
        total: Samples::default(),
    };
    for n in 0..count {
        let mut times = [Duration::ZERO; STEPS.len()];
        let started = Instant::now();
        let mut step = Instant::now();
        let mut lap = |i: usize, step: &mut Instant| {
            times[i] = step.elapsed();
            *step = Instant::now();
        };
        let key = PrivateKey::generate_rsa_2048()?;
        lap(0, &mut step);
        let csr = create_csr(&key, &CsrSubject::new(format!("Bench {n}"), "bench@example.com"))?;
        lap(1, &mut step);
        write_atomic(
            &dir.join(format!("{n}.key")),
            key.to_pkcs8_pem().as_bytes(),
            FileMode::Secret,
        )?;
        lap(2, &mut step);
        let certificate = lister
            .api
            .create(csr.pem(), CertificateType::Development)
            .send()
            .await
            .context("the sandbox refused the certificate")?;
        lap(3, &mut step);
        let der = lister.api.download(&certificate.id).await?;
        lap(4, &mut step);
        let leaf = CertificateInfo::from_der(&der)?;
        let p12 = build_pkcs12(
            &key,
            &leaf,
            std::slice::from_ref(&intermediate),
            "bench password",
            Pkcs12Options::compatible(),
        )?;
        write_atomic(&dir.join(format!("{n}.p12")), &p12, FileMode::Secret)?;
        lap(5, &mut step);
        let total = started.elapsed();
        for (samples, time) in runs.steps.iter_mut().zip(times) {
            samples.push(time);
        }
        runs.total.push(total);
    }
    Ok(runs)
}
