//! Two app instances over one database, as behind a load balancer: sessions, sign-out,
//! provisioning and the sign-in limits hold across both, because all their state lives
//! in PostgreSQL.

use std::time::Duration as StdDuration;

use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::common::*;

#[tokio::test]
async fn a_session_made_on_one_instance_is_valid_on_the_other_and_ends_on_both() {
    let a = spawn_app().await;
    let b = spawn_beside(&a, false).await;
    let browser = new_client();
    let r = a.login_with(&browser, PARTNER_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // Cookies belong to the host, not the port: the same browser reaches both.
    for app in [&a, &b] {
        let r = app.get_with(&browser, "/partner").await;
        assert_eq!(r.status(), StatusCode::OK, "{}", app.address);
        assert!(r.text().await.unwrap().contains("Northwind Telecom"));
    }
    let r = b.post_form_with(&browser, "/logout", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for app in [&a, &b] {
        let r = app.get_with(&browser, "/partner").await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{}", app.address);
        assert!(location(&r).starts_with("/login"), "{}", location(&r));
    }
}

#[tokio::test]
async fn sign_in_limits_are_counted_across_instances() {
    let a = spawn_app().await;
    let b = spawn_beside(&a, false).await;
    // Five failures through each instance from one address: ten for the pair.
    for app in [&a, &b] {
        for _ in 0..5 {
            let r = app
                .login_with(&client_from(91), PARTNER_ADMIN, "wrong")
                .await;
            assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
        }
    }
    for app in [&a, &b] {
        let r = app
            .login_with(&client_from(91), PARTNER_ADMIN, DEMO_PASSWORD)
            .await;
        assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS, "{}", app.address);
    }
}

#[tokio::test]
async fn creations_through_both_instances_are_provisioned_exactly_once_each() {
    let a = spawn_app_with_worker().await;
    let b = spawn_beside(&a, true).await;
    let token = token_for(&a, PARTNER_ADMIN).await;
    let provisioning_id: String = sqlx::query_scalar(
        "SELECT provisioning_id FROM onboarding_templates ORDER BY created_at LIMIT 1",
    )
    .fetch_one(&a.db)
    .await
    .unwrap();
    let address = json!({"addressLine1": "771 Alder Drive", "city": "Milpitas",
        "stateOrProvince": "CA", "zipOrPostalCode": "95035", "country": "US"});
    let mut sends = tokio::task::JoinSet::new();
    for i in 0..30 {
        let url = if i % 2 == 0 { a.url("") } else { b.url("") };
        let body = json!({
            "provisioningId": provisioning_id,
            "packages": ["webex_calling"],
            "externalId": format!("burst-{i}"),
            "address": address,
            "customerInfo": {"name": format!("Burst Dental {i}"),
                             "primaryEmail": format!("owner{i}@burst-dental.example")},
            "provisioningParameters": {
                "calling": {"location": {"name": "Head Office", "address": address,
                    "timezone": "America/Los_Angeles", "language": "en_US",
                    "emergencyLocationIdentifier": "95547321"}}
            }
        });
        let token = token.clone();
        sends.spawn(async move {
            new_client()
                .post(format!("{url}/v1/wholesale/customers"))
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap()
                .status()
        });
    }
    let statuses = sends.join_all().await;
    assert!(
        statuses.iter().all(|s| *s == StatusCode::ACCEPTED),
        "{statuses:?}"
    );
    let ids: Vec<Uuid> = sqlx::query_scalar("SELECT id FROM orgs WHERE name LIKE 'Burst Dental %'")
        .fetch_all(&a.db)
        .await
        .unwrap();
    assert_eq!(ids.len(), 30);
    // Both workers drain the queue; wait for the last customer (bounded).
    let mut waiting = i64::MAX;
    for _ in 0..300 {
        waiting = sqlx::query_scalar(
            "SELECT count(*) FROM orgs WHERE id = ANY($1) AND provisioned_at IS NULL",
        )
        .bind(&ids)
        .fetch_one(&a.db)
        .await
        .unwrap();
        if waiting == 0 {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert_eq!(waiting, 0, "every customer is provisioned");
    let (jobs, succeeded_once): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(*) FILTER (WHERE state = 'succeeded' AND attempts = 1)
         FROM jobs WHERE kind = 'customer.provision' AND org_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_one(&a.db)
    .await
    .unwrap();
    let retried: Vec<(i32, Option<String>)> = sqlx::query_as(
        "SELECT attempts, last_error FROM jobs
         WHERE kind = 'customer.provision' AND org_id = ANY($1) AND attempts > 1",
    )
    .bind(&ids)
    .fetch_all(&a.db)
    .await
    .unwrap();
    assert_eq!(
        (jobs, succeeded_once),
        (30, 30),
        "one provisioning run each; retried: {retried:?}"
    );
    let (locations, customers_with_one): (i64, i64) = sqlx::query_as(
        "SELECT count(*), count(DISTINCT org_id) FROM locations WHERE org_id = ANY($1)",
    )
    .bind(&ids)
    .fetch_one(&a.db)
    .await
    .unwrap();
    assert_eq!(
        (locations, customers_with_one),
        (30, 30),
        "one headquarters each"
    );
}
