//! Changing a customer (SPEC §4.4): external id, the complete package list, billing
//! address, provisioning parameters and billing start date, with the rules of creation.
//! The customer is `updating` until the `customer.update` job finishes.

use std::collections::BTreeSet;

use time::Duration;
use uuid::Uuid;

use super::input::CustomerUpdate;
use super::rules::{self, MAX_EXTERNAL_ID, external_id_conflict, lock_for_change};
use crate::domain::address::{check_address, clean_address};
use crate::domain::billing_start::{MAX_BILLING_DELAY_DAYS, check_billing_start};
use crate::domain::fields::{Field, add, trimmed};
use crate::domain::package_choice::{check_limit_keys, check_packages};
use crate::domain::packages::Package;
use crate::domain::{countries, quantities, timezones};
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::payloads::{JobPayload, UpdateCustomer};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker::JobContext;
use crate::services::{RequestCtx, compliance};
use crate::state::AppState;
use crate::store;
use crate::store::customer_records::CustomerChange;
use crate::tenancy::scope::PartnerScope;

pub const UPDATE_JOB: &str = UpdateCustomer::KIND;

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
    let (customer, facts) = lock_for_change(&mut tx, scope, customer_id).await?;

    // External id: a duplicate is a conflict, as on creation.
    let external_id = match req.external_id.as_deref().map(str::trim) {
        None => facts.external_id.clone(),
        Some("") => None,
        Some(e) => {
            if facts.external_id.as_deref() != Some(e)
                && store::customer_records::external_id_in_use(
                    &mut tx,
                    scope.org_id(),
                    e,
                    Some(customer_id),
                )
                .await?
            {
                return Err(external_id_conflict(e));
            }
            Some(e.to_string())
        }
    };

    let mut errors = FieldErrors::new();
    if external_id
        .as_deref()
        .is_some_and(|e| e.chars().count() > MAX_EXTERNAL_ID)
    {
        add(
            &mut errors,
            Field::ExternalId,
            "The external id can be at most 200 characters.",
        );
    }

    // The billing address.
    let current_address = facts.address();
    let address = match &req.address {
        Some(a) => {
            check_address(a, Field::Address, &mut errors);
            clean_address(a)
        }
        None => current_address.clone(),
    };
    let address_changed = address != current_address;
    let country = Some(address.country.as_str()).filter(|c| countries::is_valid(c));

    // The complete package list, with the add-on and India rules of creation.
    let requested: Vec<Package> = match &req.packages {
        Some(raw) => check_packages(raw, country, &mut errors),
        None => {
            add(
                &mut errors,
                Field::Packages,
                "Send the complete list of packages: a package left out is removed.",
            );
            vec![]
        }
    };
    let current = store::customer_packages::current(&mut tx, customer).await?;
    let assigned = store::customer_packages::assigned_counts(&mut tx, customer).await?;
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
    // A full admin keeps the package the customer was created with: it is never
    // downgraded (SPEC §4.2), so a change may not take it away from under them.
    let full_admins = if removed.is_empty() {
        vec![]
    } else {
        store::customer_packages::full_admin_packages(&mut tx, customer).await?
    };
    let mut unconfirmed = vec![];
    for package in &removed {
        let (users, workspaces) = assigned.get(package).copied().unwrap_or_default();
        let name = crate::domain::packages::display_name(package);
        if let Some((admin, _)) = full_admins.iter().find(|(_, p)| p == package) {
            let others = match ((users - 1).max(0), workspaces) {
                (0, 0) => String::new(),
                (u, 0) => format!(
                    " It is also assigned to {}.",
                    plural(u, "other user", "other users")
                ),
                (0, w) => format!(
                    " It is also assigned to {}.",
                    plural(w, "workspace", "workspaces")
                ),
                (u, w) => format!(
                    " It is also assigned to {} and {}.",
                    plural(u, "other user", "other users"),
                    plural(w, "workspace", "workspaces")
                ),
            };
            add(
                &mut errors,
                Field::Packages,
                format!(
                    "{name} cannot be removed: the customer's full administrator, {admin}, holds it, \
                     and a full administrator's package cannot be downgraded.{others}"
                ),
            );
            continue;
        }
        if users + workspaces == 0 {
            if req
                .confirmed_removals
                .as_ref()
                .is_some_and(|confirmed| !confirmed.contains(package))
            {
                unconfirmed.push(name);
            }
        } else {
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
                Field::Packages,
                format!(
                    "{name} cannot be removed: it is still assigned to {holders}. Move them to another package first."
                ),
            );
        }
    }
    if !unconfirmed.is_empty() {
        add(
            &mut errors,
            Field::PackageRemoval,
            format!(
                "Confirm that {} should be removed from this customer.",
                unconfirmed.join(" and ")
            ),
        );
    }

    // Quantities (SPEC §4.1), checked against what the customer holds now.
    let quantity_enabled = req.limits.is_some() || facts.package_quantity_enabled;
    let limits = req.limits.clone().unwrap_or_default();
    check_limit_keys(&limits, &requested, &mut errors);
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
    let maxima = store::package_limits::partner_max(&mut tx, scope.org_id()).await?;
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
                Some(p) => Field::PackageLimit(p.id().to_string()),
                None => Field::PackageLimits,
            };
            add(&mut errors, field, problem.message);
        }
    }

    // Provisioning parameters other than quantities.
    if let Some(l) = &req.location {
        rules::check_location(l, &address.country, &mut errors);
    }
    let meetings_timezone = trimmed(&req.meetings_timezone);
    if let Some(tz) = meetings_timezone.as_deref()
        && !timezones::is_supported(tz)
    {
        add(
            &mut errors,
            Field::MeetingsTimezone,
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
        if !rules::delayed_billing_allowed(&mut tx, scope).await? {
            add(
                &mut errors,
                Field::BillingStartDate,
                rules::DELAYED_BILLING_OFF,
            );
        } else if started {
            add(
                &mut errors,
                Field::BillingStartDate,
                "Billing for this customer has already started, so its start date cannot change.",
            );
        } else {
            let from = "the customer was created";
            check_billing_start(&mut errors, start, today, latest, from);
        }
    }

    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }

    // Apply.
    let change = CustomerChange {
        external_id: external_id.as_deref(),
        address_line1: &address.address_line1,
        address_line2: address.address_line2.as_deref(),
        city: &address.city,
        state_or_province: address.state_or_province.as_deref(),
        zip_or_postal_code: address.zip_or_postal_code.as_deref(),
        country: &address.country,
        meetings_timezone: meetings_timezone.as_deref(),
        billing_start_date: req.billing_start_date,
    };
    store::customer_records::start_update(&mut tx, customer, &change, now)
        .await
        // A concurrent change took the external id after the check above (migration 0008).
        .map_err(|e| match &e {
            sqlx::Error::Database(db)
                if db.constraint() == Some(store::customer_records::EXTERNAL_ID_KEY) =>
            {
                external_id_conflict(external_id.as_deref().unwrap_or_default())
            }
            _ => AppError::Sqlx(e),
        })?;
    for (package, quantity) in &with_quantities {
        store::customer_packages::upsert(
            &mut tx,
            customer,
            package.id(),
            quantity.map(|q| q as i32),
            now,
        )
        .await?;
    }
    store::customer_packages::mark_removed(&mut tx, customer, &removed).await?;
    if address_changed {
        compliance::enqueue_check(&mut tx, customer, "address_change", now).await?;
    }
    queue::enqueue_payload(
        &mut tx,
        &UpdateCustomer {
            org_id: customer_id,
        },
        now,
    )
    .await?;
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

/// The `customer.update` job: removed packages go, new ones are provisioned, and the
/// customer is `provisioned` again — or `pending_rpl_review` while a compliance review
/// of it is open, or still `error` while a provisioning failure is unrepaired.
pub async fn run_update(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let org_id = UpdateCustomer::of(&job)?.org_id;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let status = store::customer_records::lock_status(&mut tx, org_id).await?;
    if status.flatten().as_deref() != Some("updating") {
        return Ok(()); // finished by an earlier run, or deleted meanwhile
    }
    store::customer_packages::settle_update(&mut tx, org_id).await?;
    store::customer_records::finish_update(&mut tx, org_id, now).await?;
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
