//! The customer edit page in headless Chromium: unticking a package the customer holds
//! asks before it is removed (the page's script asks in a dialog and sends the same
//! confirmation the server requires without it; the no-script path is in
//! `customer_edit.rs`).

use std::time::{Duration, Instant};

use crate::browser::{STEP_TIMEOUT, assert_accessible, browser_test, is_ticked, press};
use crate::common::PARTNER_ADMIN;

const SUITE: &str = "main input[name=package][value=webex_suite]";

#[tokio::test]
async fn unticking_a_held_package_asks_before_it_is_removed() {
    browser_test(|app, b| async move {
        let bluebird = app.org_id("Bluebird Bakery").await;
        // Webex Suite, held and assigned to nobody: only the confirmation stands between.
        sqlx::query(
            "INSERT INTO customer_packages (org_id, package, status) VALUES ($1, 'webex_suite', 'provisioned')",
        )
        .bind(bluebird)
        .execute(&app.db)
        .await
        .unwrap();
        let suite_status = || async {
            sqlx::query_scalar::<_, String>(
                "SELECT status FROM customer_packages WHERE org_id = $1 AND package = 'webex_suite'",
            )
            .bind(bluebird)
            .fetch_one(&app.db)
            .await
            .unwrap()
        };
        let edit = format!("/partner/customers/{bluebird}/edit");
        b.sign_in(PARTNER_ADMIN).await;
        b.goto(&edit).await;
        assert_eq!(
            b.texts("nav[aria-label=Breadcrumb] li").await,
            ["Customers", "Bluebird Bakery", "Edit"]
        );
        assert_accessible(&b, "the customer edit page").await;
        assert!(is_ticked(&b, SUITE).await);
        b.find(SUITE).await.click().await.expect("untick Webex Suite");
        assert!(!is_ticked(&b, SUITE).await);

        // Saving asks; saying no keeps the page and the package.
        press(&b, "main form", "Save changes").await;
        let question = b.c.get_alert_text().await.expect("a confirm dialog");
        assert!(question.contains("Webex Suite"), "{question}");
        b.c.dismiss_alert().await.expect("say no");
        assert_eq!(b.path().await, edit);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(suite_status().await, "provisioned");

        // Saying yes sends the confirmation: the package goes.
        press(&b, "main form", "Save changes").await;
        b.c.accept_alert().await.expect("say yes");
        b.wait_for_path(&format!("/partner/customers/{bluebird}"))
            .await;
        assert_eq!(b.text("main .flash").await, "The changes are being applied.");
        let started = Instant::now();
        while suite_status().await != "deleting" {
            assert!(started.elapsed() < STEP_TIMEOUT, "Webex Suite was not removed");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    })
    .await;
}
