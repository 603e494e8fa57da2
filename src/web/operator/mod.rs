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
use crate::AppState;
use crate::auth::CurrentAdmin;
use crate::auth::session::AuthSession;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::services::compliance::{self, Decision, Review};
use crate::store;
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
    let mut conn = state.db.acquire().await?;
    let rows = compliance::pending_reviews(&mut conn).await?;
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
    let decision = match f.decision.as_str() {
        "approve" => Decision::Approve,
        "reject" => Decision::Reject,
        "failed_contact" => Decision::FailedContact,
        _ => {
            return Err(AppError::field(
                "decision",
                "Choose approve, reject or failed contact.",
            ));
        }
    };
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !compliance::decide(&mut tx, check_id, decision, actor.person_id, now).await? {
        return Err(AppError::NotFound);
    }
    let org: Option<Uuid> =
        sqlx::query_scalar("SELECT org_id FROM compliance_checks WHERE id = $1")
            .bind(check_id)
            .fetch_optional(&mut *tx)
            .await?;
    store::audit::append(
        &mut *tx,
        &store::audit::Entry {
            actor_person_id: Some(actor.person_id),
            actor_email: Some(&actor.email),
            acting_for_org_id: Some(actor.home_org_id),
            target_org_id: org,
            action: "compliance.decision",
            outcome: "success",
            detail: serde_json::json!({ "check": check_id, "decision": f.decision }),
            request_id: Some(&req.request_id),
            ip: Some(&req.ip),
        },
        now,
    )
    .await?;
    tx.commit().await?;
    session.flash("Decision recorded.").await?;
    Ok(Redirect::to(paths::OPERATOR_COMPLIANCE))
}
