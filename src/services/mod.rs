//! Use cases called by `web/` and `api/`. Business rules and tenancy checks live here
//! (and in `domain/`), once, so a page and the API can never disagree.

pub mod compliance;
pub mod customer_lifecycle;
pub mod customer_settings;
pub mod emails;
pub mod provisioning;
pub mod setup_assist;
pub mod sign_in;
pub mod templates;

/// Request facts a service writes into the audit log.
pub struct RequestCtx<'a> {
    pub request_id: &'a str,
    pub ip: &'a str,
}

/// Records a change a partner admin made from their hub (pages or API) to `target`.
pub async fn audit_partner_change(
    conn: &mut sqlx::PgConnection,
    scope: &crate::auth::PartnerScope,
    target: uuid::Uuid,
    action: &str,
    detail: serde_json::Value,
    ctx: &RequestCtx<'_>,
    now: time::OffsetDateTime,
) -> sqlx::Result<()> {
    crate::store::audit::append(
        conn,
        &crate::store::audit::Entry {
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
