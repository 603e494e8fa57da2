//! The Partner Hub overview: real counts (customers by status, users by package) and
//! the disabled *Start trial* button (SPEC §4.4).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::org_kind::{CUSTOMER_STATUSES, customer_status_label};
use crate::domain::packages;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::views::PageCtx;

pub struct Bar {
    pub label: String,
    pub key: String,
    pub count: i64,
    /// Bar width in percent of the largest value.
    pub width: i64,
}

fn bars(rows: Vec<(String, String, i64)>) -> Vec<Bar> {
    let max = rows.iter().map(|r| r.2).max().unwrap_or(0).max(1);
    rows.into_iter()
        .map(|(key, label, count)| Bar {
            label,
            key,
            count,
            width: count * 100 / max,
        })
        .collect()
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/overview.html")]
pub struct OverviewPage {
    page: PageCtx,
    total_customers: i64,
    by_status: Vec<Bar>,
    total_users: i64,
    by_package: Vec<Bar>,
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<OverviewPage> {
    scope.require(PartnerAction::View)?;
    let counts = store::customers::counts_by_status(&state.db, scope.org_id()).await?;
    let by_status: Vec<(String, String, i64)> = CUSTOMER_STATUSES
        .iter()
        .map(|s| {
            let n = counts
                .iter()
                .find(|(k, _)| k == s)
                .map(|(_, n)| *n)
                .unwrap_or(0);
            (s.to_string(), customer_status_label(s).to_string(), n)
        })
        .collect();
    let users = store::customers::users_by_package(&state.db, scope.org_id()).await?;
    let total_users = users.iter().map(|(_, n)| n).sum();
    let by_package = users
        .into_iter()
        .map(|(p, n)| (p.clone(), packages::display_name(&p), n))
        .collect();
    Ok(OverviewPage {
        page: PageCtx::partner(&scope, &session, "overview", "Overview").await?,
        total_customers: counts.iter().map(|(_, n)| n).sum(),
        by_status: bars(by_status),
        total_users,
        by_package: bars(by_package),
    })
}
