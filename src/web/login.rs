//! Sign-in (email first, then the step the email calls for) and sign-out.

use crate::web::forms::CheckedForm;
use crate::web::forms::Query;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CurrentAdmin;
use crate::auth::session::AuthSession;
use crate::domain::return_to::safe_return_path;
use crate::error::AppResult;
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::sign_in::{self, Attempt, Limit, Outcome};
use crate::services::sso_sign_in::{self, Route};
use crate::state::AppState;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::LOGIN, email_page)
        .post(paths::LOGIN, email_submit)
        .post(paths::LOGIN_PASSWORD, password_submit)
        .post(paths::LOGOUT, logout)
        .get(paths::NO_ACCESS, no_access)
        .get(paths::SERVICES_REMOVED, services_removed)
}

#[derive(Template, WebTemplate)]
#[template(path = "login/email.html")]
struct EmailPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
    notice: Option<&'static str>,
}

#[derive(Template, WebTemplate)]
#[template(path = "login/password.html")]
struct PasswordPage {
    csrf: String,
    email: String,
    next: String,
    error: Option<String>,
}

#[derive(Deserialize)]
struct LoginQuery {
    next: Option<String>,
    expired: Option<String>,
    signed_out: Option<String>,
}

async fn email_page(auth: AuthSession, Query(q): Query<LoginQuery>) -> AppResult<EmailPage> {
    let notice = if q.expired.is_some() {
        Some("Your session has expired. Please sign in again.")
    } else if q.signed_out.is_some() {
        Some("You have signed out.")
    } else {
        None
    };
    Ok(EmailPage {
        csrf: auth.csrf_token().await?,
        email: String::new(),
        next: q
            .next
            .as_deref()
            .and_then(safe_return_path)
            .unwrap_or("")
            .to_string(),
        error: None,
        notice,
    })
}

#[derive(Deserialize)]
struct EmailForm {
    email: String,
    #[serde(default)]
    next: String,
}

fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    matches!(s.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !s.contains(char::is_whitespace)
        && s.len() <= 254
}

/// The email step again, with what was typed and why it cannot go on.
async fn email_refused(
    auth: &AuthSession,
    email: String,
    next: String,
    status: StatusCode,
    error: String,
) -> AppResult<Response> {
    let page = EmailPage {
        csrf: auth.csrf_token().await?,
        email,
        next,
        error: Some(error),
        notice: None,
    };
    Ok((status, page).into_response())
}

/// The email decides the next step. Built-in identity asks for a password; orgs that
/// sign in through a partner IdP are routed there (SPEC §10). Unknown emails get the
/// password step too, so this page reveals nothing about which accounts exist.
async fn email_submit(
    State(state): State<AppState>,
    auth: AuthSession,
    req: ReqInfo,
    CheckedForm { form: f, controls }: CheckedForm<EmailForm>,
) -> AppResult<Response> {
    let next = safe_return_path(&f.next).unwrap_or("").to_string();
    if !controls.is_empty() || !looks_like_email(&f.email) {
        let error = if controls.is_empty() {
            "Enter an email address such as name@example.com."
        } else {
            crate::domain::text::CONTROL_CHARACTER
        };
        return email_refused(&auth, f.email, next, StatusCode::BAD_REQUEST, error.into()).await;
    }
    let return_to = Some(next.as_str()).filter(|n| !n.is_empty());
    // The CSRF token made the visitor's session; its id binds an OIDC answer to this browser.
    let session_id = auth.id().map(|id| id.to_string());
    let ctx = req.ctx();
    let route = sso_sign_in::route(&state, &f.email, return_to, session_id.as_deref(), &ctx);
    match route.await? {
        Route::Redirect(url) => return Ok(crate::web::sso::ToIdpPage { url }.into_response()),
        Route::NotSetUp => {
            let why = "Your organisation signs in through its service provider's identity provider, which is not set up yet. Contact your service provider.";
            return email_refused(&auth, f.email, next, StatusCode::CONFLICT, why.into()).await;
        }
        Route::Unavailable(message) => {
            return email_refused(
                &auth,
                f.email,
                next,
                StatusCode::SERVICE_UNAVAILABLE,
                message,
            )
            .await;
        }
        Route::Password => {}
    }
    Ok(PasswordPage {
        csrf: auth.csrf_token().await?,
        email: f.email.trim().to_string(),
        next,
        error: None,
    }
    .into_response())
}

#[derive(Deserialize)]
struct PasswordForm {
    email: String,
    password: String,
    #[serde(default)]
    next: String,
}

async fn password_submit(
    State(state): State<AppState>,
    auth: AuthSession,
    req: ReqInfo,
    CheckedForm { form: f, controls }: CheckedForm<PasswordForm>,
) -> AppResult<Response> {
    if controls.contains_key("email") {
        let page = PasswordPage {
            csrf: auth.csrf_token().await?,
            email: f.email,
            next: safe_return_path(&f.next).unwrap_or("").to_string(),
            error: Some(crate::domain::text::CONTROL_CHARACTER.to_string()),
        };
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let attempt = Attempt {
        email: &f.email,
        password: &f.password,
        ip: &req.ip,
        request_id: &req.request_id,
    };
    let next = safe_return_path(&f.next).unwrap_or("").to_string();
    let (status, message, retry_after) = match sign_in::attempt(&state, &attempt).await? {
        Outcome::SignedIn(person_id) => {
            auth.sign_in(person_id, state.clock.now()).await?;
            let target = if next.is_empty() {
                home_path(&state, person_id).await?
            } else {
                next
            };
            return Ok(Redirect::to(&target).into_response());
        }
        Outcome::SsoRequired => (
            StatusCode::UNAUTHORIZED,
            "This account signs in through your organisation's identity provider. Go back and enter your email to be sent there.".to_string(),
            None,
        ),
        Outcome::Invalid => (
            StatusCode::UNAUTHORIZED,
            "The email or password is not right.".to_string(),
            None,
        ),
        Outcome::RateLimited {
            retry_after_secs,
            reason,
        } => (
            StatusCode::TOO_MANY_REQUESTS,
            match reason {
                Limit::Failures => format!(
                    "Too many failed sign-in attempts. Wait {} minutes and try again.",
                    retry_after_secs.div_ceil(60)
                ),
                Limit::SlowDown => format!(
                    "This account has had many failed sign-in attempts, so each try waits a moment. Try again in {retry_after_secs} seconds."
                ),
                Limit::Busy => "Sign-in is busy right now. Try again in a few seconds.".into(),
            },
            Some(retry_after_secs),
        ),
    };
    let page = PasswordPage {
        csrf: auth.csrf_token().await?,
        email: f.email,
        next,
        error: Some(message),
    };
    let mut response = (status, page).into_response();
    if let Some(secs) = retry_after {
        response
            .headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    Ok(response)
}

/// Where `person_id` lands once signed in.
pub(crate) async fn home_path(state: &AppState, person_id: uuid::Uuid) -> AppResult<String> {
    Ok(crate::auth::load_actor(state, person_id, None)
        .await?
        .map_or_else(|| paths::LOGIN.into(), |actor| actor.home_path()))
}

async fn logout(
    State(state): State<AppState>,
    auth: AuthSession,
    req: ReqInfo,
) -> AppResult<Response> {
    if let crate::auth::session::SessionState::Active(s) = auth.state(state.clock.now()).await? {
        crate::services::audit::record_sign_out(&state, s.person_id, &req.ctx()).await?;
    }
    auth.sign_out().await?;
    Ok(Redirect::to(&format!("{}?signed_out=1", paths::LOGIN)).into_response())
}

#[derive(Template, WebTemplate)]
#[template(path = "login/no_access.html")]
struct NoAccessPage {
    csrf: String,
    email: String,
}

/// Signed in, but no admin role anywhere: end users have no admin access (SPEC §1).
async fn no_access(
    CurrentAdmin(actor): CurrentAdmin,
    session: AuthSession,
) -> AppResult<NoAccessPage> {
    Ok(NoAccessPage {
        csrf: session.csrf_token().await?,
        email: actor.email,
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "login/services_removed.html")]
struct ServicesRemovedPage {
    csrf: String,
    email: String,
}

/// Signed in as an admin of a customer whose wholesale services its provider removed
/// (deleted or deprovisioned): nothing of the org opens any more, so say why and who
/// to ask. Anyone with somewhere to go is sent there, so the page never tells a live
/// admin their services are gone.
async fn services_removed(
    CurrentAdmin(actor): CurrentAdmin,
    session: AuthSession,
) -> AppResult<Response> {
    let home = actor.home_path();
    if home != paths::SERVICES_REMOVED {
        return Ok(Redirect::to(&home).into_response());
    }
    Ok(ServicesRemovedPage {
        csrf: session.csrf_token().await?,
        email: actor.email,
    }
    .into_response())
}

#[cfg(test)]
mod tests {
    #[test]
    fn email_shapes() {
        assert!(super::looks_like_email("a@b.co"));
        assert!(super::looks_like_email(" partner.admin@northwind.example "));
        for bad in ["", "a", "a@b", "@b.co", "a@.co", "a b@c.co", "a@b.co."] {
            assert!(!super::looks_like_email(bad), "{bad}");
        }
    }
}
