//! Onboarding templates: list and detail with the copyable provisioning ID (SPEC §3).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use uuid::Uuid;

use crate::AppState;
use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::error::{AppError, AppResult};
use crate::store;
use crate::store::templates::TemplateRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::route_table::RouteTable;
use crate::web::views::PageCtx;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get("/partner/templates", list)
        .get("/partner/templates/{id}", detail)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/list.html")]
pub struct ListPage {
    page: PageCtx,
    rows: Vec<TemplateRow>,
}

pub async fn list(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: tower_sessions::Session,
) -> AppResult<ListPage> {
    scope.require(PartnerAction::View)?;
    Ok(ListPage {
        page: PageCtx::partner(
            &scope,
            &AuthSession(session),
            "templates",
            "Onboarding templates",
        )
        .await?,
        rows: store::templates::list(&state.db, scope.org_id()).await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/detail.html")]
pub struct DetailPage {
    page: PageCtx,
    t: TemplateRow,
}

pub async fn detail(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: tower_sessions::Session,
    Path(id): Path<Uuid>,
) -> AppResult<DetailPage> {
    scope.require(PartnerAction::View)?;
    let t = store::templates::get(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = t.name.clone();
    Ok(DetailPage {
        page: PageCtx::partner(&scope, &AuthSession(session), "templates", &title).await?,
        t,
    })
}

pub fn auth_mode_label(mode: &str) -> &'static str {
    match mode {
        "saml" => "Partner authentication (SAML)",
        "oidc" => "Partner authentication with OpenID Connect",
        _ => "Webex authentication",
    }
}
