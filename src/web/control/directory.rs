//! Users, workspaces and locations of a customer.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::packages;
use crate::domain::restrictions::Control;
use crate::error::AppResult;
use crate::state::AppState;
use crate::store;
use crate::store::customers::{LocationRow, UserRow, WorkspaceRow};
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "control/users.html")]
pub struct UsersPage {
    page: PageCtx,
    rows: Vec<UserRow>,
    may_manage_users: bool,
}

fn package_name(p: &Option<String>) -> String {
    p.as_deref()
        .map(packages::display_name)
        .unwrap_or_else(|| "—".into())
}

fn role_names(roles: &[String]) -> String {
    roles
        .iter()
        .map(|r| crate::web::partner_role_label(r))
        .collect::<Vec<_>>()
        .join(", ")
}

pub async fn users(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<UsersPage> {
    Ok(UsersPage {
        page: PageCtx::control(&scope, &session, "users", "Users").await?,
        rows: store::customers::users(&state.db, scope.org_id()).await?,
        may_manage_users: scope.may_change(Control::ManageUsers),
    })
}

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
