//! Control Hub's users in headless Chromium (SPEC §5, §7): a partner admin adds three
//! users in one form and imports a CSV through its preview; a customer admin sees the
//! restricted banner and the locked control, and once the partner turns the mode off
//! adds a user in the same session, without signing in again.

use reqwest::StatusCode;

use crate::browser::{assert_accessible, browser_test, choose_value, press};
use crate::common::{CUSTOMER_ADMIN, PARTNER_ADMIN};
use wholesale_hub::domain::admin_package::LEVELS;
use wholesale_hub::domain::user_csv::header;

#[tokio::test]
async fn a_partner_admin_adds_three_users_and_imports_a_csv_through_the_preview() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        b.sign_in(PARTNER_ADMIN).await;
        b.goto(&format!("/control/{acme}/users")).await;
        b.find("main a[data-testid=add-users]")
            .await
            .click()
            .await
            .expect("follow Add users");
        b.wait_for_path(&format!("/control/{acme}/users/new")).await;
        assert_accessible(&b, "the add users form").await;
        for (i, (first, email)) in [
            ("Ana", "ana.b@acme-dental.example"),
            ("Ben", "ben.b@acme-dental.example"),
            ("Cy", "cy.b@acme-dental.example"),
        ]
        .iter()
        .enumerate()
        {
            b.type_into(&format!("#first_name_{i}"), first).await;
            b.type_into(&format!("#last_name_{i}"), "Browser").await;
            b.type_into(&format!("#email_{i}"), email).await;
            choose_value(&b, &format!("#package_{i}"), "webex_meetings").await;
        }
        press(&b, "main form", "Add users").await;
        b.wait_for_path(&format!("/control/{acme}/users")).await;
        b.wait_for_text("main .flash", "3 users added.").await;
        let rows = b.texts("[data-testid=user-row]").await;
        for email in [
            "ana.b@acme-dental.example",
            "ben.b@acme-dental.example",
            "cy.b@acme-dental.example",
        ] {
            assert!(
                rows.iter().any(|r| r.contains(email)),
                "{email} in {rows:?}"
            );
        }

        // A CSV of two new users, through the preview.
        let mut csv = header().join(",");
        for (first, email) in [
            ("Dee", "dee.b@acme-dental.example"),
            ("Eli", "eli.b@acme-dental.example"),
        ] {
            let mut cells: Vec<String> = vec![
                first.into(),
                "Csv".into(),
                String::new(),
                email.into(),
                String::new(),
                String::new(),
                String::new(),
                "TRUE".into(),
                "TRUE".into(),
                "site1".into(),
                "TRUE".into(),
                "TRUE".into(),
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
            csv.push('\n');
            csv.push_str(&cells.join(","));
        }
        let dir = std::env::temp_dir().join(format!("hub-csv-{}", uuid::Uuid::new_v4().simple()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("users.csv");
        std::fs::write(&path, csv).unwrap();
        b.goto(&format!("/control/{acme}/users/csv")).await;
        assert_accessible(&b, "the users CSV page").await;
        b.find("#file")
            .await
            .send_keys(&path.to_string_lossy())
            .await
            .expect("choose the file");
        press(&b, "main form[data-testid=import-form]", "Check the file").await;
        b.wait_for("[data-testid=import-summary]").await;
        assert_eq!(b.text("[data-testid=import-adds]").await, "2");
        assert_eq!(b.text("[data-testid=import-errors]").await, "0");
        assert_accessible(&b, "an import's preview").await;
        press(&b, "main", "Apply 2 changes").await;
        b.wait_for("[data-testid=import-progress]").await;
        app.run_due_jobs().await;
        // The page refreshes by itself while the import runs.
        b.wait_for_text("[data-testid=import-result]", "2 rows applied, 0 failed.")
            .await;
        std::fs::remove_dir_all(&dir).ok();
        b.goto(&format!("/control/{acme}/users?q=csv")).await;
        assert_eq!(b.count("[data-testid=user-row]").await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_customer_admin_is_locked_until_the_partner_turns_restricted_mode_off() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        b.sign_in(CUSTOMER_ADMIN).await;
        b.goto(&format!("/control/{acme}/users")).await;
        assert_eq!(b.count("[data-testid=restricted-banner]").await, 1);
        assert_eq!(b.count("[data-testid=add-users]").await, 0);
        let locked = b.find("button[data-testid=manage-users]").await;
        assert_eq!(
            locked.attr("disabled").await.unwrap().as_deref(),
            Some("true")
        );
        assert_accessible(&b, "the users list, locked").await;

        // The partner turns the mode off (from its own session).
        let partner = app.client_for(PARTNER_ADMIN).await;
        let r = app
            .post_form_with(
                &partner,
                &format!("/partner/customers/{acme}/global-settings"),
                &[],
            )
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);

        // The same customer admin, not signed in again.
        b.goto(&format!("/control/{acme}/users")).await;
        assert_eq!(b.count("[data-testid=restricted-banner]").await, 0);
        b.find("main a[data-testid=add-users]")
            .await
            .click()
            .await
            .expect("follow Add users");
        b.wait_for_path(&format!("/control/{acme}/users/new")).await;
        b.type_into("#first_name_0", "Fay").await;
        b.type_into("#last_name_0", "Open").await;
        b.type_into("#email_0", "fay.open@acme-dental.example")
            .await;
        choose_value(&b, "#package_0", "webex_meetings").await;
        press(&b, "main form", "Add users").await;
        b.wait_for_text("main .flash", "1 user added.").await;
        let rows = b.texts("[data-testid=user-row]").await;
        assert!(
            rows.iter()
                .any(|r| r.contains("fay.open@acme-dental.example")),
            "{rows:?}"
        );
    })
    .await;
}
