//! Settings → API tokens: an admin's own bearer tokens for the REST API (SPEC §9). Any
//! partner role may create them; a token acts with its admin's roles, so a read-only
//! admin's token is read-only. The secret is shown once, on the response to the POST
//! that created it, and only its hash is stored.

use crate::web::forms::CheckedForm;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::state::AppState;
use crate::store;
use crate::store::tokens::TokenRow;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::FormErrors;
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::API_TOKENS, page)
        .post(paths::API_TOKENS, create)
        .post(paths::API_TOKEN_REVOKE, revoke)
}

/// A token created by this very request: its secret is on this page and nowhere else.
pub struct NewToken {
    pub name: String,
    pub secret: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/settings/api_tokens.html")]
pub struct TokensPage {
    page: PageCtx,
    tokens: Vec<TokenRow>,
    /// The name typed into the form (kept when it is refused).
    name: String,
    errors: FormErrors,
    created: Option<NewToken>,
}

impl TokensPage {
    fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }

    fn revoke_href(&self, id: &Uuid) -> String {
        paths::api_token_revoke(*id)
    }

    fn create_href(&self) -> &'static str {
        paths::API_TOKENS
    }
}

async fn render(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    name: String,
    errors: FormErrors,
    created: Option<NewToken>,
) -> AppResult<TokensPage> {
    Ok(TokensPage {
        page: PageCtx::partner(scope, session, "api-tokens", "API tokens")
            .await?
            .at(
                Trail::settings(scope.may(PartnerAction::ViewAdministration)),
                "API tokens",
            ),
        tokens: store::tokens::list_for_person(&state.db, scope.actor.person_id).await?,
        name,
        errors,
        created,
    })
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<TokensPage> {
    scope.require(PartnerAction::View)?;
    render(
        &state,
        &scope,
        &session,
        String::new(),
        FormErrors::new(),
        None,
    )
    .await
}

#[derive(Deserialize)]
pub struct CreateForm {
    #[serde(default)]
    name: String,
}

/// Creates a token and answers 201 with the page showing its secret, once.
pub async fn create(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    CheckedForm { form: f, controls }: CheckedForm<CreateForm>,
) -> AppResult<Response> {
    // The service decides the role; this page's own refusal comes first, so ask too.
    scope.require(PartnerAction::View)?;
    if !controls.is_empty() {
        let page = render(&state, &scope, &session, f.name, controls, None).await?;
        return Ok((StatusCode::BAD_REQUEST, page).into_response());
    }
    let (name, secret) =
        match crate::services::api_tokens::create(&state, &scope, &f.name, &req.ctx()).await {
            Ok((_, name, secret)) => (name, secret),
            Err(AppError::Validation(errors)) => {
                let page = render(
                    &state,
                    &scope,
                    &session,
                    f.name,
                    crate::web::fields::form_errors(errors),
                    None,
                )
                .await?;
                return Ok((StatusCode::BAD_REQUEST, page).into_response());
            }
            Err(e) => return Err(e),
        };
    let created = NewToken { name, secret };
    let page = render(
        &state,
        &scope,
        &session,
        String::new(),
        FormErrors::new(),
        Some(created),
    )
    .await?;
    Ok((StatusCode::CREATED, page).into_response())
}

/// Revokes one of the signed-in admin's own tokens; anyone else's answers 404.
pub async fn revoke(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<String>,
) -> AppResult<Redirect> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    crate::services::api_tokens::revoke(&state, &scope, id, &req.ctx()).await?;
    session
        .flash("The token was revoked. Requests that use it are refused from now on.")
        .await?;
    Ok(Redirect::to(paths::API_TOKENS))
}
