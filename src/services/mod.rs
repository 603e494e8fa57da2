//! Use cases called by `web/` and `api/`. Business rules and tenancy checks live here
//! (and in `domain/`), once, so a page and the API can never disagree.

pub mod api_tokens;
pub mod audit;
pub mod billing;
pub mod branding;
pub mod bulk_add;
pub mod compliance;
pub mod consent;
pub mod customer;
pub mod customer_settings;
pub mod emails;
pub mod invitations;
pub mod job_retry;
pub mod places;
pub mod setup_assist;
pub mod sign_in;
pub mod sso_config;
pub mod sso_sign_in;
pub mod sub_partners;
pub mod subscribers;
pub mod templates;
pub mod user_import;
pub mod users;

/// Request facts a service writes into the audit log.
pub struct RequestCtx<'a> {
    pub request_id: &'a str,
    pub ip: &'a str,
}

pub use audit::audit_partner_change;
