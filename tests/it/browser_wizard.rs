//! The create-customer wizard (SPEC §4.1) in headless Chromium: a partner admin walks
//! the four steps the way a person does, goes back and reloads without losing anything,
//! sees mistakes beside their fields, and watches the new customer provision — with the
//! page's script and without it.
//!
//! The flows over plain HTTP, with every rule, are in `wizard.rs`; these tests check what
//! the browser shows. They share the process-wide browser lock and the page helpers of
//! `browser.rs`.

use std::future::Future;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::Locator;
use uuid::Uuid;

use crate::browser::{
    Browser, STEP_TIMEOUT, assert_accessible, attr, browser_test, browser_test_on, choose_label,
    choose_value, chosen, current_step, is_ticked, link, next, press, press_enter_in, tick,
};
use crate::common::{PARTNER_ADMIN, TestApp, spawn_app_with_worker};

const TEMPLATE: &str = "Standard SMB (US)";
const COUNTRY: &str = "United States";
const INFO: &str = "/partner/customers/new/info";
const PACKAGES: &str = "/partner/customers/new/packages";
const LOCATION: &str = "/partner/customers/new/location";
const SUMMARY: &str = "/partner/customers/new/summary";
/// The script shows this with the first status it fetches (two packages chosen).
const PACKAGES_CHOSEN: &str = "2";

/// Like `browser::browser_test`, but the app also runs the background worker (so
/// provisioning finishes), and Chromium runs with or without JavaScript.
async fn worker_browser_test<F, Fut>(javascript: bool, body: F)
where
    F: FnOnce(Arc<TestApp>, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    browser_test_on(spawn_app_with_worker(), javascript, body).await
}

/// Holds back the provisioning job until the returned transaction ends: the job's first
/// write is the headquarters location, and a SHARE lock on `locations` blocks inserts
/// but none of the reads the pages make. Without it the worker usually finishes before
/// the customer page has loaded, and the page never shows provisioning in progress.
async fn hold_provisioning(app: &TestApp) -> wholesale_hub::db::Tx {
    let mut tx = app.db.begin().await.expect("begin");
    sqlx::query("LOCK TABLE locations IN SHARE MODE")
        .execute(&mut *tx)
        .await
        .expect("lock the locations table");
    tx
}

async fn db_status(app: &TestApp, id: Uuid) -> Option<String> {
    sqlx::query_scalar("SELECT status FROM orgs WHERE id = $1")
        .bind(id)
        .fetch_one(&app.db)
        .await
        .expect("the customer's status")
}

async fn wait_for_db_status(app: &TestApp, id: Uuid, status: &str) {
    let started = Instant::now();
    loop {
        let now = db_status(app, id).await;
        if now.as_deref() == Some(status) {
            return;
        }
        assert!(
            started.elapsed() < STEP_TIMEOUT,
            "the customer is still {now:?}, not {status}, after {STEP_TIMEOUT:?}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// Text of `css`, or `None` while the page has no such element (say, mid-reload).
async fn try_text(b: &Browser, css: &str) -> Option<String> {
    let e = b.c.find(Locator::Css(css)).await.ok()?;
    Some(e.text().await.ok()?.trim().to_string())
}

/// Waits until `css` shows `expected`, whatever reloads happen meanwhile.
async fn wait_for_text(b: &Browser, css: &str, expected: &str) {
    let started = Instant::now();
    loop {
        let now = try_text(b, css).await;
        if now.as_deref() == Some(expected) {
            return;
        }
        assert!(
            started.elapsed() < STEP_TIMEOUT,
            "`{css}` shows {now:?}, not {expected:?}, on {} after {STEP_TIMEOUT:?}",
            b.location().await
        );
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
}

/// Customers → Actions → *Create wholesale customer*; waits for the first step.
async fn open_wizard_from_the_customer_list(b: &Browser) {
    b.goto("/partner").await;
    link(b, "nav.sidenav", "Customers")
        .await
        .click()
        .await
        .expect("follow Customers");
    b.wait_for_path("/partner/customers").await;
    assert_eq!(b.text("main h1").await, "Customers");
    let create = b.find("[data-testid=create-customer]").await;
    assert!(
        !create.is_displayed().await.unwrap(),
        "the create link is inside the closed Actions menu"
    );
    let actions = b.find("main details.menu summary").await;
    assert_eq!(actions.text().await.unwrap().trim(), "Actions");
    actions.click().await.expect("open the Actions menu");
    assert!(
        attr(b, "main details.menu", "open").await.is_some(),
        "the Actions menu opened"
    );
    assert!(create.is_displayed().await.unwrap());
    assert_eq!(
        create.text().await.unwrap().trim(),
        "Create wholesale customer"
    );
    create
        .click()
        .await
        .expect("follow Create wholesale customer");
    b.wait_for_path(INFO).await;
    assert_eq!(b.text("main h1").await, "Create wholesale customer");
    assert_eq!(current_step(b).await, "Customer information");
}

/// What step 1 asks for (the date is left empty: typing into a date input depends on
/// the browser's locale).
struct Info {
    name: &'static str,
    email: &'static str,
    external_id: &'static str,
    language: &'static str,
}

async fn fill_info(b: &Browser, i: &Info) {
    choose_label(b, "#provisioning_id", TEMPLATE).await;
    b.type_into("#name", i.name).await;
    b.type_into("#primary_email", i.email).await;
    b.type_into("#external_id", i.external_id).await;
    choose_label(b, "#country", COUNTRY).await;
    choose_value(b, "#language", i.language).await;
}

/// Step 1 shows exactly what `i` holds.
async fn assert_info_kept(b: &Browser, i: &Info, when: &str) {
    assert_eq!(chosen(b, "#provisioning_id").await, TEMPLATE, "{when}");
    assert_eq!(b.value("#name").await, i.name, "{when}");
    assert_eq!(b.value("#primary_email").await, i.email, "{when}");
    assert_eq!(b.value("#external_id").await, i.external_id, "{when}");
    assert_eq!(chosen(b, "#country").await, COUNTRY, "{when}");
    assert_eq!(b.value("#country").await, "US", "{when}");
    assert_eq!(b.value("#language").await, i.language, "{when}");
}

const CONFIRM: &str = "input[name=confirmed_location]";

fn package(id: &str) -> String {
    format!("input[name=package][value={id}]")
}

/// Steps 1 to 3 with the values of the happy path; ends on the summary. Saves a
/// screenshot of each step when `shots` names them.
async fn walk_to_summary(b: &Browser, i: &Info, shots: Option<&str>) {
    let shot = |step: &'static str| async move {
        if let Some(prefix) = shots {
            let path = b.screenshot(&format!("{prefix}-{step}.png")).await;
            assert_accessible(b, &format!("wizard step {step}")).await;
            eprintln!("screenshot: {}", path.display());
        }
    };

    fill_info(b, i).await;
    tick(b, CONFIRM).await;
    shot("1-info").await;
    next(b).await;
    b.wait_for_path(PACKAGES).await;
    assert_eq!(current_step(b).await, "Packages and add-ons");

    tick(b, &package("webex_calling")).await;
    tick(b, &package("webex_meetings")).await;
    tick(b, "#quantity_enabled").await;
    b.type_into("input[name=quantity_webex_calling]", "10")
        .await;
    b.type_into("input[name=quantity_webex_meetings]", "5")
        .await;
    shot("2-packages").await;
    next(b).await;
    b.wait_for_path(LOCATION).await;
    assert_eq!(current_step(b).await, "Headquarters location");

    assert_eq!(
        b.value("#location_name").await,
        "Headquarters",
        "a default name is offered"
    );
    assert_eq!(
        b.value("#timezone").await,
        "America/New_York",
        "the country's time zone is offered"
    );
    assert!(
        b.text("main form.wizard")
            .await
            .contains("Country: United States")
    );
    b.type_into("#location_name", "Head office").await;
    b.type_into("#line1", "1 Market Square").await;
    b.type_into("#line2", "Suite 4").await;
    b.type_into("#city", "Springfield").await;
    b.type_into("#state", "IL").await;
    b.type_into("#zip", "62701").await;
    choose_value(b, "#timezone", "America/Chicago").await;
    choose_value(b, "#location_language", "en_US").await;
    shot("3-location").await;
    next(b).await;
    b.wait_for_path(SUMMARY).await;
    assert_eq!(current_step(b).await, "Summary");
}

/// The summary shows what was entered, with an Edit link per section.
async fn assert_summary(b: &Browser, i: &Info) {
    let main = b.text("main").await;
    for fact in [
        TEMPLATE,
        i.name,
        i.email,
        i.external_id,
        COUNTRY,
        wholesale_hub::domain::locales::name(i.language),
        "Head office",
        "1 Market Square, Suite 4, Springfield, IL 62701, United States",
        "America/Chicago",
        "Package quantity: on",
    ] {
        assert!(main.contains(fact), "the summary shows {fact:?}:\n{main}");
    }
    assert_eq!(
        b.texts("main section.card ul li").await,
        ["Webex Calling — quantity 10", "Webex Meetings — quantity 5"]
    );
    let mut edits = vec![];
    for a in
        b.c.find_all(Locator::Css("main section.card h2 a.edit"))
            .await
            .unwrap()
    {
        // "Edit", plus the section's name for screen readers.
        assert!(a.text().await.unwrap().trim().starts_with("Edit"));
        edits.push(a.attr("href").await.unwrap().unwrap_or_default());
    }
    assert_eq!(
        edits,
        [INFO, PACKAGES, LOCATION],
        "an Edit link per section"
    );
}

/// Presses *Create customer* and waits for the new customer's page; returns its id.
async fn create_customer(b: &Browser) -> Uuid {
    press(
        b,
        "main form[action='/partner/customers/new']",
        "Create customer",
    )
    .await;
    let started = Instant::now();
    loop {
        let path = b.path().await;
        if let Some(id) = path
            .strip_prefix("/partner/customers/")
            .and_then(|rest| rest.parse::<Uuid>().ok())
        {
            return id;
        }
        assert!(
            started.elapsed() < STEP_TIMEOUT,
            "expected the new customer's page, but the browser is at {}",
            b.location().await
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The customer page while the job is held back: status, flash, progress, the note
/// (with the page's script, that it updates by itself; without, a Refresh link), and
/// Edit and Launch Control Hub held back.
async fn assert_provisioning_page(b: &Browser, name: &str, javascript: bool) {
    assert_eq!(b.text("main h1").await, name);
    assert_eq!(
        b.text("main .flash").await,
        format!("{name} is being provisioned.")
    );
    assert_eq!(
        b.text("[data-testid=customer-status]").await,
        "Provisioning"
    );
    assert_eq!(b.count("[data-testid=provisioning-progress]").await, 1);
    assert_eq!(b.text("[data-testid=sip-domain]").await, "—");
    for button in ["edit-customer", "launch-control-hub"] {
        let control = b.find(&format!("main button[data-testid={button}]")).await;
        assert!(
            !control.is_enabled().await.expect("enabled state"),
            "{button} is disabled while provisioning"
        );
    }
    if javascript {
        let note = b
            .wait_for_text("[data-testid=progress-note]", "updates by itself")
            .await;
        assert!(!note.contains("Refresh"), "{note}");
        assert_eq!(b.count("#provisioning-status a").await, 0);
    } else {
        let refresh = link(b, "#provisioning-status", "Refresh").await;
        assert_eq!(
            refresh.attr("href").await.unwrap().as_deref(),
            Some(b.path().await.as_str()),
            "Refresh leads to this same page"
        );
    }
}

/// The customer page once provisioning is done.
async fn assert_provisioned_page(b: &Browser, name: &str, slug: &str) {
    assert_eq!(b.text("main h1").await, name);
    assert_eq!(b.text("[data-testid=customer-status]").await, "Provisioned");
    let sip = b.text("[data-testid=sip-domain]").await;
    assert!(
        sip.starts_with(&format!("{slug}-")) && sip.ends_with(".calls.example"),
        "a SIP domain was assigned: {sip:?}"
    );
    assert_eq!(b.count("[data-testid=provisioning-progress]").await, 0);
    assert!(
        !b.texts("#provisioning-status a")
            .await
            .iter()
            .any(|t| t == "Refresh"),
        "no Refresh link once provisioned"
    );
    assert_eq!(b.count("[data-testid=customer-errors]").await, 0);
    assert_eq!(
        b.texts("main table.list tbody td:first-child").await,
        ["Webex Calling", "Webex Meetings"]
    );
    // Edit and Launch Control Hub are links again.
    let id = b
        .path()
        .await
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_string();
    assert_eq!(
        attr(b, "main a[data-testid=edit-customer]", "href").await,
        Some(format!("/partner/customers/{id}/edit"))
    );
    assert_eq!(
        attr(b, "main a[data-testid=launch-control-hub]", "href").await,
        Some(format!("/control/{id}/users"))
    );
    assert_eq!(b.count("main .page-head button[disabled]").await, 0);
}

#[tokio::test]
async fn a_partner_admin_creates_a_customer_with_the_wizard_and_watches_it_provision() {
    worker_browser_test(true, |app, b| async move {
        let gamma = Info {
            name: "Gamma Grocers",
            email: "owner@gamma-grocers.example",
            external_id: "GG-1",
            language: "en_US",
        };
        // Tall enough for each step to fit its screenshot.
        b.c.set_window_size(1280, 1500)
            .await
            .expect("resize the window");
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        open_wizard_from_the_customer_list(&b).await;
        walk_to_summary(&b, &gamma, Some("wizard")).await;
        assert_summary(&b, &gamma).await;
        let shot = b.screenshot("wizard-4-summary.png").await;
        assert_accessible(&b, "wizard-4-summary").await;
        eprintln!("screenshot: {}", shot.display());

        // An Edit link leads to its step with everything kept; Next returns to the summary.
        b.find(&format!("main a.edit[href='{PACKAGES}']"))
            .await
            .click()
            .await
            .expect("follow the packages Edit link");
        b.wait_for_path(PACKAGES).await;
        assert!(is_ticked(&b, &package("webex_calling")).await);
        assert!(is_ticked(&b, &package("webex_meetings")).await);
        assert!(!is_ticked(&b, &package("webex_suite")).await);
        assert!(is_ticked(&b, "#quantity_enabled").await);
        assert_eq!(b.value("input[name=quantity_webex_calling]").await, "10");
        assert_eq!(b.value("input[name=quantity_webex_meetings]").await, "5");
        next(&b).await;
        b.wait_for_path(SUMMARY).await;
        assert_summary(&b, &gamma).await;

        let hold = hold_provisioning(&app).await;
        let id = create_customer(&b).await;
        assert_provisioning_page(&b, gamma.name, true).await;
        assert_eq!(db_status(&app, id).await.as_deref(), Some("provisioning"));
        // The page's script polls the status URL: its first answer sizes the progress bar.
        let started = Instant::now();
        while attr(&b, "[data-testid=provisioning-progress]", "max")
            .await
            .as_deref()
            != Some(PACKAGES_CHOSEN)
        {
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "the script never showed the progress of {PACKAGES_CHOSEN} packages"
            );
            tokio::time::sleep(Duration::from_millis(200)).await;
        }
        assert!(
            attr(&b, "main time[datetime]", "title").await.is_some(),
            "the script shows times in the viewer's locale, keeping the server's text as a title"
        );
        let shot = b.screenshot("wizard-5-provisioning.png").await;
        assert_accessible(&b, "wizard-5-provisioning").await;
        eprintln!("screenshot: {}", shot.display());

        // Let the job run; the page notices by itself.
        let page = b.location().await;
        hold.rollback().await.expect("let the job run");
        wait_for_text(&b, "[data-testid=customer-status]", "Provisioned").await;
        assert_eq!(
            b.location().await,
            page,
            "the page reloaded itself in place"
        );
        assert_provisioned_page(&b, gamma.name, "gamma-grocers").await;
        assert_eq!(b.count("main .flash").await, 0, "the flash was shown once");
        let shot = b.screenshot("wizard-6-provisioned.png").await;
        assert_accessible(&b, "wizard-6-provisioned").await;
        eprintln!("screenshot: {}", shot.display());

        // The customer is in the list, and a new wizard starts empty.
        b.goto("/partner/customers?q=gamma").await;
        assert_eq!(
            b.texts("main table.list tbody td:nth-child(2)").await,
            [gamma.name]
        );
        assert_eq!(
            b.texts("main table.list tbody .status").await,
            ["Provisioned"]
        );
        b.goto("/partner/customers/new").await;
        b.wait_for_path(INFO).await;
        assert_eq!(b.value("#name").await, "");
        assert!(!is_ticked(&b, CONFIRM).await);
    })
    .await;
}

#[tokio::test]
async fn back_and_reload_keep_what_was_entered_in_the_browser() {
    browser_test(|_app, b| async move {
        let echo = Info {
            name: "Echo Events",
            email: "a@echo-events.example",
            external_id: "EE-7",
            language: "en_GB",
        };
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        b.goto("/partner/customers/new").await;
        b.wait_for_path(INFO).await;
        fill_info(&b, &echo).await;
        tick(&b, CONFIRM).await;
        next(&b).await;
        b.wait_for_path(PACKAGES).await;
        tick(&b, &package("webex_suite")).await;

        // The form's Back button saves the step and returns to step 1, as it was typed.
        let back = b
            .find("main form.wizard button[name=nav][value=back]")
            .await;
        assert_eq!(back.text().await.unwrap().trim(), "Back");
        back.click().await.expect("press Back");
        b.wait_for_path(INFO).await;
        assert_info_kept(&b, &echo, "after Back").await;
        assert!(is_ticked(&b, CONFIRM).await, "after Back");

        b.c.refresh().await.expect("reload the page");
        b.wait_for("#name").await;
        assert_eq!(b.path().await, INFO);
        assert_info_kept(&b, &echo, "after a reload").await;
        assert!(is_ticked(&b, CONFIRM).await, "after a reload");

        next(&b).await;
        b.wait_for_path(PACKAGES).await;
        assert!(
            is_ticked(&b, &package("webex_suite")).await,
            "the package ticked before going back is still ticked"
        );
        for other in ["webex_calling", "webex_meetings", "common_area_calling"] {
            assert!(!is_ticked(&b, &package(other)).await, "{other}");
        }

        // The browser's own Back and Forward buttons.
        b.c.back().await.expect("browser Back");
        b.wait_for_path(INFO).await;
        assert_info_kept(&b, &echo, "after the browser's Back").await;
        b.c.forward().await.expect("browser Forward");
        b.wait_for_path(PACKAGES).await;
        assert!(is_ticked(&b, &package("webex_suite")).await);

        // Leaving and coming back resumes at the first step not yet passed.
        b.goto("/partner").await;
        assert_eq!(b.text("main h1").await, "Overview");
        b.goto("/partner/customers/new").await;
        b.wait_for_path(PACKAGES).await;
        assert_eq!(current_step(&b).await, "Packages and add-ons");
        assert!(is_ticked(&b, &package("webex_suite")).await);

        // The passed step opens from the stepper as it was typed; Enter goes forward.
        link(&b, "ol.stepper", "Customer information")
            .await
            .click()
            .await
            .expect("open Customer information");
        b.wait_for_path(INFO).await;
        assert_info_kept(&b, &echo, "opened from the stepper").await;
        press_enter_in(&b, "#name").await;
        b.wait_for_path(PACKAGES).await;
    })
    .await;
}

#[tokio::test]
async fn a_mistake_is_shown_beside_its_field_and_nothing_typed_is_lost() {
    browser_test(|_app, b| async move {
        let acme = Info {
            name: "Acme 100% Dental",
            email: "office@acme-hundred.example",
            external_id: "AD-100",
            language: "fr_CA",
        };
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        b.goto("/partner/customers/new").await;
        b.wait_for_path(INFO).await;
        assert_eq!(b.count(".field-error").await, 0);
        fill_info(&b, &acme).await;
        assert!(!is_ticked(&b, CONFIRM).await);
        next(&b).await;

        b.wait_for(".field-error").await;
        assert_eq!(b.path().await, INFO, "the step is shown again");
        assert_eq!(current_step(&b).await, "Customer information");
        let mut shown = vec![];
        for e in
            b.c.find_all(Locator::Css("main .field-error"))
                .await
                .unwrap()
        {
            shown.push((
                e.attr("id").await.unwrap().unwrap_or_default(),
                e.text().await.unwrap().trim().to_string(),
            ));
        }
        assert_eq!(
            shown,
            [
                (
                    "name-error".to_string(),
                    "The company name cannot contain “%”.".to_string()
                ),
                (
                    "confirmed_location-error".to_string(),
                    "Confirm that this customer is in a location the service supports.".to_string()
                ),
            ]
        );
        // Beside its field: each message comes right after what it is about.
        let after_name =
            b.c.find(Locator::XPath(
                "//input[@id='name']/following-sibling::*[1]",
            ))
            .await
            .unwrap();
        assert_eq!(
            after_name.attr("id").await.unwrap().as_deref(),
            Some("name-error")
        );
        let after_confirm =
            b.c.find(Locator::XPath(
                "//input[@name='confirmed_location']/parent::label/following-sibling::*[1]",
            ))
            .await
            .unwrap();
        assert_eq!(
            after_confirm.attr("id").await.unwrap().as_deref(),
            Some("confirmed_location-error")
        );
        assert_eq!(
            attr(&b, "#name", "aria-invalid").await.as_deref(),
            Some("true")
        );
        for fine in [
            "#provisioning_id",
            "#primary_email",
            "#external_id",
            "#country",
            "#language",
        ] {
            assert_eq!(attr(&b, fine, "aria-invalid").await, None, "{fine}");
        }
        assert_info_kept(&b, &acme, "after the errors").await;
        assert!(!is_ticked(&b, CONFIRM).await, "the tick was not made up");
        let shot = b.screenshot("wizard-error-info.png").await;
        eprintln!("screenshot: {}", shot.display());
        assert_accessible(&b, "the info step with a mistake").await;

        // Fixing the two mistakes is enough to move on.
        b.type_into("#name", "Acme Hundred Dental").await;
        tick(&b, CONFIRM).await;
        next(&b).await;
        b.wait_for_path(PACKAGES).await;
        assert_eq!(b.count(".field-error").await, 0);
    })
    .await;
}

#[tokio::test]
async fn the_wizard_works_without_javascript() {
    worker_browser_test(false, |app, b| async move {
        let juniper = Info {
            name: "Juniper Joinery",
            email: "owner@juniper-joinery.example",
            external_id: "JJ-3",
            language: "en_US",
        };
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        open_wizard_from_the_customer_list(&b).await;
        walk_to_summary(&b, &juniper, None).await;
        assert_summary(&b, &juniper).await;

        let hold = hold_provisioning(&app).await;
        let id = create_customer(&b).await;
        assert_provisioning_page(&b, juniper.name, false).await;
        // No script ran: times keep the server's text (the script adds a title), and the
        // progress bar is never sized from the status URL.
        assert_eq!(attr(&b, "main time[datetime]", "title").await, None);
        tokio::time::sleep(Duration::from_secs(2)).await;
        assert_eq!(
            attr(&b, "[data-testid=provisioning-progress]", "max").await,
            None
        );
        let shot = b.screenshot("wizard-nojs-provisioning.png").await;
        eprintln!("screenshot: {}", shot.display());

        hold.rollback().await.expect("let the job run");
        wait_for_db_status(&app, id, "provisioned").await;
        assert_eq!(
            b.text("[data-testid=customer-status]").await,
            "Provisioning",
            "without the script the page stays as it was served"
        );

        // The plain Refresh link shows the result.
        let started = Instant::now();
        loop {
            link(&b, "#provisioning-status", "Refresh")
                .await
                .click()
                .await
                .expect("follow Refresh");
            b.wait_for("[data-testid=customer-status]").await;
            if b.text("[data-testid=customer-status]").await == "Provisioned" {
                break;
            }
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "still not provisioned after following Refresh for {STEP_TIMEOUT:?}"
            );
            tokio::time::sleep(Duration::from_millis(500)).await;
        }
        assert_eq!(b.path().await, format!("/partner/customers/{id}"));
        assert_provisioned_page(&b, juniper.name, "juniper-joinery").await;
        let shot = b.screenshot("wizard-nojs-provisioned.png").await;
        eprintln!("screenshot: {}", shot.display());
    })
    .await;
}

#[tokio::test]
async fn enter_in_a_field_of_each_step_goes_forward() {
    browser_test(|_app, b| async move {
        let delta = Info {
            name: "Delta Dentists",
            email: "office@delta-dentists.example",
            external_id: "DD-1",
            language: "en_US",
        };
        b.sign_in(PARTNER_ADMIN).await;
        b.goto("/partner/customers/new").await;
        b.wait_for_path(INFO).await;
        fill_info(&b, &delta).await;
        tick(&b, CONFIRM).await;
        press_enter_in(&b, "#external_id").await;
        b.wait_for_path(PACKAGES).await;
        tick(&b, &package("webex_calling")).await;
        tick(&b, "#quantity_enabled").await;
        b.type_into("input[name=quantity_webex_calling]", "3").await;
        press_enter_in(&b, "input[name=quantity_webex_calling]").await;
        b.wait_for_path(LOCATION).await;
        b.type_into("#line1", "9 Harbour Road").await;
        b.type_into("#city", "Springfield").await;
        b.type_into("#state", "IL").await;
        b.type_into("#zip", "62701").await;
        press_enter_in(&b, "#zip").await;
        b.wait_for_path(SUMMARY).await;
        assert_eq!(current_step(&b).await, "Summary");
    })
    .await;
}
