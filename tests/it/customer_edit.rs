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

/// The packages a customer holds, in order.
async fn packages_of(app: &TestApp, id: uuid::Uuid) -> Vec<String> {
    sqlx::query_scalar(
        "SELECT package FROM customer_packages WHERE org_id = $1 AND status <> 'deleting' ORDER BY package",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// How many users and workspaces hold `package` in customer `id`.
async fn assigned(app: &TestApp, id: uuid::Uuid, package: &str) -> i64 {
    sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM subscribers WHERE customer_org_id = $1 AND package = $2)
              + (SELECT count(*) FROM workspaces WHERE org_id = $1 AND package = $2)",
    )
    .bind(id)
    .bind(package)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

/// The table row of `package` in a page's package table.
fn row_of<'a>(html: &'a str, marker: &str) -> &'a str {
    let at = html
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker} in:\n{html}"));
    let end = html[at..].find("</tr>").map_or(html.len(), |e| at + e);
    &html[at..end]
}

#[tokio::test]
async fn the_edit_and_detail_pages_show_the_assigned_count_beside_each_quantity() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let bluebird = app.org_id("Bluebird Bakery").await;
    sqlx::query("UPDATE orgs SET package_quantity_enabled = true WHERE id = $1")
        .bind(bluebird)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query("UPDATE customer_packages SET quantity = 40 WHERE org_id = $1")
        .bind(bluebird)
        .execute(&app.db)
        .await
        .unwrap();
    let calling = assigned(&app, bluebird, "webex_calling").await;
    assert!(calling > 0, "the demo customer has calling users");

    let edit = app
        .page(&c, &format!("/partner/customers/{bluebird}/edit"))
        .await;
    let row = row_of(&edit, r#"<tr data-package="webex_calling">"#);
    assert!(
        row.contains(r#"name="quantity_webex_calling""#) && row.contains(r#"value="40""#),
        "{row}"
    );
    assert!(
        row.contains(&format!(
            r#"data-testid="assigned-webex_calling">{calling}<"#
        )),
        "the assigned count sits in the quantity's row: {row}"
    );
    // A package the customer does not hold has nothing assigned to show.
    let suite = row_of(&edit, r#"<tr data-package="webex_suite">"#);
    assert!(suite.contains("—"), "{suite}");
    // The rule as it is: lowered, but never below what is assigned.
    assert!(edit.contains("never below the number already assigned"));
    assert!(!edit.contains("can only be raised"));

    let detail = app
        .page(&c, &format!("/partner/customers/{bluebird}"))
        .await;
    let row = row_of(&detail, "<tr><td>Webex Calling</td>");
    assert!(
        row.contains(&format!(r#"<td class="num">{calling}</td>"#)) && row.contains("40"),
        "{row}"
    );

    // Below the assigned count: refused, naming the count; nothing changes.
    let below = (calling - 1).to_string();
    let r = app
        .post_form_with(
            &c,
            &format!("/partner/customers/{bluebird}/edit"),
            &[
                ("external_id", "EXT-01001"),
                ("package", "webex_calling"),
                ("package", "webex_meetings"),
                ("package", "common_area_calling"),
                ("quantity_webex_calling", &below),
                ("quantity_webex_meetings", "40"),
                ("quantity_common_area_calling", "40"),
                ("line1", "11 Main Street"),
                ("city", "Springfield"),
                ("state", "IL"),
                ("zip", "10037"),
                ("country", "US"),
            ],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        html.contains(&format!("the quantity cannot be lower than {calling}")),
        "{html}"
    );
    assert_eq!(
        app.org_status(bluebird).await.as_deref(),
        Some("provisioned")
    );
}

#[tokio::test]
async fn unticking_a_package_removes_it_only_once_the_removal_is_confirmed() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let bluebird = app.org_id("Bluebird Bakery").await;
    let path = format!("/partner/customers/{bluebird}/edit");
    // Webex Suite, held and assigned to nobody, so nothing else stops its removal.
    sqlx::query(
        "INSERT INTO customer_packages (org_id, package, status) VALUES ($1, 'webex_suite', 'provisioned')",
    )
    .bind(bluebird)
    .execute(&app.db)
    .await
    .unwrap();
    let before = packages_of(&app, bluebird).await;
    assert_eq!(
        before,
        [
            "common_area_calling",
            "webex_calling",
            "webex_meetings",
            "webex_suite"
        ]
    );
    assert_eq!(assigned(&app, bluebird, "webex_suite").await, 0);
    let edit = app.page(&c, &path).await;
    assert!(
        !edit.contains(r#"data-testid="confirm-removal""#),
        "nothing to confirm before anything is unticked"
    );
    let form = |confirm: Option<&'static str>| {
        let mut f = vec![
            ("external_id", "EXT-RENAMED"),
            ("package", "common_area_calling"),
            ("package", "webex_calling"),
            ("package", "webex_meetings"),
            ("line1", "11 Main Street"),
            ("city", "Springfield"),
            ("state", "IL"),
            ("zip", "10037"),
            ("country", "US"),
        ];
        if let Some(p) = confirm {
            f.push(("confirm_remove", p));
        }
        f
    };

    // Webex Suite left unticked, no confirmation: asked, and nothing changes.
    let r = app.post_form_with(&c, &path, &form(None)).await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains(r#"data-testid="confirm-removal""#), "{html}");
    assert!(
        html.contains("Confirm that Webex Suite should be removed"),
        "{html}"
    );
    assert!(html.contains(r#"name="confirm_remove" value="webex_suite""#));
    assert!(
        html.contains(r#"value="EXT-RENAMED""#),
        "what was typed is kept"
    );
    assert_eq!(packages_of(&app, bluebird).await, before);
    assert_eq!(
        app.org_status(bluebird).await.as_deref(),
        Some("provisioned")
    );
    let external: Option<String> = sqlx::query_scalar("SELECT external_id FROM orgs WHERE id = $1")
        .bind(bluebird)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        external.as_deref(),
        Some("EXT-01001"),
        "nothing else changed"
    );

    // Confirming another package confirms nothing of this one.
    let r = app
        .post_form_with(&c, &path, &form(Some("webex_voice")))
        .await;
    html_of(r, StatusCode::BAD_REQUEST).await;
    assert_eq!(packages_of(&app, bluebird).await, before);

    // Confirmed: removed.
    let r = app
        .post_form_with(&c, &path, &form(Some("webex_suite")))
        .await;
    assert_eq!(location(&r), format!("/partner/customers/{bluebird}"));
    app.run_due_jobs().await;
    assert_eq!(
        packages_of(&app, bluebird).await,
        ["common_area_calling", "webex_calling", "webex_meetings"]
    );
}

#[tokio::test]
async fn a_us_or_canadian_billing_address_needs_its_state_and_postal_code_on_the_edit_page() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let cedar = app.org_id("Cedar Law Partners").await;
    let path = format!("/partner/customers/{cedar}/edit");
    let edit = app.page(&c, &path).await;
    assert!(
        edit.contains(r#"name="state" value="ON""#),
        "the stored province is shown"
    );
    let r = app
        .post_form_with(
            &c,
            &path,
            &[
                ("external_id", "EXT-CEDAR"),
                ("package", "webex_calling"),
                ("package", "webex_meetings"),
                ("package", "common_area_calling"),
                ("line1", "1 Bay Street"),
                ("city", "Toronto"),
                ("state", "ON"),
                ("zip", " "),
                ("country", "CA"),
            ],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        html.contains(r#"<p class="field-error" id="zip-error">Enter the postal code: addresses in Canada need one.</p>"#),
        "the message sits beside the postal code: {html}"
    );
    assert!(!html.contains(r#"id="state-error""#));
    assert!(
        html.contains(r#"value="1 Bay Street""#) && html.contains(r#"value="EXT-CEDAR""#),
        "nothing typed is lost"
    );
    let (line1, external): (Option<String>, Option<String>) =
        sqlx::query_as("SELECT address_line1, external_id FROM orgs WHERE id = $1")
            .bind(cedar)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_ne!(line1.as_deref(), Some("1 Bay Street"));
    assert_ne!(external.as_deref(), Some("EXT-CEDAR"));
    assert_eq!(app.org_status(cedar).await.as_deref(), Some("provisioned"));

    // Another country may leave both out.
    let r = app
        .post_form_with(
            &c,
            &path,
            &[
                ("external_id", "EXT-CEDAR"),
                ("package", "webex_calling"),
                ("package", "webex_meetings"),
                ("package", "common_area_calling"),
                ("line1", "1 Bay Street"),
                ("city", "London"),
                ("country", "GB"),
            ],
        )
        .await;
    assert_eq!(location(&r), format!("/partner/customers/{cedar}"));
}
