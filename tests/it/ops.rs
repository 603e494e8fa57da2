//! Operations: health, readiness, metrics, error pages, and behaviour while the
//! database is away.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::Duration;

use reqwest::StatusCode;
use tokio::net::{TcpListener, TcpStream};
use tokio_util::sync::CancellationToken;

use crate::common::*;

#[tokio::test]
async fn health_and_readiness_answer() {
    let app = spawn_app().await;
    let r = app.get("/healthz").await;
    assert_eq!(r.status(), StatusCode::OK);
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert_eq!(r.text().await.unwrap(), "ready");
}

#[tokio::test]
async fn readiness_fails_while_a_migration_is_missing() {
    let app = spawn_app().await;
    sqlx::query("DELETE FROM _sqlx_migrations")
        .execute(&app.db)
        .await
        .unwrap();
    let r = app.get("/readyz").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    // Not ready, and nothing more: the reason is for the log, not for whoever asks.
    assert_eq!(r.text().await.unwrap(), "not ready");
}

#[tokio::test]
async fn metrics_count_requests_by_route_and_status_and_jobs_by_state() {
    let app = spawn_app().await;
    app.get("/login").await;
    app.get("/does-not-exist").await;
    sqlx::query(
        "INSERT INTO jobs (kind, state, run_at, created_at, updated_at) VALUES ('test.noop', 'dead', now(), now(), now())",
    )
    .execute(&app.db)
    .await
    .unwrap();
    let text = metrics_text(&app).await;
    assert!(
        text.contains(
            r#"http_request_duration_seconds_count{method="GET",route="/login",status="200"} 1"#
        ),
        "{text}"
    );
    assert!(text.contains(r#"status="404""#));
    assert!(text.contains(r#"http_request_duration_seconds_bucket{method="GET",route="/login",status="200",le="0.005"}"#));
    assert!(text.contains(r#"jobs{state="dead"} 1"#), "{text}");
    assert!(text.contains(r#"jobs{state="queued"} 0"#));
}

async fn metrics_text(app: &TestApp) -> String {
    let r = reqwest::get(format!("{}/metrics", app.metrics_address))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    r.text().await.unwrap()
}

#[tokio::test]
async fn metrics_are_not_served_on_the_portals_listener() {
    let app = spawn_app().await;
    let r = app.get("/metrics").await;
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    assert!(!r.text().await.unwrap().contains("http_request_duration"));
    // The metrics listener serves metrics and nothing of the portal.
    let r = reqwest::get(format!("{}/login", app.metrics_address))
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
}

#[tokio::test]
async fn invented_methods_and_paths_do_not_grow_the_metrics() {
    let app = spawn_app().await;
    let client = reqwest::Client::new();
    app.get("/login").await;
    let before = metrics_text(&app).await.len();
    for i in 0..50 {
        let method = reqwest::Method::from_bytes(format!("M{i}X").as_bytes()).unwrap();
        client
            .request(method, app.url(&format!("/random/{i}")))
            .send()
            .await
            .unwrap();
        app.get(&format!("/unknown/{i}?x={i}")).await;
    }
    let text = metrics_text(&app).await;
    assert!(
        !text.contains("M1X") && !text.contains("/random/"),
        "{text}"
    );
    assert!(
        text.contains(r#"method="OTHER",route="unmatched""#),
        "{text}"
    );
    // Two new series (OTHER and GET on unmatched, a status each), not a hundred.
    let series = |t: &str| t.lines().filter(|l| l.contains("_count{")).count();
    assert!(series(&text) <= 4, "{text}");
    assert!(text.len() < before + 8_000, "{} -> {}", before, text.len());
}

#[tokio::test]
async fn unknown_pages_and_foreign_ids_get_the_404_page_with_a_request_id() {
    let app = spawn_app().await;
    app.login_as(PARTNER_ADMIN).await;
    for path in [
        "/no/such/page",
        "/partner/customers/00000000-0000-0000-0000-000000000000",
        "/control/not-a-uuid/users",
    ] {
        let r = app.get(path).await;
        assert_eq!(r.status(), StatusCode::NOT_FOUND, "{path}");
        let request_id = r
            .headers()
            .get("x-request-id")
            .unwrap()
            .to_str()
            .unwrap()
            .to_string();
        let html = r.text().await.unwrap();
        assert!(html.contains("Page not found"), "{path}");
        assert!(html.contains(&request_id), "the page shows the request id");
    }
}

#[tokio::test]
async fn every_page_carries_the_security_headers() {
    let app = spawn_app().await;
    let r = app.get("/login").await;
    let h = r.headers();
    let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
    assert!(csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"));
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
    assert_eq!(h.get("referrer-policy").unwrap(), "same-origin");
    let cookie = h.get("set-cookie").unwrap().to_str().unwrap();
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
    let css = app.get("/static/css/app.css").await;
    assert_eq!(css.status(), StatusCode::OK);
    assert!(
        css.headers()
            .get("content-type")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
}

/// A TCP relay between the app and PostgreSQL that can be cut and restored.
struct Relay {
    port: u16,
    up: Arc<AtomicBool>,
    generation: Arc<std::sync::Mutex<CancellationToken>>,
}

impl Relay {
    async fn start(target: String) -> Relay {
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let port = listener.local_addr().unwrap().port();
        let up = Arc::new(AtomicBool::new(true));
        let generation = Arc::new(std::sync::Mutex::new(CancellationToken::new()));
        let (up2, gen2) = (up.clone(), generation.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut inbound, _)) = listener.accept().await else {
                    break;
                };
                if !up2.load(Ordering::SeqCst) {
                    drop(inbound);
                    continue;
                }
                let cut = gen2.lock().unwrap().clone();
                let target = target.clone();
                tokio::spawn(async move {
                    let Ok(mut outbound) = TcpStream::connect(target).await else {
                        return;
                    };
                    tokio::select! {
                        _ = tokio::io::copy_bidirectional(&mut inbound, &mut outbound) => {}
                        _ = cut.cancelled() => {}
                    }
                });
            }
        });
        Relay {
            port,
            up,
            generation,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        let mut g = self.generation.lock().unwrap();
        g.cancel();
        *g = CancellationToken::new();
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test]
async fn while_the_database_is_down_pages_answer_503_and_the_app_recovers() {
    let db_name = fresh_database(true).await;
    let direct = std::env::var("TEST_DATABASE_URL").unwrap();
    let (_, after_at) = direct.split_once('@').unwrap();
    let host_port = after_at.split('/').next().unwrap().to_string();
    let relay = Relay::start(host_port.clone()).await;
    let base = direct.rsplit_once('/').unwrap().0.to_string();
    let db_url = format!("{base}/{db_name}");
    let app_url = db_url.replace(&host_port, &format!("127.0.0.1:{}", relay.port));
    let app = spawn_on(db_url, app_url, false).await;

    app.login_as(PARTNER_ADMIN).await;
    assert_eq!(app.get("/partner").await.status(), StatusCode::OK);

    relay.cut();
    let r = app.get("/partner").await;
    assert_eq!(r.status(), StatusCode::SERVICE_UNAVAILABLE);
    assert!(r.text().await.unwrap().contains("Temporarily unavailable"));
    assert_eq!(
        app.get("/readyz").await.status(),
        StatusCode::SERVICE_UNAVAILABLE
    );
    assert_eq!(
        app.get("/healthz").await.status(),
        StatusCode::OK,
        "the process keeps running"
    );

    relay.restore();
    let mut recovered = false;
    for _ in 0..20 {
        if app.get("/readyz").await.status() == StatusCode::OK {
            recovered = true;
            break;
        }
        tokio::time::sleep(Duration::from_millis(250)).await;
    }
    assert!(recovered, "ready again once the database is back");
    assert_eq!(
        app.get("/partner").await.status(),
        StatusCode::OK,
        "the session survived the outage"
    );
}
