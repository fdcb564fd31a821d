//! `identities ensure --store`: what the CLI does around ascert-workflows' flow through a team store
//! (`ascert_workflows::ensure::team`): opening the store of `--store` with this machine's pins and
//! reading this member's key (both while Apple's listing is in flight), and the lease's settings.

use std::time::Duration;

use anyhow::Result;
use ascert_models::CertificateType;
use ascert_workflows::{Events, LEASE_TTL, TeamAccess};

use crate::cli::StoreArgs;
use crate::commands::{Context, flows, team};
use crate::failure::UserError;

/// Shortens the lease for tests (a holder that dies is taken over sooner). Not for normal use: a
/// lease shorter than a create's round trip would let two runners create.
const LEASE_TTL_ENV: &str = "ASCERT_TEAM_LEASE_TTL";

/// Opens the store of `--store` for this member and lists its identities of the type.
pub(super) async fn prepare(
    ctx: &Context,
    args: &StoreArgs,
    certificate_type: &CertificateType,
    events: &dyn Events,
) -> Result<TeamAccess> {
    let team = team::open(ctx, args).await?;
    let me = team::member_key(ctx, &team, args).await?;
    TeamAccess::open(team, me, certificate_type, events)
        .await
        .map_err(flows::explain)
}

/// The lease's time-to-live: [`LEASE_TTL`], or `ASCERT_TEAM_LEASE_TTL` (for tests).
pub(super) fn lease_ttl() -> Result<Duration> {
    match std::env::var(LEASE_TTL_ENV) {
        Ok(text) => crate::duration::parse(&text)
            .ok()
            .filter(|ttl| *ttl >= Duration::from_secs(1))
            .ok_or_else(|| {
                UserError::usage(format!(
                    "{LEASE_TTL_ENV} must be a duration of 1 s or more, such as 2s"
                ))
                .into()
            }),
        Err(_) => Ok(LEASE_TTL),
    }
}
