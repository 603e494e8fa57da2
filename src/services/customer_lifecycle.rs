//! Changing and removing wholesale customers (SPEC §4.4, §9.1) and the pre-provisioning
//! check (SPEC §9.3). Creating one is `provisioning::create`; these are the rest of a
//! customer's life, with the same rules (`provisioning::check_packages`,
//! `check_address`, `domain::quantities`).
//!
//! Like creation, both changes answer at once and finish in the background: `update`
//! puts the customer in `updating` and enqueues `customer.update`; `delete` puts it in
//! `deleting` and enqueues `customer.delete`. Each job runs in one transaction and may
//! run again after a crash without doing anything twice.

use std::collections::{BTreeMap, BTreeSet};

use sqlx::PgConnection;
use time::{Date, Duration, OffsetDateTime};
use uuid::Uuid;

use crate::AppState;
use crate::auth::PartnerScope;
use crate::domain::packages::Package;
use crate::domain::{countries, locales, quantities, timezones};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::queue::{self, ClaimedJob, NewJob};
use crate::jobs::worker::JobContext;
use crate::services::RequestCtx;
use crate::services::compliance;
use crate::services::provisioning::{
    self, AddressInput, LocationInput, MAX_BILLING_DELAY_DAYS, NewCustomer, add, trimmed,
};
use crate::tenancy::policy::PartnerAction;

pub const UPDATE_JOB: &str = "customer.update";
pub const DELETE_JOB: &str = "customer.delete";

/// Statuses in which a customer is still being changed by a job: no other change may
/// start until it ends (409).
const BUSY: [&str; 3] = ["provisioning", "updating", "deleting"];

/// A change to a customer, as both doors deliver it (`PUT /v1/wholesale/customers/{id}`).
/// `None` keeps what the customer has, except `packages`, which is required: the list
/// sent is the complete list, and a package left out is removed.
#[derive(Clone, Debug, Default)]
pub struct CustomerUpdate {
    /// `Some("")` clears the external id.
    pub external_id: Option<String>,
    pub packages: Option<Vec<String>>,
    /// The billing address; a change triggers a compliance check (SPEC §4.3).
    pub address: Option<AddressInput>,
    /// The first calling location is made at creation and never moved by an update;
    /// a location sent here is checked like on creation, and otherwise left alone.
    pub location: Option<LocationInput>,
    pub meetings_timezone: Option<String>,
    /// Package quantities. `None` keeps the current ones; a package missing from the map
    /// keeps its current quantity.
    pub limits: Option<BTreeMap<String, i64>>,
    pub billing_start_date: Option<Date>,
}

/// Is another live customer of this (sub-)partner already using `external_id`?
/// `except` is the customer being changed.
pub async fn external_id_in_use(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    external_id: &str,
    except: Option<Uuid>,
) -> sqlx::Result<bool> {
    sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM orgs WHERE onboarded_by = $1 AND external_id = $2 AND deleted_at IS NULL
                          AND ($3::uuid IS NULL OR id <> $3))",
    )
    .bind(scope.org.id)
    .bind(external_id.trim())
    .bind(except)
    .fetch_one(&mut *conn)
    .await
}

/// What a duplicate external id is told, on creation and on change.
pub fn external_id_taken(external_id: &str) -> String {
    format!(
        "Another of your customers already has the external id “{}”.",
        external_id.trim()
    )
}

/// The message of a duplicate external id (409).
pub fn external_id_conflict(external_id: &str) -> AppError {
    AppError::Conflict(external_id_taken(external_id))
}

/// May this scope run the pre-provisioning check? Partner full admins only (SPEC §1);
/// the access policy has no action of its own for it, so the role is named here.
pub fn precheck_allowed(scope: &PartnerScope) -> AppResult<()> {
    scope.require(PartnerAction::Precheck)
}

/// The pre-provisioning check (SPEC §9.3): `provisioning::validate`'s rules for the parts
/// of the request that are present. Only the address is required; a missing template,
/// package list, name or email is not reported. An email already in use is (code 10022).
/// Partner full admins only (SPEC §1). Nothing is written.
pub async fn precheck(state: &AppState, scope: &PartnerScope, req: &NewCustomer) -> AppResult<()> {
    precheck_allowed(scope)?;
    let mut errors = match provisioning::validate(state, scope, req).await {
        Ok(()) => return Ok(()),
        Err(AppError::Validation(errors)) => errors,
        Err(other) => return Err(other),
    };
    let absent = |present: bool, fields: &[&str], errors: &mut FieldErrors| {
        if !present {
            errors.retain(|field, _| {
                !fields
                    .iter()
                    .any(|f| field == f || field.starts_with(&format!("{f}.")))
            });
        }
    };
    absent(
        !req.provisioning_id.trim().is_empty(),
        &["provisioningId"],
        &mut errors,
    );
    // Without packages, neither they nor their quantities can be judged.
    absent(
        !req.packages.is_empty(),
        &["packages", "provisioningParameters.packages.limits"],
        &mut errors,
    );
    absent(
        trimmed(&req.name).is_some(),
        &["customerInfo.name"],
        &mut errors,
    );
    absent(
        trimmed(&req.primary_email).is_some(),
        &["customerInfo.primaryEmail"],
        &mut errors,
    );
    if errors.is_empty() {
        Ok(())
    } else {
        Err(AppError::Validation(errors))
    }
}

#[derive(sqlx::FromRow)]
struct CustomerFacts {
    status: Option<String>,
    external_id: Option<String>,
    address_line1: Option<String>,
    address_line2: Option<String>,
    city: Option<String>,
    state_or_province: Option<String>,
    zip_or_postal_code: Option<String>,
    country: Option<String>,
    package_quantity_enabled: bool,
    billing_start_date: Option<Date>,
    created_at: OffsetDateTime,
}

impl CustomerFacts {
    fn address(&self) -> AddressInput {
        AddressInput {
            address_line1: self.address_line1.clone().unwrap_or_default(),
            address_line2: self.address_line2.clone(),
            city: self.city.clone().unwrap_or_default(),
            state_or_province: self.state_or_province.clone(),
            zip_or_postal_code: self.zip_or_postal_code.clone(),
            country: self.country.clone().unwrap_or_default(),
        }
    }
}

/// Locks a customer the scope onboarded, for a change. Another partner's customer, or a
/// deleted one, is 404 (existence does not leak); then the role decides (403); then a
/// customer still being changed is 409.
async fn lock_for_change(
    conn: &mut PgConnection,
    scope: &PartnerScope,
    customer_id: Uuid,
) -> AppResult<CustomerFacts> {
    let facts: Option<CustomerFacts> = sqlx::query_as(
        "SELECT status, external_id, address_line1, address_line2, city, state_or_province, zip_or_postal_code,
                country::text AS country, package_quantity_enabled, billing_start_date, created_at
         FROM orgs WHERE id = $1 AND kind = 'customer' AND onboarded_by = $2 AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(customer_id)
    .bind(scope.org.id)
    .fetch_optional(&mut *conn)
    .await?;
    let facts = facts.ok_or(AppError::NotFound)?;
    scope.require(PartnerAction::ManageCustomers)?;
    if let Some(status) = facts.status.as_deref().filter(|s| BUSY.contains(s)) {
        return Err(AppError::Conflict(format!(
            "The customer is {status}; wait until that has finished before changing it."
        )));
    }
    Ok(facts)
}

#[derive(sqlx::FromRow)]
struct CurrentPackage {
    package: String,
    quantity: Option<i32>,
}

/// Users and workspaces holding each package.
async fn assigned_counts(
    conn: &mut PgConnection,
    customer_id: Uuid,
) -> sqlx::Result<BTreeMap<String, (i64, i64)>> {
    let rows: Vec<(String, i64, i64)> = sqlx::query_as(
        "SELECT package, count(*) FILTER (WHERE holder = 'user'), count(*) FILTER (WHERE holder = 'workspace')
         FROM (SELECT package, 'user' AS holder FROM subscribers WHERE customer_org_id = $1
               UNION ALL
               SELECT package, 'workspace' FROM workspaces WHERE org_id = $1) t
         GROUP BY package",
    )
    .bind(customer_id)
    .fetch_all(&mut *conn)
    .await?;
    Ok(rows.into_iter().map(|(p, u, w)| (p, (u, w))).collect())
}

fn plural(n: i64, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// Changes a customer (SPEC §4.4): external id, the complete package list, billing
/// address, provisioning parameters and billing start date. Status `updating` until the
/// `customer.update` job finishes.
pub async fn update(
    state: &AppState,
    scope: &PartnerScope,
    customer_id: Uuid,
    req: CustomerUpdate,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let now = state.clock.now();
    let today = now.date();
    let mut tx = state.db.begin().await?;
    let facts = lock_for_change(&mut tx, scope, customer_id).await?;

    // External id: a duplicate is a conflict, as on creation.
    let external_id = match req.external_id.as_deref().map(str::trim) {
        None => facts.external_id.clone(),
        Some("") => None,
        Some(e) => {
            if facts.external_id.as_deref() != Some(e)
                && external_id_in_use(&mut tx, scope, e, Some(customer_id)).await?
            {
                return Err(external_id_conflict(e));
            }
            Some(e.to_string())
        }
    };

    let mut errors = FieldErrors::new();
    if external_id
        .as_deref()
        .is_some_and(|e| e.chars().count() > 200)
    {
        add(
            &mut errors,
            "externalId",
            "The external id can be at most 200 characters.",
        );
    }

    // The billing address.
    let current_address = facts.address();
    let address = match &req.address {
        Some(a) => {
            provisioning::check_address(a, "address", &mut errors);
            provisioning::clean_address(a)
        }
        None => current_address.clone(),
    };
    let address_changed = address != current_address;
    let country = Some(address.country.as_str()).filter(|c| countries::is_valid(c));

    // The complete package list, with the add-on and India rules of creation.
    let requested: Vec<Package> = match &req.packages {
        Some(raw) => provisioning::check_packages(raw, country, &mut errors),
        None => {
            add(
                &mut errors,
                "packages",
                "Send the complete list of packages: a package left out is removed.",
            );
            vec![]
        }
    };
    let current: Vec<CurrentPackage> =
        sqlx::query_as("SELECT package, quantity FROM customer_packages WHERE org_id = $1")
            .bind(customer_id)
            .fetch_all(&mut *tx)
            .await?;
    let assigned = assigned_counts(&mut tx, customer_id).await?;
    let assigned_of = |p: Package| assigned.get(p.id()).map(|(u, w)| u + w).unwrap_or_default();
    let requested_ids: BTreeSet<&str> = requested.iter().map(|p| p.id()).collect();
    let removed: Vec<String> = if req.packages.is_some() {
        current
            .iter()
            .filter(|c| !requested_ids.contains(c.package.as_str()))
            .map(|c| c.package.clone())
            .collect()
    } else {
        vec![]
    };
    for package in &removed {
        let (users, workspaces) = assigned.get(package).copied().unwrap_or_default();
        if users + workspaces > 0 {
            let name = crate::domain::packages::display_name(package);
            let holders = match (users, workspaces) {
                (u, 0) => plural(u, "user", "users"),
                (0, w) => plural(w, "workspace", "workspaces"),
                (u, w) => format!(
                    "{} and {}",
                    plural(u, "user", "users"),
                    plural(w, "workspace", "workspaces")
                ),
            };
            add(
                &mut errors,
                "packages",
                format!(
                    "{name} cannot be removed: it is still assigned to {holders}. Move them to another package first."
                ),
            );
        }
    }

    // Quantities (SPEC §4.1), checked against what the customer holds now.
    let quantity_enabled = req.limits.is_some() || facts.package_quantity_enabled;
    let limits = req.limits.clone().unwrap_or_default();
    provisioning::check_limit_keys(&limits, &requested, &mut errors);
    let with_quantities: Vec<(Package, Option<i64>)> = requested
        .iter()
        .map(|p| {
            let sent = limits.get(p.id()).copied().or_else(|| {
                (*p == Package::CxEssentials)
                    .then(|| limits.get("customer_assist").copied())
                    .flatten()
            });
            let kept = current
                .iter()
                .find(|c| c.package == p.id())
                .and_then(|c| c.quantity)
                .map(i64::from);
            (*p, sent.or(if quantity_enabled { kept } else { None }))
        })
        .collect();
    let maxima = provisioning::partner_max(&mut tx, scope.org.id).await?;
    let partner_limit = |p: Package| {
        maxima
            .get(p.id())
            .copied()
            .unwrap_or(quantities::DEFAULT_PARTNER_MAX)
    };
    // (A block: `Current` holds `&dyn Fn`, which must not live across an await.)
    let checked = {
        let holding = quantities::Current {
            quantity_enabled: facts.package_quantity_enabled,
            assigned: &assigned_of,
            in_migration: false,
        };
        let asked = quantities::Requested {
            quantity_enabled,
            packages: &with_quantities,
        };
        quantities::check(Some(&holding), &asked, &partner_limit)
    };
    if let Err(problems) = checked {
        for problem in problems {
            let field = match problem.package {
                Some(p) => format!("provisioningParameters.packages.limits.{}", p.id()),
                None => "provisioningParameters.packages.limits".to_string(),
            };
            add(&mut errors, &field, problem.message);
        }
    }

    // Provisioning parameters other than quantities.
    if let Some(l) = &req.location {
        let prefix = "provisioningParameters.calling.location";
        if l.name.trim().is_empty() {
            add(
                &mut errors,
                &format!("{prefix}.name"),
                "Enter the location name.",
            );
        }
        provisioning::check_address(&l.address, &format!("{prefix}.address"), &mut errors);
        if !timezones::is_supported(l.timezone.trim()) {
            add(
                &mut errors,
                &format!("{prefix}.timezone"),
                timezones::error_message(l.timezone.trim()),
            );
        }
        if let Err(e) = locales::resolve(l.language.trim(), &address.country) {
            add(&mut errors, &format!("{prefix}.language"), e.to_string());
        }
    }
    let meetings_timezone = trimmed(&req.meetings_timezone);
    if let Some(tz) = meetings_timezone.as_deref()
        && !timezones::is_supported(tz)
    {
        add(
            &mut errors,
            "provisioningParameters.meetings.timezone",
            timezones::error_message(tz),
        );
    }

    // Delayed billing start (SPEC §4.2): with the partner setting, until billing has
    // started, at most 90 days after the customer was created.
    if let Some(start) = req.billing_start_date
        && Some(start) != facts.billing_start_date
    {
        let latest = facts.created_at.date() + Duration::days(MAX_BILLING_DELAY_DAYS);
        let started = facts.billing_start_date.is_none_or(|d| d <= today);
        if !provisioning::delayed_billing_allowed(&mut tx, scope).await? {
            add(
                &mut errors,
                "billingStartDate",
                provisioning::DELAYED_BILLING_OFF,
            );
        } else if started {
            add(
                &mut errors,
                "billingStartDate",
                "Billing for this customer has already started, so its start date cannot change.",
            );
        } else {
            let from = "the customer was created";
            provisioning::check_billing_start(&mut errors, start, today, latest, from);
        }
    }

    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    // Apply.
    sqlx::query(
        "UPDATE orgs SET status = 'updating', external_id = $2, address_line1 = $3, address_line2 = $4, city = $5,
                state_or_province = $6, zip_or_postal_code = $7, country = $8,
                meetings_timezone = coalesce($9, meetings_timezone),
                billing_start_date = coalesce($10, billing_start_date), updated_at = $11
         WHERE id = $1",
    )
    .bind(customer_id)
    .bind(&external_id)
    .bind(&address.address_line1)
    .bind(&address.address_line2)
    .bind(&address.city)
    .bind(&address.state_or_province)
    .bind(&address.zip_or_postal_code)
    .bind(&address.country)
    .bind(&meetings_timezone)
    .bind(req.billing_start_date)
    .bind(now)
    .execute(&mut *tx)
    .await
    // A concurrent change took the external id after the check above (migration 0008).
    .map_err(|e| match &e {
        sqlx::Error::Database(db) if db.constraint() == Some("orgs_external_id_live_key") => {
            external_id_conflict(external_id.as_deref().unwrap_or_default())
        }
        _ => AppError::Sqlx(e),
    })?;
    for (package, quantity) in &with_quantities {
        sqlx::query(
            "INSERT INTO customer_packages (org_id, package, quantity, status, created_at)
             VALUES ($1, $2, $3, 'provisioning', $4)
             ON CONFLICT (org_id, package) DO UPDATE SET quantity = EXCLUDED.quantity",
        )
        .bind(customer_id)
        .bind(package.id())
        .bind(quantity.map(|q| q as i32))
        .bind(now)
        .execute(&mut *tx)
        .await?;
    }
    sqlx::query(
        "UPDATE customer_packages SET status = 'deleting' WHERE org_id = $1 AND package = ANY($2)",
    )
    .bind(customer_id)
    .bind(&removed)
    .execute(&mut *tx)
    .await?;
    if address_changed {
        compliance::enqueue_check(&mut tx, customer_id, "address_change", now).await?;
    }
    queue::enqueue(&mut tx, &NewJob::for_customer(UPDATE_JOB, customer_id), now).await?;
    let added: Vec<&str> = requested
        .iter()
        .map(|p| p.id())
        .filter(|id| !current.iter().any(|c| c.package == *id))
        .collect();
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        customer_id,
        "customer.update",
        serde_json::json!({
                "packages": with_quantities.iter().map(|(p, q)| serde_json::json!({ "package": p.id(), "quantity": q })).collect::<Vec<_>>(),
                "added": added,
                "removed": removed,
                "external_id": external_id,
                "address_changed": address_changed,
                "meetings_timezone": meetings_timezone,
                "billing_start_date": req.billing_start_date.map(|d| d.to_string()),
            }),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Starts removing a customer's wholesale services (SPEC §4.4): status `deleting` until
/// the `customer.delete` job has removed them; the org record and its people stay.
pub async fn delete(
    state: &AppState,
    scope: &PartnerScope,
    customer_id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let facts = lock_for_change(&mut tx, scope, customer_id).await?;
    start_removal(&mut tx, customer_id, now).await?;
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        customer_id,
        "customer.delete",
        serde_json::json!({ "previous_status": facts.status, "external_id": facts.external_id }),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Marks a customer and its packages `deleting` and enqueues the `customer.delete` job
/// that removes its wholesale services and users (the org record stays). Used by the
/// delete door and by compliance deprovisioning.
pub async fn start_removal(
    conn: &mut PgConnection,
    customer_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE orgs SET status = 'deleting', updated_at = $2 WHERE id = $1")
        .bind(customer_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    sqlx::query("UPDATE customer_packages SET status = 'deleting' WHERE org_id = $1")
        .bind(customer_id)
        .execute(&mut *conn)
        .await?;
    queue::enqueue(conn, &NewJob::for_customer(DELETE_JOB, customer_id), now).await?;
    Ok(())
}

fn org_of(job: &ClaimedJob) -> anyhow::Result<Uuid> {
    Ok(serde_json::from_value(job.payload["org_id"].clone())?)
}

/// The `customer.update` job: removed packages go, new ones are provisioned, and the
/// customer is `provisioned` again — or `pending_rpl_review` while a compliance review
/// of it is open, or still `error` while a provisioning failure is unrepaired.
pub async fn run_update(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let org_id = org_of(&job)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let status: Option<Option<String>> = sqlx::query_scalar(
        "SELECT status FROM orgs WHERE id = $1 AND kind = 'customer' AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?;
    if status.flatten().as_deref() != Some("updating") {
        return Ok(()); // finished by an earlier run, or deleted meanwhile
    }
    sqlx::query("DELETE FROM customer_packages WHERE org_id = $1 AND status = 'deleting'")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query(
        "UPDATE customer_packages SET status = 'provisioned', errors = '[]' WHERE org_id = $1 AND status = 'provisioning'",
    )
    .bind(org_id)
    .execute(&mut *tx)
    .await?;
    sqlx::query(
        "UPDATE orgs SET
             status = CASE
                 WHEN compliance_status = 'pending_review' THEN 'pending_rpl_review'
                 WHEN EXISTS (SELECT 1 FROM customer_packages WHERE org_id = $1 AND status = 'error') THEN 'error'
                 ELSE 'provisioned' END,
             errors = CASE WHEN EXISTS (SELECT 1 FROM customer_packages WHERE org_id = $1 AND status = 'error')
                           THEN errors ELSE '[]' END,
             updated_at = $2
         WHERE id = $1",
    )
    .bind(org_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(())
}

/// The `customer.delete` job: ends every open licence of the customer (billing stops
/// now), removes its subscribers' and workspaces' wholesale packages and its own, and
/// marks the org deleted. The org record and its people stay.
pub async fn run_delete(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let org_id = org_of(&job)?;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let status: Option<Option<String>> = sqlx::query_scalar(
        "SELECT status FROM orgs WHERE id = $1 AND kind = 'customer' AND deleted_at IS NULL FOR UPDATE",
    )
    .bind(org_id)
    .fetch_optional(&mut *tx)
    .await?;
    if status.flatten().as_deref() != Some("deleting") {
        return Ok(()); // finished by an earlier run
    }
    sqlx::query(
        "UPDATE license_assignments SET ended_at = greatest($2, started_at)
         WHERE customer_org_id = $1 AND ended_at IS NULL",
    )
    .bind(org_id)
    .bind(now)
    .execute(&mut *tx)
    .await?;
    sqlx::query("DELETE FROM subscribers WHERE customer_org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM workspaces WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("DELETE FROM customer_packages WHERE org_id = $1")
        .bind(org_id)
        .execute(&mut *tx)
        .await?;
    sqlx::query("UPDATE orgs SET deleted_at = $2, updated_at = $2 WHERE id = $1")
        .bind(org_id)
        .bind(now)
        .execute(&mut *tx)
        .await?;
    tx.commit().await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_read_as_words() {
        assert_eq!(plural(1, "user", "users"), "1 user");
        assert_eq!(plural(3, "workspace", "workspaces"), "3 workspaces");
    }
}
