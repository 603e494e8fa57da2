//! Account → Branding of an org wholesale was attached to (SPEC §12, §4.5): its full
//! admins may override their partner's branding with their own, or go back to it.
//! Other orgs have no such page (404); the Control Hub itself is the preview.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::paths;
use crate::services::branding::{self, BrandingInput};
use crate::state::AppState;
use crate::store;
use crate::web::branding_form::BrandingFields;
use crate::web::fields::FormErrors;
use crate::web::views::PageCtx;

pub const SECTION: &str = "branding";

#[derive(Template, WebTemplate)]
#[template(path = "control/branding.html")]
pub struct OwnBrandingPage {
    page: PageCtx,
    org_id: uuid::Uuid,
    fields: BrandingFields,
    /// The org shows its own branding now (not its partner's).
    own: bool,
}

async fn render(
    state: &AppState,
    scope: &CustomerScope,
    session: &AuthSession,
    typed: Option<BrandingInput>,
    errors: FormErrors,
) -> AppResult<OwnBrandingPage> {
    let own = store::branding::own_of_customer(&state.db, scope.org_id()).await?;
    // The form starts from what the hub shows now: its own, else its partner's.
    let shown = match &own {
        Some(b) => Some(b.clone()),
        None => store::branding::of_customer(&state.db, scope.org_id()).await?,
    };
    let mut fields = BrandingFields::new(typed, shown.as_ref().map(|b| &b.colours), errors);
    fields.has_logo = own.as_ref().is_some_and(|b| b.has_logo);
    Ok(OwnBrandingPage {
        page: PageCtx::control(scope, session, "account", "Branding").await?,
        org_id: scope.org.id,
        fields,
        own: own.is_some(),
    })
}

pub async fn page(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<OwnBrandingPage> {
    branding::require_override(&scope)?;
    render(&state, &scope, &session, None, FormErrors::new()).await
}

pub async fn save(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    info: ReqInfo,
    req: axum::extract::Request,
) -> AppResult<Response> {
    // The refusal first: a refused visitor's upload is not even read.
    branding::require_override(&scope)?;
    let input = crate::web::branding_form::read_form(req).await?;
    match branding::save_own(&state, &scope, &input, &info.ctx()).await {
        Ok(()) => {
            session
                .flash("Your organisation's branding is saved; Control Hub shows it instead of your partner's.")
                .await?;
            Ok(Redirect::to(&paths::control(scope.org.id, SECTION)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let errors = crate::web::fields::form_errors(errors);
            let page = render(&state, &scope, &session, Some(input), errors).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

pub async fn reset(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    info: ReqInfo,
) -> AppResult<Response> {
    branding::require_override(&scope)?;
    branding::reset_own(&state, &scope, &info.ctx()).await?;
    session
        .flash("Control Hub shows your partner's branding again.")
        .await?;
    Ok(Redirect::to(&paths::control(scope.org.id, SECTION)).into_response())
}
