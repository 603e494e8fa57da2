//! The `customer.provision` job, which finishes a new customer, and the retry of one
//! whose provisioning failed on its PSTN vendor (SPEC §3 step 3, §4.2).

use uuid::Uuid;

use super::first_admin;
use super::input::PendingWork;
use crate::domain::packages::Package;
use crate::domain::roles::Role;
use crate::domain::{pstn_vendors, regions};
use crate::error::{AppError, AppResult};
use crate::jobs::payloads::{JobPayload, ProvisionCustomer};
use crate::jobs::queue::{self, ClaimedJob};
use crate::jobs::worker::JobContext;
use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::store::customer_records::ProvisioningOutcome;
use crate::store::locations::NewHeadquarters;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

pub const JOB_KIND: &str = ProvisionCustomer::KIND;

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

/// The `customer.provision` job: creates the first location, the SIP domain and the
/// meeting-site settings, then marks packages and the customer provisioned and makes its
/// first administrator (`first_admin`) — or, when the template's PSTN vendor does not
/// serve the first location, `error` with reasons.
/// Runs in one transaction, so a crash leaves nothing half-made; runs again safely.
/// Everything about the customer is read in one query and written back in one update.
pub async fn run_job(ctx: JobContext, job: ClaimedJob) -> anyhow::Result<()> {
    let org_id = ProvisionCustomer::of(&job)?.org_id;
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    let Some(facts) = store::customer_records::lock_for_provisioning(&mut tx, org_id).await? else {
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
    let mut location_id = facts.location_id;
    let first_country = match (&pending, &facts.location_country) {
        (Some(p), None) => {
            let l = &p.location;
            let headquarters = NewHeadquarters {
                name: &l.name,
                address_line1: &l.address.address_line1,
                address_line2: l.address.address_line2.as_deref(),
                city: &l.address.city,
                state_or_province: l.address.state_or_province.as_deref(),
                zip_or_postal_code: l.address.zip_or_postal_code.as_deref(),
                country: &l.address.country,
                timezone: &l.timezone,
                language: &l.language,
                emergency_location_identifier: l.emergency_location_identifier.as_deref(),
                // International and premium calling are allowed, except with Cisco
                // Calling Plan (SPEC §2).
                outside_calling: !has_calling_plan,
            };
            location_id = Some(
                store::locations::insert_headquarters(&mut tx, org_id, &headquarters, now).await?,
            );
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
            if !store::customer_records::sip_domain_taken(&mut tx, &candidate).await? {
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
    store::customer_packages::set_outcome(&mut tx, org_id, &failing, &errors).await?;
    if vendor_problem.is_none()
        && matches!(facts.country.as_deref(), Some("US" | "CA"))
        && let Some(to) = &facts.notice_to
    {
        // US and Canadian customers get the emergency-services notice (SPEC §13), with
        // the template's brand name.
        let (subject, body) = crate::services::emails::e911_notice(&facts.brand, &facts.name);
        let email = store::emails::NewEmail {
            org_id: Some(org_id),
            to,
            subject: &subject,
            body: &body,
            kind: "e911_notice",
            secret: None,
        };
        crate::services::emails::send(&mut tx, &email, now).await?;
    }
    // The administrator given at creation, once the customer is provisioned (SPEC §4.2,
    // §5; `first_admin`).
    let mut org_errors = errors.clone();
    let mut with_errors = false;
    if vendor_problem.is_none() {
        let admin =
            first_admin::provision(&mut tx, org_id, &facts, location_id, &ctx.mail, now).await?;
        audit_admin(&mut tx, org_id, &facts, &admin, now).await?;
        if let first_admin::Outcome::Refused(problem) = admin {
            with_errors = true;
            if let Some(list) = org_errors.as_array_mut() {
                list.push(serde_json::json!({
                    "errorCode": first_admin::ADMIN_NOT_MADE_CODE,
                    "description": problem,
                }));
            }
        }
    }
    let outcome = ProvisioningOutcome {
        sip_domain: sip_domain.as_deref(),
        call_in_country: &call_in.country,
        call_in_number: &call_in.number,
        errors: &org_errors,
        failed: vendor_problem.is_some(),
        with_errors,
    };
    store::customer_records::finish_provisioning(&mut tx, org_id, &outcome, now).await?;
    tx.commit().await?;
    Ok(())
}

/// The audit entry of the first administrator, made or refused by the job.
async fn audit_admin(
    conn: &mut sqlx::PgConnection,
    org_id: Uuid,
    facts: &store::customer_records::ProvisioningFacts,
    admin: &first_admin::Outcome,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    let email = facts.primary_email.as_deref();
    let (outcome, detail) = match admin {
        first_admin::Outcome::Made {
            person_id,
            package,
            invited,
        } => (
            "success",
            serde_json::json!({ "email": email, "person": person_id, "role": Role::CustomerFullAdmin.as_str(),
                                "package": package, "invited": invited }),
        ),
        first_admin::Outcome::Refused(reason) => (
            "failure",
            serde_json::json!({ "email": email, "reason": reason }),
        ),
        first_admin::Outcome::AlreadyMade | first_admin::Outcome::NotForThisOrg => return Ok(()),
    };
    crate::services::audit::audit_job_change(
        conn,
        facts.onboarded_by,
        org_id,
        "customer.admin.create",
        outcome,
        detail,
        now,
    )
    .await
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
    let Some((customer, status)) =
        store::customer_records::lock_for_retry(&mut tx, scope.org_id(), customer_id).await?
    else {
        return Err(AppError::NotFound);
    };
    scope.require(PartnerAction::ManageCustomers)?;
    if status.as_deref() != Some("error") {
        return Err(AppError::Conflict(
            "Only a customer whose provisioning failed can be retried.".into(),
        ));
    }
    if drop_vendor {
        store::customer_records::drop_pstn_vendor(&mut tx, customer).await?;
    }
    store::customer_records::restart_provisioning(&mut tx, customer, now).await?;
    queue::enqueue_payload(
        &mut tx,
        &ProvisionCustomer {
            org_id: customer_id,
        },
        now,
    )
    .await?;
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
