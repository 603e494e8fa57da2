//! Control Hub pages of one customer org. Every handler takes a `CustomerScope`, so a
//! foreign org id answers 404 before anything is read.

mod account;
mod branding;
mod own_branding;
mod partner_requests;
mod places;
mod sections;
mod user_csv;
mod users;
mod wholesale;

use axum::extract::State;
use axum::response::Redirect;

use crate::error::AppResult;

use crate::auth::CustomerScope;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::state::AppState;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::CONTROL_HOME, home)
        .get(paths::CONTROL_THEME, branding::theme)
        .get(paths::CONTROL_LOGO, branding::logo)
        .get("/control/{org}/users", users::list)
        .get("/control/{org}/users/csv", user_csv::page)
        // The upload reads a file larger than the body limit of every other form.
        .post_up_to(
            "/control/{org}/users/import",
            crate::auth::csrf::MAX_UPLOAD_BYTES,
            user_csv::upload,
        )
        .get("/control/{org}/users/export.csv", user_csv::export)
        .get("/control/{org}/users/import/{id}", user_csv::import)
        .post("/control/{org}/users/import/{id}/apply", user_csv::apply)
        .get(
            "/control/{org}/users/import/{id}/report.csv",
            user_csv::report,
        )
        .get("/control/{org}/users/new", users::new_form)
        .post("/control/{org}/users/new", users::add)
        .get("/control/{org}/users/{person}", users::show)
        .post("/control/{org}/users/{person}", users::save_names)
        .post(
            "/control/{org}/users/{person}/package",
            users::change_package,
        )
        .post("/control/{org}/users/{person}/role", users::set_role)
        .post("/control/{org}/users/{person}/delete", users::remove)
        .get("/control/{org}/workspaces", places::workspaces)
        .post("/control/{org}/workspaces", places::add_workspace)
        .get("/control/{org}/workspaces/{id}", places::workspace)
        .post("/control/{org}/workspaces/{id}", places::update_workspace)
        .post(
            "/control/{org}/workspaces/{id}/delete",
            places::remove_workspace,
        )
        .get("/control/{org}/locations", places::locations)
        .post("/control/{org}/locations", places::add_location)
        .get("/control/{org}/locations/{id}", places::location)
        .post("/control/{org}/locations/{id}", places::update_location)
        .post(
            "/control/{org}/locations/{id}/delete",
            places::remove_location,
        )
        .get("/control/{org}/wholesale", wholesale::page)
        .get("/control/{org}/account", account::page)
        .post("/control/{org}/account", account::update)
        .get("/control/{org}/security", sections::security)
        .get("/control/{org}/settings", sections::settings)
        .get("/control/{org}/calling", sections::calling)
        .get("/control/{org}/branding", own_branding::page)
        // A logo of at most 256 KB, with room for the form around it.
        .post_up_to(
            "/control/{org}/branding",
            crate::domain::branding::MAX_LOGO_BYTES * 2,
            own_branding::save,
        )
        .post("/control/{org}/branding/reset", own_branding::reset)
        .get(paths::CONTROL_PARTNER_REQUESTS, partner_requests::page)
        .post(paths::CONTROL_PARTNER_REQUEST, partner_requests::answer)
}

/// The users, or first the partner requests waiting for an answer of the org's own
/// admins (SPEC §4.5).
async fn home(State(state): State<AppState>, scope: CustomerScope) -> AppResult<Redirect> {
    let section = if !scope.access.is_partner()
        && crate::store::consents::has_pending(&state.db, scope.org_id()).await?
    {
        partner_requests::SECTION
    } else {
        "users"
    };
    Ok(Redirect::to(&paths::control(scope.org.id, section)))
}
