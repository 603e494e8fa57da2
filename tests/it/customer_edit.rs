//! Editing and removing a customer from its page.

use reqwest::StatusCode;

use crate::common::*;

#[tokio::test]
async fn the_edit_form_replaces_the_package_list_and_keeps_input_on_errors() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let bluebird = app.org_id("Bluebird Bakery").await;
    let path = format!("/partner/customers/{bluebird}/edit");
    let html = app.page(&c, &path).await;
    assert!(
        html.contains(r#"value="webex_calling" checked"#) && html.contains(r#"value="EXT-01001""#)
    );

    // Too long an address line: refused beside the field, nothing changes.
    let long = "y".repeat(51);
    let r = app
        .post_form_with(
            &c,
            &path,
            &[
                ("external_id", "EXT-NEW"),
                ("package", "webex_calling"),
                ("package", "webex_meetings"),
                ("package", "common_area_calling"),
                ("line1", &long),
                ("city", "Springfield"),
                ("state", "IL"),
                ("zip", "62701"),
                ("country", "US"),
            ],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("at most 50 characters") && html.contains(r#"value="EXT-NEW""#));

    // Adding Webex Suite and keeping the rest.
    let r = app
        .post_form_with(
            &c,
            &path,
            &[
                ("external_id", "EXT-NEW"),
                ("package", "webex_calling"),
                ("package", "webex_meetings"),
                ("package", "common_area_calling"),
                ("package", "webex_suite"),
                ("line1", "11 Main Street"),
                ("city", "Springfield"),
                ("state", "IL"),
                ("zip", "62701"),
                ("country", "US"),
            ],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap_or_default()
    );
    app.run_due_jobs().await;
    assert_eq!(
        app.org_status(bluebird).await.as_deref(),
        Some("provisioned")
    );
    let packages: Vec<String> = sqlx::query_scalar(
        "SELECT package FROM customer_packages WHERE org_id = $1 ORDER BY package",
    )
    .bind(bluebird)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        packages,
        [
            "common_area_calling",
            "webex_calling",
            "webex_meetings",
            "webex_suite"
        ]
    );
    let external: Option<String> = sqlx::query_scalar("SELECT external_id FROM orgs WHERE id = $1")
        .bind(bluebird)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(external.as_deref(), Some("EXT-NEW"));
}

#[tokio::test]
async fn removing_a_customer_needs_confirmation_and_keeps_the_org_record() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let pine = app.org_id("Pine Hardware").await;
    let r = app
        .post_form_with(&c, &format!("/partner/customers/{pine}/delete"), &[])
        .await;
    assert_eq!(location(&r), format!("/partner/customers/{pine}"));
    let deleted: bool = sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM orgs WHERE id = $1")
        .bind(pine)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert!(!deleted, "nothing happens without the confirmation");
    app.remove_customer(&c, pine).await;
    assert!(
        !app.page(&c, "/partner/customers?q=pine")
            .await
            .contains("Pine Hardware")
    );
    assert_eq!(
        app.get_with(&c, &format!("/partner/customers/{pine}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let (rows, packages): (i64, i64) = sqlx::query_as(
        "SELECT (SELECT count(*) FROM orgs WHERE id = $1), (SELECT count(*) FROM customer_packages WHERE org_id = $1)",
    )
    .bind(pine)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (rows, packages),
        (1, 0),
        "the org record stays, its wholesale services go"
    );
}

#[tokio::test]
async fn read_only_admins_cannot_edit_or_remove() {
    let app = spawn_app().await;
    let ro = app.client_for(PARTNER_READONLY).await;
    let acme = app.org_id("Acme Dental").await;
    assert_eq!(
        app.get_with(&ro, &format!("/partner/customers/{acme}/edit"))
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .post_form_with(
            &ro,
            &format!("/partner/customers/{acme}/delete"),
            &[("confirm", "yes")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = app.page(&ro, &format!("/partner/customers/{acme}")).await;
    assert!(!html.contains("Remove wholesale services") && !html.contains("edit-customer"));
}
