//! How much work is waiting: the number of due jobs in the queue, read at most once a
//! second and shared by every request, so that creations can be refused while the
//! workers are behind (load shedding) without a query per request.

use std::sync::atomic::{AtomicI64, Ordering};
use std::time::{Duration, Instant};

use sqlx::PgPool;
use tokio::sync::Mutex;

/// How long a reading is used before it is taken again.
const FRESH_FOR: Duration = Duration::from_secs(1);
/// Counting stops here: beyond it the answer is "at least this many".
const COUNT_UP_TO: i64 = 100_000;

#[derive(Default)]
pub struct Backlog {
    ready: AtomicI64,
    read_at: Mutex<Option<Instant>>,
}

impl Backlog {
    /// Due jobs waiting for a worker (as of at most `FRESH_FOR` ago). While one request
    /// reads the queue, the others use the previous reading.
    pub async fn ready_jobs(&self, db: &PgPool) -> sqlx::Result<i64> {
        if let Ok(mut read_at) = self.read_at.try_lock()
            && read_at.is_none_or(|t| t.elapsed() >= FRESH_FOR)
        {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'queued' AND run_at <= now() LIMIT $1) due",
            )
            .bind(COUNT_UP_TO)
            .fetch_one(db)
            .await?;
            self.ready.store(n, Ordering::Relaxed);
            *read_at = Some(Instant::now());
        }
        Ok(self.ready.load(Ordering::Relaxed))
    }
}
