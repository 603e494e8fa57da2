//! Settings → Administrators: who holds which role in this hub.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::roles::Role;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;
use crate::store::people::AdminRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "partner/settings/admins.html")]
pub struct AdminsPage {
    page: PageCtx,
    admins: Vec<AdminRow>,
    subscriptions: Vec<String>,
}

pub fn role_label(role: &str) -> &'static str {
    Role::parse(role).map(Role::label).unwrap_or("Unknown role")
}

pub async fn admins(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<AdminsPage> {
    scope.require(PartnerAction::ViewAdministration)?;
    Ok(AdminsPage {
        page: PageCtx::partner(&scope, &session, "settings", "Administrators").await?,
        admins: store::people::admins_of(&state.db, scope.org.id).await?,
        subscriptions: store::orgs::subscription_ids(&state.db, scope.org_id()).await?,
    })
}
