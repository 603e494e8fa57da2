//! Setup-assist requests: prefilled per location, the SKU from the seats, and the
//! six-business-days rule.

use reqwest::StatusCode;
use time::Duration;

use crate::common::*;

async fn hq(app: &TestApp, customer: uuid::Uuid) -> uuid::Uuid {
    sqlx::query_scalar("SELECT id FROM locations WHERE org_id = $1 AND is_headquarters")
        .bind(customer)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn the_form_is_prefilled_and_the_sku_follows_the_seats() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let html = app
        .page(&c, &format!("/partner/customers/{acme}/setup-assist"))
        .await;
    let northwind = app.org_id("Northwind Telecom").await;
    let location = hq(&app, acme).await;
    for fact in [
        northwind.to_string(),
        acme.to_string(),
        location.to_string(),
        "Sub-NW-100001".to_string(),
    ] {
        assert!(html.contains(&fact), "{fact}");
    }
    let seats: i64 = sqlx::query_scalar(
        "SELECT (SELECT count(*) FROM subscribers WHERE location_id = $1) + (SELECT count(*) FROM workspaces WHERE location_id = $1)",
    )
    .bind(location)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let expected = if seats <= 5 { "Express" } else { "Standard" };
    assert!(
        html.contains(&format!(r#"data-testid="sku">{expected}<"#)),
        "{seats} seats → {expected}"
    );
}

#[tokio::test]
async fn a_request_needs_six_business_days_of_notice() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let location = hq(&app, acme).await.to_string();
    let c = app.client_for(PARTNER_ADMIN).await;
    let path = format!("/partner/customers/{acme}/setup-assist");
    let today = app.clock.now().date();
    let too_soon = (today + Duration::days(3)).to_string();
    let r = app
        .post_form_with(
            &c,
            &path,
            &[
                ("location_id", &location),
                ("planned_onboarding_date", &too_soon),
            ],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        html.contains("at least 6 business days")
            && html.contains(&format!(r#"value="{too_soon}""#))
    );
    let r = app
        .post_form_with(
            &c,
            &path,
            &[("location_id", &location), ("planned_onboarding_date", "")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);

    let fine = (today + Duration::days(14)).to_string();
    let r = app
        .post_form_with(
            &c,
            &path,
            &[
                ("location_id", &location),
                ("planned_onboarding_date", &fine),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (sku, planned): (String, time::Date) = sqlx::query_as(
        "SELECT sku, planned_onboarding_date FROM setup_assist_requests WHERE customer_org_id = $1",
    )
    .bind(acme)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(sku == "EXPRESS" || sku == "STANDARD");
    assert_eq!(planned.to_string(), fine);
    let html = app.page(&c, &path).await;
    assert!(html.contains("Setup assist requested.") && html.contains(&fine));
}

#[tokio::test]
async fn only_the_onboarding_partner_may_request_and_read_only_admins_may_not() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let location = hq(&app, acme).await.to_string();
    let path = format!("/partner/customers/{acme}/setup-assist");
    let date = (app.clock.now().date() + Duration::days(20)).to_string();
    let ro = app.client_for(PARTNER_READONLY).await;
    let html = app.page(&ro, &path).await;
    assert!(
        !html.contains("Request setup assist"),
        "no mutating control for read-only"
    );
    let r = app
        .post_form_with(
            &ro,
            &path,
            &[
                ("location_id", &location),
                ("planned_onboarding_date", &date),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let r = app
        .post_form_with(
            &reseller,
            &path,
            &[
                ("location_id", &location),
                ("planned_onboarding_date", &date),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    // A location of another customer is not this customer's.
    let other = hq(&app, app.org_id("Bluebird Bakery").await)
        .await
        .to_string();
    let admin = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &admin,
            &path,
            &[("location_id", &other), ("planned_onboarding_date", &date)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let n: i64 = sqlx::query_scalar("SELECT count(*) FROM setup_assist_requests")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(n, 0);
}

#[tokio::test]
async fn the_api_files_and_lists_requests_with_the_same_rules() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let location = hq(&app, acme).await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let url = app.url(&format!("/v1/wholesale/customers/{acme}/setupAssist"));
    let client = new_client();
    let too_soon = (app.clock.now().date() + Duration::days(2)).to_string();
    let r = client
        .post(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({ "locationId": location, "plannedOnboardingDate": too_soon }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: serde_json::Value = r.json().await.unwrap();
    assert!(
        body["errors"][0]["description"]
            .as_str()
            .unwrap()
            .contains("business days")
    );
    let fine = (app.clock.now().date() + Duration::days(30)).to_string();
    let r = client
        .post(&url)
        .bearer_auth(&token)
        .json(&serde_json::json!({ "locationId": location, "plannedOnboardingDate": fine }))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::CREATED);
    let created: serde_json::Value = r.json().await.unwrap();
    assert_eq!(created["customerOrgId"], acme.to_string());
    assert_eq!(created["subscriptionId"], "Sub-NW-100001");
    assert!(created["sku"] == "EXPRESS" || created["sku"] == "STANDARD");
    let list: serde_json::Value = client
        .get(&url)
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(list["items"].as_array().unwrap().len(), 1);
    assert_eq!(list["items"][0]["plannedOnboardingDate"], fine);
}
