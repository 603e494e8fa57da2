//! "Where am I" in headless Chromium: a partner admin who launches a customer's Control
//! Hub sees whose hub it is and as whom, and its *Back to Partner Hub* link returns to the
//! customer's page; the customer's own admins see no such banner; breadcrumbs lead back
//! up from a page below a hub's top level.

use crate::browser::{assert_accessible, attr, browser_test, link};
use crate::common::{CUSTOMER_ADMIN, PARTNER_ADMIN};

const MANAGING: &str = "[data-testid=managing-banner]";

#[tokio::test]
async fn a_partner_admin_in_a_customers_control_hub_sees_whose_it_is_and_goes_back() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        let detail = format!("/partner/customers/{acme}");
        b.sign_in(PARTNER_ADMIN).await;
        b.goto(&detail).await;
        assert_eq!(b.text("main h1").await, "Acme Dental");
        assert_eq!(b.count(MANAGING).await, 0, "no banner in Partner Hub");
        assert_accessible(&b, "a customer's page").await;

        // Launch Control Hub, as a person would.
        b.find("main a[data-testid=launch-control-hub]")
            .await
            .click()
            .await
            .expect("follow Launch Control Hub");
        b.wait_for_path(&format!("/control/{acme}/users")).await;
        assert_eq!(b.text("header .brand").await, "Control Hub");
        assert_eq!(
            b.text(&format!("{MANAGING} span")).await,
            "Managing Acme Dental as Northwind Telecom"
        );
        // The partner admin is not bound by restricted mode: that banner is not theirs.
        assert_eq!(b.count("[data-testid=restricted-banner]").await, 0);
        // It stays on every section of the customer's hub.
        link(&b, "nav.sidenav", "Calling")
            .await
            .click()
            .await
            .expect("open Calling");
        b.wait_for_path(&format!("/control/{acme}/calling")).await;
        assert_eq!(
            b.text(&format!("{MANAGING} span")).await,
            "Managing Acme Dental as Northwind Telecom"
        );
        let shot = b.screenshot("control-hub-managing-banner.png").await;
        eprintln!("screenshot: {}", shot.display());
        assert_accessible(&b, "Control Hub's Calling page with the banner").await;

        // Back to Partner Hub: the customer's page.
        link(&b, MANAGING, "Back to Partner Hub")
            .await
            .click()
            .await
            .expect("follow Back to Partner Hub");
        b.wait_for_path(&detail).await;
        assert_eq!(b.text("header .brand").await, "Partner Hub");
        assert_eq!(b.text("main h1").await, "Acme Dental");
        assert_eq!(b.count(MANAGING).await, 0);

        // The breadcrumbs lead up from here: Customers › Acme Dental.
        assert_eq!(
            b.texts("nav[aria-label=Breadcrumb] li").await,
            ["Customers", "Acme Dental"]
        );
        assert_eq!(
            attr(
                &b,
                "nav[aria-label=Breadcrumb] [aria-current=page]",
                "aria-current"
            )
            .await,
            Some("page".into())
        );
        link(&b, "nav[aria-label=Breadcrumb]", "Customers")
            .await
            .click()
            .await
            .expect("follow the Customers crumb");
        b.wait_for_path("/partner/customers").await;
        assert_eq!(b.text("main h1").await, "Customers");
        assert_eq!(b.count("nav[aria-label=Breadcrumb]").await, 0);
        b.sign_out().await;

        // The customer's own admin, in their own Control Hub: no banner.
        b.sign_in(CUSTOMER_ADMIN).await;
        b.wait_for_path(&format!("/control/{acme}/users")).await;
        assert_eq!(b.text("[data-testid=hub-org]").await, "Acme Dental");
        assert_eq!(
            b.count(MANAGING).await,
            0,
            "a customer admin is not managing"
        );
        assert_eq!(b.count("[data-testid=restricted-banner]").await, 1);
        assert_eq!(b.text("main h1").await, "Users");
        assert_accessible(&b, "a customer admin's Users page").await;
    })
    .await;
}
