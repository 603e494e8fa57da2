//! Onboarding, suspending and reinstating sub-partners (SPEC §11), and what a
//! suspended one may still do (SPEC §9.4).

use reqwest::{Client, Method, StatusCode};
use uuid::Uuid;

use crate::common::*;

const EASTWIND: &str = "Eastwind Networks";
const SUB_PARTNER: &str = "Southwind Reseller";
const NEW_ADMIN: &str = "first.admin@westwind.example";
const PASSWORD: &str = "a long enough password for tests";

async fn subscription_of_northwind(app: &TestApp) -> String {
    sqlx::query_scalar(
        "SELECT s.id FROM wholesale_subscriptions s JOIN orgs o ON o.id = s.partner_org_id
         WHERE o.name = 'Northwind Telecom' ORDER BY s.id LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

async fn state_of(app: &TestApp, id: Uuid) -> Option<String> {
    sqlx::query_scalar("SELECT provisioning_state FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn latest_invitation(app: &TestApp) -> (String, String) {
    app.latest_email(NEW_ADMIN, "sub_partner_invitation").await
}

/// Suspends or reinstates (`action`) sub-partner `id` as `c`.
async fn act(app: &TestApp, c: &Client, id: Uuid, action: &str) -> reqwest::Response {
    app.post_form_with(
        c,
        &format!("/partner/indirect-providers/{id}/{action}"),
        &[],
    )
    .await
}

async fn onboard(app: &TestApp, c: &Client, fields: &[(&str, &str)]) -> reqwest::Response {
    app.post_form_with(c, "/partner/indirect-providers/new", fields)
        .await
}

#[tokio::test]
async fn a_parent_onboards_a_sub_partner_that_is_pending_until_its_admin_accepts() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let list = app.page(&c, "/partner/indirect-providers").await;
    assert!(list.contains(r#"href="/partner/indirect-providers/new""#));
    let form = app.page(&c, "/partner/indirect-providers/new").await;
    let subscription = subscription_of_northwind(&app).await;
    assert!(
        form.contains(&subscription),
        "the parent's subscription is offered"
    );

    let r = onboard(
        &app,
        &c,
        &[
            ("name", "Westwind Telecom"),
            ("admin_email", NEW_ADMIN),
            ("admin_first_name", "Wes"),
            ("admin_last_name", "Tern"),
            ("subscription_id", &subscription),
            ("billing_start_date", ""),
        ],
    )
    .await;
    assert_eq!(location(&r), "/partner/indirect-providers");
    let list = app.page(&c, "/partner/indirect-providers").await;
    assert!(list.contains("Westwind Telecom is onboarded"));
    assert!(list.contains("Pending") && list.contains(NEW_ADMIN));

    let id = app.org_id("Westwind Telecom").await;
    let (kind, shared, start, today): (String, Option<String>, time::Date, time::Date) =
        sqlx::query_as(
            "SELECT kind, shared_subscription_id, billing_start_date, (now() AT TIME ZONE 'UTC')::date
             FROM orgs WHERE id = $1",
        )
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(kind, "sub_partner");
    assert_eq!(shared.as_deref(), Some(subscription.as_str()));
    assert_eq!(
        start, today,
        "billing starts on the onboarding date by default"
    );
    assert_eq!(state_of(&app, id).await.as_deref(), Some("pending"));
    let roles: Vec<String> = sqlx::query_scalar(
        "SELECT r.role FROM role_assignments r JOIN people p ON p.id = r.person_id
         WHERE p.email = $1 AND r.org_id = $2 ORDER BY r.role",
    )
    .bind(NEW_ADMIN)
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(roles, ["partner_full_admin", "wholesale_admin"]);
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'sub_partner.onboard' AND target_org_id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 1);

    // The API reports it pending, with its subscription and billing start.
    let token = token_for(&app, PARTNER_ADMIN).await;
    let body = json_of(
        app.api_get(
            Some(&token),
            "/v1/wholesale/subPartners?provisioningState=pending",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    let item = body["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|i| i["orgId"] == id.to_string())
        .expect("the new sub-partner is listed as pending");
    assert_eq!(item["subscriptionId"], subscription.as_str());
    assert!(
        item["billingStartDate"]
            .as_str()
            .unwrap()
            .starts_with(&today.to_string())
    );

    // The invitation: an email to the admin, with a link to choose a password.
    let (subject, body) = latest_invitation(&app).await;
    assert!(subject.contains("Westwind Telecom") && subject.contains("Northwind Telecom"));
    let first = invite_link_in(&app, &body);

    // Past its expiry the link is refused; the parent sends a new one.
    app.clock.advance(time::Duration::days(8));
    let c = app.client_for(PARTNER_ADMIN).await; // the old session expired too
    let expired = app
        .get_with(&new_client(), &first)
        .await
        .text()
        .await
        .unwrap();
    assert!(expired.contains("has expired"), "{expired}");
    let r = app
        .post_form_with(&c, &format!("/partner/indirect-providers/{id}/invite"), &[])
        .await;
    assert_eq!(location(&r), "/partner/indirect-providers");
    assert!(
        app.page(&c, "/partner/indirect-providers")
            .await
            .contains("A new invitation is on its way")
    );
    let (_, body) = latest_invitation(&app).await;
    let link = invite_link_in(&app, &body);
    assert_ne!(link, first, "a new link");
    let token = link.split("token=").nth(1).unwrap().to_string();

    let invited = new_client();
    app.page(&invited, &link).await;
    let r = app
        .post_form_with(
            &invited,
            "/login/invite",
            &[
                ("token", &token),
                ("first_name", ""),
                ("last_name", ""),
                ("password", PASSWORD),
                ("confirmation", PASSWORD),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(&app, id).await.as_deref(), Some("active"));
    // Signed in to its own Partner Hub, which has no Indirect providers of its own.
    let hub = app.page(&invited, "/partner").await;
    assert!(hub.contains(r#"data-testid="hub-org">Westwind Telecom<"#));
    assert!(!hub.contains("Indirect providers"));
    // An active sub-partner's admin is not invited again.
    let r = app
        .post_form_with(&c, &format!("/partner/indirect-providers/{id}/invite"), &[])
        .await;
    assert_eq!(location(&r), "/partner/indirect-providers");
    assert!(
        app.page(&c, "/partner/indirect-providers")
            .await
            .contains("administrator is invited again; this one is active")
    );
    // The link works once.
    let again = new_client();
    let used = app.get_with(&again, &link).await.text().await.unwrap();
    assert!(used.contains("has been used already"));
    let list = app.page(&c, "/partner/indirect-providers").await;
    assert!(!list.contains(NEW_ADMIN), "no longer shown as invited");
}

#[tokio::test]
async fn refused_onboardings_say_why_beside_each_field_and_keep_what_was_typed() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let subscription = subscription_of_northwind(&app).await;
    // (fields, the message, what the form still holds)
    type Case<'a> = (&'a [(&'a str, &'a str)], &'a str, &'a str);
    let cases: [Case; 6] = [
        (
            &[("name", "Quillon Comms"), ("admin_email", "not-an-email")],
            "Enter an email address such as name@example.com.",
            r#"value="not-an-email""#,
        ),
        (
            &[
                ("name", "southwind reseller"),
                ("admin_email", "x@kestrel.example"),
            ],
            "You have a sub-partner of this name already.",
            r#"value="southwind reseller""#,
        ),
        (
            &[("name", "Quillon Comms"), ("admin_email", RESELLER_ADMIN)],
            "This email address belongs to someone already",
            r#"value="Quillon Comms""#,
        ),
        (
            &[
                ("name", "Quillon Comms"),
                ("admin_email", "x@kestrel.example"),
                ("billing_start_date", "2001-01-01"),
            ],
            "The billing start date cannot be in the past.",
            r#"value="2001-01-01""#,
        ),
        (
            &[
                ("name", "Quillon Comms"),
                ("admin_email", "x@kestrel.example"),
                ("billing_start_date", "next tuesday"),
            ],
            "Enter the date as YYYY-MM-DD",
            r#"value="x@kestrel.example""#,
        ),
        (
            &[("name", ""), ("admin_email", "x@kestrel.example")],
            "Enter the company name.",
            r#"value="x@kestrel.example""#,
        ),
    ];
    for (fields, message, kept) in cases {
        let mut all: Vec<(&str, &str)> = vec![
            ("admin_first_name", "Kim"),
            ("admin_last_name", "Lee"),
            ("subscription_id", &subscription),
        ];
        all.extend_from_slice(fields);
        let html = html_of(onboard(&app, &c, &all).await, StatusCode::BAD_REQUEST).await;
        assert!(html.contains(message), "{fields:?}: no “{message}”");
        assert!(html.contains(kept), "{fields:?}: lost what was typed");
    }
    // Another partner's subscription (or a made-up one) cannot be shared.
    let html = html_of(
        onboard(
            &app,
            &c,
            &[
                ("name", "Quillon Comms"),
                ("admin_email", "x@kestrel.example"),
                ("admin_first_name", "Kim"),
                ("admin_last_name", "Lee"),
                ("subscription_id", "SUB-NOT-OURS"),
            ],
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(html.contains("Choose one of your own subscriptions."));
    let made: Vec<(String, String)> =
        sqlx::query_as("SELECT name, kind FROM orgs WHERE lower(name) LIKE 'quillon%'")
            .fetch_all(&app.db)
            .await
            .unwrap();
    assert!(
        made.is_empty(),
        "nothing is made by a refused form: {made:?}"
    );
}

#[tokio::test]
async fn only_a_parents_own_full_admin_onboards_suspends_or_reinstates() {
    let app = spawn_app().await;
    let subscription = subscription_of_northwind(&app).await;
    let southwind = app.org_id(SUB_PARTNER).await;
    let fields = [
        ("name", "Osprey Telecom"),
        ("admin_email", "a@osprey.example"),
        ("admin_first_name", "Ann"),
        ("admin_last_name", "Ode"),
        ("subscription_id", subscription.as_str()),
    ];
    for who in [
        PARTNER_READONLY,
        WHOLESALE_ADMIN,
        OPERATIONS_LEAD,
        RESELLER_ADMIN,
    ] {
        let c = app.client_for(who).await;
        assert_eq!(
            app.get_with(&c, "/partner/indirect-providers/new")
                .await
                .status(),
            StatusCode::FORBIDDEN,
            "{who} opened the form"
        );
        assert_eq!(
            onboard(&app, &c, &fields).await.status(),
            StatusCode::FORBIDDEN,
            "{who}"
        );
        for action in ["suspend", "reinstate"] {
            let r = app
                .post_form_with(
                    &c,
                    &format!("/partner/indirect-providers/{southwind}/{action}"),
                    &[],
                )
                .await;
            assert!(
                [StatusCode::FORBIDDEN, StatusCode::NOT_FOUND].contains(&r.status()),
                "{who} could {action}: {}",
                r.status()
            );
        }
    }
    // Nor the parent's admin while cross-launched into a sub-partner's hub.
    let c = app.client_for(PARTNER_ADMIN).await;
    app.cross_launch(&c).await;
    assert_eq!(
        onboard(&app, &c, &fields).await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(state_of(&app, southwind).await.as_deref(), Some("active"));
    let made: i64 = sqlx::query_scalar("SELECT count(*) FROM orgs WHERE name = 'Osprey Telecom'")
        .fetch_one(&app.db)
        .await
        .unwrap();
    assert_eq!(made, 0);
}

#[tokio::test]
async fn a_suspended_sub_partner_can_only_look_and_remove_until_reinstated() {
    let app = spawn_app().await;
    let parent = app.client_for(PARTNER_ADMIN).await;
    let southwind = app.org_id(SUB_PARTNER).await;
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let reseller_token = token_for(&app, RESELLER_ADMIN).await;
    assert_eq!(
        app.get_with(&reseller, "/partner/customers/new")
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "the wizard opens at its first step"
    );

    let r = act(&app, &parent, southwind, "suspend").await;
    assert_eq!(location(&r), "/partner/indirect-providers");
    assert_eq!(
        state_of(&app, southwind).await.as_deref(),
        Some("suspended")
    );
    let list = app.page(&parent, "/partner/indirect-providers").await;
    assert!(list.contains("The sub-partner is suspended") && list.contains(">Reinstate<"));

    // The parent cannot enter its hub while it is suspended; the attempt is audited.
    let r = act(&app, &parent, southwind, "launch").await;
    assert_eq!(
        location(&r),
        "/partner/indirect-providers",
        "{:?}",
        r.status()
    );
    let list = app.page(&parent, "/partner/indirect-providers").await;
    assert!(list.contains("is suspended, so its hub cannot be entered"));
    assert!(
        app.page(&parent, "/partner")
            .await
            .contains(r#"data-testid="hub-org">Northwind Telecom<"#),
        "still in the parent's own hub"
    );
    let refused: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'cross_launch.enter' AND outcome = 'denied'
         AND target_org_id = $1",
    )
    .bind(southwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(refused, 1);

    // Its admin, already signed in, sees the notice at once and can change nothing…
    let hub = app.page(&reseller, "/partner").await;
    assert!(hub.contains(r#"data-testid="suspended-notice""#));
    app.page(&reseller, "/partner/customers").await;
    assert_eq!(
        app.get_with(&reseller, "/partner/customers/new")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        app.get_with(&reseller, "/partner/templates/new")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
    let r = app
        .api_call(
            Some(&reseller_token),
            Method::POST,
            "/v1/wholesale/customers",
            Some(&serde_json::json!({"provisioningId": "x", "packages": ["webex_meetings"]})),
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "no new customers through the API"
    );
    // … but may still remove a customer's wholesale services.
    let customer = app.org_id("Aurora Salon").await;
    let detail = app
        .page(&reseller, &format!("/partner/customers/{customer}"))
        .await;
    assert!(
        detail.contains("Remove wholesale services")
            && !detail.contains(r#"data-testid="edit-customer""#)
    );
    let r = app
        .api_call(
            Some(&reseller_token),
            Method::DELETE,
            &format!("/v1/wholesale/customers/{customer}"),
            None,
        )
        .await;
    assert_eq!(r.status(), StatusCode::ACCEPTED, "removal stays open");

    // The parent's API shows the state.
    let token = token_for(&app, PARTNER_ADMIN).await;
    let body = json_of(
        app.api_get(
            Some(&token),
            "/v1/wholesale/subPartners?provisioningState=suspended",
        )
        .await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 1);
    assert_eq!(body["items"][0]["orgId"], southwind.to_string());

    // Suspending twice changes nothing; reinstating opens the hub again at once.
    let r = act(&app, &parent, southwind, "suspend").await;
    assert_eq!(location(&r), "/partner/indirect-providers");
    assert!(
        app.page(&parent, "/partner/indirect-providers")
            .await
            .contains("Only an active sub-partner can be suspended")
    );
    let r = act(&app, &parent, southwind, "reinstate").await;
    assert_eq!(location(&r), "/partner/indirect-providers");
    assert_eq!(state_of(&app, southwind).await.as_deref(), Some("active"));
    assert!(
        !app.page(&reseller, "/partner")
            .await
            .contains("suspended-notice")
    );
    assert_eq!(
        app.get_with(&reseller, "/partner/customers/new")
            .await
            .status(),
        StatusCode::SEE_OTHER,
        "the wizard opens at its first step"
    );
    let actions: Vec<String> = sqlx::query_scalar(
        "SELECT action FROM audit_log WHERE target_org_id = $1 AND action LIKE 'sub_partner.%' ORDER BY id",
    )
    .bind(southwind)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(actions, ["sub_partner.suspend", "sub_partner.reinstate"]);
}

#[tokio::test]
async fn sibling_sub_partners_never_see_each_other_or_each_others_customers() {
    let app = spawn_app().await;
    let eastwind = app.org_id(EASTWIND).await;
    let southwind = app.org_id(SUB_PARTNER).await;
    let fern = app.org_id("Fern Florists").await;
    let aurora = app.org_id("Aurora Salon").await;
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let token = token_for(&app, RESELLER_ADMIN).await;

    let customers = app.page(&reseller, "/partner/customers").await;
    assert!(customers.contains("Aurora Salon") && !customers.contains("Fern Florists"));
    for path in [
        format!("/partner/customers/{fern}"),
        format!("/control/{fern}/users"),
    ] {
        assert_eq!(
            app.get_with(&reseller, &path).await.status(),
            StatusCode::NOT_FOUND,
            "{path}"
        );
    }
    for path in [
        format!("/v1/wholesale/customers/{fern}"),
        format!("/v1/wholesale/customers?orgId={fern}"),
        format!("/v1/wholesale/customers?onBehalfOfSubPartnerOrgId={eastwind}"),
    ] {
        let r = app.api_get(Some(&token), &path).await;
        let status = r.status();
        if status == StatusCode::OK {
            let body: serde_json::Value = r.json().await.unwrap();
            assert_eq!(
                body["items"].as_array().map(Vec::len),
                Some(0),
                "{path}: {body}"
            );
        } else {
            assert!(
                [
                    StatusCode::NOT_FOUND,
                    StatusCode::FORBIDDEN,
                    StatusCode::BAD_REQUEST
                ]
                .contains(&status),
                "{path}: {status}"
            );
        }
    }
    // No way into a sibling's hub, nor a list of siblings.
    let r = app
        .post_form_with(
            &reseller,
            &format!("/partner/indirect-providers/{eastwind}/launch"),
            &[],
        )
        .await;
    assert!([StatusCode::NOT_FOUND, StatusCode::FORBIDDEN].contains(&r.status()));
    let body = json_of(
        app.api_get(Some(&token), "/v1/wholesale/subPartners").await,
        StatusCode::OK,
    )
    .await;
    assert_eq!(body["items"].as_array().unwrap().len(), 0);

    // The parent sees both sub-partners, and each one's customers through it.
    let parent = app.client_for(PARTNER_ADMIN).await;
    let list = app.page(&parent, "/partner/indirect-providers").await;
    assert!(list.contains(SUB_PARTNER) && list.contains(EASTWIND));
    let ptoken = token_for(&app, PARTNER_ADMIN).await;
    for (sub, mine, theirs) in [(southwind, aurora, fern), (eastwind, fern, aurora)] {
        let body = json_of(
            app.api_get(
                Some(&ptoken),
                &format!("/v1/wholesale/customers?onBehalfOfSubPartnerOrgId={sub}&max=100"),
            )
            .await,
            StatusCode::OK,
        )
        .await;
        let ids: Vec<&str> = body["items"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|i| i["orgId"].as_str())
            .collect();
        assert!(ids.contains(&mine.to_string().as_str()), "{sub}: {ids:?}");
        assert!(
            !ids.contains(&theirs.to_string().as_str()),
            "{sub}: {ids:?}"
        );
    }
}

/// Southwind's objects, for a sibling to try: (placeholder-filled path) per route.
pub(crate) struct SouthwindObjects {
    pub(crate) southwind: Uuid,
    pub(crate) aurora: Uuid,
    person: Uuid,
    template: Uuid,
    location: Uuid,
    subscriber: Uuid,
    job: i64,
    token: Uuid,
}

impl SouthwindObjects {
    pub(crate) async fn load(app: &TestApp) -> Self {
        let southwind = app.org_id(SUB_PARTNER).await;
        let aurora = app.org_id("Aurora Salon").await;
        let one = |sql: &'static str, id: Uuid| {
            let db = app.db.clone();
            async move {
                sqlx::query_scalar::<_, Uuid>(sql)
                    .bind(id)
                    .fetch_one(&db)
                    .await
                    .unwrap_or_else(|e| panic!("{sql}: {e}"))
            }
        };
        let person = one(
            "SELECT id FROM people WHERE org_id = $1 ORDER BY created_at, id LIMIT 1",
            aurora,
        )
        .await;
        let template = one(
            "SELECT id FROM onboarding_templates WHERE owner_org_id = $1 LIMIT 1",
            southwind,
        )
        .await;
        let location = one(
            "SELECT id FROM locations WHERE org_id = $1 ORDER BY is_headquarters DESC LIMIT 1",
            aurora,
        )
        .await;
        let subscriber = one(
            "SELECT id FROM subscribers WHERE customer_org_id = $1 ORDER BY created_at, id LIMIT 1",
            aurora,
        )
        .await;
        let job: i64 = sqlx::query_scalar(
            "INSERT INTO jobs (kind, org_id, state, attempts, max_attempts, run_at, created_at, updated_at, last_error)
             VALUES ('test.noop', $1, 'dead', 5, 5, now(), now(), now(), 'boom') RETURNING id",
        )
        .bind(aurora)
        .fetch_one(&app.db)
        .await
        .unwrap();
        let (token, _) = app.new_token(RESELLER_ADMIN).await;
        Self {
            southwind,
            aurora,
            person,
            template,
            location,
            subscriber,
            job,
            token,
        }
    }

    /// The route's path with Southwind's objects in it; `None` for routes that take
    /// no tenant object a sibling could aim at.
    pub(crate) fn fill(&self, path: &str) -> Option<String> {
        if !path.contains('{')
            || path.starts_with("/login/")
            || path.starts_with("/static")
            // Single sign-on settings take the signed-in partner's own IdPs only; their
            // tests try another partner's (sso_saml, sso_oidc).
            || path.starts_with("/partner/settings/sso/")
        {
            return None;
        }
        let id = if path.starts_with("/control/{org}/locations/")
            || path.starts_with("/control/{org}/workspaces/")
        {
            self.location.to_string()
        } else if path.starts_with("/control/{org}/users/import/") {
            Uuid::new_v4().to_string()
        } else if path.starts_with("/partner/templates/") {
            self.template.to_string()
        } else if path.starts_with("/partner/indirect-providers/") {
            self.southwind.to_string()
        } else if path.starts_with("/partner/jobs/") {
            self.job.to_string()
        } else if path.starts_with("/partner/settings/api-tokens/") {
            self.token.to_string()
        } else if path.starts_with("/v1/wholesale/subscribers/") {
            self.subscriber.to_string()
        } else {
            self.aurora.to_string()
        };
        Some(
            path.replace("{id}", &id)
                .replace("{org}", &self.aurora.to_string())
                .replace("{person}", &self.person.to_string()),
        )
    }
}

#[tokio::test]
async fn a_sibling_sub_partner_reaches_none_of_another_sub_partners_objects_on_any_route() {
    let app = spawn_app().await;
    let objects = SouthwindObjects::load(&app).await;
    // Every route, pages with the sibling's session and the API with its token
    // (`isolation::refused_everywhere` asserts 403 or 404 on each).
    let tried = crate::isolation::refused_everywhere(
        &app,
        "reseller.admin@eastwind.example",
        &|route: &str| objects.fill(route),
    )
    .await;
    assert!(tried >= 40, "only {tried} routes take a tenant object");
    // The same pages open for Southwind's own admin: the paths aim at real objects.
    let own = app.client_for(RESELLER_ADMIN).await;
    let mut opened = 0;
    for (method, route) in app.routes.clone() {
        if method != Method::GET || route.starts_with("/v1/") {
            continue;
        }
        let Some(path) = objects.fill(route) else {
            continue;
        };
        if app.get_with(&own, &path).await.status() == StatusCode::OK {
            opened += 1;
        }
    }
    eprintln!("sibling sweep: {tried} routes refused; {opened} of their pages open for the owner");
    assert!(
        opened >= 15,
        "only {opened} of the sibling's refused pages open for their owner"
    );
    // Nothing of Southwind's changed.
    assert_eq!(
        state_of(&app, objects.southwind).await.as_deref(),
        Some("active")
    );
    assert!(!app.org_deleted(objects.aurora).await);
    let revoked: Option<time::OffsetDateTime> =
        sqlx::query_scalar("SELECT revoked_at FROM api_tokens WHERE id = $1")
            .bind(objects.token)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(revoked.is_none(), "Southwind's token still works");
    // The attempt to enter Southwind's hub is on the record.
    let denied: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'cross_launch.enter' AND outcome = 'denied'
         AND target_org_id = $1 AND actor_email = 'reseller.admin@eastwind.example'",
    )
    .bind(objects.southwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(denied, 1);
}
