//! The job queue in tests: every due job run to completion on demand, with the crate's
//! own worker code, instead of a background worker raced by sleeps; and a queue kept full.

use wholesale_hub::jobs::Worker;

use super::TestApp;

impl TestApp {
    /// Runs every job due now (and those they make due) to completion, as the app's
    /// worker would, and returns how many ran. The app must run no worker of its own
    /// (`spawn_app`), so nothing else takes the jobs.
    pub async fn run_due_jobs(&self) -> usize {
        let mut worker = Worker::new(
            self.db.clone(),
            self.clock.clone(),
            wholesale_hub::job_registry(),
        );
        // Links in emails point at this app, as the app's own worker's do.
        worker.mail = self.state.config.mail.clone();
        worker.run_due().await
    }
}

/// Fills the job queue with due work up to the point where creations are refused (the
/// app under test runs no worker, so it stays full).
pub async fn fill_job_queue(app: &TestApp) {
    sqlx::query(
        "INSERT INTO jobs (kind, run_at, created_at, updated_at)
         SELECT 'test.waiting', now() - interval '1 second', now(), now() FROM generate_series(1, $1)",
    )
    .bind(wholesale_hub::services::customer::create::MAX_READY_JOBS)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Finishes the work of `fill_job_queue`, and moves the app's clock past its one-second
/// reading of the queue.
pub async fn drain_job_queue(app: &TestApp) {
    sqlx::query("UPDATE jobs SET state = 'succeeded' WHERE kind = 'test.waiting'")
        .execute(&app.db)
        .await
        .unwrap();
    app.clock.advance(time::Duration::milliseconds(1100));
}
