//! Bad input from the outside: forged client addresses and request ids, control
//! characters everywhere a client can put text, bodies of the wrong type, refusals of
//! the CSRF check, and the headers every answer carries. Each gets a clear refusal,
//! logs nothing the client chose, and changes nothing.

use reqwest::StatusCode;
use serde_json::json;
use wholesale_hub::http::TrustedProxies;

use crate::common::*;

async fn sign_in_from(app: &TestApp, forwarded_for: &str) -> StatusCode {
    let client = new_client();
    let token = app.csrf_of(&client).await;
    client
        .post(app.url("/login/password"))
        .header("x-forwarded-for", forwarded_for)
        .form(&[
            ("email", PARTNER_ADMIN),
            ("password", DEMO_PASSWORD),
            ("next", ""),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap()
        .status()
}

#[tokio::test]
async fn forwarded_addresses_are_ignored_unless_the_peer_is_a_trusted_proxy() {
    let app = spawn_app().await;
    assert_eq!(
        sign_in_from(&app, "203.0.113.9").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.last_audit_ip("login.password").await.as_deref(),
        Some("127.0.0.1"),
        "a client cannot choose its own address"
    );
}

#[tokio::test]
async fn behind_a_trusted_proxy_the_forwarded_client_is_audited_and_limited() {
    let app = spawn_app_configured(|c| {
        c.trusted_proxies = TrustedProxies::parse("127.0.0.0/8").unwrap();
    })
    .await;
    assert_eq!(
        sign_in_from(&app, "198.51.100.1, 203.0.113.9").await,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        app.last_audit_ip("login.password").await.as_deref(),
        Some("203.0.113.9")
    );
    // Ten failures from one forwarded client lock that client, not the proxy's others.
    for _ in 0..10 {
        let c = new_client();
        let token = app.csrf_of(&c).await;
        let r = c
            .post(app.url("/login/password"))
            .header("x-forwarded-for", "203.0.113.66")
            .form(&[
                ("email", PARTNER_ADMIN),
                ("password", "wrong"),
                ("csrf_token", token.as_str()),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    }
    app.clock.advance(time::Duration::seconds(2));
    assert_eq!(
        sign_in_from(&app, "203.0.113.66").await,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(
        sign_in_from(&app, "203.0.113.67").await,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn a_clients_request_id_is_kept_only_when_plain() {
    let app = spawn_app().await;
    let client = new_client();
    let plain = "6b0f1a2e-3c4d-4e5f-8a9b-0c1d2e3f4a5b";
    let r = client
        .get(app.url("/login"))
        .header("x-request-id", plain)
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["x-request-id"], plain);
    for forged in ["<script>alert(1)</script>", "a b c", &"x".repeat(200)] {
        let r = client
            .get(app.url("/login"))
            .header("x-request-id", forged)
            .send()
            .await
            .unwrap();
        let given = r.headers()["x-request-id"].to_str().unwrap().to_string();
        assert_ne!(given, forged);
        assert!(uuid::Uuid::try_parse(&given).is_ok(), "{given}");
    }
    // And what is audited is the replacement, never the forged text.
    let c = new_client();
    let token = app.csrf_of(&c).await;
    c.post(app.url("/login/password"))
        .header("x-request-id", "forged<b>id</b>")
        .form(&[
            ("email", PARTNER_ADMIN),
            ("password", "wrong"),
            ("csrf_token", token.as_str()),
        ])
        .send()
        .await
        .unwrap();
    let ids: Vec<Option<String>> = sqlx::query_scalar("SELECT request_id FROM audit_log")
        .fetch_all(&app.db)
        .await
        .unwrap();
    assert!(!ids.is_empty());
    assert!(ids.iter().flatten().all(|id| !id.contains('<')), "{ids:?}");
}

/// Pages: a 400 page that names the field and says why.
async fn assert_refused_page(r: reqwest::Response, field: &str) {
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains(field), "{field}: {html}");
    assert!(html.contains("control character"), "{html}");
}

#[tokio::test]
async fn control_characters_in_page_queries_and_forms_are_refused_not_500() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    for path in [
        "/partner/customers?q=acme%00",
        "/partner/customers?q=%1B%5B31m",
        "/partner/audit?actor=a%00b",
        "/partner/audit?action=x%00",
    ] {
        let r = app.get(path).await;
        let field = if path.contains("q=") {
            "q"
        } else if path.contains("actor=") {
            "actor"
        } else {
            "action"
        };
        assert_refused_page(r, field).await;
    }
    // A token name: the same page, the message beside the field, the name kept.
    let r = app
        .post_form("/partner/settings/api-tokens", &[("name", "CRM\u{0}sync")])
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("control character"), "{html}");
    assert!(html.contains("API tokens"), "the tokens page itself");
    let tokens: i64 = sqlx::query_scalar("SELECT count(*) FROM api_tokens")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(tokens, 0, "nothing was created");
    // A template name in the wizard: the basics step again, with the message.
    let r = app
        .post_form(
            "/partner/templates/new/basics",
            &[("name", "Tmpl\u{0}"), ("sp_admin_email", PARTNER_ADMIN)],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("control character"), "{html}");
    // A form of a page without its own display of the error: the 400 page.
    let id: uuid::Uuid = sqlx::query_scalar("SELECT id FROM orgs WHERE name = 'Acme Dental'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    let r = app
        .post_form(
            &format!("/partner/customers/{id}/edit"),
            &[("name", "Acme\u{0}")],
        )
        .await;
    assert_refused_page(r, "name").await;
}

#[tokio::test]
async fn the_sign_in_email_with_a_control_character_is_refused_on_its_own_page() {
    let app = spawn_app().await;
    for path in ["/login", "/login/password"] {
        let r = app
            .post_form(
                path,
                &[
                    ("email", "partner.admin@northwind.example\u{0}"),
                    ("password", "x"),
                ],
            )
            .await;
        assert_eq!(r.status(), StatusCode::BAD_REQUEST, "{path}");
        let html = r.text().await.unwrap();
        assert!(html.contains("control character"), "{path}: {html}");
        assert!(html.contains("partner.admin@northwind.example"), "kept");
    }
    assert_eq!(app.audit_count("login.password", "failure").await, 0);
}

#[tokio::test]
async fn unreadable_forms_answer_the_error_page_not_plain_text() {
    let app = spawn_app().await;
    // The sign-in form without its fields.
    let r = app
        .post_form("/login/password", &[("nothing", "here")])
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("The form could not be read"), "{html}");
    assert!(
        !html.contains("missing field"),
        "no parser internals: {html}"
    );
}

#[tokio::test]
async fn control_characters_in_api_queries_and_bodies_are_field_errors() {
    let app = spawn_app().await;
    let token = token_for(&app, PARTNER_ADMIN).await;
    let client = new_client();
    let r = client
        .get(app.url("/v1/wholesale/customers?externalId=a%00b"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    let body = error_body(r, StatusCode::BAD_REQUEST).await;
    assert!(body.to_string().contains("externalId"), "{body:#}");

    let provisioning_id: String =
        sqlx::query_scalar("SELECT provisioning_id FROM onboarding_templates LIMIT 1")
            .fetch_one(&app.db)
            .await
            .unwrap();
    let customer = json!({
        "provisioningId": provisioning_id,
        "packages": ["webex_calling"],
        "address": {"addressLine1": "1 Main St", "city": "Milpitas", "stateOrProvince": "CA",
                    "zipOrPostalCode": "95035", "country": "US"},
        "customerInfo": {"name": "Bad\u{0}Name", "primaryEmail": "x@bad.example"}
    });
    let r = client
        .post(app.url("/v1/wholesale/customers"))
        .bearer_auth(&token)
        .json(&customer)
        .send()
        .await
        .unwrap();
    let body = error_body(r, StatusCode::BAD_REQUEST).await;
    assert!(body.to_string().contains("customerInfo.name"), "{body:#}");
    let created: i64 = sqlx::query_scalar("SELECT count(*) FROM orgs WHERE name LIKE 'Bad%'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 0);

    // JSON sent as text/plain is not read: 415 in the vendor's body.
    let r = client
        .post(app.url("/v1/wholesale/customers"))
        .bearer_auth(&token)
        .header("content-type", "text/plain")
        .body(customer.to_string())
        .send()
        .await
        .unwrap();
    let body = error_body(r, StatusCode::UNSUPPORTED_MEDIA_TYPE).await;
    assert_eq!(body["errors"][0]["errorCode"], 1415);
    // Malformed JSON: the vendor's body, never a Rust type name.
    let r = client
        .post(app.url("/v1/wholesale/customers"))
        .bearer_auth(&token)
        .header("content-type", "application/json")
        .body("{\"customerInfo\": ")
        .send()
        .await
        .unwrap();
    let body = error_body(r, StatusCode::BAD_REQUEST).await;
    assert!(!body.to_string().contains("CustomerBody"), "{body:#}");
}

#[tokio::test]
async fn csrf_refusals_are_audited_with_the_actor() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let r = app
        .client
        .post(app.url("/partner/settings/api-tokens"))
        .form(&[("name", "no token")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(
        r.headers().get("x-refused-by").is_none(),
        "no internal header leaks"
    );
    assert_eq!(app.audit_count("authorization.denied", "denied").await, 1);
    let (email, detail) = app.last_denial().await;
    assert_eq!(email.as_deref(), Some(PARTNER_ADMIN));
    assert_eq!(detail["refused_by"], "csrf");
    assert_eq!(detail["path"], "/partner/settings/api-tokens");
}

#[tokio::test]
async fn answers_carry_permissions_policy_and_opener_isolation() {
    let app = spawn_app().await;
    for path in ["/login", "/no/such/page", "/v1/wholesale/customers"] {
        let r = app.get(path).await;
        let h = r.headers();
        assert_eq!(h["cross-origin-opener-policy"], "same-origin", "{path}");
        let policy = h["permissions-policy"].to_str().unwrap();
        assert!(
            policy.contains("camera=()") && policy.contains("geolocation=()"),
            "{path}"
        );
    }
}

#[tokio::test]
async fn a_malformed_id_in_a_page_address_answers_our_page_not_axums_text() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let r = app.get("/partner/customers/not-a-uuid").await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("not one of ours"), "{html}");
    assert!(!html.contains("UUID parsing failed"), "{html}");
}
