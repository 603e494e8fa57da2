//! Partner branding (SPEC §12): set in Partner Hub, shown in the Control Hub of the
//! customers the partner manages (a sub-partner's customers get the sub-partner's), and
//! reaching pages only as custom properties in a stylesheet of its own.

use reqwest::multipart::{Form, Part};
use reqwest::{Client, StatusCode};

use crate::common::*;

const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR-a-small-test-image";

fn form(colours: [&str; 4], support: &str) -> Form {
    let [lp, la, dp, da] = colours;
    Form::new()
        .text("light_primary", lp.to_string())
        .text("light_accent", la.to_string())
        .text("dark_primary", dp.to_string())
        .text("dark_accent", da.to_string())
        .text("support_url", support.to_string())
}

async fn save(app: &TestApp, c: &Client, form: Form) -> reqwest::Response {
    let token = app.csrf_of(c).await;
    c.post(app.url("/partner/settings/branding"))
        .multipart(form.text("csrf_token", token))
        .send()
        .await
        .unwrap()
}

fn logo_part(bytes: &[u8], name: &str) -> Part {
    Part::bytes(bytes.to_vec()).file_name(name.to_string())
}

#[tokio::test]
async fn a_partners_branding_shows_in_its_customers_control_hub_and_a_sub_partners_in_its_own() {
    let app = spawn_app().await;
    let acme = app.org_id("Acme Dental").await;
    let aurora = app.org_id("Aurora Salon").await;

    // The demo's Northwind branding is on Acme's Control Hub for its own admin.
    let customer = app.client_for(CUSTOMER_ADMIN).await;
    let users = app.page(&customer, &format!("/control/{acme}/users")).await;
    assert!(users.contains(&format!(
        r#"<link rel="stylesheet" href="/control/{acme}/theme.css?v="#
    )));
    assert!(
        users.contains(r#"data-testid="brand-logo""#)
            && users.contains(r#"alt="Northwind Telecom""#)
    );
    assert!(users.contains(r#"href="https://support.northwind.example/""#));
    let logo = app
        .get_with(&customer, &format!("/control/{acme}/logo"))
        .await;
    assert_eq!(logo.status(), StatusCode::OK);
    assert_eq!(logo.headers()["content-type"], "image/svg+xml");
    assert!(
        logo.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .contains("sandbox")
    );

    // Northwind changes it: colours and a PNG logo.
    let partner = app.client_for(PARTNER_ADMIN).await;
    let page = app.page(&partner, "/partner/settings/branding").await;
    assert!(
        page.contains(r##"value="#0f3d6e""##),
        "the saved colours are in the form"
    );
    let r = save(
        &app,
        &partner,
        form(
            ["#123456", "#FFD400", "#000", "#abcdef"],
            "https://help.northwind.example/desk",
        )
        .part("logo", logo_part(PNG, "logo.png")),
    )
    .await;
    assert_eq!(location(&r), "/partner/settings/branding");
    assert!(
        app.page(&partner, "/partner/settings/branding")
            .await
            .contains("Branding saved")
    );

    let css = app
        .get_with(&customer, &format!("/control/{acme}/theme.css"))
        .await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    let css = css.text().await.unwrap();
    assert!(
        css.contains(":root { --brand-bar: #123456; --brand-bar-fg: #ffffff; --accent: #ffd400; --accent-fg: #111418; }"),
        "{css}"
    );
    assert!(
        css.contains("@media (prefers-color-scheme: dark)")
            && css.contains("--brand-bar: #000000;"),
        "{css}"
    );
    let logo = app
        .get_with(&customer, &format!("/control/{acme}/logo"))
        .await;
    assert_eq!(logo.headers()["content-type"], "image/png");
    assert_eq!(logo.bytes().await.unwrap().as_ref(), PNG);
    let users = app.page(&customer, &format!("/control/{acme}/users")).await;
    assert!(users.contains(r#"href="https://help.northwind.example/desk""#));

    // A sub-partner's customer shows the sub-partner's branding, not its parent's.
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let aurora_users = app
        .page(&reseller, &format!("/control/{aurora}/users"))
        .await;
    assert!(
        !aurora_users.contains("theme.css"),
        "Southwind has no branding yet"
    );
    assert_eq!(
        app.get_with(&reseller, &format!("/control/{aurora}/theme.css"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    let r = save(
        &app,
        &reseller,
        form(["#2e7d32", "#1b5e20", "#0d2b10", "#81c784"], ""),
    )
    .await;
    assert_eq!(location(&r), "/partner/settings/branding");
    let css = app
        .get_with(&reseller, &format!("/control/{aurora}/theme.css"))
        .await
        .text()
        .await
        .unwrap();
    assert!(
        css.contains("--brand-bar: #2e7d32;") && !css.contains("#123456"),
        "{css}"
    );
    let aurora_users = app
        .page(&reseller, &format!("/control/{aurora}/users"))
        .await;
    assert!(!aurora_users.contains("brand-logo") && !aurora_users.contains("support-link"));
    // Nobody reaches another partner's customers' branding.
    assert_eq!(
        app.get_with(&reseller, &format!("/control/{acme}/theme.css"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        app.get_with(&customer, &format!("/control/{aurora}/logo"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );

    let audited: i64 =
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = 'branding.update'")
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(audited, 2);
}

#[tokio::test]
async fn bad_branding_is_refused_beside_its_field_and_nothing_is_saved() {
    let app = spawn_app().await;
    let partner = app.client_for(PARTNER_ADMIN).await;
    let good = ["#123456", "#0b62d6", "#000000", "#ffffff"];
    let svg_script = br#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#;
    let svg_external = br#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://evil.example/x.png"/></svg>"#;
    let big = vec![0x89u8; 300 * 1024];
    let cases: Vec<(Form, &str, &str)> = vec![
        (
            form(["red", good[1], good[2], good[3]], ""),
            "light_primary-error",
            "Enter a colour as #",
        ),
        (
            form([good[0], "#fff;}body{", good[2], good[3]], ""),
            "light_accent-error",
            "Enter a colour as #",
        ),
        (
            form(good, "javascript:alert(1)"),
            "support_url-error",
            "Enter a full address",
        ),
        (
            form(good, "").part("logo", logo_part(svg_script, "x.svg")),
            "logo-error",
            "contains script",
        ),
        (
            form(good, "").part("logo", logo_part(svg_external, "x.svg")),
            "logo-error",
            "refers to other files",
        ),
        (
            form(good, "").part("logo", logo_part(b"GIF89a-not-accepted", "x.gif")),
            "logo-error",
            "Upload a PNG, JPEG or SVG image.",
        ),
        (
            form(good, "").part("logo", logo_part(&big, "big.png")),
            "logo-error",
            "at most 256 KB",
        ),
    ];
    for (f, id, message) in cases {
        let html = html_of(save(&app, &partner, f).await, StatusCode::BAD_REQUEST).await;
        assert!(
            html.contains(&format!(r#"id="{id}""#)) && html.contains(message),
            "{id}: no “{message}”"
        );
    }
    // What was typed stays in the form.
    let html = html_of(
        save(
            &app,
            &partner,
            form(["#abc", "nope", good[2], good[3]], "https://x.example"),
        )
        .await,
        StatusCode::BAD_REQUEST,
    )
    .await;
    assert!(html.contains(r#"value="nope""#) && html.contains(r#"value="https://x.example""#));
    // The demo branding is as it was.
    let (primary, version): (String, i64) = sqlx::query_as(
        "SELECT light_primary, version FROM partner_branding b JOIN orgs o ON o.id = b.org_id
         WHERE o.name = 'Northwind Telecom'",
    )
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        (primary.as_str(), version),
        ("#0f3d6e", 2),
        "seeded colours, then its logo"
    );
}

#[tokio::test]
async fn read_only_admins_see_the_branding_and_cannot_change_it() {
    let app = spawn_app().await;
    let ro = app.client_for(PARTNER_READONLY).await;
    let page = app.page(&ro, "/partner/settings/branding").await;
    assert!(page.contains("<fieldset disabled>") && !page.contains("save-branding"));
    let r = save(
        &app,
        &ro,
        form(["#111111", "#222222", "#333333", "#444444"], ""),
    )
    .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let wholesale = app.client_for(WHOLESALE_ADMIN).await;
    assert_eq!(
        app.get_with(&wholesale, "/partner/settings/branding")
            .await
            .status(),
        StatusCode::FORBIDDEN
    );
}
