//! Billing reports (SPEC §8). Generating them is its own capability; until then the
//! page says honestly that there are none.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "partner/billing.html")]
pub struct BillingPage {
    page: PageCtx,
    reports: i64,
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<BillingPage> {
    scope.require(PartnerAction::ViewBilling)?;
    let reports = store::billing::report_count(&state.db, scope.org_id()).await?;
    Ok(BillingPage {
        page: PageCtx::partner(&scope, &session, "billing", "Billing").await?,
        reports,
    })
}
