//! Wholesale Setup Assist requests (SPEC §4.6): one per customer location, the SKU chosen
//! by the location's seats, at least six business days before onboarding completes.

use time::Date;
use uuid::Uuid;

use crate::AppState;
use crate::auth::PartnerScope;
use crate::domain::setup_assist::{self, Sku};
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::store;
use crate::tenancy::policy::PartnerAction;

/// A location of the customer, with what the request form shows for it.
#[derive(Debug, sqlx::FromRow)]
pub struct LocationFacts {
    pub id: Uuid,
    pub name: String,
    pub seats: i64,
}

impl LocationFacts {
    pub fn sku(&self) -> Sku {
        Sku::for_seats(self.seats)
    }
}

/// Seats are the users and workspaces of a location.
pub async fn locations(state: &AppState, customer_id: Uuid) -> AppResult<Vec<LocationFacts>> {
    Ok(sqlx::query_as(
        "SELECT l.id, l.name,
                (SELECT count(*) FROM subscribers s WHERE s.location_id = l.id)
              + (SELECT count(*) FROM workspaces w WHERE w.location_id = l.id) AS seats
         FROM locations l WHERE l.org_id = $1 ORDER BY l.is_headquarters DESC, l.name",
    )
    .bind(customer_id)
    .fetch_all(&state.db)
    .await?)
}

#[derive(Debug, sqlx::FromRow)]
pub struct RequestRow {
    pub id: Uuid,
    pub partner_org_id: Uuid,
    pub customer_org_id: Uuid,
    pub location_id: Uuid,
    pub total_locations: i32,
    pub location: String,
    pub sku: String,
    pub seats: i32,
    pub planned_onboarding_date: Date,
    pub subscription_id: String,
    pub created_at: time::OffsetDateTime,
}

pub async fn list(state: &AppState, customer_id: Uuid) -> AppResult<Vec<RequestRow>> {
    Ok(sqlx::query_as(
        "SELECT r.id, r.partner_org_id, r.customer_org_id, r.location_id, r.total_locations, l.name AS location, r.sku, r.seats, r.planned_onboarding_date, r.subscription_id, r.created_at
         FROM setup_assist_requests r JOIN locations l ON l.id = r.location_id
         WHERE r.customer_org_id = $1 ORDER BY r.created_at DESC",
    )
    .bind(customer_id)
    .fetch_all(&state.db)
    .await?)
}

/// Files a request for one location of a customer the partner onboarded.
pub async fn request(
    state: &AppState,
    scope: &PartnerScope,
    customer_id: Uuid,
    location_id: Uuid,
    planned: Option<Date>,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    let customer = store::customers::detail(&state.db, scope.org_id(), customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope.require(PartnerAction::ManageCustomers)?;
    let locations = locations(state, customer_id).await?;
    let location = locations
        .iter()
        .find(|l| l.id == location_id)
        .ok_or(AppError::NotFound)?;
    let today = state.clock.now().date();
    let earliest = setup_assist::earliest_completion(today);
    let planned = planned.ok_or_else(|| {
        AppError::field(
            "planned_onboarding_date",
            "Enter the planned date onboarding completes.",
        )
    })?;
    if planned < earliest {
        return Err(AppError::field(
            "planned_onboarding_date",
            format!(
                "Setup assist must be requested at least {} business days before onboarding completes: choose {earliest} or later.",
                setup_assist::LEAD_BUSINESS_DAYS
            ),
        ));
    }
    let subscription_id = customer.subscription_id.clone().ok_or_else(|| {
        AppError::Conflict("This customer has no active wholesale subscription, so setup assist cannot be requested.".into())
    })?;
    let id = Uuid::new_v4();
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    sqlx::query(
        "INSERT INTO setup_assist_requests (id, partner_org_id, customer_org_id, location_id, subscription_id,
                                            total_locations, seats, sku, planned_onboarding_date, created_by, created_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)",
    )
    .bind(id)
    .bind(scope.org.id)
    .bind(customer_id)
    .bind(location_id)
    .bind(&subscription_id)
    .bind(locations.len() as i32)
    .bind(location.seats as i32)
    .bind(location.sku().as_str())
    .bind(planned)
    .bind(scope.actor.person_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        customer_id,
        "setup_assist.request",
        serde_json::json!({ "location": location_id, "sku": location.sku().as_str(), "planned": planned.to_string() }),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}
