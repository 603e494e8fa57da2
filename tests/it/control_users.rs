//! Control Hub → Users over HTTP (SPEC §5, §7): adding users in one form, all or none;
//! the restriction matrix (every users control × restricted mode on and off × role),
//! each cell as the page shows it and as the server answers a direct POST; the mode
//! turned off taking effect for a session already open; admin roles; a package change
//! in the user's history; every page of a long list in name order, from either end.

use reqwest::{Client, StatusCode};
use uuid::Uuid;

use crate::common::*;

async fn set_restricted(app: &TestApp, org: Uuid, on: bool) {
    sqlx::query("UPDATE orgs SET restricted_by_partner = $2 WHERE id = $1")
        .bind(org)
        .bind(on)
        .execute(&app.db)
        .await
        .unwrap();
}

async fn person(app: &TestApp, email: &str) -> Uuid {
    sqlx::query_scalar("SELECT id FROM people WHERE email = $1")
        .bind(email)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn subscribers_of(app: &TestApp, org: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM subscribers WHERE customer_org_id = $1")
        .bind(org)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

fn row(
    i: usize,
    first: &str,
    email: &str,
    package: &str,
    extension: &str,
) -> Vec<(String, String)> {
    vec![
        (format!("first_name_{i}"), first.to_string()),
        (format!("last_name_{i}"), "Lopez".to_string()),
        (format!("email_{i}"), email.to_string()),
        (format!("package_{i}"), package.to_string()),
        (format!("extension_{i}"), extension.to_string()),
    ]
}

async fn post_rows(
    app: &TestApp,
    c: &Client,
    org: Uuid,
    rows: &[Vec<(String, String)>],
) -> reqwest::Response {
    let fields: Vec<(String, String)> = rows.iter().flatten().cloned().collect();
    let borrowed: Vec<(&str, &str)> = fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    app.post_form_with(c, &format!("/control/{org}/users/new"), &borrowed)
        .await
}

#[tokio::test]
async fn three_users_added_in_one_form_or_none_when_a_row_is_refused() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let before = subscribers_of(&app, acme).await;

    // One refused row (a calling package without a number) refuses all three.
    let r = post_rows(
        &app,
        &c,
        acme,
        &[
            row(0, "Ana", "ana@acme-dental.example", "webex_meetings", ""),
            row(1, "Ben", "ben@acme-dental.example", "webex_calling", ""),
            row(2, "Cy", "cy@acme-dental.example", "webex_calling", "2402"),
        ],
    )
    .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("Nothing was added"), "{html}");
    assert!(html.contains("Row 2 (ben@acme-dental.example)"), "{html}");
    // What was typed is kept.
    assert!(html.contains(r#"value="cy@acme-dental.example""#) && html.contains(r#"value="2402""#));
    assert_eq!(subscribers_of(&app, acme).await, before);

    let r = post_rows(
        &app,
        &c,
        acme,
        &[
            row(0, "Ana", "ana@acme-dental.example", "webex_meetings", ""),
            row(1, "Ben", "ben@acme-dental.example", "webex_calling", "2401"),
            row(2, "Cy", "cy@acme-dental.example", "webex_calling", "2402"),
        ],
    )
    .await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    assert_eq!(subscribers_of(&app, acme).await, before + 3);
    let list = app
        .page(&c, &format!("/control/{acme}/users?q=lopez"))
        .await;
    assert!(
        list.contains("3 users") && list.contains("ben@acme-dental.example"),
        "{list}"
    );
    let calling = app
        .page(
            &c,
            &format!("/control/{acme}/users?package=webex_calling&q=lopez"),
        )
        .await;
    assert!(calling.contains("2 users") && !calling.contains("ana@acme-dental.example"));

    // A used-up package is not offered; the form says how many seats are free.
    sqlx::query("UPDATE customer_packages SET quantity = (SELECT count(*) FROM subscribers WHERE customer_org_id = $1 AND package = 'webex_meetings') WHERE org_id = $1 AND package = 'webex_meetings'")
        .bind(acme)
        .execute(&app.db)
        .await
        .unwrap();
    let form = app.page(&c, &format!("/control/{acme}/users/new")).await;
    assert!(form.contains("Webex Meetings: 0 of"), "{form}");
    assert!(
        !form.contains(r#"<option value="webex_meetings""#),
        "{form}"
    );
}

/// A users control of the matrix: how to post it, and how the page shows it unlocked.
struct Cell {
    name: &'static str,
    /// The form posted (path under the user or the users page, fields).
    path: &'static str,
    fields: &'static [(&'static str, &'static str)],
    /// Page (relative to the users list) and the marker it shows when the control is open.
    page: &'static str,
    open_marker: &'static str,
    /// Locked by restricted mode for customer admins (names are not, SPEC §7).
    restricted: bool,
}

const CELLS: [Cell; 6] = [
    Cell {
        name: "add users",
        path: "/new",
        fields: &[
            ("first_name_0", "Mo"),
            ("last_name_0", "Diaz"),
            ("email_0", "mo@acme-dental.example"),
            ("package_0", "webex_meetings"),
        ],
        page: "",
        open_marker: r#"data-testid="add-users""#,
        restricted: true,
    },
    Cell {
        name: "change package",
        path: "/{rafael}/package",
        fields: &[("package", "webex_calling"), ("extension", "2450")],
        page: "/{rafael}",
        open_marker: r#"data-testid="package-form""#,
        restricted: true,
    },
    Cell {
        name: "primary number",
        path: "/{carla}/package",
        fields: &[("package", "webex_calling"), ("extension", "2451")],
        page: "/{carla}",
        open_marker: r#"name="extension""#,
        restricted: true,
    },
    Cell {
        name: "remove",
        path: "/{rafael}/delete",
        fields: &[],
        page: "/{rafael}",
        open_marker: "Remove user",
        restricted: true,
    },
    Cell {
        name: "names",
        path: "/{rafael}",
        fields: &[
            ("first_name", "Rafa"),
            ("last_name", "Ortiz"),
            ("email", "customer.readonly@acme-dental.example"),
        ],
        page: "/{rafael}",
        open_marker: "Save names",
        restricted: false,
    },
    Cell {
        name: "admin role",
        path: "/{rafael}/role",
        fields: &[("role", "readonly")],
        page: "/{rafael}",
        open_marker: r#"data-testid="role-form""#,
        restricted: false,
    },
];

#[tokio::test]
async fn the_restriction_matrix_holds_in_the_page_and_on_the_server() {
    let prepared = spawn_app().await;
    let template = into_template(prepared).await;
    let mut failures = vec![];
    for cell in &CELLS {
        for restricted in [true, false] {
            for who in [CUSTOMER_ADMIN, CUSTOMER_READONLY, PARTNER_ADMIN] {
                let app = spawn_copy_of(&template).await;
                let acme = app.org_id("Acme Dental").await;
                set_restricted(&app, acme, restricted).await;
                let rafael = person(&app, CUSTOMER_READONLY).await.to_string();
                let carla = person(&app, CUSTOMER_ADMIN).await.to_string();
                let fill = |p: &str| {
                    format!(
                        "/control/{acme}/users{}",
                        p.replace("{rafael}", &rafael).replace("{carla}", &carla)
                    )
                };
                // Partner admins are never bound by the mode; read-only admins change
                // nothing; a customer full admin is bound where the cell is restricted.
                // Admin roles are given by full admins only.
                let open = match who {
                    PARTNER_ADMIN => true,
                    CUSTOMER_READONLY => false,
                    _ => !(restricted && cell.restricted),
                };
                let c = app.client_for(who).await;
                let page = app.page(&c, &fill(cell.page)).await;
                if page.contains(cell.open_marker) != open {
                    failures.push(format!(
                        "{} (mode {}) as {who}: the page shows it {}",
                        cell.name,
                        if restricted { "on" } else { "off" },
                        if open { "locked" } else { "open" }
                    ));
                }
                let r = app.post_form_with(&c, &fill(cell.path), cell.fields).await;
                let refused = r.status() == StatusCode::FORBIDDEN;
                if refused == open {
                    failures.push(format!(
                        "{} (mode {}) as {who}: the server answered {}",
                        cell.name,
                        if restricted { "on" } else { "off" },
                        r.status()
                    ));
                }
                if refused {
                    let (who_denied, _) = app.last_denial().await;
                    assert_eq!(who_denied.as_deref(), Some(who), "a refusal is audited");
                }
                discard(app).await;
            }
        }
    }
    drop_database(&template).await;
    assert!(failures.is_empty(), "{failures:#?}");
}

#[tokio::test]
async fn turning_restricted_mode_off_lets_an_open_session_add_users_at_once() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let one = [row(
        0,
        "Eve",
        "eve@acme-dental.example",
        "webex_meetings",
        "",
    )];
    let r = post_rows(&app, &customer, acme, &one).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let users = app.page(&customer, &format!("/control/{acme}/users")).await;
    assert!(users.contains("Locked by your partner's restricted mode"));

    // The partner turns the mode off on the customer's page.
    let partner = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .post_form_with(
            &partner,
            &format!("/partner/customers/{acme}/global-settings"),
            &[],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);

    // The same session, not signed in again.
    let users = app.page(&customer, &format!("/control/{acme}/users")).await;
    assert!(users.contains(r#"data-testid="add-users""#), "{users}");
    let r = post_rows(&app, &customer, acme, &one).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let list = app
        .page(&customer, &format!("/control/{acme}/users?q=eve@"))
        .await;
    assert!(list.contains("eve@acme-dental.example"));
}

#[tokio::test]
async fn full_admins_give_admin_roles_and_the_last_one_keeps_theirs() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let carla = person(&app, CUSTOMER_ADMIN).await;
    let rafael = person(&app, CUSTOMER_READONLY).await;
    let c = app.client_for(CUSTOMER_ADMIN).await;

    // Carla is the only full admin: she cannot step down.
    let r = app
        .post_form_with(
            &c,
            &format!("/control/{acme}/users/{carla}/role"),
            &[("role", "readonly")],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(html.contains("only full administrator"), "{html}");

    let r = app
        .post_form_with(
            &c,
            &format!("/control/{acme}/users/{rafael}/role"),
            &[("role", "full")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app
        .page(&c, &format!("/control/{acme}/users/{rafael}"))
        .await;
    assert!(page.contains("Full administrator"), "{page}");

    // Now Carla may step down to read-only, and her next page shows her roles changed.
    let r = app
        .post_form_with(
            &c,
            &format!("/control/{acme}/users/{carla}/role"),
            &[("role", "readonly")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app
        .post_form_with(
            &c,
            &format!("/control/{acme}/users/{rafael}/role"),
            &[("role", "none")],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::FORBIDDEN,
        "a read-only admin gives no roles"
    );
}

#[tokio::test]
async fn a_package_change_shows_in_the_users_history() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    set_restricted(&app, acme, false).await;
    let rafael = person(&app, CUSTOMER_READONLY).await;
    let c = app.client_for(CUSTOMER_ADMIN).await;
    let path = format!("/control/{acme}/users/{rafael}");

    // Meetings → Calling without a number: refused beside the field, typed input kept.
    let r = app
        .post_form_with(
            &c,
            &format!("{path}/package"),
            &[("package", "webex_calling"), ("phone", "")],
        )
        .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        html.contains("Moving to a calling package needs the user&#39;s phone number"),
        "{html}"
    );

    let r = app
        .post_form_with(
            &c,
            &format!("{path}/package"),
            &[("package", "webex_calling"), ("extension", "2460")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let page = app.page(&c, &path).await;
    assert!(page.contains("Package changed."));
    let history = &page[page.find(r#"data-testid="package-history""#).unwrap()..];
    let calling = history.find("Webex Calling").unwrap();
    let meetings = history.find("Webex Meetings").unwrap();
    assert!(calling < meetings, "newest first: {history}");
}

/// The emails of a users list page, in the order shown.
fn emails_shown(page: &str) -> Vec<String> {
    page.split(r#"<tr data-testid="user-row">"#)
        .skip(1)
        .filter_map(|row| {
            let cell = row.split("</td>").nth(1)?;
            Some(cell.trim_start_matches("\n  <td>").trim().to_string())
        })
        .collect()
}

#[tokio::test]
async fn every_page_of_a_long_list_shows_the_next_users_in_name_order_from_either_end() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    // 287 more people, their last names in mixed case, so that the order is by name
    // in any case, then first name, then email.
    sqlx::query(
        "INSERT INTO people (id, org_id, email, first_name, last_name)
         SELECT gen_random_uuid(), $1, 'p' || i || '@acme-dental.example', 'First ' || (i % 7),
                CASE WHEN i % 2 = 0 THEN 'zeta ' ELSE 'Zeta ' END || (i % 11)
         FROM generate_series(1, 287) i",
    )
    .bind(acme)
    .execute(&app.db)
    .await
    .unwrap();
    let expected: Vec<String> = sqlx::query_scalar(
        "SELECT email::text FROM people WHERE org_id = $1
         ORDER BY lower(last_name), lower(first_name), email, id",
    )
    .bind(acme)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let c = app.client_for(PARTNER_ADMIN).await;
    let pages = expected.len().div_ceil(50);
    assert!(pages >= 3, "{} people", expected.len());
    let mut shown = vec![];
    for n in 1..=pages {
        let page = app
            .page(&c, &format!("/control/{acme}/users?page={n}"))
            .await;
        assert!(
            page.contains(&format!(
                r#"data-testid="result-count">{} users<"#,
                expected.len()
            )),
            "page {n}"
        );
        let rows = emails_shown(&page);
        assert_eq!(rows.len(), 50.min(expected.len() - shown.len()), "page {n}");
        shown.extend(rows);
    }
    // The pages of the second half are read backwards from the end, and show the same.
    assert_eq!(shown, expected);
    // Past the last page: no one.
    let past = app
        .page(&c, &format!("/control/{acme}/users?page={}", pages + 1))
        .await;
    assert!(emails_shown(&past).is_empty());
}

#[tokio::test]
async fn a_search_counts_every_match_not_only_the_page_it_shows() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    sqlx::query(
        "INSERT INTO people (id, org_id, email, first_name, last_name)
         SELECT gen_random_uuid(), $1, 'zed' || g || '@acme-dental.example', 'Zed', 'Quill' || g
         FROM generate_series(1, 60) g",
    )
    .bind(acme)
    .execute(&app.db)
    .await
    .unwrap();
    let c = app.client_for(CUSTOMER_ADMIN).await;
    let first = app
        .page(&c, &format!("/control/{acme}/users?q=quill"))
        .await;
    assert!(first.contains("60 users"), "the total of every match");
    assert_eq!(first.matches("Quill").count(), 50, "a page of fifty");
    let second = app
        .page(&c, &format!("/control/{acme}/users?q=quill&page=2"))
        .await;
    assert!(
        second.contains("60 users"),
        "the same total on the second page"
    );
    assert_eq!(second.matches("Quill").count(), 10, "the ten left");
}
