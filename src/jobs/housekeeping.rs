//! The recurring clean-up job: expired sessions, old sign-in attempts, spent SSO
//! transactions and replay records. Scheduled at most once per hour by `ensure_scheduled`.

use time::Duration;

use super::queue::{self, ClaimedJob, NewJob};
use super::worker::JobContext;

pub const KIND: &str = "housekeeping";

pub async fn run(ctx: JobContext, _job: ClaimedJob) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let sessions = sqlx::query("DELETE FROM tower_sessions.session WHERE expiry_date < $1")
        .bind(now)
        .execute(&ctx.db)
        .await?;
    let attempts = crate::store::login_attempts::prune(&ctx.db, now - Duration::days(1)).await?;
    sqlx::query("DELETE FROM sso_transactions WHERE expires_at < $1")
        .bind(now - Duration::hours(1))
        .execute(&ctx.db)
        .await?;
    sqlx::query("DELETE FROM saml_consumed_assertions WHERE expires_at < $1")
        .bind(now)
        .execute(&ctx.db)
        .await?;
    sqlx::query("DELETE FROM jobs WHERE state = 'succeeded' AND finished_at < $1")
        .bind(now - Duration::days(30))
        .execute(&ctx.db)
        .await?;
    tracing::info!(
        sessions = sessions.rows_affected(),
        login_attempts = attempts,
        "housekeeping done"
    );
    Ok(())
}

/// Enqueues the next housekeeping run unless one is pending or ran within the hour.
pub async fn ensure_scheduled(ctx: &JobContext) -> anyhow::Result<()> {
    let now = ctx.clock.now();
    let mut tx = ctx.db.begin().await?;
    sqlx::query("SELECT pg_advisory_xact_lock(4242)")
        .execute(&mut *tx)
        .await?;
    let recent: bool = sqlx::query_scalar(
        "SELECT EXISTS (SELECT 1 FROM jobs WHERE kind = $1 AND (state IN ('queued', 'running') OR created_at > $2))",
    )
    .bind(KIND)
    .bind(now - Duration::hours(1))
    .fetch_one(&mut *tx)
    .await?;
    if !recent {
        queue::enqueue(&mut tx, &NewJob::new(KIND, serde_json::json!({})), now).await?;
    }
    tx.commit().await?;
    Ok(())
}
