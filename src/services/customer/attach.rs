//! Attaching wholesale to an org that existed before (SPEC §4.5), through
//! `POST /v1/wholesale/customers` with `orgId`.
//!
//! The request is checked by creation's rules (`plan`, without a name or an email: the
//! org keeps its own). Then:
//! - an org with 100 or more people, a verified email domain or a claimed domain needs
//!   its admin's consent: a request waits in its Control Hub (`consent`), holding the
//!   checked plan, and its full admins are emailed only when the template allows
//!   admin-invite emails;
//! - any other org is attached at once, telling nobody. The partner's admins get a
//!   provisioning admin's rights, or a full admin's when the org holds no licence that
//!   is still active.
//!
//! An attached org keeps its name, its primary email and its own sign-in settings; its
//! restricted-by-partner mode is off; the provisioning job makes nobody its admin
//! (`first_admin`); and Partner Hub changes its provisioning through the API only.

use uuid::Uuid;

use super::plan::{Plan, plan};
use super::rules::taken;
use crate::domain::fields::add;
use crate::error::{AppError, AppResult, FieldErrors};
use crate::jobs::payloads::ProvisionCustomer;
use crate::jobs::queue;
use crate::services::{RequestCtx, compliance, emails};
use crate::state::AppState;
use crate::store;
use crate::store::consents::NewConsent;
use crate::store::emails::NewEmail;
use crate::store::existing_orgs::{AttachRecord, ExistingOrg};
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::{CustomerOrgId, PartnerOrgId, PartnerScope};

/// An org with this many people needs its admin's consent (SPEC §4.5).
pub const CONSENT_PEOPLE: i64 = 100;

/// Another partner's org, a partner org, or no org: the same answer, so that the
/// request tells nothing about orgs the partner has no business with.
const NOT_ATTACHABLE: &str = "There is no organisation with this id that can be attached.";
const TRIAL: &str =
    "This organisation is a trial: trials cannot be converted to wholesale customers.";

/// What became of an attach request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Attached {
    /// Attached now; the provisioning job finishes it.
    Now,
    /// Waiting for the org admin's answer in Control Hub.
    AwaitingConsent,
}

/// Why an org's admin must consent, if they must.
pub fn consent_reason(org: &ExistingOrg) -> Option<&'static str> {
    if org.people >= CONSENT_PEOPLE {
        Some("it has 100 or more users")
    } else if org.verified_domain.is_some() {
        Some("it has a verified email domain")
    } else if org.claimed_domain.is_some() {
        Some("it has claimed its domain")
    } else {
        None
    }
}

/// The rights an automatic attach gives the partner: a full admin's when the org holds
/// no licence, or only suspended or cancelled ones; a provisioning admin's otherwise.
pub fn automatic_rights(org: &ExistingOrg) -> &'static str {
    if org.active_licences {
        "provisioning_admin"
    } else {
        "full_admin"
    }
}

fn refused(message: impl Into<String>) -> AppError {
    let mut errors = FieldErrors::new();
    add(&mut errors, "orgId", message.into());
    AppError::Validation(errors)
}

/// Locks the org a request names and says whether this partner may attach it.
pub(super) async fn attachable(
    conn: &mut sqlx::PgConnection,
    scope: &PartnerScope,
    org_id: Uuid,
) -> AppResult<ExistingOrg> {
    let org = store::existing_orgs::lock(conn, org_id)
        .await?
        .filter(|o| o.kind == "customer")
        .ok_or_else(|| refused(NOT_ATTACHABLE))?;
    match org.onboarded_by {
        Some(by) if by == scope.org.id => Err(AppError::Conflict(
            "This organisation is already your wholesale customer: change it with PUT /v1/wholesale/customers/{id}."
                .into(),
        )),
        Some(_) => Err(refused(NOT_ATTACHABLE)),
        None if org.is_trial => Err(refused(TRIAL)),
        None => Ok(org),
    }
}

/// Attaches wholesale to the existing org `req.attach_to`, or asks its admin to consent.
/// Returns the org's id (the customer's, once attached) and which of the two happened.
pub async fn attach(
    state: &AppState,
    scope: &PartnerScope,
    req: &super::NewCustomer,
    ctx: &RequestCtx<'_>,
) -> AppResult<(Uuid, Attached)> {
    scope.require(PartnerAction::ManageCustomers)?;
    let org_id = req
        .attach_to
        .ok_or_else(|| refused("Name the organisation to attach."))?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let org = attachable(&mut tx, scope, org_id).await?;
    let plan = plan(&mut tx, scope, req, now.date()).await?;
    let outcome = match consent_reason(&org) {
        Some(reason) => {
            let id = Uuid::new_v4();
            let request = serde_json::to_value(&plan).map_err(anyhow::Error::from)?;
            store::consents::insert(
                &mut tx,
                &NewConsent {
                    id,
                    org: org.id,
                    partner: scope.org_id(),
                    template_id: plan.template_id,
                    requested_by: scope.actor.person_id,
                    request: &request,
                },
                now,
            )
            .await
            .map_err(|e| match &e {
                sqlx::Error::Database(db) if db.constraint() == Some(store::consents::PENDING_KEY) => {
                    AppError::Conflict(
                        "A request to attach this organisation is already waiting for its administrator's consent."
                            .into(),
                    )
                }
                _ => AppError::Sqlx(e),
            })?;
            if plan.allow_admin_invite_emails {
                invite_admins(&mut tx, &org, &scope.org.name, &plan.brand, state, now).await?;
            }
            crate::services::audit_partner_change(
                &mut tx,
                scope,
                org.id,
                "customer.attach_requested",
                serde_json::json!({ "consent_request": id, "why": reason, "packages": package_ids(&plan) }),
                ctx,
                now,
            )
            .await?;
            Attached::AwaitingConsent
        }
        None => {
            let rights = automatic_rights(&org);
            apply(
                &mut tx,
                scope.org_id(),
                scope.org.parent_org_id,
                org.id,
                &plan,
                rights,
                now,
            )
            .await?;
            crate::services::audit_partner_change(
                &mut tx,
                scope,
                org.id,
                "customer.attach",
                serde_json::json!({ "rights": rights, "packages": package_ids(&plan) }),
                ctx,
                now,
            )
            .await?;
            Attached::Now
        }
    };
    tx.commit().await?;
    Ok((org.id, outcome))
}

/// Withdraws this partner's request waiting for `org`'s consent (before its admin
/// answers). `NotFound` when none waits: the org is then nothing of the partner's.
pub async fn withdraw(
    state: &AppState,
    scope: &PartnerScope,
    org: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    // Withdrawing removes, so a suspended hub may do it too (SPEC §9.4).
    scope.require(PartnerAction::RemoveCustomers)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if !store::consents::withdraw(&mut tx, scope.org_id(), org, scope.actor.person_id, now).await? {
        return Err(AppError::NotFound);
    }
    crate::services::audit_partner_change(
        &mut tx,
        scope,
        org,
        "customer.attach_withdrawn",
        serde_json::json!({}),
        ctx,
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Why Partner Hub does not change an attached org's provisioning.
pub const PAGES_REFUSE: &str = "This organisation existed before wholesale was attached to it, so its \
     provisioning is changed through the API only (PUT /v1/wholesale/customers/{id}); nothing was changed here.";

/// Partner Hub changes an attached org's provisioning through the API only (SPEC §4.5):
/// the reason the pages refuse a change of this customer, if they do. 404 for a
/// customer that is not the scope's.
pub async fn refused_on_pages(
    state: &AppState,
    scope: &PartnerScope,
    customer: Uuid,
) -> AppResult<Option<&'static str>> {
    let attached = store::customers::detail(&state.db, scope.org_id(), customer)
        .await?
        .ok_or(AppError::NotFound)?
        .attached;
    Ok(attached.then_some(PAGES_REFUSE))
}

fn package_ids(plan: &Plan) -> Vec<&'static str> {
    plan.packages.iter().map(|(p, _)| p.id()).collect()
}

/// The admin-invite email of SPEC §13: the org's full admins hear that a partner asks
/// to manage wholesale for them, and where to answer.
async fn invite_admins(
    conn: &mut sqlx::PgConnection,
    org: &ExistingOrg,
    partner: &str,
    brand: &str,
    state: &AppState,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    let admins = store::consents::org_full_admins(conn, org.id).await?;
    let link = format!(
        "{}{}",
        state.config.public_url,
        crate::paths::control(org.id, "partner-requests")
    );
    let subject = format!("{partner} asks to manage {brand} services for {}", org.name);
    let body = format!(
        "Hello,\n\n{partner} asks to add {brand} wholesale services to {}, and to manage them as its partner.\n\
         Nothing changes until a full administrator of {} accepts. To accept or decline, sign in to Control Hub:\n{link}\n\n{brand}\n",
        org.name, org.name
    );
    let list: Vec<NewEmail<'_>> = admins
        .iter()
        .map(|to| NewEmail {
            org_id: Some(org.id),
            to,
            subject: &subject,
            body: &body,
            kind: "admin_invite",
            secret: None,
        })
        .collect();
    emails::send_many(conn, &list, now).await
}

/// Attaches the org to `partner` with `plan`: the wholesale side of its record, the
/// managed-by rows (and the parent's, for a sub-partner's customer), its packages, and
/// the jobs that provision it and check it for compliance — in the caller's transaction.
pub(crate) async fn apply(
    conn: &mut sqlx::PgConnection,
    partner: PartnerOrgId,
    partner_parent: Option<Uuid>,
    org: Uuid,
    plan: &Plan,
    rights: &str,
    now: time::OffsetDateTime,
) -> AppResult<CustomerOrgId> {
    let pending = super::PendingWork {
        location: plan.location.clone(),
    };
    let record = AttachRecord {
        external_id: plan.external_id.as_deref(),
        address: &plan.address,
        language: &plan.language,
        timezone: &plan.location.timezone,
        template_id: plan.template_id,
        pstn_vendor: plan.pstn_vendor.as_deref(),
        meeting_site_language: &plan.meeting_site_language,
        meetings_timezone: &plan.meetings_timezone,
        package_quantity_enabled: plan.quantity_enabled,
        billing_start_date: plan.billing_start_date,
        provisioning_request: serde_json::to_value(&pending).map_err(anyhow::Error::from)?,
        partner_rights: rights,
    };
    let customer = store::existing_orgs::attach(conn, partner, org, &record, now)
        .await
        .map_err(|e| taken(e, plan.external_id.as_deref()))?
        .ok_or_else(|| refused(NOT_ATTACHABLE))?;
    store::orgs::relate(&mut *conn, partner.id(), org, "onboarded").await?;
    if let Some(parent) = partner_parent {
        store::orgs::relate(&mut *conn, parent, org, "parent_of_sub_partner_customer").await?;
    }
    for (package, quantity) in &plan.packages {
        store::customer_packages::insert(conn, customer, package.id(), quantity.map(|q| q as i32))
            .await?;
    }
    queue::enqueue_payload(conn, &ProvisionCustomer { org_id: org }, now).await?;
    compliance::enqueue_check(conn, customer, "creation", now).await?;
    Ok(customer)
}

/// A consent request's stored plan.
pub(crate) fn stored_plan(request: &serde_json::Value) -> AppResult<Plan> {
    serde_json::from_value(request.clone()).map_err(|e| {
        AppError::Other(anyhow::anyhow!(
            "a consent request's plan does not read back: {e}"
        ))
    })
}

/// What a consent request asks for, as the pages and the API show it.
pub struct Requested {
    pub external_id: Option<String>,
    pub address: super::AddressInput,
    pub packages: Vec<String>,
}

/// What a stored request asks for; `None` if it does not read back.
pub fn requested(request: &serde_json::Value) -> Option<Requested> {
    let plan = stored_plan(request).ok()?;
    Some(Requested {
        external_id: plan.external_id,
        address: plan.address,
        packages: plan
            .packages
            .iter()
            .map(|(p, _)| p.id().to_string())
            .collect(),
    })
}
