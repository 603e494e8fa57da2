//! Wholesale Hub: Partner Hub and Control Hub pages, the wholesale REST API and the
//! background worker, over one PostgreSQL database. `build` assembles the application;
//! `main.rs` and the tests both use it.
#![forbid(unsafe_code)]

pub mod api;
pub mod auth;
pub mod clock;
pub mod config;
pub mod db;
pub mod domain;
pub mod error;
pub mod http;
pub mod jobs;
pub mod metrics;
pub mod paths;
pub mod seed;
pub mod services;
pub mod state;
pub mod store;
pub mod tenancy;
pub mod web;

use std::sync::Arc;

use crate::db::Pool;
use axum::Router;
use axum::http::{HeaderName, Method};
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use tower_http::services::ServeDir;
use tower_http::trace::TraceLayer;
use tower_sessions::cookie::SameSite;
use tower_sessions::{Expiry, SessionManagerLayer};

pub use clock::Clock;
pub use config::Config;
pub use state::{AppState, Renderers};

pub struct App {
    pub router: Router,
    /// `/metrics`, served on its own listener (`HUB_METRICS_BIND`), never to the public.
    pub metrics_router: Router,
    pub state: AppState,
    /// Every (method, path) the router serves, for the authorization test.
    pub routes: Vec<(Method, &'static str)>,
}

pub fn build(config: Config, db: Pool, clock: Clock) -> anyhow::Result<App> {
    let list_db = db::connect_generic_plans_lazy(&config.database_url)?;
    let state = AppState {
        db: db.clone(),
        list_db,
        config: Arc::new(config),
        clock,
        metrics: Arc::new(metrics::Metrics::new()?),
        decoy_hash: auth::password::decoy_hash().into(),
        backlog: Arc::new(jobs::backlog::Backlog::default()),
        renderers: Renderers {
            page: web::error_page::render,
            api: api::error::render_error,
        },
        password_checks: Arc::new(tokio::sync::Semaphore::new(
            services::sign_in::CONCURRENT_CHECKS,
        )),
    };
    let table = web::routes();
    let api = api::routes();
    let routes = table.entries.iter().chain(&api.entries).cloned().collect();

    let https = state.config.is_https();
    let session_store = store::sessions::PgSessionStore::new(db, auth::session::person_of);
    let sessions = SessionManagerLayer::new(session_store)
        .with_name(if https {
            "__Host-hub_session"
        } else {
            "hub_session"
        })
        .with_secure(https)
        .with_http_only(true)
        .with_same_site(SameSite::Lax)
        .with_path("/")
        .with_expiry(Expiry::OnInactivity(auth::session::IDLE_TIMEOUT));
    let request_id = HeaderName::from_static(http::request_id::HEADER);

    let router = table
        .router
        .merge(api.router)
        .nest_service("/static", ServeDir::new(&state.config.static_dir))
        .fallback(http::middleware::not_found)
        .layer(axum::middleware::from_fn(auth::csrf::protect))
        // Outside the CSRF check, so that its refusals are audited too.
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::middleware::audit_denials,
        ))
        .layer(sessions)
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::middleware::refuse_control_characters_in_query,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::middleware::friendly_errors,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::middleware::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::middleware::metrics,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            http::client_addr::layer,
        ))
        .layer(TraceLayer::new_for_http())
        .layer(axum::middleware::from_fn(http::request_id::scope))
        .layer(PropagateRequestIdLayer::new(request_id.clone()))
        .layer(SetRequestIdLayer::new(request_id, MakeRequestUuid))
        // Outermost: a client's id that is not a UUID (or short and plain) is dropped
        // here, so the layer above makes a fresh one.
        .layer(axum::middleware::from_fn(http::request_id::sanitize))
        .layer(axum::extract::DefaultBodyLimit::max(2 * 1024 * 1024))
        .with_state(state.clone());
    let metrics_router = web::ops::metrics_router(state.clone());
    Ok(App {
        router,
        metrics_router,
        state,
        routes,
    })
}

/// Refuses to serve when an OIDC IdP is configured and `HUB_SECRETS_KEY` is not: its
/// sealed client secret could not be opened, so every sign-in through it would fail.
pub async fn check_secrets_key(config: &Config, db: &Pool) -> anyhow::Result<()> {
    if config.secrets_key.is_none() && store::sso::any_oidc(db).await? {
        anyhow::bail!(
            "an OpenID Connect IdP is configured, but HUB_SECRETS_KEY is not set: set the key its client secret was sealed with (see the README)"
        );
    }
    Ok(())
}

/// The job kinds this build knows.
pub fn job_registry() -> jobs::Registry {
    let mut registry = jobs::Registry::default();
    registry.register(jobs::housekeeping::KIND, jobs::housekeeping::run);
    registry.register(
        services::customer::provision_job::JOB_KIND,
        services::customer::provision_job::run_job,
    );
    registry.register(
        services::compliance::CHECK_JOB,
        services::compliance::run_check,
    );
    registry.register(
        services::compliance::SWEEP_JOB,
        services::compliance::run_sweep,
    );
    registry.register(
        services::emails::DELIVER_JOB,
        services::emails::run_delivery,
    );
    registry.register(
        services::customer::change::UPDATE_JOB,
        services::customer::change::run_update,
    );
    registry.register(
        services::customer::remove::DELETE_JOB,
        services::customer::remove::run_delete,
    );
    registry.register(services::billing::JOB_KIND, services::billing::run_job);
    registry.register(
        services::user_import::APPLY_JOB,
        services::user_import::run_apply,
    );
    registry
}

/// Serves until `stop` is cancelled; runs the worker alongside when configured, and
/// `/metrics` on `HUB_METRICS_BIND`.
pub async fn serve(
    app: App,
    listener: tokio::net::TcpListener,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    let config = &app.state.config;
    let metrics = match config.metrics_bind {
        Some(addr) => match tokio::net::TcpListener::bind(addr).await {
            Ok(l) => {
                tracing::info!("metrics on http://{addr}/metrics");
                Some(l)
            }
            Err(e) if config.metrics_bind_explicit => anyhow::bail!(
                "cannot open the metrics listener on {addr} (HUB_METRICS_BIND; `off` turns it off): {e}"
            ),
            Err(e) => {
                tracing::warn!(
                    "no metrics: the default metrics address {addr} is taken ({e}); set HUB_METRICS_BIND to another address"
                );
                None
            }
        },
        None => None,
    };
    serve_with_metrics(app, listener, metrics, stop).await
}

/// `serve`, with the metrics listener (if any) opened by the caller.
pub async fn serve_with_metrics(
    app: App,
    listener: tokio::net::TcpListener,
    metrics: Option<tokio::net::TcpListener>,
    stop: tokio_util::sync::CancellationToken,
) -> anyhow::Result<()> {
    if let Some(metrics) = metrics {
        let router = app.metrics_router.clone();
        let stop = stop.clone();
        tokio::spawn(async move {
            let served = axum::serve(metrics, router)
                .with_graceful_shutdown(async move { stop.cancelled().await })
                .await;
            if let Err(e) = served {
                tracing::warn!(error = %e, "the metrics listener stopped");
            }
        });
    }
    if app.state.config.run_worker {
        // Slots, the notification listener, and a few for heartbeats and outcomes.
        let worker_db = db::connect_worker_lazy(
            &app.state.config.database_url,
            (jobs::worker::CONCURRENCY + 4) as u32,
        )?;
        let mut worker =
            jobs::Worker::new(worker_db.clone(), app.state.clock.clone(), job_registry());
        worker.mail = app.state.config.mail.clone();
        let ctx = jobs::worker::JobContext::new(worker_db, app.state.clock.clone());
        let stop_worker = stop.clone();
        tokio::spawn(async move {
            let scheduler = {
                let stop = stop_worker.clone();
                tokio::spawn(async move {
                    loop {
                        if let Err(e) = jobs::housekeeping::ensure_scheduled(&ctx).await {
                            tracing::warn!(error = %e, "could not schedule housekeeping");
                        }
                        if let Err(e) = services::compliance::ensure_sweep_scheduled(&ctx).await {
                            tracing::warn!(error = %e, "could not schedule the compliance sweep");
                        }
                        tokio::select! {
                            _ = stop.cancelled() => break,
                            _ = tokio::time::sleep(std::time::Duration::from_secs(600)) => {}
                        }
                    }
                })
            };
            worker.run(stop_worker).await;
            scheduler.abort();
        });
    }
    let service = app
        .router
        .into_make_service_with_connect_info::<std::net::SocketAddr>();
    axum::serve(listener, service)
        .with_graceful_shutdown(async move { stop.cancelled().await })
        .await?;
    Ok(())
}
