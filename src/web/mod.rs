//! The browser door: routers and handlers per hub. Handlers parse input, call one
//! service or store function, and render.

mod assets;
mod branding_form;
pub mod charts;
pub mod control;
pub mod error_page;
pub mod fields;
pub mod fmt;
pub mod forms;
pub mod invite;
pub mod login;
pub mod operator;
pub mod ops;
pub mod partner;
pub mod sso;
pub mod views;
pub mod wizard;

use crate::http::route_table::RouteTable;
use crate::state::AppState;

/// Every page and operations route. The table records each (method, path) so the
/// authorization test can prove none is missing from its expectations.
pub fn routes() -> RouteTable<AppState> {
    let table = RouteTable::new();
    let table = ops::routes(table);
    let table = login::routes(table);
    let table = sso::routes(table);
    let table = invite::routes(table);
    let table = partner::routes(table);
    let table = operator::routes(table);
    control::routes(table)
}

/// A role's label for display, tolerant of unknown values.
pub fn partner_role_label(role: &str) -> &'static str {
    crate::domain::roles::Role::parse(role)
        .map(crate::domain::roles::Role::label)
        .unwrap_or("Unknown role")
}
