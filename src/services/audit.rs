//! Audit entries that follow what people do at the doors: a partner admin's change, a
//! sign-out, a refusal. The doors call these instead of writing the log themselves.

use uuid::Uuid;

use crate::services::RequestCtx;
use crate::state::AppState;
use crate::store;
use crate::tenancy::actor::SlotActor;

/// Records a change a partner admin made from their hub (pages or API) to `target`.
pub async fn audit_partner_change(
    conn: &mut sqlx::PgConnection,
    scope: &crate::tenancy::scope::PartnerScope,
    target: Uuid,
    action: &str,
    detail: serde_json::Value,
    ctx: &RequestCtx<'_>,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            actor_person_id: Some(scope.actor.person_id),
            actor_email: Some(&scope.actor.email),
            acting_for_org_id: Some(scope.org.id),
            target_org_id: Some(target),
            action,
            outcome: "success",
            detail,
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        now,
    )
    .await
}

/// Records a change made in a customer's Control Hub, by its own admin or by a partner
/// admin who launched it (then acting for the partner).
pub async fn audit_control_change(
    conn: &mut sqlx::PgConnection,
    scope: &crate::tenancy::scope::CustomerScope,
    ctx: &RequestCtx<'_>,
    action: &str,
    detail: serde_json::Value,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            actor_person_id: Some(scope.actor.person_id),
            actor_email: Some(&scope.actor.email),
            acting_for_org_id: Some(scope.partner.as_ref().map_or(scope.org.id, |p| p.id)),
            target_org_id: Some(scope.org.id),
            action,
            outcome: "success",
            detail,
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        now,
    )
    .await
}

/// Records a change a background job made to the customer `target`, for the
/// (sub-)partner `partner` that onboarded it: nobody did it there and then, so there is
/// no actor and no request; `outcome` is `success` or `failure`.
pub async fn audit_job_change(
    conn: &mut sqlx::PgConnection,
    partner: Option<Uuid>,
    target: Uuid,
    action: &str,
    outcome: &str,
    detail: serde_json::Value,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            acting_for_org_id: partner,
            target_org_id: Some(target),
            action,
            outcome,
            detail,
            ..Default::default()
        },
        now,
    )
    .await
}

/// Records a change an admin made to their own things (their API tokens): acting for
/// their own org, about no customer. `ctx` is `None` from the command line.
pub async fn audit_own_change(
    conn: &mut sqlx::PgConnection,
    who: &SlotActor,
    action: &str,
    detail: serde_json::Value,
    ctx: Option<&RequestCtx<'_>>,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            actor_person_id: Some(who.person_id),
            actor_email: Some(&who.email),
            acting_for_org_id: Some(who.org_id),
            target_org_id: None,
            action,
            outcome: "success",
            detail,
            request_id: ctx.map(|c| c.request_id),
            ip: ctx.map(|c| c.ip),
        },
        now,
    )
    .await
}

/// Records a sign-out of `person` (looked up for their email and org).
pub async fn record_sign_out(
    state: &AppState,
    person_id: Uuid,
    ctx: &RequestCtx<'_>,
) -> sqlx::Result<()> {
    let person = store::people::by_id(&state.db, person_id).await?;
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_person_id: Some(person_id),
            actor_email: person.as_ref().map(|p| p.email.as_str()),
            acting_for_org_id: person.as_ref().map(|p| p.org_id),
            target_org_id: person.as_ref().map(|p| p.org_id),
            action: "logout",
            outcome: "success",
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await
}

/// A request the server refused with 403.
pub struct Denial<'a> {
    /// Who asked, when known.
    pub who: Option<&'a SlotActor>,
    pub method: &'a str,
    pub path: &'a str,
    /// What refused it (`policy`, `csrf`, …).
    pub refused_by: &'a str,
}

/// Records a refusal (every 403 is audited with the actor, when there is one).
pub async fn record_denial(
    state: &AppState,
    denial: &Denial<'_>,
    ctx: &RequestCtx<'_>,
) -> sqlx::Result<()> {
    let who = denial.who;
    let entry = store::audit::Entry {
        actor_person_id: who.map(|w| w.person_id),
        actor_email: who.map(|w| w.email.as_str()),
        acting_for_org_id: who.map(|w| w.org_id),
        target_org_id: None,
        action: "authorization.denied",
        outcome: "denied",
        detail: serde_json::json!({ "method": denial.method, "path": denial.path, "refused_by": denial.refused_by }),
        request_id: Some(ctx.request_id),
        ip: Some(ctx.ip),
    };
    store::audit::append(&state.db, &entry, state.clock.now()).await
}

/// Records entering (`cross_launch.enter`) or leaving (`cross_launch.leave`) a
/// sub-partner's hub, `from` one org `to` another; `outcome` is `success`, or
/// `denied` for an entry into a suspended sub-partner.
pub async fn record_cross_launch(
    state: &AppState,
    actor: &crate::tenancy::Actor,
    from: Uuid,
    to: Uuid,
    action: &str,
    outcome: &str,
    ctx: &RequestCtx<'_>,
) -> sqlx::Result<()> {
    store::audit::append(
        &state.db,
        &store::audit::Entry {
            actor_person_id: Some(actor.person_id),
            actor_email: Some(&actor.email),
            acting_for_org_id: Some(from),
            target_org_id: Some(to),
            action,
            outcome,
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
            ..Default::default()
        },
        state.clock.now(),
    )
    .await
}
