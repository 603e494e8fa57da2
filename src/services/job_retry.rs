//! Putting a dead job of this partner or its customers back in the queue, audited.

use crate::error::{AppError, AppResult};
use crate::jobs::queue;
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// Queues a dead job again. Another hub's job is 404 (before the role decides, so
/// existence does not leak); answers false when the job is not dead.
pub async fn retry_dead(
    state: &AppState,
    scope: &PartnerScope,
    id: i64,
    ctx: &RequestCtx<'_>,
) -> AppResult<bool> {
    if !queue::exists_for_org(&state.db, scope.org.id, id).await? {
        return Err(AppError::NotFound);
    }
    scope.require(PartnerAction::ManageAdministration)?;
    if !queue::retry_dead(&state.db, scope.org.id, id, state.clock.now()).await? {
        return Ok(false);
    }
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_person_id: Some(scope.actor.person_id),
            actor_email: Some(&scope.actor.email),
            acting_for_org_id: Some(scope.org.id),
            target_org_id: Some(scope.org.id),
            action: "job.retry",
            outcome: "success",
            detail: serde_json::json!({ "job": id }),
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        state.clock.now(),
    )
    .await?;
    Ok(true)
}
