//! Control Hub → Users CSV over HTTP (SPEC §5): export → import changes nothing; a
//! fixture with a row of every error class is reported by line and nothing is applied;
//! adding, modifying and deleting users through the preview and the job, with a report;
//! a file's bad shapes (wrong header, BOM and Windows line endings, too large); restricted
//! mode; two runs of the same import adding each user once; new users added together
//! getting all that one added alone gets, and seats taken since the preview refusing the
//! rows past the limit in file order.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};
use uuid::Uuid;
use wholesale_hub::domain::admin_package::LEVELS;
use wholesale_hub::domain::user_csv::header;

use crate::common::*;

async fn upload(
    app: &TestApp,
    c: &Client,
    org: Uuid,
    csv: Vec<u8>,
    add_remove: bool,
) -> reqwest::Response {
    let token = app.csrf_of(c).await;
    let mut form = Form::new().text("csrf_token", token).part(
        "file",
        Part::bytes(csv)
            .file_name("users.csv")
            .mime_str("text/csv")
            .unwrap(),
    );
    if add_remove {
        form = form.text("add_remove_services", "on");
    }
    c.post(app.url(&format!("/control/{org}/users/import")))
        .multipart(form)
        .send()
        .await
        .unwrap()
}

/// Uploads and follows to the preview; answers the import id and the preview page.
async fn preview(app: &TestApp, c: &Client, org: Uuid, csv: Vec<u8>) -> (Uuid, String) {
    let r = upload(app, c, org, csv, false).await;
    assert_eq!(
        r.status(),
        StatusCode::SEE_OTHER,
        "{}",
        r.text().await.unwrap()
    );
    let to = location(&r);
    let id = Uuid::parse_str(to.rsplit('/').next().unwrap()).unwrap();
    (id, app.page(c, &to).await)
}

fn row(first: &str, email: &str, ext: &str, loc: &str, package: Option<&str>) -> String {
    let mut cells: Vec<String> = vec![
        first.into(),
        "Lopez".into(),
        String::new(),
        email.into(),
        ext.into(),
        String::new(),
        loc.into(),
        "TRUE".into(),
        "TRUE".into(),
        "site1".into(),
        "TRUE".into(),
        "TRUE".into(),
        "TRUE".into(),
    ];
    cells.extend(LEVELS.iter().map(|p| {
        if Some(p.id()) == package {
            "TRUE"
        } else {
            "FALSE"
        }
        .to_string()
    }));
    cells.join(",")
}

fn file(rows: &[String]) -> Vec<u8> {
    let mut s = header().join(",");
    for r in rows {
        s.push('\n');
        s.push_str(r);
    }
    s.into_bytes()
}

async fn count_people(app: &TestApp, org: Uuid) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM people WHERE org_id = $1")
        .bind(org)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

async fn package_of(app: &TestApp, email: &str) -> Option<String> {
    sqlx::query_scalar("SELECT s.package FROM subscribers s JOIN people p ON p.id = s.person_id WHERE p.email = $1")
        .bind(email)
        .fetch_optional(&app.db)
        .await
        .unwrap()
}

async fn hq_name(app: &TestApp, org: Uuid) -> String {
    sqlx::query_scalar("SELECT name FROM locations WHERE org_id = $1 AND is_headquarters")
        .bind(org)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn an_export_imported_back_changes_nothing() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let r = app
        .get_with(&c, &format!("/control/{acme}/users/export.csv"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/csv")
    );
    let exported = r.bytes().await.unwrap().to_vec();
    let text = String::from_utf8(exported.clone()).unwrap();
    assert!(text.starts_with(&header().join(",")), "{text}");
    assert!(text.contains(CUSTOMER_ADMIN));
    let (_, page) = preview(&app, &c, acme, exported).await;
    for (id, n) in [
        ("import-adds", 0),
        ("import-modifies", 0),
        ("import-deletes", 0),
        ("import-errors", 0),
    ] {
        assert!(
            page.contains(&format!(r#"data-testid="{id}">{n}<"#)),
            "{id} {page}"
        );
    }
}

#[tokio::test]
async fn a_row_of_every_error_class_is_reported_by_line_and_nothing_is_applied() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let bluebird = app.org_id("Bluebird Bakery").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let hq = hq_name(&app, acme).await;
    let outsider: String =
        sqlx::query_scalar("SELECT email::text FROM people WHERE org_id = $1 LIMIT 1")
            .bind(bluebird)
            .fetch_one(&app.db)
            .await
            .unwrap();
    let before = count_people(&app, acme).await;
    let two_packages = row(
        "Two",
        "two@acme-dental.example",
        "",
        "",
        Some("webex_meetings"),
    )
    .replacen(",FALSE,FALSE,FALSE,TRUE", ",TRUE,FALSE,FALSE,TRUE", 1);
    let rows = vec![
        row(
            "Ok",
            "ok@acme-dental.example",
            "",
            "",
            Some("webex_meetings"),
        ), // 2
        row(
            "Dup",
            "OK@acme-dental.example",
            "",
            "",
            Some("webex_meetings"),
        ), // 3 duplicate email
        row(
            "NoNumber",
            "nonum@acme-dental.example",
            "",
            &hq,
            Some("webex_calling"),
        ), // 4 no number
        row("Bad", "not-an-email", "", "", Some("webex_meetings")), // 5 bad email
        row("Ext", &outsider, "", "", Some("webex_meetings")),      // 6 another org's email
        row(
            "Where",
            "where@acme-dental.example",
            "2301",
            "Atlantis",
            Some("webex_calling"),
        ), // 7 unknown location
        row(
            "Suite",
            "suite@acme-dental.example",
            "2302",
            &hq,
            Some("webex_suite"),
        ), // 8 package not held
        row("Gone", "nobody@acme-dental.example", "", "", None),    // 9 delete of nobody
        row(
            "Taken",
            "taken@acme-dental.example",
            "2001",
            &hq,
            Some("webex_calling"),
        ), // 10 extension taken
        two_packages,                                               // 11 two packages
        row(
            "=cmd()",
            "formula@acme-dental.example",
            "",
            "",
            Some("webex_meetings"),
        ), // 12 formula: warning
    ];
    let (id, page) = preview(&app, &c, acme, file(&rows)).await;
    for (line, says) in [
        (3, "also on line 2"),
        (4, "needs an extension or a phone number"),
        (5, "not an email address"),
        (6, "external user"),
        (7, "not a location of this customer"),
        (8, "does not have Webex Suite"),
        (9, "holds no package here"),
        (10, "already assigned"),
        (11, "holds one package"),
        (12, "spreadsheet formula"),
    ] {
        let at = page
            .find(&format!(r#"<td class="num">{line}</td>"#))
            .unwrap_or_else(|| panic!("line {line}: {page}"));
        let cell = &page[at..at + 800.min(page.len() - at)];
        assert!(cell.contains(says), "line {line}: {cell}");
    }
    assert!(page.contains(r#"data-testid="import-blocked""#));
    assert!(!page.contains(r#"data-testid="apply-import""#));
    let r = app
        .post_form_with(&c, &format!("/control/{acme}/users/import/{id}/apply"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    app.run_due_jobs().await;
    assert_eq!(count_people(&app, acme).await, before);
}

#[tokio::test]
async fn rows_add_modify_and_delete_users_through_the_preview_and_the_job() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let hq = hq_name(&app, acme).await;
    // Rafael (meetings) moves to calling; Mo and Ana are new; a user made now is deleted.
    let r = app
        .post_form_with(
            &c,
            &format!("/control/{acme}/users/new"),
            &[
                ("first_name_0", "Lee"),
                ("last_name_0", "Ng"),
                ("email_0", "lee@acme-dental.example"),
                ("package_0", "webex_meetings"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let rows = vec![
        row(
            "Mo",
            "mo@acme-dental.example",
            "",
            "",
            Some("webex_meetings"),
        ),
        row(
            "Ana",
            "ana@acme-dental.example",
            "2310",
            &hq,
            Some("webex_calling"),
        ),
        row(
            "Rafael",
            CUSTOMER_READONLY,
            "2311",
            &hq,
            Some("webex_calling"),
        ),
        row("Lee", "lee@acme-dental.example", "", "", None),
    ];
    let (id, page) = preview(&app, &c, acme, file(&rows)).await;
    assert!(page.contains(r#"data-testid="import-adds">2<"#), "{page}");
    assert!(page.contains(r#"data-testid="import-modifies">1<"#));
    assert!(page.contains(r#"data-testid="import-deletes">1<"#));
    // Nothing yet.
    assert_eq!(package_of(&app, "mo@acme-dental.example").await, None);
    let r = app
        .post_form_with(&c, &format!("/control/{acme}/users/import/{id}/apply"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let applying = app
        .page(&c, &format!("/control/{acme}/users/import/{id}"))
        .await;
    assert!(
        applying.contains(r#"data-testid="import-progress""#)
            && applying.contains(r#"http-equiv="refresh""#)
    );
    app.run_due_jobs().await;
    let done = app
        .page(&c, &format!("/control/{acme}/users/import/{id}"))
        .await;
    assert!(done.contains("4 rows applied, 0 failed"), "{done}");
    assert_eq!(
        package_of(&app, "mo@acme-dental.example").await.as_deref(),
        Some("webex_meetings")
    );
    assert_eq!(
        package_of(&app, "ana@acme-dental.example").await.as_deref(),
        Some("webex_calling")
    );
    assert_eq!(
        package_of(&app, CUSTOMER_READONLY).await.as_deref(),
        Some("webex_calling")
    );
    assert_eq!(package_of(&app, "lee@acme-dental.example").await, None);
    // Without "Add and remove services", the default basic licences are added.
    let basic: Vec<String> = sqlx::query_scalar(
        "SELECT unnest(s.basic_services) FROM subscribers s JOIN people p ON p.id = s.person_id WHERE p.email = 'mo@acme-dental.example' ORDER BY 1",
    )
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(
        basic,
        ["basic_calling", "basic_messaging", "basic_space_meetings"]
    );
    let report = app
        .get_with(&c, &format!("/control/{acme}/users/import/{id}/report.csv"))
        .await;
    let text = report.text().await.unwrap();
    assert!(text.starts_with("Line,Email,Action,Result"), "{text}");
    assert!(
        text.contains("mo@acme-dental.example,add,done,Added with Webex Meetings."),
        "{text}"
    );
    assert!(
        text.contains("lee@acme-dental.example,delete,done,Deleted."),
        "{text}"
    );
    // Applying twice is refused.
    let r = app
        .post_form_with(&c, &format!("/control/{acme}/users/import/{id}/apply"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
}

#[tokio::test]
async fn a_file_of_the_wrong_shape_is_refused_whole_with_a_clear_report() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let before = count_people(&app, acme).await;

    let r = upload(
        &app,
        &c,
        acme,
        b"Name,Email\nAna,ana@acme-dental.example\n".to_vec(),
        false,
    )
    .await;
    let html = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(
        html.contains("The header row lacks these columns"),
        "{html}"
    );

    // A BOM and Windows line endings are fine; quoted commas too.
    let mut text = String::from("\u{feff}");
    text.push_str(
        &String::from_utf8(file(&[row(
            "\"Ana, Jr\"",
            "ana@acme-dental.example",
            "",
            "",
            Some("webex_meetings"),
        )]))
        .unwrap()
        .replace('\n', "\r\n"),
    );
    let (_, page) = preview(&app, &c, acme, text.into_bytes()).await;
    assert!(page.contains(r#"data-testid="import-adds">1<"#), "{page}");

    // Larger than the limit: refused before it is read, with the limit named.
    let big = vec![b'x'; 50 * 1024 * 1024];
    let r = upload(&app, &c, acme, big, false).await;
    let status = r.status();
    let html = r.text().await.unwrap();
    assert_eq!(status, StatusCode::BAD_REQUEST, "{html}");
    assert!(
        html.contains("too large") && html.contains("20 MB"),
        "{html}"
    );
    assert_eq!(count_people(&app, acme).await, before);
}

#[tokio::test]
async fn restricted_mode_locks_the_import_but_not_the_export() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(CUSTOMER_ADMIN).await;
    let page = app.page(&c, &format!("/control/{acme}/users/csv")).await;
    assert!(
        page.contains(r#"data-testid="import-locked""#)
            && page.contains(r#"data-testid="export-users""#)
    );
    let r = app
        .get_with(&c, &format!("/control/{acme}/users/export.csv"))
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = upload(
        &app,
        &c,
        acme,
        file(&[row(
            "Mo",
            "mo@acme-dental.example",
            "",
            "",
            Some("webex_meetings"),
        )]),
        false,
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
}

#[tokio::test]
async fn two_runs_of_one_import_add_each_user_once() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let rows: Vec<String> = (0..40)
        .map(|i| {
            row(
                &format!("U{i}"),
                &format!("u{i}@acme-dental.example"),
                "",
                "",
                Some("webex_meetings"),
            )
        })
        .collect();
    let (id, _) = preview(&app, &c, acme, file(&rows)).await;
    let before = count_people(&app, acme).await;
    let r = app
        .post_form_with(&c, &format!("/control/{acme}/users/import/{id}/apply"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A second job for the same import, as when a worker died and its job was taken
    // again while the first still ran: both work through the rows.
    let mut conn = app.db.acquire().await.unwrap();
    wholesale_hub::jobs::queue::enqueue_payload(
        &mut conn,
        &wholesale_hub::jobs::payloads::ApplyUserImport {
            import_id: id,
            org_id: acme,
        },
        app.clock.now(),
    )
    .await
    .unwrap();
    drop(conn);
    let (a, b) = tokio::join!(app.run_due_jobs(), app.run_due_jobs());
    assert!(a + b >= 2, "both jobs ran ({a}, {b})");
    app.run_due_jobs().await;
    assert_eq!(count_people(&app, acme).await, before + 40);
    let done: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM user_import_rows WHERE import_id = $1 AND state = 'done'",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(done, 40);
}

/// One row of the file with a display name and the CSV's extras set apart from the
/// defaults, so that each is seen to arrive.
fn plain_row(first: &str, email: &str, display: &str) -> String {
    let mut cells: Vec<String> = vec![
        first.into(),
        "Plain".into(),
        display.into(),
        email.into(),
        String::new(),
        String::new(),
        String::new(),
        "FALSE".into(),
        "TRUE".into(),
        "site-7".into(),
        "TRUE".into(),
        "FALSE".into(),
        "TRUE".into(),
    ];
    cells.extend(LEVELS.iter().map(|p| {
        if p.id() == "webex_meetings" {
            "TRUE"
        } else {
            "FALSE"
        }
        .to_string()
    }));
    cells.join(",")
}

#[derive(Debug, PartialEq, sqlx::FromRow)]
struct Given {
    display_name: Option<String>,
    package: String,
    basic: Vec<String>,
    preferred_site: Option<String>,
    jabber_calling: bool,
    jabber_teams: bool,
    open_licences: i64,
    licence_named: bool,
    welcomes: i64,
    deliveries: i64,
    audited: i64,
}

/// Everything adding `email` gives them, read from the tables that hold it.
async fn given(app: &TestApp, email: &str) -> Given {
    sqlx::query_as(
        "SELECT p.display_name, s.package, s.basic_services AS basic, s.preferred_site, s.jabber_calling, s.jabber_teams,
                (SELECT count(*) FROM license_assignments la WHERE la.subscriber_id = s.id AND la.ended_at IS NULL
                   AND la.started_at = s.created_at) AS open_licences,
                (SELECT bool_and(la.person_id = p.id AND la.email = p.email::text AND la.license_id LIKE 'lic-%')
                   FROM license_assignments la WHERE la.subscriber_id = s.id) AS licence_named,
                (SELECT count(*) FROM email_outbox e WHERE e.to_address = p.email::text AND e.kind = 'welcome'
                   AND e.org_id = p.org_id AND e.body LIKE 'Hello ' || p.first_name || ',%') AS welcomes,
                (SELECT count(*) FROM jobs j JOIN email_outbox e ON j.payload->>'email_id' = e.id::text
                   WHERE j.kind = 'email.deliver' AND e.to_address = p.email::text) AS deliveries,
                (SELECT count(*) FROM audit_log a WHERE a.action = 'subscriber.create' AND a.target_org_id = p.org_id
                   AND a.detail->>'email' = p.email::text AND a.detail->>'subscriber_id' = s.id::text) AS audited
         FROM people p JOIN subscribers s ON s.person_id = p.id WHERE p.email = $1",
    )
    .bind(email)
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn new_users_without_calling_added_together_get_all_that_one_added_alone_gets() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    // The reference: one user through the form, one at a time.
    let r = app
        .post_form_with(
            &c,
            &format!("/control/{acme}/users/new"),
            &[
                ("first_name_0", "Alone"),
                ("last_name_0", "Plain"),
                ("email_0", "alone@acme-dental.example"),
                ("package_0", "webex_meetings"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let alone = given(&app, "alone@acme-dental.example").await;
    assert_eq!(
        (
            alone.open_licences,
            alone.welcomes,
            alone.deliveries,
            alone.audited
        ),
        (1, 1, 1, 1),
        "{alone:?}"
    );
    assert!(alone.licence_named);

    let rows: Vec<String> = (0..30)
        .map(|i| {
            plain_row(
                &format!("P{i}"),
                &format!("p{i}@acme-dental.example"),
                &format!("Plain Person {i}"),
            )
        })
        .collect();
    let r = upload(&app, &c, acme, file(&rows), true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let id = Uuid::parse_str(location(&r).rsplit('/').next().unwrap()).unwrap();
    let r = app
        .post_form_with(&c, &format!("/control/{acme}/users/import/{id}/apply"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.run_due_jobs().await;
    for i in [0, 17, 29] {
        let got = given(&app, &format!("p{i}@acme-dental.example")).await;
        assert_eq!(
            got,
            Given {
                display_name: Some(format!("Plain Person {i}")),
                // "Add and remove services": the file's basic licences, not the defaults.
                basic: vec!["basic_messaging".into(), "basic_calling".into()],
                preferred_site: Some("site-7".into()),
                jabber_calling: false,
                jabber_teams: true,
                ..alone_like(&alone)
            },
            "row {i}"
        );
    }
    let report = app
        .get_with(&c, &format!("/control/{acme}/users/import/{id}/report.csv"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        report.contains("p29@acme-dental.example,add,done,Added with Webex Meetings."),
        "{report}"
    );
}

/// What a CSV row's user shares with the user added alone (all but the file's extras).
fn alone_like(alone: &Given) -> Given {
    Given {
        display_name: None,
        package: alone.package.clone(),
        basic: vec![],
        preferred_site: None,
        jabber_calling: true,
        jabber_teams: true,
        open_licences: alone.open_licences,
        licence_named: alone.licence_named,
        welcomes: alone.welcomes,
        deliveries: alone.deliveries,
        audited: alone.audited,
    }
}

#[tokio::test]
async fn seats_taken_since_the_preview_refuse_the_rows_past_the_limit_in_file_order() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let rows: Vec<String> = (0..6)
        .map(|i| plain_row(&format!("S{i}"), &format!("s{i}@acme-dental.example"), ""))
        .collect();
    let (id, _) = preview(&app, &c, acme, file(&rows)).await;
    // After the preview, the partner caps Webex Meetings at four more seats than are used.
    sqlx::query(
        "UPDATE customer_packages cp SET quantity =
           (SELECT count(*) FROM subscribers s WHERE s.customer_org_id = cp.org_id AND s.package = cp.package) + 4
         WHERE cp.org_id = $1 AND cp.package = 'webex_meetings'",
    )
    .bind(acme)
    .execute(&app.db)
    .await
    .unwrap();
    let r = app
        .post_form_with(&c, &format!("/control/{acme}/users/import/{id}/apply"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.run_due_jobs().await;
    let states: Vec<(i32, String, String)> = sqlx::query_as(
        "SELECT line, state, coalesce(result, '') FROM user_import_rows WHERE import_id = $1 ORDER BY line",
    )
    .bind(id)
    .fetch_all(&app.db)
    .await
    .unwrap();
    let done: Vec<i32> = states
        .iter()
        .filter(|s| s.1 == "done")
        .map(|s| s.0)
        .collect();
    let failed: Vec<&(i32, String, String)> = states.iter().filter(|s| s.1 == "failed").collect();
    // The first four lines of the file (2 to 5) get the seats; the last two are refused
    // with the limit.
    assert_eq!(done, [2, 3, 4, 5], "{states:?}");
    assert_eq!(failed.len(), 2, "{states:?}");
    assert!(failed.iter().all(|f| f.2.contains("limit")), "{states:?}");
}
