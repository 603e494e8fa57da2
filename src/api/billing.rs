//! `/v1/wholesale/billing/reports` (SPEC §9.5): create, list, get and delete billing
//! reconciliation reports in the vendor's shapes (`ReportId`, `ListReport`, `Report`),
//! with its errors under `code` (`BillingApiError`). The signed download a `Report`
//! links to is served by `download`, outside `/v1`: it needs no token.

use axum::Json;
use axum::extract::{FromRequestParts, OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::http::request::Parts;
use axum::response::Response;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

use super::body::ApiBody;
use super::error::BillingApiError;
use super::paging::{ListRequest, Paged, query_param};
use crate::api::auth::ApiPartnerScope;
use crate::domain::billing::{self, ReportType, STATUSES};
use crate::error::{AppError, FieldErrors};
use crate::http::ReqInfo;
use crate::http::report_download::report_csv;
use crate::http::route_table::RouteTable;
use crate::services::billing as service;
use crate::state::AppState;
use crate::store::billing::{ReportFilter, ReportOrder, ReportRow};
use crate::tenancy::scope::PartnerScope;

pub const PATH: &str = "/v1/wholesale/billing/reports";
pub const ONE: &str = "/v1/wholesale/billing/reports/{id}";
/// The signed download (`services::billing::download_path`).
pub const DOWNLOAD: &str = "/billing/reports/{id}/download";
const DEFAULT_MAX: i64 = 100;
const MAX_CAP: i64 = 100;

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    let t = t.get(PATH, list).post(PATH, create);
    t.get(ONE, get).delete(ONE, delete)
}

/// The partner scope, refused in the billing body (`code`, not `errorCode`).
pub struct BillingScope(pub PartnerScope);

impl FromRequestParts<AppState> for BillingScope {
    type Rejection = BillingApiError;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, BillingApiError> {
        ApiPartnerScope::from_request_parts(parts, state)
            .await
            .map(|ApiPartnerScope(s)| BillingScope(s))
            .map_err(|e| BillingApiError(e.0))
    }
}

/// The body of `POST`: the vendor's fields, all strings (dates as `YYYY-MM-DD`).
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CreateBody {
    billing_start_date: Option<String>,
    billing_end_date: Option<String>,
    #[serde(rename = "type")]
    kind: Option<String>,
    sub_partner_org_id: Option<String>,
    /// The vendor's "include internal orgs": this installation has none, so it changes
    /// nothing; it is read so that a wrong type is refused rather than ignored.
    #[allow(dead_code)]
    internal: Option<bool>,
}

/// The vendor's `ReportId`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ReportId {
    id: String,
    billing_start_date: String,
    billing_end_date: String,
    #[serde(rename = "type")]
    kind: String,
    category: &'static str,
}

/// The vendor's `ListReport`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct ListReport {
    id: String,
    billing_start_date: String,
    billing_end_date: String,
    status: String,
    #[serde(rename = "type")]
    kind: String,
    category: &'static str,
}

/// The vendor's `ReportError`.
#[derive(Debug, Serialize, Deserialize)]
pub struct ReportError {
    code: i64,
    description: String,
}

/// The vendor's `Report`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Report {
    id: String,
    billing_start_date: String,
    billing_end_date: String,
    #[serde(rename = "type")]
    kind: String,
    category: &'static str,
    created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    created_by: Option<String>,
    status: String,
    #[serde(rename = "tempDownloadURL", skip_serializing_if = "Option::is_none")]
    temp_download_url: Option<String>,
    errors: Vec<ReportError>,
}

const CATEGORY: &str = "RECONCILIATION";

fn report(r: ReportRow, url: Option<String>) -> Report {
    Report {
        id: r.id.to_string(),
        billing_start_date: r.start_date.to_string(),
        billing_end_date: r.end_date.to_string(),
        kind: r.kind,
        category: CATEGORY,
        created: super::timestamp(r.created_at),
        created_by: r.created_by.map(|p| p.to_string()),
        status: r.status,
        temp_download_url: url,
        errors: serde_json::from_value(r.errors).unwrap_or_default(),
    }
}

/// `POST`: 200 with the new report's `ReportId`; 409 when a completed report of the
/// same period and type exists.
async fn create(
    State(state): State<AppState>,
    BillingScope(scope): BillingScope,
    req: ReqInfo,
    body: ApiBody,
) -> Result<Json<ReportId>, BillingApiError> {
    scope.require(crate::tenancy::policy::PartnerAction::ManageBilling)?;
    let b: CreateBody = body.json("report")?;
    let request = service::ReportRequest {
        start: b.billing_start_date.unwrap_or_default(),
        end: b.billing_end_date.unwrap_or_default(),
        kind: b.kind,
        sub_partner: b.sub_partner_org_id,
    };
    let r = service::create(&state, &scope, &request, &req.ctx()).await?;
    Ok(Json(ReportId {
        id: r.id.to_string(),
        billing_start_date: r.start_date.to_string(),
        billing_end_date: r.end_date.to_string(),
        kind: r.kind,
        category: CATEGORY,
    }))
}

/// `GET` one: the report, and while it is complete a download link good for 30 minutes.
async fn get(
    State(state): State<AppState>,
    BillingScope(scope): BillingScope,
    Path(id): Path<String>,
) -> Result<Json<Report>, BillingApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    let r = service::get(&state, &scope, id).await?;
    let url = service::download_url(&state, &scope, &r).await?;
    Ok(Json(report(r, url)))
}

/// `DELETE`: 204; its download links stop working.
async fn delete(
    State(state): State<AppState>,
    BillingScope(scope): BillingScope,
    req: ReqInfo,
    Path(id): Path<String>,
) -> Result<StatusCode, BillingApiError> {
    let id = Uuid::parse_str(&id).map_err(|_| AppError::NotFound)?;
    service::delete(&state, &scope, id, &req.ctx()).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// The list's filters from the query: each one given must be a value the vendor's
/// enum or format allows.
fn filters(
    req: &ListRequest<DEFAULT_MAX, MAX_CAP>,
) -> Result<(ReportFilter, ReportOrder), AppError> {
    let mut errors = FieldErrors::new();
    let mut date = |name: &str| {
        let raw = req.param(name)?;
        let d = billing::parse_date(&raw);
        if d.is_none() {
            errors.add(
                name.into(),
                format!("“{raw}” is not a date in the form YYYY-MM-DD"),
            );
        }
        d
    };
    let start = date("billingStartDate");
    let end = date("billingEndDate");
    let kind = req.param("type");
    if let Some(k) = &kind
        && ReportType::parse(k).is_none()
    {
        errors.add("type".into(), "must be one of PARTNER, CUSTOMER, USER");
    }
    let status = req.param("status");
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        errors.add(
            "status".into(),
            format!("must be one of {}", STATUSES.join(", ")),
        );
    }
    // An id that is no id matches no report (exact match), as a foreign one does.
    let sub_partner = req
        .param("subPartnerOrgId")
        .map(|raw| Uuid::parse_str(&raw).unwrap_or(Uuid::nil()));
    let order = match req.param("sortBy").as_deref() {
        None | Some("billingStartDate") => ReportOrder::StartDate,
        Some("billingEndDate") => ReportOrder::EndDate,
        Some("status") => ReportOrder::Status,
        Some("id") => ReportOrder::Id,
        Some(_) => {
            errors.add(
                "sortBy".into(),
                "must be one of id, billingStartDate, billingEndDate, status",
            );
            ReportOrder::StartDate
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((
        ReportFilter {
            start,
            end,
            kind,
            status,
            sub_partner,
        },
        order,
    ))
}

/// `GET` the list: exact-match filters, `sortBy`, `max` (≤ 100) and `offset`.
async fn list(
    State(state): State<AppState>,
    BillingScope(scope): BillingScope,
    req: ListRequest<DEFAULT_MAX, MAX_CAP>,
) -> Result<Paged<ListReport>, BillingApiError> {
    scope.require(crate::tenancy::policy::PartnerAction::ViewBilling)?;
    let paging = req.paging()?;
    let (filter, order) = filters(&req)?;
    let rows = service::list(
        &state,
        &scope,
        &filter,
        order,
        paging.offset,
        paging.fetch_limit(),
    )
    .await?;
    Ok(req
        .page(paging, rows, &state.config.public_url)
        .map(|r| ListReport {
            id: r.id.to_string(),
            billing_start_date: r.start_date.to_string(),
            billing_end_date: r.end_date.to_string(),
            status: r.status,
            kind: r.kind,
            category: CATEGORY,
        }))
}

// ── The signed download ─────────────────────────────────────────────────────────────

/// `GET /billing/reports/{id}/download?expires=…&signature=…`: the CSV, streamed, for
/// whoever holds a link that is signed, unexpired and of a report not deleted.
pub async fn download(
    State(state): State<AppState>,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> Result<Response, BillingApiError> {
    let Ok(id) = Uuid::parse_str(&id) else {
        return Ok(refused(service::LinkRefused::Gone));
    };
    let expires = query_param(&uri, "expires");
    let sig = query_param(&uri, "signature");
    match service::open_link(&state, id, expires.as_deref(), sig.as_deref()).await? {
        Ok(opened) => Ok(report_csv(&state.db, opened.id, &opened.file_name)),
        Err(why) => Ok(refused(why)),
    }
}

fn refused(why: service::LinkRefused) -> Response {
    let status = match why {
        service::LinkRefused::Gone => StatusCode::NOT_FOUND,
        service::LinkRefused::Tampered => StatusCode::FORBIDDEN,
        service::LinkRefused::Expired => StatusCode::GONE,
    };
    let code = match why {
        service::LinkRefused::Gone => super::codes::BILLING_REPORT_NOT_FOUND,
        _ => super::codes::for_status(status),
    };
    super::error::billing_body(status, why.message(), code)
}
