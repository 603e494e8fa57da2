//! Request-wide middleware: security headers, metrics, the audit of authorization
//! denials, and a friendly page for errors raised below the handlers.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

use crate::AppState;
use crate::auth::extractors::ActorSlot;
use crate::error::AppError;
use crate::store;

/// Headers on every response (DESIGN "Security decisions").
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
             object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // No page here uses these powerful features; an injected script or frame cannot ask.
    h.insert(
        "permissions-policy",
        HeaderValue::from_static(
            "camera=(), microphone=(), geolocation=(), payment=(), usb=(), serial=(), \
             bluetooth=(), hid=(), midi=(), display-capture=(), interest-cohort=()",
        ),
    );
    // A window we open, or that opens us, shares no browsing context group with us.
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config.is_https() {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    if !h.contains_key(header::CACHE_CONTROL) {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    res
}

/// The method as a metrics label: the standard ones by name, any other token a client
/// invents as `OTHER`, so that clients cannot grow the label set without bound.
fn method_label(method: &axum::http::Method) -> &'static str {
    use axum::http::Method;
    const KNOWN: [Method; 9] = [
        Method::GET,
        Method::HEAD,
        Method::POST,
        Method::PUT,
        Method::PATCH,
        Method::DELETE,
        Method::OPTIONS,
        Method::CONNECT,
        Method::TRACE,
    ];
    KNOWN
        .iter()
        .find(|m| *m == method)
        .map_or("OTHER", |m| m.as_str())
}

/// Requests by route template (never the raw path) and status, with latency.
pub async fn metrics(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_string())
        .unwrap_or_else(|| "unmatched".into());
    let method = method_label(req.method());
    let started = Instant::now();
    let res = next.run(req).await;
    state
        .metrics
        .requests
        .with_label_values(&[method, route.as_str(), res.status().as_str()])
        .observe(started.elapsed().as_secs_f64());
    res
}

/// Which check refused a request, when it was not the access policy (the CSRF check
/// says so). A response extension: an internal signal that never reaches the client.
#[derive(Clone, Copy, Debug)]
pub struct RefusedBy(pub &'static str);

/// Every 403 is an authorization denial and goes to the audit log with who asked: the
/// actor an extractor found, or for a refusal before any extractor ran (the CSRF check)
/// the person the session belongs to.
pub async fn audit_denials(
    State(state): State<AppState>,
    mut req: Request,
    next: Next,
) -> Response {
    let slot = ActorSlot::default();
    req.extensions_mut().insert(slot.clone());
    let path = req.uri().path().to_string();
    let method = req.method().to_string();
    let ip = crate::http::client_addr::of_extensions(req.extensions());
    let session = req.extensions().get::<tower_sessions::Session>().cloned();
    let res = next.run(req).await;
    if res.status() == StatusCode::FORBIDDEN {
        let mut who = slot.0.lock().ok().and_then(|s| s.clone());
        if who.is_none()
            && let Some(session) = session
        {
            who = session_actor(&state, session).await;
        }
        let request_id = crate::web::request_id::current();
        let reason = res
            .extensions()
            .get::<RefusedBy>()
            .map_or("policy", |r| r.0);
        let denial = crate::services::audit::Denial {
            who: who.as_ref(),
            method: &method,
            path: &path,
            refused_by: reason,
        };
        let ctx = crate::services::RequestCtx {
            request_id: &request_id,
            ip: &ip,
        };
        if let Err(e) = crate::services::audit::record_denial(&state, &denial, &ctx).await {
            tracing::warn!(error = %e, "could not audit a denial");
        }
    }
    res
}

/// The signed-in person of a session, as (person, email, org), if any.
async fn session_actor(
    state: &AppState,
    session: tower_sessions::Session,
) -> Option<(uuid::Uuid, String, uuid::Uuid)> {
    let auth = crate::auth::session::AuthSession(session);
    let crate::auth::session::SessionState::Active(s) = auth.state(state.clock.now()).await.ok()?
    else {
        return None;
    };
    let person = store::people::by_id(&state.db, s.person_id).await.ok()??;
    Some((person.id, person.email, person.org_id))
}

/// A query parameter holding a control character is refused before any handler runs
/// (a NUL would otherwise reach PostgreSQL and answer 500): 400, naming the parameter,
/// as a page or in the API's error body.
pub async fn refuse_control_characters_in_query(req: Request, next: Next) -> Response {
    let errors =
        crate::http::input::urlencoded_controls(req.uri().query().unwrap_or_default().as_bytes());
    if errors.is_empty() {
        return next.run(req).await;
    }
    let err = AppError::Validation(errors);
    if crate::api::error::is_api_path(req.uri().path()) {
        crate::api::ApiError(err).into_response()
    } else {
        err.into_response()
    }
}

/// Layers below the handlers (the session store) answer bare 500s when the database is
/// gone; turn those into the friendly page with the right status.
/// The API (`/v1`) gets the same treatment in its JSON error body, never an HTML page.
pub async fn friendly_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let api = crate::api::error::is_api_path(req.uri().path());
    let res = next.run(req).await;
    let bare = res.headers().get(header::CONTENT_TYPE).is_none();
    if res.status() == StatusCode::INTERNAL_SERVER_ERROR && bare {
        let down = crate::db::readiness(&state.db).await.is_err();
        let err = if down {
            AppError::Sqlx(sqlx::Error::PoolTimedOut)
        } else {
            AppError::Other(anyhow::anyhow!("a layer below the handler failed"))
        };
        return if api {
            crate::api::ApiError(err).into_response()
        } else {
            err.into_response()
        };
    }
    // A form's address opened in the browser: say so on a page rather than a bare 405.
    if res.status() == StatusCode::METHOD_NOT_ALLOWED && bare && !api {
        let allow = res.headers().get(header::ALLOW).cloned();
        let page = crate::web::views::ErrorPage::new(
            StatusCode::METHOD_NOT_ALLOWED,
            "This address receives a form; it cannot be opened directly. Go back and use the page's button.".into(),
        );
        let mut out = (StatusCode::METHOD_NOT_ALLOWED, page).into_response();
        if let Some(allow) = allow {
            out.headers_mut().insert(header::ALLOW, allow);
        }
        return out;
    }
    // An extractor's plain-text rejection (an id in the address that is no id, a body
    // too large): our page, never axum's text naming parameters and parsers.
    let plain = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("text/plain"));
    if !api && res.status().is_client_error() && (bare || plain) {
        let status = res.status();
        let message = match status {
            StatusCode::BAD_REQUEST => {
                "This address is not one of ours: an id or a value in it is not valid. Go back and follow a link instead.".to_string()
            }
            StatusCode::PAYLOAD_TOO_LARGE => "What was sent is too large.".to_string(),
            _ => "The request could not be read. Go back and try again.".to_string(),
        };
        return (status, crate::web::views::ErrorPage::new(status, message)).into_response();
    }
    res
}

/// The pages' fallback; a `/v1` path answers in the API's JSON error body.
pub async fn not_found(uri: axum::http::Uri) -> Response {
    if crate::api::error::is_api_path(uri.path()) {
        return crate::api::ApiError(AppError::NotFound).into_response();
    }
    AppError::NotFound.into_response()
}
