//! Branding in headless Chromium (SPEC §12): a customer admin's Control Hub wears the
//! managing partner's colours and logo, and the partner's settings page previews new
//! colours as they are typed.

use serde_json::json;

use crate::browser::{Browser, assert_accessible, browser_test};
use crate::common::{CUSTOMER_ADMIN, PARTNER_ADMIN};

async fn js(b: &Browser, script: &str) -> serde_json::Value {
    b.c.execute(script, vec![])
        .await
        .unwrap_or_else(|e| panic!("{script}: {e}"))
}

#[tokio::test]
async fn control_hub_wears_its_partners_colours_and_logo_and_the_settings_preview_follows_typing() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        b.sign_in(CUSTOMER_ADMIN).await;
        b.goto(&format!("/control/{acme}/users")).await;
        // Northwind's demo branding: a navy header with white text, its logo loaded.
        assert_eq!(
            js(&b, "return getComputedStyle(document.querySelector('header.topbar')).backgroundColor").await,
            json!("rgb(15, 61, 110)")
        );
        assert_eq!(
            js(&b, "return getComputedStyle(document.querySelector('header.topbar .brand')).color").await,
            json!("rgb(255, 255, 255)")
        );
        let loaded = js(
            &b,
            "const i = document.querySelector('[data-testid=brand-logo]'); return i.complete && i.naturalWidth > 0",
        )
        .await;
        assert_eq!(loaded, json!(true), "the logo loads under the page's policy");
        let shot = b.screenshot("control-hub-branded.png").await;
        eprintln!("screenshot: {}", shot.display());
        assert_accessible(&b, "a branded Control Hub page").await;
        b.sign_out().await;

        // The partner's preview follows a colour as it is typed, before saving.
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/settings/branding").await;
        assert_eq!(
            js(&b, "return getComputedStyle(document.querySelector('.brand-preview.light .preview-bar')).backgroundColor").await,
            json!("rgb(15, 61, 110)")
        );
        b.type_into("#light_primary", "#ffd400").await;
        assert_eq!(
            js(&b, "return getComputedStyle(document.querySelector('.brand-preview.light .preview-bar')).backgroundColor").await,
            json!("rgb(255, 212, 0)")
        );
        assert_eq!(
            js(&b, "return getComputedStyle(document.querySelector('.brand-preview.light .preview-bar')).color").await,
            json!("rgb(17, 20, 24)"),
            "dark text on a yellow bar"
        );
        let shot = b.screenshot("branding-settings.png").await;
        eprintln!("screenshot: {}", shot.display());
        assert_accessible(&b, "the branding settings").await;
    })
    .await;
}
