//! Single sign-on end to end in headless Chromium, against the real test IdPs: a
//! customer user and a partner admin each type their email on our sign-in page, sign in
//! at the IdP, come back signed in and land in the right hub.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use reqwest::StatusCode;
use serde_json::json;
use uuid::Uuid;

use crate::browser::{Browser, assert_accessible, browser_test, link};
use crate::common::idp::start_oidc;
use crate::common::*;

/// Waits until the browser is on a page whose URL starts with `prefix`.
async fn wait_for_url(b: &Browser, prefix: &str) {
    let started = Instant::now();
    loop {
        let url = b.c.current_url().await.expect("current url").to_string();
        if url.starts_with(prefix) {
            return;
        }
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "expected a page under {prefix}, the browser is at {url}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Types the email on our sign-in page and presses Next (no password step follows).
async fn email_step(b: &Browser, email: &str) {
    b.goto("/login").await;
    b.type_into("#email", email).await;
    b.button("main form", "Next")
        .await
        .click()
        .await
        .expect("click Next");
}

/// Lets Partner Hub's admins sign in through `idp`, the operations lead keeping a password.
async fn admins_through(app: &TestApp, idp: Uuid) {
    let admin = app.client_for(PARTNER_ADMIN).await;
    let lead = app.person_id(OPERATIONS_LEAD).await.to_string();
    let r = app
        .post_form_with(
            &admin,
            "/partner/settings/sso/admins",
            &[("idp", &idp.to_string()), ("break_glass", &lead)],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn a_customer_user_and_a_partner_admin_sign_in_through_the_saml_idp() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        let (idp, idp_id) = app.northwind_saml_idp(&["pass_email_in_request"]).await;
        admins_through(&app, idp_id).await;

        for (email, lands, brand) in [
            (
                CUSTOMER_ADMIN,
                format!("/control/{acme}/users"),
                "Control Hub",
            ),
            (PARTNER_ADMIN, "/partner".to_string(), "Partner Hub"),
        ] {
            email_step(&b, email).await;
            wait_for_url(&b, &idp.base).await;
            // The IdP's own sign-in page; its answer posts itself back to our ACS.
            b.type_into("#email", email).await;
            b.find("#sign-in")
                .await
                .click()
                .await
                .expect("sign in at the IdP");
            b.wait_for_path(&lands).await;
            assert_eq!(b.text("header .brand").await, brand, "{email}");
            b.sign_out().await;
        }
        assert_eq!(app.sso_audits("success").await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_customer_user_and_a_partner_admin_sign_in_through_the_oidc_idp() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        let idp_id = Uuid::new_v4();
        let callback = app.url(&format!("/login/sso/oidc/{idp_id}/callback"));
        let idp = start_oidc(
            json!([{ "client_id": "hub", "client_secret": "hub-secret", "redirect_uris": [callback] }]),
            &[CUSTOMER_ADMIN, PARTNER_ADMIN],
        )
        .await;
        let admin = app.client_for(PARTNER_ADMIN).await;
        let discovery = format!("{}/.well-known/openid-configuration", idp.base);
        app.save_oidc_idp(
            &admin,
            idp_id,
            &[
                ("name", "Northwind-OIDC"),
                ("client_id", "hub"),
                ("client_secret", "hub-secret"),
                ("scopes", "openid email"),
                ("discovery_endpoint", &discovery),
            ],
        )
        .await;
        app.bind_org_to_idp(acme, idp_id).await;
        admins_through(&app, idp_id).await;

        for (email, lands, brand) in [
            (CUSTOMER_ADMIN, format!("/control/{acme}/users"), "Control Hub"),
            (PARTNER_ADMIN, "/partner".to_string(), "Partner Hub"),
        ] {
            email_step(&b, email).await;
            wait_for_url(&b, &idp.base).await;
            // oidc-provider's login form.
            b.type_into("input[name=login]", email).await;
            b.type_into("input[name=password]", "anything").await;
            b.c.find(Locator::Css("button[type=submit]"))
                .await
                .expect("the IdP's sign-in button")
                .click()
                .await
                .expect("sign in at the IdP");
            b.wait_for_path(&lands).await;
            assert_eq!(b.text("header .brand").await, brand, "{email}");
            b.sign_out().await;
            // The IdP remembers who signed in there (its cookies share our host): forget.
            b.c.delete_all_cookies().await.expect("clear cookies");
        }
        assert_eq!(app.sso_audits("success").await, 2);
    })
    .await;
}

#[tokio::test]
async fn a_partner_admin_sets_up_the_saml_idp_on_the_settings_page() {
    browser_test(|app, b| async move {
        let northwind = app.org_id("Northwind Telecom").await;
        let (entity, acs) = app.sp_of(northwind);
        b.sign_in(PARTNER_ADMIN).await;
        link(&b, "nav", "Single sign-on")
            .await
            .click()
            .await
            .expect("open Single sign-on");
        b.wait_for_path("/partner/settings/sso").await;
        assert_eq!(b.text("[data-testid=sp-entity-id]").await, entity);
        assert_eq!(b.text("[data-testid=sp-acs]").await, acs);
        assert_accessible(&b, "the single sign-on settings").await;
        // Metadata without a certificate: refused at its field, the text kept.
        let bad = saml_metadata_with("https://idp.example/saml", "https://idp.example/sso", &[]);
        b.type_into("#metadata", &bad).await;
        b.button("[data-testid=saml-form]", "Save SAML IdP")
            .await
            .click()
            .await
            .expect("save");
        let error = b.wait_for("#metadata-error").await.text().await.unwrap();
        assert!(error.contains("no signing certificate"), "{error}");
        assert!(
            b.value("#metadata")
                .await
                .contains("https://idp.example/saml")
        );
        let good = saml_metadata_for("https://idp.example/saml", "https://idp.example/sso");
        b.type_into("#metadata", &good).await;
        b.button("[data-testid=saml-form]", "Save SAML IdP")
            .await
            .click()
            .await
            .expect("save");
        b.wait_for("[data-testid=saml-idp]").await;
        assert!(
            b.text("[data-testid=saml-idp]")
                .await
                .contains("https://idp.example/saml")
        );
        assert_accessible(&b, "the single sign-on settings with an IdP").await;
        b.screenshot("sso-settings.png").await;
    })
    .await;
}
