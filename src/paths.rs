//! Page URLs in one place, so a renamed route cannot leave a broken link behind.

use uuid::Uuid;

pub const LOGIN: &str = "/login";
/// Signed in, but no administrator role anywhere.
pub const NO_ACCESS: &str = "/login/no-access";
/// Signed in as an admin of a customer whose services its provider removed.
pub const SERVICES_REMOVED: &str = "/login/services-removed";
pub const PARTNER: &str = "/partner";
pub const CUSTOMERS: &str = "/partner/customers";
pub const TEMPLATES: &str = "/partner/templates";
pub const TEMPLATE_NEW: &str = "/partner/templates/new";
pub const INDIRECT: &str = "/partner/indirect-providers";
pub const BILLING: &str = "/partner/billing";
pub const SETTINGS: &str = "/partner/settings/admins";
pub const JOBS: &str = "/partner/jobs";
pub const AUDIT: &str = "/partner/audit";
pub const MAILBOX: &str = "/partner/mailbox";
pub const API_TOKENS: &str = "/partner/settings/api-tokens";

pub fn customer(id: Uuid) -> String {
    format!("/partner/customers/{id}")
}

pub fn template(id: Uuid) -> String {
    format!("/partner/templates/{id}")
}

pub fn template_edit(id: Uuid) -> String {
    format!("/partner/templates/{id}/edit")
}

pub fn template_delete(id: Uuid) -> String {
    format!("/partner/templates/{id}/delete")
}

pub fn control(org: Uuid, section: &str) -> String {
    format!("/control/{org}/{section}")
}

pub fn api_token_revoke(id: Uuid) -> String {
    format!("/partner/settings/api-tokens/{id}/revoke")
}
