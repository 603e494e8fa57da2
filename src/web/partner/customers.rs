//! Customers: the routes of the list (`customer_list`, `customer_bulk`), the detail page
//! and the customer's wholesale global settings (SPEC §4.4, §7).

use crate::web::forms::Form;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::org_kind::customer_status_label;
use crate::domain::packages;
use crate::domain::restrictions::OrgRestrictions;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::customer_settings;
use crate::state::AppState;
use crate::store;
use crate::store::customers::{CustomerDetail, PackageRow};
use crate::tenancy::policy::PartnerAction;
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::CUSTOMERS, super::customer_list::list)
        .get(paths::CUSTOMERS_EXPORT, super::customer_list::export)
        .post(paths::CUSTOMERS_BULK, super::customer_bulk::submit)
        .get(paths::CUSTOMER, detail)
        .post(paths::CUSTOMER_GLOBAL_SETTINGS, update_global_settings)
        .get(paths::CUSTOMER_STATUS, status)
        .post(paths::CUSTOMER_RETRY, retry)
        .post(paths::ATTACH_WITHDRAW, withdraw_attach)
}

/// Withdraws a request to attach an existing org, back to the customers list.
pub async fn withdraw_attach(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(org): Path<Uuid>,
) -> AppResult<Response> {
    crate::services::customer::attach::withdraw(&state, &scope, org, &req.ctx()).await?;
    session
        .flash(
            "The request is withdrawn; the organisation's administrator can no longer accept it.",
        )
        .await?;
    Ok(Redirect::to(paths::CUSTOMERS).into_response())
}

/// Progress of a customer's provisioning, for the detail page's script.
pub async fn status(
    State(state): State<AppState>,
    scope: PartnerScope,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    scope.require(PartnerAction::View)?;
    let c = store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let packages = store::customers::packages(&state.db, c.customer_org()).await?;
    let done = packages
        .iter()
        .filter(|p| p.status != "provisioning" && p.status != "deleting")
        .count();
    let body = serde_json::json!({
        "status": c.status,
        "label": status_label(&c.status),
        "inProgress": c.in_progress(),
        "packagesDone": done,
        "packagesTotal": packages.len(),
        "errors": c.error_messages(),
    });
    Ok(axum::Json(body).into_response())
}

#[derive(Deserialize)]
pub struct RetryForm {
    drop_vendor: Option<String>,
}

/// Repairs a failed provisioning (SPEC §3 step 3) and runs it again.
pub async fn retry(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
    Form(f): Form<RetryForm>,
) -> AppResult<Response> {
    crate::services::customer::provision_job::retry(
        &state,
        &scope,
        id,
        f.drop_vendor.is_some(),
        &req.ctx(),
    )
    .await?;
    session.flash("Provisioning runs again.").await?;
    Ok(Redirect::to(&paths::customer(id)).into_response())
}

fn status_label(s: &Option<String>) -> &'static str {
    s.as_deref().map(customer_status_label).unwrap_or("—")
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/detail.html")]
pub struct DetailPage {
    page: PageCtx,
    c: CustomerDetail,
    packages: Vec<PackageRow>,
    may_manage: bool,
    /// Removal stays open in a suspended sub-partner's hub (SPEC §9.4).
    may_remove: bool,
    errors: Vec<String>,
}

fn package_name(id: &str) -> String {
    packages::display_name(id)
}

impl DetailPage {
    /// Flex and no wholesale services: no way into its Control Hub (SPEC §7).
    fn flex_only(&self) -> bool {
        let wholesale = self.packages.iter().any(|p| p.live());
        crate::domain::org_summary::flex_only(self.c.has_flex_subscription, wholesale)
    }
}

/// What the job working on a customer is doing, for the detail page's progress note.
fn work_label(status: &Option<String>) -> &'static str {
    match status.as_deref() {
        Some("updating") => "The changes are being applied in the background",
        Some("deleting") => "The wholesale services are being removed in the background",
        _ => "The customer is being set up in the background",
    }
}

async fn render_detail(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    id: Uuid,
    errors: Vec<String>,
) -> AppResult<DetailPage> {
    let c = store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let packages = store::customers::packages(&state.db, c.customer_org()).await?;
    let title = c.name.clone();
    Ok(DetailPage {
        page: PageCtx::partner(scope, &session, "customers", &title)
            .await?
            .at(Trail::customers(), &title),
        c,
        packages,
        may_manage: scope.may(PartnerAction::ManageCustomers),
        may_remove: scope.may(PartnerAction::RemoveCustomers),
        errors,
    })
}

pub async fn detail(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<DetailPage> {
    scope.require(PartnerAction::View)?;
    render_detail(&state, &scope, session, id, vec![]).await
}

#[derive(Deserialize)]
pub struct GlobalSettingsForm {
    restricted_by_partner: Option<String>,
    restrict_org_settings: Option<String>,
    /// The form shows the Flex tick box, so its absence means "no Flex".
    has_flex_subscription: Option<String>,
    flex_shown: Option<String>,
}

pub async fn update_global_settings(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
    Form(f): Form<GlobalSettingsForm>,
) -> AppResult<Response> {
    let wanted = OrgRestrictions {
        restricted_by_partner: f.restricted_by_partner.is_some(),
        restrict_org_settings: f.restrict_org_settings.is_some(),
    };
    // A form without the Flex tick box (an older page) says nothing about Flex.
    let flex = f.flex_shown.map(|_| f.has_flex_subscription.is_some());
    match customer_settings::set_global_settings(&state, &scope, id, wanted, flex, &req.ctx()).await
    {
        Ok(()) => {
            session.flash("Wholesale global settings saved.").await?;
            Ok(Redirect::to(&paths::customer(id)).into_response())
        }
        Err(AppError::Validation(errors)) => {
            let messages = errors.into_iter().map(|e| e.message).collect();
            let page = render_detail(&state, &scope, session, id, messages).await?;
            Ok((axum::http::StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(e) => Err(e),
    }
}
