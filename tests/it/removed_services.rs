//! A customer whose partner removed its wholesale services: its admins are told so where
//! a sign-in and every home link lead, and none of its Control Hub opens.

use reqwest::{Client, StatusCode};
use uuid::Uuid;

use crate::common::*;

const REMOVED: &str = "/login/services-removed";

/// The partner removes Acme Dental's services (and the job finishes the removal when
/// `finish` is set).
async fn remove_acme(app: &TestApp, finish: bool) -> Uuid {
    let acme = app.org_id("Acme Dental").await;
    let partner = app.client_for(PARTNER_ADMIN).await;
    if finish {
        app.remove_customer(&partner, acme).await;
    } else {
        app.start_customer_removal(&partner, acme).await;
    }
    acme
}

/// What a removed customer's admin sees everywhere they may go.
async fn assert_told_and_shut_out(app: &TestApp, c: &Client, acme: Uuid) {
    let r = app.get_with(c, REMOVED).await;
    let html = html_of(r, StatusCode::OK).await;
    assert!(html.contains("Your organisation's services were removed"));
    assert!(html.contains("contact your provider"));
    assert!(html.contains(r#"<form method="post" action="/logout">"#));
    assert!(html.contains(CUSTOMER_ADMIN));
    // The root (every error page's home link) leads here, not back to a 404.
    assert_eq!(location(&app.get_with(c, "/").await), REMOVED);
    for section in [
        "",
        "/users",
        "/workspaces",
        "/locations",
        "/account",
        "/settings",
    ] {
        let r = app.get_with(c, &format!("/control/{acme}{section}")).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "/control/{{acme}}{section}"
        );
        assert_eq!(location(&r), REMOVED, "/control/{{acme}}{section}");
    }
    let r = app
        .post_form_with(c, &format!("/control/{acme}/account"), &[("name", "Mine")])
        .await;
    assert_eq!(location(&r), REMOVED);
    let name: String = sqlx::query_scalar("SELECT name FROM orgs WHERE id = $1")
        .bind(acme)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(name, "Acme Dental");
}

#[tokio::test]
async fn a_removed_customers_admin_signs_in_to_a_page_that_says_so() {
    let app = spawn_app().await;
    let acme = remove_acme(&app, true).await;
    let c = new_client();
    let r = app.login_with(&c, CUSTOMER_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), REMOVED);
    assert_told_and_shut_out(&app, &c, acme).await;

    // Asked for a Control Hub page while signed out, they land on it too.
    let c = new_client();
    let next = format!("/control/{acme}/users");
    let r = app
        .post_form_with(
            &c,
            "/login/password",
            &[
                ("email", CUSTOMER_ADMIN),
                ("password", DEMO_PASSWORD),
                ("next", &next),
            ],
        )
        .await;
    assert_eq!(location(&r), next);
    assert_eq!(location(&app.get_with(&c, &next).await), REMOVED);

    // Signing out works from there.
    let r = app.post_form_with(&c, "/logout", &[]).await;
    assert_eq!(location(&r), "/login?signed_out=1");
    assert!(location(&app.get_with(&c, REMOVED).await).starts_with("/login?"));
}

#[tokio::test]
async fn a_customer_being_removed_is_already_shut_for_its_admins_but_not_its_partner() {
    let app = spawn_app().await;
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let acme = remove_acme(&app, false).await;
    assert_told_and_shut_out(&app, &customer, acme).await;
    // The partner still looks at the customer it is removing.
    let partner = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .get_with(&partner, &format!("/control/{acme}/users"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
}

#[tokio::test]
async fn admins_with_services_are_sent_home_from_the_removed_page() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    assert_eq!(
        location(&app.get_with(&customer, REMOVED).await),
        format!("/control/{acme}")
    );
    let partner = app.client_for(PARTNER_ADMIN).await;
    assert_eq!(location(&app.get_with(&partner, REMOVED).await), "/partner");
}
