//! The managing partner's branding in a customer's Control Hub (SPEC §12): its
//! stylesheet (custom properties only) and its logo, for whoever may open the hub.

use axum::extract::State;
use axum::response::Response;

use crate::auth::CustomerScope;
use crate::error::{AppError, AppResult};
use crate::services::branding;
use crate::state::AppState;
use crate::store;
use crate::web::assets::{logo_response, stylesheet};

pub async fn theme(State(state): State<AppState>, scope: CustomerScope) -> AppResult<Response> {
    let b = store::branding::of_customer(&state.db, scope.org_id())
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(stylesheet(branding::theme_css(&b.colours)))
}

pub async fn logo(State(state): State<AppState>, scope: CustomerScope) -> AppResult<Response> {
    let b = store::branding::of_customer(&state.db, scope.org_id())
        .await?
        .ok_or(AppError::NotFound)?;
    let (bytes, content_type) = store::branding::logo(&state.db, b.org_id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(logo_response(bytes, content_type))
}
