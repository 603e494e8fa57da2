//! The browser door: routers and handlers per hub. Handlers parse input, call one
//! service or store function, and render.

pub mod control;
pub mod fmt;
pub mod forms;
pub mod login;
pub mod middleware;
pub mod operator;
pub mod ops;
pub mod partner;
pub mod paths;
pub mod request_id;
pub mod route_table;
pub mod views;

use axum::http::request::Parts;

use crate::AppState;
use route_table::RouteTable;

/// Every page and operations route. The table records each (method, path) so the
/// authorization test can prove none is missing from its expectations.
pub fn routes() -> RouteTable<AppState> {
    let table = RouteTable::new();
    let table = ops::routes(table);
    let table = login::routes(table);
    let table = partner::routes(table);
    let table = operator::routes(table);
    control::routes(table)
}

pub use crate::http::client_addr::client_ip;

/// Request facts services record in the audit log.
pub struct ReqInfo {
    pub request_id: String,
    pub ip: String,
}

impl<S: Send + Sync> axum::extract::FromRequestParts<S> for ReqInfo {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ReqInfo {
            request_id: request_id::current(),
            ip: client_ip(parts),
        })
    }
}

impl ReqInfo {
    pub fn ctx(&self) -> crate::services::customer_settings::RequestCtx<'_> {
        crate::services::customer_settings::RequestCtx {
            request_id: &self.request_id,
            ip: &self.ip,
        }
    }
}

/// A role's label for display, tolerant of unknown values.
pub fn partner_role_label(role: &str) -> &'static str {
    crate::domain::roles::Role::parse(role)
        .map(crate::domain::roles::Role::label)
        .unwrap_or("Unknown role")
}
