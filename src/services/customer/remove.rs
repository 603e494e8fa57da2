//! Removing a customer's wholesale services (SPEC §4.4): status `deleting` until the
//! `customer.delete` job has removed them; the org record and its people stay.

use time::OffsetDateTime;
use uuid::Uuid;

use super::rules::lock_for_removal;
use crate::error::{AppError, AppResult};
use crate::jobs::payloads::{DeleteCustomer, JobPayload};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker::JobContext;
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::tenancy::scope::CustomerOrgId;
use crate::tenancy::scope::PartnerScope;

pub const DELETE_JOB: &str = DeleteCustomer::KIND;

/// Starts removing a customer's wholesale services (SPEC §4.4): status `deleting` until
/// the `customer.delete` job has removed them; the org record and its people stay.
pub async fn delete(
    state: &AppState,
    scope: &PartnerScope,
    customer_id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    remove_in(&mut tx, scope, customer_id, ctx, state.clock.now()).await?;
    tx.commit().await?;
    Ok(())
}

/// `DELETE /v1/wholesale/customers/{id}`: starts removing the customer — or, for an
/// existing org still waiting for its admin's consent (no customer yet), withdraws the
/// scope's request to attach it (SPEC §4.5).
pub async fn delete_or_withdraw(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    match delete(state, scope, id, ctx).await {
        Err(AppError::NotFound) => super::attach::withdraw(state, scope, id, ctx).await,
        done => done,
    }
}

/// Starts one removal inside the caller's transaction (a bulk removal does several, all
/// or none): the customer is locked, marked and audited.
pub(super) async fn remove_in(
    tx: &mut sqlx::PgConnection,
    scope: &PartnerScope,
    customer_id: Uuid,
    ctx: &RequestCtx<'_>,
    now: OffsetDateTime,
) -> AppResult<()> {
    let (customer, facts) = lock_for_removal(tx, scope, customer_id).await?;
    start_removal(tx, customer, now).await?;
    crate::services::audit_partner_change(
        tx,
        scope,
        customer_id,
        "customer.delete",
        serde_json::json!({ "previous_status": facts.status, "external_id": facts.external_id }),
        ctx,
        now,
    )
    .await?;
    Ok(())
}

/// Marks a customer and its packages `deleting` and enqueues the `customer.delete` job
/// that removes its wholesale services and users (the org record stays). Compliance
/// deprovisioning starts a removal the same way, through the store.
async fn start_removal(
    conn: &mut sqlx::PgConnection,
    customer: CustomerOrgId,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    store::customer_records::mark_deleting(conn, customer.id(), now).await?;
    let job = DeleteCustomer {
        org_id: customer.id(),
    };
    queue::enqueue_payload(conn, &job, now).await?;
    Ok(())
}

/// The `customer.delete` job: ends every open licence of the customer (billing stops
/// now), removes its subscribers' and workspaces' wholesale packages and its own, and
/// marks the org deleted. The org record and its people stay.
pub async fn run_delete(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let org_id = DeleteCustomer::of(&job)?.org_id;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let status = store::customer_records::lock_status(&mut tx, org_id).await?;
    if status.flatten().as_deref() != Some("deleting") {
        return Ok(()); // finished by an earlier run
    }
    store::customer_records::remove_holders(&mut tx, org_id, now).await?;
    store::customer_packages::delete_all(&mut tx, org_id).await?;
    // An org wholesale was attached to existed before, and stays (unmanaged again).
    if !store::existing_orgs::detach(&mut tx, org_id, now).await? {
        store::customer_records::mark_deleted(&mut tx, org_id, now).await?;
    }
    tx.commit().await?;
    Ok(())
}
