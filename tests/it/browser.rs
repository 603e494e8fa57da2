//! Browser tests: headless Chromium, driven through chromedriver, against a real app over
//! a seeded database. They sign in through the two-step form the way a person does and
//! check what the pages show.
//!
//! `scripts/test` starts chromedriver and sets `CHROMEDRIVER_URL`. Without it these
//! tests fail, unless `HUB_SKIP_BROWSER=1` says to skip them on purpose.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::{Duration, Instant};

use fantoccini::elements::Element;
use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
use uuid::Uuid;

use crate::common::{
    CUSTOMER_ADMIN, CUSTOMER_READONLY, DEMO_PASSWORD, PARTNER_ADMIN, PARTNER_READONLY,
    RESELLER_ADMIN, TestApp, WHOLESALE_ADMIN, spawn_app,
};

/// One browser at a time: the machine has two cores and Chromium is heavy.
pub(crate) static ONE_BROWSER: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// How long one test's body may run before it counts as hung.
pub(crate) const TEST_TIMEOUT: Duration = Duration::from_secs(180);
/// How long to wait for a page to show what a step expects.
pub(crate) const STEP_TIMEOUT: Duration = Duration::from_secs(15);

const WRONG_CREDENTIALS: &str = "The email or password is not right.";
const SIGNED_OUT: &str = "You have signed out.";
const EXPIRED: &str = "Your session has expired. Please sign in again.";

/// The chromedriver to use, or `None` when browser tests are skipped on purpose.
pub(crate) fn driver_url() -> Option<String> {
    match std::env::var("CHROMEDRIVER_URL") {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var("HUB_SKIP_BROWSER").as_deref() == Ok("1") => {
            println!(
                "browser tests are skipped: CHROMEDRIVER_URL is not set and HUB_SKIP_BROWSER=1"
            );
            None
        }
        _ => panic!(
            "CHROMEDRIVER_URL is not set: run the tests through scripts/test, which starts chromedriver \
             (or set HUB_SKIP_BROWSER=1 to skip the browser tests on purpose)"
        ),
    }
}

pub(crate) fn capabilities(profile: &std::path::Path) -> fantoccini::wd::Capabilities {
    let binary = std::env::var("CHROME_BIN")
        .ok()
        .filter(|b| !b.is_empty())
        .unwrap_or_else(|| "/usr/bin/chromium".into());
    let caps = json!({
        "goog:chromeOptions": {
            "binary": binary,
            "args": [
                "--headless",
                "--no-sandbox",
                "--disable-gpu",
                "--disable-dev-shm-usage",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--disable-quic",
                "--no-first-run",
                format!("--user-data-dir={}", profile.display()),
                "--window-size=1280,900",
            ],
        },
        "timeouts": { "pageLoad": 30_000, "script": 30_000, "implicit": 0 },
    });
    match caps {
        serde_json::Value::Object(map) => map,
        _ => unreachable!(),
    }
}

/// Runs `body` with a fresh app over a seeded database and a fresh browser session.
/// The session is closed whatever happens in the body; a failure in the body is
/// re-raised afterwards.
pub(crate) async fn browser_test<F, Fut>(body: F)
where
    F: FnOnce(Arc<TestApp>, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    browser_test_on(spawn_app(), true, body).await
}

/// `browser_test` over the app `app` makes, with JavaScript on or off.
pub(crate) async fn browser_test_on<A, F, Fut>(app: A, javascript: bool, body: F)
where
    A: Future<Output = TestApp>,
    F: FnOnce(Arc<TestApp>, Browser) -> Fut,
    Fut: Future<Output = ()> + Send + 'static,
{
    let Some(driver) = driver_url() else { return };
    let _one_at_a_time = ONE_BROWSER.lock().await;
    // The app first (it may panic without a browser to close). The test keeps it alive
    // until the browser is closed, whether or not the body uses it.
    let app = Arc::new(app.await);

    let profile = std::env::temp_dir().join(format!("hub-browser-{}", Uuid::new_v4().simple()));
    std::fs::create_dir_all(&profile).expect("create a Chromium profile folder");
    let mut caps = capabilities(&profile);
    if !javascript {
        caps["goog:chromeOptions"]["args"]
            .as_array_mut()
            .expect("Chromium arguments")
            .push(json!("--blink-settings=scriptEnabled=false"));
        caps["goog:chromeOptions"]["prefs"] =
            json!({ "profile.managed_default_content_settings.javascript": 2 });
    }
    let client = match ClientBuilder::native()
        .capabilities(caps)
        .connect(&driver)
        .await
    {
        Ok(c) => c,
        Err(e) => {
            std::fs::remove_dir_all(&profile).ok();
            panic!("could not start a browser session through chromedriver at {driver}: {e}");
        }
    };

    let browser = Browser {
        c: client.clone(),
        base: app.address.clone(),
    };
    let started = Instant::now();
    let mut task = tokio::spawn(body(app.clone(), browser));
    let outcome = tokio::time::timeout(TEST_TIMEOUT, &mut task).await;
    if outcome.is_err() {
        task.abort();
    }
    let screenshot_on_failure = match &outcome {
        Ok(Ok(())) => None,
        _ => client.screenshot().await.ok(),
    };
    if let Err(e) = client.close().await {
        eprintln!("closing the browser session failed: {e}");
    }
    std::fs::remove_dir_all(&profile).ok();
    drop(app);
    eprintln!(
        "browser test body took {:.1}s",
        started.elapsed().as_secs_f64()
    );

    match outcome {
        Ok(Ok(())) => {}
        Ok(Err(join)) => {
            save_failure_screenshot(screenshot_on_failure);
            match join.try_into_panic() {
                Ok(panic) => std::panic::resume_unwind(panic),
                Err(e) => panic!("browser test task failed: {e}"),
            }
        }
        Err(_) => {
            save_failure_screenshot(screenshot_on_failure);
            panic!("browser test did not finish within {TEST_TIMEOUT:?}");
        }
    }
}

// ── Page helpers shared by the browser tests ───────────────────────────────────

/// The visible link labelled `label` inside `scope`.
pub(crate) async fn link(b: &Browser, scope: &str, label: &str) -> Element {
    for a in
        b.c.find_all(Locator::Css(&format!("{scope} a")))
            .await
            .expect("find_all")
    {
        if a.text().await.expect("link text").trim() == label {
            return a;
        }
    }
    panic!("no link \"{label}\" in `{scope}` on {}", b.location().await)
}

pub(crate) async fn attr(b: &Browser, css: &str, name: &str) -> Option<String> {
    b.find(css).await.attr(name).await.expect("attribute")
}

/// The text of the chosen option of the `<select>` `css`.
pub(crate) async fn chosen(b: &Browser, css: &str) -> String {
    b.text(&format!("{css} option:checked")).await
}

pub(crate) async fn is_ticked(b: &Browser, css: &str) -> bool {
    b.find(css)
        .await
        .is_selected()
        .await
        .expect("checkbox state")
}

/// Ticks a checkbox or chooses a radio button (a click, as a person would).
pub(crate) async fn tick(b: &Browser, css: &str) {
    if !is_ticked(b, css).await {
        b.find(css).await.click().await.expect("tick");
    }
    assert!(is_ticked(b, css).await, "`{css}` is ticked");
}

pub(crate) async fn choose_value(b: &Browser, css: &str, value: &str) {
    b.find(css)
        .await
        .select_by_value(value)
        .await
        .unwrap_or_else(|e| panic!("choose {value:?} in `{css}`: {e}"));
    assert_eq!(b.value(css).await, value);
}

/// Presses Enter in the field `css` (a browser's implicit submission of its form).
pub(crate) async fn press_enter_in(b: &Browser, css: &str) {
    b.find(css)
        .await
        .send_keys("\u{E007}")
        .await
        .unwrap_or_else(|e| panic!("press Enter in `{css}`: {e}"));
}

/// The step the stepper marks as current.
pub(crate) async fn current_step(b: &Browser) -> String {
    b.text("ol.stepper li[aria-current=step]").await
}

pub(crate) async fn choose_label(b: &Browser, css: &str, label: &str) {
    b.find(css)
        .await
        .select_by_label(label)
        .await
        .unwrap_or_else(|e| panic!("choose {label:?} in `{css}`: {e}"));
    assert_eq!(chosen(b, css).await, label);
}

pub(crate) async fn press(b: &Browser, scope: &str, label: &str) {
    b.button(scope, label)
        .await
        .click()
        .await
        .unwrap_or_else(|e| panic!("press {label}: {e}"));
}

pub(crate) async fn next(b: &Browser) {
    press(b, "main form.wizard", "Next").await;
}

/// axe-core's script: `AXE_JS` (set by `scripts/test`, which fetches it from the npm
/// registry; see `fetch_axe` in scripts/lib/common.sh).
fn axe_source() -> &'static str {
    static AXE: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    AXE.get_or_init(|| {
        let path = std::env::var("AXE_JS").unwrap_or_else(|_| {
            panic!(
                "AXE_JS is not set: scripts/test fetches axe-core and sets it \
                 (or: source scripts/lib/common.sh; export AXE_JS=$(fetch_axe target))"
            )
        });
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("read axe-core at {path}: {e}"))
    })
}

/// The serious and critical violations axe-core finds in the page as it is now (WCAG 2.1
/// A and AA rules and axe's best practices), each with its rule and elements.
pub(crate) async fn serious_violations(b: &Browser) -> serde_json::Value {
    b.c.execute(axe_source(), vec![])
        .await
        .unwrap_or_else(|e| panic!("load axe-core: {e}"));
    b.c.execute_async(
        r#"const done = arguments[arguments.length - 1];
           axe.run(document, { resultTypes: ["violations"] })
             .then(r => done(r.violations
               .filter(v => v.impact === "serious" || v.impact === "critical")
               .map(v => ({ rule: v.id, impact: v.impact, help: v.help,
                            where: v.nodes.slice(0, 5).map(n => n.target.join(" ")) }))))
             .catch(e => done([{ rule: "axe-core failed", help: String(e) }]));"#,
        vec![],
    )
    .await
    .unwrap_or_else(|e| panic!("run axe-core: {e}"))
}

/// Fails on any serious or critical violation axe-core finds in the page as it is now.
pub(crate) async fn assert_accessible(b: &Browser, what: &str) {
    let found = serious_violations(b).await;
    assert_eq!(
        found,
        json!([]),
        "{what} ({}): axe-core found serious or critical violations:\n{found:#}",
        b.location().await
    );
}

fn screenshot_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("target")
        .join("screenshots")
}

pub(crate) fn save_failure_screenshot(png: Option<Vec<u8>>) {
    if let Some(png) = png {
        let dir = screenshot_dir();
        let path = dir.join(format!("failure-{}.png", Uuid::new_v4().simple()));
        if std::fs::create_dir_all(&dir)
            .and_then(|()| std::fs::write(&path, png))
            .is_ok()
        {
            eprintln!("screenshot of the failing page: {}", path.display());
        }
    }
}

/// The browser, with helpers that fail with the page's address in the message.
pub(crate) struct Browser {
    pub(crate) c: Client,
    pub(crate) base: String,
}

impl Browser {
    pub(crate) async fn goto(&self, path: &str) {
        let url = format!("{}{}", self.base, path);
        self.c
            .goto(&url)
            .await
            .unwrap_or_else(|e| panic!("open {url}: {e}"));
    }

    /// Path and query of the current page, e.g. `/login?signed_out=1`.
    pub(crate) async fn location(&self) -> String {
        let url = self.c.current_url().await.expect("current url");
        match url.query() {
            Some(q) => format!("{}?{}", url.path(), q),
            None => url.path().to_string(),
        }
    }

    pub(crate) async fn path(&self) -> String {
        self.c
            .current_url()
            .await
            .expect("current url")
            .path()
            .to_string()
    }

    /// Waits until the page is at `path` (after a form post and its redirect).
    pub(crate) async fn wait_for_path(&self, path: &str) {
        let started = Instant::now();
        loop {
            let now = self.path().await;
            if now == path {
                return;
            }
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "expected to reach {path}, but the browser is at {}",
                self.location().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn wait_for(&self, css: &str) -> Element {
        match self
            .c
            .wait()
            .at_most(STEP_TIMEOUT)
            .for_element(Locator::Css(css))
            .await
        {
            Ok(e) => e,
            Err(e) => panic!("waited for `{css}` on {}: {e}", self.location().await),
        }
    }

    /// Waits until an element matching `css` shows text containing `expected`, and
    /// returns its text. Unlike `wait_for`, an element of the page being left (gone stale
    /// when the next page arrives) is not taken for the answer.
    pub(crate) async fn wait_for_text(&self, css: &str, expected: &str) -> String {
        let started = Instant::now();
        loop {
            if let Ok(e) = self.c.find(Locator::Css(css)).await
                && let Ok(text) = e.text().await
                && text.contains(expected)
            {
                return text;
            }
            assert!(
                started.elapsed() < STEP_TIMEOUT,
                "waited for `{css}` to say {expected:?} on {}",
                self.location().await
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    pub(crate) async fn find(&self, css: &str) -> Element {
        match self.c.find(Locator::Css(css)).await {
            Ok(e) => e,
            Err(e) => panic!("no `{css}` on {}: {e}", self.location().await),
        }
    }

    pub(crate) async fn count(&self, css: &str) -> usize {
        self.c
            .find_all(Locator::Css(css))
            .await
            .expect("find_all")
            .len()
    }

    pub(crate) async fn text(&self, css: &str) -> String {
        self.find(css)
            .await
            .text()
            .await
            .expect("element text")
            .trim()
            .to_string()
    }

    pub(crate) async fn texts(&self, css: &str) -> Vec<String> {
        let mut out = vec![];
        for e in self.c.find_all(Locator::Css(css)).await.expect("find_all") {
            out.push(e.text().await.expect("element text").trim().to_string());
        }
        out
    }

    pub(crate) async fn value(&self, css: &str) -> String {
        self.find(css)
            .await
            .prop("value")
            .await
            .expect("value property")
            .unwrap_or_default()
    }

    /// The visible button labelled `label` (inside `scope`, a CSS selector).
    pub(crate) async fn button(&self, scope: &str, label: &str) -> Element {
        for b in self
            .c
            .find_all(Locator::Css(&format!("{scope} button")))
            .await
            .expect("find_all")
        {
            if b.text().await.expect("button text").trim() == label {
                return b;
            }
        }
        panic!(
            "no button \"{label}\" in `{scope}` on {}",
            self.location().await
        )
    }

    pub(crate) async fn type_into(&self, css: &str, text: &str) {
        let field = self.find(css).await;
        field.clear().await.expect("clear field");
        field.send_keys(text).await.expect("type into field");
    }

    /// The email step: type the email and press *Next*; waits for the password step.
    pub(crate) async fn submit_email(&self, email: &str) {
        assert_eq!(
            self.text("main h1").await,
            "Sign in",
            "the email step on {}",
            self.location().await
        );
        self.type_into("#email", email).await;
        self.button("main form", "Next")
            .await
            .click()
            .await
            .expect("click Next");
        self.wait_for("#password").await;
        assert_eq!(self.text("main h1").await, "Enter your password");
        assert_eq!(
            self.value("#email").await,
            email,
            "the password step keeps the email"
        );
    }

    /// The password step: type the password and press *Sign in* (no waiting).
    pub(crate) async fn submit_password(&self, password: &str) {
        self.type_into("#password", password).await;
        self.button("main form", "Sign in")
            .await
            .click()
            .await
            .expect("click Sign in");
    }

    /// Signs in from the sign-in page the browser is on; waits for a hub page.
    async fn sign_in_here(&self, email: &str) {
        self.submit_email(email).await;
        self.submit_password(DEMO_PASSWORD).await;
        self.wait_for("header .brand").await;
    }

    /// Opens the sign-in page and signs in.
    pub(crate) async fn sign_in(&self, email: &str) {
        self.goto("/login").await;
        self.sign_in_here(email).await;
    }

    /// Presses *Sign out* in the header; waits for the sign-in page.
    pub(crate) async fn sign_out(&self) {
        self.button("header", "Sign out")
            .await
            .click()
            .await
            .expect("click Sign out");
        self.wait_for("p.notice").await;
        assert_eq!(self.location().await, "/login?signed_out=1");
    }

    pub(crate) async fn screenshot(&self, name: &str) -> PathBuf {
        let png = self.c.screenshot().await.expect("screenshot");
        assert!(png.starts_with(b"\x89PNG"), "the screenshot is a PNG");
        let dir = screenshot_dir();
        std::fs::create_dir_all(&dir).expect("create target/screenshots");
        let path = dir.join(name);
        std::fs::write(&path, png).expect("write the screenshot");
        path
    }
}

#[tokio::test]
async fn each_demo_role_signs_in_and_lands_in_its_hub() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        let control_users = format!("/control/{acme}/users");
        let accounts = [
            (
                PARTNER_ADMIN,
                "/partner",
                "Partner Hub",
                "Northwind Telecom",
            ),
            (
                PARTNER_READONLY,
                "/partner",
                "Partner Hub",
                "Northwind Telecom",
            ),
            (
                WHOLESALE_ADMIN,
                "/partner",
                "Partner Hub",
                "Northwind Telecom",
            ),
            (
                RESELLER_ADMIN,
                "/partner",
                "Partner Hub",
                "Southwind Reseller",
            ),
            (
                CUSTOMER_ADMIN,
                control_users.as_str(),
                "Control Hub",
                "Acme Dental",
            ),
            (
                CUSTOMER_READONLY,
                control_users.as_str(),
                "Control Hub",
                "Acme Dental",
            ),
        ];
        for (email, home, brand, org) in accounts {
            b.goto("/login").await;
            assert_eq!(
                b.count("p.notice").await,
                0,
                "a plain sign-in page shows no notice"
            );
            b.sign_in_here(email).await;
            b.wait_for_path(home).await;
            assert_eq!(b.text("header .brand").await, brand, "{email}");
            assert_eq!(b.text("[data-testid=hub-org]").await, org, "{email}");
            let customer_admin = brand == "Control Hub";
            assert_eq!(
                b.count("[data-testid=restricted-banner]").await,
                usize::from(customer_admin),
                "{email}: the restricted-mode banner is for customer admins of a restricted org"
            );
            if customer_admin {
                assert_eq!(b.text("main h1").await, "Users", "{email}");
            }
            if email == CUSTOMER_ADMIN {
                let shot = b.screenshot("control-hub-users.png").await;
                eprintln!("screenshot: {}", shot.display());
            }

            b.sign_out().await;
            assert_eq!(b.text("main h1").await, "Sign in");
            assert_eq!(b.text("p.notice").await, SIGNED_OUT, "{email}");

            b.goto("/partner").await;
            assert_eq!(
                b.location().await,
                "/login?next=%2Fpartner",
                "{email}: signed out means signed out"
            );
            assert_eq!(b.text("main h1").await, "Sign in");
            assert_eq!(b.count("p.notice").await, 0);
        }
    })
    .await;
}

#[tokio::test]
async fn an_expired_session_returns_to_sign_in_and_then_to_the_page_asked_for() {
    browser_test(|app, b| async move {
        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        b.goto("/partner/customers").await;
        assert_eq!(b.path().await, "/partner/customers");
        assert_eq!(b.text("main h1").await, "Customers");

        app.clock.advance(time::Duration::minutes(31));
        b.goto("/partner/customers").await;
        assert_eq!(
            b.location().await,
            "/login?next=%2Fpartner%2Fcustomers&expired=1"
        );
        assert_eq!(b.text("p.notice").await, EXPIRED);
        assert_eq!(
            b.value("main form input[name=next]").await,
            "/partner/customers"
        );

        b.sign_in_here(PARTNER_ADMIN).await;
        b.wait_for_path("/partner/customers").await;
        assert_eq!(b.text("main h1").await, "Customers");
        assert_eq!(b.text("[data-testid=hub-org]").await, "Northwind Telecom");
    })
    .await;
}

#[tokio::test]
async fn a_wrong_password_shows_one_message_and_keeps_the_email() {
    browser_test(|_app, b| async move {
        for email in [PARTNER_ADMIN, "nobody@northwind.example"] {
            b.goto("/login").await;
            b.submit_email(email).await;
            b.submit_password("not-the-password").await;
            let error = b.wait_for("#password-error").await;
            assert_eq!(
                error.text().await.unwrap().trim(),
                WRONG_CREDENTIALS,
                "{email}"
            );
            assert_eq!(b.path().await, "/login/password", "{email}");
            assert_eq!(
                b.value("#email").await,
                email,
                "{email}: the email stays filled"
            );
            assert_eq!(
                b.value("#password").await,
                "",
                "{email}: the password is never sent back"
            );
            assert_eq!(
                b.find("#password")
                    .await
                    .attr("aria-invalid")
                    .await
                    .unwrap()
                    .as_deref(),
                Some("true"),
                "{email}"
            );
            assert_eq!(b.count("header .brand").await, 0, "{email}: not signed in");

            b.goto("/partner").await;
            assert_eq!(
                b.location().await,
                "/login?next=%2Fpartner",
                "{email}: still signed out"
            );
        }
    })
    .await;
}

#[tokio::test]
async fn read_only_and_wholesale_admins_see_no_controls_they_cannot_use() {
    browser_test(|app, b| async move {
        let acme = app.org_id("Acme Dental").await;
        let detail = format!("/partner/customers/{acme}");
        let admin_links = ["Settings", "Jobs", "Audit"];

        // Read-only: the customer's settings are shown, not offered for change.
        b.sign_in(PARTNER_READONLY).await;
        b.goto(&detail).await;
        assert_eq!(b.text("main h1").await, "Acme Dental");
        let buttons = b.texts("main button").await;
        assert!(
            !buttons.iter().any(|t| t == "Save settings"),
            "read-only admin sees {buttons:?}"
        );
        assert_eq!(b.count("form[action$='/global-settings']").await, 0);
        assert_eq!(b.text("[data-testid=restricted-state]").await, "On");
        b.sign_out().await;

        // The full admin does get the button (so its absence above means something).
        b.sign_in(PARTNER_ADMIN).await;
        b.goto(&detail).await;
        assert_eq!(b.text("main h1").await, "Acme Dental");
        let buttons = b.texts("main button").await;
        assert!(
            buttons.iter().any(|t| t == "Save settings"),
            "full admin sees {buttons:?}"
        );
        let nav = b.texts("nav.sidenav a").await;
        for link in admin_links {
            assert!(
                nav.iter().any(|t| t == link),
                "full admin's nav {nav:?} lacks {link}"
            );
        }
        b.sign_out().await;

        // Wholesale-only admin: no administration links.
        b.sign_in(WHOLESALE_ADMIN).await;
        b.wait_for_path("/partner").await;
        let nav = b.texts("nav.sidenav a").await;
        for link in ["Overview", "Customers", "Templates"] {
            assert!(
                nav.iter().any(|t| t == link),
                "wholesale admin's nav {nav:?} lacks {link}"
            );
        }
        for link in admin_links {
            assert!(
                !nav.iter().any(|t| t == link),
                "wholesale admin's nav {nav:?} offers {link}"
            );
        }
        // Hiding the link is not the protection: the page itself refuses.
        b.goto("/partner/settings/admins").await;
        assert_eq!(b.text("main .code").await, "403");
        assert_eq!(b.text("main h1").await, "You can't do that");
        b.find("main a[href='/']")
            .await
            .click()
            .await
            .expect("follow the home link");
        b.wait_for_path("/partner").await;
        b.sign_out().await;
    })
    .await;
}

#[tokio::test]
async fn the_partner_overview_shows_real_counts_and_a_disabled_trial_button() {
    browser_test(|app, b| async move {
        let northwind = app.org_id("Northwind Telecom").await;
        let onboarded: i64 = sqlx::query_scalar(
            "SELECT count(*) FROM org_relationships WHERE manager_org_id = $1 AND relation = 'onboarded'",
        )
        .bind(northwind)
        .fetch_one(&app.db)
        .await
        .unwrap();
        assert_eq!(onboarded, 25, "the demo partner onboarded 25 customers");

        b.sign_in(PARTNER_ADMIN).await;
        b.wait_for_path("/partner").await;
        assert_eq!(b.text("main h1").await, "Overview");
        let shown = b.text("[data-testid=total-customers]").await;
        assert_eq!(shown.parse::<i64>().ok(), Some(onboarded), "total customers shows {shown:?}");

        let trial = b.find("[data-testid=start-trial]").await;
        assert_eq!(trial.text().await.unwrap().trim(), "Start trial");
        assert!(!trial.is_enabled().await.unwrap(), "Start trial is disabled");
        assert_eq!(trial.attr("aria-describedby").await.unwrap().as_deref(), Some("trial-why"));
        assert!(b.text("#trial-why").await.starts_with("Trials are not available to wholesale partners"));

        let shot = b.screenshot("partner-overview.png").await;
        eprintln!("screenshot: {}", shot.display());
    })
    .await;
}
