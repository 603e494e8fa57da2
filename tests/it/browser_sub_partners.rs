//! A sub-partner's whole start in headless Chromium (SPEC §11): the parent's admin adds
//! it from Indirect providers, its invited admin chooses a password and lands in its
//! own Partner Hub, the parent cross-launches into it, creates a template there and
//! returns; the audit names the parent's admin to the parent only.

use crate::browser::{Browser, assert_accessible, browser_test, press};
use crate::browser_templates::create_template_with_admin;
use crate::common::{PARTNER_ADMIN, invite_link_in};

const NAME: &str = "Westwind Telecom";
const ADMIN: &str = "first.admin@westwind.example";
const PASSWORD: &str = "a long enough password for the browser";

async fn row_state(b: &Browser) -> String {
    b.text("[data-testid=sub-partners] tr:last-child [data-testid=sub-partner-state]")
        .await
}

#[tokio::test]
async fn a_parent_adds_a_sub_partner_whose_admin_signs_in_and_the_parent_works_in_its_hub() {
    browser_test(|app, b| async move {
        // The parent's admin adds the sub-partner.
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/indirect-providers").await;
        b.find("main a[data-testid=add-sub-partner]")
            .await
            .click()
            .await
            .expect("follow Add indirect provider");
        b.wait_for_path("/partner/indirect-providers/new").await;
        assert_accessible(&b, "the Add indirect provider form").await;
        // A mistake first: the form comes back with the reason and what was typed.
        b.type_into("#name", NAME).await;
        b.type_into("#admin_email", "not an email").await;
        b.type_into("#admin_first_name", "Wes").await;
        b.type_into("#admin_last_name", "Tern").await;
        press(&b, "main form", "Add indirect provider").await;
        b.wait_for("#admin_email-error").await;
        assert_eq!(b.value("#name").await, NAME);
        assert_eq!(b.value("#admin_last_name").await, "Tern");
        assert_accessible(&b, "the form with an error").await;
        b.type_into("#admin_email", ADMIN).await;
        press(&b, "main form", "Add indirect provider").await;
        b.wait_for_path("/partner/indirect-providers").await;
        assert!(b.text("main .flash").await.contains("is onboarded"));
        assert!(row_state(&b).await.starts_with("Pending"));
        let shot = b.screenshot("indirect-providers-pending.png").await;
        eprintln!("screenshot: {}", shot.display());
        assert_accessible(&b, "Indirect providers").await;
        b.sign_out().await;

        // Its admin follows the emailed link, chooses a password, and is in its hub.
        let (_, body) = app.latest_email(ADMIN, "sub_partner_invitation").await;
        b.goto(&invite_link_in(&app, &body)).await;
        assert_eq!(b.text("[data-testid=invite-org]").await, NAME);
        b.type_into("#password", PASSWORD).await;
        b.type_into("#confirmation", PASSWORD).await;
        press(&b, "main form", "Set password and sign in").await;
        b.wait_for_path("/partner").await;
        assert_eq!(b.text("[data-testid=hub-org]").await, NAME);
        b.sign_out().await;

        // The parent sees it active, cross-launches, creates a template there, returns.
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/indirect-providers").await;
        assert_eq!(row_state(&b).await, "Active");
        press(
            &b,
            "[data-testid=sub-partners] tr:last-child",
            "Cross-launch",
        )
        .await;
        b.wait_for_path("/partner").await;
        assert_eq!(b.text("[data-testid=hub-org]").await, NAME);
        let template = create_template_with_admin(&b, "Westwind starter", Some(ADMIN)).await;
        let owner: uuid::Uuid =
            sqlx::query_scalar("SELECT owner_org_id FROM onboarding_templates WHERE id = $1")
                .bind(template)
                .fetch_one(&app.db)
                .await
                .unwrap();
        assert_eq!(
            owner,
            app.org_id(NAME).await,
            "made in the sub-partner's hub"
        );
        press(&b, ".banner-cross", "Return to Northwind Telecom").await;
        b.wait_for_path("/partner/indirect-providers").await;
        assert_eq!(b.text("[data-testid=hub-org]").await, "Northwind Telecom");

        // The parent's audit names its admin acting for the sub-partner…
        b.goto("/partner/audit").await;
        let audit = b.text("main table.audit").await;
        assert!(audit.contains("template.create"), "{audit}");
        assert!(
            audit.contains(PARTNER_ADMIN) && audit.contains(NAME),
            "{audit}"
        );
        b.sign_out().await;
        // … the sub-partner's own admin sees that it was its managing partner.
        b.goto("/login").await;
        b.submit_email(ADMIN).await;
        b.submit_password(PASSWORD).await;
        b.wait_for("header .brand").await;
        b.goto("/partner/audit").await;
        let theirs = b.text("main table.audit").await;
        assert!(
            theirs.contains("An administrator of your managing partner"),
            "{theirs}"
        );
        assert!(!theirs.contains(PARTNER_ADMIN), "{theirs}");
    })
    .await;
}
