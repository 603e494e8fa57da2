//! Indirect providers (sub-partners) and cross-launch into their hubs (SPEC §11).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Redirect;
use uuid::Uuid;

use crate::auth::session::AuthSession;
use crate::auth::{CurrentAdmin, PartnerScope};
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::state::AppState;
use crate::store;
use crate::store::orgs::SubPartnerRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::views::PageCtx;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::INDIRECT, list)
        .post(paths::INDIRECT_LAUNCH, launch)
        .post(paths::PARTNER_RETURN, leave)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/indirect/list.html")]
pub struct ListPage {
    page: PageCtx,
    rows: Vec<SubPartnerRow>,
}

pub async fn list(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<ListPage> {
    scope.require(PartnerAction::CrossLaunch)?;
    Ok(ListPage {
        page: PageCtx::partner(&scope, &session, "indirect", "Indirect providers").await?,
        rows: store::orgs::sub_partners(&state.db, scope.org_id()).await?,
    })
}

async fn audit(
    state: &AppState,
    scope_actor: &crate::tenancy::Actor,
    from: Uuid,
    to: Uuid,
    action: &str,
    req: &ReqInfo,
) -> AppResult<()> {
    crate::services::audit::record_cross_launch(state, scope_actor, from, to, action, &req.ctx())
        .await?;
    Ok(())
}

/// Opens a sub-partner's Partner Hub as the parent admin, under a fresh session id.
pub async fn launch(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    if !store::orgs::manages(&state.db, scope.org.id, id, "parent_of_sub_partner").await? {
        return Err(AppError::NotFound);
    }
    scope.require(PartnerAction::CrossLaunch)?;
    session.set_cross_launch(Some(id)).await?;
    audit(
        &state,
        &scope.actor,
        scope.org.id,
        id,
        "cross_launch.enter",
        &req,
    )
    .await?;
    Ok(Redirect::to(paths::PARTNER))
}

/// Returns from a sub-partner's hub to one's own.
pub async fn leave(
    State(state): State<AppState>,
    CurrentAdmin(actor): CurrentAdmin,
    session: AuthSession,
    req: ReqInfo,
) -> AppResult<Redirect> {
    if let Some(sub) = actor.cross_launch {
        session.set_cross_launch(None).await?;
        audit(
            &state,
            &actor,
            actor.home_org_id,
            sub,
            "cross_launch.leave",
            &req,
        )
        .await?;
    }
    Ok(Redirect::to(paths::INDIRECT))
}
