//! `/v1/wholesale/subscribers` (SPEC §9.2, §9.3) in the vendor's shapes: provision
//! (`POST`, 200 + `Location` + the subscriber), list, get, update (`PUT`, 200), remove
//! (`DELETE`, 204) and the precheck (`POST .../validate`). The body is read here and
//! handed to `services::subscribers`, which holds every rule.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, Method, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::put;
use serde::{Deserialize, Serialize};
use time::OffsetDateTime;
use time::format_description::well_known::Iso8601;
use uuid::Uuid;

use super::ApiError;
use super::body::ApiBody;
use super::paging::ListRequest;
use crate::api::auth::ApiPartnerScope;
use crate::domain::fields::{Field, add};
use crate::error::{AppError, FieldErrors};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::services::subscribers::{self, Asker, NewUser, UserChange};
use crate::state::AppState;
use crate::store;
use crate::store::subscribers::{ApiOrder, ApiSubscriberFilter, ApiSubscriberRow};
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

pub const LIST: &str = "/v1/wholesale/subscribers";
pub const ONE: &str = "/v1/wholesale/subscribers/{id}";
pub const VALIDATE: &str = "/v1/wholesale/subscribers/validate";
const DEFAULT_MAX: i64 = 50;
const MAX_CAP: i64 = 100;
/// The statuses a subscriber can have here.
pub const STATUSES: [&str; 6] = [
    "provisioning",
    "provisioned",
    "updating",
    "deleting",
    "error",
    "suspended",
];

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    let mut t = t
        .get(LIST, list)
        .post(LIST, create)
        .post(VALIDATE, validate)
        .get(ONE, get_one);
    t.entries.push((Method::PUT, ONE));
    t.entries.push((Method::DELETE, ONE));
    t.router = t.router.route(ONE, put(update).delete(delete));
    t
}

// ── Request bodies (the vendor's, camelCase; unknown fields are ignored) ─────────────

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct SubscriberBody {
    customer_id: Option<String>,
    email: Option<String>,
    /// Deprecated by the vendor in favour of `packages`; either, never both.
    package: Option<String>,
    packages: Option<Vec<String>>,
    provisioning_parameters: Option<ParametersBody>,
}

#[derive(Debug, Default, Deserialize)]
#[serde(rename_all = "camelCase")]
struct ParametersBody {
    first_name: Option<String>,
    last_name: Option<String>,
    primary_phone_number: Option<String>,
    extension: Option<String>,
    location_id: Option<String>,
}

fn text(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// The one package of `package` / `packages`: exactly one, from one of them.
fn one_package(body: &SubscriberBody, required: bool, errors: &mut FieldErrors) -> Option<String> {
    match (&body.package, &body.packages) {
        (Some(_), Some(_)) => {
            add(
                errors,
                "packages",
                "Send either package or packages, not both (package is deprecated).",
            );
            None
        }
        (Some(p), None) => text(&Some(p.clone())).or_else(|| {
            add(errors, "package", "The package is empty.");
            None
        }),
        (None, Some(list)) => match list.as_slice() {
            [one] => text(&Some(one.clone())).or_else(|| {
                add(errors, "packages", "The package is empty.");
                None
            }),
            [] if !required => None,
            _ => {
                add(
                    errors,
                    "packages",
                    format!(
                        "A subscriber holds exactly one package; {} were sent.",
                        list.len()
                    ),
                );
                None
            }
        },
        (None, None) => {
            if required {
                add(
                    errors,
                    "packages",
                    "Send the subscriber's package (packages).",
                );
            }
            None
        }
    }
}

fn location_id(p: &ParametersBody, errors: &mut FieldErrors) -> Option<Uuid> {
    let raw = text(&p.location_id)?;
    match Uuid::parse_str(&raw) {
        Ok(id) => Some(id),
        Err(_) => {
            add(
                errors,
                "locationId",
                format!("“{raw}” is not a location id of this customer."),
            );
            None
        }
    }
}

/// The body of a provisioning request (and of the precheck) as the service's `NewUser`,
/// with its customer id.
fn new_user(
    body: &SubscriberBody,
    package_required: bool,
) -> Result<(Option<Uuid>, NewUser), AppError> {
    let mut errors = FieldErrors::new();
    let params = body.provisioning_parameters.as_ref();
    let default = ParametersBody::default();
    let p = params.unwrap_or(&default);
    let customer = match text(&body.customer_id) {
        None => None,
        Some(raw) => match Uuid::parse_str(&raw) {
            Ok(id) => Some(id),
            // Not an id of any customer, so of none of the caller's.
            Err(_) => return Err(AppError::NotFound),
        },
    };
    let package = one_package(body, package_required, &mut errors);
    let location_id = location_id(p, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    Ok((
        customer,
        NewUser {
            email: text(&body.email),
            first_name: text(&p.first_name),
            last_name: text(&p.last_name),
            package,
            primary_phone_number: text(&p.primary_phone_number),
            extension: text(&p.extension),
            location_id,
        },
    ))
}

// ── Responses ───────────────────────────────────────────────────────────────────────

/// The vendor's `Subscriber`. `personId` appears once the subscriber is provisioned.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Subscriber {
    pub id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub person_id: Option<String>,
    pub email: String,
    pub customer_id: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub external_customer_id: Option<String>,
    pub package: String,
    pub packages: Vec<String>,
    pub status: String,
    pub errors: serde_json::Value,
    pub created: String,
    pub last_status_change: String,
}

impl From<ApiSubscriberRow> for Subscriber {
    fn from(r: ApiSubscriberRow) -> Self {
        Subscriber {
            id: r.id.to_string(),
            person_id: (r.status == "provisioned").then(|| r.person_id.to_string()),
            email: r.email,
            customer_id: r.customer_org_id.to_string(),
            external_customer_id: r.external_customer_id,
            packages: vec![r.package.clone()],
            package: r.package,
            status: r.status,
            errors: if r.errors.is_array() {
                r.errors
            } else {
                serde_json::json!([])
            },
            created: super::timestamp(r.created_at),
            last_status_change: super::timestamp(r.last_status_change),
        }
    }
}

fn subscriber_url(state: &AppState, id: Uuid) -> String {
    format!("{}{LIST}/{id}", state.config.public_url)
}

/// 200 with `Location` and the subscriber.
fn with_location(state: &AppState, row: ApiSubscriberRow) -> Response {
    let url = subscriber_url(state, row.id);
    let mut response = (StatusCode::OK, Json(Subscriber::from(row))).into_response();
    if let Ok(v) = HeaderValue::from_str(&url) {
        response.headers_mut().insert(header::LOCATION, v);
    }
    response
}

/// An id from the path; anything but a UUID names none of the caller's.
fn path_id(raw: &str) -> Result<Uuid, ApiError> {
    Uuid::parse_str(raw.trim()).map_err(|_| ApiError(AppError::NotFound))
}

/// The customer named, if it is one of the (sub-)partner's: otherwise 404, whatever it is.
async fn own_customer(state: &AppState, scope: &PartnerScope, id: Uuid) -> Result<(), ApiError> {
    store::customers::api_one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    Ok(())
}

/// The subscriber, if it is a user of one of the (sub-)partner's customers.
async fn own_subscriber(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
) -> Result<ApiSubscriberRow, ApiError> {
    Ok(store::subscribers::api_one(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?)
}

/// `after` / `lastStatusChange`: epoch milliseconds (preferred by the vendor) or ISO 8601.
fn instant(raw: &str) -> Option<OffsetDateTime> {
    let raw = raw.trim();
    if let Ok(ms) = raw.parse::<i64>() {
        return OffsetDateTime::from_unix_timestamp_nanos(i128::from(ms) * 1_000_000).ok();
    }
    OffsetDateTime::parse(raw, &Iso8601::DEFAULT).ok()
}

// ── Handlers ────────────────────────────────────────────────────────────────────────

/// `GET /v1/wholesale/subscribers` with every filter of SPEC §9.2.
pub async fn list(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    req: ListRequest<DEFAULT_MAX, MAX_CAP>,
) -> Result<Response, ApiError> {
    scope.require(PartnerAction::View)?;
    let paging = req.paging()?;
    let mut errors = FieldErrors::new();
    let id_param = |name: &str, errors: &mut FieldErrors| {
        req.param(name)
            .and_then(|raw| match Uuid::parse_str(raw.trim()) {
                Ok(id) => Some(id),
                Err(_) => {
                    add(errors, name, format!("“{raw}” is not an id."));
                    None
                }
            })
    };
    let customer_id = id_param("customerId", &mut errors);
    let person_id = id_param("personId", &mut errors);
    let status = req.param("status");
    if let Some(s) = &status
        && !STATUSES.contains(&s.as_str())
    {
        add(
            &mut errors,
            "status",
            format!(
                "“{s}” is not a subscriber status; use {}.",
                STATUSES.join(", ")
            ),
        );
    }
    let time_param = |name: &str, errors: &mut FieldErrors| {
        req.param(name).and_then(|raw| {
            let t = instant(&raw);
            if t.is_none() {
                add(
                    errors,
                    name,
                    format!("“{raw}” is not a time: use epoch milliseconds or ISO 8601."),
                );
            }
            t
        })
    };
    let created_after = time_param("after", &mut errors);
    let status_changed_after = time_param("lastStatusChange", &mut errors);
    let order = match req.param("sortBy").as_deref() {
        None | Some("created") => ApiOrder::Created,
        Some("lastStatusChange") => ApiOrder::LastStatusChange,
        Some(other) => {
            add(
                &mut errors,
                "sortBy",
                format!("“{other}” cannot be sorted by; use created or lastStatusChange."),
            );
            ApiOrder::Created
        }
    };
    let descending = match req.param("sortOrder") {
        None => false,
        Some(o) if o.eq_ignore_ascii_case("asc") => false,
        Some(o) if o.eq_ignore_ascii_case("desc") => true,
        Some(other) => {
            add(
                &mut errors,
                "sortOrder",
                format!("“{other}” is not an order; use ASC or DESC."),
            );
            false
        }
    };
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).into());
    }
    let external = req.param("externalCustomerId");
    let email = req.param("email");
    let rows = store::subscribers::api_page(
        &state.db,
        scope.org_id(),
        &ApiSubscriberFilter {
            customer_id,
            person_id,
            external_customer_id: external.as_deref(),
            email: email.as_deref(),
            status: status.as_deref(),
            created_after,
            status_changed_after,
            order,
            descending,
            offset: paging.offset,
            limit: paging.fetch_limit(),
        },
    )
    .await?;
    Ok(req
        .page(paging, rows, &state.config.public_url)
        .map(Subscriber::from)
        .into_response())
}

/// `GET /v1/wholesale/subscribers/{id}`.
pub async fn get_one(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
) -> Result<Response, ApiError> {
    scope.require(PartnerAction::View)?;
    let row = own_subscriber(&state, &scope, path_id(&id)?).await?;
    Ok(with_location(&state, row))
}

/// `POST /v1/wholesale/subscribers`: provisions a user at once; 200 + `Location`.
pub async fn create(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    info: ReqInfo,
    body: ApiBody,
) -> Result<Response, ApiError> {
    scope.require(PartnerAction::ManageCustomers)?;
    let body: SubscriberBody = body.json("subscriber")?;
    let (customer, user) = new_user(&body, true)?;
    let Some(customer) = customer else {
        return Err(AppError::field(
            Field::Other("customerId".into()),
            "Send the customer's id (customerId).",
        )
        .into());
    };
    own_customer(&state, &scope, customer).await?;
    let ctx = info.ctx();
    let asker = Asker::of(&scope.actor, scope.org.id, &ctx);
    let id = subscribers::add(&state, customer, &user, &asker).await?;
    let row = own_subscriber(&state, &scope, id).await?;
    Ok(with_location(&state, row))
}

/// `PUT /v1/wholesale/subscribers/{id}`: a new package, numbers or location; 200.
pub async fn update(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
    info: ReqInfo,
    body: ApiBody,
) -> Result<Response, ApiError> {
    scope.require(PartnerAction::ManageCustomers)?;
    let held = own_subscriber(&state, &scope, path_id(&id)?).await?;
    let body: SubscriberBody = body.json("subscriber")?;
    let mut errors = FieldErrors::new();
    let package = one_package(&body, false, &mut errors);
    let default = ParametersBody::default();
    let p = body.provisioning_parameters.as_ref().unwrap_or(&default);
    let location_id = location_id(p, &mut errors);
    if !errors.is_empty() {
        return Err(AppError::Validation(errors).into());
    }
    let ctx = info.ctx();
    let asker = Asker::of(&scope.actor, scope.org.id, &ctx);
    subscribers::change(
        &state,
        held.customer_org_id,
        held.id,
        &UserChange {
            package,
            primary_phone_number: text(&p.primary_phone_number),
            extension: text(&p.extension),
            location_id,
        },
        &asker,
    )
    .await?;
    let row = own_subscriber(&state, &scope, held.id).await?;
    Ok(with_location(&state, row))
}

/// `DELETE /v1/wholesale/subscribers/{id}`: 204; the licence ends now.
pub async fn delete(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    Path(id): Path<String>,
    info: ReqInfo,
) -> Result<StatusCode, ApiError> {
    scope.require(PartnerAction::ManageCustomers)?;
    let held = own_subscriber(&state, &scope, path_id(&id)?).await?;
    let ctx = info.ctx();
    let asker = Asker::of(&scope.actor, scope.org.id, &ctx);
    subscribers::remove(&state, held.customer_org_id, held.id, &asker).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// `POST /v1/wholesale/subscribers/validate`: the precheck; changes nothing. Partner
/// full admin only (SPEC §1).
pub async fn validate(
    State(state): State<AppState>,
    ApiPartnerScope(scope): ApiPartnerScope,
    body: ApiBody,
) -> Result<Json<serde_json::Value>, ApiError> {
    scope.require(PartnerAction::Precheck)?;
    let body: SubscriberBody = body.json("subscriber")?;
    let (customer, user) = new_user(&body, false)?;
    if let Some(c) = customer {
        own_customer(&state, &scope, c).await?;
    }
    subscribers::precheck(&state, customer, &user).await?;
    Ok(Json(serde_json::json!({
        "message": "success",
        "info": [{
            "infoCode": super::customers::PRECHECK_OK_CODE,
            "description": super::customers::PRECHECK_OK,
        }],
    })))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn body(json: &str) -> SubscriberBody {
        ApiBody::for_test(Some("application/json"), json.to_string())
            .json("subscriber")
            .unwrap()
    }

    #[test]
    fn package_or_packages_exactly_one() {
        let mut e = FieldErrors::new();
        assert_eq!(
            one_package(&body(r#"{"package": "webex_calling"}"#), true, &mut e).as_deref(),
            Some("webex_calling")
        );
        assert_eq!(
            one_package(&body(r#"{"packages": ["webex_suite"]}"#), true, &mut e).as_deref(),
            Some("webex_suite")
        );
        assert!(e.is_empty());
        for bad in [
            r#"{"package": "webex_calling", "packages": ["webex_calling"]}"#,
            r#"{"packages": ["webex_calling", "webex_meetings"]}"#,
            r#"{"packages": []}"#,
            r#"{}"#,
        ] {
            let mut e = FieldErrors::new();
            assert_eq!(one_package(&body(bad), true, &mut e), None, "{bad}");
            assert_eq!(e.len(), 1, "{bad}");
        }
        let mut e = FieldErrors::new();
        assert_eq!(one_package(&body("{}"), false, &mut e), None);
        assert!(e.is_empty());
    }

    #[test]
    fn times_are_epoch_milliseconds_or_iso_8601() {
        assert_eq!(
            instant("1700000000000").map(|t| t.unix_timestamp()),
            Some(1_700_000_000)
        );
        assert_eq!(
            instant("2026-11-26T10:00:00.000Z").map(|t| t.unix_timestamp()),
            Some(1_795_687_200)
        );
        assert_eq!(instant("yesterday"), None);
    }

    #[test]
    fn the_vendors_body_maps_onto_a_new_user() {
        let id = Uuid::new_v4();
        let (customer, user) = new_user(
            &body(&format!(
                r#"{{"customerId": "{id}", "email": " john@acme.example ", "packages": ["webex_calling"],
                    "provisioningParameters": {{"firstName": "John", "lastName": "Andersen",
                    "primaryPhoneNumber": "+12405551212", "extension": "51212"}}}}"#
            )),
            true,
        )
        .unwrap();
        assert_eq!(customer, Some(id));
        assert_eq!(user.email.as_deref(), Some("john@acme.example"));
        assert_eq!(user.first_name.as_deref(), Some("John"));
        assert_eq!(user.package.as_deref(), Some("webex_calling"));
        assert_eq!(user.extension.as_deref(), Some("51212"));
        assert!(matches!(
            new_user(&body(r#"{"customerId": "nope"}"#), true),
            Err(AppError::NotFound)
        ));
    }
}
