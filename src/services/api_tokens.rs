//! An admin's own API tokens (SPEC §9): creating and revoking one, each audited in the
//! transaction that makes the change.

use uuid::Uuid;

use crate::error::{AppError, AppResult};
use crate::services::RequestCtx;
use crate::services::audit::audit_own_change;
use crate::state::AppState;
use crate::store;
use crate::store::tokens::NAME_MAX;
use crate::tenancy::actor::SlotActor;
use crate::tenancy::policy::PartnerAction;
use crate::tenancy::scope::PartnerScope;

/// A token name as it is kept (trimmed): required, at most `NAME_MAX` characters. The
/// pages and the CLI's `create-token` both ask this.
pub fn check_name(name: &str) -> AppResult<&str> {
    let name = name.trim();
    if name.is_empty() {
        return Err(AppError::field(
            "name",
            "Enter a name that says where the token is used.",
        ));
    }
    if name.chars().count() > NAME_MAX {
        return Err(AppError::field(
            "name",
            format!("Use at most {NAME_MAX} characters."),
        ));
    }
    Ok(name)
}

/// Creates a token named `name` for the signed-in admin (any admin role may; the token
/// acts with the admin's roles); answers its id, its name as kept, and its secret, which
/// is shown once and stored only hashed.
pub async fn create(
    state: &AppState,
    scope: &PartnerScope,
    name: &str,
    ctx: &RequestCtx<'_>,
) -> AppResult<(Uuid, String, String)> {
    scope.require(PartnerAction::View)?;
    let name = check_name(name)?;
    let mut tx = state.db.begin().await?;
    let (id, secret) =
        store::tokens::create(&mut *tx, scope.actor.person_id, name, state.clock.now()).await?;
    let detail = serde_json::json!({
        "token_id": id,
        "name": name,
        "prefix": &secret[..store::tokens::PREFIX_LEN],
    });
    let who = SlotActor::from(&scope.actor);
    audit_own_change(
        &mut tx,
        &who,
        "api_token.create",
        detail,
        Some(ctx),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok((id, name.to_string(), secret))
}

/// Revokes one of the signed-in admin's own tokens; anyone else's is 404.
pub async fn revoke(
    state: &AppState,
    scope: &PartnerScope,
    id: Uuid,
    ctx: &RequestCtx<'_>,
) -> AppResult<()> {
    scope.require(PartnerAction::View)?;
    let mut tx = state.db.begin().await?;
    if !store::tokens::revoke(&mut *tx, scope.actor.person_id, id, state.clock.now()).await? {
        return Err(AppError::NotFound);
    }
    let detail = serde_json::json!({ "token_id": id });
    let who = SlotActor::from(&scope.actor);
    audit_own_change(
        &mut tx,
        &who,
        "api_token.revoke",
        detail,
        Some(ctx),
        state.clock.now(),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Creates a token for the admin with `email` from the command line (`hub create-token`):
/// the same name rule and audit entry as from the pages, marked `"via": "cli"`, for
/// whoever runs the server. Answers the secret.
pub async fn create_from_cli(
    db: &crate::db::Pool,
    email: &str,
    name: &str,
    now: time::OffsetDateTime,
) -> AppResult<String> {
    let name = check_name(name)?;
    let person = store::people::by_email(db, email)
        .await?
        .ok_or_else(|| AppError::field("admin", format!("No admin has the email {email:?}.")))?;
    if person.disabled {
        return Err(AppError::field(
            "admin",
            format!("The admin {email:?} is disabled; a token would not work."),
        ));
    }
    let mut tx = db.begin().await?;
    let (id, secret) = store::tokens::create(&mut *tx, person.id, name, now).await?;
    let who = SlotActor {
        person_id: person.id,
        email: person.email,
        org_id: person.org_id,
    };
    let detail = serde_json::json!({
        "token_id": id,
        "name": name,
        "prefix": &secret[..store::tokens::PREFIX_LEN],
        "via": "cli",
    });
    audit_own_change(&mut tx, &who, "api_token.create", detail, None, now).await?;
    tx.commit().await?;
    Ok(secret)
}
