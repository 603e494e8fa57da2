//! Every page address in one place. Routers register these patterns and templates and
//! handlers build links with these functions, so a renamed route cannot leave a broken
//! link behind. A pattern's `{id}` (or `{org}`) is filled by `fill`.
//!
//! A leaf module: it imports nothing of the crate, so any layer may use it.

use std::fmt::Display;

/// A pattern with its one placeholder (`{id}` or `{org}`) replaced by `value`.
fn fill(pattern: &str, value: impl Display) -> String {
    let at = pattern.find('{').unwrap_or(pattern.len());
    let end = pattern[at..]
        .find('}')
        .map_or(pattern.len(), |e| at + e + 1);
    format!("{}{value}{}", &pattern[..at], &pattern[end..])
}

// ── Sign-in ────────────────────────────────────────────────────────────────────
pub const ROOT: &str = "/";
pub const LOGIN: &str = "/login";
pub const LOGIN_PASSWORD: &str = "/login/password";
pub const LOGOUT: &str = "/logout";
/// Where an invited administrator chooses their password (the invitation email's link).
pub const LOGIN_INVITE: &str = "/login/invite";
/// Signed in, but no administrator role anywhere.
pub const NO_ACCESS: &str = "/login/no-access";
/// Signed in as an admin of a customer whose services its provider removed.
pub const SERVICES_REMOVED: &str = "/login/services-removed";
pub const STYLESHEET: &str = "/static/css/app.css";
/// The SAML assertion consumer service and SP metadata of a partner (one SP each).
pub const SAML_ACS: &str = "/login/sso/saml/{id}/acs";
pub const SAML_METADATA: &str = "/login/sso/saml/{id}/metadata";
/// Where an OIDC IdP sends the browser back (the redirect URI registered there).
pub const OIDC_CALLBACK: &str = "/login/sso/oidc/{id}/callback";

// ── Partner Hub ────────────────────────────────────────────────────────────────
pub const PARTNER: &str = "/partner";
/// Leaves a cross-launched sub-partner's hub.
pub const PARTNER_RETURN: &str = "/partner/return";
pub const CUSTOMERS: &str = "/partner/customers";
pub const CUSTOMERS_EXPORT: &str = "/partner/customers/export.csv";
pub const CUSTOMERS_BULK: &str = "/partner/customers/bulk";
pub const CUSTOMER: &str = "/partner/customers/{id}";
pub const CUSTOMER_STATUS: &str = "/partner/customers/{id}/status";
pub const CUSTOMER_EDIT: &str = "/partner/customers/{id}/edit";
pub const CUSTOMER_DELETE: &str = "/partner/customers/{id}/delete";
pub const CUSTOMER_RETRY: &str = "/partner/customers/{id}/retry";
/// Withdrawing a request to attach an existing org that waits for its consent (SPEC §4.5).
pub const ATTACH_WITHDRAW: &str = "/partner/attach-requests/{id}/withdraw";
pub const CUSTOMER_GLOBAL_SETTINGS: &str = "/partner/customers/{id}/global-settings";
pub const CUSTOMER_SETUP_ASSIST: &str = "/partner/customers/{id}/setup-assist";
pub const CUSTOMER_NEW: &str = "/partner/customers/new";
pub const CUSTOMER_NEW_CANCEL: &str = "/partner/customers/new/cancel";
pub const CUSTOMER_NEW_INFO: &str = "/partner/customers/new/info";
pub const CUSTOMER_NEW_PACKAGES: &str = "/partner/customers/new/packages";
pub const CUSTOMER_NEW_LOCATION: &str = "/partner/customers/new/location";
pub const CUSTOMER_NEW_SUMMARY: &str = "/partner/customers/new/summary";
pub const TEMPLATES: &str = "/partner/templates";
pub const TEMPLATE: &str = "/partner/templates/{id}";
pub const TEMPLATE_EDIT: &str = "/partner/templates/{id}/edit";
pub const TEMPLATE_DELETE: &str = "/partner/templates/{id}/delete";
pub const TEMPLATE_NEW: &str = "/partner/templates/new";
pub const TEMPLATE_NEW_CANCEL: &str = "/partner/templates/new/cancel";
pub const TEMPLATE_NEW_OFFER: &str = "/partner/templates/new/offer";
pub const TEMPLATE_NEW_BASICS: &str = "/partner/templates/new/basics";
pub const TEMPLATE_NEW_CALLING: &str = "/partner/templates/new/calling";
pub const TEMPLATE_NEW_AUTH: &str = "/partner/templates/new/auth";
pub const TEMPLATE_NEW_EMAIL: &str = "/partner/templates/new/email";
pub const TEMPLATE_NEW_SUMMARY: &str = "/partner/templates/new/summary";
pub const INDIRECT: &str = "/partner/indirect-providers";
pub const INDIRECT_LAUNCH: &str = "/partner/indirect-providers/{id}/launch";
pub const INDIRECT_NEW: &str = "/partner/indirect-providers/new";
pub const INDIRECT_SUSPEND: &str = "/partner/indirect-providers/{id}/suspend";
pub const INDIRECT_REINSTATE: &str = "/partner/indirect-providers/{id}/reinstate";
pub const INDIRECT_INVITE: &str = "/partner/indirect-providers/{id}/invite";
pub const BILLING: &str = "/partner/billing";
pub const BILLING_REPORT: &str = "/partner/billing/{id}";
pub const BILLING_REPORT_DOWNLOAD: &str = "/partner/billing/{id}/download";
pub const BILLING_REPORT_DELETE: &str = "/partner/billing/{id}/delete";
pub const SETTINGS: &str = "/partner/settings/admins";
pub const API_TOKENS: &str = "/partner/settings/api-tokens";
/// Settings → Single sign-on: the partner's IdPs and how its own admins sign in.
pub const SSO_SETTINGS: &str = "/partner/settings/sso";
pub const BRANDING: &str = "/partner/settings/branding";
pub const BRANDING_THEME: &str = "/partner/settings/branding/theme.css";
pub const BRANDING_LOGO: &str = "/partner/settings/branding/logo";
pub const CONTROL_THEME: &str = "/control/{org}/theme.css";
pub const CONTROL_LOGO: &str = "/control/{org}/logo";
pub const SSO_SAML: &str = "/partner/settings/sso/saml";
pub const SSO_OIDC_NEW: &str = "/partner/settings/sso/oidc";
pub const SSO_OIDC: &str = "/partner/settings/sso/oidc/{id}";
pub const SSO_DELETE: &str = "/partner/settings/sso/{id}/delete";
pub const SSO_TEST: &str = "/partner/settings/sso/{id}/test";
pub const SSO_ADMINS: &str = "/partner/settings/sso/admins";
pub const API_TOKEN_REVOKE: &str = "/partner/settings/api-tokens/{id}/revoke";
pub const JOBS: &str = "/partner/jobs";
pub const JOB_RETRY: &str = "/partner/jobs/{id}/retry";
pub const AUDIT: &str = "/partner/audit";
pub const MAILBOX: &str = "/partner/mailbox";

// ── Compliance operator ────────────────────────────────────────────────────────
pub const OPERATOR_COMPLIANCE: &str = "/operator/compliance";
pub const OPERATOR_DECISION: &str = "/operator/compliance/{id}/decision";

// ── Control Hub ────────────────────────────────────────────────────────────────
pub const CONTROL_HOME: &str = "/control/{org}";
/// Partners' requests to attach wholesale, answered by the org's full admins (SPEC §4.5).
pub const CONTROL_PARTNER_REQUESTS: &str = "/control/{org}/partner-requests";
pub const CONTROL_PARTNER_REQUEST: &str = "/control/{org}/partner-requests/{id}";

pub fn customer(id: impl Display) -> String {
    fill(CUSTOMER, id)
}
pub fn customer_edit(id: impl Display) -> String {
    fill(CUSTOMER_EDIT, id)
}
pub fn customer_delete(id: impl Display) -> String {
    fill(CUSTOMER_DELETE, id)
}
pub fn attach_withdraw(org: impl Display) -> String {
    fill(ATTACH_WITHDRAW, org)
}
pub fn customer_retry(id: impl Display) -> String {
    fill(CUSTOMER_RETRY, id)
}
pub fn customer_global_settings(id: impl Display) -> String {
    fill(CUSTOMER_GLOBAL_SETTINGS, id)
}
pub fn customer_setup_assist(id: impl Display) -> String {
    fill(CUSTOMER_SETUP_ASSIST, id)
}
/// The customers list filtered to one status.
pub fn customers_with_status(status: impl Display) -> String {
    format!("{CUSTOMERS}?status={status}")
}
pub fn template(id: impl Display) -> String {
    fill(TEMPLATE, id)
}
pub fn template_edit(id: impl Display) -> String {
    fill(TEMPLATE_EDIT, id)
}
pub fn template_delete(id: impl Display) -> String {
    fill(TEMPLATE_DELETE, id)
}
pub fn indirect_launch(id: impl Display) -> String {
    fill(INDIRECT_LAUNCH, id)
}

pub fn billing_report(id: impl Display) -> String {
    fill(BILLING_REPORT, id)
}

pub fn billing_report_download(id: impl Display) -> String {
    fill(BILLING_REPORT_DOWNLOAD, id)
}

pub fn billing_report_delete(id: impl Display) -> String {
    fill(BILLING_REPORT_DELETE, id)
}

pub fn indirect_suspend(id: impl Display) -> String {
    fill(INDIRECT_SUSPEND, id)
}

pub fn indirect_reinstate(id: impl Display) -> String {
    fill(INDIRECT_REINSTATE, id)
}

pub fn indirect_invite(id: impl Display) -> String {
    fill(INDIRECT_INVITE, id)
}
pub fn api_token_revoke(id: impl Display) -> String {
    fill(API_TOKEN_REVOKE, id)
}
pub fn job_retry(id: impl Display) -> String {
    fill(JOB_RETRY, id)
}
pub fn operator_decision(id: impl Display) -> String {
    fill(OPERATOR_DECISION, id)
}
/// One section of a customer's Control Hub (`users`, `account`, …).
/// A customer's Control Hub: its users, or first the partner requests its admins
/// have to answer (`web::control::home`).
pub fn control_home(org: impl Display) -> String {
    fill(CONTROL_HOME, org)
}
/// Where an org's admin answers one partner request.
pub fn control_partner_request(org: impl Display, id: impl Display) -> String {
    format!("{}/{id}", fill(CONTROL_PARTNER_REQUESTS, org))
}
pub fn control(org: impl Display, section: &str) -> String {
    format!("{}/{section}", fill(CONTROL_HOME, org))
}

/// True for the paths the API answers (`/v1` and below); every other path is a page.
pub fn is_api_path(path: &str) -> bool {
    path == "/v1" || path.starts_with("/v1/")
}

pub fn saml_acs(partner: impl Display) -> String {
    fill(SAML_ACS, partner)
}

pub fn saml_metadata(partner: impl Display) -> String {
    fill(SAML_METADATA, partner)
}

pub fn oidc_callback(idp: impl Display) -> String {
    fill(OIDC_CALLBACK, idp)
}

pub fn sso_oidc(idp: impl Display) -> String {
    fill(SSO_OIDC, idp)
}

pub fn sso_delete(idp: impl Display) -> String {
    fill(SSO_DELETE, idp)
}

pub fn sso_test(idp: impl Display) -> String {
    fill(SSO_TEST, idp)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn patterns_are_filled_with_their_id() {
        let id = "6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(customer(id), format!("/partner/customers/{id}"));
        assert_eq!(customer_edit(id), format!("/partner/customers/{id}/edit"));
        assert_eq!(control(id, "users"), format!("/control/{id}/users"));
        assert_eq!(
            customers_with_status("error"),
            "/partner/customers?status=error"
        );
        assert_eq!(api_token_revoke(7), "/partner/settings/api-tokens/7/revoke");
    }
}
