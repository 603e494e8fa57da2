//! The onboarding-template wizard (SPEC §3) in headless Chromium: a partner admin walks
//! the six steps the way a person does, goes back and reloads without losing the draft,
//! sees mistakes beside their fields, and deletes a template only while no customer
//! uses it.
//!
//! The flows over plain HTTP, with every rule, are in `templates.rs`; these tests check
//! what the browser shows. They share the process-wide browser lock and the page helpers
//! of `browser.rs`.

use std::time::{Duration, Instant};

use fantoccini::Locator;
use uuid::Uuid;

use crate::browser::{
    Browser, STEP_TIMEOUT, assert_accessible, attr, browser_test, choose_value, chosen,
    current_step, is_ticked, link, next, press, press_enter_in, tick,
};
use crate::common::{OPERATIONS_LEAD, PARTNER_ADMIN, TestApp};

const TEMPLATES: &str = "/partner/templates";
const NEW: &str = "/partner/templates/new";
const OFFER: &str = "/partner/templates/new/offer";
const BASICS: &str = "/partner/templates/new/basics";
const CALLING: &str = "/partner/templates/new/calling";
const AUTH: &str = "/partner/templates/new/auth";
const EMAIL: &str = "/partner/templates/new/email";
const SUMMARY: &str = "/partner/templates/new/summary";
/// The demo partner's only wholesale subscription.
const SUB: &str = "Sub-NW-100001";
/// A seeded template that customers were onboarded with.
const USED: &str = "Standard SMB (US)";
/// Northwind's three and one for each demo sub-partner.
const SEEDED_TEMPLATES: i64 = 5;

/// The messages the wizard and the detail page show, word for word.
const NAME_TAKEN: &str = "You already have a template named “standard smb (us)”. \
    Template names are unique (ignoring case).";
const IDP_NAME_WRONG: &str =
    "The IdP name may contain only letters, digits, “-”, “_”, “~” and “.” (no spaces).";
const NO_ENTITY_ID: &str = "Enter the IdP entity ID, or paste the IdP's metadata XML.";
const ONE_CUSTOMER_REFUSAL: &str = "1 customer was onboarded with this template, so it cannot \
    be deleted while they use it. Change the template instead: customers already onboarded \
    keep their settings.";

/// The detail page's own note on a template in use.
fn in_use_note(customers: i64) -> String {
    format!(
        "{customers} customers were onboarded with this template, so it cannot be deleted while \
         they use it. Change it instead: customers already onboarded keep their settings."
    )
}

const W2W: &str = "input[name=allow_webex_to_webex]";
const INVITES: &str = "input[name=allow_admin_invite_emails]";

fn radio(mode: &str) -> String {
    format!("input[name=auth_mode][value={mode}]")
}

// ── Page helpers ────────────────────────────────────────────────────────────

/// The form's own Back button (it saves the step without checking it).
async fn back(b: &Browser) {
    let button = b
        .find("main form.wizard button[name=nav][value=back]")
        .await;
    assert_eq!(button.text().await.unwrap().trim(), "Back");
    button.click().await.expect("press Back");
}

/// Signs in as the partner admin and opens a new template's basics step.
async fn open_basics_as_partner_admin(b: &Browser) {
    tall_window(b).await;
    b.sign_in(PARTNER_ADMIN).await;
    b.wait_for_path("/partner").await;
    b.goto(NEW).await;
    b.wait_for_path(OFFER).await;
    next(b).await;
    b.wait_for_path(BASICS).await;
}

/// A screenshot of the page, and axe-core's check of it.
async fn shot(b: &Browser, name: &str) {
    let path = b.screenshot(&format!("template-{name}.png")).await;
    eprintln!("screenshot: {}", path.display());
    assert_accessible(b, &format!("template page {name}")).await;
}

/// The `<dt>`/`<dd>` pairs of the definition lists inside `scope`.
async fn facts(b: &Browser, scope: &str) -> Vec<(String, String)> {
    let terms = b.texts(&format!("{scope} dl.facts dt")).await;
    let values = b.texts(&format!("{scope} dl.facts dd")).await;
    assert_eq!(terms.len(), values.len(), "a value per term: {terms:?}");
    terms.into_iter().zip(values).collect()
}

fn fact<'a>(all: &'a [(String, String)], term: &str) -> &'a str {
    all.iter()
        .find(|(t, _)| t == term)
        .map(|(_, v)| v.as_str())
        .unwrap_or_else(|| panic!("no {term:?} among {all:?}"))
}

/// Waits until `css` shows `expected`.
async fn wait_for_text(b: &Browser, css: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let now = b.text(css).await;
        if now == expected {
            return;
        }
        assert!(
            started.elapsed() < STEP_TIMEOUT,
            "`{css}` shows {now:?}, not {expected:?}, on {}",
            b.location().await
        );
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}

/// Tall enough for each step and its messages to fit a screenshot.
async fn tall_window(b: &Browser) {
    b.c.set_window_size(1280, 1500)
        .await
        .expect("resize the window");
}

/// Waits until the browser shows a template's detail page; returns the template's id.
async fn wait_for_detail(b: &Browser) -> Uuid {
    let started = Instant::now();
    loop {
        if let Some(id) = b
            .path()
            .await
            .strip_prefix("/partner/templates/")
            .and_then(|rest| rest.parse::<Uuid>().ok())
        {
            return id;
        }
        assert!(
            started.elapsed() < STEP_TIMEOUT,
            "expected a template's page, but the browser is at {}",
            b.location().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn count_templates(app: &TestApp) -> i64 {
    sqlx::query_scalar("SELECT count(*) FROM onboarding_templates")
        .fetch_one(&app.db)
        .await
        .unwrap()
}

/// Templates → *Create template*; waits for the first step.
async fn open_wizard_from_the_template_list(b: &Browser) {
    link(b, "nav.sidenav", "Templates")
        .await
        .click()
        .await
        .expect("follow Templates");
    b.wait_for_path(TEMPLATES).await;
    assert_eq!(b.text("main h1").await, "Onboarding templates");
    let create = b.find("[data-testid=create-template]").await;
    assert_eq!(create.text().await.unwrap().trim(), "Create template");
    create.click().await.expect("follow Create template");
    b.wait_for_path(OFFER).await;
    assert_eq!(b.text("main h1").await, "Create onboarding template");
    assert_eq!(current_step(b).await, "Offer type");
}

/// What step 2 asks for (the subscription is the partner's only one, chosen for us).
struct Basics {
    name: &'static str,
    admin: &'static str,
    country: &'static str,
    language: &'static str,
}

async fn fill_basics(b: &Browser, v: &Basics) {
    b.type_into("#name", v.name).await;
    choose_value(b, "#sp_admin_email", v.admin).await;
    choose_value(b, "#country", v.country).await;
    choose_value(b, "#language", v.language).await;
    choose_value(b, "#subscription_id", SUB).await;
}

async fn assert_basics_kept(b: &Browser, v: &Basics, when: &str) {
    assert_eq!(current_step(b).await, "Basics", "{when}");
    assert_eq!(b.value("#name").await, v.name, "{when}");
    assert_eq!(b.value("#sp_admin_email").await, v.admin, "{when}");
    assert_eq!(b.value("#country").await, v.country, "{when}");
    assert_eq!(b.value("#language").await, v.language, "{when}");
    assert_eq!(b.value("#subscription_id").await, SUB, "{when}");
}

/// Walks all six steps with the defaults each step offers; returns the new template.
pub(crate) async fn create_plain_template(b: &Browser, name: &str) -> Uuid {
    create_template_with_admin(b, name, None).await
}

/// `create_plain_template`, choosing `admin` as the service-provider administrator
/// (the form starts at the signed-in admin only when they are one of the hub's own, so
/// a parent cross-launched into a sub-partner must choose).
pub(crate) async fn create_template_with_admin(
    b: &Browser,
    name: &str,
    admin: Option<&str>,
) -> Uuid {
    b.goto(NEW).await;
    b.wait_for_path(OFFER).await;
    next(b).await;
    b.wait_for_path(BASICS).await;
    b.type_into("#name", name).await;
    if let Some(admin) = admin {
        choose_value(b, "#sp_admin_email", admin).await;
    }
    choose_value(b, "#country", "US").await;
    choose_value(b, "#language", "en_US").await;
    next(b).await;
    b.wait_for_path(CALLING).await;
    next(b).await;
    b.wait_for_path(AUTH).await;
    assert!(is_ticked(b, &radio("webex")).await, "Webex is the default");
    next(b).await;
    b.wait_for_path(EMAIL).await;
    next(b).await;
    b.wait_for_path(SUMMARY).await;
    press(
        b,
        "main form[action='/partner/templates/new']",
        "Create template",
    )
    .await;
    let id = wait_for_detail(b).await;
    assert_eq!(b.text("main h1").await, name);
    id
}

/// Opens *Delete…* on a template's page; checks the confirmation names the template.
async fn open_delete(b: &Browser, name: &str) {
    let summary = b.find("main section.danger-zone details summary").await;
    assert_eq!(summary.text().await.unwrap().trim(), "Delete…");
    summary.click().await.expect("open Delete…");
    assert!(
        attr(b, "main section.danger-zone details", "open")
            .await
            .is_some(),
        "the confirmation opened"
    );
    let confirm = b.text("main form.confirm p").await;
    assert!(
        confirm.starts_with(&format!(
            "Delete {name}? Its provisioning ID stops working at once"
        )),
        "{confirm}"
    );
}

// ── Tests ───────────────────────────────────────────────────────────────────

#[tokio::test]
async fn a_partner_admin_creates_an_onboarding_template_through_the_six_steps() {
    browser_test(|app, b| async move {
        let pacific = Basics {
            name: "Harbour Dental Pacific",
            admin: OPERATIONS_LEAD,
            country: "AU",
            language: "en_AU",
        };
        let idp = "Northwind-IdP_1.prod~a";
        tall_window(&b).await;
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        open_wizard_from_the_template_list(&b).await;

        // 1. Offer type: Wholesale is always on; BroadWorks is a choice.
        let wholesale = b.find("#offer_wholesale").await;
        assert!(
            wholesale.is_selected().await.unwrap(),
            "Wholesale is ticked"
        );
        assert!(
            !wholesale.is_enabled().await.unwrap(),
            "Wholesale cannot be unticked"
        );
        assert!(!is_ticked(&b, "#offer_broadworks").await);
        tick(&b, "#offer_broadworks").await;
        shot(&b, "1-offer").await;
        next(&b).await;

        // 2. Basics: the signed-in admin and the only subscription are proposed.
        b.wait_for_path(BASICS).await;
        assert_eq!(current_step(&b).await, "Basics");
        assert_eq!(b.value("#sp_admin_email").await, PARTNER_ADMIN);
        assert_eq!(b.value("#subscription_id").await, SUB);
        fill_basics(&b, &pacific).await;
        assert_eq!(
            chosen(&b, "#sp_admin_email").await,
            "Priya Anand (operations.lead@northwind.example)"
        );
        assert_eq!(chosen(&b, "#country").await, "Australia");
        shot(&b, "2-basics").await;
        next(&b).await;

        // 3. Wholesale calling: the vendor warning is there to read before choosing.
        b.wait_for_path(CALLING).await;
        assert_eq!(current_step(&b).await, "Wholesale calling");
        let warning = b.find("[data-testid=pstn-warning]").await;
        assert!(
            warning.is_displayed().await.unwrap(),
            "the warning is visible"
        );
        let warning = warning.text().await.unwrap();
        for part in [
            "Before you choose a vendor:",
            "applies only to a customer's first location",
            "does not update customers already onboarded",
            "provisioning of that customer fails and needs manual repair",
        ] {
            assert!(
                warning.contains(part),
                "the warning says {part:?}: {warning}"
            );
        }
        assert_eq!(b.value("#pstn_vendor").await, "", "no vendor by default");
        choose_value(&b, "#pstn_vendor", "Pacific Voice").await;
        assert_eq!(
            chosen(&b, "#pstn_vendor").await,
            "Pacific Voice (serves AU, NZ, SG)"
        );
        shot(&b, "3-calling").await;
        next(&b).await;

        // 4. Authentication mode.
        b.wait_for_path(AUTH).await;
        assert_eq!(current_step(&b).await, "Authentication mode");
        assert!(is_ticked(&b, &radio("webex")).await, "Webex is the default");
        let oidc_label = b
            .find("label.check:has(input[name=auth_mode][value=oidc])")
            .await;
        assert_eq!(
            oidc_label.text().await.unwrap().trim(),
            "Partner authentication with OpenID Connect"
        );
        oidc_label.click().await.expect("choose OpenID Connect");
        assert!(is_ticked(&b, &radio("oidc")).await);
        assert!(!is_ticked(&b, &radio("webex")).await);
        b.type_into("#oidc_idp_name", idp).await;
        shot(&b, "4-auth").await;
        next(&b).await;

        // 5. Email and calling: both offers chosen, so Webex-to-Webex is offered.
        b.wait_for_path(EMAIL).await;
        assert_eq!(current_step(&b).await, "Email and calling");
        assert_eq!(
            b.value("#email_brand_name").await,
            "Northwind Telecom",
            "the partner's name is proposed"
        );
        assert!(
            !is_ticked(&b, INVITES).await,
            "admin-invite emails are off by default"
        );
        let w2w = b.find(W2W).await;
        assert!(w2w.is_displayed().await.unwrap(), "Webex-to-Webex is shown");
        assert!(
            b.text("main form.wizard")
                .await
                .contains("Allow Webex-to-Webex (non-PSTN) calls")
        );
        assert!(!is_ticked(&b, W2W).await);
        b.type_into("#email_brand_name", "Northwind Pacific").await;
        tick(&b, W2W).await;
        shot(&b, "5-email").await;
        next(&b).await;

        // 6. Summary: every value, with an Edit link per section.
        b.wait_for_path(SUMMARY).await;
        assert_eq!(current_step(&b).await, "Summary");
        let expected_facts = |name: &str, language: &str| {
            [
                ("Template name", name.to_string()),
                (
                    "Service-provider administrator",
                    "Priya Anand (operations.lead@northwind.example)".to_string(),
                ),
                ("Country or region", "Australia".to_string()),
                (
                    "Default email language",
                    language_name(language).to_string(),
                ),
                ("Wholesale subscription", SUB.to_string()),
                ("Cloud-connected PSTN vendor", "Pacific Voice".to_string()),
                (
                    "Mode",
                    "Partner authentication with OpenID Connect".to_string(),
                ),
                ("OIDC IdP name", idp.to_string()),
                ("Brand name for emails", "Northwind Pacific".to_string()),
                ("Admin-invite emails when attaching", "Off".to_string()),
                ("Webex-to-Webex calls", "Allowed".to_string()),
            ]
            .into_iter()
            .map(|(t, v)| (t.to_string(), v))
            .collect::<Vec<_>>()
        };
        assert_eq!(
            facts(&b, "main").await,
            expected_facts(pacific.name, pacific.language)
        );
        assert_eq!(
            b.text("main section.card p").await,
            "Webex for Wholesale and Webex for BroadWorks"
        );
        let mut edits = vec![];
        for a in
            b.c.find_all(Locator::Css("main section.card h2 a.edit"))
                .await
                .unwrap()
        {
            assert!(
                a.text().await.unwrap().trim().starts_with("Edit"),
                "an Edit link"
            );
            edits.push(a.attr("href").await.unwrap().unwrap_or_default());
        }
        assert_eq!(
            edits,
            [OFFER, BASICS, CALLING, AUTH, EMAIL],
            "an Edit link per section"
        );
        shot(&b, "6-summary").await;

        // An Edit link opens its step as it was; Next returns to the summary.
        b.find(&format!("main a.edit[href='{BASICS}']"))
            .await
            .click()
            .await
            .expect("follow the basics Edit link");
        b.wait_for_path(BASICS).await;
        assert_basics_kept(&b, &pacific, "after Edit").await;
        let apac = Basics {
            name: "Harbour Dental APAC",
            language: "en_GB",
            ..pacific
        };
        b.type_into("#name", apac.name).await;
        choose_value(&b, "#language", apac.language).await;
        next(&b).await;
        b.wait_for_path(SUMMARY).await;
        assert_eq!(
            facts(&b, "main").await,
            expected_facts(apac.name, apac.language),
            "the change shows and nothing else moved"
        );

        // Submit: the new template's page, with its provisioning ID to copy.
        assert_eq!(count_templates(&app).await, SEEDED_TEMPLATES);
        press(
            &b,
            "main form[action='/partner/templates/new']",
            "Create template",
        )
        .await;
        let id = wait_for_detail(&b).await;
        assert_eq!(b.text("main h1").await, apac.name);
        assert_eq!(
            b.text("main .flash").await,
            format!("Template {} was created.", apac.name)
        );
        let stored: String =
            sqlx::query_scalar("SELECT provisioning_id FROM onboarding_templates WHERE id = $1")
                .bind(id)
                .fetch_one(&app.db)
                .await
                .unwrap();
        let pid = b.find("#provisioning-id").await;
        assert!(
            pid.attr("readonly").await.unwrap().is_some(),
            "the input is read-only"
        );
        assert_eq!(
            pid.prop("readOnly").await.unwrap().as_deref(),
            Some("true"),
            "the provisioning ID cannot be edited"
        );
        assert_eq!(b.value("#provisioning-id").await, stored);
        assert!(stored.starts_with("prov-"), "{stored}");
        // Typing into it changes nothing; selecting it (to copy) works.
        pid.send_keys("x").await.ok();
        assert_eq!(b.value("#provisioning-id").await, stored);
        let selected =
            b.c.execute(
                "const i = document.getElementById('provisioning-id'); i.select(); \
                 return i.value.substring(i.selectionStart, i.selectionEnd);",
                vec![],
            )
            .await
            .expect("select the provisioning ID");
        assert_eq!(selected.as_str(), Some(stored.as_str()));
        let copy = b.find("button[data-copy=provisioning-id]").await;
        assert!(
            copy.is_displayed().await.unwrap(),
            "the script shows the Copy button"
        );
        assert_eq!(copy.text().await.unwrap().trim(), "Copy");
        copy.click().await.expect("press Copy");
        wait_for_text(&b, "button[data-copy=provisioning-id]", "Copied").await;

        let shown = facts(&b, "main").await;
        for (term, value) in [
            ("Offer types", "Webex for Wholesale, Webex for BroadWorks"),
            (
                "Service-provider administrator",
                "Priya Anand (operations.lead@northwind.example)",
            ),
            ("Country or region", "Australia (AU)"),
            ("Default email language", "English (United Kingdom)"),
            ("Wholesale subscription", SUB),
            ("Cloud-connected PSTN vendor", "Pacific Voice"),
            (
                "Authentication",
                "Partner authentication with OpenID Connect",
            ),
            ("OIDC IdP name", idp),
            ("Brand name for emails", "Northwind Pacific"),
            ("Admin-invite emails when attaching", "Off"),
            ("Webex-to-Webex calls", "Allowed"),
            ("Customers onboarded with it", "0"),
        ] {
            assert_eq!(fact(&shown, term), value, "{term}");
        }
        assert_eq!(count_templates(&app).await, SEEDED_TEMPLATES + 1);
        shot(&b, "7-detail").await;

        // The list has it; a new wizard starts empty.
        link(&b, "nav.sidenav", "Templates")
            .await
            .click()
            .await
            .expect("follow Templates");
        b.wait_for_path(TEMPLATES).await;
        assert!(
            b.texts("main table.list tbody td:first-child a")
                .await
                .iter()
                .any(|n| n == apac.name)
        );
        b.goto(NEW).await;
        b.wait_for_path(OFFER).await;
        assert!(!is_ticked(&b, "#offer_broadworks").await);
    })
    .await;
}

#[tokio::test]
async fn back_and_reload_keep_the_template_draft() {
    browser_test(|_app, b| async move {
        let draft = Basics {
            name: "Maple Bilingual",
            admin: OPERATIONS_LEAD,
            country: "CA",
            language: "fr_CA",
        };
        tall_window(&b).await;
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        open_wizard_from_the_template_list(&b).await;
        // Wholesale only this time.
        assert!(!is_ticked(&b, "#offer_broadworks").await);
        next(&b).await;
        b.wait_for_path(BASICS).await;
        fill_basics(&b, &draft).await;

        // The form's Back button keeps step 2 as typed and shows step 1 as it was.
        back(&b).await;
        b.wait_for_path(OFFER).await;
        assert_eq!(current_step(&b).await, "Offer type");
        assert!(!is_ticked(&b, "#offer_broadworks").await);
        b.c.refresh().await.expect("reload the page");
        b.wait_for("#offer_broadworks").await;
        assert_eq!(b.path().await, OFFER);
        assert!(!is_ticked(&b, "#offer_broadworks").await, "after a reload");

        // Forward again: step 2 still holds everything, and a reload keeps it too.
        next(&b).await;
        b.wait_for_path(BASICS).await;
        assert_basics_kept(&b, &draft, "forward after Back").await;
        b.c.refresh().await.expect("reload the page");
        b.wait_for("#name").await;
        assert_eq!(b.path().await, BASICS);
        assert_basics_kept(&b, &draft, "after a reload").await;
        shot(&b, "back-basics-reloaded").await;

        // Enter in a field goes forward, as Next does, not Back.
        press_enter_in(&b, "#name").await;
        b.wait_for_path(CALLING).await;
        choose_value(&b, "#pstn_vendor", "Skyline PSTN").await;
        back(&b).await;
        b.wait_for_path(BASICS).await;
        assert_basics_kept(&b, &draft, "after Back from step 3").await;
        b.c.refresh().await.expect("reload the page");
        b.wait_for("#name").await;
        assert_basics_kept(&b, &draft, "after another reload").await;
        next(&b).await;
        b.wait_for_path(CALLING).await;
        assert_eq!(
            b.value("#pstn_vendor").await,
            "Skyline PSTN",
            "the vendor chosen before going back"
        );

        // The browser's own Back and Forward buttons.
        b.c.back().await.expect("browser Back");
        b.wait_for_path(BASICS).await;
        assert_basics_kept(&b, &draft, "after the browser's Back").await;
        b.c.forward().await.expect("browser Forward");
        b.wait_for_path(CALLING).await;
        assert_eq!(b.value("#pstn_vendor").await, "Skyline PSTN");

        // A step already passed opens from the stepper, as it was typed.
        link(&b, "ol.stepper", "Basics").await.click().await.expect("open Basics");
        b.wait_for_path(BASICS).await;
        assert_basics_kept(&b, &draft, "opened from the stepper").await;
        assert_eq!(
            b.count("ol.stepper a").await,
            2,
            "Offer type and Wholesale calling are links, the current step and the steps not reached are not"
        );
        next(&b).await;
        b.wait_for_path(CALLING).await;

        // Without BroadWorks there is no Webex-to-Webex choice at step 5.
        next(&b).await;
        b.wait_for_path(AUTH).await;
        next(&b).await;
        b.wait_for_path(EMAIL).await;
        assert_eq!(current_step(&b).await, "Email and calling");
        assert_eq!(b.count(W2W).await, 0, "no Webex-to-Webex choice");
        assert!(!b.text("main form.wizard").await.contains("Webex-to-Webex"));
        assert!(!is_ticked(&b, INVITES).await);
        shot(&b, "back-email-wholesale-only").await;
        next(&b).await;
        b.wait_for_path(SUMMARY).await;
        let summary = facts(&b, "main").await;
        assert_eq!(fact(&summary, "Template name"), draft.name);
        assert_eq!(fact(&summary, "Country or region"), "Canada");
        assert_eq!(fact(&summary, "Default email language"), "French (Canada)");
        assert_eq!(
            fact(&summary, "Cloud-connected PSTN vendor"),
            "Skyline PSTN"
        );
        assert!(
            !summary.iter().any(|(t, _)| t == "Webex-to-Webex calls"),
            "{summary:?}"
        );
        assert_eq!(b.text("main section.card p").await, "Webex for Wholesale");

        // Leaving and coming back resumes the draft at the summary.
        b.goto("/partner").await;
        assert_eq!(b.text("main h1").await, "Overview");
        b.goto(NEW).await;
        b.wait_for_path(SUMMARY).await;
        assert_eq!(fact(&facts(&b, "main").await, "Template name"), draft.name);
    })
    .await;
}

#[tokio::test]
async fn template_mistakes_are_shown_beside_their_fields() {
    browser_test(|app, b| async move {
        open_basics_as_partner_admin(&b).await;
        assert_eq!(b.count(".field-error").await, 0);

        // Another template's name in other letter case is taken.
        let taken = Basics {
            name: "standard smb (us)",
            admin: PARTNER_ADMIN,
            country: "US",
            language: "en_US",
        };
        fill_basics(&b, &taken).await;
        next(&b).await;
        b.wait_for("#name-error").await;
        assert_eq!(b.path().await, BASICS, "the step is shown again");
        assert_eq!(b.texts("main .field-error").await, [NAME_TAKEN]);
        assert_eq!(
            attr(&b, "#name", "aria-invalid").await.as_deref(),
            Some("true")
        );
        assert_eq!(
            attr(&b, "#name", "aria-describedby").await.as_deref(),
            Some("name-error")
        );
        let after_name =
            b.c.find(Locator::XPath(
                "//input[@id='name']/following-sibling::*[1]",
            ))
            .await
            .unwrap();
        assert_eq!(
            after_name.attr("id").await.unwrap().as_deref(),
            Some("name-error"),
            "the message comes right after the field"
        );
        for fine in [
            "#sp_admin_email",
            "#country",
            "#language",
            "#subscription_id",
        ] {
            assert_eq!(attr(&b, fine, "aria-invalid").await, None, "{fine}");
        }
        assert_basics_kept(&b, &taken, "after the error").await;
        shot(&b, "error-basics").await;

        // The summary at the top takes focus and links to the field.
        let focused =
            b.c.execute(
                "return document.activeElement && document.activeElement.id",
                vec![],
            )
            .await
            .expect("read the focused element");
        assert_eq!(focused, serde_json::json!("error-summary"));
        assert_eq!(b.texts("#error-summary li a").await, [NAME_TAKEN]);
        assert_eq!(
            attr(&b, "#error-summary li a", "href").await.as_deref(),
            Some("#name")
        );

        b.type_into("#name", "Standard SMB (US) v2").await;
        next(&b).await;
        b.wait_for_path(CALLING).await;
        next(&b).await;
        b.wait_for_path(AUTH).await;

        // An OIDC IdP name with a space.
        tick(&b, &radio("oidc")).await;
        b.type_into("#oidc_idp_name", "my idp").await;
        next(&b).await;
        b.wait_for("#oidc_idp_name-error").await;
        assert_eq!(b.path().await, AUTH);
        assert_eq!(current_step(&b).await, "Authentication mode");
        assert_eq!(b.texts("main .field-error").await, [IDP_NAME_WRONG]);
        assert_eq!(
            attr(&b, "#oidc_idp_name", "aria-invalid").await.as_deref(),
            Some("true")
        );
        assert_eq!(
            attr(&b, "#oidc_idp_name", "aria-describedby")
                .await
                .as_deref(),
            Some("oidc_idp_name-hint oidc_idp_name-error")
        );
        // Beside its field: in the OIDC choice, after the field and its hint.
        let error_after_field =
            b.c.find(Locator::XPath(
                "//input[@id='oidc_idp_name']/following-sibling::*[2]",
            ))
            .await
            .unwrap();
        assert_eq!(
            error_after_field.attr("id").await.unwrap().as_deref(),
            Some("oidc_idp_name-error")
        );
        assert_eq!(
            b.value("#oidc_idp_name").await,
            "my idp",
            "what was typed is kept"
        );
        assert!(is_ticked(&b, &radio("oidc")).await, "the mode is kept");
        assert_eq!(attr(&b, "#saml_entity_id", "aria-invalid").await, None);
        shot(&b, "error-oidc").await;

        // SAML without an entity ID (or metadata).
        tick(&b, &radio("saml")).await;
        assert_eq!(b.value("#saml_entity_id").await, "");
        next(&b).await;
        b.wait_for("#saml_entity_id-error").await;
        assert_eq!(b.path().await, AUTH);
        assert_eq!(b.texts("main .field-error").await, [NO_ENTITY_ID]);
        assert_eq!(
            attr(&b, "#saml_entity_id", "aria-invalid").await.as_deref(),
            Some("true")
        );
        assert_eq!(
            attr(&b, "#saml_entity_id", "aria-describedby")
                .await
                .as_deref(),
            Some("saml_entity_id-error")
        );
        let after_entity =
            b.c.find(Locator::XPath(
                "//input[@id='saml_entity_id']/following-sibling::*[1]",
            ))
            .await
            .unwrap();
        assert_eq!(
            after_entity.attr("id").await.unwrap().as_deref(),
            Some("saml_entity_id-error")
        );
        assert!(is_ticked(&b, &radio("saml")).await, "the mode is kept");
        assert_eq!(
            attr(&b, "#oidc_idp_name", "aria-invalid").await,
            None,
            "only the chosen mode's field is checked"
        );
        assert_eq!(
            b.value("#oidc_idp_name").await,
            "my idp",
            "the other mode's field keeps what was typed"
        );
        shot(&b, "error-saml").await;

        // Fixing it is enough to move on.
        b.type_into("#saml_entity_id", "https://idp.northwind.example/saml")
            .await;
        next(&b).await;
        b.wait_for_path(EMAIL).await;
        assert_eq!(b.count(".field-error").await, 0);
        next(&b).await;
        b.wait_for_path(SUMMARY).await;
        assert_eq!(
            b.text("[data-testid=saml-entity-id]").await,
            "https://idp.northwind.example/saml"
        );
        assert_eq!(
            fact(&facts(&b, "main").await, "Mode"),
            "Partner authentication (SAML)"
        );
        assert_eq!(
            count_templates(&app).await,
            SEEDED_TEMPLATES,
            "nothing was stored"
        );
    })
    .await;
}

#[tokio::test]
async fn a_template_in_use_cannot_be_deleted_and_an_unused_one_can() {
    browser_test(|app, b| async move {
        let used: Uuid = sqlx::query_scalar("SELECT id FROM onboarding_templates WHERE name = $1")
            .bind(USED)
            .fetch_one(&app.db)
            .await
            .unwrap();
        let customers: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM orgs WHERE template_id = $1 AND deleted_at IS NULL",
        )
        .bind(used)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert!(customers > 1, "the demo has customers on {USED}");

        tall_window(&b).await;
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        link(&b, "nav.sidenav", "Templates")
            .await
            .click()
            .await
            .expect("follow Templates");
        b.wait_for_path(TEMPLATES).await;
        link(&b, "main table.list", USED)
            .await
            .click()
            .await
            .expect("open the template");
        b.wait_for_path(&format!("/partner/templates/{used}")).await;
        assert_eq!(b.text("main h1").await, USED);
        assert_eq!(
            b.text("[data-testid=template-customers]").await,
            customers.to_string()
        );
        assert_eq!(
            b.text("main section.danger-zone p").await,
            in_use_note(customers)
        );
        assert_eq!(
            b.count("main form[action$='/delete']").await,
            0,
            "nothing to press"
        );
        assert!(
            !b.texts("main button")
                .await
                .iter()
                .any(|t| t.contains("delete")),
            "no delete button"
        );
        shot(&b, "delete-in-use").await;

        // A template made here, opened for deletion; meanwhile a customer is onboarded
        // with it (as another admin or the API might): the delete is refused with why.
        let unused = create_plain_template(&b, "Short lived").await;
        assert_eq!(b.text("[data-testid=template-customers]").await, "0");
        let acme = app.org_id("Acme Dental").await;
        let acme_template: Option<Uuid> =
            sqlx::query_scalar("SELECT template_id FROM orgs WHERE id = $1")
                .bind(acme)
                .fetch_one(&app.db)
                .await
                .unwrap();
        open_delete(&b, "Short lived").await;
        sqlx::query("UPDATE orgs SET template_id = $1 WHERE id = $2")
            .bind(unused)
            .bind(acme)
            .execute(&app.db)
            .await
            .unwrap();
        press(&b, "main form.confirm", "Yes, delete this template").await;
        let refusal = b.wait_for_text("main .flash", "was not deleted").await;
        assert_eq!(
            refusal.trim(),
            format!("Short lived was not deleted. {ONE_CUSTOMER_REFUSAL}")
        );
        assert_eq!(b.text("main h1").await, "Short lived");
        assert_eq!(b.text("[data-testid=template-customers]").await, "1");
        assert_eq!(b.count("main form[action$='/delete']").await, 0);
        assert_eq!(
            count_templates(&app).await,
            SEEDED_TEMPLATES + 1,
            "not deleted"
        );
        shot(&b, "delete-refused").await;
        assert_eq!(
            b.path().await,
            format!("/partner/templates/{unused}"),
            "a refusal returns to the template's own address"
        );

        // Once the customer is gone (back on its old template), the delete goes through.
        sqlx::query("UPDATE orgs SET template_id = $1 WHERE id = $2")
            .bind(acme_template)
            .bind(acme)
            .execute(&app.db)
            .await
            .unwrap();
        b.goto(&format!("/partner/templates/{unused}")).await;
        assert_eq!(b.text("[data-testid=template-customers]").await, "0");
        assert_eq!(b.count("[data-testid=template-error]").await, 0);
        open_delete(&b, "Short lived").await;
        shot(&b, "delete-confirm").await;
        press(&b, "main form.confirm", "Yes, delete this template").await;
        b.wait_for_path(TEMPLATES).await;
        assert_eq!(
            b.text("main .flash").await,
            "Template Short lived was deleted."
        );
        let names = b.texts("main table.list tbody td:first-child").await;
        assert!(!names.iter().any(|n| n == "Short lived"), "{names:?}");
        assert!(names.iter().any(|n| n == USED), "{names:?}");
        assert_eq!(count_templates(&app).await, SEEDED_TEMPLATES);
        shot(&b, "deleted-list").await;

        b.goto(&format!("/partner/templates/{unused}")).await;
        assert_eq!(b.text("main .code").await, "404");
    })
    .await;
}

/// A locale as the pages name it.
fn language_name(locale: &str) -> &str {
    wholesale_hub::domain::locales::name(locale)
}

/// Whether leaving the page now would ask first (the page's `beforeunload` handler
/// cancels the event).
async fn leaving_asks(b: &Browser) -> bool {
    let asked =
        b.c.execute(
            "var e = new Event('beforeunload', { cancelable: true });
             window.dispatchEvent(e);
             return e.defaultPrevented;",
            vec![],
        )
        .await
        .expect("dispatch beforeunload");
    asked == serde_json::json!(true)
}

#[tokio::test]
async fn unsent_input_asks_before_leaving_and_auth_fields_follow_the_mode() {
    browser_test(|_app, b| async move {
        open_basics_as_partner_admin(&b).await;
        assert!(!leaving_asks(&b).await, "nothing typed yet");
        fill_basics(
            &b,
            &Basics {
                name: "Leaving Test",
                admin: PARTNER_ADMIN,
                country: "US",
                language: "en_US",
            },
        )
        .await;
        assert!(leaving_asks(&b).await, "typed but not sent");
        next(&b).await;
        b.wait_for_path(CALLING).await;
        assert!(!leaving_asks(&b).await, "sent with Next: nothing to lose");
        next(&b).await;
        b.wait_for_path(AUTH).await;

        // Only the chosen mode's own fields show.
        let shown = |css: &'static str| {
            let b = &b;
            async move { b.find(css).await.is_displayed().await.unwrap() }
        };
        assert!(is_ticked(&b, &radio("webex")).await);
        assert!(!shown("#saml_entity_id").await && !shown("#oidc_idp_name").await);
        tick(&b, &radio("saml")).await;
        assert!(shown("#saml_entity_id").await && shown("#saml_metadata").await);
        assert!(!shown("#oidc_idp_name").await);
        tick(&b, &radio("oidc")).await;
        assert!(shown("#oidc_idp_name").await && !shown("#saml_entity_id").await);
    })
    .await;
}

#[tokio::test]
async fn enter_in_a_field_of_each_step_goes_forward() {
    browser_test(|_app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/templates/new").await;
        b.wait_for_path(OFFER).await;
        // Steps of ticks and choices: Enter on the focused tick or radio button.
        press_enter_in(&b, "#offer_broadworks").await;
        b.wait_for_path(BASICS).await;
        fill_basics(
            &b,
            &Basics {
                name: "Enter Only",
                admin: OPERATIONS_LEAD,
                country: "GB",
                language: "en_GB",
            },
        )
        .await;
        press_enter_in(&b, "#name").await;
        b.wait_for_path(CALLING).await;
        // The calling step holds only a list, where Enter makes the list's own choice
        // (as in any form); its Next button goes on.
        next(&b).await;
        b.wait_for_path(AUTH).await;
        press_enter_in(&b, &radio("webex")).await;
        b.wait_for_path(EMAIL).await;
        b.type_into("#email_brand_name", "Enter Only").await;
        press_enter_in(&b, "#email_brand_name").await;
        b.wait_for_path(SUMMARY).await;
        assert_eq!(current_step(&b).await, "Summary");
    })
    .await;
}
