//! Sign-in attempts and failed API tokens, kept for the limits (`services::sign_in`).
//! Shared through Postgres so every app instance sees the same counts.
//!
//! An attempt is *reserved* before its password is checked: counted and written as a
//! failure under the address's and the account's advisory locks, in one short
//! transaction, so that parallel attempts cannot all see the same count and all pass.
//! A check that then succeeds turns its row into a success (`settle`).

use crate::db::Pool;
use sqlx::PgExecutor;
use time::OffsetDateTime;

/// The "account" of a failed API token: no email, so it never counts against a real
/// account, and the token limit counts only these.
pub const API_TOKEN: &str = "(api token)";

/// Failures since the window's start that bear on one sign-in attempt.
#[derive(Debug, Clone, Copy, Default)]
pub struct Failures {
    /// This account from this address.
    pub pair: i64,
    /// Any account from this address (API tokens not included).
    pub address: i64,
    /// This account from anywhere.
    pub account: i64,
    /// The newest failure of this account, from anywhere.
    pub account_latest: Option<OffsetDateTime>,
}

/// Either the id of the reserved attempt, or the failures that refused it.
pub enum Reservation {
    Reserved(i64),
    Refused(Failures),
}

/// Counts the failures bearing on (email, ip) since `since` and, when `allowed` says so,
/// writes this attempt as a failure at `now`, all under locks on the address and the
/// account (always in that order, so two attempts never wait on each other in a cycle).
pub async fn reserve(
    db: &Pool,
    email: &str,
    ip: &str,
    since: OffsetDateTime,
    now: OffsetDateTime,
    allowed: impl FnOnce(&Failures) -> bool,
) -> sqlx::Result<Reservation> {
    let mut tx = db.begin().await?;
    sqlx::query(
        "SELECT pg_advisory_xact_lock(hashtextextended('login-address:' || $2, 0)),
                pg_advisory_xact_lock(hashtextextended('login-account:' || lower($1), 0))",
    )
    .bind(email)
    .bind(ip)
    .execute(&mut *tx)
    .await?;
    let (pair, address, account, account_latest): (i64, i64, i64, Option<OffsetDateTime>) =
        sqlx::query_as(
            "SELECT count(*) FILTER (WHERE email = $1::citext AND ip = $2),
                    count(*) FILTER (WHERE ip = $2 AND email <> $4::citext),
                    count(*) FILTER (WHERE email = $1::citext),
                    max(at) FILTER (WHERE email = $1::citext)
             FROM login_attempts
             WHERE NOT succeeded AND at >= $3 AND (email = $1::citext OR ip = $2)",
        )
        .bind(email)
        .bind(ip)
        .bind(since)
        .bind(API_TOKEN)
        .fetch_one(&mut *tx)
        .await?;
    let failures = Failures {
        pair,
        address,
        account,
        account_latest,
    };
    if !allowed(&failures) {
        tx.commit().await?;
        return Ok(Reservation::Refused(failures));
    }
    let id: i64 = sqlx::query_scalar(
        "INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ($1, $2, false, $3)
         RETURNING id",
    )
    .bind(email)
    .bind(ip)
    .bind(now)
    .fetch_one(&mut *tx)
    .await?;
    tx.commit().await?;
    Ok(Reservation::Reserved(id))
}

/// The reserved attempt's outcome: a success stops counting as a failure.
pub async fn settle(db: impl PgExecutor<'_>, id: i64, succeeded: bool) -> sqlx::Result<()> {
    if succeeded {
        sqlx::query("UPDATE login_attempts SET succeeded = true WHERE id = $1")
            .bind(id)
            .execute(db)
            .await?;
    }
    Ok(())
}

/// Takes back a reservation whose password was never checked (the server was too busy).
pub async fn release(db: impl PgExecutor<'_>, id: i64) -> sqlx::Result<()> {
    sqlx::query("DELETE FROM login_attempts WHERE id = $1")
        .bind(id)
        .execute(db)
        .await?;
    Ok(())
}

/// Records a failed API token from `ip`.
pub async fn record_token_failure(
    db: impl PgExecutor<'_>,
    ip: &str,
    at: OffsetDateTime,
) -> sqlx::Result<()> {
    sqlx::query("INSERT INTO login_attempts (email, ip, succeeded, at) VALUES ($1, $2, false, $3)")
        .bind(API_TOKEN)
        .bind(ip)
        .bind(at)
        .execute(db)
        .await?;
    Ok(())
}

/// Forgets attempts older than `before` (run by the housekeeping job).
pub async fn prune(db: impl PgExecutor<'_>, before: OffsetDateTime) -> sqlx::Result<u64> {
    Ok(sqlx::query("DELETE FROM login_attempts WHERE at < $1")
        .bind(before)
        .execute(db)
        .await?
        .rows_affected())
}
