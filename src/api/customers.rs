//! `/v1/wholesale/customers` (SPEC §9.1, §9.3) in the vendor's shapes: provision (`POST`,
//! 202 + `Location`), list, get, update (`PUT`, 202), delete (`DELETE`, 202) and the
//! pre-provisioning check (`POST .../validate`). The body is read here and handed to
//! `services::customer` (`create`, `change`, `remove`, `precheck`), which holds every rule.

use std::collections::{BTreeMap, HashMap};

use super::body::ApiBody;
use axum::Json;
use axum::extract::{OriginalUri, Path, State};
use axum::http::{HeaderValue, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde::{Deserialize, Serialize};
use time::Date;
use time::format_description::well_known::Rfc3339;
use time::macros::format_description;
use uuid::Uuid;

use super::ApiError;
use super::paging::{ListRequest, query_param};
use crate::api::auth::ApiPartnerScope;
use crate::domain::fields::{Field, add};
use crate::error::{AppError, FieldErrors};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::services::customer::{
    AddressInput, CustomerUpdate, LocationInput, NewCustomer, attach, change, create, precheck,
    remove,
};
use crate::state::AppState;
use crate::store;
use crate::store::customers::{ApiCustomerFilter, ApiCustomerRow, ApiPackageRow};
use crate::tenancy::policy::PartnerAction;

pub const LIST: &str = "/v1/wholesale/customers";
pub const ONE: &str = "/v1/wholesale/customers/{id}";
pub const VALIDATE: &str = "/v1/wholesale/customers/validate";
const DEFAULT_MAX: i64 = 100;
const MAX_CAP: i64 = 100;
/// The vendor's customer statuses (`Customer.status`).
pub const STATUSES: [&str; 7] = [
    "provisioned",
    "provisioned_with_errors",
    "provisioning",
    "updating",
    "deleting",
    "error",
    "pending_rpl_review",
];

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    let mut t = t
        .get(LIST, list)
        .post(LIST, create)
        .post(VALIDATE, validate)
        .get(ONE, get_one);
    // `RouteTable` knows GET and POST; the other methods are recorded the same way.
    t.entries.push((Method::PUT, ONE));
    t.entries.push((Method::DELETE, ONE));
    t.router = t.router.route(ONE, put(update).delete(delete));
    t
}

// ── Request bodies (the vendor's, camelCase; unknown fields are ignored) ─────────────

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerBody {
    provisioning_id: Option<String>,
    packages: Option<Vec<String>>,
    /// Attach wholesale to this existing org (SPEC §4.5) instead of creating one.
    org_id: Option<serde_json::Value>,
    external_id: Option<String>,
    address: Option<AddressInput>,
    customer_info: Option<CustomerInfoBody>,
    provisioning_parameters: Option<ProvisioningParametersBody>,
    billing_start_date: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct CustomerInfoBody {
    name: Option<String>,
    primary_email: Option<String>,
    language: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ProvisioningParametersBody {
    calling: Option<CallingBody>,
    meetings: Option<MeetingsBody>,
    packages: Option<PackagesBody>,
}

#[derive(Debug, Default, Deserialize)]
struct CallingBody {
    location: Option<LocationInput>,
}

#[derive(Debug, Default, Deserialize)]
struct MeetingsBody {
    timezone: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
struct PackagesBody {
    /// The vendor types quantities as `number`; only whole numbers are quantities.
    limits: Option<BTreeMap<String, serde_json::Value>>,
}

/// Parses a JSON body; anything that is not a JSON object of the expected shape is a 400
/// in the API's error body, saying what was wrong.
fn parse_body(body: &ApiBody) -> Result<CustomerBody, AppError> {
    body.json("customer")
}

/// `YYYY-MM-DD`, or a date-time (`2026-01-31T00:00:00.000Z`) whose date is taken.
fn parse_date(raw: &str) -> Option<Date> {
    let raw = raw.trim();
    Date::parse(raw, format_description!("[year]-[month]-[day]"))
        .ok()
        .or_else(|| {
            time::OffsetDateTime::parse(raw, &Rfc3339)
                .ok()
                .map(|t| t.to_offset(time::UtcOffset::UTC).date())
        })
}

/// The parts of a body shared by create and update, converted; conversion errors are
/// collected under the field they concern.
struct Parameters {
    location: Option<LocationInput>,
    meetings_timezone: Option<String>,
    limits: Option<BTreeMap<String, i64>>,
    billing_start_date: Option<Date>,
}

fn parameters(body: &CustomerBody, errors: &mut FieldErrors) -> Parameters {
    let params = body.provisioning_parameters.as_ref();
    let limits = params
        .and_then(|p| p.packages.as_ref())
        .and_then(|p| p.limits.as_ref())
        .map(|limits| {
            let mut out = BTreeMap::new();
            for (package, value) in limits {
                let field = Field::PackageLimit(package.clone());
                let whole = value.as_i64().or_else(|| {
                    value
                        .as_f64()
                        .filter(|f| f.fract() == 0.0 && f.abs() < 1e15)
                        .map(|f| f as i64)
                });
                match whole {
                    Some(n) => {
                        out.insert(package.clone(), n);
                    }
                    None => add(
                        errors,
                        field,
                        format!("A quantity must be a whole number, not {value}."),
                    ),
                }
            }
            out
        });
    let billing_start_date = body
        .billing_start_date
        .as_deref()
        .filter(|s| !s.trim().is_empty())
        .and_then(|raw| {
            let date = parse_date(raw);
            if date.is_none() {
                add(
                    errors,
                    Field::BillingStartDate,
                    format!("“{raw}” is not a date such as 2026-01-31."),
                );
            }
            date
        });
    Parameters {
        location: params
            .and_then(|p| p.calling.as_ref())
            .and_then(|c| c.location.clone()),
        meetings_timezone: params
            .and_then(|p| p.meetings.as_ref())
            .and_then(|m| m.timezone.clone()),
        limits,
        billing_start_date,
    }
}

/// The body of `POST /v1/wholesale/customers` (and of the precheck) as the service's
/// `NewCustomer`.
fn new_customer(body: CustomerBody) -> Result<NewCustomer, AppError> {
    let mut errors = FieldErrors::new();
    let attach_to = match &body.org_id {
        None | Some(serde_json::Value::Null) => None,
        Some(serde_json::Value::String(raw)) if raw.trim().is_empty() => None,
        Some(serde_json::Value::String(raw)) => match Uuid::parse_str(raw.trim()) {
            Ok(id) => Some(id),
            Err(_) => {
                add(
                    &mut errors,
                    "orgId",
                    format!("“{raw}” is not an organisation id."),
                );
                None
            }
        },
        Some(other) => {
            add(
                &mut errors,
                "orgId",
                format!("orgId must be an organisation id as a string, not {other}."),
            );
            None
        }
    };
    let p = parameters(&body, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let info = body.customer_info.unwrap_or_default();
    Ok(NewCustomer {
        provisioning_id: body.provisioning_id.unwrap_or_default(),
        packages: body.packages.unwrap_or_default(),
        external_id: body.external_id,
        address: body.address,
        name: info.name,
        primary_email: info.primary_email,
        language: info.language,
        location: p.location,
        meetings_timezone: p.meetings_timezone,
        limits: p.limits,
        billing_start_date: p.billing_start_date,
        attach_to,
    })
}

/// The body of `PUT /v1/wholesale/customers/{id}` as the service's `CustomerUpdate`.
fn customer_update(body: CustomerBody) -> Result<CustomerUpdate, AppError> {
    let mut errors = FieldErrors::new();
    let p = parameters(&body, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok(CustomerUpdate {
        external_id: body.external_id,
        packages: body.packages,
        address: body.address,
        location: p.location,
        meetings_timezone: p.meetings_timezone,
        limits: p.limits,
        billing_start_date: p.billing_start_date,
        confirmed_removals: None,
    })
}

// ── Responses ───────────────────────────────────────────────────────────────────────

/// The vendor's `Address`.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Address {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line1: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub address_line2: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub city: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub state_or_province: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zip_or_postal_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub country: Option<String>,
}

/// The vendor's `Package` (in `resourceDetails`).
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct PackageDetail {
    pub name: String,
    pub status: String,
    pub warnings: serde_json::Value,
    pub errors: serde_json::Value,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub license_ids: Option<Vec<String>>,
}

#[derive(Debug, Serialize)]
pub struct ResourceDetails {
    pub packages: Vec<PackageDetail>,
}

/// The vendor's `Customer`. `id` and `orgId` are both the org's id; `orgId` appears
/// once the customer has been provisioned.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Customer {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub org_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_id: Option<String>,
    pub address: Address,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    pub packages: Vec<String>,
    pub resource_details: ResourceDetails,
    pub errors: serde_json::Value,
}

/// A JSON array, whatever the column holds.
fn array(v: serde_json::Value) -> serde_json::Value {
    if v.is_array() {
        v
    } else {
        serde_json::json!([])
    }
}

impl Customer {
    fn from_rows(c: ApiCustomerRow, packages: Vec<ApiPackageRow>) -> Customer {
        Customer {
            id: c.id.to_string(),
            org_id: c.provisioned_at.map(|_| c.id.to_string()),
            external_id: c.external_id,
            address: Address {
                address_line1: c.address_line1,
                address_line2: c.address_line2,
                city: c.city,
                state_or_province: c.state_or_province,
                zip_or_postal_code: c.zip_or_postal_code,
                country: c.country.map(|s| s.trim().to_string()),
            },
            status: c.status,
            packages: packages.iter().map(|p| p.package.clone()).collect(),
            resource_details: ResourceDetails {
                packages: packages
                    .into_iter()
                    .map(|p| PackageDetail {
                        name: p.package,
                        status: p.status,
                        warnings: array(p.warnings),
                        errors: array(p.errors),
                        license_ids: p.license_ids,
                    })
                    .collect(),
            },
            errors: array(c.errors),
        }
    }
}

/// Codes of this installation for an attach waiting for consent, or declined (the
/// vendor's document defines none).
pub const CONSENT_PENDING_CODE: u32 = 10310;
pub const CONSENT_DECLINED_CODE: u32 = 10311;

/// An org whose admin has not consented to the attach: `provisioning` with a warning on
/// every package while the request waits, `error` once it was declined.
fn awaiting_consent(c: store::consents::PartnerView) -> Customer {
    let asked = attach::requested(&c.request);
    let (status, problem) = if c.status == "pending" {
        (
            "provisioning",
            serde_json::json!({
                "errorCode": CONSENT_PENDING_CODE,
                "description": format!(
                    "Waiting for the organisation's administrator to consent to the attach (requested {}).",
                    c.created_at.format(&Rfc3339).unwrap_or_default()
                ),
            }),
        )
    } else {
        (
            "error",
            serde_json::json!({
                "errorCode": CONSENT_DECLINED_CODE,
                "description": format!(
                    "The organisation's administrator declined the request to attach wholesale services ({}).",
                    c.decided_at.and_then(|d| d.format(&Rfc3339).ok()).unwrap_or_default()
                ),
            }),
        )
    };
    let pending = status == "provisioning";
    let packages = asked
        .as_ref()
        .map(|a| a.packages.clone())
        .unwrap_or_default();
    let address = asked
        .as_ref()
        .map(|a| a.address.clone())
        .unwrap_or_default();
    Customer {
        id: c.org_id.to_string(),
        org_id: None,
        external_id: asked.and_then(|a| a.external_id),
        address: Address {
            address_line1: Some(address.address_line1),
            address_line2: address.address_line2,
            city: Some(address.city),
            state_or_province: address.state_or_province,
            zip_or_postal_code: address.zip_or_postal_code,
            country: Some(address.country),
        },
        status: Some(status.into()),
        resource_details: ResourceDetails {
            packages: packages
                .iter()
                .map(|p| PackageDetail {
                    name: p.clone(),
                    status: status.into(),
                    warnings: if pending {
                        serde_json::json!([problem])
                    } else {
                        serde_json::json!([])
                    },
                    errors: if pending {
                        serde_json::json!([])
                    } else {
                        serde_json::json!([problem])
                    },
                    license_ids: None,
                })
                .collect(),
        },
        packages,
        errors: if pending {
            serde_json::json!([])
        } else {
            serde_json::json!([problem])
        },
    }
}

/// Customers with their packages, read in one more query.
async fn with_packages(
    state: &AppState,
    rows: Vec<ApiCustomerRow>,
    license_ids: bool,
) -> Result<Vec<Customer>, ApiError> {
    let ids: Vec<Uuid> = rows.iter().map(|r| r.id).collect();
    let mut by_org: HashMap<Uuid, Vec<ApiPackageRow>> = HashMap::new();
    for p in store::customers::api_packages(&state.db, &ids, license_ids).await? {
        by_org.entry(p.org_id).or_default().push(p);
    }
    Ok(rows
        .into_iter()
        .map(|r| {
            let packages = by_org.remove(&r.id).unwrap_or_default();
            Customer::from_rows(r, packages)
        })
        .collect())
}

fn customer_url(state: &AppState, id: Uuid) -> String {
    format!("{}{LIST}/{id}", state.config.public_url)
}

/// 202 with `Location` and the vendor's `ResourceURL` body.
fn accepted(url: String) -> Response {
    let mut response = (
        StatusCode::ACCEPTED,
        Json(serde_json::json!({ "url": url })),
    )
        .into_response();
    if let Ok(v) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// A customer id from the path; anything but a UUID names no customer of the caller's.
fn customer_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw.trim()).map_err(|_| ApiError(AppError::NotFound))
}

fn flag(uri: &Uri, name: &str) -> bool {
    query_param(uri, name).is_some_and(|v| v.eq_ignore_ascii_case("true"))
}

// ── Handlers ────────────────────────────────────────────────────────────────────────

/// `GET /v1/wholesale/customers`: filters `externalId`, `orgId`, `status` (a list,
/// comma-separated and/or repeated), paged with `offset`/`max` (default and cap 100).
pub async fn list(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    req: ListRequest<DEFAULT_MAX, MAX_CAP>,
) -> Result<Response, ApiError> {
    scope.require(PartnerAction::View)?;
    let paging = req.paging()?;
    let mut errors = FieldErrors::new();
    let statuses = req.list_param("status");
    for s in &statuses {
        if !STATUSES.contains(&s.as_str()) {
            add(
                &mut errors,
                "status",
                format!(
                    "“{s}” is not a customer status; use {}.",
                    STATUSES.join(", ")
                ),
            );
        }
    }
    let org_id = match req.param("orgId") {
        None => None,
        Some(raw) => match Uuid::parse_str(&raw) {
            Ok(id) => Some(id),
            Err(_) => {
                add(
                    &mut errors,
                    "orgId",
                    format!("“{raw}” is not an organisation id."),
                );
                None
            }
        },
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).into());
    }
    let external_id = req.param("externalId");
    let rows = store::customers::api_page(
        &state.db,
        scope.org_id(),
        &ApiCustomerFilter {
            external_id: external_id.as_deref(),
            org_id,
            statuses: &statuses,
            offset: paging.offset,
            limit: paging.fetch_limit(),
        },
    )
    .await?;
    let page = req.page(paging, rows, &state.config.public_url);
    let next = page.next.clone();
    let customers = with_packages(&state, page.items, false).await?;
    Ok(super::paging::Paged {
        items: customers,
        next,
    }
    .into_response())
}

/// `GET /v1/wholesale/customers/{id}`; `includePackageLicenseInfo=true` adds the licence
/// ids of each package.
pub async fn get_one(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
    OriginalUri(uri): OriginalUri,
) -> Result<Json<Customer>, ApiError> {
    scope.require(PartnerAction::View)?;
    let id = customer_id(&id)?;
    let Some(row) = store::customers::api_one(&state.db, scope.org_id(), id).await? else {
        // An existing org this partner asked to attach, while its admin has not
        // consented (or after they declined), answers as the customer it may become.
        return match store::consents::latest_unattached(&state.db, scope.org_id(), id).await? {
            Some(request) => Ok(Json(awaiting_consent(request))),
            None => Err(AppError::NotFound.into()),
        };
    };
    let mut customers =
        with_packages(&state, vec![row], flag(&uri, "includePackageLicenseInfo")).await?;
    customers
        .pop()
        .map(Json)
        .ok_or_else(|| AppError::NotFound.into())
}

/// `POST /v1/wholesale/customers`: provisions a new customer; 202 + `Location`.
pub async fn create(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    info: ReqInfo,
    body: ApiBody,
) -> Result<Response, ApiError> {
    // The role first: a refused caller learns nothing about its body.
    scope.require(PartnerAction::ManageCustomers)?;
    // A duplicate external id is the service's refusal, answered 409 (`api::error`).
    let req = new_customer(parse_body(&body)?)?;
    // With `orgId`, wholesale is attached to that existing org (SPEC §4.5): 202 either
    // way, with the org as the customer — provisioning, or waiting for its admin's
    // consent (which `GET` shows).
    let id = if req.attach_to.is_some() {
        attach::attach(&state, &scope, &req, &info.ctx()).await?.0
    } else {
        create::create(&state, &scope, &req, &info.ctx()).await?
    };
    Ok(accepted(customer_url(&state, id)))
}

/// `PUT /v1/wholesale/customers/{id}`: the package list sent is complete; 202 +
/// `Location`.
pub async fn update(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
    info: ReqInfo,
    body: ApiBody,
) -> Result<Response, ApiError> {
    // The role first (whatever the id, so nothing leaks): a refused caller learns
    // nothing about its body either.
    scope.require(PartnerAction::ManageCustomers)?;
    let id = customer_id(&id)?;
    // Someone else's customer is 404 whatever the body says.
    store::customers::api_one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    let req = customer_update(parse_body(&body)?)?;
    change::update(&state, &scope, id, req, &info.ctx()).await?;
    Ok(accepted(customer_url(&state, id)))
}

/// `DELETE /v1/wholesale/customers/{id}`: 202, then `deleting` until it is gone.
pub async fn delete(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
    info: ReqInfo,
) -> Result<StatusCode, ApiError> {
    scope.require(PartnerAction::RemoveCustomers)?;
    let id = customer_id(&id)?;
    remove::delete_or_withdraw(&state, &scope, id, &info.ctx()).await?;
    Ok(StatusCode::ACCEPTED)
}

/// The vendor's precheck success (`CustomerProvisioningPrecheckResponse`).
pub const PRECHECK_OK_CODE: u32 = 100;
pub const PRECHECK_OK: &str = "Provisioning preCheck validation successful.";

/// `POST /v1/wholesale/customers/validate`: the pre-provisioning check; changes nothing.
pub async fn validate(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    body: ApiBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    precheck::precheck_allowed(&scope)?;
    let req = new_customer(parse_body(&body)?)?;
    precheck::precheck(&state, &scope, &req).await?;
    Ok(Json(serde_json::json!({
        "message": "success",
        "info": [{ "infoCode": PRECHECK_OK_CODE, "description": PRECHECK_OK }],
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> CustomerBody {
        parse_body(&ApiBody::for_test(
            Some("application/json"),
            json.to_string(),
        ))
        .unwrap()
    }

    #[test]
    fn the_vendors_body_maps_onto_a_new_customer() {
        let req = new_customer(body(
            r#"{"provisioningId": "p1", "packages": ["webex_calling"], "externalId": "e1",
                "address": {"addressLine1": "1 Main St", "city": "Austin", "country": "US"},
                "customerInfo": {"name": "Acme", "primaryEmail": "a@acme.example", "language": "en"},
                "provisioningParameters": {
                    "calling": {"location": {"name": "HQ", "address": {"addressLine1": "1 Main St", "city": "Austin", "country": "US"},
                                             "timezone": "America/Chicago", "language": "en_US"}},
                    "meetings": {"timezone": "America/Chicago"},
                    "packages": {"limits": {"webex_calling": 50.0}}},
                "billingStartDate": "2026-02-01", "somethingNew": true}"#,
        ))
        .unwrap();
        assert_eq!(req.provisioning_id, "p1");
        assert_eq!(req.packages, ["webex_calling"]);
        assert_eq!(req.external_id.as_deref(), Some("e1"));
        assert_eq!(req.address.unwrap().city, "Austin");
        assert_eq!(req.name.as_deref(), Some("Acme"));
        assert_eq!(req.primary_email.as_deref(), Some("a@acme.example"));
        assert_eq!(req.language.as_deref(), Some("en"));
        assert_eq!(req.location.unwrap().timezone, "America/Chicago");
        assert_eq!(req.meetings_timezone.as_deref(), Some("America/Chicago"));
        assert_eq!(req.limits.unwrap()["webex_calling"], 50);
        assert_eq!(
            req.billing_start_date,
            Some(time::macros::date!(2026 - 02 - 01))
        );
    }

    #[test]
    fn without_limits_quantities_stay_off() {
        let req = new_customer(body(r#"{"packages": ["webex_meetings"]}"#)).unwrap();
        assert!(req.limits.is_none());
    }

    #[test]
    fn bad_bodies_and_values_are_refused_naming_the_field() {
        for raw in ["", "  ", "{", "[1]", r#"{"packages": "webex_calling"}"#] {
            let Err(AppError::Validation(e)) = parse_body(&ApiBody::for_test(
                Some("application/json"),
                raw.to_string(),
            )) else {
                panic!("{raw:?} accepted");
            };
            assert!(e.has(&"body".into()), "{raw:?}");
        }
        let Err(AppError::Validation(e)) = new_customer(body(
            r#"{"orgId": "x", "billingStartDate": "soon",
                "provisioningParameters": {"packages": {"limits": {"webex_calling": 1.5}}}}"#,
        )) else {
            panic!("accepted");
        };
        assert!(e.has(&"orgId".into()));
        assert!(e.has(&Field::BillingStartDate));
        assert!(e.has(&Field::PackageLimit("webex_calling".into())));
    }

    #[test]
    fn dates_come_as_days_or_date_times() {
        let d = time::macros::date!(2026 - 03 - 04);
        assert_eq!(parse_date("2026-03-04"), Some(d));
        assert_eq!(parse_date("2026-03-04T00:00:00.000Z"), Some(d));
        assert_eq!(parse_date("04/03/2026"), None);
    }
}
