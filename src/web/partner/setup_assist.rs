//! Setup-assist requests of one customer (SPEC §4.6): a form per location, prefilled
//! from the data, and the requests made so far.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::setup_assist;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::setup_assist::{self as service, LocationFacts, RequestRow};
use crate::state::AppState;
use crate::store;
use crate::store::customers::CustomerDetail;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::FormErrors;
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::CUSTOMER_SETUP_ASSIST, page)
        .post(paths::CUSTOMER_SETUP_ASSIST, submit)
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/setup_assist.html")]
pub struct SetupAssistPage {
    page: PageCtx,
    c: CustomerDetail,
    partner_org_id: Uuid,
    locations: Vec<LocationFacts>,
    requests: Vec<RequestRow>,
    earliest: String,
    may_request: bool,
    /// The location whose form failed, with its errors and the date typed.
    failed: Option<(Uuid, String)>,
    errors: FormErrors,
}

impl SetupAssistPage {
    fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
    fn typed_date(&self, location: &Uuid) -> String {
        match &self.failed {
            Some((l, d)) if l == location => d.clone(),
            _ => self.earliest.clone(),
        }
    }
    fn failed_here(&self, location: &Uuid) -> bool {
        matches!(&self.failed, Some((l, _)) if l == location)
    }
}

async fn render(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    id: Uuid,
    failed: Option<(Uuid, String)>,
    errors: FormErrors,
) -> AppResult<SetupAssistPage> {
    let c = store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let title = format!("Setup assist · {}", c.name);
    Ok(SetupAssistPage {
        page: PageCtx::partner(scope, &session, "customers", &title)
            .await?
            .at(Trail::customer(c.id, &c.name), "Setup assist"),
        partner_org_id: scope.org.id,
        locations: service::locations(state, c.customer_org()).await?,
        requests: service::list(state, c.customer_org()).await?,
        earliest: setup_assist::earliest_completion(state.clock.now().date()).to_string(),
        may_request: scope.may(PartnerAction::ManageCustomers),
        failed,
        errors,
        c,
    })
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<SetupAssistPage> {
    scope.require(PartnerAction::View)?;
    render(&state, &scope, session, id, None, FormErrors::new()).await
}

#[derive(Deserialize)]
pub struct RequestForm {
    location_id: Uuid,
    #[serde(default)]
    planned_onboarding_date: String,
}

pub async fn submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    // Who may ask comes before what was sent.
    store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope.require(PartnerAction::ManageCustomers)?;
    let f: RequestForm = crate::web::forms::parse_or(
        &body,
        "location_id",
        "Choose one of the customer's locations.",
    )?;
    let planned = time::Date::parse(
        f.planned_onboarding_date.trim(),
        time::macros::format_description!("[year]-[month]-[day]"),
    )
    .ok();
    match service::request(&state, &scope, id, f.location_id, planned, &req.ctx()).await {
        Ok(_) => {
            session.flash("Setup assist requested.").await?;
            Ok(Redirect::to(&format!("{}/setup-assist", paths::customer(id))).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let page = render(
                &state,
                &scope,
                session,
                id,
                Some((f.location_id, f.planned_onboarding_date)),
                crate::web::fields::form_errors(errors),
            )
            .await?;
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}
