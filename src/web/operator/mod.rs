//! The operator's pages: restricted-party matches waiting for review (SPEC §4.3).
//! Only compliance operators of this installation reach them.

use crate::paths;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Redirect;
use serde::Deserialize;
use uuid::Uuid;

use super::views::PageCtx;
use crate::auth::CurrentAdmin;
use crate::auth::session::AuthSession;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::services::compliance::{self, Decision, Review};
use crate::state::AppState;
use crate::tenancy::Actor;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::OPERATOR_COMPLIANCE, reviews)
        .post(paths::OPERATOR_DECISION, decide)
}

fn require_operator(actor: &Actor) -> AppResult<()> {
    if actor.is_compliance_operator() {
        Ok(())
    } else {
        Err(AppError::Forbidden)
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "operator/compliance.html")]
struct ReviewsPage {
    page: PageCtx,
    rows: Vec<Review>,
}

async fn reviews(
    State(state): State<AppState>,
    CurrentAdmin(actor): CurrentAdmin,
    session: AuthSession,
) -> AppResult<ReviewsPage> {
    require_operator(&actor)?;
    let rows = compliance::pending_reviews(&state).await?;
    Ok(ReviewsPage {
        page: PageCtx::operator(&actor, &session, "Compliance reviews").await?,
        rows,
    })
}

#[derive(Deserialize)]
struct DecisionForm {
    decision: String,
}

async fn decide(
    State(state): State<AppState>,
    CurrentAdmin(actor): CurrentAdmin,
    session: AuthSession,
    req: ReqInfo,
    Path(check_id): Path<Uuid>,
    body: axum::body::Bytes,
) -> AppResult<Redirect> {
    require_operator(&actor)?;
    let f: DecisionForm = crate::web::forms::parse_or(
        &body,
        "decision",
        "Choose approve, reject or failed contact.",
    )?;
    let decision = Decision::parse(&f.decision)
        .ok_or_else(|| AppError::field("decision", "Choose approve, reject or failed contact."))?;
    compliance::decide_as_operator(&state, &actor, check_id, decision, &req.ctx()).await?;
    session.flash("Decision recorded.").await?;
    Ok(Redirect::to(paths::OPERATOR_COMPLIANCE))
}
