//! Listing through ascert-certificates' stream against the floor: a bare reqwest + `serde_json` loop
//! over the same URLs, with the same token and the same client settings, in the same run.

use std::sync::Arc;
use std::time::{Duration, Instant};

use anyhow::{Context as _, Result, ensure};
use ascert_auth::{ApiKey, TokenProvider, TokenSource as _};
use ascert_certificates::CertificatesApi;
use ascert_models::{CertificatesResponse, ListCertificatesQuery};
use ascert_sandbox::Sandbox;
use ascert_transport::Client;
use futures::TryStreamExt as _;
use reqwest::header::ACCEPT;

use crate::bench::stats::Samples;

/// The page size of every list measured.
pub(crate) const PAGE_SIZE: u32 = 200;

/// What lists the sandbox: ascert's client and the floor's, sharing one token provider.
pub(crate) struct Lister {
    pub(crate) tokens: Arc<TokenProvider>,
    pub(crate) api: CertificatesApi,
    floor: reqwest::Client,
    base_url: String,
}

impl Lister {
    /// Clients for `sandbox` with its API key.
    pub(crate) fn new(sandbox: &Sandbox) -> Result<Self> {
        let key = sandbox.api_key();
        let api_key = ApiKey::from_pem(&key.key_id, Some(&key.issuer_id), &key.private_key_pem)
            .context("the sandbox's API key does not load")?;
        let tokens = Arc::new(TokenProvider::new(api_key));
        let client = Client::builder_shared(tokens.clone())
            .base_url(sandbox.base_url())
            .build()?;
        Ok(Self {
            tokens,
            api: CertificatesApi::new(client),
            floor: floor_client()?,
            base_url: sandbox.base_url().trim_end_matches('/').to_owned(),
        })
    }

    /// The first URL of the list, as ascert-certificates builds it.
    pub(crate) fn first_url(&self) -> Result<String> {
        let query = ListCertificatesQuery::new().limit(PAGE_SIZE)?;
        Ok(format!(
            "{}/v1/certificates?{}",
            self.base_url,
            query.to_query_string()
        ))
    }

    /// Every certificate through `CertificatesApi::list().stream()`; returns how many.
    pub(crate) async fn ascert(&self) -> Result<usize> {
        let mut stream = self.api.list().limit(PAGE_SIZE)?.stream();
        let mut count = 0;
        while stream.try_next().await?.is_some() {
            count += 1;
        }
        Ok(count)
    }

    /// Every certificate through `CertificatesApi::list().prefetch(true).stream()`: one page ahead.
    pub(crate) async fn ascert_ahead(&self) -> Result<usize> {
        let mut stream = self.api.list().limit(PAGE_SIZE)?.prefetch(true).stream();
        let mut count = 0;
        while stream.try_next().await?.is_some() {
            count += 1;
        }
        Ok(count)
    }

    /// Every certificate through the stream, each written out as JSON (to a sink, as the CLI writes
    /// to stdout): page by page, or one page ahead so that the next page arrives during the writing.
    pub(crate) async fn written(&self, ahead: bool) -> Result<usize> {
        let mut stream = self.api.list().limit(PAGE_SIZE)?.prefetch(ahead).stream();
        let mut out = std::io::BufWriter::with_capacity(64 * 1024, std::io::sink());
        let mut count = 0;
        while let Some(certificate) = stream.try_next().await? {
            serde_json::to_writer(&mut out, &certificate)?;
            count += 1;
        }
        Ok(count)
    }

    /// Every certificate through ascert-transport's `Client::pages` alone (no certificates layer).
    pub(crate) async fn transport(&self) -> Result<usize> {
        let client = self.api.client();
        let first = client.url(&format!(
            "v1/certificates?{}",
            ListCertificatesQuery::new().limit(PAGE_SIZE)?
        ))?;
        let mut pages = std::pin::pin!(client.pages::<CertificatesResponse>(first));
        let mut count = 0;
        while let Some(page) = pages.try_next().await? {
            count += page.data.len();
        }
        Ok(count)
    }

    /// Every certificate through the floor's loop; returns how many.
    pub(crate) async fn floor(&self) -> Result<usize> {
        let token = self.tokens.token()?;
        floor_list(&self.floor, &self.first_url()?, token.expose()).await
    }
}

/// A reqwest client with the settings of ascert-transport's: user agent, timeouts, no redirects.
pub(crate) fn floor_client() -> Result<reqwest::Client> {
    Ok(reqwest::Client::builder()
        .user_agent(concat!("ascert/", env!("CARGO_PKG_VERSION")))
        .connect_timeout(Duration::from_secs(10))
        .timeout(Duration::from_secs(60))
        .redirect(reqwest::redirect::Policy::none())
        .build()?)
}

/// One page: `GET url`, the whole body, decoded into the same model.
pub(crate) async fn floor_page(
    http: &reqwest::Client,
    url: &str,
    token: &str,
) -> Result<CertificatesResponse> {
    let response = http
        .get(url)
        .bearer_auth(token)
        .header(ACCEPT, "application/json")
        .send()
        .await?
        .error_for_status()?;
    let body = response.bytes().await?;
    Ok(serde_json::from_slice(&body)?)
}

/// Follows `links.next` from `first` to the end; returns how many certificates.
async fn floor_list(http: &reqwest::Client, first: &str, token: &str) -> Result<usize> {
    let mut url = first.to_owned();
    let mut count = 0;
    loop {
        let page = floor_page(http, &url, token).await?;
        count += page.data.len();
        match page.links.next {
            Some(next) => url = next,
            None => return Ok(count),
        }
    }
}

/// The medians of both ways over the same list, alternating which goes first.
pub(crate) struct Comparison {
    pub(crate) ascert: Samples,
    pub(crate) floor: Samples,
    /// `Client::pages` alone, run after each pair.
    pub(crate) transport: Samples,
    /// ascert's stream one page ahead, run after each pair.
    pub(crate) ahead: Samples,
    /// The stream written out as JSON, page by page; see [`Lister::written`].
    pub(crate) written: Samples,
    /// The same, one page ahead.
    pub(crate) written_ahead: Samples,
}

/// Lists `expected` certificates `runs` times each way, after one warm-up of each.
///
/// # Errors
/// When a list fails or does not return `expected` certificates.
pub(crate) async fn compare(lister: &Lister, expected: usize, runs: usize) -> Result<Comparison> {
    ensure!(
        lister.ascert().await? == expected,
        "ascert listed the wrong count"
    );
    ensure!(
        lister.floor().await? == expected,
        "the floor listed the wrong count"
    );
    let mut comparison = Comparison {
        ascert: Samples::default(),
        floor: Samples::default(),
        transport: Samples::default(),
        ahead: Samples::default(),
        written: Samples::default(),
        written_ahead: Samples::default(),
    };
    for run in 0..runs {
        for ascert_first in [run % 2 == 0, run % 2 == 1] {
            let started = Instant::now();
            let count = if ascert_first {
                lister.ascert().await?
            } else {
                lister.floor().await?
            };
            let elapsed = started.elapsed();
            ensure!(
                count == expected,
                "a list returned {count} of {expected} certificates"
            );
            if ascert_first {
                comparison.ascert.push(elapsed);
            } else {
                comparison.floor.push(elapsed);
            }
        }
        let started = Instant::now();
        let count = lister.transport().await?;
        comparison.transport.push(started.elapsed());
        ensure!(
            count == expected,
            "transport listed {count} of {expected} certificates"
        );
        let started = Instant::now();
        let count = lister.ascert_ahead().await?;
        comparison.ahead.push(started.elapsed());
        ensure!(
            count == expected,
            "the stream one page ahead listed {count} of {expected} certificates"
        );
        for ahead in [run % 2 == 0, run % 2 == 1] {
            let started = Instant::now();
            let count = lister.written(ahead).await?;
            let elapsed = started.elapsed();
            ensure!(
                count == expected,
                "the written stream listed {count} of {expected} certificates"
            );
            if ahead {
                comparison.written_ahead.push(elapsed);
            } else {
                comparison.written.push(elapsed);
            }
        }
    }
    Ok(comparison)
}
