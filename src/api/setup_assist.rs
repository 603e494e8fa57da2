//! Setup-assist requests through the API (SPEC §4.6: "also available through the API").
//! The vendor's document has no such path, so the shape follows its conventions:
//! camelCase, `{"items": [...]}`, the same error body.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::ApiError;
use crate::api::auth::ApiPartnerScope;
use crate::error::AppError;
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::services::setup_assist::{self as service, RequestRow};
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;

pub const PATH: &str = "/v1/wholesale/customers/{id}/setupAssist";

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(PATH, list).post(PATH, create)
}

#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SetupAssistRequest {
    id: String,
    partner_org_id: String,
    customer_org_id: String,
    active_subscription: bool,
    subscription_id: String,
    total_locations: i32,
    location_id: String,
    seats: i32,
    /// `EXPRESS` (up to 5 seats) or `STANDARD`.
    sku: String,
    planned_onboarding_date: String,
    created: String,
}

impl From<RequestRow> for SetupAssistRequest {
    fn from(r: RequestRow) -> Self {
        Self {
            id: r.id.to_string(),
            partner_org_id: r.partner_org_id.to_string(),
            customer_org_id: r.customer_org_id.to_string(),
            active_subscription: true,
            subscription_id: r.subscription_id,
            total_locations: r.total_locations,
            location_id: r.location_id.to_string(),
            seats: r.seats,
            sku: r.sku,
            planned_onboarding_date: r.planned_onboarding_date.to_string(),
            created: super::timestamp(r.created_at),
        }
    }
}

#[derive(Serialize)]
pub struct Items {
    items: Vec<SetupAssistRequest>,
}

fn customer(id: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(id).map_err(|_| AppError::NotFound)
}

/// `GET`: the customer's requests, newest first.
pub async fn list(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
) -> Result<Json<Items>, ApiError> {
    scope.require(PartnerAction::View)?;
    let id = customer(&id)?;
    let c = store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let items = service::list(&state, c.customer_org())
        .await?
        .into_iter()
        .map(SetupAssistRequest::from)
        .collect();
    Ok(Json(Items { items }))
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    location_id: Option<String>,
    planned_onboarding_date: Option<String>,
}

/// `POST {locationId, plannedOnboardingDate}` → 201 with the request.
pub async fn create(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
    info: ReqInfo,
    body: super::body::ApiBody,
) -> Result<Response, ApiError> {
    scope.require(PartnerAction::ManageCustomers)?;
    let id = customer(&id)?;
    // Someone else's customer is 404 whatever the body says.
    let c = store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let body: CreateBody = body.json("setup-assist request")?;
    let location = body
        .location_id
        .as_deref()
        .and_then(|l| Uuid::parse_str(l).ok())
        .ok_or_else(|| {
            AppError::field(
                "locationId",
                "Give the id of one of the customer's locations.",
            )
        })?;
    let planned = match body.planned_onboarding_date.as_deref() {
        None => None,
        Some(d) => Some(
            time::Date::parse(d, time::macros::format_description!("[year]-[month]-[day]"))
                .map_err(|_| {
                    AppError::field("plannedOnboardingDate", "Use the form YYYY-MM-DD.")
                })?,
        ),
    };
    let created = service::request(&state, &scope, id, location, planned, &info.ctx()).await?;
    let row = service::list(&state, c.customer_org())
        .await?
        .into_iter()
        .find(|r| r.id == created)
        .ok_or_else(|| AppError::Other(anyhow::anyhow!("a request just made is missing")))?;
    Ok((StatusCode::CREATED, Json(SetupAssistRequest::from(row))).into_response())
}
