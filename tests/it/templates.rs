//! Onboarding templates over HTTP (SPEC §3): the six-step wizard checked on the server,
//! input kept, edit and delete, and who may do what in which hub.

use reqwest::{Client, Response, StatusCode};
use uuid::Uuid;

use crate::common::*;

const SUB: &str = "Sub-NW-100001";
const NEW: &str = "/partner/templates/new";

async fn step(app: &TestApp, c: &Client, step: &str, fields: &[(&str, &str)]) -> Response {
    app.post_form_with(c, &format!("{NEW}/{step}"), fields)
        .await
}

fn at(step: &str) -> String {
    format!("{NEW}/{step}")
}

async fn basics(app: &TestApp, c: &Client, name: &str, admin: &str) -> Response {
    step(
        app,
        c,
        "basics",
        &[
            ("name", name),
            ("sp_admin_email", admin),
            ("country", "US"),
            ("language", "en_US"),
            ("subscription_id", SUB),
            ("nav", "next"),
        ],
    )
    .await
}

async fn html(app: &TestApp, c: &Client, path: &str) -> String {
    app.page(c, path).await
}

/// Submits the summary; returns the template's id.
async fn submit(app: &TestApp, c: &Client) -> Uuid {
    let r = app.post_form_with(c, NEW, &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let to = location(&r);
    assert!(to.starts_with("/partner/templates/"), "{to}");
    to.rsplit('/').next().unwrap().parse().unwrap()
}

/// Walks steps 1–3 with plain answers (offering BroadWorks too when asked).
async fn up_to_auth(app: &TestApp, c: &Client, name: &str, admin: &str, broadworks: bool) {
    let offer: &[(&str, &str)] = if broadworks {
        &[("offer_broadworks", "on")]
    } else {
        &[]
    };
    assert_eq!(location(&step(app, c, "offer", offer).await), at("basics"));
    assert_eq!(location(&basics(app, c, name, admin).await), at("calling"));
    assert_eq!(
        location(&step(app, c, "calling", &[("pstn_vendor", ""), ("nav", "next")]).await),
        at("auth")
    );
}

/// Walks all six steps with plain answers; returns the new template's id.
async fn create_template(app: &TestApp, c: &Client, name: &str, admin: &str) -> Uuid {
    up_to_auth(app, c, name, admin, false).await;
    assert_eq!(
        location(&step(app, c, "auth", &[("auth_mode", "webex"), ("nav", "next")]).await),
        at("email")
    );
    assert_eq!(
        location(
            &step(
                app,
                c,
                "email",
                &[("email_brand_name", "Brand"), ("nav", "next")]
            )
            .await
        ),
        at("summary")
    );
    submit(app, c).await
}

/// The demo data's templates: Northwind's three, one for each sub-partner.
const DEMO_TEMPLATES: i64 = 5;

async fn count_templates(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM onboarding_templates")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

#[tokio::test]
async fn a_partner_creates_a_template_through_the_six_steps() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    assert!(
        html(&app, &c, "/partner/templates")
            .await
            .contains("Create template")
    );
    assert_eq!(location(&app.get_with(&c, NEW).await), at("offer"));
    let offer = html(&app, &c, &at("offer")).await;
    assert!(offer.contains("Webex for Wholesale") && offer.contains("checked disabled"));

    assert_eq!(location(&step(&app, &c, "offer", &[]).await), at("basics"));
    let page = html(&app, &c, &at("basics")).await;
    assert!(
        page.contains(r#"<option value="partner.admin@northwind.example" selected>Nora Whitfield"#),
        "the signed-in admin is proposed as service-provider admin"
    );
    assert!(page.contains(r#"<option value="Sub-NW-100001" selected>"#));
    // Only full admins are offered: a read-only or wholesale-only admin could not run
    // the template's customers.
    assert!(page.contains(r#"<option value="operations.lead@northwind.example">Priya Anand (operations.lead@northwind.example)"#));
    assert!(!page.contains("wholesale.admin@northwind.example"));
    assert!(!page.contains("partner.readonly@northwind.example"));
    for not_full in [WHOLESALE_ADMIN, PARTNER_READONLY] {
        let r = step(
            &app,
            &c,
            "basics",
            &[
                ("name", "Pacific SMB"),
                ("sp_admin_email", not_full),
                ("country", "AU"),
                ("language", "en_AU"),
                ("subscription_id", SUB),
                ("nav", "next"),
            ],
        )
        .await;
        let refused = html_of(r, StatusCode::BAD_REQUEST).await;
        assert!(
            refused.contains(&format!(
                "{not_full} is not a full administrator of this partner"
            )),
            "{not_full} is refused"
        );
    }
    let r = step(
        &app,
        &c,
        "basics",
        &[
            ("name", "Pacific SMB"),
            ("sp_admin_email", OPERATIONS_LEAD),
            ("country", "AU"),
            ("language", "en_AU"),
            ("subscription_id", SUB),
            ("nav", "next"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("calling"));
    let page = html(&app, &c, &at("calling")).await;
    assert!(page.contains("applies only to a customer") && page.contains("needs manual repair"));
    let r = step(
        &app,
        &c,
        "calling",
        &[("pstn_vendor", "Pacific Voice"), ("nav", "next")],
    )
    .await;
    assert_eq!(location(&r), at("auth"));
    let r = step(
        &app,
        &c,
        "auth",
        &[
            ("auth_mode", "oidc"),
            ("oidc_idp_name", "Northwind-IdP_1.prod~a"),
            ("nav", "next"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("email"));
    let page = html(&app, &c, &at("email")).await;
    assert!(
        page.contains(r#"value="Northwind Telecom""#),
        "brand prefilled"
    );
    assert!(!page.contains("allow_webex_to_webex"), "Wholesale only");
    assert!(!page.contains(r#"name="allow_admin_invite_emails" value="on" checked"#));
    let r = step(
        &app,
        &c,
        "email",
        &[
            ("email_brand_name", "Northwind Pacific"),
            ("allow_admin_invite_emails", "on"),
            ("nav", "next"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("summary"));
    let summary = html(&app, &c, &at("summary")).await;
    for fact in [
        "Pacific SMB",
        "Priya Anand (operations.lead@northwind.example)",
        "Australia",
        "English (Australia)",
        "Sub-NW-100001",
        "Pacific Voice",
        "Partner authentication with OpenID Connect",
        "Northwind-IdP_1.prod~a",
        "Northwind Pacific",
    ] {
        assert!(summary.contains(fact), "{fact}");
    }
    assert_eq!(
        summary.matches(r#"<a class="edit""#).count(),
        5,
        "an Edit link per section"
    );

    let id = submit(&app, &c).await;
    let detail = html(&app, &c, &format!("/partner/templates/{id}")).await;
    assert!(detail.contains("Template Pacific SMB was created."));
    let pid: String =
        sqlx::query_scalar("SELECT provisioning_id FROM onboarding_templates WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert!(pid.starts_with("prov-") && pid.len() == 37, "{pid}");
    assert!(
        detail.contains(&format!(r#"value="{pid}""#)),
        "copyable provisioning ID"
    );
    let settings: serde_json::Value = sqlx::query_scalar(
        "SELECT json_build_object('country', country, 'language', language, 'subscription', subscription_id,
                'vendor', pstn_vendor, 'auth', auth_mode, 'idp', oidc_idp_name, 'saml', saml_entity_id,
                'invites', allow_admin_invite_emails, 'w2w', allow_webex_to_webex,
                'wholesale', offer_wholesale, 'broadworks', offer_broadworks, 'brand', email_brand_name)
         FROM onboarding_templates WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(
        settings,
        serde_json::json!({
            "country": "AU", "language": "en_AU", "subscription": SUB, "vendor": "Pacific Voice",
            "auth": "oidc", "idp": "Northwind-IdP_1.prod~a", "saml": null, "invites": true,
            "w2w": false, "wholesale": true, "broadworks": false, "brand": "Northwind Pacific",
        })
    );
    let admin: String = sqlx::query_scalar(
        "SELECT p.email::text FROM onboarding_templates t JOIN people p ON p.id = t.sp_admin_person_id WHERE t.id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(admin, OPERATIONS_LEAD);
    for fact in [
        "Priya Anand",
        "Australia (AU)",
        "Northwind-IdP_1.prod~a",
        "Pacific Voice",
    ] {
        assert!(detail.contains(fact), "detail shows {fact}");
    }

    // The draft is gone; a second template gets another provisioning ID.
    assert_eq!(location(&app.get_with(&c, NEW).await), at("offer"));
    assert!(!html(&app, &c, &at("offer")).await.contains("Pacific SMB"));
    let second = create_template(&app, &c, "Second template", PARTNER_ADMIN).await;
    let pid2: String =
        sqlx::query_scalar("SELECT provisioning_id FROM onboarding_templates WHERE id = $1")
            .bind(second)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_ne!(pid, pid2);
    let list = html(&app, &c, "/partner/templates").await;
    assert!(list.contains("Pacific SMB") && list.contains("Second template"));
    assert_eq!(app.audit_count("template.create", "success").await, 2);
}

#[tokio::test]
async fn each_step_shows_its_errors_beside_the_fields_and_keeps_the_input() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    step(&app, &c, "offer", &[]).await;
    let r = step(
        &app,
        &c,
        "basics",
        &[
            ("name", "standard smb (us)"),
            ("sp_admin_email", "nobody@example.com"),
            ("country", "ZZ"),
            ("language", "en-us"),
            ("subscription_id", "Sub-XX-1"),
            ("nav", "next"),
        ],
    )
    .await;
    let page = html_of(r, StatusCode::BAD_REQUEST).await;
    for message in [
        "You already have a template named “standard smb (us)”",
        "nobody@example.com is not a full administrator of this partner",
        "not an ISO 3166",
        "“en-us” is not a supported language",
        "“Sub-XX-1” is not one of your wholesale subscriptions",
    ] {
        assert!(page.contains(message), "{message}");
    }
    assert!(
        page.contains(r#"value="standard smb (us)""#),
        "the name is kept"
    );
    assert!(page.contains(r#"id="name-error""#) && page.contains(r#"aria-invalid="true""#));
    let r = basics(&app, &c, &"n".repeat(101), PARTNER_ADMIN).await;
    assert!(
        html_of(r, StatusCode::BAD_REQUEST)
            .await
            .contains("at most 100 characters")
    );
    // A later step cannot be skipped to.
    assert_eq!(location(&app.get_with(&c, &at("auth")).await), at("basics"));

    assert_eq!(
        location(&basics(&app, &c, "Fresh name", PARTNER_ADMIN).await),
        at("calling")
    );
    let r = step(
        &app,
        &c,
        "calling",
        &[("pstn_vendor", "Nobody Telecom"), ("nav", "next")],
    )
    .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("“Nobody Telecom” is not a cloud-connected PSTN vendor")
    );
    step(&app, &c, "calling", &[("pstn_vendor", ""), ("nav", "next")]).await;

    let auth = |fields: Vec<(&'static str, String)>| {
        let (app, c) = (&app, &c);
        async move {
            let fields: Vec<(&str, &str)> = fields.iter().map(|(k, v)| (*k, v.as_str())).collect();
            let r = step(app, c, "auth", &fields).await;
            (r.status(), r.text().await.unwrap())
        }
    };
    let (s, page) = auth(vec![
        ("auth_mode", "oidc".into()),
        ("oidc_idp_name", "my idp".into()),
        ("nav", "next".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("may contain only letters, digits"));
    assert!(page.contains(r#"value="my idp""#), "the IdP name is kept");
    assert!(page.contains(r#"value="oidc" checked"#), "the mode is kept");
    let (s, page) = auth(vec![
        ("auth_mode", "oidc".into()),
        ("oidc_idp_name", "a".repeat(129)),
        ("nav", "next".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("at most 128 characters"));
    let (s, page) = auth(vec![
        ("auth_mode", "saml".into()),
        ("saml_entity_id", "  ".into()),
        ("nav", "next".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("Enter the IdP entity ID"));
    let (s, page) = auth(vec![
        ("auth_mode", "saml".into()),
        (
            "saml_metadata",
            "<EntityDescriptor ID=\"x\"></EntityDescriptor>".into(),
        ),
        ("nav", "next".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("No entityID was found"));
    let (s, page) = auth(vec![
        ("auth_mode", "saml".into()),
        ("saml_entity_id", "x".repeat(1025)),
        ("nav", "next".into()),
    ])
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("at most 1024 characters"));
    let (s, page) = auth(vec![("auth_mode", "ldap".into()), ("nav", "next".into())]).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(page.contains("Choose how users of the customers sign in"));
    let (s, _) = auth(vec![("auth_mode", "webex".into()), ("nav", "next".into())]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);

    let r = step(
        &app,
        &c,
        "email",
        &[
            ("email_brand_name", ""),
            ("allow_admin_invite_emails", "on"),
            ("nav", "next"),
        ],
    )
    .await;
    let page = html_of(r, StatusCode::BAD_REQUEST).await;
    assert!(page.contains("Enter the brand name used in onboarding emails"));
    assert!(
        page.contains(r#"name="allow_admin_invite_emails" value="on" checked"#),
        "the checkbox is kept"
    );
    assert_eq!(
        count_templates(&app).await,
        DEMO_TEMPLATES,
        "nothing was stored"
    );
}

#[tokio::test]
async fn pasted_saml_metadata_fills_the_entity_id() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    up_to_auth(&app, &c, "SAML customers", PARTNER_ADMIN, false).await;
    let metadata = r#"<?xml version="1.0" encoding="UTF-8"?>
<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" entityID="https://idp.northwind.example/realms/hub">
  <md:IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol">
    <md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="https://idp.northwind.example/sso"/>
  </md:IDPSSODescriptor>
</md:EntityDescriptor>"#;
    let r = step(
        &app,
        &c,
        "auth",
        &[
            ("auth_mode", "saml"),
            ("saml_entity_id", ""),
            ("saml_metadata", metadata),
            ("nav", "next"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("email"));
    let page = html(&app, &c, &at("auth")).await;
    assert!(
        page.contains(r#"value="https://idp.northwind.example/realms/hub""#),
        "the entity ID field holds what the metadata names"
    );
    assert!(
        !page.contains("IDPSSODescriptor"),
        "the XML itself is not kept"
    );
    step(
        &app,
        &c,
        "email",
        &[("email_brand_name", "NW"), ("nav", "next")],
    )
    .await;
    assert!(
        html(&app, &c, &at("summary"))
            .await
            .contains("https://idp.northwind.example/realms/hub")
    );
    let id = submit(&app, &c).await;
    let (mode, entity): (String, Option<String>) =
        sqlx::query_as("SELECT auth_mode, saml_entity_id FROM onboarding_templates WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    assert_eq!(mode, "saml");
    assert_eq!(
        entity.as_deref(),
        Some("https://idp.northwind.example/realms/hub")
    );
}

#[tokio::test]
async fn webex_to_webex_calls_are_stored_only_when_both_offers_are_selected() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let stored = |id: Uuid| {
        let app = &app;
        async move {
            sqlx::query_as::<_, (bool, bool)>(
                "SELECT offer_broadworks, allow_webex_to_webex FROM onboarding_templates WHERE id = $1",
            )
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap()
        }
    };
    // Wholesale only: the choice is not offered, and a forged one is not kept.
    up_to_auth(&app, &c, "Wholesale only", PARTNER_ADMIN, false).await;
    step(&app, &c, "auth", &[("auth_mode", "webex"), ("nav", "next")]).await;
    assert!(
        !html(&app, &c, &at("email"))
            .await
            .contains("Webex-to-Webex")
    );
    step(
        &app,
        &c,
        "email",
        &[
            ("email_brand_name", "NW"),
            ("allow_webex_to_webex", "on"),
            ("nav", "next"),
        ],
    )
    .await;
    let only = submit(&app, &c).await;
    assert_eq!(stored(only).await, (false, false));

    // Both offers: offered and kept.
    up_to_auth(&app, &c, "Both offers", PARTNER_ADMIN, true).await;
    step(&app, &c, "auth", &[("auth_mode", "webex"), ("nav", "next")]).await;
    assert!(
        html(&app, &c, &at("email"))
            .await
            .contains("Allow Webex-to-Webex")
    );
    step(
        &app,
        &c,
        "email",
        &[
            ("email_brand_name", "NW"),
            ("allow_webex_to_webex", "on"),
            ("nav", "next"),
        ],
    )
    .await;
    assert!(
        html(&app, &c, &at("summary"))
            .await
            .contains("Webex-to-Webex calls")
    );
    let both = submit(&app, &c).await;
    assert_eq!(stored(both).await, (true, true));

    // Dropping BroadWorks later drops the choice too, and the email step is shown again.
    assert_eq!(
        location(
            &app.post_form_with(&c, &format!("/partner/templates/{both}/edit"), &[])
                .await
        ),
        at("summary")
    );
    assert_eq!(location(&step(&app, &c, "offer", &[]).await), at("email"));
    step(
        &app,
        &c,
        "email",
        &[("email_brand_name", "NW"), ("nav", "next")],
    )
    .await;
    assert_eq!(submit(&app, &c).await, both);
    assert_eq!(stored(both).await, (false, false));
}

#[tokio::test]
async fn back_keeps_what_was_entered_and_cancel_discards_it() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    step(&app, &c, "offer", &[("offer_broadworks", "on")]).await;
    let r = step(
        &app,
        &c,
        "basics",
        &[
            ("name", "Half typed"),
            ("sp_admin_email", ""),
            ("country", "CA"),
            ("language", "fr_CA"),
            ("nav", "back"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("offer"), "Back does not check the step");
    assert!(
        html(&app, &c, &at("offer"))
            .await
            .contains(r#"value="on" checked"#),
        "BroadWorks still chosen"
    );
    let page = html(&app, &c, &at("basics")).await;
    assert!(page.contains(r#"value="Half typed""#));
    assert!(page.contains(r#"<option value="CA" selected>"#));
    assert!(page.contains(r#"<option value="fr_CA" selected>"#));
    basics(&app, &c, "Half typed", PARTNER_ADMIN).await;
    step(
        &app,
        &c,
        "calling",
        &[("pstn_vendor", "Skyline PSTN"), ("nav", "next")],
    )
    .await;
    let r = step(
        &app,
        &c,
        "auth",
        &[
            ("auth_mode", "oidc"),
            ("oidc_idp_name", "not valid yet"),
            ("nav", "back"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("calling"));
    assert!(
        html(&app, &c, &at("calling"))
            .await
            .contains(r#"<option value="Skyline PSTN" selected>"#)
    );
    let page = html(&app, &c, &at("auth")).await;
    assert!(page.contains(r#"value="not valid yet""#) && page.contains(r#"value="oidc" checked"#));
    // Leaving and coming back resumes at the first open step.
    app.get_with(&c, "/partner").await;
    assert_eq!(location(&app.get_with(&c, NEW).await), at("auth"));
    assert_eq!(
        location(&app.get_with(&c, &at("summary")).await),
        at("auth")
    );
    // Cancel discards the draft.
    let r = step(&app, &c, "cancel", &[]).await;
    assert_eq!(location(&r), "/partner/templates");
    assert_eq!(location(&app.get_with(&c, NEW).await), at("offer"));
    // A new draft starts again: nothing chosen, and the basics step is empty.
    assert!(
        !html(&app, &c, &at("offer"))
            .await
            .contains(r#"value="on" checked"#),
        "BroadWorks no longer chosen"
    );
    assert_eq!(location(&step(&app, &c, "offer", &[]).await), at("basics"));
    assert!(!html(&app, &c, &at("basics")).await.contains("Half typed"));
}

#[tokio::test]
async fn opening_an_edit_page_changes_no_draft() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let a = app.template_id("Standard SMB (US)").await;
    let b = app.template_id("Canada bilingual").await;
    let open_b = || async {
        let r = app
            .get_with(&c, &format!("/partner/templates/{b}/edit"))
            .await;
        assert_eq!(r.status(), StatusCode::SEE_OTHER);
        assert_eq!(location(&r), format!("/partner/templates/{b}"));
    };

    // A new template in progress...
    step(&app, &c, "offer", &[]).await;
    assert_eq!(
        location(&basics(&app, &c, "Half typed", PARTNER_ADMIN).await),
        at("calling")
    );
    open_b().await;
    let r = app.get_with(&c, &at("basics")).await;
    let page = html_of(r, StatusCode::OK).await;
    assert!(page.contains("Create onboarding template") && page.contains("Half typed"));

    // ...and a change to template A under way.
    let r = app
        .post_form_with(&c, &format!("/partner/templates/{a}/edit"), &[])
        .await;
    assert_eq!(location(&r), at("summary"));
    assert_eq!(
        location(&basics(&app, &c, "Standard SMB renamed", PARTNER_ADMIN).await),
        at("summary")
    );
    open_b().await;
    let r = app.get_with(&c, &at("summary")).await;
    let summary = html_of(r, StatusCode::OK).await;
    assert!(summary.contains("Edit onboarding template: Standard SMB (US)"));
    assert!(summary.contains("Standard SMB renamed") && !summary.contains("Canada bilingual"));
    // Opening the new-template wizard meanwhile shows the new draft, and loses neither.
    let r = app.get_with(&c, "/partner/templates/new").await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = app.get_with(&c, &at("basics")).await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(r.text().await.unwrap().contains("Half typed"));
    // Opening A's edit page again resumes that change rather than reloading it.
    let r = app
        .get_with(&c, &format!("/partner/templates/{a}/edit"))
        .await;
    assert_eq!(location(&r), at("summary"));
    assert!(
        html(&app, &c, &at("summary"))
            .await
            .contains("Standard SMB renamed")
    );
}

#[tokio::test]
async fn editing_changes_the_auth_mode_but_not_the_orgs_onboarded_with_it() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let id = app.template_id("Standard SMB (US)").await;
    let orgs_by_mode = || {
        let app = &app;
        async move {
            sqlx::query_as::<_, (String, i64)>(
                "SELECT auth_mode, count(*) FROM orgs WHERE template_id = $1 GROUP BY auth_mode",
            )
            .bind(id)
            .fetch_all(&app.db)
            .await
            .unwrap()
        }
    };
    let before = orgs_by_mode().await;
    assert!(
        matches!(before.as_slice(), [(mode, n)] if mode == "webex" && *n > 0),
        "{before:?}"
    );
    let pid_before: String =
        sqlx::query_scalar("SELECT provisioning_id FROM onboarding_templates WHERE id = $1")
            .bind(id)
            .fetch_one(&app.db)
            .await
            .unwrap();
    // A new template in progress is not lost by editing another.
    step(&app, &c, "offer", &[]).await;
    basics(&app, &c, "Work in progress", PARTNER_ADMIN).await;

    let detail = html(&app, &c, &format!("/partner/templates/{id}")).await;
    assert!(detail.contains(&format!(
        r#"<form method="post" action="/partner/templates/{id}/edit""#
    )));
    let r = app
        .post_form_with(&c, &format!("/partner/templates/{id}/edit"), &[])
        .await;
    assert_eq!(location(&r), at("summary"));
    let summary = html(&app, &c, &at("summary")).await;
    assert!(summary.contains("Edit onboarding template: Standard SMB (US)"));
    assert!(summary.contains("Save changes") && summary.contains("Nora Whitfield"));
    // Another template's name, in another case, is taken; its own is not.
    let r = basics(&app, &c, "canada BILINGUAL", PARTNER_ADMIN).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert_eq!(
        location(&basics(&app, &c, "standard smb (US)", PARTNER_ADMIN).await),
        at("summary")
    );
    let r = step(
        &app,
        &c,
        "auth",
        &[
            ("auth_mode", "saml"),
            ("saml_entity_id", "https://idp.northwind.example/saml"),
            ("nav", "next"),
        ],
    )
    .await;
    assert_eq!(
        location(&r),
        at("summary"),
        "a passed step returns to the summary"
    );
    assert_eq!(submit(&app, &c).await, id);

    let (name, mode, entity, pid): (String, String, Option<String>, String) = sqlx::query_as(
        "SELECT name, auth_mode, saml_entity_id, provisioning_id FROM onboarding_templates WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(name, "standard smb (US)");
    assert_eq!(mode, "saml");
    assert_eq!(
        entity.as_deref(),
        Some("https://idp.northwind.example/saml")
    );
    assert_eq!(pid, pid_before, "the provisioning ID never changes");
    assert_eq!(
        orgs_by_mode().await,
        before,
        "onboarded orgs keep their auth mode"
    );
    let detail = html(&app, &c, &format!("/partner/templates/{id}")).await;
    assert!(detail.contains("was saved.") && detail.contains("Partner authentication (SAML)"));
    assert_eq!(app.audit_count("template.update", "success").await, 1);
    assert_eq!(
        count_templates(&app).await,
        DEMO_TEMPLATES,
        "no template was added"
    );
    // The new template in progress resumes where it was.
    assert_eq!(location(&app.get_with(&c, NEW).await), at("calling"));
    assert!(
        html(&app, &c, &at("basics"))
            .await
            .contains(r#"value="Work in progress""#)
    );
}

#[tokio::test]
async fn a_template_in_use_cannot_be_deleted_and_an_unused_one_can() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let used = app.template_id("Standard SMB (US)").await;
    let customers: i64 = sqlx::query_scalar(
        "SELECT count(*) FROM orgs WHERE template_id = $1 AND deleted_at IS NULL",
    )
    .bind(used)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert!(customers > 0);
    let detail = html(&app, &c, &format!("/partner/templates/{used}")).await;
    assert!(detail.contains("cannot be deleted while they use it"));
    assert!(
        !detail.contains("/delete\""),
        "no delete form while it is in use"
    );
    let r = app
        .post_form_with(&c, &format!("/partner/templates/{used}/delete"), &[])
        .await;
    // Refused: back on the template's own page, with the reason.
    assert_eq!(location(&r), format!("/partner/templates/{used}"));
    let page = html(&app, &c, &location(&r)).await;
    assert!(page.contains(&format!(
        "{customers} customers were onboarded with this template"
    )));
    assert_eq!(count_templates(&app).await, DEMO_TEMPLATES);

    let unused = create_template(&app, &c, "Short lived", PARTNER_ADMIN).await;
    let detail = html(&app, &c, &format!("/partner/templates/{unused}")).await;
    assert!(detail.contains(&format!(r#"action="/partner/templates/{unused}/delete""#)));
    let r = app
        .post_form_with(&c, &format!("/partner/templates/{unused}/delete"), &[])
        .await;
    assert_eq!(location(&r), "/partner/templates");
    assert!(
        html(&app, &c, "/partner/templates")
            .await
            .contains("Template Short lived was deleted.")
    );
    assert_eq!(
        app.get_with(&c, &format!("/partner/templates/{unused}"))
            .await
            .status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(app.audit_count("template.delete", "success").await, 1);

    // Customers that were deleted do not hold a template back.
    let emea = app.template_id("EMEA with cloud PSTN").await;
    sqlx::query("UPDATE orgs SET deleted_at = now() WHERE template_id = $1")
        .bind(emea)
        .execute(&app.db)
        .await
        .unwrap();
    let r = app
        .post_form_with(&c, &format!("/partner/templates/{emea}/delete"), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(count_templates(&app).await, DEMO_TEMPLATES - 1);
}

#[tokio::test]
async fn a_read_only_admin_is_refused_every_change_and_sees_no_control_for_one() {
    let app = spawn_app().await;
    let ro = app.client_for(PARTNER_READONLY).await;
    let id = app.template_id("Standard SMB (US)").await;
    for path in [
        NEW.to_string(),
        at("offer"),
        at("basics"),
        at("calling"),
        at("auth"),
        at("email"),
        at("summary"),
        format!("/partner/templates/{id}/edit"),
    ] {
        assert_eq!(
            app.get_with(&ro, &path).await.status(),
            StatusCode::FORBIDDEN,
            "GET {path}"
        );
    }
    for path in [
        NEW.to_string(),
        at("cancel"),
        at("offer"),
        at("basics"),
        at("calling"),
        at("auth"),
        at("email"),
        format!("/partner/templates/{id}/edit"),
        format!("/partner/templates/{id}/delete"),
    ] {
        let r = app
            .post_form_with(&ro, &path, &[("name", "Sneaky"), ("nav", "next")])
            .await;
        assert_eq!(r.status(), StatusCode::FORBIDDEN, "POST {path}");
    }
    let list = html(&app, &ro, "/partner/templates").await;
    assert!(
        list.contains("Standard SMB (US)"),
        "read-only admins still look"
    );
    assert!(!list.contains("Create template") && !list.contains("/partner/templates/new"));
    let unused = {
        let admin = app.client_for(PARTNER_ADMIN).await;
        create_template(&app, &admin, "Nobody uses me", PARTNER_ADMIN).await
    };
    for t in [id, unused] {
        let detail = html(&app, &ro, &format!("/partner/templates/{t}")).await;
        assert!(detail.contains("Provisioning ID"));
        for control in ["/edit", "/delete", "Delete", ">Edit<"] {
            assert!(
                !detail.contains(control),
                "{control} shown to a read-only admin"
            );
        }
    }
    assert_eq!(count_templates(&app).await, DEMO_TEMPLATES + 1);
    assert!(app.audit_count("authorization.denied", "denied").await > 0);
}

#[tokio::test]
async fn a_sub_partner_template_carries_the_parents_subscription() {
    let app = spawn_app().await;
    let c = app.client_for(RESELLER_ADMIN).await;
    step(&app, &c, "offer", &[]).await;
    let page = html(&app, &c, &at("basics")).await;
    assert!(
        page.contains(r#"value="Sub-NW-100001" readonly"#),
        "prefilled and fixed"
    );
    assert!(
        !page.contains("partner.admin@northwind.example"),
        "only its own admins"
    );
    assert!(!page.contains("Northwind"), "the parent is never named");
    // A parent's admin is not this hub's admin.
    let r = basics(&app, &c, "Reseller SMB", PARTNER_ADMIN).await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("is not a full administrator of this partner")
    );
    // Names are unique per partner: Northwind's name is free here.
    let r = step(
        &app,
        &c,
        "basics",
        &[
            ("name", "Standard SMB (US)"),
            ("sp_admin_email", RESELLER_ADMIN),
            ("country", "US"),
            ("language", "en_US"),
            ("subscription_id", "Sub-SOMETHING-ELSE"),
            ("nav", "next"),
        ],
    )
    .await;
    assert_eq!(location(&r), at("calling"));
    step(&app, &c, "calling", &[("nav", "next")]).await;
    step(&app, &c, "auth", &[("auth_mode", "webex"), ("nav", "next")]).await;
    step(
        &app,
        &c,
        "email",
        &[("email_brand_name", "Southwind"), ("nav", "next")],
    )
    .await;
    assert!(html(&app, &c, &at("summary")).await.contains(SUB));
    let id = submit(&app, &c).await;
    let (owner, subscription): (Uuid, String) = sqlx::query_as(
        "SELECT owner_org_id, subscription_id FROM onboarding_templates WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!(owner, app.org_id("Southwind Reseller").await);
    assert_eq!(subscription, SUB);
}

#[tokio::test]
async fn a_parent_cross_launched_into_a_sub_partner_creates_the_template_in_its_hub() {
    let app = spawn_app().await;
    let c = app.client_for(PARTNER_ADMIN).await;
    let southwind = app.cross_launch(&c).await;
    let id = create_template(&app, &c, "Made by the parent", RESELLER_ADMIN).await;
    let (owner, subscription): (Uuid, String) = sqlx::query_as(
        "SELECT owner_org_id, subscription_id FROM onboarding_templates WHERE id = $1",
    )
    .bind(id)
    .fetch_one(&app.db)
    .await
    .unwrap();
    assert_eq!((owner, subscription.as_str()), (southwind, SUB));
    let reseller = app.client_for(RESELLER_ADMIN).await;
    assert!(
        html(&app, &reseller, "/partner/templates")
            .await
            .contains("Made by the parent")
    );
}

#[tokio::test]
async fn another_hubs_templates_cannot_be_seen_or_changed() {
    let app = spawn_app().await;
    let reseller = app.client_for(RESELLER_ADMIN).await;
    let admin = app.client_for(PARTNER_ADMIN).await;
    let northwinds = app.template_id("Standard SMB (US)").await;
    let southwinds = app.template_id("Southwind default").await;
    assert!(
        !html(&app, &reseller, "/partner/templates")
            .await
            .contains("Standard SMB (US)")
    );
    for (c, id) in [(&reseller, northwinds), (&admin, southwinds)] {
        for path in [
            format!("/partner/templates/{id}"),
            format!("/partner/templates/{id}/edit"),
        ] {
            assert_eq!(
                app.get_with(c, &path).await.status(),
                StatusCode::NOT_FOUND,
                "{path}"
            );
        }
        let r = app
            .post_form_with(c, &format!("/partner/templates/{id}/delete"), &[])
            .await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND);
    }
    assert_eq!(count_templates(&app).await, DEMO_TEMPLATES);
}
