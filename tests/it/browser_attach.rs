//! Attaching wholesale to an existing org in headless Chromium (SPEC §4.5): the
//! partner's back office asks through the API; the org's full admin signs in, lands on
//! the request, accepts it; the partner's admin then finds the org among its customers,
//! with the reason its provisioning is changed through the API only.

use reqwest::{Method, StatusCode};
use serde_json::json;

use crate::browser::{assert_accessible, browser_test, press};
use crate::common::{PARTNER_ADMIN, json_of, token_for};

const JUNIPER: &str = "Juniper Legal";
const JUNIPER_ADMIN: &str = "admin@juniper-legal.example";

#[tokio::test]
async fn an_existing_orgs_admin_accepts_the_attach_and_the_partner_manages_it() {
    browser_test(|app, b| async move {
        let juniper = app.org_id(JUNIPER).await;
        let token = token_for(&app, PARTNER_ADMIN).await;
        let address = json!({"addressLine1": "1 Court St", "city": "Boston", "stateOrProvince": "MA",
                             "zipOrPostalCode": "02108", "country": "US"});
        let r = app
            .api_call(
                Some(&token),
                Method::POST,
                "/v1/wholesale/customers",
                Some(&json!({
                    "provisioningId": app.provisioning_id("Standard SMB (US)").await,
                    "packages": ["webex_meetings"],
                    "orgId": juniper.to_string(),
                    "address": address,
                })),
            )
            .await;
        json_of(r, StatusCode::ACCEPTED).await;

        // The org's admin signs in and is shown the request first.
        b.sign_in(JUNIPER_ADMIN).await;
        b.wait_for_path(&format!("/control/{juniper}/partner-requests"))
            .await;
        let row = b.text("[data-testid=partner-requests] tbody tr").await;
        assert!(row.contains("Northwind Telecom") && row.contains("Webex Meetings"), "{row}");
        assert_accessible(&b, "Partner requests").await;
        let shot = b.screenshot("partner-requests.png").await;
        eprintln!("screenshot: {}", shot.display());
        press(&b, "[data-testid=partner-requests] tbody tr", "Accept").await;
        b.wait_for_path(&format!("/control/{juniper}/partner-requests"))
            .await;
        assert!(b.text("main .flash").await.contains("You accepted"));
        assert!(b.text("[data-testid=partner-requests]").await.contains("Accepted"));
        b.sign_out().await;
        app.run_due_jobs().await;

        // The partner's admin finds it among its customers.
        b.sign_in(PARTNER_ADMIN).await;
        b.goto(&format!("/partner/customers/{juniper}")).await;
        assert!(b.text("[data-testid=attached-note]").await.contains("through the API only"));
        assert_eq!(b.text("[data-testid=customer-status]").await, "Provisioned");
        assert_accessible(&b, "an attached customer").await;
    })
    .await;
}
