//! Control Hub → Partner requests: partners' requests to attach wholesale to this org,
//! which its full admins accept or decline (SPEC §4.5). Partner admins never see it:
//! the requests are about partners.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};

use crate::auth::CustomerScope;
use crate::auth::session::AuthSession;
use crate::domain::packages;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::paths;
use crate::services::consent;
use crate::services::customer::attach;
use crate::state::AppState;
use crate::web::fmt::datetime;
use crate::web::forms::Form;
use crate::web::views::PageCtx;

pub const SECTION: &str = "partner-requests";

pub struct RequestRow {
    pub id: uuid::Uuid,
    pub partner: String,
    pub packages: Vec<String>,
    pub status: &'static str,
    pub pending: bool,
    pub asked_on: String,
    pub answered: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "control/partner_requests.html")]
pub struct RequestsPage {
    page: PageCtx,
    org_id: uuid::Uuid,
    rows: Vec<RequestRow>,
    may_answer: bool,
}

pub async fn page(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
) -> AppResult<RequestsPage> {
    let rows = consent::requests(&state, &scope)
        .await?
        .into_iter()
        .map(|r| RequestRow {
            id: r.id,
            packages: attach::requested(&r.request)
                .map(|a| {
                    a.packages
                        .iter()
                        .map(|p| packages::display_name(p))
                        .collect()
                })
                .unwrap_or_default(),
            status: match r.status.as_str() {
                "pending" => "Waiting for your answer",
                "accepted" => "Accepted",
                "withdrawn" => "Withdrawn by the partner",
                _ => "Declined",
            },
            pending: r.status == "pending",
            asked_on: datetime(&r.created_at),
            answered: match (
                r.decided_at,
                r.decided_by.filter(|_| r.status != "withdrawn"),
            ) {
                (Some(at), Some(by)) => format!("{} by {by}", datetime(&at)),
                (Some(at), None) => datetime(&at),
                _ => String::new(),
            },
            partner: r.partner_name,
        })
        .collect();
    Ok(RequestsPage {
        page: PageCtx::control(&scope, &session, SECTION, "Partner requests").await?,
        org_id: scope.org.id,
        rows,
        may_answer: consent::may_answer(&scope),
    })
}

#[derive(serde::Deserialize)]
pub struct AnswerForm {
    #[serde(default)]
    answer: String,
}

pub async fn answer(
    State(state): State<AppState>,
    scope: CustomerScope,
    session: AuthSession,
    req: ReqInfo,
    Path((_, id)): Path<(String, String)>,
    Form(f): Form<AnswerForm>,
) -> AppResult<Response> {
    // The role before the form: a refused visitor learns nothing about the request.
    consent::require_answerer(&scope)?;
    let id = uuid::Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let accept = match f.answer.as_str() {
        "accept" => true,
        "decline" => false,
        _ => {
            return Err(AppError::field(
                "answer",
                "Choose to accept or to decline the request.",
            ));
        }
    };
    let said = match consent::answer(&state, &scope, id, accept, &req.ctx()).await {
        Ok(said) => said,
        Err(AppError::Conflict(message)) => message,
        Err(AppError::Validation(errors)) => {
            // The partner's plan no longer fits (its external id was taken meanwhile):
            // nothing changed; the request stays for the partner to withdraw or repeat.
            let reasons: Vec<String> = errors.iter().map(|e| e.message.clone()).collect();
            format!(
                "The request cannot be applied: {} Nothing changed.",
                reasons.join(" ")
            )
        }
        Err(e) => return Err(e),
    };
    session.flash(&said).await?;
    Ok(Redirect::to(&paths::control(scope.org.id, SECTION)).into_response())
}
