//! Wholesale Setup Assist requests (SPEC §4.6): one per customer location, the SKU chosen
//! by the location's seats, at least six business days before onboarding completes.

use time::Date;
use uuid::Uuid;

use crate::domain::setup_assist::{self, Sku};
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::CustomerOrgId;
use crate::tenancy::scope::PartnerScope;

/// A location of the customer, with what the request form shows for it.
pub use crate::store::locations::LocationSeats as LocationFacts;
pub use crate::store::setup_assist::RequestRow;

impl LocationFacts {
    pub fn sku(&self) -> Sku {
        Sku::for_seats(self.seats)
    }
}

/// Seats are the users and workspaces of a location.
pub async fn locations(state: &AppState, customer: CustomerOrgId) -> AppResult<Vec<LocationFacts>> {
    Ok(store::locations::with_seats(&state.db, customer).await?)
}

/// The customer's requests, newest first.
pub async fn list(state: &AppState, customer: CustomerOrgId) -> AppResult<Vec<RequestRow>> {
    Ok(store::setup_assist::list(&state.db, customer).await?)
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
    let locations = locations(state, customer.customer_org()).await?;
    let location = locations
        .iter()
        .find(|l| l.id == location_id)
        .ok_or(AppError::NotFound)?;
    let today = state.clock.now().date();
    let earliest = setup_assist::earliest_completion(today);
    let planned = planned.ok_or_else(|| {
        AppError::field(
            crate::domain::fields::Field::PlannedOnboardingDate,
            "Enter the planned date onboarding completes.",
        )
    })?;
    if planned < earliest {
        return Err(AppError::field(
            crate::domain::fields::Field::PlannedOnboardingDate,
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
    let filed = store::setup_assist::NewRequest {
        id,
        location_id,
        subscription_id: &subscription_id,
        total_locations: locations.len() as i32,
        seats: location.seats as i32,
        sku: location.sku().as_str(),
        planned_onboarding_date: planned,
        created_by: scope.actor.person_id,
    };
    store::setup_assist::insert(
        &mut tx,
        scope.org_id(),
        customer.customer_org(),
        &filed,
        now,
    )
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
