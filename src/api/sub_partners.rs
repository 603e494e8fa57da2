//! `GET /v1/wholesale/subPartners` (SPEC §9.4): the calling partner's sub-partners in the
//! vendor's `SubPartnersListResponse` shape, filtered by `provisioningState`, paged.

use axum::extract::State;
use serde::Serialize;

use super::ApiError;
use super::paging::{ListRequest, Paged};
use crate::api::auth::ApiPartnerScope;
use crate::error::AppError;
use crate::http::route_table::RouteTable;
use crate::state::AppState;
use crate::store;
use crate::store::sub_partners::ApiSubPartnerRow;
use crate::tenancy::policy::PartnerAction;

pub const PATH: &str = "/v1/wholesale/subPartners";
const DEFAULT_MAX: i64 = 50;
const MAX_CAP: i64 = 100;
/// States a sub-partner can be in (SPEC §11: pending until provisioned, then active or
/// suspended).
const STATES: [&str; 3] = ["active", "suspended", "pending"];

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(PATH, list)
}

/// The vendor's `SubPartner`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct SubPartner {
    pub org_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub subscription_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub provisioning_state: Option<String>,
    pub created: String,
    pub billing_start_date: String,
}

impl From<ApiSubPartnerRow> for SubPartner {
    fn from(r: ApiSubPartnerRow) -> Self {
        SubPartner {
            org_id: r.id.to_string(),
            subscription_id: r.subscription_id,
            provisioning_state: r.provisioning_state,
            created: super::timestamp(r.created_at),
            billing_start_date: super::date_timestamp(r.billing_start_date),
        }
    }
}

/// Lists the sub-partners of the partner the token works for (a sub-partner has none).
pub async fn list(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    req: ListRequest<DEFAULT_MAX, MAX_CAP>,
) -> Result<Paged<SubPartner>, ApiError> {
    scope.require(PartnerAction::View)?;
    let paging = req.paging()?;
    let wanted = req.param("provisioningState");
    if let Some(s) = wanted.as_deref()
        && !STATES.contains(&s)
    {
        return Err(AppError::field(
            "provisioningState",
            format!("must be one of {}", STATES.join(", ")),
        )
        .into());
    }
    let rows = store::sub_partners::page(
        &state.db,
        scope.org_id(),
        wanted.as_deref(),
        paging.offset,
        paging.fetch_limit(),
    )
    .await?;
    Ok(req
        .page(paging, rows, &state.config.public_url)
        .map(SubPartner::from))
}
