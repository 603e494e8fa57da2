//! Org-level settings of a customer that only partner admins change (SPEC §7), and the
//! company name a customer admin may change unless restricted mode locks it.

use crate::domain::company_name::check_company_name;
use crate::domain::restrictions::{Control, OrgRestrictions};
use crate::error::{AppError, AppResult};
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::{self};
use crate::tenancy::scope::{CustomerScope, PartnerScope};

pub use super::RequestCtx;

/// Sets *Allow restricted by partner mode*, whether the customer also holds a Flex
/// subscription (a hybrid customer, SPEC §7), and *Restrict access to organisation
/// settings* (hybrid customers only) on a customer the partner onboarded. Flex `None`
/// keeps what the customer has.
pub async fn set_global_settings(
    state: &AppState,
    scope: &PartnerScope,
    customer_id: uuid::Uuid,
    wanted: OrgRestrictions,
    has_flex_subscription: Option<bool>,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    // 404 before 403: a foreign customer must not be told apart from a missing one.
    let customer = store::customers::detail(&mut *tx, scope.org_id(), customer_id)
        .await?
        .ok_or(AppError::NotFound)?;
    if !policy::may_change_restricted_settings(&scope.roles) {
        return Err(AppError::Forbidden);
    }
    let has_flex_subscription = has_flex_subscription.unwrap_or(customer.has_flex_subscription);
    if wanted.restrict_org_settings && !has_flex_subscription {
        return Err(AppError::field(
            crate::domain::fields::Field::RestrictOrgSettings,
            "Only customers that hold both a wholesale and a Flex subscription can have organisation settings restricted.",
        ));
    }
    store::orgs::lock_customer(&mut *tx, customer.customer_org()).await?;
    store::orgs::set_restrictions(&mut *tx, customer_id, wanted, has_flex_subscription).await?;
    super::audit_partner_change(
        &mut tx,
        scope,
        customer_id,
        "customer.global_settings.update",
        serde_json::json!({
            "restricted_by_partner": wanted.restricted_by_partner,
            "restrict_org_settings": wanted.restrict_org_settings,
            "has_flex_subscription": has_flex_subscription,
        }),
        ctx,
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Renames a customer org from its Control Hub Account page.
pub async fn rename_company(
    state: &AppState,
    scope: &CustomerScope,
    name: &str,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require_change(Control::CompanyName)?;
    let name = name.trim();
    let mut errors = crate::error::FieldErrors::new();
    check_company_name(
        name,
        crate::domain::fields::Field::CustomerName,
        &mut errors,
    );
    if !errors.is_empty() {
        return Err(AppError::Validation(errors));
    }
    let mut tx = state.db.begin().await?;
    store::orgs::rename(&mut *tx, scope.org.id, name).await?;
    store::audit::append(
        &mut *tx,
        &store::audit::Entry {
            actor_person_id: Some(scope.actor.person_id),
            actor_email: Some(&scope.actor.email),
            acting_for_org_id: Some(scope.org.id),
            target_org_id: Some(scope.org.id),
            action: "customer.account.rename",
            outcome: "success",
            detail: serde_json::json!({ "from": scope.org.name, "to": name }),
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}
