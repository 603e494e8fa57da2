//! Operations endpoints: liveness, readiness, metrics, and the root redirect.

use axum::extract::State;
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};

use super::route_table::RouteTable;
use crate::AppState;
use crate::auth::load_actor;
use crate::auth::session::{AuthSession, SessionState};
use crate::error::AppResult;
use crate::{db, jobs};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get("/", root)
        .get("/healthz", healthz)
        .get("/readyz", readyz)
        .get("/metrics", metrics)
}

/// Signed in: your hub. Otherwise: the sign-in page.
async fn root(
    State(state): State<AppState>,
    session: tower_sessions::Session,
) -> AppResult<Response> {
    let auth = AuthSession(session);
    if let SessionState::Active(s) = auth.state(state.clock.now()).await?
        && let Some(actor) = load_actor(&state, s.person_id, s.cross_launch).await?
    {
        return Ok(Redirect::to(&actor.home_path()).into_response());
    }
    Ok(Redirect::to(super::paths::LOGIN).into_response())
}

/// The process is up.
async fn healthz() -> &'static str {
    "ok"
}

/// The database answers and every migration this build knows is applied.
async fn readyz(State(state): State<AppState>) -> Response {
    match db::readiness(&state.db).await {
        Ok(()) => (StatusCode::OK, "ready").into_response(),
        Err(reason) => (StatusCode::SERVICE_UNAVAILABLE, reason).into_response(),
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
