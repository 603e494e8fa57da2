//! Billing in headless Chromium (SPEC §8): a partner admin creates a report on the
//! Billing page (a reversed period first, refused beside its field with the dates kept),
//! sees it being generated, opens it once complete — the chart of daily licences per
//! package, the customers behind it, one customer's own chart — and downloads it.

use crate::browser::{assert_accessible, browser_test};
use crate::common::PARTNER_ADMIN;

/// Sets a date field (typing into `type=date` depends on the browser's locale).
async fn set_date(b: &crate::browser::Browser, id: &str, value: &str) {
    b.c.execute(
        "document.getElementById(arguments[0]).value = arguments[1];",
        vec![id.into(), value.into()],
    )
    .await
    .expect("set the date");
}

#[tokio::test]
async fn a_partner_admin_creates_a_report_and_reads_its_chart() {
    browser_test(|app, b| async move {
        let today = app.clock.now().date();
        let (start, end) = (
            today - time::Duration::days(30),
            today - time::Duration::days(1),
        );
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/billing").await;
        assert_accessible(&b, "the Billing page").await;

        set_date(&b, "billingStartDate", &end.to_string()).await;
        set_date(&b, "billingEndDate", &start.to_string()).await;
        b.find("[data-testid=create-report-submit]")
            .await
            .click()
            .await
            .unwrap();
        let why = b
            .wait_for("#billingEndDate-error")
            .await
            .text()
            .await
            .unwrap();
        assert!(why.contains("billingStartDate"), "{why}");
        assert_eq!(b.value("#billingStartDate").await, end.to_string());
        assert_accessible(&b, "the Billing page with an error").await;

        set_date(&b, "billingStartDate", &start.to_string()).await;
        set_date(&b, "billingEndDate", &end.to_string()).await;
        crate::browser::choose_value(&b, "#type", "CUSTOMER").await;
        b.find("[data-testid=create-report-submit]")
            .await
            .click()
            .await
            .unwrap();
        b.wait_for_path("/partner/billing").await;
        assert!(b.text("main .flash").await.contains("being generated"));
        app.run_due_jobs().await;
        b.goto("/partner/billing").await;
        b.wait_for_text("[data-testid=report-status]", "Completed")
            .await;

        b.find("[data-testid=report-row] a")
            .await
            .click()
            .await
            .unwrap();
        b.wait_for("[data-testid=usage-chart]").await;
        assert!(b.count("[data-testid=usage-chart] polyline").await >= 2);
        assert!(b.count("[data-testid=report-customers] tbody tr").await >= 3);
        assert_accessible(&b, "a billing report").await;
        let shot = b.screenshot("billing-report.png").await;
        eprintln!("screenshot: {}", shot.display());

        b.find("[data-testid=drill-down]")
            .await
            .click()
            .await
            .unwrap();
        b.wait_for("[data-testid=usage-chart]").await;
        assert!(
            b.text("[data-testid=usage] h2")
                .await
                .contains("Daily licences for")
        );
        assert_accessible(&b, "one customer's usage").await;
    })
    .await;
}
