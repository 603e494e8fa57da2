//! Background jobs of this partner and its customers: kind, state, attempts, last error;
//! a dead job can be put back in the queue.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::Redirect;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::error::AppResult;
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::jobs::queue::{self, JobRow};
use crate::paths;
use crate::state::AppState;
use crate::tenancy::policy::PartnerAction;
use crate::web::views::PageCtx;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::JOBS, list).post(paths::JOB_RETRY, retry)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/jobs.html")]
pub struct JobsPage {
    page: PageCtx,
    rows: Vec<JobRow>,
    may_retry: bool,
}

pub async fn list(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<JobsPage> {
    scope.require(PartnerAction::ViewAdministration)?;
    Ok(JobsPage {
        page: PageCtx::partner(&scope, &session, "jobs", "Jobs").await?,
        rows: queue::list_for_org(&state.db, scope.org.id, 200).await?,
        may_retry: scope.may(PartnerAction::ManageAdministration),
    })
}

pub async fn retry(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<i64>,
) -> AppResult<Redirect> {
    if crate::services::job_retry::retry_dead(&state, &scope, id, &req.ctx()).await? {
        session.flash(format!("Job {id} is queued again.")).await?;
    } else {
        session
            .flash(format!(
                "Job {id} is not dead, so there is nothing to retry."
            ))
            .await?;
    }
    Ok(Redirect::to(paths::JOBS))
}
