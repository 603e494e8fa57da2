//! The create-customer wizard over HTTP: every step checked on the server, input kept,
//! Back keeps what was entered, and *Create customer* starts asynchronous provisioning.

use reqwest::{Client, StatusCode};

use crate::common::*;

pub(crate) async fn info(
    app: &TestApp,
    c: &Client,
    pid: &str,
    name: &str,
    email: &str,
    country: &str,
) -> reqwest::Response {
    app.post_form_with(
        c,
        "/partner/customers/new/info",
        &[
            ("provisioning_id", pid),
            ("name", name),
            ("primary_email", email),
            ("external_id", ""),
            ("country", country),
            ("language", ""),
            ("billing_start_date", ""),
            ("confirmed_location", "on"),
        ],
    )
    .await
}

pub(crate) async fn location_step(
    app: &TestApp,
    c: &Client,
    line1: &str,
    tz: &str,
) -> reqwest::Response {
    app.post_form_with(
        c,
        "/partner/customers/new/location",
        &[
            ("location_name", "Head office"),
            ("line1", line1),
            ("line2", ""),
            ("city", "Springfield"),
            ("state", "IL"),
            ("zip", "62701"),
            ("timezone", tz),
            ("location_language", "en_US"),
            ("nav", "next"),
        ],
    )
    .await
}

/// Runs the due jobs, then reads the customer's status as its page's script does;
/// asserts that it is no longer `not`.
pub(crate) async fn status_after_jobs(
    app: &TestApp,
    c: &Client,
    id: &str,
    not: &str,
) -> serde_json::Value {
    app.run_due_jobs().await;
    let r = app
        .get_with(c, &format!("/partner/customers/{id}/status"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let s: serde_json::Value = r.json().await.unwrap();
    assert_ne!(s["status"], not, "still {not} once the jobs ran: {s}");
    s
}

#[tokio::test]
async fn a_partner_creates_a_customer_through_the_four_steps() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let pid = app.provisioning_id("Standard SMB (US)").await;
    assert_eq!(
        location(&app.get_with(&c, "/partner/customers/new").await),
        "/partner/customers/new/info"
    );

    let r = info(
        &app,
        &c,
        &pid,
        "Gamma Grocers",
        "owner@gamma-grocers.example",
        "US",
    )
    .await;
    assert_eq!(location(&r), "/partner/customers/new/packages");
    let r = app
        .post_form_with(
            &c,
            "/partner/customers/new/packages",
            &[
                ("package", "webex_calling"),
                ("package", "webex_meetings"),
                ("quantity_enabled", "on"),
                ("quantity_webex_calling", "10"),
                ("quantity_webex_meetings", "5"),
                ("nav", "next"),
            ],
        )
        .await;
    assert_eq!(location(&r), "/partner/customers/new/location");
    let r = location_step(&app, &c, "1 Market Square", "America/Chicago").await;
    assert_eq!(location(&r), "/partner/customers/new/summary");
    let summary = app.page(&c, "/partner/customers/new/summary").await;
    for fact in [
        "Gamma Grocers",
        "owner@gamma-grocers.example",
        "Webex Calling — quantity 10",
        "America/Chicago",
        "Standard SMB (US)",
        // No language chosen: the template's, by name; languages are never codes.
        "English (United States) (the template&#39;s)",
    ] {
        assert!(summary.contains(fact), "{fact}");
    }
    assert!(!summary.contains(">en_US<"), "a language shown as its code");
    assert_eq!(
        summary.matches(r#"class="edit""#).count(),
        3,
        "an Edit link per section"
    );

    let r = app.post_form_with(&c, "/partner/customers/new", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let detail = location(&r);
    let id = detail.rsplit('/').next().unwrap().to_string();
    let status: Option<String> = sqlx::query_scalar("SELECT status FROM orgs WHERE id = $1::uuid")
        .bind(&id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(
        status.as_deref(),
        Some("provisioning"),
        "until its job runs"
    );
    let html = app.page(&c, &detail).await;
    assert!(html.contains("Gamma Grocers is being provisioned."));

    let s = status_after_jobs(&app, &c, &id, "provisioning").await;
    assert_eq!(s["status"], "provisioned");
    let html = app.page(&c, &detail).await;
    assert!(
        html.contains("gamma-grocers-") && html.contains(".calls.example"),
        "a SIP domain was assigned"
    );
    let (quantity,): (Option<i32>,) =
        sqlx::query_as("SELECT quantity FROM customer_packages WHERE org_id = $1::uuid AND package = 'webex_calling'")
            .bind(&id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(quantity, Some(10));
    let hq: (String, String, bool) = sqlx::query_as(
        "SELECT name, timezone, international_calling FROM locations WHERE org_id = $1::uuid",
    )
    .bind(&id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(hq, ("Head office".into(), "America/Chicago".into(), true));
    // A US customer's administrator gets the E911 notice with the template's brand (SPEC §13).
    let mailbox = app.page(&c, "/partner/mailbox").await;
    assert!(
        mailbox.contains(
            "Northwind Business Voice: important information about emergency calls (E911)"
        )
    );
    assert!(mailbox.contains("owner@gamma-grocers.example"));
    // Beside the administrator's invitation (`customer_admin`).
    let sent: Vec<(String, String)> = sqlx::query_as(
        "SELECT kind, to_address FROM email_outbox WHERE org_id = $1::uuid ORDER BY kind",
    )
    .bind(&id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let to = "owner@gamma-grocers.example".to_string();
    assert_eq!(
        sent,
        [
            ("admin_invitation".to_string(), to.clone()),
            ("e911_notice".to_string(), to)
        ]
    );
    // The draft is gone: a new wizard starts empty.
    let html = app.page(&c, "/partner/customers/new/info").await;
    assert!(!html.contains("Gamma Grocers"));
    // The list shows it.
    assert!(
        app.page(&c, "/partner/customers?q=gamma")
            .await
            .contains("Gamma Grocers")
    );
}

#[tokio::test]
async fn each_step_keeps_the_input_and_shows_errors_beside_the_fields() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &c,
            "/partner/customers/new/info",
            &[
                ("provisioning_id", ""),
                ("name", "Acme 100% Dental"),
                ("primary_email", "not-an-email"),
                ("country", "ZZ"),
            ],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    for message in [
        "Choose an onboarding template",
        "cannot contain",
        "Enter an email address",
        "not an ISO 3166",
        "Confirm that this customer",
    ] {
        assert!(html.contains(message), "{message}");
    }
    assert!(
        html.contains(r#"value="Acme 100% Dental""#) && html.contains(r#"value="not-an-email""#)
    );
    // An email already in use is refused with the vendor's message.
    let pid = app.provisioning_id("Standard SMB (US)").await;
    let r = info(&app, &c, &pid, "New Co", CUSTOMER_ADMIN, "US").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("The email is already associated with an existing user.")
    );
    // Another partner's template is not usable.
    let southwind_pid = app.provisioning_id("Southwind default").await;
    let r = info(&app, &c, &southwind_pid, "New Co", "a@new-co.example", "US").await;
    assert!(
        html_of(r, StatusCode::BAD_REQUEST)
            .await
            .contains("no onboarding template of yours")
    );
}

#[tokio::test]
async fn quantity_and_country_rules_stop_the_packages_step() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let pid = app.provisioning_id("Standard SMB (US)").await;
    assert_eq!(
        info(&app, &c, &pid, "Delta Co", "a@delta-co.example", "US")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let post = |fields: Vec<(&'static str, &'static str)>| {
        let (app, c) = (&app, &c);
        async move {
            let r = app
                .post_form_with(c, "/partner/customers/new/packages", &fields)
                .await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, html) = post(vec![("nav", "next")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("Choose at least one package"));
    let (s, html) = post(vec![
        ("package", "webex_calling"),
        ("quantity_enabled", "on"),
        ("nav", "next"),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("Enter a quantity for Webex Calling"),
        "no step forward without quantities"
    );
    let (s, html) = post(vec![
        ("package", "webex_calling"),
        ("quantity_enabled", "on"),
        ("quantity_webex_calling", "0"),
        ("nav", "next"),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains(r#"value="0""#) && html.to_lowercase().contains("zero")
            || html.contains("at least 1"),
        "zero refused"
    );
    let (s, html) = post(vec![
        ("package", "webex_calling"),
        ("quantity_enabled", "on"),
        ("quantity_webex_calling", "10001"),
        ("nav", "next"),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("10,000"), "above the partner maximum");
    let (s, html) = post(vec![
        ("package", "attendant_console"),
        ("package", "webex_voice"),
        ("nav", "next"),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("Attendant Console needs"));
    // India refuses calling packages.
    assert_eq!(
        info(&app, &c, &pid, "Delta Co", "a@delta-co.example", "IN")
            .await
            .status(),
        StatusCode::SEE_OTHER
    );
    let (s, html) = post(vec![("package", "webex_calling"), ("nav", "next")]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(html.contains("not available in India"));
    let (s, _) = post(vec![("package", "webex_meetings"), ("nav", "next")]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn back_and_reload_keep_what_was_entered() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let pid = app.provisioning_id("Standard SMB (US)").await;
    info(&app, &c, &pid, "Echo Events", "a@echo-events.example", "US").await;
    let r = app
        .post_form_with(
            &c,
            "/partner/customers/new/packages",
            &[("package", "webex_suite"), ("nav", "back")],
        )
        .await;
    assert_eq!(location(&r), "/partner/customers/new/info");
    let html = app.page(&c, "/partner/customers/new/info").await;
    assert!(
        html.contains(r#"value="Echo Events""#)
            && html.contains(r#"value="a@echo-events.example""#)
    );
    let html = app.page(&c, "/partner/customers/new/packages").await;
    assert!(
        html.contains(r#"value="webex_suite" checked"#),
        "the choice made before going back is kept"
    );
    // Leaving and coming back resumes at the first open step.
    app.get_with(&c, "/partner").await;
    assert_eq!(
        location(&app.get_with(&c, "/partner/customers/new").await),
        "/partner/customers/new/packages"
    );
    // Skipping ahead is not possible.
    assert_eq!(
        location(&app.get_with(&c, "/partner/customers/new/summary").await),
        "/partner/customers/new/packages"
    );
    // A long address line or a bad time zone is refused at the location step.
    app.post_form_with(
        &c,
        "/partner/customers/new/packages",
        &[("package", "webex_suite"), ("nav", "next")],
    )
    .await;
    let long = "x".repeat(51);
    let r = location_step(&app, &c, &long, "Mars/Olympus").await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("at most 50 characters") && html.contains("supported time zones"));
    // Each problem is told once, even though the address serves twice.
    let r = location_step(&app, &c, "", "America/Chicago").await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    // Beside the field once (the summary at the top links to it as well).
    assert_eq!(html.matches("Enter the first address line.</p>").count(), 1);
    assert!(html.contains(r##"<a href="#line1">Enter the first address line.</a>"##));
    // Cancel discards the draft.
    app.post_form_with(&c, "/partner/customers/new/cancel", &[])
        .await;
    assert_eq!(
        location(&app.get_with(&c, "/partner/customers/new").await),
        "/partner/customers/new/info"
    );
}

#[tokio::test]
async fn a_pstn_vendor_that_does_not_serve_the_first_location_fails_and_can_be_repaired() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    // "EMEA with cloud PSTN" names Skyline PSTN, which serves only the US and Canada.
    let pid = app.provisioning_id("EMEA with cloud PSTN").await;
    info(&app, &c, &pid, "Foxglove Pubs", "a@foxglove.example", "GB").await;
    app.post_form_with(
        &c,
        "/partner/customers/new/packages",
        &[("package", "webex_calling"), ("nav", "next")],
    )
    .await;
    let r = location_step(&app, &c, "2 High Street", "Europe/London").await;
    assert_eq!(location(&r), "/partner/customers/new/summary");
    let r = app.post_form_with(&c, "/partner/customers/new", &[]).await;
    let detail = location(&r);
    let id = detail.rsplit('/').next().unwrap().to_string();
    let s = status_after_jobs(&app, &c, &id, "provisioning").await;
    assert_eq!(s["status"], "error");
    assert!(
        s["errors"][0]
            .as_str()
            .unwrap()
            .contains("Skyline PSTN does not serve GB")
    );
    let html = app.page(&c, &detail).await;
    assert!(html.contains("Retry provisioning"));
    let r = app
        .post_form_with(
            &c,
            &format!("/partner/customers/{id}/retry"),
            &[("drop_vendor", "on")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let s = status_after_jobs(&app, &c, &id, "provisioning").await;
    assert_eq!(s["status"], "provisioned");
    assert_eq!(
        app.audit_count("customer.provisioning.retry", "success")
            .await,
        1
    );
}

#[tokio::test]
async fn a_full_job_queue_sends_the_summary_back_with_the_reason_and_keeps_the_draft() {
    let app = spawn_app().await; // no worker: the queue stays as the test makes it
    let c = app.client_for(PARTNER_ADMIN).await;
    let pid = app.provisioning_id("Standard SMB (US)").await;
    info(
        &app,
        &c,
        &pid,
        "Hazel Books",
        "owner@hazel-books.example",
        "US",
    )
    .await;
    app.post_form_with(
        &c,
        "/partner/customers/new/packages",
        &[("package", "webex_calling"), ("nav", "next")],
    )
    .await;
    location_step(&app, &c, "3 Elm Street", "America/Chicago").await;
    fill_job_queue(&app).await;
    let r = app.post_form_with(&c, "/partner/customers/new", &[]).await;
    assert_eq!(r.status(), StatusCode::TOO_MANY_REQUESTS);
    assert_eq!(r.headers()["retry-after"], "2");
    let html = r.text().await.unwrap();
    assert!(html.contains("Try again in a few seconds; nothing was created."));
    assert!(html.contains("Hazel Books") && html.contains("Create customer"));
    let created: i64 = sqlx::query_scalar("SELECT count(*) FROM orgs WHERE name = 'Hazel Books'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 0);
    // Once the queue has drained, the same draft creates the customer.
    drain_job_queue(&app).await;
    let r = app.post_form_with(&c, "/partner/customers/new", &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn read_only_admins_cannot_use_the_wizard() {
    let app = spawn_app().await;
    let ro = app.client_for(PARTNER_READONLY).await;
    assert_eq!(
        app.get_with(&ro, "/partner/customers/new/info")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app.post_form_with(&ro, "/partner/customers/new", &[]).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = app.page(&ro, "/partner/customers").await;
    assert!(!html.contains("Create wholesale customer"));
}

#[tokio::test]
async fn a_us_or_canadian_headquarters_needs_its_state_and_postal_code() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let pid = app.provisioning_id("Standard SMB (US)").await;
    for (country, tz, region_error, postal_error) in [
        (
            "US",
            "America/Chicago",
            "Enter the state: addresses in the United States need one.",
            "Enter the ZIP code: addresses in the United States need one.",
        ),
        (
            "CA",
            "America/Toronto",
            "Enter the province: addresses in Canada need one.",
            "Enter the postal code: addresses in Canada need one.",
        ),
    ] {
        let r = info(
            &app,
            &c,
            &pid,
            "Iris Optics",
            "a@iris-optics.example",
            country,
        )
        .await;
        assert_eq!(location(&r), "/partner/customers/new/packages", "{country}");
        app.post_form_with(
            &c,
            "/partner/customers/new/packages",
            &[("package", "webex_calling"), ("nav", "next")],
        )
        .await;
        let r = app
            .post_form_with(
                &c,
                "/partner/customers/new/location",
                &[
                    ("location_name", "Head office"),
                    ("line1", "5 Lakeshore Road"),
                    ("line2", ""),
                    ("city", "Springfield"),
                    ("state", ""),
                    ("zip", ""),
                    ("timezone", tz),
                    ("location_language", "en_US"),
                    ("nav", "next"),
                ],
            )
            .await;
        let html = html_of(r, StatusCode::BAD_REQUEST).await;
        for (field, message) in [("state", region_error), ("zip", postal_error)] {
            assert!(
                html.contains(&format!(
                    r#"<p class="field-error" id="{field}-error">{message}</p>"#
                )),
                "{country}: {message} beside {field}: {html}"
            );
            assert!(html.contains(&format!(
                r#"id="{field}" name="{field}" value="" aria-invalid="true""#
            )));
        }
        assert!(
            html.contains(r#"value="5 Lakeshore Road""#),
            "{country}: nothing typed is lost"
        );
        assert_eq!(
            location(&app.get_with(&c, "/partner/customers/new/summary").await),
            "/partner/customers/new/location",
            "{country}: no step forward without them"
        );
        // With both, the step passes.
        let r = location_step(&app, &c, "5 Lakeshore Road", tz).await;
        assert_eq!(location(&r), "/partner/customers/new/summary", "{country}");
        app.post_form_with(&c, "/partner/customers/new/cancel", &[])
            .await;
    }
    let created: i64 = sqlx::query_scalar("SELECT count(*) FROM orgs WHERE name = 'Iris Optics'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(created, 0);
}
