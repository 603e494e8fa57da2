//! Sign-in attempts, kept for the rate limit. Shared through Postgres so every app
//! instance sees the same counts.

use sqlx::PgExecutor;
use time::OffsetDateTime;

pub async fn record(
    db: impl PgExecutor<'_>,
    email: &str,
    ip: &str,
    succeeded: bool,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ($1, $2, $3, $4)")
        .bind(email)
        .bind(ip)
        .bind(succeeded)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

/// Failures since `since`, for this account and for this address.
pub async fn failures_since(
    db: impl PgExecutor<'_>,
    email: &str,
    ip: &str,
    since: OffsetDateTime,
) -> sqlx::Result<(i64, i64)> {
    sqlx::query_as(
        "SELECT count(*) FILTER (WHERE email = $1::citext), count(*) FILTER (WHERE ip = $2)
         FROM login_attempts WHERE NOT succeeded AND at >= $3 AND (email = $1::citext OR ip = $2)",
    )
    .bind(email)
    .bind(ip)
    .bind(since)
    .fetch_one(db)
    .await
}

/// Forgets attempts older than `before` (run by the housekeeping job).
pub async fn prune(db: impl PgExecutor<'_>, before: OffsetDateTime) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM login_attempts WHERE at < $1")
        .bind(before)
        .execute(db)
        .await?
        .rows_affected())
}
