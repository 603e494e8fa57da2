//! The customers list in headless Chromium, as a partner admin uses it: a search that
//! applies itself and finds a word in the middle of a name, sorting by a column header,
//! the Actions menu that closes and covers nothing, and a bulk action on three selected
//! customers, confirmed. axe-core checks each page on the way.

use std::time::{Duration, Instant};

use uuid::Uuid;

use crate::browser::{
    Browser, STEP_TIMEOUT, assert_accessible, browser_test, browser_test_on, choose_value,
    serious_violations, tick,
};
use crate::common::*;

/// The names in the list's rows, in order.
async fn row_names(b: &Browser) -> Vec<String> {
    b.texts("table[data-testid=customers] tbody td:nth-child(2) a")
        .await
}

/// Waits until the page's address has `part` in its query.
async fn wait_for_query(b: &Browser, part: &str) {
    let started = Instant::now();
    loop {
        let at = b.location().await;
        if at.contains(part) {
            return;
        }
        assert!(
            started.elapsed() < STEP_TIMEOUT,
            "expected the address to have {part}, but it is {at}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

#[tokio::test]
async fn a_search_typed_applies_itself_and_finds_a_word_in_the_middle_of_a_name() {
    browser_test(|_app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.c.set_window_size(1400, 1100)
            .await
            .expect("resize the window");
        b.goto("/partner/customers").await;
        b.screenshot("customers-list.png").await;
        assert_accessible(&b, "the customers list").await;
        // Typing, no click: the search applies itself after a pause.
        b.type_into("#q", "bakery").await;
        wait_for_query(&b, "q=bakery").await;
        b.wait_for_text("[data-testid=result-count]", "1 customer")
            .await;
        assert_eq!(row_names(&b).await, ["Bluebird Bakery"]);
        // The box keeps its text and the focus, to go on typing.
        assert_eq!(b.value("#q").await, "bakery");
        let focused =
            b.c.execute("return document.activeElement.id", vec![])
                .await
                .unwrap();
        assert_eq!(focused, serde_json::json!("q"));
        assert_accessible(&b, "a search's result").await;
        // A choice in a filter applies itself too, keeping the search.
        choose_value(&b, "#country", "CA").await;
        wait_for_query(&b, "country=CA").await;
        b.wait_for_text("[data-testid=result-count]", "0 customers")
            .await;
        assert!(b.location().await.contains("q=bakery"));
    })
    .await;
}

#[tokio::test]
async fn the_search_works_without_javascript_through_the_filter_button() {
    browser_test_on(spawn_app(), false, |_app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/customers").await;
        b.type_into("#q", "opticians").await;
        b.button("form.list-filters", "Filter")
            .await
            .click()
            .await
            .expect("press Filter");
        wait_for_query(&b, "q=opticians").await;
        assert_eq!(row_names(&b).await, ["Lumen Opticians"]);
    })
    .await;
}

#[tokio::test]
async fn a_column_header_sorts_the_list_and_a_second_click_reverses_it() {
    browser_test(|app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/customers?per=50").await;
        let northwind = app.org_id("Northwind Telecom").await;
        let by_country: Vec<String> = sqlx::query_scalar(
            "SELECT name FROM orgs WHERE onboarded_by = $1 AND deleted_at IS NULL
             ORDER BY coalesce(country::text, ''), lower(name), id",
        )
        .bind(northwind)
        .fetch_all(&app.db)
        .await
        .unwrap();
        b.find("th a.sort[href*='sort=country']")
            .await
            .click()
            .await
            .expect("click the Country header");
        wait_for_query(&b, "sort=country").await;
        assert_eq!(
            b.find("th[aria-sort]").await.text().await.unwrap().trim(),
            "Country ▲"
        );
        assert_eq!(row_names(&b).await, by_country);
        assert!(b.location().await.contains("per=50"), "the page size stays");
        b.find("th[aria-sort] a.sort")
            .await
            .click()
            .await
            .expect("click the Country header again");
        wait_for_query(&b, "sort=-country").await;
        let mut reversed = by_country.clone();
        reversed.reverse();
        assert_eq!(row_names(&b).await, reversed);
        assert_eq!(
            b.find("th[aria-sort]")
                .await
                .attr("aria-sort")
                .await
                .unwrap()
                .as_deref(),
            Some("descending")
        );
        assert_accessible(&b, "the list sorted by country").await;
    })
    .await;
}

#[tokio::test]
async fn the_actions_menu_closes_by_itself_and_covers_no_filter() {
    browser_test(|_app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/customers").await;
        b.find("main details.menu summary")
            .await
            .click()
            .await
            .expect("open Actions");
        // Open, it leaves the search's Filter button in sight and clickable.
        let topmost = b
            .c
            .execute(
                r#"const f = [...document.querySelectorAll("form.list-filters button")]
                       .find(x => x.textContent.trim() === "Filter");
                   const r = f.getBoundingClientRect();
                   const hit = document.elementFromPoint(r.left + r.width / 2, r.top + r.height / 2);
                   return hit === f;"#,
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(topmost, serde_json::json!(true), "the open menu covers Filter");
        // A click elsewhere closes it; so does Escape.
        b.find("main h1").await.click().await.expect("click the heading");
        assert!(b.find("main details.menu").await.attr("open").await.unwrap().is_none());
        b.find("main details.menu summary").await.click().await.unwrap();
        b.find("main details.menu summary")
            .await
            .send_keys("\u{E00C}")
            .await
            .unwrap();
        assert!(b.find("main details.menu").await.attr("open").await.unwrap().is_none());
    })
    .await;
}

async fn restricted(app: &TestApp, id: Uuid) -> bool {
    sqlx::query_scalar("SELECT restricted_by_partner FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn three_selected_customers_leave_restricted_mode_after_a_confirmation() {
    browser_test(|app, b| async move {
        let picked = ["Cedar Law Partners", "Delta Plumbing", "Fjord Architects"];
        let mut ids = vec![];
        for name in picked {
            let id = app.org_id(name).await;
            assert!(restricted(&app, id).await);
            ids.push(id);
        }
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/customers").await;
        for id in &ids {
            tick(&b, &format!("input[name=ids][value='{id}']")).await;
        }
        assert_eq!(b.text("[data-testid=selected-count]").await, "3 selected");
        choose_value(&b, "#bulk-action", "restrict_off").await;
        b.button("form#bulk", "Continue")
            .await
            .click()
            .await
            .expect("press Continue");
        b.wait_for_text(
            "[data-testid=bulk-question]",
            "Turn restricted-by-partner mode off for 3 customers?",
        )
        .await;
        assert_eq!(b.texts("[data-testid=bulk-picked] li").await.len(), 3);
        for id in &ids {
            assert!(
                restricted(&app, *id).await,
                "nothing changes before confirming"
            );
        }
        b.screenshot("customers-bulk-confirm.png").await;
        assert_accessible(&b, "the bulk confirmation").await;
        b.find("[data-testid=bulk-confirm]")
            .await
            .click()
            .await
            .expect("confirm");
        b.wait_for_path("/partner/customers").await;
        b.wait_for_text(
            ".flash",
            "Restricted-by-partner mode is off for 3 customers.",
        )
        .await;
        for id in &ids {
            assert!(!restricted(&app, *id).await);
        }
        // The whole page at once, through the box in the header.
        tick(&b, "#pick-all").await;
        let boxes = b.count("input[name=ids]:checked").await;
        assert_eq!(
            b.text("[data-testid=selected-count]").await,
            format!("{boxes} selected")
        );
        assert_eq!(boxes, 25);
    })
    .await;
}

#[tokio::test]
async fn the_accessibility_check_finds_a_violation_when_there_is_one() {
    browser_test(|_app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/customers").await;
        // A button with no name and a field with no label, put into the real page.
        b.c.execute(
            r#"const m = document.querySelector("main");
               m.insertAdjacentHTML("beforeend", '<button type="button"></button><input type="text">');"#,
            vec![],
        )
        .await
        .unwrap();
        let found = serious_violations(&b).await;
        let rules: Vec<&str> = found
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|v| v["rule"].as_str())
            .collect();
        assert!(rules.contains(&"button-name"), "{found:#}");
        assert!(rules.contains(&"label"), "{found:#}");
    })
    .await;
}
