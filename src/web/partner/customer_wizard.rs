//! The create-customer wizard (SPEC §4.1): customer information, packages and add-ons,
//! headquarters location, summary, run by the wizard engine (`web::wizard`). Each step is
//! checked on the server by the same `services::customer::plan` the API uses.

use std::collections::BTreeMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use serde::{Deserialize, Serialize};

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
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::PartnerAction;
use crate::web::fields::{FormErrors, form_field};
use crate::web::forms::{Choice, Form, choices, optional as opt};
use crate::web::views::{PageCtx, Trail};
use crate::web::wizard::{self, Cx, DraftSlot, Nav, StepRequest, View, Wizard, WizardStep};

const DRAFT: DraftSlot<Data, Step> = DraftSlot::new("customer_wizard");
const TITLE: &str = "Create wholesale customer";

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

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Step {
    Info,
    Packages,
    Location,
    Summary,
}

impl WizardStep for Step {
    const ALL: &'static [Self] = &[Step::Info, Step::Packages, Step::Location, Step::Summary];

    fn path(self) -> &'static str {
        match self {
            Step::Info => paths::CUSTOMER_NEW_INFO,
            Step::Packages => paths::CUSTOMER_NEW_PACKAGES,
            Step::Location => paths::CUSTOMER_NEW_LOCATION,
            Step::Summary => paths::CUSTOMER_NEW_SUMMARY,
        }
    }

    fn label(self) -> &'static str {
        match self {
            Step::Info => "Customer information",
            Step::Packages => "Packages and add-ons",
            Step::Location => "Headquarters location",
            Step::Summary => "Summary",
        }
    }
}

type Draft = wizard::Draft<Data, Step>;

/// Everything typed so far. Strings as typed, so nothing is lost to parsing.
#[derive(Clone, Debug, Default, Serialize, Deserialize)]
pub struct Data {
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
}

impl Data {
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
            // The wizard makes new orgs only; an existing one is attached through the API.
            attach_to: None,
        }
    }
}

struct CustomerWizard;

impl Wizard for CustomerWizard {
    type Step = Step;
    type Data = Data;

    fn slot(&self) -> DraftSlot<Data, Step> {
        DRAFT
    }

    fn require(scope: &PartnerScope) -> AppResult<()> {
        scope.require(PartnerAction::ManageCustomers)
    }

    async fn current(_: &AuthSession) -> AppResult<Self> {
        Ok(CustomerWizard)
    }

    /// The step that asks for the field, and the control it is shown beside
    /// (`web::fields::form_field`). The wizard asks for one address, on the location
    /// step, and for its country on the first.
    fn place(field: &Field) -> (Step, String) {
        let step = match field {
            Field::ProvisioningId
            | Field::CustomerName
            | Field::PrimaryEmail
            | Field::CustomerLanguage
            | Field::ExternalId
            | Field::BillingStartDate
            | Field::Address(AddressPart::Country)
            | Field::Location(LocationPart::Address(AddressPart::Country)) => Step::Info,
            Field::Packages
            | Field::PackageRemoval
            | Field::PackageLimits
            | Field::PackageLimit(_) => Step::Packages,
            Field::Address(_) | Field::Location(_) | Field::MeetingsTimezone => Step::Location,
            // Nothing the wizard asks for: said at the top of the first step.
            Field::PlannedOnboardingDate
            | Field::RestrictOrgSettings
            | Field::Template(_)
            | Field::Other(_) => return (Step::Info, wizard::FORM.into()),
        };
        (step, form_field(field))
    }

    async fn check(&self, cx: &Cx<'_>, d: &Data) -> AppResult<BTreeMap<Step, FormErrors>> {
        let mut unparsed = FieldErrors::new();
        let req = d.request(&mut unparsed);
        let mut conn = cx.state.db.acquire().await?;
        let planned = plan::plan(&mut conn, cx.scope, &req, cx.state.clock.now().date()).await;
        let mut all = match planned {
            Ok(_) => FieldErrors::new(),
            Err(AppError::Validation(e)) => e,
            Err(e) => return Err(e),
        };
        all.append(&mut unparsed);
        let mut errors = wizard::group::<Self>(all);
        if !d.confirmed_location {
            wizard::ask_for(
                &mut errors,
                Step::Info,
                "confirmed_location",
                "Confirm that this customer is in a location the service supports.",
            );
        }
        if d.location_name.trim().is_empty() {
            wizard::ask_for(
                &mut errors,
                Step::Location,
                "location_name",
                "Enter the location name.",
            );
        }
        Ok(errors)
    }

    async fn render(
        &self,
        cx: &Cx<'_>,
        draft: Draft,
        step: Step,
        errors: FormErrors,
    ) -> AppResult<Response> {
        let w = View::new(TITLE, paths::CUSTOMER_NEW_CANCEL, &draft, step, errors);
        let page = PageCtx::partner(cx.scope, cx.session, "customers", TITLE)
            .await?
            .at(Trail::customers(), TITLE);
        let d = draft.data;
        Ok(match step {
            Step::Info => render_info(cx, page, w, d).await?.into_response(),
            Step::Packages => render_packages(page, w, d).into_response(),
            Step::Location => render_location(page, w, d).into_response(),
            Step::Summary => render_summary(cx, page, w, d).await?.into_response(),
        })
    }
}

fn guard(scope: &PartnerScope) -> AppResult<()> {
    CustomerWizard::require(scope)
}

async fn start(scope: PartnerScope, session: AuthSession) -> AppResult<Response> {
    guard(&scope)?;
    wizard::resume(&CustomerWizard, &session).await
}

async fn cancel(scope: PartnerScope, session: AuthSession) -> AppResult<Redirect> {
    guard(&scope)?;
    DRAFT.discard(&session).await?;
    Ok(Redirect::to(paths::CUSTOMERS))
}

// ── Step 1: customer information ─────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_info.html")]
struct InfoPage {
    page: PageCtx,
    w: View,
    d: Data,
    templates: Vec<Choice>,
    countries: Vec<Choice>,
    languages: Vec<Choice>,
}

async fn render_info(cx: &Cx<'_>, page: PageCtx, w: View, d: Data) -> AppResult<InfoPage> {
    let templates = store::templates::list(&cx.state.db, cx.scope.org_id()).await?;
    Ok(InfoPage {
        page,
        w,
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
        languages: choices(locales::choices(), &d.language),
        d,
    })
}

async fn info_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<CustomerWizard>(&r.cx(), Step::Info).await
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

async fn info_submit(r: StepRequest, Form(f): Form<InfoForm>) -> AppResult<Response> {
    wizard::post::<CustomerWizard>(&r.cx(), Step::Info, Nav::Next, |draft| {
        let d = &mut draft.data;
        d.provisioning_id = f.provisioning_id;
        d.name = f.name;
        d.primary_email = f.primary_email;
        d.external_id = f.external_id;
        d.country = f.country.trim().to_uppercase();
        d.language = f.language;
        d.billing_start_date = f.billing_start_date;
        d.confirmed_location = f.confirmed_location.is_some();
    })
    .await
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
    w: View,
    d: Data,
    packages: Vec<PackageChoice>,
}

fn render_packages(page: PageCtx, w: View, d: Data) -> PackagesPage {
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
    PackagesPage {
        page,
        w,
        d,
        packages,
    }
}

async fn packages_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<CustomerWizard>(&r.cx(), Step::Packages).await
}

async fn packages_submit(r: StepRequest, body: axum::body::Bytes) -> AppResult<Response> {
    guard(&r.scope)?;
    // Repeated `package` fields: the pairs are read here, after the role check.
    let pairs: Vec<(String, String)> = crate::web::forms::parse(&body)?;
    let back = pairs.iter().any(|(k, v)| k == "nav" && v == "back");
    let nav = if back { Nav::Back } else { Nav::Next };
    wizard::post::<CustomerWizard>(&r.cx(), Step::Packages, nav, |draft| {
        let d = &mut draft.data;
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
    })
    .await
}

// ── Step 3: headquarters location ────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_location.html")]
struct LocationPage {
    page: PageCtx,
    w: View,
    d: Data,
    country_name: String,
    timezones: Vec<Choice>,
    languages: Vec<Choice>,
}

fn render_location(page: PageCtx, w: View, mut d: Data) -> LocationPage {
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
    if d.location_name.is_empty() && w.errors.is_empty() {
        d.location_name = "Headquarters".into();
    }
    LocationPage {
        page,
        w,
        country_name: countries::name(&d.country)
            .unwrap_or(&d.country)
            .to_string(),
        timezones: choices(
            timezones::SUPPORTED
                .iter()
                .map(|t| (t.to_string(), t.replace('_', " "))),
            &d.timezone,
        ),
        languages: choices(locales::choices(), &d.location_language),
        d,
    }
}

async fn location_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<CustomerWizard>(&r.cx(), Step::Location).await
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

async fn location_submit(r: StepRequest, Form(f): Form<LocationForm>) -> AppResult<Response> {
    let nav = Nav::from_field(&f.nav);
    wizard::post::<CustomerWizard>(&r.cx(), Step::Location, nav, |draft| {
        let d = &mut draft.data;
        d.location_name = f.location_name;
        d.line1 = f.line1;
        d.line2 = f.line2;
        d.city = f.city;
        d.state = f.state;
        d.zip = f.zip;
        d.timezone = f.timezone;
        d.location_language = f.location_language;
    })
    .await
}

// ── Step 4: summary and create ───────────────────────────────────────────────

#[derive(Template, WebTemplate)]
#[template(path = "partner/customers/new_summary.html")]
struct SummaryPage {
    page: PageCtx,
    w: View,
    d: Data,
    template_name: String,
    /// The customer's language by name: the template's when none was chosen.
    language_name: String,
    country_name: String,
    package_lines: Vec<String>,
}

async fn render_summary(cx: &Cx<'_>, page: PageCtx, w: View, d: Data) -> AppResult<SummaryPage> {
    let templates = store::templates::list(&cx.state.db, cx.scope.org_id()).await?;
    let template = templates
        .into_iter()
        .find(|t| t.provisioning_id == d.provisioning_id);
    let language_name = match (d.language.as_str(), &template) {
        ("", Some(t)) => format!("{} (the template's)", locales::name(&t.language)),
        ("", None) => "The template's".into(),
        (l, _) => locales::name(l).to_string(),
    };
    let template_name = template.map(|t| t.name).unwrap_or_default();
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
        page,
        w,
        template_name,
        language_name,
        country_name: countries::name(&d.country)
            .unwrap_or(&d.country)
            .to_string(),
        package_lines,
        d,
    })
}

async fn summary_page(r: StepRequest) -> AppResult<Response> {
    wizard::open::<CustomerWizard>(&r.cx(), Step::Summary).await
}

async fn create(r: StepRequest, req: ReqInfo) -> AppResult<Response> {
    let (state, scope, session) = (&r.state, &r.scope, &r.session);
    guard(scope)?;
    let draft = match wizard::complete_draft(&CustomerWizard, session).await? {
        Ok(draft) => draft,
        Err(open_step) => return Ok(open_step),
    };
    let cx = r.cx();
    let request = draft.data.request(&mut FieldErrors::new());
    match create::create(state, scope, &request, &req.ctx()).await {
        Ok(id) => {
            DRAFT.discard(session).await?;
            session
                .flash(format!("{} is being provisioned.", draft.data.name.trim()))
                .await?;
            Ok(Redirect::to(&paths::customer(id)).into_response())
        }
        Err(AppError::Validation(all)) => wizard::refused(&CustomerWizard, &cx, draft, all).await,
        Err(AppError::TooManyRequests {
            message,
            retry_after_secs,
        }) => {
            // The queue is full: the summary again, with the reason and nothing lost.
            let errors = FormErrors::from([(wizard::FORM.to_string(), vec![message])]);
            let page = CustomerWizard
                .render(&cx, draft, Step::Summary, errors)
                .await?;
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
            (
                Field::Address(AddressPart::StateOrProvince),
                on(Step::Location, "state"),
            ),
            (
                Field::Location(LocationPart::Address(AddressPart::ZipOrPostalCode)),
                on(Step::Location, "zip"),
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
            assert_eq!(CustomerWizard::place(&field), expected, "{field:?}");
        }
    }
}
