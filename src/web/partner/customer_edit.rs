//! Changing and removing a customer (SPEC §4.4): external id, the complete package list,
//! quantities, billing address and billing start date; removal keeps the org record.
//! The rules are `services::customer`'s (`change`, `remove`), shared with `PUT`/`DELETE` of the API.

use std::collections::{BTreeMap, BTreeSet};

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use uuid::Uuid;

use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::countries;
use crate::domain::fields::Field;
use crate::domain::packages::Package;
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::customer::{AddressInput, CustomerUpdate, attach, change, remove};
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::{FormErrors, form_field};
use crate::web::forms::{Choice, optional as opt};
use crate::web::views::{PageCtx, Trail};

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::CUSTOMER_EDIT, page)
        .post(paths::CUSTOMER_EDIT, submit)
        .post(paths::CUSTOMER_DELETE, delete)
}

/// The form as typed.
#[derive(Default)]
pub struct EditForm {
    external_id: String,
    packages: Vec<String>,
    quantities: BTreeMap<String, String>,
    line1: String,
    line2: String,
    city: String,
    state: String,
    zip: String,
    country: String,
    billing_start_date: String,
    /// The packages whose removal was confirmed (`confirm_remove`).
    confirmed_removals: BTreeSet<String>,
}

/// A row of the package table: the choice, and what the customer holds of it now.
pub struct EditPackage {
    id: &'static str,
    name: &'static str,
    add_on: bool,
    checked: bool,
    quantity: String,
    takes_quantity: bool,
    /// The customer holds it now (unticking it removes it).
    held: bool,
    /// Users and workspaces it is assigned to: a quantity may not go below it.
    assigned: i64,
}

/// A package the form leaves out that the customer holds: removed once confirmed.
pub struct Removal {
    id: &'static str,
    name: &'static str,
    confirmed: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/edit.html")]
pub struct EditPage {
    page: PageCtx,
    id: Uuid,
    name: String,
    f: EditForm,
    quantity_enabled: bool,
    packages: Vec<EditPackage>,
    /// Held packages the form as sent leaves out.
    removals: Vec<Removal>,
    countries: Vec<Choice>,
    errors: FormErrors,
}

impl EditPage {
    fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
    fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

/// The form field a service error belongs to: the page's own controls, else the form
/// as a whole (the edit page has no location or quantities-as-a-whole controls).
fn field_for(field: &Field) -> String {
    match field {
        Field::ExternalId
        | Field::Packages
        | Field::PackageRemoval
        | Field::Address(_)
        | Field::BillingStartDate
        | Field::PackageLimit(_) => form_field(field),
        _ => "form".into(),
    }
}

async fn render(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    id: Uuid,
    form: Option<EditForm>,
    errors: FormErrors,
) -> AppResult<EditPage> {
    let c = store::customers::detail(&state.db, scope.org_id(), id)
        .await?
        .ok_or(AppError::NotFound)?;
    scope.require(PartnerAction::ManageCustomers)?;
    let current = store::customers::packages(&state.db, c.customer_org()).await?;
    let f = form.unwrap_or_else(|| EditForm {
        external_id: c.external_id.clone().unwrap_or_default(),
        packages: current.iter().map(|p| p.package.clone()).collect(),
        quantities: current
            .iter()
            .filter_map(|p| p.quantity.map(|q| (p.package.clone(), q.to_string())))
            .collect(),
        line1: c.address_line1.clone().unwrap_or_default(),
        line2: c.address_line2.clone().unwrap_or_default(),
        city: c.city.clone().unwrap_or_default(),
        state: c.state_or_province.clone().unwrap_or_default(),
        zip: c.zip_or_postal_code.clone().unwrap_or_default(),
        country: c.country.clone().unwrap_or_default(),
        billing_start_date: String::new(),
        confirmed_removals: BTreeSet::new(),
    });
    let held = |p: Package| current.iter().find(|c| c.package == p.id());
    let packages = Package::ALL
        .into_iter()
        .map(|p| EditPackage {
            id: p.id(),
            name: p.name(),
            add_on: p.is_add_on(),
            checked: f.packages.iter().any(|x| x == p.id()),
            quantity: f.quantities.get(p.id()).cloned().unwrap_or_default(),
            takes_quantity: p != Package::CiscoCallingPlan,
            held: held(p).is_some(),
            assigned: held(p).map(|c| c.assigned).unwrap_or_default(),
        })
        .collect::<Vec<_>>();
    let removals = packages
        .iter()
        .filter(|p| p.held && !p.checked)
        .map(|p| Removal {
            id: p.id,
            name: p.name,
            confirmed: f.confirmed_removals.contains(p.id),
        })
        .collect();
    let countries = countries::COUNTRIES
        .iter()
        .map(|(code, name)| Choice {
            value: code.to_string(),
            label: name.to_string(),
            selected: *code == f.country,
        })
        .collect();
    let title = format!("Edit {}", c.name);
    Ok(EditPage {
        page: PageCtx::partner(scope, &session, "customers", &title)
            .await?
            .at(Trail::customer(id, &c.name), "Edit"),
        id,
        name: c.name,
        quantity_enabled: c.package_quantity_enabled,
        f,
        packages,
        removals,
        countries,
        errors,
    })
}

/// An org wholesale was attached to is provisioned through the API only: its edit page
/// and form answer with the service's reason, back on the customer's page.
async fn attached_refusal(
    state: &AppState,
    scope: &PartnerScope,
    session: &AuthSession,
    id: Uuid,
) -> AppResult<Option<Response>> {
    let Some(reason) = attach::refused_on_pages(state, scope, id).await? else {
        return Ok(None);
    };
    session.flash(reason).await?;
    Ok(Some(Redirect::to(&paths::customer(id)).into_response()))
}

pub async fn page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Path(id): Path<Uuid>,
) -> AppResult<Response> {
    scope.require(PartnerAction::ManageCustomers)?;
    if let Some(refused) = attached_refusal(&state, &scope, &session, id).await? {
        return Ok(refused);
    }
    Ok(render(&state, &scope, session, id, None, FormErrors::new())
        .await?
        .into_response())
}

pub async fn submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    scope.require(PartnerAction::ManageCustomers)?;
    if let Some(refused) = attached_refusal(&state, &scope, &session, id).await? {
        return Ok(refused);
    }
    // Repeated `package` fields: read the pairs.
    let pairs: Vec<(String, String)> = crate::web::forms::parse(&body)?;
    let value = |k: &str| {
        pairs
            .iter()
            .find(|(key, _)| key == k)
            .map(|(_, v)| v.clone())
            .unwrap_or_default()
    };
    let form = EditForm {
        external_id: value("external_id"),
        packages: pairs
            .iter()
            .filter(|(k, _)| k == "package")
            .map(|(_, v)| v.clone())
            .collect(),
        quantities: pairs
            .iter()
            .filter_map(|(k, v)| {
                k.strip_prefix("quantity_")
                    .map(|p| (p.to_string(), v.clone()))
            })
            .collect(),
        line1: value("line1"),
        line2: value("line2"),
        city: value("city"),
        state: value("state"),
        zip: value("zip"),
        country: value("country").trim().to_uppercase(),
        billing_start_date: value("billing_start_date"),
        confirmed_removals: pairs
            .iter()
            .filter(|(k, _)| k == "confirm_remove")
            .map(|(_, v)| v.clone())
            .collect(),
    };
    let mut errors = FormErrors::new();
    let mut limits = BTreeMap::new();
    for p in &form.packages {
        if let Some(raw) = form
            .quantities
            .get(p)
            .map(|s| s.trim())
            .filter(|s| !s.is_empty())
        {
            match raw.parse::<i64>() {
                Ok(n) => {
                    limits.insert(p.clone(), n);
                }
                Err(_) => {
                    errors
                        .entry(format!("quantity_{p}"))
                        .or_default()
                        .push("Enter a whole number.".into());
                }
            }
        }
    }
    let billing_start_date = match opt(&form.billing_start_date) {
        None => None,
        Some(d) => match time::Date::parse(
            &d,
            time::macros::format_description!("[year]-[month]-[day]"),
        ) {
            Ok(d) => Some(d),
            Err(_) => {
                errors
                    .entry("billing_start_date".into())
                    .or_default()
                    .push("Enter a date such as 2026-12-01.".into());
                None
            }
        },
    };
    if errors.is_empty() {
        let update = CustomerUpdate {
            external_id: Some(form.external_id.trim().to_string()),
            packages: Some(form.packages.clone()),
            address: Some(AddressInput {
                address_line1: form.line1.clone(),
                address_line2: opt(&form.line2),
                city: form.city.clone(),
                state_or_province: opt(&form.state),
                zip_or_postal_code: opt(&form.zip),
                country: form.country.clone(),
            }),
            location: None,
            meetings_timezone: None,
            limits: (!limits.is_empty()).then_some(limits),
            billing_start_date,
            // A package unticked here is removed only once its removal is confirmed.
            confirmed_removals: Some(form.confirmed_removals.clone()),
        };
        match change::update(&state, &scope, id, update, &req.ctx()).await {
            Ok(()) => {
                session.flash("The changes are being applied.").await?;
                return Ok(Redirect::to(&paths::customer(id)).into_response());
            }
            Err(AppError::Validation(all)) => {
                for e in all {
                    errors
                        .entry(field_for(&e.field))
                        .or_default()
                        .push(e.message);
                }
            }
            Err(AppError::Conflict(message)) => {
                errors.entry("form".into()).or_default().push(message);
            }
            Err(e) => return Err(e),
        }
    }
    let page = render(&state, &scope, session, id, Some(form), errors).await?;
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

pub async fn delete(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
    Path(id): Path<Uuid>,
    body: axum::body::Bytes,
) -> AppResult<Response> {
    let pairs: Vec<(String, String)> = crate::web::forms::parse(&body).unwrap_or_default();
    let confirmed = pairs.iter().any(|(k, _)| k == "confirm");
    if !confirmed {
        // Existence and role first, so the answer does not depend on the box.
        store::customers::detail(&state.db, scope.org_id(), id)
            .await?
            .ok_or(AppError::NotFound)?;
        scope.require(PartnerAction::ManageCustomers)?;
        session
            .flash("Tick the confirmation to remove the customer's wholesale services.")
            .await?;
        return Ok(Redirect::to(&paths::customer(id)).into_response());
    }
    match remove::delete(&state, &scope, id, &req.ctx()).await {
        Ok(()) => {
            session
                .flash("The customer's wholesale services are being removed.")
                .await?;
            Ok(Redirect::to(paths::CUSTOMERS).into_response())
        }
        Err(AppError::Conflict(message)) => {
            session.flash(message).await?;
            Ok(Redirect::to(&paths::customer(id)).into_response())
        }
        Err(e) => Err(e),
    }
}
