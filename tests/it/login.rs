//! Signing in and out: one message for any wrong credential, rate limits, return to the
//! page asked for, session id cycled, timeouts, and every attempt audited.

use reqwest::StatusCode;
use time::Duration;

use crate::common::*;

const WRONG: &str = "The email or password is not right.";

#[tokio::test]
async fn the_email_step_leads_to_the_password_step_for_known_and_unknown_emails_alike() {
    let app = spawn_app().await;
    let token = app.csrf().await;
    for email in [PARTNER_ADMIN, "nobody@nowhere.example"] {
        let r = app
            .client
            .post(app.url("/login"))
            .form(&[("csrf_token", token.as_str()), ("email", email)])
            .send()
            .await
            .unwrap();
        let html = html_of(r, StatusCode::OK).await;
        assert!(html.contains("Enter your password"), "{email}");
        assert!(
            html.contains(&format!("value=\"{email}\"")),
            "the email is kept"
        );
    }
}

#[tokio::test]
async fn a_malformed_email_is_refused_with_the_input_kept() {
    let app = spawn_app().await;
    let r = app.post_form("/login", &[("email", "not-an-email")]).await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("Enter an email address"));
    assert!(html.contains("value=\"not-an-email\""));
}

#[tokio::test]
async fn wrong_password_and_unknown_account_get_the_same_answer() {
    let app = spawn_app().await;
    let a = app.login_with(&app.client, PARTNER_ADMIN, "wrong").await;
    let a_status = a.status();
    let a_html = a.text().await.unwrap();
    let b = app
        .login_with(&app.client, "ghost@northwind.example", "wrong")
        .await;
    let b_status = b.status();
    let b_html = b.text().await.unwrap();
    assert_eq!(a_status, StatusCode::UNAUTHORIZED);
    assert_eq!(a_status, b_status);
    assert!(a_html.contains(WRONG) && b_html.contains(WRONG));
    assert!(
        a_html.contains(&format!("value=\"{PARTNER_ADMIN}\"")),
        "the email is kept"
    );
    assert_eq!(app.audit_count("login.password", "failure").await, 2);
}

#[tokio::test]
async fn emails_are_matched_without_regard_to_case() {
    let app = spawn_app().await;
    let r = app
        .login_with(
            &app.client,
            "Partner.Admin@NORTHWIND.example",
            DEMO_PASSWORD,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/partner");
}

#[tokio::test]
async fn each_role_lands_in_its_own_hub() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    for (email, home) in [
        (PARTNER_ADMIN, "/partner".to_string()),
        (PARTNER_READONLY, "/partner".to_string()),
        (WHOLESALE_ADMIN, "/partner".to_string()),
        (RESELLER_ADMIN, "/partner".to_string()),
        // A customer's Control Hub home opens its users (or, first, the partner
        // requests waiting for its admins: `attach`).
        (CUSTOMER_ADMIN, format!("/control/{acme}")),
        (CUSTOMER_READONLY, format!("/control/{acme}")),
    ] {
        let client = new_client();
        let r = app.login_with(&client, email, DEMO_PASSWORD).await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{email}");
        assert_eq!(location(&r), home, "{email}");
        let mut r = app.get_with(&client, &home).await;
        if home.starts_with("/control/") {
            assert_eq!(location(&r), format!("/control/{acme}/users"), "{email}");
            r = app.get_with(&client, &location(&r)).await;
        }
        assert_eq!(r.status(), StatusCode::OK, "{email}");
    }
}

#[tokio::test]
async fn after_sign_in_the_user_returns_to_the_page_asked_for_but_never_off_site() {
    let app = spawn_app().await;
    let r = app.get("/partner/customers?status=error").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        location(&r),
        "/login?next=%2Fpartner%2Fcustomers%3Fstatus%3Derror"
    );

    let r = app
        .post_form(
            "/login/password",
            &[
                ("email", PARTNER_ADMIN),
                ("password", DEMO_PASSWORD),
                ("next", "/partner/customers?status=error"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/partner/customers?status=error");

    for evil in [
        "https://evil.example/",
        "//evil.example/x",
        "/\\evil.example",
    ] {
        let client = new_client();
        let token = app.csrf_of(&client).await;
        let r = client
            .post(app.url("/login/password"))
            .form(&[
                ("csrf_token", token.as_str()),
                ("email", PARTNER_ADMIN),
                ("password", DEMO_PASSWORD),
                ("next", evil),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(location(&r), "/partner", "next={evil}");
    }
}

#[tokio::test]
async fn signing_in_cycles_the_session_id_and_signing_out_deletes_it_server_side() {
    let app = spawn_app().await;
    let client = new_client();
    let before = client.get(app.url("/login")).send().await.unwrap();
    let cookie_before = before
        .cookies()
        .find(|c| c.name() == "hub_session")
        .map(|c| c.value().to_string())
        .unwrap();
    let token = crate::common::extract_csrf(&before.text().await.unwrap()).unwrap();
    let r = client
        .post(app.url("/login/password"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("email", PARTNER_ADMIN),
            ("password", DEMO_PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    let cookie_after = r
        .cookies()
        .find(|c| c.name() == "hub_session")
        .map(|c| c.value().to_string())
        .unwrap();
    assert_ne!(
        cookie_before, cookie_after,
        "a new session id after sign-in"
    );
    let sessions = || async {
        sqlx::query_scalar::<_, i64>("SELECT count(*) FROM tower_sessions.session WHERE id = $1")
            .bind(&cookie_after)
            .fetch_one(&app.db)
            .await
            .unwrap()
    };
    assert_eq!(sessions().await, 1);

    let r = app.post_form_with(&client, "/logout", &[]).await;
    assert_eq!(location(&r), "/login?signed_out=1");
    assert_eq!(sessions().await, 0, "the session record is gone");
    let r = app.get_with(&client, "/partner").await;
    assert!(location(&r).starts_with("/login"));
    assert_eq!(app.audit_count("logout", "success").await, 1);
}

#[tokio::test]
async fn an_idle_session_expires_after_thirty_minutes() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        app.get("/partner").await.status(),
        StatusCode::OK,
        "29 minutes idle is fine"
    );
    app.clock.advance(Duration::minutes(29));
    assert_eq!(
        app.get("/partner").await.status(),
        StatusCode::OK,
        "activity keeps it alive"
    );
    app.clock.advance(Duration::minutes(31));
    let r = app.get("/partner").await;
    assert_eq!(location(&r), "/login?next=%2Fpartner&expired=1");
    let html = app.text(&location(&r)).await;
    assert!(html.contains("Your session has expired"));
}

#[tokio::test]
async fn a_session_ends_twelve_hours_after_sign_in_even_when_busy() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    for _ in 0..24 {
        app.clock.advance(Duration::minutes(29));
        assert_eq!(app.get("/partner").await.status(), StatusCode::OK);
    }
    // 11 h 36 min so far; the next step crosses 12 hours.
    app.clock.advance(Duration::minutes(29));
    let r = app.get("/partner").await;
    assert!(location(&r).contains("expired=1"), "got {}", location(&r));
}

#[tokio::test]
async fn repeated_failures_lock_the_account_from_that_address_only() {
    let app = spawn_app().await;
    let attacker = client_from(21);
    for _ in 0..10 {
        let r = app.login_with(&attacker, PARTNER_ADMIN, "wrong").await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app
        .login_with(&attacker, PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(
        r.status(),
        StatusCode::TOO_MANY_REQUESTS,
        "from that address even the right password waits"
    );
    assert_eq!(r.headers()["retry-after"], "900");
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("Too many failed sign-in attempts")
    );
    assert!(app.audit_count("login.rate_limited", "failure").await >= 1);
    // The owner, elsewhere, signs in: past the account's one-second slow-down.
    app.clock.advance(Duration::seconds(2));
    let owner = app
        .login_with(&client_from(22), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(
        owner.status(),
        StatusCode::SEE_OTHER,
        "the owner is not locked out"
    );
    // Another account from the attacker's address is not locked by this one.
    let other = app
        .login_with(&client_from(21), PARTNER_READONLY, DEMO_PASSWORD)
        .await;
    assert_eq!(other.status(), StatusCode::SEE_OTHER);
    // Fifteen minutes later the pair is free again.
    app.clock.advance(Duration::minutes(16));
    let r = app
        .login_with(&attacker, PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn failures_spread_over_addresses_slow_the_account_down_without_locking_it() {
    let app = spawn_app().await;
    // Ten addresses, one failure each: no pair and no address is near its limit.
    for n in 0..10 {
        let r = app
            .login_with(&client_from(30 + n), PARTNER_ADMIN, "wrong")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    // Now the account's password is checked at most once a second, whoever asks.
    let r = app
        .login_with(&client_from(41), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "1");
    assert!(r.text().await.unwrap().contains("Try again in 1 seconds"));
    app.clock.advance(Duration::seconds(1));
    let r = app
        .login_with(&client_from(41), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn parallel_wrong_passwords_get_exactly_the_allowed_number_of_checks() {
    let app = spawn_app().await;
    // Each attempt has its session and token ready, then all are sent at once.
    let mut ready = Vec::new();
    for _ in 0..45 {
        let client = client_from(51);
        let token = app.csrf_of(&client).await;
        ready.push((client, token));
    }
    let url = app.url("/login/password");
    let attempts = ready.into_iter().map(|(client, token)| {
        let url = url.clone();
        async move {
            client
                .post(url)
                .form(&[
                    ("email", PARTNER_ADMIN),
                    ("password", "wrong"),
                    ("next", ""),
                    ("csrf_token", token.as_str()),
                ])
                .send()
                .await
                .unwrap()
                .status()
        }
    });
    let statuses = futures_join_all(attempts).await;
    let checked = statuses
        .iter()
        .filter(|s| **s == StatusCode::UNAUTHORIZED)
        .count();
    let limited = statuses
        .iter()
        .filter(|s| **s == StatusCode::TOO_MANY_REQUESTS)
        .count();
    assert_eq!((checked, limited), (10, 35), "{statuses:?}");
    assert_eq!(app.audit_count("login.password", "failure").await, 10);
}

/// Runs the futures at once (no extra crate for join_all).
async fn futures_join_all<F: std::future::Future + Send + 'static>(
    futures: impl Iterator<Item = F>,
) -> Vec<F::Output>
where
    F::Output: Send + 'static,
{
    let mut set = tokio::task::JoinSet::new();
    for (i, f) in futures.enumerate() {
        set.spawn(async move { (i, f.await) });
    }
    let mut out: Vec<(usize, F::Output)> = set.join_all().await;
    out.sort_by_key(|(i, _)| *i);
    out.into_iter().map(|(_, o)| o).collect()
}

#[tokio::test]
async fn when_every_password_check_is_busy_sign_in_answers_429_and_counts_nothing() {
    let app = spawn_app().await;
    let all = app
        .state
        .password_checks
        .clone()
        .acquire_many_owned(wholesale_hub::services::sign_in::CONCURRENT_CHECKS as u32)
        .await
        .unwrap();
    let r = app
        .login_with(&client_from(61), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert!(r.headers().get("retry-after").is_some());
    assert!(r.text().await.unwrap().contains("Sign-in is busy"));
    let pending: i64 = sqlx::query_scalar("SELECT count(*) FROM login_attempts")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(pending, 0, "a check that never ran is not a failure");
    drop(all);
    let r = app
        .login_with(&client_from(61), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn many_failures_from_one_address_are_limited_too() {
    let app = spawn_app().await;
    let office = client_from(71);
    for i in 0..30 {
        let r = app
            .login_with(&office, &format!("guess{i}@northwind.example"), "wrong")
            .await;
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    let r = app.login_with(&office, PARTNER_ADMIN, DEMO_PASSWORD).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    let elsewhere = app
        .login_with(&client_from(72), PARTNER_ADMIN, DEMO_PASSWORD)
        .await;
    assert_eq!(elsewhere.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn successful_sign_ins_are_audited_with_request_id_and_address() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let (email, request_id, ip): (Option<String>, Option<String>, Option<String>) = sqlx::query_as(
        "SELECT actor_email, request_id, ip FROM audit_log WHERE action = 'login.password' AND outcome = 'success'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(email.as_deref(), Some(PARTNER_ADMIN));
    assert!(request_id.is_some_and(|r| r.len() >= 32));
    assert_eq!(ip.as_deref(), Some("127.0.0.1"));
}

#[tokio::test]
async fn a_disabled_person_cannot_sign_in_or_keep_a_session() {
    let app = spawn_app().await;
    app.login_as(PARTNER_READONLY).await;
    sqlx::query("UPDATE people SET disabled = true WHERE email = $1")
        .bind(PARTNER_READONLY)
        .execute(&app.db)
        .await
        .unwrap();
    let r = app.get("/partner").await;
    assert!(location(&r).starts_with("/login"));
    let r = app
        .login_with(&new_client(), PARTNER_READONLY, DEMO_PASSWORD)
        .await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
}
