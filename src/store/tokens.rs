//! API tokens (SPEC §9): created by an admin in the portal, shown once, stored only as a
//! SHA-256 hash, revocable. A token acts with its admin's roles.

use crate::db::Pool;
use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::PgExecutor;
use time::{Duration, OffsetDateTime};
use uuid::Uuid;

/// Every token starts with this, so a leaked one is easy to recognise (secret scanners).
pub const SCHEME_PREFIX: &str = "whk_";
/// Longest token name (the page and the CLI check it).
pub const NAME_MAX: usize = 100;
/// Characters of the token kept in clear for display.
pub const PREFIX_LEN: usize = 12;
/// `last_used_at` is rewritten at most this often, so using a token does not always write.
const TOUCH_EVERY: Duration = Duration::minutes(1);
/// `whk_` + 32 random bytes in unpadded base64url (43 characters).
const TOKEN_LEN: usize = 4 + 43;

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    format!(
        "{SCHEME_PREFIX}{}",
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
    )
}

/// Creates a token for `person_id`. Returns its id and the secret, which is not stored
/// and must be shown to the admin now or never.
pub async fn create(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    name: &str,
    now: OffsetDateTime,
) -> sqlx::Result<(Uuid, String)> {
    let id = Uuid::new_v4();
    let secret = new_secret();
    sqlx::query(
        "INSERT INTO api_tokens (id, person_id, name, token_hash, prefix, created_at)
         VALUES ($1, $2, $3, $4, $5, $6)",
    )
    .bind(id)
    .bind(person_id)
    .bind(name)
    .bind(hash(&secret))
    .bind(&secret[..PREFIX_LEN])
    .bind(now)
    .execute(db)
    .await?;
    Ok((id, secret))
}

/// A token as its owner sees it: never the secret, only its first characters.
#[derive(Debug, sqlx::FromRow)]
pub struct TokenRow {
    pub id: Uuid,
    pub name: String,
    pub prefix: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked_at: Option<OffsetDateTime>,
}

impl TokenRow {
    pub fn revoked(&self) -> bool {
        self.revoked_at.is_some()
    }
}

/// The person's tokens, active ones first, newest first.
pub async fn list_for_person(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
) -> sqlx::Result<Vec<TokenRow>> {
    sqlx::query_as(
        "SELECT id, name, prefix, created_at, last_used_at, revoked_at FROM api_tokens
         WHERE person_id = $1 ORDER BY revoked_at IS NOT NULL, created_at DESC, id",
    )
    .bind(person_id)
    .fetch_all(db)
    .await
}

/// Revokes one of the person's own tokens. False when the person has no such token
/// (someone else's answers the same as a missing one). Revoking twice is harmless.
pub async fn revoke(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    token_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<bool> {
    let done = sqlx::query(
        "UPDATE api_tokens SET revoked_at = coalesce(revoked_at, $3) WHERE id = $1 AND person_id = $2",
    )
    .bind(token_id)
    .bind(person_id)
    .bind(now)
    .execute(db)
    .await?;
    Ok(done.rows_affected() > 0)
}

/// What a presented token proves, read with the failed tokens of the address it came
/// from and the person it acts for (one round trip), for the limit on guessing.
pub struct Presented {
    /// The token's person, when the token is active (not revoked) and the person not
    /// disabled.
    pub person_id: Option<Uuid>,
    /// That person as an actor, with their org and every role (`people::actor_select`).
    pub actor: Option<crate::store::people::ActorRecord>,
    /// Failed tokens from this address since `since` (sign-ins are not counted here).
    pub failures_from_address: i64,
}

/// Looks a presented token up, with the address's recent failures. Records the token's
/// use, at most once a minute.
pub async fn authenticate(
    db: &Pool,
    secret: &str,
    ip: &str,
    since: OffsetDateTime,
    now: OffsetDateTime,
) -> sqlx::Result<Presented> {
    // A secret of the wrong shape is looked up as no token (it cannot match a hash).
    let well_formed = secret.len() == TOKEN_LEN && secret.starts_with(SCHEME_PREFIX);
    let actor = crate::store::people::actor_select("t.person_id");
    let (failures_from_address, id, person_id, last_used, actor): (
        i64,
        Option<Uuid>,
        Option<Uuid>,
        Option<OffsetDateTime>,
        Option<serde_json::Value>,
    ) = sqlx::query_as(&format!(
        "SELECT (SELECT count(*) FROM login_attempts
                 WHERE ip = $2 AND email = $5::citext AND NOT succeeded AND at >= $3),
                t.id, t.person_id, t.last_used_at,
                CASE WHEN t.id IS NOT NULL THEN (SELECT to_jsonb(a) FROM ({actor}) a) END AS actor
         FROM (SELECT 1) one
         LEFT JOIN (api_tokens t JOIN people p ON p.id = t.person_id AND NOT p.disabled)
                ON $4 AND t.token_hash = $1 AND t.revoked_at IS NULL"
    ))
    .bind(hash(secret))
    .bind(ip)
    .bind(since)
    .bind(well_formed)
    .bind(super::login_attempts::API_TOKEN)
    .fetch_one(db)
    .await?;
    if let Some(id) = id
        && last_used.is_none_or(|t| now - t >= TOUCH_EVERY)
    {
        sqlx::query(
            "UPDATE api_tokens SET last_used_at = $2
             WHERE id = $1 AND (last_used_at IS NULL OR last_used_at <= $2 - interval '1 minute')",
        )
        .bind(id)
        .bind(now)
        .execute(db)
        .await?;
    }
    Ok(Presented {
        person_id,
        actor: actor
            .zip(person_id)
            .and_then(|(json, person)| crate::store::people::preloaded_actor(json, person)),
        failures_from_address,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_have_the_scheme_prefix_the_expected_length_and_differ() {
        let (a, b) = (new_secret(), new_secret());
        assert!(a.starts_with(SCHEME_PREFIX));
        assert_eq!(a.len(), TOKEN_LEN);
        assert_ne!(a, b);
        assert!(
            a[SCHEME_PREFIX.len()..]
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        );
    }

    #[test]
    fn the_hash_is_sha256_of_the_whole_token() {
        let h = hash("whk_abc");
        assert_eq!(h.len(), 32);
        assert_ne!(h, hash("abc"));
    }
}
