//! How many statements a page costs the database, counted by `pg_stat_statements` (the
//! test cluster preloads it, `scripts/lib/common.sh`): who is asking is read with the
//! session in one statement (`store::sessions`), and a list's per-row counts come from
//! kept counters, so the customers list runs its session read and its own query; the
//! users list of Control Hub and the API's customers list run three statements each.

use crate::common::*;

/// The statements this database ran since `reset`, but for this module's own.
async fn statements_since_reset(app: &TestApp) -> Vec<(String, i64)> {
    sqlx::query_as(
        "SELECT query, calls FROM pg_stat_statements
         WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
           AND query NOT LIKE '%pg_stat_statements%'
         ORDER BY calls DESC",
    )
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn reset(app: &TestApp) {
    sqlx::query(
        "SELECT pg_stat_statements_reset(0, (SELECT oid FROM pg_database WHERE datname = current_database()), 0)",
    )
    .execute(&app.db)
    .await
    .unwrap();
}

/// A test app whose statements are counted, signed in as the partner admin.
async fn counted_app() -> TestApp {
    let app = spawn_app().await;
    sqlx::query("CREATE EXTENSION IF NOT EXISTS pg_stat_statements")
        .execute(&app.db)
        .await
        .expect("pg_stat_statements is preloaded by the test cluster");
    app.login_as(PARTNER_ADMIN).await;
    app
}

/// Runs `path` once warm, then counts the statements of a second view of it.
async fn statements_of(app: &TestApp, path: &str) -> (i64, Vec<(String, i64)>) {
    app.page(&app.client, path).await;
    reset(app).await;
    app.page(&app.client, path).await;
    let seen = statements_since_reset(app).await;
    (seen.iter().map(|(_, calls)| calls).sum(), seen)
}

#[tokio::test]
async fn the_customers_list_runs_at_most_three_statements() {
    let app = counted_app().await;
    for path in [
        "/partner/customers",
        "/partner/customers?q=summit",
        "/partner/customers?status=error",
        "/partner/customers?page=2",
        "/partner/customers?q=bakery",
        "/partner/customers?q=nothing-like-it",
        "/partner/customers?q=bl&sort=-created",
        "/partner/customers?country=US&package=webex_calling&sort=status&per=50",
        "/partner/customers?status=provisioned&sort=-country&page=2&per=50",
    ] {
        let (n, seen) = statements_of(&app, path).await;
        assert!(n >= 1, "{path}: the count works at all: {seen:#?}");
        assert!(n <= 3, "{path} ran {n} statements: {seen:#?}");
    }
    // The session read brings the actor: no statement of its own reads people or roles.
    reset(&app).await;
    app.page(&app.client, "/partner/customers").await;
    let seen = statements_since_reset(&app).await;
    assert!(
        !seen
            .iter()
            .any(|(q, _)| q.contains("FROM people p") && !q.contains("tower_sessions.session")),
        "the actor was read apart from the session: {seen:#?}"
    );
    discard(app).await;
}

#[tokio::test]
async fn control_hubs_users_list_and_the_apis_list_read_who_asks_with_their_first_statement() {
    let app = counted_app().await;
    let acme = app.org_id("Acme Dental").await;
    // The session with its actor, the customer with whether the partner onboarded it and
    // its packages, and the page.
    for path in [
        format!("/control/{acme}/users"),
        format!("/control/{acme}/users?page=2"),
        format!("/control/{acme}/users?q=acme"),
    ] {
        let (n, seen) = statements_of(&app, &path).await;
        assert!(n >= 1, "{path}: the count works at all: {seen:#?}");
        assert!(n <= 3, "{path} ran {n} statements: {seen:#?}");
    }
    // The token with its actor, the customers and their packages.
    let token = token_for(&app, PARTNER_ADMIN).await;
    let path = "/v1/wholesale/customers?max=25";
    assert_eq!(app.api_get(Some(&token), path).await.status(), 200);
    reset(&app).await;
    assert_eq!(app.api_get(Some(&token), path).await.status(), 200);
    let seen = statements_since_reset(&app).await;
    let n: i64 = seen.iter().map(|(_, calls)| calls).sum();
    assert!(
        (1..=3).contains(&n),
        "the API list ran {n} statements: {seen:#?}"
    );
    assert!(
        !seen
            .iter()
            .any(|(q, _)| q.contains("FROM people p") && !q.contains("api_tokens")),
        "the actor was read apart from the token: {seen:#?}"
    );
    discard(app).await;
}
