//! The API door (SPEC §9): `/v1/wholesale/*` JSON handlers in the vendor's shapes, bearer
//! tokens (`auth`), the vendor's error body (`error`) and paging (`paging`).
//! Like the pages, handlers parse input, call one service or store function, and render.

pub mod auth;
pub mod billing;
pub mod body;
pub mod codes;
pub mod customers;
pub mod error;
pub mod fields;
pub mod openapi;
pub mod paging;
pub mod setup_assist;
pub mod sub_partners;
pub mod subscribers;

pub use error::ApiError;

use axum::routing::any;
use time::format_description::BorrowedFormatItem;
use time::macros::format_description;
use time::{Date, OffsetDateTime, UtcOffset};

use crate::http::route_table::RouteTable;
use crate::state::AppState;

/// Every `/v1` route, recorded for the authorization test, with the API's fallback (a
/// 404 in the error body for any other `/v1` path) and JSON bodies for every error.
/// `build()` merges it into the application.
pub fn routes() -> RouteTable<AppState> {
    let table = sub_partners::routes(RouteTable::new());
    let table = customers::routes(table);
    let table = subscribers::routes(table);
    let table = setup_assist::routes(table);
    let table = billing::routes(table);
    // Not under `/v1`: the signed link a `Report` gives works without a token.
    let table = table.get(billing::DOWNLOAD, billing::download);
    let mut table = openapi::routes(table);
    table.router = table
        .router
        // Not a resource: the API's fallback, so unknown `/v1` paths answer in JSON.
        .route("/v1/{*rest}", any(error::not_found))
        .layer(axum::middleware::from_fn(error::json_errors));
    table
}

const TIMESTAMP: &[BorrowedFormatItem<'static>] =
    format_description!("[year]-[month]-[day]T[hour]:[minute]:[second].[subsecond digits:3]Z");

/// ISO 8601 in UTC with milliseconds, as the vendor writes times: `2026-11-26T10:00:00.000Z`.
pub fn timestamp(t: OffsetDateTime) -> String {
    t.to_offset(UtcOffset::UTC)
        .format(TIMESTAMP)
        .unwrap_or_default()
}

/// A date in the vendor's date-time form (midnight UTC), as its `billingStartDate` is.
pub fn date_timestamp(d: Date) -> String {
    timestamp(d.midnight().assume_utc())
}

#[cfg(test)]
mod tests {
    use super::*;
    use time::macros::datetime;

    #[test]
    fn times_are_utc_with_milliseconds() {
        assert_eq!(
            timestamp(datetime!(2026-11-26 12:00:00.123456 +02:00)),
            "2026-11-26T10:00:00.123Z"
        );
        assert_eq!(
            date_timestamp(time::macros::date!(2026 - 11 - 26)),
            "2026-11-26T00:00:00.000Z"
        );
    }
}
