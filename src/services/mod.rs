//! Use cases called by `web/` and `api/`. Business rules and tenancy checks live here
//! (and in `domain/`), once, so a page and the API can never disagree.

pub mod customer_settings;
pub mod sign_in;
