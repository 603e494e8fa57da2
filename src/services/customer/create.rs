//! Creating a customer (SPEC §4.1–§4.2): admitted only while the queue keeps up, then
//! stored in status `provisioning` with the jobs that finish it and check it for
//! compliance, in one transaction.

use uuid::Uuid;

use super::input::{NewCustomer, PendingWork};
use super::plan::plan;
use super::rules::taken;
use crate::error::{AppError, AppResult};
use crate::jobs::payloads::ProvisionCustomer;
use crate::jobs::queue;
use crate::services::{RequestCtx, compliance};
use crate::state::AppState;
use crate::store;
use crate::store::customer_records::NewCustomerRecord;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// Due jobs the queue may hold before creations are refused with 429 and `Retry-After`
/// (SPEC §9): a back office sending faster than the workers finish is slowed down
/// instead of growing a queue without end (each customer makes about three jobs).
pub const MAX_READY_JOBS: i64 = 3_000;
const BUSY_RETRY_AFTER_SECS: u64 = 2;

async fn admit(state: &AppState) -> AppResult<()> {
    if state.backlog.ready_jobs(&state.db, &state.clock).await? >= MAX_READY_JOBS {
        return Err(AppError::TooManyRequests {
            message: "Many customers are being provisioned right now. Try again in a few seconds; nothing was created.".into(),
            retry_after_secs: BUSY_RETRY_AFTER_SECS,
        });
    }
    Ok(())
}

/// Validates and stores a new customer in status `provisioning`, and enqueues the jobs
/// that finish it and check it for compliance. Returns the customer's id.
pub async fn create(
    state: &AppState,
    scope: &PartnerScope,
    req: &NewCustomer,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require(PartnerAction::ManageCustomers)?;
    let now = state.clock.now();
    admit(state).await?;
    let mut tx = state.db.begin().await?;
    // `plan` checks the email and external id are free; a concurrent creation that takes
    // one first is caught by the unique indexes of migration 0008 (same message).
    let plan = plan(&mut tx, scope, req, now.date()).await?;
    let id = Uuid::new_v4();
    let pending = PendingWork {
        location: plan.location.clone(),
    };
    let record = NewCustomerRecord {
        id,
        name: &plan.name,
        external_id: plan.external_id.as_deref(),
        address_line1: &plan.address.address_line1,
        address_line2: plan.address.address_line2.as_deref(),
        city: &plan.address.city,
        state_or_province: plan.address.state_or_province.as_deref(),
        zip_or_postal_code: plan.address.zip_or_postal_code.as_deref(),
        country: &plan.address.country,
        language: &plan.language,
        timezone: &plan.location.timezone,
        template_id: plan.template_id,
        auth_mode: &plan.auth_mode,
        pstn_vendor: plan.pstn_vendor.as_deref(),
        primary_email: &plan.primary_email,
        meeting_site_language: &plan.meeting_site_language,
        meetings_timezone: &plan.meetings_timezone,
        package_quantity_enabled: plan.quantity_enabled,
        billing_start_date: plan.billing_start_date,
        provisioning_request: serde_json::to_value(&pending).map_err(anyhow::Error::from)?,
    };
    let customer = store::customer_records::insert(&mut tx, scope.org_id(), &record, now)
        .await
        .map_err(|e| taken(e, plan.external_id.as_deref()))?;
    store::orgs::relate(&mut *tx, scope.org.id, id, "onboarded").await?;
    store::sso::bind_new_customer(&mut tx, id).await?;
    if let Some(parent) = scope.org.parent_org_id {
        store::orgs::relate(&mut *tx, parent, id, "parent_of_sub_partner_customer").await?;
    }
    for (package, quantity) in &plan.packages {
        store::customer_packages::insert(
            &mut tx,
            customer,
            package.id(),
            quantity.map(|q| q as i32),
        )
        .await?;
    }
    queue::enqueue_payload(&mut tx, &ProvisionCustomer { org_id: id }, now).await?;
    compliance::enqueue_check(&mut tx, customer, "creation", now).await?;
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        id,
        "customer.create",
        serde_json::json!({ "name": plan.name, "packages": plan.packages.iter().map(|(p, _)| p.id()).collect::<Vec<_>>() }),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
