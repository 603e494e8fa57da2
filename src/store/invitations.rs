//! Invitations to choose a password (migration 0015): a random secret travels in an
//! email's link; only its SHA-256 is stored. One use, then it is spent; past its expiry
//! it is refused.

use base64::Engine;
use rand::RngCore;
use sha2::{Digest, Sha256};
use sqlx::{PgConnection, PgExecutor};
use time::OffsetDateTime;
use uuid::Uuid;

/// 32 random bytes in unpadded base64url.
const SECRET_LEN: usize = 43;

fn hash(secret: &str) -> Vec<u8> {
    Sha256::digest(secret.as_bytes()).to_vec()
}

fn new_secret() -> String {
    let mut bytes = [0u8; 32];
    rand::thread_rng().fill_bytes(&mut bytes);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes)
}

/// Could `s` be a secret this module made? (Anything else is not looked up.)
pub fn well_formed(s: &str) -> bool {
    s.len() == SECRET_LEN
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
}

/// Invites `person_id` until `expires_at`. Returns the secret for the link, which is
/// not stored and goes into the email now or never.
pub async fn create(
    db: impl PgExecutor<'_>,
    person_id: Uuid,
    now: OffsetDateTime,
    expires_at: OffsetDateTime,
) -> sqlx::Result<String> {
    let secret = new_secret();
    sqlx::query(
        "INSERT INTO invitations (id, person_id, token_hash, created_at, expires_at) VALUES ($1, $2, $3, $4, $5)",
    )
    .bind(Uuid::new_v4())
    .bind(person_id)
    .bind(hash(&secret))
    .bind(now)
    .bind(expires_at)
    .execute(db)
    .await?;
    Ok(secret)
}

/// An invitation found by its secret, with who it is for.
#[derive(Debug, sqlx::FromRow)]
pub struct Invitation {
    pub id: Uuid,
    pub person_id: Uuid,
    pub email: String,
    pub org_id: Uuid,
    pub org_name: String,
    pub org_kind: String,
    pub expires_at: OffsetDateTime,
    pub used_at: Option<OffsetDateTime>,
    pub disabled: bool,
}

const FIND: &str =
    "SELECT i.id, i.person_id, p.email::text AS email, p.org_id, o.name AS org_name, o.kind AS org_kind, i.expires_at,
                           i.used_at, p.disabled
                    FROM invitations i JOIN people p ON p.id = i.person_id
                    JOIN orgs o ON o.id = p.org_id AND o.deleted_at IS NULL
                    WHERE i.token_hash = $1";

/// The invitation whose link carries `secret`, if any (of a live org).
pub async fn find(db: impl PgExecutor<'_>, secret: &str) -> sqlx::Result<Option<Invitation>> {
    if !well_formed(secret) {
        return Ok(None);
    }
    sqlx::query_as(FIND)
        .bind(hash(secret))
        .fetch_optional(db)
        .await
}

/// `find`, locking the invitation until the transaction ends (so two uses of one link
/// at once cannot both pass).
pub async fn lock(conn: &mut PgConnection, secret: &str) -> sqlx::Result<Option<Invitation>> {
    if !well_formed(secret) {
        return Ok(None);
    }
    sqlx::query_as(&format!("{FIND} FOR UPDATE OF i"))
        .bind(hash(secret))
        .fetch_optional(&mut *conn)
        .await
}

/// Spends every open invitation of the person: the one used, and any older link.
pub async fn spend_all(
    conn: &mut PgConnection,
    person_id: Uuid,
    now: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("UPDATE invitations SET used_at = $2 WHERE person_id = $1 AND used_at IS NULL")
        .bind(person_id)
        .bind(now)
        .execute(&mut *conn)
        .await?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn secrets_are_long_distinct_and_recognised() {
        let (a, b) = (new_secret(), new_secret());
        assert_ne!(a, b);
        assert!(well_formed(&a) && well_formed(&b));
        assert!(!well_formed(""));
        assert!(!well_formed(&format!("{}=", &a[..42])));
        assert!(!well_formed(&format!("{a}x")));
        assert_eq!(hash(&a).len(), 32);
    }
}
