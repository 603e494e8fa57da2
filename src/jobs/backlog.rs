//! How much work is waiting: the number of due jobs in the queue, read at most once a
//! second and shared by every request, so that creations can be refused while the
//! workers are behind (load shedding) without a query per request.
//!
//! The second is measured on the app's `Clock`, so a test that moves the clock sees a
//! fresh reading without waiting.

use std::sync::atomic::{AtomicI64, Ordering};

use crate::db::Pool;
use time::{Duration, OffsetDateTime};
use tokio::sync::Mutex;

use crate::clock::Clock;

/// How long a reading is used before it is taken again.
const FRESH_FOR: Duration = Duration::seconds(1);
/// Counting stops here: beyond it the answer is "at least this many".
const COUNT_UP_TO: i64 = 100_000;

#[derive(Default)]
pub struct Backlog {
    ready: AtomicI64,
    read_at: Mutex<Option<OffsetDateTime>>,
}

impl Backlog {
    /// Due jobs waiting for a worker (as of at most `FRESH_FOR` ago on `clock`). While
    /// one request reads the queue, the others use the previous reading.
    pub async fn ready_jobs(&self, db: &Pool, clock: &Clock) -> sqlx::Result<i64> {
        let now = clock.now();
        if let Ok(mut read_at) = self.read_at.try_lock()
            // A clock that went back (it never does outside tests) also reads again.
            && read_at.is_none_or(|t| now - t >= FRESH_FOR || now < t)
        {
            let n: i64 = sqlx::query_scalar(
                "SELECT count(*) FROM (SELECT 1 FROM jobs WHERE state = 'queued' AND run_at <= now() LIMIT $1) due",
            )
            .bind(COUNT_UP_TO)
            .fetch_one(db)
            .await?;
            self.ready.store(n, Ordering::Relaxed);
            *read_at = Some(clock.now());
        }
        Ok(self.ready.load(Ordering::Relaxed))
    }
}
