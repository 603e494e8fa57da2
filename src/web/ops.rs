//! Operations endpoints: liveness, readiness and the root redirect on the portal's
//! listener; metrics on a listener of their own (`metrics_router`), since route names,
//! job counts and timings are for operators, not for anyone who can reach the portal.

use crate::paths;
use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::load_actor;
use crate::auth::session::{AuthSession, SessionState};
use crate::error::AppResult;
use crate::http::route_table::RouteTable;
use crate::state::AppState;
use crate::{db, jobs};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::ROOT, root)
        .get("/healthz", healthz)
        .get("/readyz", readyz)
}

/// The metrics listener's router: `/metrics` and nothing else.
pub fn metrics_router(state: AppState) -> axum::Router {
    axum::Router::new()
        .route("/metrics", axum::routing::get(metrics))
        .with_state(state)
}

/// Signed in: your hub. Otherwise: the sign-in page.
async fn root(State(state): State<AppState>, auth: AuthSession) -> AppResult<Response> {
    if let SessionState::Active(s) = auth.state(state.clock.now()).await?
        && let Some(actor) = load_actor(&state, s.person_id, s.cross_launch).await?
    {
        return Ok(Redirect::to(&actor.home_path()).into_response());
    }
    Ok(Redirect::to(crate::paths::LOGIN).into_response())
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration this build knows is applied. The reason
/// for "not ready" goes to the log, not to whoever asked.
async fn readyz(State(state): State<AppState>) -> Response {
    match db::readiness(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(reason) => {
            tracing::warn!(%reason, "not ready");
            (StatusCode::SERVICE_UNAVAILABLE, "not ready").into_response()
        }
    }
}

async fn metrics(State(state): State<AppState>) -> Response {
    match jobs::queue::counts_by_state(&state.db).await {
        Ok(counts) => {
            state.metrics.jobs.reset();
            for state_name in ["queued", "running", "succeeded", "dead"] {
                let n = counts
                    .iter()
                    .find(|(s, _)| s == state_name)
                    .map(|(_, n)| *n)
                    .unwrap_or(0);
                state.metrics.jobs.with_label_values(&[state_name]).set(n);
            }
        }
        Err(e) => tracing::warn!(error = %e, "metrics: job counts unavailable"),
    }
    (
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}
