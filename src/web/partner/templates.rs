//! Onboarding templates: list, detail with the copyable provisioning ID, delete
//! (SPEC §3). Creating and changing them is the wizard in `template_wizard`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::countries;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services;
use crate::state::AppState;
use crate::store;
use crate::store::templates::TemplateRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::TEMPLATES, list)
        .get(paths::TEMPLATE, detail)
        .post(paths::TEMPLATE_DELETE, delete)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/list.html")]
pub struct ListPage {
    page: PageCtx,
    rows: Vec<TemplateRow>,
    may_manage: bool,
}

pub async fn list(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<ListPage> {
    scope.require(PartnerAction::View)?;
    Ok(ListPage {
        page: PageCtx::partner(&scope, &session, "templates", "Onboarding templates").await?,
        rows: store::templates::list(&state.db, scope.org_id()).await?,
        may_manage: scope.may(PartnerAction::ManageTemplates),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/templates/detail.html")]
pub struct DetailPage {
    page: PageCtx,
    t: TemplateRow,
    country_name: String,
    may_manage: bool,
    /// Why the last delete was refused.
    error: Option<String>,
}

async fn render_detail(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    id: Uuid,
    error: Option<String>,
) -> AppResult<DetailPage> {
    let t = store::templates::get(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = t.name.clone();
    Ok(DetailPage {
        page: PageCtx::partner(scope, &session, "templates", &title)
            .await?
            .at(Trail::templates(), &title),
        country_name: countries::name(&t.country)
            .map(|n| format!("{n} ({})", t.country))
            .unwrap_or_else(|| t.country.clone()),
        t,
        may_manage: scope.may(PartnerAction::ManageTemplates),
        error,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<DetailPage> {
    scope.require(PartnerAction::View)?;
    render_detail(&state, &scope, session, id, None).await
}

/// Deletes a template; while customers use it, the detail page says why not (409).
async fn delete(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
    req: ReqInfo,
) -> AppResult<Response> {
    let name = store::templates::get(&state.db, scope.org_id(), id)
        .await?
        .map(|t| t.name)
        .unwrap_or_default();
    match services::templates::delete(&state, &scope, id, &req.ctx()).await {
        Ok(()) => {
            session
                .flash(format!("Template {name} was deleted."))
                .await?;
            Ok(Redirect::to(paths::TEMPLATES).into_response())
        }
        Err(AppError::Conflict(reason)) => {
            // Back to the template's own address (post/redirect/get), with the reason.
            session
                .flash(format!("{name} was not deleted. {reason}"))
                .await?;
            Ok(Redirect::to(&paths::template(id)).into_response())
        }
        Err(e) => Err(e),
    }
}

pub fn auth_mode_label(mode: &str) -> &'static str {
    match mode {
        "saml" => "Partner authentication (SAML)",
        "oidc" => "Partner authentication with OpenID Connect",
        _ => "Webex authentication",
    }
}
