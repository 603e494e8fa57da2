//! The customers list's tools over HTTP: filters that combine, values the list does not
//! offer, the CSV export of what is shown, and bulk actions on a selection (with its
//! confirmation, and refusals of forged, foreign and empty selections).

use reqwest::StatusCode;
use uuid::Uuid;

use crate::common::*;

/// The names of the customers a list page shows, in order.
fn names(html: &str) -> Vec<String> {
    let body = html.split("<tbody>").nth(1).unwrap_or("");
    let body = body.split("</tbody>").next().unwrap_or("");
    body.split("<a href=\"/partner/customers/")
        .skip(1)
        .filter_map(|s| s.split('>').nth(1)?.split('<').next())
        .map(|s| s.replace("&#38;", "&").replace("&amp;", "&"))
        .collect()
}

/// Northwind's live customers that pass `condition` (SQL over `o`), by name.
async fn expected(app: &TestApp, condition: &str) -> Vec<String> {
    let northwind = app.org_id("Northwind Telecom").await;
    sqlx::query_scalar(&format!(
        "SELECT o.name FROM orgs o WHERE o.onboarded_by = $1 AND o.deleted_at IS NULL AND ({condition})
         ORDER BY lower(o.name), o.id"
    ))
    .bind(northwind)
    .fetch_all(&app.db)
    .await
    .unwrap()
}

/// A template of the sub-partner: never one of Northwind's choices.
async fn southwind_template(app: &TestApp) -> Uuid {
    sqlx::query_scalar(
        "SELECT t.id FROM onboarding_templates t JOIN orgs o ON o.id = t.owner_org_id
         WHERE o.name = 'Southwind Reseller' LIMIT 1",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn filters_for_country_template_package_and_status_combine() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let template: Uuid =
        sqlx::query_scalar("SELECT template_id FROM orgs WHERE name = 'Acme Dental'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    // One customer of the template gets a package no other has.
    let acme = app.org_id("Acme Dental").await;
    sqlx::query(
        "INSERT INTO customer_packages (org_id, package, status) VALUES ($1, 'cx_essentials', 'provisioned')",
    )
    .bind(acme)
    .execute(&app.db)
    .await
    .unwrap();
    let cases = [
        ("country=US", "o.country = 'US'".to_string()),
        ("country=gb", "o.country = 'GB'".to_string()),
        (
            &format!("template={template}") as &str,
            format!("o.template_id = '{template}'"),
        ),
        (
            &format!("template={template}&country=US") as &str,
            format!("o.template_id = '{template}' AND o.country = 'US'"),
        ),
        (
            "package=cx_essentials",
            "EXISTS (SELECT 1 FROM customer_packages cp WHERE cp.org_id = o.id AND cp.package = 'cx_essentials')"
                .to_string(),
        ),
        (
            "status=provisioned&country=US&package=webex_calling",
            "o.status = 'provisioned' AND o.country = 'US' AND EXISTS (SELECT 1 FROM customer_packages cp
               WHERE cp.org_id = o.id AND cp.package = 'webex_calling')"
                .to_string(),
        ),
        ("q=bakery&country=US", "o.name ILIKE '%bakery%' AND o.country = 'US'".to_string()),
    ];
    for (query, condition) in cases {
        let want = expected(&app, &condition).await;
        assert!(!want.is_empty(), "{query}: the case shows someone");
        let html = app
            .text(&format!("/partner/customers?{query}&per=100"))
            .await;
        assert_eq!(names(&html), want, "{query}");
        assert!(
            html.contains(&format!(
                r#"data-testid="result-count">{} customer"#,
                want.len()
            )),
            "{query}: the total counts the filtered customers"
        );
    }
    // The choices shown are the partner's own templates, with the one in use selected.
    let html = app
        .text(&format!("/partner/customers?template={template}"))
        .await;
    assert!(html.contains(&format!(r#"<option value="{template}" selected>"#)));
    let southwind_template = southwind_template(&app).await;
    assert!(!html.contains(&southwind_template.to_string()));
    discard(app).await;
}

#[tokio::test]
async fn the_page_size_and_the_sort_headers_carry_the_filters() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let all = expected(&app, "true").await;
    assert!(all.len() > 10);
    let html = app.text("/partner/customers?per=50").await;
    assert_eq!(names(&html), all, "50 a page shows all 25 seeded");
    // The header of the Country column sorts by it and keeps the filter and page size.
    let html = app
        .text("/partner/customers?status=provisioned&per=50")
        .await;
    let href = html
        .split(r#"<a class="sort" href=""#)
        .skip(1)
        .find(|s| s.contains(">Country"))
        .and_then(|s| s.split('"').next())
        .map(unescape)
        .expect("a Country header link");
    assert_eq!(
        href,
        "/partner/customers?status=provisioned&sort=country&per=50"
    );
    let html = app.text(&href).await;
    assert!(html.contains(r#"aria-sort="ascending"><a class="sort""#));
    let northwind = app.org_id("Northwind Telecom").await;
    let want: Vec<String> = sqlx::query_scalar(
        "SELECT name FROM orgs WHERE onboarded_by = $1 AND deleted_at IS NULL AND status = 'provisioned'
         ORDER BY country, lower(name), id",
    )
    .bind(northwind)
    .fetch_all(&app.db)
    .await
    .unwrap();
    assert_eq!(names(&html), want);
    // Clicking it again reverses it.
    let html = app
        .text("/partner/customers?status=provisioned&sort=-country&per=50")
        .await;
    let mut reversed = want.clone();
    reversed.reverse();
    assert_eq!(names(&html), reversed);
    discard(app).await;
}

#[tokio::test]
async fn values_the_list_does_not_offer_are_named_and_left_out() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let all = expected(&app, "true").await;
    let first_page: Vec<String> = all.iter().take(25).cloned().collect();
    for (query, message) in [
        ("q=a", "at least 2 characters"),
        ("q=%25", "at least 2 characters"),
        ("sort=users", "cannot be sorted that way"),
        ("sort=name;DROP", "cannot be sorted that way"),
        ("status=lost", "That status is not one the list offers"),
        ("country=ZZ", "That country is not one the list offers"),
        ("package=gold", "That package is not one the list offers"),
        (
            "template=not-an-id",
            "That template is not one the list offers",
        ),
        ("per=1000", "Pages hold 25, 50 or 100"),
        ("page=abc", "page number is not valid"),
    ] {
        let html = app
            .page_with_status(
                &app.client,
                &format!("/partner/customers?{query}"),
                StatusCode::BAD_REQUEST,
            )
            .await;
        assert!(html.contains(message), "{query}: {message}");
        assert!(html.contains(r#"data-testid="list-notices""#));
        assert_eq!(
            names(&html),
            first_page,
            "{query}: the list is shown unfiltered"
        );
    }
    // The short search stays in the box as typed.
    let html = app
        .page_with_status(
            &app.client,
            "/partner/customers?q=a",
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(html.contains(r#"name="q" type="search" value="a""#));
    // Spaces only are no search at all.
    let html = app.text("/partner/customers?q=+++").await;
    assert_eq!(names(&html), first_page);
    // `%` and `_` are characters: nothing is named like that.
    for q in ["%25_", "%25%25%25", "__", "a_c"] {
        let html = app.text(&format!("/partner/customers?q={q}")).await;
        assert!(names(&html).is_empty(), "{q} matches no name");
        assert!(html.contains("No customer matches this search"));
    }
    // Another partner's template is not one of ours: nothing, and said so.
    let southwind_template = southwind_template(&app).await;
    let html = app
        .page_with_status(
            &app.client,
            &format!("/partner/customers?template={southwind_template}"),
            StatusCode::BAD_REQUEST,
        )
        .await;
    assert!(html.contains("That template is not one of yours"));
    assert!(names(&html).is_empty());
    discard(app).await;
}

/// The rows of a CSV body (the header first), parsed.
fn csv_rows(body: &str) -> Vec<Vec<String>> {
    csv::ReaderBuilder::new()
        .has_headers(false)
        .from_reader(body.as_bytes())
        .records()
        .map(|r| r.unwrap().iter().map(str::to_string).collect())
        .collect()
}

#[tokio::test]
async fn the_csv_export_has_every_filtered_customer_in_order_and_no_formula() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    // A name a spreadsheet would run as a formula.
    sqlx::query("UPDATE orgs SET name = '=HYPERLINK(\"http://x\")', external_id = '+1+cmd' WHERE name = 'Delta Plumbing'")
        .execute(&app.db)
        .await
        .unwrap();
    // More customers than the largest page: the export is not paged.
    let northwind = app.org_id("Northwind Telecom").await;
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, status, country, onboarded_by)
         SELECT gen_random_uuid(), 'customer', 'Export Co ' || lpad(i::text, 3, '0'), 'provisioned', 'US', $1
         FROM generate_series(1, 130) AS i",
    )
    .bind(northwind)
    .execute(&app.db)
    .await
    .unwrap();
    // The list page links the export with its own filters.
    let html = app.text("/partner/customers?country=US&sort=-name").await;
    assert!(html.contains(
        r#"href="/partner/customers/export.csv?country=US&#38;sort=-name" data-testid="export-csv""#
    ) || html.contains(
        r#"href="/partner/customers/export.csv?country=US&amp;sort=-name" data-testid="export-csv""#
    ));
    let r = app
        .get("/partner/customers/export.csv?country=US&sort=-name")
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(
        r.headers()["content-type"].to_str().unwrap(),
        "text/csv; charset=utf-8"
    );
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment; filename=\"customers-")
    );
    let rows = csv_rows(&r.text().await.unwrap());
    assert_eq!(rows[0][0], "Name");
    assert_eq!(rows[0].len(), 9);
    let mut want = expected(&app, "o.country = 'US'").await;
    want.reverse();
    assert!(want.len() > 100);
    let got: Vec<String> = rows[1..].iter().map(|r| r[0].clone()).collect();
    let want: Vec<String> = want
        .into_iter()
        .map(|n| {
            if n.starts_with('=') {
                format!("'{n}")
            } else {
                n
            }
        })
        .collect();
    assert_eq!(got, want);
    let delta = rows
        .iter()
        .find(|r| r[0].contains("HYPERLINK"))
        .expect("the formula-like name is exported");
    assert_eq!(delta[0], "'=HYPERLINK(\"http://x\")");
    assert_eq!(delta[1], "'+1+cmd");
    // Acme's packages and template are written out.
    let acme = rows.iter().find(|r| r[0] == "Acme Dental").unwrap();
    assert!(acme[5].contains("Webex Calling"), "{acme:?}");
    assert!(!acme[4].is_empty());
    // A search exports only its matches; a bad value is refused, not ignored.
    let r = app.get("/partner/customers/export.csv?q=bakery").await;
    let rows = csv_rows(&r.text().await.unwrap());
    assert_eq!(rows.len(), 2);
    assert_eq!(rows[1][0], "Bluebird Bakery");
    let r = app.get("/partner/customers/export.csv?sort=users").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    // Another partner's customers are never in it.
    let r = app.get("/partner/customers/export.csv?q=aurora").await;
    assert_eq!(csv_rows(&r.text().await.unwrap()).len(), 1);
    // A customer admin has no export.
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let r = app
        .get_with(&customer, "/partner/customers/export.csv")
        .await;
    assert!(
        matches!(r.status(), StatusCode::FORBIDDEN | StatusCode::NOT_FOUND),
        "{}",
        r.status()
    );
    discard(app).await;
}

async fn restricted(app: &TestApp, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT restricted_by_partner FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Posts the bulk form as the list sends it: action, back, and each id.
async fn bulk(app: &TestApp, action: &str, ids: &[String], confirm: bool) -> reqwest::Response {
    let mut fields: Vec<(&str, &str)> = vec![
        ("action", action),
        ("back", "/partner/customers?country=US"),
    ];
    for id in ids {
        fields.push(("ids", id));
    }
    if confirm {
        fields.push(("confirm", "yes"));
    }
    app.post_form("/partner/customers/bulk", &fields).await
}

#[tokio::test]
async fn a_bulk_action_asks_naming_the_count_then_changes_every_selected_customer() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let picked = ["Acme Dental", "Bluebird Bakery", "Delta Plumbing"];
    let mut ids = vec![];
    for name in picked {
        let id = app.org_id(name).await;
        assert!(restricted(&app, id).await, "{name} starts restricted");
        ids.push(id);
    }
    let id_texts: Vec<String> = ids.iter().map(Uuid::to_string).collect();
    // The list offers the selection.
    let html = app.text("/partner/customers").await;
    assert!(html.contains(&format!(r#"name="ids" value="{}" form="bulk""#, ids[0])));
    // First post: the question, naming the count and each customer; nothing changed yet.
    let html = html_of(
        bulk(&app, "restrict_off", &id_texts, false).await,
        StatusCode::OK,
    )
    .await;
    assert!(html.contains("Turn restricted-by-partner mode off for 3 customers?"));
    for name in picked {
        assert!(html.contains(name), "{name} is named");
    }
    for id in &ids {
        assert!(
            restricted(&app, *id).await,
            "nothing changes before the answer"
        );
    }
    // The answer: every one changes, audited one by one; back to the list it came from.
    let r = bulk(&app, "restrict_off", &id_texts, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(location(&r), "/partner/customers?country=US");
    for id in &ids {
        assert!(!restricted(&app, *id).await);
    }
    let audited: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM audit_log WHERE action = 'customer.global_settings.update'
           AND target_org_id = ANY($1) AND detail->>'bulk' = 'true'",
    )
    .bind(&ids)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(audited, 3);
    let html = app.text("/partner/customers?country=US").await;
    assert!(html.contains("Restricted-by-partner mode is off for 3 customers."));
    // And on again.
    let r = bulk(&app, "restrict_on", &id_texts, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for id in &ids {
        assert!(restricted(&app, *id).await);
    }
    // Removing wholesale services: asked with the count, then every one is removing.
    let two = &id_texts[1..];
    let html = html_of(bulk(&app, "remove", two, false).await, StatusCode::OK).await;
    assert!(html.contains("Remove the wholesale services of 2 customers?"));
    let r = bulk(&app, "remove", two, true).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for id in &ids[1..] {
        assert_eq!(app.org_status(*id).await.as_deref(), Some("deleting"));
    }
    assert_eq!(app.org_status(ids[0]).await.as_deref(), Some("provisioned"));
    discard(app).await;
}

#[tokio::test]
async fn forged_foreign_empty_and_busy_selections_change_nothing() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    let acme = app.org_id("Acme Dental").await;
    let aurora = app.org_id("Aurora Salon").await; // Southwind's
    let harbor = app.org_id("Harbor Realty").await; // provisioning
    let ours = acme.to_string();
    for (ids, status) in [
        (
            vec![ours.clone(), aurora.to_string()],
            StatusCode::NOT_FOUND,
        ),
        (
            vec![ours.clone(), Uuid::new_v4().to_string()],
            StatusCode::NOT_FOUND,
        ),
        (
            vec![ours.clone(), "not-an-id".to_string()],
            StatusCode::NOT_FOUND,
        ),
    ] {
        for confirm in [false, true] {
            let r = bulk(&app, "restrict_off", &ids, confirm).await;
            assert_eq!(r.status(), status, "{ids:?} confirm={confirm}");
        }
        assert!(restricted(&app, acme).await, "{ids:?}: Acme is unchanged");
        assert!(restricted(&app, aurora).await, "Aurora is unchanged");
    }
    // None selected: said so.
    let html = html_of(
        bulk(&app, "restrict_off", &[], true).await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(html.contains("Select at least one customer first."));
    // No action chosen, or one not offered.
    for action in ["", "delete_everything"] {
        let html = html_of(
            bulk(&app, action, std::slice::from_ref(&ours), true).await,
            StatusCode::BAD_REQUEST,
        )
        .await;
        assert!(html.contains("Choose what to do with the selected customers."));
    }
    // A customer still provisioning refuses the removal of all, naming it.
    let r = bulk(&app, "remove", &[ours.clone(), harbor.to_string()], true).await;
    let html = html_of(r, StatusCode::CONFLICT).await;
    assert!(html.contains("Harbor Realty: The customer is provisioning"));
    assert_eq!(app.org_status(acme).await.as_deref(), Some("provisioned"));
    // A read-only admin may not, whatever the ids.
    let ro = app.client_for(PARTNER_READONLY).await;
    let r = app
        .post_form_with(
            &ro,
            "/partner/customers/bulk",
            &[
                ("action", "restrict_off"),
                ("ids", &ours),
                ("confirm", "yes"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let html = app.page(&ro, "/partner/customers").await;
    assert!(
        !html.contains(r#"id="bulk""#),
        "no bulk form for a read-only admin"
    );
    assert!(restricted(&app, acme).await);
    // Without the session's token, refused before anything is read.
    let r = app
        .client
        .post(app.url("/partner/customers/bulk"))
        .form(&[
            ("action", "restrict_off"),
            ("ids", ours.as_str()),
            ("confirm", "yes"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(restricted(&app, acme).await);
    discard(app).await;
}
