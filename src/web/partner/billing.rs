//! Partner Hub → Billing (SPEC §8): the reports with their progress, the form that
//! creates one, a report's page with its chart of daily licences per package and the
//! customers behind it (each one's own chart a click away), download and delete. Not
//! available while cross-launched (SPEC §11), as the policy says for `ViewBilling`.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::Deserialize;
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::billing::ReportType;
use crate::domain::packages;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::billing::{self as service, ReportRequest, Series};
use crate::state::AppState;
use crate::store;
use crate::store::billing::{ReportFilter, ReportOrder, ReportRow};
use crate::tenancy::policy::PartnerAction;
use crate::web::charts::{self, Line};
use crate::web::fields::FormErrors;
use crate::web::forms::{CheckedForm, Choice, Query, choices};
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    let t = t.get(paths::BILLING, page).post(paths::BILLING, create);
    let t = t.get(paths::BILLING_REPORT, report_page);
    let t = t.get(paths::BILLING_REPORT_DOWNLOAD, download);
    t.post(paths::BILLING_REPORT_DELETE, delete)
}

/// Reports shown on the page, newest first.
const LISTED: i64 = 100;
/// Customers listed under a report's chart.
const CUSTOMERS_LISTED: i64 = 50;

/// A report's line in the list.
pub struct ReportItem {
    pub row: ReportRow,
    /// For whom: this hub, or the sub-partner's name.
    pub subject: String,
}

impl ReportItem {
    /// `own` is the hub's name, for a report on the hub itself.
    fn of(row: ReportRow, own: &str) -> Self {
        Self {
            subject: row
                .sub_partner_name
                .clone()
                .unwrap_or_else(|| own.to_string()),
            row,
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/billing.html")]
pub struct BillingPage {
    page: PageCtx,
    reports: Vec<ReportItem>,
    form: ReportForm,
    errors: FormErrors,
    types: Vec<Choice>,
    subjects: Vec<Choice>,
    may_manage: bool,
    any_in_progress: bool,
    /// The latest day a report may end (yesterday, UTC).
    latest: String,
    earliest: String,
}

impl BillingPage {
    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
    fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
}

/// The create form as typed; the names are the API's, so both doors' refusals land on
/// the same control.
#[derive(Debug, Default, Clone, Deserialize)]
pub struct ReportForm {
    #[serde(default, rename = "billingStartDate")]
    start: String,
    #[serde(default, rename = "billingEndDate")]
    end: String,
    #[serde(default, rename = "type")]
    kind: String,
    #[serde(default, rename = "subPartnerOrgId")]
    sub_partner: String,
}

async fn list_page(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    form: ReportForm,
    errors: FormErrors,
) -> AppResult<BillingPage> {
    let rows = service::list(
        state,
        scope,
        &ReportFilter::default(),
        ReportOrder::Newest,
        0,
        LISTED,
    )
    .await?;
    let any_in_progress = rows.iter().any(|r| r.status == "IN_PROGRESS");
    let own = scope.org.name.clone();
    let reports = rows
        .into_iter()
        .map(|row| ReportItem::of(row, &own))
        .collect();
    let mut subjects = vec![(String::new(), format!("{own} (this organisation)"))];
    subjects.extend(
        store::sub_partners::names(&state.db, scope.org_id())
            .await?
            .into_iter()
            .map(|(id, name)| (id.to_string(), format!("{name} (indirect provider)"))),
    );
    let kind = if form.kind.is_empty() {
        "PARTNER".to_string()
    } else {
        form.kind.clone()
    };
    let today = state.clock.now().date();
    let limits = crate::domain::billing::period_limits(today);
    Ok(BillingPage {
        page: PageCtx::partner(scope, session, "billing", "Billing").await?,
        reports,
        types: choices(
            ReportType::ALL.map(|t| (t.as_str().to_string(), t.label().to_string())),
            &kind,
        ),
        subjects: choices(subjects, &form.sub_partner),
        form,
        errors,
        may_manage: scope.may(PartnerAction::ManageBilling),
        any_in_progress,
        latest: limits.1.to_string(),
        earliest: limits.0.to_string(),
    })
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<BillingPage> {
    scope.require(PartnerAction::ViewBilling)?;
    list_page(
        &state,
        &scope,
        &session,
        ReportForm::default(),
        FormErrors::new(),
    )
    .await
}

/// Creates a report and goes back to the list, where it shows its progress; a refusal
/// shows the form again with what was typed.
pub async fn create(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    CheckedForm { form, controls }: CheckedForm<ReportForm>,
) -> AppResult<Response> {
    scope.require(PartnerAction::ManageBilling)?;
    let errors = if !controls.is_empty() {
        controls
    } else {
        let request = ReportRequest {
            start: form.start.clone(),
            end: form.end.clone(),
            kind: Some(form.kind.clone()),
            sub_partner: Some(form.sub_partner.clone()),
        };
        match service::create(&state, &scope, &request, &req.ctx()).await {
            Ok(r) => {
                session
                    .flash(format!(
                        "The {} report for {} to {} is being generated; this page shows its progress.",
                        r.kind, r.start_date, r.end_date
                    ))
                    .await?;
                return Ok(Redirect::to(paths::BILLING).into_response());
            }
            Err(AppError::Validation(errors)) => crate::web::fields::form_errors(errors),
            Err(AppError::Conflict(message)) => {
                FormErrors::from([("billingStartDate".to_string(), vec![message])])
            }
            Err(e) => return Err(e),
        }
    };
    let page = list_page(&state, &scope, &session, form, errors).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

// ── One report ──────────────────────────────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/billing_report.html")]
pub struct ReportPage {
    page: PageCtx,
    report: ReportItem,
    /// The chart's SVG markup (escaped by `web::charts`).
    chart: String,
    /// Per package: name, licence-days, peak licences on one day.
    totals: Vec<(String, String, String)>,
    customers: Vec<CustomerLine>,
    /// The customer whose chart is shown, if one was picked.
    customer: Option<(Uuid, String)>,
    may_manage: bool,
}

pub struct CustomerLine {
    pub id: Uuid,
    pub name: String,
    /// Package name and quantity, for each package the customer used.
    pub usage: Vec<(String, String)>,
}

#[derive(Deserialize, Default)]
pub struct ReportQuery {
    #[serde(default)]
    customer: String,
}

/// The chart's lines: one per package, in licences per day.
fn lines(series: &Series) -> Vec<Line> {
    series
        .packages
        .iter()
        .map(|(p, v)| Line {
            name: packages::display_name(p),
            values: v.iter().map(|&m| Series::licences(m)).collect(),
        })
        .collect()
}

pub async fn report_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
    Query(q): Query<ReportQuery>,
) -> AppResult<ReportPage> {
    let row = service::get(&state, &scope, id).await?;
    let usage = if row.status == "COMPLETED" {
        service::customers_of(&state, &scope, &row, CUSTOMERS_LISTED).await?
    } else {
        vec![]
    };
    let mut customers: Vec<CustomerLine> = vec![];
    for u in usage {
        let line = (
            packages::display_name(&u.package),
            crate::domain::billing::quantity(u.micros),
        );
        match customers.last_mut() {
            Some(c) if c.id == u.customer_org_id => c.usage.push(line),
            _ => customers.push(CustomerLine {
                id: u.customer_org_id,
                name: u.name,
                usage: vec![line],
            }),
        }
    }
    // A customer's own chart (the service answers 404 for an org the report does not
    // count).
    let (customer, series) = match q.customer.trim() {
        "" => (None, service::report_series(&state, &scope, &row).await?),
        raw => {
            let cid = Uuid::parse_str(raw).map_err(|_| AppError::NotFound)?;
            let (name, series) = service::customer_series(&state, &scope, &row, cid).await?;
            (Some((cid, name)), Some(series))
        }
    };
    let (chart, totals) = match &series {
        Some(s) => {
            let title = match &customer {
                Some((_, name)) => format!(
                    "Daily licences per package for {name}, {} to {}",
                    row.start_date, row.end_date
                ),
                None => format!(
                    "Daily licences per package, {} to {}",
                    row.start_date, row.end_date
                ),
            };
            let chart = charts::daily_lines(&title, s.start, &lines(s));
            let totals = s
                .packages
                .iter()
                .map(|(p, v)| {
                    let sum: i64 = v.iter().sum();
                    let peak = v.iter().copied().max().unwrap_or(0);
                    (
                        packages::display_name(p),
                        crate::domain::billing::quantity(sum),
                        crate::domain::billing::quantity(peak),
                    )
                })
                .collect();
            (chart, totals)
        }
        None => (String::new(), vec![]),
    };
    let title = format!(
        "{} report, {} to {}",
        row.kind, row.start_date, row.end_date
    );
    Ok(ReportPage {
        page: PageCtx::partner(&scope, &session, "billing", &title)
            .await?
            .at(
                Trail::default().to("Billing", paths::BILLING),
                title.clone(),
            ),
        report: ReportItem::of(row, &scope.org.name),
        chart,
        totals,
        customers,
        customer,
        may_manage: scope.may(PartnerAction::ManageBilling),
    })
}

/// The CSV, for an admin of the hub (the session is the proof; the API's signed link
/// is for systems without one).
pub async fn download(
    State(state): State<AppState>,
    scope: PartnerScope,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    let opened = service::open_own(&state, &scope, id).await?;
    Ok(crate::http::report_download::report_csv(
        &state.db,
        opened.id,
        &opened.file_name,
    ))
}

pub async fn delete(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
) -> AppResult<Redirect> {
    service::delete(&state, &scope, id, &req.ctx()).await?;
    session
        .flash("The report is deleted; links to it no longer work.")
        .await?;
    Ok(Redirect::to(paths::BILLING))
}
