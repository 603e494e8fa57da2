//! Every route the router registers, against every kind of visitor: anonymous visitors
//! are sent to sign in (the API answers them 401), wrong roles are refused, other tenants
//! get 404. `/v1` rows are requested with the visitor's API token instead of the session. A route missing
//! from the table below fails `every_route_is_in_the_authorization_table`.

use std::collections::{BTreeSet, HashMap};
use std::sync::Arc;

use reqwest::cookie::{CookieStore, Jar};
use reqwest::redirect::Policy;
use reqwest::{Client, Method, StatusCode};
use tokio::sync::Semaphore;
use tokio::task::JoinSet;

use crate::common::*;

/// What a visitor gets.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Want {
    /// Served (2xx, or a redirect somewhere other than the sign-in page).
    Ok,
    /// Sent to the sign-in page.
    Login,
    /// 403.
    Refused,
    /// 404.
    Missing,
    /// 401 from the password form, 200 from the email form: public, any answer but 5xx.
    Public,
    /// 401: the API without a valid bearer token.
    Unauthorized,
}
use Want::*;

/// Visitors, in the column order of the table.
const VISITORS: [&str; 7] = [
    "anonymous",
    PARTNER_ADMIN,
    PARTNER_READONLY,
    WHOLESALE_ADMIN,
    RESELLER_ADMIN,
    CUSTOMER_ADMIN,
    CUSTOMER_READONLY,
];

/// (method, route, [anonymous, partner full, partner read-only, wholesale, sub-partner,
/// customer full, customer read-only]). Ids: `{id}` of customers/templates/jobs is
/// Northwind's (Acme Dental, its first template, a dead job of Acme), of indirect
/// providers Southwind's, of API tokens one of the partner full admin's; `{org}` is Acme
/// Dental.
fn table() -> Vec<(Method, &'static str, [Want; 7])> {
    let get = Method::GET;
    let post = Method::POST;
    let partner_view = [Login, Ok, Ok, Ok, Ok, Refused, Refused];
    let partner_admin_view = [Login, Ok, Ok, Refused, Ok, Refused, Refused];
    let northwind_object = [Login, Ok, Ok, Ok, Missing, Refused, Refused];
    // Creating and changing customers: full and wholesale admins, in their own hub.
    let manage_customers = [Login, Ok, Refused, Ok, Ok, Refused, Refused];
    // Creating, changing and deleting templates: the same roles, in their own hub.
    let manage_templates = [Login, Ok, Refused, Ok, Ok, Refused, Refused];
    // One of Northwind's templates: another hub gets 404. Deleting the first one (it has
    // customers) answers 409, which is past the policy.
    let northwind_template_change = [Login, Ok, Refused, Ok, Missing, Refused, Refused];
    let nobody = [Login, Refused, Refused, Refused, Refused, Refused, Refused];
    let control = [Login, Ok, Ok, Ok, Missing, Ok, Ok];
    let sso_admin = [Login, Ok, Refused, Refused, Ok, Refused, Refused];
    let northwind_sso = [Login, Ok, Refused, Refused, Missing, Refused, Refused];
    let manage_billing = [Login, Ok, Refused, Refused, Ok, Refused, Refused];
    let northwind_report = [Login, Ok, Ok, Refused, Missing, Refused, Refused];
    // Onboarding and suspending sub-partners: the parent's full + wholesale admin only;
    // a sub-partner has none of its own.
    let sub_partner_admin = [Login, Ok, Refused, Refused, Refused, Refused, Refused];
    vec![
        (get.clone(), "/", [Login, Ok, Ok, Ok, Ok, Ok, Ok]),
        (get.clone(), "/healthz", [Ok; 7]),
        (get.clone(), "/readyz", [Ok; 7]),
        (get.clone(), "/login", [Ok; 7]),
        (post.clone(), "/login", [Public; 7]),
        (post.clone(), "/login/password", [Public; 7]),
        // Public, for the link of an invitation email: without a valid link it is 404.
        (get.clone(), "/login/invite", [Missing; 7]),
        (post.clone(), "/login/invite", [Missing; 7]),
        // Signing out always ends on the sign-in page.
        (post.clone(), "/logout", [Login; 7]),
        (
            get.clone(),
            "/login/no-access",
            [Login, Ok, Ok, Ok, Ok, Ok, Ok],
        ),
        // Everyone here still has services: sent home.
        (
            get.clone(),
            "/login/services-removed",
            [Login, Ok, Ok, Ok, Ok, Ok, Ok],
        ),
        (get.clone(), "/partner", partner_view),
        (get.clone(), "/partner/customers", partner_view),
        (get.clone(), "/partner/customers/export.csv", partner_view),
        // Without a selection: 400 for those who may, past the policy.
        (post.clone(), "/partner/customers/bulk", manage_customers),
        (get.clone(), "/partner/customers/{id}", northwind_object),
        (
            post.clone(),
            "/partner/customers/{id}/global-settings",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            get.clone(),
            "/partner/customers/{id}/status",
            northwind_object,
        ),
        (
            post.clone(),
            "/partner/customers/{id}/retry",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            get.clone(),
            "/partner/customers/{id}/setup-assist",
            northwind_object,
        ),
        (
            post.clone(),
            "/partner/customers/{id}/setup-assist",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            get.clone(),
            "/partner/customers/{id}/edit",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            post.clone(),
            "/partner/customers/{id}/edit",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            post.clone(),
            "/partner/customers/{id}/delete",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (get.clone(), "/partner/customers/new", manage_customers),
        (post.clone(), "/partner/customers/new", manage_customers),
        (
            post.clone(),
            "/partner/customers/new/cancel",
            manage_customers,
        ),
        (get.clone(), "/partner/customers/new/info", manage_customers),
        (
            post.clone(),
            "/partner/customers/new/info",
            manage_customers,
        ),
        (
            get.clone(),
            "/partner/customers/new/packages",
            manage_customers,
        ),
        (
            post.clone(),
            "/partner/customers/new/packages",
            manage_customers,
        ),
        (
            get.clone(),
            "/partner/customers/new/location",
            manage_customers,
        ),
        (
            post.clone(),
            "/partner/customers/new/location",
            manage_customers,
        ),
        (
            get.clone(),
            "/partner/customers/new/summary",
            manage_customers,
        ),
        (get.clone(), "/partner/templates", partner_view),
        (get.clone(), "/partner/templates/{id}", northwind_object),
        (get.clone(), "/partner/templates/new", manage_templates),
        (post.clone(), "/partner/templates/new", manage_templates),
        (
            post.clone(),
            "/partner/templates/new/cancel",
            manage_templates,
        ),
        (
            get.clone(),
            "/partner/templates/new/offer",
            manage_templates,
        ),
        (
            post.clone(),
            "/partner/templates/new/offer",
            manage_templates,
        ),
        (
            get.clone(),
            "/partner/templates/new/basics",
            manage_templates,
        ),
        (
            post.clone(),
            "/partner/templates/new/basics",
            manage_templates,
        ),
        (
            get.clone(),
            "/partner/templates/new/calling",
            manage_templates,
        ),
        (
            post.clone(),
            "/partner/templates/new/calling",
            manage_templates,
        ),
        (get.clone(), "/partner/templates/new/auth", manage_templates),
        (
            post.clone(),
            "/partner/templates/new/auth",
            manage_templates,
        ),
        (
            get.clone(),
            "/partner/templates/new/email",
            manage_templates,
        ),
        (
            post.clone(),
            "/partner/templates/new/email",
            manage_templates,
        ),
        (
            get.clone(),
            "/partner/templates/new/summary",
            manage_templates,
        ),
        (
            get.clone(),
            "/partner/templates/{id}/edit",
            northwind_template_change,
        ),
        (
            post.clone(),
            "/partner/templates/{id}/edit",
            northwind_template_change,
        ),
        (
            post.clone(),
            "/partner/templates/{id}/delete",
            northwind_template_change,
        ),
        (
            get.clone(),
            "/partner/indirect-providers",
            [Login, Ok, Refused, Refused, Ok, Refused, Refused],
        ),
        (
            post.clone(),
            "/partner/indirect-providers/{id}/launch",
            [Login, Ok, Refused, Refused, Missing, Refused, Refused],
        ),
        (
            get.clone(),
            "/partner/settings/branding",
            partner_admin_view,
        ),
        (post.clone(), "/partner/settings/branding", sso_admin),
        (
            get.clone(),
            "/partner/settings/branding/theme.css",
            partner_admin_view,
        ),
        // Southwind has no logo of its own.
        (
            get.clone(),
            "/partner/settings/branding/logo",
            [Login, Ok, Ok, Refused, Missing, Refused, Refused],
        ),
        (get.clone(), "/control/{org}/theme.css", control),
        (get.clone(), "/control/{org}/logo", control),
        (
            get.clone(),
            "/partner/indirect-providers/new",
            sub_partner_admin,
        ),
        (
            post.clone(),
            "/partner/indirect-providers/new",
            sub_partner_admin,
        ),
        (
            post.clone(),
            "/partner/indirect-providers/{id}/suspend",
            sub_partner_admin,
        ),
        (
            post.clone(),
            "/partner/indirect-providers/{id}/reinstate",
            sub_partner_admin,
        ),
        (
            post.clone(),
            "/partner/indirect-providers/{id}/invite",
            sub_partner_admin,
        ),
        (
            post.clone(),
            "/partner/return",
            [Login, Ok, Ok, Ok, Ok, Ok, Ok],
        ),
        (get.clone(), "/partner/billing", partner_admin_view),
        // Billing (SPEC §8): full admins create and delete, read-only admins read, the
        // wholesale admin role has no billing; `{id}` is a completed report of
        // Northwind's. Past the policy, the empty form is a 400.
        (post.clone(), "/partner/billing", manage_billing),
        (get.clone(), "/partner/billing/{id}", northwind_report),
        (
            get.clone(),
            "/partner/billing/{id}/download",
            northwind_report,
        ),
        (
            post.clone(),
            "/partner/billing/{id}/delete",
            [Login, Ok, Refused, Refused, Missing, Refused, Refused],
        ),
        (get.clone(), "/partner/settings/admins", partner_admin_view),
        // Every partner admin keeps their own API tokens; someone else's token is 404.
        (get.clone(), "/partner/settings/api-tokens", partner_view),
        (post.clone(), "/partner/settings/api-tokens", partner_view),
        (
            post.clone(),
            "/partner/settings/api-tokens/{id}/revoke",
            [Login, Ok, Missing, Missing, Missing, Refused, Refused],
        ),
        // Single sign-on: the partner's (or sub-partner's) full admins only; `{id}` is
        // one of Northwind's IdPs (SAML, or OIDC under /oidc/).
        (get.clone(), "/partner/settings/sso", sso_admin),
        (post.clone(), "/partner/settings/sso/saml", sso_admin),
        (post.clone(), "/partner/settings/sso/oidc", sso_admin),
        (post.clone(), "/partner/settings/sso/admins", sso_admin),
        (
            get.clone(),
            "/partner/settings/sso/oidc/{id}",
            northwind_sso,
        ),
        (
            post.clone(),
            "/partner/settings/sso/oidc/{id}",
            northwind_sso,
        ),
        (
            post.clone(),
            "/partner/settings/sso/{id}/test",
            northwind_sso,
        ),
        (
            post.clone(),
            "/partner/settings/sso/{id}/delete",
            northwind_sso,
        ),
        // The IdPs' way back: public, and a response that proves nothing is refused.
        (get.clone(), "/login/sso/saml/{id}/metadata", [Ok; 7]),
        (post.clone(), "/login/sso/saml/{id}/acs", [Unauthorized; 7]),
        (
            get.clone(),
            "/login/sso/oidc/{id}/callback",
            [Unauthorized; 7],
        ),
        (get.clone(), "/partner/jobs", partner_admin_view),
        (
            post.clone(),
            "/partner/jobs/{id}/retry",
            [Login, Ok, Refused, Refused, Missing, Refused, Refused],
        ),
        (get.clone(), "/partner/audit", partner_admin_view),
        (get.clone(), "/partner/mailbox", partner_admin_view),
        // Only the installation's compliance operators (none of these visitors).
        (get.clone(), "/operator/compliance", nobody),
        (post.clone(), "/operator/compliance/{id}/decision", nobody),
        (get.clone(), "/control/{org}", control),
        (get.clone(), "/control/{org}/users", control),
        // Acme Dental is in restricted mode: its own admins add, remove and re-package
        // no one; names stay theirs (SPEC §7), and its full admin gives admin roles.
        // `{person}` is Carla Mendes, its full admin.
        (
            get.clone(),
            "/control/{org}/users/new",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            post.clone(),
            "/control/{org}/users/new",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (get.clone(), "/control/{org}/users/{person}", control),
        (get.clone(), "/control/{org}/users/csv", control),
        (get.clone(), "/control/{org}/users/export.csv", control),
        // The upload is refused before its body is read; past the policy this form is
        // no multipart upload (400). `{id}` of an import is none of Acme's (404).
        (
            post.clone(),
            "/control/{org}/users/import",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            get.clone(),
            "/control/{org}/users/import/{id}",
            [Login, Missing, Missing, Missing, Missing, Missing, Missing],
        ),
        (
            post.clone(),
            "/control/{org}/users/import/{id}/apply",
            [Login, Missing, Refused, Missing, Missing, Refused, Refused],
        ),
        (
            get.clone(),
            "/control/{org}/users/import/{id}/report.csv",
            [Login, Missing, Missing, Missing, Missing, Missing, Missing],
        ),
        (
            post.clone(),
            "/control/{org}/users/{person}",
            [Login, Ok, Refused, Ok, Missing, Ok, Refused],
        ),
        (
            post.clone(),
            "/control/{org}/users/{person}/package",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            post.clone(),
            "/control/{org}/users/{person}/role",
            [Login, Ok, Refused, Ok, Missing, Ok, Refused],
        ),
        (
            post.clone(),
            "/control/{org}/users/{person}/delete",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (get.clone(), "/control/{org}/workspaces", control),
        // Workspaces hold a package: restricted mode locks them as it locks adding users.
        // `{id}` is Acme Dental's oldest workspace (one is made when none is left).
        (
            post.clone(),
            "/control/{org}/workspaces",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (get.clone(), "/control/{org}/workspaces/{id}", control),
        (
            post.clone(),
            "/control/{org}/workspaces/{id}",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            post.clone(),
            "/control/{org}/workspaces/{id}/delete",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (get.clone(), "/control/{org}/locations", control),
        // Locations are not among what restricted mode locks; read-only admins change
        // nothing. `{id}` is Acme Dental's headquarters (never removed: 409).
        (
            post.clone(),
            "/control/{org}/locations",
            [Login, Ok, Refused, Ok, Missing, Ok, Refused],
        ),
        (get.clone(), "/control/{org}/locations/{id}", control),
        (
            post.clone(),
            "/control/{org}/locations/{id}",
            [Login, Ok, Refused, Ok, Missing, Ok, Refused],
        ),
        (
            post.clone(),
            "/control/{org}/locations/{id}/delete",
            [Login, Ok, Refused, Ok, Missing, Ok, Refused],
        ),
        (get.clone(), "/control/{org}/wholesale", control),
        (get.clone(), "/control/{org}/account", control),
        // Acme Dental is in restricted mode, so its own full admin may not rename it.
        (
            post.clone(),
            "/control/{org}/account",
            [Login, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (get.clone(), "/control/{org}/security", control),
        (get.clone(), "/control/{org}/settings", control),
        (get.clone(), "/control/{org}/calling", control),
        // Acme Dental has no attach request waiting: 404 past the policy for those who may.
        (
            post.clone(),
            "/partner/attach-requests/{id}/withdraw",
            [Login, Missing, Refused, Missing, Missing, Refused, Refused],
        ),
        // Acme Dental was created by wholesale, so it has no branding of its own to set
        // (an attached org's full admin does: `attach`).
        (
            get.clone(),
            "/control/{org}/branding",
            [Login, Missing, Missing, Missing, Missing, Missing, Missing],
        ),
        (
            post.clone(),
            "/control/{org}/branding",
            [Login, Missing, Missing, Missing, Missing, Missing, Missing],
        ),
        (
            post.clone(),
            "/control/{org}/branding/reset",
            [Login, Missing, Missing, Missing, Missing, Missing, Missing],
        ),
        // Partners' requests to attach are the org's own admins' to see and answer; a
        // partner admin is never shown them. (Acme Dental has none: 409 past the policy.)
        (
            get.clone(),
            "/control/{org}/partner-requests",
            [Login, Missing, Missing, Missing, Missing, Ok, Ok],
        ),
        (
            post.clone(),
            "/control/{org}/partner-requests/{id}",
            [Login, Missing, Missing, Missing, Missing, Ok, Refused],
        ),
        // The API: bearer tokens, no sign-in page.
        (
            get.clone(),
            "/v1/wholesale/subPartners",
            [Unauthorized, Ok, Ok, Ok, Ok, Refused, Refused],
        ),
        // Billing reports: read for GET, read-write for POST and DELETE (SPEC §8). The
        // full admin's DELETE comes first, so the sub-partner's is a 404 either way.
        (
            get.clone(),
            "/v1/wholesale/billing/reports",
            [Unauthorized, Ok, Ok, Refused, Ok, Refused, Refused],
        ),
        (
            post.clone(),
            "/v1/wholesale/billing/reports",
            [Unauthorized, Ok, Refused, Refused, Ok, Refused, Refused],
        ),
        (
            get.clone(),
            "/v1/wholesale/billing/reports/{id}",
            [Unauthorized, Ok, Ok, Refused, Missing, Refused, Refused],
        ),
        (
            Method::DELETE,
            "/v1/wholesale/billing/reports/{id}",
            [
                Unauthorized,
                Ok,
                Refused,
                Refused,
                Missing,
                Refused,
                Refused,
            ],
        ),
        // A report's signed link needs no sign-in; without a valid signature it is
        // refused for anyone.
        (get.clone(), "/billing/reports/{id}/download", [Refused; 7]),
        // Public: it describes the API, it serves no data.
        (get.clone(), "/v1/openapi.json", [Ok; 7]),
        // Customers: any partner role reads; full and wholesale admins change, each
        // in its own hub (Acme Dental is Northwind's). Past the policy, the empty body
        // of these requests is a 400.
        (
            get.clone(),
            "/v1/wholesale/customers",
            [Unauthorized, Ok, Ok, Ok, Ok, Refused, Refused],
        ),
        (
            post.clone(),
            "/v1/wholesale/customers",
            [Unauthorized, Ok, Refused, Ok, Ok, Refused, Refused],
        ),
        // The precheck: partner full admins only (SPEC §1).
        (
            post.clone(),
            "/v1/wholesale/customers/validate",
            [Unauthorized, Ok, Refused, Refused, Ok, Refused, Refused],
        ),
        (
            get.clone(),
            "/v1/wholesale/customers/{id}",
            [Unauthorized, Ok, Ok, Ok, Missing, Refused, Refused],
        ),
        (
            Method::PUT,
            "/v1/wholesale/customers/{id}",
            [Unauthorized, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        // Setup assist through the API (SPEC §4.6). Past the policy, the empty body is a 400.
        (
            get.clone(),
            "/v1/wholesale/customers/{id}/setupAssist",
            [Unauthorized, Ok, Ok, Ok, Missing, Refused, Refused],
        ),
        (
            post.clone(),
            "/v1/wholesale/customers/{id}/setupAssist",
            [Unauthorized, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        // In this row the full admin's 202 leaves Acme Dental `deleting`, so the
        // wholesale admin's request after it is a 409 (past the policy).
        (
            Method::DELETE,
            "/v1/wholesale/customers/{id}",
            [Unauthorized, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        // Subscribers (SPEC §9.2): `{id}` is one of Acme Dental's users, the oldest left
        // (so after the full admin's DELETE the wholesale admin removes the next one).
        (
            get.clone(),
            "/v1/wholesale/subscribers",
            [Unauthorized, Ok, Ok, Ok, Ok, Refused, Refused],
        ),
        (
            post.clone(),
            "/v1/wholesale/subscribers",
            [Unauthorized, Ok, Refused, Ok, Ok, Refused, Refused],
        ),
        (
            post.clone(),
            "/v1/wholesale/subscribers/validate",
            [Unauthorized, Ok, Refused, Refused, Ok, Refused, Refused],
        ),
        (
            get.clone(),
            "/v1/wholesale/subscribers/{id}",
            [Unauthorized, Ok, Ok, Ok, Missing, Refused, Refused],
        ),
        (
            Method::PUT,
            "/v1/wholesale/subscribers/{id}",
            [Unauthorized, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
        (
            Method::DELETE,
            "/v1/wholesale/subscribers/{id}",
            [Unauthorized, Ok, Refused, Ok, Missing, Refused, Refused],
        ),
    ]
}

#[tokio::test]
async fn every_route_is_in_the_authorization_table() {
    let app = spawn_app().await;
    let registered: BTreeSet<(String, String)> = app
        .routes
        .iter()
        .map(|(m, p)| (m.to_string(), p.to_string()))
        .collect();
    let tabled: BTreeSet<(String, String)> = table()
        .into_iter()
        .map(|(m, p, _)| (m.to_string(), p.to_string()))
        .collect();
    assert_eq!(
        tabled.len(),
        table().len(),
        "a route has two rows in the table"
    );
    let missing: Vec<_> = registered.difference(&tabled).collect();
    let stale: Vec<_> = tabled.difference(&registered).collect();
    assert!(
        missing.is_empty(),
        "routes without authorization expectations: {missing:?}"
    );
    assert!(
        stale.is_empty(),
        "table rows for routes that no longer exist: {stale:?}"
    );
}

pub(crate) async fn fill(app: &TestApp, path: &str) -> String {
    let acme = app.org_id("Acme Dental").await;
    let southwind = app.org_id("Southwind Reseller").await;
    let northwind = app.org_id("Northwind Telecom").await;
    let template: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM onboarding_templates WHERE owner_org_id = $1 ORDER BY name LIMIT 1",
    )
    .bind(northwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    // A dead job about Acme Dental, so retry has something to act on.
    let job: i64 = sqlx::query_scalar(
        "INSERT INTO jobs (kind, org_id, state, attempts, max_attempts, run_at, created_at, updated_at, last_error)
         VALUES ('test.noop', $1, 'dead', 5, 5, now(), now(), now(), 'boom') RETURNING id",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let id = if path.starts_with("/control/{org}/locations/") {
        let hq: uuid::Uuid =
            sqlx::query_scalar("SELECT id FROM locations WHERE org_id = $1 AND is_headquarters")
                .bind(acme)
                .fetch_one(&app.db)
                .await
                .unwrap();
        hq.to_string()
    } else if path.starts_with("/control/{org}/workspaces/") {
        let oldest: uuid::Uuid = sqlx::query_scalar(
            "WITH made AS (
                 INSERT INTO workspaces (id, org_id, location_id, name, kind, extension, created_at)
                 SELECT gen_random_uuid(), $1, l.id, 'Spare phone', 'other', '1999', now()
                 FROM locations l WHERE l.org_id = $1 AND l.is_headquarters
                   AND NOT EXISTS (SELECT 1 FROM workspaces WHERE org_id = $1)
                 RETURNING id)
             SELECT id FROM made
             UNION ALL (SELECT id FROM workspaces WHERE org_id = $1 ORDER BY created_at, id LIMIT 1)
             LIMIT 1",
        )
        .bind(acme)
        .fetch_one(&app.db)
        .await
        .unwrap();
        oldest.to_string()
    } else if path.starts_with("/v1/wholesale/subscribers/") {
        let oldest: Option<uuid::Uuid> = sqlx::query_scalar(
            "SELECT id FROM subscribers WHERE customer_org_id = $1 ORDER BY created_at, id LIMIT 1",
        )
        .bind(acme)
        .fetch_optional(&app.db)
        .await
        .unwrap();
        oldest.unwrap_or_else(uuid::Uuid::new_v4).to_string()
    } else if path.starts_with("/partner/billing/")
        || path.starts_with("/v1/wholesale/billing/reports/")
        || path.starts_with("/billing/reports/")
    {
        northwind_report(app, northwind).await.to_string()
    } else if path.starts_with("/partner/settings/sso/oidc/") {
        northwind_idp(app, northwind, "oidc").await.to_string()
    } else if path.starts_with("/partner/settings/sso/") {
        northwind_idp(app, northwind, "saml").await.to_string()
    } else if path.starts_with("/login/sso/saml/") {
        northwind.to_string()
    } else if path.starts_with("/login/sso/oidc/") {
        northwind_idp(app, northwind, "oidc").await.to_string()
    } else if path.starts_with("/partner/settings/api-tokens/") {
        token_id_of(app, PARTNER_ADMIN).await.to_string()
    } else if path.starts_with("/partner/indirect-providers") {
        southwind.to_string()
    } else if path.starts_with("/partner/templates") {
        template.to_string()
    } else if path.starts_with("/partner/jobs") {
        job.to_string()
    } else {
        acme.to_string()
    };
    let carla: uuid::Uuid = sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(CUSTOMER_ADMIN)
        .fetch_one(&app.db)
        .await
        .unwrap();
    path.replace("{id}", &id)
        .replace("{org}", &acme.to_string())
        .replace("{person}", &carla.to_string())
}

/// A completed billing report of Northwind's, made when none is left.
pub(crate) async fn northwind_report(app: &TestApp, northwind: uuid::Uuid) -> uuid::Uuid {
    sqlx::query_scalar(
        "WITH made AS (
             INSERT INTO billing_reports (id, partner_org_id, start_date, end_date, type, status, progress,
                                          created_at, row_count, download_key)
             SELECT gen_random_uuid(), $1, current_date - 30, current_date - 2, 'PARTNER', 'COMPLETED', 100,
                    now(), 0, '\\x00'
             WHERE NOT EXISTS (SELECT 1 FROM billing_reports WHERE partner_org_id = $1 AND deleted_at IS NULL)
             RETURNING id)
         SELECT id FROM made
         UNION ALL (SELECT id FROM billing_reports WHERE partner_org_id = $1 AND deleted_at IS NULL
                    ORDER BY created_at, id LIMIT 1)
         LIMIT 1",
    )
    .bind(northwind)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// One of Northwind's IdPs of `kind`, made on first use.
async fn northwind_idp(app: &TestApp, northwind: uuid::Uuid, kind: &str) -> uuid::Uuid {
    if let Some(id) = sqlx::query_scalar(
        "SELECT id FROM identity_providers WHERE partner_org_id = $1 AND kind = $2",
    )
    .bind(northwind)
    .bind(kind)
    .fetch_optional(&app.db)
    .await
    .unwrap()
    {
        return id;
    }
    let id = uuid::Uuid::new_v4();
    let metadata = saml_metadata_for(
        "https://idp.northwind.example/saml",
        "https://idp.northwind.example/sso",
    );
    let saml = kind == "saml";
    let some = |v: &str, when: bool| when.then(|| v.to_string());
    sqlx::query(
        "INSERT INTO identity_providers (id, partner_org_id, kind, name, saml_entity_id, saml_sso_url,
             saml_certificates, saml_metadata, oidc_client_id, oidc_client_secret_enc, oidc_scopes,
             oidc_discovery_endpoint)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)",
    )
    .bind(id)
    .bind(northwind)
    .bind(kind)
    .bind(format!("{kind}-{id}"))
    .bind(some("https://idp.northwind.example/saml", saml))
    .bind(some("https://idp.northwind.example/sso", saml))
    .bind(if saml { vec![pem_body(IDP_CERT)] } else { vec![] })
    .bind(some(&metadata, saml))
    .bind(some("hub", !saml))
    .bind((!saml).then(|| vec![0u8; 1]))
    .bind(some("openid email", !saml))
    .bind(some("https://idp.northwind.example/.well-known/openid-configuration", !saml))
    .execute(&app.db)
    .await
    .unwrap();
    id
}

fn classify(status: StatusCode, location: &str) -> Want {
    match status.as_u16() {
        401 => Unauthorized,
        403 => Refused,
        404 => Missing,
        300..=399
            if location.starts_with("/login") && !location.starts_with("/login/no-access") =>
        {
            Login
        }
        // Past the policy: served, or refused for what was sent (400) or for the state
        // the object is in (409), which is not an authorization answer.
        200..=399 | 400 | 409 => Ok,
        s => panic!("unexpected status {s}"),
    }
}

/// What every row starts from: a database with every visitor signed in, their session
/// cookies and their API tokens.
struct Prepared {
    template: String,
    cookies: HashMap<&'static str, String>,
    tokens: HashMap<&'static str, String>,
}

fn client_with_jar(jar: Arc<Jar>) -> Client {
    Client::builder()
        .cookie_provider(jar)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

async fn prepare() -> Prepared {
    let app = spawn_app().await;
    let url: reqwest::Url = app.url("/").parse().unwrap();
    let mut cookies = HashMap::new();
    let mut tokens = HashMap::new();
    for v in VISITORS.into_iter().filter(|v| *v != "anonymous") {
        tokens.insert(v, token_for(&app, v).await);
        let jar = Arc::new(Jar::default());
        let r = app
            .login_with(&client_with_jar(jar.clone()), v, DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "sign-in as {v}");
        let cookie = jar.cookies(&url).expect("a session cookie");
        cookies.insert(v, cookie.to_str().unwrap().to_string());
    }
    Prepared {
        template: into_template(app).await,
        cookies,
        tokens,
    }
}

/// A new client of `app` holding the prepared session cookie (none when anonymous).
fn visitor_client(app: &TestApp, cookie: Option<&str>) -> Client {
    let jar = Arc::new(Jar::default());
    let url: reqwest::Url = app.url("/").parse().unwrap();
    for c in cookie.into_iter().flat_map(|c| c.split("; ")) {
        jar.add_cookie_str(c, &url);
    }
    client_with_jar(jar)
}

/// Checks one row on its own copy of the prepared database, so no row sees what
/// another did (a deletion, a changed setting, a session signed out or cross-launched).
/// Returns its mismatches.
async fn check_row(
    prepared: Arc<Prepared>,
    method: Method,
    route: &'static str,
    wants: [Want; 7],
) -> Vec<String> {
    let app = spawn_copy_of(&prepared.template).await;
    let mut failures = vec![];
    for (i, visitor) in VISITORS.iter().enumerate() {
        let client = visitor_client(&app, prepared.cookies.get(visitor).map(String::as_str));
        let path = fill(&app, route).await;
        let response = if route.starts_with("/v1/") {
            // The API: the visitor's bearer token, never the session cookie.
            let mut req = new_client().request(method.clone(), app.url(&path));
            if let Some(token) = prepared.tokens.get(visitor) {
                req = req.bearer_auth(token);
            }
            req.send().await.unwrap()
        } else if method == Method::POST {
            // A valid CSRF token, so that what is tested here is the policy.
            let token = app.csrf_of(&client).await;
            // Keeps restricted mode as seeded for the visitors after this one.
            let form = [
                ("csrf_token", token.as_str()),
                ("email", "x@example.com"),
                ("password", "x"),
                ("name", "Acme Dental"),
                ("restricted_by_partner", "on"),
            ];
            client
                .post(app.url(&path))
                .form(&form)
                .send()
                .await
                .unwrap()
        } else {
            client.get(app.url(&path)).send().await.unwrap()
        };
        let got = classify(response.status(), &location(&response));
        let want = wants[i];
        let acceptable = got == want || (want == Public && matches!(got, Ok | Unauthorized));
        if !acceptable {
            failures.push(format!(
                "{method} {route} as {visitor}: want {want:?}, got {got:?} ({})",
                response.status()
            ));
        }
    }
    discard(app).await;
    failures
}

/// Rows checked at once (each on its own app and database).
const ROWS_AT_ONCE: usize = 3;

#[tokio::test]
async fn every_route_answers_each_visitor_as_the_policy_says() {
    let prepared = Arc::new(prepare().await);
    let slots = Arc::new(Semaphore::new(ROWS_AT_ONCE));
    let mut rows = JoinSet::new();
    for (method, route, wants) in table() {
        let (prepared, slots) = (prepared.clone(), slots.clone());
        rows.spawn(async move {
            let _slot = slots.acquire_owned().await.unwrap();
            check_row(prepared, method, route, wants).await
        });
    }
    let mut failures: Vec<String> = rows.join_all().await.into_iter().flatten().collect();
    drop_database(&prepared.template).await;
    failures.sort();
    assert!(
        failures.is_empty(),
        "{} mismatches:\n{}",
        failures.len(),
        failures.join("\n")
    );
}

#[tokio::test]
async fn a_sub_partner_never_sees_its_parent_or_the_parents_customers() {
    let app = spawn_app().await;
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let list = app.page(&reseller, "/partner/customers").await;
    assert!(list.contains("Aurora Salon"), "its own customer is listed");
    assert!(
        !list.contains("Acme Dental"),
        "a parent's customer must not be listed"
    );
    assert!(list.contains("5 customers"));
    let overview = app.page(&reseller, "/partner").await;
    assert!(
        !overview.contains("Northwind"),
        "the parent's name must not appear"
    );
    let acme = app.org_id("Acme Dental").await;
    for path in [
        format!("/partner/customers/{acme}"),
        format!("/control/{acme}/users"),
    ] {
        assert_eq!(
            app.get_with(&reseller, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_partner_reaches_its_sub_partners_customers_only_through_cross_launch() {
    let app = spawn_app().await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let aurora = app.org_id("Aurora Salon").await;
    let southwind = app.org_id("Southwind Reseller").await;
    assert_eq!(
        app.get_with(&admin, &format!("/partner/customers/{aurora}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    assert_eq!(app.cross_launch(&admin).await, southwind);
    let overview = app.page(&admin, "/partner").await;
    assert!(overview.contains("You are in the Partner Hub of <strong>Southwind Reseller</strong>"));
    assert_eq!(
        app.get_with(&admin, &format!("/partner/customers/{aurora}"))
            .await
            .status(),
        StatusCode::OK
    );
    // Reports are unavailable while cross-launched (SPEC §11).
    assert_eq!(
        app.get_with(&admin, "/partner/billing").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(app.audit_count("cross_launch.enter", "success").await, 1);

    let r = app.post_form_with(&admin, "/partner/return", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        app.get_with(&admin, &format!("/partner/customers/{aurora}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("cross_launch.leave", "success").await, 1);
}

#[tokio::test]
async fn refusals_are_audited_with_the_actor() {
    let app = spawn_app().await;
    let ro = app.client_for(PARTNER_READONLY).await;
    let acme = app.org_id("Acme Dental").await;
    let r = app
        .post_form_with(
            &ro,
            &format!("/partner/customers/{acme}/global-settings"),
            &[("restricted_by_partner", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let (email, detail) = app.last_denial().await;
    assert_eq!(email.as_deref(), Some(PARTNER_READONLY));
    assert_eq!(
        detail["path"],
        format!("/partner/customers/{acme}/global-settings")
    );
    let restricted: bool =
        sqlx::query_scalar("SELECT restricted_by_partner FROM orgs WHERE id = $1")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(restricted, "a refused request changes nothing");
}
