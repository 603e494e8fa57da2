//! The create-customer wizard (SPEC §4.1): customer information, packages and add-ons,
//! headquarters location, summary. The draft lives in the session, so a reload, the Back
//! button or leaving and coming back resumes it. Each step is checked on the server by
//! the same `services::customer::plan` the API uses, keeping only that step's errors.

use std::collections::BTreeMap;

use crate::web::forms::Form;
use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

use crate::AppState;
use crate::auth::PartnerScope;
use crate::auth::session::AuthSession;
use crate::domain::fields::{AddressPart, Field, FieldErrors, LocationPart};
use crate::domain::packages::Package;
use crate::domain::{countries, locales, timezones};
use crate::error::{AppError, AppResult};
use crate::http::ReqInfo;
use crate::http::route_table::RouteTable;
use crate::paths;
use crate::services::customer::{AddressInput, LocationInput, NewCustomer, create, plan};
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::{FormErrors, form_field};
use crate::web::forms::{Choice, choices, optional as opt};
use crate::web::views::PageCtx;

const DRAFT: &str = "customer_wizard";

pub fn routes(t: RouteTable<AppState>) -> RouteTable<AppState> {
    t.get(paths::CUSTOMER_NEW, start)
        .post(paths::CUSTOMER_NEW, create)
        .post(paths::CUSTOMER_NEW_CANCEL, cancel)
        .get(paths::CUSTOMER_NEW_INFO, info_page)
        .post(paths::CUSTOMER_NEW_INFO, info_submit)
        .get(paths::CUSTOMER_NEW_PACKAGES, packages_page)
        .post(paths::CUSTOMER_NEW_PACKAGES, packages_submit)
        .get(paths::CUSTOMER_NEW_LOCATION, location_page)
        .post(paths::CUSTOMER_NEW_LOCATION, location_submit)
        .get(paths::CUSTOMER_NEW_SUMMARY, summary_page)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize, Default)]
pub enum Step {
    #[default]
    Info,
    Packages,
    Location,
    Summary,
}

impl Step {
    fn path(self) -> &'static str {
        match self {
            Step::Info => paths::CUSTOMER_NEW_INFO,
            Step::Packages => paths::CUSTOMER_NEW_PACKAGES,
            Step::Location => paths::CUSTOMER_NEW_LOCATION,
            Step::Summary => paths::CUSTOMER_NEW_SUMMARY,
        }
    }
    fn number(self) -> u8 {
        self as u8 + 1
    }
}

/// Everything typed so far. Strings as typed, so nothing is lost to parsing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Draft {
    pub provisioning_id: String,
    pub name: String,
    pub primary_email: String,
    pub external_id: String,
    pub country: String,
    pub language: String,
    pub billing_start_date: String,
    pub confirmed_location: bool,
    pub packages: Vec<String>,
    pub quantity_enabled: bool,
    pub quantities: BTreeMap<String, String>,
    pub location_name: String,
    pub line1: String,
    pub line2: String,
    pub city: String,
    pub state: String,
    pub zip: String,
    pub timezone: String,
    pub location_language: String,
    /// Steps passed so far (the summary needs all three).
    pub done: Vec<Step>,
}

impl Draft {
    /// The provisioning request this draft amounts to; unparsable quantities become
    /// field errors in `errors`.
    fn request(&self, errors: &mut FieldErrors) -> NewCustomer {
        let address = AddressInput {
            address_line1: self.line1.clone(),
            address_line2: opt(&self.line2),
            city: self.city.clone(),
            state_or_province: opt(&self.state),
            zip_or_postal_code: opt(&self.zip),
            country: self.country.clone(),
        };
        let limits = self.quantity_enabled.then(|| {
            let mut limits = BTreeMap::new();
            for p in &self.packages {
                let raw = self.quantities.get(p).map(|s| s.trim()).unwrap_or("");
                if raw.is_empty() {
                    continue;
                }
                match raw.parse::<i64>() {
                    Ok(n) => {
                        limits.insert(p.clone(), n);
                    }
                    Err(_) => {
                        errors.add(Field::PackageLimit(p.clone()), "Enter a whole number.");
                    }
                }
            }
            limits
        });
        let billing_start_date =
            opt(&self.billing_start_date).and_then(|d| {
                match time::Date::parse(
                    &d,
                    time::macros::format_description!("[year]-[month]-[day]"),
                ) {
                    Ok(d) => Some(d),
                    Err(_) => {
                        errors.add(Field::BillingStartDate, "Enter a date such as 2026-12-01.");
                        None
                    }
                }
            });
        NewCustomer {
            provisioning_id: self.provisioning_id.clone(),
            packages: self.packages.clone(),
            external_id: opt(&self.external_id),
            address: Some(address.clone()),
            name: Some(self.name.clone()),
            primary_email: Some(self.primary_email.clone()),
            language: opt(&self.language),
            location: Some(LocationInput {
                name: self.location_name.clone(),
                address,
                timezone: self.timezone.clone(),
                language: self.location_language.clone(),
                emergency_location_identifier: None,
            }),
            meetings_timezone: None,
            limits,
            billing_start_date,
        }
    }
}

/// Which step and form field a service error belongs to: the step that asks for the
/// field, and the control it is shown beside (`web::fields::form_field`). The wizard
/// asks for one address, on the location step, and for its country on the first.
fn field_for(field: &Field) -> (Step, String) {
    let step = match field {
        Field::ProvisioningId
        | Field::CustomerName
        | Field::PrimaryEmail
        | Field::CustomerLanguage
        | Field::ExternalId
        | Field::BillingStartDate
        | Field::Address(AddressPart::Country)
        | Field::Location(LocationPart::Address(AddressPart::Country)) => Step::Info,
        Field::Packages | Field::PackageLimits | Field::PackageLimit(_) => Step::Packages,
        Field::Address(_) | Field::Location(_) | Field::MeetingsTimezone => Step::Location,
        // Nothing the wizard asks for: said at the top of the first step.
        Field::PlannedOnboardingDate
        | Field::RestrictOrgSettings
        | Field::Template(_)
        | Field::Other(_) => return (Step::Info, "form".into()),
    };
    (step, form_field(field))
}

/// The draft's errors that belong to `step`, keyed by form field.
async fn step_errors(
    state: &AppState,
    scope: &PartnerScope,
    draft: &Draft,
    step: Step,
) -> AppResult<FormErrors> {
    let mut errors = FieldErrors::new();
    let req = draft.request(&mut errors);
    let mut conn = state.db.acquire().await?;
    let mut all = match plan::plan(&mut conn, scope, &req, state.clock.now().date()).await {
        Ok(_) => FieldErrors::new(),
        Err(AppError::Validation(e)) => e,
        Err(e) => return Err(e),
    };
    all.append(&mut errors);
    let mut mine = FormErrors::new();
    for e in all {
        let (s, field) = field_for(&e.field);
        if s == step {
            mine.entry(field).or_default().push(e.message);
        }
    }
    if step == Step::Info && !draft.confirmed_location {
        mine.entry("confirmed_location".into())
            .or_default()
            .push("Confirm that this customer is in a location the service supports.".into());
    }
    if step == Step::Location
        && draft.location_name.trim().is_empty()
        && !mine.contains_key("location_name")
    {
        mine.entry("location_name".into())
            .or_default()
            .push("Enter the location name.".into());
    }
    // The wizard sends one address as both the customer's and the location's, so the
    // same message can arrive twice for one field.
    for messages in mine.values_mut() {
        let mut seen = std::collections::BTreeSet::new();
        messages.retain(|m| seen.insert(m.clone()));
    }
    Ok(mine)
}

async fn load(session: &AuthSession) -> AppResult<Draft> {
    Ok(session.get::<Draft>(DRAFT).await?.unwrap_or_default())
}

async fn save(session: &AuthSession, draft: &Draft) -> AppResult<()> {
    session.insert(DRAFT, draft).await?;
    Ok(())
}

fn first_open_step(draft: &Draft) -> Step {
    [Step::Info, Step::Packages, Step::Location]
        .into_iter()
        .find(|s| !draft.done.contains(s))
        .unwrap_or(Step::Summary)
}

/// The stepper and shared bits of every step page.
pub struct WizardCtx {
    pub step: u8,
    pub errors: FormErrors,
}

impl WizardCtx {
    pub fn error(&self, field: &str) -> String {
        crate::web::forms::field_message(&self.errors, field)
    }
    pub fn has(&self, field: &str) -> bool {
        self.errors.contains_key(field)
    }
}

fn wizard(step: Step, errors: FormErrors) -> WizardCtx {
    WizardCtx {
        step: step.number(),
        errors,
    }
}

fn guard(scope: &PartnerScope) -> AppResult<()> {
    scope.require(PartnerAction::ManageCustomers)
}

async fn start(scope: PartnerScope, session: AuthSession) -> AppResult<Redirect> {
    guard(&scope)?;
    Ok(Redirect::to(first_open_step(&load(&session).await?).path()))
}

async fn cancel(scope: PartnerScope, session: AuthSession) -> AppResult<Redirect> {
    guard(&scope)?;
    session.remove::<Draft>(DRAFT).await?;
    Ok(Redirect::to(paths::CUSTOMERS))
}

// ── Step 1: customer information ─────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_info.html")]
struct InfoPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
    templates: Vec<Choice>,
    countries: Vec<Choice>,
    languages: Vec<Choice>,
}

async fn render_info(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<InfoPage> {
    let templates = store::templates::list(&state.db, scope.org_id()).await?;
    Ok(InfoPage {
        page: PageCtx::partner(scope, &session, "customers", "Create wholesale customer").await?,
        w: wizard(Step::Info, errors),
        templates: choices(
            templates.into_iter().map(|t| (t.provisioning_id, t.name)),
            &d.provisioning_id,
        ),
        countries: choices(
            countries::COUNTRIES
                .iter()
                .map(|(c, n)| (c.to_string(), n.to_string())),
            &d.country,
        ),
        languages: choices(
            locales::SUPPORTED
                .iter()
                .map(|l| (l.to_string(), l.to_string())),
            &d.language,
        ),
        d,
    })
}

async fn info_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<InfoPage> {
    guard(&scope)?;
    let d = load(&session).await?;
    render_info(&state, &scope, session, d, FormErrors::new()).await
}

#[derive(Deserialize)]
struct InfoForm {
    #[serde(default)]
    provisioning_id: String,
    #[serde(default)]
    name: String,
    #[serde(default)]
    primary_email: String,
    #[serde(default)]
    external_id: String,
    #[serde(default)]
    country: String,
    #[serde(default)]
    language: String,
    #[serde(default)]
    billing_start_date: String,
    confirmed_location: Option<String>,
}

async fn info_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Form(f): Form<InfoForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    d.provisioning_id = f.provisioning_id;
    d.name = f.name;
    d.primary_email = f.primary_email;
    d.external_id = f.external_id;
    d.country = f.country.trim().to_uppercase();
    d.language = f.language;
    d.billing_start_date = f.billing_start_date;
    d.confirmed_location = f.confirmed_location.is_some();
    advance(&state, &scope, session, d, Step::Info, Step::Packages).await
}

/// Saves the draft; moves on when the step is valid, else shows it again with errors.
async fn advance(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    mut d: Draft,
    step: Step,
    next: Step,
) -> AppResult<Response> {
    let errors = step_errors(state, scope, &d, step).await?;
    d.done.retain(|s| *s != step);
    if errors.is_empty() {
        d.done.push(step);
    }
    save(&session, &d).await?;
    if errors.is_empty() {
        let next = if d.done.len() == 3 && next != Step::Summary {
            first_open_step(&d)
        } else {
            next
        };
        return Ok(Redirect::to(next.path()).into_response());
    }
    let page = match step {
        Step::Info => render_info(state, scope, session, d, errors)
            .await?
            .into_response(),
        Step::Packages => render_packages(scope, session, d, errors)
            .await?
            .into_response(),
        _ => render_location(scope, session, d, errors)
            .await?
            .into_response(),
    };
    Ok((StatusCode::BAD_REQUEST, page).into_response())
}

// ── Step 2: packages and add-ons ─────────────────────────────────────────────

pub struct PackageChoice {
    pub id: &'static str,
    pub name: &'static str,
    pub add_on: bool,
    pub checked: bool,
    pub quantity: String,
    pub takes_quantity: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_packages.html")]
struct PackagesPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
    packages: Vec<PackageChoice>,
}

async fn render_packages(
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<PackagesPage> {
    let packages = Package::ALL
        .into_iter()
        .map(|p| PackageChoice {
            id: p.id(),
            name: p.name(),
            add_on: p.is_add_on(),
            checked: d.packages.iter().any(|x| x == p.id()),
            quantity: d.quantities.get(p.id()).cloned().unwrap_or_default(),
            takes_quantity: p != Package::CiscoCallingPlan,
        })
        .collect();
    Ok(PackagesPage {
        page: PageCtx::partner(scope, &session, "customers", "Create wholesale customer").await?,
        w: wizard(Step::Packages, errors),
        d,
        packages,
    })
}

async fn packages_page(scope: PartnerScope, session: AuthSession) -> AppResult<Response> {
    guard(&scope)?;
    let d = load(&session).await?;
    if !d.done.contains(&Step::Info) {
        return Ok(Redirect::to(Step::Info.path()).into_response());
    }
    Ok(render_packages(&scope, session, d, FormErrors::new())
        .await?
        .into_response())
}

async fn packages_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    axum_extra_form: axum::body::Bytes,
) -> AppResult<Response> {
    guard(&scope)?;
    // Repeated `package` fields: parse the pairs ourselves.
    let pairs: Vec<(String, String)> = crate::web::forms::parse(&axum_extra_form)?;
    let mut d = load(&session).await?;
    d.packages = pairs
        .iter()
        .filter(|(k, _)| k == "package")
        .map(|(_, v)| v.clone())
        .collect();
    d.quantity_enabled = pairs.iter().any(|(k, _)| k == "quantity_enabled");
    d.quantities = pairs
        .iter()
        .filter_map(|(k, v)| {
            k.strip_prefix("quantity_")
                .filter(|p| *p != "enabled")
                .map(|p| (p.to_string(), v.clone()))
        })
        .collect();
    let back = pairs.iter().any(|(k, v)| k == "nav" && v == "back");
    if back {
        save(&session, &d).await?;
        return Ok(Redirect::to(Step::Info.path()).into_response());
    }
    advance(&state, &scope, session, d, Step::Packages, Step::Location).await
}

// ── Step 3: headquarters location ────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_location.html")]
struct LocationPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
    country_name: String,
    timezones: Vec<Choice>,
    languages: Vec<Choice>,
}

async fn render_location(
    scope: &PartnerScope,
    session: AuthSession,
    mut d: Draft,
    errors: FormErrors,
) -> AppResult<LocationPage> {
    if d.timezone.is_empty() {
        d.timezone = timezones::default_for_country(&d.country)
            .unwrap_or("")
            .to_string();
    }
    if d.location_language.is_empty() {
        d.location_language = if d.language.is_empty() {
            "en_US".into()
        } else {
            d.language.clone()
        };
    }
    if d.location_name.is_empty() && errors.is_empty() {
        d.location_name = "Headquarters".into();
    }
    Ok(LocationPage {
        page: PageCtx::partner(scope, &session, "customers", "Create wholesale customer").await?,
        w: wizard(Step::Location, errors),
        country_name: countries::name(&d.country)
            .unwrap_or(&d.country)
            .to_string(),
        timezones: choices(
            timezones::SUPPORTED
                .iter()
                .map(|t| (t.to_string(), t.replace('_', " "))),
            &d.timezone,
        ),
        languages: choices(
            locales::SUPPORTED
                .iter()
                .map(|l| (l.to_string(), l.to_string())),
            &d.location_language,
        ),
        d,
    })
}

async fn location_page(scope: PartnerScope, session: AuthSession) -> AppResult<Response> {
    guard(&scope)?;
    let d = load(&session).await?;
    if !d.done.contains(&Step::Packages) {
        return Ok(Redirect::to(first_open_step(&d).path()).into_response());
    }
    Ok(render_location(&scope, session, d, FormErrors::new())
        .await?
        .into_response())
}

#[derive(Deserialize)]
struct LocationForm {
    #[serde(default)]
    location_name: String,
    #[serde(default)]
    line1: String,
    #[serde(default)]
    line2: String,
    #[serde(default)]
    city: String,
    #[serde(default)]
    state: String,
    #[serde(default)]
    zip: String,
    #[serde(default)]
    timezone: String,
    #[serde(default)]
    location_language: String,
    #[serde(default)]
    nav: String,
}

async fn location_submit(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    Form(f): Form<LocationForm>,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    d.location_name = f.location_name;
    d.line1 = f.line1;
    d.line2 = f.line2;
    d.city = f.city;
    d.state = f.state;
    d.zip = f.zip;
    d.timezone = f.timezone;
    d.location_language = f.location_language;
    if f.nav == "back" {
        save(&session, &d).await?;
        return Ok(Redirect::to(Step::Packages.path()).into_response());
    }
    advance(&state, &scope, session, d, Step::Location, Step::Summary).await
}

// ── Step 4: summary and create ───────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_summary.html")]
struct SummaryPage {
    page: PageCtx,
    w: WizardCtx,
    d: Draft,
    template_name: String,
    country_name: String,
    package_lines: Vec<String>,
}

async fn render_summary(
    state: &AppState,
    scope: &PartnerScope,
    session: AuthSession,
    d: Draft,
    errors: FormErrors,
) -> AppResult<SummaryPage> {
    let templates = store::templates::list(&state.db, scope.org_id()).await?;
    let template_name = templates
        .into_iter()
        .find(|t| t.provisioning_id == d.provisioning_id)
        .map(|t| t.name)
        .unwrap_or_default();
    let package_lines = d
        .packages
        .iter()
        .map(|p| {
            let name = crate::domain::packages::display_name(p);
            match d
                .quantities
                .get(p)
                .filter(|q| d.quantity_enabled && !q.trim().is_empty())
            {
                Some(q) => format!("{name} — quantity {}", q.trim()),
                None => name,
            }
        })
        .collect();
    Ok(SummaryPage {
        page: PageCtx::partner(scope, &session, "customers", "Create wholesale customer").await?,
        w: wizard(Step::Summary, errors),
        template_name,
        country_name: countries::name(&d.country)
            .unwrap_or(&d.country)
            .to_string(),
        package_lines,
        d,
    })
}

async fn summary_page(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
) -> AppResult<Response> {
    guard(&scope)?;
    let d = load(&session).await?;
    if first_open_step(&d) != Step::Summary {
        return Ok(Redirect::to(first_open_step(&d).path()).into_response());
    }
    Ok(
        render_summary(&state, &scope, session, d, FormErrors::new())
            .await?
            .into_response(),
    )
}

async fn create(
    State(state): State<AppState>,
    scope: PartnerScope,
    session: AuthSession,
    req: ReqInfo,
) -> AppResult<Response> {
    guard(&scope)?;
    let mut d = load(&session).await?;
    if first_open_step(&d) != Step::Summary {
        return Ok(Redirect::to(first_open_step(&d).path()).into_response());
    }
    let mut errors = FieldErrors::new();
    let request = d.request(&mut errors);
    match create::create(&state, &scope, &request, &req.ctx()).await {
        Ok(id) => {
            session.remove::<Draft>(DRAFT).await?;
            session
                .flash(format!("{} is being provisioned.", d.name.trim()))
                .await?;
            Ok(Redirect::to(&paths::customer(id)).into_response())
        }
        Err(AppError::Validation(all)) => {
            // Something changed since the step was checked (say, the email was taken):
            // send the user back to the first step that needs attention.
            let mut by_step: BTreeMap<Step, FormErrors> = BTreeMap::new();
            for e in all {
                let (step, field) = field_for(&e.field);
                by_step
                    .entry(step)
                    .or_default()
                    .entry(field)
                    .or_default()
                    .push(e.message);
            }
            let (step, errors) = by_step
                .into_iter()
                .next()
                .unwrap_or((Step::Info, FormErrors::new()));
            d.done.retain(|s| *s < step);
            save(&session, &d).await?;
            let page = match step {
                Step::Info => render_info(&state, &scope, session, d, errors)
                    .await?
                    .into_response(),
                Step::Packages => render_packages(&scope, session, d, errors)
                    .await?
                    .into_response(),
                Step::Location => render_location(&scope, session, d, errors)
                    .await?
                    .into_response(),
                Step::Summary => render_summary(&state, &scope, session, d, errors)
                    .await?
                    .into_response(),
            };
            Ok((StatusCode::BAD_REQUEST, page).into_response())
        }
        Err(AppError::TooManyRequests {
            message,
            retry_after_secs,
        }) => {
            // The queue is full: the summary again, with the reason and nothing lost.
            let mut errors = FormErrors::new();
            errors.entry("form".into()).or_default().push(message);
            let page = render_summary(&state, &scope, session, d, errors).await?;
            Ok((
                StatusCode::TOO_MANY_REQUESTS,
                [(
                    axum::http::header::RETRY_AFTER,
                    retry_after_secs.to_string(),
                )],
                page,
            )
                .into_response())
        }
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn service_errors_land_on_the_step_that_asks_for_them() {
        let on = |step: Step, name: &str| (step, name.to_string());
        let cases = [
            (Field::ProvisioningId, on(Step::Info, "provisioning_id")),
            (Field::CustomerName, on(Step::Info, "name")),
            (Field::PrimaryEmail, on(Step::Info, "primary_email")),
            (Field::CustomerLanguage, on(Step::Info, "language")),
            (Field::ExternalId, on(Step::Info, "external_id")),
            (
                Field::BillingStartDate,
                on(Step::Info, "billing_start_date"),
            ),
            (
                Field::Address(AddressPart::Country),
                on(Step::Info, "country"),
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::Country)),
                on(Step::Info, "country"),
            ),
            (Field::Packages, on(Step::Packages, "packages")),
            (Field::PackageLimits, on(Step::Packages, "quantities")),
            (
                Field::PackageLimit("webex_calling".into()),
                on(Step::Packages, "quantity_webex_calling"),
            ),
            (
                Field::Address(AddressPart::Whole),
                on(Step::Location, "line1"),
            ),
            (
                Field::Address(AddressPart::Line1),
                on(Step::Location, "line1"),
            ),
            (
                Field::Address(AddressPart::Line2),
                on(Step::Location, "line2"),
            ),
            (
                Field::Address(AddressPart::City),
                on(Step::Location, "city"),
            ),
            (Field::MeetingsTimezone, on(Step::Location, "timezone")),
            (
                Field::Location(LocationPart::Whole),
                on(Step::Location, "location_name"),
            ),
            (
                Field::Location(LocationPart::Name),
                on(Step::Location, "location_name"),
            ),
            (
                Field::Location(LocationPart::Timezone),
                on(Step::Location, "timezone"),
            ),
            (
                Field::Location(LocationPart::Language),
                on(Step::Location, "location_language"),
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::Line1)),
                on(Step::Location, "line1"),
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::City)),
                on(Step::Location, "city"),
            ),
            (Field::Other("orgId".into()), on(Step::Info, "form")),
        ];
        for (field, expected) in cases {
            assert_eq!(field_for(&field), expected, "{field:?}");
        }
    }
}
