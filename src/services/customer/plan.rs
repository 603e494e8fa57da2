//! The rules of SPEC §4.2 applied to a request for a new customer, reading what they
//! need (the template, who uses the email and external id, the partner's maxima) but
//! writing nothing. The wizard asks it for one step's errors; creation stores its plan.

use sqlx::PgConnection;
use time::{Date, Duration};
use uuid::Uuid;

use super::input::{AddressInput, LocationInput, NewCustomer};
use super::rules::{self, MAX_EXTERNAL_ID};
use crate::domain::address::{check_address, clean_address};
use crate::domain::billing_start::{MAX_BILLING_DELAY_DAYS, check_billing_start};
use crate::domain::company_name::check_company_name;
use crate::domain::email_address::looks_like_email;
use crate::domain::fields::{AddressPart, Field, LocationPart, add, trimmed};
use crate::domain::package_choice::{check_limit_keys, check_packages};
use crate::domain::packages::Package;
use crate::domain::{countries, locales, quantities, timezones};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::state::AppState;
use crate::store;
use crate::tenancy::scope::PartnerScope;

/// A request that passed every rule, ready to store. A request to attach to an org
/// whose admin must consent first is kept as its plan until the answer (SPEC §4.5).
#[derive(Clone, Debug, serde::Serialize, serde::Deserialize)]
pub struct Plan {
    pub(super) template_id: Uuid,
    pub(super) auth_mode: String,
    pub(super) pstn_vendor: Option<String>,
    pub(super) packages: Vec<(Package, Option<i64>)>,
    pub(super) quantity_enabled: bool,
    pub(super) name: String,
    pub(super) external_id: Option<String>,
    pub(super) primary_email: String,
    pub(super) address: AddressInput,
    pub(super) language: String,
    pub(super) meeting_site_language: String,
    pub(super) location: LocationInput,
    pub(super) meetings_timezone: String,
    pub(super) billing_start_date: Option<Date>,
    /// The template lets an attach email the org's admins (SPEC §13).
    pub(super) allow_admin_invite_emails: bool,
    pub(super) brand: String,
}

/// Applies every rule of SPEC §4.2 to a request; nothing is written.
pub async fn plan(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    req: &NewCustomer,
    today: Date,
) -> AppResult<Plan> {
    let mut errors = FieldErrors::new();
    let template = if req.provisioning_id.trim().is_empty() {
        add(
            &mut errors,
            Field::ProvisioningId,
            "Choose an onboarding template: a customer can only be provisioned from one.",
        );
        None
    } else {
        let t = store::templates::by_provisioning_id(
            &mut *conn,
            scope.org_id(),
            req.provisioning_id.trim(),
        )
        .await?;
        if t.is_none() {
            add(
                &mut errors,
                Field::ProvisioningId,
                "There is no onboarding template of yours with this provisioning ID.",
            );
        }
        t
    };

    let address = match &req.address {
        Some(a) => {
            check_address(a, Field::Address, &mut errors);
            clean_address(a)
        }
        None => {
            add(
                &mut errors,
                Field::Address(AddressPart::Whole),
                "The address is required, with its country.",
            );
            AddressInput::default()
        }
    };
    let country = Some(address.country.as_str()).filter(|c| countries::is_valid(c));
    let packages = check_packages(&req.packages, country, &mut errors);

    // An existing org keeps its name and its admins (SPEC §4.5): `customerInfo` is not
    // asked for when attaching, and not used.
    let attaching = req.attach_to.is_some();
    let name = trimmed(&req.name).unwrap_or_default();
    if !attaching {
        check_company_name(&name, Field::CustomerName, &mut errors);
    }
    let primary_email = trimmed(&req.primary_email).unwrap_or_default();
    if attaching {
        // Nothing to check: the address is not used.
    } else if primary_email.is_empty() {
        add(
            &mut errors,
            Field::PrimaryEmail,
            "Enter the administrator's email address.",
        );
    } else if !looks_like_email(&primary_email) {
        add(
            &mut errors,
            Field::PrimaryEmail,
            "Enter an email address such as name@example.com.",
        );
    } else if store::existing_orgs::email_of_existing_org(conn, &primary_email).await? {
        // The wizard cannot provision an org that exists already (SPEC §4.5).
        add(&mut errors, Field::PrimaryEmail, rules::EXISTING_ORG_EMAIL);
    } else if store::people::email_in_use(conn, &primary_email).await? {
        errors.push(rules::email_in_use());
    }
    if let Some(external) = trimmed(&req.external_id) {
        if store::customer_records::external_id_in_use(conn, scope.org_id(), &external, None)
            .await?
        {
            errors.push(rules::external_id_duplicate(&external));
        }
        if external.chars().count() > MAX_EXTERNAL_ID {
            add(
                &mut errors,
                Field::ExternalId,
                "The external id can be at most 200 characters.",
            );
        }
    }

    // Language: the request's, else the template's (SPEC §6).
    let template_country = template
        .as_ref()
        .map(|t| t.country.clone())
        .unwrap_or_else(|| "US".into());
    let requested_language =
        trimmed(&req.language).or_else(|| template.as_ref().map(|t| t.language.clone()));
    let language = match requested_language
        .as_deref()
        .map(|l| locales::resolve(l, &template_country))
    {
        Some(Ok(l)) => l,
        Some(Err(e)) => {
            add(&mut errors, Field::CustomerLanguage, e.to_string());
            "en_US".into()
        }
        None => "en_US".into(),
    };

    // The first location: required with calling packages; otherwise made from the address.
    let needs_location = packages.iter().any(|p| p.is_calling());
    let location = match &req.location {
        Some(l) => {
            let loc_language =
                rules::check_location(l, &template_country, &mut errors).unwrap_or_default();
            LocationInput {
                name: l.name.trim().to_string(),
                address: clean_address(&l.address),
                timezone: l.timezone.trim().to_string(),
                language: loc_language,
                emergency_location_identifier: trimmed(&l.emergency_location_identifier),
            }
        }
        None => {
            if needs_location {
                add(
                    &mut errors,
                    Field::Location(LocationPart::Whole),
                    "A calling package needs the first location: name, address, time zone and language.",
                );
            }
            let timezone = country
                .and_then(timezones::default_for_country)
                .unwrap_or("UTC")
                .to_string();
            LocationInput {
                name: "Headquarters".into(),
                address: address.clone(),
                timezone,
                language: language.clone(),
                emergency_location_identifier: None,
            }
        }
    };
    let meetings_timezone = match trimmed(&req.meetings_timezone) {
        Some(tz) if timezones::is_supported(&tz) => tz,
        Some(tz) => {
            add(
                &mut errors,
                Field::MeetingsTimezone,
                timezones::error_message(&tz),
            );
            tz
        }
        None => location.timezone.clone(),
    };

    // Package quantities (SPEC §4.1).
    let quantity_enabled = req.limits.is_some();
    let mut with_quantities = vec![];
    let limits = req.limits.clone().unwrap_or_default();
    check_limit_keys(&limits, &packages, &mut errors);
    for p in &packages {
        let q = limits.get(p.id()).copied().or_else(|| {
            (*p == Package::CxEssentials)
                .then(|| limits.get("customer_assist").copied())
                .flatten()
        });
        with_quantities.push((*p, q));
    }
    let maxima = store::package_limits::partner_max(conn, scope.org_id()).await?;
    let partner_limit = |p: Package| {
        maxima
            .get(p.id())
            .copied()
            .unwrap_or(quantities::DEFAULT_PARTNER_MAX)
    };
    let requested = quantities::Requested {
        quantity_enabled,
        packages: &with_quantities,
    };
    if let Err(problems) = quantities::check(None, &requested, &partner_limit) {
        for problem in problems {
            let field = match problem.package {
                Some(p) => Field::PackageLimit(p.id().to_string()),
                None => Field::PackageLimits,
            };
            add(&mut errors, field, problem.message);
        }
    }

    // Delayed billing start (SPEC §4.2).
    if let Some(start) = req.billing_start_date {
        if !rules::delayed_billing_allowed(conn, scope).await? {
            add(
                &mut errors,
                Field::BillingStartDate,
                rules::DELAYED_BILLING_OFF,
            );
        } else {
            let latest = today + Duration::days(MAX_BILLING_DELAY_DAYS);
            check_billing_start(&mut errors, start, today, latest, "today");
        }
    }

    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let template =
        template.ok_or_else(|| AppError::field(Field::ProvisioningId, "unknown template"))?;
    Ok(Plan {
        template_id: template.id,
        auth_mode: template.auth_mode,
        pstn_vendor: template.pstn_vendor,
        packages: with_quantities,
        quantity_enabled,
        name,
        external_id: trimmed(&req.external_id),
        primary_email,
        meeting_site_language: locales::meeting_site_locale(&language).to_string(),
        language,
        address,
        location,
        meetings_timezone,
        billing_start_date: req.billing_start_date,
        allow_admin_invite_emails: template.allow_admin_invite_emails,
        brand: template.email_brand_name,
    })
}

/// Checks a request without storing anything (the pre-provisioning check, SPEC §9.3).
pub async fn validate(state: &AppState, scope: &PartnerScope, req: &NewCustomer) -> AppResult<()> {
    let mut conn = state.db.acquire().await?;
    // An org named to attach to must be one this partner may attach (SPEC §4.5).
    let org = match req.attach_to {
        Some(id) => super::attach::attachable(&mut conn, scope, id).await.err(),
        None => None,
    };
    let planned = plan(&mut conn, scope, req, state.clock.now().date()).await;
    match (org, planned) {
        (None, planned) => planned.map(|_| ()),
        (Some(AppError::Validation(mut a)), Err(AppError::Validation(mut b))) => {
            a.append(&mut b);
            Err(AppError::Validation(a))
        }
        (Some(e), _) => Err(e),
    }
}
