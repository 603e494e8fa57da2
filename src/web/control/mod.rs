//! Control Hub pages of one customer org. Every handler takes a `CustomerScope`, so a
//! foreign org id answers 404 before anything is read.

mod account;
mod directory;
mod sections;

use axum::response::Redirect;

use crate::auth::CustomerScope;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::state::AppState;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::CONTROL_HOME, home)
        .get("/control/{org}/users", directory::users)
        .get("/control/{org}/workspaces", directory::workspaces)
        .get("/control/{org}/locations", directory::locations)
        .get("/control/{org}/account", account::page)
        .post("/control/{org}/account", account::update)
        .get("/control/{org}/security", sections::security)
        .get("/control/{org}/settings", sections::settings)
        .get("/control/{org}/calling", sections::calling)
}

async fn home(scope: CustomerScope) -> Redirect {
    Redirect::to(&paths::control(scope.org.id, "users"))
}
