//! An org admin's answer to a partner's request to attach wholesale (SPEC §4.5): the
//! org's full admin accepts or declines it in Control Hub. Accepting applies the plan
//! the partner's request was checked with, and gives the partner a full admin's
//! rights: the org's own administrator agreed to it.

use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::services::audit::audit_control_change;
use crate::services::customer::attach;
use crate::state::AppState;
use crate::store;
use crate::tenancy::policy::CustomerAccess;
use crate::tenancy::scope::CustomerScope;

/// May this visitor answer the org's requests? Its own full admins only: not a
/// read-only admin, and never a partner admin (the request is about a partner).
pub fn may_answer(scope: &CustomerScope) -> bool {
    scope.access == CustomerAccess::CustomerFull
}

/// The org's requests, for its own admins; a partner admin is never shown them (404:
/// the page does not exist for them).
pub async fn requests(
    state: &AppState,
    scope: &CustomerScope,
) -> AppResult<Vec<store::consents::OrgView>> {
    if scope.access.is_partner() {
        return Err(AppError::NotFound);
    }
    Ok(store::consents::for_org(&state.db, scope.org_id()).await?)
}

/// The refusal of a visitor who may not answer, before anything of their form is
/// read: 404 for a partner admin (as the page), 403 for a read-only admin.
pub fn require_answerer(scope: &CustomerScope) -> AppResult<()> {
    if scope.access.is_partner() {
        Err(AppError::NotFound)
    } else if !may_answer(scope) {
        Err(AppError::Forbidden)
    } else {
        Ok(())
    }
}

/// Accepts (`accept`) or declines a waiting request; says what happened, for the page.
pub async fn answer(
    state: &AppState,
    scope: &CustomerScope,
    id: Uuid,
    accept: bool,
    ctx: &RequestCtx<'_>,
) -> AppResult<String> {
    require_answerer(scope)?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let Some(pending) = store::consents::lock_pending(&mut tx, scope.org_id(), id).await? else {
        return Err(AppError::Conflict(
            "This request has been answered already, or withdrawn.".into(),
        ));
    };
    if accept {
        let org = store::existing_orgs::lock(&mut tx, scope.org.id)
            .await?
            .ok_or(AppError::NotFound)?;
        if org.onboarded_by.is_some() {
            return Err(AppError::Conflict(
                "Your organisation's wholesale services are managed by a partner already.".into(),
            ));
        }
        if pending.template_id.is_none() {
            return Err(AppError::Conflict(format!(
                "{}'s onboarding template for this request no longer exists, so it cannot be applied; \
                 nothing changed. Decline it, and {0} can ask again.",
                pending.partner_name
            )));
        }
        let plan = attach::stored_plan(&pending.request)?;
        attach::apply(
            &mut tx,
            pending.partner(),
            pending.partner_parent,
            scope.org.id,
            &plan,
            "full_admin",
            now,
        )
        .await?;
    }
    store::consents::decide(
        &mut tx,
        scope.org_id(),
        id,
        accept,
        scope.actor.person_id,
        now,
    )
    .await?;
    audit_control_change(
        &mut tx,
        scope,
        ctx,
        if accept {
            "customer.attach_accepted"
        } else {
            "customer.attach_declined"
        },
        serde_json::json!({ "consent_request": id, "partner": pending.partner_name }),
        now,
    )
    .await?;
    tx.commit().await?;
    Ok(if accept {
        format!(
            "You accepted. {} now provides and manages wholesale services for your organisation; they are being set up.",
            pending.partner_name
        )
    } else {
        format!(
            "You declined the request of {}. Nothing changed.",
            pending.partner_name
        )
    })
}
