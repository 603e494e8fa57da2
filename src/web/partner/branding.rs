//! Settings → Branding (SPEC §12): the colours, support address and logo the Control
//! Hub of this partner's customers shows, with a preview of both colour schemes (live
//! while typing, with the page's script; as saved, without it).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::branding::MAX_LOGO_BYTES;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::branding::{self, BrandingInput};
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::assets::{logo_response, stylesheet};
use crate::web::branding_form::BrandingFields;
use crate::web::fields::FormErrors;
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::BRANDING, page)
        // A logo of at most 256 KB, with room for the form around it.
        .post_up_to(paths::BRANDING, MAX_LOGO_BYTES * 2, save)
        .get(paths::BRANDING_THEME, preview_stylesheet)
        .get(paths::BRANDING_LOGO, own_logo)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/settings/branding.html")]
pub struct BrandingPage {
    page: PageCtx,
    fields: BrandingFields,
    may_change: bool,
    /// The saved branding's version, for the preview's stylesheet and logo addresses.
    version: i64,
}

async fn render(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    typed: Option<BrandingInput>,
    errors: FormErrors,
) -> AppResult<BrandingPage> {
    let saved = store::branding::of_partner(&state.db, scope.org_id()).await?;
    let may_change = scope.may(PartnerAction::ManageAdministration);
    let mut fields = BrandingFields::new(typed, saved.as_ref().map(|b| &b.colours), errors);
    fields.disabled = !may_change;
    fields.live_preview = true;
    fields.has_logo = saved.as_ref().is_some_and(|b| b.has_logo);
    Ok(BrandingPage {
        page: PageCtx::partner(scope, session, "branding", "Branding")
            .await?
            .at(
                Trail::settings(scope.may(PartnerAction::ViewAdministration)),
                "Branding",
            ),
        fields,
        may_change,
        version: saved.as_ref().map_or(0, |b| b.version),
    })
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<BrandingPage> {
    scope.require(PartnerAction::ViewAdministration)?;
    render(&state, &scope, &session, None, FormErrors::new()).await
}

pub async fn save(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    info: ReqInfo,
    req: axum::extract::Request,
) -> AppResult<Response> {
    // The refusal first: a read-only admin's upload is not even read.
    scope.require(PartnerAction::ManageAdministration)?;
    let input = crate::web::branding_form::read_form(req).await?;
    match branding::save(&state, &scope, &input, &info.ctx()).await {
        Ok(()) => {
            session
                .flash("Branding saved. Your customers' Control Hub shows it from their next page.")
                .await?;
            Ok(Redirect::to(paths::BRANDING).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let errors = crate::web::fields::form_errors(errors);
            let page = render(&state, &scope, &session, Some(input), errors).await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}

/// The preview's colours, as saved.
pub async fn preview_stylesheet(
    State(state): State<AppState>,
    scope: PartnerScope,
) -> AppResult<Response> {
    scope.require(PartnerAction::ViewAdministration)?;
    let colours = store::branding::of_partner(&state.db, scope.org_id())
        .await?
        .map(|b| b.colours)
        .unwrap_or_else(branding::default_colours);
    Ok(stylesheet(branding::preview_css(&colours)))
}

/// The partner's own logo, for the preview.
pub async fn own_logo(State(state): State<AppState>, scope: PartnerScope) -> AppResult<Response> {
    scope.require(PartnerAction::ViewAdministration)?;
    let (bytes, content_type) = store::branding::logo(&state.db, scope.org.id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(logo_response(bytes, content_type))
}
