//! The IdPs' way back in (SPEC §10): the SAML assertion consumer service and SP metadata
//! of each partner, and the OIDC redirect URI of each IdP. The ACS takes a cross-site
//! POST by design, so it reads nothing of the session but the cookie it replaces: the
//! server-side transaction named by RelayState is the proof, and success starts a new
//! session under a new id.

use askama::Template;
use askama_web::WebTemplate;
use axum::Form;
use axum::extract::{Path, State};
use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::session::AuthSession;
use crate::domain::return_to::safe_return_path;
use crate::error::AppResult;
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::sso_sign_in::{self, Finish};
use crate::state::AppState;
use crate::web::forms::Query;

/// The largest SAMLResponse form we read: real ones are a few kilobytes (a signed
/// response with two certificates stays under 32 KB).
pub const ACS_MAX_BYTES: usize = 256 * 1024;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.post_up_to(paths::SAML_ACS, ACS_MAX_BYTES, acs)
        .get(paths::SAML_METADATA, metadata)
        .get(paths::OIDC_CALLBACK, oidc_callback)
}

/// The way to an IdP. A form's answer cannot be a redirect to another site: the
/// pages' CSP (`form-action 'self'`) holds for the redirects after a submission too, and
/// the IdP's address is known only once the email is typed. So the answer is this page,
/// which goes on by itself (meta refresh, no script) and has a button besides.
#[derive(Template, WebTemplate)]
#[template(path = "login/sso_redirect.html")]
pub struct ToIdpPage {
    pub url: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "login/sso_failed.html")]
pub struct FailedPage {
    pub reason: String,
    pub request_id: String,
}

/// What a finished flow answers: the hub (new session), the test's report, or the plain
/// failure page with the request id.
async fn answer(
    state: &AppState,
    auth: &AuthSession,
    req: &ReqInfo,
    finish: Finish,
) -> AppResult<Response> {
    match finish {
        Finish::SignedIn {
            person_id,
            return_to,
        } => {
            auth.sign_in(person_id, state.clock.now()).await?;
            let target = match return_to.as_deref().and_then(safe_return_path) {
                Some(p) => p.to_string(),
                None => crate::web::login::home_path(state, person_id).await?,
            };
            Ok(Redirect::to(&target).into_response())
        }
        Finish::Tested { txn } => {
            Ok(Redirect::to(&format!("{}?report={txn}", paths::SSO_SETTINGS)).into_response())
        }
        // 401, not 403: a failed sign-in, not an authorization denial (those are
        // audited as such; this one is audited as `login.sso` with its reason).
        Finish::Failed { reason } => Ok((
            StatusCode::UNAUTHORIZED,
            FailedPage {
                reason,
                request_id: req.request_id.clone(),
            },
        )
            .into_response()),
    }
}

#[derive(Deserialize)]
struct AcsForm {
    #[serde(rename = "SAMLResponse", default)]
    saml_response: String,
    #[serde(rename = "RelayState")]
    relay_state: Option<String>,
}

async fn acs(
    State(state): State<AppState>,
    Path(partner): Path<Uuid>,
    auth: AuthSession,
    req: ReqInfo,
    Form(f): Form<AcsForm>,
) -> AppResult<Response> {
    let finish = sso_sign_in::finish_saml(
        &state,
        partner,
        &f.saml_response,
        f.relay_state.as_deref(),
        &req.ctx(),
    )
    .await?;
    answer(&state, &auth, &req, finish).await
}

/// The partner's SP metadata, for its IdP to import.
async fn metadata(State(state): State<AppState>, Path(partner): Path<Uuid>) -> AppResult<Response> {
    let xml = sso_sign_in::sp_of(&state, partner).metadata_xml();
    Ok((
        [(
            header::CONTENT_TYPE,
            "application/samlmetadata+xml; charset=utf-8",
        )],
        xml,
    )
        .into_response())
}

#[derive(Deserialize)]
struct CallbackQuery {
    code: Option<String>,
    state: Option<String>,
    error: Option<String>,
}

async fn oidc_callback(
    State(state): State<AppState>,
    Path(idp): Path<Uuid>,
    auth: AuthSession,
    req: ReqInfo,
    Query(q): Query<CallbackQuery>,
) -> AppResult<Response> {
    let session_id = auth.id().map(|id| id.to_string());
    let back = sso_sign_in::OidcAnswer {
        code: q.code.as_deref(),
        state: q.state.as_deref(),
        error: q.error.as_deref(),
        session_id: session_id.as_deref(),
    };
    let finish = sso_sign_in::finish_oidc(&state, idp, back, &req.ctx()).await?;
    answer(&state, &auth, &req, finish).await
}
