//! Test harness: every test gets its own database (cloned from a migrated, seeded
//! template), its own app on a free port, and a cookie-keeping client that does not
//! follow redirects.

#![allow(dead_code)]

use std::sync::OnceLock;

use reqwest::redirect::Policy;
use reqwest::{Client, Response, StatusCode};
use sqlx::postgres::PgConnectOptions;
use sqlx::{ConnectOptions, Connection, PgConnection};
use tokio::sync::OnceCell;
use tokio_util::sync::CancellationToken;
use uuid::Uuid;
use wholesale_hub::db::Pool;
use wholesale_hub::{Clock, Config};

mod api;
mod audit;
pub mod idp;
mod jobs;
mod locks;
mod mail;
mod orgs;
mod pages;
mod sso;

pub use api::*;
pub use jobs::*;
pub use mail::*;
pub use pages::*;
pub use sso::*;

pub const DEMO_PASSWORD: &str = "demo-password-for-tests";

pub const PARTNER_ADMIN: &str = "partner.admin@northwind.example";
pub const PARTNER_READONLY: &str = "partner.readonly@northwind.example";
pub const WHOLESALE_ADMIN: &str = "wholesale.admin@northwind.example";
/// Northwind's second full admin.
pub const OPERATIONS_LEAD: &str = "operations.lead@northwind.example";
pub const RESELLER_ADMIN: &str = "reseller.admin@southwind.example";
pub const CUSTOMER_ADMIN: &str = "customer.admin@acme-dental.example";
pub const CUSTOMER_READONLY: &str = "customer.readonly@acme-dental.example";

fn admin_url() -> String {
    std::env::var("TEST_DATABASE_URL").expect(
        "TEST_DATABASE_URL is not set: run the tests through scripts/test, which starts a throwaway PostgreSQL",
    )
}

pub fn url_for(db: &str) -> String {
    let base = admin_url();
    match base.rsplit_once('/') {
        Some((server, _)) => format!("{server}/{db}"),
        None => panic!("TEST_DATABASE_URL has no database part: {base}"),
    }
}

static TEMPLATES: OnceCell<()> = OnceCell::const_new();
static PID: OnceLock<u32> = OnceLock::new();

fn template_name(seeded: bool) -> String {
    let pid = PID.get_or_init(std::process::id);
    format!("tpl_{pid}_{}", if seeded { "seeded" } else { "empty" })
}

async fn admin_conn() -> PgConnection {
    let opts: PgConnectOptions = admin_url().parse().expect("TEST_DATABASE_URL");
    opts.disable_statement_logging()
        .connect()
        .await
        .expect("connect to the test server")
}

/// Builds the two template databases once per test process.
async fn ensure_templates() {
    TEMPLATES
        .get_or_init(|| async {
            let mut admin = admin_conn().await;
            for seeded in [false, true] {
                let name = template_name(seeded);
                sqlx::query(&format!("DROP DATABASE IF EXISTS \"{name}\""))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                sqlx::query(&format!("CREATE DATABASE \"{name}\""))
                    .execute(&mut admin)
                    .await
                    .unwrap();
                let pool = wholesale_hub::db::connect(&url_for(&name)).await.unwrap();
                wholesale_hub::db::migrate(&pool).await.unwrap();
                if seeded {
                    wholesale_hub::seed::seed_demo(&pool, DEMO_PASSWORD, Clock::default().now())
                        .await
                        .unwrap();
                }
                pool.close().await;
            }
            admin.close().await.ok();
        })
        .await;
}

/// A fresh database cloned from a template; returns its name.
pub async fn fresh_database(seeded: bool) -> String {
    ensure_templates().await;
    let name = format!("t_{}", Uuid::new_v4().simple());
    let mut admin = admin_conn().await;
    sqlx::query(&format!(
        "CREATE DATABASE \"{name}\" TEMPLATE \"{}\"",
        template_name(seeded)
    ))
    .execute(&mut admin)
    .await
    .unwrap();
    admin.close().await.ok();
    name
}

/// Stops `app` and closes its pools, so that its database (signed-in sessions and all)
/// can be copied by `spawn_copy_of`; returns the database's name.
pub async fn into_template(app: TestApp) -> String {
    let name = db_name(&app.db_url);
    app.stop.cancel();
    app.db.close().await;
    app.state.db.close().await;
    app.state.list_db.close().await;
    drop(app);
    name
}

/// An app over a fresh copy of `template` (a database `into_template` made).
pub async fn spawn_copy_of(template: &str) -> TestApp {
    let name = format!("t_{}", Uuid::new_v4().simple());
    let mut admin = admin_conn().await;
    let create = format!("CREATE DATABASE \"{name}\" TEMPLATE \"{template}\"");
    let mut tries = 0;
    while let Err(e) = sqlx::query(&create).execute(&mut admin).await {
        // A connection of the stopped app may still be closing.
        tries += 1;
        assert!(tries < 20, "cannot copy {template}: {e}");
        sqlx::query(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
        )
        .bind(template)
        .execute(&mut admin)
        .await
        .unwrap();
    }
    admin.close().await.ok();
    spawn_with(name, false).await
}

/// Stops `app` and drops its database.
pub async fn discard(app: TestApp) {
    drop_database(&into_template(app).await).await;
}

/// Drops a database no app uses any more (a template of `into_template`).
pub async fn drop_database(name: &str) {
    let mut admin = admin_conn().await;
    sqlx::query(&format!("DROP DATABASE \"{name}\" WITH (FORCE)"))
        .execute(&mut admin)
        .await
        .unwrap();
    admin.close().await.ok();
}

fn db_name(url: &str) -> String {
    url.rsplit('/').next().unwrap().to_string()
}

pub struct TestApp {
    pub address: String,
    /// The metrics listener (`/metrics`), apart from the portal.
    pub metrics_address: String,
    pub db: Pool,
    pub db_url: String,
    pub clock: Clock,
    pub client: Client,
    pub routes: Vec<(reqwest::Method, &'static str)>,
    /// The app's state (its semaphores, its configuration), for tests that hold a
    /// resource the app needs.
    pub state: wholesale_hub::AppState,
    stop: CancellationToken,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        self.stop.cancel();
    }
}

pub fn new_client() -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .build()
        .unwrap()
}

/// A client whose requests leave from `127.0.0.N`: limit tests each take their own
/// loopback address, so what one sends never counts against another.
pub fn client_from(n: u8) -> Client {
    Client::builder()
        .cookie_store(true)
        .redirect(Policy::none())
        .local_address(std::net::IpAddr::from([127, 0, 0, n]))
        .build()
        .unwrap()
}

/// An app over a seeded database (the demo partner, sub-partner, customers, admins).
pub async fn spawn_app() -> TestApp {
    spawn_with(fresh_database(true).await, false).await
}

/// An app over an empty, migrated database.
pub async fn spawn_app_empty() -> TestApp {
    spawn_with(fresh_database(false).await, false).await
}

/// An app that also runs the background worker.
pub async fn spawn_app_with_worker() -> TestApp {
    spawn_with(fresh_database(true).await, true).await
}

/// An app over a seeded database with its configuration changed by `configure`.
pub async fn spawn_app_configured(configure: impl FnOnce(&mut Config)) -> TestApp {
    let db_url = url_for(&fresh_database(true).await);
    spawn_configured(db_url.clone(), db_url, false, configure).await
}

/// A second app over `app`'s database (another instance behind the same load balancer).
pub async fn spawn_beside(app: &TestApp, run_worker: bool) -> TestApp {
    spawn_on(app.db_url.clone(), app.db_url.clone(), run_worker).await
}

pub async fn spawn_with(db_name: String, run_worker: bool) -> TestApp {
    let db_url = url_for(&db_name);
    spawn_on(db_url.clone(), db_url, run_worker).await
}

/// Serves an app whose pool uses `app_db_url` while the test's own pool uses `db_url`
/// (they differ when a test puts a proxy between the app and the database).
pub async fn spawn_on(db_url: String, app_db_url: String, run_worker: bool) -> TestApp {
    spawn_configured(db_url, app_db_url, run_worker, |_| {}).await
}

/// `spawn_on`, with the configuration changed by `configure` first (trusted proxies…).
pub async fn spawn_configured(
    db_url: String,
    app_db_url: String,
    run_worker: bool,
    configure: impl FnOnce(&mut Config),
) -> TestApp {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let metrics = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let metrics_addr = metrics.local_addr().unwrap();
    let mut config = Config {
        run_worker,
        ..Config::local(addr, app_db_url.clone())
    };
    configure(&mut config);
    let db = wholesale_hub::db::connect(&db_url).await.unwrap();
    let app_pool = if app_db_url == db_url {
        wholesale_hub::db::connect(&app_db_url).await.unwrap()
    } else {
        wholesale_hub::db::connect_lazy(&app_db_url).unwrap()
    };
    let clock = Clock::default();
    let app = wholesale_hub::build(config, app_pool, clock.clone()).unwrap();
    let routes = app
        .routes
        .iter()
        .map(|(m, p)| {
            (
                reqwest::Method::from_bytes(m.as_str().as_bytes()).unwrap(),
                *p,
            )
        })
        .collect();
    let state = app.state.clone();
    let stop = CancellationToken::new();
    let s = stop.clone();
    tokio::spawn(async move {
        wholesale_hub::serve_with_metrics(app, listener, Some(metrics), s)
            .await
            .unwrap();
    });
    TestApp {
        address: format!("http://{addr}"),
        metrics_address: format!("http://{metrics_addr}"),
        db,
        db_url,
        clock,
        client: new_client(),
        routes,
        state,
        stop,
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> Response {
        self.client.get(self.url(path)).send().await.unwrap()
    }

    pub async fn get_with(&self, client: &Client, path: &str) -> Response {
        client.get(self.url(path)).send().await.unwrap()
    }

    /// POSTs a form with the session's CSRF token added.
    pub async fn post_form_with(
        &self,
        client: &Client,
        path: &str,
        fields: &[(&str, &str)],
    ) -> Response {
        let token = self.csrf_of(client).await;
        let mut form: Vec<(&str, &str)> = fields.to_vec();
        form.push(("csrf_token", &token));
        client
            .post(self.url(path))
            .form(&form)
            .send()
            .await
            .unwrap()
    }

    pub async fn post_form(&self, path: &str, fields: &[(&str, &str)]) -> Response {
        self.post_form_with(&self.client, path, fields).await
    }

    /// Signs `client` in with the password flow; panics unless it lands somewhere.
    pub async fn login_with(&self, client: &Client, email: &str, password: &str) -> Response {
        self.post_form_with(
            client,
            "/login/password",
            &[("email", email), ("password", password), ("next", "")],
        )
        .await
    }

    /// Signs the app's own client in as a demo admin.
    pub async fn login_as(&self, email: &str) {
        let r = self.login_with(&self.client, email, DEMO_PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-in as {email} failed"
        );
    }

    /// A new client signed in as `email`.
    pub async fn client_for(&self, email: &str) -> Client {
        let c = new_client();
        let r = self.login_with(&c, email, DEMO_PASSWORD).await;
        assert_eq!(
            r.status(),
            StatusCode::SEE_OTHER,
            "sign-in as {email} failed"
        );
        c
    }
}

pub fn extract_csrf(html: &str) -> Option<String> {
    let marker = "name=\"csrf_token\" value=\"";
    let start = html.find(marker)? + marker.len();
    let end = html[start..].find('"')?;
    Some(html[start..start + end].to_string())
}

pub fn location(r: &Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}
