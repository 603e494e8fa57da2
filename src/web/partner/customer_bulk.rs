//! Bulk actions on customers selected in the list: the first post shows what will happen
//! to whom and asks; the confirmed post does it (`services::customer::bulk`).

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::return_to::safe_return_path;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::paths;
use crate::services::customer::bulk::{self, BulkAction};
use crate::state::AppState;
use crate::store::customer_list::Picked;
use crate::web::views::PageCtx;

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/bulk_confirm.html")]
pub struct ConfirmPage {
    page: PageCtx,
    action: Option<BulkAction>,
    question: String,
    picked: Vec<Picked>,
    error: Option<String>,
    back: String,
}

impl ConfirmPage {
    async fn new(
        scope: &PartnerScope,
        session: &AuthSession,
        back: &str,
        action: Option<BulkAction>,
        question: String,
        picked: Vec<Picked>,
        error: Option<String>,
    ) -> AppResult<ConfirmPage> {
        Ok(ConfirmPage {
            page: PageCtx::partner(scope, session, "customers", "Bulk action").await?,
            action,
            question,
            picked,
            error,
            back: back.to_string(),
        })
    }
}

/// The form's fields: repeated `ids`, the action, where to come back to, and whether
/// the question was answered.
struct BulkForm {
    ids: Vec<String>,
    action: String,
    back: String,
    confirmed: bool,
}

fn read(body: &[u8]) -> AppResult<BulkForm> {
    let pairs: Vec<(String, String)> = crate::web::forms::parse(body)?;
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.trim().to_string())
            .unwrap_or_default()
    };
    Ok(BulkForm {
        ids: pairs
            .iter()
            .filter(|(k, _)| k == "ids")
            .map(|(_, v)| v.trim().to_string())
            .collect(),
        action: value("action"),
        back: value("back"),
        confirmed: value("confirm") == "yes",
    })
}

/// Back to the list the selection was made on, never anywhere else.
fn back_to(back: &str) -> String {
    safe_return_path(back)
        .filter(|p| *p == paths::CUSTOMERS || p.starts_with(&format!("{}?", paths::CUSTOMERS)))
        .unwrap_or(paths::CUSTOMERS)
        .to_string()
}

pub async fn submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    bulk::may_use(&scope)?;
    let form = read(&body)?;
    let back = back_to(&form.back);
    // An id that is not even an id is a customer that does not exist.
    let ids: Vec<Uuid> = form
        .ids
        .iter()
        .map(|s| Uuid::parse_str(s).map_err(|_| AppError::NotFound))
        .collect::<AppResult<_>>()?;
    let page = |action, question, picked, error| {
        ConfirmPage::new(&scope, &session, &back, action, question, picked, error)
    };
    let Some(action) = BulkAction::parse(&form.action) else {
        let p = page(
            None,
            String::new(),
            vec![],
            Some("Choose what to do with the selected customers.".into()),
        )
        .await?;
        return Ok((StatusCode::BAD_REQUEST, p).into_response());
    };
    let refused = async |e: AppError| -> AppResult<Response> {
        match e {
            AppError::Validation(errors) => {
                let message = errors.into_iter().map(|e| e.message).collect::<Vec<_>>();
                let p = page(Some(action), String::new(), vec![], Some(message.join(" "))).await?;
                Ok((StatusCode::BAD_REQUEST, p).into_response())
            }
            AppError::Conflict(why) => {
                let p = page(Some(action), String::new(), vec![], Some(why)).await?;
                Ok((StatusCode::CONFLICT, p).into_response())
            }
            other => Err(other),
        }
    };
    if !form.confirmed {
        return match bulk::selection(&state, &scope, &ids, action).await {
            Ok(picked) => {
                let question = action.question(picked.len());
                Ok(page(Some(action), question, picked, None)
                    .await?
                    .into_response())
            }
            Err(e) => refused(e).await,
        };
    }
    match bulk::apply(&state, &scope, &ids, action, &req.ctx()).await {
        Ok(n) => {
            session.flash(action.done(n)).await?;
            Ok(Redirect::to(&back).into_response())
        }
        Err(e) => refused(e).await,
    }
}
