//! The job queue in tests: every due job run to completion on demand, with the crate's
//! own worker code, instead of a background worker raced by sleeps; and a queue kept full.

use uuid::Uuid;
use wholesale_hub::jobs::Worker;

use super::TestApp;

impl TestApp {
    /// Runs every job due now (and those they make due) to completion, as the app's
    /// worker would, and returns how many ran. The app must run no worker of its own
    /// (`spawn_app`), so nothing else takes the jobs.
    pub async fn run_due_jobs(&self) -> usize {
        Worker::new(
            self.db.clone(),
            self.clock.clone(),
            wholesale_hub::job_registry(),
        )
        .run_due()
        .await
    }

    /// The status of an org (a customer's `provisioning`, `provisioned`…).
    pub async fn org_status(&self, id: Uuid) -> Option<String> {
        sqlx::query_scalar("SELECT status FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// Whether an org's record is marked deleted (its wholesale services removed).
    pub async fn org_deleted(&self, id: Uuid) -> bool {
        sqlx::query_scalar("SELECT deleted_at IS NOT NULL FROM orgs WHERE id = $1")
            .bind(id)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}

/// Fills the job queue with due work up to the point where creations are refused (the
/// app under test runs no worker, so it stays full).
pub async fn fill_job_queue(app: &TestApp) {
    sqlx::query(
        "INSERT INTO jobs (kind, run_at, created_at, updated_at)
         SELECT 'test.waiting', now() - interval '1 second', now(), now() FROM generate_series(1, $1)",
    )
    .bind(wholesale_hub::services::provisioning::MAX_READY_JOBS)
    .execute(&app.db)
    .await
    .unwrap();
}

/// Finishes the work of `fill_job_queue`, and waits out the app's one-second reading of
/// the queue.
pub async fn drain_job_queue(app: &TestApp) {
    sqlx::query("UPDATE jobs SET state = 'succeeded' WHERE kind = 'test.waiting'")
        .execute(&app.db)
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(1100)).await;
}

impl TestApp {
    /// `client` (a partner admin) confirms the removal of customer `id` from its page;
    /// the removal job is queued, not run.
    pub async fn start_customer_removal(&self, client: &reqwest::Client, id: Uuid) {
        let r = self
            .post_form_with(
                client,
                &format!("/partner/customers/{id}/delete"),
                &[("confirm", "yes")],
            )
            .await;
        assert_eq!(super::location(&r), "/partner/customers", "removing {id}");
        assert!(!self.org_deleted(id).await, "removed before its job ran");
    }

    /// `start_customer_removal`, then runs the jobs: the customer is deleted.
    pub async fn remove_customer(&self, client: &reqwest::Client, id: Uuid) {
        self.start_customer_removal(client, id).await;
        self.run_due_jobs().await;
        assert!(self.org_deleted(id).await, "{id} was not removed");
    }
}
