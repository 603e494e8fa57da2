//! An admin's own API tokens (SPEC §9): creating and revoking one, each audited in the
//! transaction that makes the change.

use uuid::Uuid;

use crate::AppState;
use crate::auth::PartnerScope;
use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::store;

async fn audit(
    conn: &mut sqlx::PgConnection,
    state: &AppState,
    scope: &PartnerScope,
    ctx: &RequestCtx<'_>,
    action: &str,
    detail: serde_json::Value,
) -> sqlx::Result<()> {
    store::audit::append(
        conn,
        &store::audit::Entry {
            actor_person_id: Some(scope.actor.person_id),
            actor_email: Some(&scope.actor.email),
            acting_for_org_id: Some(scope.actor.home_org_id),
            target_org_id: None,
            action,
            outcome: "success",
            detail,
            request_id: Some(ctx.request_id),
            ip: Some(ctx.ip),
        },
        state.clock.now(),
    )
    .await
}

/// Creates a token named `name` (already checked) for the signed-in admin; answers its
/// id and its secret, which is shown once and stored only hashed.
pub async fn create(
    state: &AppState,
    scope: &PartnerScope,
    name: &str,
    ctx: &RequestCtx<'_>,
) -> AppResult<(Uuid, String)> {
    let mut tx = state.db.begin().await?;
    let (id, secret) =
        store::tokens::create(&mut *tx, scope.actor.person_id, name, state.clock.now()).await?;
    let detail = serde_json::json!({
        "token_id": id,
        "name": name,
        "prefix": &secret[..store::tokens::PREFIX_LEN],
    });
    audit(&mut tx, state, scope, ctx, "api_token.create", detail).await?;
    tx.commit().await?;
    Ok((id, secret))
}

/// Revokes one of the signed-in admin's own tokens; anyone else's is 404.
pub async fn revoke(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    let mut tx = state.db.begin().await?;
    if !store::tokens::revoke(&mut *tx, scope.actor.person_id, id, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "token_id": id });
    audit(&mut tx, state, scope, ctx, "api_token.revoke", detail).await?;
    tx.commit().await?;
    Ok(())
}
