//! Account: the company name, read-only for customer admins in restricted mode (SPEC §7).

use crate::web::forms::Form;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::restrictions::Control;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::paths;
use crate::services::customer_settings;
use crate::state::AppState;
use crate::web::fields::FormErrors;
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "control/account.html")]
pub struct AccountPage {
    page: PageCtx,
    org_id: uuid::Uuid,
    name: String,
    may_rename: bool,
    /// An attached org's full admin may set its own branding (SPEC §12).
    may_brand: bool,
    errors: FormErrors,
}

impl AccountPage {
    fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
}

pub async fn page(scope: CustomerScope, session: AuthSession) -> AppResult<AccountPage> {
    Ok(AccountPage {
        page: PageCtx::control(&scope, &session, "account", "Account").await?,
        org_id: scope.org.id,
        name: scope.org.name.clone(),
        may_rename: scope.may_change(Control::CompanyName),
        may_brand: crate::services::branding::may_override(&scope),
        errors: FormErrors::new(),
    })
}

#[derive(Deserialize)]
pub struct AccountForm {
    name: String,
}

pub async fn update(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Form(f): Form<AccountForm>,
) -> AppResult<Response> {
    match customer_settings::rename_company(&state, &scope, &f.name, &req.ctx()).await {
        Ok(()) => {
            session.flash("Company name saved.").await?;
            Ok(Redirect::to(&paths::control(scope.org.id, "account")).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = AccountPage {
                page: PageCtx::control(&scope, &session, "account", "Account").await?,
                org_id: scope.org.id,
                name: f.name,
                may_rename: true,
                may_brand: crate::services::branding::may_override(&scope),
                errors: crate::web::fields::form_errors(errors),
            };
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}
