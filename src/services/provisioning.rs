//! Provisioning wholesale customers (SPEC §4.1–§4.2): one set of rules for the
//! create-customer wizard and `POST /v1/wholesale/customers`. Creating answers at once
//! with a customer in status `provisioning`; the `customer.provision` job finishes it.

use std::collections::{BTreeMap, BTreeSet};

use serde::{Deserialize, Serialize};
use sqlx::PgConnection;
use time::{Date, Duration};
use uuid::Uuid;

use crate::AppState;
use crate::auth::PartnerScope;
use crate::domain::packages::Package;
use crate::domain::{countries, locales, pstn_vendors, quantities, regions, timezones};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::queue::{self, ClaimedJob, NewJob};
use crate::jobs::worker::JobContext;
use crate::services::{RequestCtx, customer_lifecycle};
use crate::store;
use crate::tenancy::policy::PartnerAction;

pub const JOB_KIND: &str = "customer.provision";
/// Longest delay of billing start after creation (SPEC §4.2).
pub const MAX_BILLING_DELAY_DAYS: i64 = 90;
const MAX_ADDRESS_LINE: usize = 50;

/// Error code of an email that already belongs to someone (SPEC §9).
pub const EMAIL_IN_USE_CODE: u32 = 10022;
pub const EMAIL_IN_USE: &str = "The email is already associated with an existing user.";

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct AddressInput {
    #[serde(default)]
    pub address_line1: String,
    pub address_line2: Option<String>,
    #[serde(default)]
    pub city: String,
    pub state_or_province: Option<String>,
    pub zip_or_postal_code: Option<String>,
    #[serde(default)]
    pub country: String,
}

#[derive(Clone, Debug, Default, Serialize, Deserialize, PartialEq)]
#[serde(rename_all = "camelCase")]
pub struct LocationInput {
    #[serde(default)]
    pub name: String,
    #[serde(default)]
    pub address: AddressInput,
    #[serde(default)]
    pub timezone: String,
    #[serde(default)]
    pub language: String,
    pub emergency_location_identifier: Option<String>,
}

/// A request to provision a new customer, as both doors deliver it.
#[derive(Clone, Debug, Default)]
pub struct NewCustomer {
    pub provisioning_id: String,
    pub packages: Vec<String>,
    pub external_id: Option<String>,
    pub address: Option<AddressInput>,
    pub name: Option<String>,
    pub primary_email: Option<String>,
    pub language: Option<String>,
    /// The headquarters / first calling location.
    pub location: Option<LocationInput>,
    pub meetings_timezone: Option<String>,
    /// Package quantities; `Some` means *Enable package quantity* is on.
    pub limits: Option<BTreeMap<String, i64>>,
    pub billing_start_date: Option<Date>,
}

/// What the job needs to finish the customer, stored with it.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct PendingWork {
    pub location: LocationInput,
}

/// A request that passed every rule, ready to store.
pub struct Plan {
    template_id: Uuid,
    auth_mode: String,
    pstn_vendor: Option<String>,
    packages: Vec<(Package, Option<i64>)>,
    quantity_enabled: bool,
    name: String,
    external_id: Option<String>,
    primary_email: String,
    address: AddressInput,
    language: String,
    meeting_site_language: String,
    location: LocationInput,
    meetings_timezone: String,
    billing_start_date: Option<Date>,
}

pub(crate) fn add(errors: &mut FieldErrors, field: &str, message: impl Into<String>) {
    errors
        .entry(field.to_string())
        .or_default()
        .push(message.into());
}

pub(crate) fn trimmed(s: &Option<String>) -> Option<String> {
    s.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

/// Every quantity must name a known package among those requested.
pub fn check_limit_keys(
    limits: &BTreeMap<String, i64>,
    packages: &[Package],
    errors: &mut FieldErrors,
) {
    for key in limits.keys() {
        let field = format!("provisioningParameters.packages.limits.{key}");
        match Package::parse(key) {
            Some(p) if packages.contains(&p) => {}
            Some(p) => add(
                errors,
                &field,
                format!(
                    "A quantity is given for {}, which is not among the packages.",
                    p.name()
                ),
            ),
            None => add(errors, &field, format!("“{key}” is not a known package.")),
        }
    }
}

/// Checks an address; `prefix` is the field path its errors are reported under.
pub fn check_address(a: &AddressInput, prefix: &str, errors: &mut FieldErrors) {
    if a.address_line1.trim().is_empty() {
        add(
            errors,
            &format!("{prefix}.addressLine1"),
            "Enter the first address line.",
        );
    }
    for (field, value) in [
        ("addressLine1", Some(&a.address_line1)),
        ("addressLine2", a.address_line2.as_ref()),
    ] {
        if let Some(v) = value
            && v.trim().chars().count() > MAX_ADDRESS_LINE
        {
            add(
                errors,
                &format!("{prefix}.{field}"),
                format!("An address line can be at most {MAX_ADDRESS_LINE} characters."),
            );
        }
    }
    if a.city.trim().is_empty() {
        add(errors, &format!("{prefix}.city"), "Enter the city.");
    }
    if a.country.trim().is_empty() {
        add(errors, &format!("{prefix}.country"), "Choose the country.");
    } else if !countries::is_valid(a.country.trim()) {
        add(
            errors,
            &format!("{prefix}.country"),
            format!(
                "“{}” is not an ISO 3166 two-letter country code.",
                a.country.trim()
            ),
        );
    }
}

pub fn clean_address(a: &AddressInput) -> AddressInput {
    AddressInput {
        address_line1: a.address_line1.trim().to_string(),
        address_line2: trimmed(&a.address_line2),
        city: a.city.trim().to_string(),
        state_or_province: trimmed(&a.state_or_province),
        zip_or_postal_code: trimmed(&a.zip_or_postal_code),
        country: a.country.trim().to_string(),
    }
}

pub fn looks_like_email(s: &str) -> bool {
    let s = s.trim();
    matches!(s.split_once('@'), Some((local, domain)) if !local.is_empty() && domain.contains('.') && !domain.starts_with('.') && !domain.ends_with('.'))
        && !s.contains(char::is_whitespace)
        && s.len() <= 254
}

/// Checks the company name rules shared by every door.
pub fn check_company_name(name: &str, field: &str, errors: &mut FieldErrors) {
    let name = name.trim();
    if name.is_empty() {
        add(errors, field, "Enter the company name.");
    } else if name.chars().count() > 200 {
        add(
            errors,
            field,
            "The company name can be at most 200 characters.",
        );
    } else if name.contains('%') {
        add(errors, field, "The company name cannot contain “%”.");
    }
}

/// Parses package identifiers, reporting unknown ones and the add-on and country rules.
pub fn check_packages(
    raw: &[String],
    country: Option<&str>,
    errors: &mut FieldErrors,
) -> Vec<Package> {
    let mut packages = BTreeSet::new();
    if raw.is_empty() {
        add(errors, "packages", "Choose at least one package.");
    }
    for p in raw {
        match Package::parse(p.trim()) {
            Some(p) => {
                packages.insert(p);
            }
            None => add(errors, "packages", format!("“{p}” is not a known package.")),
        }
    }
    let has = |p: Package| packages.contains(&p);
    if has(Package::AttendantConsole)
        && !(has(Package::WebexCalling) || has(Package::WebexSuite) || has(Package::CxEssentials))
    {
        add(
            errors,
            "packages",
            "Attendant Console needs Webex Calling, Webex Suite or Customer Assist as well.",
        );
    }
    if has(Package::CiscoCallingPlan) && !packages.iter().any(|p| p.is_calling()) {
        add(
            errors,
            "packages",
            "Cisco Calling Plan needs a calling package as well.",
        );
    }
    if country == Some("IN") {
        let calling: Vec<&str> = packages
            .iter()
            .filter(|p| p.is_calling())
            .map(|p| p.name())
            .collect();
        if !calling.is_empty() {
            add(
                errors,
                "packages",
                format!(
                    "Calling packages are not available in India: remove {}.",
                    calling.join(", ")
                ),
            );
        }
    }
    packages.into_iter().collect()
}

#[derive(sqlx::FromRow)]
struct TemplateFacts {
    id: Uuid,
    country: String,
    language: String,
    auth_mode: String,
    pstn_vendor: Option<String>,
}

pub async fn partner_max(
    conn: &mut PgConnection,
    partner: Uuid,
) -> sqlx::Result<BTreeMap<String, i64>> {
    let rows: Vec<(String, i32)> = sqlx::query_as(
        "SELECT package, max_quantity FROM partner_package_limits WHERE partner_org_id = $1",
    )
    .bind(partner)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(p, m)| (p, m as i64)).collect())
}

/// Applies every rule of SPEC §4.2 to a request; nothing is written.
pub async fn plan(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    req: &NewCustomer,
    today: Date,
) -> AppResult<Plan> {
    let mut errors = FieldErrors::new();
    let template: Option<TemplateFacts> = if req.provisioning_id.trim().is_empty() {
        add(
            &mut errors,
            "provisioningId",
            "Choose an onboarding template: a customer can only be provisioned from one.",
        );
        None
    } else {
        let t = sqlx::query_as(
            "SELECT id, country::text AS country, language, auth_mode, pstn_vendor FROM onboarding_templates
             WHERE provisioning_id = $1 AND owner_org_id = $2",
        )
        .bind(req.provisioning_id.trim())
        .bind(scope.org.id)
        .fetch_optional(&mut *conn)
        .await?;
        if t.is_none() {
            add(
                &mut errors,
                "provisioningId",
                "There is no onboarding template of yours with this provisioning ID.",
            );
        }
        t
    };

    let address = match &req.address {
        Some(a) => {
            check_address(a, "address", &mut errors);
            clean_address(a)
        }
        None => {
            add(
                &mut errors,
                "address",
                "The address is required, with its country.",
            );
            AddressInput::default()
        }
    };
    let country = Some(address.country.as_str()).filter(|c| countries::is_valid(c));
    let packages = check_packages(&req.packages, country, &mut errors);

    let name = trimmed(&req.name).unwrap_or_default();
    check_company_name(&name, "customerInfo.name", &mut errors);
    let primary_email = trimmed(&req.primary_email).unwrap_or_default();
    if primary_email.is_empty() {
        add(
            &mut errors,
            "customerInfo.primaryEmail",
            "Enter the administrator's email address.",
        );
    } else if !looks_like_email(&primary_email) {
        add(
            &mut errors,
            "customerInfo.primaryEmail",
            "Enter an email address such as name@example.com.",
        );
    } else if store::people::credentials_by_email(&mut *conn, &primary_email)
        .await?
        .is_some()
        || email_pending(conn, &primary_email).await?
    {
        add(&mut errors, "customerInfo.primaryEmail", EMAIL_IN_USE);
    }
    if let Some(external) = trimmed(&req.external_id) {
        if customer_lifecycle::external_id_in_use(conn, scope, &external, None).await? {
            add(
                &mut errors,
                "externalId",
                customer_lifecycle::external_id_taken(&external),
            );
        }
        if external.chars().count() > 200 {
            add(
                &mut errors,
                "externalId",
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
            add(&mut errors, "customerInfo.language", e.to_string());
            "en_US".into()
        }
        None => "en_US".into(),
    };

    // The first location: required with calling packages; otherwise made from the address.
    let needs_location = packages.iter().any(|p| p.is_calling());
    let location = match &req.location {
        Some(l) => {
            let prefix = "provisioningParameters.calling.location";
            if l.name.trim().is_empty() {
                add(
                    &mut errors,
                    &format!("{prefix}.name"),
                    "Enter the location name.",
                );
            }
            check_address(&l.address, &format!("{prefix}.address"), &mut errors);
            if !timezones::is_supported(l.timezone.trim()) {
                add(
                    &mut errors,
                    &format!("{prefix}.timezone"),
                    timezones::error_message(l.timezone.trim()),
                );
            }
            let loc_language = match locales::resolve(l.language.trim(), &template_country) {
                Ok(lang) => lang,
                Err(e) => {
                    add(&mut errors, &format!("{prefix}.language"), e.to_string());
                    String::new()
                }
            };
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
                    "provisioningParameters.calling.location",
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
                "provisioningParameters.meetings.timezone",
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
    let maxima = partner_max(conn, scope.org.id).await?;
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
                Some(p) => format!("provisioningParameters.packages.limits.{}", p.id()),
                None => "provisioningParameters.packages.limits".to_string(),
            };
            add(&mut errors, &field, problem.message);
        }
    }

    // Delayed billing start (SPEC §4.2).
    if let Some(start) = req.billing_start_date {
        if !delayed_billing_allowed(conn, scope).await? {
            add(&mut errors, "billingStartDate", DELAYED_BILLING_OFF);
        } else {
            let latest = today + Duration::days(MAX_BILLING_DELAY_DAYS);
            check_billing_start(&mut errors, start, today, latest, "today");
        }
    }

    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let template = template.ok_or_else(|| AppError::field("provisioningId", "unknown template"))?;
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
    })
}

/// Is the email promised to a customer still being provisioned?
pub(crate) const DELAYED_BILLING_OFF: &str =
    "Delayed billing is not enabled for your organisation.";

/// Is delayed billing enabled for this (sub-)partner, by its own setting or its parent's
/// (SPEC §4.2)?
pub(crate) async fn delayed_billing_allowed(
    conn: &mut PgConnection,
    scope: &PartnerScope,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT coalesce(bool_or(enable_wholesale_delayed_billing), false) FROM orgs WHERE id IN ($1, $2)",
    )
    .bind(scope.org.id)
    .bind(scope.org.parent_org_id.unwrap_or(scope.org.id))
    .fetch_one(&mut *conn)
    .await
}

/// A delayed billing start is not in the past and at most `latest` (the customer's
/// creation, or today for a new one, plus `MAX_BILLING_DELAY_DAYS`); `from` names the
/// day the delay counts from, for the message.
pub(crate) fn check_billing_start(
    errors: &mut FieldErrors,
    start: Date,
    today: Date,
    latest: Date,
    from: &str,
) {
    if start < today {
        add(
            errors,
            "billingStartDate",
            "The billing start date cannot be in the past.",
        );
    } else if start > latest {
        add(
            errors,
            "billingStartDate",
            format!(
                "The billing start date can be at most {MAX_BILLING_DELAY_DAYS} days after {from}: {latest} at the latest."
            ),
        );
    }
}

/// Due jobs the queue may hold before creations are refused with 429 and `Retry-After`
/// (SPEC §9): a back office sending faster than the workers finish is slowed down
/// instead of growing a queue without end (each customer makes about three jobs).
pub const MAX_READY_JOBS: i64 = 3_000;
const BUSY_RETRY_AFTER_SECS: u64 = 2;

async fn admit(state: &AppState) -> AppResult<()> {
    if state.backlog.ready_jobs(&state.db).await? >= MAX_READY_JOBS {
        return Err(AppError::TooManyRequests {
            message: "Many customers are being provisioned right now. Try again in a few seconds; nothing was created.".into(),
            retry_after_secs: BUSY_RETRY_AFTER_SECS,
        });
    }
    Ok(())
}

/// A unique index's refusal of a new customer, as the field error `plan` gives when it
/// sees the clash itself.
fn taken(e: sqlx::Error, external_id: Option<&str>) -> AppError {
    match &e {
        sqlx::Error::Database(db) => match db.constraint() {
            Some("orgs_primary_email_live_key") => {
                AppError::field("customerInfo.primaryEmail", EMAIL_IN_USE)
            }
            Some("orgs_external_id_live_key") => AppError::field(
                "externalId",
                customer_lifecycle::external_id_taken(external_id.unwrap_or_default()),
            ),
            _ => AppError::Sqlx(e),
        },
        _ => AppError::Sqlx(e),
    }
}

async fn email_pending(conn: &mut PgConnection, email: &str) -> sqlx::Result<bool> {
    sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orgs WHERE primary_email = $1::citext AND deleted_at IS NULL)")
        .bind(email)
        .fetch_one(&mut *conn)
        .await
}

/// Validates and stores a new customer in status `provisioning`, and enqueues the jobs
/// that finish it and check it for compliance. Returns the customer's id.
pub async fn create(
    state: &AppState,
    scope: &PartnerScope,
    req: &NewCustomer,
    ctx: &RequestCtx<'_>,
) -> AppResult<Uuid> {
    scope.require(PartnerAction::ManageCustomers)?;
    let now = state.clock.now();
    admit(state).await?;
    let mut tx = state.db.begin().await?;
    // `plan` checks the email and external id are free; a concurrent creation that takes
    // one first is caught by the unique indexes of migration 0008 (same message).
    let plan = plan(&mut tx, scope, req, now.date()).await?;
    let id = Uuid::new_v4();
    let pending = PendingWork {
        location: plan.location.clone(),
    };
    sqlx::query(
        "INSERT INTO orgs (id, kind, name, external_id, status, address_line1, address_line2, city, state_or_province,
                           zip_or_postal_code, country, language, timezone, template_id, auth_mode, pstn_vendor,
                           primary_email, meeting_site_language, meetings_timezone, package_quantity_enabled,
                           billing_start_date, provisioning_request, onboarded_by, created_at, updated_at)
         VALUES ($1, 'customer', $2, $3, 'provisioning', $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                 $17, $18, $19, $20, $22, $21, $21)",
    )
    .bind(id)
    .bind(&plan.name)
    .bind(&plan.external_id)
    .bind(&plan.address.address_line1)
    .bind(&plan.address.address_line2)
    .bind(&plan.address.city)
    .bind(&plan.address.state_or_province)
    .bind(&plan.address.zip_or_postal_code)
    .bind(&plan.address.country)
    .bind(&plan.language)
    .bind(&plan.location.timezone)
    .bind(plan.template_id)
    .bind(&plan.auth_mode)
    .bind(&plan.pstn_vendor)
    .bind(&plan.primary_email)
    .bind(&plan.meeting_site_language)
    .bind(&plan.meetings_timezone)
    .bind(plan.quantity_enabled)
    .bind(plan.billing_start_date)
    .bind(serde_json::to_value(&pending).map_err(anyhow::Error::from)?)
    .bind(now)
    .bind(scope.org.id)
    .execute(&mut *tx)
    .await
    .map_err(|e| taken(e, plan.external_id.as_deref()))?;
    store::orgs::relate(&mut *tx, scope.org.id, id, "onboarded").await?;
    if let Some(parent) = scope.org.parent_org_id {
        store::orgs::relate(&mut *tx, parent, id, "parent_of_sub_partner_customer").await?;
    }
    for (package, quantity) in &plan.packages {
        sqlx::query("INSERT INTO customer_packages (org_id, package, quantity, status) VALUES ($1, $2, $3, 'provisioning')")
            .bind(id)
            .bind(package.id())
            .bind(quantity.map(|q| q as i32))
            .execute(&mut *tx)
            .await?;
    }
    queue::enqueue(&mut tx, &NewJob::for_customer(JOB_KIND, id), now).await?;
    crate::services::compliance::enqueue_check(&mut tx, id, "creation", now).await?;
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        id,
        "customer.create",
        serde_json::json!({ "name": plan.name, "packages": plan.packages.iter().map(|(p, _)| p.id()).collect::<Vec<_>>() }),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(id)
}

/// Checks a request without storing anything (the pre-provisioning check, SPEC §9.3).
pub async fn validate(state: &AppState, scope: &PartnerScope, req: &NewCustomer) -> AppResult<()> {
    let mut conn = state.db.acquire().await?;
    plan(&mut conn, scope, req, state.clock.now().date())
        .await
        .map(|_| ())
}

fn slug(name: &str) -> String {
    let mut out = String::new();
    for c in name.to_lowercase().chars() {
        if c.is_ascii_alphanumeric() {
            out.push(c);
        } else if !out.ends_with('-') {
            out.push('-');
        }
    }
    let out = out.trim_matches('-').chars().take(40).collect::<String>();
    if out.is_empty() {
        "customer".into()
    } else {
        out
    }
}

/// The SIP domain of a customer: derived from its name, made unique by a number.
pub fn sip_domain_candidate(name: &str, n: u32) -> String {
    format!("{}-{:04}.calls.example", slug(name), n % 10_000)
}

#[derive(sqlx::FromRow)]
struct ProvisioningFacts {
    name: String,
    status: Option<String>,
    country: Option<String>,
    sip_domain: Option<String>,
    pstn_vendor: Option<String>,
    provisioning_request: Option<serde_json::Value>,
    packages: Vec<String>,
    /// The country of the first location, once it exists.
    location_country: Option<String>,
    /// Where the E911 notice goes (first provisioning only) and the brand it carries.
    notice_to: Option<String>,
    brand: String,
}

/// The `customer.provision` job: creates the first location, the SIP domain and the
/// meeting-site settings, then marks packages and the customer provisioned — or, when
/// the template's PSTN vendor does not serve the first location, `error` with reasons.
/// Runs in one transaction, so a crash leaves nothing half-made; runs again safely.
/// Everything about the customer is read in one query and written back in one update.
pub async fn run_job(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let org_id: Uuid = serde_json::from_value(job.payload["org_id"].clone())?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(facts) = sqlx::query_as::<_, ProvisioningFacts>(
        "SELECT o.name, o.status, o.country::text AS country, o.sip_domain, o.pstn_vendor, o.provisioning_request,
                coalesce((SELECT array_agg(cp.package) FROM customer_packages cp WHERE cp.org_id = o.id), '{}') AS packages,
                (SELECT l.country::text FROM locations l WHERE l.org_id = o.id
                 ORDER BY l.is_headquarters DESC, l.created_at LIMIT 1) AS location_country,
                CASE WHEN o.provisioned_at IS NULL THEN o.primary_email::text END AS notice_to,
                coalesce(t.email_brand_name, o.name) AS brand
         FROM orgs o LEFT JOIN onboarding_templates t ON t.id = o.template_id
         WHERE o.id = $1 AND o.kind = 'customer' AND o.deleted_at IS NULL FOR UPDATE OF o",
    )
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?
    else {
        return Ok(()); // deleted meanwhile
    };
    if !matches!(
        facts.status.as_deref(),
        Some("provisioning" | "updating" | "error")
    ) {
        return Ok(()); // already finished by an earlier run
    }
    let pending: Option<PendingWork> = facts
        .provisioning_request
        .clone()
        .and_then(|v| serde_json::from_value(v).ok());
    let has_calling_plan = facts
        .packages
        .iter()
        .any(|p| p == Package::CiscoCallingPlan.id());

    // The first location (headquarters), once.
    let first_country = match (&pending, &facts.location_country) {
        (Some(p), None) => {
            let l = &p.location;
            sqlx::query(
                "INSERT INTO locations (id, org_id, name, address_line1, address_line2, city, state_or_province,
                                        zip_or_postal_code, country, timezone, language, emergency_location_identifier,
                                        international_calling, premium_calling, is_headquarters, created_at)
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $13, true, $14)",
            )
            .bind(Uuid::new_v4())
            .bind(org_id)
            .bind(&l.name)
            .bind(&l.address.address_line1)
            .bind(&l.address.address_line2)
            .bind(&l.address.city)
            .bind(&l.address.state_or_province)
            .bind(&l.address.zip_or_postal_code)
            .bind(&l.address.country)
            .bind(&l.timezone)
            .bind(&l.language)
            .bind(&l.emergency_location_identifier)
            // International and premium calling are allowed, except with Cisco Calling Plan (SPEC §2).
            .bind(!has_calling_plan)
            .bind(now)
            .execute(&mut *tx)
            .await?;
            l.address.country.clone()
        }
        (_, location) => location
            .clone()
            .or(facts.country.clone())
            .unwrap_or_default(),
    };

    // A unique SIP domain, once. (Two jobs picking the same free name at once: the
    // unique column refuses the second, whose job runs again with another.)
    let mut sip_domain = facts.sip_domain.clone();
    if sip_domain.is_none() {
        for attempt in 0u32.. {
            let candidate =
                sip_domain_candidate(&facts.name, rand::random::<u32>().wrapping_add(attempt));
            let taken: bool =
                sqlx::query_scalar("SELECT EXISTS (SELECT 1 FROM orgs WHERE sip_domain = $1)")
                    .bind(&candidate)
                    .fetch_one(&mut *tx)
                    .await?;
            if !taken {
                sip_domain = Some(candidate);
                break;
            }
            anyhow::ensure!(attempt < 50, "no free SIP domain for {}", facts.name);
        }
    }

    // The meeting site's default call-in number (SPEC §4.2).
    let call_in = regions::default_call_in(facts.country.as_deref().unwrap_or("US"));

    // The cloud-connected PSTN vendor must serve the first location's country.
    let vendor_problem = facts
        .pstn_vendor
        .as_deref()
        .filter(|v| !pstn_vendors::serves(v, &first_country))
        .map(|v| format!("The cloud-connected PSTN vendor {v} does not serve {first_country}, the country of the first location. Repair: remove the vendor for this customer or choose one that serves {first_country}, then retry provisioning."));
    let errors = match &vendor_problem {
        Some(problem) => serde_json::json!([{ "errorCode": 4102, "description": problem }]),
        None => serde_json::json!([]),
    };
    let failing: Vec<&str> = if vendor_problem.is_some() {
        Package::ALL
            .iter()
            .filter(|p| p.is_calling() || **p == Package::CiscoCallingPlan)
            .map(|p| p.id())
            .collect()
    } else {
        vec![]
    };
    sqlx::query(
        "UPDATE customer_packages SET status = CASE WHEN package = ANY($2) THEN 'error' ELSE 'provisioned' END,
                errors = CASE WHEN package = ANY($2) THEN $3 ELSE '[]'::jsonb END
         WHERE org_id = $1",
    )
    .bind(org_id)
    .bind(&failing)
    .bind(&errors)
    .execute(&mut *tx)
    .await?;
    if vendor_problem.is_none()
        && matches!(facts.country.as_deref(), Some("US" | "CA"))
        && let Some(to) = &facts.notice_to
    {
        // US and Canadian customers get the emergency-services notice (SPEC §13), with
        // the template's brand name.
        let (subject, body) = crate::services::emails::e911_notice(&facts.brand, &facts.name);
        let email = crate::store::emails::NewEmail {
            org_id: Some(org_id),
            to,
            subject: &subject,
            body: &body,
            kind: "e911_notice",
        };
        crate::services::emails::send(&mut tx, &email, now).await?;
    }
    // One write of the customer: SIP domain, call-in number and outcome. A compliance
    // review that started meanwhile keeps its status.
    sqlx::query(
        "UPDATE orgs SET sip_domain = $2, call_in_country = $3, call_in_number = $4, errors = $5, updated_at = $6,
                status = CASE WHEN $7 THEN 'error'
                              WHEN compliance_status = 'pending_review' THEN 'pending_rpl_review'
                              ELSE 'provisioned' END,
                provisioned_at = CASE WHEN $7 THEN provisioned_at ELSE coalesce(provisioned_at, $6) END
         WHERE id = $1",
    )
    .bind(org_id)
    .bind(&sip_domain)
    .bind(&call_in.country)
    .bind(&call_in.number)
    .bind(&errors)
    .bind(now)
    .bind(vendor_problem.is_some())
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Repairs a customer whose provisioning failed on its PSTN vendor (SPEC §3 step 3):
/// optionally drops the vendor for this customer, then runs provisioning again.
pub async fn retry(
    state: &AppState,
    scope: &PartnerScope,
    customer_id: Uuid,
    drop_vendor: bool,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let status: Option<Option<String>> = sqlx::query_scalar(
        "SELECT status FROM orgs WHERE id = $1 AND onboarded_by = $2 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(customer_id)
    .bind(scope.org.id)
    .fetch_optional(&mut *tx)
    .await?;
    let Some(status) = status else {
        return Err(AppError::NotFound);
    };
    scope.require(PartnerAction::ManageCustomers)?;
    if status.as_deref() != Some("error") {
        return Err(AppError::Conflict(
            "Only a customer whose provisioning failed can be retried.".into(),
        ));
    }
    if drop_vendor {
        sqlx::query("UPDATE orgs SET pstn_vendor = NULL WHERE id = $1")
            .bind(customer_id)
            .execute(&mut *tx)
            .await?;
    }
    sqlx::query("UPDATE orgs SET status = 'provisioning', updated_at = $2 WHERE id = $1")
        .bind(customer_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE customer_packages SET status = 'provisioning' WHERE org_id = $1 AND status = 'error'")
        .bind(customer_id)
        .execute(&mut *tx)
        .await?;
    queue::enqueue(&mut tx, &NewJob::for_customer(JOB_KIND, customer_id), now).await?;
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        customer_id,
        "customer.provisioning.retry",
        serde_json::json!({ "drop_pstn_vendor": drop_vendor }),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_billing_start_is_not_in_the_past_and_at_most_90_days_away() {
        let today = time::macros::date!(2026 - 11 - 26);
        let latest = today + Duration::days(MAX_BILLING_DELAY_DAYS);
        let check = |start: Date| {
            let mut e = FieldErrors::new();
            check_billing_start(&mut e, start, today, latest, "today");
            e.get("billingStartDate").cloned().unwrap_or_default()
        };
        assert!(check(today).is_empty());
        assert!(check(latest).is_empty());
        assert_eq!(
            check(today - Duration::days(1)),
            vec!["The billing start date cannot be in the past.".to_string()]
        );
        assert_eq!(
            check(latest + Duration::days(1)),
            vec![
                "The billing start date can be at most 90 days after today: 2027-02-24 at the latest."
                    .to_string()
            ]
        );
    }

    fn errs(raw: &[&str], country: Option<&str>) -> Vec<String> {
        let mut e = FieldErrors::new();
        check_packages(
            &raw.iter().map(|s| s.to_string()).collect::<Vec<_>>(),
            country,
            &mut e,
        );
        e.remove("packages").unwrap_or_default()
    }

    #[test]
    fn india_refuses_calling_packages_but_not_meetings() {
        assert!(errs(&["webex_calling"], Some("IN"))[0].contains("not available in India"));
        assert!(
            errs(&["common_area_calling", "webex_meetings"], Some("IN"))[0]
                .contains("Common Area Calling")
        );
        assert!(errs(&["webex_meetings"], Some("IN")).is_empty());
        assert!(errs(&["webex_calling"], Some("US")).is_empty());
    }

    #[test]
    fn attendant_console_needs_a_full_calling_package() {
        assert!(!errs(&["attendant_console", "webex_voice"], Some("US")).is_empty());
        for base in [
            "webex_calling",
            "webex_suite",
            "cx_essentials",
            "customer_assist",
        ] {
            assert!(
                errs(&["attendant_console", base], Some("US")).is_empty(),
                "{base}"
            );
        }
    }

    #[test]
    fn cisco_calling_plan_needs_a_calling_package() {
        assert!(!errs(&["cisco_calling_plan", "webex_meetings"], Some("US")).is_empty());
        assert!(errs(&["cisco_calling_plan", "common_area_calling"], Some("US")).is_empty());
    }

    #[test]
    fn unknown_and_missing_packages_are_named() {
        assert!(errs(&["webex_gold"], Some("US"))[0].contains("webex_gold"));
        assert!(errs(&[], Some("US"))[0].contains("at least one"));
    }

    #[test]
    fn address_lines_longer_than_fifty_characters_are_refused() {
        let mut e = FieldErrors::new();
        let a = AddressInput {
            address_line1: "x".repeat(51),
            city: "C".into(),
            country: "US".into(),
            ..Default::default()
        };
        check_address(&a, "address", &mut e);
        assert!(e.contains_key("address.addressLine1"));
        let mut e = FieldErrors::new();
        let a = AddressInput {
            address_line1: "x".repeat(50),
            city: "C".into(),
            country: "US".into(),
            ..Default::default()
        };
        check_address(&a, "address", &mut e);
        assert!(e.is_empty());
    }

    #[test]
    fn company_names_with_percent_are_refused() {
        let mut e = FieldErrors::new();
        check_company_name("100% Dental", "name", &mut e);
        assert!(e["name"][0].contains('%'));
    }

    #[test]
    fn sip_domains_derive_from_the_name() {
        assert_eq!(
            sip_domain_candidate("Acme Dental, Inc.", 4821),
            "acme-dental-inc-4821.calls.example"
        );
        assert_eq!(
            sip_domain_candidate("%%%", 7),
            "customer-0007.calls.example"
        );
    }
}
