//! Workspaces and locations of a customer (users: `users`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;
use crate::store::customers::{LocationRow, WorkspaceRow};
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "control/workspaces.html")]
pub struct WorkspacesPage {
    page: PageCtx,
    rows: Vec<WorkspaceRow>,
}

pub async fn workspaces(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<WorkspacesPage> {
    Ok(WorkspacesPage {
        page: PageCtx::control(&scope, &session, "workspaces", "Workspaces").await?,
        rows: store::customers::workspaces(&state.db, scope.org_id()).await?,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "control/locations.html")]
pub struct LocationsPage {
    page: PageCtx,
    rows: Vec<LocationRow>,
}

pub async fn locations(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<LocationsPage> {
    Ok(LocationsPage {
        page: PageCtx::control(&scope, &session, "locations", "Locations").await?,
        rows: store::customers::locations(&state.db, scope.org_id()).await?,
    })
}
