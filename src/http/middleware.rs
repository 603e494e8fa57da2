//! Request-wide middleware, the same for both doors: security headers, metrics, the
//! audit of authorization denials, control characters in the query, and a proper answer
//! for errors raised below the handlers. Where an answer must be rendered, it is
//! rendered by the door the path belongs to, through `Renderers` (wired in `build`), so
//! this module imports neither door.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::auth::extensions::{ActorSlot, RefusedBy};
use crate::error::AppError;
use crate::state::AppState;
use crate::store;
use crate::tenancy::actor::SlotActor;

/// Headers on every response (DESIGN "Security decisions").
pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    // A handler may answer with a stricter policy of its own (an uploaded logo:
    // `web::assets::logo_response`); every other answer gets this one.
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(
            header::CONTENT_SECURITY_POLICY,
            HeaderValue::from_static(
                "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                 object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
            ),
        );
    }
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
        let request_id = crate::http::request_id::current();
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

/// The signed-in person of a session, if any.
async fn session_actor(state: &AppState, session: tower_sessions::Session) -> Option<SlotActor> {
    let auth = crate::auth::session::AuthSession(session);
    let crate::auth::session::SessionState::Active(s) = auth.state(state.clock.now()).await.ok()?
    else {
        return None;
    };
    let person = store::people::by_id(&state.db, s.person_id).await.ok()??;
    Some(SlotActor {
        person_id: person.id,
        email: person.email,
        org_id: person.org_id,
    })
}

/// A query parameter holding a control character is refused before any handler runs
/// (a NUL would otherwise reach PostgreSQL and answer 500): 400, naming the parameter,
/// as a page or in the API's error body.
pub async fn refuse_control_characters_in_query(
    State(state): State<AppState>,
    req: Request,
    next: Next,
) -> Response {
    let errors =
        super::input::urlencoded_controls(req.uri().query().unwrap_or_default().as_bytes());
    if errors.is_empty() {
        return next.run(req).await;
    }
    state
        .renderers
        .render(req.uri().path(), AppError::Validation(errors))
}

/// Layers below the handlers (the session store) answer bare 500s when the database is
/// gone, and axum's own refusals (405, an extractor's plain-text rejection) name its
/// internals: each becomes the door's own answer with the right status.
pub async fn friendly_errors(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let path = req.uri().path().to_string();
    let api = crate::paths::is_api_path(&path);
    let res = next.run(req).await;
    let status = res.status();
    let content_type = res
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok());
    let bare = content_type.is_none();
    let plain = content_type.is_some_and(|ct| ct.starts_with("text/plain"));
    if status == StatusCode::INTERNAL_SERVER_ERROR && bare {
        let down = crate::db::readiness(&state.db).await.is_err();
        let err = if down {
            AppError::Sqlx(sqlx::Error::PoolTimedOut)
        } else {
            AppError::Other(anyhow::anyhow!("a layer below the handler failed"))
        };
        return state.renderers.render(&path, err);
    }
    // The API door turns its own bare and plain errors into its JSON body.
    if api || !status.is_client_error() || !(bare || plain) {
        return res;
    }
    let allow = res.headers().get(header::ALLOW).cloned();
    let err = if status == StatusCode::METHOD_NOT_ALLOWED {
        AppError::MethodNotAllowed
    } else {
        AppError::Malformed(status)
    };
    let mut out = state.renderers.render(&path, err);
    if let Some(allow) = allow {
        out.headers_mut().insert(header::ALLOW, allow);
    }
    out
}

/// The fallback of every path without a route, in its door's shape.
pub async fn not_found(State(state): State<AppState>, uri: axum::http::Uri) -> Response {
    state.renderers.render(uri.path(), AppError::NotFound)
}
