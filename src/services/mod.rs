//! Use cases called by `web/` and `api/`. Business rules and tenancy checks live here
//! (and in `domain/`), once, so a page and the API can never disagree.

pub mod compliance;
pub mod customer_settings;
pub mod provisioning;
pub mod sign_in;

/// Request facts a service writes into the audit log.
pub struct RequestCtx<'a> {
    pub request_id: &'a str,
    pub ip: &'a str,
}
