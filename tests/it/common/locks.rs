//! Proving that a request waits on a lock another transaction holds.

use super::TestApp;

impl TestApp {
    /// The backend id of `conn` (say, a transaction the test holds open).
    pub async fn backend_pid(&self, conn: &mut sqlx::PgConnection) -> i32 {
        sqlx::query_scalar("SELECT pg_backend_pid()")
            .fetch_one(conn)
            .await
            .unwrap()
    }

    /// Waits (up to ten seconds) until a backend of this database waits on a lock —
    /// the transaction id of `blocker`, as an insert does on a unique index entry that
    /// `blocker` wrote and has not committed — and returns that backend's id. Panics if
    /// none comes to wait.
    pub async fn wait_until_blocked_by(&self, blocker: i32) -> i32 {
        let started = std::time::Instant::now();
        loop {
            let waiting: Option<i32> = sqlx::query_scalar(
                "SELECT a.pid FROM pg_stat_activity a
                 JOIN pg_locks l ON l.pid = a.pid AND NOT l.granted AND l.locktype = 'transactionid'
                 WHERE a.datname = current_database() AND a.wait_event_type = 'Lock'
                   AND $1 = ANY (pg_blocking_pids(a.pid))
                 LIMIT 1",
            )
            .bind(blocker)
            .fetch_optional(&self.db)
            .await
            .unwrap();
            if let Some(pid) = waiting {
                return pid;
            }
            assert!(
                started.elapsed() < std::time::Duration::from_secs(10),
                "no backend came to wait on the transaction of backend {blocker}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        }
    }
}
