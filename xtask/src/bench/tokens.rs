//! Token signing: how many signatures a long run of requests costs, and what one costs.

use std::time::Instant;

use anyhow::{Result, ensure};
use ascert_auth::TokenSource as _;
use ascert_models::CertificatesResponse;

use crate::bench::list::Lister;
use crate::bench::stats::Samples;

/// What [`requests`] measured.
pub(crate) struct RequestRun {
    pub(crate) requests: u64,
    pub(crate) signatures: u64,
    /// The time of each request, a loopback round trip with ascert's work on both ends.
    pub(crate) round_trips: Samples,
}

/// Sends `count` one-certificate `GET`s through ascert's client and counts the signatures they cost.
///
/// # Errors
/// When a request fails.
pub(crate) async fn requests(lister: &Lister, count: u64) -> Result<RequestRun> {
    let client = lister.api.client();
    let url = client.url("v1/certificates?limit=1")?;
    let signatures_before = lister.tokens.signatures();
    let requests_before = client.requests_sent();
    let mut round_trips = Samples::default();
    for _ in 0..count {
        let started = Instant::now();
        let page: CertificatesResponse = client.get(url.clone()).await?;
        round_trips.push(started.elapsed());
        ensure!(
            page.data.len() == 1,
            "a one-certificate page held {}",
            page.data.len()
        );
    }
    Ok(RequestRun {
        requests: client.requests_sent() - requests_before,
        signatures: lister.tokens.signatures() - signatures_before,
        round_trips,
    })
}

/// The time of one ES256 signature: `renew` signs whatever the cache holds.
///
/// # Errors
/// When signing fails.
pub(crate) fn signature_cost(lister: &Lister, count: usize) -> Result<Samples> {
    let mut samples = Samples::default();
    for _ in 0..count {
        let started = Instant::now();
        let token = lister.tokens.renew()?;
        samples.push(started.elapsed());
        ensure!(!token.expose().is_empty(), "an empty token");
    }
    Ok(samples)
}
