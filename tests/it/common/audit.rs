//! The audit log in tests.

use serde_json::Value;

use super::TestApp;

impl TestApp {
    pub async fn audit_count(&self, action: &str, outcome: &str) -> i64 {
        sqlx::query_scalar("SELECT count(*) FROM audit_log WHERE action = $1 AND outcome = $2")
            .bind(action)
            .bind(outcome)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }

    /// The actor and detail of the latest refusal recorded (`authorization.denied`).
    pub async fn last_denial(&self) -> (Option<String>, Value) {
        sqlx::query_as(
            "SELECT actor_email, detail FROM audit_log WHERE action = 'authorization.denied' ORDER BY id DESC LIMIT 1",
        )
        .fetch_one(&self.db)
        .await
        .unwrap()
    }

    /// The address recorded with the latest entry of `action`.
    pub async fn last_audit_ip(&self, action: &str) -> Option<String> {
        sqlx::query_scalar("SELECT ip FROM audit_log WHERE action = $1 ORDER BY id DESC LIMIT 1")
            .bind(action)
            .fetch_one(&self.db)
            .await
            .unwrap()
    }
}
