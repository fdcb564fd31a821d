//! `identities ensure --store`: what the CLI does around ascert-workflows' flow through a team store
//! (`ascert_workflows::ensure::team`): opening the store of the plan with this machine's pins and
//! unlocking this member's key (while Apple's listing is in flight).

use anyhow::Result;
use ascert_models::CertificateType;
use ascert_workflows::{Events, LeaseOptions, TeamAccess};

use crate::commands::plan::team::TeamPlan;
use crate::commands::{Context, flows, team};

/// Opens the plan's store for this member and lists its identities of the type; hands back the
/// lease's options with it.
pub(super) async fn prepare(
    ctx: &Context,
    plan: TeamPlan,
    certificate_type: &CertificateType,
    events: &dyn Events,
) -> Result<(TeamAccess, LeaseOptions)> {
    let store = team::open_at(ctx, &plan.url, plan.members_sha256).await?;
    let me = plan.member.unlock(ctx, &store).await?;
    let access = TeamAccess::open(store, me, certificate_type, events)
        .await
        .map_err(flows::explain)?;
    Ok((access, plan.lease))
}
