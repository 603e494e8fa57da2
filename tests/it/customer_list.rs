//! The customers list at any depth: keyset Next/Previous, page-number jumps read from
//! the nearer end, First/Last, and the counters behind its totals (migration 0007).

use std::collections::BTreeMap;

use uuid::Uuid;

use crate::common::*;

const PAGE: usize = 25;

/// Northwind gets `n` more customers with clashing names (case-only differences) and
/// clashing creation times, so the id must break ties; one in seven is in `error`, and
/// one in eleven is deleted (never listed).
async fn add_customers(app: &TestApp, n: i32) {
    let northwind = app.org_id("Northwind Telecom").await;
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, status, country, onboarded_by, created_at, updated_at, deleted_at)
         SELECT gen_random_uuid(), 'customer',
                CASE WHEN i % 3 = 0 THEN 'Paging Co ' ELSE 'paging co ' END || lpad((i / 2)::text, 3, '0'),
                CASE WHEN i % 7 = 0 THEN 'error' ELSE 'provisioned' END, (ARRAY['US', 'CA', 'GB', 'US', 'AU'])[i % 5 + 1], $1,
                now() - make_interval(hours => i / 4), now(),
                CASE WHEN i % 11 = 0 THEN now() END
         FROM generate_series(1, $2) AS i",
    )
    .bind(northwind)
    .bind(n)
    .execute(&app.db)
    .await
    .unwrap();
}

/// The customer ids of a list page, in order, and its Next / Previous / Last links.
struct Shown {
    ids: Vec<Uuid>,
    total: i64,
    next: Option<String>,
    prev: Option<String>,
    last: Option<String>,
}

fn link(html: &str, marker: &str) -> Option<String> {
    let a = html.split("<a ").find(|a| {
        a.split('>')
            .next()
            .is_some_and(|attrs| attrs.contains(marker))
    })?;
    let href = a.split("href=\"").nth(1)?.split('"').next()?;
    Some(unescape(href))
}

async fn shown(app: &TestApp, path: &str) -> Shown {
    let html = app.text(path).await;
    let body = html.split("<tbody>").nth(1).unwrap_or("");
    let ids = body
        .split("href=\"/partner/customers/")
        .skip(1)
        .filter_map(|s| Uuid::parse_str(&s[..36]).ok())
        .collect();
    let total = html
        .split(r#"data-testid="result-count">"#)
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|n| n.parse().ok())
        .expect("a result count");
    Shown {
        ids,
        total,
        next: link(&html, r#"rel="next""#),
        prev: link(&html, r#"rel="prev""#),
        last: link(&html, r#"data-testid="last-page""#),
    }
}

/// The live customers of Northwind in the order of `sort`, straight from the table:
/// with a status, and with a search: anywhere in the name or the external id, any case,
/// when the search has a word of three letters or digits; otherwise a name prefix, any
/// case, or the exact external id.
async fn expected_matching(
    app: &TestApp,
    order: &str,
    status: Option<&str>,
    search: Option<&str>,
) -> Vec<Uuid> {
    let northwind = app.org_id("Northwind Telecom").await;
    sqlx::query_scalar(&format!(
        "SELECT o.id FROM orgs o WHERE o.onboarded_by = $1 AND o.deleted_at IS NULL
           AND ($2::text IS NULL OR o.status = $2)
           AND ($3::text IS NULL
                OR ($4 AND (strpos(lower(o.name), lower($3)) > 0 OR strpos(lower(o.external_id), lower($3)) > 0))
                OR (NOT $4 AND (starts_with(lower(o.name), lower($3)) OR o.external_id = $3)))
         ORDER BY {order}"
    ))
    .bind(northwind)
    .bind(status)
    .bind(search)
    .bind(search.is_some_and(|s| {
        s.split(|c: char| !c.is_alphanumeric())
            .any(|w| w.chars().count() >= 3)
    }))
    .fetch_all(&app.db)
    .await
    .unwrap()
}

async fn expected(app: &TestApp, order: &str, status: Option<&str>) -> Vec<Uuid> {
    expected_matching(app, order, status, None).await
}

#[tokio::test]
async fn a_search_finds_any_part_of_a_name_or_external_id_once_each() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    add_customers(&app, 140).await;
    // One customer matches by name and by external id; another only by external id.
    sqlx::query(
        "UPDATE orgs SET external_id = 'Paging Co 01' WHERE id = (SELECT id FROM orgs
           WHERE name ILIKE 'paging co 01%' AND deleted_at IS NULL ORDER BY id LIMIT 1)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("UPDATE orgs SET external_id = 'Paging Co 0' WHERE name = 'Acme Dental'")
        .execute(&app.db)
        .await
        .unwrap();
    for (q, status) in [
        ("Paging Co 01", None),
        ("paging co 0", None),
        ("Paging Co 0", Some("error")),
        ("PAGING", None),
        // In the middle of the name: "paging co 012" and the like.
        ("aging co 01", None),
        ("ging", Some("error")),
        // Two characters: the start of a name (or a whole external id).
        ("pa", None),
    ] {
        for (sort, order) in [
            ("name", "lower(o.name), o.id"),
            ("-created", "o.created_at DESC, o.id DESC"),
            (
                "country",
                "coalesce(o.country::text, ''), lower(o.name), o.id",
            ),
        ] {
            let want = expected_matching(&app, order, status, Some(q)).await;
            assert!(!want.is_empty());
            let mut page = shown(
                &app,
                &format!(
                    "/partner/customers?q={}&status={}&sort={sort}",
                    q.replace(' ', "+"),
                    status.unwrap_or("")
                ),
            )
            .await;
            assert_eq!(page.total as usize, want.len(), "{q} {status:?}");
            let mut walked = page.ids.clone();
            while let Some(next) = page.next.clone() {
                page = shown(&app, &next).await;
                walked.extend(page.ids.iter().copied());
            }
            assert_eq!(walked, want, "{q} {status:?} {sort}");
        }
    }
    let acme = app.org_id("Acme Dental").await;
    let page = shown(&app, "/partner/customers?q=Paging+Co+0").await;
    assert!(page.ids.contains(&acme), "the exact external id finds Acme");
    let page = shown(&app, "/partner/customers?q=paging+co+0&sort=name").await;
    assert!(
        page.ids.contains(&acme),
        "a search of a word of three finds any case of the external id"
    );
    let page = shown(&app, "/partner/customers?q=cme+De").await;
    assert_eq!(
        page.ids,
        [acme],
        "a word in the middle of the name finds it"
    );
}

#[tokio::test]
async fn next_and_previous_walk_every_customer_once_in_every_order() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    add_customers(&app, 140).await;
    for (sort, order) in [
        ("name", "lower(o.name), o.id"),
        ("-name", "lower(o.name) DESC, o.id DESC"),
        ("created", "o.created_at, o.id"),
        ("-created", "o.created_at DESC, o.id DESC"),
        ("status", "coalesce(o.status, ''), lower(o.name), o.id"),
        (
            "-country",
            "coalesce(o.country::text, '') DESC, lower(o.name) DESC, o.id DESC",
        ),
    ] {
        for status in [None, Some("error")] {
            let want = expected(&app, order, status).await;
            let first = format!(
                "/partner/customers?sort={sort}&status={}",
                status.unwrap_or("")
            );
            // Forwards by Next to the end.
            let mut pages = vec![];
            let mut page = shown(&app, &first).await;
            assert_eq!(page.total as usize, want.len(), "{sort} {status:?}");
            loop {
                pages.push(page.ids.clone());
                let Some(next) = page.next.clone() else { break };
                assert!(next.contains("after="), "Next is a keyset link: {next}");
                page = shown(&app, &next).await;
            }
            let walked: Vec<Uuid> = pages.iter().flatten().copied().collect();
            assert_eq!(walked, want, "Next walks {sort} {status:?} in order");
            assert!(
                pages
                    .iter()
                    .all(|p| p.len() == PAGE || p == pages.last().unwrap())
            );
            // Backwards by Previous to the start.
            let mut back = vec![page.ids.clone()];
            while let Some(prev) = page.prev.clone() {
                page = shown(&app, &prev).await;
                back.push(page.ids.clone());
            }
            back.reverse();
            assert_eq!(back, pages, "Previous walks {sort} {status:?} back");
            // Every page number, as a direct jump, shows the same rows (pages past the
            // middle are read from the end).
            for (i, ids) in pages.iter().enumerate() {
                let jump = shown(&app, &format!("{first}&page={}", i + 1)).await;
                assert_eq!(&jump.ids, ids, "page {} of {sort} {status:?}", i + 1);
            }
        }
    }
}

#[tokio::test]
async fn last_and_out_of_range_pages() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    add_customers(&app, 140).await;
    let want = expected(&app, "lower(o.name), o.id", None).await;
    let pages = want.len().div_ceil(PAGE);
    let first = shown(&app, "/partner/customers").await;
    assert_eq!(first.total as usize, want.len());
    let last = first.last.clone().expect("a Last link on page 1");
    let last = shown(&app, &last).await;
    assert_eq!(last.ids, want[(pages - 1) * PAGE..].to_vec());
    assert!(last.next.is_none());
    // Beyond the end: no rows, and a way back to the last page.
    let beyond = shown(&app, &format!("/partner/customers?page={}", pages + 5)).await;
    assert!(beyond.ids.is_empty() && beyond.prev.is_some());
    // A cursor of another partner's customer (or no customer) is not followed.
    let foreign = app.org_id("Aurora Salon").await;
    for cursor in [foreign, Uuid::new_v4()] {
        let page = shown(&app, &format!("/partner/customers?page=2&after={cursor}")).await;
        assert!(page.ids.is_empty(), "an unknown cursor shows nothing");
    }
    let page = shown(&app, "/partner/customers?page=2&after=not-an-id").await;
    assert_eq!(
        page.ids,
        want[PAGE..2 * PAGE].to_vec(),
        "a bad cursor is a jump"
    );
}

/// Counts by (partner, status) as a query gives them.
async fn counts(app: &TestApp, sql: &str) -> BTreeMap<(Uuid, String), i64> {
    sqlx::query_as::<_, (Uuid, String, i64)>(sql)
        .fetch_all(&app.db)
        .await
        .unwrap()
        .into_iter()
        .map(|(p, s, n)| ((p, s), n))
        .collect()
}

/// What the counters say, against a count of the table itself.
async fn counters_agree(app: &TestApp) {
    let counted = counts(
        app,
        "SELECT partner_org_id, status, sum(n)::bigint FROM customer_counts
         GROUP BY 1, 2 HAVING sum(n) <> 0",
    )
    .await;
    let actual = counts(
        app,
        "SELECT onboarded_by, coalesce(status, ''), count(*) FROM orgs
         WHERE onboarded_by IS NOT NULL AND deleted_at IS NULL GROUP BY 1, 2",
    )
    .await;
    assert_eq!(counted, actual);
}

#[tokio::test]
async fn the_counters_follow_every_change_of_a_customer() {
    let app = spawn_app().await;
    counters_agree(&app).await;
    add_customers(&app, 40).await;
    counters_agree(&app).await;
    let northwind = app.org_id("Northwind Telecom").await;
    let southwind = app.org_id("Southwind Reseller").await;
    for sql in [
        "UPDATE orgs SET status = 'updating' WHERE name ILIKE 'paging co 00%'",
        "UPDATE orgs SET status = 'updating' WHERE name ILIKE 'paging co 00%'",
        "UPDATE orgs SET name = name || ' (renamed)' WHERE name ILIKE 'paging co 01%'",
        "UPDATE orgs SET deleted_at = now() WHERE name ILIKE 'paging co 002%'",
        "UPDATE orgs SET deleted_at = NULL, status = 'provisioned' WHERE name ILIKE 'paging co 002%'",
        "UPDATE orgs SET status = NULL WHERE name ILIKE 'paging co 003%'",
        "DELETE FROM orgs WHERE name ILIKE 'paging co 004%'",
    ] {
        sqlx::query(sql).execute(&app.db).await.unwrap();
        counters_agree(&app).await;
    }
    // A customer onboarded after it was made, then moved to another partner.
    let id: Uuid = sqlx::query_scalar(
        "INSERT INTO orgs (id, kind, name, status)
         VALUES (gen_random_uuid(), 'customer', 'Late Onboard', 'provisioning') RETURNING id",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    counters_agree(&app).await;
    for partner in [northwind, southwind] {
        sqlx::query("UPDATE orgs SET onboarded_by = $1, status = 'provisioned' WHERE id = $2")
            .bind(partner)
            .bind(id)
            .execute(&app.db)
            .await
            .unwrap();
        counters_agree(&app).await;
    }
    // The list's total comes from the counters.
    app.login_as(PARTNER_ADMIN).await;
    let errors: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orgs WHERE onboarded_by = $1 AND deleted_at IS NULL AND status = 'error'",
    )
    .bind(northwind)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let html = app.text("/partner/customers?status=error").await;
    assert!(html.contains(&format!(r#"data-testid="result-count">{errors} customers"#)));
}

/// An attribute value as the browser reads it (askama writes `&` as `&#38;`).
/// Customers whose kept user count (migration 0012) differs from a count of their
/// subscribers, and templates whose kept customer count differs from a count of their
/// live customers: both must be none.
async fn counts_that_drifted(app: &TestApp) -> (i64, i64) {
    sqlx::query_as(
        "SELECT (SELECT count(*) FROM orgs o
                 WHERE coalesce((SELECT n FROM subscriber_counts c WHERE c.org_id = o.id), 0)
                       <> (SELECT count(*) FROM subscribers s WHERE s.customer_org_id = o.id)),
                (SELECT count(*) FROM onboarding_templates t
                 WHERE coalesce((SELECT sum(n) FROM template_use_counts c WHERE c.template_id = t.id), 0)
                       <> (SELECT count(*) FROM orgs o WHERE o.template_id = t.id AND o.deleted_at IS NULL))",
    )
    .fetch_one(&app.db)
    .await
    .unwrap()
}

#[tokio::test]
async fn the_user_and_template_counts_are_kept_through_every_change() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    assert_eq!(counts_that_drifted(&app).await, (0, 0), "after the seed");

    // Northwind's own customer with the most users (its list shows it); a second
    // customer to move one to.
    let (busy, name, users): (Uuid, String, i64) = sqlx::query_as(
        "SELECT o.id, o.name, count(*) FROM orgs o JOIN subscribers s ON s.customer_org_id = o.id
         WHERE o.onboarded_by = $1
         GROUP BY o.id, o.name ORDER BY count(*) DESC, o.id LIMIT 1",
    )
    .bind(app.org_id("Northwind Telecom").await)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(users >= 2, "the seed gives some customer two users or more");
    let other: Uuid = sqlx::query_scalar(
        "SELECT id FROM orgs WHERE kind = 'customer' AND id <> $1 AND deleted_at IS NULL LIMIT 1",
    )
    .bind(busy)
    .fetch_one(&app.db)
    .await
    .unwrap();
    let shown = |n: i64| format!("<td class=\"num\">{n}</td>");
    let search = format!("/partner/customers?q={}", urlencoding(&name));
    assert!(app.page(&app.client, &search).await.contains(&shown(users)));

    // Move one user, delete another: both customers' counts follow.
    sqlx::query(
        "UPDATE subscribers SET customer_org_id = $2
         WHERE id = (SELECT id FROM subscribers WHERE customer_org_id = $1 ORDER BY id LIMIT 1)",
    )
    .bind(busy)
    .bind(other)
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query(
        "DELETE FROM subscribers
         WHERE id = (SELECT id FROM subscribers WHERE customer_org_id = $1 ORDER BY id LIMIT 1)",
    )
    .bind(busy)
    .execute(&app.db)
    .await
    .unwrap();
    assert!(
        app.page(&app.client, &search)
            .await
            .contains(&shown(users - 2))
    );

    // A customer moved to another template, one deleted, one created with a template.
    sqlx::query(
        "UPDATE orgs SET template_id = (SELECT id FROM onboarding_templates ORDER BY id DESC LIMIT 1)
         WHERE id = (SELECT id FROM orgs WHERE template_id IS NOT NULL ORDER BY id LIMIT 1)",
    )
    .execute(&app.db)
    .await
    .unwrap();
    sqlx::query("UPDATE orgs SET deleted_at = now() WHERE id = $1")
        .bind(other)
        .execute(&app.db)
        .await
        .unwrap();
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, status, country, onboarded_by, template_id, created_at, updated_at)
         SELECT gen_random_uuid(), 'customer', 'Counted Co', 'provisioned', 'US', onboarded_by, template_id, now(), now()
         FROM orgs WHERE template_id IS NOT NULL LIMIT 1",
    )
    .execute(&app.db)
    .await
    .unwrap();
    assert_eq!(counts_that_drifted(&app).await, (0, 0), "after the changes");
    discard(app).await;
}

fn urlencoding(s: &str) -> String {
    form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

/// The marks kept for a list (migration 0016), waiting for the background refresh a
/// deep jump starts: (total, ids).
async fn marks_of(app: &TestApp, key: &str) -> (i64, Vec<Uuid>) {
    for _ in 0..100 {
        let row: Option<(i64, Vec<Uuid>)> =
            sqlx::query_as("SELECT total, ids FROM customer_list_marks WHERE list_key = $1")
                .bind(key)
                .fetch_optional(&app.db)
                .await
                .unwrap();
        if let Some(row) = row {
            return row;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no marks for {key} after a deep jump");
}

#[tokio::test]
async fn deep_jumps_start_from_kept_marks_which_a_changed_total_retires() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    add_customers(&app, 2700).await;
    for (sort, order, key) in [
        ("name", "lower(o.name), o.id", "name|"),
        ("-created", "o.created_at DESC, o.id DESC", "-created|"),
    ] {
        let want = expected(&app, order, None).await;
        assert!(want.len() > 2000);
        let jump = |page: usize| format!("/partner/customers?sort={sort}&page={page}");
        let rows = |page: usize| want[(page - 1) * PAGE..(page * PAGE).min(want.len())].to_vec();
        // The first deep jump reads from the nearer end and has the marks made.
        assert_eq!(shown(&app, &jump(50)).await.ids, rows(50), "{sort}");
        let (total, ids) = marks_of(&app, key).await;
        assert_eq!(total as usize, want.len());
        let every_1000th: Vec<Uuid> = want.iter().step_by(1000).copied().collect();
        assert_eq!(
            ids, every_1000th,
            "{sort}: the marks are every 1,000th customer"
        );
        // Now jumps start at a mark: every page past the first mark shows its rows.
        for page in [41, 42, 50, 80, 81, want.len().div_ceil(PAGE)] {
            assert_eq!(
                shown(&app, &jump(page)).await.ids,
                rows(page),
                "{sort} page {page}"
            );
        }
    }
    // The marks are what the jump follows: a wrong mark shows from the wrong row ...
    let want = expected(&app, "lower(o.name), o.id", None).await;
    sqlx::query("UPDATE customer_list_marks SET ids[2] = $1 WHERE list_key = 'name|'")
        .bind(want[1500])
        .execute(&app.db)
        .await
        .unwrap();
    let page_41 = shown(&app, "/partner/customers?sort=name&page=41").await;
    assert_eq!(
        page_41.ids,
        want[1500..1525].to_vec(),
        "the mark was followed"
    );
    // ... until the total changes: then the jump is exact again, and the marks remade.
    add_customers(&app, 1).await;
    let want = expected(&app, "lower(o.name), o.id", None).await;
    let page_41 = shown(&app, "/partner/customers?sort=name&page=41").await;
    assert_eq!(
        page_41.ids,
        want[1000..1025].to_vec(),
        "stale marks are not used"
    );
    let mut remade = false;
    for _ in 0..100 {
        let (total, _) = marks_of(&app, "name|").await;
        if total as usize == want.len() {
            remade = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(remade, "the marks were made again for the new total");
    // Another partner's marks, or a foreign id put into ours, are never followed into
    // its customers: the cursor is read under our partner only.
    let foreign = app.org_id("Aurora Salon").await;
    sqlx::query("UPDATE customer_list_marks SET ids[2] = $1 WHERE list_key = 'name|'")
        .bind(foreign)
        .execute(&app.db)
        .await
        .unwrap();
    let page_41 = shown(&app, "/partner/customers?sort=name&page=41").await;
    assert_eq!(page_41.ids, want[1000..1025].to_vec());
    discard(app).await;
}
