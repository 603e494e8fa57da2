//! The restricted-party check: in the background, robust matching, operator review,
//! and deprovisioning after a rejection, three failed contacts or 30 days.

use reqwest::{Client, StatusCode};
use time::Duration;

use crate::common::*;
use crate::wizard::{info, location_step, status_after_jobs};

const OPERATOR: &str = "compliance.operator@operations.example";

/// Creates a customer through the wizard and waits until the jobs have run.
async fn create(app: &TestApp, c: &Client, name: &str, email: &str, country: &str) -> String {
    let pid = app.provisioning_id("Standard SMB (US)").await;
    assert_eq!(
        info(app, c, &pid, name, email, country).await.status(),
        StatusCode::SEE_OTHER
    );
    app.post_form_with(
        c,
        "/partner/customers/new/packages",
        &[("package", "webex_meetings"), ("nav", "next")],
    )
    .await;
    let tz = if country == "FR" {
        "Europe/Paris"
    } else {
        "America/New_York"
    };
    assert_eq!(
        location_step(app, c, "1 Main Street", tz).await.status(),
        StatusCode::SEE_OTHER
    );
    let r = app.post_form_with(c, "/partner/customers/new", &[]).await;
    let id = location(&r).rsplit('/').next().unwrap().to_string();
    // The jobs run: provisioning and the compliance check.
    status_after_jobs(app, c, &id, "provisioning").await;
    let pending: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM compliance_checks WHERE org_id = $1::uuid AND status = 'pending')",
    )
    .bind(&id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(!pending, "the compliance check ran");
    id
}

async fn status(app: &TestApp, id: &str) -> (Option<String>, String) {
    sqlx::query_as("SELECT status, compliance_status FROM orgs WHERE id = $1::uuid")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn check_of(app: &TestApp, id: &str) -> String {
    let check: uuid::Uuid = sqlx::query_scalar(
        "SELECT id FROM compliance_checks WHERE org_id = $1::uuid ORDER BY created_at DESC LIMIT 1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    check.to_string()
}

#[tokio::test]
async fn an_ordinary_name_is_compliant_and_provisioning_never_waits() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let id = create(
        &app,
        &c,
        "Harmless Haberdashery",
        "a@harmless.example",
        "US",
    )
    .await;
    assert_eq!(
        status(&app, &id).await,
        (Some("provisioned".into()), "compliant".into())
    );
}

#[tokio::test]
async fn a_match_is_robust_to_case_punctuation_and_accents_and_waits_for_the_operator() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let a = create(
        &app,
        &c,
        "BLACKSTAR-trading, Ltd.",
        "a@blackstar.example",
        "US",
    )
    .await;
    assert_eq!(
        status(&app, &a).await,
        (Some("pending_rpl_review".into()), "pending_review".into())
    );
    // The sample list names "Société Écarlate" in France.
    let b = create(&app, &c, "Societe Ecarlate", "a@ecarlate.example", "FR").await;
    assert_eq!(status(&app, &b).await.1, "pending_review");
    // The partner sees the status in its list.
    let html = app
        .page(&c, "/partner/customers?status=pending_rpl_review")
        .await;
    assert!(html.contains("BLACKSTAR-trading, Ltd.") && html.contains("Societe Ecarlate"));

    let op = app.client_for(OPERATOR).await;
    let r = app.get_with(&op, "/operator/compliance").await;
    let html = html_of(r, StatusCode::OK).await;
    assert!(html.contains("Blackstar Trading") && html.contains("Northwind Telecom"));
    let r = app
        .post_form_with(
            &op,
            &format!("/operator/compliance/{}/decision", check_of(&app, &a).await),
            &[("decision", "approve")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        status(&app, &a).await,
        (Some("provisioned".into()), "approved".into())
    );
    assert_eq!(app.audit_count("compliance.decision", "success").await, 1);
}

/// Runs the due jobs; the customer is then deprovisioned, with its users.
async fn deprovisioned(app: &TestApp, id: &str) {
    app.run_due_jobs().await;
    assert!(
        app.org_deleted(id.parse().unwrap()).await,
        "not deprovisioned"
    );
    let users: i64 =
        sqlx::query_scalar("SELECT count(*) FROM subscribers WHERE customer_org_id = $1::uuid")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(users, 0, "deprovisioned with its users");
}

#[tokio::test]
async fn a_rejected_match_is_deprovisioned() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let id = create(
        &app,
        &c,
        "Red Lantern Shipping",
        "a@redlantern.example",
        "US",
    )
    .await;
    let op = app.client_for(OPERATOR).await;
    app.post_form_with(
        &op,
        &format!(
            "/operator/compliance/{}/decision",
            check_of(&app, &id).await
        ),
        &[("decision", "reject")],
    )
    .await;
    deprovisioned(&app, &id).await;
    assert_eq!(status(&app, &id).await.1, "non_compliant");
}

#[tokio::test]
async fn three_failed_contacts_deprovision_the_customer() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let id = create(
        &app,
        &c,
        "Crimson Horizon Logistics",
        "a@crimson.example",
        "US",
    )
    .await;
    let op = app.client_for(OPERATOR).await;
    let check = check_of(&app, &id).await;
    for n in 1..=3 {
        let r = app
            .post_form_with(
                &op,
                &format!("/operator/compliance/{check}/decision"),
                &[("decision", "failed_contact")],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "contact {n}");
        if n < 3 {
            assert_eq!(status(&app, &id).await.1, "pending_review");
        }
    }
    deprovisioned(&app, &id).await;
    let recorded: i64 = sqlx::query_scalar("SELECT count(*) FROM compliance_contacts")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(recorded, 3);
}

#[tokio::test]
async fn a_match_unresolved_for_thirty_days_is_deprovisioned() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let id = create(
        &app,
        &c,
        "Volga Precision Instruments",
        "a@volga.example",
        "US",
    )
    .await;
    let ctx = wholesale_hub::jobs::worker::JobContext::new(app.db.clone(), app.clock.clone());
    app.clock.advance(Duration::days(29));
    let job = wholesale_hub::jobs::queue::ClaimedJob {
        id: 0,
        kind: "compliance.sweep".into(),
        org_id: None,
        payload: serde_json::json!({}),
        attempts: 1,
        max_attempts: 1,
    };
    wholesale_hub::services::compliance::run_sweep(ctx.clone(), job.clone())
        .await
        .unwrap();
    assert_eq!(
        status(&app, &id).await.1,
        "pending_review",
        "29 days is within the deadline"
    );
    app.clock.advance(Duration::days(2));
    wholesale_hub::services::compliance::run_sweep(ctx, job)
        .await
        .unwrap();
    deprovisioned(&app, &id).await;
}

#[tokio::test]
async fn only_operators_review_and_operators_do_not_open_partner_hub() {
    let app = spawn_app().await;
    let partner = app.client_for(PARTNER_ADMIN).await;
    assert_eq!(
        app.get_with(&partner, "/operator/compliance")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let op = new_client();
    let r = app.login_with(&op, OPERATOR, DEMO_PASSWORD).await;
    assert_eq!(location(&r), "/operator/compliance");
    assert_eq!(
        app.get_with(&op, "/partner").await.status(),
        StatusCode::FORBIDDEN
    );
}

#[test]
fn the_shipped_sample_list_loads() {
    let rows = wholesale_hub::services::compliance::SAMPLE_LIST
        .lines()
        .count();
    assert!(rows > 5);
}
