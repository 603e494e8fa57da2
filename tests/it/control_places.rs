//! Control Hub → Locations and Workspaces over HTTP (SPEC §2, §5, §7): adding, editing
//! and removing each, bad input refused with what was typed kept, the international
//! calling default and who may change it afterwards, workspaces' seats, numbers and
//! licence intervals, and restricted mode's reach.

use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::*;

const NEW_LOCATION: [(&str, &str); 8] = [
    ("location_name", "Warehouse"),
    ("line1", "12 Dock Road"),
    ("city", "Newark"),
    ("state", "NJ"),
    ("zip", "07105"),
    ("country", "US"),
    ("timezone", "America/New_York"),
    ("language", "en_US"),
];

async fn location_id(app: &TestApp, org: Uuid, name: &str) -> Option<(Uuid, bool)> {
    sqlx::query_as(
        "SELECT id, international_calling FROM locations WHERE org_id = $1 AND name = $2",
    )
    .bind(org)
    .bind(name)
    .fetch_optional(&app.db)
    .await
    .unwrap()
}

fn with(
    base: &[(&'static str, &'static str)],
    changes: &[(&'static str, &'static str)],
) -> Vec<(&'static str, &'static str)> {
    let mut out: Vec<(&str, &str)> = base
        .iter()
        .filter(|(k, _)| !changes.iter().any(|(c, _)| c == k))
        .cloned()
        .collect();
    out.extend_from_slice(changes);
    out
}

#[tokio::test]
async fn locations_are_added_checked_and_kept_with_the_calling_default() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(CUSTOMER_ADMIN).await;
    let path = format!("/control/{acme}/locations");

    // Bad input: each field says what is wrong, what was typed stays.
    let r = app
        .post_form_with(
            &c,
            &path,
            &with(
                &NEW_LOCATION,
                &[
                    ("location_name", ""),
                    ("line1", ""),
                    ("timezone", "Mars/Olympus"),
                ],
            ),
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("Enter the location name"), "{html}");
    assert!(
        html.contains("Mars/Olympus") && html.contains(r#"value="Newark""#),
        "{html}"
    );
    assert!(location_id(&app, acme, "Warehouse").await.is_none());

    // A customer admin adds one even in restricted mode (SPEC §7 does not lock it);
    // international calling is allowed by default (SPEC §2).
    let r = app.post_form_with(&c, &path, &NEW_LOCATION).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (id, international) = location_id(&app, acme, "Warehouse").await.unwrap();
    assert!(international);
    let list = app.page(&c, &path).await;
    assert!(list.contains("Warehouse") && list.contains("12 Dock Road"));

    // The same name again is refused.
    let r = app.post_form_with(&c, &path, &NEW_LOCATION).await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("already has a location named"), "{html}");

    // After creation, the calling setting is the partner's alone.
    let page = app.page(&c, &format!("{path}/{id}")).await;
    assert!(page.contains(r#"data-testid="calling-locked""#));
    let r = app
        .post_form_with(
            &c,
            &format!("{path}/{id}"),
            &with(&NEW_LOCATION, &[("calling_shown", "1")]),
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let partner = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &partner,
            &format!("{path}/{id}"),
            &with(
                &NEW_LOCATION,
                &[("calling_shown", "1"), ("location_name", "Depot")],
            ),
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location_id(&app, acme, "Depot").await, Some((id, false)));

    // The headquarters is never removed; an unused location is.
    let (hq,): (Uuid,) =
        sqlx::query_as("SELECT id FROM locations WHERE org_id = $1 AND is_headquarters")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let r = app
        .post_form_with(&c, &format!("{path}/{hq}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    let r = app
        .post_form_with(&c, &format!("{path}/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location_id(&app, acme, "Depot").await.is_none());

    // A read-only admin changes nothing.
    let ro = app.client_for(CUSTOMER_READONLY).await;
    let r = app.post_form_with(&ro, &path, &NEW_LOCATION).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn with_cisco_calling_plan_a_new_location_has_international_calling_off() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    sqlx::query("INSERT INTO customer_packages (org_id, package, status) VALUES ($1, 'cisco_calling_plan', 'provisioned')")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    let partner = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &partner,
            &format!("/control/{acme}/locations"),
            &NEW_LOCATION,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (id, international) = location_id(&app, acme, "Warehouse").await.unwrap();
    assert!(!international);
    let r = app
        .post_form_with(
            &partner,
            &format!("/control/{acme}/locations/{id}"),
            &with(
                &NEW_LOCATION,
                &[("calling_shown", "1"), ("international_calling", "on")],
            ),
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("stays off"), "{html}");
}

async fn licences(app: &TestApp, workspace: Uuid) -> Vec<(Option<Uuid>, bool)> {
    sqlx::query_as(
        "SELECT location_id, ended_at IS NULL FROM license_assignments WHERE workspace_id = $1 ORDER BY started_at, ended_at NULLS LAST",
    )
    .bind(workspace)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn workspaces_take_a_seat_a_number_and_a_licence_interval_per_location() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let partner = app.client_for(PARTNER_ADMIN).await;
    let path = format!("/control/{acme}/workspaces");
    let (hq,): (Uuid,) =
        sqlx::query_as("SELECT id FROM locations WHERE org_id = $1 AND is_headquarters")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let hq_s = hq.to_string();
    let good = [
        ("name", "Door phone"),
        ("kind", "door"),
        ("location", hq_s.as_str()),
        ("extension", "1101"),
    ];

    for (what, fields, says) in [
        (
            "no number",
            vec![
                ("name", "Door phone"),
                ("kind", "door"),
                ("location", hq_s.as_str()),
            ],
            "phone number, an extension",
        ),
        (
            "an extension taken",
            vec![
                ("name", "Door phone"),
                ("kind", "door"),
                ("location", hq_s.as_str()),
                ("extension", "1000"),
            ],
            "already assigned",
        ),
        (
            "no location",
            vec![
                ("name", "Door phone"),
                ("kind", "door"),
                ("extension", "1101"),
            ],
            "Choose one of the customer",
        ),
    ] {
        let r = app.post_form_with(&partner, &path, &fields).await;
        let html = html_of(r, StatusCode::BAD_REQUEST).await;
        assert!(html.contains(says), "{what}: {html}");
    }

    let r = app.post_form_with(&partner, &path, &good).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id: Uuid =
        sqlx::query_scalar("SELECT id FROM workspaces WHERE org_id = $1 AND name = 'Door phone'")
            .bind(acme)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(licences(&app, id).await, vec![(Some(hq), true)]);

    // Moved to a new location: one interval ends, the next opens.
    let r = app
        .post_form_with(
            &partner,
            &format!("/control/{acme}/locations"),
            &NEW_LOCATION,
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let (warehouse, _) = location_id(&app, acme, "Warehouse").await.unwrap();
    let w_s = warehouse.to_string();
    let r = app
        .post_form_with(
            &partner,
            &format!("{path}/{id}"),
            &[
                ("name", "Door phone"),
                ("kind", "door"),
                ("location", w_s.as_str()),
                ("extension", "1101"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        licences(&app, id).await,
        vec![(Some(hq), false), (Some(warehouse), true)]
    );

    // A location with a workspace is not removed.
    let r = app
        .post_form_with(
            &partner,
            &format!("/control/{acme}/locations/{warehouse}/delete"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);

    // No Common Area Calling seat left: refused naming the package's limit.
    sqlx::query("UPDATE customer_packages SET quantity = (SELECT count(*) FROM workspaces WHERE org_id = $1) WHERE org_id = $1 AND package = 'common_area_calling'")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    let r = app
        .post_form_with(
            &partner,
            &path,
            &[
                ("name", "Gate"),
                ("kind", "other"),
                ("location", hq_s.as_str()),
                ("extension", "1102"),
            ],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("the package&#39;s limit is 2"), "{html}");

    // Removed: its licence ends.
    let r = app
        .post_form_with(&partner, &format!("{path}/{id}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(licences(&app, id).await.iter().all(|(_, open)| !open));

    // In restricted mode the customer's own admin adds none.
    let c = app.client_for(CUSTOMER_ADMIN).await;
    let page = app.page(&c, &path).await;
    assert!(page.contains(r#"data-testid="workspaces-locked""#));
    let r = app.post_form_with(&c, &path, &good).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn hybrid_customers_get_the_org_settings_toggle_and_flex_only_ones_no_wholesale_way_in() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let bluebird = app.org_id("Bluebird Bakery").await;
    let partner = app.client_for(PARTNER_ADMIN).await;

    // The demo's hybrid customer shows the toggle; a wholesale-only one does not.
    let hybrid = app
        .page(&partner, &format!("/partner/customers/{bluebird}"))
        .await;
    assert!(hybrid.contains("Restrict access to organisation settings"));
    let plain = app
        .page(&partner, &format!("/partner/customers/{acme}"))
        .await;
    assert!(!plain.contains("Restrict access to organisation settings"));

    // The partner marks Acme Dental as also holding Flex, and restricts its org settings.
    let r = app
        .post_form_with(
            &partner,
            &format!("/partner/customers/{acme}/global-settings"),
            &[
                ("restricted_by_partner", "on"),
                ("flex_shown", "1"),
                ("has_flex_subscription", "on"),
                ("restrict_org_settings", "on"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let calling = app
        .page(&customer, &format!("/control/{acme}/calling"))
        .await;
    assert!(
        calling.contains("your partner restricts organisation settings"),
        "{calling}"
    );
    // Hybrid: the wholesale menu is there.
    let users = app.page(&customer, &format!("/control/{acme}/users")).await;
    assert!(users.contains(&format!(r#"href="/control/{acme}/wholesale""#)));
    let wholesale = app
        .page(&customer, &format!("/control/{acme}/wholesale"))
        .await;
    assert!(wholesale.contains("Northwind Telecom") && wholesale.contains("Webex Calling"));

    // Flex only (its wholesale services gone): no wholesale menu, no way in for the partner.
    sqlx::query("DELETE FROM customer_packages WHERE org_id = $1")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    let users = app.page(&customer, &format!("/control/{acme}/users")).await;
    assert!(!users.contains(&format!(r#"href="/control/{acme}/wholesale""#)));
    let r = app
        .get_with(&customer, &format!("/control/{acme}/wholesale"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let detail = app
        .page(&partner, &format!("/partner/customers/{acme}"))
        .await;
    assert!(
        !detail.contains(r#"data-testid="launch-control-hub""#),
        "{detail}"
    );
    let r = app
        .get_with(&partner, &format!("/control/{acme}/users"))
        .await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}
