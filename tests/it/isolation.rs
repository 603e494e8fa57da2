//! The isolation of SPEC §1 over every route and API endpoint the router registers,
//! generated from the router: each visitor tries each route filled with the objects of
//! a tenant that is not theirs to reach, and is answered 403 or 404 — pages with its
//! session, `/v1` with its own API token.
//!
//! | visitor                                  | Northwind's objects (parent) | Southwind's objects (child / sibling) |
//! |------------------------------------------|------------------------------|----------------------------------------|
//! | Northwind full + wholesale admin         | own (`authz`)                | only through cross-launch              |
//! | Northwind full admin without wholesale   | own (`authz`)                | never                                  |
//! | Northwind read-only / wholesale admin    | own (`authz`)                | never                                  |
//! | Southwind admin (the sub-partner)        | never (its parent)           | own (`authz`, `sub_partners`)          |
//! | Eastwind admin (a sibling)               | never                        | never                                  |
//! | another partner's admin (foreign)        | never                        | never                                  |
//! | a customer admin (Acme Dental)           | own org only (`authz`)       | never                                  |

use reqwest::{Method, StatusCode};
use uuid::Uuid;

use crate::common::*;
use crate::sub_partners::SouthwindObjects;

const EASTWIND_ADMIN: &str = "reseller.admin@eastwind.example";
const FOREIGN_ADMIN: &str = "admin@contoso-telco.example";

/// A partner of its own beside Northwind, with one full + wholesale admin who signs in
/// with the demo password.
async fn foreign_partner(app: &TestApp) {
    let org = Uuid::new_v4();
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, country, created_at, updated_at)
         VALUES ($1, 'partner', 'Contoso Telco', 'US', now(), now())",
    )
    .bind(org)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "WITH p AS (INSERT INTO people (id, org_id, email, first_name, last_name, password_hash)
                    SELECT gen_random_uuid(), $1, $2, 'Connie', 'Soto', password_hash FROM people WHERE email = $3
                    RETURNING id)
         INSERT INTO role_assignments (person_id, org_id, role)
         SELECT p.id, $1, r FROM p, unnest(ARRAY['partner_full_admin', 'wholesale_admin']) r",
    )
    .bind(org)
    .bind(FOREIGN_ADMIN)
    .bind(PARTNER_ADMIN)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Tries every route `fill` gives a path for, as `who`; asserts each is refused (403 or
/// 404). Returns how many routes were tried.
pub(crate) async fn refused_everywhere(
    app: &TestApp,
    who: &str,
    fill: &(dyn Fn(&str) -> Option<String> + Sync),
) -> usize {
    let client = app.client_for(who).await;
    let token = token_for(app, who).await;
    let mut tried = 0;
    for (method, route) in app.routes.clone() {
        let Some(path) = fill(route) else {
            continue;
        };
        let r = if path.starts_with("/v1/") {
            let body = (method != Method::GET).then(|| serde_json::json!({}));
            app.api_call(Some(&token), method.clone(), &path, body.as_ref())
                .await
        } else if method == Method::GET {
            app.get_with(&client, &path).await
        } else {
            app.post_form_with(&client, &path, &[]).await
        };
        let status = r.status();
        assert!(
            [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&status),
            "{method} {path} as {who} answered {status} ({:?})",
            r.headers().get("location")
        );
        tried += 1;
    }
    tried
}

/// Northwind's objects on a route (`authz::fill`: Acme Dental, its user, location,
/// subscriber, template, job, token, the Southwind row it manages), for routes that
/// take a tenant object.
async fn northwind_paths(app: &TestApp) -> Vec<(String, String)> {
    let mut out = vec![];
    for (_, route) in app.routes.clone() {
        if !route.contains('{')
            || route.starts_with("/login/")
            || route.starts_with("/static")
            || route.starts_with("/partner/settings/sso/")
        {
            continue;
        }
        out.push((route.to_string(), crate::authz::fill(app, route).await));
    }
    out
}

#[tokio::test]
async fn no_sub_partner_or_foreign_partner_reaches_the_parents_objects() {
    let app = spawn_app().await;
    foreign_partner(&app).await;
    let paths = northwind_paths(&app).await;
    let fill = move |route: &str| {
        paths
            .iter()
            .find(|(r, _)| r == route)
            .map(|(_, p)| p.clone())
    };
    for who in [RESELLER_ADMIN, EASTWIND_ADMIN, FOREIGN_ADMIN] {
        let tried = refused_everywhere(&app, who, &fill).await;
        assert!(tried >= 40, "only {tried} routes tried as {who}");
    }
    // Nothing of Northwind's changed.
    let acme = app.org_id("Acme Dental").await;
    assert!(!app.org_deleted(acme).await);
    assert_eq!(app.org_status(acme).await.as_deref(), Some("provisioned"));
    discard(app).await;
}

#[tokio::test]
async fn a_sub_partners_objects_are_reached_by_its_parent_only_through_cross_launch() {
    let app = spawn_app().await;
    foreign_partner(&app).await;
    let objects = SouthwindObjects::load(&app).await;
    let all = |route: &str| objects.fill(route);
    // Managing the sub-partner itself (launch, suspend, invite) is the parent's full +
    // wholesale admin's: its other routes still refuse Southwind's objects.
    let not_indirect = |route: &str| {
        (!route.starts_with("/partner/indirect-providers/"))
            .then(|| objects.fill(route))
            .flatten()
    };
    let tried = refused_everywhere(&app, PARTNER_ADMIN, &not_indirect).await;
    assert!(tried >= 40, "only {tried} routes tried");
    for who in [
        OPERATIONS_LEAD,
        PARTNER_READONLY,
        WHOLESALE_ADMIN,
        EASTWIND_ADMIN,
        FOREIGN_ADMIN,
        CUSTOMER_ADMIN,
    ] {
        let tried = refused_everywhere(&app, who, &all).await;
        assert!(tried >= 40, "only {tried} routes tried as {who}");
    }

    // Through cross-launch the parent's full + wholesale admin reaches them.
    let parent = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &parent,
            &format!("/partner/indirect-providers/{}/launch", objects.southwind),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let mut opened = 0;
    for (method, route) in app.routes.clone() {
        if method != Method::GET
            || route.starts_with("/v1/")
            || route.starts_with("/partner/indirect-providers/")
        {
            continue;
        }
        if let Some(path) = objects.fill(route)
            && app.get_with(&parent, &path).await.status() == StatusCode::OK
        {
            opened += 1;
        }
    }
    assert!(
        opened >= 15,
        "only {opened} of Southwind's pages open for its cross-launched parent"
    );
    discard(app).await;
}
