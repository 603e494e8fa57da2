//! Control Hub → Wholesale: the customer's wholesale packages with their seats, and the
//! partner's settings that bind its admins (SPEC §4.1, §7). Only for customers holding
//! wholesale services: a Flex-only customer has no wholesale menu.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::packages;
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;
use crate::store::customers::PackageRow;
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "control/wholesale.html")]
pub struct WholesalePage {
    page: PageCtx,
    packages: Vec<PackageRow>,
    partner: String,
    restricted: bool,
    hybrid: bool,
    restrict_org_settings: bool,
}

fn package_name(id: &str) -> String {
    packages::display_name(id)
}

pub async fn page(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<WholesalePage> {
    if !scope.org.wholesale() {
        return Err(AppError::NotFound);
    }
    let partner = match &scope.partner {
        Some(p) => p.name.clone(),
        None => store::customers::onboarded_by_name(&state.db, scope.org_id())
            .await?
            .unwrap_or_default(),
    };
    Ok(WholesalePage {
        page: PageCtx::control(&scope, &session, "wholesale", "Wholesale").await?,
        packages: store::customers::packages(&state.db, scope.org_id()).await?,
        partner,
        restricted: scope.org.restricted_by_partner,
        hybrid: scope.org.has_flex_subscription,
        restrict_org_settings: scope.org.restrict_org_settings,
    })
}
